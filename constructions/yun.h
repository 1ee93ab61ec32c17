// yun: two hidden ReLU layers of width O(√N), after Yun, Sra, Jadbabaie, "Small ReLU networks
// are powerful memorizers: a tight analysis of memorization capacity" (NeurIPS 2019): 3-layer
// ReLU networks with Ω(√N) hidden nodes per layer memorize N points (width Θ(√N) is necessary
// and sufficient).
//
// Variant built here (design note §12.3, exact dyadic form; about 2× less efficient than the
// theorem's constant in d1·d2): project on a random dyadic direction u (t = ⟨u, x⟩, distinct,
// checked exactly), sort, cut into q blocks of r consecutive points. Layer 1: d1 = 2q − 1
// ReLUs φ(t − c_m) with dyadic corners c_0 = t_min − 1 and two inside every gap between blocks.
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
    v("tries", &tries, "T", "random projection directions tried until all values are distinct");
  }
  bool IsValid(std::string* why) const;
};

Construction YunConstruction();

}  // namespace mnemo
