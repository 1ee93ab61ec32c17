// The `rank` computation: the rank of the two-layer Jacobian at random (or paired) points, as
// numerical rank (max over draws), predicted generic rank with the formula used, and a
// certificate that proves a lower bound where one is requested.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Dense>
#include <nlohmann/json.hpp>

#include "mnemo/numerical_rank.h"
#include "mnemo/rank_theory.h"
#include "mnemo/two_layer.h"

namespace mnemo {

struct RankOptions {
  TwoLayerActivation activation;
  int64_t m = 10, d = 5, n = 0;      ///< n = 0 with data: all points
  const Eigen::MatrixXd* data = nullptr;  ///< d × n points (else Gaussian N(0, I/d))
  JacobianWrt wrt = JacobianWrt::kAll;
  PointKind point = PointKind::kRandom;
  BiasMode bias = BiasMode::kRandom;
  bool certify = false;
  uint64_t seed = 1;
  int draws = 3;                     ///< random draws; the generic rank is their maximum
  int primes = 3;                    ///< mod-p certificate: primes (each with a fresh point)
  double weight_scale = 1.5;
  std::string route = "auto";        ///< auto | svd | gram
};

struct RankReport {
  int64_t n = 0, d = 0, m = 0, params = 0, columns = 0;
  std::string activation, wrt, point, bias;
  RankPrediction prediction;
  NumericalRank best;                ///< the draw with the largest rank
  std::vector<int64_t> draw_ranks;
  int64_t numerical_rank = 0;        ///< max over draws
  std::string certificate = "none";  ///< none | mod-p | float | gram-cholesky
  int64_t certified_rank = -1;       ///< lower bound proven by the certificate (-1: none)
  std::vector<uint32_t> primes;
  std::vector<int64_t> prime_ranks;
  double failure_bound = 0;          ///< Schwartz–Zippel bound on missing the generic rank
  double cert_error = 0;             ///< float certificate: error bound used
  bool contradiction = false;        ///< the certificate contradicts the prediction
  std::string verdict;               ///< one line
  std::vector<std::string> notes;    ///< non-generic inputs detected, caveats
  double certificate_seconds = 0;    ///< time spent in the certificate
  double seconds = 0;
  nlohmann::ordered_json ToJson() const;
  std::string ToText() const;
};
RankReport ComputeRank(const RankOptions& options);

}  // namespace mnemo
