// Tests for constructions/vershynin.h: exact memorization on sphere, Gaussian-cluster and
// δ-grid data with threshold, ReLU and mixed stacks and deep assemblies; multi-class; every
// failed check with its report message and its remedy, replayed by the next attempt;
// determinism; the design simulation's sizes reproduced in order of magnitude; the CLI builds.
#include "constructions/vershynin.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "mnemo/error.h"
#include "mnemo/io.h"
#include "mnemo/random.h"
#include "mnemo/verify.h"
#include "tests/test_util.h"

namespace mnemo {
namespace {

using ::testing::HasSubstr;

// Runs vershynin through the pipeline (exact verification on, the default 5 attempts unless
// `attempts` is given).
RunResult Build(const Dataset& data, const ParamMap& params = {}, uint64_t seed = 1,
                int attempts = 0) {
  RunOptions run;
  run.seed = seed;
  run.attempts = attempts;
  return RunConstruction("vershynin", params, data, run);
}

const VershyninDetails& Details(const RunResult& r) {
  return std::any_cast<const VershyninDetails&>(r.report.details);
}

void ExpectVerified(const Dataset& data, const RunResult& r) {
  ASSERT_TRUE(r.network) << data.source << ": " << r.report.Brief();
  EXPECT_TRUE(r.report.verification.run);
  EXPECT_TRUE(r.report.verification.all_correct) << data.source;
  EXPECT_EQ(r.report.verification.checked, data.original_rows);
}

TEST(VershyninTest, MemorizesSphereClustersAndGrid) {
  for (const char* spec :
       {"synthetic:sphere?n=2000&d=32&classes=2&seed=3",
        "synthetic:gaussian-clusters?n=1500&d=16&classes=2&clusters=30&sigma=0.05&seed=4",
        "synthetic:grid?n=1000&d=3&classes=2&delta=0.001&seed=5"}) {
    Dataset data = LoadDataset(spec);
    RunResult r = Build(data);
    ExpectVerified(data, r);
    const VershyninDetails& v = Details(r);
    EXPECT_GT(v.deep_connections, 0);
    EXPECT_GT(v.batches, 0);
    EXPECT_EQ(v.perception_neurons, v.batches + v.fallbacks);
    EXPECT_EQ(r.report.network.relays, 0);  // the default architecture needs no relays
    // The bounds: W against N·ln⁵N (paper) and N·ln N (derived), measured by the construction.
    ASSERT_GE(r.report.theory.size(), 2u);
    EXPECT_EQ(r.report.theory[0].measure, "deep_connections");
    EXPECT_EQ(r.report.theory[0].measured, double(v.deep_connections));
    EXPECT_LT(r.report.theory[0].Ratio(), r.report.theory[1].Ratio());
  }
}

// 1e-300 beside 0.5 in a column: x·2^fbits overflows a double (fbits > 1000); the exact
// signs are computed in integers (this input aborted with "non-finite value inf").
TEST(VershyninTest, InputsAtTheEdgesOfBinary64) {
  testing::TempDir dir;
  testing::WriteText(dir.Path("edge.csv"), "1e-300,0.5,0\n0.5,1e-300,1\n0.25,0.25,1\n");
  Dataset data = LoadDataset(dir.Path("edge.csv"));
  ExpectVerified(data, Build(data));
}

TEST(VershyninTest, SphereDataNeedsNoLiftAndOffSphereDataGetsTheConstantCoordinate) {
  RunResult s = Build(LoadDataset("synthetic:sphere?n=500&d=16&classes=2&seed=1"));
  ASSERT_TRUE(s.network);
  EXPECT_FALSE(Details(s).lifted);
  Dataset ball = LoadDataset("synthetic:ball?n=800&d=3&classes=2&seed=2");
  RunResult b = Build(ball);
  ExpectVerified(ball, b);
  EXPECT_TRUE(Details(b).lifted);
  EXPECT_GT(Details(b).lift_constant, 0);
}

TEST(VershyninTest, ThresholdReluAndMixedStacks) {
  Dataset data = LoadDataset("synthetic:sphere?n=1200&d=16&classes=2&seed=6");
  for (const char* acts : {"step", "relu", "relu,step,step", "step,relu,relu", "relu,relu,step"}) {
    RunResult r = Build(data, {{"activations", acts}, {"code-width", "300"}});
    ExpectVerified(data, r);
    ASSERT_TRUE(r.network) << acts;
    EXPECT_EQ(r.network->layers.back().activation.kind, Activation::kStep) << acts;
    EXPECT_EQ(r.network->layers.back().outputs, 1);
  }
  // ReLU layers really are ReLU layers.
  RunResult r = Build(data, {{"activations", "relu"}, {"code-width", "300"}});
  ASSERT_TRUE(r.network);
  for (size_t l = 0; l + 1 < r.network->layers.size(); ++l)
    EXPECT_EQ(r.network->layers[l].activation.kind, Activation::kRelu);
  EXPECT_EQ(Details(r).activations, std::vector<std::string>(3, "relu"));
}

TEST(VershyninTest, DeepAssemblyFillsTheGivenWidthsAndCountsItsOrRelays) {
  Dataset data = LoadDataset("synthetic:sphere?n=1500&d=16&classes=2&seed=7");
  for (const char* acts : {"step", "step,relu,step,relu,step"}) {
    RunResult r = Build(data, {{"widths", "300,400,400,400,200"}, {"activations", acts}});
    ExpectVerified(data, r);
    ASSERT_TRUE(r.network);
    ASSERT_EQ(r.network->layers.size(), 6u);
    const std::vector<int64_t> widths = {300, 400, 400, 400, 200};
    for (int l = 0; l < 5; ++l)
      EXPECT_EQ(r.network->layers[l].outputs, widths[l]) << acts << " " << l;
    EXPECT_EQ(Details(r).widths, widths);
    EXPECT_EQ(Details(r).deep_connections, 300 * 400 + 400 * 400 * 2 + 400 * 200 + 200);
    // One OR relay per output bit in hidden layers 4 and 5, counted as relays.
    EXPECT_EQ(Details(r).or_relays, 2);
    EXPECT_EQ(r.report.network.relays, 2);
  }
}

TEST(VershyninTest, MultiClassOneMemorizerPerClassBitsOutput) {
  Dataset data = LoadDataset("synthetic:sphere?n=2000&d=16&classes=10&seed=8");
  RunResult r = Build(data);
  ExpectVerified(data, r);
  EXPECT_EQ(r.network->output, OutputKind::kBits);
  EXPECT_EQ(r.network->layers.back().outputs, 4);
  EXPECT_EQ(Details(r).output_bits, 4);
  std::vector<int64_t> count(10, 0);
  for (int64_t i = 0; i < data.n(); ++i) ++count[data.y[i]];
  EXPECT_EQ(Details(r).points_memorized, data.n() - count[Details(r).default_class]);
}

TEST(VershyninTest, SameSeedSameBytesOtherSeedOtherNetwork) {
  Dataset data = LoadDataset("synthetic:sphere?n=400&d=8&classes=2&seed=9");
  RunResult a = Build(data, {}, 5), b = Build(data, {}, 5), c = Build(data, {}, 6);
  ASSERT_TRUE(a.network && b.network && c.network);
  EXPECT_EQ(NetworkToJson(*a.network), NetworkToJson(*b.network));
  EXPECT_NE(NetworkToJson(*a.network), NetworkToJson(*c.network));
}

// ---- failed checks: each check's message, its remedy, and the next attempt's plan.

TEST(VershyninFailureTest, E1CodesNotDistinct) {
  Dataset data = LoadDataset("synthetic:sphere?n=300&d=8&classes=2&seed=1");
  RunResult r = Build(data, {{"n1", "3"}, {"repair", "0"}}, 1, 2);
  ASSERT_FALSE(r.network);
  EXPECT_EQ(r.report.status, Status::kInfeasible);
  EXPECT_THAT(r.report.reason, HasSubstr("E1 codes not distinct"));
  // The remedy with a fixed n1 is a higher firing rate, and the second attempt used it.
  ASSERT_EQ(r.report.failed_attempts.size(), 1u);
  EXPECT_EQ(r.report.failed_attempts[0].remedy, "raise p1");
  EXPECT_THAT(r.report.failed_attempts[0].failure, HasSubstr("p1 = 0.05"));
  EXPECT_THAT(r.report.reason, HasSubstr("p1 = 0.075"));
  // With n1 left to the construction, the remedy doubles it and the build succeeds.
  RunResult ok = Build(data, {{"p1", "0.01"}, {"repair", "0"}});
  ExpectVerified(data, ok);
  for (const Attempt& a : ok.report.failed_attempts) EXPECT_EQ(a.remedy, "double n1");
  EXPECT_EQ(Details(ok).adaptations.size(), ok.report.failed_attempts.size());
}

TEST(VershyninFailureTest, CloseE1CodesAreRepairedOrTheWidthDoubled) {
  // Pairs at distance 0.0005 share E1 codes: repair neurons bisect each colliding pair.
  Dataset data = LoadDataset("synthetic:grid?n=600&d=2&classes=2&delta=0.0005&seed=3");
  RunResult r = Build(data);
  ExpectVerified(data, r);
  EXPECT_GT(Details(r).e1_repair_neurons, 0);
  // Without repair neurons the remedy is to double n1 (here not enough within 2 attempts).
  RunResult d = Build(data, {{"repair", "0"}}, 1, 2);
  ASSERT_FALSE(d.network);
  ASSERT_EQ(d.report.failed_attempts.size(), 1u);
  EXPECT_EQ(d.report.failed_attempts[0].remedy, "double n1");
  EXPECT_THAT(d.report.reason, HasSubstr("E1 codes not distinct"));
  EXPECT_THAT(d.report.reason, HasSubstr("n1 = 800"));
}

TEST(VershyninFailureTest, RemediesOfEarlierAttemptsShapeThePlan) {
  // The plan of an attempt is the options' plan with every earlier remedy applied in order; a
  // remedy that is not vershynin's (the pipeline's own) changes nothing.
  Dataset data = LoadDataset("synthetic:sphere?n=300&d=8&classes=2&seed=4");
  const InputMap map = ComputeNormalization(data);
  const RowMatrix x = Normalized(data, map);
  const std::vector<Attempt> failed = {{1, 11, "E1", "double n1"},
                                       {2, 12, "wrong rows", "retry with a new seed"},
                                       {3, 13, "silent", "raise s"},
                                       {4, 14, "codes", "raise m"}};
  const RowBlocks rows(x);
  BuildContext ctx{data, map, rows, 99, 5, &failed};
  VershyninOptions o;
  o.code_width = 320;
  o.s = 20;
  o.repair = 0;
  Report report;
  std::optional<Network> net = BuildVershynin(o, ctx, &report);
  ASSERT_TRUE(net) << report.reason;
  const VershyninDetails& v = std::any_cast<const VershyninDetails&>(report.details);
  EXPECT_EQ(v.n1, 800);
  EXPECT_EQ(v.s, 30);
  EXPECT_EQ(v.code_units, std::vector<int64_t>{480});
  EXPECT_EQ(v.adaptations, (std::vector<std::string>{"attempt 1: double n1", "attempt 3: raise s",
                                                     "attempt 4: raise m"}));
}

TEST(VershyninFailureTest, CodeLayerNotDistinct) {
  Dataset data = LoadDataset("synthetic:sphere?n=400&d=8&classes=2&seed=2");
  RunResult r = Build(data, {{"code-width", "6"}, {"s", "2"}, {"min-activity", "0"}}, 1, 2);
  ASSERT_FALSE(r.network);
  EXPECT_THAT(r.report.reason, HasSubstr("codes not distinct in hidden layer 2"));
  ASSERT_EQ(r.report.failed_attempts.size(), 1u);
  EXPECT_EQ(r.report.failed_attempts[0].remedy, "resample");  // the width is the user's
}

TEST(VershyninFailureTest, SilentPoints) {
  Dataset data = LoadDataset("synthetic:sphere?n=400&d=8&classes=2&seed=2");
  RunResult r = Build(data, {{"min-activity", "500"}}, 1, 2);
  ASSERT_FALSE(r.network);
  EXPECT_THAT(r.report.reason, HasSubstr("silent points in hidden layer 2"));
  ASSERT_EQ(r.report.failed_attempts.size(), 1u);
  EXPECT_EQ(r.report.failed_attempts[0].remedy, "raise s");
}

TEST(VershyninFailureTest, PerceptionCapacityOfTooNarrowLayers) {
  Dataset data = LoadDataset("synthetic:sphere?n=1000&d=8&classes=2&seed=3");
  RunResult r = Build(data, {{"widths", "200,200,5"}}, 1, 2);
  ASSERT_FALSE(r.network);
  EXPECT_THAT(r.report.reason, HasSubstr("perception capacity exceeded"));
}

TEST(VershyninFailureTest, DeepConnectionBudget) {
  Dataset data = LoadDataset("synthetic:sphere?n=1000&d=8&classes=2&seed=3");
  // Below the estimate for the narrowest code layer: over budget at once, no retry.
  RunResult r = Build(data, {{"connections", "5000"}});
  ASSERT_FALSE(r.network);
  EXPECT_EQ(r.report.status, Status::kBudgetExceeded);
  EXPECT_THAT(r.report.reason, HasSubstr("deep connection budget exceeded"));
  EXPECT_TRUE(r.report.failed_attempts.empty());
  // A budget the estimate accepts but the packed network may overshoot: shrink m and retry.
  RunResult tight = Build(data, {{"connections", "80000"}}, 1, 1);
  if (!tight.network) {
    EXPECT_THAT(tight.report.reason, HasSubstr("deep connection budget exceeded"));
  } else {
    EXPECT_LE(Details(tight).deep_connections, 80000);
  }
  // A sufficient budget is met and reported.
  RunResult ok = Build(data, {{"connections", "200000"}});
  ASSERT_TRUE(ok.network) << ok.report.reason;
  EXPECT_LE(Details(ok).deep_connections, 200000);
}

TEST(VershyninFailureTest, OffSphereDataWithPlainScaling) {
  // Without a lift, small-norm points rarely fire: codes collapse. The lift fixes it.
  Dataset data = LoadDataset("synthetic:ball?n=2000&d=6&classes=2&seed=4");
  RunResult plain = Build(data, {{"n1", "1200"}, {"repair", "0"}, {"lift", "none"}}, 1, 1);
  ASSERT_FALSE(plain.network);
  EXPECT_THAT(plain.report.reason, HasSubstr("E1 codes not distinct"));
  RunResult lifted = Build(data, {{"n1", "1200"}, {"repair", "0"}, {"lift", "const"}}, 1, 1);
  ExpectVerified(data, lifted);
}

TEST(VershyninFailureTest, TiesAndUncertainFloatDecisionsAreDecidedExactly) {
  // Coarse weights (2^-1 grid) on lattice data: many pre-activations land exactly on a
  // threshold (ties) or too close for the float filter; the half-grid shift and the exact
  // recheck decide them as the stored network does, so verification still passes.
  Dataset data = LoadDataset("synthetic:grid?n=400&d=2&classes=2&seed=5");
  RunResult r = Build(data, {{"weight-bits", "1"}}, 1, 10);
  ExpectVerified(data, r);
  EXPECT_GT(Details(r).e1_ties + Details(r).code_ties, 0);
  EXPECT_GT(Details(r).e1_exact_rechecks, 0);
}

TEST(VershyninFailureTest, ManyFractionBitsUseBigIntegers) {
  // Inputs with ~80 fraction bits: E1 decisions need more than int128 on the fast path.
  RowMatrix x(300, 4);
  std::vector<double> y(300);
  Rng rng(3);
  Gaussian g;
  for (int i = 0; i < 300; ++i) {
    double n2 = 0;
    for (int j = 0; j < 4; ++j) n2 += (x(i, j) = g(rng)) * x(i, j);
    for (int j = 0; j < 4; ++j) x(i, j) = x(i, j) / std::sqrt(n2) + std::ldexp(1.0, -80 + j);
    y[i] = i % 2;
  }
  Dataset data = MakeDataset("fine-grid", x, y);
  RunResult r = Build(data);
  ExpectVerified(data, r);
  EXPECT_GT(Details(r).input_grid_bits, 62);
}

TEST(VershyninFailureTest, BadOptionsAreUserErrors) {
  Dataset data = LoadDataset("synthetic:sphere?n=50&d=4&classes=2&seed=1");
  for (const ParamMap& p :
       std::vector<ParamMap>{{{"widths", "10,10"}},
                             {{"rule", "oja"}},
                             {{"activations", "tanh"}},
                             {{"activations", "step,relu"}},  // 3 hidden layers
                             {{"widths", "100,100,100"}, {"connections", "9"}},
                             {{"n1", "0"}},
                             {{"tries", "3"}}})  // gone: the pipeline's --attempts replaces it
    EXPECT_THROW(Build(data, p), Error) << p.begin()->first;
}

// ---- the design simulation (covariance rule, s = 40): K = 8000, d = 32, n1 = 600, m = 1000.
// Reference: 206 memorization neurons, average batch 19.3, 25.8 memorization connections per
// point (float rule, margin 0.5). Order of magnitude: within a factor 2.
TEST(VershyninSimulationTest, MemorizingConnectionsPerPointAtK8000) {
  Dataset data = LoadDataset("synthetic:sphere?n=8000&d=32&classes=2&seed=1");
  RunResult r = Build(data, {{"n1", "600"}, {"code-width", "1000"}, {"s", "40"}});
  ExpectVerified(data, r);
  const VershyninDetails& v = Details(r);
  const double per_point = double(v.memorization_connections) / double(v.points_memorized);
  EXPECT_GT(per_point, 25.8 / 2);
  EXPECT_LT(per_point, 25.8 * 2);
  EXPECT_GT(v.avg_batch, 19.3 / 2);
  EXPECT_LT(v.avg_batch, 19.3 * 2);
  // E1 activity ≈ 0.05·600 = 30 (reference 12 / 29.6 / 51).
  EXPECT_NEAR(v.e1_activity.mean, 30, 3);
  // The theorem's constant: W/(K ln⁵ K) is tiny (reference 1e-3 for K = 8000).
  EXPECT_LT(r.report.theory[0].Ratio(), 1e-2);
}

TEST(VershyninSimulationTest, TenThousandPointsGaussianClusters) {
  Dataset data = LoadDataset(
      "synthetic:gaussian-clusters?n=10000&d=32&classes=2&clusters=200&sigma=0.2&seed=2");
  RunResult r = Build(data);
  ExpectVerified(data, r);
  EXPECT_LT(double(Details(r).deep_connections) / double(data.n()), 150);
}

// ---- through the binary: `mnemo build -c vershynin` on synthetic and CSV data.
TEST(VershyninCliTest, BuildWritesAVerifiedNetwork) {
  testing::TempDir dir;
  auto r = testing::RunCli({"build", "synthetic:sphere?n=2000&d=32&classes=2&seed=1", "-c",
                            "vershynin", "-o", dir.Path("v.json"), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["status"], "success");
  EXPECT_TRUE(j["verification"]["all_correct"].get<bool>());
  EXPECT_EQ(j["verification"]["checked"], 2000);
  // Digit-like CSV: 8×8 pixel intensities 0..16, many constant pixels, 10 classes.
  std::string csv;
  for (int p = 0; p < 64; ++p) csv += fmt::format("p{},", p);
  csv += "label\n";
  Rng rng(7);
  for (int row = 0; row < 80; ++row) {
    for (int p = 0; p < 64; ++p)
      csv += fmt::format("{},", (p % 8 == 0 || p < 8) ? 0 : int64_t(UniformIndex(rng, 17)));
    csv += fmt::format("{}\n", row % 10);
  }
  testing::WriteText(dir.Path("digits.csv"), csv);
  auto c = testing::RunCli({"build", dir.Path("digits.csv"), "--limit", "50", "-c", "vershynin",
                            "-o", dir.Path("d.json"), "--json"});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  auto k = nlohmann::json::parse(c.out);
  EXPECT_EQ(k["status"], "success");
  EXPECT_TRUE(k["verification"]["all_correct"].get<bool>());
  EXPECT_EQ(k["verification"]["checked"], 50);
  auto v = testing::RunCli({"verify", dir.Path("d.json"), dir.Path("digits.csv"), "--limit", "50"});
  EXPECT_EQ(v.exit_code, 0) << v.err;
}

}  // namespace
}  // namespace mnemo
