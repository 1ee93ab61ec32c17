// Tests of the bitextract construction: option combinations on synthetic data, the design
// doc's verified configurations (§14.2 sizes), infeasible (W, L) pairs with the smallest
// feasible partner, float-safe networks under float64, and a randomized property test that
// exact verification always passes.
#include "constructions/bitextract.h"

#include <algorithm>
#include <array>
#include <functional>
#include <limits>
#include <numeric>
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "mnemo/construction.h"
#include "mnemo/dataset.h"
#include "mnemo/error.h"
#include "tests/test_util.h"
#include "mnemo/io.h"
#include "mnemo/verify.h"

namespace mnemo {
namespace {

using internal::BitextractConfig;
using internal::BitextractPlanSizes;

struct Built {
  Report report;
  std::optional<Network> net;
  VerifyReport verify;
};

Built BuildAndVerify(const Dataset& data, const ParamMap& params, uint64_t seed = 1,
                     VerifyMode mode = VerifyMode::kExact) {
  Built b;
  b.net = testing::BuildWith("bitextract", data, params, seed, &b.report);
  if (b.net) {
    VerifyOptions vo;
    vo.mode = mode;
    b.verify = Verify(*b.net, data, vo);
  }
  return b;
}

const BitextractDetails& Details(const Report& r) {
  return std::any_cast<const BitextractDetails&>(r.details);
}

// Random points with small integer coordinates (so float-safe networks are exact in float64).
Dataset IntegerData(int64_t n, int64_t d, int64_t classes, uint64_t seed, int64_t range = 1000) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int64_t> coord(0, range), lab(0, classes - 1);
  RowMatrix x(n, d);
  std::vector<double> y(n);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < d; ++j) x(i, j) = double(coord(rng));
    y[i] = double(lab(rng));
  }
  return MakeDataset("integer-test", x, y);
}

// The shape a build reports, as the planner's config.
BitextractConfig ConfigOf(const BitextractDetails& d) {
  BitextractConfig k;
  k.a = d.a, k.wprime = d.wprime, k.lprime = d.lprime, k.n = d.points_per_group;
  k.q = d.bits_per_layer, k.pipeline = d.pipelined, k.float_safe = d.float_safe;
  k.separate = d.separate_projection, k.cap = d.weight_bits_budget;
  k.delta = d.delta, k.f = d.key_difference_bits;
  k.coarse = d.coarse, k.z = d.dropped_key_bits;
  return k;
}

// Verified exactly, sized as the planner's closed formulas say, holding every point.
void ExpectVerified(const Built& b, const std::string& what) {
  ASSERT_TRUE(b.net.has_value()) << what << ": " << b.report.reason;
  EXPECT_TRUE(b.verify.all_correct()) << what << ": " << b.verify.Brief();
  const NetworkStats st = b.net->Stats();
  const BitextractDetails& d = Details(b.report);
  const internal::BitextractSizes planned = BitextractPlanSizes(ConfigOf(d), d.rho, d.c);
  // (≤: a zero table column can free a selector relay a round early)
  EXPECT_LE(st.width, planned.width) << what << " " << d.config;
  EXPECT_GE(st.width, planned.width - d.a) << what << " " << d.config;
  EXPECT_EQ(st.depth, planned.depth) << what << " " << d.config;
  // (coarse: the slots are runs of equal labels, at most one per point)
  EXPECT_GE(d.capacity, d.coarse ? d.slots : b.net->dataset.n) << what;
  EXPECT_LE(d.slots, b.net->dataset.n) << what;
  if (!d.coarse) {
    EXPECT_EQ(d.slots, b.net->dataset.n) << what;
  }
}

