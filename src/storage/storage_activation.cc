// Activations and their Gaussian kernels Δ(q).
#include "mnemo/storage_activation.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <sstream>

#include "mnemo/error.h"
#include "mnemo/gaussian_integrals.h"

namespace mnemo {
namespace {

constexpr double kPi = std::numbers::pi;
constexpr int kHermiteNodes = 100;  // nested quadrature for smooth activations
constexpr int kMaxPolyDegree = 16;
constexpr double kLeak = 0.01;  // leaky-relu slope below 0

double Factorial(int n) {
  double f = 1;
  for (int k = 2; k <= n; ++k) f *= k;
  return f;
}

}  // namespace

std::vector<std::string> StorageActivation::Names() {
  return {"identity", "relu",    "leaky-relu", "hard-tanh", "quadratic", "erf", "erf-sqrt2",
          "tanh",     "sigmoid", "gelu",       "softplus",  "abs",       "step"};
}

StorageActivation StorageActivation::Parse(const std::string& spec) {
  StorageActivation a;
  a.name_ = spec;
  if (spec == "relu") {
    a.kind_ = Kind::kRelu, a.kinks_ = {0};
  } else if (spec == "erf") {
    a.kind_ = Kind::kErf, a.erf_scale_ = 1.0;
  } else if (spec == "erf-sqrt2") {
    a.kind_ = Kind::kErf, a.erf_scale_ = 1.0 / std::numbers::sqrt2;
  } else if (spec == "tanh") {
    a.kind_ = Kind::kTanh;
  } else if (spec == "sigmoid") {
    a.kind_ = Kind::kSigmoid;
  } else if (spec == "gelu") {
    a.kind_ = Kind::kGelu;
  } else if (spec == "softplus") {
    a.kind_ = Kind::kSoftplus;
  } else if (spec == "abs") {
    a.kind_ = Kind::kAbs, a.kinks_ = {0};
  } else if (spec == "identity") {
    a.kind_ = Kind::kIdentity;
  } else if (spec == "step") {
    a.kind_ = Kind::kStep, a.kinks_ = {0};
  } else if (spec == "leaky-relu") {
    a.kind_ = Kind::kLeakyRelu, a.kinks_ = {0};
  } else if (spec == "hard-tanh") {
    a.kind_ = Kind::kHardTanh, a.kinks_ = {-1, 1};
  } else if (spec == "quadratic") {
    a.kind_ = Kind::kPoly, a.poly_ = {0, 0, 1};
  } else if (spec.rfind("poly:", 0) == 0) {
    a.kind_ = Kind::kPoly;
    std::stringstream ss(spec.substr(5));
    std::string item;
    while (std::getline(ss, item, ',')) {
      size_t used = 0;
      double v = 0;
      try {
        v = std::stod(item, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      while (used < item.size() && item[used] == ' ') ++used;
      if (item.empty() || used != item.size() || !std::isfinite(v))
        Fail("activation '{}': coefficient {} is not a number: \"{}\"", spec, a.poly_.size(), item);
      a.poly_.push_back(v);
    }
    while (!a.poly_.empty() && a.poly_.back() == 0) a.poly_.pop_back();
    if (a.poly_.size() < 2)
      Fail("activation '{}': the polynomial must have degree ≥ 1 (it is constant)", spec);
    if (int(a.poly_.size()) - 1 > kMaxPolyDegree)
      Fail("activation '{}': degree {} exceeds the maximum {}", spec, a.poly_.size() - 1,
           kMaxPolyDegree);
  } else {
    std::string names;
    for (const auto& n : Names()) names += (names.empty() ? "" : ", ") + n;
    Fail("unknown activation '{}' (expected one of {}, or poly:a0,a1,...)", spec, names);
  }
  a.ComputeStatistics();
  return a;
}

double StorageActivation::Value(double z) const {
  switch (kind_) {
    case Kind::kRelu:
      return z > 0 ? z : 0;
    case Kind::kErf:
      return std::erf(erf_scale_ * z);
    case Kind::kTanh:
      return std::tanh(z);
    case Kind::kSigmoid:
      return 1 / (1 + std::exp(-z));
    case Kind::kGelu:
      return z * (1 - GaussianTail(z));
    case Kind::kSoftplus:
      return z > 0 ? z + std::log1p(std::exp(-z)) : std::log1p(std::exp(z));
    case Kind::kAbs:
      return std::fabs(z);
    case Kind::kIdentity:
      return z;
    case Kind::kStep:
      return z >= 0 ? 1 : 0;
    case Kind::kLeakyRelu:
      return z > 0 ? z : kLeak * z;
    case Kind::kHardTanh:
      return std::clamp(z, -1.0, 1.0);
    case Kind::kPoly: {
      double v = 0;
      for (size_t k = poly_.size(); k-- > 0;) v = v * z + poly_[k];
      return v;
    }
  }
  return 0;
}

double StorageActivation::Derivative(double z) const {
  switch (kind_) {
    case Kind::kRelu:
      return z > 0 ? 1 : 0;
    case Kind::kErf:
      return erf_scale_ * 2 / std::sqrt(kPi) * std::exp(-erf_scale_ * erf_scale_ * z * z);
    case Kind::kTanh: {
      double t = std::tanh(z);
      return 1 - t * t;
    }
    case Kind::kSigmoid: {
      double s = 1 / (1 + std::exp(-z));
      return s * (1 - s);
    }
    case Kind::kGelu:
      return (1 - GaussianTail(z)) + z * NormalDensity(z);
    case Kind::kSoftplus:
      return 1 / (1 + std::exp(-z));
    case Kind::kAbs:
      return z > 0 ? 1 : (z < 0 ? -1 : 0);
    case Kind::kIdentity:
      return 1;
    case Kind::kStep:
      return 0;
    case Kind::kLeakyRelu:
      return z > 0 ? 1 : kLeak;
    case Kind::kHardTanh:
      return std::fabs(z) < 1 ? 1 : 0;
    case Kind::kPoly: {
      double v = 0;
      for (size_t k = poly_.size(); k-- > 1;) v = v * z + k * poly_[k];
      return v;
    }
  }
  return 0;
}

void StorageActivation::ComputeStatistics() {
  switch (kind_) {
    case Kind::kRelu:
      closed_form_ = true;
      mean_ = 1 / std::sqrt(2 * kPi), variance_ = 0.5 - 1 / (2 * kPi);
      c1sq_ = 0.25 / variance_, c2sq_ = (1 / (2 * kPi)) / (2 * variance_);
      slope_one_ = 0.5 / variance_;
      return;
    case Kind::kAbs:
      closed_form_ = true;
      mean_ = std::sqrt(2 / kPi), variance_ = 1 - 2 / kPi;
      c1sq_ = 0, c2sq_ = (2 / kPi) / (2 * variance_), slope_one_ = 1 / variance_;
      return;
    case Kind::kErf: {
      closed_form_ = true;
      double b = 2 * erf_scale_ * erf_scale_ / (1 + 2 * erf_scale_ * erf_scale_);
      mean_ = 0, variance_ = 2 / kPi * std::asin(b);
      c1sq_ = b / std::asin(b), c2sq_ = 0;
      slope_one_ = b / std::sqrt(1 - b * b) / std::asin(b);
      return;
    }
    case Kind::kIdentity:
      closed_form_ = true;
      mean_ = 0, variance_ = 1, c1sq_ = 1, c2sq_ = 0, slope_one_ = 1;
      return;
    case Kind::kStep:  // 1[z ≥ 0] = (1 + sign z)/2: the statistics of sign after normalisation
      closed_form_ = true;
      mean_ = 0.5, variance_ = 0.25, c1sq_ = 2 / kPi, c2sq_ = 0;
      slope_one_ = std::numeric_limits<double>::infinity();
      return;
    case Kind::kLeakyRelu: {  // a·z + (1 − a)·relu(z)
      closed_form_ = true;
      const double a = kLeak, r = 1 - a;
      mean_ = r / std::sqrt(2 * kPi);
      variance_ = a * a + a * r + r * r / 2 - mean_ * mean_;
      c1sq_ = (1 + a) * (1 + a) / 4 / variance_;
      c2sq_ = r * r / (2 * kPi) / (2 * variance_);
      slope_one_ = (1 + a * a) / 2 / variance_;
      return;
    }
    case Kind::kPoly: {
      closed_form_ = true;
      // Hermite expansion: multiply by z repeatedly using z·He_n = He_{n+1} + n·He_{n−1}.
      int deg = int(poly_.size()) - 1;
      hermite_.assign(deg + 1, 0.0);
      std::vector<double> power = {1.0};  // z^k in the He basis
      for (int k = 0; k <= deg; ++k) {
        for (size_t n = 0; n < power.size(); ++n) hermite_[n] += poly_[k] * power[n];
        std::vector<double> next(power.size() + 1, 0.0);
        for (size_t n = 0; n < power.size(); ++n) {
          next[n + 1] += power[n];
          if (n > 0) next[n - 1] += double(n) * power[n];
        }
        power = std::move(next);
      }
      mean_ = hermite_[0];
      variance_ = 0;
      for (int n = 1; n <= deg; ++n) variance_ += hermite_[n] * hermite_[n] * Factorial(n);
      c1sq_ = deg >= 1 ? hermite_[1] * hermite_[1] / variance_ : 0;
      c2sq_ = deg >= 2 ? hermite_[2] * hermite_[2] * 2 / variance_ : 0;
      slope_one_ = 0;
      for (int n = 1; n <= deg; ++n) slope_one_ += n * hermite_[n] * hermite_[n] * Factorial(n);
      slope_one_ /= variance_;
      return;
    }
    default:
      break;
  }
  // Activations without a closed-form kernel: Gauss–Hermite when smooth, split Gauss–Legendre
  // across the kinks otherwise.
  closed_form_ = false;
  double m = 0, m2 = 0, z1 = 0, z2 = 0, d2 = 0;
  if (kinks_.empty()) {
    const QuadratureRule rule = GaussHermiteRule(200);
    for (size_t i = 0; i < rule.nodes.size(); ++i) {
      double z = rule.nodes[i], w = rule.weights[i], g = Value(z), dg = Derivative(z);
      m += w * g, m2 += w * g * g, z1 += w * z * g, z2 += w * (z * z - 1) * g, d2 += w * dg * dg;
    }
  } else {
    auto e = [&](auto f) { return SplitGaussianExpectation(f, kinks_); };
    m = e([&](double z) { return Value(z); });
    m2 = e([&](double z) { return Value(z) * Value(z); });
    z1 = e([&](double z) { return z * Value(z); });
    z2 = e([&](double z) { return (z * z - 1) * Value(z); });
    d2 = e([&](double z) { return Derivative(z) * Derivative(z); });
  }
  mean_ = m, variance_ = m2 - m * m;
  c1sq_ = z1 * z1 / variance_, c2sq_ = z2 * z2 / (2 * variance_);
  // Odd/even activations: the symmetric rule leaves ~1e-30 of rounding noise; it is exactly 0.
  if (c1sq_ < 1e-24) c1sq_ = 0;
  if (c2sq_ < 1e-24) c2sq_ = 0;
  slope_one_ = d2 / variance_;
}

double StorageActivation::Kernel(double q) const {
  MNEMO_CHECK(q >= 0 && q <= 1, "kernel argument {}", q);
  switch (kind_) {
    case Kind::kRelu: {
      double e = (std::sqrt(std::max(0.0, 1 - q * q)) + q * (kPi - std::acos(q))) / (2 * kPi);
      return (e - 1 / (2 * kPi)) / variance_;
    }
    case Kind::kAbs: {
      double e = 2 / kPi * (std::sqrt(std::max(0.0, 1 - q * q)) + q * std::asin(q));
      return (e - 2 / kPi) / variance_;
    }
    case Kind::kErf: {
      double b = 2 * erf_scale_ * erf_scale_ / (1 + 2 * erf_scale_ * erf_scale_);
      return std::asin(b * q) / std::asin(b);
    }
    case Kind::kIdentity:
      return q;
    case Kind::kStep:
      return 2 / kPi * std::asin(q);
    case Kind::kLeakyRelu: {
      const double a = kLeak, r = 1 - a;
      double e = (std::sqrt(std::max(0.0, 1 - q * q)) + q * (kPi - std::acos(q))) / (2 * kPi);
      return ((a * a + a * r) * q + r * r * e - mean_ * mean_) / variance_;
    }
    case Kind::kPoly: {
      double v = 0;
      for (size_t n = hermite_.size(); n-- > 1;)
        v = v * q + hermite_[n] * hermite_[n] * Factorial(int(n)) / variance_;
      return v * q;
    }
    default:
      return QuadratureKernel(q);
  }
}

double StorageActivation::KernelDerivative(double q) const {
  MNEMO_CHECK(q >= 0 && q <= 1, "kernel argument {}", q);
  if (q == 1) return slope_one_;
  switch (kind_) {
    case Kind::kRelu:
      return (kPi - std::acos(q)) / (2 * kPi) / variance_;
    case Kind::kAbs:
      return 2 / kPi * std::asin(q) / variance_;
    case Kind::kErf: {
      double b = 2 * erf_scale_ * erf_scale_ / (1 + 2 * erf_scale_ * erf_scale_);
      return b / std::sqrt(1 - b * b * q * q) / std::asin(b);
    }
    case Kind::kIdentity:
      return 1;
    case Kind::kStep:
      return 2 / kPi / std::sqrt(1 - q * q);
    case Kind::kLeakyRelu: {
      const double a = kLeak, r = 1 - a;
      return (a * a + a * r + r * r * (kPi - std::acos(q)) / (2 * kPi)) / variance_;
    }
    case Kind::kPoly: {
      double v = 0;
      for (size_t n = hermite_.size(); n-- > 1;)
        v = v * q + n * hermite_[n] * hermite_[n] * Factorial(int(n)) / variance_;
      return v;
    }
    default:
      return QuadratureKernelDerivative(q);
  }
}

namespace {

// E[f(u) f(v)] for corr(u, v) = q ≥ 0, as E_s[(E_z f(√q s + √(1−q) z))²]. Kinked f: split
// Gauss–Legendre in both integrals; smooth f: Gauss–Hermite.
double NestedGaussianProduct(const std::function<double(double)>& f,
                             const std::vector<double>& kinks, double q) {
  double sq = std::sqrt(q), sr = std::sqrt(1 - q);
  if (q >= 1) {
    auto sq_f = [&](double z) { return f(z) * f(z); };
    return kinks.empty() ? [&] {
      const QuadratureRule rule = GaussHermiteRule(kHermiteNodes);
      double s = 0;
      for (size_t i = 0; i < rule.nodes.size(); ++i) s += rule.weights[i] * sq_f(rule.nodes[i]);
      return s;
    }()
                         : SplitGaussianExpectation(sq_f, kinks);
  }
  if (kinks.empty()) {
    const QuadratureRule rule = GaussHermiteRule(kHermiteNodes);
    double total = 0;
    for (size_t i = 0; i < rule.nodes.size(); ++i) {
      double m = 0;
      for (size_t j = 0; j < rule.nodes.size(); ++j)
        m += rule.weights[j] * f(sq * rule.nodes[i] + sr * rule.nodes[j]);
      total += rule.weights[i] * m * m;
    }
    return total;
  }
  auto inner = [&](double s) {
    std::vector<double> inner_kinks;
    for (double k : kinks) inner_kinks.push_back((k - sq * s) / sr);
    double m = SplitGaussianExpectation([&](double z) { return f(sq * s + sr * z); }, inner_kinks);
    return m * m;
  };
  std::vector<double> outer_kinks;
  if (sq > 0)
    for (double k : kinks) outer_kinks.push_back(k / sq);
  return SplitGaussianExpectation(inner, outer_kinks, std::max(sr / std::max(sq, 1e-300), 1e-3));
}

}  // namespace

double StorageActivation::QuadratureKernel(double q) const {
  double e = NestedGaussianProduct([this](double z) { return Value(z); }, kinks_, q);
  return (e - mean_ * mean_) / variance_;
}

double StorageActivation::QuadratureKernelDerivative(double q) const {
  // Price's theorem: d/dq E[g(u)g(v)] = E[g'(u)g'(v)].
  return NestedGaussianProduct([this](double z) { return Derivative(z); }, kinks_, q) / variance_;
}

}  // namespace mnemo
