// Perceptron separability decided by LP (GLPK) with every answer certified in exact integer
// arithmetic: a separating w, or a Gordan vector λ ≥ 0, λ ≠ 0 with Σ λ_μ y_μ x_μ = 0. No
// instance is reported (in)separable on floating point alone.
#pragma once

#include <gmpxx.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "mnemo/storage_measure.h"

namespace mnemo {

/// A random separability instance: integer inputs x = round(2^10·z), z ~ N(0,1) (so that exact
/// certificates use small integers; in general position with probability ≈ 1) and ±1 labels.
struct PerceptronInstance {
  int N = 0, P = 0;
  std::vector<int32_t> x;  ///< P×N row-major
  double scale = 1024;     ///< x holds the unit-variance inputs times this factor
  std::vector<int8_t> y;
  int32_t v(int mu, int i) const { return y[mu] * x[size_t(mu) * N + i]; }
};
PerceptronInstance SamplePerceptronInstance(int N, int P, std::mt19937_64& rng);

/// Separable with witness w (exact dyadic values of the LP's doubles), or not separable with a
/// Gordan vector λ ≥ 0, λ ≠ 0, Σ_μ λ_μ y_μ x_μ = 0 (exact rationals, solved from the LP basis).
struct SeparabilityCertificate {
  bool separable = false;
  std::vector<mpq_class> w;       ///< N entries when separable
  std::vector<int> support;       ///< pattern indices of λ's support when not separable
  std::vector<mpq_class> lambda;  ///< values on the support
};
/// Exact check: separable → y_μ w·x_μ > 0 for every μ; else λ ≥ 0, Σλ > 0, Σλ_μ y_μ x_μ = 0.
bool CheckCertificate(const PerceptronInstance& inst, const SeparabilityCertificate& cert,
                      std::string* why = nullptr);

struct SeparabilityResult {
  bool separable = false;
  bool certified = false;  ///< CheckCertificate passed
  SeparabilityCertificate certificate;
  double seconds = 0;
};
/// Decides separability with GLPK (primal LP y_μ w·x_μ ≥ 1; if infeasible, the Gordan LP) and
/// checks the certificate exactly.
SeparabilityResult DecideSeparability(const PerceptronInstance& inst);

struct PerceptronMeasureOptions {
  int N = 100;
  std::vector<double> alphas;  ///< empty → 1.6, 1.7, ..., 2.4
  int instances = 20;
  uint64_t seed = 1;
  int threads = 0;  ///< 0 → OpenMP default
  bool progress = true;
};
/// Measures P(separable) per α by LP with exact certificates, next to Cover, and fits α₅₀.
ThresholdCurve MeasurePerceptron(const PerceptronMeasureOptions& options);

}  // namespace mnemo
