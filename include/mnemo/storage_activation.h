// An activation g as the storage theory sees it: its Gaussian statistics (mean, variance, the
// Hermite weights c₁², c₂²) and its normalised kernel Δ(q) = Cov[g(u), g(v)]/Var g for corr(u, v)
// = q. Closed forms where they exist (relu, leaky-relu, erf, abs, quadratic, step, identity,
// polynomials), Gauss–Hermite quadrature otherwise.
#pragma once

#include <string>
#include <vector>

namespace mnemo {

/// An activation g (as seen by the capacity theory) with its Gaussian statistics for z ~ N(0,1):
/// mean, variance, Hermite weights c₁² = E[z g]²/Var g, c₂² = E[(z²−1) g]²/(2 Var g), and the
/// normalised kernel Δ(q) = Cov[g(u), g(v)]/Var g for corr(u, v) = q (so Δ(1) = 1, Δ(0) = 0).
class StorageActivation {
 public:
  /// Parses identity, relu, leaky-relu (slope 0.01), hard-tanh, quadratic, erf, erf-sqrt2
  /// (erf(z/√2)), tanh, sigmoid, gelu, softplus, abs, step (1[z ≥ 0]; after centring and
  /// normalisation the same unit as sign), or poly:a0,a1,...,an (g(z) = Σ a_k z^k, degree ≤ 16).
  /// Throws mnemo::Error otherwise.
  static StorageActivation Parse(const std::string& spec);
  /// The named activations (the rows of the activation table).
  static std::vector<std::string> Names();

  const std::string& name() const { return name_; }
  double Value(double z) const;
  /// g'(z) (0 for step away from 0; the step for relu; sign(z) for abs).
  double Derivative(double z) const;
  double mean() const { return mean_; }
  double variance() const { return variance_; }
  double c1_squared() const { return c1sq_; }
  double c2_squared() const { return c2sq_; }
  /// Δ(q), q ∈ [0, 1].
  double Kernel(double q) const;
  /// Δ'(q), q ∈ [0, 1); at q = 1 equals KernelSlopeAtOne().
  double KernelDerivative(double q) const;
  /// Δ'(1) = E[g'(z)²]/Var g; +∞ for step.
  double KernelSlopeAtOne() const { return slope_one_; }
  /// True when Δ, Δ' are closed forms (or exact Hermite sums); false when computed by quadrature.
  bool closed_form() const { return closed_form_; }
  /// Degree of a polynomial g (quadratic, poly:...); −1 otherwise.
  int PolynomialDegree() const { return kind_ == Kind::kPoly ? int(poly_.size()) - 1 : -1; }
  /// Points where g or g' is not smooth (for split quadrature).
  const std::vector<double>& kinks() const { return kinks_; }

  /// Δ(q) and Δ'(q) by nested quadrature from Value/Derivative only, ignoring the closed form.
  /// Used to validate the closed forms (validation ladder, rung 3).
  double QuadratureKernel(double q) const;
  double QuadratureKernelDerivative(double q) const;

 private:
  enum class Kind {
    kRelu,
    kLeakyRelu,
    kHardTanh,
    kErf,
    kTanh,
    kSigmoid,
    kGelu,
    kSoftplus,
    kAbs,
    kIdentity,
    kStep,
    kPoly,
  };
  StorageActivation() = default;
  void ComputeStatistics();

  std::string name_;
  Kind kind_ = Kind::kIdentity;
  double erf_scale_ = 1.0;       // erf(a z)
  std::vector<double> poly_;     // monomial coefficients (kPoly)
  std::vector<double> hermite_;  // b_n with g = Σ b_n He_n (kPoly)
  double mean_ = 0, variance_ = 1, c1sq_ = 0, c2sq_ = 0, slope_one_ = 1;
  bool closed_form_ = false;
  std::vector<double> kinks_;
};

}  // namespace mnemo
