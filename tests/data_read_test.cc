// Tests for mnemo/data_matrix.h and the block readers behind LoadDataset: CSV read in blocks of
// any size gives what the whole text gives (lines split across blocks, no final newline, CRLF,
// headers, quoted fields), delimiters, text labels and label-column names; compact storage
// (bytes stay bytes) with the same values, fingerprints and networks as binary64 storage.
#include <cmath>
#include <cstdio>
#include <random>

#include <nlohmann/json.hpp>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "mnemo/data_matrix.h"
#include "mnemo/dataset.h"
#include "mnemo/error.h"
#include "mnemo/io.h"
#include "mnemo/pipeline.h"
#include "tests/sanitizers.h"
#include "tests/test_util.h"

namespace mnemo {
namespace {

using ::testing::HasSubstr;
using testing::TempDir;
using testing::WriteText;

using testing::CliResult;
using testing::ErrorOf;
using testing::PeakKb;
using testing::RunCli;

// One line "mnemo: error: ..." naming the place, exit 2.
void ExpectBadInput(const std::vector<std::string>& args, const std::string& message) {
  CliResult r = RunCli(args);
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  size_t at = r.err.find("mnemo: error: ");
  ASSERT_NE(at, std::string::npos) << r.err;
  EXPECT_THAT(r.err.substr(at, r.err.find('\n', at) - at), HasSubstr(message));
  EXPECT_EQ(r.err.find("mnemo: error: ", at + 1), std::string::npos) << r.err;
}

std::string JsonField(const CliResult& r, const std::string& key) {
  return nlohmann::json::parse(r.out)[key].dump();
}

void ExpectSameData(const Dataset& a, const Dataset& b, const std::string& what) {
  ASSERT_EQ(a.n(), b.n()) << what;
  ASSERT_EQ(a.d(), b.d()) << what;
  for (int64_t i = 0; i < a.n(); ++i)
    for (int64_t j = 0; j < a.d(); ++j) ASSERT_EQ(a.x(i, j), b.x(i, j)) << what;
  EXPECT_EQ(a.y, b.y) << what;
  EXPECT_EQ(a.target, b.target) << what;
  EXPECT_EQ(a.row_lines, b.row_lines) << what;
  EXPECT_EQ(a.class_names, b.class_names) << what;
  EXPECT_EQ(a.Fingerprint().hash, b.Fingerprint().hash) << what;
}

Dataset Csv(const std::string& text, int64_t block, DataOptions opt = {}) {
  opt.block_bytes = block;
  return internal::DatasetFromCsvText(text, "t.csv", opt);
}

TEST(DataReadTest, EveryBlockSizeReadsWhatTheWholeTextReads) {
  const std::vector<std::string> texts = {
      "x1,x2,label\n0.5,1,10\n-1,2,-3\n3,0.25,10\n",           // header
      "0.5,1,10\r\n-1,2,-3\r\n3,0.25,10\r\n",                   // CRLF
      "0.5,1,10\n-1,2,-3\n3,0.25,10",                           // no final newline
      "\"a\",\"b\",\"c\"\n\"0.5\",1,10\n\n-1,\"2\",-3\n  \n3,0.25,10\n",  // quotes, blank lines
      "1e-3;2.5e10;1\n-0;0x1p-3;2\n+7;.5;1\n",                  // ';', hex, '+', -0
  };
  for (const std::string& text : texts) {
    Dataset whole = Csv(text, 1 << 20);
    for (int64_t block = 1; block <= int64_t(text.size()) + 1; ++block)
      ExpectSameData(whole, Csv(text, block), text + " in blocks of " + std::to_string(block));
  }
}

TEST(DataReadTest, LargeCsvParsedInParallelMatchesStrtod) {
  std::mt19937_64 rng(3);
  std::normal_distribution<double> normal;
  std::string text = "a,b,c,label\n";
  std::vector<double> want;
  for (int i = 0; i < 20000; ++i) {
    for (int j = 0; j < 3; ++j) {
      double v = normal(rng) * std::pow(10.0, double(int(rng() % 40) - 20));
      std::string s = fmt::format("{:.17g}", v);
      want.push_back(std::strtod(s.c_str(), nullptr));
      text += s + ",";
    }
    text += fmt::format("{}\n", i % 7);
  }
  for (int64_t block : {int64_t(1) << 20, int64_t(4099), int64_t(0)}) {
    Dataset ds = Csv(text, block);
    ASSERT_EQ(ds.n(), 20000);
    for (int i = 0; i < 20000; ++i)
      for (int j = 0; j < 3; ++j) ASSERT_EQ(ds.x(i, j), want[size_t(i * 3 + j)]) << i << "," << j;
    EXPECT_EQ(ds.row_lines.back(), 20001);
  }
}

TEST(DataReadTest, ErrorsNameTheLineAtAnyBlockSize) {
  const std::string text = "1,2,0\n3,4,1\n5,x,0\n7,8,1\n";
  for (int64_t block : {1, 5, 7, 1 << 20})
    EXPECT_THAT(ErrorOf([&] { Csv(text, block); }), HasSubstr("t.csv:3:2: not a number: \"x\""))
        << block;
  EXPECT_THAT(ErrorOf([&] { Csv("1,2,0\n3,4\n", 3); }), HasSubstr("t.csv:2: ragged row"));
  EXPECT_THAT(ErrorOf([&] { Csv("1,2,0\n3,1e999,1\n", 4); }), HasSubstr("t.csv:2:2: number overflows"));
}

TEST(DataReadTest, DelimitersAreDetectedAndOneColumnGetsAHint) {
  // Decimal commas are not numbers (the delimiter ';' is detected from the header).
  EXPECT_THAT(ErrorOf([&] { Csv("a;b;label\n1,5;2;0\n", 0); }),
              HasSubstr("t.csv:2:1: not a number: \"1,5\""));
  EXPECT_EQ(Csv("1;2;0\n3;4;1\n", 0).d(), 2);
  EXPECT_EQ(Csv("1\t2\t0\n3\t4\t1\n", 0).d(), 2);
  DataOptions tab;
  tab.delimiter = '\t';
  EXPECT_EQ(Csv("1\t2\t0\n3\t4\t1\n", 0, tab).d(), 2);
  EXPECT_THAT(ErrorOf([&] { Csv("1 2 0\n3 4 1\n", 0); }),
              HasSubstr("t.csv:1: need at least 2 columns (features and a label), found 1 with "
                        "the delimiter ','"));
  TempDir tmp;
  WriteText(tmp.Path("D.TSV"), "x\ty\tlabel\n1\t2\t0\n3\t4\t1\n");
  EXPECT_EQ(LoadDataset(tmp.Path("D.TSV")).d(), 2);
  WriteText(tmp.Path("E.CSV"), "1,2,0\n3,4,1\n");
  EXPECT_EQ(LoadDataset(tmp.Path("E.CSV")).n(), 2);
}

TEST(DataReadTest, TextLabelsBecomeTheClassMap) {
  Dataset ds = Csv("x,y,animal\n1,2,dog\n3,4,cat\n5,6,dog\n", 0);
  EXPECT_EQ(ds.class_names, (std::vector<std::string>{"cat", "dog"}));
  EXPECT_EQ(ds.y, (std::vector<int32_t>{1, 0, 1}));
  EXPECT_EQ(ds.LabelString(1), "cat");
  Dataset no_header = Csv("1,2,dog\n3,4,cat\n", 2);
  EXPECT_EQ(no_header.n(), 2);
  EXPECT_EQ(no_header.LabelString(0), "dog");
  // A numbered header ("0,1,label") above numeric labels is a header, not a text label.
  Dataset numbered = Csv("0,1,label\n1,2,0\n3,4,1\n", 0);
  EXPECT_EQ(numbered.n(), 2);
  EXPECT_TRUE(numbered.class_names.empty());
  EXPECT_THAT(ErrorOf([&] { Csv("1,2,dog\n3,4,cat\n5,6,1\n", 0); }),
              HasSubstr("t.csv:3: the label column mixes text and numbers"));
}

TEST(DataReadTest, LabelColumnByHeaderNameAndWarnings) {
  DataOptions opt;
  opt.label_column = "label";
  Dataset ds = Csv("label,x1,x2\n1,0.5,2\n0,1.5,3\n", 0, opt);
  EXPECT_EQ(ds.d(), 2);
  EXPECT_EQ(ds.x(0, 0), 0.5);
  EXPECT_EQ(ds.feature_columns, (std::vector<int64_t>{2, 3}));
  opt.label_column = "nope";
  EXPECT_THAT(ErrorOf([&] { Csv("label,x1,x2\n1,0.5,2\n", 0, opt); }),
              HasSubstr("--label-column \"nope\": no such column in the header"));
  // The default (last) on a file whose header names the first column "label": a warning.
  Dataset wrong = Csv("label,x1,x2\n1,0.5,2.5\n0,1.5,3.25\n", 0);
  ASSERT_FALSE(wrong.warnings.empty());
  EXPECT_THAT(wrong.warnings[0], HasSubstr("column 1 is named \"label\""));
  // Coordinates named x, y beside a text label (only a label can be text), or beside a numeric
  // last column: no warning.
  EXPECT_TRUE(Csv("x,y,animal\n0.5,1,cat\n1.5,2,dog\n", 0).warnings.empty());
  EXPECT_TRUE(Csv("x,y,value\n0.5,1,1\n1.5,2,0\n", 0).warnings.empty());
  // "y" without an "x" still reads as a label name.
  Dataset y_first = Csv("y,x1,x2\n1,0.5,2.5\n0,1.5,3.25\n", 0);
  ASSERT_FALSE(y_first.warnings.empty());
  EXPECT_THAT(y_first.warnings[0], HasSubstr("column 1 is named \"y\""));
  // Real labels beside a first column of small integers: a warning too.
  Dataset real = Csv("3,0.5,2.5\n1,1.5,3.25\n", 0);
  ASSERT_FALSE(real.warnings.empty());
  EXPECT_THAT(real.warnings[0], HasSubstr("--label-column 0"));
}

// The same data in two storages give the same normalization and the same networks, byte for byte.
void ExpectSameNormalizationAndNetworks(const Dataset& compact, const Dataset& dense) {
  InputMap mc = ComputeNormalization(compact), md = ComputeNormalization(dense);
  EXPECT_EQ(mc.scale_log2, md.scale_log2);
  EXPECT_EQ(mc.center, md.center);
  EXPECT_EQ(Normalized(compact, mc), Normalized(dense, md));
  for (const char* c : {"zhang", "bitextract"}) {
    RunOptions run;
    RunResult a = RunConstruction(c, {}, compact, run);
    RunResult b = RunConstruction(c, {}, dense, run);
    ASSERT_TRUE(a.network && b.network) << c;
    EXPECT_EQ(NetworkToJson(*a.network), NetworkToJson(*b.network)) << c;
  }
}

TEST(DataReadTest, BytesStayBytesWithTheSameValuesAndFingerprint) {
  TempDir tmp;
  std::vector<double> values;
  std::mt19937_64 rng(1);
  for (int i = 0; i < 40 * 6; ++i) values.push_back(double(rng() % 256));
  std::vector<double> labels;
  for (int i = 0; i < 40; ++i) labels.push_back(double(i % 3));
  std::string text;
  for (int i = 0; i < 40; ++i) {
    for (int j = 0; j < 6; ++j) text += fmt::format("{},", values[size_t(i * 6 + j)]);
    text += fmt::format("{}\n", labels[size_t(i)]);
  }
  WriteText(tmp.Path("b.csv"), text);
  Dataset csv = LoadDataset(tmp.Path("b.csv"));
  RowMatrix x(40, 6);
  for (int i = 0; i < 40 * 6; ++i) x.data()[i] = values[size_t(i)];
  Dataset dense = MakeDataset(tmp.Path("b.csv"), x, labels);
  EXPECT_EQ(dense.x.type(), DataMatrix::Type::kF64);
  Dataset bytes = MakeDataset(tmp.Path("b.csv"), x, labels);
  ASSERT_TRUE(bytes.x.CompactToBytes());
  EXPECT_EQ(bytes.x.bytes(), 40 * 6);
  EXPECT_EQ(bytes.Fingerprint().hash, dense.Fingerprint().hash);
  EXPECT_EQ(csv.Fingerprint().hash, dense.Fingerprint().hash);
  EXPECT_EQ(bytes.x.Dense(), dense.x.Dense());
  ExpectSameNormalizationAndNetworks(bytes, dense);
}

TEST(DataReadTest, GridPointsAreStoredAsInt32WithTheSameValuesAndFingerprint) {
  // Fingerprints pinned from the binary64 storage of the same generator (main f2dcc1a).
  const std::pair<const char*, const char*> cases[] = {
      {"synthetic:ball?n=300&d=5&classes=3", "0e075cc83df8b3b5"},
      {"synthetic:sphere?n=200&d=7&classes=4&seed=3", "dd21eeff99c24226"}};
  for (const auto& [spec, fingerprint] : cases) {
    Dataset ints = LoadDataset(spec);
    ASSERT_EQ(ints.x.type(), DataMatrix::Type::kI32) << spec;
    EXPECT_EQ(ints.x.exponent(), -30);
    EXPECT_EQ(ints.x.bytes(), ints.n() * ints.d() * 4);
    EXPECT_EQ(ints.Fingerprint().hash, fingerprint) << spec;
    std::vector<double> labels(ints.y.begin(), ints.y.end());
    Dataset dense = MakeDataset(spec, ints.x.Dense(), labels);
    ASSERT_EQ(dense.x.type(), DataMatrix::Type::kF64);
    EXPECT_EQ(dense.Fingerprint().hash, fingerprint) << spec;
    EXPECT_EQ(ints.input_exponent, dense.input_exponent);
    EXPECT_EQ(ints.input_exponent, 30);
    for (int64_t i = 0; i < ints.n(); i += 37) {
      EXPECT_EQ(ints.x.row(i), dense.x.row(i));
      EXPECT_EQ(ints.x(i, 2), dense.x(i, 2));
      EXPECT_EQ(ints.x.Block(i, 1), dense.x.Block(i, 1));
    }
    ExpectSameNormalizationAndNetworks(ints, dense);
  }
  // Rows kept and merged in place, as for the other storages.
  Dataset ints = LoadDataset("synthetic:ball?n=50&d=3&classes=2");
  const Eigen::RowVectorXd third = ints.x.row(3);
  ints.x.KeepRows({1, 3, 4});
  EXPECT_EQ(ints.x.rows(), 3);
  EXPECT_EQ(ints.x.row(1), third);
  EXPECT_TRUE(ints.x.RowsEqual(1, 1));
  EXPECT_FALSE(ints.x.RowsEqual(0, 1));
}

TEST(DataReadTest, IdxAndUint8NpyAreStoredAsBytes) {
  Dataset fm = LoadDataset("fashion-mnist:test");
  EXPECT_EQ(fm.x.type(), DataMatrix::Type::kU8);
  EXPECT_EQ(fm.x.bytes(), fm.n() * 784);
  // The fingerprint and normalization the binary64 storage gave (mnemo before compact storage).
  EXPECT_EQ(fm.Fingerprint().hash, "9f72ac562a6995aa");
  // ... computed while the images were gunzipped (the reader's digest), the same as from x.
  EXPECT_TRUE(fm.x_digest.has_value());
  Dataset recomputed = fm;
  recomputed.x_digest.reset();
  EXPECT_EQ(recomputed.Fingerprint().hash, "9f72ac562a6995aa");
  // With --limit the digest covers the rows kept.
  DataOptions first;
  first.limit = 1234;
  Dataset part = LoadDataset("fashion-mnist:test", first);
  ASSERT_TRUE(part.x_digest.has_value());
  Dataset part_recomputed = part;
  part_recomputed.x_digest.reset();
  EXPECT_EQ(part.Fingerprint().hash, part_recomputed.Fingerprint().hash);
  EXPECT_NE(part.Fingerprint().hash, fm.Fingerprint().hash);
  EXPECT_EQ(ComputeNormalization(fm).scale_log2, 12);
  TempDir tmp;
  std::string npy = NpyBytes({3, 2}, {1, 2, 3, 4, 5, 6});  // a float64 header, made uint8
  npy.replace(npy.find("<f8"), 3, "|u1");
  npy.resize(npy.size() - 48);
  npy += std::string("\x01\x02\x03\x04\x05\x06", 6);
  WriteText(tmp.Path("x.npy"), npy);
  WriteText(tmp.Path("y.npy"), NpyBytes({3}, {0, 1, 0}));
  DataOptions opt;
  opt.labels_path = tmp.Path("y.npy");
  Dataset ds = LoadDataset(tmp.Path("x.npy"), opt);
  EXPECT_EQ(ds.x.type(), DataMatrix::Type::kU8);
  EXPECT_EQ(ds.x(2, 1), 6);
}

TEST(DataCliTest, WrittenDataReadsBackTheSame) {
  TempDir tmp;
  for (const std::string& data : std::vector<std::string>{
           "synthetic:gaussian-clusters?n=200&d=4&classes=3&seed=2",
           "synthetic:ball?n=50&d=3&targets=real", "fashion-mnist:test"}) {
    CliResult a = RunCli({"data", data, "--json", "--limit", "300"});
    ASSERT_EQ(a.exit_code, 0) << a.err;
    for (const char* name : {"p.csv", "p.npy", "P.TSV"}) {
      CliResult w = RunCli({"data", data, "--limit", "300", "-o", tmp.Path(name)});
      ASSERT_EQ(w.exit_code, 0) << w.err;
      EXPECT_THAT(w.out, HasSubstr("wrote " + tmp.Path(name)));
      std::vector<std::string> args = {"data", tmp.Path(name), "--json"};
      if (std::string(name) == "p.npy") {
        args.push_back("--labels");
        args.push_back(tmp.Path("p-labels.npy"));
      }
      CliResult b = RunCli(args);
      ASSERT_EQ(b.exit_code, 0) << b.err;
      EXPECT_EQ(JsonField(a, "fingerprint"), JsonField(b, "fingerprint")) << data << " " << name;
      // Generated grid points (int32 × 2^-30) are written as the binary64 values they are.
      const std::string stored = JsonField(a, "storage");
      EXPECT_EQ(stored == "\"int32\"" ? "\"float64\"" : stored, JsonField(b, "storage"))
          << data << " " << name;
    }
  }
  ExpectBadInput({"data", "synthetic:ball?n=5", "-o", tmp.Path("p.txt")},
                 "-o " + tmp.Path("p.txt") + ": unknown format for data");
}

TEST(DataCliTest, DelimitersTextLabelsAndLabelColumnsThroughTheBinary) {
  TempDir tmp;
  WriteText(tmp.Path("semi.csv"), "a;b;label\n1;2;0\n3;4;1\n");
  EXPECT_EQ(RunCli({"data", tmp.Path("semi.csv")}).exit_code, 0);
  EXPECT_EQ(RunCli({"data", tmp.Path("semi.csv"), "--delimiter", ";"}).exit_code, 0);
  ExpectBadInput({"data", tmp.Path("semi.csv"), "--delimiter", ","},
                 tmp.Path("semi.csv") + ":1: need at least 2 columns (features and a label), "
                                        "found 1 with the delimiter ','");
  ExpectBadInput({"data", tmp.Path("semi.csv"), "--delimiter", "|"}, "--delimiter: expected");
  WriteText(tmp.Path("pets.csv"), "weight,height,animal\n4.5,30,cat\n30,60,dog\n5,28,cat\n");
  CliResult r = RunCli({"data", tmp.Path("pets.csv")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("0 cat, 1 dog"));
  CliResult b = RunCli({"build", tmp.Path("pets.csv"), "-c", "zhang", "-o", tmp.Path("n.json")});
  EXPECT_EQ(b.exit_code, 0) << b.err;
  EXPECT_EQ(RunCli({"verify", tmp.Path("n.json"), tmp.Path("pets.csv")}).exit_code, 0);
  WriteText(tmp.Path("first.csv"), "label,x1,x2\n1,0.5,2.5\n0,1.5,3.25\n");
  CliResult w = RunCli({"data", tmp.Path("first.csv")});
  EXPECT_THAT(w.err, HasSubstr("mnemo: warning: " + tmp.Path("first.csv") +
                               ": column 1 is named \"label\""));
  CliResult n = RunCli({"data", tmp.Path("first.csv"), "--label-column", "label", "--json"});
  ASSERT_EQ(n.exit_code, 0) << n.err;
  EXPECT_EQ(JsonField(n, "classes"), "2");
  ExpectBadInput({"data", tmp.Path("first.csv"), "--label-column", "y"},
                 tmp.Path("first.csv") + ":1: --label-column \"y\": no such column");
}

// The memory a read takes, measured: peak RSS of `mnemo data` on Fashion-MNIST (47 MB of
// pixels, stored as bytes) stays under 150 MB, and on a CSV of 100,000 × 20 doubles (16 MB as
// binary64, ~38 MB of text read in blocks) under 2× the data plus the program.
TEST(DataCliTest, PeakMemoryIsBoundedByTheDataSize) {
  MNEMO_SKIP_MEMORY_TEST_UNDER_ASAN();
  const int64_t base = PeakKb({"data", "synthetic:ball?n=10&d=2"});
  const int64_t fm = PeakKb({"data", "fashion-mnist"});
  EXPECT_GT(fm, 0);
  EXPECT_LT(fm, 150 * 1024) << "peak " << fm << " kB for 47 MB of pixels";
  TempDir tmp;
  std::string text;
  std::mt19937_64 rng(2);
  for (int i = 0; i < 100000; ++i) {
    for (int j = 0; j < 20; ++j) text += fmt::format("{:.15g},", double(rng() % 1000000) / 997.0);
    text += fmt::format("{}\n", i % 10);
  }
  WriteText(tmp.Path("big.csv"), text);
  const int64_t csv = PeakKb({"data", tmp.Path("big.csv")});
  const int64_t data_kb = 100000 * 20 * 8 / 1024;
  EXPECT_LT(csv - base, 2 * data_kb + 40 * 1024) << "peak " << csv << " kB, base " << base;
}

}  // namespace
}  // namespace mnemo
