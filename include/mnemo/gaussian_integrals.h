// Gaussian integrals for the storage theory: the tail H(x) = P(z > x), a ln H and a Mills ratio
// that stay finite for every finite argument, and quadrature rules for E f(z), z ~ N(0, 1)
// (Gauss–Hermite for smooth integrands, split Gauss–Legendre across kinks).
#pragma once

#include <functional>
#include <vector>

namespace mnemo {

/// H(x) = P(z > x) for z ~ N(0,1).
double GaussianTail(double x);
/// ln H(x), accurate for every finite x (asymptotic continued fraction beyond x ≈ 8).
double LogGaussianTail(double x);
/// Mills ratio φ(x)/H(x), accurate for every finite x (≈ x for large x, → 0 for x → −∞).
double MillsRatio(double x);
/// Standard normal density φ(x).
double NormalDensity(double x);

/// A quadrature rule: ∫ f ≈ Σ weights[i]·f(nodes[i]).
struct QuadratureRule {
  std::vector<double> nodes;
  std::vector<double> weights;
};
/// Gauss–Hermite rule for the standard normal measure (Golub–Welsch): E f(z) ≈ Σ w f(x).
/// The weights sum to 1. Exact for polynomials of degree ≤ 2n − 1.
QuadratureRule GaussHermiteRule(int n);
/// Gauss–Legendre rule on [a, b] (Newton on Legendre polynomials).
QuadratureRule GaussLegendreRule(int n, double a, double b);
/// E f(z), z ~ N(0,1), by Gauss–Legendre panels on [−12, 12] split at the given kinks and
/// refined geometrically around them down to width `scale` (use scale < 1 for steep kinks).
double SplitGaussianExpectation(const std::function<double(double)>& f,
                                const std::vector<double>& kinks, double scale = 1.0);

}  // namespace mnemo
