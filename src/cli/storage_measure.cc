// mnemo storage-measure: capacity measured — perceptron separability by LP with exact
// certificates, the max-margin κ(α) curve with certified brackets, the binary (Ising) perceptron
// by exhaustive enumeration, and the GD threshold of a two-layer net.
// Exit 1 when a certificate failed to check or an enumeration contradicted a bracket.
#include <cmath>
#include <memory>

#include "mnemo/error.h"
#include "mnemo/storage_gd.h"
#include "mnemo/storage_margin.h"
#include "mnemo/storage_separability.h"
#include "mnemo/table.h"
#include "src/cli/cli_util.h"
#include "src/cli/commands.h"
#include "src/cli/theory_output.h"
#include "src/internal/wrap.h"

namespace mnemo::cli {
namespace {

using Json = nlohmann::ordered_json;

struct MeasureFlags {
  std::string target, activation = "relu", d, alphas, output;
  int m = 4, instances = 0, max_epochs = 3000, threads = 0;
  double lr = 0.01;
  uint64_t seed = 1;
  bool csv = false, json = false;
};

std::string Fmt(double v, int digits = 5) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return FormatNumber(v, digits);
}

Json RowJson(const ThresholdRow& r) {
  Json j{{"d", r.N},
         {"m", r.K},
         {"n", r.P},
         {"alpha", r.alpha},
         {"trials", r.trials},
         {"successes", r.successes},
         {"fraction", r.fraction},
         {"sampling_error", r.sampling_error},
         {"seconds", r.seconds}};
  if (r.reference >= 0) j["cover"] = r.reference, j["certified"] = r.certified;
  return j;
}

Json FitJson(const LogisticFit& fit) {
  return {{"alpha_50", fit.ok ? Json(fit.alpha_50) : Json(nullptr)},
          {"alpha_50_stderr", fit.alpha_50_stderr},
          {"width", fit.width}};
}

std::vector<int> ParseSizes(const MeasureFlags& f, const std::string& fallback) {
  std::vector<int> Ns;
  for (double v : ParseValueList(f.d.empty() ? fallback : f.d, "--d")) {
    if (v != std::floor(v) || v > 1e6)
      Fail("storage-measure: --d values must be integers, got {}", v);
    Ns.push_back(int(v));
  }
  return Ns;
}

int RunPerceptron(const MeasureFlags& f, std::string* text) {
  std::vector<int> Ns = ParseSizes(f, "100");
  if (Ns.size() != 1) Fail("storage-measure perceptron: --d takes one size, got \"{}\"", f.d);
  PerceptronMeasureOptions o;
  if (!f.alphas.empty()) o.alphas = ParseValueList(f.alphas, "--alphas");
  o.N = Ns[0], o.instances = f.instances > 0 ? f.instances : 20;
  o.seed = f.seed, o.threads = f.threads, o.progress = !f.json && !f.csv;
  ThresholdCurve c = MeasurePerceptron(o);
  int uncertified = 0;
  Table t({"alpha", "n", "separable", "trials", "fraction", "Cover", "±sampling", "certified",
           "seconds"});
  Json rows = Json::array();
  for (const ThresholdRow& r : c.rows) {
    uncertified += r.trials - r.certified;
    t.AddRow({Fmt(r.alpha, 4), std::to_string(r.P), std::to_string(r.successes),
              std::to_string(r.trials), Fmt(r.fraction, 3), Fmt(r.reference, 3),
              Fmt(r.sampling_error, 2), std::to_string(r.certified), Fmt(r.seconds, 3)});
    rows.push_back(RowJson(r));
  }
  const int total = int(c.rows.size()) * o.instances;
  if (f.json) {
    Json j = FitJson(c.fit);
    j["d"] = o.N, j["instances"] = o.instances, j["seed"] = o.seed;
    j["all_certified"] = uncertified == 0;
    j["method"] = "GLPK simplex; exact certificate (w or Gordan lambda) checked in GMP";
    j["rows"] = rows;
    *text = j.dump(2) + "\n";
  } else if (f.csv) {
    *text = t.ToCsv();
  } else {
    *text =
        t.ToText() + internal::Wrap(fmt::format("α₅₀ = {} ± {} (logistic fit, width {}); "
                                                "Cover: P_sep = 1/2 at α = 2; certificates "
                                                "checked exactly: {}/{}",
                                                c.fit.ok ? Fmt(c.fit.alpha_50, 4) : "n/a",
                                                Fmt(c.fit.alpha_50_stderr, 2), Fmt(c.fit.width, 3),
                                                total - uncertified, total),
                                    100, "  ");
  }
  return uncertified == 0 ? 0 : 1;
}

int RunMargin(const MeasureFlags& f, std::string* text) {
  std::vector<int> Ns = ParseSizes(f, "100");
  if (Ns.size() != 1) Fail("storage-measure margin: --d takes one size, got \"{}\"", f.d);
  MarginOptions o;
  if (!f.alphas.empty()) o.alphas = ParseValueList(f.alphas, "--alphas");
  o.N = Ns[0], o.instances = f.instances > 0 ? f.instances : 20;
  o.seed = f.seed, o.threads = f.threads, o.progress = !f.json && !f.csv;
  std::vector<MarginRow> rows = MeasureMarginCurve(o);
  Table t({"alpha", "n", "separable", "κ* median (bracket)", "κ* mean", "sd", "Gardner κ_G(α)",
           "seconds"});
  Json jrows = Json::array();
  for (const MarginRow& r : rows) {
    t.AddRow({Fmt(r.alpha, 4), std::to_string(r.P), fmt::format("{}/{}", r.separable, r.instances),
              fmt::format("[{}, {}]", Fmt(r.median_lower, 4), Fmt(r.median_upper, 4)),
              Fmt(r.mean, 4), Fmt(r.spread, 3), Fmt(r.gardner, 4), Fmt(r.seconds, 3)});
    jrows.push_back({{"d", r.N},
                     {"n", r.P},
                     {"alpha", r.alpha},
                     {"instances", r.instances},
                     {"separable", r.separable},
                     {"median_lower", r.median_lower},
                     {"median_upper", r.median_upper},
                     {"mean", r.mean},
                     {"sd", r.spread},
                     {"gardner", r.gardner},
                     {"seconds", r.seconds}});
  }
  if (f.json) {
    *text = Json{{"d", o.N},
                 {"instances", o.instances},
                 {"seed", o.seed},
                 {"method", "dual coordinate ascent; w and lambda bound kappa* exactly (GMP)"},
                 {"rows", jrows}}
                .dump(2) +
            "\n";
  } else {
    *text = f.csv ? t.ToCsv()
                  : t.ToText() +
                        internal::Wrap(
                            "κ*: the max margin of each instance, a certified bracket (a dyadic w "
                            "below, a dual vector λ above, both evaluated exactly); Gardner: the "
                            "replica value as d → ∞.",
                            100, "");
  }
  return 0;
}

int RunIsing(const MeasureFlags& f, std::string* text) {
  IsingOptions o;
  o.Ns = ParseSizes(f, "13,15,17,19,21");
  o.instances = f.instances > 0 ? f.instances : 200;
  o.seed = f.seed, o.threads = f.threads, o.progress = !f.json && !f.csv;
  IsingResult res = MeasureIsingCapacity(o);
  Table t({"d", "instances", "α median", "α mean", "±", "margin checks", "violations", "seconds"});
  Json rows = Json::array();
  int violations = 0;
  for (const IsingRow& r : res.rows) {
    violations += r.violations;
    t.AddRow({std::to_string(r.N), std::to_string(r.instances), Fmt(r.alpha_median, 4),
              Fmt(r.alpha_mean, 4), Fmt(r.alpha_stderr, 2), std::to_string(r.checks),
              std::to_string(r.violations), Fmt(r.seconds, 3)});
    rows.push_back({{"d", r.N},
                    {"instances", r.instances},
                    {"alpha_median", r.alpha_median},
                    {"alpha_mean", r.alpha_mean},
                    {"alpha_stderr", r.alpha_stderr},
                    {"margin_checks", r.checks},
                    {"violations", r.violations},
                    {"seconds", r.seconds}});
  }
  if (f.json) {
    Json j{{"instances", o.instances}, {"seed", o.seed}, {"rows", rows}};
    if (res.extrapolated)
      j["extrapolation"] = {{"alpha_inf", res.alpha_inf},
                            {"alpha_inf_stderr", res.alpha_inf_stderr},
                            {"model", "alpha(d) = alpha_inf + a/d"},
                            {"krauth_mezard", 0.833}};
    *text = j.dump(2) + "\n";
  } else if (f.csv) {
    *text = t.ToCsv();
  } else {
    *text = t.ToText();
    if (res.extrapolated)
      *text += fmt::format("α(d) = α_∞ + a/d: α_∞ = {} ± {} (Krauth–Mézard: 0.833)\n",
                           Fmt(res.alpha_inf, 4), Fmt(res.alpha_inf_stderr, 2));
    *text += internal::Wrap(
        "α: the largest n/d such that some w ∈ {±1}^d stores the first n patterns, by "
        "enumerating all 2^d weight vectors; margin checks: the exact binary margin must not "
        "exceed the certified spherical bracket on the same patterns.",
        100, "");
  }
  return violations == 0 ? 0 : 1;
}

int RunGd(const MeasureFlags& f, std::string* text) {
  GdMeasureOptions o;
  o.Ns = ParseSizes(f, "32");
  o.protocol.activation = f.activation, o.protocol.N = o.Ns[0], o.protocol.K = f.m;
  o.protocol.lr = f.lr, o.protocol.max_epochs = f.max_epochs;
  if (!f.alphas.empty()) o.alphas = ParseValueList(f.alphas, "--alphas");
  o.instances = f.instances > 0 ? f.instances : 8;
  o.seed = f.seed, o.threads = f.threads, o.progress = !f.json && !f.csv;
  GdMeasureResult res = MeasureGdThreshold(o);
  Table t({"d", "m", "alpha", "n", "solved", "trials", "fraction", "±", "seconds"});
  Json curves = Json::array();
  for (const ThresholdCurve& c : res.curves) {
    Json rows = Json::array();
    for (const ThresholdRow& r : c.rows) {
      t.AddRow({std::to_string(r.N), std::to_string(r.K), Fmt(r.alpha, 4), std::to_string(r.P),
                std::to_string(r.successes), std::to_string(r.trials), Fmt(r.fraction, 3),
                Fmt(r.sampling_error, 2), Fmt(r.seconds, 3)});
      rows.push_back(RowJson(r));
    }
    Json jc = FitJson(c.fit);
    jc["d"] = c.rows.front().N, jc["rows"] = rows;
    curves.push_back(jc);
  }
  const LogisticFit& last = res.curves.back().fit;
  if (f.json) {
    Json j = FitJson(last);
    j["d"] = res.curves.back().rows.front().N, j["m"] = o.protocol.K;
    j["activation"] = o.protocol.activation, j["protocol"] = o.protocol.Describe();
    j["instances"] = o.instances, j["seed"] = o.seed, j["curves"] = curves;
    if (res.fss_ok)
      j["fss"] = {{"alpha_inf", res.alpha_inf},
                  {"alpha_inf_stderr", res.alpha_inf_stderr},
                  {"slope", res.fss_slope},
                  {"model", "alpha_50(d) = alpha_inf + a d^-1/2"}};
    *text = j.dump(2) + "\n";
  } else if (f.csv) {
    *text = t.ToCsv();
  } else {
    *text = t.ToText();
    for (const ThresholdCurve& c : res.curves)
      *text +=
          fmt::format("d = {}: α₅₀ = {} ± {} (logistic fit)\n", c.rows.front().N,
                      c.fit.ok ? Fmt(c.fit.alpha_50, 4) : "n/a", Fmt(c.fit.alpha_50_stderr, 2));
    if (res.fss_ok)
      *text += fmt::format("finite-size scaling α₅₀(d) = α_∞ + a/√d: α_∞ = {} ± {}\n",
                           Fmt(res.alpha_inf, 4), Fmt(res.alpha_inf_stderr, 2));
    *text += internal::Wrap(fmt::format("protocol: {}", o.protocol.Describe()), 100, "  ");
  }
  return 0;
}

int RunMeasure(const MeasureFlags& f) {
  CheckFormatFlags(f.csv, f.json, "storage-measure");
  CheckOutputPath(f.output);
  std::string text;
  int code = 0;
  if (f.target == "perceptron")
    code = RunPerceptron(f, &text);
  else if (f.target == "margin")
    code = RunMargin(f, &text);
  else if (f.target == "ising")
    code = RunIsing(f, &text);
  else if (f.target == "gd")
    code = RunGd(f, &text);
  else
    Fail("storage-measure: unknown target '{}' (expected perceptron, margin, ising or gd)",
         f.target);
  Emit(text, f.output);
  return code;
}

}  // namespace

