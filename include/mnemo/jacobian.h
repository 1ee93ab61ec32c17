// Smooth two-layer networks f(x) = Σ_j v_j σ(w_jᵀx + b_j) (m hidden neurons, input dimension d,
// P = md + 2m parameters, no output bias) and the rank of the Jacobian of the map from
// parameters to the outputs on n points (design/jacobian_rank.md, after Madden & Thrampoulidis,
// arXiv 2308.02001: capacity ≥ ⌊md/2⌋, ≤ m(d+2)).
//
// What this header guarantees:
//  * Jacobians are assembled from their structure (one GEMM for Z = WᵀX + b1ᵀ, then
//    J_W = (D ⊙ X)ᵀ, J_b = Dᵀ, J_v = Sᵀ with D = diag(v)σ′(Z), S = σ(Z)); never by finite
//    differences. The Gram matrix JJᵀ = (DᵀD)∘(X̃ᵀX̃) + SᵀS is formed without J.
//  * Numerical ranks use the tolerance τ = max(n, N)·ε·σ₁ (N = columns) and report σ₁, σ_r,
//    σ_{r+1} and the gap; the generic rank is the maximum over several random draws.
//  * Certificates are sound lower bounds on the rank at the evaluated point, hence on the
//    generic rank (witness argument): rank mod p (fflas-ffpack, primes < 2^21) of the exact
//    Jacobian at an integer/dyadic point for polynomial σ, with the Schwartz–Zippel bound on
//    missing the generic rank; for transcendental σ a float certificate σ̂_r > (entry error of J)
//    + (SVD backward error), valid as far as libm's few-ulp accuracy claims hold. relu and step
//    are not analytic: ranks are computed but never certified as generic.
//  * The predictor returns the generic rank from the design doc's table (§4.6) with the branch
//    used, or "compute" (-1) where no closed form is trusted.
//  * Fitters (Levenberg–Marquardt in dual form with Nielsen's update, paired-start Gauss–Newton
//    with λ continuation, variable projection) are deterministic given the seed.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <Eigen/Dense>
#include <nlohmann/json.hpp>

#include "mnemo/dataset.h"
#include "mnemo/network.h"

namespace mnemo {

// ---------------------------------------------------------------------------------------------
// Activations

/// An activation of the smooth model with its derivative and floating-point error bounds.
/// Wraps mnemo::Activation (the same names: sigmoid, tanh, softplus, gelu, silu, erf, sin, exp,
/// poly:k = t^k, poly:c0,c1,.. with rational coefficients; relu and step for contrast).
class SmoothActivation {
 public:
  SmoothActivation() : SmoothActivation(Activation{Activation::kTanh, {}}) {}
  explicit SmoothActivation(Activation a);
  /// Parses a name; throws mnemo::Error (naming `where`) for unknown names and for identity.
  static SmoothActivation Parse(const std::string& name, const std::string& where = "--activation");

  const Activation& activation() const { return a_; }
  std::string Name() const { return ToString(a_); }
  double Value(double z) const;
  double Derivative(double z) const;

  bool IsPolynomial() const { return a_.kind == Activation::kPoly; }
  /// relu and step are not analytic (documented contrast cases).
  bool IsAnalytic() const { return a_.kind != Activation::kRelu && a_.kind != Activation::kStep; }
  /// Degree of the polynomial (trailing zero coefficients ignored); -1 otherwise.
  int Degree() const { return degree_; }
  /// k when σ = c·t^k with c ≠ 0 (a single nonzero coefficient); -1 otherwise.
  int MonomialDegree() const;
  /// σ(0) = 0 and σ′(0) ≠ 0 (tanh, sin, erf, gelu, silu, polynomials with c0 = 0 ≠ c1).
  bool HasSimpleZeroAtOrigin() const;

  /// Bounds on |fl(σ(z)) − σ(z)| and |fl(σ′(z)) − σ′(z)| for our evaluation (a few ulp of the
  /// libm functions, with generous constants), and sup |σ′|, sup |σ″| on [z − r, z + r].
  double ValueError(double z) const;
  double DerivativeError(double z) const;
  double SlopeBound(double z, double r) const;
  double CurvatureBound(double z, double r) const;

