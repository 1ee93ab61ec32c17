// Exact verification against float64 on the same networks: throughput (points/s) of
// mnemo::Verify in exact and float64 mode for a shallow network (zhang, bitextract at depth
// 20) and deep ones (bitextract at depth 100 and 1000), and an end-to-end run (build + exact
// verify) at N = 10^6, d = 100 with the process's peak resident memory.
//
//   build-test/bench/verify_benchmark [--benchmark_filter=...]
#include <sys/resource.h>

#include <map>
#include <memory>

#include <benchmark/benchmark.h>

#include "mnemo/pipeline.h"
#include "mnemo/dataset.h"
#include "mnemo/verify.h"

namespace {

struct Case {
  std::unique_ptr<mnemo::Dataset> data;
  std::unique_ptr<mnemo::Network> net;
};

// Networks are built once per (construction, depth, n) and kept for every benchmark.
const Case& Get(const std::string& construction, int depth, int64_t n) {
  static std::map<std::string, Case> cache;
  std::string key = fmt::format("{}/{}/{}", construction, depth, n);
  Case& c = cache[key];
  if (!c.net) {
    std::string spec = construction == "zhang"
                           ? fmt::format("synthetic:sphere?n={}&d=100&classes=10&seed=3", n)
                           : fmt::format("synthetic:ball?n={}&d=100&classes=10&seed=3", n);
    c.data = std::make_unique<mnemo::Dataset>(mnemo::LoadDataset(spec));
    mnemo::ParamMap params;
    if (depth > 0) params["depth"] = std::to_string(depth);
    mnemo::RunOptions run;
    run.verify = false;  // the benchmark verifies
    mnemo::RunResult r = mnemo::RunConstruction(construction, params, *c.data, run);
    if (!r.network) throw std::runtime_error("build failed: " + r.report.reason);
    c.net = std::make_unique<mnemo::Network>(std::move(*r.network));
  }
  return c;
}

int64_t PeakRssMiB() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024;
}

void Run(benchmark::State& state, const std::string& construction, mnemo::VerifyMode mode) {
  const int depth = int(state.range(0));
  const int64_t n = state.range(1);
  const Case& c = Get(construction, depth, n);
  mnemo::VerifyOptions options;
  options.mode = mode;
  bool ok = true;
  for (auto _ : state) ok = mnemo::Verify(*c.net, *c.data, options).all_correct() && ok;
  if (mode != mnemo::VerifyMode::kFloat64 && !ok) state.SkipWithError("exact verification failed");
  state.counters["points/s"] = benchmark::Counter(double(n), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["depth"] = double(c.net->Stats().depth);
  state.counters["max_weight_bits"] = double(c.net->Stats().max_weight_bits);
}

void BM_ZhangExact(benchmark::State& s) { Run(s, "zhang", mnemo::VerifyMode::kExact); }
void BM_ZhangFloat64(benchmark::State& s) { Run(s, "zhang", mnemo::VerifyMode::kFloat64); }
void BM_BitextractExact(benchmark::State& s) { Run(s, "bitextract", mnemo::VerifyMode::kExact); }
void BM_BitextractFloat64(benchmark::State& s) { Run(s, "bitextract", mnemo::VerifyMode::kFloat64); }

// Time is wall time, CPU is the whole process's (every OpenMP thread), points/s per wall
// second: on a shared machine compare the CPU column.
BENCHMARK(BM_ZhangExact)->Args({0, 10000})->Unit(benchmark::kMillisecond)->Iterations(1)
    ->MeasureProcessCPUTime()->UseRealTime();
BENCHMARK(BM_ZhangFloat64)->Args({0, 10000})->Unit(benchmark::kMillisecond)->Iterations(1)
    ->MeasureProcessCPUTime()->UseRealTime();
BENCHMARK(BM_BitextractExact)->Args({20, 20000})->Args({100, 20000})->Args({1000, 20000})
    ->Unit(benchmark::kMillisecond)->Iterations(1)->MeasureProcessCPUTime()->UseRealTime();
BENCHMARK(BM_BitextractFloat64)->Args({20, 20000})->Args({100, 20000})->Args({1000, 20000})
    ->Unit(benchmark::kMillisecond)->Iterations(1)->MeasureProcessCPUTime()->UseRealTime();

// The end-to-end case: load, build (bitextract, default depth) and verify exactly
// N = 10^6 points in d = 100; peak resident memory of the whole process so far.
void BM_EndToEndMillion(benchmark::State& state) {
  for (auto _ : state) {
    mnemo::Dataset data = mnemo::LoadDataset("synthetic:ball?n=1000000&d=100&classes=10");
    mnemo::RunResult r = mnemo::RunConstruction("bitextract", {}, data);  // builds and verifies
    if (!r.network) state.SkipWithError("not verified");
  }
  state.counters["peak_rss_MiB"] = double(PeakRssMiB());
}
BENCHMARK(BM_EndToEndMillion)->Unit(benchmark::kSecond)->Iterations(1)->MeasureProcessCPUTime()
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
