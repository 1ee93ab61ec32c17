// Assembler: the one way constructions build networks. A construction composes gadgets (steps,
// gates, bit peels, table lookups) as a DAG of neurons, each act(form) of an affine form over
// earlier neurons and the inputs; forms themselves are free (they fold into the next neuron's
// weights). Compile() places every neuron in the layer of its longest path from the inputs
// (creation order is topological, so the layer is known when the neuron is made), inserts
// identity relays for values used more than one layer later, and writes exact layers:
//  * a ReLU or step neuron is ≥ 0, so it is relayed through a ReLU layer by relu(x) (one neuron),
//    and a step neuron (0/1) through a step layer by step(x − ½);
//  * any other value (an input, an identity neuron) through a ReLU layer by relu(x) − relu(−x);
//  * through an identity layer by x.
// Relays are counted (NetworkStats::relays). Every layer has one activation: a neuron placed in
// a layer of another activation, or a value that cannot be relayed through a layer, is an
// internal error (MNEMO_CHECK) naming the layer. Weights are exact: integer numerators over one
// positive denominator per form, reduced per row, one common denominator per layer.
#pragma once

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "mnemo/exact.h"
#include "mnemo/network.h"

namespace mnemo {

/// A node id: inputs are 0..d−1, neurons follow in creation order.
using Node = int32_t;

/// An affine form (Σ_k a_k·node_k + a_0) / den with integer a_k and den > 0. Sums are cheap:
/// terms are appended and merged (sorted by node, zeros dropped) only when read or compiled.
class Form {
 public:
  Form() = default;
  Form(Node node);  // NOLINT: a node is the form 1·node
  static Form Constant(const Rational& c);

  /// Adds (coef / den())·node — coef in this form's units.
  Form& AddTerm(Node node, const Integer& coef);
  Form& AddTerm(Node node, int64_t coef) { return AddTerm(node, Integer(static_cast<long>(coef))); }
  /// Adds scale·other.
  Form& AddScaled(const Form& other, const Rational& scale);
  Form& operator+=(const Form& o) { return AddScaled(o, Rational(1)); }
  Form& operator-=(const Form& o) { return AddScaled(o, Rational(-1)); }
  Form& operator*=(const Rational& a);
  Form& operator+=(const Rational& c);
  Form& operator-=(const Rational& c) { return *this += Rational(-c); }
  friend Form operator+(Form a, const Form& b) { return a += b; }
  friend Form operator-(Form a, const Form& b) { return a -= b; }
  friend Form operator*(const Rational& a, Form f) { return f *= a; }
  friend Form operator+(Form f, const Rational& c) { return f += c; }
  friend Form operator-(Form f, const Rational& c) { return f -= c; }

  /// Terms (node, numerator) sorted by node, no zeros; numerators over denominator().
  const std::vector<std::pair<Node, Integer>>& terms() const;
  const Integer& constant() const { return constant_; }  ///< numerator over denominator()
  const Integer& denominator() const { return den_; }
  /// The exact coefficient of `node` (0 when absent) and the exact constant.
  Rational Coefficient(Node node) const;
  Rational ConstantValue() const;
  /// The exact value of the form at node values `value` (indexed by node).
  Rational Evaluate(const std::vector<Rational>& value) const;

 private:
  void Normalize() const;
  void Rescale(const Integer& new_den);  // multiplies numerators so den_ becomes new_den

  mutable std::vector<std::pair<Node, Integer>> terms_;
  mutable bool normalized_ = true;
  Integer constant_ = 0;
  Integer den_ = 1;
};

class Assembler {
 public:
  explicit Assembler(int32_t input_dim);
  ~Assembler();
  Assembler(Assembler&&) noexcept;
  Assembler& operator=(Assembler&&) noexcept;

  int32_t input_dim() const;
  Node Input(int32_t i) const;
  /// relu(form), ≥ 0. `at_least_layer` places it no earlier than that layer (1-based).
  Node Relu(const Form& form, int32_t at_least_layer = 0);
  /// step(form) = 1[form ≥ 0], in {0, 1}.
  Node Step(const Form& form, int32_t at_least_layer = 0);
  /// An identity neuron (a linear layer), e.g. a projection computed once.
  Node Linear(const Form& form, int32_t at_least_layer = 0);
  /// Declares an output (affine over neurons and inputs, in the output layer); outputs keep
  /// the order of the calls.
  void Output(const Form& form);

  int64_t neurons() const;
  /// The longest-path layer of a node (inputs: 0), known when the node is made.
  int32_t LayerOf(Node node) const;
  /// The last hidden layer so far (0 when there are no neurons).
  int32_t depth_hidden() const;

  /// Compiles to exact layers (depth = last hidden layer + 1); `output` is the activation of
  /// the output layer (identity for values, step for threshold outputs). Consumes the graph.
  Network Compile(Activation::Kind output = Activation::kIdentity);

 private:
  struct Impl;
  Node Add(Activation::Kind act, const Form& form, int32_t at_least_layer);
  std::unique_ptr<Impl> impl_;
};

}  // namespace mnemo
