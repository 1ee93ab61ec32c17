// Numerical rank of a Jacobian in double precision, with an explicit tolerance: the fast answer
// that every certificate (exact_rank.h, ball_rank_certificate.h) then proves or not.
//
// The tolerance is τ = max(n, N)·ε·σ₁ (N columns); the report gives σ₁, σ_r, σ_{r+1} and whether
// the gap is clear (σ_r ≥ 10³·τ). A numerical rank is evidence, not a proof.
#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <string>
#include <vector>

namespace mnemo {

/// Numerical rank of an N × n matrix Jᵀ (equivalently of J).
struct NumericalRank {
  int64_t rank = 0;
  double tolerance = 0;         ///< τ = max(n, N)·ε·σ₁
  double sigma_max = 0;         ///< σ₁
  double sigma_r = 0;           ///< σ_r (0 when r = 0)
  double sigma_next = 0;        ///< σ_{r+1} (0 when r = min(n, N))
  double sigma_min = 0;         ///< σ_min(n, N)
  std::string route;            ///< "svd" (LAPACK dgesdd, values only) or "gram" (pivoted Cholesky)
  bool well_separated = false;  ///< σ_r ≥ 10³·τ: the rank is numerically clear
  std::vector<double> singular_values;  ///< all of them (svd route) or empty
};

/// SVD route (LAPACK dgesdd on OpenBLAS, singular values only). `jt` is N × n.
NumericalRank SvdRank(const Eigen::MatrixXd& jt);
/// Gram route: pivoted Cholesky (LAPACK dpstrf) of K = JJᵀ with tolerance n·ε·max K_ii (which
/// is τ² in σ terms); σ₁ by power iteration, σ_min by inverse iteration when K is full rank.
NumericalRank GramRank(const Eigen::MatrixXd& gram);

}  // namespace mnemo
