#include "constructions/gadgets.h"

#include "mnemo/error.h"

namespace mnemo::internal {

Form StepUp(Assembler& a, const Form& z, const Rational& eta, int32_t at_least_layer) {
  MNEMO_CHECK(eta > 0, "step width must be positive");
  const Form scaled = Rational(1 / eta) * z;
  return Form(a.Relu(scaled + Rational(1), at_least_layer)) -
         Form(a.Relu(scaled, at_least_layer));
}

Form Gate(Assembler& a, const Form& v, const Form& s, const Rational& m,
          int32_t at_least_layer) {
  MNEMO_CHECK(m > 0, "gate bound must be positive");
  const Form off = m * s - m;  // 0 when s = 1, −M when s = 0
  return Form(a.Relu(v + off, at_least_layer)) - Form(a.Relu(off - v, at_least_layer));
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
  return StepUp(a, z, 1, at_least_layer) - StepUp(a, z - Rational(w), 1, at_least_layer);
}

Form SaturatingWindow(Assembler& a, const Form& z, const Integer& w, int32_t at_least_layer) {
  MNEMO_CHECK(w >= 1, "window width must be ≥ 1");
  return SaturatingStep(a, z, 1, at_least_layer) -
         SaturatingStep(a, z - Rational(w), 1, at_least_layer);
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
