// The generic-rank predictor and proven upper bounds for the two-layer Jacobian.
#include <cblas.h>
#include <lapacke.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "mnemo/error.h"
#include "mnemo/rank_theory.h"

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

RankPrediction PredictRank(const TwoLayerActivation& act, int64_t m, int64_t d, int64_t n,
                           JacobianWrt wrt, PointKind point, BiasMode bias) {
  RankPrediction pr;
  const bool all = wrt == JacobianWrt::kAll;
  const int64_t cols = JacobianColumns(m, d, 1, wrt);
  pr.upper_bound = std::min(n, cols);
  const TwoLayerActivation::Kind kind = act.kind();
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
    if (odd || kind == TwoLayerActivation::Kind::kExp) return compute("all parameters at a paired point with odd m or exp"), pr;
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
  if (kind == TwoLayerActivation::Kind::kExp) {
    set(all ? m * (d + 1) : m * d, all ? "exp-like (σ′ = σ): min(n, m(d+1)) (§4.5)"
                                       : "analytic non-polynomial: min(n, md) (§4.5)");
    return pr;
  }
  set(all ? m * (d + 2) : m * d, all ? "analytic non-polynomial: min(n, m(d+2)) (§4.5)"
                                     : "analytic non-polynomial: min(n, md) (§4.5)");
  if (bias == BiasMode::kZero) pr.branch += " [table assumes generic b; zero bias]";
  return pr;
}

}  // namespace mnemo
