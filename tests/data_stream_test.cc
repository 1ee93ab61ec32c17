// Tests for mnemo/row_blocks.h, mnemo/memory.h and the streamed data path: the projection the
// line constructions choose and every verification report are the same whatever the block size
// (streaming = in memory); verification in shards (--rows i/n) sums to the whole run, through
// the binary; data that will not fit is refused with one line before it is read (ulimit -v);
// build and verify of byte data take no binary64 copy of it (measured peak); saving a network
// holds no copy of its text and verification about a byte per point, and the exact plan of a
// wide layer about 12 bytes per weight (measured peak growth).
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>

#include <nlohmann/json.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "constructions/projection.h"
#include "mnemo/dataset.h"
#include "mnemo/evaluate.h"
#include "mnemo/io.h"
#include "mnemo/memory.h"
#include "mnemo/pipeline.h"
#include "mnemo/row_blocks.h"
#include "mnemo/verify.h"
#include "tests/sanitizers.h"
#include "tests/test_util.h"

namespace mnemo {
namespace {

using ::testing::HasSubstr;
using testing::CliResult;
using testing::PeakKb;
using testing::RunCli;
using testing::TempDir;

void ExpectSameProjection(const internal::DyadicProjection& a,
                          const internal::DyadicProjection& b, const std::string& what) {
  EXPECT_EQ(a.v, b.v) << what;
  EXPECT_EQ(a.frac_bits, b.frac_bits) << what;
  EXPECT_EQ(a.p, b.p) << what;
  EXPECT_EQ(a.order, b.order) << what;
  EXPECT_EQ(a.min_gap, b.min_gap) << what;
  EXPECT_EQ(a.tries, b.tries) << what;
}

// The first `rows` rows of a dataset.
DataOptions Limit(int64_t rows) {
  DataOptions o;
  o.limit = rows;
  return o;
}

TEST(RowBlocksTest, BlocksCoverTheRowsInOrderAndAllIsTheMatrix) {
  Dataset data = LoadDataset("fashion-mnist:test", Limit(100));
  const InputMap map = ComputeNormalization(data);
  const RowMatrix whole = Normalized(data, map);
  for (int64_t rows : {1, 7, 64, 0}) {
    const RowBlocks blocks = NormalizedRows(data, map, rows);
    int64_t next = 0, visits = 0;
    blocks.ForEach([&](int64_t first, const RowMatrix& b) {
      EXPECT_EQ(first, next);
      EXPECT_EQ(b, whole.middleRows(first, b.rows()));
      next += b.rows();
      ++visits;
    });
    EXPECT_EQ(next, 100);
    if (rows > 0) {
      EXPECT_EQ(visits, (100 + rows - 1) / rows);
    }
    EXPECT_EQ(blocks.All(), whole);
  }
  const RowBlocks one(whole);
  EXPECT_EQ(&one.All(), &whole);  // a matrix in memory is not copied
}

// Integer-grid data (pixels) and general data (a ball on the 2^-30 grid), any block size and
// tries projected one at a time or all at once: the same projection as the matrix in memory.
TEST(StreamingTest, ProjectionIsTheSameAtEveryBlockSize) {
  for (const std::string spec : {"fashion-mnist:test", "synthetic:ball?n=200&d=6&seed=3"}) {
    Dataset data = LoadDataset(spec, Limit(200));
    const InputMap map = ComputeNormalization(data);
    const RowMatrix whole = Normalized(data, map);
    for (bool first_distinct : {false, true}) {
      Rng r0(7);
      const auto ref = internal::ChooseProjection(whole, 6, r0, 20, first_distinct);
      for (int64_t rows : {1, 13, 0})
        for (int64_t values : {int64_t(1), int64_t(1) << 25}) {
          Rng r(7);
          const auto got = internal::ChooseProjection(NormalizedRows(data, map, rows), 6, r, 20,
                                                      first_distinct, values);
          ExpectSameProjection(ref, got, fmt::format("{} rows {} values {}", spec, rows, values));
        }
    }
  }
}

// The projection chosen is the try with the largest exact smallest gap (the first of equals),
// with the data's fraction bits, its exact values and the points in their order: checked
// against a reference that draws the same Gaussian directions, projects every try exactly and
// sorts, on integer-grid data (pixels: one double product ranks the tries) and off it (a ball
// on the 2^-30 grid: exact projections of the candidates).
TEST(StreamingTest, ProjectionIsTheTryWithTheLargestExactGap) {
  for (const std::string spec : {"fashion-mnist:test", "synthetic:ball?n=300&d=6&seed=5"}) {
    Dataset data = LoadDataset(spec, Limit(300));
    const InputMap map = ComputeNormalization(data);
    const RowMatrix whole = Normalized(data, map);
    const int tries = 7, dir_bits = 20;
    Rng rng(11), same(11);
    const auto got = internal::ChooseProjection(NormalizedRows(data, map, 64), tries, rng, dir_bits);
    Gaussian gauss;
    int best = -1, frac = 0;
    std::vector<int64_t> best_v;
    std::vector<Integer> best_p;
    Integer best_gap;
    for (int t = 0; t < tries; ++t) {
      std::vector<int64_t> v(whole.cols());
      for (auto& x : v) x = std::llround(std::ldexp(gauss(same), dir_bits));
      std::vector<Integer> p = ProjectExact(whole, v, dir_bits, &frac);
      std::vector<Integer> sorted = p;
      std::sort(sorted.begin(), sorted.end());
      Integer gap = sorted[1] - sorted[0];
      for (size_t k = 2; k < sorted.size(); ++k) gap = std::min<Integer>(gap, sorted[k] - sorted[k - 1]);
      if (best < 0 || gap > best_gap) best = t, best_gap = gap, best_v = v, best_p = p;
    }
    EXPECT_EQ(got.v, best_v) << spec << ": try " << best << " is the best";
    EXPECT_EQ(got.frac_bits, frac) << spec;
    EXPECT_EQ(got.min_gap, best_gap) << spec;
    EXPECT_GT(best_gap, 0) << spec;
    EXPECT_EQ(got.p, best_p) << spec;
    EXPECT_EQ(got.tries, tries) << spec;
    ASSERT_EQ(got.order.size(), best_p.size()) << spec;
    for (size_t k = 1; k < got.order.size(); ++k)
      EXPECT_LT(best_p[got.order[k - 1]], best_p[got.order[k]]) << spec << " position " << k;
  }
}

nlohmann::ordered_json WithoutTimes(const VerifyReport& r) {
  nlohmann::ordered_json j = r.ToJson();
  j.erase("timings_s");
  return j;
}

// Every mode, byte and binary64 data, blocks of 1, 5 and all rows: the same report; and the
// shards of a run merge into it.
TEST(StreamingTest, VerificationIsTheSameAtEveryBlockSizeAndShardsMergeIntoIt) {
  for (const std::string spec : {"fashion-mnist:test", "synthetic:gaussian-clusters?n=120&d=5"}) {
    Dataset data = LoadDataset(spec, Limit(120));
    RunOptions run;
    run.verify = false;
    RunResult built = RunConstruction("zhang", {}, data, run);
    ASSERT_TRUE(built.network) << built.report.reason;
    // Checked on other labels as well, so there are mismatches to count and list.
    Dataset wrong = data;
    for (size_t i = 0; i < wrong.y.size(); i += 3) wrong.y[i] = (wrong.y[i] + 1) % int32_t(wrong.classes());
    for (const Dataset* d : {&data, &wrong})
      for (VerifyMode mode : {VerifyMode::kExact, VerifyMode::kFloat64, VerifyMode::kBoth}) {
        VerifyOptions o;
        o.mode = mode;
        const VerifyReport ref = Verify(*built.network, *d, o);
        EXPECT_EQ(ref.all_correct(), d == &data);
        for (int64_t rows : {1, 5}) {
          o.block_rows = rows;
          EXPECT_EQ(WithoutTimes(Verify(*built.network, *d, o)), WithoutTimes(ref)) << spec;
        }
        o.block_rows = 0;
        std::vector<VerifyReport> parts;
        for (int i = 0; i < 3; ++i) {
          o.shard = i;
          o.shards = 3;
          parts.push_back(VerifyReportFromJson(Verify(*built.network, *d, o).ToJson(), "part"));
        }
        EXPECT_EQ(WithoutTimes(MergeShards(parts, 10)), WithoutTimes(ref)) << spec;
      }
  }
}

nlohmann::json Json(const CliResult& r) { return nlohmann::json::parse(r.out); }

// Merged duplicates (rows ≠ points) and mismatches: the shards' sums are the whole run's.
TEST(StreamingCliTest, VerifyRowsShardsSumToTheWholeRun) {
  TempDir tmp;
  std::string csv = "x1,x2,label\n";
  std::mt19937_64 rng(5);
  auto row = [&] {
    const uint64_t a = rng() % 40, b = rng() % 40;
    return fmt::format("{},{},{}\n", a, b, (a + 2 * b) % 3);  // a label per point
  };
  for (int i = 0; i < 300; ++i) csv += row();
  testing::WriteText(tmp.Path("train.csv"), csv + "1,1,0\n1,1,0\n1,1,0\n");
  std::string other = "x1,x2,label\n";
  for (int i = 0; i < 300; ++i) {  // other points, labelled another way: mismatches
    const uint64_t a = rng() % 40, b = rng() % 40;
    other += fmt::format("{},{},{}\n", a, b, (a + b) % 3);
  }
  testing::WriteText(tmp.Path("other.csv"), other);
  CliResult b = RunCli({"build", tmp.Path("train.csv"), "-c", "bitextract", "-o", tmp.Path("n.json")});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  for (const char* data : {"train.csv", "other.csv"}) {
    CliResult whole = RunCli({"verify", tmp.Path("n.json"), tmp.Path(data), "--json"});
    ASSERT_LE(whole.exit_code, 1) << whole.err;
    std::vector<std::string> merge = {"verify", "--json", "--merge"};
    int64_t checked = 0, mismatches = 0;
    for (int i = 0; i < 4; ++i) {
      const std::string part = tmp.Path(fmt::format("part{}.json", i));
      CliResult r = RunCli({"verify", tmp.Path("n.json"), tmp.Path(data), "--json", "--rows",
                            fmt::format("{}/4", i)});
      ASSERT_LE(r.exit_code, 1) << r.err;
      testing::WriteText(part, r.out);
      checked += Json(r)["checked"].get<int64_t>();
      mismatches += Json(r)["mismatches"].get<int64_t>();
      merge.push_back(part);
    }
    EXPECT_EQ(checked, Json(whole)["checked"].get<int64_t>()) << data;
    EXPECT_EQ(mismatches, Json(whole)["mismatches"].get<int64_t>()) << data;
    CliResult merged = RunCli(merge);
    EXPECT_EQ(merged.exit_code, whole.exit_code) << merged.err;
    nlohmann::json m = Json(merged), w = Json(whole);
    m.erase("timings_s");
    w.erase("timings_s");
    EXPECT_EQ(m, w) << data;
  }
  EXPECT_EQ(Json(RunCli({"verify", tmp.Path("n.json"), tmp.Path("train.csv"), "--json"}))["checked"],
            303);
  CliResult human = RunCli({"verify", "--merge", tmp.Path("part0.json"), tmp.Path("part1.json"),
                            tmp.Path("part2.json"), tmp.Path("part3.json")});
  EXPECT_EQ(human.exit_code, 1);
  EXPECT_THAT(human.out, HasSubstr("exact: "));
}

void ExpectOneLineError(const CliResult& r, const std::string& message) {
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("mnemo: error: " + message)) << r.err;
  EXPECT_EQ(testing::CountLines(r.err), 1) << r.err;
}

TEST(StreamingCliTest, BadShardsAreOneLineErrors) {
  TempDir tmp;
  CliResult b = RunCli({"build", "synthetic:ball?n=50&d=3", "-c", "zhang", "-o", tmp.Path("n.json")});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  const std::string data = "synthetic:ball?n=50&d=3";
  ExpectOneLineError(RunCli({"verify", tmp.Path("n.json"), data, "--rows", "4/4"}),
                     "--rows: expected i/n with 0 ≤ i < n");
  ExpectOneLineError(RunCli({"verify", tmp.Path("n.json")}), "verify: needs NETWORK and DATA");
  for (int i : {0, 1}) {
    CliResult r = RunCli({"verify", tmp.Path("n.json"), data, "--json", "--rows",
                          fmt::format("{}/3", i)});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    testing::WriteText(tmp.Path(fmt::format("p{}.json", i)), r.out);
  }
  ExpectOneLineError(RunCli({"verify", "--merge", tmp.Path("p0.json"), tmp.Path("p1.json")}),
                     "verify --merge: shard 2/3 is missing");
  ExpectOneLineError(RunCli({"verify", "--merge", tmp.Path("p0.json"), tmp.Path("p0.json")}),
                     "verify --merge: shard 0/3 given twice");
  testing::WriteText(tmp.Path("bad.json"), "{\"mode\": \"exact\"}");
  ExpectOneLineError(RunCli({"verify", "--merge", tmp.Path("bad.json")}),
                     tmp.Path("bad.json") + ": no \"checked\"");
  ExpectOneLineError(RunCli({"verify", tmp.Path("n.json"), data, "--merge", tmp.Path("p0.json")}),
                     "--merge takes the shards' reports only");
}

// Runs `mnemo ARGS` under `ulimit -v KB` (a shell), returning the exit code and stderr.
CliResult RunLimited(int64_t kb, const std::vector<std::string>& args) {
  TempDir tmp;
  std::string cmd = fmt::format("ulimit -v {}; '{}'", kb, MNEMO_BINARY);
  for (const std::string& a : args) cmd += " '" + a + "'";
  cmd += " >/dev/null 2>'" + tmp.Path("err") + "'";
  const int status = std::system(cmd.c_str());
  CliResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.err = testing::ReadText(tmp.Path("err"));
  return r;
}

// Data larger than the address space `ulimit -v` leaves is refused before it is read, in one
// line, exit 2 — and so is a construction that needs every point as binary64 at once.
TEST(MemoryCliTest, DataThatWillNotFitIsRefusedBeforeReading) {
  MNEMO_SKIP_MEMORY_TEST_UNDER_ASAN();
  const int64_t limit_kb = 1 << 20;  // 1 GiB of address space
  CliResult r = RunLimited(limit_kb, {"data", "synthetic:ball?n=20000000&d=16"});
  ExpectOneLineError(r, "synthetic:ball?n=20000000&d=16: needs about 2.6 GB to hold "
                        "20000000×16 int32 values, but only");
  EXPECT_THAT(r.err, HasSubstr("(MemAvailable, ulimit -v); use a smaller n"));
  TempDir tmp;
  // A .npy header promising 200,000 × 1,000 float64 (1.6 GB): refused from its header.
  std::string header = "{'descr': '<f8', 'fortran_order': False, 'shape': (200000, 1000), }";
  header.resize(118, ' ');
  header += '\n';
  std::string npy = std::string("\x93NUMPY\x01\x00", 8) + char(header.size() & 255) +
                    char(header.size() >> 8) + header;
  testing::WriteText(tmp.Path("x.npy"), npy);
  std::filesystem::resize_file(tmp.Path("x.npy"), npy.size() + size_t(200000) * 1000 * 8);  // sparse
  ExpectOneLineError(RunLimited(limit_kb, {"data", tmp.Path("x.npy"), "--labels", tmp.Path("x.npy")}),
                     tmp.Path("x.npy") + ": needs about 1.6 GB to hold 200000×1000 binary64");
  // An IDX file of 40,000 images of 250 × 200 bytes (2 GB, sparse): refused from its header.
  std::string idx = {0, 0, 8, 3};
  for (uint32_t v : {40000u, 250u, 200u})
    for (int k = 3; k >= 0; --k) idx += char((v >> (8 * k)) & 255);
  testing::WriteText(tmp.Path("big-images-idx3-ubyte"), idx);
  std::filesystem::resize_file(tmp.Path("big-images-idx3-ubyte"), idx.size() + size_t(2000000000));
  ExpectOneLineError(RunLimited(limit_kb, {"data", tmp.Path("big-images-idx3-ubyte")}),
                     tmp.Path("big-images-idx3-ubyte") + ": needs about 2.0 GB to hold 2000000000 "
                     "bytes of IDX values");
  // Pixels fit as bytes (47 MB); baum needs them as binary64 at once (376 MB).
  CliResult c = RunLimited(400 << 10, {"build", "fashion-mnist", "-c", "baum", "-o",
                                       tmp.Path("n.json")});
  ExpectOneLineError(c, "the construction: needs about 376 MB to hold all 60000×784 points as "
                        "binary64 at once");
  EXPECT_FALSE(std::filesystem::exists(tmp.Path("n.json")));
}

TEST(MemoryTest, AvailableMemoryIsPositiveAndFormatted) {
  EXPECT_GT(AvailableMemory(), 0);
  EXPECT_EQ(FormatBytes(376320000), "376 MB");
  EXPECT_EQ(FormatBytes(3840000000), "3.8 GB");
  EXPECT_EQ(FormatBytes(12), "1 kB");
}


// This process's resident memory (VmRSS) or its peak (VmHWM) in kB.
int64_t StatusKb(const std::string& key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(key + ":", 0) == 0) return std::atoll(line.c_str() + key.size() + 1);
  return 0;
}

