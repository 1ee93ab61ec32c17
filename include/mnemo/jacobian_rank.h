// The `rank` computation: the rank of the two-layer Jacobian on n points at random (or paired)
// parameters — numerical rank (max over draws), the predicted maximum rank with the formula used
// and a proven upper bound, and on request a certificate:
//  * polynomial σ: exact rank mod primes < 2^21 at random points mod p (a proof of rank ≥ r;
//    Schwartz–Zippel bounds the chance of missing the generic rank);
//  * piecewise-linear σ (relu, leaky-relu, hard-tanh, step): the exact rational Jacobian at the
//    drawn point, its rank mod primes (a proof of rank ≥ r) and, where that stays below the
//    proven upper bound, its exact rank over ℚ at that point;
//  * transcendental σ: a ball-arithmetic proof of rank ≥ r (ball_rank_certificate.h), with the
//    float fast path reported beside it as evidence, not a proof.
// A proof meeting the proven upper bound decides the maximum rank exactly.
#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "mnemo/numerical_rank.h"
#include "mnemo/rank_theory.h"
#include "mnemo/two_layer.h"

namespace mnemo {

/// Which certificate `--certify` computes for transcendental σ.
enum class CertificateMode { kProof, kFloat };

struct RankOptions {
  TwoLayerActivation activation;
  int64_t m = 10, d = 5, n = 0;           ///< n = 0 with data: all points
  const Eigen::MatrixXd* data = nullptr;  ///< d × n points (else Gaussian N(0, I/d))
  JacobianWrt wrt = JacobianWrt::kAll;
  PointKind point = PointKind::kRandom;
  BiasMode bias = BiasMode::kRandom;
  bool certify = false;
  CertificateMode mode = CertificateMode::kProof;
  uint64_t seed = 1;
  int draws = 3;   ///< random draws; the generic rank is their maximum
  int primes = 3;  ///< mod-p certificates: primes (each with a fresh point)
  double weight_scale = 1.5;
  std::string route = "auto";  ///< auto | svd | gram
  long max_precision = 1024;   ///< ball arithmetic: give up beyond this many bits
};

/// A rank certificate. `proof` is true for mod-p, exact and ball certificates (checked by
/// mnemo, no floating-point assumption), false for the float fast path.
struct RankCertificate {
  std::string kind = "none";  ///< none | mod-p | exact | ball | float | gram-float
  bool proof = false;
  int64_t rank = -1;             ///< the proven (or, for float, estimated) lower bound; -1: none
  std::vector<uint32_t> primes;  ///< mod-p, exact
  std::vector<int64_t> prime_ranks;
  double failure_bound = 0;  ///< polynomial σ: Schwartz–Zippel bound on missing the generic rank
  int64_t rank_over_q = -1;  ///< exact: the rank over ℚ at the point (-1: not computed)
  long precision = 0;        ///< ball: working precision in bits
  std::string determinant;   ///< ball: the determinant ball of the minor
  double error_bound = 0;    ///< float: the error bound σ̂_r had to exceed
  std::string failure;       ///< why nothing (or less) was proven
  double seconds = 0;
  std::string Text(bool timing = true) const;  ///< one line (with the seconds when `timing`)
  nlohmann::ordered_json ToJson() const;
};

struct RankReport {
  int64_t n = 0, d = 0, m = 0, params = 0, columns = 0;
  std::string activation, wrt, point, bias;
  RankPrediction prediction;
  NumericalRank best;  ///< the draw with the largest rank
  std::vector<int64_t> draw_ranks;
  int64_t numerical_rank = 0;      ///< max over draws
  RankCertificate certificate;     ///< the proof (or the float one with --certificate float)
  RankCertificate float_evidence;  ///< transcendental σ: the float fast path (not a proof)
  bool rank_decided = false;       ///< a proof meets the proven upper bound
  bool contradiction = false;      ///< a proof exceeds the proven upper bound (a bug)
  std::string verdict;             ///< one line
  std::vector<std::string> notes;  ///< non-generic inputs detected, caveats
  double seconds = 0;
  nlohmann::ordered_json ToJson() const;
  std::string ToText() const;
};
RankReport ComputeRank(const RankOptions& options);

}  // namespace mnemo
