// Tests for mnemo/pipeline.h: provenance stamped on the network, "does not apply" for real
// targets, the separation used by the bounds, and the one build–verify–retry policy (with
// constructions made in the test: one that fails its first attempts, one whose network is wrong).
#include "mnemo/pipeline.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "mnemo/assembler.h"
#include "mnemo/verify.h"

namespace mnemo {
namespace {

using ::testing::HasSubstr;

TEST(PipelineTest, StampsProvenanceAndVerifies) {
  Dataset data = LoadDataset("synthetic:gaussian-clusters?n=80&d=3&classes=3&seed=2");
  RunOptions run;
  run.seed = 17;
  RunResult r = RunConstruction("zhang", {{"tries", "4"}}, data, run);
  ASSERT_TRUE(r.network);
  const Network& net = *r.network;
  EXPECT_EQ(r.report.status, Status::kSuccess);
  EXPECT_EQ(r.report.construction, "zhang");
  EXPECT_EQ(r.report.seed, 17u);
  EXPECT_TRUE(r.report.verification.run);
  EXPECT_TRUE(r.report.verification.all_correct);
  EXPECT_EQ(r.report.verification.checked, 80);
  EXPECT_EQ(r.report.data.n, 80);
  EXPECT_GT(r.report.data.delta, 0);
  EXPECT_EQ(r.report.network.depth, net.Stats().depth);
  EXPECT_EQ(net.construction, "zhang");
  EXPECT_EQ(net.seed, 17u);
  EXPECT_EQ(net.options["tries"], 4);
  EXPECT_EQ(net.class_values, data.class_values);
  EXPECT_EQ(net.dataset.hash, data.Fingerprint().hash);
  InputMap map = ComputeNormalization(data);
  EXPECT_EQ(net.input.center, map.center);
  EXPECT_EQ(net.input.scale_log2, map.scale_log2);
  EXPECT_EQ(net.report["status"], "success");
  EXPECT_EQ(net.report["extras"]["projection_tries"], 4);
  EXPECT_FALSE(net.report.contains("timings_s"));  // timings stay out of the file
  EXPECT_GT(r.report.timings.Get("build"), 0);
  EXPECT_GE(r.report.timings.Get("total"), r.report.timings.Get("build"));
  // Lower bounds follow the construction's own bound, all measured.
  ASSERT_GE(r.report.theory.size(), 2u);
  EXPECT_EQ(r.report.theory[0].kind, Bound::Kind::kUpper);
  for (const Bound& b : r.report.theory) EXPECT_TRUE(std::isfinite(b.measured)) << b.formula;
}

TEST(PipelineTest, ClassOnlyConstructionsDoNotApplyToRealTargets) {
  RowMatrix x(3, 1);
  x << 0, 1, 2;
  Dataset data = MakeDataset("r.csv", x, {1, 2, 2.5});
  RunResult r = RunConstruction("bitextract", {}, data);
  EXPECT_FALSE(r.network);
  EXPECT_EQ(r.report.status, Status::kDoesNotApply);
  EXPECT_THAT(r.report.reason, HasSubstr("r.csv row 2: label 2.5 is not an integer class"));
}

TEST(PipelineTest, ExactDeltaOnRequest) {
  Dataset data = LoadDataset("synthetic:grid?n=30&d=2&delta=0.0078125");
  RunOptions run;
  run.exact_delta = true;
  RunResult r = RunConstruction("zhang", {}, data, run);
  ASSERT_TRUE(r.network);
  EXPECT_TRUE(r.report.data.delta_exact);
  EXPECT_DOUBLE_EQ(r.report.data.delta,
                   ComputeExactSeparation(data, ComputeNormalization(data)).delta);
}

// A construction for the retry tests: outputs the constant `value` (right only when every label
// is `value`) and is infeasible on its first `fail_first` attempts.
struct FakeOptions {
  int64_t value = 0;
  int fail_first = 0;
  std::string remedy;
  template <class V>
  void Visit(V& v) {
    v("value", &value, "V", "the constant output");
    v("fail-first", &fail_first, "K", "attempts that fail");
    v("remedy", &remedy, "R", "what a failed attempt says the next one changes");
  }
  bool IsValid(std::string*) const { return true; }
};

std::optional<Network> BuildFake(const FakeOptions& o, const BuildContext& ctx, Report* report) {
  report->SetExtra("attempt", ctx.attempt);
  int64_t remedies_seen = 0;
  for (const Attempt& a : *ctx.failed_attempts) remedies_seen += a.remedy == o.remedy;
  report->SetExtra("remedies_seen", remedies_seen);
  if (ctx.attempt <= o.fail_first) {
    report->Fail(Status::kInfeasible, fmt::format("attempt {} fails", ctx.attempt));
    report->remedy = o.remedy;
    return std::nullopt;
  }
  Bound own;  // a measure the network statistics do not carry, measured by the construction
  own.measure = "fake_units";
  own.scale = 2;
  own.measured = 1;
  report->AddBound(own);
  Assembler a(int32_t(ctx.data.d()));
  a.Output(Form::Constant(Rational(o.value)));
  return a.Compile();
}

Construction Fake(int attempts) {
  Construction c;
  c.name = "fake";
  c.summary = c.bound = c.citation = "test";
  c.needs_classes = false;
  c.default_attempts = attempts;
  return MakeConstruction<FakeOptions>(std::move(c), BuildFake);
}

TEST(PipelineTest, RetriesWithNewSeedsUntilAnAttemptSucceeds) {
  RowMatrix x(2, 1);
  x << 0, 1;
  Dataset data = MakeDataset("two", x, {0, 0});
  const Construction c = Fake(3);
  RunResult r = RunConstruction(c, c.parse({{"fail-first", "2"}}), data);
  ASSERT_TRUE(r.network);
  EXPECT_TRUE(r.report.ok());
  EXPECT_EQ(r.report.extras["attempt"], 3);
  ASSERT_EQ(r.report.failed_attempts.size(), 2u);
  EXPECT_EQ(r.report.failed_attempts[0].failure, "attempt 1 fails");
  EXPECT_NE(r.report.failed_attempts[0].seed, r.report.failed_attempts[1].seed);
  EXPECT_EQ(r.report.failed_attempts[0].remedy, "retry with a new seed");
  EXPECT_EQ(r.report.theory[0].measure, "fake_units");
  EXPECT_EQ(r.report.theory[0].measured, 1);
  RunOptions once;
  once.attempts = 2;
  RunResult s = RunConstruction(c, c.parse({{"fail-first", "2"}}), data, once);
  EXPECT_FALSE(s.network);
  EXPECT_EQ(s.report.status, Status::kInfeasible);
}

TEST(PipelineTest, TheConstructionsRemedyIsRecordedAndComesBack) {
  RowMatrix x(2, 1);
  x << 0, 1;
  Dataset data = MakeDataset("two", x, {0, 0});
  const Construction c = Fake(3);
  RunResult r = RunConstruction(c, c.parse({{"fail-first", "2"}, {"remedy", "widen"}}), data);
  ASSERT_TRUE(r.network);
  ASSERT_EQ(r.report.failed_attempts.size(), 2u);
  for (const Attempt& a : r.report.failed_attempts) EXPECT_EQ(a.remedy, "widen");
  EXPECT_EQ(r.report.extras["remedies_seen"], 2);  // the third attempt saw both
  EXPECT_TRUE(r.report.remedy.empty());
}

TEST(PipelineTest, AWrongNetworkFailsVerificationAndIsNotReturned) {
  RowMatrix x(2, 1);
  x << 0, 1;
  Dataset data = MakeDataset("two", x, {0, 1});
  const Construction c = Fake(2);
  RunResult r = RunConstruction(c, c.parse({{"value", "0"}}), data);
  EXPECT_FALSE(r.network);
  EXPECT_EQ(r.report.status, Status::kFailed);
  EXPECT_THAT(r.report.reason, HasSubstr("exact verification found 1 wrong of 2 rows"));
  EXPECT_EQ(r.report.failed_attempts.size(), 1u);
  RunOptions unverified;
  unverified.verify = false;
  RunResult u = RunConstruction(c, c.parse({{"value", "0"}}), data, unverified);
  EXPECT_TRUE(u.network);
  EXPECT_FALSE(u.report.verification.run);
}

// Every construction states a size bound — the theorem's (tag "paper") or, where mnemo builds a
// variant, its own (tag "derived") — possibly beside bounds of its layout; the pipeline fills what was measured (or keeps what the construction measured
// itself: vershynin's deep connections, yun's layer widths), so `mnemo analyze` can give each
// construction's constant.
TEST(PipelineTest, EveryConstructionStatesItsTheoremBound) {
  const std::set<std::string> own = {"deep_connections", "d1", "d2"};
  Dataset data = LoadDataset("synthetic:sphere?n=200&d=8&classes=2&seed=3");
  for (const Construction& c : Registry()) {
    SCOPED_TRACE(c.name);
    RunResult r = RunConstruction(c.name, {}, data);
    ASSERT_TRUE(r.report.ok()) << r.report.reason;
    int upper = 0;
    for (const Bound& b : r.report.theory) {
      if (b.kind != Bound::Kind::kUpper) continue;
      ++upper;
      EXPECT_GT(b.scale, 0) << b.formula;
      EXPECT_GT(b.measured, 0) << b.formula;
      EXPECT_GT(b.Ratio(), 0) << b.formula;
      if (!own.count(b.measure)) {
        EXPECT_EQ(b.measured, Measure(r.report.network, b.measure));
      }
    }
    EXPECT_GE(upper, 1);
  }
}

}  // namespace
}  // namespace mnemo
