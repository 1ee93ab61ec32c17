// mnemo data: dataset summary (N, d, classes, normalization, separation).
#include <future>
#include <optional>

#include "mnemo/dataset.h"
#include "mnemo/progress.h"
#include "mnemo/table.h"
#include "src/cli/cli_util.h"
#include "src/cli/commands.h"

namespace mnemo::cli {
namespace {

struct DataCommandFlags {
  DataFlags data;
  bool exact_delta = false;
  bool json = false;
  uint64_t seed = 1;
  std::string output;
};

struct Summary {
  InputMap map;
  double max_norm = 0;
  ProjectedSeparation projected;
  std::optional<ExactSeparation> exact;
  std::string fingerprint;
};

Summary Summarize(const Dataset& data, const DataCommandFlags& f) {
  Summary s;
  ProgressStep step("normalizing and separating");
  // The fingerprint (a serial hash over every value) on the other core meanwhile.
  std::future<std::string> hash =
      std::async(std::launch::async, [&data] { return data.Fingerprint().hash; });
  s.map = ComputeNormalization(data);
  s.projected = ComputeProjectedSeparation(data, s.map, f.seed);
  s.max_norm = s.projected.max_norm;
  s.fingerprint = hash.get();
  step.Finish();
  if (f.exact_delta) s.exact = ComputeExactSeparation(data, s.map);
  return s;
}

nlohmann::ordered_json ToJson(const Dataset& data, const Summary& s) {
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
    for (int64_t c = 0; c < data.classes(); ++c)
      per[data.class_names.empty() ? fmt::format("{}", data.class_values[c])
                                   : data.class_names[c]] = counts[c];
    j["class_counts"] = per;
    if (!data.class_names.empty()) j["class_names"] = data.class_names;
  }
  j["storage"] = data.x.TypeName();
  if (data.x.type() == DataMatrix::Type::kI32) j["storage_exponent"] = data.x.exponent();
  j["input_exponent"] = data.input_exponent;
  j["normalization"] = {{"scale_log2", s.map.scale_log2}, {"max_norm", s.max_norm}};
  nlohmann::ordered_json sep;
  sep["projected_gap"] = s.projected.gap;
  sep["delta_lower_bound"] = s.projected.delta_lower;
  if (s.exact) {
    sep["delta"] = s.exact->delta;
    sep["delta_squared"] = ToString(s.exact->delta_squared);
    sep["closest_rows"] = {data.point_to_row[s.exact->i], data.point_to_row[s.exact->j]};
  }
  j["separation"] = sep;
  j["fingerprint"] = s.fingerprint;
  return j;
}

// A row named without the source the table already shows ("d.csv:7" stays whole).
std::string ShortRowName(const Dataset& data, int64_t point) {
  const std::string name = data.PointName(point);
  return name.rfind(data.source + " ", 0) == 0 ? name.substr(data.source.size() + 1) : name;
}

std::string Text(const Dataset& data, const Summary& s) {
  Table t({"property", "value"});
  t.AddRow({"source", data.source});
  t.AddRow({"rows", fmt::format("{}", data.original_rows)});
  t.AddRow({"points (after merging duplicates)", fmt::format("{}", data.n())});
  t.AddRow({"dimension d", fmt::format("{}", data.d())});
  t.AddRow({"labels", data.classification ? fmt::format("{} classes", data.classes())
                                          : "real targets"});
  if (!data.class_names.empty()) {
    std::string names;
    for (int64_t c = 0; c < data.classes() && names.size() < 60; ++c)
      names += fmt::format("{}{} {}", c ? ", " : "", c, data.class_names[c]);
    if (int64_t(data.class_names.size()) > 0 && names.size() >= 60) names += ", ...";
    t.AddRow({"class map (text labels)", names});
  }
  const bool ints = data.x.type() == DataMatrix::Type::kI32;
  t.AddRow({"stored as", fmt::format("{}{} ({:.1f} MB)", data.x.TypeName(),
                                     ints ? fmt::format(" × 2^{}", data.x.exponent()) : "",
                                     double(data.x.bytes()) / 1e6)});
  t.AddRow({"normalization",
            fmt::format("(x − c)·2^{}, max norm {:.6g}", -s.map.scale_log2, s.max_norm)});
  t.AddRow({"projected gap (normalized)", fmt::format("{:.6g}", s.projected.gap)});
  if (s.exact)
    t.AddRow({"exact δ (normalized)",
              fmt::format("{:.9g} ({} and {})", s.exact->delta, ShortRowName(data, s.exact->i),
                          ShortRowName(data, s.exact->j))});
  else
    t.AddRow({"δ lower bound (projection)",
              fmt::format("{:.6g} (--exact-delta for δ)", s.projected.delta_lower)});
  t.AddRow({"fingerprint", s.fingerprint});
  return t.ToText();
}

// -o FILE: a format SaveDataset writes, checked before the data is read.
void CheckDataOutput(const std::string& path) {
  std::string lower = path;
  for (char& c : lower) c = char(std::tolower(static_cast<unsigned char>(c)));
  for (const char* ext : {".csv", ".tsv", ".npy"})
    if (lower.size() > 4 && lower.compare(lower.size() - 4, 4, ext) == 0) return;
  if (!path.empty()) Fail("-o {}: unknown format for data (expected .csv, .tsv or .npy)", path);
}

}  // namespace

void AddDataCommand(CLI::App& app, int* exit_code) {
  auto f = std::make_shared<DataCommandFlags>();
  CLI::App* cmd = AddCommand(app, "data",
                             "summarize a dataset: N, d, classes, normalization, separation",
                             exit_code, [f] {
                               if (f->json) Progress::SetEnabled(false);
                               CheckDataOutput(f->output);
                               CheckWritable(f->output,
                                             {f->data.spec, f->data.options.labels_path});
                               Dataset data = LoadData(f->data);
                               std::vector<std::string> wrote;
                               if (!f->output.empty()) wrote = SaveDataset(data, f->output);
                               Summary s = Summarize(data, *f);
                               if (f->json) {
                                 nlohmann::ordered_json j = ToJson(data, s);
                                 if (!wrote.empty()) j["wrote"] = wrote;
                                 PrintJson(j);
                               } else {
                                 fmt::print("{}", Text(data, s));
                                 for (const std::string& p : wrote) fmt::print("wrote {}\n", p);
                               }
                               return 0;
                             });
  AddDataFlags(cmd, &f->data);
  cmd->add_flag("--exact-delta", f->exact_delta,
                "compute the exact minimum pairwise distance δ (O(N²d))");
  cmd->add_option("--seed", f->seed, "seed of the projection direction")
      ->type_name("S")
      ->default_str("1");
  cmd->add_flag("--json", f->json, "print one JSON object");
  AddOutputOption(cmd, &f->output,
                  "also write the rows with their labels: FILE.csv, FILE.tsv, or FILE.npy (+ "
                  "FILE-labels.npy)",
                  false)
      ->default_str("none");
  cmd->footer("Generators:\n" + SyntheticHelp());
}

}  // namespace mnemo::cli
