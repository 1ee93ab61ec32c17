// The Jacobian-rank capacity search: for each of W only / all parameters at a random / paired
// point, the largest n at which the Jacobian has full row rank n, with its certificate, side by
// side with the bounds of Madden & Thrampoulidis (⌊md/2⌋ ≤ capacity ≤ m(d+2)). Not to be
// confused with storage capacity (storage_theory.h), which counts random ±1 patterns per
// parameter by statistical physics.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "mnemo/two_layer.h"

namespace mnemo {

struct JacobianCapacityOptions {
  TwoLayerActivation activation;
  int64_t m = 20, d = 10;
  uint64_t seed = 1;
  int draws = 2;
  double weight_scale = 1.5;
  bool certify = true;
};
/// One threshold: the largest n at which J (W only or all, random or paired point) has full
/// row rank n, found by searching n, with its certificate.
struct JacobianThreshold {
  std::string quantity;       ///< e.g. "W only, random point"
  JacobianWrt wrt;
  PointKind point;
  int64_t threshold = 0;      ///< largest n with (certified when possible) full row rank n
  int64_t predicted = -1;     ///< predictor at n = columns + 1 (or the conjectured value)
  std::string formula;        ///< e.g. "md", "m(d+2)", "(m/2)(d+2) [conjecture]"
  std::string certificate;    ///< e.g. "float σ_n=1.2e-3 > 4.1e-12", "mod p (3 primes)"
  bool certified = false;
  int64_t rank_above = -1;    ///< numerical rank at threshold + 1 (shows the drop)
  std::vector<std::pair<int64_t, int64_t>> search;  ///< (n, rank) probed
  double seconds = 0;
};
struct JacobianCapacityReport {
  int64_t m = 0, d = 0;
  std::string activation;
  int64_t lower_bound = 0;    ///< ⌊md/2⌋ (paper)
  int64_t upper_bound = 0;    ///< m(d+2) (Sard), m(d+1) for exp-like
  std::vector<JacobianThreshold> rows;
  std::string conjecture;     ///< verdict on (m/2)(d+2)
  double seconds = 0;
  nlohmann::ordered_json ToJson() const;
  std::string ToText() const;
};
JacobianCapacityReport ComputeJacobianCapacity(const JacobianCapacityOptions& options);
/// Finds the largest n ≤ n_max with full row rank for one configuration (used by the report).
JacobianThreshold SearchJacobianThreshold(const JacobianCapacityOptions& options, JacobianWrt wrt, PointKind point);

}  // namespace mnemo
