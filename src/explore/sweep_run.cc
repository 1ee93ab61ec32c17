// Running a sweep: one child process per run (ChildPool), rows appended as they finish, resume
// by key, failures of the child turned into rows.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <set>
#include <thread>

#include "mnemo/construction.h"
#include "mnemo/error.h"
#include "mnemo/rows.h"
#include "mnemo/sweep.h"
#include "mnemo/version.h"
#include "src/explore/internal.h"

namespace mnemo {
namespace {

using Clock = std::chrono::steady_clock;

std::string LastLine(const std::string& text) {
  size_t end = text.find_last_not_of("\n\r ");
  if (end == std::string::npos) return "";
  size_t begin = text.rfind('\n', end);
  std::string line = text.substr(begin == std::string::npos ? 0 : begin + 1, end + 1 -
                                                                          (begin == std::string::npos ? 0 : begin + 1));
  return line.size() > 300 ? line.substr(0, 297) + "..." : line;
}

std::string Gigabytes(int64_t bytes) { return fmt::format("{:.3g} GB", double(bytes) / 1e9); }

// The row of a run whose child did not write one: status, reason, outcome from the process.
Report FailureRow(const SweepRun& run, const internal::ChildResult& cr, double timeout_s,
                  int64_t max_memory) {
  Report r;
  r.construction = run.construction;
  r.seed = run.run.seed;
  const Construction& c = FindConstruction(run.construction);
  r.options = c.options_json(c.parse(run.params));
  if (r.options.contains("depth") && r.options["depth"].is_number_integer())
    r.depth_asked = r.options["depth"].get<int64_t>();
  if (r.options.contains("width") && r.options["width"].is_number_integer())
    r.width_asked = r.options["width"].get<int64_t>();
  r.data.source = run.data;
  r.provenance = SweepProvenance(run);
  const std::string err = LastLine(cr.err);
  if (cr.timed_out) {
    r.Fail(Status::kBudgetExceeded, fmt::format("timeout: killed after {} s", timeout_s));
    r.provenance.outcome = "timeout";
  } else if (cr.over_memory) {
    r.Fail(Status::kBudgetExceeded, fmt::format("over memory: resident {} > --max-memory {}",
                                                Gigabytes(cr.killed_at_rss_bytes),
                                                Gigabytes(max_memory)));
    r.provenance.outcome = "over-memory";
  } else if (cr.exit_code == 2 && err.rfind("mnemo: error: ", 0) == 0) {
    r.Fail(Status::kFailed, "error: " + err.substr(14));
    r.provenance.outcome = "error";
  } else {
    std::string how = cr.signal ? fmt::format("killed by signal {} ({})", cr.signal,
                                              strsignal(cr.signal))
                                : fmt::format("exit code {} without a row", cr.exit_code);
    if (cr.signal == SIGKILL) how += " (the kernel's out-of-memory killer?)";
    r.Fail(Status::kFailed, "crashed: " + how + (err.empty() ? "" : "; stderr: " + err));
    r.provenance.outcome = "crashed";
  }
  return r;
}

Report RowOf(const SweepRun& run, internal::ChildResult& cr, const SweepOptions& o) {
  Report r;
  bool parsed = false;
  // A run that went over the limit between two checks is over it all the same.
  if (o.max_memory_bytes > 0 && cr.peak_rss_bytes > o.max_memory_bytes && !cr.over_memory) {
    cr.over_memory = true;
    cr.killed_at_rss_bytes = cr.peak_rss_bytes;
  }
  if (cr.exit_code == 0 && !cr.timed_out && !cr.over_memory) {
    nlohmann::ordered_json j = nlohmann::ordered_json::parse(cr.out, nullptr, false);
    if (!j.is_discarded() && j.is_object()) {
      try {
        r = Report::FromJson(j, "child row");
        parsed = r.provenance.key == run.Key();
      } catch (const Error&) {
      }
    }
  }
  if (!parsed) r = FailureRow(run, cr, o.timeout_s, o.max_memory_bytes);
  r.timings.Add("process", cr.wall_s);
  r.peak_memory_bytes = cr.peak_rss_bytes;
  return r;
}

// Threads per child: the cores shared among the jobs, unless the user set OMP_NUM_THREADS.
std::vector<std::string> ChildEnv(int jobs) {
  if (std::getenv("OMP_NUM_THREADS")) return {};
  const int cores = int(std::max(1u, std::thread::hardware_concurrency()));
  return {fmt::format("OMP_NUM_THREADS={}", std::max(1, cores / std::max(1, jobs)))};
}

// Loads the rows already in `path` (dropping a half-written last line and, when asked, rows
// whose process did not complete) and returns their keys.
std::set<std::string> ExistingKeys(const std::string& path, const SweepOptions& o) {
  std::set<std::string> keys;
  if (!std::filesystem::exists(path)) return keys;
  int64_t partial = 0;
  std::vector<Row> rows = ReadRows(path, true, &partial);
  if (!rows.empty()) {
    Row self{Report{}, "this build"};
    self.report.provenance.mnemo_version = MnemoVersion();
    self.report.provenance.git_commit = GitCommit();
    rows.insert(rows.begin(), self);
    CheckOneBuild(rows, o.allow_mixed_versions);
    rows.erase(rows.begin());
  }
  std::vector<Report> kept;
  bool dropped = partial > 0;
  for (Row& r : rows) {
    if (o.retry_failed && r.report.provenance.outcome != "completed") {
      dropped = true;
      continue;
    }
    keys.insert(r.report.provenance.key);
    kept.push_back(std::move(r.report));
  }
  if (partial > 0)
    fmt::print(stderr, "mnemo: warning: {}: dropped a half-written last line ({} bytes)\n",
               path, partial);
  if (dropped) WriteRows(path, kept);
  return keys;
}

class RowWriter {
 public:
  explicit RowWriter(const std::string& path) : path_(path) {
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0) Fail("-o {}: cannot open for appending: {}", path, std::strerror(errno));
  }
  ~RowWriter() { ::close(fd_); }
  void Append(const Report& r) {
    const std::string line = RowLine(r);
    size_t done = 0;
    while (done < line.size()) {
      ssize_t w = ::write(fd_, line.data() + done, line.size() - done);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) Fail("{}: write failed: {}", path_, std::strerror(errno));
      done += size_t(w);
    }
    ::fsync(fd_);
  }

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace

Provenance SweepProvenance(const SweepRun& run) {
  Provenance p;
  p.mnemo_version = MnemoVersion();
  p.git_commit = GitCommit();
  p.command = run.Command();
  p.key = run.Key();
  p.run = run.Parameters();
  p.run["index"] = run.index;
  p.grid = run.grid;
  return p;
}

Report RunSweepPoint(const SweepRun& run) {
  const auto t0 = Clock::now();
  Dataset data = LoadDataset(run.data, run.data_options);
  const double load_s = std::chrono::duration<double>(Clock::now() - t0).count();
  RunResult result = RunConstruction(run.construction, run.params, data, run.run);
  Report r = std::move(result.report);
  r.timings.Add("load", load_s);
  r.provenance = SweepProvenance(run);
  r.provenance.outcome = "completed";
  return r;
}

SweepSummary RunSweep(const std::vector<SweepRun>& runs, const std::string& rows_path,
                      const SweepOptions& o) {
  MNEMO_CHECK(!o.child_command.empty(), "sweep without a child command");
  const auto t0 = Clock::now();
  SweepSummary sum;
  sum.grid = int64_t(runs.size());
  const std::set<std::string> done = ExistingKeys(rows_path, o);
  std::vector<const SweepRun*> todo;
  for (const SweepRun& r : runs)
    if (done.count(r.Key()))
      ++sum.skipped;
    else
      todo.push_back(&r);
  RowWriter writer(rows_path);
  internal::ChildPool pool(std::max(1, o.jobs));
  const std::vector<std::string> env = ChildEnv(o.jobs);
  const internal::ChildLimits limits{o.timeout_s, o.max_memory_bytes};
  size_t next = 0;
  while (next < todo.size() || !pool.Empty()) {
    while (next < todo.size() && pool.HasFreeSlot()) {
      std::vector<std::string> argv = o.child_command;
      argv.push_back(todo[next]->ToJson().dump());
      pool.Start(int64_t(next), argv, env, limits);
      ++next;
    }
    for (auto& [tag, cr] : pool.WaitAny()) {
      Report row = RowOf(*todo[size_t(tag)], cr, o);
      writer.Append(row);
      ++sum.ran;
      ++sum.outcomes[row.provenance.outcome];
      ++sum.statuses[ToString(row.status)];
      if (o.on_row) o.on_row(row, sum.ran, int64_t(todo.size()));
    }
  }
  sum.wall_s = std::chrono::duration<double>(Clock::now() - t0).count();
  return sum;
}

}  // namespace mnemo
