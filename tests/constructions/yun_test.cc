// Tests for constructions/yun.h: two hidden ReLU layers of width ≈ 2√N and 4√N memorize
// classes and real targets exactly on sphere, Gaussian-cluster and δ-grid data; the sizes of
// the design note's simulation (N = 1000: d1 = 63, d2 = 128).
#include "constructions/yun.h"

#include <gtest/gtest.h>

#include "mnemo/verify.h"
#include "tests/test_util.h"

namespace mnemo {
namespace {

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
