// mnemo fit: weights of a two-layer network that interpolate DATA, written as a mnemo network and
// checked in float64. Exit 1 when the fit did not reach the residual tolerance.
#include <cmath>
#include <memory>

#include "mnemo/error.h"
#include "mnemo/evaluate.h"
#include "mnemo/io.h"
#include "mnemo/two_layer_fit.h"
#include "src/cli/cli_util.h"
#include "src/cli/commands.h"
#include "src/cli/theory_output.h"
#include "src/internal/wrap.h"

namespace mnemo::cli {
namespace {

struct FitFlags {
  DataFlags data;
  std::string activation = "tanh", method = "lm", wrt = "all", output;
  int64_t m = 0;
  uint64_t seed = 1;
  int max_iter = 500, restarts = 3;
  double lambda = 0, tolerance = 1e-11;
  bool json = false;
};

/// The written network, evaluated by the core's float64 path on the raw data: the largest
/// residual (real targets) or the number of misclassified rows.
double CheckWritten(const Network& net, const Dataset& data, int64_t* wrong) {
  RowMatrix out = EvaluateFloat(net, data.x.Dense());  // fit's data are small
  double residual = 0;
  *wrong = 0;
  for (int64_t i = 0; i < data.n(); ++i) {
    if (!data.classification) {
      residual = std::max(residual, std::fabs(out(i, 0) - data.target[i]));
    } else {
      std::vector<double> row(out.row(i).data(), out.row(i).data() + out.cols());
      *wrong += DecodeClass(net, row) != data.y[i];
    }
  }
  return residual;
}

int RunFit(const FitFlags& f) {
  CheckOutputPath(f.output, f.data.spec);
  if (f.json) Progress::SetEnabled(false);
  FitOptions o;
  o.activation = TwoLayerActivation::Parse(f.activation);
  o.m = f.m;
  o.method = ParseFitMethod(f.method);
  o.wrt = ParseWrt(f.wrt);
  o.seed = f.seed;
  o.max_iterations = f.max_iter;
  o.restarts = f.restarts;
  o.lambda = f.lambda;
  if (!(f.tolerance > 0)) Fail("--tolerance must be positive");
  o.residual_tolerance = f.tolerance;
  if (!o.activation.NetworkActivation())
    Fail(
        "fit: --activation {}: the network format has no such layer (use relu, step or a smooth "
        "activation)",
        o.activation.Name());
  Dataset data = LoadData(f.data);
  FitReport rep;
  Network net = FitDataset(o, data, &rep);
  int64_t wrong = 0;
  const double residual = CheckWritten(net, data, &wrong);
  if (!f.output.empty()) SaveNetwork(net, f.output);
  if (f.json) {
    nlohmann::ordered_json j = rep.ToJson();
    j.erase("history");
    if (!data.classification)
      j["network_max_residual"] = residual;
    else
      j["network_misclassified"] = wrong;
    j["network"] = ToJson(net.Stats());
    j["output"] = f.output;
    PrintJson(j);
  } else {
    fmt::print("{}", rep.ToText());
    if (!data.classification)
      fmt::print("written network: max |f(x) − y| = {:.3g} (float64)\n", residual);
    else
      fmt::print("written network: {} misclassified (float64)\n", wrong);
    if (!f.output.empty()) fmt::print("wrote {}\n", f.output);
  }
  return rep.success ? 0 : 1;
}

}  // namespace

void AddFitCommand(CLI::App& app, int* exit_code) {
  auto f = std::make_shared<FitFlags>();
  CLI::App* cmd = AddCommand(app, "fit", "fit a two-layer network that interpolates DATA",
                             exit_code, [f] { return RunFit(*f); });
  AddDataFlags(cmd, &f->data);
  cmd->add_option("--activation", f->activation, "σ (names below)")->capture_default_str();
  cmd->add_option("--m", f->m, "hidden units")->required();
  cmd->add_option("--method", f->method, "lm | paired-gn | varpro")->capture_default_str();
  cmd->add_option("--wrt", f->wrt, "parameters to move: all, or weights (paired-gn, n ≤ ⌊m/2⌋d)")
      ->capture_default_str();
  AddOutputOption(cmd, &f->output, "write the fitted network (mnemo JSON)", false)->default_str("none");
  cmd->add_option("--seed", f->seed, "seed")->capture_default_str();
  cmd->add_option("--max-iter", f->max_iter, "iteration limit per start")->capture_default_str();
  cmd->add_option("--restarts", f->restarts, "fresh random starts after a failure")
      ->capture_default_str();
  cmd->add_option("--lambda", f->lambda, "paired-gn: starting λ (0: automatic, 100)")
      ->capture_default_str();
  cmd->add_option("--tolerance", f->tolerance, "success: max |f(x_i) − y_i| ≤ tolerance")
      ->capture_default_str();
  cmd->add_flag("--json", f->json, "print one JSON object");
  cmd->footer(internal::Wrap("Activations: " + TwoLayerActivation::Vocabulary(), 100, ""));
}

}  // namespace mnemo::cli
