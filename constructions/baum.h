// baum: one hidden threshold layer of slab pairs, after E. B. Baum, "On the capabilities of
// multilayer perceptrons", J. Complexity 4 (1988): ⌈N/d⌉ threshold neurons memorize any binary
// labelling of N points in general position in R^d.
//
// Form built here (design note §12.1, round and re-check): the points to memorize are split
// into groups of ≤ d; for each group a hyperplane ⟨w, x⟩ = 1 through it (least squares in the
// span of the group), rounded to a dyadic grid; its exact values on every point decide whether
// a slab [θ_lo, θ_hi) contains exactly the group; the slab is step(⟨w,x⟩ − θ_lo) −
// step(⟨w,x⟩ − θ_hi), with dyadic midpoints as thresholds. Data not in general position
// (pixel data: constant coordinates, dependent groups) is handled by splitting a failing
// group in halves, down to single points, and for a single point by random hyperplanes
// through it; kInfeasible names the points only where no slab was found.
// Labels: 2 classes → one threshold output, the minority class memorized (2⌈N_min/d⌉ hidden
// neurons); C ≥ 3 → one threshold output per class (argmax), every class but the most
// frequent memorized, whose output fires when no slab does.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "mnemo/construction.h"

namespace mnemo {

struct BaumOptions {
  std::optional<int64_t> group;  ///< points per hyperplane (default d)
  int tries = 16;

  template <class V>
  void Visit(V& v) {
    v("group", &group, "G", "points per hyperplane (failing groups are split)", "d");
    v("tries", &tries, "T", "random hyperplanes tried through a single point");
  }
  bool IsValid(std::string* why) const;
};

Construction BaumConstruction();

}  // namespace mnemo
