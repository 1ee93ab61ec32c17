// Tests for mnemo/evaluate.h: the exact path (int64, int128 and mpz kernels) against a direct
// mpq_class reference evaluator on random networks, also with its plans kept across blocks of
// inputs of other shapes (src/core/exact_plans.h); the float path; DecodeClass.
#include "mnemo/evaluate.h"

#include <cmath>
#include <random>
#include <set>

#include <gtest/gtest.h>

#include "src/core/exact_plans.h"

namespace mnemo {
namespace {

// The definition, in rationals: x' = (x − c)·2^−s, then z = W h + b and the activation.
std::vector<Rational> ReferenceEval(const Network& net, const double* x) {
  const int32_t d = net.input_dim();
  std::vector<Rational> h(d);
  Rational scale = net.input.scale_log2 >= 0 ? Rational(1, Pow2(net.input.scale_log2))
                                             : Rational(Pow2(-net.input.scale_log2));
  for (int32_t j = 0; j < d; ++j) {
    Rational c = net.input.center.empty() ? Rational(0) : net.input.center[j];
    h[j] = (RationalFromDouble(x[j]) - c) * scale;
  }
  for (const Layer& layer : net.layers) {
    std::vector<Rational> z(layer.outputs);
    for (int32_t j = 0; j < layer.outputs; ++j) {
      z[j] = layer.Bias(j);
      for (int64_t k = layer.row_ptr[j]; k < layer.row_ptr[j + 1]; ++k)
        z[j] += layer.Weight(k) * h[layer.col[k]];
      switch (layer.activation.kind) {
        case Activation::kRelu: if (z[j] < 0) z[j] = 0; break;
        case Activation::kStep: z[j] = z[j] >= 0 ? 1 : 0; break;
        default: break;
      }
    }
    h = std::move(z);
  }
  return h;
}

// Weight magnitudes: small dyadics (int64), ~2^70 (int128), ~2^140 (mpz), odd denominators.
enum class Magnitude { kSmall, kLarge, kHuge, kRational };

Rational Canonical(Rational r) {
  r.canonicalize();
  return r;
}

Rational RandomWeight(std::mt19937_64& rng, Magnitude m) {
  int64_t num = int64_t(rng() % 41) - 20;
  switch (m) {
    case Magnitude::kSmall: return Canonical(Rational(num, Pow2(int(rng() % 12))));
    case Magnitude::kLarge: return Rational(Integer(num) * Pow2(60 + int(rng() % 10)) + int64_t(rng() % 7));
    case Magnitude::kHuge: return Rational(Integer(num) * Pow2(130 + int(rng() % 20)) + 1);
    case Magnitude::kRational: {
      Rational r(num, int64_t(1 + rng() % 9) * int64_t(1 + rng() % 5));
      r.canonicalize();
      return r;
    }
  }
  return 0;
}

Network RandomNetwork(std::mt19937_64& rng, int32_t d, Magnitude m) {
  Network net;
  int depth = 1 + int(rng() % 4);
  int32_t in = d;
  for (int l = 0; l < depth; ++l) {
    int32_t out = l + 1 == depth ? 1 + int32_t(rng() % 3) : 1 + int32_t(rng() % 6);
    std::vector<LayerEntry> entries;
    for (int32_t j = 0; j < out; ++j)
      for (int32_t k = 0; k < in; ++k)
        if (rng() % 3 != 0) entries.push_back({j, k, RandomWeight(rng, m)});
    std::vector<Rational> bias;
    for (int32_t j = 0; j < out; ++j) bias.push_back(RandomWeight(rng, m) * int64_t(rng() % 2));
    static const Activation::Kind kinds[] = {Activation::kRelu, Activation::kStep,
                                             Activation::kIdentity};
    net.layers.push_back(MakeLayer(in, out, entries, bias, Activation{kinds[rng() % 3], {}}));
    in = out;
  }
  if (rng() % 2) {
    for (int32_t j = 0; j < d; ++j)
      net.input.center.push_back(Canonical(Rational(int64_t(rng() % 201) - 100, int64_t(1 + rng() % 8))));
  }
  net.input.scale_log2 = int(rng() % 7) - 3;
  net.CheckValid();
  return net;
}

RowMatrix RandomInputs(std::mt19937_64& rng, int64_t n, int32_t d) {
  RowMatrix x(n, d);
  std::uniform_real_distribution<double> u(-4, 4);
  for (int64_t i = 0; i < n; ++i)
    for (int32_t j = 0; j < d; ++j) {
      switch (rng() % 4) {
        case 0: x(i, j) = u(rng); break;                                  // 50+ fraction bits
        case 1: x(i, j) = std::ldexp(std::nearbyint(std::ldexp(u(rng), 8)), -8); break;
        case 2: x(i, j) = double(int64_t(rng() % 256)); break;            // u8-like pixels
        default: x(i, j) = 0; break;
      }
    }
  return x;
}

void ExpectMatchesReference(const Network& net, const RowMatrix& x, std::set<ExactKernel>* seen) {
  ExactOutputs out = EvaluateExact(net, x);
  ASSERT_EQ(out.rows, x.rows());
  ASSERT_EQ(out.cols, net.output_dim());
  ASSERT_EQ(out.kernels.size(), net.layers.size());
  for (ExactKernel k : out.kernels) seen->insert(k);
  for (int64_t i = 0; i < x.rows(); ++i) {
    std::vector<Rational> ref = ReferenceEval(net, x.row(i).data());
    for (int64_t c = 0; c < out.cols; ++c) {
      Rational got = out.At(i, c);
      got.canonicalize();
      ASSERT_EQ(got, ref[c]) << "row " << i << " output " << c;
    }
  }
}

TEST(EvaluateTest, ExactMatchesRationalReferenceOnRandomNetworks) {
  std::set<ExactKernel> seen;
  for (uint64_t seed = 1; seed <= 160; ++seed) {
    std::mt19937_64 rng(seed);
    Magnitude m = Magnitude(seed % 4);
    int32_t d = 1 + int32_t(rng() % 4);
    Network net = RandomNetwork(rng, d, m);
    RowMatrix x = RandomInputs(rng, 40, d);
    SCOPED_TRACE(::testing::Message() << "seed " << seed);
    ExpectMatchesReference(net, x, &seen);
  }
  EXPECT_TRUE(seen.count(ExactKernel::kInt64));
  EXPECT_TRUE(seen.count(ExactKernel::kInt128));
  EXPECT_TRUE(seen.count(ExactKernel::kLimbs));
}

// Blocks of inputs of one shape or another in turn (u8-like integers, 8 fraction bits, 50+
// fraction bits and growing magnitude, a 1e-300 outlier) through one internal::ExactPlans, as
// verification's blocks: every block equals the reference, so a kept plan never takes points
// its bounds do not cover.
TEST(EvaluateTest, PlansKeptAcrossBlocksOfOtherShapesStayExact) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(-4, 4);
  for (int trial = 0; trial < 24; ++trial) {
    const int32_t d = 1 + int32_t(rng() % 3);
    const Network net = RandomNetwork(rng, d, Magnitude(trial % 4));
    internal::ExactPlans plans(net);
    for (int block = 0; block < 7; ++block) {
      RowMatrix x(16, d);
      for (int64_t i = 0; i < x.rows(); ++i)
        for (int32_t j = 0; j < d; ++j)
          x(i, j) = block % 3 == 0   ? double(int64_t(rng() % 256))
                    : block % 3 == 1 ? std::ldexp(std::nearbyint(std::ldexp(u(rng), 8)), -8)
                                     : std::ldexp(u(rng), block);
      if (block == 4) x(3, 0) = 1e-300;
      std::vector<Rational> got(size_t(x.rows()) * net.output_dim());
      plans.ForEach(x, [&](int64_t row, const Integer* num, const Integer& scale) {
        for (int32_t c = 0; c < net.output_dim(); ++c) got[row * net.output_dim() + c] = Rational(num[c], scale);
      });
      for (int64_t i = 0; i < x.rows(); ++i) {
        const std::vector<Rational> ref = ReferenceEval(net, x.row(i).data());
        for (int32_t c = 0; c < net.output_dim(); ++c) {
          Rational g = got[i * net.output_dim() + c];
          g.canonicalize();
          ASSERT_EQ(g, ref[c]) << "trial " << trial << " block " << block << " row " << i;
        }
      }
    }
  }
}

// One layer x → w·x + 1 with a chosen |w|: the kernel follows the proven bound.
Network ScaledIdentity(const Integer& w) {
  Network net;
  net.layers.push_back(MakeLayer(1, 1, {{0, 0, Rational(w)}}, {Rational(1)}, Activation{}));
  return net;
}

TEST(EvaluateTest, KernelFollowsTheBitBound) {
  RowMatrix x(3, 1);
  x << 3, -5, 100;
  struct Case {
    Integer w;
    ExactKernel kernel;
  };
  for (const Case& c : {Case{Integer(12345), ExactKernel::kInt64},
                        Case{Pow2(80) + 1, ExactKernel::kInt128},
                        Case{Pow2(200) - 1, ExactKernel::kLimbs}}) {
    Network net = ScaledIdentity(c.w);
    ExactOutputs out = EvaluateExact(net, x);
    ASSERT_EQ(out.kernels.size(), 1u);
    EXPECT_EQ(out.kernels[0], c.kernel) << c.w;
    for (int64_t i = 0; i < 3; ++i)
      EXPECT_EQ(out.At(i, 0), Rational(c.w * int64_t(x(i, 0)) + 1)) << c.w;
  }
}

TEST(EvaluateTest, MixedKernelsAcrossLayersStayExact) {
  // int64 → mpz → int64: a huge weight then a huge cancelling weight back to small numbers.
  Network net;
  Integer big = Pow2(190);
  net.layers.push_back(MakeLayer(1, 1, {{0, 0, Rational(3)}}, {Rational(1)},
                                 Activation{Activation::kRelu, {}}));
  net.layers.push_back(MakeLayer(1, 2, {{0, 0, Rational(big)}, {1, 0, Rational(1)}},
                                 {Rational(1), Rational(0)}, Activation{Activation::kRelu, {}}));
  net.layers.push_back(MakeLayer(2, 1, {{0, 0, Rational(1, big)}, {0, 1, Rational(-1)}},
                                 {Rational(0)}, Activation{Activation::kStep, {}}));
  net.layers.push_back(MakeLayer(1, 1, {{0, 0, Rational(5)}}, {Rational(-2)}, Activation{}));
  RowMatrix x(4, 1);
  x << 0, 1, -1, 0.5;
  std::set<ExactKernel> seen;
  ExpectMatchesReference(net, x, &seen);
  EXPECT_TRUE(seen.count(ExactKernel::kLimbs));
}

// Rows with the same terms and different biases (bit-extraction gadgets) share one sum of
// terms per point; weights 2^k·(odd) and dense huge weights take the cheaper multiply order.
TEST(EvaluateTest, SharedRowsAndSparseLimbWeightsStayExact) {
  std::set<ExactKernel> seen;
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    std::mt19937_64 rng(seed);
    Network net;
    const int32_t d = 3, width = 2 + int32_t(rng() % 5);
    int32_t in = d;
    for (int l = 0; l < 4; ++l) {
      const int32_t out = l == 3 ? 2 : width;
      std::vector<Rational> row(in);  // one row's weights, repeated in most rows
      for (int32_t k = 0; k < in; ++k) {
        Integer w = Integer(int64_t(rng() % 7) - 3) * Pow2(int(rng() % 300));
        if (rng() % 3 == 0) w += Pow2(int(rng() % 260)) - 1;  // dense limbs
        row[k] = Rational(w);
      }
      std::vector<LayerEntry> entries;
      std::vector<Rational> bias;
      for (int32_t j = 0; j < out; ++j) {
        const bool own = rng() % 4 == 0;
        for (int32_t k = 0; k < in; ++k)
          entries.push_back({j, k, own ? Rational(int64_t(rng() % 9) - 4) : row[k]});
        bias.push_back(Rational(Integer(int64_t(rng() % 5) - 2) * Pow2(int(rng() % 300)) +
                                int64_t(rng() % 3)));
      }
      const Activation::Kind kind = l == 3 ? Activation::kIdentity : Activation::kRelu;
      net.layers.push_back(MakeLayer(in, out, entries, bias, Activation{kind, {}}));
      in = out;
    }
    net.CheckValid();
    SCOPED_TRACE(::testing::Message() << "seed " << seed);
    ExpectMatchesReference(net, RandomInputs(rng, 30, d), &seen);
  }
  EXPECT_TRUE(seen.count(ExactKernel::kLimbs));
}

