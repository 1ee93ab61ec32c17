// Gadgets: the small exact building blocks the constructions compose with the Assembler. Each
// states the identity it guarantees and where it holds; tests/constructions/gadgets_test.cc
// checks each identity once, exactly.
#pragma once

#include "mnemo/assembler.h"
#include "mnemo/exact.h"

namespace mnemo::internal {

/// Exact step on a grid: relu(z/η + 1) − relu(z/η), two ReLUs. Equals 1 for z ≥ 0 and 0 for
/// z ≤ −η (so it is exact on values of z whose gaps to 0 are ≥ η), linear in between.
Form StepUp(Assembler& a, const Form& z, const Rational& eta);

/// Gate: relu(v − M(1 − s)) − relu(−v − M(1 − s)), two ReLUs. Equals v·s for s ∈ {0, 1} and
/// |v| ≤ M.
Form Gate(Assembler& a, const Form& v, const Form& s, const Rational& m);

}  // namespace mnemo::internal