 private:
  Activation a_;
  std::vector<double> c_;   ///< polynomial coefficients as doubles
  std::vector<double> dc_;  ///< derivative coefficients
  int degree_ = -1;
};

// ---------------------------------------------------------------------------------------------
// Model and Jacobian

/// Parameters of f(x) = Σ_j v_j σ(w_jᵀx + b_j). `v` is m × q: q = 1 is the scalar model of the
/// theory; q > 1 (one-hot fitting) gives q outputs sharing the hidden layer.
struct TwoLayerParams {
  Eigen::MatrixXd w;  ///< d × m, column j = w_j (vec(W) is the parameter order of J_W)
  Eigen::VectorXd b;  ///< m
  Eigen::MatrixXd v;  ///< m × q
  int64_t d() const { return w.rows(); }
  int64_t m() const { return w.cols(); }
  int64_t q() const { return v.cols(); }
};

enum class JacobianWrt { kWeights, kAll };
enum class PointKind { kRandom, kPaired };
enum class BiasMode { kRandom, kZero };
std::string ToString(JacobianWrt wrt);
std::string ToString(PointKind point);
std::string ToString(BiasMode bias);
JacobianWrt ParseWrt(const std::string& s);
PointKind ParsePointKind(const std::string& s);
BiasMode ParseBiasMode(const std::string& s);

/// Number of Jacobian columns: md (weights) or md + m + mq (all).
int64_t JacobianColumns(int64_t m, int64_t d, int64_t q, JacobianWrt wrt);

/// Outputs on the columns of x (d × n): an n × q matrix.
Eigen::MatrixXd Forward(const SmoothActivation& act, const TwoLayerParams& p,
                        const Eigen::MatrixXd& x);

/// Jᵀ as an N × (n·q) column-major matrix: column c·n + i is ∇_θ f_c(x_i), parameters ordered
/// vec(W) (W_{lj} at j·d + l), then b, then v (column-major m × q). Built from the structure.
Eigen::MatrixXd JacobianTransposed(const SmoothActivation& act, const TwoLayerParams& p,
                                   const Eigen::MatrixXd& x, JacobianWrt wrt);

/// J Jᵀ (n × n, q = 1) from the Gram identity (DᵀD)∘(XᵀX) [+ (DᵀD) + SᵀS for kAll].
Eigen::MatrixXd JacobianGram(const SmoothActivation& act, const TwoLayerParams& p,
                             const Eigen::MatrixXd& x, JacobianWrt wrt);

/// Random points as the design doc recommends: W ~ scale·N(0,1), b ~ N(0,1) (or 0), v = ±1.
/// kPaired with m = 2h (+1): W = [U, U], b = [β, β], v = [c, −c]; for odd m the last neuron sits
/// at w = 0, b = 0 (σ with a simple zero at 0, option (b) of §5) or has v = 0 (option (a)).
TwoLayerParams RandomPoint(const SmoothActivation& act, int64_t m, int64_t d, PointKind point,
                           BiasMode bias, double weight_scale, std::mt19937_64& rng);
/// x_i ~ N(0, I/d): a d × n matrix.
Eigen::MatrixXd GaussianData(int64_t d, int64_t n, std::mt19937_64& rng);

// ---------------------------------------------------------------------------------------------
// Ranks

/// Numerical rank of an N × n matrix Jᵀ (equivalently of J).
struct NumericalRank {
  int64_t rank = 0;
  double tolerance = 0;       ///< τ = max(n, N)·ε·σ₁
  double sigma_max = 0;       ///< σ₁
  double sigma_r = 0;         ///< σ_r (0 when r = 0)
  double sigma_next = 0;      ///< σ_{r+1} (0 when r = min(n, N))
  double sigma_min = 0;       ///< σ_min(n, N)
  std::string route;          ///< "svd" (LAPACK dgesdd, values only) or "gram" (pivoted Cholesky of JJᵀ)
  bool well_separated = false;  ///< σ_r ≥ 10³·τ: the rank is numerically clear
  std::vector<double> singular_values;  ///< all of them (svd route) or empty
};

/// SVD route (LAPACK dgesdd on OpenBLAS, singular values only). `jt` is N × n.
NumericalRank SvdRank(const Eigen::MatrixXd& jt);
/// Gram route: pivoted Cholesky (LAPACK dpstrf) of K = JJᵀ with tolerance n·ε·max K_ii (which
/// is τ² in σ terms); σ₁ by power iteration, σ_min by inverse iteration when K is full rank.
NumericalRank GramRank(const Eigen::MatrixXd& gram);

/// Float certificate (§7.3 b) for the Jacobian at the given point: lower bound r on the rank of
/// the exact Jacobian at (x, p) from σ̂_r > ‖ΔJ‖_F + 8·ε·σ̂₁·max(n, N) (Weyl).
struct FloatCertificate {
  int64_t certified_rank = 0;
  double entry_error = 0;   ///< bound on ‖ΔJ‖_F (entry evaluation error)
  double svd_error = 0;     ///< bound on the SVD's backward error
  double sigma = 0;         ///< the σ̂ at the certified rank
};
FloatCertificate CertifyFloat(const SmoothActivation& act, const TwoLayerParams& p,
                              const Eigen::MatrixXd& x, JacobianWrt wrt,
                              const NumericalRank& svd);
/// Full-row-rank certificate through the Gram matrix: a floating-point Cholesky of
/// K̂ − αI that runs to completion, with α covering the entry error of J, the rounding of K and
/// Rump's bound for Cholesky, proves JJᵀ ≻ 0 for the exact Jacobian. Returns α (> 0) on
/// success, −1 on failure.
double CertifyFullRankGram(const SmoothActivation& act, const TwoLayerParams& p,
                           const Eigen::MatrixXd& x, JacobianWrt wrt, const Eigen::MatrixXd& gram);

/// Exact rank mod a prime p < 2^21 (fflas-ffpack PLUQ) of an n × N matrix given row-major with
/// entries in [0, p). The matrix is overwritten.
int64_t RankModP(std::vector<double>& a, int64_t rows, int64_t cols, uint32_t p);
/// Primes in [2^20, 2^21) drawn from rng (distinct).
std::vector<uint32_t> RandomPrimes(int count, std::mt19937_64& rng);

/// The exact Jacobian J (n × N, row-major, entries mod p) of a polynomial activation at a
/// point given mod p: x (d × n), w (d × m), b (m), v (m) as residues. Throws mnemo::Error when
/// p divides a coefficient's denominator.
std::vector<double> JacobianModP(const SmoothActivation& act, const std::vector<uint32_t>& x,
                                 int64_t d, int64_t n, const std::vector<uint32_t>& w,
                                 const std::vector<uint32_t>& b, const std::vector<uint32_t>& v,
                                 int64_t m, JacobianWrt wrt, uint32_t p);
/// A double as a residue mod p (a double is a dyadic rational).
uint32_t DoubleModP(double x, uint32_t p);

/// Generic-rank prediction (§4.6): rank = -1 means "compute" (no closed form trusted).
struct RankPrediction {
  int64_t rank = -1;
  int64_t upper_bound = 0;   ///< a proven upper bound (column count, structure)
  std::string branch;        ///< which table row / formula was used
};
RankPrediction PredictRank(const SmoothActivation& act, int64_t m, int64_t d, int64_t n,
                           JacobianWrt wrt, PointKind point, BiasMode bias);
/// AH(d, m, k) of §4.2: the large-n rank of J_W for σ = t^k with zero bias.
int64_t AlexanderHirschowitzRank(int64_t d, int64_t m, int64_t k);
int64_t Binomial(int64_t n, int64_t k);  ///< saturating at INT64_MAX/4

// ---------------------------------------------------------------------------------------------
// The `rank` computation

struct RankOptions {
  SmoothActivation activation;
  int64_t m = 10, d = 5, n = 0;      ///< n = 0 with data: all points
  const Eigen::MatrixXd* data = nullptr;  ///< d × n points (else Gaussian N(0, I/d))
  JacobianWrt wrt = JacobianWrt::kAll;
  PointKind point = PointKind::kRandom;
  BiasMode bias = BiasMode::kRandom;
  bool certify = false;
  uint64_t seed = 1;
  int draws = 3;                     ///< random draws; the generic rank is their maximum
  int primes = 3;                    ///< mod-p certificate: primes (each with a fresh point)
  double weight_scale = 1.5;
  std::string route = "auto";        ///< auto | svd | gram
};

struct RankReport {
  int64_t n = 0, d = 0, m = 0, params = 0, columns = 0;
  std::string activation, wrt, point, bias;
  RankPrediction prediction;
  NumericalRank best;                ///< the draw with the largest rank
  std::vector<int64_t> draw_ranks;
  int64_t numerical_rank = 0;        ///< max over draws
  std::string certificate = "none";  ///< none | mod-p | float | gram-cholesky
  int64_t certified_rank = -1;       ///< lower bound proven by the certificate (-1: none)
  std::vector<uint32_t> primes;
  std::vector<int64_t> prime_ranks;
  double failure_bound = 0;          ///< Schwartz–Zippel bound on missing the generic rank
  double cert_error = 0;             ///< float certificate: error bound used
  bool contradiction = false;        ///< the certificate contradicts the prediction
  std::string verdict;               ///< one line
  std::vector<std::string> notes;    ///< non-generic inputs detected, caveats
  double certificate_seconds = 0;    ///< time spent in the certificate
  double seconds = 0;
  nlohmann::ordered_json ToJson() const;
  std::string ToText() const;
};
RankReport ComputeRank(const RankOptions& options);

// ---------------------------------------------------------------------------------------------
// Capacity search

struct CapacityOptions {
  SmoothActivation activation;
  int64_t m = 20, d = 10;
  uint64_t seed = 1;
  int draws = 2;
  double weight_scale = 1.5;
  bool certify = true;
};
/// One threshold: the largest n at which J (W only or all, random or paired point) has full
/// row rank n, found by searching n, with its certificate.
struct CapacityRow {
  std::string quantity;       ///< e.g. "W only, random point"
  JacobianWrt wrt;
  PointKind point;
  int64_t threshold = 0;      ///< largest n with (certified when possible) full row rank n
  int64_t predicted = -1;     ///< predictor at n = columns + 1 (or the conjectured value)
  std::string formula;        ///< e.g. "md", "m(d+2)", "(m/2)(d+2) [conjecture]"
  std::string certificate;    ///< e.g. "float σ_n=1.2e-3 > 4.1e-12", "mod p (3 primes)"
  bool certified = false;
  int64_t rank_above = -1;    ///< numerical rank at threshold + 1 (shows the drop)
  std::vector<std::pair<int64_t, int64_t>> search;  ///< (n, rank) probed
  double seconds = 0;
};
struct CapacityReport {
  int64_t m = 0, d = 0;
  std::string activation;
  int64_t lower_bound = 0;    ///< ⌊md/2⌋ (paper)
  int64_t upper_bound = 0;    ///< m(d+2) (Sard), m(d+1) for exp-like
  std::vector<CapacityRow> rows;
  std::string conjecture;     ///< verdict on (m/2)(d+2)
  double seconds = 0;
  nlohmann::ordered_json ToJson() const;
  std::string ToText() const;
};
CapacityReport ComputeCapacity(const CapacityOptions& options);
/// Finds the largest n ≤ n_max with full row rank for one configuration (used by the report).
CapacityRow SearchThreshold(const CapacityOptions& options, JacobianWrt wrt, PointKind point);

// ---------------------------------------------------------------------------------------------
// Fitting

enum class FitMethod { kLm, kPairedGn, kVarPro };
FitMethod ParseFitMethod(const std::string& s);
std::string ToString(FitMethod method);

struct FitOptions {
  SmoothActivation activation;
  int64_t m = 10;
  FitMethod method = FitMethod::kLm;
  JacobianWrt wrt = JacobianWrt::kAll;  ///< paired-gn: weights (n ≤ ⌊m/2⌋d) or all
  uint64_t seed = 1;
  int max_iterations = 500;
  double lambda = 0;                ///< paired-gn: starting λ (0 = automatic, 100)
  double residual_tolerance = 1e-11;  ///< stop when max |f − y| ≤ this
  double weight_scale = 1.5;        ///< init: pre-activation std ≈ weight_scale
  int restarts = 3;                 ///< fresh random starts after a failure
};

struct FitReport {
  std::string method, activation;
  int64_t n = 0, d = 0, m = 0, q = 1, params = 0;
  bool success = false;
  double max_residual = 0;          ///< max |f(x_i) − y_i| over points and outputs
  double relative_residual = 0;     ///< ‖f − y‖ / ‖y‖
  int iterations = 0;
  int restarts_used = 0;
  double kappa = 0;                 ///< κ(J) at the solution (2-norm)
  double mu = 0;                    ///< LM / VarPro damping at exit
  double lambda = 0;                ///< paired-gn: final λ
  double max_abs_v = 0;
  std::string reason;               ///< why it stopped
  std::vector<double> history;      ///< ‖r‖ per iteration
  double seconds = 0;
  nlohmann::ordered_json ToJson() const;
  std::string ToText() const;
};

/// Fits p so that Forward(act, p, x) ≈ y (n × q targets); x is d × n.
FitReport FitTwoLayer(const FitOptions& options, const Eigen::MatrixXd& x, const Eigen::MatrixXd& y,
                      TwoLayerParams* params);

/// Fits a dataset: normalizes the inputs with the dataset's input map, turns labels into
/// targets (real values; 2 classes → ±1 with a 2-output argmax network; C > 2 → one-hot with a
/// C-output argmax network), fits, and returns the network (exact rationals of the fitted
/// doubles, smooth hidden activation). `report` receives the fit report.
Network FitDataset(const FitOptions& options, const Dataset& data, FitReport* report);

/// The mnemo Network of a fitted model (`output`/`classification`/`class_values` set by caller).
Network ToNetwork(const SmoothActivation& act, const TwoLayerParams& p, const InputMap& input);

}  // namespace mnemo
