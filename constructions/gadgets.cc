#include "constructions/gadgets.h"

#include "mnemo/error.h"

// The operands of a binary operator are evaluated in an unspecified order: every gadget makes
// its neurons in named statements, so the node order (and the network's bytes) is the same with
// every compiler.

namespace mnemo::internal {

Form StepUp(Assembler& a, const Form& z, const Rational& eta) {
  MNEMO_CHECK(eta > 0, "step width must be positive");
  Form scaled = Rational(1 / eta) * z;
  const Node up = a.Relu(scaled + Rational(1));
  const Node down = a.Relu(std::move(scaled));
  return Form(up) - Form(down);
}

Form Gate(Assembler& a, const Form& v, const Form& s, const Rational& m) {
  MNEMO_CHECK(m > 0, "gate bound must be positive");
  const Form off = m * s - m;  // 0 when s = 1, −M when s = 0
  const Node plus = a.Relu(v + off);
  const Node minus = a.Relu(off - v);
  return Form(plus) - Form(minus);
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
