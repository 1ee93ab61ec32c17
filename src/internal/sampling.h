// Portable samplers for the theory modules (storage and jacobian): fixed algorithms over one
// seeded std::mt19937_64, so the same seed gives the same numbers on every standard library
// (std::normal_distribution's algorithm is not fixed by the standard).
#pragma once

#include <cmath>
#include <cstdint>
#include <random>

namespace mnemo::internal {

/// Uniform in (0, 1) from 53 random bits; never 0 or 1.
inline double Uniform01(std::mt19937_64& rng) {
  return (double(rng() >> 11) + 0.5) * 0x1.0p-53;
}

/// Standard normal by Box–Muller (one variate per two uniforms).
inline double StandardNormal(std::mt19937_64& rng) {
  double u = Uniform01(rng), v = Uniform01(rng);
  return std::sqrt(-2 * std::log(u)) * std::cos(6.283185307179586477 * v);
}

}  // namespace mnemo::internal
