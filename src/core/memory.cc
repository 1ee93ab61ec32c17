#include "mnemo/memory.h"

#include <sys/resource.h>

#include <algorithm>
#include <climits>
#include <fstream>
#include <string>

#include <fmt/format.h>

#include "mnemo/error.h"

namespace mnemo {
namespace {

// MemAvailable of /proc/meminfo in bytes, or INT64_MAX.
int64_t MemAvailable() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  int64_t kb = 0;
  std::string unit;
  while (in >> key >> kb) {
    std::getline(in, unit);
    if (key == "MemAvailable:") return kb * 1024;
  }
  return INT64_MAX;
}

// Address space in use (the first field of /proc/self/statm, in pages).
int64_t AddressSpaceInUse() {
  std::ifstream in("/proc/self/statm");
  int64_t pages = 0;
  in >> pages;
  return pages * 4096;
}

}  // namespace

int64_t AvailableMemory() {
  int64_t avail = MemAvailable();
  rlimit lim{};
  if (getrlimit(RLIMIT_AS, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY) {
    const int64_t left = int64_t(lim.rlim_cur) - AddressSpaceInUse();
    avail = std::min(avail, std::max<int64_t>(0, left));
  }
  return avail;
}

std::string FormatBytes(int64_t bytes) {
  const double b = double(bytes);
  if (b >= 1e9) return fmt::format("{:.1f} GB", b / 1e9);
  if (b >= 1e6) return fmt::format("{:.0f} MB", b / 1e6);
  return fmt::format("{:.0f} kB", std::max(1.0, b / 1e3));
}

void CheckMemory(int64_t bytes, const std::string& what, const std::string& why,
                 const std::string& advice) {
  const int64_t avail = AvailableMemory();
  if (bytes <= avail) return;
  Fail("{}: needs about {} to hold {}, but only {} is available (MemAvailable, ulimit -v); {}",
       what, FormatBytes(bytes), why, FormatBytes(avail), advice);
}

}  // namespace mnemo
