// Tests for constructions/baum.h: exact slabs on sphere, Gaussian-cluster and δ-grid data
// (lattice data is far from general position: groups are split), multi-class argmax outputs,
// points at the origin, sizes against Baum's ⌈N/d⌉.
#include "constructions/baum.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "mnemo/error.h"
#include "mnemo/io.h"
#include "mnemo/verify.h"
#include "tests/test_util.h"

namespace mnemo {
namespace {

std::optional<Network> BuildBaum(const Dataset& data, Report* report, const ParamMap& p = {}) {
  return testing::BuildWith("baum", data, p, 1, report);
}

const BaumDetails& Details(const Report& r) { return std::any_cast<const BaumDetails&>(r.details); }

void ExpectVerified(const Dataset& data, const std::optional<Network>& net, const Report& r) {
  ASSERT_TRUE(net) << data.source << ": " << r.reason;
  VerifyReport v = Verify(*net, data);
  EXPECT_TRUE(v.all_correct()) << data.source << ": " << v.Brief();
}

TEST(BaumTest, SphereInGeneralPositionUsesAboutNOverDNeurons) {
  Dataset data = LoadDataset("synthetic:sphere?n=2000&d=20&classes=2&seed=1");
  Report r;
  auto net = BuildBaum(data, &r);
  ExpectVerified(data, net, r);
  const int64_t memorized = Details(r).points_memorized;
  EXPECT_LE(memorized, 1000);
  EXPECT_EQ(Details(r).group_splits, 0);
  EXPECT_EQ(Details(r).slabs, (memorized + 19) / 20);
  EXPECT_EQ(net->Stats().neurons, 2 * ((memorized + 19) / 20));
  // In general position the construction meets its own bound exactly.
  ASSERT_FALSE(r.theory.empty());
  EXPECT_EQ(r.theory[0].measure, "neurons");
  EXPECT_EQ(r.theory[0].scale, double(2 * ((memorized + 19) / 20)));
  EXPECT_EQ(r.theory[0].Holds(), std::optional<bool>(true));
  EXPECT_EQ(r.network.relays, 0);
  EXPECT_EQ(net->layers[0].activation.kind, Activation::kStep);
  EXPECT_EQ(net->layers.size(), 2u);
}

TEST(BaumTest, ClustersAndGridWithSplits) {
  for (const char* spec :
       {"synthetic:gaussian-clusters?n=1500&d=10&classes=2&clusters=20&sigma=0.05&seed=2",
        "synthetic:grid?n=800&d=2&classes=2&delta=0.001&seed=3"}) {
    Dataset data = LoadDataset(spec);
    Report r;
    auto net = BuildBaum(data, &r);
    ExpectVerified(data, net, r);
  }
  // Lattice points are collinear in many ways: whole groups fail and get split.
  Dataset grid = LoadDataset("synthetic:grid?n=900&d=2&classes=2&seed=4");
  Report r;
  auto net = BuildBaum(grid, &r);
  ExpectVerified(grid, net, r);
  EXPECT_GT(Details(r).group_splits, 0);
}

TEST(BaumTest, MultiClassOneOutputPerClass) {
  Dataset data = LoadDataset("synthetic:sphere?n=1000&d=16&classes=5&seed=5");
  Report r;
  auto net = BuildBaum(data, &r);
  ExpectVerified(data, net, r);
  EXPECT_EQ(net->output, OutputKind::kArgmax);
  EXPECT_EQ(net->layers.back().outputs, 5);
}

TEST(BaumTest, PointAtTheOriginGetsARandomSlab) {
  // After centering, the middle point is at the origin: no hyperplane ⟨w,x⟩ = 1 contains it.
  RowMatrix x(3, 1);
  x << -1, 0, 1;
  Dataset data = MakeDataset("line", x, {0, 1, 0});
  Report r;
  auto net = BuildBaum(data, &r);
  ExpectVerified(data, net, r);
  EXPECT_GE(Details(r).random_hyperplanes, 1);
}

TEST(BaumTest, SameSeedSameNetwork) {
  Dataset data = LoadDataset("synthetic:sphere?n=300&d=6&classes=3&seed=6");
  Report a, b;
  auto na = BuildBaum(data, &a), nb = BuildBaum(data, &b);
  ASSERT_TRUE(na && nb);
  EXPECT_EQ(NetworkToJson(*na), NetworkToJson(*nb));
}

TEST(BaumTest, RealTargetsAreRejected) {
  Dataset data = LoadDataset("synthetic:sphere?n=50&d=4&targets=real&seed=1");
  Report r;
  EXPECT_FALSE(BuildBaum(data, &r));
  EXPECT_EQ(r.status, Status::kDoesNotApply);
}

}  // namespace
}  // namespace mnemo
