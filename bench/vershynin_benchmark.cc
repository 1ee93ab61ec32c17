// vershynin build + exact verification for N in {10^3, 10^4, 10^5} (uniform points on S^31,
// 2 classes), with the deep connections per point as counters: the log factor of W ≥ C·N log⁵ N
// made visible (W/N grows slowly with N; W/(N ln⁵ N) falls), and the seconds of each phase
// (random layers, packing, assembly, exact verification).
#include <benchmark/benchmark.h>

#include <cmath>

#include "constructions/vershynin.h"
#include "mnemo/pipeline.h"

namespace mnemo {
namespace {

void BM_VershyninBuildVerify(benchmark::State& state) {
  const int64_t n = state.range(0);
  Dataset data = LoadDataset(fmt::format("synthetic:sphere?n={}&d=32&classes=2&seed=1", n));
  Report report;
  for (auto _ : state) {
    report = RunConstruction("vershynin", {}, data).report;  // build + exact verification
    if (!report.ok()) {
      state.SkipWithError(report.reason.c_str());
      return;
    }
  }
  const auto& v = std::any_cast<const VershyninDetails&>(report.details);
  state.counters["deep_conn_per_point"] = double(v.deep_connections) / double(n);
  state.counters["memo_conn_per_point"] =
      double(v.memorization_connections) / double(v.points_memorized);
  state.counters["W_over_Nlog5N"] = report.theory[0].Ratio();
  state.counters["W_over_NlogN"] = report.theory[1].Ratio();
  state.counters["perception_neurons"] = double(v.perception_neurons);
  state.counters["avg_batch"] = v.avg_batch;
  state.counters["attempts"] = double(report.failed_attempts.size() + 1);
  for (const char* phase : {"e1", "codes", "pack", "assembly", "verify"})
    state.counters[std::string(phase) + "_s"] = report.timings.Get(phase);
}
BENCHMARK(BM_VershyninBuildVerify)
    ->Arg(1000)
    ->Arg(10000)
    ->Arg(100000)
    ->Unit(benchmark::kSecond)
    ->Iterations(1);

}  // namespace
}  // namespace mnemo

BENCHMARK_MAIN();
