// Numerical rank by the SVD and Gram routes, with the explicit tolerance τ = max(n, N)·ε·σ₁.
#include "mnemo/numerical_rank.h"

#include <cblas.h>
#include <fmt/format.h>
#include <lapacke.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "mnemo/error.h"

namespace mnemo {
namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();

}  // namespace

NumericalRank SvdRank(const Eigen::MatrixXd& jt) {
  NumericalRank r;
  r.route = "svd";
  const int64_t rows = jt.rows(), cols = jt.cols(), k = std::min(rows, cols);
  if (k == 0) return r;
  Eigen::MatrixXd a = jt;
  std::vector<double> s(k);
  lapack_int info = LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'N', rows, cols, a.data(), rows, s.data(),
                                   nullptr, 1, nullptr, 1);
  MNEMO_CHECK(info == 0, "dgesdd failed: info = {}", info);
  r.singular_values = s;
  r.sigma_max = s[0];
  r.sigma_min = s[k - 1];
  r.tolerance = double(std::max(rows, cols)) * kEps * s[0];
  r.rank = 0;
  while (r.rank < k && s[r.rank] > r.tolerance) ++r.rank;
  r.sigma_r = r.rank > 0 ? s[r.rank - 1] : 0.0;
  r.sigma_next = r.rank < k ? s[r.rank] : 0.0;
  r.well_separated = r.rank == 0 || r.sigma_r >= 1e3 * r.tolerance;
  return r;
}

NumericalRank GramRank(const Eigen::MatrixXd& gram) {
  NumericalRank r;
  r.route = "gram";
  const int64_t n = gram.rows();
  if (n == 0) return r;
  double max_diag = gram.diagonal().maxCoeff();
  if (!(max_diag > 0)) return r;
  // σ₁² = λ_max(K) by power iteration (K is PSD, so it converges from below; 50 steps give a
  // few digits, enough for a tolerance).
  Eigen::VectorXd u = Eigen::VectorXd::Ones(n).normalized(), t(n);
  double lambda_max = 0;
  for (int it = 0; it < 50; ++it) {
    cblas_dsymv(CblasColMajor, CblasLower, n, 1.0, gram.data(), n, u.data(), 1, 0.0, t.data(), 1);
    lambda_max = t.norm();
    if (lambda_max == 0) break;
    u = t / lambda_max;
  }
  Eigen::MatrixXd l = gram;
  std::vector<lapack_int> piv(n);
  lapack_int rank = 0;
  const double tol = double(n) * kEps * max_diag;
  lapack_int info = LAPACKE_dpstrf(LAPACK_COL_MAJOR, 'L', n, l.data(), n, piv.data(), &rank, tol);
  MNEMO_CHECK(info >= 0, "dpstrf failed: info = {}", info);
  r.rank = rank;
  r.sigma_max = std::sqrt(lambda_max);
  r.tolerance = std::sqrt(tol);  // in σ units: pivots below n·ε·max K_ii are dropped
  r.sigma_r = rank > 0 ? std::fabs(l(rank - 1, rank - 1)) : 0.0;  // pivot estimate
  if (rank == n) {
    // σ_min² = λ_min(K) by inverse iteration with the Cholesky factor: K = P L Lᵀ Pᵀ.
    Eigen::VectorXd x = Eigen::VectorXd::Ones(n).normalized(), y(n), w(n);
    double mu = 0;
    for (int it = 0; it < 30; ++it) {
      for (int64_t k = 0; k < n; ++k) w(k) = x(piv[k] - 1);
      cblas_dtrsv(CblasColMajor, CblasLower, CblasNoTrans, CblasNonUnit, n, l.data(), n, w.data(),
                  1);
      cblas_dtrsv(CblasColMajor, CblasLower, CblasTrans, CblasNonUnit, n, l.data(), n, w.data(), 1);
      for (int64_t k = 0; k < n; ++k) y(piv[k] - 1) = w(k);
      mu = y.norm();
      if (!(mu > 0) || !std::isfinite(mu)) break;
      x = y / mu;
    }
    r.sigma_min = mu > 0 ? 1.0 / std::sqrt(mu) : 0.0;
    r.sigma_r = r.sigma_min;
  }
  r.well_separated = rank == n && r.sigma_min >= 1e3 * r.tolerance;
  return r;
}

}  // namespace mnemo