void AddStorageMeasureCommand(CLI::App& app, int* exit_code) {
  auto m = std::make_shared<MeasureFlags>();
  CLI::App* mc = app.add_subcommand("storage-measure",
                                    "measure capacity: perceptron LP, margins, binary weights, GD");
  mc->callback([m, exit_code] { *exit_code = RunMeasure(*m); });
  mc->add_option("TARGET", m->target, "perceptron | margin | ising | gd")->required();
  mc->add_option("--d", m->d, "input dimension; ising and gd take a list (defaults below)");
  mc->add_option("--m", m->m, "gd: hidden units")->capture_default_str();
  mc->add_option("--activation", m->activation, "gd: activation")->capture_default_str();
  mc->add_option("--alphas", m->alphas, "α grid FROM:TO:STEP or a,b,c (defaults below)");
  mc->add_option("--instances", m->instances, "instances per α or size (defaults below)");
  mc->add_option("--lr", m->lr, "gd: Adam learning rate")->capture_default_str();
  mc->add_option("--max-epochs", m->max_epochs, "gd: epoch cap")->capture_default_str();
  mc->add_option("--seed", m->seed, "random seed")->capture_default_str();
  mc->add_option("--threads", m->threads, "worker threads (default: all)");
  mc->add_flag("--csv", m->csv, "print CSV instead of a text table");
  mc->add_flag("--json", m->json, "print one JSON object");
  AddOutputOption(mc, &m->output, "write the output to FILE instead of stdout", false);
  mc->footer(
      "Defaults by target:\n"
      "  perceptron  --d 100  --alphas 1.6:2.4:0.1    --instances 20\n"
      "  margin      --d 100  --alphas 0.5:1.5:0.25   --instances 20\n"
      "  ising       --d 13,15,17,19,21 (odd, ≤ 27)   --instances 200\n"
      "  gd          --d 32   --alphas 0.5:4:0.5      --instances 8   --m 4");
}

}  // namespace mnemo::cli
