// Progress bars on stderr, drawn only when stderr is a terminal (CLI contract). Thread-safe:
// Add() may be called from worker threads; drawing is rate-limited.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

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

  /// Globally disables bars (e.g. for --json runs that a script reads, or tests).
  static void SetEnabled(bool enabled);

 private:
  void Draw(bool final);

  std::string label_;
  int64_t total_;
  std::atomic<int64_t> done_{0};
  bool active_;
  bool finished_ = false;
  std::mutex mutex_;
  std::chrono::steady_clock::time_point start_;
  std::atomic<int64_t> last_draw_ns_{0};  ///< since start_; read by every thread without the lock
};

}  // namespace mnemo
