// Progress on stderr, drawn only when stderr is a terminal (CLI contract), so scripts and pipes
// see nothing. Two kinds: a Progress bar for work that counts (rows evaluated, blocks compared)
// and a ProgressStep for a step that does not (loading a file, building a network), which shows
// its elapsed time once it has run for a second. Both are transient (the line is cleared when
// the work ends: the command prints the result), thread-safe and rate-limited; while a bar is
// drawn inside a step, the step does not draw.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace mnemo {

class Progress {
 public:
  /// A bar labelled `label` counting to `total`. Silent unless stderr is a terminal (or forced).
  Progress(std::string label, int64_t total);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void Add(int64_t amount = 1);
  void Finish();

  /// Globally disables bars and steps (e.g. for --json runs that a script reads, or tests).
  static void SetEnabled(bool enabled);

 private:
  void Draw();

  std::string label_;
  int64_t total_;
  std::atomic<int64_t> done_{0};
  bool active_;
  bool finished_ = false;
  std::mutex mutex_;
  std::chrono::steady_clock::time_point start_;
  std::atomic<int64_t> last_draw_ns_{0};  ///< since start_; read by every thread without the lock
};

/// A step without a count: silent for its first second, then one line "label … 3.2 s" updated
/// while it runs and cleared when it ends (Finish or destruction).
class ProgressStep {
 public:
  explicit ProgressStep(std::string label, bool enabled = true);
  ~ProgressStep();
  ProgressStep(const ProgressStep&) = delete;
  ProgressStep& operator=(const ProgressStep&) = delete;

  void Finish();

 private:
  void Tick();
  void Draw();

  std::string label_;
  std::chrono::steady_clock::time_point start_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool done_ = false;
  bool shown_ = false;
  std::thread ticker_;  ///< only when drawing is possible
};

}  // namespace mnemo
