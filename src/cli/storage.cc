// mnemo storage / storage-measure: replica storage capacity per parameter, and its measurement
// (perceptron LP with exact certificates; GD threshold of a two-layer net).
#include <cmath>
#include <memory>

#include "mnemo/storage_finite_width.h"
#include "mnemo/storage_gd.h"
#include "mnemo/storage_separability.h"
#include "mnemo/storage_theory.h"
#include "mnemo/error.h"
#include "mnemo/io.h"
#include "mnemo/table.h"
#include "src/cli/cli_util.h"
#include "src/cli/commands.h"

namespace mnemo::cli {
namespace {

using Json = nlohmann::ordered_json;

struct StorageFlags {
  std::string activation = "relu", architecture = "fully-connected", K = "inf", output;
  double kappa = 0;
  bool branch = false, table = false, compare = false, csv = false, json = false;
  int points = 200;
  int64_t samples = 1'000'000;
  uint64_t seed = 1;
  int64_t cover_N = 0, cover_P = 0;
  // --compare: the GD measurement
  int gd_N = 16, gd_K = 4, instances = 6, max_epochs = 3000;
  double lr = 0.01;
  std::string alphas = "0.5:4:0.5";
};

struct MeasureFlags {
  std::string target, activation = "relu", Ns = "100", alphas, output;
  int K = 4, instances = 0, max_epochs = 4000, threads = 0;
  double lr = 0.01;
  uint64_t seed = 1;
  bool csv = false, json = false;
};

// JSON has no infinity: a diverging value becomes null.
Json Num(double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); }

std::string Fmt(double v, int digits = 5) {
  if (std::isinf(v)) return "inf";
  return FormatNumber(v, digits);
}

void Emit(const std::string& text, const std::string& output) {
  if (output.empty()) {
    fmt::print("{}", text);
  } else {
    WriteFileAtomic(output, text);
  }
}

int ParseK(const std::string& s) {
  if (s == "inf" || s == "infinity") return 0;
  size_t used = 0;
  long v = 0;
  try {
    v = std::stol(s, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != s.size() || s.empty() || v < 1 || v > 100000)
    Fail("storage: --K must be a positive integer (≤ 100000) or inf, got \"{}\"", s);
  return int(v);
}

Json ResultJson(const StorageResult& r) {
  Json j;
  j["capacity"] = Num(r.capacity);
  j["diverges"] = std::isinf(r.capacity);
  j["capacity_stderr"] = r.capacity_stderr;
  j["per"] = r.architecture == Architecture::kFullyConnected
                 ? "first-layer weight (P/(N K))"
                 : "weight (P/N)";
  j["method"] = r.method;
  j["activation"] = r.activation;
  j["architecture"] = ArchitectureName(r.architecture);
  j["K"] = r.K == 0 ? Json("inf") : Json(r.K);
  j["kappa"] = r.kappa;
  j["c1_squared"] = r.c1_squared;
  j["c2_squared"] = r.c2_squared;
  j["kernel_slope"] = Num(r.kernel_slope);
  Json psb;
  psb["type"] = PsbTypeName(r.psb);
  if (r.psb == PsbType::kContinuous) psb["alpha"] = r.alpha_psb;
  if (r.psb == PsbType::kFirstOrder) {
    psb["spinodal_alpha"] = r.spinodal_alpha;
    psb["spinodal_q"] = r.spinodal_q;
    psb["equal_free_energy_alpha"] = r.equal_free_energy_alpha;
    psb["equal_free_energy_q"] = r.equal_free_energy_q;
  }
  j["psb"] = psb;
  return j;
}

std::string PsbText(const StorageResult& r) {
  switch (r.psb) {
    case PsbType::kContinuous: return fmt::format("continuous, alpha_PSB = {}", Fmt(r.alpha_psb, 4));
    case PsbType::kFirstOrder:
      return fmt::format("first order, spinodal {} (q = {}), equal free energy {} (q = {})",
                         Fmt(r.spinodal_alpha, 4), Fmt(r.spinodal_q, 3),
                         Fmt(r.equal_free_energy_alpha, 4), Fmt(r.equal_free_energy_q, 3));
    case PsbType::kNone: return "none";
  }
  return "";
}

// One row of the activation table (κ applies).
struct TableRow {
  std::string name;
  double c1 = 0, c2 = 0, tree = 0, fc = 0;
  StorageResult fc_result;
  bool fc_degenerate = false;
};

TableRow ComputeRow(const std::string& name, double kappa) {
  TableRow row;
  row.name = name;
  StorageOptions o;
  o.activation = name, o.kappa = kappa, o.architecture = Architecture::kTree;
  StorageResult tree = ComputeStorageCapacity(o);
  row.c1 = tree.c1_squared, row.c2 = tree.c2_squared, row.tree = tree.capacity;
  StorageActivation g = StorageActivation::Parse(name);
  if (g.c1_squared() >= 1 - 1e-12) {
    row.fc_degenerate = true;
  } else if (std::isinf(g.KernelSlopeAtOne())) {
    row.fc = std::numeric_limits<double>::infinity();
  } else {
    o.architecture = Architecture::kFullyConnected;
    row.fc_result = ComputeStorageCapacity(o);
    row.fc = row.fc_result.capacity;
  }
  return row;
}

int RunStorage(const StorageFlags& f, const CLI::App* cmd) {
  if (int(f.table) + int(f.branch) + int(f.compare) > 1)
    Fail("storage: --table, --branch and --compare are exclusive");
  if (f.csv && f.json) Fail("storage: --csv and --json are exclusive");
  if (f.points < 2 || f.points > 100000) Fail("storage: --points must be in [2, 100000], got {}", f.points);
  const int K = ParseK(f.K);
  const Architecture arch = ParseArchitecture(f.architecture);
  StorageOptions opt;
  opt.activation = f.activation, opt.architecture = arch, opt.K = K, opt.kappa = f.kappa;
  opt.mc_samples = f.samples, opt.seed = f.seed;
  std::string why;
  if (!opt.IsValid(&why)) Fail("storage: {}", why);
  if (f.table) {
    Table t({"activation", "c1^2", "c2^2", "tree alpha_c", "FC alpha_c", "FC PSB",
             "alpha_PSB or spinodal (q)", "equal free energy (q)"});
    Json rows = Json::array();
    for (const std::string& name : StorageActivation::Names()) {
      TableRow r = ComputeRow(name, f.kappa);
      std::string fc = r.fc_degenerate ? "degenerate" : Fmt(r.fc);
      std::string type = "-", point = "-", eq = "-";
      Json jr{{"activation", name}, {"c1_squared", r.c1}, {"c2_squared", r.c2},
              {"tree_capacity", Num(r.tree)},
              {"fc_capacity", r.fc_degenerate ? Json("degenerate") : Num(r.fc)}};
      if (!r.fc_degenerate && std::isfinite(r.fc)) {
        const StorageResult& s = r.fc_result;
        type = PsbTypeName(s.psb);
        jr["psb"] = ResultJson(s)["psb"];
        if (s.psb == PsbType::kContinuous) point = Fmt(s.alpha_psb, 4);
        if (s.psb == PsbType::kFirstOrder) {
          point = fmt::format("{} ({})", Fmt(s.spinodal_alpha, 4), Fmt(s.spinodal_q, 3));
          eq = fmt::format("{} ({})", Fmt(s.equal_free_energy_alpha, 4),
                           Fmt(s.equal_free_energy_q, 3));
        }
      }
      t.AddRow({name, Fmt(r.c1, 4), Fmt(r.c2, 4), Fmt(r.tree, 5), fc, type, point, eq});
      rows.push_back(jr);
    }
    if (f.json) {
      Emit(Json{{"kappa", f.kappa}, {"per", "first-layer weight, K -> inf, RS"}, {"table", rows}}.dump(2) + "\n",
           f.output);
    } else {
      Emit(f.csv ? t.ToCsv() : t.ToText(), f.output);
    }
    return 0;
  }
  if (f.branch) {
    if (arch == Architecture::kPerceptron) Fail("storage: --branch needs --architecture tree or fully-connected");
    if (K != 0) Fail("storage: --branch is the K -> inf RS branch; use --K inf");
    StorageActivation g = StorageActivation::Parse(f.activation);
    bool fc = arch == Architecture::kFullyConnected;
    if (fc && g.c1_squared() >= 1 - 1e-12)
      Fail("storage: activation '{}' is linear: the fully connected branch is degenerate", g.name());
    EffectiveKernel kernel{&g, fc};
    std::vector<BranchPoint> pts = RsBranch(kernel, f.kappa, f.points);
    if (f.json) {
      Json rows = Json::array();
      for (const BranchPoint& p : pts)
        rows.push_back({{"q", p.q}, {"alpha", p.alpha}, {"delta", kernel.Value(p.q)},
                        {"free_energy_gap", p.free_energy_gap}});
      Emit(Json{{"activation", g.name()}, {"architecture", ArchitectureName(arch)},
                {"kappa", f.kappa}, {"branch", rows}}.dump(2) + "\n",
           f.output);
    } else {
      std::string csv = "q,alpha,delta,free_energy_gap\n";
      for (const BranchPoint& p : pts)
        csv += fmt::format("{:.10g},{:.10g},{:.10g},{:.10g}\n", p.q, p.alpha, kernel.Value(p.q),
                           p.free_energy_gap);
      Emit(csv, f.output);
    }
    return 0;
  }
  if (f.compare) {
    std::vector<std::string> names;
    if (cmd->count("--activation") > 0) {
      names = {StorageActivation::Parse(f.activation).name()};
    } else {
      names = {"relu", "quadratic", "erf", "erf-sqrt2", "tanh", "sigmoid", "gelu", "softplus", "abs"};
    }
    GdMeasureOptions gd;
    gd.protocol.N = f.gd_N, gd.protocol.K = f.gd_K, gd.protocol.lr = f.lr;
    gd.protocol.max_epochs = f.max_epochs;
    gd.alphas = ParseValueList(f.alphas, "--alphas");
    gd.instances = f.instances, gd.seed = f.seed;
    if (!gd.protocol.IsValid(&why)) Fail("storage: {}", why);
    const int m = f.gd_K, d = f.gd_N;
    const double jacobian = double((int64_t(m) * d) / 2) / double(int64_t(m) * d + 2 * m);
    Table t({"activation", "tree alpha_c (RS)", "FC alpha_c (RS)", "GD alpha_50", "+-",
             "Jacobian guarantee/param"});
    Json rows = Json::array();
    for (const std::string& name : names) {
      if (name == "sign" || name == "linear")
        Fail("storage: --compare needs a trainable nonlinear activation, got '{}'", name);
      TableRow r = ComputeRow(name, 0);
      gd.protocol.activation = name;
      GdMeasureResult res = MeasureGdThreshold(gd);
      const LogisticFit& fit = res.curves[0].fit;
      t.AddRow({name, Fmt(r.tree), Fmt(r.fc), fit.ok ? Fmt(fit.alpha_50, 3) : "n/a",
                fit.ok ? Fmt(fit.alpha_50_stderr, 2) : "", Fmt(jacobian, 4)});
      rows.push_back({{"activation", name}, {"tree_capacity", Num(r.tree)}, {"fc_capacity", Num(r.fc)},
                      {"gd_alpha_50", fit.ok ? Json(fit.alpha_50) : Json(nullptr)},
                      {"gd_alpha_50_stderr", fit.ok ? Json(fit.alpha_50_stderr) : Json(nullptr)},
                      {"jacobian_guarantee_per_param", jacobian}});
    }
    gd.protocol.activation = "<activation>";
    std::string protocol = gd.protocol.Describe();
    if (f.json) {
      Emit(Json{{"m", m}, {"d", d}, {"gd_protocol", protocol}, {"instances", gd.instances},
                {"compare", rows}}.dump(2) + "\n",
           f.output);
    } else if (f.csv) {
      Emit(t.ToCsv(), f.output);
    } else {
      Emit(t.ToText() +
               fmt::format("alpha per first-layer weight (P/(d m)); GD: {}; {} instances per alpha; "
                           "Jacobian: floor(md/2)/(md+2m) at m={}, d={}\n",
                           protocol, gd.instances, m, d),
           f.output);
    }
    return 0;
  }
  // A single capacity.
  StorageResult r = ComputeStorageCapacity(opt);
  Json j = ResultJson(r);
  Table t({"quantity", "value"});
  t.AddRow({"capacity per parameter", Fmt(r.capacity, 6) +
                                          (r.capacity_stderr > 0
                                               ? fmt::format(" +- {}", Fmt(r.capacity_stderr, 2))
                                               : "")});
  t.AddRow({"architecture", ArchitectureName(r.architecture)});
  t.AddRow({"K", K == 0 ? "inf" : std::to_string(K)});
  t.AddRow({"kappa", Fmt(r.kappa)});
  t.AddRow({"activation", r.activation});
  t.AddRow({"method", r.method});
  if (arch != Architecture::kPerceptron) {
    t.AddRow({"c1^2, c2^2", fmt::format("{}, {}", Fmt(r.c1_squared, 5), Fmt(r.c2_squared, 5))});
    if (arch == Architecture::kFullyConnected) t.AddRow({"PSB", PsbText(r)});
  }
  if (f.cover_N > 0 || f.cover_P > 0) {
    if (arch != Architecture::kPerceptron) Fail("storage: --N/--P (Cover) need --architecture perceptron");
    if (f.cover_N < 1 || f.cover_N > 100000) Fail("storage: --N must be in [1, 100000], got {}", f.cover_N);
    if (f.cover_P < 0 || f.cover_P > 1000000) Fail("storage: --P must be in [0, 1000000], got {}", f.cover_P);
    std::vector<int64_t> Ps;
    if (f.cover_P > 0) {
      Ps = {f.cover_P};
    } else {
      for (double a : {1.8, 1.9, 2.0, 2.1, 2.2}) Ps.push_back(std::llround(a * f.cover_N));
    }
    Json cover = Json::array();
    for (int64_t P : Ps) {
      mpq_class p = CoverSeparabilityExact(P, f.cover_N);
      t.AddRow({fmt::format("Cover P_sep(P={}, N={})", P, f.cover_N), Fmt(p.get_d(), 6)});
      cover.push_back({{"N", f.cover_N}, {"P", P}, {"p_sep", p.get_d()}, {"exact", p.get_str()}});
    }
    j["cover"] = cover;
  }
  if (f.json) {
    Emit(j.dump(2) + "\n", f.output);
  } else {
    Emit(f.csv ? t.ToCsv() : t.ToText(), f.output);
  }
  return 0;
}

Json RowJson(const ThresholdRow& r) {
  Json j{{"N", r.N}, {"K", r.K}, {"P", r.P}, {"alpha", r.alpha}, {"trials", r.trials},
         {"successes", r.successes}, {"fraction", r.fraction}, {"sampling_error", r.sampling_error},
         {"seconds", r.seconds}};
  if (r.reference >= 0) j["cover"] = r.reference, j["certified"] = r.certified;
  return j;
}

int RunMeasure(const MeasureFlags& f) {
  if (f.csv && f.json) Fail("storage-measure: --csv and --json are exclusive");
  std::vector<double> alphas;
  if (!f.alphas.empty()) alphas = ParseValueList(f.alphas, "--alphas");
  std::vector<int> Ns;
  for (double v : ParseValueList(f.Ns, "--N")) {
    if (v != std::floor(v)) Fail("storage-measure: --N values must be integers, got {}", v);
    Ns.push_back(int(v));
  }
  if (f.target == "perceptron") {
    if (Ns.size() != 1) Fail("storage-measure perceptron: --N takes one size, got \"{}\"", f.Ns);
    PerceptronMeasureOptions o;
    o.N = Ns[0], o.alphas = alphas, o.instances = f.instances > 0 ? f.instances : 20;
    o.seed = f.seed, o.threads = f.threads;
    ThresholdCurve c = MeasurePerceptron(o);
    int uncertified = 0;
    Table t({"alpha", "P", "separable", "trials", "fraction", "Cover", "+-sampling", "certified",
             "seconds"});
    Json rows = Json::array();
    for (const ThresholdRow& r : c.rows) {
      uncertified += r.trials - r.certified;
      t.AddRow({Fmt(r.alpha, 4), std::to_string(r.P), std::to_string(r.successes),
                std::to_string(r.trials), Fmt(r.fraction, 3), Fmt(r.reference, 3),
                Fmt(r.sampling_error, 2), std::to_string(r.certified), Fmt(r.seconds, 3)});
      rows.push_back(RowJson(r));
    }
    if (f.json) {
      Json j{{"alpha_50", c.fit.ok ? Json(c.fit.alpha_50) : Json(nullptr)},
             {"alpha_50_stderr", c.fit.alpha_50_stderr},
             {"width", c.fit.width},
             {"N", o.N},
             {"instances", o.instances},
             {"seed", o.seed},
             {"all_certified", uncertified == 0},
             {"method", "GLPK simplex; exact certificate (w or Gordan lambda) checked in GMP"},
             {"rows", rows}};
      Emit(j.dump(2) + "\n", f.output);
    } else if (f.csv) {
      Emit(t.ToCsv(), f.output);
    } else {
      Emit(t.ToText() + fmt::format("alpha_50 = {} +- {} (logistic fit, width {}); Cover: P_sep = "
                                    "1/2 at alpha = 2; certificates checked exactly: {}/{}\n",
                                    c.fit.ok ? Fmt(c.fit.alpha_50, 4) : "n/a",
                                    Fmt(c.fit.alpha_50_stderr, 2), Fmt(c.fit.width, 3),
                                    int(c.rows.size()) * o.instances - uncertified,
                                    int(c.rows.size()) * o.instances),
           f.output);
    }
    return uncertified == 0 ? 0 : 1;
  }
  if (f.target != "gd" && f.target != "two-layer")
    Fail("storage-measure: unknown target '{}' (expected perceptron or gd)", f.target);
  GdMeasureOptions o;
  o.protocol.activation = f.activation, o.protocol.N = Ns[0], o.protocol.K = f.K;
  o.protocol.lr = f.lr, o.protocol.max_epochs = f.max_epochs;
  o.Ns = Ns, o.alphas = alphas, o.instances = f.instances > 0 ? f.instances : 8;
  o.seed = f.seed, o.threads = f.threads;
  GdMeasureResult res = MeasureGdThreshold(o);
  Table t({"N", "K", "alpha", "P", "solved", "trials", "fraction", "+-", "seconds"});
  Json curves = Json::array();
  for (const ThresholdCurve& c : res.curves) {
    Json rows = Json::array();
    for (const ThresholdRow& r : c.rows) {
      t.AddRow({std::to_string(r.N), std::to_string(r.K), Fmt(r.alpha, 4), std::to_string(r.P),
                std::to_string(r.successes), std::to_string(r.trials), Fmt(r.fraction, 3),
                Fmt(r.sampling_error, 2), Fmt(r.seconds, 3)});
      rows.push_back(RowJson(r));
    }
    curves.push_back({{"N", c.rows.front().N},
                      {"alpha_50", c.fit.ok ? Json(c.fit.alpha_50) : Json(nullptr)},
                      {"alpha_50_stderr", c.fit.alpha_50_stderr},
                      {"width", c.fit.width},
                      {"rows", rows}});
  }
  const LogisticFit& last = res.curves.back().fit;
  if (f.json) {
    Json j{{"alpha_50", last.ok ? Json(last.alpha_50) : Json(nullptr)},
           {"alpha_50_stderr", last.alpha_50_stderr},
           {"N", res.curves.back().rows.front().N},
           {"K", o.protocol.K},
           {"activation", o.protocol.activation},
           {"protocol", o.protocol.Describe()},
           {"instances", o.instances},
           {"seed", o.seed},
           {"curves", curves}};
    if (res.fss_ok)
      j["fss"] = {{"alpha_inf", res.alpha_inf}, {"alpha_inf_stderr", res.alpha_inf_stderr},
                  {"slope", res.fss_slope}, {"model", "alpha_50(N) = alpha_inf + a N^-1/2"}};
    Emit(j.dump(2) + "\n", f.output);
  } else if (f.csv) {
    Emit(t.ToCsv(), f.output);
  } else {
    std::string text = t.ToText();
    for (const ThresholdCurve& c : res.curves)
      text += fmt::format("N = {}: alpha_50 = {} +- {} (logistic fit)\n", c.rows.front().N,
                          c.fit.ok ? Fmt(c.fit.alpha_50, 4) : "n/a", Fmt(c.fit.alpha_50_stderr, 2));
    if (res.fss_ok)
      text += fmt::format("finite-size scaling alpha_50(N) = alpha_inf + a/sqrt(N): alpha_inf = {} +- {}\n",
                          Fmt(res.alpha_inf, 4), Fmt(res.alpha_inf_stderr, 2));
    text += fmt::format("protocol (N in {{{}}}): {}\n", f.Ns, o.protocol.Describe());
    Emit(text, f.output);
  }
  return 0;
}

}  // namespace

void AddStorageCommand(CLI::App& app, int* exit_code) {
  auto f = std::make_shared<StorageFlags>();
  CLI::App* cmd = app.add_subcommand(
      "storage", "replica (RS) storage capacity per parameter of perceptrons and two-layer nets");
  cmd->callback([f, cmd, exit_code] { *exit_code = RunStorage(*f, cmd); });
  cmd->add_option("--activation", f->activation,
                  "relu|erf|erf-sqrt2|tanh|sigmoid|gelu|softplus|quadratic|abs|linear|sign|poly:a0,a1,..")
      ->capture_default_str();
  cmd->add_option("--architecture", f->architecture, "perceptron|tree|fully-connected")
      ->capture_default_str();
  cmd->add_option("--K", f->K, "hidden units: a positive integer (tree: Monte Carlo) or inf")
      ->capture_default_str();
  cmd->add_option("--kappa", f->kappa, "margin kappa >= 0")->capture_default_str();
  cmd->add_flag("--branch", f->branch, "print the RS branch alpha(q) as CSV");
  cmd->add_option("--points", f->points, "--branch: number of q values")->capture_default_str();
  cmd->add_flag("--table", f->table, "print the activation table (K -> inf)");
  cmd->add_flag("--compare", f->compare,
                "theory vs measured GD threshold vs Jacobian-rank guarantee, per activation");
  cmd->add_option("--samples", f->samples, "finite-K Monte Carlo samples")->capture_default_str();
  cmd->add_option("--seed", f->seed, "random seed")->capture_default_str();
  cmd->add_option("--N", f->cover_N, "perceptron: Cover's exact P_sep at this N");
  cmd->add_option("--P", f->cover_P, "perceptron: ... and this P (default: alpha = 1.8..2.2)");
  cmd->add_option("--gd-N", f->gd_N, "--compare: input dimension d of the GD runs")->capture_default_str();
  cmd->add_option("--gd-K", f->gd_K, "--compare: hidden units m of the GD runs")->capture_default_str();
  cmd->add_option("--instances", f->instances, "--compare: GD runs per alpha")->capture_default_str();
  cmd->add_option("--max-epochs", f->max_epochs, "--compare: GD epoch cap")->capture_default_str();
  cmd->add_option("--lr", f->lr, "--compare: Adam learning rate")->capture_default_str();
  cmd->add_option("--alphas", f->alphas, "--compare: alpha grid FROM:TO:STEP or a,b,c")
      ->capture_default_str();
  cmd->add_flag("--csv", f->csv, "CSV instead of a text table");
  cmd->add_flag("--json", f->json, "print one JSON object");
  cmd->add_option("-o,--output", f->output, "write the output to FILE (atomically)");
}

void AddStorageMeasureCommand(CLI::App& app, int* exit_code) {
  auto m = std::make_shared<MeasureFlags>();
  CLI::App* mc = app.add_subcommand(
      "storage-measure",
      "measure capacity: perceptron by LP with exact certificates, or the GD threshold of a two-layer net");
  mc->callback([m, exit_code] { *exit_code = RunMeasure(*m); });
  mc->add_option("TARGET", m->target, "perceptron | gd")->required();
  mc->add_option("--N", m->Ns, "input dimension (gd: a list for finite-size scaling, e.g. 16,32,64)")
      ->capture_default_str();
  mc->add_option("--K", m->K, "gd: hidden units")->capture_default_str();
  mc->add_option("--activation", m->activation, "gd: activation")->capture_default_str();
  mc->add_option("--alphas", m->alphas,
                 "alpha grid FROM:TO:STEP or a,b,c (default perceptron 1.6:2.4:0.1, gd 0.5:4:0.5)");
  mc->add_option("--instances", m->instances, "instances per alpha (default perceptron 20, gd 8)");
  mc->add_option("--lr", m->lr, "gd: Adam learning rate")->capture_default_str();
  mc->add_option("--max-epochs", m->max_epochs, "gd: epoch cap")->capture_default_str();
  mc->add_option("--seed", m->seed, "random seed")->capture_default_str();
  mc->add_option("--threads", m->threads, "worker threads (default: all)");
  mc->add_flag("--csv", m->csv, "CSV instead of a text table");
  mc->add_flag("--json", m->json, "print one JSON object");
  mc->add_option("-o,--output", m->output, "write the output to FILE (atomically)");
}

}  // namespace mnemo::cli
