// Numerical rank (SVD and Gram routes), float certificates, the generic-rank predictor and the
// `rank` computation (design/jacobian_rank.md §4.6, §6.2, §7).
#include <cblas.h>
#include <lapacke.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "mnemo/error.h"
#include "mnemo/jacobian.h"
#include "mnemo/table.h"

namespace mnemo {
namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();
constexpr double kUnit = kEps / 2;  // unit roundoff
double Gamma(double k) { return k * kUnit / (1 - k * kUnit); }

double Seconds(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Numerical rank

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
      cblas_dtrsv(CblasColMajor, CblasLower, CblasNoTrans, CblasNonUnit, n, l.data(), n, w.data(), 1);
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

// ---------------------------------------------------------------------------------------------
// Float certificates

namespace {

struct EntryErrors {
  double frobenius = 0;  ///< bound on ‖J_computed − J_exact‖_F
};

EntryErrors JacobianEntryError(const SmoothActivation& act, const TwoLayerParams& p,
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

FloatCertificate CertifyFloat(const SmoothActivation& act, const TwoLayerParams& p,
                              const Eigen::MatrixXd& x, JacobianWrt wrt,
                              const NumericalRank& svd) {
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

double CertifyFullRankGram(const SmoothActivation& act, const TwoLayerParams& p,
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

// ---------------------------------------------------------------------------------------------
// Predictor

int64_t Binomial(int64_t n, int64_t k) {
  const int64_t kCap = std::numeric_limits<int64_t>::max() / 4;
  if (k < 0 || n < 0 || k > n) return 0;
  k = std::min(k, n - k);
  __int128 r = 1;
  for (int64_t i = 1; i <= k; ++i) {
    r = r * (n - k + i) / i;
    if (r > kCap) return kCap;
  }
  return int64_t(r);
}

int64_t AlexanderHirschowitzRank(int64_t d, int64_t m, int64_t k) {
  int64_t r = std::min(m * d, Binomial(k + d - 1, d - 1));
  if (k == 2 && m >= 2 && m <= d - 1) return m * d - m * (m - 1) / 2;
  static const int64_t kSporadic[][3] = {{3, 4, 5}, {4, 4, 9}, {5, 3, 7}, {5, 4, 14}};  // (d,k,m)
  for (const auto& s : kSporadic)
    if (s[0] == d && s[1] == k && s[2] == m) return r - 1;
  return r;
}

RankPrediction PredictRank(const SmoothActivation& act, int64_t m, int64_t d, int64_t n,
                           JacobianWrt wrt, PointKind point, BiasMode bias) {
  RankPrediction pr;
  const bool all = wrt == JacobianWrt::kAll;
  const int64_t cols = JacobianColumns(m, d, 1, wrt);
  pr.upper_bound = std::min(n, cols);
  const Activation::Kind kind = act.activation().kind;
  auto set = [&](int64_t r, std::string branch) {
    pr.rank = std::min(n, r);
    pr.upper_bound = std::min(pr.upper_bound, std::max(pr.rank, int64_t(0)));
    pr.branch = std::move(branch);
  };
  auto compute = [&](std::string why) {
    pr.rank = -1;
    pr.branch = "compute: " + why;
  };
  if (!act.IsAnalytic()) {
    compute(fmt::format("{} is not analytic (contrast case, no generic-rank theory)", act.Name()));
    return pr;
  }
  if (point == PointKind::kPaired) {
    const int64_t h = m / 2;
    const bool odd = m % 2 == 1;
    // Structural bound (§5 item 2): the two copies give negated W- and b-columns and equal
    // v-columns, so rank ≤ h·d (+ the odd neuron's d) resp. h(d+2) (+ its d + 2).
    const int64_t odd_extra = odd ? (act.HasSimpleZeroAtOrigin() ? (all ? d + 2 : d) : (all ? 1 : 0)) : 0;
    pr.upper_bound = std::min(n, (all ? h * (d + 2) : h * d) + odd_extra);
    if (act.IsPolynomial()) {
      if (odd || all) return compute("polynomial σ at the paired point"), pr;
      RankPrediction sub = PredictRank(act, h, d, n, wrt, PointKind::kRandom, bias);
      if (sub.rank < 0) return compute("polynomial σ at the paired point, " + sub.branch), pr;
      set(sub.rank, "paired point: rank J_U of the m/2-neuron net (§5 item 2), " + sub.branch);
      return pr;
    }
    if (bias == BiasMode::kZero) return compute("zero bias at the paired point"), pr;
    if (!all) {
      if (!odd) set(h * d, "paired point, analytic σ: min(n, (m/2)d) (§5 item 2)");
      else if (act.HasSimpleZeroAtOrigin())
        set((h + 1) * d, "paired point, odd m, σ(0)=0≠σ′(0): min(n, ((m+1)/2)d) (§5 item 6b)");
      else set(h * d, "paired point, odd m, option (a) v=0: min(n, ⌊m/2⌋d) (§5 item 6a)");
      return pr;
    }
    if (odd || kind == Activation::kExp) return compute("all parameters at a paired point with odd m or exp"), pr;
    set(h * (d + 2), "paired point, all parameters: min(n, (m/2)(d+2)) (§5 item 7)");
    return pr;
  }
  if (act.IsPolynomial()) {
    const int64_t k = act.Degree(), mono = act.MonomialDegree();
    if (k == 0) {
      set(all ? 1 : 0, "constant σ: σ′ = 0, the v-columns are constant");
      return pr;
    }
    if (mono >= 1 && bias == BiasMode::kZero) {
      const int64_t ah = AlexanderHirschowitzRank(d, m, k);
      if (!all) set(ah, fmt::format("t^{}, zero bias: min(n, AH(d,m,k)) = min(n, {}) (§4.2)", k, ah));
      else set(ah + std::min(m, Binomial(k + d - 2, d - 1)),
               fmt::format("t^{}, zero bias: min(n, AH + min(m, C(k+d−2, d−1))) (§4.7)", k));
      return pr;
    }
    if (bias == BiasMode::kZero) return compute("polynomial with several terms and zero bias (§4.4)"), pr;
    if (mono >= 1 && mono != 2) {
      if (!all) set(std::min(m * d, Binomial(k + d, d) - 1),
                    "t^k, generic bias: min(n, md, C(k+d,d) − 1) (§4.3)");
      else set(std::min(m * (d + 1), Binomial(k + d, d)),
               "t^k, generic bias: min(n, m(d+1), C(k+d,d)) (§4.7)");
      return pr;
    }
    if (mono == 2) {
      if (all && m <= d) {
        set(std::min(m * (d + 1) - m * (m - 1) / 2, Binomial(d + 2, 2)),
            "t², generic bias: min(n, m(d+1) − m(m−1)/2, C(d+2,2)) for m ≤ d (§4.7)");
        return pr;
      }
      return compute(all ? "t², generic bias, m > d" :
                     "t², generic bias (observed md − (m−1)(m−2)/2, tested m ≤ 3; §4.3)"), pr;
    }
    if (k >= 3 && !all) {
      set(std::min(m * d, Binomial(k + d, d) - 1),
          "polynomial of degree ≥ 3, generic bias: min(n, md, C(k+d,d) − 1) (§4.3, §4.6)");
      return pr;
    }
    return compute("general polynomial (§4.6)"), pr;
  }
  if (kind == Activation::kExp) {
    set(all ? m * (d + 1) : m * d, all ? "exp-like (σ′ = σ): min(n, m(d+1)) (§4.5)"
                                       : "analytic non-polynomial: min(n, md) (§4.5)");
    return pr;
  }
  set(all ? m * (d + 2) : m * d, all ? "analytic non-polynomial: min(n, m(d+2)) (§4.5)"
                                     : "analytic non-polynomial: min(n, md) (§4.5)");
  if (bias == BiasMode::kZero) pr.branch += " [table assumes generic b; zero bias]";
  return pr;
}

// ---------------------------------------------------------------------------------------------
// The rank computation

namespace {

NumericalRank RankOf(const SmoothActivation& act, const TwoLayerParams& p, const Eigen::MatrixXd& x,
                     JacobianWrt wrt, const std::string& route, int64_t cols) {
  const int64_t n = x.cols();
  const bool gram = route == "gram" || (route == "auto" && 2 * n <= cols);
  if (gram) {
    NumericalRank r = GramRank(JacobianGram(act, p, x, wrt));
    if (route == "gram" || (r.rank == n && r.well_separated)) return r;
  }
  return SvdRank(JacobianTransposed(act, p, x, wrt));
}

/// Residues of a random point mod p with the structure of RandomPoint.
struct PointModP {
  std::vector<uint32_t> w, b, v;
};
PointModP RandomPointModP(const SmoothActivation& act, int64_t m, int64_t d, PointKind point,
                          BiasMode bias, uint32_t p, std::mt19937_64& rng) {
  auto draw = [&] { return uint32_t(rng() % p); };
  auto nonzero = [&] { return uint32_t(1 + rng() % (p - 1)); };
  PointModP q;
  q.w.assign(size_t(m) * d, 0);
  q.b.assign(m, 0);
  q.v.assign(m, 0);
  if (point == PointKind::kRandom) {
    for (auto& w : q.w) w = draw();
    if (bias == BiasMode::kRandom) for (auto& b : q.b) b = draw();
    for (auto& v : q.v) v = nonzero();
    return q;
  }
  const int64_t h = m / 2;
  for (int64_t j = 0; j < h; ++j) {
    for (int64_t l = 0; l < d; ++l) q.w[j * d + l] = q.w[(j + h) * d + l] = draw();
    if (bias == BiasMode::kRandom) q.b[j] = q.b[j + h] = draw();
    q.v[j] = nonzero();
    q.v[j + h] = p - q.v[j];
  }
  if (m % 2 == 1) q.v[m - 1] = act.HasSimpleZeroAtOrigin() ? nonzero() : 0;
  return q;
}

}  // namespace

RankReport ComputeRank(const RankOptions& o) {
  auto t0 = std::chrono::steady_clock::now();
  const SmoothActivation& act = o.activation;
  if (o.m < 1 || o.d < 1) Fail("--m and --d must be positive");
  if (o.draws < 1) Fail("draws must be positive");
  RankReport rep;
  rep.m = o.m;
  rep.d = o.d;
  rep.n = o.n;
  if (o.data) {
    if (o.data->rows() != o.d) Fail("--data has dimension {}, but --d is {}", o.data->rows(), o.d);
    if (rep.n == 0) rep.n = o.data->cols();
    if (rep.n > o.data->cols()) Fail("--n {} exceeds the {} points of --data", rep.n, o.data->cols());
  }
  if (rep.n < 1) Fail("--n must be positive");
  rep.params = o.m * o.d + 2 * o.m;
  rep.columns = JacobianColumns(o.m, o.d, 1, o.wrt);
  rep.activation = act.Name();
  rep.wrt = ToString(o.wrt);
  rep.point = ToString(o.point);
  rep.bias = ToString(o.bias);
  rep.prediction = PredictRank(act, o.m, o.d, rep.n, o.wrt, o.point, o.bias);
  if (o.point == PointKind::kPaired)
    rep.notes.push_back("paired point: w_j = w_{j+m/2}, b_j = b_{j+m/2}, v_j = −v_{j+m/2} "
                        "(non-generic by construction, F = 0 there)");
  if (o.point == PointKind::kPaired && o.m % 2 == 1)
    rep.notes.push_back(act.HasSimpleZeroAtOrigin()
                            ? "odd m: last neuron at w = 0, b = 0 (σ(0) = 0 ≠ σ′(0), §5 item 6b)"
                            : "odd m: last neuron has v = 0 (§5 item 6a)");
  if (!act.IsAnalytic())
    rep.notes.push_back(act.Name() + " is not analytic: ranks hold at the sampled points only");

  std::mt19937_64 rng(o.seed);
  Eigen::MatrixXd x_best;
  TwoLayerParams p_best;
  Eigen::MatrixXd data_prefix;
  if (o.data) data_prefix = o.data->leftCols(rep.n);
  for (int draw = 0; draw < o.draws; ++draw) {
    TwoLayerParams p = RandomPoint(act, o.m, o.d, o.point, o.bias, o.weight_scale, rng);
    Eigen::MatrixXd x = o.data ? data_prefix : GaussianData(o.d, rep.n, rng);
    NumericalRank r = RankOf(act, p, x, o.wrt, o.route, rep.columns);
    rep.draw_ranks.push_back(r.rank);
    if (draw == 0 || r.rank > rep.best.rank) {
      rep.best = r;
      p_best = p;
      x_best = x;
    }
  }
  rep.numerical_rank = rep.best.rank;

  const auto t_cert = std::chrono::steady_clock::now();
  if (o.certify) {
    if (act.IsPolynomial()) {
      rep.certificate = "mod-p";
      std::mt19937_64 crng(o.seed ^ 0x9e3779b97f4a7c15ULL);
      rep.primes = RandomPrimes(o.primes, crng);
      const int64_t deg = 2 * std::max(act.Degree(), 1);
      const int64_t target = rep.prediction.rank >= 0 ? rep.prediction.rank : rep.best.rank;
      rep.failure_bound = 1;
      for (uint32_t p : rep.primes) {
        PointModP q = RandomPointModP(act, o.m, o.d, o.point, o.bias, p, crng);
        std::vector<uint32_t> xs(size_t(rep.n) * o.d);
        for (int64_t i = 0; i < rep.n; ++i)
          for (int64_t l = 0; l < o.d; ++l)
            xs[i * o.d + l] = o.data ? DoubleModP(data_prefix(l, i), p) : uint32_t(crng() % p);
        std::vector<double> j = JacobianModP(act, xs, o.d, rep.n, q.w, q.b, q.v, o.m, o.wrt, p);
        int64_t r = RankModP(j, rep.n, rep.columns, p);
        rep.prime_ranks.push_back(r);
        rep.certified_rank = std::max(rep.certified_rank, r);
        rep.failure_bound *= std::min(1.0, double(deg) * double(target) / double(p));
      }
      if (rep.prediction.rank >= 0 && rep.certified_rank < rep.prediction.rank)
        rep.notes.push_back(fmt::format(
            "every prime gave a rank below the prediction; by Schwartz–Zippel this happens with "
            "probability ≤ {:.3g} if the prediction is right", rep.failure_bound));
    } else if (act.IsAnalytic()) {
      if (rep.best.route == "gram" && rep.best.rank == rep.n) {
        Eigen::MatrixXd k = JacobianGram(act, p_best, x_best, o.wrt);
        double alpha = CertifyFullRankGram(act, p_best, x_best, o.wrt, k);
        if (alpha > 0) {
          rep.certificate = "gram-cholesky";
          rep.certified_rank = rep.n;
          rep.cert_error = alpha;
        }
      }
      if (rep.certified_rank < 0) {
        NumericalRank svd = rep.best.route == "svd"
                                ? rep.best
                                : SvdRank(JacobianTransposed(act, p_best, x_best, o.wrt));
        FloatCertificate fc = CertifyFloat(act, p_best, x_best, o.wrt, svd);
        rep.certificate = "float";
        rep.certified_rank = fc.certified_rank;
        rep.cert_error = fc.entry_error + fc.svd_error;
      }
    } else {
      rep.notes.push_back("no certificate for non-analytic activations");
    }
  }
  rep.certificate_seconds = o.certify ? Seconds(t_cert) : 0.0;
  const int64_t pred = rep.prediction.rank;
  if (rep.certified_rank >= 0 && pred >= 0) {
    if (rep.certified_rank > pred) rep.contradiction = true;
    if (rep.certificate == "mod-p" && rep.certified_rank < pred) rep.contradiction = true;
  }
  if (rep.certified_rank > rep.prediction.upper_bound) rep.contradiction = true;
  if (rep.contradiction)
    rep.verdict = fmt::format("CONTRADICTION: certified rank {} vs predicted {}", rep.certified_rank, pred);
  else if (rep.certified_rank >= 0 && rep.certified_rank == pred)
    rep.verdict = fmt::format("generic rank = {} (certified ≥ {}, predicted {})", pred, rep.certified_rank, pred);
  else if (rep.certified_rank >= 0)
    rep.verdict = fmt::format("generic rank ≥ {} (certified); numerical {}; predicted {}",
                              rep.certified_rank, rep.numerical_rank, pred >= 0 ? std::to_string(pred) : "compute");
  else
    rep.verdict = fmt::format("numerical rank {} (max over {} draws); predicted {}", rep.numerical_rank,
                              o.draws, pred >= 0 ? std::to_string(pred) : "compute");
  if (pred >= 0 && rep.numerical_rank != pred && !rep.contradiction)
    rep.notes.push_back(fmt::format("numerical rank {} differs from the prediction {}{}", rep.numerical_rank,
                                    pred, rep.best.well_separated ? "" : " (ill-conditioned: certify)"));
  rep.seconds = Seconds(t0);
  return rep;
}

nlohmann::ordered_json RankReport::ToJson() const {
  nlohmann::ordered_json j;
  j["n"] = n;
  j["d"] = d;
  j["m"] = m;
  j["params"] = params;
  j["columns"] = columns;
  j["activation"] = activation;
  j["wrt"] = wrt;
  j["point"] = point;
  j["bias"] = bias;
  j["predicted"] = {{"rank", prediction.rank}, {"upper_bound", prediction.upper_bound},
                    {"branch", prediction.branch}};
  j["numerical"] = {{"rank", numerical_rank},
                    {"tolerance", best.tolerance},
                    {"sigma_1", best.sigma_max},
                    {"sigma_r", best.sigma_r},
                    {"sigma_r_plus_1", best.sigma_next},
                    {"gap", best.sigma_next > 0 ? best.sigma_r / best.sigma_next : 0.0},
                    {"sigma_min", best.sigma_min},
                    {"well_separated", best.well_separated},
                    {"route", best.route},
                    {"draws", draw_ranks}};
  nlohmann::ordered_json c;
  c["kind"] = certificate;
  c["rank"] = certified_rank;
  if (certificate == "mod-p") {
    c["primes"] = primes;
    c["prime_ranks"] = prime_ranks;
    c["failure_bound"] = failure_bound;
  } else if (certificate != "none") {
    c["error_bound"] = cert_error;
  }
  c["seconds"] = certificate_seconds;
  j["certificate"] = c;
  j["contradiction"] = contradiction;
  j["verdict"] = verdict;
  j["notes"] = notes;
  j["seconds"] = seconds;
  return j;
}

std::string RankReport::ToText() const {
  Table t({"field", "value"});
  t.AddRow({"shape", fmt::format("n={} d={} m={} P={} (columns {})", n, d, m, params, columns)});
  t.AddRow({"model", fmt::format("σ={} wrt={} point={} bias={}", activation, wrt, point, bias)});
  t.AddRow({"predicted", prediction.rank >= 0 ? std::to_string(prediction.rank) : "compute"});
  t.AddRow({"branch", prediction.branch});
  t.AddRow({"numerical rank", fmt::format("{} (route {}, draws {})", numerical_rank, best.route,
                                          fmt::join(draw_ranks, ","))});
  t.AddRow({"tolerance τ", FormatNumber(best.tolerance, 3)});
  t.AddRow({"σ₁, σ_r, σ_r+1", fmt::format("{}, {}, {}", FormatNumber(best.sigma_max, 4),
                                          FormatNumber(best.sigma_r, 4), FormatNumber(best.sigma_next, 4))});
  t.AddRow({"gap σ_r/σ_r+1", best.sigma_next > 0 ? FormatNumber(best.sigma_r / best.sigma_next, 3) : "∞"});
  std::string cert = certificate;
  if (certificate == "mod-p")
    cert += fmt::format(": ranks {} mod primes {}; Schwartz–Zippel failure ≤ {:.3g}",
                        fmt::join(prime_ranks, ","), fmt::join(primes, ","), failure_bound);
  else if (certificate == "gram-cholesky")
    cert += fmt::format(": rank ≥ {} (Cholesky of JJᵀ − αI succeeded, α = {:.3g})", certified_rank, cert_error);
  else if (certificate != "none")
    cert += fmt::format(": rank ≥ {} (σ̂ > error bound {:.3g})", certified_rank, cert_error);
  if (certificate != "none") cert += fmt::format(" [{:.3g} s]", certificate_seconds);
  t.AddRow({"certificate", cert});
  t.AddRow({"verdict", verdict});
  for (const auto& note : notes) t.AddRow({"note", note});
  t.AddRow({"seconds", FormatNumber(seconds, 3)});
  return t.ToText();
}

}  // namespace mnemo
