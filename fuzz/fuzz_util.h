// Shared by the libFuzzer harnesses: every harness feeds bytes to one reader and accepts only
// two outcomes — a value, or mnemo::Error (a one-line message naming the place). Anything
// else (a crash, an abort, a sanitizer report, another exception) is a finding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include <omp.h>

#include "mnemo/error.h"

namespace mnemo::fuzz {

inline std::string Text(const uint8_t* data, size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

/// Runs f; a mnemo::Error is an expected rejection. Its message must be one line.
/// Inputs are tiny: one thread, or most of the time goes to an OpenMP team waiting for work.
template <typename F>
void Expect(F f) {
  static const bool one_thread = (omp_set_num_threads(1), true);
  (void)one_thread;
  try {
    f();
  } catch (const Error& e) {
    std::string m = e.what();
    if (m.empty() || m.find('\n') != std::string::npos) __builtin_trap();
  }
}

}  // namespace mnemo::fuzz
