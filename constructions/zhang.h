// zhang: one hidden ReLU layer on a 1-D projection memorizes any N points.
// After Zhang, Bengio, Hardt, Recht & Vinyals, "Understanding deep learning requires
// rethinking generalization" (ICLR 2017), Theorem 1: a two-layer ReLU network with N hidden
// units and 2N + d weights represents any function on a sample of size N in d dimensions.
//
// Form built here (all weights dyadic, so exact evaluation stays in integer fixed point):
// project with a random dyadic direction v (best separated of `tries`), t = ⟨v, x'⟩; sort the
// projections t_(1) < … < t_(N); output the telescoping sum of exact steps
//   f(t) = y_(1) + Σ_{j ≥ 2, y_(j) ≠ y_(j−1)} (y_(j) − y_(j−1))·s(t − t_(j)),
//   s(z) = relu(z/η + 1) − relu(z/η),
// with dyadic η ≤ the smallest gap, so s is exactly 1 at z ≥ 0 and exactly 0 at z ≤ −η.
// Size: depth 3 (linear projection, ReLU layer, output), 2 ReLUs per label change in sorted
// order (≤ 2(N − 1)); the paper's count (N units, 2N + d weights) is reported beside it.
// Memorizes classes and real targets exactly.
#pragma once

#include <optional>
#include <string>

#include "mnemo/construction.h"

namespace mnemo {

struct ZhangOptions {
  int tries = 20;

  template <class V>
  void Visit(V& v) {
    v("tries", &tries, "T", "random projection directions tried (the best separated is kept)");
  }
  bool IsValid(std::string* why) const;
};

/// Typed details of a zhang build (also in the report's extras).
struct ZhangDetails {
  int64_t label_changes = 0;  ///< steps in sorted order (2 ReLUs each)
  int eta_log2 = 0;           ///< η = 2^eta_log2
};

std::optional<Network> BuildZhang(const ZhangOptions& options, const BuildContext& ctx,
                                  Report* report);
Construction ZhangConstruction();

}  // namespace mnemo
