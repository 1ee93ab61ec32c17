// Ball-arithmetic rank certificates: an r × r minor of the Jacobian evaluated in Arb, whose
// determinant ball must exclude 0. Floating point (column-pivoted QR) only picks the minor.
#include "mnemo/ball_rank_certificate.h"

#include <arb.h>
#include <arb_hypgeom.h>
#include <arb_mat.h>
#include <lapacke.h>

#include <algorithm>
#include <chrono>
#include <memory>

#include "mnemo/error.h"

namespace mnemo {
namespace {

using Clock = std::chrono::steady_clock;

/// RAII for one arb_t.
struct Ball {
  arb_t x;
  Ball() { arb_init(x); }
  ~Ball() { arb_clear(x); }
  Ball(const Ball&) = delete;
  Ball& operator=(const Ball&) = delete;
};

/// RAII for an arb_mat_t.
struct BallMatrix {
  arb_mat_t a;
  BallMatrix(int64_t rows, int64_t cols) { arb_mat_init(a, rows, cols); }
  ~BallMatrix() { arb_mat_clear(a); }
  BallMatrix(const BallMatrix&) = delete;
  BallMatrix& operator=(const BallMatrix&) = delete;
};

/// The logistic function s = 1/(1 + e^{−z}).
void BallLogistic(arb_t s, const arb_t z, slong prec) {
  arb_neg(s, z);
  arb_exp(s, s, prec);
  arb_add_ui(s, s, 1, prec);
  arb_inv(s, s, prec);
}

/// Φ(z) = ½(1 + erf(z/√2)) and φ(z) = e^{−z²/2}/√(2π).
void BallNormal(arb_t cdf, arb_t pdf, const arb_t z, slong prec) {
  Ball t, c;
  arb_sqrt_ui(c.x, 2, prec);
  arb_div(t.x, z, c.x, prec);
  arb_hypgeom_erf(cdf, t.x, prec);
  arb_add_ui(cdf, cdf, 1, prec);
  arb_mul_2exp_si(cdf, cdf, -1);
  arb_sqr(t.x, z, prec);
  arb_mul_2exp_si(t.x, t.x, -1);
  arb_neg(t.x, t.x);
  arb_exp(pdf, t.x, prec);
  arb_const_pi(c.x, prec);
  arb_mul_2exp_si(c.x, c.x, 1);
  arb_rsqrt(c.x, c.x, prec);
  arb_mul(pdf, pdf, c.x, prec);
}

/// σ(z) and σ′(z) as balls.
void BallActivation(const TwoLayerActivation& act, arb_t value, arb_t deriv, const arb_t z,
                    slong prec) {
  using K = TwoLayerActivation::Kind;
  Ball t, u;
  switch (act.kind()) {
    case K::kTanh:
      arb_tanh(value, z, prec);
      arb_sqr(t.x, value, prec);
      arb_sub_ui(deriv, t.x, 1, prec);
      arb_neg(deriv, deriv);
      return;
    case K::kSigmoid:
      BallLogistic(value, z, prec);
      arb_sub_ui(t.x, value, 1, prec);
      arb_mul(deriv, value, t.x, prec);
      arb_neg(deriv, deriv);
      return;
    case K::kSoftplus:
      arb_exp(t.x, z, prec);
      arb_log1p(value, t.x, prec);
      BallLogistic(deriv, z, prec);
      return;
    case K::kGelu:
      BallNormal(t.x, u.x, z, prec);  // Φ, φ
      arb_mul(value, z, t.x, prec);
      arb_mul(deriv, z, u.x, prec);
      arb_add(deriv, deriv, t.x, prec);
      return;
    case K::kSilu:
      BallLogistic(t.x, z, prec);  // s
      arb_mul(value, z, t.x, prec);
      arb_sub_ui(u.x, t.x, 1, prec);   // s − 1
      arb_mul(u.x, u.x, value, prec);  // z s (s − 1)
      arb_sub(deriv, t.x, u.x, prec);  // s + z s (1 − s)
      return;
    case K::kErf:
      arb_hypgeom_erf(value, z, prec);
      arb_sqr(t.x, z, prec);
      arb_neg(t.x, t.x);
      arb_exp(deriv, t.x, prec);
      arb_const_sqrt_pi(u.x, prec);
      arb_div(deriv, deriv, u.x, prec);
      arb_mul_2exp_si(deriv, deriv, 1);
      return;
    case K::kSin:
      arb_sin_cos(value, deriv, z, prec);
      return;
    case K::kExp:
      arb_exp(value, z, prec);
      arb_set(deriv, value);
      return;
    default:
      MNEMO_CHECK(false, "ball certificates are for transcendental σ, got {}", act.Name());
  }
}

/// The first `count` pivots of a column-pivoted QR of the rows × cols column-major matrix `a`.
std::vector<int64_t> PivotColumns(Eigen::MatrixXd a, int64_t count) {
  const lapack_int rows = lapack_int(a.rows()), cols = lapack_int(a.cols());
  std::vector<lapack_int> jpvt(cols, 0);
  std::vector<double> tau(std::min(rows, cols));
  lapack_int info =
      LAPACKE_dgeqp3(LAPACK_COL_MAJOR, rows, cols, a.data(), rows, jpvt.data(), tau.data());
  MNEMO_CHECK(info == 0, "dgeqp3 failed: info = {}", info);
  std::vector<int64_t> out;
  for (int64_t k = 0; k < count; ++k) out.push_back(jpvt[k] - 1);
  std::sort(out.begin(), out.end());
  return out;
}

/// Fills the minor J[rows, cols] in ball arithmetic at precision `prec`.
void FillMinor(const TwoLayerActivation& act, const TwoLayerParams& p, const Eigen::MatrixXd& x,
               const std::vector<int64_t>& rows, const std::vector<int64_t>& cols, slong prec,
               arb_mat_t minor) {
  const int64_t m = p.m(), d = p.d(), r = int64_t(rows.size());
  std::vector<bool> used(m, false);
  for (int64_t c : cols) used[c < m * d ? c / d : c < m * d + m ? c - m * d : c - m * d - m] = true;
  // σ and v·σ′ per (selected point, used neuron).
  std::vector<std::unique_ptr<Ball>> value(size_t(r) * m), dvalue(size_t(r) * m);
  for (int64_t a = 0; a < r; ++a) {
    const int64_t i = rows[a];
    for (int64_t j = 0; j < m; ++j) {
      if (!used[j]) continue;
      Ball z, t;
      arb_set_d(z.x, p.b(j));
      for (int64_t l = 0; l < d; ++l) {
        arb_set_d(t.x, p.w(l, j));
        Ball xi;
        arb_set_d(xi.x, x(l, i));
        arb_addmul(z.x, t.x, xi.x, prec);
      }
      value[a * m + j] = std::make_unique<Ball>();
      dvalue[a * m + j] = std::make_unique<Ball>();
      BallActivation(act, value[a * m + j]->x, dvalue[a * m + j]->x, z.x, prec);
      arb_set_d(t.x, p.v(j, 0));
      arb_mul(dvalue[a * m + j]->x, dvalue[a * m + j]->x, t.x, prec);
    }
  }
  for (int64_t a = 0; a < r; ++a)
    for (size_t k = 0; k < cols.size(); ++k) {
      const int64_t c = cols[k];
      arb_ptr e = arb_mat_entry(minor, a, k);
      if (c < m * d) {
        Ball xi;
        arb_set_d(xi.x, x(c % d, rows[a]));
        arb_mul(e, dvalue[a * m + c / d]->x, xi.x, prec);
      } else if (c < m * d + m) {
        arb_set(e, dvalue[a * m + (c - m * d)]->x);
      } else {
        arb_set(e, value[a * m + (c - m * d - m)]->x);
      }
    }
}

}  // namespace

BallCertificate CertifyRankBall(const TwoLayerActivation& act, const TwoLayerParams& p,
                                const Eigen::MatrixXd& x, JacobianWrt wrt, int64_t r,
                                long max_precision) {
  MNEMO_CHECK(act.IsTranscendental(), "ball certificates need a transcendental σ");
  MNEMO_CHECK(p.q() == 1);
  const auto t0 = Clock::now();
  BallCertificate cert;
  cert.rank = r;
  const int64_t n = x.cols(), cols = JacobianColumns(p.m(), p.d(), 1, wrt);
  if (r <= 0 || r > std::min(n, cols)) {
    cert.failure = r <= 0 ? "nothing to prove (rank 0)" : "r exceeds the matrix size";
    cert.proven = r <= 0;
    return cert;
  }
  const Eigen::MatrixXd j = JacobianTransposed(act, p, x, wrt).transpose();  // n × N
  cert.cols = PivotColumns(j, r);
  if (r == n) {
    for (int64_t i = 0; i < n; ++i) cert.rows.push_back(i);
  } else {
    Eigen::MatrixXd sub(r, n);  // (J[:, cols])ᵀ
    for (int64_t k = 0; k < r; ++k) sub.row(k) = j.col(cert.cols[k]).transpose();
    cert.rows = PivotColumns(sub, r);
  }
  BallMatrix minor(r, r);
  Ball det;
  for (long prec = 64; prec <= max_precision; prec *= 2) {
    ++cert.attempts;
    cert.precision = prec;
    FillMinor(act, p, x, cert.rows, cert.cols, prec, minor.a);
    arb_mat_det(det.x, minor.a, prec);
    if (!arb_contains_zero(det.x)) {
      cert.proven = true;
      break;
    }
  }
  char* text = arb_get_str(det.x, 6, 0);
  cert.determinant = text;
  flint_free(text);
  if (!cert.proven)
    cert.failure = fmt::format("the determinant ball {} contains 0 at {} bits", cert.determinant,
                               cert.precision);
  cert.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return cert;
}

}  // namespace mnemo
