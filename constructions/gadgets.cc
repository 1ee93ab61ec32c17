#include "constructions/gadgets.h"

#include "mnemo/error.h"

// The operands of a binary operator are evaluated in an unspecified order: every gadget makes
// its neurons in named statements, so the node order (and the network's bytes) is the same with
// every compiler.

namespace mnemo::internal {

Form StepUp(Assembler& a, const Form& z, const Rational& eta, int32_t at_least_layer) {
  MNEMO_CHECK(eta > 0, "step width must be positive");
  Form scaled = Rational(1 / eta) * z;
  const Node up = a.Relu(scaled + Rational(1), at_least_layer);
  const Node down = a.Relu(std::move(scaled), at_least_layer);
  return Form(up) - Form(down);
}

Form Gate(Assembler& a, const Form& v, const Form& s, const Rational& m,
          int32_t at_least_layer) {
  MNEMO_CHECK(m > 0, "gate bound must be positive");
  const Form off = m * s - m;  // 0 when s = 1, −M when s = 0
  const Node plus = a.Relu(v + off, at_least_layer);
  const Node minus = a.Relu(off - v, at_least_layer);
  return Form(plus) - Form(minus);
}

// ------------------------------------------------------------- bit extraction (bitextract)

Form SaturatingStep(Assembler& a, const Form& z, const Rational& eta, int32_t at_least_layer) {
  MNEMO_CHECK(eta > 0, "step width must be positive");
  const Node ramp = a.Relu(Rational(1 / eta) * z + Rational(1), at_least_layer);
  const Node rest = a.Relu(Form::Constant(1) - Form(ramp));
  return Form::Constant(1) - Form(rest);
}

Form GateNonNegative(Assembler& a, const Form& v, const Form& s, const Rational& m,
                     int32_t at_least_layer) {
  MNEMO_CHECK(m > 0, "gate bound must be positive");
  return Form(a.Relu(v + (m * s - m), at_least_layer));
}

Form Window(Assembler& a, const Form& z, const Integer& w, int32_t at_least_layer) {
  MNEMO_CHECK(w >= 1, "window width must be ≥ 1");
  const Form up = StepUp(a, z, 1, at_least_layer);
  const Form down = StepUp(a, z - Rational(w), 1, at_least_layer);
  return up - down;
}

Form SaturatingWindow(Assembler& a, const Form& z, const Integer& w, int32_t at_least_layer) {
  MNEMO_CHECK(w >= 1, "window width must be ≥ 1");
  const Form up = SaturatingStep(a, z, 1, at_least_layer);
  const Form down = SaturatingStep(a, z - Rational(w), 1, at_least_layer);
  return up - down;
}

Form TableLookup(const std::vector<Form>& onehot, const std::vector<Integer>& table) {
  MNEMO_CHECK(onehot.size() == table.size(), "table of {} entries for {} selectors",
              table.size(), onehot.size());
  Form out;
  for (size_t i = 0; i < onehot.size(); ++i)
    if (table[i] != 0) out.AddScaled(onehot[i], Rational(table[i]));
  return out;
}

Form PeelDigit(Assembler& a, const Form& x, int q, const Integer& base, int32_t at_least_layer) {
  MNEMO_CHECK(q >= 1 && q <= 16 && base >= 1, "peel of {} bits", q);
  Form digit;
  for (int64_t j = 1; j < (int64_t(1) << q); ++j)
    digit += StepUp(a, x - Rational(Integer(static_cast<long>(j)) * base), 1, at_least_layer);
  return digit;
}

Form PeelDigitTwoLayer(Assembler& a, const Form& x, int q, const Integer& base,
                       int32_t at_least_layer) {
  MNEMO_CHECK(q >= 1 && q <= 16 && base >= 1, "peel of {} bits", q);
  std::vector<std::pair<Node, Node>> ramps;
  for (int64_t j = 1; j < (int64_t(1) << q); ++j) {
    const Form z = x - Rational(Integer(static_cast<long>(j)) * base);
    ramps.emplace_back(a.Relu(z + Rational(1), at_least_layer), a.Relu(z, at_least_layer));
  }
  Form digit;
  for (const auto& [hi, lo] : ramps) digit += Form(a.Relu(Form(hi) - Form(lo)));
  return digit;
}

}  // namespace mnemo::internal

// ---- Gadgets of vershynin, baum, bubeck and yun -------------------------------------------

namespace mnemo::internal {

Form GridStep(Assembler& a, Form z, const Rational& gamma, Activation::Kind kind) {
  MNEMO_CHECK(gamma > 0, "grid step must be positive");
  if (kind == Activation::kStep) {
    z -= Rational(gamma / 2);
    return Form(a.Step(std::move(z)));
  }
  MNEMO_CHECK(kind == Activation::kRelu, "a grid step is a step or two ReLUs");
  z -= gamma;
  return StepUp(a, z, gamma);
}

Form Slab(Assembler& a, const Form& z, const Rational& lo, const Rational& hi) {
  MNEMO_CHECK(lo < hi, "empty slab");
  const Node above_lo = a.Step(z - lo);
  const Node above_hi = a.Step(z - hi);
  return Form(above_lo) - Form(above_hi);
}

Form HardTanh(Assembler& a, const Form& g) {
  const Node up = a.Relu(g + Rational(1));
  const Node down = a.Relu(g - Rational(1));
  return Form(up) - Form(down) - Rational(1);
}

std::vector<Form> DirectionalBumps(Assembler& a, const Form& s, const std::vector<Form>& readouts,
                                   const Rational& eta, const Rational& eps,
                                   const Rational& scale) {
  MNEMO_CHECK(eta > 0 && eps > 0 && scale > 0, "bump parameters must be positive");
  const Node plus = a.Relu(s + eps);
  const Node minus = a.Relu(s - eps);
  const Form base = Rational(1 / eta) * (Form(plus) - Form(minus));
  const Rational le = scale * eps, out = 1 / (scale * eta);
  std::vector<Form> f;
  for (const Form& r : readouts) {
    const Form moved = scale * s + Rational(scale * eta) * r;
    const Node up = a.Relu(moved + le);
    const Node down = a.Relu(moved - le);
    f.push_back(out * (Form(up) - Form(down)) - base);
  }
  return f;
}

Node Or(Assembler& a, Form sum, Activation::Kind kind, int32_t at_least_layer) {
  if (kind == Activation::kStep) {
    sum -= Rational(1, 2);
    return a.Step(std::move(sum), at_least_layer);
  }
  MNEMO_CHECK(kind == Activation::kRelu, "an OR is a step or a ReLU");
  return a.Relu(std::move(sum), at_least_layer);
}

}  // namespace mnemo::internal
