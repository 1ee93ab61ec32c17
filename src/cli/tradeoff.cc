// mnemo tradeoff: the width–depth picture on the user's data. Builds one network per point of
// the curve (a list of depths or of widths; the construction chooses the other size as small as
// it can), verifies each exactly, and prints W, L, W²L², parameters, bits and the verdict.
#include <chrono>
#include <cmath>

#include "mnemo/construction.h"
#include "mnemo/error.h"
#include "mnemo/table.h"
#include "mnemo/verify.h"
#include "src/cli/cli_util.h"
#include "src/cli/commands.h"

namespace mnemo::cli {
namespace {

std::vector<int64_t> ParseList(const std::string& flag, const std::string& text) {
  ParamMap m{{flag, text}};
  Params p(m);
  std::vector<int64_t> v = p.IntList(flag);
  for (int64_t x : v)
    if (x < 1) Fail("--{}: expected positive integers, got {}", flag, x);
  return v;
}

}  // namespace

void AddTradeoffCommand(CLI::App& app, int* exit_code) {
  struct Opts {
    DataFlags data;
    std::string construction = "bitextract";
    std::string depths, widths;
    uint64_t seed = 1;
    bool json = false, csv = false, no_verify = false;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(
      app, "tradeoff",
      "width–depth trade-off: build and exactly verify one network per depth (or width)",
      exit_code, [o, &app]() {
        CLI::App* self = app.get_subcommand("tradeoff");
        ParamMap extra = ParseConstructionOptions(self->remaining());
        if (!o->depths.empty() && !o->widths.empty()) Fail("tradeoff: give --depths or --widths, not both");
        if (extra.count("width") || extra.count("depth"))
          Fail("tradeoff: use --depths/--widths (lists) instead of --depth/--width");
        const bool by_width = !o->widths.empty();
        std::vector<int64_t> points = by_width ? ParseList("widths", o->widths)
                                               : ParseList("depths", o->depths.empty()
                                                                          ? std::string("16,32,64,128,256")
                                                                          : o->depths);
        if (o->json || o->csv) Progress::SetEnabled(false);
        Dataset data = LoadData(o->data);
        Table table({by_width ? "width asked" : "depth asked", "W", "L", "W²L²", "W²L²/(N log2 1/δ)",
                     "params dense", "params nonzero", "max bits", "points/group", "verified",
                     "build s", "verify s"});
        nlohmann::ordered_json rows = nlohmann::ordered_json::array();
        bool all_ok = true;
        for (int64_t value : points) {
          ParamMap params = extra;
          params[by_width ? "width" : "depth"] = std::to_string(value);
          Report report;
          std::optional<Network> net =
              BuildNetwork(o->construction, data, params, o->seed, &report, false, false);
          nlohmann::ordered_json row;
          row[by_width ? "width_asked" : "depth_asked"] = value;
          row["status"] = ToString(report.status);
          if (!net) {
            all_ok = false;
            row["reason"] = report.reason;
            rows.push_back(row);
            table.AddRow({std::to_string(value), "-", "-", "-", "-", "-", "-", "-", "-",
                          ToString(report.status), FormatNumber(report.build_seconds), "-"});
            continue;
          }
          NetworkStats st = net->Stats();
          VerifyReport vr;
          std::string verdict = "not run";
          if (!o->no_verify) {
            vr = Verify(*net, data, VerifyOptions{});
            verdict = vr.all_correct() ? fmt::format("yes {}/{}", vr.checked - vr.mismatches, vr.checked)
                                       : fmt::format("NO {}/{}", vr.checked - vr.mismatches, vr.checked);
            all_ok = all_ok && vr.all_correct();
          }
          const double w2l2 = double(st.width) * st.width * double(st.depth) * st.depth;
          const double ratio = report.fields.value("w2l2_over_n_log", std::nan(""));
          const int64_t per_group = report.fields.value("points_per_group", int64_t(0));
          row["W"] = st.width;
          row["L"] = st.depth;
          row["w2l2"] = w2l2;
          row["w2l2_over_n_log"] = ratio;
          row["params_dense"] = st.params_dense;
          row["params_nonzero"] = st.params_nonzero;
          row["max_weight_bits"] = st.max_weight_bits;
          row["points_per_group"] = per_group;
          row["verified"] = o->no_verify ? nlohmann::ordered_json(nullptr)
                                         : nlohmann::ordered_json(vr.all_correct());
          row["timings_s"] = {{"build", report.build_seconds}, {"verify", vr.seconds_exact}};
          row["report"] = report.ToJson();
          rows.push_back(row);
          table.AddRow({std::to_string(value), std::to_string(st.width), std::to_string(st.depth),
                        FormatNumber(w2l2), FormatNumber(ratio), std::to_string(st.params_dense),
                        std::to_string(st.params_nonzero), std::to_string(st.max_weight_bits),
                        std::to_string(per_group), verdict, FormatNumber(report.build_seconds, 3),
                        FormatNumber(vr.seconds_exact, 3)});
        }
        if (o->json) {
          nlohmann::ordered_json j;
          j["construction"] = o->construction;
          j["dataset"] = {{"n", data.n()}, {"rows", data.original_rows}, {"d", data.d()},
                          {"classes", data.classes()}};
          j["axis"] = by_width ? "width" : "depth";
          j["points"] = rows;
          j["all_verified"] = all_ok;
          PrintJson(j);
        } else if (o->csv) {
          fmt::print("{}", table.ToCsv());
        } else {
          fmt::print("{} on {} (N = {}, d = {}, C = {})\n", o->construction, data.source, data.n(),
                     data.d(), data.classes());
          fmt::print("{}", table.ToText());
        }
        return all_ok ? 0 : 1;
      });
  AddDataFlags(cmd, &o->data);
  cmd->add_option("-c,--construction", o->construction, "construction with a --width/--depth knob")
      ->default_str("bitextract");
  cmd->add_option("--depths", o->depths, "comma-separated depths (default 16,32,64,128,256)");
  cmd->add_option("--widths", o->widths, "comma-separated widths (instead of depths)");
  cmd->add_option("--seed", o->seed, "seed of every random choice");
  cmd->add_flag("--no-verify", o->no_verify, "skip exact verification");
  cmd->add_flag("--json", o->json, "print one JSON object");
  cmd->add_flag("--csv", o->csv, "print the table as CSV");
  cmd->allow_extras();
  cmd->footer("Further --key value options go to the construction (e.g. --bits-per-layer 1).");
}

}  // namespace mnemo::cli
