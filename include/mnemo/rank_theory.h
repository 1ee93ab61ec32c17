// What theory says about the rank of the two-layer Jacobian: the generic-rank predictor (closed
// forms by activation class, with the formula used), proven upper bounds, and the Alexander–
// Hirschowitz ranks of pure powers.
#pragma once

#include <cstdint>
#include <string>

#include "mnemo/two_layer.h"

namespace mnemo {

/// Generic-rank prediction: rank = -1 means "compute" (no closed form trusted).
struct RankPrediction {
  int64_t rank = -1;
  int64_t upper_bound = 0;   ///< a proven upper bound (column count, structure)
  std::string branch;        ///< which formula was used
};
RankPrediction PredictRank(const TwoLayerActivation& act, int64_t m, int64_t d, int64_t n,
                           JacobianWrt wrt, PointKind point, BiasMode bias);
/// AH(d, m, k): the large-n rank of J_W for σ = t^k with zero bias (Alexander–Hirschowitz).
int64_t AlexanderHirschowitzRank(int64_t d, int64_t m, int64_t k);
int64_t Binomial(int64_t n, int64_t k);  ///< saturating at INT64_MAX/4

}  // namespace mnemo
