// The float fast path: rank bounds from double-precision singular values and assumed error
// constants of libm and LAPACK (evidence, not a proof).
#include "mnemo/float_rank_certificate.h"

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
constexpr double kUnit = kEps / 2;  // unit roundoff
double Gamma(double k) { return k * kUnit / (1 - k * kUnit); }

}  // namespace

namespace {

struct EntryErrors {
  double frobenius = 0;  ///< bound on ‖J_computed − J_exact‖_F
};

EntryErrors JacobianEntryError(const TwoLayerActivation& act, const TwoLayerParams& p,
                               const Eigen::MatrixXd& x, JacobianWrt wrt) {
  const int64_t m = p.m(), d = p.d(), n = x.cols();
  Eigen::MatrixXd z(m, n), za(m, n);
  for (int64_t i = 0; i < n; ++i) {
    z.col(i) = p.b;
    za.col(i) = p.b.cwiseAbs();
  }
  Eigen::MatrixXd wa = p.w.cwiseAbs(), xa = x.cwiseAbs();
  cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, m, n, d, 1.0, p.w.data(), d, x.data(), d,
              1.0, z.data(), m);
  cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, m, n, d, 1.0, wa.data(), d, xa.data(), d,
              1.0, za.data(), m);
  const double gz = Gamma(d + 3) * (1 + Gamma(d + 3));  // |ẑ − z| ≤ γ_{d+1}·(|W|ᵀ|X| + |b|)
  double total = 0;
#pragma omp parallel for reduction(+ : total) schedule(static) if (n * m > (1 << 16))
  for (int64_t i = 0; i < n; ++i) {
    const double xnorm2 = x.col(i).squaredNorm() * (1 + Gamma(d + 2));
    for (int64_t j = 0; j < m; ++j) {
      const double zz = z(j, i), dz = gz * za(j, i), vj = std::fabs(p.v(j, 0));
      const double sp = act.Derivative(zz);
      const double ed = vj * (act.DerivativeError(zz) + act.CurvatureBound(zz, dz) * dz) +
                        2 * kUnit * vj * std::fabs(sp);
      const double ew = ed + 2 * kUnit * vj * std::fabs(sp) * (1 + ed);
      total += xnorm2 * ew * ew;
      if (wrt == JacobianWrt::kAll) {
        const double es = act.ValueError(zz) + act.SlopeBound(zz, dz) * dz;
        total += ed * ed + es * es;
      }
    }
  }
  return {std::sqrt(total) * (1 + 1e-6)};
}

}  // namespace

FloatCertificate CertifyFloat(const TwoLayerActivation& act, const TwoLayerParams& p,
                              const Eigen::MatrixXd& x, JacobianWrt wrt, const NumericalRank& svd) {
  MNEMO_CHECK(svd.route == "svd" && !svd.singular_values.empty());
  FloatCertificate c;
  if (!act.IsAnalytic()) return c;
  const int64_t n = x.cols(), cols = JacobianColumns(p.m(), p.d(), 1, wrt);
  c.entry_error = JacobianEntryError(act, p, x, wrt).frobenius;
  c.svd_error = 8.0 * double(std::max(n, cols)) * kEps * svd.sigma_max;
  const double bound = c.entry_error + c.svd_error;
  for (double s : svd.singular_values) {
    if (!(s > bound)) break;
    ++c.certified_rank;
    c.sigma = s;
  }
  return c;
}

double CertifyFullRankGram(const TwoLayerActivation& act, const TwoLayerParams& p,
                           const Eigen::MatrixXd& x, JacobianWrt wrt, const Eigen::MatrixXd& gram) {
  if (!act.IsAnalytic()) return -1;
  const int64_t n = gram.rows(), m = p.m(), d = p.d();
  const double trace = gram.trace() * (1 + 1e-10);
  const double ef = JacobianEntryError(act, p, x, wrt).frobenius;
  // ‖K̂ − Ĵ Ĵᵀ‖ ≤ γ_{m+d+4}·tr(|Ĵ||Ĵ|ᵀ) (Gram identity rounding); ‖ĴĴᵀ − JJᵀ‖ ≤ 2‖Ĵ‖ e_F + e_F²;
  // Rump (BIT 2006): floating-point Cholesky of A − cI running to completion with
  // c ≥ γ_{n+1}/(1 − 2γ_{n+1})·tr(A) (+ underflow) proves A ≻ 0.
  const double alpha = Gamma(m + d + 6) * trace + 2 * std::sqrt(trace) * ef + ef * ef +
                       Gamma(n + 2) / (1 - 2 * Gamma(n + 2)) * trace * 1.01 +
                       4.0 * n * (2.0 * (n + 2)) * std::numeric_limits<double>::denorm_min();
  Eigen::MatrixXd a = gram;
  for (int64_t i = 0; i < n; ++i) a(i, i) -= alpha;
  lapack_int info = LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'L', n, a.data(), n);
  return info == 0 ? alpha : -1;
}

}  // namespace mnemo
