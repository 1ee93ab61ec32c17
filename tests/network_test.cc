// Tests for mnemo/network.h: MakeLayer, activations, statistics, structural checks.
#include "mnemo/network.h"

#include <cmath>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "mnemo/error.h"

namespace mnemo {
namespace {

using ::testing::HasSubstr;

TEST(NetworkTest, MakeLayerUsesTheLcmOfDenominatorsAndSortsCsr) {
  // Entries given out of order, with a zero that must be dropped.
  Layer l = MakeLayer(3, 2,
                      {{1, 2, Rational(1, 3)}, {0, 1, Rational(-1, 4)}, {1, 0, Rational(2)},
                       {0, 0, Rational(0)}},
                      {Rational(1, 6), Rational(0)}, Activation{Activation::kRelu, {}});
  EXPECT_EQ(l.denominator, 12);
  EXPECT_EQ(l.row_ptr, (std::vector<int64_t>{0, 1, 3}));
  EXPECT_EQ(l.col, (std::vector<int32_t>{1, 0, 2}));
  ASSERT_EQ(l.nonzeros(), 3);
  EXPECT_EQ(l.weight[0], -3);
  EXPECT_EQ(l.weight[1], 24);
  EXPECT_EQ(l.weight[2], 4);
  EXPECT_EQ(l.Weight(0), Rational(-1, 4));
  EXPECT_EQ(l.Weight(2), Rational(1, 3));
  EXPECT_EQ(l.Bias(0), Rational(1, 6));
  EXPECT_EQ(l.Bias(1), 0);
  EXPECT_EQ(l.bias[0], 2);
}

TEST(NetworkTest, ActivationNamesRoundTrip) {
  for (const char* name : {"identity", "relu", "step", "sigmoid", "tanh", "softplus", "gelu",
                           "silu", "erf", "sin", "exp", "poly:3", "poly:1/2,0,-3"}) {
    Activation a = ParseActivation(name);
    EXPECT_EQ(ToString(a), name);
    EXPECT_EQ(ParseActivation(ToString(a)), a);
  }
  EXPECT_EQ(ParseActivation("poly:2").poly, (std::vector<Rational>{0, 0, 1}));
  try {
    ParseActivation("swish");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("unknown activation \"swish\""));
  }
}

TEST(NetworkTest, ActivationApplyMatchesDefinitions) {
  const Activation relu{Activation::kRelu, {}}, step{Activation::kStep, {}};
  const Activation identity{Activation::kIdentity, {}}, sigmoid{Activation::kSigmoid, {}};
  const Activation tanh_act{Activation::kTanh, {}};
  EXPECT_EQ(relu.Apply(-2), 0);
  EXPECT_EQ(relu.Apply(2.5), 2.5);
  EXPECT_EQ(step.Apply(0), 1);  // 1[z >= 0]
  EXPECT_EQ(step.Apply(-1e-300), 0);
  EXPECT_EQ(identity.Apply(-3), -3);
  EXPECT_DOUBLE_EQ(ParseActivation("poly:1,2,3").Apply(2), 1 + 4 + 12);
  EXPECT_DOUBLE_EQ(sigmoid.Apply(0), 0.5);
  EXPECT_TRUE(step.IsExact());
  EXPECT_FALSE(tanh_act.IsExact());
}

TEST(NetworkTest, StatsCountBothParameterConventionsAndBits) {
  Network net;
  // 2 → 3 (relu) → 1 (identity).
  net.layers.push_back(MakeLayer(2, 3,
                                 {{0, 0, Rational(1)}, {1, 1, Rational(3, 4)},
                                  {2, 0, Rational(-5)}, {2, 1, Rational(1, 1024)}},
                                 {Rational(0), Rational(1, 2), Rational(0)},
                                 Activation{Activation::kRelu, {}}));
  net.layers.push_back(MakeLayer(3, 1, {{0, 0, Rational(1)}, {0, 2, Rational(-1)}}, {Rational(7)},
                                 Activation{Activation::kIdentity, {}}));
  net.relays = 2;
  net.CheckValid();
  NetworkStats s = net.Stats();
  EXPECT_EQ(s.depth, 2);
  EXPECT_EQ(s.width, 3);
  EXPECT_EQ(s.neurons, 3);
  EXPECT_EQ(s.params_nonzero, 4 + 1 + 2 + 1);
  EXPECT_EQ(s.params_dense, (2 + 1) * 3 + (3 + 1) * 1);
  // Bits: 1→1, 3/4→2+3−1=4, −5→3, 1/1024→1+11−1=11, 1/2→2, 1→1, −1→1, 7→3.
  EXPECT_EQ(s.max_weight_bits, 11);
  EXPECT_EQ(s.total_weight_bits, 1 + 4 + 3 + 11 + 2 + 1 + 1 + 3);
  EXPECT_EQ(s.relays, 2);
  nlohmann::ordered_json j = ToJson(s);
  for (const char* key : {"depth", "width", "neurons", "params_nonzero", "params_dense",
                          "max_weight_bits", "total_weight_bits"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j["params_dense"], 13);
  EXPECT_EQ(net.input_dim(), 2);
  EXPECT_EQ(net.output_dim(), 1);
}

// The bit counts equal FixedPointBits of every reduced weight and bias, over a dyadic
// denominator (counted without rationals) and over others: numerators with and without
// factors of two, large, negative.
TEST(NetworkTest, StatsBitsAreThoseOfTheReducedWeights) {
  for (const Rational& scale : {Rational(1, Pow2(70)), Rational(1, 3 * 1024), Rational(5)}) {
    std::vector<LayerEntry> entries;
    std::vector<Rational> bias;
    for (int j = 0; j < 6; ++j) {
      const Integer big = Pow2(40 + 9 * j) * (2 * j + 1) - j;
      entries.push_back({j, 0, Rational(j % 2 ? -big : big) * scale});
      entries.push_back({j, 1, Rational(Pow2(j)) * scale});
      bias.push_back(Rational(j * 12 - 30) * scale);
    }
    Network net;
    net.layers.push_back(MakeLayer(2, 6, entries, bias, Activation{Activation::kRelu, {}}));
    int64_t max_bits = 0, total = 0;
    for (const Layer& l : net.layers) {
      auto add = [&](const Rational& r) {
        if (r == 0) return;
        max_bits = std::max<int64_t>(max_bits, FixedPointBits(r));
        total += FixedPointBits(r);
      };
      for (int64_t nz = 0; nz < l.nonzeros(); ++nz) add(l.Weight(nz));
      for (int32_t j = 0; j < l.outputs; ++j) add(l.Bias(j));
    }
    const NetworkStats s = net.Stats();
    EXPECT_EQ(s.max_weight_bits, max_bits) << scale;
    EXPECT_EQ(s.total_weight_bits, total) << scale;
    EXPECT_GT(total, 0);
  }
}

TEST(NetworkDeathTest, CheckValidAbortsOnBrokenChain) {
  Network net;
  net.layers.push_back(MakeLayer(2, 3, {}, {0, 0, 0}, Activation{}));
  net.layers.push_back(MakeLayer(2, 1, {}, {0}, Activation{}));
  EXPECT_DEATH(net.CheckValid(), "input size");
}

}  // namespace
}  // namespace mnemo
