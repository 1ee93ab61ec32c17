// The hidden activation σ of the two-layer model f(x) = Σ_j v_j σ(w_jᵀx + b_j).
//
// Names (one vocabulary across mnemo): relu, leaky-relu (slope 1/100 below 0; leaky-relu:A for
// another rational slope A in (0, 1)), hard-tanh (z clamped to [−1, 1]), step (Heaviside,
// 1[z ≥ 0]), sigmoid, tanh, softplus, gelu, silu, erf, sin, exp, and poly:c0,c1,... (rational
// coefficients; poly:k is t^k). identity is rejected: it makes the model linear.
//
// What this header guarantees:
//  * Value and Derivative are double-precision evaluations (overflow-safe forms); ValueError and
//    DerivativeError bound their error for the float fast path (a few ulp of glibc's libm, with
//    generous constants: an assumption about libm, which is why a float certificate is evidence,
//    not a proof).
//  * The kind predicates decide which certificate applies: piecewise-linear σ (relu, leaky-relu,
//    hard-tanh, step) are evaluated exactly on rationals (ExactValue, ExactDerivative); polynomials
//    have rational coefficients (mod-p certificates); transcendental σ get ball arithmetic.
//  * LocalDegree is what the degree hypothesis of the Madden–Thrampoulidis theorem looks at: the
//    degree of σ restricted to a neighbourhood of a point where σ is analytic (−1 when σ is not a
//    polynomial near any point, i.e. transcendental).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "mnemo/exact.h"
#include "mnemo/network.h"

namespace mnemo {

class TwoLayerActivation {
 public:
  enum class Kind {
    kRelu,
    kLeakyRelu,
    kHardTanh,
    kStep,  // piecewise linear
    kSigmoid,
    kTanh,
    kSoftplus,
    kGelu,
    kSilu,
    kErf,
    kSin,
    kExp,   // transcendental
    kPoly,  // polynomial
  };

  /// tanh.
  TwoLayerActivation();
  /// Parses a name; throws mnemo::Error naming `where` for unknown names, identity, the zero
  /// polynomial and slopes outside (0, 1).
  static TwoLayerActivation Parse(const std::string& name,
                                  const std::string& where = "--activation");
  /// The accepted names, "relu, leaky-relu, ...", for help texts.
  static std::string Vocabulary();

  Kind kind() const { return kind_; }
  std::string Name() const;
  double Value(double z) const;
  /// σ′(z); at a kink of a piecewise-linear σ the right derivative (exact points avoid kinks).
  double Derivative(double z) const;

  bool IsPolynomial() const { return kind_ == Kind::kPoly; }
  bool IsPiecewiseLinear() const;
  /// Analytic on all of ℝ and not a polynomial (sigmoid ... exp).
  bool IsTranscendental() const;
  /// Analytic on all of ℝ: transcendental or polynomial (not piecewise linear).
  bool IsAnalytic() const { return !IsPiecewiseLinear(); }
  /// Degree of σ near a point where it is analytic: the polynomial's degree, the largest degree
  /// of a linear piece (relu, leaky-relu, hard-tanh: 1; step: 0), −1 for transcendental σ.
  int LocalDegree() const;
  /// Degree of the polynomial (trailing zero coefficients ignored); −1 otherwise.
  int Degree() const { return degree_; }
  /// k when σ = c·t^k with c ≠ 0 (a single nonzero coefficient); −1 otherwise.
  int MonomialDegree() const;
  /// σ(0) = 0 and σ′(0) ≠ 0 (tanh, sin, erf, gelu, silu, hard-tanh, polynomials with c0 = 0 ≠ c1).
  bool HasSimpleZeroAtOrigin() const;
  /// σ(z) = z·σ′(z) wherever σ is differentiable (relu, leaky-relu): the v-column of a neuron is a
  /// combination of its W- and b-columns.
  bool IsPositivelyHomogeneous() const;
  /// Polynomial coefficients c0, c1, ... (kPoly only).
  const std::vector<Rational>& Coefficients() const { return poly_; }

  /// Piecewise-linear σ: the kinks (relu, leaky-relu, step: 0; hard-tanh: −1, 1).
  std::vector<Rational> Kinks() const;
  /// Piecewise-linear σ at a rational z that is not a kink: σ(z) and σ′(z) exactly.
  Rational ExactValue(const Rational& z) const;
  Rational ExactDerivative(const Rational& z) const;

  /// The layer activation of a written network; nullopt for leaky-relu and hard-tanh, which the
  /// network format does not have.
  std::optional<Activation> NetworkActivation() const;

  /// Bounds on |fl(σ(z)) − σ(z)| and |fl(σ′(z)) − σ′(z)| for our evaluation, and sup |σ′|,
  /// sup |σ″| on [z − r, z + r] (transcendental and polynomial σ; 0 / ∞ otherwise).
  double ValueError(double z) const;
  double DerivativeError(double z) const;
  double SlopeBound(double z, double r) const;
  double CurvatureBound(double z, double r) const;

 private:
  Kind kind_ = Kind::kTanh;
  std::vector<Rational> poly_;  ///< polynomial coefficients (kPoly)
  Rational leak_{1, 100};       ///< leaky-relu slope below 0
  std::vector<double> c_;       ///< polynomial coefficients as doubles
  std::vector<double> dc_;      ///< derivative coefficients
  int degree_ = -1;
};

}  // namespace mnemo
