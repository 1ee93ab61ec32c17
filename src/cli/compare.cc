// mnemo compare: build every registered construction (or the named ones) on the same data,
// verify each network exactly, and print one row per construction as it finishes. A
// construction that does not apply (wrong label kind, infeasible, over budget) says why in its
// row.
#include "mnemo/pipeline.h"
#include "mnemo/table.h"
#include "src/cli/cli_util.h"
#include "src/cli/commands.h"

namespace mnemo::cli {
namespace {

struct CompareFlags {
  DataFlags data;
  std::string names;
  RunFlags run;
  bool csv = false, json = false;
};

std::vector<std::string> Names(const std::string& list) {
  std::vector<std::string> names;
  if (list.empty()) {
    for (const Construction& c : Registry()) names.push_back(c.name);
    return names;
  }
  names = internal::ParseListFlag("constructions", list);
  for (const std::string& n : names) FindConstruction(n);  // unknown names: exit 2
  return names;
}

std::vector<std::string> Cells(const Report& r) {
  const bool built = r.network.depth > 0;
  auto num = [&](int64_t v) { return built ? fmt::format("{}", v) : std::string("-"); };
  std::string verdict = r.ok() ? (r.verification.run ? "yes" : "not run") : ToString(r.status);
  return {r.construction,
          num(r.network.depth),
          num(r.network.width),
          num(r.network.neurons),
          num(r.network.params_nonzero),
          num(r.network.max_weight_bits),
          FormatNumber(r.timings.Get("build"), 3),
          FormatNumber(r.timings.Get("verify"), 3),
          verdict,
          r.ok() ? "" : r.reason};
}

int Run(const CompareFlags& f) {
  const std::vector<std::string> names = Names(f.names);
  if (f.json || f.csv) Progress::SetEnabled(false);
  Dataset data = LoadData(f.data);
  StreamTable table({"construction", "L", "W", "neurons", "nonzero", "bits", "build s", "verify s",
                     "verified", "note"},
                    {12, 5, 7, 8, 9, 5, 8, 8, 10, 0}, "lrrrrrrrll");
  if (!f.json && !f.csv) {
    fmt::print("{}: N = {} ({} rows), d = {}, {}\n", data.source, data.n(), data.original_rows,
               data.d(),
               data.classification ? fmt::format("{} classes", data.classes()) : "real targets");
    table.PrintHeader();
  }
  Table csv({"construction", "depth", "width", "neurons", "params_nonzero", "max_weight_bits",
             "build_s", "verify_s", "verified", "note"});
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  bool any_wrong = false;
  for (const std::string& name : names) {
    RunResult result = mnemo::RunConstruction(name, {}, data, ToRunOptions(f.run, false));
    const Report& r = result.report;
    any_wrong = any_wrong || r.status == Status::kFailed;
    rows.push_back(r.ToJson());
    if (f.csv)
      csv.AddRow(Cells(r));
    else if (!f.json)
      table.PrintRow(Cells(r));
  }
  if (f.json) PrintJson({{"rows", rows}});
  if (f.csv) fmt::print("{}", csv.ToCsv());
  return any_wrong ? 1 : 0;
}

}  // namespace

void AddCompareCommand(CLI::App& app, int* exit_code) {
  auto f = std::make_shared<CompareFlags>();
  CLI::App* cmd = AddCommand(app, "compare",
                             "build every construction (or -c a,b,c) on DATA, verify each "
                             "exactly, print one row each",
                             exit_code, [f]() { return Run(*f); });
  AddDataFlags(cmd, &f->data);
  cmd->add_option("-c,--constructions", f->names, "comma-separated constructions (default: all)");
  AddRunFlags(cmd, &f->run);
  cmd->add_flag("--csv", f->csv, "print CSV");
  cmd->add_flag("--json", f->json, "print one JSON object {\"rows\": [report rows]}");
}

}  // namespace mnemo::cli
