// Tests for constructions/zhang.h: exact memorization of classes and real targets, edge cases
// (N = 1, N = 2, d = 1, one class), the size it reports against the paper's.
#include "constructions/zhang.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "mnemo/error.h"
#include "mnemo/evaluate.h"
#include "mnemo/verify.h"
#include "tests/test_util.h"

namespace mnemo {
namespace {

struct Built {
  Network net;
  Report report;
};

Built Make(const Dataset& data, uint64_t seed = 1, const ParamMap& params = {}) {
  Built b;
  std::optional<Network> net = testing::BuildWith("zhang", data, params, seed, &b.report);
  EXPECT_TRUE(net) << b.report.Brief();
  if (net) b.net = std::move(*net);
  return b;
}

void ExpectMemorizes(const Dataset& data, const Network& net) {
  VerifyReport r = Verify(net, data);
  EXPECT_TRUE(r.all_correct()) << data.source << ": " << r.Brief();
  EXPECT_EQ(r.checked, data.original_rows);
}

TEST(ZhangTest, MemorizesClassesExactly) {
  for (const char* spec : {"synthetic:sphere?n=500&d=8&classes=10&seed=1",
                           "synthetic:ball?n=300&d=2&classes=2&seed=2",
                           "synthetic:gaussian-clusters?n=400&d=5&classes=3&sigma=0.01",
                           "synthetic:grid?n=200&d=3&classes=4&delta=0.0001"}) {
    Dataset data = LoadDataset(spec);
    Built b = Make(data);
    ExpectMemorizes(data, b.net);
    EXPECT_EQ(b.net.layers.size(), 3u) << spec;
    EXPECT_EQ(b.net.output, OutputKind::kValue);
  }
}

TEST(ZhangTest, MemorizesRealTargetsExactly) {
  Dataset data = LoadDataset("synthetic:ball?n=300&d=4&targets=real&seed=3");
  ASSERT_FALSE(data.classification);
  Built b = Make(data);
  ExpectMemorizes(data, b.net);
  // Exactly: every output equals the binary64 target as a rational.
  ExactOutputs out = EvaluateExact(b.net, data.x.Dense());
  for (int64_t i = 0; i < data.n(); ++i) {
    Rational v = out.At(i, 0);
    v.canonicalize();
    EXPECT_EQ(v, RationalFromDouble(data.target[i]));
  }
  // Arbitrary reals, not on a grid.
  RowMatrix x(4, 2);
  x << 0.1, 0.2, -0.3, 0.7, 1e-9, 5, 3, 3;
  Dataset odd = MakeDataset("odd", x, {0.1, -1e-12, 12345.678, 1.0 / 3});
  ExpectMemorizes(odd, Make(odd).net);
}

TEST(ZhangTest, SinglePoint) {
  RowMatrix x(1, 3);
  x << 1, 2, 3;
  Dataset data = MakeDataset("one", x, {4});
  Built b = Make(data);
  ExpectMemorizes(data, b.net);
  EXPECT_EQ(std::any_cast<const ZhangDetails&>(b.report.details).label_changes, 0);
}

TEST(ZhangTest, TwoPointsAndOneDimension) {
  RowMatrix x(2, 1);
  x << 0.25, 0.5;
  Dataset two = MakeDataset("two", x, {1, 0});
  Built b = Make(two);
  ExpectMemorizes(two, b.net);
  EXPECT_EQ(std::any_cast<const ZhangDetails&>(b.report.details).label_changes, 1);
  EXPECT_EQ(b.net.Stats().width, 2);

  RowMatrix line(200, 1);
  for (int i = 0; i < 200; ++i) line(i, 0) = (i * 7919 % 200) * 0.01 - 1;  // a permutation
  std::vector<double> y(200);
  for (int i = 0; i < 200; ++i) y[i] = (i * 31) % 5;
  Dataset d1 = MakeDataset("line", line, y);
  ExpectMemorizes(d1, Make(d1).net);
}

TEST(ZhangTest, OneClassEverywhere) {
  Dataset data = LoadDataset("synthetic:sphere?n=50&d=3&classes=1");
  ASSERT_EQ(data.classes(), 1);
  Built b = Make(data);
  ExpectMemorizes(data, b.net);
  EXPECT_EQ(std::any_cast<const ZhangDetails&>(b.report.details).label_changes, 0);
}

TEST(ZhangTest, NearlyIdenticalPointsAreSeparated) {
  RowMatrix x(3, 2);
  x << 1, 1, 1, std::nextafter(1.0, 2.0), 1e6, -1e6;
  Dataset data = MakeDataset("close", x, {0, 1, 2});
  ExpectMemorizes(data, Make(data).net);
}

TEST(ZhangTest, ReportStatesItsSizeAgainstThePaper) {
  Dataset data = LoadDataset("synthetic:sphere?n=400&d=6&classes=3&seed=8");
  Built b = Make(data, 5, {{"tries", "3"}});
  const ZhangDetails& z = std::any_cast<const ZhangDetails&>(b.report.details);
  const int64_t changes = z.label_changes;
  EXPECT_GT(changes, 0);
  EXPECT_LE(changes, 399);
  NetworkStats s = b.net.Stats();
  EXPECT_EQ(s.depth, 3);
  EXPECT_EQ(s.width, 2 * changes);  // the ReLU layer
  EXPECT_EQ(s.neurons, 1 + 2 * changes);
  ASSERT_FALSE(b.report.theory.empty());
  EXPECT_EQ(b.report.theory[0].measure, "neurons");
  EXPECT_EQ(b.report.theory[0].Holds(), true);
  EXPECT_GT(b.report.timings.Get("projection"), 0);
  // The extras carry the same numbers by name for JSON readers.
  const nlohmann::ordered_json j = b.report.ToJson();
  EXPECT_EQ(j["extras"]["label_changes"], changes);
  EXPECT_EQ(j["extras"]["paper_units"], 400);
  EXPECT_EQ(j["extras"]["paper_weights"], 2 * 400 + 6);
  EXPECT_EQ(j["extras"]["projection_tries"], 3);
  EXPECT_EQ(j["status"], "success");
}

TEST(ZhangTest, SameSeedSameNetwork) {
  Dataset data = LoadDataset("synthetic:ball?n=100&d=3&classes=3");
  Built a = Make(data, 9), b = Make(data, 9);
  ASSERT_EQ(a.net.layers.size(), b.net.layers.size());
  for (size_t l = 0; l < a.net.layers.size(); ++l) {
    EXPECT_EQ(a.net.layers[l].weight, b.net.layers[l].weight);
    EXPECT_EQ(a.net.layers[l].bias, b.net.layers[l].bias);
  }
}

TEST(ZhangTest, BadTriesIsAnError) {
  Dataset data = LoadDataset("synthetic:ball?n=10");
  Report r;
  EXPECT_THROW(testing::BuildWith("zhang", data, {{"tries", "0"}}, 1, &r), Error);
  EXPECT_THROW(testing::BuildWith("zhang", data, {{"tries", "many"}}, 1, &r), Error);
}

}  // namespace
}  // namespace mnemo
