// Randomness and small numeric helpers shared by the probabilistic constructions (vershynin,
// baum, bubeck, yun). Every draw comes from one std::mt19937_64 passed explicitly, through
// samplers whose algorithm is fixed here (std::normal_distribution's is not fixed by the
// standard), so the same seed gives the same networks with every standard library.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>

namespace mnemo::internal {

/// Uniform in (0, 1) from 53 random bits; never 0 or 1.
inline double Uniform01(std::mt19937_64& rng) {
  return (double(rng() >> 11) + 0.5) * 0x1.0p-53;
}

/// Standard normal variates by the Box–Muller transform (pairs; the second is kept).
class Gaussian {
 public:
  double operator()(std::mt19937_64& rng) {
    if (have_spare_) {
      have_spare_ = false;
      return spare_;
    }
    const double r = std::sqrt(-2.0 * std::log(Uniform01(rng)));
    const double phi = 6.283185307179586 * Uniform01(rng);
    spare_ = r * std::sin(phi);
    have_spare_ = true;
    return r * std::cos(phi);
  }

 private:
  bool have_spare_ = false;
  double spare_ = 0;
};

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
