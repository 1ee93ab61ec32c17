// Smooth activations: overflow-safe values and derivatives (design/jacobian_rank.md §6.1) and the
// floating-point error bounds the float certificate (§7.3 b) relies on.
#include <algorithm>
#include <cmath>
#include <limits>

#include "mnemo/error.h"
#include "mnemo/jacobian.h"

namespace mnemo {
namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();
constexpr double kInvSqrt2 = 0.70710678118654752440;
constexpr double kInvSqrt2Pi = 0.39894228040143267794;
constexpr double kTwoOverSqrtPi = 1.12837916709551257390;

double Logistic(double z) { return 0.5 * (1.0 + std::tanh(0.5 * z)); }
double LogisticPrime(double z) {
  double t = std::tanh(0.5 * z);
  return 0.25 * (1.0 - t * t);
}
double Horner(const std::vector<double>& c, double z) {
  double acc = 0;
  for (size_t k = c.size(); k-- > 0;) acc = acc * z + c[k];
  return acc;
}
double AbsHorner(const std::vector<double>& c, double z) {
  double acc = 0, a = std::fabs(z);
  for (size_t k = c.size(); k-- > 0;) acc = acc * a + std::fabs(c[k]);
  return acc;
}

}  // namespace

SmoothActivation::SmoothActivation(Activation a) : a_(std::move(a)) {
  if (a_.kind == Activation::kPoly) {
    for (const Rational& c : a_.poly) c_.push_back(ToDouble(c));
    degree_ = -1;
    for (size_t k = 0; k < a_.poly.size(); ++k)
      if (a_.poly[k] != 0) degree_ = static_cast<int>(k);
    for (size_t k = 1; k < c_.size(); ++k) dc_.push_back(ToDouble(Rational(a_.poly[k] * int(k))));
  }
}

SmoothActivation SmoothActivation::Parse(const std::string& name, const std::string& where) {
  Activation a;
  try {
    a = ParseActivation(name);
  } catch (const Error& e) {
    Fail("{}: {}", where, e.what());
  }
  if (a.kind == Activation::kIdentity)
    Fail("{}: identity is linear, not a two-layer activation", where);
  if (a.kind == Activation::kPoly) {
    bool nonzero = false;
    for (const Rational& c : a.poly) nonzero |= c != 0;
    if (!nonzero) Fail("{}: the zero polynomial is not an activation", where);
  }
  return SmoothActivation(std::move(a));
}

int SmoothActivation::MonomialDegree() const {
  if (!IsPolynomial()) return -1;
  int nonzero = 0;
  for (const Rational& c : a_.poly) nonzero += c != 0;
  return nonzero == 1 ? degree_ : -1;
}

bool SmoothActivation::HasSimpleZeroAtOrigin() const {
  switch (a_.kind) {
    case Activation::kTanh: case Activation::kSin: case Activation::kErf:
    case Activation::kGelu: case Activation::kSilu:
      return true;
    case Activation::kPoly:
      return a_.poly.size() >= 2 && a_.poly[0] == 0 && a_.poly[1] != 0;
    default:
      return false;
  }
}

double SmoothActivation::Value(double z) const {
  switch (a_.kind) {
    case Activation::kTanh: return std::tanh(z);
    case Activation::kSigmoid: return Logistic(z);
    case Activation::kSoftplus: return std::max(z, 0.0) + std::log1p(std::exp(-std::fabs(z)));
    case Activation::kGelu: return 0.5 * z * (1.0 + std::erf(z * kInvSqrt2));
    case Activation::kSilu: return z * Logistic(z);
    case Activation::kErf: return std::erf(z);
    case Activation::kSin: return std::sin(z);
    case Activation::kExp: return std::exp(z);
    case Activation::kPoly: return Horner(c_, z);
    case Activation::kRelu: return z > 0 ? z : 0.0;
    case Activation::kStep: return z >= 0 ? 1.0 : 0.0;
    case Activation::kIdentity: return z;
  }
  return 0;
}

