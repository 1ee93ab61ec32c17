// Finite-width storage capacity by the RS ground-state formula with exact projections: the tree
// committee and the fully connected committee with its variational correlation C, collapse
// shape ρ and output bias b.
#include "mnemo/storage_finite_width.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <vector>

#include "mnemo/error.h"
#include "mnemo/gaussian_integrals.h"
#include "mnemo/random.h"

namespace mnemo {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

/// The quadratic form B = bs·I + beta·11ᵀ (bu = bs + K·beta is its eigenvalue on 1).
struct Metric {
  double bs = 1, beta = 0;
  int K = 1;
  double bu() const { return bs + K * beta; }
  /// nᵀB⁻¹n for n with ‖n‖² = norm2 and Σn = sum.
  double InverseForm(double norm2, double sum) const {
    return norm2 / bs + (1 / bu() - 1 / bs) * sum * sum / K;
  }
  /// δᵀBδ.
  double Cost(const std::vector<double>& delta) const {
    double n2 = 0, s = 0;
    for (double v : delta) n2 += v * v, s += v;
    return bs * n2 + beta * s * s;
  }
};

enum class Unit { kStep, kRelu, kAbs, kQuadratic, kIdentity };

/// y = +1, relu: {Σ relu(h) ≥ c} is the union over A of the half-spaces {Σ_A h ≥ c}; for |A| = a
/// the best A holds the a largest t. `t` is sorted in decreasing order.
double ReluAbove(const std::vector<double>& t, double c, const Metric& m) {
  double have = 0;
  for (double v : t) have += std::max(v, 0.0);
  if (have >= c) return 0;
  double best = kInf, top = 0;
  for (int a = 1; a <= int(t.size()); ++a) {
    top += t[a - 1];
    const double gap = c - top;
    best = std::min(best, gap * gap / m.InverseForm(a, a));
  }
  return best;
}

/// y = −1, relu: the convex set {Σ relu(h) ≤ r}. KKT: h_k = prox_{λ·relu}(t_k + τ), where
/// u = τ − λ solves Σ relu(t_k + u) = r and τ = (β/b_u)·Σ clamp(t_k + τ, 0, λ) (a monotone,
/// piecewise-linear equation). `t` is sorted in decreasing order.
double ReluBelow(const std::vector<double>& t, double r, const Metric& m,
                 std::vector<double>& delta) {
  const int K = int(t.size());
  double have = 0;
  for (double v : t) have += std::max(v, 0.0);
  if (have <= r) return 0;
  if (r < 0) return kInf;
  double u = -t[0], top = 0;  // r = 0: every field at most 0
  int n_top = 0;
  for (int a = 1; a <= K && r > 0; ++a) {
    top += t[a - 1];
    const double cand = (r - top) / a;
    if (t[a - 1] + cand > 0 && (a == K || t[a] + cand <= 0)) {
      u = cand;
      break;
    }
  }
  while (n_top < K && t[n_top] + u > 0) ++n_top;
  double tau = 0;
  if (m.beta != 0) {
    const double coef = m.beta / m.bu();
    double sum_active = 0;
    int n_act = 0;
    for (int k = n_top; k <= K; ++k) {  // segment with t[n_top..k−1] active
      const double root = (coef * sum_active - coef * n_top * u) / (1 - coef * (n_top + n_act));
      if (k == K || root <= -t[k]) {
        tau = root;
        break;
      }
      sum_active += t[k], ++n_act;
    }
  }
  const double lambda = tau - u;
  delta.resize(K);
  for (int k = 0; k < K; ++k) {
    const double x = t[k] + tau;
    const double h = x > lambda ? x - lambda : x > 0 ? 0 : x;
    delta[k] = h - t[k];
  }
  return m.Cost(delta);
}

/// y = +1, step: at least `need` fields ≥ 0; the best set is the `need` largest t, and the QP
/// min δᵀBδ, δ_k ≥ −t_k on it has δ_k = max(τ, −t_k) there, τ elsewhere, with τ solving a
/// monotone piecewise-linear equation. `t` is sorted in decreasing order.
double StepAbove(const std::vector<double>& t, int need, const Metric& m,
                 std::vector<double>& delta) {
  const int K = int(t.size());
  if (need <= 0 || t[need - 1] >= 0) return 0;
  double tau = 0;
  if (m.beta != 0) {
    // φ(τ) = τ(1 + c(K − need + f)) − c·Σ_{bound} t_k, f = #A with τ ≥ −t_k (breakpoints −t_k
    // ascending: k = 0, 1, ... of the sorted t).
    const double coef = m.beta / m.bs;
    double bound_sum = 0;
    for (int k = 0; k < need; ++k) bound_sum += t[k];
    for (int f = 0; f <= need; ++f) {
      const double root = coef * bound_sum / (1 + coef * (K - need + f));
      const bool below_next = f == need || root <= -t[f];
      const bool above_prev = f == 0 || root >= -t[f - 1];
      if (below_next && above_prev) {
        tau = root;
        break;
      }
      if (f < need) bound_sum -= t[f];
    }
  }
  delta.assign(K, tau);
  for (int k = 0; k < need; ++k) delta[k] = std::max(tau, -t[k]);
  return m.Cost(delta);
}

/// Isotropic projections for the tree: abs and quadratic, both signs of y.
double AbsAbove(const std::vector<double>& t, double c) {
  double have = 0;
  for (double v : t) have += std::fabs(v);
  return have >= c ? 0 : (c - have) * (c - have) / double(t.size());
}
double AbsBelow(const std::vector<double>& t, double r) {
  std::vector<double> a(t.size());
  double have = 0;
  for (size_t k = 0; k < t.size(); ++k) a[k] = std::fabs(t[k]), have += a[k];
  if (have <= r) return 0;
  if (r < 0) return kInf;
  std::sort(a.begin(), a.end(), std::greater<>());
  double top = 0, lambda = a[0];
  for (size_t j = 1; j <= a.size(); ++j) {  // soft threshold: Σ max(a_k − λ, 0) = r
    top += a[j - 1];
    const double cand = (top - r) / double(j);
    if (cand <= a[j - 1] && (j == a.size() || cand >= a[j])) {
      lambda = cand;
      break;
    }
  }
  double cost = 0;
  for (double v : a) cost += std::min(v, lambda) * std::min(v, lambda);
  return cost;
}
double QuadraticAbove(const std::vector<double>& t, double c) {
  double n2 = 0;
  for (double v : t) n2 += v * v;
  if (n2 >= c) return 0;
  const double d = std::sqrt(c) - std::sqrt(n2);
  return d * d;
}
double QuadraticBelow(const std::vector<double>& t, double r) {
  double n2 = 0;
  for (double v : t) n2 += v * v;
  if (n2 <= r) return 0;
  if (r < 0) return kInf;
  const double d = std::sqrt(n2) - std::sqrt(r);
  return d * d;
}

/// The storing sets of one activation: y = +1 needs Σ g(h_k) ≥ c_plus, y = −1 needs
/// Σ g(h_k) ≤ r_minus.
struct Storing {
  Unit unit = Unit::kRelu;
  int K = 1;
  double mean = 0, sd = 1;
  bool odd = false;  ///< g − E g is odd: y = −1 costs the same as y = +1 in distribution

