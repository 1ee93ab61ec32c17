// Core benchmarks: loading, zhang build time, exact vs float64 evaluation throughput.
// Run: build/bench/core_benchmark [--benchmark_filter=...]
#include <map>
#include <memory>

#include <benchmark/benchmark.h>

#include "mnemo/pipeline.h"
#include "mnemo/evaluate.h"
#include "mnemo/progress.h"

namespace {

using mnemo::Dataset;
using mnemo::Network;

std::string Spec(int64_t n) {
  return fmt::format("synthetic:sphere?n={}&d=32&classes=10&seed=1", n);
}

const Dataset& Data(int64_t n) {
  static std::map<int64_t, std::unique_ptr<Dataset>> cache;
  auto& slot = cache[n];
  if (!slot) slot = std::make_unique<Dataset>(mnemo::LoadDataset(Spec(n)));
  return *slot;
}

const Network& ZhangNet(int64_t n) {
  static std::map<int64_t, std::unique_ptr<Network>> cache;
  auto& slot = cache[n];
  if (!slot) {
    slot = std::make_unique<Network>(*mnemo::RunConstruction("zhang", {}, Data(n), {.verify = false}).network);
  }
  return *slot;
}

void BM_LoadFashionMnist(benchmark::State& state) {
  for (auto _ : state) {
    Dataset d = mnemo::LoadDataset("fashion-mnist");
    benchmark::DoNotOptimize(d.x.Dense().data());
  }
  state.SetItemsProcessed(state.iterations() * 60000);
}
BENCHMARK(BM_LoadFashionMnist)->Unit(benchmark::kMillisecond);

void BM_ZhangBuild(benchmark::State& state) {
  const Dataset& data = Data(state.range(0));
  for (auto _ : state) {
    auto result = mnemo::RunConstruction("zhang", {}, data, {.verify = false});
    benchmark::DoNotOptimize(result.network);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_ZhangBuild)->Arg(1000)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond);

// The zhang network on N points has ~2N hidden units, so evaluating all N points is O(N²):
// items = points; the counter "neurons/s" normalizes by the width.
void BM_EvaluateExact(benchmark::State& state) {
  const Dataset& data = Data(state.range(0));
  const Network& net = ZhangNet(state.range(0));
  for (auto _ : state) {
    auto out = mnemo::EvaluateExact(net, data.x.Dense());
    benchmark::DoNotOptimize(out.numerator.data());
  }
  state.SetItemsProcessed(state.iterations() * data.n());
  state.counters["neuron_evals/s"] = benchmark::Counter(
      double(state.iterations()) * double(data.n()) * double(net.Stats().neurons),
      benchmark::Counter::kIsRate);
}
BENCHMARK(BM_EvaluateExact)->Arg(1000)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond);

void BM_EvaluateFloat(benchmark::State& state) {
  const Dataset& data = Data(state.range(0));
  const Network& net = ZhangNet(state.range(0));
  for (auto _ : state) {
    auto out = mnemo::EvaluateFloat(net, data.x.Dense());
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * data.n());
  state.counters["neuron_evals/s"] = benchmark::Counter(
      double(state.iterations()) * double(data.n()) * double(net.Stats().neurons),
      benchmark::Counter::kIsRate);
}
BENCHMARK(BM_EvaluateFloat)->Arg(1000)->Arg(10000)->Arg(100000)->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  mnemo::Progress::SetEnabled(false);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}
