// Storage module benchmarks: the theory table, LP feasibility (with the exact certificate) vs N,
// and one small GD threshold curve.
#include <benchmark/benchmark.h>

#include "mnemo/storage_finite_width.h"
#include "mnemo/storage_gd.h"
#include "mnemo/storage_margin.h"
#include "mnemo/storage_separability.h"
#include "mnemo/storage_theory.h"

namespace {

void BM_TheoryTable(benchmark::State& state) {
  for (auto _ : state) {
    for (const std::string& name : mnemo::StorageActivation::Names()) {
      mnemo::StorageOptions o;
      o.activation = name;
      o.architecture = mnemo::Architecture::kTree;
      benchmark::DoNotOptimize(mnemo::ComputeStorageCapacity(o).capacity);
      if (name == "identity" || name == "step") continue;
      o.architecture = mnemo::Architecture::kFullyConnected;
      benchmark::DoNotOptimize(mnemo::ComputeStorageCapacity(o).capacity);
    }
  }
}
BENCHMARK(BM_TheoryTable)->Unit(benchmark::kMillisecond);

void BM_RsBranch200(benchmark::State& state) {
  mnemo::StorageActivation g = mnemo::StorageActivation::Parse("relu");
  mnemo::EffectiveKernel k{&g, true};
  for (auto _ : state) benchmark::DoNotOptimize(mnemo::RsBranch(k, 0, 200));
}
BENCHMARK(BM_RsBranch200)->Unit(benchmark::kMillisecond);

// One separability decision at α = 2 (about half the instances need the Gordan certificate).
void BM_LpFeasibility(benchmark::State& state) {
  const int N = int(state.range(0));
  std::mt19937_64 rng(1);
  int separable = 0, count = 0;
  for (auto _ : state) {
    state.PauseTiming();
    mnemo::PerceptronInstance inst = mnemo::SamplePerceptronInstance(N, 2 * N, rng);
    state.ResumeTiming();
    mnemo::SeparabilityResult r = mnemo::DecideSeparability(inst);
    separable += r.separable, ++count;
    if (!r.certified) state.SkipWithError("uncertified instance");
  }
  state.counters["separable_fraction"] = double(separable) / std::max(count, 1);
}
BENCHMARK(BM_LpFeasibility)->Arg(50)->Arg(100)->Arg(200)->Unit(benchmark::kMillisecond);

void BM_SignCommitteeMonteCarlo(benchmark::State& state) {
  mnemo::StorageActivation sign = mnemo::StorageActivation::Parse("step");
  std::mt19937_64 rng(1);
  double se;
  for (auto _ : state)
    benchmark::DoNotOptimize(mnemo::TreeCommitteeCapacity(sign, 9, 0, 1'000'000, rng, &se));
}
BENCHMARK(BM_SignCommitteeMonteCarlo)->Unit(benchmark::kMillisecond);

// One GD threshold curve: relu, N = 16, K = 4, α = 0.5..4, 4 instances per α, one thread.
void BM_GdThresholdCurve(benchmark::State& state) {
  for (auto _ : state) {
    mnemo::GdMeasureOptions o;
    o.protocol.activation = "relu", o.protocol.N = 16, o.protocol.K = 4;
    o.protocol.max_epochs = 2000;
    o.instances = 4, o.threads = 1, o.progress = false;
    mnemo::GdMeasureResult r = mnemo::MeasureGdThreshold(o);
    state.counters["alpha_50"] = r.curves[0].fit.alpha_50;
  }
}
BENCHMARK(BM_GdThresholdCurve)->Unit(benchmark::kSecond)->Iterations(1);

// Finite-K fully connected RS capacity: the (C, b, ρ) search on 20,000 samples and the value on
// 200,000 fresh ones.
void BM_FullyConnectedFiniteK(benchmark::State& state) {
  mnemo::StorageActivation g = mnemo::StorageActivation::Parse(state.range(0) ? "relu" : "step");
  mnemo::FullyConnectedCapacity c;
  for (auto _ : state)
    c = mnemo::FullyConnectedCommitteeCapacity(g, int(state.range(1)), 0, 200000, 20000, 1);
  state.counters["capacity"] = c.capacity;
  state.counters["C"] = c.correlation;
}
BENCHMARK(BM_FullyConnectedFiniteK)
    ->Args({0, 3})
    ->Args({1, 3})
    ->Args({1, 9})
    ->Iterations(1)
    ->Unit(benchmark::kSecond);

// One certified max-margin bracket at α = 1 (d = 100, n = 100).
void BM_MaxMargin(benchmark::State& state) {
  std::mt19937_64 rng(1);
  mnemo::PerceptronInstance inst = mnemo::SamplePerceptronInstance(100, 100, rng);
  mnemo::MarginBracket b;
  for (auto _ : state) b = mnemo::MaxMargin(inst);
  state.counters["kappa_lower"] = b.lower;
  state.counters["sweeps"] = b.sweeps;
}
BENCHMARK(BM_MaxMargin)->Unit(benchmark::kMillisecond);

// Exhaustive binary-weight enumeration of one instance.
void BM_IsingEnumeration(benchmark::State& state) {
  std::mt19937_64 rng(1);
  mnemo::IsingInstanceResult r;
  for (auto _ : state) r = mnemo::EnumerateIsing(int(state.range(0)), rng);
  state.counters["p_max"] = r.p_max;
}
BENCHMARK(BM_IsingEnumeration)->Arg(21)->Arg(25)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
