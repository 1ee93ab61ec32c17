// Internals of the capacity module shared between its translation units.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>

namespace mnemo::internal {

/// Uniform in (0, 1) from 53 random bits (portable, unlike std::uniform_real_distribution).
inline double Uniform01(std::mt19937_64& rng) {
  return ((rng() >> 11) + 0.5) * 0x1.0p-53;
}

/// Standard normal by Box–Muller (portable and deterministic across standard libraries).
inline double StandardNormal(std::mt19937_64& rng) {
  double u = Uniform01(rng), v = Uniform01(rng);
  return std::sqrt(-2 * std::log(u)) * std::cos(6.283185307179586477 * v);
}

}  // namespace mnemo::internal
