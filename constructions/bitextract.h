// bitextract: the deep bit-extraction memorizer with a width–depth knob.
//
// Theorem (Yang & Yang, "Memorization capacity of deep ReLU neural networks characterized by
// width and depth", arXiv 2603.09589, 2026): N points in the unit ball with pairwise distance
// ≥ δ and discrete labels are memorized by ReLU networks of width W and depth L whenever
// W²L² = O(N log(1/δ)). Built here on the projection + grouping + bit-extraction pipeline of
// Vardi, Yehudai & Shamir (ICLR 2022); constructions/README.md (section bitextract) has the
// stages, the size formulas, the float-safe variant and the measured constants.
//
// Plan → emit → report: Stage A projects to exact integer positions T (shared dyadic projection,
// constructions/projection.h) and keys k = ⌊T/2^m⌋; the planner (bitextract_plan.cc) chooses
// the shape (A super-blocks, W′ thresholds per round, L′ rounds, n points per group, q bits per
// decode layer) from the width/depth asked, with closed size formulas checked against every
// network built; the emitter (bitextract_emit.cc) lays the network out with the Assembler from
// the shared gadgets (steps, gates, windows, table lookups, bit peels).
//
// What the network guarantees: every weight and bias is an integer, so exact evaluation is
// integer fixed point; the single output equals the class index exactly at every data point.
// With --max-weight-bits B every weight and every partial sum at the data stays below 2^B
// (B = 53: the float64 network is exact), at the price of n ≤ (B − 2)/(ρ + c) points per group.
//
// Relays: registers that pass a layer unchanged (the position t, the one-hot super-block
// selector e, finished key and label registers) are the Assembler's relays and are counted in
// NetworkStats::relays; registers that change (the accumulator, the payload remainder) are
// ordinary neurons.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "constructions/projection.h"
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
  std::string minimize = "none";  ///< none | params | bits | depth | width
  std::string decode = "auto";    ///< auto | match | delta | coarse


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
    v("minimize", &minimize, "params|bits|depth|width",
      "search the shapes, return the smallest network for this measure (--width, --depth: caps)");
    v("decode", &decode, "auto|match|delta|coarse",
      "decoder: match each slot's key against t, or subtract key differences from a clamped "
      "position register (width 6, fewer bits; auto: both, the smaller W²L², and coarse too "
      "with --width/--depth or the smaller --minimize measure; explicit --a/--wprime/--lprime: "
      "match); "
      "coarse: delta with a threshold only where the label changes, its low z key bits dropped");
  }
  bool IsValid(std::string* why) const;
};

/// One shape tried by --minimize, with the sizes of the network it gave.
struct BitextractCandidate {
  std::string config;
  int64_t width = 0, depth = 0, params_nonzero = 0, total_weight_bits = 0;
};

/// Typed details of a bitextract build (Report::details); the extras carry the same by name.
struct BitextractDetails {
  std::string request;  ///< what was asked, e.g. "depth 100"
  std::string config;   ///< the shape, e.g. "A=4 W'=3 L'=19 n=2 q=1"
  int64_t a = 0, wprime = 0, lprime = 0;
  int64_t points_per_group = 0;  ///< n (1: label-only payload, no decode stage)
  int bits_per_layer = 1;        ///< q
  bool pipelined = false, separate_projection = false, float_safe = false;
  bool delta = false;           ///< delta decoder (slots hold key differences)
  int key_difference_bits = 0;  ///< f: bits per key difference (delta decoder)
  bool coarse = false;          ///< coarse delta decoder: slots are runs of equal labels
  int dropped_key_bits = 0;     ///< z: low key bits dropped from the thresholds (coarse)
  int weight_bits_budget = 0;  ///< --max-weight-bits (0: none)
  int64_t groups = 0;          ///< G = A(W′L′ + 1)
  int64_t capacity = 0;        ///< points (coarse: label runs) the shape holds: G·n
  int64_t slots = 0;           ///< slots to hold: N, or the label runs in T order (coarse)
  int64_t payload_bits = 0;    ///< B: c (label-only) or n(ρ + c)
  int rho = 0;                 ///< bits per key
  int c = 0;                   ///< bits per label (labels 1..C, 0 = empty slot)
  int direction_bits = 0;      ///< grid 2^-bits of the projection direction
  int projection_tries = 0;
  std::string key_range;       ///< R = max key + 2 (an integer, as text)
  double projected_gap = 0;    ///< smallest gap of the projected normalized points
  /// N·log2(C) over the total weight bits: how much of the network's bits hold labels.
  double label_bits_per_weight_bit = 0;
  /// When infeasible: the smallest depth at the width asked / the smallest width at the depth
  /// asked (−1: none); with only a width asked, the smallest width that works at any depth.
  int64_t smallest_feasible_depth_for_width = -1;
  int64_t smallest_feasible_width_for_depth = -1;
  int64_t smallest_feasible_width = -1;
  /// Under a bit budget: the uncapped network's shape for the same request (0: not computed).
  int64_t uncapped_width = 0, uncapped_depth = 0, uncapped_points_per_group = 0;
  /// --minimize: the objective and every shape tried (the network returned is the smallest).
  std::string minimized;
  std::vector<BitextractCandidate> tried;
};

