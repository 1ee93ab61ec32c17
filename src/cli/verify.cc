// mnemo verify: is the network right on every row? Exact mode is the judge. --rows i/n checks
// one part of the points; --merge sums the parts' JSON reports into the whole run's.
#include <tuple>

#include "mnemo/error.h"
#include "mnemo/export_check.h"
#include "mnemo/io.h"
#include "mnemo/options.h"
#include "mnemo/verify.h"
#include "src/cli/cli_util.h"
#include "src/cli/commands.h"

namespace mnemo::cli {

namespace {

struct Opts {
  std::string network;
  DataFlags data;
  std::string mode = "exact";
  double tolerance = 0;
  int64_t max_reported = 10;
  bool json = false;
  std::string rows;                 // --rows i/n
  std::vector<std::string> merge;   // --merge FILE...
};

void PrintReport(const VerifyReport& r, bool json) {
  if (json) {
    PrintJson(r.ToJson());
    return;
  }
  fmt::print("{}\n", r.Brief());
  for (const Mismatch& m : r.first_mismatches)
    fmt::print("  row {}: expected {}, got {}\n", m.index, m.expected, m.got);
  if (r.mismatches > int64_t(r.first_mismatches.size()))
    fmt::print("  ... and {} more\n", r.mismatches - int64_t(r.first_mismatches.size()));
  for (const Mismatch& m : r.first_disagreements)
    fmt::print("  float64 disagrees at row {}: exact {}, float64 {}\n", m.index, m.expected, m.got);
  fmt::print("time: exact {:.3f} s, float64 {:.3f} s\n", r.seconds_exact, r.seconds_float);
}

// --merge: the --json reports of the shards of one run, as one report.
int Merge(const Opts& o) {
  if (!o.network.empty() || !o.data.spec.empty() || !o.rows.empty())
    Fail("--merge takes the shards' reports only (no NETWORK, DATA or --rows)");
  std::vector<VerifyReport> shards;
  for (const std::string& path : o.merge) {
    nlohmann::json j = nlohmann::json::parse(ReadFile(path), nullptr, false);
    if (j.is_discarded()) Fail("{}: not JSON (expected the output of mnemo verify --json)", path);
    shards.push_back(VerifyReportFromJson(j, path));
  }
  const VerifyReport r = MergeShards(std::move(shards), o.max_reported);
  PrintReport(r, o.json);
  return r.all_correct() ? 0 : 1;
}

// --mode float32: the network as its float32 export runs it (export_check.h).
int VerifyFloat32(const Opts& o) {
  if (o.json) Progress::SetEnabled(false);
  Network net = LoadNetwork(o.network);
  Dataset data = LoadData(o.data);
  DtypeCheck check = CheckInDtype(net, data, ExportDtype::kFloat32, o.max_reported);
  if (o.json) {
    nlohmann::ordered_json j;
    j["all_correct"] = check.all_correct();
    j["checked"] = check.checked;
    j["mismatches"] = check.wrong;
    j["mode"] = "float32";
    j["first_mismatches"] = nlohmann::ordered_json::array();
    for (const Mismatch& m : check.first_wrong)
      j["first_mismatches"].push_back(
          {{"index", m.index}, {"expected", m.expected}, {"got", m.got}});
    j["why"] = check.Why();
    j["export"] = check.ToJson();
    j["timings_s"] = {{"float32", check.seconds}};
    PrintJson(j);
    return check.all_correct() ? 0 : 1;
  }
  fmt::print("float32: {}/{} correct (the float32 export's numbers and arithmetic)\n",
             check.checked - check.wrong, check.checked);
  if (check.wrong > 0) fmt::print("  why: {}\n", check.Why());
  for (const Mismatch& m : check.first_wrong)
    fmt::print("  row {}: expected {}, got {}\n", m.index, m.expected, m.got);
  if (check.wrong > int64_t(check.first_wrong.size()))
    fmt::print("  ... and {} more\n", check.wrong - int64_t(check.first_wrong.size()));
  fmt::print("time: float32 {:.3f} s\n", check.seconds);
  return check.all_correct() ? 0 : 1;
}

}  // namespace

void AddVerifyCommand(CLI::App& app, int* exit_code) {
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(app, "verify", "check a network on every row of DATA (exact by default)", exit_code, [o] {
    if (o->json) Progress::SetEnabled(false);
    if (!o->merge.empty()) return Merge(*o);
    if (o->network.empty() || o->data.spec.empty()) Fail("verify: needs NETWORK and DATA (or --merge)");
    if (o->mode == "float32") {
      if (!o->rows.empty()) Fail("--rows: not with --mode float32");
      return VerifyFloat32(*o);
    }
    if (o->mode != "exact" && o->mode != "float64" && o->mode != "both")
      Fail("--mode: expected exact, float64, both or float32, got \"{}\"", o->mode);
    VerifyOptions vo;
    vo.mode = ParseVerifyMode(o->mode);
    if (o->tolerance < 0) Fail("--tolerance must be ≥ 0");
    vo.tolerance = o->tolerance;
    vo.max_reported = o->max_reported;
    vo.progress = !o->json;
    if (!o->rows.empty()) std::tie(vo.shard, vo.shards) = ParseShard(o->rows, "--rows");
    Network net = LoadNetwork(o->network);
    Dataset data = LoadData(o->data);
    DatasetFingerprint fp = data.Fingerprint();
    if (!net.dataset.hash.empty() && fp.hash != net.dataset.hash)
      fmt::print(stderr, "mnemo: note: {} is not the dataset {} was built on (fingerprint {} vs {})\n",
                 data.source, o->network, fp.hash, net.dataset.hash);
    VerifyReport r = Verify(net, data, vo);
    PrintReport(r, o->json);
    return r.all_correct() ? 0 : 1;
  });
  cmd->add_option("NETWORK", o->network, "network file (JSON)")->type_name("");
  AddDataFlags(cmd, &o->data, true, false);
  cmd->add_option("--mode", o->mode, "exact | float64 | both | float32 (as the float32 export)")->type_name("M")->default_str("exact");
  cmd->add_option("--tolerance", o->tolerance, "float64, real targets: |output − target| allowed")
      ->type_name("T")
      ->default_str("0");
  cmd->add_option("--max-reported", o->max_reported, "counterexamples listed")
      ->type_name("K")
      ->default_str("10");
  cmd->add_option("--rows", o->rows,
                  "verify part i of n (0-based) of the points: run every i, then --merge")
      ->type_name("I/N")
      ->default_str("all");
  cmd->add_option("--merge", o->merge, "sum the --json reports of the parts --rows i/n made")
      ->type_name("FILE...")
      ->default_str("none");
  cmd->add_flag("--json", o->json, "print one JSON object");
}

}  // namespace mnemo::cli
