// The Jacobian-rank capacity search and what it proves about memory capacity. Not to be confused
// with storage capacity (storage_theory.h), which counts random ±1 patterns per parameter by
// statistical physics.
//
// For each of W only / all parameters at a random / paired point, the threshold is the largest n
// at which the n × N Jacobian can have full row rank n, i.e. its maximum rank. mnemo reports it
// as an interval [lower, upper]: `lower` is proven by a certified witness (mod p, exact over ℚ or
// ball arithmetic, see jacobian_rank.h), `upper` by a structural argument (rank_theory.h); when
// they meet, the threshold is decided. Without a proof `lower` is 0 and the numerical threshold
// is reported beside it, never in its place.
//
// Beside the thresholds: the hypotheses and bound ⌊md/2⌋ of Madden & Thrampoulidis, a proven
// upper bound on the memory capacity (two_layer_capacity_bounds.h), the lower bound the paired
// all-parameter witness proves (for analytic σ: for almost every X), and the verdict on the
// conjecture MC ≥ ⌊m/2⌋(d+2) in the vocabulary of verdict.h.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "mnemo/constructive_evidence.h"
#include "mnemo/jacobian_rank.h"
#include "mnemo/two_layer.h"
#include "mnemo/two_layer_capacity_bounds.h"
#include "mnemo/verdict.h"

namespace mnemo {

struct JacobianCapacityOptions {
  TwoLayerActivation activation;
  int64_t m = 20, d = 10;
  uint64_t seed = 1;
  int draws = 2;
  double weight_scale = 1.5;
  bool certify = true;
  CertificateMode mode = CertificateMode::kProof;
  bool construct = true;  ///< step and relu: the constructive evidence (constructive_evidence.h)
};

/// One threshold: the maximum rank of the n × N Jacobian (W only or all, random or paired point).
struct JacobianThreshold {
  std::string quantity;  ///< e.g. "W only, random point"
  JacobianWrt wrt = JacobianWrt::kWeights;
  PointKind point = PointKind::kRandom;
  int64_t lower = 0;         ///< proven: full row rank `lower` certified at a witness point
  int64_t upper = 0;         ///< proven upper bound on the maximum rank
  int64_t numerical = 0;     ///< numerical rank at n = upper + 1 (evidence)
  std::string formula;       ///< formula of `upper`, e.g. "md", "m(d+1)", "(m/2)(d+2)"
  std::string upper_reason;  ///< why `upper` holds
  std::string certificate;   ///< the witness's certificate, one line
  bool proof = false;        ///< `lower` comes from a proof (not the float fast path)
  std::vector<std::pair<int64_t, int64_t>> search;  ///< (n, certified or numerical rank) probed
  double seconds = 0;
  bool Decided() const { return proof && lower == upper; }
};

struct JacobianCapacityReport {
  int64_t m = 0, d = 0;
  std::string activation;
  std::vector<JacobianThreshold> rows;  ///< W random, all random, W paired, all paired
  int64_t theorem_bound = 0;            ///< ⌊md/2⌋
  TheoremHypotheses hypotheses;         ///< at n = ⌊md/2⌋
  CapacityUpperBound upper;             ///< proven upper bound on MC
  int64_t jacobian_lower = 0;           ///< MC ≥ this from the paired witnesses (analytic σ)
  std::string jacobian_lower_reason;
  Verdict conjecture;                 ///< MC ≥ ⌊m/2⌋(d+2)
  ConstructiveEvidence construction;  ///< step, relu: a verified network with ≤ m hidden units
  double seconds = 0;
  nlohmann::ordered_json ToJson() const;
  std::string ToText() const;  ///< every line ≤ 100 columns
};
JacobianCapacityReport ComputeJacobianCapacity(const JacobianCapacityOptions& options);
/// The threshold of one configuration (used by the report).
JacobianThreshold SearchJacobianThreshold(const JacobianCapacityOptions& options, JacobianWrt wrt,
                                          PointKind point);

}  // namespace mnemo
