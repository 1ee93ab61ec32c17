// What theory says about the rank of the two-layer Jacobian: the predicted generic (maximum)
// rank by activation class with the formula used, a proven upper bound with its reason, and the
// Alexander–Hirschowitz ranks of pure powers.
//
// "Proven" upper bounds are structural facts (column counts, columns that cancel at a paired
// point, σ′ = σ for exp, Euler's identity for t^k, positive homogeneity of relu, σ′ = 0 for step,
// dimensions of polynomial spaces, the Alexander–Hirschowitz theorem). A certified witness that
// meets a proven upper bound decides the maximum rank exactly.
#pragma once

#include <cstdint>
#include <string>

#include "mnemo/two_layer.h"

namespace mnemo {

struct RankPrediction {
  int64_t rank = -1;         ///< predicted maximum rank; -1: no closed form trusted ("compute")
  int64_t upper_bound = 0;   ///< a proven upper bound on the rank at every point
  std::string branch;        ///< the formula used for `rank`
  std::string upper_reason;  ///< why `upper_bound` holds
};
RankPrediction PredictRank(const TwoLayerActivation& act, int64_t m, int64_t d, int64_t n,
                           JacobianWrt wrt, PointKind point, BiasMode bias);
/// AH(d, m, k): the large-n rank of J_W for σ = t^k with zero bias (Alexander–Hirschowitz).
int64_t AlexanderHirschowitzRank(int64_t d, int64_t m, int64_t k);
int64_t Binomial(int64_t n, int64_t k);  ///< saturating at INT64_MAX/4

}  // namespace mnemo
