// Tests for constructions/bubeck.h: exact 4-ReLU gadgets for real targets (exact rational
// readouts, linear output) and classes (bit readouts, threshold outputs) on sphere,
// Gaussian-cluster and grid data; the output-denominator budget.
#include "constructions/bubeck.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "mnemo/verify.h"
#include "tests/test_util.h"

namespace mnemo {
namespace {

using ::testing::HasSubstr;

void ExpectVerified(const Dataset& data, const std::optional<Network>& net, const Report& r) {
  ASSERT_TRUE(net) << data.source << ": " << r.reason;
  VerifyReport v = Verify(*net, data);
  EXPECT_TRUE(v.all_correct()) << data.source << ": " << v.Brief();
}

TEST(BubeckTest, RealTargetsExactlyWithFourReluPerGroup) {
  Dataset data = LoadDataset("synthetic:sphere?n=200&d=8&targets=real&seed=1");
  Report r;
  auto net = testing::BuildWith("bubeck", data, {}, 1, &r);
  ExpectVerified(data, net, r);
  EXPECT_EQ(net->output, OutputKind::kValue);
  EXPECT_EQ(r.extras["relus"].get<int64_t>(), 4 * r.extras["gadgets"].get<int64_t>());
  EXPECT_EQ(r.extras["gadgets"].get<int64_t>(), (200 + 7) / 8);  // group = d = 8
  EXPECT_EQ(net->layers[0].activation.kind, Activation::kRelu);
}

TEST(BubeckTest, TwoClassesAreFourReluPerGroupOfOnes) {
  Dataset data = LoadDataset("synthetic:sphere?n=1000&d=16&classes=2&seed=2");
  Report r;
  auto net = testing::BuildWith("bubeck", data, {}, 1, &r);
  ExpectVerified(data, net, r);
  const int64_t ones = r.extras["points_with_gadget"].get<int64_t>();
  EXPECT_EQ(r.extras["relus"].get<int64_t>(), 4 * ((ones + 15) / 16));
}

TEST(BubeckTest, ClustersGridAndManyClasses) {
  for (const char* spec : {"synthetic:gaussian-clusters?n=800&d=8&classes=4&clusters=10&sigma=0.05&seed=3",
                           "synthetic:grid?n=400&d=2&classes=3&seed=4",
                           "synthetic:grid?n=300&d=3&targets=real&delta=0.001&seed=5"}) {
    Dataset data = LoadDataset(spec);
    Report r;
    auto net = testing::BuildWith("bubeck", data, {}, 1, &r);
    ExpectVerified(data, net, r);
  }
}

TEST(BubeckTest, OutputDenominatorBudget) {
  Dataset data = LoadDataset("synthetic:sphere?n=200&d=8&targets=real&seed=1");
  Report r;
  auto net = testing::BuildWith("bubeck", data, {{"max-denominator-bits", "8"}}, 1, &r);
  EXPECT_FALSE(net);
  EXPECT_EQ(r.status, Status::kBudgetExceeded);
  EXPECT_THAT(r.reason, HasSubstr("common output denominator"));
}

}  // namespace
}  // namespace mnemo
