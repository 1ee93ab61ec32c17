// The float fast path for transcendental σ: a rank bound from double-precision singular values
// and error estimates. It is NOT a proof: it rests on assumed error constants of libm (a few ulp
// for tanh, erf, exp, ...) and of LAPACK's SVD. Proofs come from ball_rank_certificate.h.
#pragma once

#include <Eigen/Dense>
#include <cstdint>

#include "mnemo/numerical_rank.h"
#include "mnemo/two_layer.h"

namespace mnemo {

/// Lower bound r on the rank of the exact Jacobian at (x, p), if the error constants hold:
/// σ̂_r > ‖ΔJ‖_F + 8·ε·σ̂₁·max(n, N) (Weyl).
struct FloatCertificate {
  int64_t certified_rank = 0;
  double entry_error = 0;  ///< bound on ‖ΔJ‖_F (entry evaluation error)
  double svd_error = 0;    ///< bound on the SVD's backward error
  double sigma = 0;        ///< the σ̂ at the certified rank
};
FloatCertificate CertifyFloat(const TwoLayerActivation& act, const TwoLayerParams& p,
                              const Eigen::MatrixXd& x, JacobianWrt wrt, const NumericalRank& svd);

/// Full-row-rank bound through the Gram matrix: a floating-point Cholesky of K̂ − αI that runs
/// to completion, with α covering the entry error of J, the rounding of K and Rump's bound for
/// Cholesky, shows JJᵀ ≻ 0 for the exact Jacobian (under the same assumptions). Returns α > 0
/// on success, −1 on failure.
double CertifyFullRankGram(const TwoLayerActivation& act, const TwoLayerParams& p,
                           const Eigen::MatrixXd& x, JacobianWrt wrt, const Eigen::MatrixXd& gram);

}  // namespace mnemo
