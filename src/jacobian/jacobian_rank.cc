// The `rank` computation: numerical rank over draws, prediction, certificates, report.
#include <cblas.h>
#include <lapacke.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "mnemo/error.h"
#include "mnemo/exact_rank.h"
#include "mnemo/float_rank_certificate.h"
#include "mnemo/jacobian_rank.h"
#include "mnemo/table.h"

namespace mnemo {
namespace {

double Seconds(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace


namespace {

NumericalRank RankOf(const TwoLayerActivation& act, const TwoLayerParams& p, const Eigen::MatrixXd& x,
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
  const TwoLayerActivation& act = o.activation;
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
                            ? "odd m: last neuron at w = 0, b = 0 (σ(0) = 0 ≠ σ′(0): it adds d linear features)"
                            : "odd m: last neuron has v = 0 (it drops out)");
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