  double CPlus(double kappa, double b) const { return K * mean + sd * std::sqrt(K) * (kappa - b); }
  double RMinus(double kappa, double b) const { return K * mean - sd * std::sqrt(K) * (kappa + b); }

  /// E over y of the cost for one sample t (sorted decreasingly).
  double Cost(const std::vector<double>& t, double c_plus, double r_minus, const Metric& m,
              std::vector<double>& delta) const {
    switch (unit) {
      case Unit::kStep: {
        const int need = int(std::ceil(c_plus - 1e-9));  // count of fields ≥ 0
        return StepAbove(t, need, m, delta);
      }
      case Unit::kIdentity: {
        double s = 0;
        for (double v : t) s += v;
        const double up = std::max(c_plus - s, 0.0), down = std::max(s - r_minus, 0.0);
        return 0.5 * (up * up + down * down) * m.bu() / K;
      }
      case Unit::kRelu:
        return 0.5 * (ReluAbove(t, c_plus, m) + ReluBelow(t, r_minus, m, delta));
      case Unit::kAbs:
        return 0.5 * (AbsAbove(t, c_plus) + AbsBelow(t, r_minus));
      case Unit::kQuadratic:
        return 0.5 * (QuadraticAbove(t, c_plus) + QuadraticBelow(t, r_minus));
    }
    return kInf;
  }
};

Storing MakeStoring(const StorageActivation& g, int K, double kappa, bool fully_connected) {
  Storing s;
  s.K = K;
  s.mean = g.mean();
  s.sd = std::sqrt(g.variance());
  const std::string& n = g.name();
  const std::string where = fully_connected ? "fully connected net" : "tree";
  if (n == "step") {
    if (K % 2 == 0) Fail("storage: step committees need an odd --m (majority vote), got {}", K);
    if (kappa != 0) Fail("storage: a step committee has no output margin; use --kappa 0");
    s.unit = Unit::kStep, s.odd = true;
  } else if (n == "relu") {
    s.unit = Unit::kRelu;
  } else if (n == "identity") {
    s.unit = Unit::kIdentity, s.odd = true;
  } else if (n == "abs" && !fully_connected) {
    s.unit = Unit::kAbs;
  } else if (n == "quadratic" && !fully_connected) {
    s.unit = Unit::kQuadratic;
  } else {
    Fail(
        "storage: finite --m for the {} is implemented for {} (exact projections); use --m inf "
        "for '{}'",
        where,
        fully_connected ? "step, relu and identity" : "step, relu, abs, quadratic and identity", n);
  }
  return s;
}

/// Sorted-decreasing field samples t = √λs·(z − z̄1) + √λu·z̄1 for the correlation C.
void Fields(const std::vector<double>& z, int K, double C, std::vector<double>& t) {
  const double ls = 1 - C, lu = 1 + (K - 1) * C;
  const size_t n = z.size() / K;
  t.resize(z.size());
  for (size_t i = 0; i < n; ++i) {
    const double* zi = z.data() + i * K;
    double mean = 0;
    for (int k = 0; k < K; ++k) mean += zi[k];
    mean /= K;
    double* ti = t.data() + i * K;
    for (int k = 0; k < K; ++k)
      ti[k] = std::sqrt(ls) * (zi[k] - mean) + std::sqrt(std::max(lu, 0.0)) * mean;
    std::sort(ti, ti + K, std::greater<>());
  }
}

/// Mean and standard error of the per-sample costs.
struct CostMean {
  double mean = 0, stderr = 0;
};
CostMean MeanCost(const Storing& s, const std::vector<double>& t, double c_plus, double r_minus,
                  const Metric& m) {
  const int64_t n = int64_t(t.size()) / s.K;
  double sum = 0, sum2 = 0;
  std::vector<double> sample(s.K), delta;
  for (int64_t i = 0; i < n; ++i) {
    std::copy(t.begin() + i * s.K, t.begin() + (i + 1) * s.K, sample.begin());
    const double c = s.Cost(sample, c_plus, r_minus, m, delta);
    sum += c, sum2 += c * c;
  }
  if (!std::isfinite(sum)) return {kInf, 0};
  const double mean = sum / n;
  return {mean, std::sqrt(std::max(0.0, sum2 / n - mean * mean) / n)};
}

std::vector<double> Normals(int64_t count, std::mt19937_64& rng) {
  std::vector<double> z(count);
  Gaussian normal;
  for (double& v : z) v = normal(rng);
  return z;
}

CostMean StreamCost(const Storing& s, double C, double c_plus, double r_minus, const Metric& m,
                    int64_t samples, std::mt19937_64& rng);

}  // namespace

