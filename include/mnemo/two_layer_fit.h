// Fitting two-layer networks that interpolate data: Levenberg–Marquardt in dual form with
// Nielsen's update, paired-start Gauss–Newton with λ continuation (the constructive mechanism of
// the ⌊md/2⌋ bound), and variable projection. Deterministic given the seed. A fitted network is
// checked in float64 (`mnemo verify --mode float64 --tolerance T`): a smooth network has no exact
// mode.
#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "mnemo/dataset.h"
#include "mnemo/network.h"
#include "mnemo/two_layer.h"

namespace mnemo {

enum class FitMethod { kLm, kPairedGn, kVarPro };
FitMethod ParseFitMethod(const std::string& s);
std::string ToString(FitMethod method);

struct FitOptions {
  TwoLayerActivation activation;
  int64_t m = 10;
  FitMethod method = FitMethod::kLm;
  JacobianWrt wrt = JacobianWrt::kAll;  ///< paired-gn: weights (n ≤ ⌊m/2⌋d) or all
  uint64_t seed = 1;
  int max_iterations = 500;
  double lambda = 0;                  ///< paired-gn: starting λ (0 = automatic, 100)
  double residual_tolerance = 1e-11;  ///< stop when max |f − y| ≤ this
  double weight_scale = 1.5;          ///< init: pre-activation std ≈ weight_scale
  int restarts = 3;                   ///< fresh random starts after a failure
};

struct FitReport {
  std::string method, activation;
  int64_t n = 0, d = 0, m = 0, q = 1, params = 0;
  bool success = false;
  double max_residual = 0;       ///< max |f(x_i) − y_i| over points and outputs
  double relative_residual = 0;  ///< ‖f − y‖ / ‖y‖
  int iterations = 0;
  int restarts_used = 0;
  double kappa = 0;   ///< κ(J) at the solution (2-norm)
  double mu = 0;      ///< LM / VarPro damping at exit
  double lambda = 0;  ///< paired-gn: final λ
  double max_abs_v = 0;
  std::string reason;           ///< why it stopped
  std::vector<double> history;  ///< ‖r‖ per iteration
  double seconds = 0;
  nlohmann::ordered_json ToJson() const;
  std::string ToText() const;
};

/// Fits p so that Forward(act, p, x) ≈ y (n × q targets); x is d × n.
FitReport FitTwoLayer(const FitOptions& options, const Eigen::MatrixXd& x, const Eigen::MatrixXd& y,
                      TwoLayerParams* params);

/// Fits a dataset: normalizes the inputs with the dataset's input map, turns labels into
/// targets (real values; 2 classes → ±1 with a 2-output argmax network; C > 2 → one-hot with a
/// C-output argmax network), fits, and returns the network (exact rationals of the fitted
/// doubles, smooth hidden activation). `report` receives the fit report.
Network FitDataset(const FitOptions& options, const Dataset& data, FitReport* report);

/// The mnemo Network of a fitted model (`output`/`classification`/`class_values` set by caller).
Network ToNetwork(const TwoLayerActivation& act, const TwoLayerParams& p, const InputMap& input);

}  // namespace mnemo
