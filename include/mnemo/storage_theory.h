// Replica-symmetric (RS) storage capacity: how many random ±1-labelled Gaussian patterns per
// parameter a perceptron, a tree committee or a fully connected two-layer net can store, in the
// limit of many inputs, after Nishiyama & Ohzeki (2025) as reconstructed in this repository's
// notes (formulas below; tests pin the reconstruction's values).
//
// Guarantees. For the K → ∞ tree α_c = Δ′(1)/I(κ), for the K → ∞ fully connected net
// α_c = Δ̃′(1)/I(κ) with the linear-mode-free kernel Δ̃ = (Δ − c₁²q)/(1 − c₁²), and the RS
// branch α(q) in explicit form (no root finding). RS capacities of non-convex models are upper
// estimates, not theorems. Cover's separability probability is exact (rational).
#pragma once

#include <gmpxx.h>

#include <cstdint>
#include <string>
#include <vector>

#include "mnemo/storage_activation.h"

namespace mnemo {

enum class Architecture { kPerceptron, kTree, kFullyConnected };
/// "perceptron", "tree", "fully-connected" (also "fc", "committee-tree"); throws on others.
Architecture ParseArchitecture(const std::string& s);
std::string ArchitectureName(Architecture a);

/// I(κ) = ∫_{−κ}^∞ Dt (t + κ)² = (1 + κ²)Φ(κ) + κφ(κ).
double GardnerIntegral(double kappa);
/// Gardner's spherical-perceptron capacity α_c(κ) = 1/I(κ) (2 at κ = 0).
double GardnerCapacity(double kappa);
/// Cover's probability that P random points in general position in R^N with random labels are
/// linearly separable (through the origin): 2^{1−P} Σ_{k<N} C(P−1, k). Exact.
mpq_class CoverSeparabilityExact(int64_t P, int64_t N);
double CoverSeparability(int64_t P, int64_t N);

/// The kernel entering the K→∞ theory: Δ for the tree, Δ̃ = (Δ − c₁²q)/(1 − c₁²) for the fully
/// connected net (its linear mode removed, "division of labor").
struct EffectiveKernel {
  const StorageActivation* activation;
  bool fully_connected;
  double Value(double q) const;
  double Derivative(double q) const;
  double SlopeAtOne() const;
  /// c̃₂² (c₂² for the tree).
  double C2Squared() const;
};

/// E_t[ln H(x)] and E_t[M(x)²] with x = (κ − √Δ t)/√(1 − Δ), t ~ N(0,1).
double EnergeticTerm(double delta, double kappa);
double EnergeticSlope(double delta, double kappa);  // dG_E/dΔ = −E[M(x)²]/(2(1−Δ))

/// One point of the RS branch: α(q) solving the saddle point, and the free-energy gap
/// Ψ(q) − Ψ(0) = ½ln(1−q) + q/(2(1−q)) + α(q)(G_E(Δ(q)) − ln H(κ)) at that α.
struct BranchPoint {
  double q = 0, alpha = 0, free_energy_gap = 0;
};
BranchPoint RsBranchPoint(const EffectiveKernel& kernel, double q, double kappa);
/// The branch on `points` values of q spread over (0, 1) (denser near 0 and 1).
std::vector<BranchPoint> RsBranch(const EffectiveKernel& kernel, double kappa, int points);

enum class PsbType { kNone, kContinuous, kFirstOrder };
std::string PsbTypeName(PsbType t);

struct StorageOptions {
  std::string activation = "relu";
  Architecture architecture = Architecture::kFullyConnected;
  int K = 0;  ///< hidden units; 0 means K → ∞
  double kappa = 0;
  int64_t mc_samples = 1'000'000;   ///< finite-K ground-state Monte Carlo
  int64_t search_samples = 20'000;  ///< finite-K fully connected: samples of the optimizer
  uint64_t seed = 1;
  bool IsValid(std::string* why) const;
};

struct StorageResult {
  std::string activation;
  Architecture architecture = Architecture::kFullyConnected;
  int K = 0;
  double kappa = 0;
  /// Capacity per first-layer parameter (P/(N·K); P/N for the perceptron and the tree). +∞ when
  /// it diverges (step units at K → ∞).
  double capacity = 0;
  double capacity_stderr = 0;  ///< Monte Carlo standard error (0 when analytic)
  std::string method;
  double c1_squared = 0, c2_squared = 0, kernel_slope = 0;  ///< of g; kernel_slope = Δ'(1) used
  PsbType psb = PsbType::kNone;
  double alpha_psb = 0;  ///< continuous: α(q → 0⁺) = 1/(2c̃₂²M(κ)²) (π/(4c̃₂²) at κ = 0)
  double spinodal_alpha = 0, spinodal_q = 0;                    ///< first order: minimum of α(q)
  double equal_free_energy_alpha = 0, equal_free_energy_q = 0;  ///< Ψ(q) = Ψ(0); 0 if none
  /// Fully connected, finite K (storage_finite_width.h): the optimal hidden-unit correlation C,
  /// collapse shape ρ and output bias b, and the tree formula's value for comparison.
  double correlation = 0, shape = 1, bias = 0, tree_formula = 0;
};

/// The RS capacity (and PSB data for the fully connected net). Throws mnemo::Error on bad
/// options (unknown activation, even K for step, unsupported finite-K activations, ...).
StorageResult ComputeStorageCapacity(const StorageOptions& options);

/// One row of the activation table (K → ∞, margin κ): the tree, and the fully connected net
/// unless g is linear (degenerate) or its capacity diverges (step).
struct ActivationTableRow {
  std::string activation;
  double c1_squared = 0, c2_squared = 0, tree = 0, fully_connected = 0;
  bool fc_degenerate = false;
  StorageResult fc;  ///< PSB data (when the FC capacity is finite)
};
std::vector<ActivationTableRow> ComputeActivationTable(double kappa);

}  // namespace mnemo