std::optional<Network> BuildBitextract(const BitextractOptions& options, const BuildContext& ctx,
                                       Report* report);
Construction BitextractConstruction();

namespace internal {

/// The shape of a bitextract network: A super-blocks, W′ thresholds per round, L′ rounds,
/// n points per group (n = 1: label-only payload, no decode stage), q bits peeled per layer.
struct BitextractConfig {
  int64_t a = 1, wprime = 0, lprime = 0, n = 1;
  int q = 1;
  bool pipeline = false;   ///< fold match and gate layers into the next slot's peel
  bool float_safe = false; ///< saturating steps and two-layer peels, with `cap`
  bool separate = false;   ///< the projection t(x) gets its own width-1 layer
  int cap = 0;             ///< bit budget of weights and partial sums (float_safe only)
  bool delta = false;      ///< delta decoder: slots hold key differences of ≤ f bits
  int f = 0;               ///< bits per key difference (delta only)
  /// Coarse delta decoder (delta too): a slot is a run of equal labels, its threshold the key
  /// of the run's first point with the low z bits dropped (key >> z).
  bool coarse = false;
  int z = 0;
};

struct BitextractSizes {
  int64_t width = 0, depth = 0;
};

/// Width and depth of the network the emitter lays out for `config` (checked after every
/// build), with ρ bits per key and c bits per label.
BitextractSizes BitextractPlanSizes(const BitextractConfig& config, int rho, int c);
/// Points it can hold: A(W′L′ + 1)n.
int64_t BitextractCapacity(const BitextractConfig& config);
/// MSB-first chunk sizes of an nb-bit field peeled q bits per layer.
std::vector<int> Chunks(int nb, int q);
/// Float-safe rule: whether the q-bit peel of a p-bit remainder takes two layers under `cap`.
bool TwoLayerPeelNeeded(int64_t p, int qq, int cap);
/// A = 1, L′ = 0, n = 1: one group of one point (a constant network).
bool IsSinglePoint(const BitextractConfig& config);
/// "A=.. W'=.. L'=.. n=.. q=.." and the variant flags.
std::string BitextractConfigString(const BitextractConfig& config);

/// Stage A: exact integer positions on the line and the keys.
struct BitextractKeys {
  DyadicProjection projection;  ///< without its values p (T holds them; an mpz per point
                                ///< that the network no longer needs is freed)
  Integer p_min;                ///< the smallest exact projection P
  int up = 0;                   ///< P is scaled by 2^up (only when the smallest gap is 1)
  int m = 0;                    ///< key = T >> m, with 2^(m+1) ≤ the smallest gap of T
  std::vector<Integer> t;       ///< T_i = (P_i − P_min)·2^up + 2^(m+1) ≥ 2^(m+1)
  Integer t_max;
  Integer r;                    ///< max key + 2
  int rho = 0;                  ///< bits of R

  /// Point i's key T_i >> m: distinct, ≥ 2 (made from T when asked: not kept, which saves an
  /// mpz per point).
  Integer Key(int64_t i) const { return t[size_t(i)] >> m; }
  /// T(x) over the network inputs: integer weights v·2^(frac + up), integer offset.
  Form PositionForm() const;
  /// Integer weights of PositionForm (one per input) and its offset.
  std::vector<Integer> Weights() const;
  Integer Offset() const;
};

/// Delta decoder grouping: consecutive slots (by T) in groups of at most n whose threshold
/// differences inside a group fit f bits. Plain (--decode delta): every point is a slot and its
/// threshold is its key; f(n) is the smallest f that adds at most N/(20n) groups to ⌈N/n⌉.
/// Coarse (`labels` given, --decode coarse): a slot is a run of equal labels and its threshold
/// is key >> z for the run's first point; a group is also split where a run's threshold equals
/// the previous point's key >> z; (f, z) minimize (S/n + forced splits) × (decoder depth), S
/// slots, c bits per label.
class DeltaGrouping {
 public:
  /// only_z ≥ 0: only that z is prepared (Starts with it; For is then not available).
  explicit DeltaGrouping(const BitextractKeys& keys, const std::vector<int64_t>* labels = nullptr,
                         int c = 0, int only_z = -1);
  struct Choice {
    int f = 0, z = 0;
    int64_t groups = 0;
  };
  /// (f, z) for n slots per group and the number of groups it gives.
  Choice For(int64_t n) const;
  /// Slot index of the first slot of each group.
  std::vector<int64_t> Starts(int64_t n, int f, int z) const;
  /// T-order index of the first point of each slot.
  const std::vector<int64_t>& SlotStarts() const { return slot_start_; }

