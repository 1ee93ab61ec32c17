// vershynin build + exact verification for N in {10^3, 10^4, 10^5} (uniform points on S^31,
// 2 classes), with the deep connections per point as counters: the log factor of W ≥ C·N log⁵ N
// made visible (W/N grows slowly with N; W/(N ln⁵ N) falls).
#include <benchmark/benchmark.h>

#include <cmath>

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
  const auto& f = report.extras;
  state.counters["deep_conn_per_point"] = f["deep_connections_per_point"].get<double>();
  state.counters["memo_conn_per_point"] = f["memorization_connections_per_point"].get<double>();
  state.counters["W_over_NlogN"] = f["W_over_N_log_N"].get<double>();
  state.counters["W_over_Nlog5N"] = f["W_over_N_log5_N"].get<double>();
  state.counters["perception_neurons"] = double(f["perception_neurons"].get<int64_t>());
  state.counters["avg_batch"] = f["avg_batch"].get<double>();
  state.counters["tries"] = double(f["tries"].get<int>());
}
BENCHMARK(BM_VershyninBuildVerify)->Arg(1000)->Arg(10000)->Arg(100000)->Unit(benchmark::kSecond)
    ->Iterations(1);

}  // namespace
}  // namespace mnemo

BENCHMARK_MAIN();