// §14.2 of bit_extraction.md: with q = 1 and no pipelining the depth follows the exact formula
// L′ + n(ρ + c + 2) + 3 (label-only: L′ + 3), n = ⌈N/(A(W′L′ + 1))⌉ equals the reference's n for
// the same (N, A, W′, L′), and the width is the reference's max(2A − 1, A + 4W′ + 2, 8) less one
// neuron per threshold: a payload gate is one neuron here (none when A = 1), two there.
TEST(Bitextract, DesignDocConfigurationsReproduceSizes) {
  struct Row {
    int64_t n, d, c, a, wp, lp, ref_n, ref_width, ref_rho;
  };
  const Row rows[] = {
      {60, 3, 4, 2, 2, 3, 5, 12, 11},   {200, 4, 3, 4, 4, 3, 4, 22, 16},
      {200, 4, 3, 1, 1, 12, 16, 8, 16}, {600, 8, 4, 4, 4, 19, 2, 22, 19},
      {100, 2, 2, 3, 1, 2, 12, 9, 13},  {60, 3, 4, 2, 2, 15, 1, 12, 11},
  };
  for (const Row& r : rows) {
    Dataset data = LoadDataset(fmt::format("synthetic:ball?n={}&d={}&classes={}&seed=3", r.n, r.d, r.c));
    ParamMap p{{"a", std::to_string(r.a)}, {"wprime", std::to_string(r.wp)},
               {"lprime", std::to_string(r.lp)}, {"bits-per-layer", "1"}, {"pipeline", "off"}};
    Built b = BuildAndVerify(data, p);
    const std::string what = fmt::format("{}/{}/{}/{}/{}/{}", r.n, r.d, r.c, r.a, r.wp, r.lp);
    ExpectVerified(b, what);
    const int64_t rho = Details(b.report).rho, c = Details(b.report).c;
    EXPECT_EQ(c, BitLength(Integer(r.c))) << what;
    EXPECT_EQ(Details(b.report).points_per_group, r.ref_n) << what;
    const int64_t rounds = r.a > 1 ? r.a + 3 * r.wp + 2 : 2 * r.wp + 2;
    const int64_t decoder = r.ref_n == 1 ? 0 : r.ref_n == 2 ? 7 : 8;
    EXPECT_EQ(b.report.network.width, std::max<int64_t>({2 * r.a - 1, rounds, decoder})) << what;
    EXPECT_LE(b.report.network.width, r.ref_width) << what;
    // Another RNG and data give another key range; ρ stays within a few bits of the reference.
    EXPECT_NEAR(double(rho), double(r.ref_rho), 4.0) << what;
    const int64_t depth = r.ref_n == 1 ? r.lp + 3 : r.lp + r.ref_n * (rho + c + 2) + 3;
    EXPECT_EQ(b.report.network.depth, depth) << what;
    EXPECT_EQ(Details(b.report).payload_bits, r.ref_n == 1 ? c : r.ref_n * (rho + c)) << what;
  }
}

// The float-safe rows: depth = 2 + (L′ + 2) + n(ρ + c + 3) + (two-layer peels) + 1; float64
// evaluation is exact on every point.
TEST(Bitextract, FloatSafeConfigurationsAreExactInFloat64) {
  struct Row {
    int64_t n, d, c, a, wp, lp, ref_n;
  };
  const Row rows[] = {{200, 4, 3, 4, 4, 6, 2}, {20, 3, 2, 1, 1, 9, 2}, {60, 3, 4, 2, 2, 15, 1}};
  for (const Row& r : rows) {
    Dataset data = IntegerData(r.n, r.d, r.c, 7, 255);
    ParamMap p{{"a", std::to_string(r.a)}, {"wprime", std::to_string(r.wp)},
               {"lprime", std::to_string(r.lp)}, {"bits-per-layer", "1"},
               {"max-weight-bits", "53"}};
    Built b = BuildAndVerify(data, p, 1, VerifyMode::kBoth);
    const std::string what = fmt::format("float-safe {}/{}/{}", r.n, r.a, r.lp);
    ExpectVerified(b, what);
    EXPECT_EQ(b.verify.float_disagreements, 0) << what;
    EXPECT_EQ(Details(b.report).points_per_group, r.ref_n) << what;
    EXPECT_LE(b.net->Stats().max_weight_bits, 53) << what;
    const int64_t rho = Details(b.report).rho, c = Details(b.report).c;
    const int64_t bits = Details(b.report).payload_bits;
    if (r.ref_n == 1) {
      EXPECT_EQ(b.report.network.depth, r.lp + 5) << what;
    } else {
      EXPECT_EQ(b.report.network.depth,
                2 + (r.lp + 2) + r.ref_n * (rho + c + 3) + std::max<int64_t>(0, bits - 26) + 1)
          << what;
    }
  }
}

TEST(Bitextract, FloatSafeRefusesPayloadsAboveTheBudget) {
  Dataset data = IntegerData(50, 3, 2, 3, 255);
  ParamMap p{{"a", "2"}, {"wprime", "1"}, {"lprime", "1"}, {"max-weight-bits", "53"}};
  Built b = BuildAndVerify(data, p);
  EXPECT_FALSE(b.net.has_value());
  EXPECT_EQ(b.report.status, Status::kInfeasible);
  EXPECT_NE(b.report.reason.find("payload bits"), std::string::npos) << b.report.reason;
}

TEST(Bitextract, MaxWeightBits53PassesFloat64ForWidthAndDepthRequests) {
  Dataset data = IntegerData(3000, 16, 10, 11, 255);
  for (const ParamMap& p : {ParamMap{{"depth", "40"}, {"max-weight-bits", "53"}},
                            ParamMap{{"depth", "400"}, {"max-weight-bits", "53"}},
                            ParamMap{{"width", "24"}, {"max-weight-bits", "53"}}}) {
    Built b = BuildAndVerify(data, p, 2, VerifyMode::kBoth);
    ExpectVerified(b, p.begin()->first);
    EXPECT_EQ(b.verify.float_disagreements, 0);
    EXPECT_LE(b.net->Stats().max_weight_bits, 53);
    EXPECT_TRUE((Details(b.report).uncapped_depth > 0));
  }
  // float32: keys of ≈ 30 bits cannot fit 24 bits; the report says why.
  Built f32 = BuildAndVerify(data, {{"depth", "40"}, {"max-weight-bits", "24"}});
  EXPECT_FALSE(f32.net.has_value());
  EXPECT_EQ(f32.report.status, Status::kInfeasible);
  EXPECT_NE(f32.report.reason.find("24"), std::string::npos) << f32.report.reason;
}