double TreeCommitteeCapacity(const StorageActivation& g, int K, double kappa, int64_t samples,
                             std::mt19937_64& rng, double* stderr_out) {
  if (K < 1) Fail("storage: --m must be ≥ 1, got {}", K);
  const Storing s = MakeStoring(g, K, kappa, false);
  const Metric iso{1, 0, K};
  const CostMean e = StreamCost(s, 0.0, s.CPlus(kappa, 0), s.RMinus(kappa, 0), iso, samples, rng);
  if (stderr_out) *stderr_out = e.stderr / (e.mean * e.mean);  // delta method for 1/mean
  return 1 / e.mean;
}

namespace {

/// The cost mean over `samples` fresh draws, generated in chunks.
CostMean StreamCost(const Storing& s, double C, double c_plus, double r_minus, const Metric& m,
                    int64_t samples, std::mt19937_64& rng) {
  constexpr int64_t kChunk = 1 << 15;
  double sum = 0, sum2 = 0;
  std::vector<double> t;
  for (int64_t done = 0; done < samples; done += kChunk) {
    const int64_t n = std::min(kChunk, samples - done);
    Fields(Normals(n * s.K, rng), s.K, C, t);
    const CostMean e = MeanCost(s, t, c_plus, r_minus, m);
    if (!std::isfinite(e.mean)) return {kInf, 0};
    sum += e.mean * n;
    sum2 += (e.stderr * e.stderr * n + e.mean * e.mean) * n;  // Σ c² of the chunk
  }
  const double mean = sum / samples;
  return {mean, std::sqrt(std::max(0.0, sum2 / samples - mean * mean) / samples)};
}

/// Golden-section search for the maximum (sign = 1) or minimum (sign = −1) of f on [lo, hi].
double Golden(const std::function<double(double)>& f, double lo, double hi, int iterations,
              double sign, double* best_x) {
  const double r = (std::sqrt(5.0) - 1) / 2;
  double x1 = hi - r * (hi - lo), x2 = lo + r * (hi - lo);
  double f1 = sign * f(x1), f2 = sign * f(x2);
  for (int it = 0; it < iterations; ++it) {
    if (f1 > f2) {
      hi = x2, x2 = x1, f2 = f1, x1 = hi - r * (hi - lo), f1 = sign * f(x1);
    } else {
      lo = x1, x1 = x2, f1 = f2, x2 = lo + r * (hi - lo), f2 = sign * f(x2);
    }
  }
  *best_x = f1 > f2 ? x1 : x2;
  return sign * std::max(f1, f2);
}

Metric FcMetric(int K, double C, double rho) {
  Metric m;
  m.K = K;
  m.bs = 1 / (1 - C);
  const double bu = rho / (1 + (K - 1) * C);
  m.beta = (bu - m.bs) / K;
  return m;
}

}  // namespace

