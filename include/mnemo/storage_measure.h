// Shared pieces of the capacity measurements: success-probability rows per α, the logistic fit
// of α₅₀, and the α grid parser.
#pragma once

#include <string>
#include <vector>

namespace mnemo {

/// Logistic fit p(α) = 1/(1 + exp((α − α₅₀)/w)) by maximum likelihood (tiny ridge on the slope
/// so that perfectly separated data still give the midpoint).
struct LogisticFit {
  double alpha_50 = 0, alpha_50_stderr = 0, width = 0;
  bool ok = false;
};
LogisticFit FitLogistic(const std::vector<double>& alpha, const std::vector<int>& successes,
                        const std::vector<int>& trials);

struct ThresholdRow {
  int N = 0, K = 1, P = 0;
  double alpha = 0;  ///< P per first-layer parameter
  int trials = 0, successes = 0, certified = 0;
  double fraction = 0, sampling_error = 0;  ///< √(p(1−p)/n) with p the reference (or measured)
  double reference = -1;                    ///< Cover's P_sep for the perceptron, −1 otherwise
  double seconds = 0;
};
struct ThresholdCurve {
  std::vector<ThresholdRow> rows;
  LogisticFit fit;
};

/// Parses "a:b:step" or "a,b,c" into values; throws mnemo::Error naming `what` on bad input.
std::vector<double> ParseValueList(const std::string& text, const std::string& what);

}  // namespace mnemo
