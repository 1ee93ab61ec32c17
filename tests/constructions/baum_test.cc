// Tests for constructions/baum.h: exact slabs on sphere, Gaussian-cluster and δ-grid data
// (lattice data is far from general position: groups are split), multi-class argmax outputs,
// points at the origin, sizes against Baum's ⌈N/d⌉.
#include "constructions/baum.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "mnemo/error.h"
#include "tests/test_util.h"
#include "mnemo/verify.h"

namespace mnemo {
namespace {

std::optional<Network> BuildBaum(const Dataset& data, Report* report, const ParamMap& p = {}) {
  return testing::BuildWith("baum", data, p, 1, report);
}

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
  const int64_t memorized = r.extras["points_memorized"].get<int64_t>();
  EXPECT_LE(memorized, 1000);
  EXPECT_EQ(r.extras["group_splits"].get<int64_t>(), 0);
  EXPECT_EQ(r.extras["hidden_neurons"].get<int64_t>(), 2 * ((memorized + 19) / 20));
  EXPECT_EQ(net->layers[0].activation.kind, Activation::kStep);
  EXPECT_EQ(net->layers.size(), 2u);
}

TEST(BaumTest, ClustersAndGridWithSplits) {
  for (const char* spec : {"synthetic:gaussian-clusters?n=1500&d=10&classes=2&clusters=20&sigma=0.05&seed=2",
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
  EXPECT_GT(r.extras["group_splits"].get<int64_t>(), 0);
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
  EXPECT_GE(r.extras["random_hyperplanes"].get<int64_t>(), 1);
}

TEST(BaumTest, RealTargetsAreRejected) {
  Dataset data = LoadDataset("synthetic:sphere?n=50&d=4&targets=real&seed=1");
  Report r;
  EXPECT_FALSE(BuildBaum(data, &r));
  EXPECT_EQ(r.status, Status::kDoesNotApply);
}

}  // namespace
}  // namespace mnemo
