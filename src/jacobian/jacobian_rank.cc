// The `rank` computation: numerical rank over draws, prediction, certificates, report.
#include "mnemo/jacobian_rank.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "mnemo/ball_rank_certificate.h"
#include "mnemo/error.h"
#include "mnemo/exact_rank.h"
#include "mnemo/float_rank_certificate.h"
#include "mnemo/table.h"
#include "src/internal/wrap.h"

namespace mnemo {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

NumericalRank RankOf(const TwoLayerActivation& act, const TwoLayerParams& p,
                     const Eigen::MatrixXd& x, JacobianWrt wrt, const std::string& route,
                     int64_t cols) {
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
PointModP RandomPointModP(const TwoLayerActivation& act, int64_t m, int64_t d, PointKind point,
                          BiasMode bias, uint32_t p, std::mt19937_64& rng) {
  auto draw = [&] { return uint32_t(rng() % p); };
  auto nonzero = [&] { return uint32_t(1 + rng() % (p - 1)); };
  PointModP q;
  q.w.assign(size_t(m) * d, 0);
  q.b.assign(m, 0);
  q.v.assign(m, 0);
  if (point == PointKind::kRandom) {
    for (auto& w : q.w) w = draw();
    if (bias == BiasMode::kRandom)
      for (auto& b : q.b) b = draw();
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

/// The point and data of the best draw, which the certificates look at.
struct Draw {
  TwoLayerParams p;
  Eigen::MatrixXd x;
};

void CheckOptions(const RankOptions& o, RankReport* rep) {
  if (o.m < 1 || o.d < 1) Fail("--m and --d must be positive");
  if (o.draws < 1) Fail("--draws must be positive");
  if (o.primes < 1) Fail("--primes must be positive");
  rep->n = o.n;
  if (o.data) {
    if (o.data->rows() != o.d) Fail("--data has dimension {}, but --d is {}", o.data->rows(), o.d);
    if (rep->n == 0) rep->n = o.data->cols();
    if (rep->n > o.data->cols())
      Fail("--n {} exceeds the {} points of --data", rep->n, o.data->cols());
  }
  if (rep->n < 1) Fail("--n must be positive");
}

void Describe(const RankOptions& o, RankReport* rep) {
  const TwoLayerActivation& act = o.activation;
  rep->m = o.m;
  rep->d = o.d;
  rep->params = o.m * o.d + 2 * o.m;
  rep->columns = JacobianColumns(o.m, o.d, 1, o.wrt);
  rep->activation = act.Name();
  rep->wrt = ToString(o.wrt);
  rep->point = ToString(o.point);
  rep->bias = ToString(o.bias);
  rep->prediction = PredictRank(act, o.m, o.d, rep->n, o.wrt, o.point, o.bias);
  if (o.point == PointKind::kPaired)
    rep->notes.push_back(
        "paired point: w_j = w_{j+m/2}, b_j = b_{j+m/2}, v_j = −v_{j+m/2} "
        "(non-generic by construction, F = 0 there)");
  if (o.point == PointKind::kPaired && o.m % 2 == 1)
    rep->notes.push_back(act.HasSimpleZeroAtOrigin()
                             ? "odd m: last neuron at w = 0, b = 0 (σ(0) = 0 ≠ σ′(0): it adds d "
                               "linear features)"
                             : "odd m: last neuron has v = 0 (it drops out)");
  if (act.IsPiecewiseLinear())
    rep->notes.push_back(act.Name() +
                         " is piecewise linear: ranks are properties of the sampled "
                         "points (no analytic genericity argument)");
}

/// Draws points, ranks each numerically, keeps the best.
Draw RankDraws(const RankOptions& o, RankReport* rep) {
  std::mt19937_64 rng(o.seed);
  Draw best;
  Eigen::MatrixXd data_prefix;
  if (o.data) data_prefix = o.data->leftCols(rep->n);
  for (int draw = 0; draw < o.draws; ++draw) {
    TwoLayerParams p = RandomPoint(o.activation, o.m, o.d, o.point, o.bias, o.weight_scale, rng);
    Eigen::MatrixXd x = o.data ? data_prefix : GaussianData(o.d, rep->n, rng);
    NumericalRank r = RankOf(o.activation, p, x, o.wrt, o.route, rep->columns);
    rep->draw_ranks.push_back(r.rank);
    if (draw == 0 || r.rank > rep->best.rank) {
      rep->best = r;
      best = {std::move(p), std::move(x)};
    }
  }
  rep->numerical_rank = rep->best.rank;
  return best;
}

/// Polynomial σ: rank mod primes at fresh random points mod p.
RankCertificate CertifyPolynomial(const RankOptions& o, const RankReport& rep) {
  RankCertificate c;
  c.kind = "mod-p";
  c.proof = true;
  std::mt19937_64 crng(o.seed ^ 0x9e3779b97f4a7c15ULL);
  c.primes = RandomPrimes(o.primes, crng);
  const int64_t deg = 2 * std::max(o.activation.Degree(), 1);
  const int64_t target = rep.prediction.rank >= 0 ? rep.prediction.rank : rep.numerical_rank;
  c.failure_bound = 1;
  for (uint32_t p : c.primes) {
    PointModP q = RandomPointModP(o.activation, o.m, o.d, o.point, o.bias, p, crng);
    std::vector<uint32_t> xs(size_t(rep.n) * o.d);
    for (int64_t i = 0; i < rep.n; ++i)
      for (int64_t l = 0; l < o.d; ++l)
        xs[i * o.d + l] = o.data ? DoubleModP((*o.data)(l, i), p) : uint32_t(crng() % p);
    std::vector<double> j =
        JacobianModP(o.activation, xs, o.d, rep.n, q.w, q.b, q.v, o.m, o.wrt, p);
    c.prime_ranks.push_back(RankModP(j, rep.n, rep.columns, p));
    c.rank = std::max(c.rank, c.prime_ranks.back());
    c.failure_bound *= std::min(1.0, double(deg) * double(target) / double(p));
  }
  return c;
}

/// Piecewise-linear σ: the exact rational Jacobian at the best draw, ranked mod primes and, when
/// that stays below the proven upper bound, over ℚ.
RankCertificate CertifyPiecewiseLinear(const RankOptions& o, const RankReport& rep,
                                       const Draw& draw) {
  RankCertificate c;
  c.kind = "exact";
  std::vector<Rational> j;
  if (!ExactJacobian(o.activation, draw.p, draw.x, o.wrt, &j)) {
    c.failure = "a pre-activation sits exactly on a kink of σ (no Jacobian there)";
    return c;
  }
  c.proof = true;
  std::mt19937_64 crng(o.seed ^ 0x9e3779b97f4a7c15ULL);
  for (uint32_t p : RandomPrimes(o.primes, crng)) {
    std::vector<double> residues;
    if (!ReduceModP(j, p, &residues)) continue;  // p divides a denominator: skip it
    c.primes.push_back(p);
    c.prime_ranks.push_back(RankModP(residues, rep.n, rep.columns, p));
    c.rank = std::max(c.rank, c.prime_ranks.back());
  }
  constexpr int64_t kMaxExactEntries = 400'000;
  if (c.rank < rep.prediction.upper_bound && rep.n * rep.columns <= kMaxExactEntries) {
    c.rank_over_q = RankOverQ(j, rep.n, rep.columns);
    c.rank = std::max(c.rank, c.rank_over_q);
  }
  return c;
}

/// Transcendental σ: the float fast path, then (unless only it was asked for) a ball proof.
void CertifyTranscendental(const RankOptions& o, const Draw& draw, RankReport* rep) {
  const auto t0 = Clock::now();
  RankCertificate& f = rep->float_evidence;
  if (rep->best.route == "gram" && rep->best.rank == rep->n) {
    Eigen::MatrixXd k = JacobianGram(o.activation, draw.p, draw.x, o.wrt);
    double alpha = CertifyFullRankGram(o.activation, draw.p, draw.x, o.wrt, k);
    if (alpha > 0) {
      f.kind = "gram-float";
      f.rank = rep->n;
      f.error_bound = alpha;
    }
  }
  if (f.rank < 0) {
    NumericalRank svd = rep->best.route == "svd"
                            ? rep->best
                            : SvdRank(JacobianTransposed(o.activation, draw.p, draw.x, o.wrt));
    FloatCertificate fc = CertifyFloat(o.activation, draw.p, draw.x, o.wrt, svd);
    f.kind = "float";
    f.rank = fc.certified_rank;
    f.error_bound = fc.entry_error + fc.svd_error;
  }
  f.seconds = Seconds(t0);
  if (o.mode == CertificateMode::kFloat) {
    rep->certificate = f;
    return;
  }
  BallCertificate ball =
      CertifyRankBall(o.activation, draw.p, draw.x, o.wrt, rep->numerical_rank, o.max_precision);
  RankCertificate& c = rep->certificate;
  c.kind = "ball";
  c.proof = ball.proven;
  c.rank = ball.proven ? ball.rank : -1;
  c.precision = ball.precision;
  c.determinant = ball.determinant;
  c.failure = ball.failure;
  c.seconds = ball.seconds;
}

/// The verdict line and the consistency checks.
void Conclude(const RankOptions& o, RankReport* rep) {
  const RankCertificate& c = rep->certificate;
  const RankPrediction& pr = rep->prediction;
  const int64_t upper = pr.upper_bound;
  if (c.proof && c.rank > upper) rep->contradiction = true;
  rep->rank_decided = c.proof && c.rank == upper;
  const std::string pred = pr.rank >= 0 ? std::to_string(pr.rank) : "compute";
  if (rep->contradiction)
    rep->verdict = fmt::format("CONTRADICTION: proven rank ≥ {} exceeds the proven upper bound {}",
                               c.rank, upper);
  else if (rep->rank_decided)
    rep->verdict =
        fmt::format("maximum rank = {}: proven (certificate {} meets the upper bound: {})", upper,
                    c.kind, pr.upper_reason);
  else if (c.proof && c.rank >= 0)
    rep->verdict = fmt::format("rank ≥ {} proven ({}); upper bound {} ({}); numerical {}", c.rank,
                               c.kind, upper, pr.upper_reason, rep->numerical_rank);
  else
    rep->verdict = fmt::format("numerical rank {} (max over {} draws, not a proof); predicted {}",
                               rep->numerical_rank, o.draws, pred);
  if (c.kind == "mod-p" && pr.rank >= 0 && c.rank < pr.rank)
    rep->notes.push_back(fmt::format(
        "every prime gave a rank below the prediction {}; if the prediction is right this happens "
        "with probability ≤ {:.3g} (Schwartz–Zippel)",
        pr.rank, c.failure_bound));
  if (c.kind == "exact" && c.rank_over_q >= 0 && c.rank_over_q < upper)
    rep->notes.push_back(
        fmt::format("at this point the exact rank over ℚ is {} (< the upper bound "
                    "{}): the bound is not met here",
                    c.rank_over_q, upper));
  if (!c.failure.empty()) rep->notes.push_back("certificate: " + c.failure);
  if (pr.rank >= 0 && rep->numerical_rank != pr.rank && !rep->contradiction)
    rep->notes.push_back(fmt::format("numerical rank {} differs from the prediction {}{}",
                                     rep->numerical_rank, pr.rank,
                                     rep->best.well_separated ? "" : " (ill-conditioned)"));
}

}  // namespace

RankReport ComputeRank(const RankOptions& o) {
  const auto t0 = Clock::now();
  RankReport rep;
  CheckOptions(o, &rep);
  Describe(o, &rep);
  Draw best = RankDraws(o, &rep);
  if (o.certify) {
    const auto tc = Clock::now();
    if (o.activation.IsPolynomial())
      rep.certificate = CertifyPolynomial(o, rep);
    else if (o.activation.IsPiecewiseLinear())
      rep.certificate = CertifyPiecewiseLinear(o, rep, best);
    else
      CertifyTranscendental(o, best, &rep);
    if (rep.certificate.kind != "ball") rep.certificate.seconds = Seconds(tc);
  }
  Conclude(o, &rep);
  rep.seconds = Seconds(t0);
  return rep;
}

nlohmann::ordered_json RankCertificate::ToJson() const {
  nlohmann::ordered_json c;
  c["kind"] = kind;
  c["proof"] = proof;
  c["rank"] = rank;
  if (kind == "mod-p" || kind == "exact") {
    c["primes"] = primes;
    c["prime_ranks"] = prime_ranks;
  }
  if (kind == "mod-p") c["failure_bound"] = failure_bound;
  if (kind == "exact") c["rank_over_q"] = rank_over_q;
  if (kind == "ball") {
    c["precision_bits"] = precision;
    c["determinant"] = determinant;
  }
  if (kind == "float" || kind == "gram-float") c["error_bound"] = error_bound;
  if (!failure.empty()) c["failure"] = failure;
  c["seconds"] = seconds;
  return c;
}

std::string RankCertificate::Text(bool timing) const {
  std::string s;
  if (kind == "none") return "none";
  if (kind == "mod-p")
    s = fmt::format("rank {} mod primes {}; Schwartz–Zippel failure ≤ {:.3g}",
                    fmt::join(prime_ranks, ","), fmt::join(primes, ","), failure_bound);
  else if (kind == "exact")
    s = fmt::format("exact Jacobian at a rational point: rank {} mod primes {}{}",
                    fmt::join(prime_ranks, ","), fmt::join(primes, ","),
                    rank_over_q >= 0 ? fmt::format(", {} over ℚ", rank_over_q) : "");
  else if (kind == "ball")
    s = proof ? fmt::format("rank ≥ {} proven: {}×{} minor, determinant {} at {} bits", rank, rank,
                            rank, determinant, precision)
              : "no proof: " + failure;
  else if (kind == "gram-float")
    s = fmt::format(
        "rank ≥ {} if libm/LAPACK meet their error constants (Cholesky of JJᵀ − αI, "
        "α = {:.3g}); not a proof",
        rank, error_bound);
  else
    s = fmt::format("rank ≥ {} if libm/LAPACK meet their error constants (σ̂ > {:.3g}); not a proof",
                    rank, error_bound);
  return timing ? fmt::format("{}: {} [{:.3g} s]", kind, s, seconds) : kind + ": " + s;
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
  j["predicted"] = {{"rank", prediction.rank},
                    {"branch", prediction.branch},
                    {"upper_bound", prediction.upper_bound},
                    {"upper_bound_reason", prediction.upper_reason}};
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
  j["certificate"] = certificate.ToJson();
  if (float_evidence.kind != "none") j["float_evidence"] = float_evidence.ToJson();
  j["rank_decided"] = rank_decided;
  j["contradiction"] = contradiction;
  j["verdict"] = verdict;
  j["notes"] = notes;
  j["seconds"] = seconds;
  return j;
}

std::string RankReport::ToText() const {
  std::string out;
  auto field = [&](const std::string& name, const std::string& value) {
    out += internal::Labeled(name + ":", value, 20, 100);
  };
  field("shape", fmt::format("n={} d={} m={} P={} (columns {})", n, d, m, params, columns));
  field("model", fmt::format("σ={} wrt={} point={} bias={}", activation, wrt, point, bias));
  field("predicted", prediction.rank >= 0 ? std::to_string(prediction.rank) : "compute");
  field("formula", prediction.branch);
  field("proven upper bound",
        fmt::format("{} ({})", prediction.upper_bound, prediction.upper_reason));
  field("numerical rank", fmt::format("{} (route {}, draws {})", numerical_rank, best.route,
                                      fmt::join(draw_ranks, ",")));
  field("tolerance τ", FormatNumber(best.tolerance, 3));
  field("σ₁, σ_r, σ_r+1",
        fmt::format("{}, {}, {}", FormatNumber(best.sigma_max, 4), FormatNumber(best.sigma_r, 4),
                    FormatNumber(best.sigma_next, 4)));
  field("certificate", certificate.Text());
  if (float_evidence.kind != "none" && certificate.kind != float_evidence.kind)
    field("float evidence", float_evidence.Text());
  field("verdict", verdict);
  for (const auto& note : notes) field("note", note);
  field("seconds", FormatNumber(seconds, 3));
  return out;
}

}  // namespace mnemo
