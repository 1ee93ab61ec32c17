// Tests of constructions/gadgets.h: each gadget's identity, checked once, exactly, on the
// boundary cases that make it hold (and the ones just outside, where the text says so).
#include "constructions/gadgets.h"

#include <functional>

#include <gtest/gtest.h>

#include "mnemo/evaluate.h"

namespace mnemo::internal {
namespace {

// Compiles one scalar input x ↦ gadget(x) and evaluates it exactly at `xs`.
std::vector<Rational> Evaluate(const std::function<Form(Assembler&, const Form&)>& gadget,
                               const std::vector<Rational>& xs) {
  Assembler a(1);
  a.Output(gadget(a, Form(a.Input(0))));
  Network net = a.Compile(Activation::kIdentity);
  RowMatrix x(int64_t(xs.size()), 1);
  for (size_t i = 0; i < xs.size(); ++i) x(int64_t(i), 0) = ToDouble(xs[i]);
  ExactOutputs out = EvaluateExact(net, x);
  std::vector<Rational> got;
  for (size_t i = 0; i < xs.size(); ++i) {
    Rational v = out.At(int64_t(i), 0);
    v.canonicalize();
    got.push_back(v);
  }
  return got;
}

std::vector<Rational> Range(int64_t lo, int64_t hi) {
  std::vector<Rational> v;
  for (int64_t x = lo; x <= hi; ++x) v.push_back(Rational(x));
  return v;
}

TEST(Gadgets, StepUpIsExactOutsideTheRamp) {
  const Rational eta(1, 4);
  const std::vector<Rational> xs = {Rational(-1), -eta, Rational(0), Rational(1, 1024), Rational(3)};
  const std::vector<Rational> got =
      Evaluate([&](Assembler& a, const Form& z) { return StepUp(a, z, eta); }, xs);
  EXPECT_EQ(got, (std::vector<Rational>{0, 0, 1, 1, 1}));
}

TEST(Gadgets, GateMultipliesByTheBit) {
  // v = x − 5, s = 1 (x ≥ 0 here): gate = v; with s = 0: 0. |v| ≤ M = 16.
  for (int s : {0, 1}) {
    const std::vector<Rational> xs = Range(-11, 21);
    const std::vector<Rational> got = Evaluate(
        [&](Assembler& a, const Form& x) {
          return Gate(a, x - Rational(5), Form::Constant(s), Rational(16));
        },
        xs);
    for (size_t i = 0; i < xs.size(); ++i) EXPECT_EQ(got[i], s * (xs[i] - 5)) << xs[i];
  }
}

TEST(Gadgets, SaturatingStepIsExactOutsideTheRamp) {
  const std::vector<Rational> xs = {Rational(-5), Rational(-1), Rational(0), Rational(7)};
  const std::vector<Rational> got =
      Evaluate([](Assembler& a, const Form& z) { return SaturatingStep(a, z, 1); }, xs);
  EXPECT_EQ(got, (std::vector<Rational>{0, 0, 1, 1}));
}

TEST(Gadgets, GateNonNegativeMultipliesByTheBit) {
  for (int s : {0, 1}) {
    const std::vector<Rational> xs = Range(0, 16);
    const std::vector<Rational> got = Evaluate(
        [&](Assembler& a, const Form& x) {
          return GateNonNegative(a, x, Form::Constant(s), Rational(16));
        },
        xs);
    for (size_t i = 0; i < xs.size(); ++i) EXPECT_EQ(got[i], s * xs[i]) << xs[i];
  }
}

TEST(Gadgets, WindowsAreOneExactlyOnTheirIntegers) {
  const std::vector<Rational> xs = Range(-3, 12);
  for (bool saturating : {false, true}) {
    const std::vector<Rational> got = Evaluate(
        [&](Assembler& a, const Form& z) {
          return saturating ? SaturatingWindow(a, z, Integer(8)) : Window(a, z, Integer(8));
        },
        xs);
    for (size_t i = 0; i < xs.size(); ++i)
      EXPECT_EQ(got[i], xs[i] >= 0 && xs[i] < 8 ? 1 : 0) << xs[i] << " saturating " << saturating;
  }
}

TEST(Gadgets, TableLookupSelectsTheColumnOfTheOneHot) {
  // One-hot of x ∈ {0, 1, 2} from steps; the table (7, −3, 40) read through it.
  const std::vector<Rational> xs = Range(0, 2);
  const std::vector<Rational> got = Evaluate(
      [](Assembler& a, const Form& x) {
        const Form s1 = StepUp(a, x - Rational(1), 1), s2 = StepUp(a, x - Rational(2), 1);
        const std::vector<Form> onehot = {Form::Constant(1) - s1, s1 - s2, s2};
        return TableLookup(onehot, {Integer(7), Integer(-3), Integer(40)});
      },
      xs);
  EXPECT_EQ(got, (std::vector<Rational>{7, -3, 40}));
}

TEST(Gadgets, PeelDigitIsTheTopDigitOfEveryInteger) {
  // X < 2^q·base with base = 4: the digit ⌊X/4⌋, for q = 1..3 and every X.
  for (int q = 1; q <= 3; ++q)
    for (bool two_layer : {false, true}) {
      const std::vector<Rational> xs = Range(0, (int64_t(4) << q) - 1);
      const std::vector<Rational> got = Evaluate(
          [&](Assembler& a, const Form& x) {
            return two_layer ? PeelDigitTwoLayer(a, x, q, Integer(4)) : PeelDigit(a, x, q, Integer(4));
          },
          xs);
      for (size_t i = 0; i < xs.size(); ++i)
        EXPECT_EQ(got[i], Rational(int64_t(i) / 4)) << "q " << q << " X " << i;
    }
}

}  // namespace
}  // namespace mnemo::internal
