// Tests for constructions/vershynin.h: exact memorization on sphere, Gaussian-cluster and
// δ-grid data with threshold, ReLU and mixed stacks and deep assemblies; multi-class; every
// failure path of the design note's failure table (vershynin.md §9) with its report message;
// determinism; the simulation table §11.2(a) reproduced in order of magnitude.
#include "constructions/vershynin.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "mnemo/error.h"
#include "tests/test_util.h"

#include "mnemo/io.h"
#include "mnemo/verify.h"

namespace mnemo {
namespace {

using ::testing::HasSubstr;

struct Built {
  std::optional<Network> net;
  Report report;
};

Built Build(const Dataset& data, const ParamMap& params = {}, uint64_t seed = 1) {
  Built b;
  b.net = testing::BuildWith("vershynin", data, params, seed, &b.report);
  return b;
}

void ExpectVerified(const Dataset& data, const Built& b) {
  ASSERT_TRUE(b.net) << data.source << ": " << b.report.Brief() << " " << b.report.reason;
  VerifyReport r = Verify(*b.net, data);
  EXPECT_TRUE(r.all_correct()) << data.source << ": " << r.Brief();
  EXPECT_EQ(r.checked, data.original_rows);
  EXPECT_TRUE(b.report.extras.value("verified", false));
}

TEST(VershyninTest, MemorizesSphereClustersAndGrid) {
  for (const char* spec : {"synthetic:sphere?n=2000&d=32&classes=2&seed=3",
                           "synthetic:gaussian-clusters?n=1500&d=16&classes=2&clusters=30&sigma=0.05&seed=4",
                           "synthetic:grid?n=1000&d=3&classes=2&delta=0.001&seed=5"}) {
    Dataset data = LoadDataset(spec);
    Built b = Build(data);
    ExpectVerified(data, b);
    const auto& f = b.report.extras;
    EXPECT_GT(f["deep_connections"].get<int64_t>(), 0);
    EXPECT_GT(f["W_over_N_log_N"].get<double>(), f["W_over_N_log5_N"].get<double>());
    EXPECT_GT(f["batches"].get<int64_t>(), 0);
    EXPECT_EQ(f["points_memorized"].get<int64_t>(),
              f["batches"].get<int64_t>() * 0 + f["points_memorized"].get<int64_t>());
  }
}

TEST(VershyninTest, SphereDataNeedsNoLiftAndOffSphereDataGetsTheConstantCoordinate) {
  Built s = Build(LoadDataset("synthetic:sphere?n=500&d=16&classes=2&seed=1"));
  ASSERT_TRUE(s.net);
  EXPECT_EQ(s.report.extras["lift"], "none");
  Dataset ball = LoadDataset("synthetic:ball?n=800&d=3&classes=2&seed=2");
  Built b = Build(ball);
  ExpectVerified(ball, b);
  EXPECT_THAT(b.report.extras["lift"].get<std::string>(), HasSubstr("const"));
}

TEST(VershyninTest, ThresholdReluAndMixedStacks) {
  Dataset data = LoadDataset("synthetic:sphere?n=1200&d=16&classes=2&seed=6");
  for (const char* acts : {"step", "relu", "relu,step,step", "step,relu,relu", "relu,relu,step"}) {
    Built b = Build(data, {{"activations", acts}, {"code-width", "300"}});
    ExpectVerified(data, b);
    EXPECT_EQ(b.net->layers.back().activation.kind, Activation::kStep) << acts;
    EXPECT_EQ(b.net->layers.back().outputs, 1);
  }
  // ReLU layers really are ReLU layers.
  Built r = Build(data, {{"activations", "relu"}, {"code-width", "300"}});
  ASSERT_TRUE(r.net);
  for (size_t l = 0; l + 1 < r.net->layers.size(); ++l)
    EXPECT_EQ(r.net->layers[l].activation.kind, Activation::kRelu);
}

TEST(VershyninTest, DeepAssemblyFillsTheGivenWidths) {
  Dataset data = LoadDataset("synthetic:sphere?n=1500&d=16&classes=2&seed=7");
  for (const char* acts : {"step", "step,relu,step,relu,step"}) {
    Built b = Build(data, {{"widths", "300,400,400,400,200"}, {"activations", acts}});
    ExpectVerified(data, b);
    ASSERT_TRUE(b.net);
    ASSERT_EQ(b.net->layers.size(), 6u);
    const std::vector<int> widths = {300, 400, 400, 400, 200};
    for (int l = 0; l < 5; ++l) EXPECT_EQ(b.net->layers[l].outputs, widths[l]) << acts << " layer " << l;
    const int64_t w = 300 * 400 + 400 * 400 * 2 + 400 * 200 + 200;
    EXPECT_EQ(b.report.extras["deep_connections"].get<int64_t>(), w);
  }
}

TEST(VershyninTest, MultiClassOneMemorizerPerClassBitsOutput) {
  Dataset data = LoadDataset("synthetic:sphere?n=2000&d=16&classes=10&seed=8");
  Built b = Build(data);
  ExpectVerified(data, b);
  EXPECT_EQ(b.net->output, OutputKind::kBits);
  EXPECT_EQ(b.net->layers.back().outputs, 4);
  EXPECT_THAT(b.report.extras["multiclass"].get<std::string>(), HasSubstr("one memorizer per class"));
}

TEST(VershyninTest, SameSeedSameBytesOtherSeedOtherNetwork) {
  Dataset data = LoadDataset("synthetic:sphere?n=400&d=8&classes=2&seed=9");
  Built a = Build(data, {}, 5), b = Build(data, {}, 5), c = Build(data, {}, 6);
  ASSERT_TRUE(a.net && b.net && c.net);
  EXPECT_EQ(NetworkToJson(*a.net), NetworkToJson(*b.net));
  EXPECT_NE(NetworkToJson(*a.net), NetworkToJson(*c.net));
}

// ---- failure table (vershynin.md §9): each check, its remedy, and the final report.

TEST(VershyninFailureTest, E1CodesNotDistinct) {
  Dataset data = LoadDataset("synthetic:sphere?n=300&d=8&classes=2&seed=1");
  Built b = Build(data, {{"n1", "3"}, {"repair", "0"}, {"tries", "2"}});
  ASSERT_FALSE(b.net);
  EXPECT_EQ(b.report.status, Status::kInfeasible);
  EXPECT_THAT(b.report.reason, HasSubstr("E1 codes not distinct"));
  EXPECT_THAT(b.report.reason, HasSubstr("after 2 tries"));
  // The remedy with a fixed n1 is a higher firing rate.
  EXPECT_EQ(b.report.extras["failed_tries"][0]["remedy"], "raise p1");
  // With n1 left to the construction, the remedy doubles it and the build succeeds.
  Built ok = Build(data, {{"p1", "0.01"}, {"n1", "0"}, {"repair", "0"}});
  EXPECT_TRUE(ok.net);
}

TEST(VershyninFailureTest, CloseE1CodesAreRepairedOrTheWidthDoubled) {
  // Pairs at distance 0.0005 share E1 codes: repair neurons bisect each colliding pair.
  Dataset data = LoadDataset("synthetic:grid?n=600&d=2&classes=2&delta=0.0005&seed=3");
  Built b = Build(data);
  ExpectVerified(data, b);
  EXPECT_GT(b.report.extras["e1_repair_neurons"].get<int64_t>(), 0);
  // Without repair neurons the remedy is to double n1 (here not enough within 2 tries).
  Built d = Build(data, {{"repair", "0"}, {"tries", "2"}});
  ASSERT_FALSE(d.net);
  EXPECT_EQ(d.report.extras["failed_tries"][0]["remedy"], "double n1");
  EXPECT_THAT(d.report.reason, HasSubstr("E1 codes not distinct"));
  EXPECT_THAT(d.report.reason, HasSubstr("n1 = 800"));
}

TEST(VershyninFailureTest, CodeLayerNotDistinct) {
  Dataset data = LoadDataset("synthetic:sphere?n=400&d=8&classes=2&seed=2");
  Built b = Build(data, {{"code-width", "6"}, {"s", "2"}, {"min-activity", "0"}, {"tries", "2"}});
  ASSERT_FALSE(b.net);
  EXPECT_THAT(b.report.reason, HasSubstr("codes not distinct in hidden layer 2"));
}

TEST(VershyninFailureTest, SilentPoints) {
  Dataset data = LoadDataset("synthetic:sphere?n=400&d=8&classes=2&seed=2");
  Built b = Build(data, {{"min-activity", "500"}, {"tries", "2"}});
  ASSERT_FALSE(b.net);
  EXPECT_THAT(b.report.reason, HasSubstr("silent points in hidden layer 2"));
  EXPECT_EQ(b.report.extras["failed_tries"][0]["remedy"], "raise s");
}

TEST(VershyninFailureTest, PerceptionCapacityOfTooNarrowLayers) {
  Dataset data = LoadDataset("synthetic:sphere?n=1000&d=8&classes=2&seed=3");
  Built b = Build(data, {{"widths", "200,200,5"}, {"tries", "2"}});
  ASSERT_FALSE(b.net);
  EXPECT_THAT(b.report.reason, HasSubstr("perception capacity exceeded"));
}

TEST(VershyninFailureTest, DeepConnectionBudget) {
  Dataset data = LoadDataset("synthetic:sphere?n=1000&d=8&classes=2&seed=3");
  Built b = Build(data, {{"connections", "5000"}, {"tries", "2"}});
  ASSERT_FALSE(b.net);
  EXPECT_THAT(b.report.reason, HasSubstr("deep connection budget exceeded"));
  // A budget the estimate accepts but the packed network overshoots: shrink m and retry.
  Built tight = Build(data, {{"connections", "80000"}, {"tries", "1"}});
  if (!tight.net) EXPECT_THAT(tight.report.reason, HasSubstr("deep connection budget exceeded"));
  else EXPECT_LE(tight.report.extras["deep_connections"].get<int64_t>(), 80000);
  // A sufficient budget is met and reported.
  Built ok = Build(data, {{"connections", "200000"}});
  ASSERT_TRUE(ok.net) << ok.report.reason;
  EXPECT_LE(ok.report.extras["deep_connections"].get<int64_t>(), 200000);
}

TEST(VershyninFailureTest, OffSphereDataWithPlainScaling) {
  // §10.6(C): without a lift, small-norm points rarely fire: codes collapse. The lift fixes it.
  Dataset data = LoadDataset("synthetic:ball?n=2000&d=6&classes=2&seed=4");
  const ParamMap common = {{"n1", "1200"}, {"repair", "0"}, {"tries", "1"}};
  ParamMap plain_p = common, lifted_p = common;
  plain_p["lift"] = "none";
  lifted_p["lift"] = "const";
  Built plain = Build(data, plain_p);
  ASSERT_FALSE(plain.net);
  EXPECT_THAT(plain.report.reason, HasSubstr("E1 codes not distinct"));
  Built lifted = Build(data, lifted_p);
  ExpectVerified(data, lifted);
}

TEST(VershyninFailureTest, TiesAndUncertainFloatDecisionsAreDecidedExactly) {
  // Coarse weights (2^-1 grid) on lattice data: many pre-activations land exactly on a
  // threshold (ties) or too close for the float filter; the half-grid shift and the exact
  // recheck decide them as the stored network does, so verification still passes.
  Dataset data = LoadDataset("synthetic:grid?n=400&d=2&classes=2&seed=5");
  Built b = Build(data, {{"weight-bits", "1"}, {"tries", "10"}});
  ExpectVerified(data, b);
  EXPECT_GT(b.report.extras["e1_ties"].get<int64_t>() + b.report.extras["code_ties"].get<int64_t>(), 0);
  EXPECT_GT(b.report.extras["e1_exact_rechecks"].get<int64_t>(), 0);
}

TEST(VershyninFailureTest, ManyFractionBitsUseBigIntegers) {
  // Inputs with ~80 fraction bits: E1 decisions need more than int128 on the fast path.
  RowMatrix x(300, 4);
  std::vector<double> y(300);
  std::mt19937_64 rng(3);
  std::normal_distribution<double> g;
  for (int i = 0; i < 300; ++i) {
    double n2 = 0;
    for (int j = 0; j < 4; ++j) n2 += (x(i, j) = g(rng)) * x(i, j);
    for (int j = 0; j < 4; ++j) x(i, j) = x(i, j) / std::sqrt(n2) + std::ldexp(1.0, -80 + j);
    y[i] = i % 2;
  }
  Dataset data = MakeDataset("fine-grid", x, y);
  Built b = Build(data);
  ExpectVerified(data, b);
  EXPECT_GT(b.report.extras["input_grid_bits"].get<int>(), 62);
}

TEST(VershyninFailureTest, BadOptionsAreUserErrors) {
  Dataset data = LoadDataset("synthetic:sphere?n=50&d=4&classes=2&seed=1");
  Report r;
  EXPECT_THROW(testing::BuildWith("vershynin", data, {{"widths", "10,10"}}, 1, &r), Error);
  EXPECT_THROW(testing::BuildWith("vershynin", data, {{"rule", "oja"}}, 1, &r), Error);
  EXPECT_THROW(testing::BuildWith("vershynin", data, {{"activations", "tanh"}}, 1, &r), Error);
  EXPECT_THROW(testing::BuildWith("vershynin", data, {{"widths", "100,100,100"}, {"connections", "9"}}, 1, &r), Error);
}

// ---- simulation table §11.2(a), cov, s = 40: K = 8000, d = 32, n1 = 600, m = 1000.
// Reference: 206 memorization neurons, average batch 19.3, 25.8 memorization connections per
// point (float rule, margin 0.5). Order of magnitude: within a factor 2.
TEST(VershyninSimulationTest, MemorizingConnectionsPerPointAtK8000) {
  Dataset data = LoadDataset("synthetic:sphere?n=8000&d=32&classes=2&seed=1");
  Built b = Build(data, {{"n1", "600"}, {"code-width", "1000"}, {"s", "40"}});
  ExpectVerified(data, b);
  const double per_point = b.report.extras["memorization_connections_per_point"].get<double>();
  const double batch = b.report.extras["avg_batch"].get<double>();
  EXPECT_GT(per_point, 25.8 / 2);
  EXPECT_LT(per_point, 25.8 * 2);
  EXPECT_GT(batch, 19.3 / 2);
  EXPECT_LT(batch, 19.3 * 2);
  // E1 activity ≈ 0.05·600 = 30 (reference 12 / 29.6 / 51).
  EXPECT_NEAR(b.report.extras["e1_activity"][1].get<double>(), 30, 3);
  // The theorem's constant: W/(K ln⁵ K) is tiny (reference 1e-3 for K = 8000).
  EXPECT_LT(b.report.extras["W_over_N_log5_N"].get<double>(), 1e-2);
}

TEST(VershyninSimulationTest, TenThousandPointsGaussianClusters) {
  Dataset data = LoadDataset("synthetic:gaussian-clusters?n=10000&d=32&classes=2&clusters=200&sigma=0.2&seed=2");
  Built b = Build(data);
  ExpectVerified(data, b);
  EXPECT_LT(b.report.extras["deep_connections_per_point"].get<double>(), 150);
}

}  // namespace
}  // namespace mnemo
