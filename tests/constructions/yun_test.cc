// Tests for constructions/yun.h: two hidden ReLU layers of width ≈ 2√N and 4√N memorize
// classes and real targets exactly on sphere, Gaussian-cluster and δ-grid data; the sizes of
// the design note's simulation (N = 1000: d1 = 63, d2 = 128).
#include "constructions/yun.h"

#include <gtest/gtest.h>

#include <cmath>

#include "mnemo/io.h"
#include "mnemo/verify.h"
#include "tests/test_util.h"

namespace mnemo {
namespace {

const YunDetails& Details(const Report& r) { return std::any_cast<const YunDetails&>(r.details); }

void ExpectVerified(const Dataset& data, const std::optional<Network>& net, const Report& r) {
  ASSERT_TRUE(net) << data.source << ": " << r.reason;
  VerifyReport v = Verify(*net, data);
  EXPECT_TRUE(v.all_correct()) << data.source << ": " << v.Brief();
}

TEST(YunTest, WidthsTwoAndFourRootN) {
  Dataset data = LoadDataset("synthetic:sphere?n=1000&d=8&classes=10&seed=1");
  Report r;
  auto net = testing::BuildWith("yun", data, {}, 1, &r);
  ExpectVerified(data, net, r);
  ASSERT_EQ(net->layers.size(), 3u);
  EXPECT_EQ(net->layers[0].outputs, 63);
  EXPECT_EQ(net->layers[1].outputs, 128);
  EXPECT_EQ(net->layers[0].activation.kind, Activation::kRelu);
  EXPECT_EQ(net->layers[1].activation.kind, Activation::kRelu);
  EXPECT_EQ(Details(r).d1, 63);
  EXPECT_EQ(Details(r).d2, 128);
  EXPECT_EQ(Details(r).projection_tries, 10);  // the shared projection: best of --tries
  // Bounds: d1 and d2 exactly as derived, and hidden neurons against √N (constant unknown).
  ASSERT_GE(r.theory.size(), 3u);
  EXPECT_EQ(r.theory[0].measure, "d1");
  EXPECT_EQ(r.theory[0].Holds(), std::optional<bool>(true));
  EXPECT_EQ(r.theory[1].Holds(), std::optional<bool>(true));
  EXPECT_NEAR(r.theory[2].Ratio(), (63.0 + 128.0) / std::sqrt(1000.0), 1e-9);
  EXPECT_EQ(r.network.relays, 0);
}

TEST(YunTest, RealTargetsClustersGrid) {
  for (const char* spec : {"synthetic:sphere?n=500&d=4&targets=real&seed=2",
                           "synthetic:gaussian-clusters?n=700&d=6&classes=3&sigma=0.01&seed=3",
                           "synthetic:grid?n=600&d=2&classes=2&delta=0.0001&seed=4"}) {
    Dataset data = LoadDataset(spec);
    Report r;
    auto net = testing::BuildWith("yun", data, {}, 1, &r);
    ExpectVerified(data, net, r);
  }
}

TEST(YunTest, SameSeedSameNetwork) {
  Dataset data = LoadDataset("synthetic:sphere?n=200&d=4&targets=real&seed=6");
  Report a, b;
  auto na = testing::BuildWith("yun", data, {}, 3, &a);
  auto nb = testing::BuildWith("yun", data, {}, 3, &b);
  ASSERT_TRUE(na && nb);
  EXPECT_EQ(NetworkToJson(*na), NetworkToJson(*nb));
}

TEST(YunTest, BlockOptionTradesTheTwoWidths) {
  Dataset data = LoadDataset("synthetic:sphere?n=300&d=5&classes=2&seed=5");
  Report r;
  auto net = testing::BuildWith("yun", data, {{"block", "10"}}, 1, &r);
  ExpectVerified(data, net, r);
  EXPECT_EQ(net->layers[0].outputs, 2 * 30 - 1);
  EXPECT_EQ(net->layers[1].outputs, 40);
}

}  // namespace
}  // namespace mnemo
