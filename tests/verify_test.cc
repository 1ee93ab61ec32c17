// Tests for mnemo/verify.h: exact verification is the judge, float64 disagreements are reported,
// merged duplicates are still checked row by row, counterexamples name original rows.
#include "mnemo/verify.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "mnemo/error.h"
#include "tests/test_util.h"

namespace mnemo {
namespace {

using ::testing::HasSubstr;

Dataset Data1D(const std::vector<double>& xs, const std::vector<double>& labels) {
  RowMatrix x(int64_t(xs.size()), 1);
  for (size_t i = 0; i < xs.size(); ++i) x(int64_t(i), 0) = xs[i];
  return MakeDataset("test", x, labels);
}

TEST(VerifyTest, FloatDisagreementIsReportedWhileExactIsCorrect) {
  Network net = testing::CancellingNetwork();
  Dataset data = Data1D({0, 1, 2, 3}, {7, 7, 7, 7});
  VerifyOptions opt;
  opt.mode = VerifyMode::kBoth;
  VerifyReport r = Verify(net, data, opt);
  EXPECT_TRUE(r.all_correct());
  EXPECT_EQ(r.checked, 4);
  EXPECT_EQ(r.mismatches, 0);
  EXPECT_EQ(r.float_disagreements, 3);  // x = 1, 2, 3; at x = 0 float64 is exact
  ASSERT_EQ(r.first_disagreements.size(), 3u);
  EXPECT_EQ(r.first_disagreements[0].index, 1);
  EXPECT_EQ(r.first_disagreements[0].expected, "7");
  EXPECT_EQ(r.first_disagreements[0].got, "none");
  EXPECT_THAT(r.Brief(), HasSubstr("float64 disagrees with exact on 3 points"));
  nlohmann::ordered_json j = r.ToJson();
  EXPECT_EQ(j["float_disagreements"], 3);
  EXPECT_EQ(j["mode"], "both");

  opt.mode = VerifyMode::kFloat64;
  VerifyReport f = Verify(net, data, opt);
  EXPECT_EQ(f.mismatches, 3);
  EXPECT_FALSE(f.all_correct());
  opt.mode = VerifyMode::kExact;
  EXPECT_TRUE(Verify(net, data, opt).all_correct());
}

TEST(VerifyTest, MismatchesNameOriginalRowsAndLabels) {
  // Constant output 0 (class index 0 = label 3): rows with label 5 are wrong.
  Network net;
  net.layers.push_back(MakeLayer(1, 1, {}, {Rational(0)}, Activation{}));
  net.class_values = {3, 5};
  Dataset data = Data1D({0.5, 1.5, 2.5, 3.5, 4.5}, {3, 5, 3, 5, 5});
  VerifyOptions opt;
  opt.max_reported = 2;
  VerifyReport r = Verify(net, data, opt);
  EXPECT_EQ(r.checked, 5);
  EXPECT_EQ(r.mismatches, 3);
  EXPECT_FALSE(r.all_correct());
  ASSERT_EQ(r.first_mismatches.size(), 2u);
  EXPECT_EQ(r.first_mismatches[0].index, 1);
  EXPECT_EQ(r.first_mismatches[0].expected, "5");
  EXPECT_EQ(r.first_mismatches[0].got, "3");
  EXPECT_EQ(r.first_mismatches[1].index, 3);
  EXPECT_EQ(r.min_margin_exact, "-1/2");
}

TEST(VerifyTest, MergedDuplicatesAreCheckedForEveryOriginalRow) {
  // Identity output: value = x, labels equal x; rows 2 and 4 repeat rows 0 and 1.
  Network net;
  net.layers.push_back(MakeLayer(1, 1, {{0, 0, Rational(1)}}, {Rational(0)}, Activation{}));
  net.class_values = {0, 1, 2};
  Dataset data = Data1D({0, 1, 0, 2, 1, 1}, {0, 1, 0, 2, 1, 1});
  ASSERT_EQ(data.n(), 3);
  ASSERT_EQ(data.merged_duplicates, 3);
  VerifyReport r = Verify(net, data);
  EXPECT_TRUE(r.all_correct());
  EXPECT_EQ(r.checked, 6);
  // A wrong answer on a merged point counts once per original row.
  net.class_values = {0, 1, 2};
  net.layers[0] = MakeLayer(1, 1, {{0, 0, Rational(1)}}, {Rational(1, 2)}, Activation{});
  r = Verify(net, data);
  EXPECT_EQ(r.mismatches, 6);
  EXPECT_EQ(r.first_mismatches[4].index, 4);
}

TEST(VerifyTest, RealTargetsAreComparedExactly) {
  Network net;
  net.layers.push_back(MakeLayer(1, 1, {{0, 0, Rational(1, 2)}}, {Rational(1, 3)}, Activation{}));
  net.classification = false;
  Dataset data = Data1D({0.5, 1}, {0.25 + 1.0 / 3, 0.75});
  ASSERT_FALSE(data.classification);
  VerifyReport r = Verify(net, data);
  // 1/3 is not a double: the exact output 1/4 + 1/3 differs from the target's binary64 value.
  EXPECT_EQ(r.mismatches, 2);
  VerifyOptions opt;
  opt.mode = VerifyMode::kFloat64;
  opt.tolerance = 1e-12;
  EXPECT_EQ(Verify(net, data, opt).mismatches, 1);  // 0.75 vs 5/6 is far off
  net.layers[0] = MakeLayer(1, 1, {{0, 0, Rational(1, 2)}}, {Rational(1, 4)}, Activation{});
  Dataset exact = Data1D({0.5, 1}, {0.5, 0.75});
  r = Verify(net, exact);
  EXPECT_TRUE(r.all_correct());
  EXPECT_EQ(r.min_margin_exact, "0");
}

TEST(VerifyTest, ArgmaxAndBitsOutputsAreDecodedExactly) {
  Dataset data = Data1D({-1, 1}, {0, 1});
  Network argmax;
  argmax.layers.push_back(MakeLayer(1, 2, {{0, 0, Rational(-1)}, {1, 0, Rational(1)}},
                                    {Rational(0), Rational(0)}, Activation{}));
  argmax.output = OutputKind::kArgmax;
  argmax.class_values = {0, 1};
  VerifyReport r = Verify(argmax, data);
  EXPECT_TRUE(r.all_correct());
  EXPECT_EQ(r.min_margin_exact, "2");
  Network bits;
  bits.layers.push_back(MakeLayer(1, 1, {{0, 0, Rational(1)}}, {Rational(0)},
                                  Activation{Activation::kStep, {}}));
  bits.output = OutputKind::kBits;
  bits.class_values = {0, 1};
  EXPECT_TRUE(Verify(bits, data).all_correct());
}

TEST(VerifyTest, InputSpaceMismatchThrowsNamingIt) {
  Network net = testing::CancellingNetwork();
  RowMatrix x(2, 2);
  x << 0, 1, 2, 3;
  Dataset data = MakeDataset("two.csv", x, {7, 7});
  try {
    Verify(net, data);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("two.csv: the network reads 1 inputs but the data has 2"));
  }
  EXPECT_THROW(ParseVerifyMode("fast"), Error);
  EXPECT_EQ(ToString(ParseVerifyMode("both")), "both");
}

TEST(VerifyTest, SmoothActivationsNeedFloatMode) {
  Network net;
  net.layers.push_back(MakeLayer(1, 1, {{0, 0, Rational(1)}}, {Rational(0)},
                                 Activation{Activation::kTanh, {}}));
  net.classification = false;
  Dataset data = Data1D({0, 0.5}, {0, 0.46211715726000974});
  EXPECT_THROW(Verify(net, data), Error);
  VerifyOptions opt;
  opt.mode = VerifyMode::kFloat64;
  opt.tolerance = 1e-15;
  VerifyReport r = Verify(net, data, opt);
  EXPECT_TRUE(r.all_correct());
  EXPECT_FALSE(r.exact_available);
}

}  // namespace
}  // namespace mnemo