// Every option combination on a few synthetic data sets.
TEST(Bitextract, OptionCombinations) {
  const std::vector<std::string> specs = {
      "synthetic:grid?n=300&d=3&delta=1e-6&classes=3&seed=2",  // δ = 10⁻⁶ pairs
      "synthetic:ball?n=400&d=5&classes=1&seed=4",             // one class
      "synthetic:ball?n=1500&d=6&classes=1000&seed=5",         // C = 1000
      "synthetic:ball?n=200&d=1&classes=4&seed=6",             // d = 1
      "synthetic:sphere?n=300&d=40&classes=10&seed=8",         // d > 16: separate projection
  };
  const std::vector<ParamMap> option_sets = {
      {{"depth", "30"}},
      {{"depth", "200"}},
      {{"width", "20"}},
      {{"width", "40"}, {"depth", "120"}},
      {{"depth", "150"}, {"bits-per-layer", "1"}, {"pipeline", "off"}},
      {{"depth", "150"}, {"bits-per-layer", "2"}, {"pipeline", "on"}},
      {{"depth", "150"}, {"bits-per-layer", "4"}, {"pipeline", "off"}, {"projection", "separate"}},
      {{"width", "16"}, {"bits-per-layer", "3"}, {"projection", "fused"}},
      {{"a", "3"}, {"wprime", "2"}, {"lprime", "5"}},
      {{"depth", "50"}, {"tries", "3"}},
  };
  for (const std::string& spec : specs) {
    Dataset data = LoadDataset(spec);
    for (const ParamMap& p : option_sets) {
      std::string what = spec;
      for (const auto& [k, v] : p) what += " --" + k + " " + v;
      Built b = BuildAndVerify(data, p);
      ExpectVerified(b, what);
      if (p.count("depth")) {
        EXPECT_LE(b.report.network.depth, std::stoll(p.at("depth"))) << what;
      }
      if (p.count("width")) {
        EXPECT_LE(b.report.network.width, std::stoll(p.at("width"))) << what;
      }
      if (p.count("bits-per-layer") && Details(b.report).points_per_group > 1) {
        EXPECT_EQ(Details(b.report).bits_per_layer, std::stoll(p.at("bits-per-layer"))) << what;
      }
      if (p.count("projection")) {
        EXPECT_EQ(Details(b.report).separate_projection,
                  p.at("projection") == "separate" && Details(b.report).a > 1)
            << what;
      }
    }
  }
}

TEST(Bitextract, TinyDatasets) {
  for (int64_t n : {1, 2, 3}) {
    RowMatrix x(n, 2);
    std::vector<double> y(n);
    for (int64_t i = 0; i < n; ++i) {
      x(i, 0) = 0.25 * double(i);
      x(i, 1) = -0.5 + 0.125 * double(i * i);
      y[i] = double(7 - 2 * i);
    }
    Dataset data = MakeDataset("tiny", x, y);
    for (const ParamMap& p : {ParamMap{}, ParamMap{{"depth", "3"}}, ParamMap{{"width", "8"}},
                              ParamMap{{"depth", "60"}, {"bits-per-layer", "2"}}}) {
      Built b = BuildAndVerify(data, p);
      ExpectVerified(b, fmt::format("N = {}", n));
    }
  }
}

TEST(Bitextract, MergedDuplicates) {
  RowMatrix x(6, 2);
  x << 0, 0, 1, 0, 0, 1, 1, 0, 0, 0, 2, 2;
  Dataset data = MakeDataset("dups", x, {1, 2, 3, 2, 1, 4});
  ASSERT_EQ(data.n(), 4);
  Built b = BuildAndVerify(data, {{"depth", "10"}});
  ExpectVerified(b, "duplicates");
  EXPECT_EQ(b.verify.checked, 6);
}

// Infeasible (W, L): kInfeasible, with the smallest feasible partner values in the report;
// those values are feasible and one less is not.
TEST(Bitextract, InfeasiblePairsReportTheSmallestPartner) {
  Dataset data = LoadDataset("synthetic:ball?n=500&d=4&classes=5&seed=9");
  Built b = BuildAndVerify(data, {{"width", "12"}, {"depth", "10"}});
  ASSERT_FALSE(b.net.has_value());
  EXPECT_EQ(b.report.status, Status::kInfeasible);
  const int64_t l_min = Details(b.report).smallest_feasible_depth_for_width;
  const int64_t w_min = Details(b.report).smallest_feasible_width_for_depth;
  ASSERT_GT(l_min, 10);
  ASSERT_GT(w_min, 12);
  EXPECT_NE(b.report.reason.find(std::to_string(l_min)), std::string::npos) << b.report.reason;
  EXPECT_NE(b.report.reason.find(std::to_string(w_min)), std::string::npos) << b.report.reason;
  ExpectVerified(BuildAndVerify(data, {{"width", "12"}, {"depth", std::to_string(l_min)}}), "l_min");
  ExpectVerified(BuildAndVerify(data, {{"width", std::to_string(w_min)}, {"depth", "10"}}), "w_min");
  Built below_l = BuildAndVerify(data, {{"width", "12"}, {"depth", std::to_string(l_min - 1)}});
  EXPECT_EQ(below_l.report.status, Status::kInfeasible);
  Built below_w = BuildAndVerify(data, {{"width", std::to_string(w_min - 1)}, {"depth", "10"}});
  EXPECT_EQ(below_w.report.status, Status::kInfeasible);
  // Too narrow for any depth.
  Built narrow = BuildAndVerify(data, {{"width", "2"}});
  EXPECT_EQ(narrow.report.status, Status::kInfeasible);
}

