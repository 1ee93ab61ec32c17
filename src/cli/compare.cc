// mnemo compare: build every registered construction (or the named ones) on the same data,
// verify each network exactly, and print one table of sizes and timings. A construction that
// does not apply (wrong label kind, infeasible, over budget) says why in its row.
#include <chrono>
#include <sstream>

#include "mnemo/construction.h"
#include "mnemo/error.h"
#include "mnemo/table.h"
#include "mnemo/verify.h"
#include "src/cli/cli_util.h"
#include "src/cli/commands.h"

namespace mnemo::cli {
namespace {

struct CompareFlags {
  DataFlags data;
  std::string names;
  uint64_t seed = 1;
  bool csv = false, json = false;
};

std::vector<std::string> SplitNames(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

int Run(const CompareFlags& flags) {
  std::vector<std::string> names;
  if (flags.names.empty()) {
    for (const Construction& c : Registry()) names.push_back(c.name);
  } else {
    names = SplitNames(flags.names);
    if (names.empty()) Fail("-c: expected a comma-separated list of constructions");
    for (const std::string& n : names) FindConstruction(n);  // unknown names: exit 2
  }
  Dataset data = LoadData(flags.data);
  Table table({"construction", "depth", "width", "neurons", "nonzero params", "max weight bits",
               "build s", "verify s", "verified", "note"});
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  bool any_wrong = false;
  for (const std::string& name : names) {
    nlohmann::ordered_json row;
    row["construction"] = name;
    Report report;
    std::optional<Network> net;
    std::string note;
    bool error = false;
    auto t0 = std::chrono::steady_clock::now();
    try {
      net = BuildNetwork(name, data, {}, flags.seed, &report);
    } catch (const Error& e) {
      note = e.what();
      error = true;
    }
    const double build_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!net) {
      if (note.empty()) note = fmt::format("{}: {}", ToString(report.status), report.reason);
      row["applies"] = false;
      row["status"] = error ? std::string("not applicable") : ToString(report.status);
      row["reason"] = note;
      row["verified"] = false;
      row["build_s"] = build_s;
      table.AddRow({name, "-", "-", "-", "-", "-", FormatNumber(build_s, 3), "-", "no", note});
      rows.push_back(row);
      continue;
    }
    VerifyOptions vo;
    vo.mode = VerifyMode::kExact;
    VerifyReport vr = Verify(*net, data, vo);
    const bool ok = vr.all_correct();
    any_wrong = any_wrong || !ok;
    NetworkStats s = net->Stats();
    if (!ok) note = fmt::format("{} of {} rows wrong", vr.mismatches, vr.checked);
    row["applies"] = true;
    row["status"] = ToString(report.status);
    row["depth"] = s.depth;
    row["width"] = s.width;
    row["neurons"] = s.neurons;
    row["params_nonzero"] = s.params_nonzero;
    row["params_dense"] = s.params_dense;
    row["max_weight_bits"] = s.max_weight_bits;
    row["build_s"] = report.build_seconds;
    row["verify_s"] = vr.seconds_exact;
    row["verified"] = ok;
    row["checked"] = vr.checked;
    row["mismatches"] = vr.mismatches;
    row["report"] = report.ToJson();
    table.AddRow({name, fmt::format("{}", s.depth), fmt::format("{}", s.width),
                  fmt::format("{}", s.neurons), fmt::format("{}", s.params_nonzero),
                  fmt::format("{}", s.max_weight_bits), FormatNumber(report.build_seconds, 3),
                  FormatNumber(vr.seconds_exact, 3), ok ? "yes" : "NO", note});
    rows.push_back(row);
  }
  if (flags.json) {
    nlohmann::ordered_json out;
    out["dataset"] = {{"source", data.source}, {"n", data.n()}, {"rows", data.original_rows},
                      {"d", data.d()}, {"classes", data.classes()}};
    out["seed"] = flags.seed;
    out["rows"] = rows;
    PrintJson(out);
  } else if (flags.csv) {
    fmt::print("{}", table.ToCsv());
  } else {
    fmt::print("{}: N = {} ({} rows), d = {}, {}\n", data.source, data.n(), data.original_rows,
               data.d(),
               data.classification ? fmt::format("{} classes", data.classes()) : "real targets");
    fmt::print("{}", table.ToText());
  }
  return any_wrong ? 1 : 0;
}

}  // namespace

void AddCompareCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<CompareFlags>();
  CLI::App* cmd = AddCommand(app, "compare",
                             "build every construction (or -c a,b,c) on DATA, verify each exactly, "
                             "print one table",
                             exit_code, [flags]() { return Run(*flags); });
  AddDataFlags(cmd, &flags->data);
  cmd->add_option("-c,--constructions", flags->names, "comma-separated constructions (default: all)");
  cmd->add_option("--seed", flags->seed, "seed of every random choice")->default_str("1");
  cmd->add_flag("--csv", flags->csv, "print CSV");
  cmd->add_flag("--json", flags->json, "print one JSON object {\"rows\": [...]}");
}

}  // namespace mnemo::cli
