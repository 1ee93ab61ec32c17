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

// ---- Gadgets of vershynin, baum, bubeck and yun -------------------------------------------

namespace mnemo::internal {

/// Strict threshold on a grid: equals 1[z > 0] wherever z ≤ 0 or z ≥ γ (e.g. on values of z in
/// γℤ). `kind` picks the neurons: kStep → one step(z − γ/2); kRelu → two ReLUs, StepUp(z − γ, γ).
Form GridStep(Assembler& a, Form z, const Rational& gamma, Activation::Kind kind);

/// Slab indicator: step(z − lo) − step(z − hi), two step neurons. Equals 1 for lo ≤ z < hi and
/// 0 elsewhere (lo < hi).
Form Slab(Assembler& a, const Form& z, const Rational& lo, const Rational& hi);

/// Hard-tanh: relu(g + 1) − relu(g − 1) − 1, two ReLUs. Equals clamp(g, −1, 1) for every g.
Form HardTanh(Assembler& a, const Form& g);

/// Directional-derivative bumps (Bubeck, Eldan, Lee, Mikulincer): for a selector s, readouts
/// r_1..r_k, η, ε > 0 and a scale λ > 0 of the readout neurons (it only moves denominators from
/// their weights to the output's),
///   f_b = [φ(λ(s + ηr_b + ε)) − φ(λ(s + ηr_b − ε))]/(λη) − [φ(s + ε) − φ(s − ε)]/η,
/// 2 + 2k ReLUs (φ(s ± ε) are shared). f_b = r_b wherever |s| + η|r_b| ≤ ε, and f_b = 0
/// wherever |s| ≥ ε + η|r_b|.
std::vector<Form> DirectionalBumps(Assembler& a, const Form& s, const std::vector<Form>& readouts,
                                   const Rational& eta, const Rational& eps,
                                   const Rational& scale = Rational(1));

/// OR of signals that are each 0 or ≥ 1 (`sum` is their sum): one neuron that is 0 when all
/// are 0 and ≥ 1 otherwise — step(sum − ½) ∈ {0, 1} (kStep) or relu(sum) (kRelu) — in layer
/// `at_least_layer` or later.
Node Or(Assembler& a, Form sum, Activation::Kind kind, int32_t at_least_layer = 0);

}  // namespace mnemo::internal
