// The exact path with its shortcuts (ExactPath::kShortcuts: paired step ramps taken as
// constants, column-major wide layers, sign-first shared rows) against the plain exact path:
// identical outputs and decisions on networks of every construction, on deep bit-extraction
// networks, on wide layers with weights within and beyond int64, and on mutants whose
// pre-activations are exactly 0 or ±2^-80 at a data point (the relu boundary, where a pair may
// or may not be taken). The ramp-prefix kernel (a layer over
// ramps of one input) on hand-made ramp layers with breakpoints exactly at data points, and its
// fallbacks (slopes of both signs, a ramp of two inputs).
#include <map>
#include <random>
#include <set>

#include <gtest/gtest.h>

#include "mnemo/construction.h"
#include "mnemo/decide.h"
#include "mnemo/evaluate.h"
#include "src/core/ramp_prefix.h"
#include "test_util.h"

namespace mnemo {
namespace {

// Both paths on every row of x: equal outputs (as reduced rationals) and equal decisions.
// Returns the number of layers where the shortcuts applied (ramp-prefix layers in *prefix).
int64_t ExpectPathsAgree(const Network& net, const RowMatrix& x, const std::string& what,
                         int64_t* prefix = nullptr) {
  ExactOutputs fast = EvaluateExact(net, x, false, ExactPath::kShortcuts);
  ExactOutputs plain = EvaluateExact(net, x, false, ExactPath::kPlain);
  EXPECT_EQ(plain.shortcut_layers, 0) << what;
  EXPECT_EQ(plain.prefix_layers, 0) << what;
  EXPECT_EQ(plain.dense_layers, 0) << what;
  EXPECT_EQ(plain.relay_rows, 0) << what;
  if (prefix) *prefix += fast.prefix_layers;
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
                           std::mt19937_64& rng, int64_t* prefix = nullptr) {
  int64_t shortcut_layers = 0;
  const Rational tiny(1, Pow2(80));
  for (int m = 0; m < 6; ++m) {
    size_t l = rng() % net.layers.size();
    if (net.layers[l].activation.kind != Activation::kRelu) continue;
    int32_t j = int32_t(rng() % uint64_t(net.layers[l].outputs));
    Rational delta = m % 3 == 0 ? Rational(0) : m % 3 == 1 ? tiny : Rational(-tiny);
    Network mutant = WithPreactivation(net, l, j, x.row(0).data(), delta);
    shortcut_layers += ExpectPathsAgree(
        mutant, x, what + fmt::format(", layer {} neuron {} at {}", l, j, ToString(delta)), prefix);
  }
  return shortcut_layers;
}

TEST(ExactPathTest, ShortcutsEqualPlainOnEveryConstructionAndMutants) {
  Dataset data = LoadDataset("synthetic:ball?n=60&d=4&classes=3&seed=5");
  std::mt19937_64 rng(11);
  int built = 0;
  int64_t shortcut_layers = 0, prefix_layers = 0;
  for (const Construction& c : Registry()) {
    Report report;
    std::optional<Network> net = testing::BuildWith(c.name, data, {}, 1, &report);
    if (!net) continue;
    bool exact = true;
    for (const Layer& l : net->layers) exact = exact && l.activation.IsExact();
    if (!exact) continue;
    ++built;
    shortcut_layers += ExpectPathsAgree(*net, data.x.Dense(), c.name, &prefix_layers);
    shortcut_layers += ExpectMutantsAgree(*net, data.x.Dense(), c.name, rng, &prefix_layers);
  }
  EXPECT_GE(built, 4);
  EXPECT_GT(shortcut_layers, 0) << "no network exercised the shortcuts";
  EXPECT_GT(prefix_layers, 0) << "no network exercised the ramp-prefix kernel";
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
    EXPECT_GT(EvaluateExact(*net, data.x.Dense()).relay_rows, 0) << what << ": no relay row was copied";
    ExpectMutantsAgree(*net, data.x.Dense(), what, rng);
  }
}

// A network with a layer of ramps relu(c_i·t + B_i) of one input t (t = an affine map of the
// raw input, of either sign) under a wide relu layer, then an identity read-out. Breakpoints −B_i/c_i sit
// exactly on t at data rows (several ramps on the same one), slopes are dyadic or not,
// positive, or negative when `sign` < 0; `scale` multiplies slopes, biases and table weights.
struct Ramps {
  std::vector<LayerEntry> entries;
  std::vector<Rational> bias;
};

Network RampNetwork(const std::vector<Ramps>& layers, const std::vector<int32_t>& widths) {
  Network net;
  for (size_t l = 0; l < layers.size(); ++l)
    net.layers.push_back(MakeLayer(widths[l], widths[l + 1], layers[l].entries, layers[l].bias,
                                   Activation{l == 0 || l + 1 == layers.size() ? Activation::kIdentity : Activation::kRelu, {}}));
  net.CheckValid();
  return net;
}

struct RampCase {
  std::vector<Ramps> layers;
  std::vector<int32_t> widths;
};

RampCase MakeRampCase(std::mt19937_64& rng, const RowMatrix& x, int sign, const Integer& scale,
                      int32_t n) {
  const int32_t d = int32_t(x.cols()), out = 6;
  RampCase rc;
  rc.widths = {d, 2, n, out, 2};
  Ramps in;  // t = x_0 + 2·x_1 − x_2 / 4, and a second input for the mutants
  in.entries = {{0, 0, 1}, {0, 1, 2}, {0, 2, Rational(-1, 4)}, {1, 0, 1}, {1, 2, 3}};
  in.bias = {Rational(1, 8), 0};
  Ramps ramps;
  for (int32_t i = 0; i < n; ++i) {
    Rational c = Rational(int64_t(1 + rng() % 5), i % 3 == 0 ? 3 : 1 + int64_t(rng() % 2)) * sign * scale;
    c.canonicalize();
    const double* row = x.row(int64_t(rng() % uint64_t(x.rows() / 2))).data();  // ties: few rows
    Rational t = RationalFromDouble(row[0]) + 2 * RationalFromDouble(row[1]) -
                 RationalFromDouble(row[2]) / 4 + Rational(1, 8);
    ramps.entries.push_back({i, 0, c});
    ramps.bias.push_back(-c * t + (i % 4 == 3 ? Rational(int64_t(rng() % 3)) : Rational(0)));
  }
  Ramps table;
  for (int32_t j = 0; j < out; ++j) {
    for (int32_t i = 0; i < n; ++i)
      if (rng() % 4 != 0) table.entries.push_back({j, i, Rational(int64_t(rng() % 9) - 4) * scale});
    table.bias.push_back(Rational(int64_t(rng() % 5) - 2));
  }
  Ramps read;
  for (int32_t j = 0; j < out; ++j) read.entries.push_back({j % 2, j, Rational(int64_t(1 + j))});
  read.bias = {0, 1};
  rc.layers = {in, ramps, table, read};
  return rc;
}

TEST(ExactPathTest, RampPrefixEqualsPlainOnBreakpointsAndFallsBack) {
  Dataset data = LoadDataset("synthetic:ball?n=40&d=3&classes=3&seed=9");
  RowMatrix x = data.x.Dense();
  for (int r = 0; r < 20; ++r)  // coarse values: t lands exactly on breakpoints
    for (int j = 0; j < 3; ++j) x(r, j) = std::ldexp(std::nearbyint(std::ldexp(x(r, j), 4)), -4);
  x.row(38) << -4, -4, 4;  // beyond every breakpoint, on either side: the cut after every ramp
  x.row(39) << 4, 4, -4;
  std::mt19937_64 rng(3);
  std::set<ExactKernel> kernels;  // of the ramp-prefix layer: int128 and limbs
  // Ramps: 16 (the table in one block of 64 cuts), 128 (in three, the last only the cut after
  // every ramp), 150 (in three).
  for (int32_t n : {16, 128, 150})
    for (int sign : {1, -1})
      for (const Integer& scale : {Integer(1), Integer(Pow2(70) + 1), Integer(Pow2(300) - 1)}) {
        RampCase rc = MakeRampCase(rng, x, sign, scale, n);
        const std::string what = fmt::format("{} ramps, slopes of sign {}, scale {}", n, sign, ToString(scale));
        int64_t prefix = 0;
        ExpectPathsAgree(RampNetwork(rc.layers, rc.widths), x, what, &prefix);
        EXPECT_EQ(prefix, 1) << what << ": the ramp-prefix kernel did not run";
        kernels.insert(EvaluateExact(RampNetwork(rc.layers, rc.widths), x).kernels[2]);
        // Fallbacks, still equal to the plain path: a slope of the other sign, a ramp with two terms.
        RampCase mixed = rc;
        mixed.layers[1].entries[5].value *= -1;
        prefix = 0;
        ExpectPathsAgree(RampNetwork(mixed.layers, mixed.widths), x, what + ", one slope flipped", &prefix);
        EXPECT_EQ(prefix, 0) << what << ": mixed slopes taken as ramps";
        RampCase two = rc;
        two.layers[1].entries.push_back({7, 1, Rational(1, 2)});
        prefix = 0;
        ExpectPathsAgree(RampNetwork(two.layers, two.widths), x, what + ", a ramp of two inputs", &prefix);
        EXPECT_EQ(prefix, 0) << what << ": a two-term ramp taken as a ramp";
      }
  EXPECT_EQ(kernels, (std::set<ExactKernel>{ExactKernel::kInt128, ExactKernel::kLimbs}));
}

// The ramp-prefix table per cut (the plain path's check above) and the blocked one (a table per
// cut over its budget) give the same values at every cut: T at, just before and just after each
// breakpoint (rounded to an integer), beyond all of them on either side, in 2 to 10 limbs.
TEST(ExactPathTest, BlockedRampPrefixTableEqualsTheTablePerCut) {
  Dataset data = LoadDataset("synthetic:ball?n=40&d=3&classes=3&seed=9");
  const RowMatrix x = data.x.Dense();
  std::mt19937_64 rng(11);
  for (int32_t n : {16, 128, 150})
    for (int sign : {1, -1}) {
      RampCase rc = MakeRampCase(rng, x, sign, Integer(Pow2(70) + 1), n);
      const Network net = RampNetwork(rc.layers, rc.widths);
      const Layer& ramps = net.layers[1];
      const Layer& table = net.layers[2];
      for (uint32_t limbs : {2u, 3u, 10u}) {
        auto per_cut = internal::RampPrefix::Make(ramps, ramps.weight, ramps.bias, table, table.weight,
                                                  table.bias, limbs, int64_t(1) << 40);
        const int64_t per_cut_bytes = int64_t(16) * limbs * (n + 1) * table.outputs;
        auto blocked = internal::RampPrefix::Make(ramps, ramps.weight, ramps.bias, table, table.weight,
                                                  table.bias, limbs, per_cut_bytes - 1);
        ASSERT_TRUE(per_cut && blocked);
        ASSERT_FALSE(per_cut->blocked());
        ASSERT_TRUE(blocked->blocked());
        std::vector<Integer> ts = {Integer(0), -Pow2(200), Pow2(200)};
        for (int32_t i = 0; i < n; ++i) {
          Integer at;  // ⌊−B_i/c_i⌋
          mpz_fdiv_q(at.get_mpz_t(), Integer(-ramps.bias[i]).get_mpz_t(), ramps.weight[i].get_mpz_t());
          for (int d = -1; d <= 1; ++d) ts.push_back(at + d);
        }
        std::vector<internal::Limb> t(limbs), a(size_t(limbs) * table.outputs), b(a.size());
        for (const Integer& v : ts) {
          internal::ModLimbs(v, limbs, t.data());
          per_cut->Evaluate(t.data(), a.data());
          blocked->Evaluate(t.data(), b.data());
          ASSERT_EQ(a, b) << n << " ramps, sign " << sign << ", " << limbs << " limbs, T = " << ToString(v);
        }
      }
    }
}

// x → 81 relu neurons → a wide layer (rows of 81 terms: column-major) → 2 identity outputs.
// Neuron 80 is relu(2^100·(x_0 − threshold)), so the proven bounds of the wide layer need limbs;
// at a point where it is 0 one int128 bound covers every row (the dense column kernel), where
// it is positive the point falls back to the per-row kernels. Neuron 79, relu(2^40·x_1), is
// beyond int64 where positive (the kernel's int128 products) and within its bound.
Network WideNetwork(std::mt19937_64& rng, int32_t d, const Rational& threshold, Activation::Kind act) {
  const int32_t hidden = 81, wide = 7;
  auto small = [&](int64_t r) { return Rational(int64_t(rng() % uint64_t(2 * r + 1)) - r); };
  std::vector<LayerEntry> first, second, read;
  std::vector<Rational> b1, b2;
  for (int32_t i = 0; i + 2 < hidden; ++i) {
    for (int32_t k = 0; k < d; ++k) first.push_back({i, k, small(4)});
    b1.push_back(small(2) / 4);
  }
  first.push_back({hidden - 2, 1, Rational(Pow2(40))});  // beyond int64 where positive
  b1.push_back(0);
  first.push_back({hidden - 1, 0, Rational(Pow2(100))});
  b1.push_back(-Rational(Pow2(100)) * threshold);
  for (int32_t j = 0; j < wide; ++j) {
    for (int32_t i = 0; i < hidden; ++i) second.push_back({j, i, small(9)});
    b2.push_back(small(3));
  }
  for (int32_t j = 0; j < wide; ++j) read.push_back({j % 2, j, Rational(1 + j)});
  Network net;
  net.layers.push_back(MakeLayer(d, hidden, first, b1, Activation{Activation::kRelu, {}}));
  net.layers.push_back(MakeLayer(hidden, wide, second, b2, Activation{act, {}}));
  net.layers.push_back(MakeLayer(wide, 2, read, {0, 1}, Activation{Activation::kIdentity, {}}));
  net.CheckValid();
  return net;
}

TEST(ExactPathTest, DenseColumnKernelEqualsPlainAndFallsBackPerPoint) {
  Dataset data = LoadDataset("synthetic:ball?n=60&d=3&classes=3&seed=4");
  const RowMatrix x = data.x.Dense();
  std::mt19937_64 rng(5);
  for (Activation::Kind act : {Activation::kRelu, Activation::kStep}) {
    // Threshold 2: neuron 80 is 0 at every point (|x| ≤ 1); threshold 0: positive at about half.
    for (int64_t threshold : {2, 0}) {
      Network net = WideNetwork(rng, 3, Rational(threshold), act);
      const std::string what = fmt::format("activation {}, threshold {}", int(act), threshold);
      EXPECT_GT(ExpectPathsAgree(net, x, what), 0) << what << ": the wide layer is not column-major";
      ExactOutputs fast = EvaluateExact(net, x);
      EXPECT_EQ(fast.kernels[1], ExactKernel::kLimbs) << what;
      if (threshold == 2) {
        EXPECT_EQ(fast.dense_layers, x.rows()) << what << ": the dense column kernel did not run";
      } else {
        EXPECT_GT(fast.dense_layers, 0) << what << ": the dense column kernel did not run";
        EXPECT_LT(fast.dense_layers, x.rows()) << what << ": no point fell back";
      }
      std::mt19937_64 mutants(int(act) * 10 + threshold);
      ExpectMutantsAgree(net, x, what, mutants);
    }
  }
}

// A deep narrow network of rows with ±2^k weights (k from 0 to 300, across limb boundaries),
// small weights, negative values (identity layers), relays, pairs of rows with the same terms
// and biases 2^k apart (shared sums, pair constants) and exact zeros: the narrow kernel sizes
// each row as it sums its terms (in int128, widened to limbs when a term needs it, in either
// order of small and big terms) and must equal the plain path, also on mutants whose
// pre-activations are exactly 0 or ±2^-80.
Network PowerNetwork(std::mt19937_64& rng, int32_t d, int32_t width, int depth) {
  const int kPowers[] = {0, 1, 62, 63, 64, 65, 126, 127, 128, 129, 200, 300};
  auto weight = [&]() {
    if (rng() % 3 == 0) return Rational(int64_t(rng() % 7) - 3);  // small, maybe 0: no term
    Rational w(Pow2(kPowers[rng() % std::size(kPowers)]));
    return rng() % 2 ? w : Rational(-w);
  };
  Network net;
  int32_t in = d;
  std::vector<int32_t> group(d);  // per input: the first row of the layer below with its terms
  for (int32_t k = 0; k < d; ++k) group[k] = k;
  for (int l = 0; l < depth; ++l) {
    std::vector<LayerEntry> entries;
    std::vector<Rational> bias;
    std::vector<int32_t> next(width);
    std::map<int32_t, Rational> row;  // the previous row's terms
    for (int32_t j = 0; j < width; ++j) {
      next[j] = j;
      const uint64_t kind = rng() % 5;
      if (kind == 0 && l > 0) {  // a relay
        row = {{int32_t(rng() % uint64_t(in)), Rational(1)}};
        bias.push_back(0);
      } else if (kind == 1 && j > 0) {  // the row above's terms, its bias moved by ±2^k or less
        next[j] = next[j - 1];
        bias.push_back(bias.back() + weight());
      } else {
        row.clear();
        for (int32_t k = 0; k < in; ++k)
          if (rng() % 2) row[k] = weight();
        for (int32_t a = 0; a < in; ++a)  // a pair w·h_a − w·h_b over rows with the same terms
          for (int32_t b = a + 1; b < in; ++b)
            if (group[a] == group[b] && rng() % 2) {
              row[a] = weight();
              row[b] = -row[a];
            }
        bias.push_back(rng() % 2 ? weight() : Rational(0));
      }
      for (const auto& [k, w] : row) entries.push_back({j, k, w});
    }
    const Activation::Kind act = l + 1 == depth || l % 3 == 1 ? Activation::kIdentity : Activation::kRelu;
    net.layers.push_back(MakeLayer(in, width, entries, bias, Activation{act, {}}));
    in = width;
    group = next;
  }
  net.CheckValid();
  return net;
}

TEST(ExactPathTest, NarrowKernelEqualsPlainOnPowerOfTwoWeights) {
  Dataset data = LoadDataset("synthetic:ball?n=50&d=3&classes=3&seed=6");
  const RowMatrix x = data.x.Dense();
  std::mt19937_64 rng(13);
  int64_t relays = 0, limb_layers = 0;
  for (int trial = 0; trial < 12; ++trial) {
    Network net = PowerNetwork(rng, 3, 6, 9);
    const std::string what = fmt::format("power-of-two network {}", trial);
    ExpectPathsAgree(net, x, what);
    ExactOutputs fast = EvaluateExact(net, x);
    relays += fast.relay_rows;
    limb_layers += std::count(fast.kernels.begin(), fast.kernels.end(), ExactKernel::kLimbs);
    std::mt19937_64 mutants(trial);
    ExpectMutantsAgree(net, x, what, mutants);
  }
  EXPECT_GT(limb_layers, 12) << "the networks have too few multi-limb layers";
  EXPECT_GT(relays, 0) << "the narrow kernel did not run";
}

// The wide layer's weights times 2^70 (beyond int64: the column-major limbs, int128 values and
// bit lengths instead of int64 weights) and as they are (int64), against the plain path.
TEST(ExactPathTest, ColumnMajorLayerEqualsPlainWithWeightsBeyondInt64) {
  Dataset data = LoadDataset("synthetic:ball?n=60&d=3&classes=3&seed=4");
  const RowMatrix x = data.x.Dense();
  std::mt19937_64 rng(6);
  for (int64_t threshold : {2, 0}) {
    Network net = WideNetwork(rng, 3, Rational(threshold), Activation::kRelu);
    for (Integer& w : net.layers[1].weight) w <<= 70;
    for (Integer& b : net.layers[1].bias) b <<= 70;
    const std::string what = fmt::format("weights × 2^70, threshold {}", threshold);
    EXPECT_GT(ExpectPathsAgree(net, x, what), 0) << what << ": the wide layer is not column-major";
    std::mt19937_64 mutants(threshold);
    ExpectMutantsAgree(net, x, what, mutants);
  }
}

}  // namespace
}  // namespace mnemo