double SmoothActivation::Derivative(double z) const {
  switch (a_.kind) {
    case Activation::kTanh: {
      double t = std::tanh(z);
      return 1.0 - t * t;
    }
    case Activation::kSigmoid: return LogisticPrime(z);
    case Activation::kSoftplus: return Logistic(z);
    case Activation::kGelu:
      return 0.5 * (1.0 + std::erf(z * kInvSqrt2)) + z * kInvSqrt2Pi * std::exp(-0.5 * z * z);
    case Activation::kSilu: return Logistic(z) + z * LogisticPrime(z);
    case Activation::kErf: return kTwoOverSqrtPi * std::exp(-z * z);
    case Activation::kSin: return std::cos(z);
    case Activation::kExp: return std::exp(z);
    case Activation::kPoly: return Horner(dc_, z);
    case Activation::kRelu: return z > 0 ? 1.0 : 0.0;
    case Activation::kStep: return 0.0;
    case Activation::kIdentity: return 1.0;
  }
  return 0;
}

// Generous bounds: glibc documents ≤ 2–4 ulp for tanh, erf, exp, sin, cos, log1p; composite
// formulas add a few roundings, each ≤ ε relative to the magnitude of the operands.
double SmoothActivation::ValueError(double z) const {
  double a = std::fabs(z);
  switch (a_.kind) {
    case Activation::kTanh: case Activation::kSigmoid: case Activation::kErf:
    case Activation::kSin:
      return 8 * kEps;
    case Activation::kSoftplus: return 8 * kEps * (1 + a);
    case Activation::kGelu: case Activation::kSilu: return 16 * kEps * (1 + a);
    case Activation::kExp: return 8 * kEps * std::exp(z);
    case Activation::kPoly:
      return 2.0 * (c_.size() + 2) * kEps * AbsHorner(c_, z);
    default: return 0;
  }
}

double SmoothActivation::DerivativeError(double z) const {
  double a = std::fabs(z);
  switch (a_.kind) {
    case Activation::kTanh: return 16 * kEps;
    case Activation::kSigmoid: case Activation::kSoftplus: case Activation::kSin:
      return 8 * kEps;
    case Activation::kGelu: case Activation::kSilu: return 16 * kEps * (1 + a);
    case Activation::kErf: return (8 + 4 * z * z) * kEps * kTwoOverSqrtPi * std::exp(-z * z);
    case Activation::kExp: return 8 * kEps * std::exp(z);
    case Activation::kPoly:
      return 2.0 * (dc_.size() + 2) * kEps * AbsHorner(dc_, z);
    default: return 0;
  }
}

double SmoothActivation::SlopeBound(double z, double r) const {
  switch (a_.kind) {
    case Activation::kTanh: case Activation::kSoftplus: case Activation::kSin:
    case Activation::kRelu:
      return 1.0;
    case Activation::kSigmoid: return 0.25;
    case Activation::kGelu: return 1.13;
    case Activation::kSilu: return 1.1;
    case Activation::kErf: return 1.13;
    case Activation::kExp: return std::exp(z + r);
    case Activation::kPoly: return AbsHorner(dc_, std::fabs(z) + r);
    default: return std::numeric_limits<double>::infinity();
  }
}

double SmoothActivation::CurvatureBound(double z, double r) const {
  switch (a_.kind) {
    case Activation::kTanh: return 0.77;   // max |tanh''| = 4/(3√3) ≈ 0.7698
    case Activation::kSigmoid: return 0.1;  // ≈ 0.0962
    case Activation::kSoftplus: return 0.25;
    case Activation::kGelu: return 0.8;     // φ(z)(2 − z²), max 2φ(0) ≈ 0.7979
    case Activation::kSilu: return 0.5;     // max ≈ 0.5 at 0
    case Activation::kErf: return 0.97;     // (4/√π)|z|e^{−z²}, max ≈ 0.9679
    case Activation::kSin: return 1.0;
    case Activation::kExp: return std::exp(z + r);
    case Activation::kPoly: {
      std::vector<double> ddc;
      for (size_t k = 1; k < dc_.size(); ++k) ddc.push_back(dc_[k] * double(k));
      return AbsHorner(ddc, std::fabs(z) + r) * (1 + 4 * kEps * (ddc.size() + 2));
    }
    default: return std::numeric_limits<double>::infinity();
  }
}

}  // namespace mnemo
