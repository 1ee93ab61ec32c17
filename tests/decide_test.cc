// Tests for mnemo/decide.h and the cases of a sound verifier: exact argmax with exact ties,
// bits read exactly (65 outputs), unsorted label maps, real targets on integer labels, inputs
// at the edges of binary64, huge weights beside always-zero neurons. The fast exact evaluator
// must equal the rational reference on all of them.
#include "mnemo/decide.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "mnemo/error.h"
#include "mnemo/evaluate.h"
#include "mnemo/io.h"
#include "mnemo/verify.h"

namespace mnemo {
namespace {

using ::testing::HasSubstr;

Network OneLayer(int32_t in, int32_t out, const std::vector<LayerEntry>& w,
                 const std::vector<Rational>& b, Activation::Kind act, OutputKind output,
                 std::vector<int64_t> classes) {
  Network net;
  net.layers.push_back(MakeLayer(in, out, w, b, Activation{act, {}}));
  net.output = output;
  net.class_values = std::move(classes);
  return net;
}

void ExpectEqualsReference(const Network& net, const RowMatrix& x) {
  ExactOutputs out = EvaluateExact(net, x);
  for (int64_t i = 0; i < x.rows(); ++i) {
    std::vector<Rational> ref = EvaluateReference(net, x.row(i).data());
    for (int64_t c = 0; c < out.cols; ++c) ASSERT_EQ(out.At(i, c), ref[c]) << "row " << i;
  }
}

TEST(DecideTest, ArgmaxTiesAreExactAndNameNoClass) {
  // Outputs x and x + 2^-80: doubles would call them equal, exact arithmetic does not.
  Network net = OneLayer(1, 2, {{0, 0, Rational(1)}, {1, 0, Rational(1)}},
                         {Rational(0), Rational(1, Pow2(80))}, Activation::kIdentity,
                         OutputKind::kArgmax, {10, 20});
  RowMatrix x(2, 1);
  x << 1, 3;
  std::vector<Answer> a = Predict(net, x);
  EXPECT_EQ(a[0].class_index, 1);
  net.layers[0].bias[1] = 0;  // now an exact tie
  a = Predict(net, x);
  EXPECT_EQ(a[0].class_index, -1);
  EXPECT_EQ(a[0].why_none, "tie");
  EXPECT_EQ(AnswerString(net, a[0]), "none");
}

TEST(DecideTest, SixtyFiveBitOutputsAreReadExactly) {
  std::vector<LayerEntry> w;
  std::vector<Rational> b;
  for (int32_t j = 0; j < 65; ++j) {
    w.push_back({j, 0, Rational(1)});
    b.push_back(j == 64 ? Rational(-1) : Rational(0));
  }
  Network net = OneLayer(1, 65, w, b, Activation::kStep, OutputKind::kBits, {0, 1});
  RowMatrix x(3, 1);
  x << 0, -1, 2;  // 2^64 − 1 (no class), 0, 2^65 − 1 (no class)
  std::vector<Answer> a = Predict(net, x);
  EXPECT_EQ(a[0].class_index, -1);
  EXPECT_EQ(a[1].class_index, 0);
  EXPECT_EQ(a[2].class_index, -1);
  Dataset data = MakeDataset("mem", x, {1, 0, 1});
  VerifyReport r = Verify(net, data);
  EXPECT_EQ(r.mismatches, 2);
  EXPECT_EQ(r.min_margin_exact, "-1/2");
}

TEST(DecideTest, NonBinaryBitsAndNonIntegerValuesAreNoClass) {
  Network net = OneLayer(1, 1, {{0, 0, Rational(1, 2)}}, {Rational(0)}, Activation::kIdentity,
                         OutputKind::kBits, {0, 1});
  RowMatrix x(2, 1);
  x << 1, 2;
  std::vector<Answer> a = Predict(net, x);
  EXPECT_EQ(a[0].class_index, -1);
  EXPECT_THAT(a[0].why_none, HasSubstr("non-binary"));
  EXPECT_EQ(a[1].class_index, 1);
  net.output = OutputKind::kValue;
  a = Predict(net, x);
  EXPECT_EQ(a[0].why_none, "output 1/2");
  EXPECT_EQ(a[1].class_index, 1);
}

TEST(DecideTest, UnsortedLabelMapsAreMapsNotSearchTrees) {
  Network net = OneLayer(1, 3, {{0, 0, Rational(1)}, {1, 0, Rational(-1)}}, {0, 0, 0},
                         Activation::kIdentity, OutputKind::kArgmax, {5, -2, 1});
  Network back = NetworkFromJson(NetworkToJson(net), "mem");
  RowMatrix x(2, 1);
  x << 1, -1;
  Dataset data = MakeDataset("mem", x, {5, -2});
  VerifyReport r = Verify(back, data);
  EXPECT_EQ(r.mismatches, 0) << r.Brief();
  back.class_values = {5, -2, 5};
  EXPECT_THAT([&] {
    try {
      NetworkFromJson(NetworkToJson(back), "n.json");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  }(), HasSubstr("n.json: labels.values[2]: label 5 appears twice (also at index 0)"));
}

TEST(DecideTest, RealTargetNetworksVerifyOnIntegerLabels) {
  Network net = OneLayer(1, 1, {{0, 0, Rational(1)}}, {Rational(0)}, Activation::kIdentity,
                         OutputKind::kValue, {});
  net.classification = false;
  RowMatrix x(3, 1);
  x << 1, 2, 3;
  Dataset data = MakeDataset("mem", x, {1, 2, 4});
  ASSERT_TRUE(data.classification);
  VerifyReport r = Verify(net, data);
  EXPECT_EQ(r.mismatches, 1);
  EXPECT_EQ(r.first_mismatches[0].index, 2);
  EXPECT_EQ(r.min_margin_exact, "-1");
}

TEST(DecideTest, HugeWeightsBesideAlwaysZeroNeuronsStayExact) {
  // relu(−x − 1) is 0 on x ≥ 0; a weight 2^1100 on it and 3·2^61 on x: int64 would wrap.
  Network net;
  net.layers.push_back(MakeLayer(1, 2, {{0, 0, Rational(-1)}, {1, 0, Rational(1)}},
                                 {Rational(-1), Rational(0)}, Activation{Activation::kRelu, {}}));
  net.layers.push_back(MakeLayer(2, 1, {{0, 0, Rational(Pow2(1100))}, {0, 1, Rational(Pow2(61) * 3)}},
                                 {Rational(0)}, Activation{}));
  net.class_values = {0, 1};
  RowMatrix x(3, 1);
  x << 0, 1, 2;
  ExpectEqualsReference(net, x);
  // And an explicit zero weight on a neuron whose bound is beyond 2^1024.
  net.layers[0] = MakeLayer(1, 2, {{0, 0, Rational(Pow2(1030))}, {1, 0, Rational(1)}}, {0, 0},
                            Activation{Activation::kRelu, {}});
  net.layers[1] = MakeLayer(2, 1, {{0, 0, Rational(0)}, {0, 1, Rational(1)}}, {0}, Activation{});
  ExpectEqualsReference(net, x);
  Dataset data = MakeDataset("mem", x, {0, 1, 2});
  EXPECT_EQ(Verify(net, data).mismatches, 1);  // label 2 is no class of the network
}

TEST(DecideTest, InputsAtTheEdgesOfBinary64AreExact) {
  Network net;
  net.layers.push_back(MakeLayer(2, 2, {{0, 0, Rational(3)}, {0, 1, Rational(-1)}, {1, 1, Rational(1, 7)}},
                                 {Rational(1, 3), Rational(0)}, Activation{Activation::kRelu, {}}));
  net.layers.push_back(MakeLayer(2, 1, {{0, 0, Rational(1)}, {0, 1, Rational(-2)}}, {0},
                                 Activation{Activation::kStep, {}}));
  net.input.center = {Rational(1, 3), Rational(0)};
  net.input.scale_log2 = -5;
  RowMatrix x(6, 2);
  x << 1e-300, 0.5, 0.5, 1e-300, 1e300, -1e300, 5e-324, 0, 4.9e-324, 1.5, -0.0, 1e-310;
  ExpectEqualsReference(net, x);
  // One point with 1074 fraction bits among pixels gets its own plan; the rest keep theirs.
  RowMatrix many(3000, 2);
  for (int64_t i = 0; i < many.rows(); ++i) many.row(i) << double(i % 256), double(i / 256);
  many(17, 0) = 5e-324;
  ExactOutputs out = EvaluateExact(net, many);
  EXPECT_EQ(out.separate_rows, 1);
  EXPECT_EQ(out.kernels[0], ExactKernel::kInt64);
  for (int64_t i : {0, 17, 2999})
    EXPECT_EQ(out.At(i, 0), EvaluateReference(net, many.row(i).data())[0]) << i;
}

}  // namespace
}  // namespace mnemo
