// bitextract: the deep bit-extraction memorizer with a width–depth knob.
//
// Theorem (Yang & Yang, "Memorization capacity of deep ReLU neural networks characterized by
// width and depth", arXiv 2603.09589, 2026): N points in the unit ball with pairwise distance
// ≥ δ and discrete labels are memorized by ReLU networks of width W and depth L whenever
// W²L² = O(N log(1/δ)). Built here on the projection + grouping + bit-extraction pipeline of
// Vardi, Yehudai & Shamir (ICLR 2022), following our reconstruction in
// shared/design/bit_extraction.md (stages A–D, sizes §9, float-safe variant §9.4, variants §10).
//
// What the network guarantees: every weight and bias is an integer (the whole network works in
// the integer units of the exact projection P(x) = ⟨v_num, x'·2^f⟩), so exact evaluation is
// integer fixed point; the single output equals the class index exactly at every
// data point. Sizes (exact mode, q bits peeled per layer, no pipelining):
//   width = max(2A − 1, A + 4W′ + 2, decode width), depth = L′ + n(⌈ρ/q⌉ + ⌈c/q⌉ + 2) + 3,
//   capacity N ≤ A(W′L′ + 1)n, hence W²L² ≈ 100·N(ρ + c + 2) for q = 1 (§9.2), with
//   ρ = bits per key ≈ log2(N²√d/δ) and c = ⌈log2(C + 1)⌉ bits per label.
// With --max-weight-bits B every weight and every partial sum at the data stays below 2^B
// (B = 53: the float64 network is exact), at the price of n ≤ (B − 2)/(ρ + c) points per group.
// The derivations and measured constants are in constructions/README.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "mnemo/construction.h"

namespace mnemo {

struct BitextractOptions {
  std::optional<int64_t> width, depth;  ///< targets; unset: the construction's own choice
  std::string bits_per_layer = "auto";  ///< q, 1..16 or auto
  std::string pipeline = "auto";        ///< auto | on | off
  std::optional<int64_t> max_weight_bits;
  std::string projection = "auto";      ///< auto | fused | separate
  std::optional<int64_t> a, wprime, lprime;  ///< explicit shape (all three)
  int tries = 20;

  template <class V>
  void Visit(V& v) {
    v("width", &width, "W", "target width; the depth is then as small as the construction allows", "");
    v("depth", &depth, "L", "target depth; the width is then as small as possible (both: fit or infeasible)", "");
    v("bits-per-layer", &bits_per_layer, "q", "payload bits peeled per decode layer (multi-bit peel)");
    v("pipeline", &pipeline, "auto|on|off", "fold match/gate layers into the next slot's peel");
    v("max-weight-bits", &max_weight_bits, "B", "bit budget for weights and partial sums (53: exact in float64, 24: float32)", "");
    v("projection", &projection, "auto|fused|separate", "own width-1 layer for t(x) (auto: when d > 16)");
    v("a", &a, "A", "explicit super-blocks (with --wprime, --lprime)", "");
    v("wprime", &wprime, "W'", "explicit thresholds per round", "");
    v("lprime", &lprime, "L'", "explicit point-location rounds", "");
    v("tries", &tries, "T", "random projection directions tried (the best separated is kept)");
  }
  bool IsValid(std::string* why) const;
};

Construction BitextractConstruction();

namespace internal {

/// The shape of a bitextract network: A super-blocks, W′ thresholds per round, L′ rounds,
/// n points per group (n = 1: label-only payload, no decode stage), q bits peeled per layer.
struct BitextractConfig {
  int64_t a = 1, wprime = 0, lprime = 0, n = 1;
  int q = 1;
  bool pipeline = false;   ///< fold match and gate layers into the next slot's peel (§10 iii)
  bool float_safe = false; ///< saturating steps and two-layer peels (§9.4), with `cap`
  bool separate = false;   ///< the projection t(x) gets its own width-1 layer
  int cap = 0;             ///< bit budget of weights and partial sums (float_safe only)
};

struct BitextractSizes {
  int64_t width = 0, depth = 0;
};

/// Width and depth of the network that Build emits for `config` (checked after every build).
BitextractSizes BitextractPlanSizes(const BitextractConfig& config, int rho, int c);
/// Points it can hold: A(W′L′ + 1)n.
int64_t BitextractCapacity(const BitextractConfig& config);

}  // namespace internal
}  // namespace mnemo
