// bitextract benchmarks: build and exact verification for synthetic N = 10³..10⁶ (d = 32) and
// the full Fashion-MNIST training set (depths 20..3000, the trade-off; the delta decoder at
// 300..3000); --minimize params|bits (all decoders; the match, delta and coarse decoders
// alone; on the full Fashion-MNIST training set);
// exact vs float64 verification throughput on the same network. Counters: W, L, W²L²,
// W²L²/(N log2 1/δ), params, bits, build and verify seconds.
#include <benchmark/benchmark.h>

#include <map>
#include <memory>
#include <optional>

#include "mnemo/pipeline.h"
#include "mnemo/dataset.h"
#include "mnemo/evaluate.h"
#include "mnemo/verify.h"

namespace mnemo {
namespace {

const Dataset& CachedData(const std::string& spec) {
  static std::map<std::string, std::unique_ptr<Dataset>> cache;
  auto& slot = cache[spec];
  if (!slot) slot = std::make_unique<Dataset>(LoadDataset(spec));
  return *slot;
}

std::string SyntheticSpec(int64_t n) {
  return "synthetic:ball?n=" + std::to_string(n) + "&d=32&classes=10&seed=1";
}

void SetCounters(benchmark::State& state, const Report& r, int64_t n) {
  state.counters["W"] = double(r.network.width);
  state.counters["L"] = double(r.network.depth);
  state.counters["w2l2"] = Measure(r.network, "w2l2");
  for (const Bound& b : r.theory)
    if (b.kind == Bound::Kind::kUpper && b.measure == "w2l2") state.counters["w2l2_over_n_log"] = b.Ratio();
  state.counters["N"] = double(n);
}

// Build + exact verification of one network at depth `depth` (decoder: --decode).
void BuildAndVerify(benchmark::State& state, const std::string& spec, int64_t depth,
                    const std::string& decode = "auto") {
  const Dataset& data = CachedData(spec);
  for (auto _ : state) {
    Report r = RunConstruction("bitextract", {{"depth", std::to_string(depth)}, {"decode", decode}},
                               data).report;
    if (!r.ok()) {
      state.SkipWithError(r.reason.c_str());
      return;
    }
    SetCounters(state, r, data.n());
    state.counters["build_s"] = r.timings.Get("build");
    state.counters["verify_s"] = r.timings.Get("verify");
  }
}

void BM_SyntheticBuildVerify(benchmark::State& state) {
  BuildAndVerify(state, SyntheticSpec(state.range(0)), state.range(1));
}
BENCHMARK(BM_SyntheticBuildVerify)
    ->ArgsProduct({{1000, 10000, 100000, 1000000}, {200}})
    ->Unit(benchmark::kSecond)
    ->Iterations(1);

void BM_FashionMnistBuildVerify(benchmark::State& state) {
  BuildAndVerify(state, "fashion-mnist", state.range(0));
}
BENCHMARK(BM_FashionMnistBuildVerify)
    ->Arg(20)->Arg(30)->Arg(100)->Arg(300)->Arg(1000)->Arg(3000)
    ->Unit(benchmark::kSecond)->Iterations(1);

// The delta decoder (--decode delta) on the same depths: width 6 at the deep end.
void BM_FashionMnistDeltaBuildVerify(benchmark::State& state) {
  BuildAndVerify(state, "fashion-mnist", state.range(0), "delta");
}
BENCHMARK(BM_FashionMnistDeltaBuildVerify)
    ->Arg(300)->Arg(1000)->Arg(3000)
    ->Unit(benchmark::kSecond)->Iterations(1);

// --minimize params|bits: every candidate shape is built (the projection once); counters are
// the sizes of the network returned.
void BM_Minimize(benchmark::State& state, const std::string& objective,
                 const std::string& decode = "auto",
                 const std::string& source = "synthetic:ball?n=10000&d=32&classes=10&seed=1") {
  const Dataset& data = CachedData(source);
  for (auto _ : state) {
    Report r =
        RunConstruction("bitextract", {{"minimize", objective}, {"decode", decode}}, data).report;
    if (!r.ok()) {
      state.SkipWithError(r.reason.c_str());
      return;
    }
    SetCounters(state, r, data.n());
    state.counters["params"] = double(r.network.params_nonzero);
    state.counters["bits"] = double(r.network.total_weight_bits);
    state.counters["build_s"] = r.timings.Get("build");
    state.counters["verify_s"] = r.timings.Get("verify");
  }
}
void BM_MinimizeParams(benchmark::State& state) { BM_Minimize(state, "params"); }
void BM_MinimizeBits(benchmark::State& state) { BM_Minimize(state, "bits"); }
// The match decoder alone (the candidates --minimize tried before --decode delta).
void BM_MinimizeParamsMatchOnly(benchmark::State& state) { BM_Minimize(state, "params", "match"); }
BENCHMARK(BM_MinimizeParams)->Unit(benchmark::kSecond)->Iterations(1);
BENCHMARK(BM_MinimizeBits)->Unit(benchmark::kSecond)->Iterations(1);
BENCHMARK(BM_MinimizeParamsMatchOnly)->Unit(benchmark::kSecond)->Iterations(1);
// The coarse delta decoder alone, and the candidates --minimize tried before it (match, delta).
void BM_MinimizeParamsCoarseOnly(benchmark::State& state) { BM_Minimize(state, "params", "coarse"); }
void BM_MinimizeParamsBeforeCoarse(benchmark::State& state) {
  BM_Minimize(state, "params", "delta");
}
BENCHMARK(BM_MinimizeParamsCoarseOnly)->Unit(benchmark::kSecond)->Iterations(1);
BENCHMARK(BM_MinimizeParamsBeforeCoarse)->Unit(benchmark::kSecond)->Iterations(1);
// The full Fashion-MNIST training set (the README's --minimize rows), build + exact verify.
void BM_FashionMnistMinimizeParams(benchmark::State& state) {
  BM_Minimize(state, "params", "auto", "fashion-mnist");
}
void BM_FashionMnistMinimizeBits(benchmark::State& state) {
  BM_Minimize(state, "bits", "auto", "fashion-mnist");
}
BENCHMARK(BM_FashionMnistMinimizeParams)->Unit(benchmark::kSecond)->Iterations(1);
BENCHMARK(BM_FashionMnistMinimizeBits)->Unit(benchmark::kSecond)->Iterations(1);

// Exact vs float64 evaluation throughput on one float-safe network (exact in float64).
void Throughput(benchmark::State& state, bool exact) {
  const Dataset& data = CachedData(SyntheticSpec(100000));
  static std::optional<Network> net;
  static Report report;
  if (!net) {
    RunResult r = RunConstruction("bitextract", {{"depth", "200"}, {"max-weight-bits", "53"}}, data,
                      {.verify = false});
    report = r.report;
    net = std::move(r.network);
    if (!net) {
      state.SkipWithError(report.reason.c_str());
      return;
    }
  }
  for (auto _ : state) {
    if (exact) benchmark::DoNotOptimize(EvaluateExact(*net, data.x.Dense()));
    else benchmark::DoNotOptimize(EvaluateFloat(*net, data.x.Dense()));
  }
  state.SetItemsProcessed(state.iterations() * data.n());
  SetCounters(state, report, data.n());
}
void BM_EvaluateExact(benchmark::State& state) { Throughput(state, true); }
void BM_EvaluateFloat64(benchmark::State& state) { Throughput(state, false); }
BENCHMARK(BM_EvaluateExact)->Unit(benchmark::kMillisecond)->Iterations(1);
BENCHMARK(BM_EvaluateFloat64)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace
}  // namespace mnemo

BENCHMARK_MAIN();