TEST(Bitextract, BadOptionsAreUserErrors) {
  Dataset data = LoadDataset("synthetic:ball?n=20&d=2&classes=2&seed=1");
  Report r;
  EXPECT_THROW(testing::BuildWith("bitextract", data, {{"width", "0"}}, 1, &r), Error);
  EXPECT_THROW(testing::BuildWith("bitextract", data, {{"a", "2"}}, 1, &r), Error);
  EXPECT_THROW(testing::BuildWith("bitextract", data, {{"pipeline", "maybe"}}, 1, &r), Error);
  EXPECT_THROW(testing::BuildWith("bitextract", data, {{"bits-per-layer", "0"}}, 1, &r), Error);
  EXPECT_THROW(testing::BuildWith("bitextract", data, {{"max-weight-bits", "3"}}, 1, &r), Error);
  RowMatrix x(2, 1);
  x << 0, 1;
  Dataset real = MakeDataset("real", x, {0.5, 1.5});
  EXPECT_FALSE(testing::BuildWith("bitextract", real, {}, 1, &r));
  EXPECT_EQ(r.status, Status::kDoesNotApply);
}

TEST(Bitextract, SameSeedSameBytes) {
  Dataset data = LoadDataset("synthetic:ball?n=300&d=3&classes=4&seed=2");
  Report r1, r2, r3;
  auto a = testing::BuildWith("bitextract", data, {{"depth", "120"}}, 5, &r1);
  auto b = testing::BuildWith("bitextract", data, {{"depth", "120"}}, 5, &r2);
  auto c = testing::BuildWith("bitextract", data, {{"depth", "120"}}, 6, &r3);
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(NetworkToJson(*a), NetworkToJson(*b));
  EXPECT_NE(NetworkToJson(*a), NetworkToJson(*c));
}

// Depth gain: in the decode regime W²L² stays within a small factor while L grows 4×.
TEST(Bitextract, WidthDepthTradeoffKeepsW2L2) {
  Dataset data = LoadDataset("synthetic:ball?n=20000&d=8&classes=10&seed=1");
  std::vector<double> w2l2;
  for (int64_t depth : {150, 300, 600}) {
    Built b = BuildAndVerify(data, {{"depth", std::to_string(depth)}});
    ExpectVerified(b, fmt::format("depth {}", depth));
    EXPECT_GT(Details(b.report).points_per_group, 1);
    w2l2.push_back(Measure(b.report.network, "w2l2"));
  }
  const double lo = *std::min_element(w2l2.begin(), w2l2.end());
  const double hi = *std::max_element(w2l2.begin(), w2l2.end());
  // (3, not 2: the narrowest decoder is 8 wide, which bounds the deep end; README, Limits)
  EXPECT_LT(hi / lo, 3.0);
}

// The closed forms (q = 1, no pipelining): width = max(2A − 1, A + 3W′ + 2, 8) in the steady
// state (A = 1: 2W′ + 2, the selector is a constant and the gates are linear); the label-only
// network with L′ = 2 and A > 1 drops t after its last steps (one less), and two slots need one
// register less in the decoder (7).
TEST(Bitextract, PlanSizesClosedForms) {
  for (int64_t a : {1, 2, 5})
    for (int64_t wp : {1, 3})
      for (int64_t lp : {2, 7})
        for (int64_t n : {1, 2, 5}) {
          BitextractConfig k;
          k.a = a, k.wprime = wp, k.lprime = lp, k.n = n, k.q = 1;
          auto s = BitextractPlanSizes(k, 17, 3);
          const int64_t sel = a > 1 ? a : 0;  // one super-block: the selector is the constant 1
          const int64_t steady = sel + (a > 1 ? 3 : 2) * wp + 2;
          const int64_t rounds = n == 1 && lp == 2 && a > 1 ? steady - 1 : steady;
          EXPECT_EQ(s.width, std::max<int64_t>({2 * a - 1, rounds, n == 2 ? 7 : n > 2 ? 8 : 0}));
          EXPECT_EQ(s.depth, n == 1 ? lp + 3 : lp + n * (17 + 3 + 2) + 3);
        }
}

