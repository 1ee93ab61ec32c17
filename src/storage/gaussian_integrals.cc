// Special functions (H, ln H, Mills ratio) and Gaussian quadrature for the capacity module.
#include "mnemo/gaussian_integrals.h"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <numbers>

#include "mnemo/error.h"

namespace mnemo {
namespace {

constexpr double kInvSqrt2Pi = 0.3989422804014326779;  // 1/√(2π)
constexpr double kLogSqrt2Pi = 0.9189385332046727418;  // ln √(2π)
constexpr double kMillsSwitch = 8.0;  // beyond this, continued fraction (erfc loses nothing
                                      // before, but underflows near 38)

// H(x)/φ(x) for x ≥ kMillsSwitch by the continued fraction 1/(x + 1/(x + 2/(x + 3/(x + ...)))),
// evaluated backwards; 60 terms give full double precision for x ≥ 8.
double InverseMillsCf(double x) {
  double tail = x;
  for (int k = 60; k >= 1; --k) tail = x + k / tail;
  return 1.0 / tail;
}

}  // namespace

double NormalDensity(double x) { return kInvSqrt2Pi * std::exp(-0.5 * x * x); }

double GaussianTail(double x) { return 0.5 * std::erfc(x / std::numbers::sqrt2); }

double LogGaussianTail(double x) {
  if (x < kMillsSwitch) {
    if (x < -5) return std::log1p(-GaussianTail(-x));
    return std::log(GaussianTail(x));
  }
  return -0.5 * x * x - kLogSqrt2Pi + std::log(InverseMillsCf(x));
}

double MillsRatio(double x) {
  if (x < kMillsSwitch) return NormalDensity(x) / GaussianTail(x);
  return 1.0 / InverseMillsCf(x);
}

QuadratureRule GaussHermiteRule(int n) {
  MNEMO_CHECK(n >= 1 && n <= 400, "Gauss-Hermite nodes {}", n);
  static std::mutex mutex;
  static std::map<int, QuadratureRule> cache;
  std::lock_guard lock(mutex);
  auto it = cache.find(n);
  if (it != cache.end()) return it->second;
  // Jacobi matrix of the probabilists' Hermite polynomials: zero diagonal, off-diagonal √k.
  Eigen::VectorXd diag = Eigen::VectorXd::Zero(n), sub(std::max(n - 1, 0));
  for (int k = 1; k < n; ++k) sub(k - 1) = std::sqrt(double(k));
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver;
  solver.computeFromTridiagonal(diag, sub, Eigen::ComputeEigenvectors);
  QuadratureRule rule;
  for (int i = 0; i < n; ++i) {
    rule.nodes.push_back(solver.eigenvalues()(i));
    double v0 = solver.eigenvectors()(0, i);
    rule.weights.push_back(v0 * v0);
  }
  // Symmetrise (the rule is exactly symmetric; this removes eigen-solver noise).
  for (int i = 0; i < n / 2; ++i) {
    int j = n - 1 - i;
    double x = 0.5 * (rule.nodes[j] - rule.nodes[i]), w = 0.5 * (rule.weights[i] + rule.weights[j]);
    rule.nodes[i] = -x, rule.nodes[j] = x, rule.weights[i] = rule.weights[j] = w;
  }
  if (n % 2 == 1) rule.nodes[n / 2] = 0;
  double total = 0;
  for (double w : rule.weights) total += w;
  for (double& w : rule.weights) w /= total;
  cache.emplace(n, rule);
  return rule;
}

QuadratureRule GaussLegendreRule(int n, double a, double b) {
  MNEMO_CHECK(n >= 1 && n <= 400, "Gauss-Legendre nodes {}", n);
  static std::mutex mutex;
  static std::map<int, QuadratureRule> cache;  // on [−1, 1]
  QuadratureRule unit;
  {
    std::lock_guard lock(mutex);
    auto it = cache.find(n);
    if (it == cache.end()) {
      unit.nodes.resize(n), unit.weights.resize(n);
      for (int i = 0; i < (n + 1) / 2; ++i) {
        double x = std::cos(std::numbers::pi * (i + 0.75) / (n + 0.5)), dp = 0;
        for (int iter = 0; iter < 100; ++iter) {
          double p0 = 1, p1 = x;
          for (int k = 2; k <= n; ++k) {
            double p2 = ((2 * k - 1) * x * p1 - (k - 1) * p0) / k;
            p0 = p1, p1 = p2;
          }
          if (n == 1) p0 = 1, p1 = x;
          dp = n * (x * p1 - p0) / (x * x - 1);
          double dx = p1 / dp;
          x -= dx;
          if (std::fabs(dx) < 1e-16) break;
        }
        // Recompute the derivative at the converged node for the weight.
        double p0 = 1, p1 = x;
        for (int k = 2; k <= n; ++k) {
          double p2 = ((2 * k - 1) * x * p1 - (k - 1) * p0) / k;
          p0 = p1, p1 = p2;
        }
        dp = n == 1 ? 1.0 : n * (x * p1 - p0) / (x * x - 1);
        double w = 2 / ((1 - x * x) * dp * dp);
        unit.nodes[i] = -x, unit.nodes[n - 1 - i] = x;
        unit.weights[i] = unit.weights[n - 1 - i] = w;
      }
      cache.emplace(n, unit);
    } else {
      unit = it->second;
    }
  }
  QuadratureRule rule;
  double half = 0.5 * (b - a), mid = 0.5 * (a + b);
  for (int i = 0; i < n; ++i) {
    rule.nodes.push_back(mid + half * unit.nodes[i]);
    rule.weights.push_back(half * unit.weights[i]);
  }
  return rule;
}

double SplitGaussianExpectation(const std::function<double(double)>& f,
                                const std::vector<double>& kinks, double scale) {
  constexpr double kL = 12.0;
  constexpr int kNodes = 24;
  std::vector<double> cuts = {-kL, kL};
  for (double k : kinks) {
    if (!(k > -kL && k < kL)) continue;
    cuts.push_back(k);
    // Geometric refinement around the kink down to `scale` (for steep kinks).
    for (double d = std::min(scale, 1.0); d < 2 * kL; d *= 2) {
      cuts.push_back(k - d), cuts.push_back(k + d);
      if (d >= 1.0) break;
    }
  }
  if (kinks.empty()) cuts.push_back(0);
  for (double c = -8; c <= 8; c += 2) cuts.push_back(c);  // panels of width ≤ 2 in the bulk
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::remove_if(cuts.begin(), cuts.end(), [&](double c) { return c < -kL || c > kL; }),
             cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end(),
                         [](double a, double b) { return std::fabs(a - b) < 1e-14; }),
             cuts.end());
  const QuadratureRule unit = GaussLegendreRule(kNodes, -1, 1);
  double total = 0;
  for (size_t p = 0; p + 1 < cuts.size(); ++p) {
    double a = cuts[p], b = cuts[p + 1], half = 0.5 * (b - a), mid = 0.5 * (a + b);
    if (half <= 0) continue;
    double panel = 0;
    for (int i = 0; i < kNodes; ++i) {
      double t = mid + half * unit.nodes[i];
      panel += unit.weights[i] * f(t) * NormalDensity(t);
    }
    total += half * panel;
  }
  return total;
}

}  // namespace mnemo
