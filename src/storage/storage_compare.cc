// Storage capacity per activation: RS theory, the GD threshold and the Jacobian-rank guarantee.
#include "mnemo/storage_compare.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "mnemo/error.h"
#include "mnemo/storage_activation.h"
#include "mnemo/storage_theory.h"
#include "mnemo/two_layer_activation.h"
#include "mnemo/two_layer_capacity_bounds.h"

namespace mnemo {
namespace {

/// The two-layer activation with the same local degree near its analytic points (all the
/// theorem's hypotheses look at).
TwoLayerActivation TheoremView(const StorageActivation& g) {
  const std::string& n = g.name();
  if (g.PolynomialDegree() >= 0)
    return TwoLayerActivation::Parse(fmt::format("poly:{}", g.PolynomialDegree()));
  if (n == "erf-sqrt2") return TwoLayerActivation::Parse("erf");
  if (n == "abs") return TwoLayerActivation::Parse("relu");  // piecewise linear of degree 1
  return TwoLayerActivation::Parse(n);
}

}  // namespace

std::vector<std::string> DefaultComparisonActivations() {
  return {"relu", "quadratic", "erf", "erf-sqrt2", "tanh", "sigmoid", "gelu", "softplus", "abs"};
}

std::vector<StorageComparisonRow> CompareStorageCapacities(const StorageComparisonOptions& o) {
  std::string why;
  if (!o.gd.protocol.IsValid(&why)) Fail("storage: {}", why);
  const std::vector<std::string> names =
      o.activations.empty() ? DefaultComparisonActivations() : o.activations;
  const int m = o.gd.protocol.K, d = o.gd.protocol.N;
  const int64_t n = int64_t(m) * d / 2;
  std::vector<StorageComparisonRow> rows;
  for (const std::string& name : names) {
    const StorageActivation g = StorageActivation::Parse(name);
    if (g.name() == "step" || g.name() == "identity")
      Fail("storage: --compare needs a trainable nonlinear activation, got '{}'", g.name());
    StorageComparisonRow row;
    row.activation = g.name();
    StorageOptions so;
    so.activation = g.name();
    so.architecture = Architecture::kTree;
    row.tree = ComputeStorageCapacity(so).capacity;
    so.architecture = Architecture::kFullyConnected;
    row.fully_connected = ComputeStorageCapacity(so).capacity;
    GdMeasureOptions gd = o.gd;
    gd.protocol.activation = g.name();
    row.gd = MeasureGdThreshold(gd).curves[0].fit;
    const TheoremHypotheses h = CheckTheoremHypotheses(TheoremView(g), d, n);
    row.theorem_applies = h.Hold();
    row.theorem_reason = h.Text();
    if (row.theorem_applies) row.jacobian_per_weight = double(n) / double(int64_t(m) * d);
    rows.push_back(row);
  }
  return rows;
}

}  // namespace mnemo
