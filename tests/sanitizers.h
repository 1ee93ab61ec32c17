// Whether this test binary is built with AddressSanitizer. Tests that measure peak resident
// memory or run mnemo under `ulimit -v` skip themselves there: ASan reserves terabytes of
// shadow address space (so `ulimit -v` makes it abort before main) and its quarantine and
// redzones, not mnemo, decide the peak. They run in the gcc suite.
#pragma once

#include <gtest/gtest.h>

namespace mnemo::testing {

#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kAddressSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kAddressSanitizer = true;
#else
inline constexpr bool kAddressSanitizer = false;
#endif
#else
inline constexpr bool kAddressSanitizer = false;
#endif

}  // namespace mnemo::testing

/// Skips a memory-measuring test under AddressSanitizer (see above).
#define MNEMO_SKIP_MEMORY_TEST_UNDER_ASAN()                                                   \
  if (::mnemo::testing::kAddressSanitizer)                                                  \
  GTEST_SKIP() << "measures resident memory or uses ulimit -v: not meaningful under ASan"
