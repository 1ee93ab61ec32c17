// Storage capacity: how many random ±1-labelled Gaussian patterns per parameter a network can
// store, from statistical physics (replica-symmetric theory) and by measurement.
//
// Guarantees. Theory values are the replica-symmetric (RS) predictions of
// ../shared/design/storage_capacity.md: for the K→∞ tree α_c = Δ'(1)/I(κ), for the K→∞ fully
// connected net α_c = Δ̃'(1)/I(κ) with the linear-mode-free kernel Δ̃, and the RS branch α(q) in
// explicit form (no root finding). Kernels are closed forms where they exist (relu, erf, abs,
// quadratic, sign, linear, polynomials) and Gauss–Hermite quadrature otherwise; ln H and the
// Mills ratio are finite for every finite argument. RS capacities of non-convex models are
// upper estimates, not theorems. Cover's separability probability is exact (rational). The LP
// measurement never reports an instance as (in)separable on floating point alone: every
// answer carries a certificate (a separating w, or a Gordan/Farkas vector λ ≥ 0 with
// Σ λ_μ y_μ x_μ = 0) that is checked in exact rational arithmetic. GD thresholds are
// protocol-dependent algorithmic lower bounds, not capacities.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <gmpxx.h>

namespace mnemo {

// ---------------------------------------------------------------- special functions

/// H(x) = P(z > x) for z ~ N(0,1).
double GaussianTail(double x);
/// ln H(x), accurate for every finite x (asymptotic continued fraction beyond x ≈ 8).
double LogGaussianTail(double x);
/// Mills ratio φ(x)/H(x), accurate for every finite x (≈ x for large x, → 0 for x → −∞).
double MillsRatio(double x);
/// Standard normal density φ(x).
double NormalDensity(double x);

/// A quadrature rule: ∫ f ≈ Σ weights[i]·f(nodes[i]).
struct QuadratureRule {
  std::vector<double> nodes;
  std::vector<double> weights;
};
/// Gauss–Hermite rule for the standard normal measure (Golub–Welsch): E f(z) ≈ Σ w f(x).
/// The weights sum to 1. Exact for polynomials of degree ≤ 2n − 1.
QuadratureRule GaussHermiteRule(int n);
/// Gauss–Legendre rule on [a, b] (Newton on Legendre polynomials).
QuadratureRule GaussLegendreRule(int n, double a, double b);
/// E f(z), z ~ N(0,1), by Gauss–Legendre panels on [−12, 12] split at the given kinks and
/// refined geometrically around them down to width `scale` (use scale < 1 for steep kinks).
double SplitGaussianExpectation(const std::function<double(double)>& f,
                                const std::vector<double>& kinks, double scale = 1.0);

// ---------------------------------------------------------------- activations

/// An activation g (as seen by the capacity theory) with its Gaussian statistics for z ~ N(0,1): mean, variance, Hermite weights
/// c₁² = E[z g]²/Var g, c₂² = E[(z²−1) g]²/(2 Var g), and the normalised kernel
/// Δ(q) = Cov[g(u), g(v)]/Var g for corr(u, v) = q (so Δ(1) = 1, Δ(0) = 0).
class StorageActivation {
 public:
  /// Parses relu, erf, erf-sqrt2, tanh, sigmoid, gelu, softplus, quadratic, abs, linear, sign,
  /// or poly:a0,a1,...,an (g(z) = Σ a_k z^k, degree ≤ 16). Throws mnemo::Error otherwise.
  static StorageActivation Parse(const std::string& spec);
  /// The named activations (the rows of the activation table).
  static std::vector<std::string> Names();

  const std::string& name() const { return name_; }
  double Value(double z) const;
  /// g'(z) (0 for sign away from 0; the step for relu; sign(z) for abs).
  double Derivative(double z) const;
  double mean() const { return mean_; }
  double variance() const { return variance_; }
  double c1_squared() const { return c1sq_; }
  double c2_squared() const { return c2sq_; }
  /// Δ(q), q ∈ [0, 1].
  double Kernel(double q) const;
  /// Δ'(q), q ∈ [0, 1); at q = 1 equals KernelSlopeAtOne().
  double KernelDerivative(double q) const;
  /// Δ'(1) = E[g'(z)²]/Var g; +∞ for sign.
  double KernelSlopeAtOne() const { return slope_one_; }
  /// True when Δ, Δ' are closed forms (or exact Hermite sums); false when computed by quadrature.
  bool closed_form() const { return closed_form_; }
  /// Points where g or g' is not smooth (for split quadrature).
  const std::vector<double>& kinks() const { return kinks_; }

  /// Δ(q) and Δ'(q) by nested quadrature from Value/Derivative only, ignoring the closed form.
  /// Used to validate the closed forms (validation ladder, rung 3).
  double QuadratureKernel(double q) const;
  double QuadratureKernelDerivative(double q) const;

 private:
  enum class Kind { kRelu, kErf, kTanh, kSigmoid, kGelu, kSoftplus, kAbs, kLinear, kSign, kPoly };
  StorageActivation() = default;
  void ComputeStatistics();

  std::string name_;
  Kind kind_ = Kind::kLinear;
  double erf_scale_ = 1.0;       // erf(a z)
  std::vector<double> poly_;     // monomial coefficients (kPoly)
  std::vector<double> hermite_;  // b_n with g = Σ b_n He_n (kPoly)
  double mean_ = 0, variance_ = 1, c1sq_ = 0, c2sq_ = 0, slope_one_ = 1;
  bool closed_form_ = false;
  std::vector<double> kinks_;
};

// ---------------------------------------------------------------- RS theory

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
  int64_t mc_samples = 1'000'000;  ///< finite-K ground-state Monte Carlo
  uint64_t seed = 1;
  bool IsValid(std::string* why) const;
};

