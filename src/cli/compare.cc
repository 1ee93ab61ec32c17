// mnemo compare: build every registered construction (or the named ones) on the same data,
// verify each network exactly, and print one row per construction as it finishes. A
// construction that cannot run on this data (wrong label kind, infeasible, over budget) says
// why in its row.
#include "mnemo/pipeline.h"
#include "src/cli/cli_util.h"
#include "src/cli/commands.h"
#include "src/cli/report_rows.h"

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

std::vector<ReportColumn> Columns() {
  using R = const Report&;
  return {
      {"construction", "construction", 12, 'l', [](R r, bool) { return r.construction; }},
      {"depth", "depth", 5, 'r', [](R r, bool) { return StatCell(r, r.network.depth); }},
      {"width", "width", 7, 'r', [](R r, bool) { return StatCell(r, r.network.width); }},
      {"neurons", "neurons", 8, 'r', [](R r, bool) { return StatCell(r, r.network.neurons); }},
      {"nonzero", "params_nonzero", 9, 'r',
       [](R r, bool) { return StatCell(r, r.network.params_nonzero); }},
      {"max bits", "max_weight_bits", 8, 'r',
       [](R r, bool) { return StatCell(r, r.network.max_weight_bits); }},
      {"build s", "build_s", 7, 'r', [](R r, bool e) { return SecondsCell(r, "build", e); }},
      {"verify s", "verify_s", 8, 'r', [](R r, bool e) { return SecondsCell(r, "verify", e); }},
      {"verified", "verified", 14, 'l', [](R r, bool) { return Verdict(r); }},
      {"note", "note", 0, 'l', [](R r, bool) { return r.ok() ? std::string() : r.reason; }},
  };
}

int Run(const CompareFlags& f) {
  const std::vector<std::string> names = Names(f.names);
  const RowFormat format = f.json ? RowFormat::kJson : f.csv ? RowFormat::kCsv : RowFormat::kText;
  if (format != RowFormat::kText) Progress::SetEnabled(false);
  Dataset data = LoadData(f.data);
  ReportRows rows(Columns(), format);
  rows.Begin(fmt::format("{}: N = {} ({} rows), d = {}, {}", data.source, data.n(),
                         data.original_rows, data.d(),
                         data.classification ? fmt::format("{} classes", data.classes())
                                             : "real targets"));
  bool any_wrong = false;
  for (const std::string& name : names) {
    RunResult result = mnemo::RunConstruction(name, {}, data, ToRunOptions(f.run, true));
    any_wrong = any_wrong || result.report.status == Status::kFailed;
    rows.Add(result.report);
  }
  rows.End();
  return any_wrong ? 1 : 0;
}

}  // namespace

void AddCompareCommand(CLI::App& app, int* exit_code) {
  auto f = std::make_shared<CompareFlags>();
  CLI::App* cmd = AddCommand(app, "compare",
                             "build every construction (or -c a,b,c) on DATA, verify each "
                             "exactly, print one row each as it finishes",
                             exit_code, [f]() { return Run(*f); });
  AddDataFlags(cmd, &f->data);
  cmd->add_option("-c,--constructions", f->names, "comma-separated constructions")
      ->type_name("LIST")
      ->default_str("all");
  AddRunFlags(cmd, &f->run);
  cmd->add_flag("--csv", f->csv, "print CSV rows (full precision) instead of the table");
  cmd->add_flag("--json", f->json, "print one JSON object {\"rows\": [report rows]}");
  cmd->footer("Exit code 1 when a network was built but is wrong on some row; a construction "
              "that is infeasible or does not apply only says so in its row.");
}

}  // namespace mnemo::cli
