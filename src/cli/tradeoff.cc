// mnemo tradeoff: the width–depth picture on the user's data. Builds one network per point of
// the curve (a list of depths or of widths; the construction chooses the other size as small as
// it can), verifies each exactly, and prints one row per network as it finishes: W, L, the
// constant of the construction's W²L² bound, parameters, bits and the verdict.
#include <cmath>

#include "mnemo/pipeline.h"
#include "src/cli/cli_util.h"
#include "src/cli/commands.h"
#include "src/cli/report_rows.h"

namespace mnemo::cli {
namespace {

constexpr const char* kDefaultDepths = "16,32,64,128,256";

struct TradeoffFlags {
  DataFlags data;
  std::string construction = "bitextract";
  std::string depths, widths;
  RunFlags run;
  bool json = false, csv = false;
};

std::vector<int64_t> Points(const TradeoffFlags& f) {
  if (!f.depths.empty() && !f.widths.empty()) Fail("tradeoff: give --depths or --widths, not both");
  const bool by_width = !f.widths.empty();
  const std::string key = by_width ? "widths" : "depths";
  std::vector<int64_t> v = internal::ParseIntListFlag(
      key, by_width ? f.widths : (f.depths.empty() ? std::string(kDefaultDepths) : f.depths));
  for (int64_t x : v)
    if (x < 1) Fail("--{}: expected positive integers, got {}", key, x);
  return v;
}

// The empirical constant of the construction's own W²L² bound (NaN when it states none).
double W2L2Constant(const Report& r) {
  for (const Bound& b : r.theory)
    if (b.kind == Bound::Kind::kUpper && b.measure == "w2l2") return b.Ratio();
  return std::nan("");
}

std::vector<ReportColumn> Columns(const std::string& knob) {
  using R = const Report&;
  return {
      {"asked", knob + "_asked", 5, 'r',
       [knob](R r, bool) {
         return std::to_string(knob == "width" ? r.width_asked : r.depth_asked);
       }},
      {"W", "width", 5, 'r', [](R r, bool) { return StatCell(r, r.network.width); }},
      {"L", "depth", 5, 'r', [](R r, bool) { return StatCell(r, r.network.depth); }},
      {"W²L²/(N lg1/δ)", "w2l2_over_n_log2_inv_delta", 14, 'r',
       [](R r, bool e) {
         if (r.network.depth == 0) return std::string("-");
         return e ? fmt::format("{}", W2L2Constant(r)) : FormatNumber(W2L2Constant(r));
       }},
      {"nonzero", "params_nonzero", 8, 'r',
       [](R r, bool) { return StatCell(r, r.network.params_nonzero); }},
      {"max bits", "max_weight_bits", 8, 'r',
       [](R r, bool) { return StatCell(r, r.network.max_weight_bits); }},
      {"total bits", "total_weight_bits", 10, 'r',
       [](R r, bool) { return StatCell(r, r.network.total_weight_bits); }},
      {"verified", "verified", 10, 'l', [](R r, bool) { return Verdict(r); }},
      {"build s", "build_s", 7, 'r', [](R r, bool e) { return SecondsCell(r, "build", e); }},
      {"verify s", "verify_s", 8, 'r', [](R r, bool e) { return SecondsCell(r, "verify", e); }},
      {"note", "note", 0, 'l', [](R r, bool) { return r.ok() ? std::string() : r.reason; }},
  };
}

// The constructions with a --width/--depth knob, for the message when the chosen one has none.
std::string WithKnob(const std::string& knob) {
  std::string names;
  for (const Construction& c : Registry())
    if (c.HasOption(knob)) names += (names.empty() ? "" : ", ") + c.name;
  return names.empty() ? "none" : names;
}

int Run(const TradeoffFlags& f, const ParamMap& extra) {
  const Construction& c = FindConstruction(f.construction);
  const std::string knob = f.widths.empty() ? "depth" : "width";
  if (!c.HasOption(knob))
    Fail("tradeoff: construction {} has no --{} knob (constructions with one: {})", c.name, knob,
         WithKnob(knob));
  if (extra.count("width") || extra.count("depth"))
    Fail("tradeoff: use --depths/--widths (lists) instead of --depth/--width");
  const std::vector<int64_t> points = Points(f);
  std::vector<std::any> options;  // all parsed before any work: a bad flag fails at once
  for (int64_t value : points) {
    ParamMap params = extra;
    params[knob] = std::to_string(value);
    options.push_back(c.parse(params));
  }
  const RowFormat format = f.json ? RowFormat::kJson : f.csv ? RowFormat::kCsv : RowFormat::kText;
  if (format != RowFormat::kText) Progress::SetEnabled(false);
  Dataset data = LoadData(f.data);
  ReportRows rows(Columns(knob), format);
  rows.Begin(fmt::format("{} on {} (N = {}, d = {}, C = {})", c.name, data.source, data.n(),
                         data.d(), data.classes()));
  bool all_ok = true;
  for (const std::any& o : options) {
    RunResult result = mnemo::RunConstruction(c, o, data, ToRunOptions(f.run, true));
    all_ok = all_ok && result.report.ok();
    rows.Add(result.report);
  }
  rows.End({{"construction", c.name}, {"axis", knob}, {"all_verified", all_ok}});
  return all_ok ? 0 : 1;
}

}  // namespace

void AddTradeoffCommand(CLI::App& app, int* exit_code) {
  auto f = std::make_shared<TradeoffFlags>();
  CLI::App* cmd = AddCommand(
      app, "tradeoff",
      "width–depth trade-off: build and exactly verify one network per depth (or width)", exit_code,
      [f, &app]() {
        return Run(*f, ParseConstructionOptions(app.get_subcommand("tradeoff")->remaining()));
      });
  AddDataFlags(cmd, &f->data);
  cmd->add_option("-c,--construction", f->construction, "construction with a --width/--depth knob")
      ->type_name("NAME")
      ->default_str("bitextract");
  cmd->add_option("--depths", f->depths, "comma-separated depths")
      ->type_name("L1,L2,..")
      ->default_str(kDefaultDepths);
  cmd->add_option("--widths", f->widths, "comma-separated widths, instead of depths")
      ->type_name("W1,W2,..")
      ->default_str("none");
  AddRunFlags(cmd, &f->run);
  cmd->add_flag("--json", f->json, "print one JSON object {\"rows\": [report rows]}");
  cmd->add_flag("--csv", f->csv, "print CSV rows (full precision) instead of the table");
  cmd->allow_extras();
  cmd->footer("Further --key value options go to the construction (e.g. --bits-per-layer 1; "
              "`mnemo list --long`). Exit code 1 unless every network was built and verified.");
}

}  // namespace mnemo::cli
