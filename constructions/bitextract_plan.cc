// bitextract planning: the exact width and depth of the network the emitter lays out for a
// shape, and the search over shapes for a requested width and/or depth.
//
// Sizes count what the Assembler compiles: explicit neurons plus the relays of registers that
// are live across a layer (a register is relayed only while a later layer still reads it). The
// layout mirrored here is the one of bitextract_emit.cc; every build checks the two agree.
#include <algorithm>
#include <bit>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <tuple>
#include <type_traits>

#include "constructions/bitextract.h"
#include "mnemo/error.h"

namespace mnemo::internal {
namespace {

constexpr int64_t kInf = std::numeric_limits<int64_t>::max() / 4;

int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Width and depth accumulated layer by layer.
struct Tally {
  int64_t width = 0, depth = 0;
  void Layer(int64_t w) {
    width = std::max(width, w);
    ++depth;
  }
};

// Point location (stage C) for the label-only or decoding network; `decode`: t stays live.
void StageCSizes(const BitextractConfig& k, bool decode, Tally* tally) {
  const int64_t a = k.a, w = k.lprime > 0 ? k.wprime : 0, lp = k.lprime;
  const int64_t p = k.separate ? 1 : 0;
  const int64_t r0 = p + (k.float_safe ? 3 : 2);
  const bool ramp = !k.float_safe && k.coarse;  // RoundsThreeStage with one-neuron gates
  // Last layer that reads t (label-only); t is relayed across layers before it.
  int64_t t_last = kInf;
  if (!decode) t_last = lp >= 1 ? r0 + lp - 1 : (k.separate ? p + 1 : 1);
  auto t_live = [&](int64_t layer) { return layer < t_last ? 1 : 0; };
  // Projection and super-block layers.
  if (k.separate) tally->Layer(1);
  if (!k.float_safe) {
    tally->Layer((k.separate ? 0 : 1) + 2 * (a - 1) + (k.separate ? t_live(p + 1) : 0));
  } else {
    tally->Layer((k.separate ? 0 : 1) + (a - 1) + (k.separate ? t_live(p + 1) : 0));
    tally->Layer((a - 1) + t_live(p + 2));
  }
  // Rounds: special rounds only (the middle ones repeat round 2's width).
  const int64_t rounds = k.float_safe || ramp ? (lp > 0 ? lp + 2 : 1) : lp + 1;
  const int64_t sel = a > 1 ? a : 0;  // one super-block: e_0 = 1 is a constant, not a neuron
  auto round_width = [&](int64_t l) {
    int64_t e = 0, work = 1;  // the accumulator
    if (ramp) {
      // Ramps, rests of the previous round's ramps, one gate per rest of the round before
      // (none with one super-block).
      e = lp >= 1 && l <= lp ? sel : 0;
      work += (l < lp ? w : 0) + (l >= 1 && l <= lp ? w : 0) +
              (l >= 2 && l <= lp + 1 && a > 1 ? w : 0);
    } else if (!k.float_safe) {
      // One gate neuron per step of the previous round (none with one super-block).
      e = lp >= 1 && l <= lp - 1 ? sel : 0;
      work += (l < lp ? 2 * w : 0) + (l >= 1 && a > 1 ? w : 0);
    } else {
      e = lp >= 1 && l <= lp ? sel : 0;
      work += (l < lp ? w : 0) + (l >= 1 && l <= lp ? w : 0) + (l >= 2 && l <= lp + 1 ? 2 * w : 0);
    }
    return work + e + t_live(r0 + l);
  };
  for (int64_t l : {int64_t(0), int64_t(1), int64_t(2), lp - 2, lp - 1, lp, lp + 1})
    if (l >= 0 && l < rounds) tally->width = std::max(tally->width, round_width(l));
  tally->depth += rounds;
}

// MSB-first chunk sizes of an nb-bit field peeled q bits per layer.
std::vector<int> ChunkSizes(int nb, int q) {
  std::vector<int> out;
  for (int left = nb; left > 0; left -= q) out.push_back(std::min(q, left));
  return out;
}

// Registers live in the decode stage (1 when live across the current layer).
struct DecodeLive {
  bool out = false, t = true;
};

// Stage D: peel, match, gate; mirrors EmitDecode.
void DecodeSizes(const BitextractConfig& k, int rho, int c, Tally* tally) {
  const bool fs = k.float_safe, pipe = k.pipeline;
  const std::vector<int> key_chunks = ChunkSizes(rho, k.q), lab_chunks = ChunkSizes(c, k.q);
  int64_t pos = k.n * (rho + c);
  DecodeLive live;
  bool has_pm = false, has_pg = false;
  for (int64_t s = 0; s < k.n; ++s) {
    const bool last_slot = s + 1 == k.n;
    int idx = 0;
    for (int kind = 0; kind < 2; ++kind) {
      const std::vector<int>& chunks = kind == 0 ? key_chunks : lab_chunks;
      for (size_t ci = 0; ci < chunks.size(); ++ci, ++idx) {
        const int qq = chunks[ci];
        const int64_t steps = (int64_t(1) << qq) - 1;
        const bool more_bits = pos - qq > 0;
        int64_t regs = (more_bits ? 1 : 0) + (live.out ? 1 : 0) + (live.t ? 1 : 0) +
                       (kind == 1 ? 1 : 0) + (ci >= 1 ? 1 : 0);
        int64_t extra = 0;
        const bool do_match = pipe && has_pm && idx == 0, do_gate = pipe && has_pg && idx == 1;
        if (do_match) extra += 5;
        if (do_gate) extra += 1;
        // t: read by the matches; the last read is the final match (pipelined: after the loop).
        tally->Layer(regs + 2 * steps + extra);
        if (fs && TwoLayerPeelNeeded(pos, qq, k.cap)) tally->Layer(regs + steps);
        if (do_match) has_pm = false, has_pg = true;
        if (do_gate) has_pg = false, live.out = true;
        pos -= qq;
      }
    }
    if (pipe) {
      has_pm = true;
      continue;
    }
    // Match: the window on t − 2^m·key; t, x stay live while slots remain.
    const int64_t more = last_slot ? 0 : 1;
    const int64_t regs = 1 /*lab*/ + (live.out ? 1 : 0) + more /*x*/ + more /*t*/;
    tally->Layer(regs + (fs ? 2 : 4));
    if (fs) tally->Layer(regs + 2);
    tally->Layer(1 + (live.out ? 1 : 0) + 2 * more);  // gate
    live.out = true;
  }
  if (pipe) {
    tally->Layer(1 /*pm_lab*/ + (live.out ? 1 : 0) + 4);
    tally->Layer(1 + 1);
  }
}

// Stage D of the delta decoder; mirrors EmitDecodeDelta. Per layer: the two peel ReLUs, the
// kept remainder while bits remain, and the live registers (t until the first key bit, w, out,
// the label).
void DeltaDecodeSizes(const BitextractConfig& k, int rho_full, int c, Tally* tally) {
  const int cl = c + 1, rho = rho_full - k.z;
  int64_t pos = cl + rho + (k.n - 1) * (cl + k.f);
  auto peel = [&](int64_t regs) {
    --pos;
    tally->Layer(2 + (pos > 0 ? 1 : 0) + regs);
  };
  if (k.coarse) {  // slot 0 key first (monotone payloads): out is not live yet
    for (int j = 0; j < rho; ++j) peel(1 /*w*/);
    for (int i = 0; i < cl; ++i) peel(1 /*w*/ + (i >= 1 ? 1 : 0));
  } else {
    for (int i = 0; i < cl; ++i) peel(1 /*t*/ + (i >= 1 ? 1 : 0));
    for (int j = 0; j < rho; ++j) peel(2 /*w, out*/);
  }
  for (int64_t s = 1; s < k.n; ++s) {
    for (int i = 0; i < cl; ++i) peel(2 + (i >= 1 ? 1 : 0));
    for (int j = 0; j < k.f; ++j) peel(3);
    tally->Layer(4 /*w, v, lab, out*/ + (pos > 0 ? 1 : 0));
    tally->Layer(2 /*gate, out*/ + (pos > 0 ? 2 : 0));
  }
}

}  // namespace

bool TwoLayerPeelNeeded(int64_t p, int qq, int cap) {
  if (cap <= 0) return false;
  // A one-layer q-bit peel of a p-bit remainder makes the next layer sum terms up to
  // 2^(2p+1)(1 − 2^−q) + 2^(p+1) + 2^q; above the budget the peel takes two layers.
  Integer s = Pow2(int(2 * p + 1)) - Pow2(int(2 * p + 1 - qq)) + Pow2(int(p + 1)) + Pow2(qq);
  return s >= Pow2(cap);
}

std::vector<int> Chunks(int nb, int q) { return ChunkSizes(nb, q); }

namespace {

using mnemo::BitLength;
int BitLength(uint64_t x) { return int(std::bit_width(x)); }

// The keys at the slot boundaries r ≥ 1 (slot r's first point, the point before it, slot
// r − 1's first point), as K: uint64_t when every key fits, else Integer.
template <class K>
struct BoundaryKeys {
  std::vector<K> first, before, prev;
};

template <class K>
BoundaryKeys<K> KeysAtBoundaries(const BitextractKeys& keys, const std::vector<int64_t>& starts) {
  const std::vector<int64_t>& order = keys.projection.order;
  auto at = [&](int64_t k) {
    if constexpr (std::is_same_v<K, uint64_t>) return K(keys.Key(order[k]).get_ui());
    else return keys.Key(order[k]);
  };
  BoundaryKeys<K> b;
  for (size_t r = 1; r < starts.size(); ++r) {
    b.first.push_back(at(starts[r]));
    b.before.push_back(at(starts[r] - 1));
    b.prev.push_back(at(starts[r - 1]));
  }
  return b;
}

// The bit lengths of the threshold differences at z (255: the threshold equals the previous
// point's key >> z).
template <class K>
std::vector<uint8_t> DiffBits(const BoundaryKeys<K>& b, int z) {
  std::vector<uint8_t> out(b.first.size());
  for (size_t r = 0; r < out.size(); ++r) {
    const K th = b.first[r] >> z;
    const int bits = th == (b.before[r] >> z) ? 255 : BitLength(K(th - (b.prev[r] >> z)));
    out[r] = uint8_t(std::min(bits, 255));
  }
  return out;
}

}  // namespace

DeltaGrouping::DeltaGrouping(const BitextractKeys& keys, const std::vector<int64_t>* labels, int c,
                             int only_z)
    : rho_(keys.rho), c_(c) {
  const std::vector<int64_t>& order = keys.projection.order;
  points_ = int64_t(order.size());
  for (int64_t i = 0; i < points_; ++i)
    if (i == 0 || !labels || (*labels)[order[i]] != (*labels)[order[i - 1]])
      slot_start_.push_back(i);
  const int zs = labels ? keys.rho : 1;
  diff_bits_.assign(zs, {});
  longer_than_.assign(zs, std::vector<int64_t>(keys.rho + 2, 0));
  // Keys below 2^64 (ρ ≤ 64, the usual) are shifted and subtracted as machine words: the
  // coarse grouping tries every z < ρ at every boundary.
  const bool words = keys.rho <= 64;
  const auto small =
      words ? KeysAtBoundaries<uint64_t>(keys, slot_start_) : BoundaryKeys<uint64_t>{};
  const auto big = words ? BoundaryKeys<Integer>{} : KeysAtBoundaries<Integer>(keys, slot_start_);
  for (int z = 0; z < zs; ++z) {
    if (only_z >= 0 && z != only_z) continue;
    diff_bits_[z] = words ? DiffBits(small, z) : DiffBits(big, z);
    for (uint8_t b : diff_bits_[z])
      for (int f = 0; f < b && f < int(longer_than_[z].size()); ++f) ++longer_than_[z][f];
  }
}

int64_t DeltaGrouping::Forced(int f, int z) const {
  return longer_than_[z][std::min<size_t>(f, longer_than_[z].size() - 1)];
}

std::vector<int64_t> DeltaGrouping::Starts(int64_t n, int f, int z) const {
  const std::vector<uint8_t>& bits = diff_bits_[z];
  std::vector<int64_t> starts = {0};
  for (size_t i = 1, in_group = 1; i <= bits.size(); ++i, ++in_group) {
    if (int64_t(in_group) < n && bits[i - 1] <= f) continue;
    starts.push_back(int64_t(i));
    in_group = 0;
  }
  return starts;
}

DeltaGrouping::Choice DeltaGrouping::For(int64_t n) const {
  auto it = memo_.find(n);
  if (it != memo_.end()) return it->second;
  const int f_top = int(longer_than_[0].size()) - 1;
  Choice best{1, 0, 0};
  if (diff_bits_.size() == 1) {  // plain: the smallest f with at most N/(20n) forced splits
    while (best.f < f_top && Forced(best.f, 0) * 20 * n > points_) ++best.f;
  } else {
    // Coarse: the (f, z) with the fewest group-decoder layers, (groups) × (decoder depth), the
    // product the shape search balances (README, Limits); groups ≈ S/n + forced splits.
    const double slots = double(slot_start_.size()), cl = c_ + 1;
    double best_cost = 0;
    for (int z = 0; z < int(diff_bits_.size()); ++z) {
      for (int f = 1; f <= f_top; ++f) {
        const double groups = slots / double(n) + double(Forced(f, z));
        const double cost = groups * (cl + (rho_ - z) + double(n - 1) * (cl + f + 2));
        if (best.groups == 0 || cost < best_cost) best = {f, z, 1}, best_cost = cost;
      }
    }
  }
  best.groups = int64_t(Starts(n, best.f, best.z).size());
  memo_.emplace(n, best);
  return best;
}

std::vector<int> BitextractDecoders(int decode) {
  if (decode == 2) return {0, 1};
  if (decode == 4) return {0, 1, 3};
  return {decode};
}

int64_t BitextractCapacity(const BitextractConfig& k) {
  return k.a * (k.wprime * k.lprime + 1) * k.n;
}

bool IsSinglePoint(const BitextractConfig& k) { return k.a == 1 && k.lprime == 0 && k.n == 1; }

BitextractSizes BitextractPlanSizes(const BitextractConfig& k, int rho, int c) {
  if (IsSinglePoint(k)) return {1, 2};  // one constant neuron, the output
  Tally tally;
  StageCSizes(k, k.n > 1, &tally);
  if (k.n > 1) {
    // The decoder depends on (n, q, pipelining, budget, ρ, c) only; the search asks for the same
    // one for many shapes, so it is counted once.
    thread_local std::map<std::tuple<int64_t, int, bool, bool, int, int, int, int, int>, Tally>
        memo;
    const auto key = std::make_tuple(k.n, k.q, k.pipeline, k.float_safe, k.cap, rho, c,
                                     k.delta ? k.f : -1, k.z);
    auto it = memo.find(key);
    if (it == memo.end()) {
      if (memo.size() > 100000) memo.clear();
      Tally dec;
      if (k.delta) DeltaDecodeSizes(k, rho, c, &dec);
      else DecodeSizes(k, rho, c, &dec);
      it = memo.emplace(key, dec).first;
    }
    tally.width = std::max(tally.width, it->second.width);
    tally.depth += it->second.depth;
  }
  tally.Layer(0);  // the output layer (not a hidden width)
  return {tally.width, tally.depth};
}

std::string BitextractConfigString(const BitextractConfig& k) {
  const std::string delta = !k.delta   ? ""
                            : k.coarse ? fmt::format(" coarse({} bits, z={})", k.f, k.z)
                                       : fmt::format(" delta({} bits)", k.f);
  return fmt::format("A={} W'={} L'={} n={} q={}{}{}{}{}", k.a, k.lprime > 0 ? k.wprime : 0,
                     k.lprime, k.n, k.q, delta,
                     k.pipeline ? " pipelined" : "",
                     k.float_safe ? fmt::format(" float-safe({} bits)", k.cap) : "",
                     k.separate ? " separate-projection" : "");
}

namespace {

bool SeparateFor(const PlanInputs& in, int64_t a) {
  if (a <= 1) return false;  // no super-block steps: nothing shares the projection
  if (in.projection >= 0) return in.projection == 1;
  return in.d > 16;
}

double Score(const Plan& p) {
  return double(p.sizes.width) * double(p.sizes.width) * double(p.sizes.depth) *
         double(p.sizes.depth);
}

bool Better(const Plan& a, const Plan& b) {
  double sa = Score(a), sb = Score(b);
  if (sa != sb) return sa < sb;
  return a.sizes.depth < b.sizes.depth;
}

// The delta decoders (plain and coarse) peel one bit per layer, unpipelined.
bool DeltaFamily(int decode) { return decode == 1 || decode == 3; }

const DeltaGrouping& GroupingOf(const PlanInputs& in, const BitextractConfig& k) {
  return *(k.coarse ? in.coarse : in.delta);
}

// (f, z) of the delta grouping for n slots per group.
void SetDelta(const PlanInputs& in, bool coarse, BitextractConfig* k) {
  k->delta = true;
  k->coarse = coarse;
  const DeltaGrouping::Choice ch = GroupingOf(in, *k).For(k->n);
  k->f = ch.f;
  k->z = ch.z;
}

std::vector<int> QValues(const PlanInputs& in) {
  if (DeltaFamily(in.decode)) return {1};
  if (in.q_fixed > 0) return {in.q_fixed};
  std::vector<int> qs;
  for (int q = 1; q <= std::min(10, std::max(in.rho, in.c)); ++q) qs.push_back(q);
  return qs;
}

std::vector<bool> PipeValues(const PlanInputs& in) {
  if (in.fs || DeltaFamily(in.decode) || in.pipeline == 0) return {false};
  if (in.pipeline == 1) return {true};
  return {false, true};
}

// The plan of `base` with A super-blocks and W′ thresholds per round: the fewest rounds L′
// that hold every point (nullopt when W′ = 0 cannot).
std::optional<Plan> MakePlan(const PlanInputs& in, const BitextractConfig& base, int64_t a,
                             int64_t wp) {
  BitextractConfig k = base;
  k.a = a;
  k.wprime = wp;
  k.separate = SeparateFor(in, a);
  const int64_t groups = k.delta ? GroupingOf(in, k).For(k.n).groups
                                 : CeilDiv(std::max<int64_t>(in.n_points, 1), k.n);
  const int64_t need = CeilDiv(groups, a) - 1;  // W′L′ ≥ need
  if (wp == 0) {
    if (need > 0) return std::nullopt;
    k.lprime = 0;
  } else {
    k.lprime = CeilDiv(need, wp);
    if (k.lprime == 0) return std::nullopt;  // covered by W′ = 0
  }
  return Plan{k, BitextractPlanSizes(k, in.rho, in.c)};
}

// The largest A whose rounds fit width w_max (L′ = 4 already has the widest rounds, t live).
int64_t LargestA(const PlanInputs& in, const BitextractConfig& base, int64_t wp, int64_t w_max) {
  auto width_ok = [&](int64_t a) {
    BitextractConfig k = base;
    k.a = a;
    k.wprime = wp;
    k.lprime = wp > 0 ? 4 : 0;
    k.separate = SeparateFor(in, a);
    return BitextractPlanSizes(k, in.rho, in.c).width <= w_max;
  };
  if (!width_ok(1)) return 0;
  int64_t lo = 1, hi = std::max<int64_t>(1, w_max);
  while (lo < hi) {
    int64_t mid = lo + (hi - lo + 1) / 2;
    if (width_ok(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

// What the enumeration calls with each configuration; false stops it (an answer is known).
using PlanVisitor = std::function<bool(const Plan&)>;

// The configurations of one (q, pipeline, n) with width ≤ w_max and depth ≤ l_max; false when
// f stopped the enumeration.
bool EnumerateShapes(const PlanInputs& in, const BitextractConfig& base, int64_t w_max,
                     int64_t l_max, bool all_a, const PlanVisitor& f) {
  const int64_t n_pts = std::max<int64_t>(in.n_points, 1);
  for (int64_t wp = 0;; ++wp) {
    if (wp > 0 && 3 + 2 * wp > w_max) break;
    const int64_t a_fit = LargestA(in, base, wp, w_max);
    if (a_fit == 0) {
      // Narrow rounds (L′ = 1) may still fit.
      if (auto p = MakePlan(in, base, 1, wp); p && p->sizes.width <= w_max && p->sizes.depth <= l_max)
        if (!f(*p)) return false;
      continue;
    }
    const int64_t a_max = std::min(a_fit, n_pts);
    std::vector<int64_t> as;
    if (all_a)
      for (int64_t a = 1; a <= a_max; a += std::max<int64_t>(1, a / 24)) as.push_back(a);
    as.push_back(a_max);
    for (int64_t a : as) {
      std::optional<Plan> p = MakePlan(in, base, a, wp);
      if (p && p->sizes.width <= w_max && p->sizes.depth <= l_max && !f(*p)) return false;
    }
    // More thresholds per round cannot help once one round suffices.
    if (wp > 0) {
      std::optional<Plan> p = MakePlan(in, base, a_max, wp);
      if (p && p->cfg.lprime <= 1) break;
    }
  }
  return true;
}

// Calls f for configurations with width ≤ w_max and depth ≤ l_max that hold every point, each
// with the fewest rounds L′ for its (q, pipeline, n, W′, A), until f returns false. `all_a`:
// every A (geometric steps), else only the largest A that fits (enough to decide feasibility).
void Enumerate(const PlanInputs& in, int64_t w_max, int64_t l_max, bool all_a,
               const PlanVisitor& f) {
  const int64_t n_pts = std::max<int64_t>(in.n_points, 1);
  const int64_t n_limit =
      l_max >= kInf ? int64_t(std::sqrt(double(n_pts))) + 2 : std::min<int64_t>(n_pts, l_max);
  for (int decoder : BitextractDecoders(in.decode)) {
  PlanInputs one = in;
  one.decode = decoder;
  const std::vector<int> qs = QValues(one);
  const std::vector<bool> pipes = PipeValues(one);
  for (int q : qs) {
    for (bool pipe : pipes) {
      for (int64_t n = 1; n <= std::min(n_pts, n_limit); ++n) {
        if (in.fs && n > 1 && n * (in.rho + in.c) > in.cap - 2) break;
        if (n == 1 && (q != qs.front() || pipe != pipes.front())) continue;  // no decode
        BitextractConfig base;
        base.n = n;
        base.q = n > 1 ? q : 1;
        base.pipeline = n > 1 && pipe;
        base.float_safe = in.fs;
        base.cap = in.cap;
        if (DeltaFamily(decoder) && n > 1) SetDelta(in, decoder == 3, &base);
        if (DeltaFamily(decoder) && n == 1 && in.decode != decoder) continue;  // done by match
        // Lower bound on depth for this n (L′ = 0, the fewest super-blocks that hold more than
        // one point; no shape of this n is shallower, larger n are deeper): skip hopeless n.
        // Without it a depth below every layout's walks every width up to MinWidth's cap.
        BitextractConfig shallowest = base;
        shallowest.a = n == 1 && n_pts > 1 ? 2 : 1;
        BitextractSizes ps = BitextractPlanSizes(shallowest, in.rho, in.c);
        if (ps.depth > l_max) break;
        if (n > 1 && ps.width > w_max) continue;
        if (!EnumerateShapes(in, base, w_max, l_max, all_a, f)) return;
      }
    }
  }
  }
}

bool Feasible(const PlanInputs& in, int64_t w_max, int64_t l_max) {
  bool ok = false;
  Enumerate(in, w_max, l_max, false, [&](const Plan&) {
    ok = true;
    return false;  // one plan decides it
  });
  return ok;
}

}  // namespace

Plan PlanForShape(const PlanInputs& in, int64_t a, int64_t wprime, int64_t lprime) {
  BitextractConfig k;
  k.a = a;
  k.wprime = wprime;
  k.lprime = lprime;
  const int64_t groups = a * (wprime * lprime + 1);
  k.n = CeilDiv(std::max<int64_t>(in.n_points, 1), groups);
  if (DeltaFamily(in.decode) && k.n > 1) {  // the fewest slots per group whose grouping fits
    k.coarse = in.decode == 3;
    while (GroupingOf(in, k).For(k.n).groups > groups) ++k.n;
    SetDelta(in, k.coarse, &k);
  }
  k.float_safe = in.fs;
  k.cap = in.cap;
  k.separate = SeparateFor(in, a);
  std::optional<Plan> best;
  const std::vector<int> qs = in.q_fixed ? std::vector<int>{in.q_fixed} : QValues(in);
  for (int q : qs) {
    for (bool pipe : PipeValues(in)) {
      BitextractConfig kk = k;
      kk.q = k.n > 1 ? q : 1;
      kk.pipeline = k.n > 1 && pipe;
      Plan p{kk, BitextractPlanSizes(kk, in.rho, in.c)};
      if (!best || Better(p, *best)) best = p;
    }
  }
  return *best;
}

std::optional<Plan> BestWithin(const PlanInputs& in, int64_t w_max, int64_t l_max) {
  std::optional<Plan> best;
  Enumerate(in, w_max, l_max, true, [&](const Plan& p) {
    if (!best || Better(p, *best)) best = p;
    return true;
  });
  return best;
}

std::optional<Plan> BestInDepthBand(const PlanInputs& in, int64_t l_lo, int64_t l_hi) {
  std::optional<int64_t> w_min = MinWidth(in, l_hi);
  if (!w_min) return std::nullopt;
  // The narrowest width with a layout of depth in [l_lo, l_hi]; a little wider than the
  // narrowest layout of any depth ≤ l_hi at most (then the depth band is given up).
  for (int64_t w = *w_min; w <= *w_min + std::max<int64_t>(2, *w_min / 4); ++w) {
    std::optional<Plan> best;
    Enumerate(in, w, l_hi, true, [&](const Plan& p) {
      if (p.sizes.depth >= l_lo && (!best || Better(p, *best))) best = p;
      return true;
    });
    if (best) return best;
  }
  return BestWithin(in, *w_min, l_hi);
}

std::optional<int64_t> MinWidth(const PlanInputs& in, int64_t l_max) {
  int64_t hi = 8;
  while (!Feasible(in, hi, l_max)) {
    hi *= 2;
    if (hi > (int64_t(1) << 24)) return std::nullopt;
  }
  int64_t lo = 1;
  while (lo < hi) {
    int64_t mid = (lo + hi) / 2;
    if (Feasible(in, mid, l_max)) hi = mid;
    else lo = mid + 1;
  }
  return hi;
}

std::optional<Plan> MinDepthPlan(const PlanInputs& in, int64_t w_max) {
  std::optional<Plan> best;
  Enumerate(in, w_max, kInf, true, [&](const Plan& p) {
    if (!best || p.sizes.depth < best->sizes.depth ||
        (p.sizes.depth == best->sizes.depth && p.sizes.width < best->sizes.width))
      best = p;
    return true;
  });
  return best;
}

std::vector<Plan> CandidatePlans(const PlanInputs& in, int64_t w_cap, int64_t l_cap) {
  std::vector<Plan> out;
  for (int64_t l = 4; l <= l_cap; l = l * 3 / 2 + 1) {
    std::optional<int64_t> w = MinWidth(in, l);
    if (!w || *w > w_cap) continue;
    std::optional<Plan> p = BestWithin(in, *w, l);
    if (!p) continue;
    const std::string key = BitextractConfigString(p->cfg);
    if (std::none_of(out.begin(), out.end(),
                     [&](const Plan& q) { return BitextractConfigString(q.cfg) == key; }))
      out.push_back(*p);
  }
  return out;
}

// --minimize params|bits beside the narrowest layouts (coarse decoder): the shapes a parameter
// model ranks first. Per step of a round the three-stage rounds cost 2A + 8 weights and biases
// (A = 1: 5), per round layer A + 2 more (the selector and t), the decoder ≈ 15 per layer and
// the projection d + 1: the narrowest layout at a depth keeps A small, while a table entry is
// 2 parameters per group once A is large.
std::vector<Plan> ModelCandidatePlans(const PlanInputs& in, int64_t w_cap, int64_t l_cap,
                                      size_t keep) {
  if (in.decode != 3) return {};  // the coarse decoder's three-stage rounds
  const int64_t n_pts = std::max<int64_t>(in.n_points, 1);
  const int64_t n_max = std::min<int64_t>(n_pts, int64_t(std::sqrt(double(n_pts))) + 2);
  std::vector<std::pair<double, BitextractConfig>> ranked;
  for (int64_t n = 2; n <= n_max; ++n) {
    BitextractConfig base;
    base.n = n;
    SetDelta(in, true, &base);
    const int64_t groups = GroupingOf(in, base).For(n).groups;
    const int cl = in.c + 1;
    const double decoder = 15.0 * double(cl + in.rho - base.z + (n - 1) * (cl + base.f + 2));
    for (int64_t a = 1; a <= groups && a <= 1024; a *= 2) {
      for (int64_t wp = 1; wp <= 64; wp *= 2) {
        const int64_t lp = std::max<int64_t>(1, (CeilDiv(groups, a) - 1 + wp - 1) / wp);
        const double step = a > 1 ? 2 * a + 8 : 5;
        const double est = double(lp) * double(wp) * step + double(lp + 2) * double(a + 2) +
                           decoder + double(in.d + 1);
        BitextractConfig k = base;
        k.a = a;
        k.wprime = wp;
        ranked.emplace_back(est, k);
      }
    }
  }
  std::sort(ranked.begin(), ranked.end(),
            [](const auto& x, const auto& y) { return x.first < y.first; });
  std::vector<Plan> out;
  for (const auto& [est, k] : ranked) {
    if (out.size() >= keep) break;
    std::optional<Plan> p = MakePlan(in, k, k.a, k.wprime);
    if (p && p->sizes.width <= w_cap && p->sizes.depth <= l_cap) out.push_back(*p);
  }
  return out;
}

Plan AutoPlan(const PlanInputs& in) {
  std::optional<Plan> plan;
  for (int64_t l = 4; l <= 4096; l = l * 5 / 4 + 1) {
    std::optional<int64_t> w_min = MinWidth(in, l);
    if (!w_min) continue;
    std::optional<Plan> p = BestWithin(in, *w_min, l);
    if (p && (!plan || Better(*p, *plan))) plan = p;
  }
  MNEMO_CHECK(plan.has_value(), "no plan found for {} points", in.n_points);
  return *plan;
}

}  // namespace mnemo::internal
