// Build time (no verification) of the classical baselines baum, bubeck and yun on a mid-size
// dataset (N = 10^4 uniform points on S^31, 2 classes; bubeck also on real targets), with the
// hidden neurons as a counter.
#include <benchmark/benchmark.h>

#include "mnemo/pipeline.h"

namespace mnemo {
namespace {

void BuildOnce(benchmark::State& state, const char* construction, const char* spec) {
  const Dataset data = LoadDataset(spec);
  RunOptions run;
  run.verify = false;
  Report report;
  for (auto _ : state) {
    report = RunConstruction(construction, {}, data, run).report;
    if (!report.ok()) {
      state.SkipWithError(report.reason.c_str());
      return;
    }
  }
  state.counters["neurons"] = double(report.network.neurons);
  state.counters["build_s"] = report.timings.Get("build");
  state.counters["assembly_s"] = report.timings.Get("assembly");
}

constexpr char kSphere[] = "synthetic:sphere?n=10000&d=32&classes=2&seed=1";
constexpr char kReal[] = "synthetic:sphere?n=10000&d=32&targets=real&seed=1";

void BM_Baum(benchmark::State& s) { BuildOnce(s, "baum", kSphere); }
void BM_Bubeck(benchmark::State& s) { BuildOnce(s, "bubeck", kSphere); }
void BM_BubeckRealTargets(benchmark::State& s) { BuildOnce(s, "bubeck", kReal); }
void BM_Yun(benchmark::State& s) { BuildOnce(s, "yun", kSphere); }
BENCHMARK(BM_Baum)->Unit(benchmark::kSecond)->Iterations(1);
BENCHMARK(BM_Bubeck)->Unit(benchmark::kSecond)->Iterations(1);
BENCHMARK(BM_BubeckRealTargets)->Unit(benchmark::kSecond)->Iterations(1);
BENCHMARK(BM_Yun)->Unit(benchmark::kSecond)->Iterations(1);

}  // namespace
}  // namespace mnemo

BENCHMARK_MAIN();
