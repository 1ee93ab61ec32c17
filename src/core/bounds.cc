#include "mnemo/bounds.h"

#include <algorithm>
#include <cmath>

namespace mnemo {
namespace {

Bound Lower(std::string measure, std::string formula, std::string tag, double scale,
            double constant = std::numeric_limits<double>::quiet_NaN()) {
  Bound b;
  b.kind = Bound::Kind::kLower;
  b.measure = std::move(measure);
  b.formula = std::move(formula);
  b.tag = std::move(tag);
  b.scale = scale;
  b.constant = constant;
  return b;
}

bool HasRelu(const Network& net) {
  for (size_t l = 0; l + 1 < net.layers.size(); ++l)
    if (net.layers[l].activation.kind == Activation::kRelu) return true;
  return false;
}

}  // namespace

std::vector<Bound> LowerBounds(const DataSummary& data, const Network& net) {
  std::vector<Bound> out;
  if (data.classes < 2 || data.n < 2) return out;
  const NetworkStats s = net.Stats();
  const double n = double(data.n);
  const double p = std::max<double>(2, double(s.params_nonzero));
  const double wl = std::max<double>(2, double(s.width) * double(s.depth));
  out.push_back(Lower("total_weight_bits", "Σ weight bits ≥ N·log2 C (counting labelings)",
                      "derived", n * std::log2(double(data.classes)), 1.0));
  out.push_back(Lower("params_nonzero", "P ≥ c·√N (VC dimension O(P²), Goldberg–Jerrum)",
                      "classical", std::sqrt(n)));
  if (HasRelu(net)) {
    out.push_back(Lower("params_nonzero",
                        "P·L·log2 P ≥ c·N (VC dimension, Bartlett–Harvey–Liaw–Mehrabian)",
                        "classical", n / (double(std::max<int64_t>(1, s.depth)) * std::log2(p))));
    out.push_back(Lower("w2l2", "W²L²·log2(WL) ≥ c·N (VC dimension with P ≈ W²L)", "derived",
                        n / std::log2(wl)));
    if (data.delta > 0 && data.delta < 1) {
      const double w = std::max<double>(2, double(s.width));
      out.push_back(Lower("w2l2", "W²L² ≥ c·N / log2(W/δ) (growth function on a δ-grid)", "derived",
                          n / std::log2(w / data.delta)));
    }
  } else {
    out.push_back(Lower("params_nonzero", "P·log2 P ≥ c·N (VC dimension, Baum–Haussler)",
                        "classical", n / std::log2(p)));
  }
  for (Bound& b : out) b.measured = Measure(s, b.measure);
  return out;
}

}  // namespace mnemo
