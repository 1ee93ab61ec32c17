// mnemo sweep: run a grid of constructions × data × knobs × seeds, one child process per run,
// one JSON Lines row per run (resumable, shardable); `sweep merge` combines shards, `sweep diff`
// compares two results, `sweep run-one` is the child.
#include <cmath>

#include "mnemo/rows.h"
#include "mnemo/sweep.h"
#include "mnemo/version.h"
#include "src/cli/cli_util.h"
#include "src/cli/commands.h"

namespace mnemo::cli {
namespace {

struct SweepFlags {
  std::string spec_file;
  std::string constructions, n, d, classes, delta, depth, width, seeds;
  std::vector<std::string> data, opts;
  DataFlags data_flags;
  bool no_verify = false, exact_delta = false;
  int attempts = 0;
  double timeout = 0;
  std::string max_memory, shard, output;
  int jobs = 1;
  bool retry_failed = false, allow_mixed = false, dry_run = false, quiet = false;
};

std::vector<std::string> Split(const std::string& key, const std::string& text) {
  return text.empty() ? std::vector<std::string>{} : internal::ParseListFlag(key, text);
}

std::vector<int64_t> SplitInts(const std::string& key, const std::string& text) {
  return text.empty() ? std::vector<int64_t>{} : internal::ParseIntListFlag(key, text);
}

SweepSpec SpecFromFlags(const SweepFlags& f) {
  SweepSpec s;
  s.constructions = Split("construction", f.constructions);
  s.data = f.data;
  s.n = Split("n", f.n);
  s.d = Split("d", f.d);
  s.classes = Split("classes", f.classes);
  s.delta = Split("delta", f.delta);
  s.depth = SplitInts("depth", f.depth);
  s.width = SplitInts("width", f.width);
  for (int64_t seed : SplitInts("seeds", f.seeds)) {
    if (seed < 0) Fail("--seeds: expected seeds ≥ 0, got {}", seed);
    s.seeds.push_back(uint64_t(seed));
  }
  for (const std::string& o : f.opts) {
    const size_t eq = o.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == o.size())
      Fail("--opt: expected KEY=VALUE (e.g. --opt bits-per-layer=2), got \"{}\"", o);
    std::string key = o.substr(0, eq);
    if (key.rfind("--", 0) == 0) key = key.substr(2);
    auto it = std::find_if(s.options.begin(), s.options.end(),
                           [&](const auto& x) { return x.first == key; });
    if (it == s.options.end()) it = s.options.insert(s.options.end(), {key, {}});
    it->second.push_back(o.substr(eq + 1));
  }
  s.data_options = f.data_flags.options;
  s.verify = !f.no_verify;
  s.exact_delta = f.exact_delta;
  s.attempts = f.attempts;
  if (f.timeout < 0) Fail("--timeout: expected seconds > 0, got {}", f.timeout);
  s.timeout_s = f.timeout;
  if (!f.max_memory.empty()) s.max_memory_bytes = ParseMemorySize("max-memory", f.max_memory);
  return s;
}

std::string Cut(std::string s, size_t width) {
  return s.size() > width ? s.substr(0, width - 3) + "..." : s;
}

void PrintRowLine(const Report& r, int64_t done, int64_t total, const SweepRun& run) {
  const int digits = int(std::to_string(total).size());
  std::string what = ToString(r.status);
  if (r.ok() || r.network.depth > 0)
    what += fmt::format(", W {} L {}, {} nonzero", r.network.width, r.network.depth,
                        r.network.params_nonzero);
  if (r.ok() && r.verification.run)
    what += r.verification.all_correct ? ", verified" : ", WRONG ROWS";
  else if (!r.ok())
    what += ": " + r.reason;
  fmt::print("[{:>{}}/{}] {}\n", done, digits, total,
             WrapText(fmt::format("{}: {} ({} s)", run.Label(), what,
                                  FormatNumber(r.timings.Get("process"), 3)),
                      2 * size_t(digits) + 4));
  std::fflush(stdout);
}

void PrintSummary(const SweepSummary& s, const std::string& output) {
  std::string statuses, outcomes;
  for (const auto& [k, v] : s.statuses) statuses += fmt::format("{}{} {}", statuses.empty() ? "" : ", ", v, k);
  for (const auto& [k, v] : s.outcomes)
    if (k != "completed") outcomes += fmt::format(", {} {}", v, k);
  fmt::print("{}\n", WrapText(fmt::format("{} runs in the grid{}: ran {} in {} s{}{}{}", s.grid,
                                          s.skipped ? fmt::format(", {} already in {}", s.skipped,
                                                                  output)
                                                    : "",
                                          s.ran, FormatNumber(s.wall_s, 3),
                                          statuses.empty() ? "" : " (" + statuses + ")",
                                          outcomes.empty() ? "" : "; processes:", outcomes),
                              2));
  fmt::print("rows in {}\n", output);
}

int DryRun(const std::vector<SweepRun>& runs, int64_t grid) {
  fmt::print("{} runs{}\n", runs.size(),
             int64_t(runs.size()) == grid ? "" : fmt::format(" of {} in the grid", grid));
  for (const SweepRun& r : runs)
    fmt::print("{:>5} {} {}\n", r.index, r.Key(), r.Command());  // unwrapped: copyable
  return 0;
}

int Run(const SweepFlags& f) {
  SweepSpec flags = SpecFromFlags(f);
  SweepSpec spec = f.spec_file.empty() ? flags : OverlaySpec(ReadSweepSpec(f.spec_file), flags);
  std::vector<SweepRun> runs = ExpandSweep(spec);
  const int64_t grid = int64_t(runs.size());
  if (!f.shard.empty()) {
    auto [i, n] = ParseShard(f.shard);
    runs = ShardRuns(runs, i, n);
  }
  if (f.jobs < 1) Fail("--jobs: expected at least 1, got {}", f.jobs);
  if (f.dry_run) return DryRun(runs, grid);
  if (f.output.empty()) Fail("sweep: -o ROWS.jsonl is required (rows are appended to it)");
  CheckWritable(f.output);
  SweepOptions o;
  o.jobs = f.jobs;
  o.child_command = {"/proc/self/exe", "sweep", "run-one", "--run"};
  o.timeout_s = spec.timeout_s;
  o.max_memory_bytes = spec.max_memory_bytes;
  o.retry_failed = f.retry_failed;
  o.allow_mixed_versions = f.allow_mixed;
  std::map<std::string, const SweepRun*> by_key;
  for (const SweepRun& r : runs) by_key[r.Key()] = &r;
  if (!f.quiet)
    o.on_row = [&](const Report& r, int64_t done, int64_t total) {
      PrintRowLine(r, done, total, *by_key.at(r.provenance.key));
    };
  SweepSummary s = RunSweep(runs, f.output, o);
  PrintSummary(s, f.output);
  return 0;
}

void AddGridFlags(CLI::App* cmd, SweepFlags* f) {
  cmd->add_option("SPEC", f->spec_file, "sweep spec file (.toml or .json); flags override it")
      ->default_str("none");
  cmd->add_option("-c,--construction", f->constructions, "constructions, comma-separated")
      ->default_str("the spec's");
  cmd->add_option("--data", f->data, "DATA template, repeatable (see below)")
      ->allow_extra_args(false)
      ->delimiter('\0')
      ->default_str("the spec's");
  cmd->add_option("--n", f->n, "points N, comma-separated")->default_str("the template's");
  cmd->add_option("--d", f->d, "input dimensions, comma-separated")->default_str("the template's");
  cmd->add_option("--classes", f->classes, "class counts C, comma-separated")
      ->default_str("the template's");
  cmd->add_option("--delta", f->delta, "separations δ in (0, 1), comma-separated")
      ->default_str("the template's");
  cmd->add_option("--depth", f->depth, "depths asked (constructions with --depth)")
      ->default_str("none");
  cmd->add_option("--width", f->width, "widths asked (constructions with --width)")
      ->default_str("none");
  cmd->add_option("--opt", f->opts, "construction option KEY=VALUE; repeat a KEY for a list")
      ->allow_extra_args(false)
      ->delimiter('\0')
      ->default_str("none");
  cmd->add_option("--seeds", f->seeds, "seeds, comma-separated")->default_str("1");
  AddDataFlags(cmd, &f->data_flags, false);
  cmd->add_flag("--no-verify", f->no_verify, "skip the exact verification of each network");
  cmd->add_flag("--exact-delta", f->exact_delta, "compute the exact δ (O(N²d)) for the bounds");
  cmd->add_option("--attempts", f->attempts, "build–verify–retry attempts")
      ->default_str("the construction's");
}

void AddRunFlagsOfSweep(CLI::App* cmd, SweepFlags* f) {
  cmd->add_option("--timeout", f->timeout, "seconds per run; a run over it is a row")
      ->default_str("none");
  cmd->add_option("--max-memory", f->max_memory, "resident memory per run: 512M, 2G or 2GB")
      ->default_str("none");
  cmd->add_option("-j,--jobs", f->jobs, "runs at a time")->default_str("1");
  cmd->add_option("--shard", f->shard, "run shard i of n: the runs with grid index mod n = i")
      ->default_str("all");
  cmd->add_flag("--retry-failed", f->retry_failed, "rerun rows that crashed, timed out, ...");
  cmd->add_flag("--allow-mixed-versions", f->allow_mixed, "append to rows of another build");
  cmd->add_flag("--dry-run", f->dry_run, "list the runs (index, key, command) and stop");
  cmd->add_flag("-q,--quiet", f->quiet, "print only the summary, not a line per run");
  cmd->add_option("-o,--output", f->output, "rows file (JSON Lines), appended to and resumed")
      ->default_str("required unless --dry-run");
}

void AddMerge(CLI::App* sweep, int* exit_code) {
  struct MergeFlags {
    std::vector<std::string> inputs;
    std::string output;
    bool allow_mixed = false;
  };
  auto f = std::make_shared<MergeFlags>();
  CLI::App* cmd = AddCommand(*sweep, "merge", "combine rows files (e.g. shards): one row per key",
                             exit_code, [f]() {
                               CheckWritable(f->output);
                               std::vector<Row> rows = ReadRowsFiles(f->inputs);
                               CheckOneBuild(rows, f->allow_mixed);
                               MergeResult m = MergeRows(rows);
                               for (const std::string& c : m.conflicts)
                                 fmt::print(stderr, "mnemo: warning: {}\n", WrapText(c, 15));
                               WriteRows(f->output, m.rows);
                               fmt::print("{} rows from {} files ({} duplicates dropped) -> {}\n",
                                          m.rows.size(), f->inputs.size(), m.duplicates,
                                          f->output);
                               return 0;
                             });
  cmd->add_option("ROWS", f->inputs, "rows files")->required();
  cmd->add_option("-o,--output", f->output, "merged rows file")->required();
  cmd->add_flag("--allow-mixed-versions", f->allow_mixed,
                "merge rows of different mnemo builds (version or commit)");
}

int Diff(const std::string& a, const std::string& b) {
  RowsDiff d = DiffRows(ReadRows(a), ReadRows(b));
  const bool same = d.only_a.empty() && d.only_b.empty() && d.different.empty();
  fmt::print("{} rows equal (timings and peak memory aside), {} differ, {} only in {}, {} only "
             "in {}\n",
             d.equal, d.different.size(), d.only_a.size(), a, d.only_b.size(), b);
  size_t shown = 0;
  for (const std::string& s : d.different)
    if (shown++ < 20) fmt::print("  differs: {}\n", Cut(s, 88));
  for (const std::string& k : d.only_a)
    if (shown++ < 20) fmt::print("  only in {}: {}\n", a, k);
  for (const std::string& k : d.only_b)
    if (shown++ < 20) fmt::print("  only in {}: {}\n", b, k);
  return same ? 0 : 1;
}

void AddDiffAndRunOne(CLI::App* sweep, int* exit_code) {
  auto files = std::make_shared<std::vector<std::string>>();
  CLI::App* diff = AddCommand(
      *sweep, "diff", "compare two rows files by key, timings aside (exit 1: they differ)",
      exit_code, [files]() { return Diff(files->at(0), files->at(1)); });
  diff->add_option("ROWS", *files, "two rows files")->required()->expected(2);
  auto run = std::make_shared<std::string>();
  CLI::App* one = AddCommand(*sweep, "run-one", "", exit_code, [run]() {
    Progress::SetEnabled(false);
    nlohmann::ordered_json j = nlohmann::ordered_json::parse(*run, nullptr, false);
    if (j.is_discarded()) Fail("sweep run-one: --run: not JSON");
    fmt::print("{}\n", RunSweepPoint(SweepRun::FromJson(j)).ToJson().dump());
    return 0;
  });
  one->add_option("--run", *run, "the run (JSON)")->required();
  one->group("");  // internal: the child process of a sweep
}

}  // namespace

