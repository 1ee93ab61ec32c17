// The dyadic projection shared by the constructions that work on a line (zhang, bitextract,
// yun): a random Gaussian direction rounded to the grid 2^-kDirectionBits, and the exact
// projections P_i = ⟨v, x'_i⟩·2^(dir_bits + frac_bits) of the normalized points as integers.
// Of several random directions the best separated (largest smallest gap) is kept; the first
// layer of the network computes ⟨v, x'⟩ exactly, so every decision on the line is exact.
// The points are read block by block (RowBlocks): memory is O(N) keys beside one block, with
// the tries projected a group at a time (at most kProjectedValues doubles at once). One pass
// gives the data's fraction bits, the bound that makes a double product exact and the first
// group's products; each block is split among the cores.
#pragma once

#include <cstdint>
#include <vector>

#include "mnemo/assembler.h"
#include "mnemo/dataset.h"
#include "mnemo/exact.h"
#include "mnemo/random.h"

namespace mnemo::internal {

/// Directions are rounded to multiples of 2^-kDirectionBits.
inline constexpr int kDirectionBits = 20;
/// Projected values (doubles) held at once while ranking tries: n·tries beyond it are projected
/// in groups of tries, one pass over the points per group.
inline constexpr int64_t kProjectedValues = int64_t(1) << 25;

struct DyadicProjection {
  std::vector<int64_t> v;  ///< direction numerators over 2^dir_bits
  int dir_bits = kDirectionBits;
  int frac_bits = 0;           ///< x'·2^frac_bits is integral for every normalized point
  std::vector<Integer> p;      ///< exact projections, value = p·2^-scale_bits()
  std::vector<int64_t> order;  ///< points by increasing p
  Integer min_gap;             ///< smallest gap of the sorted p (0: two points tie; N ≤ 1: 0)
  int tries = 0;               ///< directions drawn

  int scale_bits() const { return dir_bits + frac_bits; }
  /// ⟨v, x'⟩ as a form over the network inputs (coefficients v_j·2^-dir_bits).
  Form AsForm() const;
  /// δ ≥ gap / ‖v‖: the separation of the normalized points that the gap proves.
  double DeltaLower() const;
};

/// Draws `tries` directions (Gaussian, rounded to 2^-dir_bits) and keeps the one with the
/// largest smallest gap; stops early at the first direction whose values are all distinct when
/// `first_distinct`. Integer-grid data (every projection below 2^52 in units 2^-scale_bits) is
/// projected for all tries in one exact double product.
/// `projected_values` bounds the doubles held at once (tests make it small).
DyadicProjection ChooseProjection(const RowBlocks& normalized, int tries, Rng& rng,
                                  int dir_bits = kDirectionBits, bool first_distinct = false,
                                  int64_t projected_values = kProjectedValues);

/// ChooseProjection on the grid 2^-dir_bits, refined by 19 bits at a time (up to
/// `max_dir_bits`) while every direction still maps two points to one value: lattice-like data
/// (hypercube corners, small integer grids) can collide on a coarse grid, and exact arithmetic
/// does not care how fine it is. `max_dir_bits` = dir_bits: no refinement.
DyadicProjection ChooseSeparatingProjection(const RowBlocks& normalized, int tries, Rng& rng,
                                            int dir_bits, int max_dir_bits);

/// Smallest E ≥ 0 with x'·2^E integral for every point (one pass over the blocks).
int MaxFractionBits(const RowBlocks& normalized);

/// The finest direction grid (≤ kDirectionBits) whose exact projection layer stays below
/// 2^budget_bits: |v_j| ≤ 6·2^dir_bits with overwhelming probability, so the largest row sum
/// Σ_j |v_j·x'_j·2^frac| stays below 2^(budget − 2). May be < 3 (then no useful grid exists).
int DirectionBitsForBudget(const RowBlocks& normalized, int budget_bits);

}  // namespace mnemo::internal
