// Tests for mnemo/report.h and mnemo/bounds.h: statuses, bounds with and without constants,
// the one-line and full texts, and the JSON row round trip.
#include "mnemo/report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "mnemo/bounds.h"
#include "mnemo/error.h"

namespace mnemo {
namespace {

using ::testing::HasSubstr;

Report Sample() {
  Report r;
  r.construction = "demo";
  r.status = Status::kSuccess;
  r.seed = 7;
  r.options = {{"depth", 40}};
  r.depth_asked = 40;
  r.network.depth = 40;
  r.network.width = 12;
  r.network.params_nonzero = 300;
  r.data = {"synthetic:ball?n=100", 100, 100, 4, 10, 0.01, false};
  Bound b;
  b.measure = "w2l2";
  b.formula = "W²L² ≤ c·N·log2(1/δ)";
  b.tag = "paper";
  b.scale = 664.4;
  b.measured = Measure(r.network, "w2l2");
  r.AddBound(b);
  r.verification = {true, true, 100, 0, "1/2"};
  r.failed_attempts.push_back({1, 7, "two points tie", "retry with a new seed"});
  r.timings.Add("build", 0.5);
  r.timings.Add("build", 0.25);
  r.SetExtra("points_per_group", 3);
  return r;
}

TEST(ReportTest, StatusNamesRoundTrip) {
  for (Status s : {Status::kNotRun, Status::kSuccess, Status::kInfeasible, Status::kDoesNotApply,
                   Status::kBudgetExceeded, Status::kFailed})
    EXPECT_EQ(ParseStatus(ToString(s)), s);
  EXPECT_EQ(ToString(Status::kDoesNotApply), "does not apply");
  EXPECT_THROW(ParseStatus("fine"), Error);
  EXPECT_EQ(Report{}.status, Status::kNotRun);
}

TEST(ReportTest, BoundsClaimAVerdictOnlyWithAConstant) {
  Bound b;
  b.scale = 10;
  b.measured = 25;
  EXPECT_DOUBLE_EQ(b.Ratio(), 2.5);
  EXPECT_FALSE(b.Holds());
  b.constant = 3;
  EXPECT_EQ(b.Holds(), true);
  b.constant = 2;
  EXPECT_EQ(b.Holds(), false);
  b.kind = Bound::Kind::kLower;
  EXPECT_EQ(b.Holds(), true);
}

TEST(ReportTest, MeasuresByName) {
  NetworkStats s;
  s.width = 3;
  s.depth = 5;
  s.total_weight_bits = 77;
  EXPECT_EQ(Measure(s, "w2l2"), 225);
  EXPECT_EQ(Measure(s, "total_weight_bits"), 77);
  EXPECT_THROW(Measure(s, "area"), Error);
}

TEST(ReportTest, BriefAndFullFitOneHundredColumns) {
  Report r = Sample();
  EXPECT_EQ(r.Brief(),
            "demo: success, W = 12, L = 40, 300 nonzero parameters, verified 100/100 rows exactly");
  const std::string full = r.Full();
  EXPECT_THAT(full, HasSubstr("points_per_group 3"));
  EXPECT_THAT(full, HasSubstr("build 0.75 s"));
  EXPECT_THAT(full, HasSubstr("two points tie"));
  size_t start = 0;
  while (start < full.size()) {
    size_t end = full.find('\n', start);
    std::string line = full.substr(start, end - start);
    size_t cols = 0;
    for (unsigned char c : line) cols += (c & 0xC0) != 0x80;
    EXPECT_LE(cols, 100u) << line;
    start = end + 1;
  }
  r.Fail(Status::kInfeasible, "two points project together");
  EXPECT_EQ(r.Brief(), "demo: infeasible: two points project together");
}

TEST(ReportTest, JsonRowRoundTrips) {
  Report r = Sample();
  nlohmann::ordered_json j = r.ToJson();
  EXPECT_EQ(j["network"]["width"], 12);
  EXPECT_EQ(j["asked"]["depth"], 40);
  EXPECT_TRUE(j["asked"]["width"].is_null());
  EXPECT_TRUE(j["theory"][0]["holds"].is_null());
  EXPECT_TRUE(j["theory"][0]["constant"].is_null());
  Report back = Report::FromJson(j, "row 1");
  EXPECT_EQ(back.ToJson().dump(), j.dump());
  EXPECT_THROW(Report::FromJson({{"status", "success"}}, "row 2"), Error);
}

TEST(BoundsTest, LowerBoundsForClassesOnly) {
  Network net;
  Layer hidden;
  hidden.inputs = 2;
  hidden.outputs = 3;
  hidden.activation.kind = Activation::kRelu;
  hidden.row_ptr = {0, 0, 0, 0};
  hidden.bias = {1, 1, 1};
  Layer out = hidden;
  out.inputs = 3;
  out.outputs = 1;
  out.activation.kind = Activation::kIdentity;
  out.row_ptr = {0, 0};
  out.bias = {1};
  net.layers = {hidden, out};
  DataSummary classes{"x", 64, 64, 2, 4, 0.125, true};
  std::vector<Bound> b = LowerBounds(classes, net);
  ASSERT_GE(b.size(), 4u);
  EXPECT_EQ(b[0].measure, "total_weight_bits");
  EXPECT_DOUBLE_EQ(b[0].scale, 128);  // 64·log2 4
  EXPECT_EQ(b[0].Holds(), false);     // 4 one-bit biases cannot hold 128 label bits
  for (const Bound& x : b) EXPECT_EQ(x.kind, Bound::Kind::kLower);
  DataSummary real{"x", 64, 64, 2, 0, 0.125, true};
  EXPECT_TRUE(LowerBounds(real, net).empty());
}

}  // namespace
}  // namespace mnemo
