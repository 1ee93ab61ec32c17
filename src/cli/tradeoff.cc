// mnemo tradeoff: the width–depth picture on the user's data. Builds one network per point of
// the curve (a list of depths or of widths; the construction chooses the other size as small as
// it can), verifies each exactly, and prints one row per network as it finishes: W, L, the
// constant of the construction's W²L² bound, parameters, bits and the verdict.
#include <cmath>

#include "mnemo/pipeline.h"
#include "mnemo/table.h"
#include "src/cli/cli_util.h"
#include "src/cli/commands.h"

namespace mnemo::cli {
namespace {

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
      key, by_width ? f.widths : (f.depths.empty() ? std::string("16,32,64,128,256") : f.depths));
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

std::vector<std::string> Cells(int64_t asked, const Report& r) {
  if (r.network.depth == 0)
    return {std::to_string(asked),
            "-",
            "-",
            "-",
            "-",
            "-",
            "-",
            ToString(r.status),
            FormatNumber(r.timings.Get("build"), 3),
            "-",
            r.reason};
  const NetworkStats& s = r.network;
  std::string verdict = !r.verification.run ? "not run" : r.verification.all_correct ? "yes" : "NO";
  return {std::to_string(asked),
          std::to_string(s.width),
          std::to_string(s.depth),
          FormatNumber(W2L2Constant(r)),
          std::to_string(s.params_nonzero),
          std::to_string(s.max_weight_bits),
          std::to_string(s.total_weight_bits),
          verdict,
          FormatNumber(r.timings.Get("build"), 3),
          FormatNumber(r.timings.Get("verify"), 3),
          r.ok() ? "" : r.reason};
}

int Run(const TradeoffFlags& f, const ParamMap& extra) {
  const Construction& c = FindConstruction(f.construction);
  const bool by_width = !f.widths.empty();
  const std::string knob = by_width ? "width" : "depth";
  if (!c.HasOption(knob))
    Fail("tradeoff: construction {} has no --{} knob (constructions with one: bitextract)", c.name,
         knob);
  if (extra.count("width") || extra.count("depth"))
    Fail("tradeoff: use --depths/--widths (lists) instead of --depth/--width");
  const std::vector<int64_t> points = Points(f);
  if (f.json || f.csv) Progress::SetEnabled(false);
  Dataset data = LoadData(f.data);
  const std::vector<std::string> header = {
      knob + " asked", "W",        "L",       "W²L²/(N·log2 1/δ)", "nonzero", "max bits",
      "total bits",    "verified", "build s", "verify s",          "note"};
  StreamTable table(header, {6, 5, 5, 7, 9, 4, 10, 8, 7, 8, 0}, "rrrrrrrlrrl");
  if (!f.json && !f.csv) {
    fmt::print("{} on {} (N = {}, d = {}, C = {})\n", c.name, data.source, data.n(), data.d(),
               data.classes());
    table.PrintHeader();
  }
  Table csv(header);
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  bool all_ok = true;
  for (int64_t value : points) {
    ParamMap params = extra;
    params[knob] = std::to_string(value);
    RunResult result = mnemo::RunConstruction(c, c.parse(params), data, ToRunOptions(f.run, false));
    const Report& r = result.report;
    all_ok = all_ok && r.ok();
    rows.push_back(r.ToJson());
    if (f.csv)
      csv.AddRow(Cells(value, r));
    else if (!f.json)
      table.PrintRow(Cells(value, r));
  }
  if (f.json)
    PrintJson({{"construction", c.name}, {"axis", knob}, {"rows", rows}, {"all_verified", all_ok}});
  if (f.csv) fmt::print("{}", csv.ToCsv());
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
      ->default_str("bitextract");
  cmd->add_option("--depths", f->depths, "comma-separated depths")->default_str("16,32,64,128,256");
  cmd->add_option("--widths", f->widths, "comma-separated widths (instead of depths)");
  AddRunFlags(cmd, &f->run);
  cmd->add_flag("--json", f->json, "print one JSON object {\"rows\": [report rows]}");
  cmd->add_flag("--csv", f->csv, "print the table as CSV");
  cmd->allow_extras();
  cmd->footer("Further --key value options go to the construction (e.g. --bits-per-layer 1).");
}

}  // namespace mnemo::cli
