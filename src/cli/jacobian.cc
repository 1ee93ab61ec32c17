// mnemo rank | capacity | fit: the smooth-activation Jacobian-rank solver (issue 4,
// design/jacobian_rank.md). Exit codes: rank → 1 when the certified rank contradicts the
// prediction; fit → 1 when the fit did not reach the residual tolerance.
#include <cmath>
#include <memory>
#include <regex>

#include "mnemo/error.h"
#include "mnemo/evaluate.h"
#include "mnemo/io.h"
#include "mnemo/jacobian_capacity.h"
#include "mnemo/jacobian_rank.h"
#include "mnemo/two_layer_fit.h"
#include "mnemo/table.h"
#include "src/cli/cli_util.h"
#include "src/cli/commands.h"

namespace mnemo::cli {
namespace {

struct Range {
  int64_t lo = 0, hi = 0;
};
/// "m1..m2 x d1..d2" (or a single value per side).
std::pair<Range, Range> ParseGrid(const std::string& text) {
  static const std::regex re(R"(\s*(\d+)(?:\.\.(\d+))?\s*[xX×]\s*(\d+)(?:\.\.(\d+))?\s*)");
  std::smatch mt;
  if (!std::regex_match(text, mt, re)) Fail("--grid: expected m1..m2 x d1..d2, got \"{}\"", text);
  auto num = [&](int k, int fallback) { return mt[k].matched ? std::stoll(mt[k].str()) : std::stoll(mt[fallback].str()); };
  Range m{num(1, 1), num(2, 1)}, d{num(3, 3), num(4, 3)};
  if (m.lo < 1 || d.lo < 1 || m.hi < m.lo || d.hi < d.lo) Fail("--grid: empty or non-positive range \"{}\"", text);
  return {m, d};
}

}  // namespace

void AddJacobianCommands(CLI::App& app, int* exit_code) {
  // ---- rank
  struct RankFlags {
    std::string activation = "tanh", data, wrt = "all", point = "random", bias = "random", route = "auto";
    int64_t m = 0, d = 0, n = 0;
    bool certify = false, json = false;
    uint64_t seed = 1;
    int draws = 3, primes = 3;
  };
  auto rf = std::make_shared<RankFlags>();
  CLI::App* rank = AddCommand(app, "rank", "rank of the Jacobian of a smooth two-layer network on n points",
                              exit_code, [rf] {
    if (rf->json) Progress::SetEnabled(false);
    RankOptions o;
    o.activation = TwoLayerActivation::Parse(rf->activation);
    o.m = rf->m;
    o.d = rf->d;
    o.n = rf->n;
    o.wrt = ParseWrt(rf->wrt);
    o.point = ParsePointKind(rf->point);
    o.bias = ParseBiasMode(rf->bias);
    o.certify = rf->certify;
    o.seed = rf->seed;
    o.draws = rf->draws;
    o.primes = rf->primes;
    if (rf->route != "auto" && rf->route != "svd" && rf->route != "gram")
      Fail("--route: expected auto, svd or gram, got \"{}\"", rf->route);
    o.route = rf->route;
    Eigen::MatrixXd x;
    if (!rf->data.empty()) {
      Dataset data = LoadDataset(rf->data);
      for (const std::string& w : data.warnings) fmt::print(stderr, "mnemo: warning: {}\n", w);
      x = Normalized(data, ComputeNormalization(data)).transpose();
      if (o.d == 0) o.d = x.rows();
      o.data = &x;
    } else if (o.n < 1) {
      Fail("--n is required without --data");
    }
    if (o.d < 1) Fail("--d is required without --data");
    RankReport r = ComputeRank(o);
    if (rf->json) PrintJson(r.ToJson());
    else fmt::print("{}", r.ToText());
    return r.contradiction ? 1 : 0;
  });
  rank->add_option("--activation", rf->activation, "sigmoid|tanh|softplus|gelu|silu|erf|sin|exp|poly:k|poly:c0,c1,..|relu|step")
      ->default_str("tanh");
  rank->add_option("--m", rf->m, "hidden neurons")->required();
  rank->add_option("--d", rf->d, "input dimension (default: that of --data)");
  rank->add_option("--n", rf->n, "points (default: all of --data)");
  rank->add_option("--data", rf->data, "DATA source (normalized into the unit ball); default Gaussian N(0, I/d)");
  rank->add_option("--wrt", rf->wrt, "weights (J_W) or all (W, b, v)")->default_str("all");
  rank->add_option("--point", rf->point, "random or paired (W = [U,U], b = [β,β], v = [c,−c])")->default_str("random");
  rank->add_option("--bias", rf->bias, "random or zero hidden biases")->default_str("random");
  rank->add_flag("--certify", rf->certify, "certify: rank mod primes < 2^21 (polynomial σ) or float σ_min bound");
  rank->add_option("--seed", rf->seed, "seed")->default_str("1");
  rank->add_option("--draws", rf->draws, "random draws (generic rank = max)")->default_str("3");
  rank->add_option("--primes", rf->primes, "primes for the mod-p certificate")->default_str("3");
  rank->add_option("--route", rf->route, "auto (Gram JJᵀ when 2n ≤ columns), svd or gram")->default_str("auto");
  rank->add_flag("--json", rf->json, "print one JSON object");

  // ---- capacity
  struct CapacityFlags {
    std::string activation = "tanh", grid, csv = "capacity_grid.csv";
    int64_t m = 0, d = 0;
    uint64_t seed = 1;
    int draws = 2;
    bool json = false, no_certify = false;
  };
  auto cf = std::make_shared<CapacityFlags>();
  CLI::App* capacity = AddCommand(app, "capacity", "memory-capacity thresholds from the Jacobian rank, with certificates",
                                  exit_code, [cf] {
    if (cf->json) Progress::SetEnabled(false);
    JacobianCapacityOptions o;
    o.activation = TwoLayerActivation::Parse(cf->activation);
    o.seed = cf->seed;
    o.draws = cf->draws;
    o.certify = !cf->no_certify;
    if (cf->grid.empty()) {
      if (cf->m < 1 || cf->d < 1) Fail("--m and --d (or --grid) are required");
      o.m = cf->m;
      o.d = cf->d;
      JacobianCapacityReport r = ComputeJacobianCapacity(o);
      if (cf->json) PrintJson(r.ToJson());
      else fmt::print("{}", r.ToText());
      return 0;
    }
    auto [mr, dr] = ParseGrid(cf->grid);
    Table t({"m", "d", "floor(md/2)", "W random", "all random", "W paired", "all paired",
             "(m/2)(d+2)", "upper bound", "certified", "seconds"});
    nlohmann::ordered_json rows = nlohmann::ordered_json::array();
    for (int64_t m = mr.lo; m <= mr.hi; ++m)
      for (int64_t d = dr.lo; d <= dr.hi; ++d) {
        o.m = m;
        o.d = d;
        JacobianCapacityReport r = ComputeJacobianCapacity(o);
        bool all_cert = true;
        for (const auto& row : r.rows) all_cert &= row.certified;
        t.AddRow({std::to_string(m), std::to_string(d), std::to_string(r.lower_bound),
                  std::to_string(r.rows[0].threshold), std::to_string(r.rows[1].threshold),
                  std::to_string(r.rows[2].threshold), std::to_string(r.rows[3].threshold),
                  m % 2 == 0 ? std::to_string((m / 2) * (d + 2)) : "-", std::to_string(r.upper_bound),
                  all_cert ? "yes" : "no", FormatNumber(r.seconds, 3)});
        rows.push_back(r.ToJson());
      }
    WriteFileAtomic(cf->csv, t.ToCsv());
    if (cf->json) {
      nlohmann::ordered_json j;
      j["activation"] = o.activation.Name();
      j["csv"] = cf->csv;
      j["grid"] = rows;
      PrintJson(j);
    } else {
      fmt::print("{}", t.ToText());
      fmt::print("wrote {}\n", cf->csv);
    }
    return 0;
  });
  capacity->add_option("--activation", cf->activation, "activation (see rank)")->default_str("tanh");
  capacity->add_option("--m", cf->m, "hidden neurons");
  capacity->add_option("--d", cf->d, "input dimension");
  capacity->add_option("--grid", cf->grid, "m1..m2 x d1..d2: the whole table, also written as CSV");
  capacity->add_option("--csv", cf->csv, "CSV path for --grid")->default_str("capacity_grid.csv");
  capacity->add_option("--seed", cf->seed, "seed")->default_str("1");
  capacity->add_option("--draws", cf->draws, "random draws per rank")->default_str("2");
  capacity->add_flag("--no-certify", cf->no_certify, "numerical thresholds only");
  capacity->add_flag("--json", cf->json, "print one JSON object");

  // ---- fit
  struct FitFlags {
    DataFlags data;
    std::string activation = "tanh", method = "lm", wrt = "all", output;
    int64_t m = 0;
    uint64_t seed = 1;
    int max_iter = 500, restarts = 3;
    double lambda = 0, tolerance = 1e-11;
    bool json = false;
  };
  auto ff = std::make_shared<FitFlags>();
  CLI::App* fit = AddCommand(app, "fit", "fit a smooth two-layer network that interpolates DATA", exit_code, [ff] {
    if (ff->json) Progress::SetEnabled(false);
    FitOptions o;
    o.activation = TwoLayerActivation::Parse(ff->activation);
    o.m = ff->m;
    o.method = ParseFitMethod(ff->method);
    o.wrt = ParseWrt(ff->wrt);
    o.seed = ff->seed;
    o.max_iterations = ff->max_iter;
    o.restarts = ff->restarts;
    o.lambda = ff->lambda;
    if (!(ff->tolerance > 0)) Fail("--tolerance must be positive");
    o.residual_tolerance = ff->tolerance;
    Dataset data = LoadData(ff->data);
    FitReport rep;
    Network net = FitDataset(o, data, &rep);
    // The written network, evaluated by the core's float64 path on the raw data.
    RowMatrix out = EvaluateFloat(net, data.x);
    double net_residual = 0;
    int64_t wrong = 0;
    for (int64_t i = 0; i < data.n(); ++i) {
      if (!data.classification) {
        net_residual = std::max(net_residual, std::fabs(out(i, 0) - data.target[i]));
      } else {
        std::vector<double> row(out.row(i).data(), out.row(i).data() + out.cols());
        wrong += DecodeClass(net, row) != data.y[i];
      }
    }
    if (!ff->output.empty()) SaveNetwork(net, ff->output);
    if (ff->json) {
      nlohmann::ordered_json j = rep.ToJson();
      j.erase("history");
      if (!data.classification) j["network_max_residual"] = net_residual;
      else j["network_misclassified"] = wrong;
      j["network"] = ToJson(net.Stats());
      j["output"] = ff->output;
      PrintJson(j);
    } else {
      fmt::print("{}", rep.ToText());
      if (!data.classification) fmt::print("written network: max |f(x) − y| = {:.3g} (float64)\n", net_residual);
      else fmt::print("written network: {} misclassified (float64)\n", wrong);
      if (!ff->output.empty()) fmt::print("wrote {}\n", ff->output);
    }
    return rep.success ? 0 : 1;
  });
  AddDataFlags(fit, &ff->data);
  fit->add_option("--activation", ff->activation, "activation (see rank)")->default_str("tanh");
  fit->add_option("--m", ff->m, "hidden neurons")->required();
  fit->add_option("--method", ff->method, "lm | paired-gn | varpro")->default_str("lm");
  fit->add_option("--wrt", ff->wrt, "parameters to move: all, or weights (paired-gn, n ≤ ⌊m/2⌋d)")->default_str("all");
  fit->add_option("-o,--output", ff->output, "write the fitted network (mnemo JSON)");
  fit->add_option("--seed", ff->seed, "seed")->default_str("1");
  fit->add_option("--max-iter", ff->max_iter, "iteration limit per start")->default_str("500");
  fit->add_option("--restarts", ff->restarts, "fresh random starts after a failure")->default_str("3");
  fit->add_option("--lambda", ff->lambda, "paired-gn: starting λ (default 100)");
  fit->add_option("--tolerance", ff->tolerance, "success: max |f(x_i) − y_i| ≤ tolerance")->default_str("1e-11");
  fit->add_flag("--json", ff->json, "print one JSON object");
}

}  // namespace mnemo::cli