// Planned sizes equal built sizes for every variant of the layout (explicit shapes; Build
// checks the same on every network), and every network verifies.
TEST(Bitextract, PlanMatchesLayoutForEveryVariant) {
  Dataset data = IntegerData(60, 20, 5, 4, 255);
  const std::vector<std::array<int64_t, 3>> shapes = {
      {1, 0, 0}, {2, 1, 1}, {2, 2, 2}, {3, 1, 3}, {4, 2, 4}, {2, 3, 9}, {60, 0, 0}};
  for (const auto& [a, wp, lp] : shapes)
    for (const char* q : {"1", "3"})
      for (const char* pipe : {"off", "on"})
        for (const char* proj : {"fused", "separate"})
          for (bool fs : {false, true}) {
            if (fs && (std::string(pipe) == "on" || a * (wp * lp + 1) < 10)) continue;
            ParamMap p{{"a", std::to_string(a)}, {"wprime", std::to_string(wp)},
                       {"lprime", std::to_string(lp)}, {"bits-per-layer", q},
                       {"pipeline", pipe}, {"projection", proj}};
            if (fs) p["max-weight-bits"] = "1000";
            Built b = BuildAndVerify(data, p);
            ExpectVerified(b, fmt::format("A={} W'={} L'={} q={} {} {} fs={}", a, wp, lp, q, pipe,
                                          proj, fs));
            // t and the one-hot selector pass rounds unchanged: Assembler relays.
            if (lp >= 2 || Details(b.report).points_per_group > 1) {
              EXPECT_GT(b.net->Stats().relays, 0);
            }
          }
}

// Property: random data and random W or L always verify exactly (or are reported infeasible
// with a reason when the requested size is too small).
TEST(Bitextract, PropertyRandomDataAlwaysVerifies) {
  std::mt19937_64 rng(2024);
  int built = 0;
  for (int trial = 0; trial < 40; ++trial) {
    const int64_t n = std::uniform_int_distribution<int64_t>(1, 400)(rng);
    const int64_t d = std::uniform_int_distribution<int64_t>(1, 24)(rng);
    const int64_t classes = std::uniform_int_distribution<int64_t>(1, 30)(rng);
    // (the sphere in d ≤ 2 has too few distinct points at 2^-30 resolution for 400 labels)
    const std::string kind = trial % 3 == 0 ? "grid" : (trial % 3 == 1 || d < 3 ? "ball" : "sphere");
    std::string spec = fmt::format("synthetic:{}?n={}&d={}&classes={}&seed={}", kind, n, d, classes, trial);
    Dataset data = LoadDataset(spec);
    ParamMap p;
    if (trial % 2 == 0) p["depth"] = std::to_string(std::uniform_int_distribution<int64_t>(3, 300)(rng));
    else p["width"] = std::to_string(std::uniform_int_distribution<int64_t>(7, 60)(rng));
    if (trial % 5 == 0) p["bits-per-layer"] = std::to_string(1 + trial % 4);
    Built b = BuildAndVerify(data, p, uint64_t(trial + 1));
    if (!b.net) {
      EXPECT_EQ(b.report.status, Status::kInfeasible) << spec;
      EXPECT_FALSE(b.report.reason.empty());
      continue;
    }
    ++built;
    ExpectVerified(b, spec + " " + p.begin()->first + "=" + p.begin()->second);
  }
  EXPECT_GE(built, 30);
}

}  // namespace
}  // namespace mnemo

