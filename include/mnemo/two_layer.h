// The two-layer model f(x) = Σ_j v_j σ(w_jᵀx + b_j) (m hidden units, input dimension d,
// P = md + 2m parameters, no output bias), its outputs on n points, and the Jacobian of the map
// from parameters to those outputs (after Madden & Thrampoulidis, arXiv 2308.02001).
//
// What this header guarantees:
//  * Jacobians are assembled from their structure (one GEMM for Z = WᵀX + b1ᵀ, then
//    J_W = (D ⊙ X)ᵀ, J_b = Dᵀ, J_v = Sᵀ with D = diag(v)σ′(Z), S = σ(Z)); never by finite
//    differences. The Gram matrix JJᵀ = (DᵀD)∘(X̃ᵀX̃) + SᵀS is formed without J.
//  * Random points and data come from the seeded engine passed in, through portable samplers:
//    the same seed gives the same point on every standard library.
//  * At a paired point (W = [U, U], b = [β, β], v = [c, −c]) the outputs are exactly 0.
#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <random>
#include <string>

#include "mnemo/two_layer_activation.h"

namespace mnemo {

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

/// The parameters the Jacobian is taken with respect to: W only, or all of (W, b, v).
enum class JacobianWrt { kWeights, kAll };
/// Where the Jacobian is evaluated: a random point, or a paired point (F = 0 there).
enum class PointKind { kRandom, kPaired };
enum class BiasMode { kRandom, kZero };
std::string ToString(JacobianWrt wrt);
std::string ToString(PointKind point);
std::string ToString(BiasMode bias);
/// Parsers for the flag values (weights|all, random|paired, random|zero); throw mnemo::Error.
JacobianWrt ParseWrt(const std::string& s);
PointKind ParsePointKind(const std::string& s);
BiasMode ParseBiasMode(const std::string& s);

/// Number of Jacobian columns: md (weights) or md + m + mq (all).
int64_t JacobianColumns(int64_t m, int64_t d, int64_t q, JacobianWrt wrt);

/// Outputs on the columns of x (d × n): an n × q matrix.
Eigen::MatrixXd Forward(const TwoLayerActivation& act, const TwoLayerParams& p,
                        const Eigen::MatrixXd& x);

/// Jᵀ as an N × (n·q) column-major matrix: column c·n + i is ∇_θ f_c(x_i), parameters ordered
/// vec(W) (W_{lj} at j·d + l), then b, then v (column-major m × q). Built from the structure.
Eigen::MatrixXd JacobianTransposed(const TwoLayerActivation& act, const TwoLayerParams& p,
                                   const Eigen::MatrixXd& x, JacobianWrt wrt);

/// J Jᵀ (n × n, q = 1) from the Gram identity (DᵀD)∘(XᵀX) [+ (DᵀD) + SᵀS for kAll].
Eigen::MatrixXd JacobianGram(const TwoLayerActivation& act, const TwoLayerParams& p,
                             const Eigen::MatrixXd& x, JacobianWrt wrt);

/// A random point: W ~ scale·N(0,1), b ~ N(0,1) (or 0), v = ±1. kPaired with m = 2h (+1):
/// W = [U, U], b = [β, β], v = [c, −c]; for odd m the last neuron sits at w = 0, b = 0 (σ with a
/// simple zero at 0: it outputs 0 and adds d linear features) or has v = 0 otherwise.
TwoLayerParams RandomPoint(const TwoLayerActivation& act, int64_t m, int64_t d, PointKind point,
                           BiasMode bias, double weight_scale, std::mt19937_64& rng);
/// x_i ~ N(0, I/d): a d × n matrix.
Eigen::MatrixXd GaussianData(int64_t d, int64_t n, std::mt19937_64& rng);

}  // namespace mnemo
