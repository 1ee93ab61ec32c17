// The gradient-descent threshold of a fully connected two-layer net under one fixed protocol:
// an algorithmic lower bound on capacity that depends on the protocol, not a capacity.
#pragma once

#include <random>
#include <string>
#include <vector>

#include "mnemo/storage_measure.h"

namespace mnemo {

/// The fixed GD protocol for a fully connected two-layer net with a fixed second layer:
///   f(x) = K^{−1/2} Σ_k (g(w_k·x/√N) − E g)/√Var g + b, inputs x ~ N(0, I_N), labels ±1,
///   w_k ~ N(0, I_N) at initialisation (so h ~ N(0,1)), b = 0; trained: all w_k and b;
///   loss = mean_μ max(0, 1 − y_μ f(x_μ))² (squared hinge); full-batch Adam (β = 0.9, 0.999,
///   ε = 1e−8) with learning rate `lr`; at most `max_epochs` epochs; success = zero training
///   errors (y f > 0 for every pattern), checked every epoch.
struct GdProtocol {
  std::string activation = "relu";
  int N = 32, K = 4;
  double lr = 0.01;
  int max_epochs = 3000;
  bool IsValid(std::string* why) const;
  std::string Describe() const;
};
struct GdRun {
  bool success = false;
  int epochs = 0, errors = 0;
  double loss = 0;
};
/// One GD run on P fresh random patterns; all randomness from `rng`.
GdRun RunGdInstance(const GdProtocol& protocol, int P, std::mt19937_64& rng);

struct GdMeasureOptions {
  GdProtocol protocol;
  std::vector<int> Ns;         ///< finite-size scaling sizes; empty → {protocol.N}
  std::vector<double> alphas;  ///< α = P/(N·K); empty → 0.5, 1.0, ..., 4.0
  int instances = 8;
  uint64_t seed = 1;
  int threads = 0;
  bool progress = true;
};
struct GdMeasureResult {
  std::vector<ThresholdCurve> curves;  ///< one per N
  /// α₅₀(N) = α_∞ + a·N^{−1/2} by weighted least squares (needs ≥ 2 sizes).
  double alpha_inf = 0, alpha_inf_stderr = 0, fss_slope = 0;
  bool fss_ok = false;
};
GdMeasureResult MeasureGdThreshold(const GdMeasureOptions& options);

}  // namespace mnemo
