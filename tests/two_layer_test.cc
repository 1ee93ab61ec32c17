// Tests for two_layer_activation.h and two_layer.h: names and kinds of every activation, exact
// values of the piecewise-linear ones, the Jacobian against finite differences, the Gram
// identity, paired points.
#include "mnemo/two_layer.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "mnemo/error.h"
#include "mnemo/two_layer_activation.h"

namespace mnemo {
namespace {

const char* kAllActivations[] = {
    "sigmoid", "tanh",   "softplus",          "gelu", "silu",       "erf",       "sin",
    "exp",     "poly:3", "poly:1/2,-1,0,1/3", "relu", "leaky-relu", "hard-tanh", "step"};

// ---- Jacobian structure --------------------------------------------------------------------

TEST(TwoLayerTest, MatchesFiniteDifferencesForEveryActivation) {
  for (const char* name : kAllActivations) {
    SCOPED_TRACE(name);
    TwoLayerActivation act = TwoLayerActivation::Parse(name);
    std::mt19937_64 rng(7);
    const int64_t m = 4, d = 3, n = 6;
    TwoLayerParams p = RandomPoint(act, m, d, PointKind::kRandom, BiasMode::kRandom, 1.0, rng);
    std::normal_distribution<double> normal;
    for (int64_t j = 0; j < m; ++j) p.v(j, 0) = normal(rng);
    Eigen::MatrixXd x = GaussianData(d, n, rng);
    for (JacobianWrt wrt : {JacobianWrt::kWeights, JacobianWrt::kAll}) {
      Eigen::MatrixXd jt = JacobianTransposed(act, p, x, wrt);
      ASSERT_EQ(jt.rows(), JacobianColumns(m, d, 1, wrt));
      ASSERT_EQ(jt.cols(), n);
      const double h = 1e-6;
      double max_err = 0, max_abs = 0;
      for (int64_t k = 0; k < jt.rows(); ++k) {
        TwoLayerParams plus = p, minus = p;
        auto at = [&](TwoLayerParams& q) -> double& {
          if (k < m * d) return q.w(k % d, k / d);
          if (k < m * d + m) return q.b(k - m * d);
          return q.v(k - m * d - m, 0);
        };
        at(plus) += h;
        at(minus) -= h;
        Eigen::MatrixXd fd = (Forward(act, plus, x) - Forward(act, minus, x)) / (2 * h);
        for (int64_t i = 0; i < n; ++i) {
          max_err = std::max(max_err, std::fabs(fd(i, 0) - jt(k, i)));
          max_abs = std::max(max_abs, std::fabs(jt(k, i)));
        }
      }
      EXPECT_LT(max_err, 1e-6 * std::max(1.0, max_abs)) << ToString(wrt);
      if (std::string(name) != "step") {
        EXPECT_GT(max_abs, 0.1);
      }
    }
  }
}

TEST(TwoLayerTest, GramIdentityEqualsJJt) {
  TwoLayerActivation act = TwoLayerActivation::Parse("gelu");
  std::mt19937_64 rng(3);
  TwoLayerParams p = RandomPoint(act, 7, 5, PointKind::kRandom, BiasMode::kRandom, 1.5, rng);
  Eigen::MatrixXd x = GaussianData(5, 30, rng);
  for (JacobianWrt wrt : {JacobianWrt::kWeights, JacobianWrt::kAll}) {
    Eigen::MatrixXd jt = JacobianTransposed(act, p, x, wrt);
    Eigen::MatrixXd k = JacobianGram(act, p, x, wrt);
    Eigen::MatrixXd direct = jt.transpose() * jt;
    EXPECT_LT((k - direct).cwiseAbs().maxCoeff(), 1e-12 * direct.cwiseAbs().maxCoeff());
  }
}

TEST(TwoLayerTest, PairedPointHasZeroOutput) {
  for (const char* name : {"tanh", "sigmoid", "sin", "poly:4"}) {
    TwoLayerActivation act = TwoLayerActivation::Parse(name);
    std::mt19937_64 rng(5);
    TwoLayerParams p = RandomPoint(act, 8, 3, PointKind::kPaired, BiasMode::kRandom, 1.5, rng);
    Eigen::MatrixXd x = GaussianData(3, 20, rng);
    EXPECT_LT(Forward(act, p, x).cwiseAbs().maxCoeff(), 1e-12) << name;
  }
}

TEST(TwoLayerTest, RejectsBadActivations) {
  EXPECT_THROW(TwoLayerActivation::Parse("identity"), Error);
  EXPECT_THROW(TwoLayerActivation::Parse("swoosh"), Error);
  EXPECT_THROW(TwoLayerActivation::Parse("poly:0,0"), Error);
}

TEST(TwoLayerTest, ParsesTheVocabulary) {
  for (const char* name : {"relu", "leaky-relu", "hard-tanh", "step", "sigmoid", "tanh", "softplus",
                           "gelu", "silu", "erf", "sin", "exp"})
    EXPECT_EQ(TwoLayerActivation::Parse(name).Name(), name);
  EXPECT_EQ(TwoLayerActivation::Parse("poly:3").Name(), "poly:3");
  EXPECT_EQ(TwoLayerActivation::Parse("leaky-relu:0.25").Name(), "leaky-relu:1/4");
  EXPECT_EQ(TwoLayerActivation::Parse("leaky-relu:1/100").Name(), "leaky-relu");
  EXPECT_THROW(TwoLayerActivation::Parse("leaky-relu:1"), Error);
  EXPECT_THROW(TwoLayerActivation::Parse("leaky-relu:-0.5"), Error);
  EXPECT_THROW(TwoLayerActivation::Parse("leaky-relu:x"), Error);
  EXPECT_THROW(TwoLayerActivation::Parse("linear"), Error);
  EXPECT_NE(TwoLayerActivation::Vocabulary().find("hard-tanh"), std::string::npos);
}

TEST(TwoLayerTest, KindsAndLocalDegrees) {
  auto act = [](const char* n) { return TwoLayerActivation::Parse(n); };
  EXPECT_TRUE(act("relu").IsPiecewiseLinear());
  EXPECT_TRUE(act("step").IsPiecewiseLinear());
  EXPECT_TRUE(act("tanh").IsTranscendental());
  EXPECT_TRUE(act("poly:2").IsPolynomial());
  EXPECT_EQ(act("relu").LocalDegree(), 1);
  EXPECT_EQ(act("hard-tanh").LocalDegree(), 1);
  EXPECT_EQ(act("step").LocalDegree(), 0);
  EXPECT_EQ(act("poly:0,0,0,2").LocalDegree(), 3);
  EXPECT_EQ(act("erf").LocalDegree(), -1);
  EXPECT_TRUE(act("leaky-relu").IsPositivelyHomogeneous());
  EXPECT_FALSE(act("hard-tanh").IsPositivelyHomogeneous());
  EXPECT_TRUE(act("hard-tanh").HasSimpleZeroAtOrigin());
  EXPECT_FALSE(act("leaky-relu").NetworkActivation().has_value());
  EXPECT_EQ(act("relu").NetworkActivation()->kind, Activation::kRelu);
}

TEST(TwoLayerTest, ExactValuesOfPiecewiseLinearActivations) {
  auto act = [](const char* n) { return TwoLayerActivation::Parse(n); };
  const Rational half(1, 2), two(2), minus_two(-2);
  EXPECT_EQ(act("relu").ExactValue(minus_two), 0);
  EXPECT_EQ(act("relu").ExactDerivative(half), 1);
  EXPECT_EQ(act("leaky-relu").ExactValue(minus_two), Rational(-1, 50));
  EXPECT_EQ(act("leaky-relu").ExactDerivative(minus_two), Rational(1, 100));
  EXPECT_EQ(act("hard-tanh").ExactValue(two), 1);
  EXPECT_EQ(act("hard-tanh").ExactValue(minus_two), -1);
  EXPECT_EQ(act("hard-tanh").ExactValue(half), half);
  EXPECT_EQ(act("hard-tanh").ExactDerivative(two), 0);
  EXPECT_EQ(act("step").ExactValue(Rational(0)), 1);
  EXPECT_EQ(act("step").ExactDerivative(half), 0);
  for (const char* n : {"relu", "leaky-relu", "hard-tanh", "step"})
    for (double z : {-3.5, -0.75, 0.25, 1.5}) {
      SCOPED_TRACE(fmt::format("{} {}", n, z));
      EXPECT_EQ(act(n).Value(z), ToDouble(act(n).ExactValue(RationalFromDouble(z))));
      EXPECT_EQ(act(n).Derivative(z), ToDouble(act(n).ExactDerivative(RationalFromDouble(z))));
    }
}

}  // namespace
}  // namespace mnemo
