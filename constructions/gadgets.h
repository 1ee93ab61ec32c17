// Gadgets: the small exact building blocks the constructions compose with the Assembler. Each
// states the identity it guarantees and where it holds; tests/constructions/gadgets_test.cc
// checks each identity once, exactly. `at_least_layer` (0: none) places a gadget's neurons no
// earlier than that layer, for constructions that lay out rounds explicitly.
#pragma once

#include <cstdint>
#include <vector>

#include "mnemo/assembler.h"
#include "mnemo/exact.h"

namespace mnemo::internal {

/// Exact step on a grid: relu(z/η + 1) − relu(z/η), two ReLUs. Equals 1 for z ≥ 0 and 0 for
/// z ≤ −η (so it is exact on values of z whose gaps to 0 are ≥ η), linear in between.
Form StepUp(Assembler& a, const Form& z, const Rational& eta, int32_t at_least_layer = 0);

/// Gate: relu(v − M(1 − s)) − relu(−v − M(1 − s)), two ReLUs. Equals v·s for s ∈ {0, 1} and
/// |v| ≤ M.
Form Gate(Assembler& a, const Form& v, const Form& s, const Rational& m,
          int32_t at_least_layer = 0);

// ------------------------------------------------------------- bit extraction (bitextract)

/// Saturating step (float-safe): a = relu(z/η + 1) in one layer, r = relu(1 − a) in the next;
/// returns 1 − r. Equals 1 for z ≥ 0 and 0 for z ≤ −η, and every neuron stays in [0, 1] past
/// the first, so large weights downstream never multiply an unbounded ramp.
Form SaturatingStep(Assembler& a, const Form& z, const Rational& eta, int32_t at_least_layer = 0);

/// One-neuron gate for a nonnegative value: relu(v − M(1 − s)). Equals v·s for s ∈ {0, 1} and
/// 0 ≤ v ≤ M.
Form GateNonNegative(Assembler& a, const Form& v, const Form& s, const Rational& m,
                     int32_t at_least_layer = 0);

/// Window on an integer grid: StepUp(z, 1) − StepUp(z − w, 1), four ReLUs in one layer. For
/// integer z and integer w ≥ 1: 1 when 0 ≤ z < w, else 0 (the key match of the decoder).
Form Window(Assembler& a, const Form& z, const Integer& w, int32_t at_least_layer = 0);

/// Float-safe window: the two saturating steps of Window, four neurons over two layers.
Form SaturatingWindow(Assembler& a, const Form& z, const Integer& w, int32_t at_least_layer = 0);

/// Table lookup: Σ_a table[a]·onehot[a], an affine form (no neurons). For a one-hot vector it
/// selects one entry of the table (a column of weights stores the table).
Form TableLookup(const std::vector<Form>& onehot, const std::vector<Integer>& table);

/// q-bit peel (one layer): for an integer 0 ≤ X < 2^q·base with base ≥ 1 a power of two, the
/// top digit ⌊X / base⌋ = Σ_{j=1}^{2^q − 1} 1[X ≥ j·base], 2(2^q − 1) ReLUs.
Form PeelDigit(Assembler& a, const Form& x, int q, const Integer& base, int32_t at_least_layer = 0);

/// Two-layer q-bit peel (float-safe): the ramps relu(X − j·base + 1), relu(X − j·base) in one
/// layer, each step b_j = relu(ramp₁ − ramp₂) a neuron of the next, so the digit's neurons are
/// 0/1 before any large weight multiplies them. 2(2^q − 1) then 2^q − 1 ReLUs.
Form PeelDigitTwoLayer(Assembler& a, const Form& x, int q, const Integer& base,
                       int32_t at_least_layer = 0);

}  // namespace mnemo::internal
