#include "constructions/gadgets.h"

#include "mnemo/error.h"

namespace mnemo::internal {

Form StepUp(Assembler& a, const Form& z, const Rational& eta) {
  MNEMO_CHECK(eta > 0, "step width must be positive");
  const Form scaled = Rational(1 / eta) * z;
  return Form(a.Relu(scaled + Rational(1))) - Form(a.Relu(scaled));
}

Form Gate(Assembler& a, const Form& v, const Form& s, const Rational& m) {
  MNEMO_CHECK(m > 0, "gate bound must be positive");
  const Form off = m * s - m;  // 0 when s = 1, −M when s = 0
  return Form(a.Relu(v + off)) - Form(a.Relu(off - v));
}

}  // namespace mnemo::internal
