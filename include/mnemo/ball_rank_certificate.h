// Rigorous rank certificates for transcendental σ (sigmoid, tanh, softplus, gelu, silu, erf, sin,
// exp) by ball arithmetic (Arb, Debian libflint-arb-dev).
//
// What a certificate proves: the Jacobian at (x, p) — every coordinate taken as the exact dyadic
// rational its double is — has an r × r minor whose determinant is a ball (midpoint ± radius)
// that excludes 0, so its rank is at least r. Every entry σ(z), σ′(z) and every sum is evaluated
// by Arb with rigorous error bounds; nothing rests on libm's or LAPACK's accuracy. Floating point
// only chooses which rows and columns to try (column-pivoted QR): a bad choice can make the
// certificate fail, never make it wrong. For analytic σ, rank ≥ r at one point proves that the
// generic (maximum) rank is ≥ r.
//
// The working precision starts at 64 bits and doubles until the determinant ball excludes 0 or
// `max_precision` is passed; the precision that succeeded is reported.
#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <string>
#include <vector>

#include "mnemo/two_layer.h"

namespace mnemo {

struct BallCertificate {
  bool proven = false;
  int64_t rank = 0;         ///< order r of the minor tried
  long precision = 0;       ///< bits of the successful attempt (the last attempt on failure)
  int attempts = 0;         ///< precisions tried
  std::string determinant;  ///< the determinant ball, "[m +/- r]"
  std::vector<int64_t> rows, cols;  ///< the minor (0-based rows = points, columns = parameters)
  std::string failure;              ///< why not proven ("" when proven)
  double seconds = 0;
};

/// Tries to prove rank J ≥ r at (x, p) for a transcendental σ (MNEMO_CHECKed).
BallCertificate CertifyRankBall(const TwoLayerActivation& act, const TwoLayerParams& p,
                                const Eigen::MatrixXd& x, JacobianWrt wrt, int64_t r,
                                long max_precision = 1024);

}  // namespace mnemo
