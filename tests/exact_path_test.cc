// The exact path with its shortcuts (ExactPath::kShortcuts: paired step ramps taken as
// constants, column-major wide layers, sign-first shared rows) against the plain exact path:
// identical outputs and decisions on networks of every construction, on deep bit-extraction
// networks, and on mutants whose pre-activations are exactly 0 or ±2^-80 at a data point (the
// relu boundary, where a pair may or may not be taken).
#include <random>

#include <gtest/gtest.h>

#include "mnemo/construction.h"
#include "mnemo/decide.h"
#include "mnemo/evaluate.h"
#include "test_util.h"

namespace mnemo {
namespace {

// Both paths on every row of x: equal outputs (as reduced rationals) and equal decisions.
// Returns the number of layers where the shortcuts applied.
int64_t ExpectPathsAgree(const Network& net, const RowMatrix& x, const std::string& what) {
  ExactOutputs fast = EvaluateExact(net, x, false, ExactPath::kShortcuts);
  ExactOutputs plain = EvaluateExact(net, x, false, ExactPath::kPlain);
  EXPECT_EQ(plain.shortcut_layers, 0) << what;
  for (int64_t r = 0; r < x.rows(); ++r) {
    for (int64_t c = 0; c < fast.cols; ++c)
      EXPECT_EQ(fast.At(r, c), plain.At(r, c)) << what << ": row " << r << " output " << c;
    if (!net.classification) continue;
    Answer a = Decide(net, &fast.numerator[r * fast.cols], fast.Scale(r));
    Answer b = Decide(net, &plain.numerator[r * plain.cols], plain.Scale(r));
    EXPECT_EQ(a.class_index, b.class_index) << what << ": row " << r;
    EXPECT_EQ(a.why_none, b.why_none) << what << ": row " << r;
  }
  return fast.shortcut_layers;
}

// The network with the bias of neuron j of layer l moved so that its pre-activation at x is
// exactly delta (from the reference evaluation of the layers up to l, without activation).
Network WithPreactivation(const Network& net, size_t l, int32_t j, const double* x, Rational delta) {
  Network head = net;
  head.layers.resize(l + 1);
  Layer& last = head.layers.back();
  last.activation = Activation{Activation::kIdentity, {}};
  Rational z = EvaluateReference(head, x)[j];
  const Layer& layer = net.layers[l];
  std::vector<LayerEntry> entries;
  for (int32_t r = 0; r < layer.outputs; ++r)
    for (int64_t k = layer.row_ptr[r]; k < layer.row_ptr[r + 1]; ++k)
      entries.push_back({r, layer.col[k], layer.Weight(k)});
  std::vector<Rational> bias;
  for (int32_t r = 0; r < layer.outputs; ++r) bias.push_back(layer.Bias(r));
  bias[j] += delta - z;
  Network mutant = net;
  mutant.layers[l] = MakeLayer(layer.inputs, layer.outputs, entries, bias, layer.activation);
  return mutant;
}

// Mutants of `net`: a few relu neurons pushed to exactly 0 or ±2^-80 at row 0 of x.
int64_t ExpectMutantsAgree(const Network& net, const RowMatrix& x, const std::string& what,
                           std::mt19937_64& rng) {
  int64_t shortcut_layers = 0;
  const Rational tiny(1, Pow2(80));
  for (int m = 0; m < 6; ++m) {
    size_t l = rng() % net.layers.size();
    if (net.layers[l].activation.kind != Activation::kRelu) continue;
    int32_t j = int32_t(rng() % uint64_t(net.layers[l].outputs));
    Rational delta = m % 3 == 0 ? Rational(0) : m % 3 == 1 ? tiny : Rational(-tiny);
    Network mutant = WithPreactivation(net, l, j, x.row(0).data(), delta);
    shortcut_layers += ExpectPathsAgree(
        mutant, x, what + fmt::format(", layer {} neuron {} at {}", l, j, ToString(delta)));
  }
  return shortcut_layers;
}

TEST(ExactPathTest, ShortcutsEqualPlainOnEveryConstructionAndMutants) {
  Dataset data = LoadDataset("synthetic:ball?n=60&d=4&classes=3&seed=5");
  std::mt19937_64 rng(11);
  int built = 0;
  int64_t shortcut_layers = 0;
  for (const Construction& c : Registry()) {
    Report report;
    std::optional<Network> net = testing::BuildWith(c.name, data, {}, 1, &report);
    if (!net) continue;
    bool exact = true;
    for (const Layer& l : net->layers) exact = exact && l.activation.IsExact();
    if (!exact) continue;
    ++built;
    shortcut_layers += ExpectPathsAgree(*net, data.x.Dense(), c.name);
    shortcut_layers += ExpectMutantsAgree(*net, data.x.Dense(), c.name, rng);
  }
  EXPECT_GE(built, 4);
  EXPECT_GT(shortcut_layers, 0) << "no network exercised the shortcuts";
}

TEST(ExactPathTest, ShortcutsEqualPlainOnDeepBitExtraction) {
  Dataset data = LoadDataset("synthetic:ball?n=200&d=6&classes=5&seed=2");
  std::mt19937_64 rng(7);
  for (int depth : {20, 60}) {
    Report report;
    std::optional<Network> net =
        testing::BuildWith("bitextract", data, {{"depth", std::to_string(depth)}}, 1, &report);
    ASSERT_TRUE(net) << report.reason;
    std::string what = fmt::format("bitextract depth {}", depth);
    EXPECT_GT(ExpectPathsAgree(*net, data.x.Dense(), what), 0) << what << ": no pair or column was taken";
    ExpectMutantsAgree(*net, data.x.Dense(), what, rng);
  }
}

}  // namespace
}  // namespace mnemo
