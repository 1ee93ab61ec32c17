// yun: two hidden ReLU layers of width O(√N), after Yun, Sra, Jadbabaie, "Small ReLU networks
// are powerful memorizers: a tight analysis of memorization capacity" (NeurIPS 2019): 3-layer
// ReLU networks with Ω(√N) hidden nodes per layer memorize N points (width Θ(√N) is necessary
// and sufficient).
//
// Variant built here (exact dyadic form; about 2× less efficient than the theorem's constant in
// d1·d2): project on the best separated of `tries` random dyadic directions u (the shared
// projection of constructions/projection.h; t = ⟨u, x⟩, distinct, checked exactly), sort, cut
// into q blocks of r consecutive points. Layer 1: d1 = 2q − 1 ReLUs φ(t − c_m) with dyadic
// corners c_0 = t_min − 1 and two inside every gap between blocks.
// Layer 2: for each slot j < r and σ = ±1 a piecewise-linear g_{jσ} (weights = slope jumps)
// that equals σA(t − t_(b,j)) + y_(b,j)/Y on block b, as hard-tanh φ(g+1) − φ(g−1) − 1:
// d2 = 4r ReLUs. A, Y powers of two with A·γ ≥ 2.02 (γ = smallest gap) and Y > max|y|.
// Output f = (Y/2)·Σ hard-tanh = y exactly (the other slots saturate at ±1 and cancel in
// pairs). Any labels (class index or real target), OutputKind::kValue.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "mnemo/construction.h"

namespace mnemo {

struct YunOptions {
  std::optional<int64_t> block;  ///< points per block (default ⌈√N⌉)
  int tries = 10;

  template <class V>
  void Visit(V& v) {
    v("block", &block, "R", "points per block (layer-2 width 4R, layer-1 width 2⌈N/R⌉ − 1)",
      "⌈√N⌉");
    v("tries", &tries, "T", "random projection directions tried (the best separated is kept)");
  }
  bool IsValid(std::string* why) const;
};

/// Typed details of a yun build (the named extras carry them too).
struct YunDetails {
  int64_t block = 0;   ///< r: points per block
  int64_t blocks = 0;  ///< q = ⌈N/r⌉
  int64_t d1 = 0;      ///< first hidden layer: 2q − 1 corners
  int64_t d2 = 0;      ///< second hidden layer: 4r ReLUs
  int projection_tries = 0;
  double min_gap = 0;  ///< smallest gap γ of the sorted projections
  int a_log2 = 0;      ///< slope A = 2^a_log2 ≥ 2.02/γ
  int y_log2 = 0;      ///< Y = 2^y_log2 > max |y|
};

std::optional<Network> BuildYun(const YunOptions& options, const BuildContext& ctx, Report* report);
Construction YunConstruction();

}  // namespace mnemo
