// Tests for the sweep (sweep.h, rows.h): spec files and their errors, the grid, keys and
// commands, shards, child processes that crash / fail / time out / go over memory becoming
// rows, and end to end through the binary: rows, resume without duplicates, an interrupted
// file, shards + merge equal to the whole run, the reproducing command, mixed builds.
#include <filesystem>
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "mnemo/error.h"
#include "mnemo/rows.h"
#include "mnemo/sweep.h"
#include "tests/test_util.h"

namespace mnemo {
namespace {

using ::testing::HasSubstr;
using testing::CliResult;
using testing::ErrorOf;
using testing::RunCli;
using testing::TempDir;
using testing::WriteText;

TEST(SweepSpecTest, TomlAndJsonGiveTheSameSpec) {
  TempDir tmp;
  WriteText(tmp.Path("s.toml"),
            "constructions = [\"bitextract\", \"zhang\"]\n"
            "data = \"synthetic:grid?d=16&classes=10\"\n"
            "n = [1000, 4000]\ndelta = [1e-2, \"1e-6\"]\ndepth = [40, 160]\nseeds = [1, 2]\n"
            "timeout = 60\nmax-memory = \"2G\"\n[options]\nbits-per-layer = [1, 2]\n");
  WriteText(tmp.Path("s.json"),
            R"({"constructions": ["bitextract", "zhang"], "data": "synthetic:grid?d=16&classes=10",
                "n": [1000, 4000], "delta": [0.01, "1e-6"], "depth": [40, 160], "seeds": [1, 2],
                "timeout": 60, "max-memory": "2G", "options": {"bits-per-layer": [1, 2]}})");
  for (const char* name : {"s.toml", "s.json"}) {
    SCOPED_TRACE(name);
    SweepSpec s = ReadSweepSpec(tmp.Path(name));
    EXPECT_EQ(s.constructions, (std::vector<std::string>{"bitextract", "zhang"}));
    EXPECT_EQ(s.n, (std::vector<std::string>{"1000", "4000"}));
    EXPECT_EQ(s.delta[1], "1e-6");
    EXPECT_EQ(s.depth, (std::vector<int64_t>{40, 160}));
    EXPECT_EQ(s.seeds, (std::vector<uint64_t>{1, 2}));
    EXPECT_EQ(s.timeout_s, 60);
    EXPECT_EQ(s.max_memory_bytes, int64_t(2) << 30);
    ASSERT_EQ(s.options.size(), 1u);
    EXPECT_EQ(s.options[0].second, (std::vector<std::string>{"1", "2"}));
    // 2 constructions: bitextract 2 n × 2 δ × 2 depths × 2 bits × 2 seeds, zhang 2 × 2 × 2.
    EXPECT_EQ(ExpandSweep(s).size(), 32u + 8u);
  }
}

TEST(SweepSpecTest, ErrorsNameTheirPlace) {
  TempDir tmp;
  WriteText(tmp.Path("a.toml"), "constructions = [\"zhang\"]\nn = [1000, \"many\"]\n");
  EXPECT_THAT(ErrorOf([&] { ReadSweepSpec(tmp.Path("a.toml")); }),
              HasSubstr("a.toml:2:12: n: expected an integer ≥ 1, got \"many\""));
  WriteText(tmp.Path("b.toml"), "constructons = [\"zhang\"]\n");
  EXPECT_THAT(ErrorOf([&] { ReadSweepSpec(tmp.Path("b.toml")); }),
              HasSubstr("b.toml:1:1: unknown key \"constructons\" (did you mean \"constructions\"?)"));
  WriteText(tmp.Path("c.toml"), "n = [1000\n");
  EXPECT_THAT(ErrorOf([&] { ReadSweepSpec(tmp.Path("c.toml")); }), HasSubstr("c.toml:1:11: Error while parsing array"));
  WriteText(tmp.Path("d.json"), "{\"delta\": [0.5, 2]}");
  EXPECT_THAT(ErrorOf([&] { ReadSweepSpec(tmp.Path("d.json")); }),
              HasSubstr("d.json: /delta/1: delta: expected a real in (0, 1), got \"2\""));
  WriteText(tmp.Path("e.json"), "{\"n\": [1,\n 2,, 3]}");
  EXPECT_THAT(ErrorOf([&] { ReadSweepSpec(tmp.Path("e.json")); }), HasSubstr("e.json:2:"));
  EXPECT_THAT(ErrorOf([&] { ReadSweepSpec(tmp.Path("nope.yaml")); }),
              HasSubstr("cannot read the sweep spec"));
}

SweepSpec SmallSpec() {
  SweepSpec s;
  s.constructions = {"bitextract", "zhang"};
  s.data = {"synthetic:grid?d=4&classes=3"};
  s.n = {"40", "80"};
  s.delta = {"1e-2"};
  s.depth = {8, 16};
  s.seeds = {1, 2};
  return s;
}

TEST(SweepGridTest, FillsTemplatesAndDropsKnobsAConstructionLacks) {
  std::vector<SweepRun> runs = ExpandSweep(SmallSpec());
  ASSERT_EQ(runs.size(), 8u + 4u);  // zhang has no --depth: it runs once per (n, seed)
  EXPECT_EQ(runs[0].data, "synthetic:grid?d=4&classes=3&n=40&delta=1e-2");
  EXPECT_EQ(runs[0].params.at("depth"), "8");
  EXPECT_EQ(runs[0].grid.dump(),
            R"({"data":"synthetic:grid?d=4&classes=3","n":40,"delta":0.01,"depth":8,"seed":1})");
  EXPECT_EQ(runs.back().construction, "zhang");
  EXPECT_EQ(runs.back().params.count("depth"), 0u);
  std::set<std::string> keys;
  for (size_t i = 0; i < runs.size(); ++i) {
    EXPECT_EQ(runs[i].index, int64_t(i));
    keys.insert(runs[i].Key());
  }
  EXPECT_EQ(keys.size(), runs.size());
  EXPECT_EQ(runs[0].Command(),
            "mnemo build 'synthetic:grid?d=4&classes=3&n=40&delta=1e-2' -c bitextract --depth 8 "
            "--seed 1 -o net.json --json");
  EXPECT_EQ(runs[0].Key(), SweepRun::FromJson(runs[0].ToJson()).Key());
  EXPECT_EQ(ExpandSweep(SmallSpec())[5].Key(), runs[5].Key());  // keys are stable
}

TEST(SweepGridTest, RealDataTakesTheFirstNRowsAndPlaceholdersAreFilled) {
  SweepSpec s;
  s.constructions = {"zhang"};
  s.data = {"fashion-mnist:test", "points-{n}-{seed}.csv"};
  s.n = {"100"};
  std::vector<SweepRun> runs = ExpandSweep(s);
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].data, "fashion-mnist:test");
  EXPECT_EQ(runs[0].data_options.limit, 100);
  EXPECT_THAT(runs[0].Command(), HasSubstr("--limit 100"));
  EXPECT_EQ(runs[1].data, "points-100-1.csv");
  EXPECT_EQ(runs[1].data_options.limit, 0);
  s.delta = {"1e-3"};
  EXPECT_THAT(ErrorOf([&] { ExpandSweep(s); }),
              HasSubstr("--delta: DATA \"fashion-mnist:test\" is neither synthetic: nor has a "
                        "{delta} placeholder"));
}

