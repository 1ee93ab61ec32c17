// baum: one hidden threshold layer of slab pairs, after E. B. Baum, "On the capabilities of
// multilayer perceptrons", J. Complexity 4 (1988): ⌈N/d⌉ threshold neurons memorize any binary
// labelling of N points in general position in R^d.
//
// Form built here (round and re-check): the points to memorize are split
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
// Memory: needs every normalized point at once (BuildContext::normalized.All(), 8 bytes per
// value) beside the data.
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

/// Typed details of a baum build (the named extras carry them too).
struct BaumDetails {
  int64_t group_size = 0;        ///< points per hyperplane asked (failing groups are split)
  int64_t default_class = 0;     ///< class index no slab memorizes (the most frequent)
  int64_t points_memorized = 0;  ///< points of the other classes
  int64_t slabs = 0;             ///< 2 threshold neurons each
  int64_t initial_groups = 0;
  int64_t group_splits = 0;
  int64_t random_hyperplanes = 0;   ///< tried through single points
  int64_t exact_checks = 0;         ///< hyperplanes checked exactly on every point
  int64_t points_without_slab = 0;  ///< infeasible builds: points no slab isolates
};

std::optional<Network> BuildBaum(const BaumOptions& options, const BuildContext& ctx,
                                 Report* report);
Construction BaumConstruction();

}  // namespace mnemo
