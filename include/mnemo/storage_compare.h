// Storage capacity side by side, per activation: the RS capacity per first-layer weight of the
// K → ∞ tree and fully connected nets (storage_theory.h), the GD threshold α₅₀ of a fully
// connected net with m hidden units in dimension d under one protocol (storage_gd.h), and the
// Jacobian-rank guarantee ⌊md/2⌋ of Madden & Thrampoulidis for the same (m, d) where its
// hypotheses hold (two_layer_capacity_bounds.h), per first-layer weight: ⌊md/2⌋/(md).
//
// The three answer different questions: RS counts random ±1 labels per weight as N → ∞ (an
// upper estimate), GD is what one algorithm reaches, and the Jacobian guarantee holds for every
// real label vector on almost every dataset with every parameter (W, b, v) trained.
#pragma once

#include <string>
#include <vector>

#include "mnemo/storage_gd.h"
#include "mnemo/storage_measure.h"

namespace mnemo {

struct StorageComparisonOptions {
  std::vector<std::string> activations;  ///< empty → relu, quadratic, erf, erf-sqrt2, tanh, ...
  GdMeasureOptions gd;                   ///< protocol.N is d, protocol.K is m
};

struct StorageComparisonRow {
  std::string activation;
  double tree = 0, fully_connected = 0;  ///< RS, K → ∞, per first-layer weight (may be +∞)
  LogisticFit gd;                        ///< α₅₀ of the GD protocol
  bool theorem_applies = false;          ///< the ⌊md/2⌋ hypotheses hold at n = ⌊md/2⌋
  std::string theorem_reason;
  double jacobian_per_weight = 0;  ///< ⌊md/2⌋/(md) where it applies, else 0
};

/// Throws mnemo::Error for activations GD cannot train (step, identity) or bad protocols.
std::vector<StorageComparisonRow> CompareStorageCapacities(const StorageComparisonOptions& o);
/// The default activation list of the comparison.
std::vector<std::string> DefaultComparisonActivations();

}  // namespace mnemo
