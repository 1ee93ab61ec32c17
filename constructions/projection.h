// The dyadic projection shared by the constructions that work on a line (zhang, bitextract,
// yun): a random Gaussian direction rounded to the grid 2^-kDirectionBits, and the exact
// projections P_i = ⟨v, x'_i⟩·2^(dir_bits + frac_bits) of the normalized points as integers.
// Of several random directions the best separated (largest smallest gap) is kept; the first
// layer of the network computes ⟨v, x'⟩ exactly, so every decision on the line is exact.
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
DyadicProjection ChooseProjection(const RowMatrix& normalized, int tries, Rng& rng,
                                  int dir_bits = kDirectionBits, bool first_distinct = false);

}  // namespace mnemo::internal
