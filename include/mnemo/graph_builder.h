// GraphBuilder: constructions are compositions of gadgets (steps, indicators, gates, bit
// peels, table lookups). They are built as a DAG of neurons (boost::adjacency_list); affine
// combinations of neurons (Expr) are free and get folded into the next neuron's weights.
// Compile() takes a topological order, assigns every neuron to the layer given by its longest
// path from the inputs, and inserts identity relays for edges that skip layers: relu(x) for a
// value known to be ≥ 0 on the data (relu and step neurons), step(x − ½) for a 0/1 value in a
// step layer, the pair relu(x) − relu(−x) otherwise. Relays are counted in the statistics.
// Every layer has one activation; a neuron that cannot be relayed through a layer is an
// internal error (MNEMO_CHECK) naming the layer.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "mnemo/exact.h"
#include "mnemo/network.h"

namespace mnemo {

/// A node id: inputs are 0..d−1, neurons follow.
using Node = int32_t;

/// An affine combination Σ coef·node + constant of inputs and neurons. Cheap to combine.
class Expr {
 public:
  Expr() = default;
  Expr(Node node) { terms_[node] = 1; }  // NOLINT: a node is the expression 1·node
  static Expr Constant(const Rational& c) { Expr e; e.constant_ = c; return e; }

  Expr& operator+=(const Expr& o);
  Expr& operator-=(const Expr& o);
  Expr& operator*=(const Rational& a);
  Expr& operator+=(const Rational& c) { constant_ += c; return *this; }
  Expr& operator-=(const Rational& c) { constant_ -= c; return *this; }
  friend Expr operator+(Expr a, const Expr& b) { return a += b; }
  friend Expr operator-(Expr a, const Expr& b) { return a -= b; }
  friend Expr operator*(const Rational& a, Expr e) { return e *= a; }
  friend Expr operator+(Expr e, const Rational& c) { return e += c; }
  friend Expr operator-(Expr e, const Rational& c) { return e -= c; }

  const std::map<Node, Rational>& terms() const { return terms_; }
  const Rational& constant() const { return constant_; }

 private:
  std::map<Node, Rational> terms_;
  Rational constant_ = 0;
};

class GraphBuilder {
 public:
  explicit GraphBuilder(int32_t input_dim);
  ~GraphBuilder();
  GraphBuilder(GraphBuilder&&) noexcept;
  GraphBuilder& operator=(GraphBuilder&&) noexcept;

  int32_t input_dim() const;
  Node Input(int32_t i) const;
  /// A neuron act(expr). `at_least_layer` forces it no earlier than that layer (1-based).
  Node AddNeuron(Activation::Kind act, const Expr& expr, int32_t at_least_layer = 0);
  /// relu(expr): the common case.
  Node Relu(const Expr& expr) { return AddNeuron(Activation::kRelu, expr); }
  Node Step(const Expr& expr) { return AddNeuron(Activation::kStep, expr); }
  /// Declares an output (affine in the last layer); outputs keep the order of the calls.
  void AddOutput(const Expr& expr);

  int64_t neurons() const;
  /// The longest-path layer of a node (inputs: 0).
  int32_t LayerOf(Node node) const;

  /// Compiles to layers (depth = last neuron layer + 1). `output_activation` is the activation
  /// of the output layer (identity for values, step for threshold outputs).
  Network Compile(Activation::Kind output_activation = Activation::kIdentity) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mnemo
