// Tests for constructions/bubeck.h: exact 4-ReLU gadgets for real targets (exact rational
// readouts, linear output) and classes (bit readouts, threshold outputs) on sphere,
// Gaussian-cluster and grid data; the output-denominator budget.
#include "constructions/bubeck.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "mnemo/io.h"
#include "mnemo/verify.h"
#include "tests/test_util.h"

namespace mnemo {
namespace {

using ::testing::HasSubstr;

const BubeckDetails& Details(const Report& r) {
  return std::any_cast<const BubeckDetails&>(r.details);
}

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
  EXPECT_EQ(net->Stats().neurons, 4 * Details(r).gadgets);
  EXPECT_EQ(Details(r).gadgets, (200 + 7) / 8);  // group = d = 8
  EXPECT_TRUE(Details(r).real_targets);
  EXPECT_GT(Details(r).output_denominator_bits, 0);
  ASSERT_FALSE(r.theory.empty());
  EXPECT_EQ(r.theory[0].scale, 4.0 * 25);
  EXPECT_EQ(r.theory[0].Holds(), std::optional<bool>(true));
  EXPECT_EQ(net->layers[0].activation.kind, Activation::kRelu);
}

TEST(BubeckTest, TwoClassesAreFourReluPerGroupOfOnes) {
  Dataset data = LoadDataset("synthetic:sphere?n=1000&d=16&classes=2&seed=2");
  Report r;
  auto net = testing::BuildWith("bubeck", data, {}, 1, &r);
  ExpectVerified(data, net, r);
  const int64_t ones = Details(r).points_with_gadget;
  EXPECT_EQ(net->Stats().neurons, 4 * ((ones + 15) / 16));
  EXPECT_EQ(Details(r).readouts, 1);
}

TEST(BubeckTest, ClustersGridAndManyClasses) {
  for (const char* spec :
       {"synthetic:gaussian-clusters?n=800&d=8&classes=4&clusters=10&sigma=0.05&seed=3",
        "synthetic:grid?n=400&d=2&classes=3&seed=4",
        "synthetic:grid?n=300&d=3&targets=real&delta=0.001&seed=5"}) {
    Dataset data = LoadDataset(spec);
    Report r;
    auto net = testing::BuildWith("bubeck", data, {}, 1, &r);
    ExpectVerified(data, net, r);
  }
}

TEST(BubeckTest, SameSeedSameNetwork) {
  Dataset data = LoadDataset("synthetic:sphere?n=150&d=5&targets=real&seed=6");
  Report a, b;
  auto na = testing::BuildWith("bubeck", data, {}, 3, &a);
  auto nb = testing::BuildWith("bubeck", data, {}, 3, &b);
  ASSERT_TRUE(na && nb);
  EXPECT_EQ(NetworkToJson(*na), NetworkToJson(*nb));
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
