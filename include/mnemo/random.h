// Portable randomness. Every random choice in mnemo comes from one seeded engine (`Rng`,
// std::mt19937_64, whose output sequence the C++ standard fixes) passed explicitly, through the
// samplers here, whose algorithms are fixed in this file. std::normal_distribution,
// std::uniform_*_distribution and std::shuffle are not used for anything that shapes an
// output: their algorithms differ between standard libraries, and the same seed must give
// byte-identical networks and datasets everywhere.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>
#include <utility>
#include <vector>

namespace mnemo {

using Rng = std::mt19937_64;

/// Uniform in (0, 1) from 53 random bits; never 0 or 1.
inline double Uniform01(Rng& rng) { return (double(rng() >> 11) + 0.5) * 0x1.0p-53; }

/// Uniform in [lo, hi) (lo < hi), from Uniform01.
inline double UniformReal(Rng& rng, double lo, double hi) {
  return lo + (hi - lo) * Uniform01(rng);
}

/// Uniform integer in [0, n) for n ≥ 1, without bias (rejection of the top partial block).
inline uint64_t UniformIndex(Rng& rng, uint64_t n) {
  const uint64_t limit = n == 0 ? 0 : (~uint64_t(0) / n) * n;  // largest multiple of n
  uint64_t r = rng();
  while (r >= limit) r = rng();
  return r % n;
}

/// Uniform integer in [lo, hi] (lo ≤ hi).
inline int64_t UniformInt(Rng& rng, int64_t lo, int64_t hi) {
  const uint64_t span = uint64_t(hi) - uint64_t(lo);
  if (span == ~uint64_t(0)) return int64_t(rng());
  return int64_t(uint64_t(lo) + UniformIndex(rng, span + 1));
}

/// Standard normal variates by the Box–Muller transform (pairs; the second is kept).
class Gaussian {
 public:
  double operator()(Rng& rng) {
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

/// Fisher–Yates shuffle with UniformIndex (the same permutation on every platform).
template <typename T>
void Shuffle(std::vector<T>& v, Rng& rng) {
  for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[UniformIndex(rng, i)]);
}

/// A seed derived from (seed, stream) by SplitMix64: independent streams for retries, shards
/// and sub-tasks without correlated engines.
inline uint64_t DeriveSeed(uint64_t seed, uint64_t stream) {
  uint64_t z = seed + 0x9E3779B97F4A7C15ull * (stream + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace mnemo