TEST(SweepGridTest, BadGridsAreErrorsBeforeAnyRun) {
  SweepSpec s = SmallSpec();
  s.options = {{"bits-per-layr", {"1"}}};
  EXPECT_THAT(ErrorOf([&] { ExpandSweep(s); }),
              HasSubstr("--opt bits-per-layr: not an option of bitextract, zhang (did you mean "
                        "bits-per-layer?)"));
  s.options = {};
  s.constructions = {"zhangg"};
  EXPECT_THAT(ErrorOf([&] { ExpandSweep(s); }), HasSubstr("zhangg"));
  s = SmallSpec();
  s.constructions = {"zhang"};
  EXPECT_THAT(ErrorOf([&] { ExpandSweep(s); }), HasSubstr("--depth: none of the constructions"));
  s = SmallSpec();
  s.depth = {0};
  EXPECT_THAT(ErrorOf([&] { ExpandSweep(s); }), HasSubstr("sweep: "));
  EXPECT_THAT(ErrorOf([&] { ParseShard("3/3"); }), HasSubstr("0 ≤ i < n"));
  EXPECT_THAT(ErrorOf([&] { ParseMemorySize("max-memory", "lots"); }),
              HasSubstr("--max-memory: expected a memory size"));
  EXPECT_EQ(ParseMemorySize("m", "1.5GB"), 1500000000);
  EXPECT_EQ(ParseMemorySize("m", "512M"), 512 << 20);
}

