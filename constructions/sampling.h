// Small numeric helpers shared by the probabilistic constructions (vershynin, baum, bubeck,
// yun). Their randomness comes from mnemo/random.h (portable samplers, one seeded engine).
#pragma once

#include <cmath>
#include <cstdint>
#include "mnemo/random.h"

namespace mnemo::internal {

/// Φ̄⁻¹(p): the t with P(N(0,1) > t) = p, by bisection on erfc. Only a design parameter:
/// constructions round it to a dyadic and use the stored value, so its accuracy is irrelevant.
inline double UpperNormalQuantile(double p) {
  double lo = -40, hi = 40;
  for (int i = 0; i < 200; ++i) {
    const double mid = 0.5 * (lo + hi);
    if (0.5 * std::erfc(mid / std::sqrt(2.0)) > p) lo = mid; else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/// Smallest E ≥ 0 with v·2^E integral (v a finite double).
inline int FractionBits(double v) {
  if (v == 0 || v == std::floor(v)) return 0;
  int e;
  const double m = std::frexp(v, &e);
  const int64_t mant = int64_t(std::ldexp(m, 53));
  const int tz = mant == 0 ? 0 : __builtin_ctzll(uint64_t(mant < 0 ? -mant : mant));
  return 53 - e - tz > 0 ? 53 - e - tz : 0;
}

}  // namespace mnemo::internal
