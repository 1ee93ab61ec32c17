// Storage module benchmarks: the theory table, LP feasibility (with the exact certificate) vs N,
// and one small GD threshold curve.
#include <benchmark/benchmark.h>

#include "mnemo/storage_finite_width.h"
#include "mnemo/storage_gd.h"
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
      if (name == "linear" || name == "sign") continue;
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
  mnemo::StorageActivation sign = mnemo::StorageActivation::Parse("sign");
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

}  // namespace

BENCHMARK_MAIN();
