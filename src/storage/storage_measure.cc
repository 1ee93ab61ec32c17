// The logistic fit of success probabilities and the α grid parser shared by the measurements.
#include "mnemo/storage_measure.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "mnemo/error.h"

namespace mnemo {

LogisticFit FitLogistic(const std::vector<double>& alpha, const std::vector<int>& successes,
                        const std::vector<int>& trials) {
  MNEMO_CHECK(alpha.size() == successes.size() && alpha.size() == trials.size());
  LogisticFit fit;
  int total_s = 0, total_n = 0;
  double mean_a = 0;
  for (size_t i = 0; i < alpha.size(); ++i)
    total_s += successes[i], total_n += trials[i], mean_a += alpha[i] * trials[i];
  if (total_n == 0 || total_s == 0 || total_s == total_n) return fit;
  mean_a /= total_n;
  // logit p = b0 + b1 (α − ᾱ); penalised log-likelihood with ridge ½λ b1² (λ small).
  constexpr double kRidge = 1e-3;
  double b0 = 0, b1 = -1;
  auto loglik = [&](double c0, double c1) {
    double l = -0.5 * kRidge * c1 * c1;
    for (size_t i = 0; i < alpha.size(); ++i) {
      double eta = c0 + c1 * (alpha[i] - mean_a);
      // log σ(η) = −log1p(e^{−η}), log(1 − σ(η)) = −log1p(e^{η}), stably.
      auto log_sig = [](double e) {
        return e > 0 ? -std::log1p(std::exp(-e)) : e - std::log1p(std::exp(e));
      };
      l += successes[i] * log_sig(eta) + (trials[i] - successes[i]) * log_sig(-eta);
    }
    return l;
  };
  double h00 = 0, h01 = 0, h11 = 0;
  for (int it = 0; it < 200; ++it) {
    double g0 = 0, g1 = -kRidge * b1;
    h00 = 0, h01 = 0, h11 = kRidge;
    for (size_t i = 0; i < alpha.size(); ++i) {
      double x = alpha[i] - mean_a, eta = b0 + b1 * x, p = 1 / (1 + std::exp(-eta));
      double r = successes[i] - trials[i] * p, w = trials[i] * p * (1 - p);
      g0 += r, g1 += r * x;
      h00 += w, h01 += w * x, h11 += w * x * x;
    }
    double det = h00 * h11 - h01 * h01;
    if (!(det > 0)) break;
    double d0 = (h11 * g0 - h01 * g1) / det, d1 = (h00 * g1 - h01 * g0) / det;
    double base = loglik(b0, b1), step = 1;
    while (step > 1e-10 && loglik(b0 + step * d0, b1 + step * d1) < base - 1e-12) step *= 0.5;
    b0 += step * d0, b1 += step * d1;
    if (std::fabs(step * d0) + std::fabs(step * d1) < 1e-12) break;
  }
  if (!(b1 < 0)) return fit;
  fit.alpha_50 = mean_a - b0 / b1;
  fit.width = -1 / b1;
  // Delta method: ∂α₅₀/∂b0 = −1/b1, ∂α₅₀/∂b1 = b0/b1²; covariance = H⁻¹.
  double det = h00 * h11 - h01 * h01;
  double c00 = h11 / det, c01 = -h01 / det, c11 = h00 / det;
  double d0 = -1 / b1, d1 = b0 / (b1 * b1);
  fit.alpha_50_stderr = std::sqrt(std::max(0.0, d0 * d0 * c00 + 2 * d0 * d1 * c01 + d1 * d1 * c11));
  fit.ok = std::isfinite(fit.alpha_50);
  return fit;
}

std::vector<double> ParseValueList(const std::string& text, const std::string& what) {
  auto number = [&](const std::string& s) {
    size_t used = 0;
    double v = 0;
    try {
      v = std::stod(s, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (s.empty() || used != s.size() || !std::isfinite(v))
      Fail("{}: not a number: \"{}\" in \"{}\"", what, s, text);
    return v;
  };
  std::vector<double> out;
  if (text.find(':') != std::string::npos) {
    std::vector<std::string> parts;
    std::stringstream ss(text);
    std::string item;
    while (std::getline(ss, item, ':')) parts.push_back(item);
    if (parts.size() != 3) Fail("{}: expected FROM:TO:STEP, got \"{}\"", what, text);
    double a = number(parts[0]), b = number(parts[1]), step = number(parts[2]);
    if (!(step > 0) || b < a) Fail("{}: need FROM ≤ TO and STEP > 0 in \"{}\"", what, text);
    if ((b - a) / step > 10000) Fail("{}: more than 10000 values in \"{}\"", what, text);
    for (int i = 0; a + i * step <= b + 1e-9 * step; ++i) out.push_back(a + i * step);
  } else {
    std::stringstream ss(text);
    std::string item;
    while (std::getline(ss, item, ',')) out.push_back(number(item));
  }
  if (out.empty()) Fail("{}: empty list", what);
  for (double v : out)
    if (!(v > 0)) Fail("{}: values must be > 0, got {} in \"{}\"", what, v, text);
  return out;
}

}  // namespace mnemo