// The growth of the resident peak while `fn` runs: the peak is reset to the current resident
// memory first (/proc/self/clear_refs).
int64_t PeakGrowthKb(const std::function<void()>& fn) {
  { std::ofstream("/proc/self/clear_refs") << "5"; }
  const int64_t before = StatusKb("VmRSS");
  fn();
  return StatusKb("VmHWM") - before;
}

// Saving a network streams it: the file is written without its text (or a JSON document of a
// layer) held in memory — the peak grows by far less than the file's size.
TEST(MemoryTest, SavingANetworkHoldsNoCopyOfItsText) {
  MNEMO_SKIP_MEMORY_TEST_UNDER_ASAN();
  TempDir tmp;
  Report report;
  std::optional<Network> net = testing::BuildWith(
      "bitextract", LoadDataset("synthetic:ball?n=100000&d=8&classes=10"), {}, 1, &report);
  ASSERT_TRUE(net);
  const int64_t growth = PeakGrowthKb([&] { SaveNetwork(*net, tmp.Path("n.json")); });
  const int64_t file_kb = int64_t(std::filesystem::file_size(tmp.Path("n.json"))) / 1024;
  EXPECT_GT(file_kb, 4096);
  EXPECT_LT(growth, file_kb / 4) << "saving a " << file_kb << " kB network grew the peak by "
                                 << growth << " kB";
}

