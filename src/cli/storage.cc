// mnemo storage: replica (RS) storage capacity per parameter of perceptrons, tree committees and
// fully connected two-layer nets; the activation table, the RS branch, and the comparison with
// the GD threshold and the Jacobian-rank guarantee.
#include <cmath>
#include <memory>

#include "mnemo/error.h"
#include "mnemo/storage_compare.h"
#include "mnemo/storage_theory.h"
#include "mnemo/table.h"
#include "src/cli/cli_util.h"
#include "src/cli/commands.h"
#include "src/cli/theory_output.h"
#include "src/internal/wrap.h"

namespace mnemo::cli {
namespace {

using Json = nlohmann::ordered_json;

struct StorageFlags {
  std::string activation = "relu", architecture = "fully-connected", m = "inf", output;
  double kappa = 0;
  bool branch = false, table = false, compare = false, csv = false, json = false;
  int points = 200;
  int64_t samples = 1'000'000, search_samples = 20'000;
  uint64_t seed = 1;
  int64_t d = 0, n = 0;  // perceptron: Cover's P_sep for n points in dimension d
  // --compare: the GD measurement
  int instances = 6, max_epochs = 3000;
  double lr = 0.01;
  std::string alphas = "0.5:4:0.5";
};

// JSON has no infinity: a diverging value becomes null.
Json Num(double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); }

std::string Fmt(double v, int digits = 5) {
  if (std::isinf(v)) return "inf";
  return FormatNumber(v, digits);
}

/// "inf" → 0 (K → ∞), else a positive integer.
int ParseWidth(const std::string& s) {
  if (s == "inf" || s == "infinity") return 0;
  size_t used = 0;
  long v = 0;
  try {
    v = std::stol(s, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != s.size() || s.empty() || v < 1 || v > 100000)
    Fail("storage: --m must be a positive integer (≤ 100000) or inf, got \"{}\"", s);
  return int(v);
}

Json PsbJson(const StorageResult& r) {
  Json psb;
  psb["type"] = PsbTypeName(r.psb);
  if (r.psb == PsbType::kContinuous) psb["alpha"] = r.alpha_psb;
  if (r.psb == PsbType::kFirstOrder) {
    psb["spinodal_alpha"] = r.spinodal_alpha;
    psb["spinodal_q"] = r.spinodal_q;
    psb["equal_free_energy_alpha"] = r.equal_free_energy_alpha;
    psb["equal_free_energy_q"] = r.equal_free_energy_q;
  }
  return psb;
}

Json ResultJson(const StorageResult& r) {
  Json j;
  j["capacity"] = Num(r.capacity);
  j["diverges"] = std::isinf(r.capacity);
  j["capacity_stderr"] = r.capacity_stderr;
  j["per"] = r.architecture == Architecture::kFullyConnected ? "first-layer weight (P/(d m))"
                                                             : "weight (P/d)";
  j["method"] = r.method;
  j["activation"] = r.activation;
  j["architecture"] = ArchitectureName(r.architecture);
  j["m"] = r.K == 0 ? Json("inf") : Json(r.K);
  j["kappa"] = r.kappa;
  j["c1_squared"] = r.c1_squared;
  j["c2_squared"] = r.c2_squared;
  j["kernel_slope"] = Num(r.kernel_slope);
  if (r.architecture == Architecture::kFullyConnected && r.K > 0)
    j["optimum"] = {{"correlation", r.correlation},
                    {"shape", r.shape},
                    {"bias", r.bias},
                    {"tree_formula", r.tree_formula}};
  else if (r.architecture == Architecture::kFullyConnected)
    j["psb"] = PsbJson(r);
  return j;
}

std::string PsbText(const StorageResult& r) {
  switch (r.psb) {
    case PsbType::kContinuous:
      return fmt::format("continuous, α_PSB = {}", Fmt(r.alpha_psb, 4));
    case PsbType::kFirstOrder:
      return fmt::format("first order, spinodal {} (q = {}), equal Ψ {} (q = {})",
                         Fmt(r.spinodal_alpha, 4), Fmt(r.spinodal_q, 3),
                         Fmt(r.equal_free_energy_alpha, 4), Fmt(r.equal_free_energy_q, 3));
    case PsbType::kNone:
      return "none";
  }
  return "";
}

std::string RunTable(const StorageFlags& f) {
  Table t({"activation", "c1^2", "c2^2", "tree α_c", "FC α_c", "FC PSB", "α_PSB or spinodal (q)",
           "equal Ψ (q)"});
  Json rows = Json::array();
  for (const ActivationTableRow& r : ComputeActivationTable(f.kappa)) {
    std::string type = "-", point = "-", eq = "-";
    Json jr{{"activation", r.activation},
            {"c1_squared", r.c1_squared},
            {"c2_squared", r.c2_squared},
            {"tree_capacity", Num(r.tree)},
            {"fc_capacity", r.fc_degenerate ? Json("degenerate") : Num(r.fully_connected)}};
    if (!r.fc_degenerate && std::isfinite(r.fully_connected)) {
      const StorageResult& s = r.fc;
      type = PsbTypeName(s.psb);
      jr["psb"] = PsbJson(s);
      if (s.psb == PsbType::kContinuous) point = Fmt(s.alpha_psb, 4);
      if (s.psb == PsbType::kFirstOrder) {
        point = fmt::format("{} ({})", Fmt(s.spinodal_alpha, 4), Fmt(s.spinodal_q, 3));
        eq = fmt::format("{} ({})", Fmt(s.equal_free_energy_alpha, 4),
                         Fmt(s.equal_free_energy_q, 3));
      }
    }
    t.AddRow({r.activation, Fmt(r.c1_squared, 4), Fmt(r.c2_squared, 4), Fmt(r.tree, 5),
              r.fc_degenerate ? "degenerate" : Fmt(r.fully_connected), type, point, eq});
    rows.push_back(jr);
  }
  if (f.json)
    return Json{{"kappa", f.kappa}, {"per", "first-layer weight, m -> inf, RS"}, {"table", rows}}
               .dump(2) +
           "\n";
  return f.csv ? t.ToCsv() : t.ToText();
}

std::string RunBranch(const StorageFlags& f, Architecture arch, int K) {
  if (arch == Architecture::kPerceptron)
    Fail("storage: --branch needs --architecture tree or fully-connected");
  if (K != 0) Fail("storage: --branch is the m -> inf RS branch; use --m inf");
  StorageActivation g = StorageActivation::Parse(f.activation);
  const bool fc = arch == Architecture::kFullyConnected;
  if (fc && g.c1_squared() >= 1 - 1e-12)
    Fail("storage: activation '{}' is linear: the fully connected branch is degenerate", g.name());
  EffectiveKernel kernel{&g, fc};
  std::vector<BranchPoint> pts = RsBranch(kernel, f.kappa, f.points);
  if (f.json) {
    Json rows = Json::array();
    for (const BranchPoint& p : pts)
      rows.push_back({{"q", p.q},
                      {"alpha", p.alpha},
                      {"delta", kernel.Value(p.q)},
                      {"free_energy_gap", p.free_energy_gap}});
    return Json{{"activation", g.name()},
                {"architecture", ArchitectureName(arch)},
                {"kappa", f.kappa},
                {"branch", rows}}
               .dump(2) +
           "\n";
  }
  std::string csv = "q,alpha,delta,free_energy_gap\n";
  for (const BranchPoint& p : pts)
    csv += fmt::format("{:.10g},{:.10g},{:.10g},{:.10g}\n", p.q, p.alpha, kernel.Value(p.q),
                       p.free_energy_gap);
  return csv;
}

std::string RunCompare(const StorageFlags& f, const CLI::App* cmd, int K) {
  StorageComparisonOptions o;
  if (cmd->count("--activation") > 0) o.activations = {f.activation};
  o.gd.protocol.K = K > 0 ? K : 4;
  o.gd.protocol.N = f.d > 0 ? int(f.d) : 16;
  o.gd.protocol.lr = f.lr;
  o.gd.protocol.max_epochs = f.max_epochs;
  o.gd.alphas = ParseValueList(f.alphas, "--alphas");
  o.gd.instances = f.instances, o.gd.seed = f.seed;
  o.gd.progress = !f.json && !f.csv;
  const int m = o.gd.protocol.K, d = o.gd.protocol.N;
  Table t({"activation", "tree α_c (RS)", "FC α_c (RS)", "GD α₅₀", "±", "⌊md/2⌋/(md)"});
  Json rows = Json::array();
  for (const StorageComparisonRow& r : CompareStorageCapacities(o)) {
    const bool ok = r.gd.ok;
    t.AddRow({r.activation, Fmt(r.tree), Fmt(r.fully_connected), ok ? Fmt(r.gd.alpha_50, 3) : "n/a",
              ok ? Fmt(r.gd.alpha_50_stderr, 2) : "",
              r.theorem_applies ? Fmt(r.jacobian_per_weight, 4) : "n/a"});
    rows.push_back({{"activation", r.activation},
                    {"tree_capacity", Num(r.tree)},
                    {"fc_capacity", Num(r.fully_connected)},
                    {"gd_alpha_50", ok ? Json(r.gd.alpha_50) : Json(nullptr)},
                    {"gd_alpha_50_stderr", ok ? Json(r.gd.alpha_50_stderr) : Json(nullptr)},
                    {"theorem_applies", r.theorem_applies},
                    {"theorem", r.theorem_reason},
                    {"jacobian_per_first_layer_weight", Num(r.jacobian_per_weight)}});
  }
  GdProtocol shown = o.gd.protocol;
  shown.activation = "<activation>";
  if (f.json)
    return Json{{"m", m},
                {"d", d},
                {"gd_protocol", shown.Describe()},
                {"instances", o.gd.instances},
                {"compare", rows}}
               .dump(2) +
           "\n";
  if (f.csv) return t.ToCsv();
  return t.ToText() +
         internal::Wrap(
             fmt::format(
                 "α per first-layer weight (P/(d·m)), m = {}, d = {}. GD: {}; {} instances per α. "
                 "⌊md/2⌋/(md): the Jacobian-rank guarantee (every real label vector, all of W, b, "
                 "v "
                 "trained) where the Madden–Thrampoulidis hypotheses hold, n/a where they fail.",
                 m, d, shown.Describe(), o.gd.instances),
             100, "");
}

std::string RunSingle(const StorageFlags& f, const StorageOptions& opt) {
  StorageResult r = ComputeStorageCapacity(opt);
  Json j = ResultJson(r);
  Table t({"quantity", "value"});
  const std::string se = r.capacity_stderr > 0 ? " ± " + Fmt(r.capacity_stderr, 2) : "";
  t.AddRow({"capacity per parameter", Fmt(r.capacity, 6) + se});
  t.AddRow({"architecture", ArchitectureName(r.architecture)});
  t.AddRow({"m (hidden units)", opt.K == 0 ? "inf" : std::to_string(opt.K)});
  t.AddRow({"kappa", Fmt(r.kappa)});
  t.AddRow({"activation", r.activation});
  if (opt.architecture != Architecture::kPerceptron)
    t.AddRow({"c1^2, c2^2", fmt::format("{}, {}", Fmt(r.c1_squared, 5), Fmt(r.c2_squared, 5))});
  if (opt.architecture == Architecture::kFullyConnected && opt.K == 0)
    t.AddRow({"PSB", PsbText(r)});
  if (opt.architecture == Architecture::kFullyConnected && opt.K > 0) {
    t.AddRow({"optimum C, ρ, b",
              fmt::format("{}, {}, {}", Fmt(r.correlation, 4), Fmt(r.shape, 3), Fmt(r.bias, 3))});
    t.AddRow({"tree formula (C = 0, ρ = 1)", Fmt(r.tree_formula, 5)});
  }
  if (f.d > 0 || f.n > 0) {
    if (opt.architecture != Architecture::kPerceptron)
      Fail("storage: --d/--n (Cover) need --architecture perceptron");
    if (f.d < 1 || f.d > 100000) Fail("storage: --d must be in [1, 100000], got {}", f.d);
    if (f.n < 0 || f.n > 1000000) Fail("storage: --n must be in [0, 1000000], got {}", f.n);
    std::vector<int64_t> Ps;
    if (f.n > 0)
      Ps = {f.n};
    else
      for (double a : {1.8, 1.9, 2.0, 2.1, 2.2}) Ps.push_back(std::llround(a * f.d));
    Json cover = Json::array();
    for (int64_t P : Ps) {
      mpq_class p = CoverSeparabilityExact(P, f.d);
      t.AddRow({fmt::format("Cover P_sep(n={}, d={})", P, f.d), Fmt(p.get_d(), 6)});
      cover.push_back({{"d", f.d}, {"n", P}, {"p_sep", p.get_d()}, {"exact", p.get_str()}});
    }
    j["cover"] = cover;
  }
  if (f.json) return j.dump(2) + "\n";
  if (f.csv) {
    t.AddRow({"method", r.method});
    return t.ToCsv();
  }
  return t.ToText() + internal::Wrap("method: " + r.method, 100, "  ");
}

int RunStorage(const StorageFlags& f, const CLI::App* cmd) {
  if (int(f.table) + int(f.branch) + int(f.compare) > 1)
    Fail("storage: --table, --branch and --compare are exclusive");
  CheckFormatFlags(f.csv, f.json, "storage");
  CheckOutputPath(f.output);
  if (f.points < 2 || f.points > 100000)
    Fail("storage: --points must be in [2, 100000], got {}", f.points);
  if (f.search_samples < 1000 || f.search_samples > 10'000'000)
    Fail("storage: --search-samples must be in [1000, 10^7], got {}", f.search_samples);
  const int K = ParseWidth(f.m);
  const Architecture arch = ParseArchitecture(f.architecture);
  StorageOptions opt;
  opt.activation = f.activation, opt.architecture = arch, opt.K = K, opt.kappa = f.kappa;
  opt.mc_samples = f.samples, opt.search_samples = f.search_samples, opt.seed = f.seed;
  std::string why;
  if (!opt.IsValid(&why)) Fail("storage: {}", why);
  std::string text;
  if (f.table)
    text = RunTable(f);
  else if (f.branch)
    text = RunBranch(f, arch, K);
  else if (f.compare)
    text = RunCompare(f, cmd, K);
  else
    text = RunSingle(f, opt);
  Emit(text, f.output);
  return 0;
}

}  // namespace

void AddStorageCommand(CLI::App& app, int* exit_code) {
  auto f = std::make_shared<StorageFlags>();
  CLI::App* cmd = app.add_subcommand(
      "storage", "replica (RS) storage capacity per parameter of perceptrons and two-layer nets");
  cmd->callback([f, cmd, exit_code] { *exit_code = RunStorage(*f, cmd); });
  cmd->add_option("--activation", f->activation, "g (names below)")->capture_default_str();
  cmd->add_option("--architecture", f->architecture, "perceptron|tree|fully-connected")
      ->capture_default_str();
  cmd->add_option("--m", f->m, "hidden units: a positive integer (Monte Carlo) or inf")
      ->capture_default_str();
  cmd->add_option("--kappa", f->kappa, "margin κ ≥ 0")->capture_default_str();
  cmd->add_flag("--branch", f->branch, "print the RS branch α(q) as CSV");
  cmd->add_option("--points", f->points, "--branch: number of q values")->capture_default_str();
  cmd->add_flag("--table", f->table, "print the activation table (m → ∞)");
  cmd->add_flag("--compare", f->compare,
                "RS theory vs GD threshold vs Jacobian-rank guarantee per activation");
  cmd->add_option("--samples", f->samples, "finite m: Monte Carlo samples")->capture_default_str();
  cmd->add_option("--search-samples", f->search_samples,
                  "finite m, fully connected: samples of the optimizer")
      ->capture_default_str();
  cmd->add_option("--seed", f->seed, "random seed")->capture_default_str();
  cmd->add_option("--d", f->d, "input dimension: Cover (perceptron); --compare (default 16)");
  cmd->add_option("--n", f->n, "points: Cover's exact P_sep(n, d) (default: α = 1.8..2.2)");
  cmd->add_option("--instances", f->instances, "--compare: GD runs per α")->capture_default_str();
  cmd->add_option("--max-epochs", f->max_epochs, "--compare: GD epoch cap")->capture_default_str();
  cmd->add_option("--lr", f->lr, "--compare: Adam learning rate")->capture_default_str();
  cmd->add_option("--alphas", f->alphas, "--compare: α grid FROM:TO:STEP or a,b,c")
      ->capture_default_str();
  cmd->add_flag("--csv", f->csv, "print CSV instead of a text table");
  cmd->add_flag("--json", f->json, "print one JSON object");
  AddOutputOption(cmd, &f->output, "write the output to FILE instead of stdout", false);
  std::string names;
  for (const std::string& n : StorageActivation::Names()) names += (names.empty() ? "" : ", ") + n;
  cmd->footer(internal::Wrap(
      "Activations: " + names +
          ", poly:a0,a1,... (step is 1[z ≥ 0]; erf-sqrt2 is erf(z/√2)). "
          "--compare uses --m (default 4) and --d (default 16) for the GD net and the Jacobian "
          "guarantee.",
      100, ""));
}

}  // namespace mnemo::cli