namespace mnemo {
namespace {

// --depth L delivers a depth in [0.95L, L] (the narrowest such layout).
TEST(Bitextract, DepthDeliveredWithinFivePercent) {
  Dataset data = LoadDataset("synthetic:ball?n=4000&d=8&classes=10&seed=2");
  for (int64_t depth : {20, 45, 130, 400, 900}) {
    Built b = BuildAndVerify(data, {{"depth", std::to_string(depth)}});
    ExpectVerified(b, fmt::format("depth {}", depth));
    EXPECT_LE(b.report.network.depth, depth);
    EXPECT_GE(b.report.network.depth, depth - depth / 20) << Details(b.report).config;
  }
}

// --minimize params|bits returns the smallest of the networks it tried (all listed), within
// the caps; depth|width are the planner's exact minima under the other cap.
TEST(Bitextract, MinimizeReturnsTheSmallestTried) {
  Dataset data = LoadDataset("synthetic:ball?n=1500&d=6&classes=10&seed=5");
  for (const char* objective : {"params", "bits"}) {
    Built b = BuildAndVerify(data, {{"minimize", objective}, {"depth", "400"}});
    ExpectVerified(b, objective);
    const BitextractDetails& d = Details(b.report);
    EXPECT_EQ(d.minimized, objective);
    ASSERT_GE(d.tried.size(), 3u);
    const bool params = std::string(objective) == "params";
    const int64_t got = params ? b.report.network.params_nonzero : b.report.network.total_weight_bits;
    for (const BitextractCandidate& t : d.tried) {
      EXPECT_LE(t.depth, 400) << t.config;
      EXPECT_LE(got, params ? t.params_nonzero : t.total_weight_bits) << t.config;
    }
    EXPECT_TRUE(b.report.extras.contains("tried"));
  }
  Built depth = BuildAndVerify(data, {{"minimize", "depth"}, {"width", "30"}});
  ExpectVerified(depth, "minimize depth");
  EXPECT_LE(depth.report.network.width, 30);
  Built shallower = BuildAndVerify(data, {{"width", "30"}, {"depth", std::to_string(depth.report.network.depth - 1)}});
  EXPECT_EQ(shallower.report.status, Status::kInfeasible);
  Built width = BuildAndVerify(data, {{"minimize", "width"}, {"depth", "200"}});
  ExpectVerified(width, "minimize width");
  EXPECT_LE(width.report.network.depth, 200);
  Built narrower = BuildAndVerify(data, {{"width", std::to_string(width.report.network.width - 1)}, {"depth", "200"}});
  EXPECT_EQ(narrower.report.status, Status::kInfeasible);
  // Impossible caps are named.
  Built none = BuildAndVerify(data, {{"minimize", "params"}, {"width", "3"}});
  EXPECT_EQ(none.report.status, Status::kInfeasible);
  EXPECT_NE(none.report.reason.find("width ≤ 3"), std::string::npos) << none.report.reason;
  Report r;
  EXPECT_THROW(testing::BuildWith("bitextract", data, {{"minimize", "neurons"}}, 1, &r), Error);
  EXPECT_THROW(testing::BuildWith("bitextract", data, {{"minimize", "params"}, {"a", "2"},
                                                       {"wprime", "1"}, {"lprime", "3"}}, 1, &r),
               Error);
}

// Every source × shape built with the decoder `decode` and verified exactly; `check` sees each
// network that decodes (n > 1).
void ForEachDecoding(const std::vector<std::string>& sources, const std::vector<ParamMap>& shapes,
                     const std::string& decode,
                     const std::function<void(const Built&, const Dataset&, const std::string&)>& check) {
  for (const std::string& src : sources) {
    Dataset data = LoadDataset(src);
    for (const ParamMap& p : shapes) {
      ParamMap q = p;
      q["decode"] = decode;
      Built b = BuildAndVerify(data, q);
      ExpectVerified(b, src);
      if (b.net && Details(b.report).points_per_group > 1) check(b, data, src);
    }
  }
}

// Refused with a bit budget (float-safe gadgets), q > 1 or pipelining; width 5 holds no delta
// decoder: infeasible with the reason named.
void ExpectDeltaFamilyLimits(const Dataset& data, const std::string& decode) {
  Report r;
  EXPECT_THROW(testing::BuildWith("bitextract", data, {{"decode", decode}, {"max-weight-bits", "53"}}, 1, &r), Error);
  EXPECT_THROW(testing::BuildWith("bitextract", data, {{"decode", decode}, {"bits-per-layer", "3"}}, 1, &r), Error);
  EXPECT_THROW(testing::BuildWith("bitextract", data, {{"decode", decode}, {"pipeline", "on"}}, 1, &r), Error);
  Built narrow = BuildAndVerify(data, {{"width", "5"}, {"decode", decode}, {"depth", "400"}});
  EXPECT_EQ(narrow.report.status, Status::kInfeasible) << decode;
}

const std::vector<ParamMap> kDecoderShapes = {{{"a", "1"}, {"wprime", "2"}, {"lprime", "6"}},
                                              {{"a", "3"}, {"wprime", "1"}, {"lprime", "4"}},
                                              {{"width", "6"}},
                                              {{"depth", "200"}}};

// The delta decoder: exact on random data, on a δ-grid and on real images, sized as the closed
// forms say (A = 1: width max(2W′ + 2, 6), depth L′ + 3 + (c+1) + ρ + (n − 1)(c + 1 + f + 2)),
// every group's key differences within f bits, and refused where it does not apply.
TEST(Bitextract, DeltaDecoderVerifiesAndMatchesItsSizes) {
  const std::vector<std::string> sources = {
      "synthetic:ball?n=800&d=6&classes=10&seed=2", "synthetic:grid?n=400&d=2&classes=3&delta=0.001&seed=1",
      "synthetic:ball?n=300&d=4&classes=2&seed=9"};
  ForEachDecoding(sources, kDecoderShapes, "delta", [](const Built& b, const Dataset&,
                                                         const std::string& src) {
    const BitextractDetails& d = Details(b.report);
    EXPECT_TRUE(d.delta) << src;
    if (d.a == 1) {
      const int64_t n = d.points_per_group, f = d.key_difference_bits;
      EXPECT_EQ(b.report.network.width, std::max<int64_t>(2 * d.wprime + 2, 6)) << src;
      EXPECT_EQ(b.report.network.depth,
                d.lprime + 3 + (d.c + 1) + d.rho + (n - 1) * (d.c + 1 + f + 2)) << src;
      EXPECT_EQ(d.payload_bits, (d.c + 1 + d.rho) + (n - 1) * (d.c + 1 + f)) << src;
    }
  });
  // Groups: at most n points, consecutive key differences inside a group below 2^f.
  Dataset data = LoadDataset("synthetic:ball?n=2000&d=5&classes=10&seed=4");
  Built b = BuildAndVerify(data, {{"width", "6"}, {"decode", "delta"}});
  ExpectVerified(b, "width 6");
  EXPECT_EQ(b.report.network.width, 6);
  ExpectDeltaFamilyLimits(data, "delta");
  Report r;
  EXPECT_THROW(testing::BuildWith("bitextract", data, {{"decode", "keys"}}, 1, &r), Error);
}

// The coarse delta decoder: a slot per run of equal labels, thresholds key >> z. Exact on random
// data, on δ-grids and on few-class data (long runs), sized as the closed forms say (A = 1: width
// max(2W′ + 2, 6), depth L′ + 4 + (c + 1) + (ρ − z) + (n − 1)(c + 1 + f + 2): the three-stage
// rounds take one layer more), holding fewer
// slots than points where labels repeat, and refused where the delta decoder is.
TEST(Bitextract, CoarseDecoderVerifiesAndMatchesItsSizes) {
  const std::vector<std::string> sources = {
      "synthetic:ball?n=800&d=6&classes=10&seed=2",
      "synthetic:grid?n=400&d=2&classes=3&delta=0.001&seed=1",
      "synthetic:grid?n=500&d=3&classes=10&delta=0.0001&seed=5",
      "synthetic:ball?n=600&d=4&classes=2&seed=9"};
  bool dropped = false, merged = false;
  std::vector<ParamMap> shapes = kDecoderShapes;
  shapes.push_back({{"minimize", "params"}});
  ForEachDecoding(sources, shapes, "coarse", [&](const Built& b, const Dataset& data,
                                                 const std::string& src) {
    const BitextractDetails& d = Details(b.report);
    EXPECT_TRUE(d.delta && d.coarse) << src;
    EXPECT_EQ(b.report.extras.at("decode"), "coarse") << src;
    dropped |= d.dropped_key_bits > 0;
    merged |= d.capacity < data.n();
    const int64_t n = d.points_per_group, f = d.key_difference_bits, z = d.dropped_key_bits;
    EXPECT_EQ(d.payload_bits, (d.c + 1 + d.rho - z) + (n - 1) * (d.c + 1 + f)) << src;
    if (d.a == 1 && !d.separate_projection) {
      EXPECT_EQ(b.report.network.width, std::max<int64_t>(2 * d.wprime + 2, 6)) << src;
      EXPECT_EQ(b.report.network.depth,
                d.lprime + 4 + (d.c + 1) + d.rho - z + (n - 1) * (d.c + 1 + f + 2)) << src;
    }
  });
  EXPECT_TRUE(dropped) << "no data set let the thresholds drop a key bit";
  EXPECT_TRUE(merged) << "no data set had a shape with fewer slots than points";
  ExpectDeltaFamilyLimits(LoadDataset("synthetic:ball?n=2000&d=5&classes=10&seed=4"), "coarse");
}

// The coarse grouping shifts keys below 2^64 as machine words and longer keys in mpz: keys
// scaled by 2^40 (past 64 bits) group at z + 40 exactly as the short keys group at z.
TEST(Bitextract, CoarseGroupingOfLongKeysIsThatOfShortKeys) {
  std::mt19937_64 rng(3);
  const int64_t n = 3000;
  internal::BitextractKeys small;
  small.projection.order.resize(n);
  std::iota(small.projection.order.begin(), small.projection.order.end(), 0);
  std::shuffle(small.projection.order.begin(), small.projection.order.end(), rng);
  small.t.resize(n);  // m = 0: the keys are T
  std::vector<int64_t> labels(n);
  Integer key = 2;
  int64_t label = 1;
  for (int64_t k = 0; k < n; ++k) {  // increasing keys along the order; runs of equal labels
    key += 1 + int64_t(rng() % (k % 7 == 0 ? 100000 : 50));
    small.t[small.projection.order[k]] = key;
    if (rng() % 3 == 0) label = 1 + int64_t(rng() % 4);
    labels[small.projection.order[k]] = label;
  }
  small.rho = BitLength(Integer(key + 2));
  internal::BitextractKeys big = small;
  for (Integer& x : big.t) x *= Pow2(40);
  big.rho = BitLength(Integer(key * Pow2(40) + 2));
  ASSERT_LE(small.rho, 64);
  ASSERT_GT(big.rho, 64);
  const internal::DeltaGrouping short_keys(small, &labels, 3), long_keys(big, &labels, 3);
  bool forced = false;
  for (int64_t slots : {2, 3, 7})
    for (int z = 0; z < small.rho; ++z)
      for (int f : {1, 4, 9, 20}) {
        const std::vector<int64_t> starts = short_keys.Starts(slots, f, z);
        EXPECT_EQ(starts, long_keys.Starts(slots, f, z + 40)) << slots << " " << f << " " << z;
        forced |= int64_t(starts.size()) > (int64_t(short_keys.SlotStarts().size()) + slots - 1) / slots;
      }
  EXPECT_TRUE(forced) << "no threshold difference forced a split";
}

// Real images, exact: the first 2,000 Fashion-MNIST test images with the delta decoder (the
// grouping keeps every in-group key difference within f bits, checked by the emitter), the
// coarse decoder, and --minimize params (decode auto) trying all three, returning the smallest.
TEST(Bitextract, DeltaDecodersOnFashionMnistSubset) {
  DataOptions first;
  first.limit = 2000;
  Dataset data = LoadDataset("fashion-mnist:test", first);
  Built delta = BuildAndVerify(data, {{"minimize", "params"}, {"decode", "delta"}});
  ExpectVerified(delta, "fashion-mnist:test 2000");
  EXPECT_TRUE(Details(delta.report).delta || Details(delta.report).points_per_group == 1);
  Built b = BuildAndVerify(data, {{"minimize", "params"}, {"decode", "coarse"}});
  ExpectVerified(b, "fashion-mnist:test 2000 coarse");
  EXPECT_TRUE(Details(b.report).coarse);
  Built all = BuildAndVerify(data, {{"minimize", "params"}});
  ExpectVerified(all, "fashion-mnist:test 2000 auto");
  int coarse_tried = 0, delta_tried = 0;
  int64_t smallest = std::numeric_limits<int64_t>::max();
  for (const BitextractCandidate& c : Details(all.report).tried) {
    coarse_tried += c.config.find("coarse(") != std::string::npos;
    delta_tried += c.config.find("delta(") != std::string::npos;
    smallest = std::min(smallest, c.params_nonzero);
  }
  EXPECT_GT(coarse_tried, 0);
  EXPECT_GT(delta_tried, 0);
  EXPECT_EQ(all.report.network.params_nonzero, smallest);
  EXPECT_LE(all.report.network.params_nonzero, b.report.network.params_nonzero);
}

// `mnemo build` of a 600-point ball with bitextract and `args`, exact; its JSON report row.
nlohmann::ordered_json CliRow(const testing::TempDir& dir, const std::vector<std::string>& args) {
  std::vector<std::string> cmd = {"build", "synthetic:ball?n=600&d=5&classes=4&seed=3", "-c",
                                  "bitextract", "-o", dir.Path("net.json"), "--json"};
  cmd.insert(cmd.end(), args.begin(), args.end());
  testing::CliResult r = testing::RunCli(cmd);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  if (r.exit_code != 0) return {};
  nlohmann::ordered_json row = nlohmann::ordered_json::parse(r.out);
  EXPECT_TRUE(row["verification"]["all_correct"].get<bool>());
  return row;
}

// The options a user types reach the construction through the binary.
TEST(Bitextract, MinimizeThroughTheCli) {
  testing::TempDir dir;
  const auto row = CliRow(dir, {"--minimize", "params", "--depth", "300"});
  EXPECT_EQ(row["status"], "success");
  EXPECT_EQ(row["extras"]["minimized"], "params");
  EXPECT_GE(row["extras"]["tried"].size(), 2u);
  testing::CliResult bad = testing::RunCli({"build", "synthetic:ball?n=60&d=2&classes=2", "-c",
                                            "bitextract", "--minimize", "size", "-o",
                                            dir.Path("bad.json")});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--minimize"), std::string::npos) << bad.err;
}

TEST(Bitextract, DecodeThroughTheCli) {
  testing::TempDir dir;
  const auto row = CliRow(dir, {"--decode", "delta", "--width", "6"});
  EXPECT_EQ(row["extras"]["decode"], "delta");
  EXPECT_EQ(row["network"]["width"], 6);
  // auto at width 6 is shallower than the delta decoder alone (the coarse decoder wins there).
  EXPECT_LT(CliRow(dir, {"--width", "6"})["network"]["depth"], row["network"]["depth"]);
  // match: the match decoder; auto: whichever of the three gives the smaller W²L² (here the
  // match decoder at depth 60, the delta decoder at depth 300, the coarse one at width 6).
  for (const auto& [decode, knob, value, want] :
       std::vector<std::array<std::string, 4>>{{"match", "--depth", "150", "match"},
                                               {"auto", "--depth", "60", "match"},
                                               {"auto", "--depth", "300", "delta"},
                                               {"auto", "--width", "6", "coarse"},
                                               {"coarse", "--width", "6", "coarse"}})
    EXPECT_EQ(CliRow(dir, {"--decode", decode, knob, value})["extras"]["decode"], want)
        << decode << knob;
  testing::CliResult bad = testing::RunCli({"build", "synthetic:ball?n=60&d=2&classes=2", "-c",
                                            "bitextract", "--decode", "keys", "-o",
                                            dir.Path("bad.json")});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--decode"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace mnemo
