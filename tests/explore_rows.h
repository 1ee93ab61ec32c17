// Synthetic report rows with known scaling, for the analyze and plot tests: a "construction"
// whose W²L² = 7·N·log2(1/δ)^e_delta·noise at every depth L (W = √(W²L²)/L), noise a fixed
// ±3% pattern, written as sweep rows with grid coordinates and the bounds a row carries.
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "mnemo/report.h"
#include "mnemo/rows.h"

namespace mnemo::testing {

inline Report SyntheticRow(int64_t n, double delta, int64_t depth, uint64_t seed,
                           double e_delta, double noise) {
  Report r;
  r.construction = "toy";
  r.status = Status::kSuccess;
  r.seed = seed;
  r.depth_asked = depth;
  const double log_delta = std::log2(1 / delta);
  const double w2l2 = 7.0 * double(n) * std::pow(log_delta, e_delta) * noise;
  r.network.depth = depth;
  r.network.width = int64_t(std::llround(std::sqrt(w2l2) / double(depth)));
  r.network.neurons = r.network.width * depth;
  r.network.params_nonzero = int64_t(std::llround(50 * std::sqrt(double(n)) * noise));
  r.network.params_dense = r.network.params_nonzero * 3;
  r.network.total_weight_bits = int64_t(std::llround(20.0 * double(n) * noise));
  r.network.max_weight_bits = 40;
  r.data = {"synthetic:toy", n, n, 8, 10, delta, true};
  Bound upper;
  upper.measure = "w2l2";
  upper.formula = "W²L² ≤ c·N·log2(1/δ) (toy theorem)";
  upper.tag = "paper";
  upper.scale = double(n) * log_delta;
  upper.measured = Measure(r.network, "w2l2");
  r.theory.push_back(upper);
  Bound bits;
  bits.kind = Bound::Kind::kLower;
  bits.measure = "total_weight_bits";
  bits.formula = "Σ weight bits ≥ N·log2 C (counting labelings)";
  bits.tag = "derived";
  bits.scale = double(n) * std::log2(10.0);
  bits.constant = 1;
  bits.measured = double(r.network.total_weight_bits);
  r.theory.push_back(bits);
  r.verification = {true, true, n, 0, "1/2"};
  r.provenance.mnemo_version = "0.1.0";
  r.provenance.git_commit = "test";
  r.provenance.key = fmt::format("{}-{}-{}-{}", n, delta, depth, seed);
  r.provenance.grid = {{"data", "synthetic:toy"}, {"n", n},         {"delta", delta},
                       {"depth", depth},          {"seed", seed}};
  r.provenance.outcome = "completed";
  return r;
}

/// N ∈ {1000, 2000, 4000, 8000, 16000} × δ ∈ {1e-2, 1e-4, 1e-8} × L ∈ {10, 40} × seeds 1, 2.
inline std::vector<Row> SyntheticRows(double e_delta = 1.0) {
  std::vector<Row> rows;
  int k = 0;
  for (int64_t n : {1000, 2000, 4000, 8000, 16000})
    for (double delta : {1e-2, 1e-4, 1e-8})
      for (int64_t depth : {10, 40})
        for (uint64_t seed : {1u, 2u}) {
          const double noise = 1 + 0.03 * std::sin(1.7 * ++k);
          rows.push_back({SyntheticRow(n, delta, depth, seed, e_delta, noise),
                          fmt::format("toy.jsonl:{}", k)});
        }
  return rows;
}

}  // namespace mnemo::testing
