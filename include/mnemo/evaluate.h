// Evaluation of a Network on a batch of raw inputs. Three paths:
//  * reference: rationals (mpq), one point at a time, no bounds and no cleverness — the small
//    trusted core that every faster path is tested against;
//  * exact: integer fixed point. Each layer's activations are integers over a scale that
//    depends only on the layer, so the per-point work is integer arithmetic. A bound on every
//    neuron, proven in exact integer arithmetic (bit lengths) from the weights and the inputs'
//    exponent and magnitude, picks the kernel of each layer: int64, int128, or fixed-width
//    multi-limb two's complement (GMP mpn, sized per neuron from its bound; no allocation per
//    operation). Arithmetic wraps modulo 2^64, 2^128 or 2^(64·limbs): the bound proves that the
//    final value of every neuron fits, so the wrapped result is the exact one. Points whose
//    inputs fall outside the batch's common bounds (a 1e-300 among pixels) are evaluated with
//    their own plan, so one hard point never slows the others. Points run in parallel, in
//    blocks of 64 taken through the network layer by layer (a deep plan is megabytes of limbs:
//    it is read once per block). Shortcuts (ExactPath) skip provably cancelling work, decided
//    per point: the two ramps of a step taken as one constant, sign-first relu rows, wide
//    layers summed column by column over the nonzero activations (in int128 when this point's
//    bounds allow it), and a layer over relu ramps of one input (table lookups over threshold
//    steps) summed from prefix sums per breakpoint cut, O(1) per row (src/core/ramp_prefix.h).
//  * float64: Eigen sparse products over blocks of points. A fast path and an export check,
//    never the judge.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "mnemo/dataset.h"
#include "mnemo/exact.h"
#include "mnemo/network.h"

namespace mnemo {

/// Which integer type a layer used in the exact path (for reports, tests and benchmarks).
enum class ExactKernel { kInt64, kInt128, kLimbs };

/// The exact path with its shortcuts (default), or plain: every term multiplied out. Both are
/// exact and give identical outputs; plain exists to test that (and to measure the shortcuts).
/// The shortcut: a pair of terms w·h_a − w·h_b whose activations come from rows of the layer
/// below with the same terms (differing only in the bias, as the two ramps of a step) equals
/// w·(b_a − b_b) whenever neither ramp was cut by its relu — decided per point and per pair
/// from the signs, falling back to the products otherwise.
enum class ExactPath { kShortcuts, kPlain };

struct ExactOutputs {
  int64_t rows = 0, cols = 0;
  /// Output numerators, row-major rows × cols; output (r, c) = numerator / Scale(r).
  std::vector<Integer> numerator;
  std::vector<Integer> scales;       ///< the distinct scales
  std::vector<uint32_t> row_scale;   ///< per row: index into scales
  std::vector<ExactKernel> kernels;  ///< per layer, for the plan of most rows
  int64_t separate_rows = 0;         ///< rows evaluated under their own plan (outliers)
  int64_t shortcut_layers = 0;       ///< layers of that plan with paired or column-major terms
  int64_t prefix_layers = 0;         ///< layers of that plan summed from ramp prefix sums
  /// Layer evaluations (points × layers, every plan) of column-major layers summed in int128
  /// under one bound for all the layer's rows at the point.
  int64_t dense_layers = 0;
  /// Row evaluations (points × rows, every plan) of relay rows — relu or identity of one input
  /// with weight 1 and no bias in a narrow multi-limb layer — copied instead of summed.
  int64_t relay_rows = 0;

  const Integer& Scale(int64_t r) const { return scales[row_scale[r]]; }
  /// The exact output (reduced).
  Rational At(int64_t r, int64_t c) const {
    Rational v(numerator[r * cols + c], Scale(r));
    v.canonicalize();
    return v;
  }
};

/// Exact outputs on every row of x (raw inputs, exact binary64 values). MNEMO_CHECKs that every
/// activation is exact (identity, relu, step) — callers check Activation::IsExact first.
ExactOutputs EvaluateExact(const Network& net, const RowMatrix& x, bool progress = false,
                           ExactPath path = ExactPath::kShortcuts);

/// Streams the exact outputs: calls `visit(row, numerators, scale)` once per row, from several
/// threads at once (the pointers are valid during the call only); output c of the row is
/// numerators[c] / scale. Nothing is kept, so memory does not grow with the number of rows.
using ExactVisitor = std::function<void(int64_t row, const Integer* numerators, const Integer& scale)>;
void ForEachExactOutput(const Network& net, const RowMatrix& x, const ExactVisitor& visit,
                        bool progress = false, ExactPath path = ExactPath::kShortcuts);

/// The reference: the network's definition evaluated in rationals on one raw input row.
std::vector<Rational> EvaluateReference(const Network& net, const double* x);

/// Float64 outputs, rows × output_dim.
RowMatrix EvaluateFloat(const Network& net, const RowMatrix& x, bool progress = false);

/// The class index (or −1 for "no class") that float64 outputs denote (the float fast path;
/// the exact decision is Decide in mnemo/decide.h): kValue: nearest integer within ½; kArgmax:
/// unique maximum; kBits: outputs ≥ ½ read as binary digits.
int64_t DecodeClass(const Network& net, const std::vector<double>& outputs);

}  // namespace mnemo