 private:
  int64_t Forced(int f, int z) const;  ///< boundaries that must split at (f, z)
  std::vector<int64_t> slot_start_;
  /// [z][r − 1]: bitlength of threshold(r) − threshold(r − 1) at z, or 255 when slot r's
  /// threshold equals the previous point's key >> z (plain: z = 0 only).
  std::vector<std::vector<uint8_t>> diff_bits_;
  std::vector<std::vector<int64_t>> longer_than_;  ///< [z][f]: differences of more than f bits
  int64_t points_ = 0;
  int rho_ = 0, c_ = 0;
  mutable std::map<int64_t, Choice> memo_;
};

/// What the planner needs about the data and the options.
struct PlanInputs {
  int64_t n_points = 0, d = 0;
  int rho = 0, c = 0;
  bool fs = false;
  int cap = 0;
  int q_fixed = 0;      ///< 0 = auto
  int pipeline = -1;    ///< −1 auto, 0 off, 1 on
  int projection = -1;  ///< −1 auto, 0 fused, 1 separate
  const DeltaGrouping* delta = nullptr;   ///< the delta decoder's grouping
  const DeltaGrouping* coarse = nullptr;  ///< the coarse delta decoder's grouping
  /// 0 match decoder, 1 delta decoder, 2 match and delta (the smaller W²L² wins), 3 coarse
  /// delta decoder, 4 all three.
  int decode = 0;
};

/// The decoders PlanInputs::decode stands for (0 match, 1 delta, 3 coarse).
std::vector<int> BitextractDecoders(int decode);

struct Plan {
  BitextractConfig cfg;
  BitextractSizes sizes;
};

/// The plan for an explicit shape (q and pipelining: the given ones, else the best).
Plan PlanForShape(const PlanInputs& in, int64_t a, int64_t wprime, int64_t lprime);
/// The smallest W²L² with width ≤ w_max and depth ≤ l_max (nullopt: none).
std::optional<Plan> BestWithin(const PlanInputs& in, int64_t w_max, int64_t l_max);
/// The narrowest layout whose depth lies in [l_lo, l_hi] (then the smallest W²L²); when none is
/// within a quarter of the narrowest width at depth ≤ l_hi, that narrowest layout.
std::optional<Plan> BestInDepthBand(const PlanInputs& in, int64_t l_lo, int64_t l_hi);
/// The smallest width admitting depth ≤ l_max (nullopt: none below 2^24).
std::optional<int64_t> MinWidth(const PlanInputs& in, int64_t l_max);
/// The smallest depth at width ≤ w_max (nullopt: none).
std::optional<Plan> MinDepthPlan(const PlanInputs& in, int64_t w_max);
/// No size asked: the smallest W²L² over a geometric grid of depths 4..4096.
Plan AutoPlan(const PlanInputs& in);
/// --minimize params|bits: the narrowest layout at each depth of a geometric grid up to
/// `l_cap` (and width ≤ w_cap), one per distinct shape; the caller builds them all.
std::vector<Plan> CandidatePlans(const PlanInputs& in, int64_t w_cap, int64_t l_cap);
/// --minimize params|bits, coarse decoder: the `keep` shapes (width ≤ w_cap, depth ≤ l_cap) a
/// parameter model ranks first — wide selector tables the narrowest layouts never reach.
std::vector<Plan> ModelCandidatePlans(const PlanInputs& in, int64_t w_cap, int64_t l_cap,
                                      size_t keep);

/// Lays out the network for `keys`, labels 1..C (0 = empty slot) in point order, and `config`.
Network EmitBitextract(const BitextractKeys& keys, const std::vector<int64_t>& label,
                       int64_t classes, int c, const BitextractConfig& config, int32_t d);

}  // namespace internal
}  // namespace mnemo