TEST(SweepGridTest, ShardsPartitionTheGrid) {
  const std::vector<SweepRun> runs = ExpandSweep(SmallSpec());
  std::multiset<std::string> seen;
  for (int i = 0; i < 5; ++i)
    for (const SweepRun& r : ShardRuns(runs, i, 5)) {
      EXPECT_EQ(r.index % 5, i);
      seen.insert(r.Key());
    }
  EXPECT_EQ(seen.size(), runs.size());
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), runs.size());
  EXPECT_EQ(ParseShard("2/7"), (std::pair<int, int>{2, 7}));
}

// Children that fail in every way a process can: each becomes a row, the sweep goes on.
TEST(SweepRunTest, FailingChildrenBecomeRows) {
  TempDir tmp;
  SweepSpec s;
  s.constructions = {"zhang"};
  s.data = {"synthetic:sphere?d=3&classes=2"};
  s.n = {"10", "11", "12", "13"};
  const std::vector<SweepRun> runs = ExpandSweep(s);
  const std::string rows = tmp.Path("rows.jsonl");
  struct Case {
    std::string script, outcome, status, reason;
    double timeout = 0;
    int64_t memory = 0;
  };
  const std::vector<Case> cases = {
      {"kill -SEGV $$", "crashed", "failed", "killed by signal 11"},
      {"echo 'mnemo: error: data.csv:3:1: not a number' >&2; exit 2", "error", "failed",
       "error: data.csv:3:1: not a number"},
      {"exec sleep 30", "timeout", "budget exceeded", "timeout: killed after 0.3 s", 0.3},
      {"exec sleep 30", "over-memory", "budget exceeded", "over memory", 0, 1},
      {"echo not-a-row", "crashed", "failed", "exit code 0 without a row"}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.script);
    std::filesystem::remove(rows);
    SweepOptions o;
    o.child_command = {"/bin/sh", "-c", c.script, "child"};
    o.timeout_s = c.timeout;
    o.max_memory_bytes = c.memory;
    o.jobs = 2;
    SweepSummary sum = RunSweep(runs, rows, o);
    EXPECT_EQ(sum.ran, 4);
    EXPECT_EQ(sum.outcomes[c.outcome], 4);
    std::vector<Row> got = ReadRows(rows);
    ASSERT_EQ(got.size(), 4u);
    for (const Row& r : got) {
      EXPECT_EQ(ToString(r.report.status), c.status);
      EXPECT_THAT(r.report.reason, HasSubstr(c.reason));
      EXPECT_EQ(r.report.construction, "zhang");
      EXPECT_FALSE(r.report.provenance.key.empty());
      EXPECT_GT(r.report.timings.Get("process"), 0);
    }
  }
}

// ---------------------------------------------------------------- through the binary

std::vector<std::string> SweepArgs(const std::string& out) {
  return {"sweep", "-c", "bitextract,zhang", "--data", "synthetic:grid?d=4&classes=3",
          "--n", "40,80", "--delta", "1e-2", "--depth", "8,16", "--seeds", "1,2", "-q", "-o",
          out};
}

std::set<std::string> Keys(const std::vector<Row>& rows) {
  std::set<std::string> k;
  for (const Row& r : rows) k.insert(r.report.provenance.key);
  return k;
}

CliResult RunWith(std::vector<std::string> args, const std::vector<std::string>& more = {}) {
  args.insert(args.end(), more.begin(), more.end());
  return RunCli(args);
}

