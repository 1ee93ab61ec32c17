// Activations of the two-layer model: names, kinds, overflow-safe values and derivatives, exact
// values of the piecewise-linear ones, and the floating-point error bounds the float fast path
// relies on.
#include "mnemo/two_layer_activation.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "mnemo/error.h"

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

Integer Pow10(size_t k) {
  Integer r = 1;
  for (size_t i = 0; i < k; ++i) r *= 10;
  return r;
}

const std::vector<std::pair<std::string, TwoLayerActivation::Kind>>& Named() {
  using K = TwoLayerActivation::Kind;
  static const std::vector<std::pair<std::string, K>> names = {{"relu", K::kRelu},
                                                               {"leaky-relu", K::kLeakyRelu},
                                                               {"hard-tanh", K::kHardTanh},
                                                               {"step", K::kStep},
                                                               {"sigmoid", K::kSigmoid},
                                                               {"tanh", K::kTanh},
                                                               {"softplus", K::kSoftplus},
                                                               {"gelu", K::kGelu},
                                                               {"silu", K::kSilu},
                                                               {"erf", K::kErf},
                                                               {"sin", K::kSin},
                                                               {"exp", K::kExp}};
  return names;
}

/// "1/8", "3", or a decimal "0.01" as an exact rational.
Rational ParseSlope(const std::string& text, const std::string& where) {
  size_t dot = text.find('.');
  if (dot == std::string::npos) return ParseRational(text, where);
  std::string digits = text.substr(0, dot) + text.substr(dot + 1);
  const size_t decimals = text.size() - dot - 1;
  if (decimals == 0 || decimals > 30 || digits.empty() || digits[0] == '-' || digits[0] == '+')
    Fail("{}: not a number: \"{}\"", where, text);
  Rational r(ParseInteger(digits, where), Pow10(decimals));
  r.canonicalize();
  return r;
}

}  // namespace

TwoLayerActivation::TwoLayerActivation() = default;

TwoLayerActivation TwoLayerActivation::Parse(const std::string& name, const std::string& where) {
  TwoLayerActivation a;
  for (const auto& [n, kind] : Named())
    if (n == name) {
      a.kind_ = kind;
      return a;
    }
  if (name.rfind("leaky-relu:", 0) == 0) {
    a.kind_ = Kind::kLeakyRelu;
    a.leak_ = ParseSlope(name.substr(11), fmt::format("{}: leaky-relu slope", where));
    if (!(a.leak_ > 0 && a.leak_ < 1))
      Fail("{}: the leaky-relu slope must be in (0, 1), got {}", where, ToString(a.leak_));
    return a;
  }
  if (name == "identity")
    Fail("{}: identity makes the model linear; not a two-layer activation", where);
  if (name.rfind("poly:", 0) != 0)
    Fail("{}: unknown activation \"{}\" (expected {})", where, name, Vocabulary());
  Activation core;
  try {
    core = ParseActivation(name);
  } catch (const Error& e) {
    Fail("{}: {}", where, e.what());
  }
  a.kind_ = Kind::kPoly;
  a.poly_ = core.poly;
  for (const Rational& c : a.poly_)
    if (c != 0) a.degree_ = std::max(a.degree_, 0);
  if (a.degree_ < 0) Fail("{}: the zero polynomial is not an activation", where);
  for (size_t k = 0; k < a.poly_.size(); ++k)
    if (a.poly_[k] != 0) a.degree_ = static_cast<int>(k);
  for (const Rational& c : a.poly_) a.c_.push_back(ToDouble(c));
  for (size_t k = 1; k < a.poly_.size(); ++k)
    a.dc_.push_back(ToDouble(Rational(a.poly_[k] * int(k))));
  return a;
}

std::string TwoLayerActivation::Vocabulary() {
  std::string s;
  for (const auto& [n, kind] : Named()) s += n + ", ";
  return s + "leaky-relu:A (slope A in (0, 1)), poly:k (t^k), poly:c0,c1,... (Σ c_k t^k)";
}

std::string TwoLayerActivation::Name() const {
  if (kind_ == Kind::kPoly) return ToString(Activation{Activation::kPoly, poly_});
  if (kind_ == Kind::kLeakyRelu && leak_ != Rational(1, 100))
    return "leaky-relu:" + ToString(leak_);
  for (const auto& [n, kind] : Named())
    if (kind == kind_) return n;
  return "?";
}

