// Internals of the explorer (sweep, rows, analyze, plot) shared between its source files.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "mnemo/options.h"

namespace mnemo::internal {

/// "1000", "1e5" → 100000 (an integer ≥ 1); mnemo::Error naming `key` otherwise.
int64_t ParsePositiveInt(const std::string& key, const std::string& text);
/// Checks one value of a grid axis: n, d, classes are integers ≥ 1, delta a real in (0, 1).
void CheckAxisValue(const std::string& axis, const std::string& text);
/// Single-quotes `s` for a POSIX shell when it holds anything but [A-Za-z0-9_./:=,+@%-].
std::string ShellQuote(const std::string& s);

/// What became of one child process.
struct ChildResult {
  std::string out;  ///< everything it wrote on stdout
  std::string err;  ///< the last 64 KiB of its stderr
  int exit_code = -1;  ///< when it exited
  int signal = 0;      ///< when a signal ended it
  bool timed_out = false;
  bool over_memory = false;
  int64_t peak_rss_bytes = 0;  ///< the kernel's peak resident size (wait4 ru_maxrss)
  int64_t killed_at_rss_bytes = 0;
  double wall_s = 0;
};

struct ChildLimits {
  double timeout_s = 0;          ///< 0 = none
  int64_t max_memory_bytes = 0;  ///< resident memory, checked 20 times a second; 0 = none
};

/// Runs child processes (fork + exec), at most `slots` at a time, capturing their stdout and
/// stderr, killing a child over its time or memory limit. Children die with the parent
/// (PR_SET_PDEATHSIG). Not thread-safe; one pool per sweep.
class ChildPool {
 public:
  explicit ChildPool(int slots) : slots_(slots) {}
  ~ChildPool();
  ChildPool(const ChildPool&) = delete;
  ChildPool& operator=(const ChildPool&) = delete;

  bool HasFreeSlot() const { return int(children_.size()) < slots_; }
  bool Empty() const { return children_.empty(); }
  /// Starts `argv` (argv[0] a path) with `env` added to the environment; `tag` comes back
  /// with the result. mnemo::Error when the process cannot be started.
  void Start(int64_t tag, const std::vector<std::string>& argv,
             const std::vector<std::string>& env, const ChildLimits& limits);
  /// Blocks until at least one child has ended; returns the ended ones.
  std::vector<std::pair<int64_t, ChildResult>> WaitAny();

 private:
  struct Child {
    int64_t tag = 0;
    pid_t pid = -1;
    int out_fd = -1, err_fd = -1;
    ChildLimits limits;
    std::chrono::steady_clock::time_point start, last_memory_check;
    ChildResult result;
  };
  void Pump(int timeout_ms);
  void Enforce(Child& c);
  bool Reap(Child& c);

  int slots_;
  std::vector<Child> children_;
};

}  // namespace mnemo::internal
