// Storage capacity at finite width K by the replica-symmetric ground-state formula, estimated by
// Monte Carlo with exact projections (closed forms or exact one-dimensional equations; no inner
// optimizer).
//
// Model. K hidden units g(h_k) with fields h_k = w_k·x/√N, output F = K^{−1/2} Σ_k g̃(h_k) (+ b),
// g̃ = (g − E g)/√Var g, random labels y = ±1, and α = P per first-layer weight. A pattern is
// stored when y·F ≥ κ; S_y is the set of fields that store it.
//
// Tree committee (disjoint receptive fields, no output bias):
//   α_c = 1 / E_{t,y}[min_{h ∈ S_y} ‖h − t‖²],  t ~ N(0, I_K).
// Fully connected (every unit sees every input; output bias b):
//   α_c = sup_{C, b} inf_{ρ > 0} (K − 1 + ρ) / (K · E_{t,y}[min_{h ∈ S_y} (h − t)ᵀ B (h − t)]),
//   t ~ N(0, Q), Q = (1 − C)·I + C·11ᵀ, B = (1 − C)⁻¹·P⊥ + ρ·(1 + (K − 1)C)⁻¹·P₁,
// where C is the correlation of two hidden weight vectors within a solution (the "division of
// labour" C → −1/(K − 1)), P₁ = 11ᵀ/K, P⊥ = I − P₁, and ρ the relative rate at which the uniform
// and the staggered modes of two solutions' overlap close at capacity. [derived] At C = 0, ρ = 1
// the formula is the tree's; K = 1 gives Gardner's 2; for K → ∞ at C = −1/(K − 1) it tends to
// 2Δ̃′(1), the fully connected RS capacity of storage_theory.h. These are RS values: upper
// estimates for non-convex models, not theorems.
//
// Activations with exact projections: tree: step (odd K, κ = 0), relu, abs, quadratic,
// identity; fully connected: step (odd K, κ = 0), relu, identity.
#pragma once

#include <cstdint>
#include <random>

#include "mnemo/storage_activation.h"

namespace mnemo {

/// The tree formula with `samples` draws from `rng`; throws mnemo::Error for unsupported
/// activations, even K for step, or κ ≠ 0 for step.
double TreeCommitteeCapacity(const StorageActivation& g, int K, double kappa, int64_t samples,
                             std::mt19937_64& rng, double* stderr_out);
/// The K = 3 step (sign) committee by exact one-dimensional integrals (no sampling): 4.0252…
double SignCommitteeK3Exact();

struct FullyConnectedCapacity {
  double capacity = 0;      ///< per first-layer weight, at the optimum, on fresh samples
  double stderr = 0;        ///< Monte Carlo standard error of `capacity`
  double correlation = 0;   ///< C at the optimum
  double shape = 1;         ///< ρ at the optimum
  double bias = 0;          ///< output bias b at the optimum (0 for odd g)
  double tree_formula = 0;  ///< the value at C = 0, ρ = 1, b = 0 (the tree's formula)
};
/// The fully connected formula: the optimum over (C, b, ρ) is searched on `search_samples`
/// common samples, the capacity then re-estimated on `samples` fresh ones. Throws mnemo::Error
/// for unsupported activations.
FullyConnectedCapacity FullyConnectedCommitteeCapacity(const StorageActivation& g, int K,
                                                       double kappa, int64_t samples,
                                                       int64_t search_samples, uint64_t seed);

}  // namespace mnemo
