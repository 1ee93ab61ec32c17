// Tests for mnemo/assembler.h: forms combine exactly, compiled networks compute the DAG's
// function exactly, relays (nonnegative, signed pair, step, identity) are inserted and counted,
// layers are longest paths.
#include "mnemo/assembler.h"

#include <gtest/gtest.h>

#include "mnemo/evaluate.h"
#include "mnemo/random.h"

namespace mnemo {
namespace {

// An Assembler that also remembers every neuron, to evaluate the DAG directly.
class RecordingBuilder {
 public:
  explicit RecordingBuilder(int32_t d) : g_(d), d_(d) {}
  Node Add(Activation::Kind act, const Form& e, int32_t at_least = 0) {
    defs_.push_back({act, e});
    return act == Activation::kRelu   ? g_.Relu(e, at_least)
           : act == Activation::kStep ? g_.Step(e, at_least)
                                      : g_.Linear(e, at_least);
  }
  void Output(const Form& e) {
    outputs_.push_back(e);
    g_.Output(e);
  }
  Assembler& g() { return g_; }

  // Direct evaluation of the Forms in rationals.
  std::vector<Rational> Eval(const std::vector<Rational>& x) const {
    std::vector<Rational> v(x);
    auto eval = [&](const Form& e) { return e.Evaluate(v); };
    for (const auto& [act, e] : defs_) {
      Rational z = eval(e);
      if (act == Activation::kRelu && z < 0) z = 0;
      if (act == Activation::kStep) z = z >= 0 ? 1 : 0;
      v.push_back(z);
    }
    std::vector<Rational> out;
    for (const Form& e : outputs_) out.push_back(eval(e));
    return out;
  }

  // Checks the compiled network against Eval on the rows of x.
  void ExpectSameFunction(const Network& net, const RowMatrix& x) const {
    ExactOutputs out = EvaluateExact(net, x);
    for (int64_t i = 0; i < x.rows(); ++i) {
      std::vector<Rational> xi;
      for (int32_t j = 0; j < d_; ++j) xi.push_back(RationalFromDouble(x(i, j)));
      std::vector<Rational> want = Eval(xi);
      ASSERT_EQ(int64_t(want.size()), out.cols);
      for (int64_t c = 0; c < out.cols; ++c) {
        Rational got = out.At(i, c);
        got.canonicalize();
        EXPECT_EQ(got, want[c]) << "row " << i << " output " << c;
      }
    }
  }

