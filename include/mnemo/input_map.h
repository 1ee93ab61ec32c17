// InputMap: the affine map from the user's raw inputs into the unit ball, x' = (x − c)·2^−s
// with a dyadic centre c and a power-of-two scale. The dataset computes it (dataset.h,
// ComputeNormalization), constructions build on x', and the network stores it (network.h), so
// a network takes the user's raw inputs.
#pragma once

#include <vector>

#include "mnemo/exact.h"

namespace mnemo {

/// Maps the user's raw input x to x' = (x − center)·2^−scale_log2, which the first layer reads.
struct InputMap {
  std::vector<Rational> center;  ///< size d (empty = no centering)
  int scale_log2 = 0;
};

}  // namespace mnemo
