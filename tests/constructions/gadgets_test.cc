// Tests for constructions/gadgets.h: each gadget's identity, checked once, exactly, on the
// compiled network (EvaluateExact) at points where the identity is stated to hold.
#include "constructions/gadgets.h"

#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <vector>

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


// ---- gadgets of vershynin, baum, bubeck and yun

Rational R(long num, long den = 1) {
  Rational q(num, den);
  q.canonicalize();
  return q;
}

// Compiles the forms `make` returns as identity outputs and evaluates them exactly on `points`
// (rows of dyadic inputs); `want` gives the expected outputs at a point, or nullopt where the
// gadget's identity does not claim anything.
void ExpectIdentity(
    int32_t d, const std::function<std::vector<Form>(Assembler&)>& make,
    const std::vector<std::vector<double>>& points,
    const std::function<std::optional<std::vector<Rational>>(const std::vector<Rational>&)>& want) {
  Assembler a(d);
  for (const Form& f : make(a)) a.Output(f);
  Network net = a.Compile(Activation::kIdentity);
  RowMatrix x(int64_t(points.size()), d);
  for (size_t i = 0; i < points.size(); ++i)
    for (int32_t j = 0; j < d; ++j) x(int64_t(i), j) = points[i][j];
  ExactOutputs out = EvaluateExact(net, x);
  int checked = 0;
  for (size_t i = 0; i < points.size(); ++i) {
    std::vector<Rational> xi;
    for (double v : points[i]) xi.push_back(RationalFromDouble(v));
    const auto expected = want(xi);
    if (!expected) continue;
    ASSERT_EQ(int64_t(expected->size()), out.cols);
    for (int64_t c = 0; c < out.cols; ++c)
      EXPECT_EQ(out.At(int64_t(i), c), (*expected)[c]) << "point " << i << " output " << c;
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

std::vector<std::vector<double>> Line(double lo, double hi, double step) {
  std::vector<std::vector<double>> p;
  for (double v = lo; v <= hi; v += step) p.push_back({v});
  return p;
}

// ---- Shared gadgets (StepUp, Gate) ---------------------------------------------------------

TEST(GadgetsTest, StepUpIsOneAboveZeroAndZeroBelowMinusEta) {
  const Rational eta = R(1, 4);
  ExpectIdentity(
      1, [&](Assembler& a) { return std::vector<Form>{StepUp(a, Form(0), eta)}; },
      Line(-2, 2, 0.125),
      [&](const std::vector<Rational>& x) -> std::optional<std::vector<Rational>> {
        if (x[0] >= 0) return std::vector<Rational>{1};
        if (x[0] <= -eta) return std::vector<Rational>{0};
        return std::nullopt;
      });
}

TEST(GadgetsTest, GateIsValueTimesSwitch) {
  // v = x0 with |v| ≤ M = 2, the switch s = x1 ∈ {0, 1}.
  std::vector<std::vector<double>> pts;
  for (double v = -2; v <= 2; v += 0.25)
    for (double s : {0.0, 1.0}) pts.push_back({v, s});
  ExpectIdentity(
      2, [](Assembler& a) { return std::vector<Form>{Gate(a, Form(0), Form(1), R(2))}; }, pts,
      [](const std::vector<Rational>& x) -> std::optional<std::vector<Rational>> {
        return std::vector<Rational>{x[1] == 1 ? x[0] : Rational(0)};
      });
}

// ---- Gadgets of vershynin, baum, bubeck and yun --------------------------------------------

TEST(GadgetsTest, GridStepIsTheStrictThresholdOffTheOpenGap) {
  const Rational gamma = R(1, 8);
  for (Activation::Kind kind : {Activation::kStep, Activation::kRelu}) {
    std::vector<std::vector<double>> pts = Line(-1, 1, 0.125);   // the grid γℤ
    for (double v : {-0.3, 0.13, 0.7, 5.0}) pts.push_back({v});  // off the grid, outside (0, γ)
    ExpectIdentity(
        1, [&](Assembler& a) { return std::vector<Form>{GridStep(a, Form(0), gamma, kind)}; }, pts,
        [&](const std::vector<Rational>& x) -> std::optional<std::vector<Rational>> {
          return std::vector<Rational>{x[0] > 0 ? 1 : 0};
        });
  }
}

TEST(GadgetsTest, SlabIsTheIndicatorOfAHalfOpenInterval) {
  const Rational lo = R(-1, 2), hi = R(3, 4);
  ExpectIdentity(
      1, [&](Assembler& a) { return std::vector<Form>{Slab(a, Form(0), lo, hi)}; },
      Line(-2, 2, 0.0625),
      [&](const std::vector<Rational>& x) -> std::optional<std::vector<Rational>> {
        return std::vector<Rational>{x[0] >= lo && x[0] < hi ? 1 : 0};
      });
}

TEST(GadgetsTest, HardTanhClampsToMinusOneOne) {
  ExpectIdentity(
      1, [](Assembler& a) { return std::vector<Form>{HardTanh(a, R(3) * Form(0))}; },
      Line(-2, 2, 0.0625),
      [](const std::vector<Rational>& x) -> std::optional<std::vector<Rational>> {
        Rational g = 3 * x[0];
        return std::vector<Rational>{g < -1 ? Rational(-1) : g > 1 ? Rational(1) : g};
      });
}

TEST(GadgetsTest, DirectionalBumpsReadOutOnTheSelectorAndVanishOffIt) {
  // Selector s = x0, readouts r1 = x1 and r2 = 1/4 − 2·x1; η = 1/8, ε = 1/2; λ = 3 (not dyadic:
  // the scale only moves denominators).
  const Rational eta = R(1, 8), eps = R(1, 2);
  std::vector<std::vector<double>> pts;
  for (double s = -2; s <= 2; s += 0.0625)
    for (double r : {-1.0, 0.0, 0.5, 1.0}) pts.push_back({s, r});
  for (const Rational& scale : {R(1), R(3)}) {
    ExpectIdentity(
        2,
        [&](Assembler& a) {
          return DirectionalBumps(a, Form(0), {Form(1), R(-2) * Form(1) + R(1, 4)}, eta, eps,
                                  scale);
        },
        pts,
        [&](const std::vector<Rational>& x) -> std::optional<std::vector<Rational>> {
          const std::vector<Rational> r = {x[1], R(1, 4) - 2 * x[1]};
          std::vector<Rational> f;
          for (const Rational& rb : r) {
            const Rational s_abs = abs(x[0]), r_abs = abs(rb);
            if (s_abs + eta * r_abs <= eps)
              f.push_back(rb);
            else if (s_abs >= eps + eta * r_abs)
              f.push_back(0);
            else
              return std::nullopt;
          }
          return f;
        });
  }
}

TEST(GadgetsTest, OrIsZeroExactlyWhenEverySignalIsZero) {
  // Signals step(x0) ∈ {0, 1} and 2·step(x1) ∈ {0, 2}; the OR sits in layer 3 (relayed inputs).
  std::vector<std::vector<double>> pts;
  for (double u : {-1.0, 1.0})
    for (double v : {-1.0, 0.5}) pts.push_back({u, v});
  for (Activation::Kind kind : {Activation::kStep, Activation::kRelu}) {
    ExpectIdentity(
        2,
        [&](Assembler& a) {
          const Form s(a.Step(Form(0)));
          const Form t = R(2) * Form(a.Step(Form(1)));
          return std::vector<Form>{Form(Or(a, s + t, kind, 3))};
        },
        pts,
        [&](const std::vector<Rational>& x) -> std::optional<std::vector<Rational>> {
          const Rational sum = Rational(x[0] >= 0 ? 1 : 0) + Rational(x[1] >= 0 ? 2 : 0);
          if (kind == Activation::kStep) return std::vector<Rational>{sum >= 1 ? 1 : 0};
          return std::vector<Rational>{sum};  // relu(sum) = sum: 0 iff every signal is 0
        });
  }
}

}  // namespace
}  // namespace mnemo::internal