// Exact verification keeps about a byte per point (the decision), not an expected answer and
// an answer text per point (112 bytes before): the peak grows by less than 40 bytes per point.
// One class and a network that answers it everywhere, so the evaluation itself costs nothing.
TEST(MemoryTest, VerificationKeepsAboutABytePerPoint) {
  MNEMO_SKIP_MEMORY_TEST_UNDER_ASAN();
  const int64_t n = 1000000;
  RowMatrix x(n, 1);
  for (int64_t i = 0; i < n; ++i) x(i, 0) = double(i);
  const Dataset data = MakeDataset("line", std::move(x), std::vector<double>(n, 7.0));
  Network net;
  net.layers.push_back(MakeLayer(1, 1, {}, {Rational(0)}, Activation{}));
  net.class_values = {7};
  VerifyReport r = Verify(net, data);  // warm up: the evaluator's threads and their buffers
  ASSERT_TRUE(r.all_correct());
  const int64_t growth = PeakGrowthKb([&] { r = Verify(net, data); });
  EXPECT_EQ(r.checked, n);
  EXPECT_LT(growth * 1024, 40 * n) << "verifying " << n << " points grew the peak by " << growth
                                   << " kB";
}

// x → 1,000 relu neurons → a wide relu layer (1,000 rows of 1,000 terms, |w| ≤ 9) → 1 output.
// Neuron 0 is relu(2^120·x), so the wide layer's proven bounds need limbs (the multi-limb
// kernel, column-major). Built directly: no freed memory that a plan could reuse unseen.
Network WideLimbNetwork() {
  const int32_t hidden = 1000, wide = 1000;
  const Activation relu{Activation::kRelu, {}};
  std::vector<LayerEntry> first;
  for (int32_t i = 0; i < hidden; ++i)  // slopes of both signs: not a ramp-prefix table
    first.push_back({i, 0, i == 0 ? Rational(Pow2(120)) : Rational(i % 2 ? i % 7 + 1 : -(i % 7 + 1))});
  Network net;
  net.layers.push_back(MakeLayer(1, hidden, first, std::vector<Rational>(hidden, Rational(0)), relu));
  Layer w;
  w.inputs = hidden;
  w.outputs = wide;
  w.activation = relu;
  w.row_ptr.reserve(wide + 1);
  w.col.reserve(size_t(wide) * hidden);
  w.weight.reserve(size_t(wide) * hidden);
  w.row_ptr.push_back(0);
  for (int32_t j = 0; j < wide; ++j) {
    for (int32_t i = 0; i < hidden; ++i) {
      const int v = (j * 31 + i * 17) % 18;
      w.col.push_back(i);
      w.weight.emplace_back(v < 9 ? v - 9 : v - 8);  // ±1 .. ±9
    }
    w.row_ptr.push_back(int64_t(w.col.size()));
    w.bias.emplace_back(j % 5 - 2);
  }
  net.layers.push_back(std::move(w));
  net.layers.push_back(MakeLayer(wide, 1, {{0, 0, Rational(1)}}, {Rational(0)}, Activation{}));
  net.CheckValid();
  return net;
}

