#include "mnemo/progress.h"

#include <unistd.h>

#include <cstdio>

namespace mnemo {
namespace {
std::atomic<bool> g_enabled{true};
}

void Progress::SetEnabled(bool enabled) { g_enabled = enabled; }

Progress::Progress(std::string label, int64_t total)
    : label_(std::move(label)),
      total_(total),
      active_(g_enabled && isatty(STDERR_FILENO) && total > 0),
      start_(std::chrono::steady_clock::now()) {}

Progress::~Progress() { Finish(); }

void Progress::Add(int64_t amount) {
  int64_t done = done_.fetch_add(amount) + amount;
  if (!active_) return;
  const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::steady_clock::now() - start_).count();
  if (now - last_draw_ns_.load(std::memory_order_relaxed) < 100'000'000 && done < total_) return;
  std::unique_lock lock(mutex_, std::try_to_lock);
  if (!lock.owns_lock() || finished_) return;
  last_draw_ns_.store(now, std::memory_order_relaxed);
  Draw(false);
}

void Progress::Finish() {
  std::lock_guard lock(mutex_);
  if (!active_ || finished_) return;
  finished_ = true;
  Draw(true);
  std::fputc('\n', stderr);
}

void Progress::Draw(bool final) {
  int64_t done = final ? total_ : std::min<int64_t>(done_.load(), total_);
  double frac = total_ > 0 ? double(done) / double(total_) : 1.0;
  constexpr int kWidth = 30;
  int filled = int(frac * kWidth);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  std::string bar(filled, '#');
  bar.append(kWidth - filled, '.');
  std::fprintf(stderr, "\r%-12s [%s] %5.1f%%  %.1fs", label_.c_str(), bar.c_str(), 100 * frac, secs);
  std::fflush(stderr);
}

}  // namespace mnemo
