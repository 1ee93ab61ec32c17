// mnemo data: dataset summary (N, d, classes, norms, separation).
#include <cmath>

#include "mnemo/dataset.h"
#include "mnemo/table.h"
#include "src/cli/cli_util.h"
#include "src/cli/commands.h"

namespace mnemo::cli {

void AddDataCommand(CLI::App& app, int* exit_code) {
  struct Opts {
    DataFlags data;
    bool exact_delta = false;
    bool json = false;
    uint64_t seed = 1;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(app, "data", "summarize a dataset: N, d, classes, norms, separation", exit_code, [o] {
    if (o->json) Progress::SetEnabled(false);
    Dataset data = LoadData(o->data);
    InputMap map = ComputeNormalization(data);
    RowMatrix xn = Normalized(data, map);
    double max_norm = xn.rowwise().norm().maxCoeff();
    ProjectedSeparation sep = ComputeProjectedSeparation(data, map, o->seed);
    std::optional<ExactSeparation> exact;
    if (o->exact_delta) exact = ComputeExactSeparation(data, map);
    nlohmann::ordered_json j;
    j["source"] = data.source;
    j["rows"] = data.original_rows;
    j["n"] = data.n();
    j["d"] = data.d();
    j["merged_duplicates"] = data.merged_duplicates;
    j["labels"] = data.classification ? "classes" : "real";
    j["classes"] = data.classes();
    if (data.classification) {
      std::vector<int64_t> counts(data.classes(), 0);
      for (int32_t y : data.y) ++counts[y];
      nlohmann::ordered_json per = nlohmann::ordered_json::object();
      for (int64_t c = 0; c < data.classes(); ++c) per[fmt::format("{}", data.class_values[c])] = counts[c];
      j["class_counts"] = per;
    }
    j["input_exponent"] = data.input_exponent;
    j["normalization"] = {{"scale_log2", map.scale_log2}, {"max_norm", max_norm}};
    nlohmann::ordered_json s;
    s["projected_gap"] = sep.gap;
    s["delta_lower_bound"] = sep.delta_lower;
    if (exact) {
      s["delta"] = exact->delta;
      s["delta_squared"] = ToString(exact->delta_squared);
      s["closest_rows"] = {data.point_to_row[exact->i], data.point_to_row[exact->j]};
    }
    j["separation"] = s;
    j["fingerprint"] = data.Fingerprint().hash;
    if (o->json) {
      PrintJson(j);
      return 0;
    }
    Table t({"property", "value"});
    t.AddRow({"source", data.source});
    t.AddRow({"rows", fmt::format("{}", data.original_rows)});
    t.AddRow({"points (after merging duplicates)", fmt::format("{}", data.n())});
    t.AddRow({"dimension d", fmt::format("{}", data.d())});
    t.AddRow({"labels", data.classification ? fmt::format("{} classes", data.classes()) : "real targets"});
    t.AddRow({"normalization", fmt::format("(x − c)·2^{}, max norm {:.6g}", -map.scale_log2, max_norm)});
    t.AddRow({"projected gap (normalized)", fmt::format("{:.6g}", sep.gap)});
    if (exact)
      t.AddRow({"exact δ (normalized)", fmt::format("{:.9g} (rows {} and {})", exact->delta,
                                                    data.point_to_row[exact->i], data.point_to_row[exact->j])});
    else
      t.AddRow({"δ lower bound (projection)", fmt::format("{:.6g} (--exact-delta for δ)", sep.delta_lower)});
    t.AddRow({"fingerprint", data.Fingerprint().hash});
    fmt::print("{}", t.ToText());
    return 0;
  });
  AddDataFlags(cmd, &o->data);
  cmd->add_flag("--exact-delta", o->exact_delta, "compute the exact minimum pairwise distance δ (O(N²d))");
  cmd->add_option("--seed", o->seed, "seed of the projection direction");
  cmd->add_flag("--json", o->json, "print one JSON object");
  cmd->footer("Generators:\n" + SyntheticHelp());
}

}  // namespace mnemo::cli