 private:
  Assembler g_;
  int32_t d_;
  std::vector<std::pair<Activation::Kind, Form>> defs_;
  std::vector<Form> outputs_;
};

// p/q in canonical form (mpq_class(p, q) is not reduced, and gmp needs reduced operands).
Rational R(int64_t p, int64_t q) {
  Rational r(p, q);
  r.canonicalize();
  return r;
}

RowMatrix Grid1D2() {
  RowMatrix x(4, 2);
  x << -2, 1, 0.5, 0.25, 3, -1, 0, 0;
  return x;
}

RowMatrix Grid1D() {
  RowMatrix x(9, 1);
  x << -2, -1, -0.5, -0.25, 0, 0.25, 0.5, 1, 3;
  return x;
}

TEST(FormTest, ArithmeticCombinesTermsAndDropsZeros) {
  Form a = Form(0) + Rational(2) * Form(1) + R(1, 2);
  EXPECT_EQ(a.terms().size(), 2u);
  Form c = a - Rational(2) * Form(1);
  EXPECT_EQ(c.terms().size(), 1u);
  EXPECT_EQ(c.Coefficient(0), 1);
  EXPECT_EQ(c.Coefficient(1), 0);
  EXPECT_EQ(c.ConstantValue(), R(1, 2));
  Form z = Rational(0) * a;
  EXPECT_TRUE(z.terms().empty());
  EXPECT_EQ(z.ConstantValue(), 0);
}

TEST(FormTest, MixedDenominatorsAddExactly) {
  Form a = R(1, 3) * Form(0) + R(1, 4);
  a += R(1, 6) * Form(0);         // 1/3 + 1/6 = 1/2
  a.AddScaled(Form(1), R(3, 8));  // + 3/8·node1
  a -= R(1, 4);
  EXPECT_EQ(a.Coefficient(0), R(1, 2));
  EXPECT_EQ(a.Coefficient(1), R(3, 8));
  EXPECT_EQ(a.ConstantValue(), 0);
  a += a;  // self-addition doubles
  EXPECT_EQ(a.Coefficient(0), 1);
  EXPECT_EQ(a.Evaluate({Rational(2), Rational(8)}), Rational(2 + 6));
}

TEST(AssemblerTest, IdentityLayerRelaysByCopy) {
  RecordingBuilder rb(2);
  Node t = rb.Add(Activation::kIdentity, Form(0) - Form(1));
  Node u = rb.Add(Activation::kIdentity, Rational(3) * Form(t));
  rb.Output(Form(u) + Form(0));  // input 0 through the two identity layers: one copy each
  Network net = rb.g().Compile();
  EXPECT_EQ(net.relays, 2);
  rb.ExpectSameFunction(net, Grid1D2());
}

TEST(AssemblerTest, LayersAreLongestPaths) {
  Assembler g(2);
  Node a = g.Relu(Form(g.Input(0)));
  Node b = g.Relu(Form(a) + Form(g.Input(1)));
  Node c = g.Relu(Form(g.Input(1)));   // layer 1 despite being created late
  Node e = g.Relu(Form(b) + Form(c));  // longest path through b: layer 3
  Node f = g.Relu(Form(g.Input(0)), 3);
  EXPECT_EQ(g.LayerOf(g.Input(0)), 0);
  EXPECT_EQ(g.LayerOf(a), 1);
  EXPECT_EQ(g.LayerOf(b), 2);
  EXPECT_EQ(g.LayerOf(c), 1);
  EXPECT_EQ(g.LayerOf(e), 3);
  EXPECT_EQ(g.LayerOf(f), 3);
  EXPECT_EQ(g.neurons(), 5);
  g.Output(Form(e) + Form(f));
  Network net = g.Compile();
  ASSERT_EQ(net.layers.size(), 4u);
  EXPECT_EQ(net.layers[2].outputs, 2);  // e and f
  EXPECT_EQ(net.layers[3].activation.kind, Activation::kIdentity);
}

TEST(AssemblerTest, NonnegativeReluIsRelayedByOneRelu) {
  RecordingBuilder rb(1);
  Node a = rb.Add(Activation::kRelu, Form(0) - Rational(1, 4));
  Node b = rb.Add(Activation::kRelu, Rational(-1) * Form(a) + Rational(1));
  Node c = rb.Add(Activation::kRelu, Form(b) - Rational(1, 2));
  rb.Output(Rational(3) * Form(a) + Form(c));  // a skips layers 2 and 3
  Network net = rb.g().Compile();
  ASSERT_EQ(net.layers.size(), 4u);
  EXPECT_EQ(net.relays, 2);
  EXPECT_EQ(net.Stats().relays, 2);
  EXPECT_EQ(net.layers[1].outputs, 2);  // b + relay of a
  EXPECT_EQ(net.layers[2].outputs, 2);  // c + relay of a
  rb.ExpectSameFunction(net, Grid1D());
}

TEST(AssemblerTest, SignedValuesAreRelayedByAPairOfRelus) {
  RecordingBuilder rb(1);
  Node a = rb.Add(Activation::kRelu, Form(0));
  Node b = rb.Add(Activation::kRelu, Form(a) - Rational(1, 2));
  rb.Output(Form(b) + Rational(5) * Form(0));  // the raw (signed) input skips layers 1 and 2
  Network net = rb.g().Compile();
  ASSERT_EQ(net.layers.size(), 3u);
  EXPECT_EQ(net.relays, 4);  // a pair in each of the two hidden layers
  EXPECT_EQ(net.layers[0].outputs, 3);
  EXPECT_EQ(net.layers[1].outputs, 3);
  rb.ExpectSameFunction(net, Grid1D());
}

TEST(AssemblerTest, IdentityNeuronThroughReluLayerUsesAPair) {
  RecordingBuilder rb(1);
  Node t = rb.Add(Activation::kIdentity, Rational(2) * Form(0) - Rational(1));
  Node a = rb.Add(Activation::kRelu, Form(t));
  Node b = rb.Add(Activation::kRelu, Form(a) - Form(t));  // t relayed through layer 2 (pair)
  rb.Output(Form(b) - Form(t));                           // and through layer 3 (pair)
  Network net = rb.g().Compile();
  ASSERT_EQ(net.layers.size(), 4u);
  EXPECT_EQ(net.relays, 4);
  rb.ExpectSameFunction(net, Grid1D());
}

TEST(AssemblerTest, StepValuesAreRelayedThroughStepLayers) {
  RecordingBuilder rb(1);
  Node s = rb.Add(Activation::kStep, Form(0));
  Node u = rb.Add(Activation::kStep, Rational(-1) * Form(s) + Rational(1, 2));
  Node w = rb.Add(Activation::kStep, Form(u) - Rational(1, 2));
  rb.Output(Rational(4) * Form(s) + Rational(2) * Form(u) + Form(w));
  Network net = rb.g().Compile(Activation::kIdentity);
  ASSERT_EQ(net.layers.size(), 4u);
  EXPECT_EQ(net.relays, 3);  // s through layers 2 and 3, u through layer 3
  for (int l = 0; l < 3; ++l) EXPECT_EQ(net.layers[l].activation.kind, Activation::kStep);
  rb.ExpectSameFunction(net, Grid1D());
}

TEST(AssemblerTest, RandomReluDagsCompileToTheSameFunction) {
  for (uint64_t seed = 1; seed <= 30; ++seed) {
    Rng rng(seed);
    const int32_t d = 1 + int32_t(rng() % 3);
    RecordingBuilder rb(d);
    std::vector<Node> nodes;
    for (int32_t j = 0; j < d; ++j) nodes.push_back(j);
    int count = 3 + int(rng() % 10);
    for (int k = 0; k < count; ++k) {
      Form e = Form::Constant(R(int64_t(rng() % 9) - 4, 4));
      for (int t = 0; t < 3; ++t)
        e += R(int64_t(rng() % 9) - 4, int64_t(1 + rng() % 4)) * Form(nodes[rng() % nodes.size()]);
      nodes.push_back(rb.Add(Activation::kRelu, e));
    }
    Form out;
    for (int t = 0; t < 4; ++t)
      out += Rational(int64_t(rng() % 7) - 3) * Form(nodes[rng() % nodes.size()]);
    rb.Output(out);
    rb.Output(Form(nodes.back()));
    Network net = rb.g().Compile();
    net.CheckValid();
    RowMatrix x(25, d);
    for (int64_t i = 0; i < x.size(); ++i)
      x.data()[i] = std::ldexp(std::nearbyint(std::ldexp(UniformReal(rng, -2, 2), 6)), -6);
    SCOPED_TRACE(::testing::Message() << "seed " << seed);
    rb.ExpectSameFunction(net, x);
  }
}

TEST(AssemblerDeathTest, NonBinaryValueCannotCrossAStepLayer) {
  Assembler g(1);
  Node a = g.Relu(Form(0));
  Node s = g.Step(Form(a));
  g.Output(Form(a) + Form(s));
  EXPECT_DEATH(g.Compile(), "cannot relay");
}

}  // namespace
}  // namespace mnemo