bool TwoLayerActivation::IsPiecewiseLinear() const {
  return kind_ == Kind::kRelu || kind_ == Kind::kLeakyRelu || kind_ == Kind::kHardTanh ||
         kind_ == Kind::kStep;
}

bool TwoLayerActivation::IsTranscendental() const {
  return !IsPiecewiseLinear() && !IsPolynomial();
}

bool TwoLayerActivation::IsPositivelyHomogeneous() const {
  return kind_ == Kind::kRelu || kind_ == Kind::kLeakyRelu;
}

int TwoLayerActivation::LocalDegree() const {
  if (IsPolynomial()) return degree_;
  if (kind_ == Kind::kStep) return 0;
  return IsPiecewiseLinear() ? 1 : -1;
}

std::vector<Rational> TwoLayerActivation::Kinks() const {
  MNEMO_CHECK(IsPiecewiseLinear(), "{} is not piecewise linear", Name());
  if (kind_ == Kind::kHardTanh) return {Rational(-1), Rational(1)};
  return {Rational(0)};
}

Rational TwoLayerActivation::ExactDerivative(const Rational& z) const {
  switch (kind_) {
    case Kind::kRelu:
      return z > 0 ? Rational(1) : Rational(0);
    case Kind::kLeakyRelu:
      return z > 0 ? Rational(1) : leak_;
    case Kind::kHardTanh:
      return z > -1 && z < 1 ? Rational(1) : Rational(0);
    case Kind::kStep:
      return Rational(0);
    default:
      MNEMO_CHECK(false, "ExactDerivative: {} is not piecewise linear", Name());
  }
  return Rational(0);
}

Rational TwoLayerActivation::ExactValue(const Rational& z) const {
  switch (kind_) {
    case Kind::kRelu:
      return z > 0 ? z : Rational(0);
    case Kind::kLeakyRelu:
      return z > 0 ? z : Rational(leak_ * z);
    case Kind::kHardTanh:
      return z < -1 ? Rational(-1) : z > 1 ? Rational(1) : z;
    case Kind::kStep:
      return z >= 0 ? Rational(1) : Rational(0);
    default:
      MNEMO_CHECK(false, "ExactValue: {} is not piecewise linear", Name());
  }
  return Rational(0);
}

std::optional<Activation> TwoLayerActivation::NetworkActivation() const {
  switch (kind_) {
    case Kind::kLeakyRelu:
    case Kind::kHardTanh:
      return std::nullopt;
    case Kind::kPoly:
      return Activation{Activation::kPoly, poly_};
    default:
      return ParseActivation(Name());
  }
}

int TwoLayerActivation::MonomialDegree() const {
  if (!IsPolynomial()) return -1;
  int nonzero = 0;
  for (const Rational& c : poly_) nonzero += c != 0;
  return nonzero == 1 ? degree_ : -1;
}

bool TwoLayerActivation::HasSimpleZeroAtOrigin() const {
  switch (kind_) {
    case Kind::kTanh:
    case Kind::kSin:
    case Kind::kErf:
    case Kind::kGelu:
    case Kind::kSilu:
    case Kind::kHardTanh:
      return true;
    case Kind::kPoly:
      return poly_.size() >= 2 && poly_[0] == 0 && poly_[1] != 0;
    default:
      return false;
  }
}

double TwoLayerActivation::Value(double z) const {
  switch (kind_) {
    case Kind::kTanh:
      return std::tanh(z);
    case Kind::kSigmoid:
      return Logistic(z);
    case Kind::kSoftplus:
      return std::max(z, 0.0) + std::log1p(std::exp(-std::fabs(z)));
    case Kind::kGelu:
      return 0.5 * z * (1.0 + std::erf(z * kInvSqrt2));
    case Kind::kSilu:
      return z * Logistic(z);
    case Kind::kErf:
      return std::erf(z);
    case Kind::kSin:
      return std::sin(z);
    case Kind::kExp:
      return std::exp(z);
    case Kind::kPoly:
      return Horner(c_, z);
    case Kind::kRelu:
      return z > 0 ? z : 0.0;
    case Kind::kLeakyRelu:
      return z > 0 ? z : ToDouble(leak_) * z;
    case Kind::kHardTanh:
      return std::clamp(z, -1.0, 1.0);
    case Kind::kStep:
      return z >= 0 ? 1.0 : 0.0;
  }
  return 0;
}