TEST(EvaluateTest, FloatPathAgreesWithExactOnBenignNetworks) {
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    std::mt19937_64 rng(seed * 977);
    int32_t d = 1 + int32_t(rng() % 4);
    Network net = RandomNetwork(rng, d, Magnitude::kSmall);
    bool has_step = false;
    for (const Layer& l : net.layers) has_step = has_step || l.activation.kind == Activation::kStep;
    if (has_step) continue;  // a step at an exact 0 may legitimately flip in float
    RowMatrix x = RandomInputs(rng, 30, d);
    ExactOutputs ex = EvaluateExact(net, x);
    RowMatrix fl = EvaluateFloat(net, x);
    ASSERT_EQ(fl.rows(), x.rows());
    ASSERT_EQ(fl.cols(), net.output_dim());
    for (int64_t i = 0; i < x.rows(); ++i)
      for (int64_t c = 0; c < fl.cols(); ++c) {
        double e = ToDouble(ex.At(i, c));
        EXPECT_NEAR(fl(i, c), e, 1e-9 * (1 + std::fabs(e))) << "seed " << seed;
      }
  }
}

TEST(EvaluateTest, FloatPathAppliesSmoothActivations) {
  Network net;
  net.layers.push_back(MakeLayer(1, 1, {{0, 0, Rational(1)}}, {Rational(0)},
                                 Activation{Activation::kTanh, {}}));
  RowMatrix x(2, 1);
  x << 0.5, -2;
  RowMatrix out = EvaluateFloat(net, x);
  EXPECT_DOUBLE_EQ(out(0, 0), std::tanh(0.5));
  EXPECT_DOUBLE_EQ(out(1, 0), std::tanh(-2.0));
}

TEST(EvaluateTest, DecodeClassForEachOutputKind) {
  Network net;
  net.class_values = {10, 20, 30};
  net.output = OutputKind::kValue;
  EXPECT_EQ(DecodeClass(net, {2.0}), 2);
  EXPECT_EQ(DecodeClass(net, {0.9}), 1);
  EXPECT_EQ(DecodeClass(net, {3.0}), -1);
  EXPECT_EQ(DecodeClass(net, {-0.2}), 0);
  EXPECT_EQ(DecodeClass(net, {-0.7}), -1);
  net.output = OutputKind::kArgmax;
  EXPECT_EQ(DecodeClass(net, {0.1, 0.7, 0.2}), 1);
  EXPECT_EQ(DecodeClass(net, {0.7, 0.7, 0.2}), -1);  // tie: no class
  net.output = OutputKind::kBits;
  EXPECT_EQ(DecodeClass(net, {0.0, 1.0}), 2);
  EXPECT_EQ(DecodeClass(net, {1.0, 1.0}), -1);  // 3 is not a class
}

}  // namespace
}  // namespace mnemo
