// Tests for two_layer_fit.h and the `fit` command: fit success counts at the measured rates
// (fixed seeds) and written networks that verify in float64.
#include "mnemo/two_layer_fit.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>
#include <random>

#include "mnemo/error.h"
#include "tests/test_util.h"

namespace mnemo {
namespace {

using testing::RunCli;
using testing::TempDir;

// ---- Fitting at the measured's measured rates ---------------------------------------------

int CountFits(FitMethod method, JacobianWrt wrt, const std::string& act, int64_t d, int64_t m,
              int64_t n, int instances, double lambda = 0) {
  int ok = 0;
  for (int s = 0; s < instances; ++s) {
    std::mt19937_64 rng(1000 + s);
    Eigen::MatrixXd x = GaussianData(d, n, rng);
    std::normal_distribution<double> normal;
    Eigen::MatrixXd y(n, 1);
    for (int64_t i = 0; i < n; ++i) y(i, 0) = normal(rng);
    FitOptions o;
    o.activation = TwoLayerActivation::Parse(act);
    o.m = m;
    o.method = method;
    o.wrt = wrt;
    o.seed = 77 + s;
    o.restarts = 0;  // the rates are per start
    o.lambda = lambda;
    TwoLayerParams p;
    FitReport r = FitTwoLayer(o, x, y, &p);
    if (r.success) {
      EXPECT_LE(r.max_residual, o.residual_tolerance);
      EXPECT_LE((Forward(o.activation, p, x) - y).cwiseAbs().maxCoeff(), o.residual_tolerance);
      ++ok;
    }
  }
  return ok;
}

TEST(JacobianFitTest, LevenbergMarquardtRates) {
  // §8.2: tanh, d = 5, m = 10 (P = 70): 8/8 at n = 25, 50, 60.
  EXPECT_GE(CountFits(FitMethod::kLm, JacobianWrt::kAll, "tanh", 5, 10, 25, 8), 8);
  EXPECT_GE(CountFits(FitMethod::kLm, JacobianWrt::kAll, "tanh", 5, 10, 50, 8), 8);
  EXPECT_GE(CountFits(FitMethod::kLm, JacobianWrt::kAll, "tanh", 5, 10, 60, 8), 7);
  // At n = P = 70 the design measured 1/8 (we measure 1/8 with these seeds): the fit threshold
  // sits near 0.93·P, far above ⌊md/2⌋ = 25, but not at P.
  EXPECT_LE(CountFits(FitMethod::kLm, JacobianWrt::kAll, "tanh", 5, 10, 70, 8), 3);
}

TEST(JacobianFitTest, VarProRates) {
  // §8.3: 8/8 at n = 25, 40, 50.
  EXPECT_GE(CountFits(FitMethod::kVarPro, JacobianWrt::kAll, "tanh", 5, 10, 40, 8), 8);
  EXPECT_GE(CountFits(FitMethod::kVarPro, JacobianWrt::kAll, "tanh", 5, 10, 50, 8), 7);
}

TEST(JacobianFitTest, PairedGaussNewtonRates) {
  // §8.1 at λ = 100: tanh (d, m) = (4, 10): 20/20 W only (n = 20) and 20/20 all (n = 30).
  EXPECT_GE(CountFits(FitMethod::kPairedGn, JacobianWrt::kWeights, "tanh", 4, 10, 20, 10, 100), 10);
  EXPECT_GE(CountFits(FitMethod::kPairedGn, JacobianWrt::kAll, "tanh", 4, 10, 30, 10, 100), 10);
  EXPECT_GE(CountFits(FitMethod::kPairedGn, JacobianWrt::kWeights, "sin", 4, 10, 20, 10, 100), 10);
  EXPECT_GE(CountFits(FitMethod::kPairedGn, JacobianWrt::kWeights, "gelu", 4, 10, 20, 10, 100), 10);
}

TEST(JacobianCliTest, FitWritesANetworkThatVerifies) {
  TempDir dir;
  std::mt19937_64 rng(3);
  std::normal_distribution<double> normal;
  const int d = 4, n = 20;  // m = 10: ⌊md/2⌋ = 20
  std::string csv;
  for (int i = 0; i < n; ++i) {
    for (int l = 0; l < d; ++l) csv += fmt::format("{:.17g},", normal(rng) / 2);
    csv += fmt::format("{:.17g}\n", normal(rng) + 0.123456789);
  }
  testing::WriteText(dir.Path("data.csv"), csv);
  for (const char* method : {"lm", "paired-gn", "varpro"}) {
    SCOPED_TRACE(method);
    const std::string net = dir.Path(std::string(method) + ".json");
    auto f = RunCli({"fit", dir.Path("data.csv"), "--activation", "tanh", "--m", "10", "--method",
                     method, "-o", net, "--json"});
    ASSERT_EQ(f.exit_code, 0) << f.out << f.err;
    auto j = nlohmann::json::parse(f.out);
    EXPECT_TRUE(j["success"].get<bool>());
    EXPECT_LT(j["max_residual"].get<double>(), 1e-9);
    EXPECT_LT(j["network_max_residual"].get<double>(), 1e-9);
    auto v =
        RunCli({"verify", net, dir.Path("data.csv"), "--mode", "float64", "--tolerance", "1e-8"});
    EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  }
}

TEST(JacobianCliTest, FitClassLabels) {
  TempDir dir;
  std::mt19937_64 rng(9);
  std::normal_distribution<double> normal;
  std::string two, three;
  for (int i = 0; i < 30; ++i) {
    std::string x = fmt::format("{:.17g},{:.17g},{:.17g}", normal(rng), normal(rng), normal(rng));
    two += x + fmt::format(",{}\n", int(rng() % 2) * 5);
    three += x + fmt::format(",{}\n", int(rng() % 3));
  }
  testing::WriteText(dir.Path("two.csv"), two);
  testing::WriteText(dir.Path("three.csv"), three);
  for (const char* data : {"two.csv", "three.csv"}) {
    SCOPED_TRACE(data);
    auto f = RunCli({"fit", dir.Path(data), "--m", "20", "-o", dir.Path("net.json"), "--json"});
    ASSERT_EQ(f.exit_code, 0) << f.out << f.err;
    EXPECT_EQ(nlohmann::json::parse(f.out)["network_misclassified"], 0);
    auto v = RunCli({"verify", dir.Path("net.json"), dir.Path(data), "--mode", "float64"});
    EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
  }
}

TEST(JacobianCliTest, FitRefusesActivationsTheNetworkFormatLacks) {
  TempDir dir;
  testing::WriteText(dir.Path("d.csv"), "0.1,0.2,1\n0.3,-0.1,0\n");
  auto r = RunCli({"fit", dir.Path("d.csv"), "--m", "2", "--activation", "hard-tanh"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(testing::CountLines(r.err), 1) << r.err;
}

}  // namespace
}  // namespace mnemo