double TwoLayerActivation::Derivative(double z) const {
  switch (kind_) {
    case Kind::kTanh: {
      double t = std::tanh(z);
      return 1.0 - t * t;
    }
    case Kind::kSigmoid:
      return LogisticPrime(z);
    case Kind::kSoftplus:
      return Logistic(z);
    case Kind::kGelu:
      return 0.5 * (1.0 + std::erf(z * kInvSqrt2)) + z * kInvSqrt2Pi * std::exp(-0.5 * z * z);
    case Kind::kSilu:
      return Logistic(z) + z * LogisticPrime(z);
    case Kind::kErf:
      return kTwoOverSqrtPi * std::exp(-z * z);
    case Kind::kSin:
      return std::cos(z);
    case Kind::kExp:
      return std::exp(z);
    case Kind::kPoly:
      return Horner(dc_, z);
    case Kind::kRelu:
      return z > 0 ? 1.0 : 0.0;
    case Kind::kLeakyRelu:
      return z > 0 ? 1.0 : ToDouble(leak_);
    case Kind::kHardTanh:
      return z >= -1 && z < 1 ? 1.0 : 0.0;
    case Kind::kStep:
      return 0.0;
  }
  return 0;
}

// Generous bounds: glibc documents ≤ 2–4 ulp for tanh, erf, exp, sin, cos, log1p; composite
// formulas add a few roundings, each ≤ ε relative to the magnitude of the operands.
double TwoLayerActivation::ValueError(double z) const {
  double a = std::fabs(z);
  switch (kind_) {
    case Kind::kTanh:
    case Kind::kSigmoid:
    case Kind::kErf:
    case Kind::kSin:
      return 8 * kEps;
    case Kind::kSoftplus:
      return 8 * kEps * (1 + a);
    case Kind::kGelu:
    case Kind::kSilu:
      return 16 * kEps * (1 + a);
    case Kind::kExp:
      return 8 * kEps * std::exp(z);
    case Kind::kPoly:
      return 2.0 * (c_.size() + 2) * kEps * AbsHorner(c_, z);
    default:
      return 0;
  }
}

double TwoLayerActivation::DerivativeError(double z) const {
  double a = std::fabs(z);
  switch (kind_) {
    case Kind::kTanh:
      return 16 * kEps;
    case Kind::kSigmoid:
    case Kind::kSoftplus:
    case Kind::kSin:
      return 8 * kEps;
    case Kind::kGelu:
    case Kind::kSilu:
      return 16 * kEps * (1 + a);
    case Kind::kErf:
      return (8 + 4 * z * z) * kEps * kTwoOverSqrtPi * std::exp(-z * z);
    case Kind::kExp:
      return 8 * kEps * std::exp(z);
    case Kind::kPoly:
      return 2.0 * (dc_.size() + 2) * kEps * AbsHorner(dc_, z);
    default:
      return 0;
  }
}

double TwoLayerActivation::SlopeBound(double z, double r) const {
  switch (kind_) {
    case Kind::kTanh:
    case Kind::kSoftplus:
    case Kind::kSin:
    case Kind::kRelu:
      return 1.0;
    case Kind::kSigmoid:
      return 0.25;
    case Kind::kGelu:
      return 1.13;
    case Kind::kSilu:
      return 1.1;
    case Kind::kErf:
      return 1.13;
    case Kind::kExp:
      return std::exp(z + r);
    case Kind::kPoly:
      return AbsHorner(dc_, std::fabs(z) + r);
    default:
      return std::numeric_limits<double>::infinity();
  }
}

double TwoLayerActivation::CurvatureBound(double z, double r) const {
  switch (kind_) {
    case Kind::kTanh:
      return 0.77;  // max |tanh''| = 4/(3√3) ≈ 0.7698
    case Kind::kSigmoid:
      return 0.1;  // ≈ 0.0962
    case Kind::kSoftplus:
      return 0.25;
    case Kind::kGelu:
      return 0.8;  // φ(z)(2 − z²), max 2φ(0) ≈ 0.7979
    case Kind::kSilu:
      return 0.5;  // max ≈ 0.5 at 0
    case Kind::kErf:
      return 0.97;  // (4/√π)|z|e^{−z²}, max ≈ 0.9679
    case Kind::kSin:
      return 1.0;
    case Kind::kExp:
      return std::exp(z + r);
    case Kind::kPoly: {
      std::vector<double> ddc;
      for (size_t k = 1; k < dc_.size(); ++k) ddc.push_back(dc_[k] * double(k));
      return AbsHorner(ddc, std::fabs(z) + r) * (1 + 4 * kEps * (ddc.size() + 2));
    }
    default:
      return std::numeric_limits<double>::infinity();
  }
}

}  // namespace mnemo