void AddSweepCommand(CLI::App& app, int* exit_code) {
  auto f = std::make_shared<SweepFlags>();
  CLI::App* cmd = app.add_subcommand(
      "sweep", "run a grid of constructions × data × N, δ × knobs × seeds, one row per run");
  cmd->callback([cmd, f, exit_code]() {
    if (cmd->get_subcommands().empty()) *exit_code = Run(*f);
  });
  cmd->require_subcommand(0, 1);
  AddGridFlags(cmd, f.get());
  AddRunFlagsOfSweep(cmd, f.get());
  AddMerge(cmd, exit_code);
  AddDiffAndRunOne(cmd, exit_code);
  cmd->footer(
      "DATA templates: synthetic:KIND?... gets n=, d=, classes=, delta= set from the lists;\n"
      "{n} {d} {classes} {delta} {seed} placeholders are filled; other data: --n keeps the\n"
      "first n rows. Each run is a child process; its row is the report of `mnemo build --json`\n"
      "plus peak memory and provenance (version, commit, the command that reproduces it, the\n"
      "run's key). Rerunning into the same -o skips the keys already there.\n"
      "Example: mnemo sweep -c bitextract,zhang --data 'synthetic:grid?d=16&classes=10' \\\n"
      "           --n 1000,4000 --delta 1e-2,1e-6 --depth 40,160 --seeds 1,2 -o rows.jsonl");
}

}  // namespace mnemo::cli
