// Tests for numerical_rank.h, exact_rank.h, ball_rank_certificate.h, rank_theory.h and
// jacobian_rank.h: the exact oracle values of the polynomial rank theory certified mod p, ranks
// of analytic σ proven by ball arithmetic, exact ranks of piecewise-linear σ, and the proven
// upper bounds that decide them.
#include "mnemo/jacobian_rank.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "mnemo/ball_rank_certificate.h"
#include "mnemo/error.h"
#include "mnemo/exact_rank.h"

namespace mnemo {
namespace {

// ---- Exact oracle values (mod p) -----------------------------------------------------------

int64_t CertifiedRank(const std::string& act, int64_t d, int64_t m, int64_t n, JacobianWrt wrt,
                      BiasMode bias, PointKind point = PointKind::kRandom,
                      int64_t* predicted = nullptr) {
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
  EXPECT_EQ(r.certificate.kind, "mod-p");
  EXPECT_TRUE(r.certificate.proof);
  EXPECT_EQ(r.certificate.prime_ranks.size(), 3u);
  if (predicted) *predicted = r.prediction.rank;
  EXPECT_FALSE(r.contradiction) << r.ToText();
  return r.certificate.rank;
}

TEST(JacobianOracleTest, AlexanderHirschowitzAndQuadricsZeroBias) {
  struct Case {
    int64_t d, m, k, rank;
  };
  // §4.2: (d, m, k) → rank J_W for t^k, zero bias, n = max(md, C(k+d−1, d−1)) + 5.
  const Case cases[] = {{3, 5, 4, 14}, {5, 7, 3, 34}, {4, 9, 4, 34}, {3, 2, 2, 5},  {5, 3, 2, 12},
                        {3, 3, 2, 6},  {3, 4, 4, 12}, {3, 6, 4, 15}, {4, 8, 4, 32}, {5, 6, 3, 30}};
  for (const Case& c : cases) {
    SCOPED_TRACE(fmt::format("d={} m={} k={}", c.d, c.m, c.k));
    const int64_t n = std::max(c.m * c.d, Binomial(c.k + c.d - 1, c.d - 1)) + 5;
    int64_t predicted = -2;
    EXPECT_EQ(CertifiedRank(fmt::format("poly:{}", c.k), c.d, c.m, n, JacobianWrt::kWeights,
                            BiasMode::kZero, PointKind::kRandom, &predicted),
              c.rank);
    EXPECT_EQ(predicted, c.rank);
    EXPECT_EQ(AlexanderHirschowitzRank(c.d, c.m, c.k), c.rank);
  }
}

TEST(JacobianOracleTest, GenericBiasRemovesSporadicDefectsNotQuadric) {
  struct Case {
    int64_t d, m, k, rank;
  };
  // §4.3: rank J_W with generic biases, n = max(md, C(k+d, d)) + 5.
  const Case cases[] = {{3, 3, 2, 8},   {4, 3, 2, 11}, {3, 5, 4, 15}, {5, 7, 3, 35},
                        {4, 12, 3, 34}, {2, 10, 3, 9}, {3, 6, 3, 18}};
  for (const Case& c : cases) {
    SCOPED_TRACE(fmt::format("d={} m={} k={}", c.d, c.m, c.k));
    const int64_t n = std::max(c.m * c.d, Binomial(c.k + c.d, c.d)) + 5;
    EXPECT_EQ(CertifiedRank(fmt::format("poly:{}", c.k), c.d, c.m, n, JacobianWrt::kWeights,
                            BiasMode::kRandom),
              c.rank);
  }
}

TEST(JacobianOracleTest, FullJacobianPurePowers) {
  struct Case {
    int64_t d, m, k, n, zero_w, zero_all, gen_w, gen_all;
  };
  // §4.7 table.
  const Case cases[] = {{3, 5, 4, 40, 14, 19, 15, 20},
                        {3, 2, 2, 15, 5, 7, 6, 7},
                        {4, 3, 2, 23, 9, 12, 11, 12},
                        {3, 6, 3, 35, 10, 16, 18, 20},
                        {2, 10, 3, 45, 4, 7, 9, 10}};
  for (const Case& c : cases) {
    SCOPED_TRACE(fmt::format("d={} m={} k={}", c.d, c.m, c.k));
    const std::string act = fmt::format("poly:{}", c.k);
    int64_t pz = -2, pg = -2;
    EXPECT_EQ(CertifiedRank(act, c.d, c.m, c.n, JacobianWrt::kWeights, BiasMode::kZero), c.zero_w);
    EXPECT_EQ(CertifiedRank(act, c.d, c.m, c.n, JacobianWrt::kAll, BiasMode::kZero,
                            PointKind::kRandom, &pz),
              c.zero_all);
    EXPECT_EQ(CertifiedRank(act, c.d, c.m, c.n, JacobianWrt::kWeights, BiasMode::kRandom), c.gen_w);
    EXPECT_EQ(CertifiedRank(act, c.d, c.m, c.n, JacobianWrt::kAll, BiasMode::kRandom,
                            PointKind::kRandom, &pg),
              c.gen_all);
    EXPECT_EQ(pz, c.zero_all);
    EXPECT_EQ(pg, c.gen_all);
  }
}

TEST(JacobianOracleTest, MixedDegreesZeroBias) {
  // §4.4 with σ′ given: t³ → σ = t⁴; t³ + t → σ = t⁴/4 + t²/2; t → σ = t²; t + 1 → σ = t²/2 + t.
  EXPECT_EQ(CertifiedRank("poly:4", 3, 5, 40, JacobianWrt::kWeights, BiasMode::kZero), 14);
  EXPECT_EQ(CertifiedRank("poly:0,0,1/2,0,1/4", 3, 5, 40, JacobianWrt::kWeights, BiasMode::kZero),
            15);
  EXPECT_EQ(CertifiedRank("poly:2", 4, 3, 40, JacobianWrt::kWeights, BiasMode::kZero), 9);
  EXPECT_EQ(CertifiedRank("poly:0,1,1/2", 4, 3, 40, JacobianWrt::kWeights, BiasMode::kZero), 11);
}

TEST(JacobianOracleTest, PairedQuarticEdgeCase) {
  // §5 item 8: t⁴, d = 3, m = 10, n = 15: 14 with zero bias, 15 with generic bias.
  EXPECT_EQ(CertifiedRank("poly:4", 3, 10, 15, JacobianWrt::kWeights, BiasMode::kZero,
                          PointKind::kPaired),
            14);
  EXPECT_EQ(CertifiedRank("poly:4", 3, 10, 15, JacobianWrt::kWeights, BiasMode::kRandom,
                          PointKind::kPaired),
            15);
}

TEST(JacobianOracleTest, ModPBasics) {
  EXPECT_EQ(DoubleModP(0.5, 7), 4u);  // 2⁻¹ mod 7
  EXPECT_EQ(DoubleModP(-3.0, 7), 4u);
  EXPECT_EQ(DoubleModP(0.75, 11), (3u * 3u) % 11);      // 3·4⁻¹, 4⁻¹ = 3 mod 11
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

TEST(JacobianRankTest, AnalyticActivationsReachMdAndMdPlus2m) {
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
      // The ball certificate proves the rank at the sampled point, hence the maximum rank.
      EXPECT_EQ(all.certificate.kind, "ball");
      EXPECT_TRUE(all.certificate.proof) << all.ToText();
      EXPECT_EQ(all.certificate.rank, expect_all) << all.ToText();
      EXPECT_TRUE(all.rank_decided) << all.ToText();
      EXPECT_EQ(all.float_evidence.rank, expect_all) << all.ToText();
      EXPECT_FALSE(all.contradiction);
    }
  }
}

TEST(JacobianRankTest, PairedPointRanks) {
  const int64_t d = 3, m = 8, h = 4;
  for (const char* act : {"tanh", "sigmoid", "gelu", "sin"}) {
    for (int64_t n : {h * d - 1, h * d + 1, h * (d + 2), h * (d + 2) + 1}) {
      SCOPED_TRACE(fmt::format("{} n={}", act, n));
      EXPECT_EQ(FloatRank(act, d, m, n, JacobianWrt::kWeights, PointKind::kPaired).numerical_rank,
                std::min(n, h * d));
      RankReport all = FloatRank(act, d, m, n, JacobianWrt::kAll, PointKind::kPaired);
      EXPECT_EQ(all.numerical_rank, std::min(n, h * (d + 2)));
      EXPECT_EQ(all.certificate.rank, std::min(n, h * (d + 2))) << all.ToText();
    }
  }
}

TEST(JacobianRankTest, GramRouteAgreesWithSvdAndCertifies) {
  RankOptions o;
  o.activation = TwoLayerActivation::Parse("tanh");
  o.m = 20;
  o.d = 10;
  o.n = 100;
  o.certify = true;
  o.mode = CertificateMode::kFloat;  // the fast path only
  o.route = "gram";
  RankReport g = ComputeRank(o);
  o.route = "svd";
  RankReport s = ComputeRank(o);
  EXPECT_EQ(g.numerical_rank, 100);
  EXPECT_EQ(s.numerical_rank, 100);
  EXPECT_EQ(g.certificate.kind, "gram-float");
  EXPECT_FALSE(g.certificate.proof);  // evidence, not a proof
  EXPECT_EQ(g.certificate.rank, 100);
  EXPECT_FALSE(g.rank_decided);
  EXPECT_NE(g.certificate.Text().find("not a proof"), std::string::npos);
  EXPECT_NEAR(g.best.sigma_max, s.best.sigma_max, 1e-6 * s.best.sigma_max);
}

// ---- Piecewise-linear σ: exact ranks at rational points -------------------------------------

RankReport ExactRank(const std::string& act, int64_t m, int64_t d, int64_t n, JacobianWrt wrt,
                     PointKind point = PointKind::kRandom) {
  RankOptions o;
  o.activation = TwoLayerActivation::Parse(act);
  o.m = m;
  o.d = d;
  o.n = n;
  o.wrt = wrt;
  o.point = point;
  o.certify = true;
  o.seed = 3;
  o.draws = 12;  // the maximum rank of a piecewise-linear σ is reached on open regions only
  return ComputeRank(o);
}

TEST(JacobianExactTest, PiecewiseLinearMaximumRanksAreDecided) {
  struct Case {
    const char* act;
    JacobianWrt wrt;
    PointKind point;
    int64_t rank;  // at (m, d) = (8, 4), n = columns + 1
  };
  const auto W = JacobianWrt::kWeights, A = JacobianWrt::kAll;
  const auto R = PointKind::kRandom, P = PointKind::kPaired;
  const Case cases[] = {
      {"relu", W, R, 32},      {"relu", A, R, 40},       {"relu", W, P, 16},
      {"relu", A, P, 20},      {"leaky-relu", A, R, 40}, {"leaky-relu", A, P, 20},
      {"hard-tanh", A, R, 48}, {"hard-tanh", A, P, 24},  {"step", W, R, 0},
      {"step", A, R, 8},       {"step", A, P, 4},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(fmt::format("{} {} {}", c.act, ToString(c.wrt), ToString(c.point)));
    RankReport r = ExactRank(c.act, 8, 4, JacobianColumns(8, 4, 1, c.wrt) + 1, c.wrt, c.point);
    EXPECT_EQ(r.prediction.upper_bound, c.rank);
    EXPECT_EQ(r.certificate.kind, "exact");
    EXPECT_TRUE(r.certificate.proof);
    EXPECT_EQ(r.certificate.rank, c.rank) << r.ToText();
    EXPECT_TRUE(r.rank_decided) << r.ToText();
    EXPECT_FALSE(r.contradiction);
  }
}

TEST(JacobianExactTest, ExactJacobianEqualsTheFloatJacobian) {
  for (const char* name : {"relu", "leaky-relu", "hard-tanh", "step"}) {
    SCOPED_TRACE(name);
    TwoLayerActivation act = TwoLayerActivation::Parse(name);
    std::mt19937_64 rng(9);
    TwoLayerParams p = RandomPoint(act, 5, 3, PointKind::kRandom, BiasMode::kRandom, 1.5, rng);
    Eigen::MatrixXd x = GaussianData(3, 7, rng);
    std::vector<Rational> j;
    ASSERT_TRUE(ExactJacobian(act, p, x, JacobianWrt::kAll, &j));
    Eigen::MatrixXd jt = JacobianTransposed(act, p, x, JacobianWrt::kAll);
    const int64_t cols = jt.rows();
    for (int64_t i = 0; i < x.cols(); ++i)
      for (int64_t c = 0; c < cols; ++c)
        EXPECT_NEAR(ToDouble(j[i * cols + c]), jt(c, i), 1e-14 * (1 + std::fabs(jt(c, i))));
  }
}

TEST(JacobianExactTest, KinksAndRationalRanks) {
  TwoLayerActivation relu = TwoLayerActivation::Parse("relu");
  TwoLayerParams p;
  p.w = Eigen::MatrixXd::Ones(2, 1);
  p.b = Eigen::VectorXd::Constant(1, -1.0);
  p.v = Eigen::MatrixXd::Ones(1, 1);
  Eigen::MatrixXd x(2, 1);
  x << 0.25, 0.75;  // w·x + b = 0: on the kink
  std::vector<Rational> j;
  EXPECT_FALSE(ExactJacobian(relu, p, x, JacobianWrt::kAll, &j));
  p.v(0, 0) = 0;  // v = 0: the W- and b-columns vanish either way
  EXPECT_TRUE(ExactJacobian(relu, p, x, JacobianWrt::kAll, &j));
  // Rank over ℚ: [[1/3, 2/3], [1/6, 1/3]] has rank 1; a denominator divisible by p is refused.
  std::vector<Rational> a = {Rational(1, 3), Rational(2, 3), Rational(1, 6), Rational(1, 3)};
  EXPECT_EQ(RankOverQ(a, 2, 2), 1);
  a[3] = Rational(1, 2);
  EXPECT_EQ(RankOverQ(a, 2, 2), 2);
  std::vector<double> residues;
  EXPECT_FALSE(ReduceModP({Rational(1, 1048583)}, 1048583, &residues));
  EXPECT_TRUE(ReduceModP({Rational(1, 2)}, 7, &residues));
  EXPECT_EQ(residues[0], 4);
}

TEST(JacobianExactTest, PolynomialUpperBoundsAreProven) {
  // t³ with generic bias, all parameters: the rank is capped by C(k+d, d) (f is a cubic in x)
  // and m(d+1) (Euler); the mod-p witness meets the bound, so the maximum rank is decided.
  RankReport r = ExactRank("poly:3", 6, 3, 40, JacobianWrt::kAll);
  EXPECT_EQ(r.prediction.upper_bound, 20);
  EXPECT_EQ(r.certificate.rank, 20);
  EXPECT_TRUE(r.rank_decided) << r.ToText();
}

// ---- Ball arithmetic ------------------------------------------------------------------------

TEST(JacobianBallTest, ProvesFullRankAndRefusesSingularMinors) {
  for (const char* name : {"tanh", "sigmoid", "softplus", "gelu", "silu", "erf", "sin", "exp"}) {
    SCOPED_TRACE(name);
    TwoLayerActivation act = TwoLayerActivation::Parse(name);
    std::mt19937_64 rng(4);
    TwoLayerParams p = RandomPoint(act, 4, 3, PointKind::kRandom, BiasMode::kRandom, 1.5, rng);
    Eigen::MatrixXd x = GaussianData(3, 12, rng);
    BallCertificate c = CertifyRankBall(act, p, x, JacobianWrt::kWeights, 12);
    EXPECT_TRUE(c.proven) << c.failure;
    EXPECT_EQ(c.rows.size(), 12u);
    EXPECT_GE(c.precision, 64);
  }
  // exp: σ′ = σ makes the b- and v-columns proportional, so the 20 × 20 Jacobian of (m, d) =
  // (4, 3) has rank 16: no 20 × 20 minor can be certified, at any precision.
  TwoLayerActivation exp = TwoLayerActivation::Parse("exp");
  std::mt19937_64 rng(4);
  TwoLayerParams p = RandomPoint(exp, 4, 3, PointKind::kRandom, BiasMode::kRandom, 1.5, rng);
  Eigen::MatrixXd x = GaussianData(3, 20, rng);
  BallCertificate c = CertifyRankBall(exp, p, x, JacobianWrt::kAll, 20, 256);
  EXPECT_FALSE(c.proven);
  EXPECT_NE(c.failure.find("contains 0"), std::string::npos);
  EXPECT_TRUE(CertifyRankBall(exp, p, x, JacobianWrt::kAll, 16).proven);
}

}  // namespace
}  // namespace mnemo
