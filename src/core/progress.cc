#include "mnemo/progress.h"

#include <unistd.h>

#include <cstdio>

namespace mnemo {
namespace {

std::atomic<bool> g_enabled{true};
std::atomic<int> g_bars{0};  // bars on screen: a step does not draw over them

using Clock = std::chrono::steady_clock;
constexpr auto kStepDelay = std::chrono::seconds(1);
constexpr auto kStepPeriod = std::chrono::milliseconds(250);
constexpr size_t kMaxLabel = 80;  // the line stays within 100 columns

bool CanDraw() { return g_enabled && isatty(STDERR_FILENO); }

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

}  // namespace

void Progress::SetEnabled(bool enabled) { g_enabled = enabled; }

Progress::Progress(std::string label, int64_t total)
    : label_(std::move(label)),
      total_(total),
      active_(CanDraw() && total > 0),
      start_(Clock::now()) {
  if (active_) ++g_bars;
}

Progress::~Progress() { Finish(); }

void Progress::Add(int64_t amount) {
  int64_t done = done_.fetch_add(amount) + amount;
  if (!active_) return;
  const int64_t now =
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start_).count();
  if (now - last_draw_ns_.load(std::memory_order_relaxed) < 100'000'000 && done < total_) return;
  std::unique_lock lock(mutex_, std::try_to_lock);
  if (!lock.owns_lock() || finished_) return;
  last_draw_ns_.store(now, std::memory_order_relaxed);
  Draw();
}

void Progress::Finish() {
  std::lock_guard lock(mutex_);
  if (!active_ || finished_) return;
  finished_ = true;
  std::fputs("\r\033[K", stderr);  // transient: the command prints the result
  std::fflush(stderr);
  --g_bars;
}

void Progress::Draw() {
  int64_t done = std::min<int64_t>(done_.load(), total_);
  double frac = total_ > 0 ? double(done) / double(total_) : 1.0;
  constexpr int kWidth = 30;
  int filled = int(frac * kWidth);
  std::string bar(filled, '#');
  bar.append(kWidth - filled, '.');
  std::fprintf(stderr, "\r\033[K%-12s [%s] %5.1f%%  %.1fs", label_.c_str(), bar.c_str(),
               100 * frac, Seconds(start_));
  std::fflush(stderr);
}

ProgressStep::ProgressStep(std::string label, bool enabled)
    : label_(std::move(label)), start_(Clock::now()) {
  if (label_.size() > kMaxLabel) {
    size_t cut = kMaxLabel - 3;
    while (cut > 0 && (static_cast<unsigned char>(label_[cut]) & 0xC0) == 0x80) --cut;
    label_ = label_.substr(0, cut) + "...";
  }
  if (enabled && CanDraw()) ticker_ = std::thread([this] { Tick(); });
}

ProgressStep::~ProgressStep() { Finish(); }

void ProgressStep::Finish() {
  {
    std::lock_guard lock(mutex_);
    if (done_) return;
    done_ = true;
  }
  wake_.notify_all();
  if (ticker_.joinable()) ticker_.join();
  if (shown_) {
    std::fputs("\r\033[K", stderr);
    std::fflush(stderr);
  }
}

void ProgressStep::Tick() {
  std::unique_lock lock(mutex_);
  if (wake_.wait_for(lock, kStepDelay, [this] { return done_; })) return;
  do {
    if (g_bars == 0 && g_enabled) {
      Draw();
      shown_ = true;
    }
  } while (!wake_.wait_for(lock, kStepPeriod, [this] { return done_; }));
}

void ProgressStep::Draw() {
  std::fprintf(stderr, "\r\033[K%s … %.1f s", label_.c_str(), Seconds(start_));
  std::fflush(stderr);
}

}  // namespace mnemo
