// Finite-width storage capacity by the RS ground-state formula with exact projections.
#include <algorithm>
#include <cmath>
#include <limits>

#include "mnemo/error.h"
#include "mnemo/gaussian_integrals.h"
#include "mnemo/storage_finite_width.h"
#include "src/internal/sampling.h"

namespace mnemo {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

}  // namespace

namespace {

// min ‖h − t‖² over {Σ_k g(h_k) ≥ c} for the supported activations (exact projections).
struct Projector {
  enum Kind { kSign, kRelu, kAbs, kQuadratic, kLinear } kind;
  double c;  // threshold on Σ g(h_k)
  std::vector<double> buf;

  double Cost(std::vector<double>& t) {
    const int K = int(t.size());
    switch (kind) {
      case kSign: {
        int pos = 0;
        buf.clear();
        for (double v : t) {
          if (v >= 0) {
            ++pos;
          } else {
            buf.push_back(v * v);
          }
        }
        int deficit = (K + 1) / 2 - pos;
        if (deficit <= 0) return 0;
        std::nth_element(buf.begin(), buf.begin() + (deficit - 1), buf.end());
        double s = 0;
        for (int i = 0; i < deficit; ++i) s += buf[i];
        // nth_element leaves the `deficit` smallest in front (in any order).
        return s;
      }
      case kRelu: {
        double have = 0;
        int pos = 0;
        for (double v : t)
          if (v > 0) have += v, ++pos;
        if (have >= c) return 0;
        std::sort(t.begin(), t.end(), std::greater<>());
        // Raise the top m components by a common λ (KKT); all positive ones must be raised.
        double best = kInf, prefix = 0;
        for (int m = 1; m <= K; ++m) {
          prefix += t[m - 1];
          if (m < pos) continue;
          double lambda = (c - prefix) / m;
          if (lambda > 0 && t[m - 1] + lambda > 0) best = std::min(best, m * lambda * lambda);
        }
        return best;
      }
      case kAbs: {
        double have = 0;
        for (double v : t) have += std::fabs(v);
        if (have >= c) return 0;
        double lambda = (c - have) / K;
        return K * lambda * lambda;
      }
      case kQuadratic: {
        double n2 = 0;
        for (double v : t) n2 += v * v;
        if (n2 >= c) return 0;
        double d = std::sqrt(c) - std::sqrt(n2);
        return d * d;
      }
      case kLinear: {
        double s = 0;
        for (double v : t) s += v;
        return s >= c ? 0 : (c - s) * (c - s) / K;
      }
    }
    return 0;
  }
};

}  // namespace

double TreeCommitteeCapacity(const StorageActivation& g, int K, double kappa, int64_t samples,
                             std::mt19937_64& rng, double* stderr_out) {
  if (K < 1) Fail("storage: --K must be ≥ 1, got {}", K);
  Projector proj;
  double sk = std::sqrt(double(K)), sd = std::sqrt(g.variance());
  double c = K * g.mean() + kappa * sd * sk;  // Σ g(h_k) ≥ K·E g + κ·σ·√K
  const std::string& n = g.name();
  if (n == "sign") {
    if (K % 2 == 0) Fail("storage: sign committees need an odd --K (majority vote), got {}", K);
    if (kappa != 0) Fail("storage: a sign committee has no output margin; use --kappa 0");
    proj.kind = Projector::kSign;
  } else if (n == "relu") {
    proj.kind = Projector::kRelu;
  } else if (n == "abs") {
    proj.kind = Projector::kAbs;
  } else if (n == "quadratic") {
    proj.kind = Projector::kQuadratic;
  } else if (n == "linear") {
    proj.kind = Projector::kLinear;
  } else {
    Fail("storage: finite --K for the tree is implemented for sign, relu, abs, quadratic and "
         "linear (exact projections); use --K inf for '{}'",
         n);
  }
  proj.c = c;
  std::vector<double> t(K);
  double sum = 0, sum2 = 0;
  for (int64_t s = 0; s < samples; ++s) {
    for (int k = 0; k < K; ++k) t[k] = internal::StandardNormal(rng);
    double cost = proj.Cost(t);
    sum += cost, sum2 += cost * cost;
  }
  double mean = sum / samples, var = std::max(0.0, sum2 / samples - mean * mean);
  double se = std::sqrt(var / samples);
  if (stderr_out) *stderr_out = se / (mean * mean);  // delta method for 1/mean
  return 1 / mean;
}

double SignCommitteeK3Exact() {
  // cost = (3/8)·E[min(a,b)²] + (1/8)·(3 − E[max(a,b,c)²]) for half-normal a, b, c, with
  // E[X²] = ∫ 2x P(X > x) dx: P(min(a,b) > x) = (2H)², P(max(a,b,c) > x) = 1 − (1 − 2H)³.
  auto integrate = [](auto f) {
    double total = 0;
    for (double a = 0; a < 14; a += 0.5) {
      QuadratureRule rule = GaussLegendreRule(30, a, a + 0.5);
      for (size_t i = 0; i < rule.nodes.size(); ++i) total += rule.weights[i] * f(rule.nodes[i]);
    }
    return total;
  };
  double e_min = integrate([](double x) {
    double h2 = 2 * GaussianTail(x);
    return 2 * x * h2 * h2;
  });
  double e_max = integrate([](double x) {
    double p = 1 - 2 * GaussianTail(x);
    return 2 * x * (1 - p * p * p);
  });
  return 1 / (3.0 / 8 * e_min + 1.0 / 8 * (3 - e_max));
}

}  // namespace mnemo