struct StorageResult {
  std::string activation;
  Architecture architecture = Architecture::kFullyConnected;
  int K = 0;
  double kappa = 0;
  /// Capacity per first-layer parameter (P/(N·K); P/N for the perceptron and the tree). +∞ when
  /// it diverges (sign units at K → ∞).
  double capacity = 0;
  double capacity_stderr = 0;  ///< Monte Carlo standard error (0 when analytic)
  std::string method;
  double c1_squared = 0, c2_squared = 0, kernel_slope = 0;  ///< of g; kernel_slope = Δ'(1) used
  PsbType psb = PsbType::kNone;
  double alpha_psb = 0;  ///< continuous: α(q → 0⁺) = 1/(2c̃₂²M(κ)²) (π/(4c̃₂²) at κ = 0)
  double spinodal_alpha = 0, spinodal_q = 0;  ///< first order: minimum of α(q)
  double equal_free_energy_alpha = 0, equal_free_energy_q = 0;  ///< Ψ(q) = Ψ(0); 0 if none
};

/// The RS capacity (and PSB data for the fully connected net). Throws mnemo::Error on bad
/// options (unknown activation, finite K for the fully connected net, even K for sign, ...).
StorageResult ComputeStorageCapacity(const StorageOptions& options);

/// Ground-state formula for a finite-K tree committee: α_c = 1/E_t[min_{h∈S} ‖h − t‖²],
/// S = {h : K^{−1/2} Σ_k g̃(h_k) ≥ κ}, g̃ centred and normalised, t ~ N(0, I_K), estimated by
/// Monte Carlo with `samples` draws from `rng`. Exact projections for sign (majority vote,
/// κ = 0, odd K), relu, abs, quadratic and linear; throws mnemo::Error for other activations.
double TreeCommitteeCapacity(const StorageActivation& g, int K, double kappa, int64_t samples,
                             std::mt19937_64& rng, double* stderr_out);
/// The K = 3 sign committee by exact one-dimensional integrals (no sampling): 4.0252…
double SignCommitteeK3Exact();

// ---------------------------------------------------------------- empirical: perceptron LP

/// A random separability instance: integer inputs x = round(2^10·z), z ~ N(0,1) (so that exact
/// certificates use small integers; in general position with probability ≈ 1) and ±1 labels.
struct PerceptronInstance {
  int N = 0, P = 0;
  std::vector<int32_t> x;  ///< P×N row-major
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

/// Logistic fit p(α) = 1/(1 + exp((α − α₅₀)/w)) by maximum likelihood (tiny ridge on the slope
/// so that perfectly separated data still give the midpoint).
struct LogisticFit {
  double alpha_50 = 0, alpha_50_stderr = 0, width = 0;
  bool ok = false;
};
LogisticFit FitLogistic(const std::vector<double>& alpha, const std::vector<int>& successes,
                        const std::vector<int>& trials);

struct ThresholdRow {
  int N = 0, K = 1, P = 0;
  double alpha = 0;  ///< P per first-layer parameter
  int trials = 0, successes = 0, certified = 0;
  double fraction = 0, sampling_error = 0;  ///< √(p(1−p)/n) with p the reference (or measured)
  double reference = -1;                   ///< Cover's P_sep for the perceptron, −1 otherwise
  double seconds = 0;
};
struct ThresholdCurve {
  std::vector<ThresholdRow> rows;
  LogisticFit fit;
};

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

// ---------------------------------------------------------------- empirical: GD threshold

/// The fixed GD protocol for a fully connected two-layer net with a fixed second layer:
///   f(x) = K^{−1/2} Σ_k (g(w_k·x/√N) − E g)/√Var g + b, inputs x ~ N(0, I_N), labels ±1,
///   w_k ~ N(0, I_N) at initialisation (so h ~ N(0,1)), b = 0; trained: all w_k and b;
///   loss = mean_μ max(0, 1 − y_μ f(x_μ))² (squared hinge); full-batch Adam (β = 0.9, 0.999,
///   ε = 1e−8) with learning rate `lr`; at most `max_epochs` epochs; success = zero training
///   errors (y f > 0 for every pattern), checked every epoch.
struct GdProtocol {
  std::string activation = "relu";
  int N = 32, K = 4;
  double lr = 0.01;
  int max_epochs = 4000;
  bool IsValid(std::string* why) const;
  std::string Describe() const;
};
struct GdRun {
  bool success = false;
  int epochs = 0, errors = 0;
  double loss = 0;
};
/// One GD run on P fresh random patterns; all randomness from `rng`.
GdRun RunGdInstance(const GdProtocol& protocol, int P, std::mt19937_64& rng);

struct GdMeasureOptions {
  GdProtocol protocol;
  std::vector<int> Ns;         ///< finite-size scaling sizes; empty → {protocol.N}
  std::vector<double> alphas;  ///< α = P/(N·K); empty → 0.5, 1.0, ..., 4.0
  int instances = 8;
  uint64_t seed = 1;
  int threads = 0;
  bool progress = true;
};
struct GdMeasureResult {
  std::vector<ThresholdCurve> curves;  ///< one per N
  /// α₅₀(N) = α_∞ + a·N^{−1/2} by weighted least squares (needs ≥ 2 sizes).
  double alpha_inf = 0, alpha_inf_stderr = 0, fss_slope = 0;
  bool fss_ok = false;
};
GdMeasureResult MeasureGdThreshold(const GdMeasureOptions& options);

/// Parses "a:b:step" or "a,b,c" into values; throws mnemo::Error naming `what` on bad input.
std::vector<double> ParseValueList(const std::string& text, const std::string& what);

}  // namespace mnemo
