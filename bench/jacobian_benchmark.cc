// Benchmarks for the Jacobian-rank solver: rank of J for (n, P) in {(500, 1000), (2000, 4000),
// (5000, 10000)} by float SVD, the Gram route and exact mod p; ball-arithmetic proofs of full
// row rank for tanh at (n, P) = (240, 240), (1000, 2000) and the largest size proven within 60 s;
// Jacobian assembly throughput; one Levenberg–Marquardt fit at n = 2000.
// P = m(d+2) with d = 98 and m = P/100 (all parameters), except (240, 240): m = 20, d = 10.
#include <benchmark/benchmark.h>

#include <random>

#include "mnemo/ball_rank_certificate.h"
#include "mnemo/exact_rank.h"
#include "mnemo/numerical_rank.h"
#include "mnemo/two_layer_fit.h"

namespace mnemo {
namespace {

constexpr int64_t kD = 98;

struct Instance {
  TwoLayerActivation act;
  TwoLayerParams p;
  Eigen::MatrixXd x;
};
Instance MakeInstance(const std::string& act, int64_t n, int64_t params, int64_t d = kD) {
  Instance in;
  in.act = TwoLayerActivation::Parse(act);
  std::mt19937_64 rng(1);
  in.p = RandomPoint(in.act, params / (d + 2), d, PointKind::kRandom, BiasMode::kRandom, 1.5, rng);
  in.x = GaussianData(d, n, rng);
  return in;
}

void BM_RankSvd(benchmark::State& state) {
  Instance in = MakeInstance("tanh", state.range(0), state.range(1));
  Eigen::MatrixXd jt = JacobianTransposed(in.act, in.p, in.x, JacobianWrt::kAll);
  int64_t rank = 0;
  for (auto _ : state) rank = SvdRank(jt).rank;
  state.counters["rank"] = double(rank);
}

void BM_RankGram(benchmark::State& state) {
  Instance in = MakeInstance("tanh", state.range(0), state.range(1));
  int64_t rank = 0;
  for (auto _ : state) {
    Eigen::MatrixXd k = JacobianGram(in.act, in.p, in.x, JacobianWrt::kAll);
    rank = GramRank(k).rank;
  }
  state.counters["rank"] = double(rank);
}

void BM_RankModP(benchmark::State& state) {
  const int64_t n = state.range(0), params = state.range(1), m = params / (kD + 2);
  TwoLayerActivation act = TwoLayerActivation::Parse("poly:3");
  std::mt19937_64 rng(1);
  const uint32_t p = RandomPrimes(1, rng)[0];
  auto draw = [&](size_t count) {
    std::vector<uint32_t> v(count);
    for (auto& e : v) e = uint32_t(1 + rng() % (p - 1));
    return v;
  };
  std::vector<uint32_t> x = draw(size_t(n) * kD), w = draw(size_t(m) * kD), b = draw(m),
                        v = draw(m);
  int64_t rank = 0;
  for (auto _ : state) {
    std::vector<double> j = JacobianModP(act, x, kD, n, w, b, v, m, JacobianWrt::kAll, p);
    rank = RankModP(j, n, JacobianColumns(m, kD, 1, JacobianWrt::kAll), p);
  }
  state.counters["rank"] = double(rank);
  state.counters["prime"] = double(p);
}

// Ball-arithmetic proof that the n × P tanh Jacobian has full row rank n (column-pivoted QR
// picks the minor, Arb evaluates it and its determinant).
void BM_BallCertificate(benchmark::State& state) {
  const int64_t n = state.range(0), params = state.range(1);
  Instance in = MakeInstance("tanh", n, params, params == 240 ? 10 : kD);
  BallCertificate c;
  for (auto _ : state) c = CertifyRankBall(in.act, in.p, in.x, JacobianWrt::kAll, n);
  if (!c.proven) state.SkipWithError(c.failure.c_str());
  state.counters["rank"] = double(c.rank);
  state.counters["precision_bits"] = double(c.precision);
}

void BM_JacobianAssembly(benchmark::State& state) {
  Instance in = MakeInstance("tanh", state.range(0), state.range(1));
  for (auto _ : state) {
    Eigen::MatrixXd jt = JacobianTransposed(in.act, in.p, in.x, JacobianWrt::kAll);
    benchmark::DoNotOptimize(jt.data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0) * state.range(1));  // entries
}

void BM_LmFit(benchmark::State& state) {
  const int64_t n = state.range(0), d = 20, m = 200;  // P = 4400
  std::mt19937_64 rng(2);
  Eigen::MatrixXd x = GaussianData(d, n, rng);
  std::normal_distribution<double> normal;
  Eigen::MatrixXd y(n, 1);
  for (int64_t i = 0; i < n; ++i) y(i, 0) = normal(rng);
  FitOptions o;
  o.activation = TwoLayerActivation::Parse("tanh");
  o.m = m;
  FitReport r;
  for (auto _ : state) {
    TwoLayerParams p;
    r = FitTwoLayer(o, x, y, &p);
  }
  state.counters["success"] = r.success;
  state.counters["iterations"] = r.iterations;
  state.counters["max_residual"] = r.max_residual;
  state.counters["kappa"] = r.kappa;
}

void Sizes(benchmark::internal::Benchmark* b) {
  b->Args({500, 1000})
      ->Args({2000, 4000})
      ->Args({5000, 10000})
      ->Iterations(1)
      ->Unit(benchmark::kSecond);
}

BENCHMARK(BM_RankModP)->Apply(Sizes);
BENCHMARK(BM_RankGram)->Apply(Sizes);
BENCHMARK(BM_RankSvd)->Apply(Sizes);
BENCHMARK(BM_BallCertificate)
    ->Args({240, 240})
    ->Args({1000, 2000})
    ->Args({1500, 3000})
    ->Iterations(1)
    ->Unit(benchmark::kSecond);
BENCHMARK(BM_JacobianAssembly)->Args({2000, 4000})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_LmFit)->Arg(2000)->Iterations(1)->Unit(benchmark::kSecond);

}  // namespace
}  // namespace mnemo

BENCHMARK_MAIN();