TEST(SweepCliTest, RowsResumeShardsMergeAndReproduce) {
  TempDir tmp;
  const std::string whole = tmp.Path("whole.jsonl");
  CliResult r = RunWith(SweepArgs(whole), {"-j", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_THAT(r.out, HasSubstr("12 runs in the grid: ran 12"));
  std::vector<Row> rows = ReadRows(whole);
  ASSERT_EQ(rows.size(), 12u);
  EXPECT_EQ(Keys(rows).size(), 12u);
  for (const Row& row : rows) {
    const Report& rep = row.report;
    EXPECT_EQ(rep.status, Status::kSuccess) << rep.reason;
    EXPECT_TRUE(rep.verification.all_correct);
    EXPECT_EQ(rep.provenance.outcome, "completed");
    EXPECT_FALSE(rep.provenance.git_commit.empty());
    EXPECT_GT(rep.peak_memory_bytes, 1 << 20);
    EXPECT_GT(rep.timings.Get("load"), 0);
  }
  // Resume: nothing new, no duplicates.
  r = RunWith(SweepArgs(whole));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("12 already in"));
  EXPECT_EQ(ReadRows(whole).size(), 12u);
  // An interrupted sweep: 5 rows and half a line; the rerun completes it without duplicates.
  const std::string cut = tmp.Path("cut.jsonl");
  std::string text = testing::ReadText(whole), partial;
  size_t pos = 0;
  for (int i = 0; i < 5; ++i) pos = text.find('\n', pos) + 1;
  WriteText(cut, text.substr(0, pos) + text.substr(pos, 100));
  r = RunWith(SweepArgs(cut));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("dropped a half-written last line"));
  EXPECT_THAT(r.out, HasSubstr("5 already in"));
  EXPECT_EQ(ReadRows(cut).size(), 12u);
  EXPECT_EQ(Keys(ReadRows(cut)).size(), 12u);
  // Shards 0/3, 1/3, 2/3 merged equal the whole run, timings aside.
  std::vector<std::string> merge = {"sweep", "merge"};
  for (int i = 0; i < 3; ++i) {
    const std::string shard = tmp.Path(fmt::format("shard{}.jsonl", i));
    r = RunWith(SweepArgs(shard), {"--shard", fmt::format("{}/3", i)});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(ReadRows(shard).size(), 4u);
    merge.push_back(shard);
  }
  merge.insert(merge.end(), {"-o", tmp.Path("merged.jsonl")});
  r = RunCli(merge);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("12 rows from 3 files"));
  r = RunCli({"sweep", "diff", whole, tmp.Path("merged.jsonl")});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("12 rows equal"));
  std::vector<Row> merged = ReadRows(tmp.Path("merged.jsonl"));
  for (size_t i = 0; i < merged.size(); ++i)
    EXPECT_EQ(merged[i].report.provenance.run["index"], int64_t(i));  // grid order
  // The command of a row reproduces it.
  const Report& first = rows[0].report;
  std::string command = first.provenance.command;
  ASSERT_EQ(command.rfind("mnemo ", 0), 0u);
  command = std::string("cd ") + tmp.dir() + " && " + MNEMO_BINARY + command.substr(5) + " > " +
            tmp.Path("again.json");
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  Report again = Report::FromJson(nlohmann::ordered_json::parse(testing::ReadText(
                                      tmp.Path("again.json"))),
                                  "again");
  again.provenance = first.provenance;
  EXPECT_EQ(Comparable(again).dump(), Comparable(first).dump());
}

