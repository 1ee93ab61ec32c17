// Evaluation of a Network on a batch of raw inputs. Two paths:
//  * exact: dyadic/rational integer fixed point. Each layer's activations are integers over a
//    scale that depends only on the layer (never on the point), so the per-point work is integer
//    arithmetic; each layer runs in int64, __int128 or mpz as a bound proven from the weights and
//    the batch's input magnitudes allows. Zero activations are skipped; points run in parallel.
//  * float64: Eigen sparse products over blocks of points. A fast path and an export check,
//    never the judge.
#pragma once

#include <cstdint>
#include <vector>

#include "mnemo/dataset.h"
#include "mnemo/exact.h"
#include "mnemo/network.h"

namespace mnemo {

/// Which integer type each layer used in the exact path (for reports and benchmarks).
enum class ExactKernel { kInt64, kInt128, kMpz };

struct ExactOutputs {
  int64_t rows = 0, cols = 0;
  /// Output numerators, row-major rows × cols; output = numerator / scale.
  std::vector<Integer> numerator;
  Integer scale = 1;
  std::vector<ExactKernel> kernels;  ///< per layer
  /// The exact output (reduced).
  Rational At(int64_t r, int64_t c) const {
    Rational v(numerator[r * cols + c], scale);
    v.canonicalize();
    return v;
  }
};

/// Exact outputs on every row of x (raw inputs, exact binary64 values). MNEMO_CHECKs that every
/// activation is exact (identity, relu, step) — callers check Activation::IsExact first.
ExactOutputs EvaluateExact(const Network& net, const RowMatrix& x, bool progress = false);

/// Float64 outputs, rows × output_dim.
RowMatrix EvaluateFloat(const Network& net, const RowMatrix& x, bool progress = false);

/// The class index (or −1 for "no class") that a network's outputs denote, and the margin:
/// kValue classes: output must equal the index exactly (float: nearest integer), margin
/// ½ − |out − y|; kArgmax: unique maximum, margin out_y − max_{c≠y} out_c; kBits: outputs 0/1.
int64_t DecodeClass(const Network& net, const std::vector<double>& outputs);

}  // namespace mnemo