FullyConnectedCapacity FullyConnectedCommitteeCapacity(const StorageActivation& g, int K,
                                                       double kappa, int64_t samples,
                                                       int64_t search_samples, uint64_t seed) {
  if (K < 1) Fail("storage: --m must be ≥ 1, got {}", K);
  const Storing s = MakeStoring(g, K, kappa, true);
  std::mt19937_64 rng(seed);
  const std::vector<double> z = Normals(search_samples * K, rng);
  std::vector<double> t;
  // α(C, b, ρ) on the common search samples (fields computed once per C).
  auto alpha = [&](double C, double b, double rho) {
    const CostMean e = MeanCost(s, t, s.CPlus(kappa, b), s.RMinus(kappa, b), FcMetric(K, C, rho));
    return (K - 1 + rho) / (K * e.mean);
  };
  auto inf_rho = [&](double C, double b, double* rho) {
    if (K == 1) return *rho = 1, alpha(C, b, 1);
    double log_rho = 0;
    const double v =
        Golden([&](double lr) { return alpha(C, b, std::exp(lr)); }, -7, 7, 16, -1, &log_rho);
    *rho = std::exp(log_rho);
    return v;
  };
  auto sup_b = [&](double C, double* b, double* rho) {
    Fields(z, K, C, t);
    if (s.odd) return *b = 0, inf_rho(C, 0, rho);
    Golden([&](double bb) { return inf_rho(C, bb, rho); }, -1.5, 1.5, 11, 1, b);
    return inf_rho(C, *b, rho);
  };
  FullyConnectedCapacity out;
  {
    Fields(z, K, 0.0, t);
    out.tree_formula = alpha(0.0, 0.0, 1.0);
  }
  // C ∈ (−1/(K − 1), 0.95): a grid, then golden section around the best grid point.
  const double c_min = K > 1 ? -1.0 / (K - 1) : 0.0, c_max = 0.95;
  auto at = [&](double x) { return c_min + x * (c_max - c_min); };
  double best_x = 0, best = -kInf, b = 0, rho = 1;
  if (K > 1) {
    for (double x = 0.02; x < 1; x += 0.12) {
      const double v = sup_b(at(x), &b, &rho);
      if (v > best) best = v, best_x = x;
    }
    Golden([&](double x) { return sup_b(at(x), &b, &rho); }, std::max(0.005, best_x - 0.12),
           std::min(0.995, best_x + 0.12), 12, 1, &best_x);
  }
  out.correlation = K > 1 ? at(best_x) : 0.0;
  sup_b(out.correlation, &out.bias, &out.shape);
  // Fresh samples for the value at the optimum (no selection bias from the search).
  const CostMean e =
      StreamCost(s, out.correlation, s.CPlus(kappa, out.bias), s.RMinus(kappa, out.bias),
                 FcMetric(K, out.correlation, out.shape), samples, rng);
  out.capacity = (K - 1 + out.shape) / (K * e.mean);
  out.stderr = out.capacity * e.stderr / e.mean;
  return out;
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