TEST(SweepCliTest, FailedChildrenAreRowsAndRetriedOnRequest) {
  TempDir tmp;
  const std::string out = tmp.Path("rows.jsonl");
  CliResult r = RunCli({"sweep", "-c", "zhang", "--data", "synthetic:sphere?d=3&classes=2",
                        "--data", "synthetic:nosuchkind?d=3", "--n", "20,30", "--max-memory",
                        "1M", "-o", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<Row> rows = ReadRows(out);
  ASSERT_EQ(rows.size(), 4u);
  for (const Row& row : rows) {
    EXPECT_EQ(row.report.provenance.outcome, "over-memory");
    EXPECT_EQ(row.report.status, Status::kBudgetExceeded);
  }
  EXPECT_THAT(r.out, HasSubstr("4 over-memory"));
  r = RunCli({"sweep", "-c", "zhang", "--data", "synthetic:sphere?d=3&classes=2", "--data",
              "synthetic:nosuchkind?d=3", "--n", "20,30", "--retry-failed", "-o", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  rows = ReadRows(out);
  ASSERT_EQ(rows.size(), 4u);
  std::map<std::string, int> outcomes;
  for (const Row& row : rows) ++outcomes[row.report.provenance.outcome];
  EXPECT_EQ(outcomes["completed"], 2);
  EXPECT_EQ(outcomes["error"], 2);
  for (const Row& row : rows) {
    if (row.report.provenance.outcome == "error") {
      EXPECT_THAT(row.report.reason, HasSubstr("nosuchkind"));
    }
  }
}

TEST(SweepCliTest, RowsOfAnotherBuildAreNotMixedUnlessAsked) {
  TempDir tmp;
  const std::string out = tmp.Path("rows.jsonl");
  ASSERT_EQ(RunCli({"sweep", "-c", "zhang", "--data", "synthetic:sphere?d=3&classes=2", "--n",
                    "20", "-q", "-o", out})
                .exit_code,
            0);
  std::string text = testing::ReadText(out);
  const size_t at = text.find("\"git_commit\":\"") + 14;
  WriteText(tmp.Path("other.jsonl"), text.substr(0, at) + "0000" + text.substr(at + 4));
  CliResult r = RunCli({"sweep", "merge", out, tmp.Path("other.jsonl"), "-o", tmp.Path("m.jsonl")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("rows of different builds do not compare"));
  EXPECT_FALSE(std::filesystem::exists(tmp.Path("m.jsonl")));
  r = RunCli({"sweep", "merge", out, tmp.Path("other.jsonl"), "-o", tmp.Path("m.jsonl"),
              "--allow-mixed-versions"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("already taken by a different row"));
  r = RunCli({"sweep", "-c", "zhang", "--data", "synthetic:sphere?d=3&classes=2", "--n", "20,30",
              "-o", tmp.Path("other.jsonl")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--allow-mixed-versions"));
}

TEST(SweepCliTest, DryRunListsTheGridAndSpecFilesWork) {
  TempDir tmp;
  WriteText(tmp.Path("s.toml"),
            "constructions = [\"zhang\"]\ndata = \"synthetic:sphere?d=3&classes=2\"\n"
            "n = [20, 30]\nseeds = [1, 2, 3]\n");
  CliResult r = RunCli({"sweep", tmp.Path("s.toml"), "--dry-run", "--shard", "1/2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("3 runs of 6 in the grid"));
  EXPECT_THAT(r.out, HasSubstr("mnemo build 'synthetic:sphere?d=3&classes=2&n=20' -c zhang "
                               "--seed 2 -o net.json --json"));
  r = RunCli({"sweep", tmp.Path("s.toml"), "--seeds", "7", "--dry-run"});
  EXPECT_THAT(r.out, HasSubstr("2 runs"));  // flags override the file
  r = RunCli({"sweep", "-c", "zhang", "--data", "synthetic:sphere?d=3", "--n", "x"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("mnemo: error: n: expected an integer ≥ 1, got \"x\""));
  r = RunCli({"sweep", "-c", "zhang", "--data", "synthetic:sphere?d=3", "--n", "20"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("-o ROWS.jsonl is required"));
}

// The GNU parallel line of the README: shards on local cores, merged, equal to one run.
TEST(SweepCliTest, GnuParallelShardsMergeToTheWholeRun) {
  if (std::system("command -v parallel >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "GNU parallel is not installed (scripts/install-deps.sh installs it)";
  TempDir tmp;
  const std::string args =
      "sweep -c zhang --data 'synthetic:sphere?d=3&classes=2' --n 20,30,40 --seeds 1,2 -q";
  const std::string mnemo = MNEMO_BINARY;
  std::string cmd = fmt::format(
      "cd {} && parallel -q -j2 {} {} --shard {{}}/3 -o rows.{{}}.jsonl ::: 0 1 2 >/dev/null && "
      "{} sweep merge rows.0.jsonl rows.1.jsonl rows.2.jsonl -o all.jsonl >/dev/null && "
      "{} {} -o whole.jsonl >/dev/null && {} sweep diff whole.jsonl all.jsonl",
      tmp.dir(), mnemo, args, mnemo, mnemo, args, mnemo);
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  EXPECT_EQ(ReadRows(tmp.Path("all.jsonl")).size(), 6u);
}

}  // namespace
}  // namespace mnemo
