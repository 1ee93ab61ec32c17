// Tests for mnemo/construction.h: typed params, the registry, BuildNetwork's checks and the
// provenance it stamps, reports.
#include "mnemo/construction.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "mnemo/error.h"
#include "mnemo/verify.h"

namespace mnemo {
namespace {

using ::testing::HasSubstr;

template <typename F>
std::string ErrorOf(F f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(ParamsTest, TypedAccessWithFallbacksAndPlacedErrors) {
  ParamMap map = {{"width", "12"}, {"eta", "0.25"}, {"flag", "true"}, {"off", "no"},
                  {"list", "1,2,3"}, {"names", "a,b"}, {"bad", "x1"}, {"hole", "1,,2"}};
  Params p(map);
  EXPECT_TRUE(p.Has("width"));
  EXPECT_FALSE(p.Has("depth"));
  EXPECT_EQ(p.Int("width", 0), 12);
  EXPECT_EQ(p.Int("depth", 5), 5);
  EXPECT_EQ(p.Real("eta", 1), 0.25);
  EXPECT_TRUE(p.Bool("flag", false));
  EXPECT_FALSE(p.Bool("off", true));
  EXPECT_EQ(p.IntList("list"), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(p.StringList("names"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(p.String("missing", "dflt"), "dflt");
  EXPECT_THAT(ErrorOf([&] { p.Int("bad", 0); }), HasSubstr("--bad: expected an integer, got \"x1\""));
  EXPECT_THAT(ErrorOf([&] { p.Real("bad", 0); }), HasSubstr("--bad: expected a number"));
  EXPECT_THAT(ErrorOf([&] { p.Bool("bad", false); }), HasSubstr("--bad: expected true or false"));
  EXPECT_THAT(ErrorOf([&] { p.IntList("hole"); }), HasSubstr("--hole: empty item"));
  EXPECT_THAT(ErrorOf([&] { p.IntList("names"); }), HasSubstr("--names: expected integers"));
}

TEST(RegistryTest, ListsZhangAndRejectsUnknownNames) {
  ASSERT_FALSE(Registry().empty());
  const Construction& z = FindConstruction("zhang");
  EXPECT_EQ(z.name, "zhang");
  EXPECT_FALSE(z.needs_classes);
  EXPECT_FALSE(z.bound.empty());
  EXPECT_FALSE(z.citation.empty());
  for (const Construction& c : Registry()) {
    EXPECT_FALSE(c.summary.empty()) << c.name;
    EXPECT_TRUE(c.build) << c.name;
  }
  EXPECT_THAT(ErrorOf([] { FindConstruction("nope"); }),
              HasSubstr("unknown construction \"nope\" (known: zhang"));
}

TEST(BuildNetworkTest, RejectsUnknownOptionsListingTheKnownOnes) {
  Dataset data = LoadDataset("synthetic:sphere?n=20&d=2");
  Report report;
  EXPECT_THAT(ErrorOf([&] { BuildNetwork("zhang", data, {{"widht", "3"}}, 1, &report); }),
              HasSubstr("--widht: not an option of construction zhang (its options: --tries)"));
}

TEST(BuildNetworkTest, ClassOnlyConstructionsRejectRealTargetsNamingTheRow) {
  // The registry is one explicit static list, so a fake construction cannot be added from a
  // test; use any registered construction that needs classes.
  const Construction* needs = nullptr;
  for (const Construction& c : Registry())
    if (c.needs_classes) { needs = &c; break; }
  if (!needs) GTEST_SKIP() << "no registered construction needs classes";
  RowMatrix x(3, 1);
  x << 0, 1, 2;
  Dataset data = MakeDataset("r.csv", x, {1, 2, 2.5});
  Report report;
  EXPECT_THAT(ErrorOf([&] { BuildNetwork(needs->name, data, {}, 1, &report); }),
              HasSubstr("r.csv: row 2: label 2.5 is not an integer class"));
}

TEST(BuildNetworkTest, StampsProvenanceOnTheNetwork) {
  Dataset data = LoadDataset("synthetic:gaussian-clusters?n=80&d=3&classes=3&seed=2");
  Report report;
  std::optional<Network> net = BuildNetwork("zhang", data, {{"tries", "4"}}, 17, &report);
  ASSERT_TRUE(net);
  EXPECT_TRUE(report.ok());
  EXPECT_EQ(report.construction, "zhang");
  EXPECT_EQ(net->construction, "zhang");
  EXPECT_EQ(net->seed, 17u);
  EXPECT_EQ(net->options["tries"], "4");
  EXPECT_EQ(net->class_values, data.class_values);
  EXPECT_TRUE(net->classification);
  EXPECT_EQ(net->dataset.hash, data.Fingerprint().hash);
  EXPECT_EQ(net->dataset.n, 80);
  EXPECT_EQ(net->dataset.classes, 3);
  InputMap map = ComputeNormalization(data);
  EXPECT_EQ(net->input.center, map.center);
  EXPECT_EQ(net->input.scale_log2, map.scale_log2);
  EXPECT_EQ(net->report["status"], "success");
  EXPECT_EQ(net->report["projection_tries"], 4);
  EXPECT_FALSE(net->report.contains("timings"));  // timings stay out of the file
  EXPECT_TRUE(Verify(*net, data).all_correct());
}

TEST(BuildNetworkTest, ExactDeltaIsComputedOnRequest) {
  Dataset data = LoadDataset("synthetic:grid?n=30&d=2&delta=0.0078125");
  Report report;
  ASSERT_TRUE(BuildNetwork("zhang", data, {}, 1, &report, false, /*exact_delta=*/true));
  ASSERT_TRUE(report.fields.contains("delta"));
  InputMap map = ComputeNormalization(data);
  EXPECT_DOUBLE_EQ(report.fields["delta"].get<double>(), ComputeExactSeparation(data, map).delta);
  EXPECT_TRUE(report.timings.contains("exact_delta"));
}

TEST(ReportTest, BriefFullAndJson) {
  Report r;
  r.construction = "demo";
  r.Set("hidden_units", 12);
  r.Set("form", "steps");
  r.build_seconds = 0.5;
  EXPECT_THAT(r.Brief(), HasSubstr("demo: success (0.50 s)"));
  EXPECT_THAT(r.Full(), HasSubstr("  hidden_units: 12\n"));
  EXPECT_THAT(r.Full(), HasSubstr("  form: steps\n"));
  nlohmann::ordered_json j = r.ToJson();
  EXPECT_EQ(j.begin().key(), "status");
  EXPECT_EQ(j["hidden_units"], 12);
  r.Fail(Status::kInfeasible, "two points project together");
  EXPECT_FALSE(r.ok());
  EXPECT_THAT(r.Brief(), HasSubstr("demo: infeasible: two points project together"));
  EXPECT_EQ(r.ToJson()["reason"], "two points project together");
  EXPECT_EQ(ToString(Status::kBudgetExceeded), "budget exceeded");
}

}  // namespace
}  // namespace mnemo