// The exact plan keeps a wide layer's weights once, as int64 column by column (12 bytes per
// weight with the row index) when they fit, instead of also row by row in limbs, int128 and bit
// lengths and a copy of the layer's mpz weights (about 180 bytes per weight before; 10^7 points
// of bitextract have ~2.4·10^7 such weights): exact evaluation of 64 points grows the peak by
// less than 32 bytes per weight of the wide layer (measured: 21, of which 8 the CSC order while
// it is made; 206 before).
TEST(MemoryTest, AWideLayerIsPlannedInAboutTwelveBytesPerWeight) {
  MNEMO_SKIP_MEMORY_TEST_UNDER_ASAN();
  const Network net = WideLimbNetwork();
  RowMatrix x(64, 1);
  for (int64_t i = 0; i < x.rows(); ++i) x(i, 0) = double(i % 2 ? i : -i) / 64;
  const int64_t weights = net.layers[1].nonzeros();
  ExactOutputs out;
  const int64_t growth = PeakGrowthKb([&] { out = EvaluateExact(net, x); });
  ASSERT_EQ(out.kernels[1], ExactKernel::kLimbs);
  ASSERT_EQ(out.prefix_layers, 0);
  EXPECT_EQ(out.shortcut_layers, 1) << "the wide layer is not column-major";
  EXPECT_LT(growth * 1024, 32 * weights) << "planning " << weights << " weights grew the peak by "
                                         << growth << " kB";
}

// Byte data stays bytes through build and verify: 20,000 images are 15.7 MB as bytes and
// 125 MB as binary64; the runs' peaks stay below one binary64 copy above the small run's.
TEST(MemoryCliTest, BuildAndVerifyOfByteDataTakeNoBinary64Copy) {
  MNEMO_SKIP_MEMORY_TEST_UNDER_ASAN();
  TempDir tmp;
  const std::string net = tmp.Path("n.json");
  const int64_t base = PeakKb({"build", "fashion-mnist", "--limit", "200", "-c", "bitextract",
                               "-o", tmp.Path("small.json")});
  const int64_t build = PeakKb({"build", "fashion-mnist", "--limit", "20000", "-c", "bitextract",
                                "-o", net});
  ASSERT_TRUE(std::filesystem::exists(net));
  const int64_t verify = PeakKb({"verify", net, "fashion-mnist", "--limit", "20000"});
  const int64_t dense_kb = int64_t(20000) * 784 * 8 / 1024;
  EXPECT_GT(build, base);
  EXPECT_LT(build - base, dense_kb) << "build peak " << build << " kB, base " << base;
  EXPECT_LT(verify - base, dense_kb) << "verify peak " << verify << " kB, base " << base;
}

}  // namespace
}  // namespace mnemo
