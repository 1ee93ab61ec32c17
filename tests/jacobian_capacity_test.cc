// Tests for jacobian_capacity.h and two_layer_capacity_bounds.h, and the `rank` and `capacity`
// commands end to end: thresholds decided by proofs for every kind of σ, honest verdicts for
// relu and step (never a false refutation), bounds on memory capacity.
#include "mnemo/jacobian_capacity.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <random>

#include "mnemo/error.h"
#include "mnemo/two_layer_capacity_bounds.h"
#include "tests/test_util.h"

namespace mnemo {
namespace {

using testing::RunCli;
using testing::TempDir;

JacobianCapacityReport Capacity(const std::string& act, int64_t m, int64_t d) {
  JacobianCapacityOptions o;
  o.activation = TwoLayerActivation::Parse(act);
  o.m = m;
  o.d = d;
  return ComputeJacobianCapacity(o);
}

void ExpectThresholds(const JacobianCapacityReport& r, std::vector<int64_t> expected) {
  ASSERT_EQ(r.rows.size(), 4u);
  for (size_t k = 0; k < 4; ++k) {
    SCOPED_TRACE(r.rows[k].quantity);
    EXPECT_TRUE(r.rows[k].Decided()) << r.ToText();
    EXPECT_EQ(r.rows[k].lower, expected[k]);
    EXPECT_EQ(r.rows[k].upper, expected[k]);
  }
}

TEST(JacobianCapacityTest, TanhThresholdsAreProvenAndTheConjectureConfirmed) {
  JacobianCapacityReport r = Capacity("tanh", 6, 4);
  ExpectThresholds(r, {24, 36, 12, 18});  // md, m(d+2), (m/2)d, (m/2)(d+2)
  EXPECT_EQ(r.upper.value, 36);
  EXPECT_EQ(r.theorem_bound, 12);
  EXPECT_TRUE(r.hypotheses.Hold());
  EXPECT_EQ(r.jacobian_lower, 18);
  EXPECT_EQ(r.conjecture.kind, VerdictKind::kConfirmed) << r.ToText();
  for (const auto& row : r.rows) EXPECT_EQ(row.certificate.rfind("ball", 0), 0u);
}

TEST(JacobianCapacityTest, ReluAtTwentyByTenIsDecidedAndNotRefuted) {
  JacobianCapacityReport r = Capacity("relu", 20, 10);
  ExpectThresholds(r, {200, 220, 100, 110});  // md, m(d+1), (m/2)d, (m/2)(d+1)
  for (const auto& row : r.rows) EXPECT_EQ(row.certificate.rfind("exact", 0), 0u);
  EXPECT_FALSE(r.hypotheses.Hold());  // degree 1 at every analytic point
  EXPECT_EQ(r.hypotheses.degree_bound, 10);
  EXPECT_EQ(r.upper.value, 220);
  EXPECT_EQ(r.jacobian_lower, 0);  // relu is not analytic: no statement for almost every X
  EXPECT_EQ(r.conjecture.kind, VerdictKind::kNotDecided) << r.ToText();
  EXPECT_EQ(r.ToText().find("refuted"), std::string::npos);
  // Constructive evidence: bubeck, 4 ReLUs per group of ≤ d points, verified exactly.
  EXPECT_EQ(r.construction.construction, "bubeck");
  EXPECT_GE(r.construction.n, 40);
  EXPECT_LE(r.construction.hidden, 20);
}

TEST(JacobianCapacityTest, StepAtTwentyByTenIsDecidedAndNotRefuted) {
  JacobianCapacityReport r = Capacity("step", 20, 10);
  ExpectThresholds(r, {0, 20, 0, 10});  // σ′ = 0: only the v-columns, equal in pairs
  EXPECT_EQ(r.upper.value, 20);         // real labels: finitely many m-dimensional subspaces
  EXPECT_EQ(r.hypotheses.local_degree, 0);
  EXPECT_EQ(r.conjecture.kind, VerdictKind::kNotDecided) << r.ToText();
  EXPECT_NE(r.conjecture.evidence.find("MC ≤ 20 < 120"), std::string::npos);
  // Baum: two-class labels, the minority class in slab pairs: about md points with m units.
  EXPECT_EQ(r.construction.construction, "baum");
  EXPECT_GE(r.construction.n, 100);
  EXPECT_LE(r.construction.hidden, 20);
}

TEST(JacobianCapacityTest, OtherActivations) {
  ExpectThresholds(Capacity("leaky-relu", 4, 3), {12, 16, 6, 8});
  ExpectThresholds(Capacity("hard-tanh", 4, 3), {12, 20, 6, 10});
  JacobianCapacityReport e = Capacity("exp", 4, 3);
  ExpectThresholds(e, {12, 16, 6, 8});  // σ′ = σ: m(d+1) random, (m/2)(d+1) paired
  EXPECT_EQ(e.upper.value, 16);
  // t³ at (m, d) = (4, 3): C(k+d, d) = 20 caps the random all-parameter rank at m(d+1) = 16.
  JacobianCapacityReport c = Capacity("poly:3", 4, 3);
  EXPECT_EQ(c.rows[1].upper, 16);
  EXPECT_TRUE(c.rows[1].Decided());
  EXPECT_EQ(c.upper.value, 16);
}

TEST(JacobianCapacityTest, TheoremHypotheses) {
  // Transcendental: no degree condition. t²: C(2+d−1, d−1) = C(d+1, 2) ≥ n.
  EXPECT_TRUE(CheckTheoremHypotheses(TwoLayerActivation::Parse("sigmoid"), 10, 1000).Hold());
  EXPECT_TRUE(CheckTheoremHypotheses(TwoLayerActivation::Parse("poly:2"), 10, 55).Hold());
  EXPECT_FALSE(CheckTheoremHypotheses(TwoLayerActivation::Parse("poly:2"), 10, 56).Hold());
  EXPECT_TRUE(CheckTheoremHypotheses(TwoLayerActivation::Parse("relu"), 10, 10).Hold());
  EXPECT_FALSE(CheckTheoremHypotheses(TwoLayerActivation::Parse("relu"), 10, 11).Hold());
  EXPECT_EQ(ProvenCapacityUpperBound(TwoLayerActivation::Parse("poly:2"), 20, 10).value, 66);
  EXPECT_EQ(ProvenCapacityUpperBound(TwoLayerActivation::Parse("tanh"), 20, 10).value, 240);
}

// ---- CLI end to end --------------------------------------------------------------------------

TEST(JacobianCliTest, RankJsonAndExitCodes) {
  auto r = RunCli({"rank", "--activation", "poly:4", "--m", "5", "--d", "3", "--n", "20", "--wrt",
                   "weights", "--bias", "zero", "--certify", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["predicted"]["rank"], 14);
  EXPECT_EQ(j["certificate"]["kind"], "mod-p");
  EXPECT_EQ(j["certificate"]["rank"], 14);
  EXPECT_EQ(j["certificate"]["proof"], true);
  EXPECT_EQ(j["rank_decided"], true);
  EXPECT_EQ(j["contradiction"], false);
  auto bad = RunCli({"rank", "--activation", "nope", "--m", "2", "--d", "2", "--n", "3"});
  EXPECT_EQ(bad.exit_code, 2);
  auto text =
      RunCli({"rank", "--activation", "tanh", "--m", "4", "--d", "3", "--n", "12", "--certify"});
  EXPECT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("certificate"), std::string::npos);
}

TEST(JacobianCliTest, CapacityGridCsvToStdoutAndFile) {
  TempDir dir;
  auto r = RunCli({"capacity", "--activation", "tanh", "--grid", "2..3x2", "--csv"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(testing::CountLines(r.out), 3);  // header + 2 rows
  EXPECT_NE(r.out.find("2,2,2,4,8,2,4,4,8,confirmed,"), std::string::npos) << r.out;
  auto f = RunCli(
      {"capacity", "--activation", "tanh", "--grid", "2x2", "--csv", "-o", dir.Path("g.csv")});
  ASSERT_EQ(f.exit_code, 0) << f.err;
  EXPECT_EQ(f.out, "");
  EXPECT_NE(testing::ReadText(dir.Path("g.csv")).find("2,2,2,4,8,2,4,4,8,confirmed,"),
            std::string::npos);
}

TEST(JacobianCliTest, CapacityReluAndStepPrintRealThresholdsAndNoFalseVerdict) {
  for (const char* act : {"relu", "step"}) {
    SCOPED_TRACE(act);
    auto r = RunCli({"capacity", "--activation", act, "--m", "20", "--d", "10"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out.find("refuted"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("-1"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("not decided"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("exact"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("construction: "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(std::string("relu") == act ? "220" : "20"), std::string::npos);
    auto j = RunCli({"capacity", "--activation", act, "--m", "20", "--d", "10", "--json"});
    ASSERT_EQ(j.exit_code, 0) << j.err;
    auto json = nlohmann::json::parse(j.out);
    for (const auto& row : json["thresholds"]) {
      EXPECT_TRUE(row["decided"].get<bool>()) << row.dump();
      EXPECT_GE(row["lower"].get<int64_t>(), 0);
    }
    EXPECT_EQ(json["conjecture"]["verdict"], "not decided");
  }
}

TEST(JacobianCliTest, RankTanhCertifyIsABallProof) {
  auto r = RunCli({"rank", "--activation", "tanh", "--m", "20", "--d", "10", "--n", "240",
                   "--certify", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["certificate"]["kind"], "ball");
  EXPECT_EQ(j["certificate"]["proof"], true);
  EXPECT_EQ(j["certificate"]["rank"], 240);
  EXPECT_GE(j["certificate"]["precision_bits"].get<int>(), 64);
  EXPECT_EQ(j["float_evidence"]["proof"], false);
  EXPECT_EQ(j["rank_decided"], true);
}

TEST(JacobianCliTest, OutputFitsAHundredColumnsAndBadInputIsOneLine) {
  auto wide = [](const std::string& text) {
    size_t start = 0, worst = 0;
    while (start < text.size()) {
      size_t end = text.find('\n', start);
      if (end == std::string::npos) end = text.size();
      size_t width = 0;
      for (size_t k = start; k < end; ++k)
        width += (static_cast<unsigned char>(text[k]) & 0xC0) != 0x80;
      worst = std::max(worst, width);
      start = end + 1;
    }
    return worst;
  };
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"rank", "--help"},
           {"capacity", "--help"},
           {"capacity", "--activation", "relu", "--m", "6", "--d", "4"},
           {"capacity", "--grid", "2..3x2..3"},
           {"rank", "--activation", "sigmoid", "--m", "6", "--d", "3", "--n", "20", "--certify"}}) {
    auto r = RunCli(args);
    EXPECT_EQ(r.exit_code, 0) << args[0] << r.err;
    EXPECT_LE(wide(r.out), 100u) << r.out;
    EXPECT_EQ(r.out.find("§"), std::string::npos);
    EXPECT_EQ(r.out.find("design/"), std::string::npos);
  }
  TempDir dir;
  for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
           {"capacity", "--activation", "linear", "--m", "2", "--d", "2"},
           {"capacity", "--m", "2", "--d", "2", "--csv"},
           {"capacity", "--grid", "2x2", "--csv", "--json"},
           {"capacity", "--grid", "2..1x2"},
           {"capacity", "--m", "2", "--d", "2", "-o", dir.Path("no/such/dir/out.txt")},
           {"rank", "--m", "2", "--d", "2", "--n", "3", "--certificate", "maybe"},
           {"rank", "--activation", "identity", "--m", "2", "--d", "2", "--n", "3"}}) {
    auto r = RunCli(args);
    EXPECT_EQ(r.exit_code, 2) << args[0] << r.out;
    EXPECT_EQ(testing::CountLines(r.err), 1) << r.err;
    EXPECT_EQ(r.out, "");
  }
}

}  // namespace
}  // namespace mnemo
