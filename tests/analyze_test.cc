// Tests for analyze (analyze.h): the least-squares fit and its Student-t interval against a
// hand computation, known exponents recovered from synthetic rows on every axis, the constants
// of a theorem, the bound check flagging a row built to violate a bound (library and CLI), and
// coordinates of rows that did not come from a sweep.
#include <cmath>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "mnemo/analyze.h"
#include "mnemo/error.h"
#include "tests/explore_rows.h"
#include "tests/test_util.h"

namespace mnemo {
namespace {

using ::testing::HasSubstr;
using testing::RunCli;
using testing::SyntheticRows;
using testing::TempDir;

// ln-space points (0, 0), (1, 1), (2, 3): slope 3/2, intercept −1/6, residuals 1/6, −1/3, 1/6,
// RSS 1/6, SE = √(RSS / (3 − 2) / Sxx) = √(1/12), t(0.975, 1) = 12.7062047362.
TEST(FitTest, LeastSquaresAndIntervalAsComputedByHand) {
  const double e = std::exp(1.0);
  PowerFit f = FitPowerLaw({1, e, e * e}, {1, e, std::pow(e, 3)});
  EXPECT_EQ(f.points, 3);
  EXPECT_NEAR(f.exponent, 1.5, 1e-12);
  EXPECT_NEAR(f.prefactor, std::exp(-1.0 / 6), 1e-12);
  EXPECT_NEAR(f.std_error, std::sqrt(1.0 / 12), 1e-12);
  EXPECT_NEAR(f.exponent_high - f.exponent, 12.7062047362 * std::sqrt(1.0 / 12), 1e-8);
  EXPECT_NEAR(f.r2, 1 - (1.0 / 6) / (14.0 / 3), 1e-12);  // SYY = 0² + 1² + 3² − 3·(4/3)²
  // An exact power law: exponent exact, interval of zero width; two points: no interval.
  PowerFit exact = FitPowerLaw({10, 100, 1000}, {3e2, 3e4, 3e6});
  EXPECT_NEAR(exact.exponent, 2, 1e-12);
  EXPECT_NEAR(exact.exponent_high - exact.exponent_low, 0, 1e-9);
  PowerFit two = FitPowerLaw({1, 2}, {1, 4});
  EXPECT_NEAR(two.exponent, 2, 1e-12);
  EXPECT_TRUE(std::isnan(two.exponent_low));
  EXPECT_EQ(FitPowerLaw({5, 5, 5}, {1, 2, 3}).distinct_x, 1);  // nothing to fit
  EXPECT_EQ(FitPowerLaw({1, 2, -3, 0}, {1, 2, 3, 4}).points, 2);  // only positive points
}

TEST(FitTest, SpreadWithMeanInterval) {
  Spread s = SpreadOf({4, 1, 3, 2, NAN});
  EXPECT_EQ(s.count, 4);
  EXPECT_EQ(s.min, 1);
  EXPECT_EQ(s.median, 2.5);
  EXPECT_EQ(s.max, 4);
  EXPECT_EQ(s.mean, 2.5);
  // sd = √(5/3), SE = sd/2, t(0.975, 3) = 3.18244630528.
  EXPECT_NEAR(s.mean_high - s.mean, 3.18244630528 * std::sqrt(5.0 / 3) / 2, 1e-9);
}

const ScalingFit* FindFit(const Analysis& a, const std::string& axis, const std::string& measure,
                          const std::string& fixed_key, const nlohmann::ordered_json& value) {
  for (const ScalingFit& f : a.fits)
    if (f.axis == axis && f.measure == measure && f.fixed.value(fixed_key, nlohmann::ordered_json()) == value)
      return &f;
  return nullptr;
}

void ExpectExponent(const ScalingFit* f, double truth, double max_half_width) {
  ASSERT_NE(f, nullptr);
  SCOPED_TRACE(f->axis + " " + f->measure + " " + f->fixed.dump());
  EXPECT_LE(f->fit.exponent_low, truth);
  EXPECT_GE(f->fit.exponent_high, truth);
  EXPECT_LT(f->fit.exponent_high - f->fit.exponent, max_half_width);
}

TEST(AnalyzeTest, RecoversKnownExponentsOnEveryAxis) {
  for (double e_delta : {1.0, 2.0}) {
    SCOPED_TRACE(e_delta);
    Analysis a = Analyze(SyntheticRows(e_delta));
    EXPECT_EQ(a.rows, 60);
    EXPECT_EQ(a.built, 60);
    // Against N at fixed δ and depth: W²L² ∝ N, nonzero parameters ∝ √N, bits ∝ N.
    ExpectExponent(FindFit(a, "N", "w2l2", "delta", 1e-4), 1.0, 0.05);
    ExpectExponent(FindFit(a, "N", "params_nonzero", "delta", 1e-8), 0.5, 0.05);
    ExpectExponent(FindFit(a, "N", "total_weight_bits", "depth", 40), 1.0, 0.05);
    // Against log2(1/δ) at fixed N: W²L² ∝ log2(1/δ)^e_delta.
    ExpectExponent(FindFit(a, "log2(1/delta)", "w2l2", "n", 4000), e_delta, 0.1);
    // W against L at fixed N and δ: W ∝ 1/L, W²L² flat.
    ExpectExponent(FindFit(a, "L", "width", "n", 16000), -1.0, 0.1);
    ExpectExponent(FindFit(a, "L", "w2l2", "n", 16000), 0.0, 0.3);
    // The depth asked is held fixed: no fit of depth against N.
    EXPECT_EQ(FindFit(a, "N", "depth", "delta", 1e-4), nullptr);
  }
}

TEST(AnalyzeTest, ConstantsOfTheTheoremWithTheirSpread) {
  std::vector<Row> rows = SyntheticRows();
  Analysis a = Analyze(rows);
  ASSERT_EQ(a.constants.size(), 1u);
  const ConstantSummary& c = a.constants[0];
  EXPECT_EQ(c.construction, "toy");
  EXPECT_EQ(c.ratio.count, 60);
  EXPECT_NEAR(c.ratio.median, 7, 0.35);  // 7·(1 ± 3% noise, W rounded)
  EXPECT_LT(c.ratio.min, c.ratio.median);
  EXPECT_GT(c.ratio.max, c.ratio.median);
  EXPECT_LT(c.ratio.mean_low, c.ratio.mean);
  AnalyzeOptions by_depth;
  by_depth.constants_by = {"depth"};
  Analysis split = Analyze(rows, by_depth);
  ASSERT_EQ(split.constants.size(), 2u);
  EXPECT_EQ(split.constants[0].by["depth"], 10);
  EXPECT_EQ(split.constants[0].ratio.count, 30);
}

TEST(AnalyzeTest, BoundCheckFlagsARowBuiltToViolateABound) {
  std::vector<Row> rows = SyntheticRows();
  Analysis ok = Analyze(rows);
  EXPECT_EQ(ok.Violated(), 0);
  ASSERT_EQ(ok.bounds.size(), 2u);
  EXPECT_EQ(ok.bounds[0].unknown, 60);  // the upper bound has no constant: no verdict
  EXPECT_EQ(ok.bounds[1].holds, 60);
  // 10 bits cannot hold the labels of 1000 points with 10 classes.
  Report& bad = rows[7].report;
  bad.network.total_weight_bits = 10;
  bad.theory[1].measured = 10;
  Analysis a = Analyze(rows);
  EXPECT_EQ(a.Violated(), 1);
  EXPECT_EQ(a.bounds[1].violated, 1);
  int flagged = 0;
  for (const BoundCheck& c : a.checks)
    if (c.holds && !*c.holds) {
      ++flagged;
      EXPECT_EQ(c.where, rows[7].where);
      EXPECT_NEAR(c.bound.Ratio(), 10 / (1000 * std::log2(10.0)), 1e-12);
    }
  EXPECT_EQ(flagged, 1);
  EXPECT_EQ(a.ToJson()["violated"], 1);
  // Through the binary: exit 1 and the row named.
  TempDir tmp;
  std::vector<Report> reports;
  for (const Row& r : rows) reports.push_back(r.report);
  WriteRows(tmp.Path("rows.jsonl"), reports);
  testing::CliResult r = RunCli({"analyze", tmp.Path("rows.jsonl")});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.out, HasSubstr("1 BOUND CHECKS VIOLATED"));
  EXPECT_THAT(r.out, HasSubstr("VIOLATED " + tmp.Path("rows.jsonl") + ":8: toy lower"));
  EXPECT_THAT(r.out, HasSubstr("59 hold, 1 VIOLATED"));
  r = RunCli({"analyze", tmp.Path("rows.jsonl"), "--json"});
  EXPECT_EQ(r.exit_code, 1);
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["violated"], 1);
  EXPECT_EQ(j["checks"].size(), 120u);
  r = RunCli({"analyze", tmp.Path("rows.jsonl"), "--csv", "--only", "fits"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out.rfind("axis,construction,fixed,measure,points,exponent", 0), 0u) << r.out;
  r = RunCli({"analyze", tmp.Path("rows.jsonl"), "--where", "n=1000", "--where", "depth=40",
              "--only", "constants", "--json"});
  EXPECT_EQ(r.exit_code, 1);  // the violated row is in the selection
  EXPECT_EQ(nlohmann::json::parse(r.out)["constants"][0]["ratio"]["count"], 6);
}

TEST(AnalyzeTest, CoordinatesOfRowsFromBuildAndTradeoff) {
  Report r;
  r.construction = "bitextract";
  r.data = {"synthetic:grid?n=2000&d=16&delta=1e-6&classes=10", 2000, 2000, 16, 10, 3e-7, false};
  r.options = {{"width", nullptr}, {"depth", 40}, {"tries", 20}};
  r.seed = 3;
  nlohmann::ordered_json c = Coordinates(r);
  EXPECT_EQ(c["data"], "synthetic:grid");
  EXPECT_EQ(c["n"], 2000);
  EXPECT_EQ(c["delta"], 1e-6);
  EXPECT_EQ(c["depth"], 40);
  EXPECT_FALSE(c.contains("width"));
  EXPECT_EQ(c["seed"], 3);
  EXPECT_EQ(DescribeCoordinates(c, {"construction", "data"}),
            "n=2000 d=16 classes=10 delta=1e-06 depth=40 tries=20 seed=3");
  EXPECT_THROW(FilterRows({}, {}, {"depth"}), Error);
}

TEST(AnalyzeTest, TradeoffJsonOfTheCliIsReadAndAnalyzed) {
  TempDir tmp;
  testing::CliResult t = RunCli({"tradeoff", "synthetic:grid?n=300&d=8&delta=1e-6&classes=4",
                                 "--depths", "8,16,32", "--json"});
  ASSERT_EQ(t.exit_code, 0) << t.err;
  testing::WriteText(tmp.Path("t.json"), t.out);
  std::vector<Row> rows = ReadRows(tmp.Path("t.json"));
  ASSERT_EQ(rows.size(), 3u);
  Analysis a = Analyze(rows);
  const ScalingFit* f = FindFit(a, "L", "width", "n", 300);
  ASSERT_NE(f, nullptr);
  EXPECT_LT(f->fit.exponent, 0);  // wider when shallower
  testing::CliResult r = RunCli({"analyze", tmp.Path("t.json")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("bitextract against L"));
}

}  // namespace
}  // namespace mnemo
