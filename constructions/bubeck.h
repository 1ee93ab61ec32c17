// bubeck: one hidden ReLU layer of 4-ReLU "directional derivative" gadgets, after Bubeck,
// Eldan, Lee, Mikulincer, "Network size and weights size for memorization with two-layers
// neural networks" (NeurIPS 2020): 4⌈N/d⌉ ReLUs memorize N points in general position with
// real labels.
//
// Gadget for a group g of ≤ d points (DirectionalBumps in constructions/gadgets.h):
// a(x) = ⟨u,x⟩ − 1 with u a dyadic hyperplane through the group (least squares in the group's
// span, rounded, then checked exactly: max_g |a| < ε < min_{others} |a|), a readout
// r(x) = ⟨v,x⟩ with r = y on the group,
// η a power of two with η·max|r| ≤ the margin, and
//   f_g = [φ(a + ηr + ε) − φ(a + ε) − φ(a + ηr − ε) + φ(a − ε)]/η,
// which is exactly r(x_i) = y_i on the group and exactly 0 off it (all four ReLUs on or all
// off). Points with target 0 need no gadget.
//  * real targets: v solves the group's equations exactly in rationals (v supported on |g|
//    pivot coordinates); output = Σ_g f_g (identity, OutputKind::kValue), exact. The readout's
//    denominators make the output layer's common denominator grow with the number of groups,
//    so the default group for real targets is min(d, 16).
//  * classes: one readout per bit of the class index (dyadic, checked exactly to be on the
//    right side of 1/2) and threshold outputs (OutputKind::kBits): 2 + 2⌈log2 C⌉ ReLUs per
//    group, i.e. exactly 4⌈N_1/d⌉ for two classes.
// Failing groups (dependent points, outsiders on the hyperplane) are split in halves.
// Memory: needs every normalized point at once (BuildContext::normalized.All(), 8 bytes per
// value) beside the data.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "mnemo/construction.h"

namespace mnemo {

struct BubeckOptions {
  std::optional<int64_t> group;  ///< points per gadget (default d; real targets min(d, 16))
  int64_t max_denominator_bits = 200000;

  template <class V>
  void Visit(V& v) {
    v("group", &group, "G", "points per gadget (failing groups are split)",
      "d (real targets: min(d, 16))");
    v("max-denominator-bits", &max_denominator_bits, "B",
      "real targets: limit on the output's common denominator");
  }
  bool IsValid(std::string* why) const;
};

/// Typed details of a bubeck build (the named extras carry them too).
struct BubeckDetails {
  bool real_targets = false;       ///< exact rational readouts, linear output
  int64_t group_size = 0;          ///< points per gadget asked (failing groups are split)
  int readouts = 1;                ///< per gadget: 1 (real targets) or ⌈log2 C⌉ bit readouts
  int64_t points_with_gadget = 0;  ///< points with a nonzero target
  int64_t gadgets = 0;             ///< 2 + 2·readouts ReLUs each
  int64_t group_splits = 0;
  int64_t output_denominator_bits = 0;  ///< real targets: the output's common denominator
};

std::optional<Network> BuildBubeck(const BubeckOptions& options, const BuildContext& ctx,
                                   Report* report);
Construction BubeckConstruction();

}  // namespace mnemo
