// Tests for include/mnemo/jacobian.h: the Jacobian against finite differences for every
// activation, the Gram identity, the exact oracle values of design/jacobian_rank.md (§4, §5,
// §7.4) certified mod p, float ranks with float certificates, paired-point ranks, fit success
// counts at the design doc's measured rates (fixed seeds), and the CLI end to end.
#include "mnemo/exact_rank.h"
#include "mnemo/jacobian_capacity.h"
#include "mnemo/jacobian_rank.h"
#include "mnemo/two_layer_fit.h"

#include <cmath>
#include <random>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "mnemo/error.h"
#include "tests/test_util.h"

namespace mnemo {
namespace {

using testing::RunCli;
using testing::TempDir;

const char* kAllActivations[] = {"sigmoid", "tanh", "softplus", "gelu", "silu", "erf", "sin",
                                 "exp", "poly:3", "poly:1/2,-1,0,1/3", "relu", "step"};

// ---- Jacobian structure --------------------------------------------------------------------

TEST(JacobianTest, MatchesFiniteDifferencesForEveryActivation) {
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
      if (std::string(name) != "step") EXPECT_GT(max_abs, 0.1);
    }
  }
}

TEST(JacobianTest, GramIdentityEqualsJJt) {
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

TEST(JacobianTest, PairedPointHasZeroOutput) {
  for (const char* name : {"tanh", "sigmoid", "sin", "poly:4"}) {
    TwoLayerActivation act = TwoLayerActivation::Parse(name);
    std::mt19937_64 rng(5);
    TwoLayerParams p = RandomPoint(act, 8, 3, PointKind::kPaired, BiasMode::kRandom, 1.5, rng);
    Eigen::MatrixXd x = GaussianData(3, 20, rng);
    EXPECT_LT(Forward(act, p, x).cwiseAbs().maxCoeff(), 1e-12) << name;
  }
}

TEST(JacobianTest, RejectsBadActivations) {
  EXPECT_THROW(TwoLayerActivation::Parse("identity"), Error);
  EXPECT_THROW(TwoLayerActivation::Parse("swoosh"), Error);
  EXPECT_THROW(TwoLayerActivation::Parse("poly:0,0"), Error);
}

// ---- Exact oracle values (mod p) -----------------------------------------------------------

int64_t CertifiedRank(const std::string& act, int64_t d, int64_t m, int64_t n, JacobianWrt wrt,
                      BiasMode bias, PointKind point = PointKind::kRandom, int64_t* predicted = nullptr) {
  RankOptions o;
  o.activation = TwoLayerActivation::Parse(act);
  o.m = m;
  o.d = d;
  o.n = n;
  o.wrt = wrt;
  o.bias = bias;
  o.point = point;
  o.certify = true;
  o.draws = 1;
  o.seed = 11;
  RankReport r = ComputeRank(o);
  EXPECT_EQ(r.certificate, "mod-p");
  EXPECT_EQ(r.prime_ranks.size(), 3u);
  if (predicted) *predicted = r.prediction.rank;
  EXPECT_FALSE(r.contradiction) << r.ToText();
  return r.certified_rank;
}

TEST(JacobianOracleTest, AlexanderHirschowitzAndQuadricsZeroBias) {
  struct Case { int64_t d, m, k, rank; };
  // §4.2: (d, m, k) → rank J_W for t^k, zero bias, n = max(md, C(k+d−1, d−1)) + 5.
  const Case cases[] = {{3, 5, 4, 14}, {5, 7, 3, 34}, {4, 9, 4, 34}, {3, 2, 2, 5}, {5, 3, 2, 12},
                        {3, 3, 2, 6},  {3, 4, 4, 12}, {3, 6, 4, 15}, {4, 8, 4, 32}, {5, 6, 3, 30}};
  for (const Case& c : cases) {
    SCOPED_TRACE(fmt::format("d={} m={} k={}", c.d, c.m, c.k));
    const int64_t n = std::max(c.m * c.d, Binomial(c.k + c.d - 1, c.d - 1)) + 5;
    int64_t predicted = -2;
    EXPECT_EQ(CertifiedRank(fmt::format("poly:{}", c.k), c.d, c.m, n, JacobianWrt::kWeights,
                            BiasMode::kZero, PointKind::kRandom, &predicted), c.rank);
    EXPECT_EQ(predicted, c.rank);
    EXPECT_EQ(AlexanderHirschowitzRank(c.d, c.m, c.k), c.rank);
  }
}

TEST(JacobianOracleTest, GenericBiasRemovesSporadicDefectsNotQuadric) {
  struct Case { int64_t d, m, k, rank; };
  // §4.3: rank J_W with generic biases, n = max(md, C(k+d, d)) + 5.
  const Case cases[] = {{3, 3, 2, 8}, {4, 3, 2, 11}, {3, 5, 4, 15}, {5, 7, 3, 35}, {4, 12, 3, 34},
                        {2, 10, 3, 9}, {3, 6, 3, 18}};
  for (const Case& c : cases) {
    SCOPED_TRACE(fmt::format("d={} m={} k={}", c.d, c.m, c.k));
    const int64_t n = std::max(c.m * c.d, Binomial(c.k + c.d, c.d)) + 5;
    EXPECT_EQ(CertifiedRank(fmt::format("poly:{}", c.k), c.d, c.m, n, JacobianWrt::kWeights,
                            BiasMode::kRandom), c.rank);
  }
}

TEST(JacobianOracleTest, FullJacobianPurePowers) {
  struct Case { int64_t d, m, k, n, zero_w, zero_all, gen_w, gen_all; };
  // §4.7 table.
  const Case cases[] = {{3, 5, 4, 40, 14, 19, 15, 20}, {3, 2, 2, 15, 5, 7, 6, 7},
                        {4, 3, 2, 23, 9, 12, 11, 12},  {3, 6, 3, 35, 10, 16, 18, 20},
                        {2, 10, 3, 45, 4, 7, 9, 10}};
  for (const Case& c : cases) {
    SCOPED_TRACE(fmt::format("d={} m={} k={}", c.d, c.m, c.k));
    const std::string act = fmt::format("poly:{}", c.k);
    int64_t pz = -2, pg = -2;
    EXPECT_EQ(CertifiedRank(act, c.d, c.m, c.n, JacobianWrt::kWeights, BiasMode::kZero), c.zero_w);
    EXPECT_EQ(CertifiedRank(act, c.d, c.m, c.n, JacobianWrt::kAll, BiasMode::kZero, PointKind::kRandom, &pz), c.zero_all);
    EXPECT_EQ(CertifiedRank(act, c.d, c.m, c.n, JacobianWrt::kWeights, BiasMode::kRandom), c.gen_w);
    EXPECT_EQ(CertifiedRank(act, c.d, c.m, c.n, JacobianWrt::kAll, BiasMode::kRandom, PointKind::kRandom, &pg), c.gen_all);
    EXPECT_EQ(pz, c.zero_all);
    EXPECT_EQ(pg, c.gen_all);
  }
}

TEST(JacobianOracleTest, MixedDegreesZeroBias) {
  // §4.4 with σ′ given: t³ → σ = t⁴; t³ + t → σ = t⁴/4 + t²/2; t → σ = t²; t + 1 → σ = t²/2 + t.
  EXPECT_EQ(CertifiedRank("poly:4", 3, 5, 40, JacobianWrt::kWeights, BiasMode::kZero), 14);
  EXPECT_EQ(CertifiedRank("poly:0,0,1/2,0,1/4", 3, 5, 40, JacobianWrt::kWeights, BiasMode::kZero), 15);
  EXPECT_EQ(CertifiedRank("poly:2", 4, 3, 40, JacobianWrt::kWeights, BiasMode::kZero), 9);
  EXPECT_EQ(CertifiedRank("poly:0,1,1/2", 4, 3, 40, JacobianWrt::kWeights, BiasMode::kZero), 11);
}

TEST(JacobianOracleTest, PairedQuarticEdgeCase) {
  // §5 item 8: t⁴, d = 3, m = 10, n = 15: 14 with zero bias, 15 with generic bias.
  EXPECT_EQ(CertifiedRank("poly:4", 3, 10, 15, JacobianWrt::kWeights, BiasMode::kZero, PointKind::kPaired), 14);
  EXPECT_EQ(CertifiedRank("poly:4", 3, 10, 15, JacobianWrt::kWeights, BiasMode::kRandom, PointKind::kPaired), 15);
}

TEST(JacobianOracleTest, ModPBasics) {
  EXPECT_EQ(DoubleModP(0.5, 7), 4u);   // 2⁻¹ mod 7
  EXPECT_EQ(DoubleModP(-3.0, 7), 4u);
  EXPECT_EQ(DoubleModP(0.75, 11), (3u * 3u) % 11);  // 3·4⁻¹, 4⁻¹ = 3 mod 11
  std::vector<double> a = {1, 2, 3, 2, 4, 6, 1, 0, 1};  // rank 2
  EXPECT_EQ(RankModP(a, 3, 3, 1048583), 2);
  std::mt19937_64 rng(1);
  for (uint32_t p : RandomPrimes(3, rng)) {
    EXPECT_GE(p, 1u << 20);
    EXPECT_LT(p, 1u << 21);
  }
}

// ---- Float ranks -----------------------------------------------------------------------------

RankReport FloatRank(const std::string& act, int64_t d, int64_t m, int64_t n, JacobianWrt wrt,
                     PointKind point = PointKind::kRandom) {
  RankOptions o;
  o.activation = TwoLayerActivation::Parse(act);
  o.m = m;
  o.d = d;
  o.n = n;
  o.wrt = wrt;
  o.point = point;
  o.certify = true;
  o.seed = 5;
  return ComputeRank(o);
}

TEST(JacobianFloatTest, AnalyticActivationsReachMdAndMdPlus2m) {
  const int64_t d = 3, m = 6;
  for (const char* act : {"tanh", "sigmoid", "gelu", "sin", "exp"}) {
    const bool exp = std::string(act) == "exp";
    for (int64_t n : {m * d - 2, m * d, m * d + 2, m * (d + 2)}) {
      SCOPED_TRACE(fmt::format("{} n={}", act, n));
      RankReport w = FloatRank(act, d, m, n, JacobianWrt::kWeights);
      EXPECT_EQ(w.numerical_rank, std::min(n, m * d));
      EXPECT_EQ(w.prediction.rank, std::min(n, m * d));
      RankReport all = FloatRank(act, d, m, n, JacobianWrt::kAll);
      const int64_t expect_all = std::min(n, exp ? m * (d + 1) : m * (d + 2));
      EXPECT_EQ(all.numerical_rank, expect_all);
      EXPECT_EQ(all.prediction.rank, expect_all);
      // The float certificate proves the rank lower bound at the sampled point.
      EXPECT_EQ(all.certified_rank, expect_all) << all.ToText();
      EXPECT_FALSE(all.contradiction);
    }
  }
}

TEST(JacobianFloatTest, PairedPointRanks) {
  const int64_t d = 3, m = 8, h = 4;
  for (const char* act : {"tanh", "sigmoid", "gelu", "sin"}) {
    for (int64_t n : {h * d - 1, h * d + 1, h * (d + 2), h * (d + 2) + 1}) {
      SCOPED_TRACE(fmt::format("{} n={}", act, n));
      EXPECT_EQ(FloatRank(act, d, m, n, JacobianWrt::kWeights, PointKind::kPaired).numerical_rank,
                std::min(n, h * d));
      RankReport all = FloatRank(act, d, m, n, JacobianWrt::kAll, PointKind::kPaired);
      EXPECT_EQ(all.numerical_rank, std::min(n, h * (d + 2)));
      EXPECT_EQ(all.certified_rank, std::min(n, h * (d + 2)));
    }
  }
}

TEST(JacobianFloatTest, GramRouteAgreesWithSvdAndCertifies) {
  RankOptions o;
  o.activation = TwoLayerActivation::Parse("tanh");
  o.m = 20;
  o.d = 10;
  o.n = 100;
  o.certify = true;
  o.route = "gram";
  RankReport g = ComputeRank(o);
  o.route = "svd";
  RankReport s = ComputeRank(o);
  EXPECT_EQ(g.numerical_rank, 100);
  EXPECT_EQ(s.numerical_rank, 100);
  EXPECT_EQ(g.certificate, "gram-cholesky");
  EXPECT_EQ(g.certified_rank, 100);
  EXPECT_NEAR(g.best.sigma_max, s.best.sigma_max, 1e-6 * s.best.sigma_max);
}

TEST(JacobianFloatTest, CapacityTanhSmall) {
  JacobianCapacityOptions o;
  o.activation = TwoLayerActivation::Parse("tanh");
  o.m = 6;
  o.d = 4;
  JacobianCapacityReport r = ComputeJacobianCapacity(o);
  ASSERT_EQ(r.rows.size(), 4u);
  EXPECT_EQ(r.rows[0].threshold, 24);  // md
  EXPECT_EQ(r.rows[1].threshold, 36);  // m(d+2)
  EXPECT_EQ(r.rows[2].threshold, 12);  // (m/2)d
  EXPECT_EQ(r.rows[3].threshold, 18);  // (m/2)(d+2)
  for (const auto& row : r.rows) {
    EXPECT_TRUE(row.certified) << row.quantity;
    EXPECT_EQ(row.rank_above, row.threshold) << row.quantity;
  }
  EXPECT_EQ(r.upper_bound, 36);
  EXPECT_EQ(r.lower_bound, 12);
  EXPECT_NE(r.conjecture.find("confirmed"), std::string::npos);
}

// ---- Fitting at the design doc's measured rates ---------------------------------------------

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

// ---- CLI end to end --------------------------------------------------------------------------

TEST(JacobianCliTest, RankJsonAndExitCodes) {
  auto r = RunCli({"rank", "--activation", "poly:4", "--m", "5", "--d", "3", "--n", "20", "--wrt",
                   "weights", "--bias", "zero", "--certify", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["predicted"]["rank"], 14);
  EXPECT_EQ(j["certificate"]["kind"], "mod-p");
  EXPECT_EQ(j["certificate"]["rank"], 14);
  EXPECT_EQ(j["contradiction"], false);
  auto bad = RunCli({"rank", "--activation", "nope", "--m", "2", "--d", "2", "--n", "3"});
  EXPECT_EQ(bad.exit_code, 2);
  auto text = RunCli({"rank", "--activation", "tanh", "--m", "4", "--d", "3", "--n", "12", "--certify"});
  EXPECT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("certificate"), std::string::npos);
}

TEST(JacobianCliTest, CapacityGridWritesCsv) {
  TempDir dir;
  auto r = RunCli({"capacity", "--activation", "tanh", "--grid", "2..3x2", "--csv", dir.Path("g.csv")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string csv = testing::ReadText(dir.Path("g.csv"));
  EXPECT_EQ(testing::CountLines(csv), 3);  // header + 2 rows
  EXPECT_NE(csv.find("2,2,2,4,8,2,4,4,8,yes"), std::string::npos) << csv;
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
    auto v = RunCli({"verify", net, dir.Path("data.csv"), "--mode", "float64", "--tolerance", "1e-8"});
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

}  // namespace
}  // namespace mnemo
