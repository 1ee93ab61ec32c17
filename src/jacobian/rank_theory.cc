// The generic-rank predictor and proven upper bounds for the two-layer Jacobian.
#include "mnemo/rank_theory.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "mnemo/error.h"

namespace mnemo {

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

namespace {

using Kind = TwoLayerActivation::Kind;

/// Builds a prediction: `rank` is a formula value (or −1), `bound` a proven bound with reason.
struct Predictor {
  int64_t n;
  RankPrediction pr;

  Predictor(int64_t n_, int64_t columns) : n(n_) {
    pr.upper_bound = std::min(n, columns);
    pr.upper_reason = "the column count";
  }
  /// A proven bound that is also the prediction.
  void Exact(int64_t r, std::string why) {
    Bound(r, why);
    pr.rank = pr.upper_bound;
    pr.branch = std::move(why);
  }
  /// A proven upper bound (kept when smaller than the current one).
  void Bound(int64_t r, std::string why) {
    if (std::min(n, r) < pr.upper_bound) {
      pr.upper_bound = std::max<int64_t>(0, std::min(n, r));
      pr.upper_reason = std::move(why);
    }
  }
  /// A predicted rank that is not itself a proof.
  void Predict(int64_t r, std::string branch) {
    pr.rank = std::min(n, r);
    pr.branch = std::move(branch);
  }
  void Compute(std::string why) {
    pr.rank = -1;
    pr.branch = "compute: " + std::move(why);
  }
};

/// Paired point W = [U, U], b = [β, β], v = [c, −c]: the copies' W- and b-columns cancel and
/// their v-columns coincide.
void PredictPaired(const TwoLayerActivation& act, int64_t m, int64_t d, JacobianWrt wrt,
                   BiasMode bias, Predictor& p) {
  const int64_t h = m / 2;
  const bool all = wrt == JacobianWrt::kAll, odd = m % 2 == 1;
  const bool simple_zero = act.HasSimpleZeroAtOrigin();
  // The odd neuron: at w = 0, b = 0 with v = 1 (σ(0) = 0 ≠ σ′(0)) it adds d W-columns and a
  // b-column; with v = 0 only its v-column σ(0)·1.
  const int64_t odd_extra = !odd          ? 0
                            : simple_zero ? (all ? d + 1 : d)
                                          : (all && act.Value(0) != 0 ? 1 : 0);
  // Within a pair, v-columns add nothing beyond the W- and b-columns for relu-like σ (σ = zσ′),
  // exp (σ′ = σ: b-columns ∝ v-columns) and t^k (Euler).
  const bool tied =
      act.IsPositivelyHomogeneous() || act.kind() == Kind::kExp || act.MonomialDegree() >= 1;
  const int64_t per_pair = all ? (tied ? d + 1 : d + 2) : d;
  if (act.kind() == Kind::kStep) {
    p.Exact(all ? h + odd_extra : 0, all ? "paired step units: equal v-columns, σ′ = 0"
                                         : "step′ = 0 wherever it is defined: J_W = 0");
    return;
  }
  p.Bound(h * per_pair + odd_extra,
          fmt::format("paired columns cancel: at most {}·{}{}", odd ? "⌊m/2⌋" : "(m/2)",
                      all ? (per_pair == d + 1 ? "(d+1)" : "(d+2)") : "d",
                      odd ? " + the odd neuron's" : ""));
  if (act.IsPiecewiseLinear()) {
    p.Predict(p.pr.upper_bound, "the structural bound (a certificate decides whether it is met)");
    return;
  }
  if (act.IsPolynomial()) {
    if (odd || all) return p.Compute("polynomial σ at the paired point");
    RankPrediction sub = PredictRank(act, h, d, p.n, wrt, PointKind::kRandom, bias);
    p.Bound(sub.upper_bound, "rank of J_U for the m/2-neuron network: " + sub.upper_reason);
    if (sub.rank < 0) return p.Compute("polynomial σ at the paired point, " + sub.branch);
    p.Predict(sub.rank, "rank of J_U for the m/2-neuron network, " + sub.branch);
    return;
  }
  if (bias == BiasMode::kZero) return p.Compute("zero bias at the paired point");
  if (!all)
    return p.Predict(h * d + odd_extra,
                     "paired point, analytic σ: min(n, ⌊m/2⌋d (+ d for odd m with σ(0) = 0))");
  if (odd || act.kind() == Kind::kExp)
    return p.Compute("all parameters at a paired point with odd m or exp");
  p.Predict(h * (d + 2), "paired point, all parameters: min(n, (m/2)(d+2))");
}

void PredictPolynomial(const TwoLayerActivation& act, int64_t m, int64_t d, JacobianWrt wrt,
                       BiasMode bias, Predictor& p) {
  const bool all = wrt == JacobianWrt::kAll;
  const int64_t k = act.Degree(), mono = act.MonomialDegree();
  if (k == 0) return p.Exact(all ? 1 : 0, "constant σ: σ′ = 0, the v-columns are constant");
  if (all) p.Bound(Binomial(k + d, d), "f is a polynomial of degree ≤ k in x: C(k+d, d)");
  if (mono >= 1 && all)
    p.Bound(m * (d + 1), "Euler: z·σ′(z) = k·σ(z) ties each v-column to its W- and b-columns");
  if (mono >= 1 && bias == BiasMode::kZero) {
    const int64_t ah = AlexanderHirschowitzRank(d, m, k);
    if (!all)
      return p.Exact(
          ah, fmt::format("t^{}, zero bias: min(n, AH(d,m,k)) = min(n, {}) (Alexander–Hirschowitz)",
                          k, ah));
    return p.Exact(
        ah + std::min(m, Binomial(k + d - 2, d - 1)),
        fmt::format("t^{}, zero bias: min(n, AH + min(m, C(k+d−2, d−1))) (Terracini, Euler)", k));
  }
  if (bias == BiasMode::kZero) return p.Compute("polynomial with several terms and zero bias");
  if (!all)
    p.Bound(Binomial(k + d, d) - 1,
            "W-columns are polynomials of degree ≤ k without constant term");
  if (mono >= 1 && mono != 2) {
    if (!all)
      return p.Predict(std::min(m * d, Binomial(k + d, d) - 1),
                       "t^k, generic bias: min(n, md, C(k+d,d) − 1)");
    return p.Predict(std::min(m * (d + 1), Binomial(k + d, d)),
                     "t^k, generic bias: min(n, m(d+1), C(k+d,d))");
  }
  if (mono == 2) {
    if (all && m <= d)
      return p.Exact(
          std::min(m * (d + 1) - m * (m - 1) / 2, Binomial(d + 2, 2)),
          "t², generic bias: min(n, m(d+1) − m(m−1)/2, C(d+2,2)) for m ≤ d (quadrics of rank ≤ m)");
    return p.Compute(all ? "t², generic bias, m > d"
                         : "t², generic bias (observed md − (m−1)(m−2)/2 for m ≤ 3)");
  }
  if (k >= 3 && !all)
    return p.Predict(std::min(m * d, Binomial(k + d, d) - 1),
                     "polynomial of degree ≥ 3, generic bias: min(n, md, C(k+d,d) − 1)");
  p.Compute("general polynomial");
}

void PredictOther(const TwoLayerActivation& act, int64_t m, int64_t d, JacobianWrt wrt,
                  BiasMode bias, Predictor& p) {
  const bool all = wrt == JacobianWrt::kAll;
  switch (act.kind()) {
    case Kind::kStep:
      return p.Exact(all ? m : 0, all ? "step′ = 0: only the m v-columns step(z) are nonzero"
                                      : "step′ = 0 wherever it is defined: J_W = 0");
    case Kind::kRelu:
    case Kind::kLeakyRelu:
      if (all)
        p.Bound(
            m * (d + 1),
            "positive homogeneity σ(z) = z·σ′(z): v-columns lie in the span of W- and b-columns");
      return p.Predict(p.pr.upper_bound,
                       "the structural bound (a certificate decides whether it is met)");
    case Kind::kHardTanh:
      return p.Predict(p.pr.upper_bound,
                       "the column count (a certificate decides whether it is met)");
    case Kind::kExp:
      if (all) p.Bound(m * (d + 1), "σ′ = σ: each b-column is v_j times the v-column");
      return p.Predict(all ? m * (d + 1) : m * d, all ? "exp-like (σ′ = σ): min(n, m(d+1))"
                                                      : "analytic non-polynomial: min(n, md)");
    default:
      p.Predict(all ? m * (d + 2) : m * d, all ? "analytic non-polynomial: min(n, m(d+2))"
                                               : "analytic non-polynomial: min(n, md)");
      if (bias == BiasMode::kZero) p.pr.branch += " [assumes generic b; zero bias here]";
  }
}

}  // namespace

RankPrediction PredictRank(const TwoLayerActivation& act, int64_t m, int64_t d, int64_t n,
                           JacobianWrt wrt, PointKind point, BiasMode bias) {
  Predictor p(n, JacobianColumns(m, d, 1, wrt));
  if (point == PointKind::kPaired)
    PredictPaired(act, m, d, wrt, bias, p);
  else if (act.IsPolynomial())
    PredictPolynomial(act, m, d, wrt, bias, p);
  else
    PredictOther(act, m, d, wrt, bias, p);
  if (p.pr.rank > p.pr.upper_bound) p.pr.rank = p.pr.upper_bound;
  return p.pr;
}

}  // namespace mnemo
