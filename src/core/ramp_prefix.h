// The ramp-prefix kernel of the exact path: a layer whose every input is a ramp
// h_i = relu(c_i·T + B_i) of one and the same input T of the layer below, every c_i of one sign
// (a table lookup reading the ramps of threshold steps on the projection t). At a point the
// ramps with h_i > 0 are a prefix of the ramps sorted by breakpoint −B_i/c_i (exactly: a ramp is
// positive iff T is beyond its breakpoint, on the same side for every ramp) and every other ramp
// is 0 (one exactly at its breakpoint is 0 on either side). So for the point's cut k, row j is
//   Z_j = T·Σ_{i<k} w_ji·c_i + Σ_{i<k} w_ji·B_i + b_j,
// two prefix sums tabled per cut and row: O(1) per row instead of one term per input, a point
// reading one stretch of the table. When that table (rows × ramps entries: ~800 MB for
// bitextract at 10^7 points) would exceed its budget, the sums, which change only at the row's
// own nonzeros, are tabled in blocks of 64 cuts instead: per block and row, the sums at the
// block's first cut and after each of the row's nonzeros in it, found from a bitmap of those
// (less memory by the layer's density, about 2.4 times the time: a cache line per row). All is
// computed modulo 2^(64·limbs), the prefix sums included (they need no bound of their own): the
// caller proves |Z_j| < 2^(64·limbs − 1) for every row and |c_i·T + B_i| below the same for
// every ramp, so the wrapped values are the exact ones, and the cut is found by binary search
// on the exact signs of the ramps' pre-activations.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "mnemo/exact.h"
#include "mnemo/network.h"

namespace mnemo::internal {

using Limb = mp_limb_t;

/// x modulo 2^(64·n) (two's complement), into out[0 .. n).
void ModLimbs(const Integer& x, uint32_t n, Limb* out);

class RampPrefix {
 public:
  /// The table for `layer` (integer weights `weight` per nonzero, biases `bias`) over the ramps
  /// of `ramps` (integer weights and biases over one scale: c_i = ramp_weight, B_i = ramp_bias),
  /// in arithmetic modulo 2^(64·limbs), 2 ≤ limbs ≤ 64; or nothing when the ramps are not all relu
  /// ramps of one input with slopes of one sign. The table per cut (2·(inputs + 1)·outputs values
  /// of `limbs` limbs) when it fits `max_bytes`, else the blocked one (2·(nonzeros + outputs·
  /// blocks) values, blocks = inputs/64 + 1, and 16 bytes per row and block), else nothing.
  static std::optional<RampPrefix> Make(const Layer& ramps, const std::vector<Integer>& ramp_weight,
                                        const std::vector<Integer>& ramp_bias, const Layer& layer,
                                        const std::vector<Integer>& weight,
                                        const std::vector<Integer>& bias, uint32_t limbs,
                                        int64_t max_bytes);

  /// The input T of the ramp layer that every ramp reads.
  int32_t input() const { return input_; }
  uint32_t limbs() const { return n_; }
  /// Every row's Z_j modulo 2^(64·limbs) at a point where T ≡ t[0 .. limbs) (mod 2^(64·limbs)),
  /// row j into z[j·limbs .. (j + 1)·limbs).
  void Evaluate(const Limb* t, Limb* z) const;
  /// Whether the table is the blocked one.
  bool blocked() const { return !bits_.empty(); }

 private:
  // The layer's nonzeros by ramp, the ramps in breakpoint order.
  struct Columns {
    std::vector<int32_t> order;                     // ramp at each position
    std::vector<int64_t> col_ptr;                   // per ramp, into entries
    std::vector<std::pair<int32_t, int64_t>> entries;  // (row, CSR index)
  };
  void FillPerCut(const Columns& cols, const std::vector<Integer>& weight, const std::vector<Integer>& bias);
  void FillBlocked(const Columns& cols, const std::vector<Integer>& weight, const std::vector<Integer>& bias);
  // The number of ramps that are positive where T ≡ t.
  size_t Cut(const Limb* t) const;
  // Z_j for every row from its entry (P then Q) entry(j).
  template <typename Entry>
  void EvaluateRows(const Limb* t, Limb* z, const Entry& entry) const;

  int32_t input_ = -1, outputs_ = 0;
  uint32_t n_ = 2;
  std::vector<Limb> c_, b_;    // per ramp, in breakpoint order (positive ones first): n_ limbs
  // Per cut: entries (P then Q, n_ limbs each) of cut k, row j at entry k·outputs + j of table_.
  // Blocked: block w, row j at index w·outputs + j: bit i of bits_ is set when the row has a
  // nonzero at ramp 64·w + i (breakpoint order); its entries start at entry first_: the sums
  // over the ramps before 64·w, then one after each of those nonzeros. Empty per cut.
  std::vector<uint64_t> bits_, first_;
  std::vector<Limb> table_;
};

}  // namespace mnemo::internal
