// The margin side of perceptron storage: the max-margin κ(α) curve of the spherical perceptron,
// compared with Gardner's α_G(κ) = 1/∫_{−κ}^∞ Dt (t + κ)², and the binary (Ising) perceptron by
// exhaustive enumeration, compared with Krauth–Mézard's 0.833.
//
// Spherical: for an instance (x_μ, y_μ) the max margin κ* = max_{w ≠ 0} min_μ y_μ w·x_μ/‖w‖ (in
// units where the inputs have unit variance). Every reported κ* is a certified bracket computed
// in exact rational arithmetic: a dyadic w gives κ* ≥ min_μ y_μ w·x_μ/‖w‖, and a dual vector
// λ ≥ 0 gives κ* ≤ 1/√(2D(λ)), D(λ) = Σ λ_μ − ½‖Σ λ_μ y_μ x_μ‖² (weak duality of the hard-margin
// QP). The optimizer (dual coordinate ascent) only produces w and λ. Instances that are not
// separable get κ* ≤ 0 certified by a Gordan vector (storage_separability.h).
//
// Ising: w ∈ {±1}^N, inputs ξ_μ ∈ {±1}^N with N odd (no ties); enumeration of all 2^N weight
// vectors gives, exactly, the largest P such that some w stores the first P patterns, and the
// best margin κ_I(P) = max_w min_{μ<P} w·ξ_μ/√N. Because {±1}^N lies on the sphere of radius
// √N, κ_I(P) ≤ κ*(P) on the same instance: the enumeration checks the spherical brackets.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "mnemo/storage_separability.h"

namespace mnemo {

/// A certified bracket lower ≤ κ* ≤ upper (Gardner units: inputs of unit variance).
struct MarginBracket {
  bool separable = false;
  double lower = 0, upper = 0;
  int sweeps = 0;  ///< dual coordinate-ascent sweeps used
};
/// The bracket for one instance, refined until (upper − lower) ≤ `tolerance`·upper or the sweep
/// budget runs out (the bracket stays valid either way).
MarginBracket MaxMargin(const PerceptronInstance& inst, double tolerance = 1e-3);

/// κ_G(α): the inverse of Gardner's α_G(κ) = 1/I(κ) for α < 2 (κ > 0).
double GardnerMargin(double alpha);

struct MarginRow {
  int N = 0, P = 0;
  double alpha = 0;
  int instances = 0, separable = 0;
  double median_lower = 0, median_upper = 0;  ///< medians of the instance brackets
  double mean = 0, spread = 0;                ///< mean and standard deviation of the midpoints
  double gardner = 0;                         ///< κ_G(α)
  double seconds = 0;
};
struct MarginOptions {
  int N = 100;
  std::vector<double> alphas;  ///< empty → 0.5, 0.75, 1.0, 1.25, 1.5
  int instances = 20;
  uint64_t seed = 1;
  int threads = 0;
  bool progress = true;
};
std::vector<MarginRow> MeasureMarginCurve(const MarginOptions& options);

/// One Ising instance: the exact capacity P_max and the best margin for each P ≤ P_max.
struct IsingInstanceResult {
  int N = 0, p_max = 0;
  std::vector<int> best_margin;  ///< best_margin[P − 1] = max_w min_{μ<P} w·ξ_μ (an odd integer)
};
/// Enumerates {±1}^N (N odd, 3 ≤ N ≤ 27) on 2N random ±1 patterns (labels absorbed).
IsingInstanceResult EnumerateIsing(int N, std::mt19937_64& rng);

struct IsingRow {
  int N = 0, instances = 0;
  double alpha_median = 0, alpha_mean = 0, alpha_stderr = 0;  ///< P_max/N
  int checks = 0, violations = 0;  ///< spherical brackets compared on the same instances
  double seconds = 0;
};
struct IsingOptions {
  std::vector<int> Ns = {13, 15, 17, 19, 21};
  int instances = 200;
  int checked_instances = 4;  ///< per N: Ising margins against spherical brackets
  uint64_t seed = 1;
  int threads = 0;
  bool progress = true;
};
struct IsingResult {
  std::vector<IsingRow> rows;
  /// α(N) = α_∞ + a/N by least squares over the sizes (≥ 2 sizes).
  double alpha_inf = 0, alpha_inf_stderr = 0;
  bool extrapolated = false;
};
IsingResult MeasureIsingCapacity(const IsingOptions& options);

}  // namespace mnemo
