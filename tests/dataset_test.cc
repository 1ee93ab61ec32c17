// Tests for mnemo/dataset.h: loaders and their placed errors, class mapping, duplicate merging,
// normalization into the unit ball, exact and projected separation, generators.
#include "mnemo/dataset.h"
#include "mnemo/project_int128.h"

#include <cmath>
#include <random>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "mnemo/error.h"
#include "mnemo/io.h"
#include "tests/test_util.h"

namespace mnemo {
namespace {

using ::testing::HasSubstr;
using testing::TempDir;
using testing::WriteText;

// The message of the mnemo::Error that `load` throws ("" if it does not throw).
template <typename F>
std::string ErrorOf(F load) {
  try {
    load();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

std::string CsvError(const TempDir& tmp, const std::string& contents, DataOptions opt = {}) {
  std::string path = tmp.Path("data.csv");
  WriteText(path, contents);
  return ErrorOf([&] { LoadDataset(path, opt); });
}

TEST(DatasetTest, CsvWithHeaderAndClassMapping) {
  TempDir tmp;
  WriteText(tmp.Path("a.csv"), "x1,x2,label\n0.5,1,10\n-1,2,-3\n3,0.25,10\n");
  Dataset ds = LoadDataset(tmp.Path("a.csv"));
  EXPECT_EQ(ds.n(), 3);
  EXPECT_EQ(ds.d(), 2);
  EXPECT_TRUE(ds.classification);
  EXPECT_EQ(ds.class_values, (std::vector<int64_t>{-3, 10}));
  EXPECT_EQ(ds.y, (std::vector<int32_t>{1, 0, 1}));
  EXPECT_EQ(ds.LabelString(1), "-3");
  EXPECT_EQ(ds.x(2, 1), 0.25);
  EXPECT_EQ(ds.original_rows, 3);
  EXPECT_EQ(ds.input_exponent, 2);
  EXPECT_EQ(ds.classes(), 2);
}

TEST(DatasetTest, CsvLabelColumnSkipRowsAndLimit) {
  TempDir tmp;
  WriteText(tmp.Path("a.csv"), "# comment line\n7,1,2\n8,3,4\n7,5,6\n");
  DataOptions opt;
  opt.skip_rows = 1;
  opt.label_column = "first";
  Dataset ds = LoadDataset(tmp.Path("a.csv"), opt);
  EXPECT_EQ(ds.n(), 3);
  EXPECT_EQ(ds.class_values, (std::vector<int64_t>{7, 8}));
  EXPECT_EQ(ds.x(1, 0), 3);
  opt.label_column = "1";
  opt.limit = 2;
  ds = LoadDataset(tmp.Path("a.csv"), opt);
  EXPECT_EQ(ds.n(), 2);
  EXPECT_EQ(ds.x(0, 0), 7);
  EXPECT_EQ(ds.x(0, 1), 2);
  EXPECT_EQ(ds.class_values, (std::vector<int64_t>{1, 3}));
  opt.label_column = "9";
  opt.skip_rows = 0;
  EXPECT_THAT(CsvError(tmp, "1,2\n", opt), HasSubstr("--label-column 9"));
}

TEST(DatasetTest, NonIntegerLabelsAreRealTargets) {
  TempDir tmp;
  WriteText(tmp.Path("r.csv"), "0,0.5\n1,2\n2,-0.125\n");
  Dataset ds = LoadDataset(tmp.Path("r.csv"));
  EXPECT_FALSE(ds.classification);
  EXPECT_EQ(ds.classes(), 0);
  EXPECT_EQ(ds.target, (std::vector<double>{0.5, 2, -0.125}));
  EXPECT_EQ(ds.Expected(2), -0.125);
  EXPECT_EQ(ds.LabelString(0), "0.5");
}

TEST(DatasetTest, EmptyInputsAreErrorsNamingTheFile) {
  TempDir tmp;
  EXPECT_THAT(CsvError(tmp, ""), HasSubstr("data.csv: no data rows"));
  EXPECT_THAT(CsvError(tmp, "a,b,c\n\n"), HasSubstr("data.csv: no data rows"));
  WriteText(tmp.Path("e.npy"), NpyBytes({0, 3}, {}));
  DataOptions opt;
  opt.labels_path = tmp.Path("e.npy");
  EXPECT_THAT(ErrorOf([&] { LoadDataset(tmp.Path("e.npy"), opt); }), HasSubstr("empty array"));
  EXPECT_THAT(ErrorOf([&] { LoadDataset(""); }), HasSubstr("empty DATA"));
  EXPECT_THAT(ErrorOf([&] { LoadDataset(tmp.Path("missing.csv")); }), HasSubstr("missing.csv"));
}

TEST(DatasetTest, RaggedRowNamesFileAndLine) {
  TempDir tmp;
  std::string msg = CsvError(tmp, "1,2,0\n3,4,1\n5,1\n");
  EXPECT_THAT(msg, HasSubstr(tmp.Path("data.csv") + ":3: ragged row: 2 columns, expected 3"));
}

TEST(DatasetTest, NonNumericCellNamesFileLineAndColumn) {
  TempDir tmp;
  std::string msg = CsvError(tmp, "x,y,l\n1,2,0\n3,abc,1\n");
  EXPECT_THAT(msg, HasSubstr(tmp.Path("data.csv") + ":3:2: not a number: \"abc\""));
  // Without a header: the first row is taken as a header only if it is the first row.
  msg = CsvError(tmp, "1,2,0\n3,4,x\n");
  EXPECT_THAT(msg, HasSubstr(":2:3: not a number"));
}

TEST(DatasetTest, NanInfAndOverflowNameTheCell) {
  TempDir tmp;
  EXPECT_THAT(CsvError(tmp, "1,2,0\nnan,4,1\n"), HasSubstr("data.csv:2:1: NaN is not allowed"));
  EXPECT_THAT(CsvError(tmp, "1,2,0\n3,-inf,1\n"), HasSubstr("data.csv:2:2: infinity is not allowed"));
  EXPECT_THAT(CsvError(tmp, "1,2,0\n3,1e400,1\n"),
              HasSubstr("data.csv:2:2: number overflows binary64: \"1e400\""));
  EXPECT_THAT(CsvError(tmp, "1,2,0\n3,4,Infinity\n"), HasSubstr("data.csv:2:3: infinity"));
  // In .npy data: row and column indices.
  std::string x = tmp.Path("x.npy"), y = tmp.Path("y.npy");
  WriteText(x, NpyBytes({2, 2}, {1, 2, 3, NAN}));
  WriteText(y, NpyBytes({2}, {0, 1}));
  DataOptions opt;
  opt.labels_path = y;
  EXPECT_THAT(ErrorOf([&] { LoadDataset(x, opt); }), HasSubstr("x.npy: row 1, column 1: NaN"));
  WriteText(x, NpyBytes({2, 2}, {1, 2, 3, 4}));
  WriteText(y, NpyBytes({2}, {0, INFINITY}));
  EXPECT_THAT(ErrorOf([&] { LoadDataset(x, opt); }), HasSubstr("y.npy: label 1 is not finite"));
}

TEST(DatasetTest, NpyWithLabelsAndDimensionMismatch) {
  TempDir tmp;
  std::string x = tmp.Path("x.npy"), y = tmp.Path("y.npy");
  WriteText(x, NpyBytes({3, 2}, {0, 0, 1, 0, 0, 1}));
  WriteText(y, NpyBytes({3}, {1, 2, 1}));
  DataOptions opt;
  opt.labels_path = y;
  Dataset ds = LoadDataset(x, opt);
  EXPECT_EQ(ds.n(), 3);
  EXPECT_EQ(ds.d(), 2);
  EXPECT_EQ(ds.class_values, (std::vector<int64_t>{1, 2}));
  WriteText(y, NpyBytes({4}, {1, 2, 1, 2}));
  EXPECT_THAT(ErrorOf([&] { LoadDataset(x, opt); }), HasSubstr("y.npy: 4 labels for 3 rows in"));
  WriteText(y, NpyBytes({3, 2}, {1, 2, 1, 2, 1, 2}));
  EXPECT_THAT(ErrorOf([&] { LoadDataset(x, opt); }), HasSubstr("y.npy: labels must have shape"));
  EXPECT_THAT(ErrorOf([&] { LoadDataset(x); }), HasSubstr("needs its labels: --labels"));
  // CSV labels for .npy data: line numbers.
  WriteText(tmp.Path("y.csv"), "label\n1\n2\n");
  opt.labels_path = tmp.Path("y.csv");
  EXPECT_THAT(ErrorOf([&] { LoadDataset(x, opt); }), HasSubstr("2 labels for 3 rows"));
}

TEST(DatasetTest, TruncatedAndCorruptNpyAreErrors) {
  TempDir tmp;
  std::string bytes = NpyBytes({4, 3}, std::vector<double>(12, 1.5));
  std::string y = tmp.Path("y.npy");
  WriteText(y, NpyBytes({4}, {0, 1, 0, 1}));
  DataOptions opt;
  opt.labels_path = y;
  std::string x = tmp.Path("x.npy");
  WriteText(x, bytes.substr(0, bytes.size() - 5));
  EXPECT_THAT(ErrorOf([&] { LoadDataset(x, opt); }), HasSubstr("x.npy: truncated data"));
  WriteText(x, bytes.substr(0, 30));
  EXPECT_THAT(ErrorOf([&] { LoadDataset(x, opt); }), HasSubstr("x.npy: truncated .npy header"));
  std::string bad = bytes;
  bad[1] = 'X';
  WriteText(x, bad);
  EXPECT_THAT(ErrorOf([&] { LoadDataset(x, opt); }), HasSubstr("x.npy: not a .npy file"));
  bad = bytes;
  bad.replace(bad.find("<f8"), 3, "<c8");
  WriteText(x, bad);
  EXPECT_THAT(ErrorOf([&] { LoadDataset(x, opt); }), HasSubstr("unsupported dtype"));
}

// The real Fashion-MNIST test files, cut down or damaged.
constexpr const char* kFashion = "/usr/share/datasets/fashion-mnist";

TEST(DatasetTest, IdxLoadsWithLabelsFoundBeside) {
  TempDir tmp;
  std::string images = ReadMaybeGzip(std::string(kFashion) + "/t10k-images-idx3-ubyte.gz");
  std::string labels = ReadMaybeGzip(std::string(kFashion) + "/t10k-labels-idx1-ubyte.gz");
  // Keep 50 images: patch the counts in both headers.
  std::string img = images.substr(0, 16 + 50 * 784), lab = labels.substr(0, 8 + 50);
  img[4] = img[5] = img[6] = 0, img[7] = 50;
  lab[4] = lab[5] = lab[6] = 0, lab[7] = 50;
  WriteText(tmp.Path("small-images-idx3-ubyte"), img);
  WriteText(tmp.Path("small-labels-idx1-ubyte"), lab);
  Dataset ds = LoadDataset(tmp.Path("small-images-idx3-ubyte"));
  EXPECT_EQ(ds.original_rows, 50);
  EXPECT_EQ(ds.d(), 784);
  EXPECT_EQ(ds.input_exponent, 0);
  // The fingerprint the reader computed while reading is the one of the same points in memory.
  auto in_memory = [](const std::string& img, const std::string& lab, int64_t n) {
    RowMatrix x(n, 784);
    std::vector<double> y(n);
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t j = 0; j < 784; ++j) x(i, j) = uint8_t(img[16 + i * 784 + j]);
      y[i] = uint8_t(lab[8 + i]);
    }
    return MakeDataset("memory", x, y).Fingerprint().hash;
  };
  EXPECT_TRUE(ds.x_digest.has_value());
  EXPECT_EQ(ds.Fingerprint().hash, in_memory(img, lab, 50));
  // Image 49 made a copy of image 3 (same label): merged, and the digest is not the reader's.
  std::string dup = img, duplab = lab;
  dup.replace(16 + 49 * 784, 784, img.substr(16 + 3 * 784, 784));
  duplab[8 + 49] = lab[8 + 3];
  WriteText(tmp.Path("dup-images-idx3-ubyte"), dup);
  WriteText(tmp.Path("dup-labels-idx1-ubyte"), duplab);
  Dataset merged = LoadDataset(tmp.Path("dup-images-idx3-ubyte"));
  EXPECT_EQ(merged.merged_duplicates, 1);
  EXPECT_FALSE(merged.x_digest.has_value());
  EXPECT_EQ(merged.Fingerprint().hash, in_memory(dup, duplab, 50));
  // Truncated raw IDX data.
  WriteText(tmp.Path("small-images-idx3-ubyte"), img.substr(0, img.size() - 100));
  EXPECT_THAT(ErrorOf([&] { LoadDataset(tmp.Path("small-images-idx3-ubyte")); }),
              HasSubstr("small-images-idx3-ubyte: truncated IDX data"));
  // Corrupt magic.
  img[2] = 0x0d;
  WriteText(tmp.Path("small-images-idx3-ubyte"), img);
  EXPECT_THAT(ErrorOf([&] { LoadDataset(tmp.Path("small-images-idx3-ubyte")); }),
              HasSubstr("element type 0x0d not supported"));
  // Labels disagree with images.
  img[2] = 0x08;
  WriteText(tmp.Path("small-images-idx3-ubyte"), img);
  WriteText(tmp.Path("small-labels-idx1-ubyte"), lab.substr(0, 8 + 49));
  EXPECT_THAT(ErrorOf([&] { LoadDataset(tmp.Path("small-images-idx3-ubyte")); }),
              HasSubstr("small-labels-idx1-ubyte: truncated IDX data"));
  std::remove(tmp.Path("small-labels-idx1-ubyte").c_str());
  EXPECT_THAT(ErrorOf([&] { LoadDataset(tmp.Path("small-images-idx3-ubyte")); }),
              HasSubstr("labels file not found beside it"));
}

TEST(DatasetTest, TruncatedAndCorruptGzipAreErrors) {
  TempDir tmp;
  std::string gz = ReadFile(std::string(kFashion) + "/t10k-images-idx3-ubyte.gz");
  WriteText(tmp.Path("t-labels-idx1-ubyte.gz"),
            ReadFile(std::string(kFashion) + "/t10k-labels-idx1-ubyte.gz"));
  std::string images = tmp.Path("t-images-idx3-ubyte.gz");
  WriteText(images, gz.substr(0, gz.size() / 3));
  EXPECT_THAT(ErrorOf([&] { LoadDataset(images); }), HasSubstr("t-images-idx3-ubyte.gz: truncated gzip"));
  std::string bad = gz;
  for (size_t k = 1000; k < 1064; ++k) bad[k] = char(bad[k] ^ 0x5a);
  WriteText(images, bad);
  EXPECT_THAT(ErrorOf([&] { LoadDataset(images); }), HasSubstr("t-images-idx3-ubyte.gz: corrupt gzip"));
  // A damaged trailer (CRC) is corrupt too.
  bad = gz;
  bad[bad.size() - 6] = char(bad[bad.size() - 6] ^ 0xff);
  WriteText(images, bad);
  EXPECT_THAT(ErrorOf([&] { LoadDataset(images); }), HasSubstr("corrupt gzip"));
}

TEST(DatasetTest, IdenticalPointsWithDifferentLabelsNameBothRows) {
  TempDir tmp;
  std::string msg = CsvError(tmp, "a,b,y\n1,2,0\n3,4,1\n1,2,1\n");
  EXPECT_THAT(msg, HasSubstr(tmp.Path("data.csv") + ":2 and " + tmp.Path("data.csv") +
                             ":4 are identical points with different labels (0 and 1)"));
  // -0 and 0 are the same point.
  RowMatrix x(2, 1);
  x << 0.0, -0.0;
  EXPECT_THAT(ErrorOf([&] { MakeDataset("mem", x, {1, 2}); }), HasSubstr("mem row 0 and mem row 1"));
}

TEST(DatasetTest, RowsAreNamedInTheUsersTerms) {
  TempDir tmp;
  // CSV: the file's line, 1-based, counting skipped lines, the header and blank lines.
  WriteText(tmp.Path("d.csv"), "# comment\nx,y,label\n1,2,0\n\n3,4,1\n");
  DataOptions o;
  o.skip_rows = 1;
  Dataset csv = LoadDataset(tmp.Path("d.csv"), o);
  EXPECT_EQ(csv.RowName(0), tmp.Path("d.csv") + ":3");
  EXPECT_EQ(csv.RowName(1), tmp.Path("d.csv") + ":5");
  // Merged duplicates: a point is named by its first row.
  WriteText(tmp.Path("m.csv"), "1,2,0\n1,2,0\n5,6,1\n");
  Dataset merged = LoadDataset(tmp.Path("m.csv"));
  EXPECT_EQ(merged.PointName(1), tmp.Path("m.csv") + ":3");
  // .npy: the 0-based index NumPy users write; generators: the point index.
  WriteText(tmp.Path("x.npy"), NpyBytes({3, 1}, {0.5, 1, 2}));
  WriteText(tmp.Path("y.npy"), NpyBytes({3}, {0, 1, 0}));
  DataOptions with_labels;
  with_labels.labels_path = tmp.Path("y.npy");
  EXPECT_EQ(LoadDataset(tmp.Path("x.npy"), with_labels).RowName(2), tmp.Path("x.npy") + " row 2");
  EXPECT_EQ(LoadDataset("synthetic:ball?n=5").RowName(4), "synthetic:ball?n=5 point 4");
}

TEST(DatasetTest, IdenticalPointsWithTheSameLabelAreMergedWithAWarning) {
  TempDir tmp;
  WriteText(tmp.Path("d.csv"), "1,2,0\n3,4,1\n1,2,0\n3,4,1\n1,2,0\n5,6,0\n");
  Dataset ds = LoadDataset(tmp.Path("d.csv"));
  EXPECT_EQ(ds.n(), 3);
  EXPECT_EQ(ds.original_rows, 6);
  EXPECT_EQ(ds.merged_duplicates, 3);
  EXPECT_EQ(ds.row_to_point, (std::vector<int64_t>{0, 1, 0, 1, 0, 2}));
  EXPECT_EQ(ds.point_to_row, (std::vector<int64_t>{0, 1, 5}));
  ASSERT_EQ(ds.warnings.size(), 1u);
  EXPECT_THAT(ds.warnings[0], HasSubstr("merged 3 duplicate rows"));
}

TEST(DatasetTest, SyntheticGeneratorsAreDeterministicAndValidated) {
  for (const char* spec : {"synthetic:sphere?n=200&d=5&classes=3&seed=4",
                           "synthetic:ball?n=200&d=3&seed=2",
                           "synthetic:gaussian-clusters?n=300&d=4&classes=4&clusters=6&sigma=0.2",
                           "synthetic:grid?n=100&d=2&delta=0.001",
                           "synthetic:sphere?n=50&d=3&targets=real"}) {
    Dataset a = LoadDataset(spec), b = LoadDataset(spec);
    EXPECT_EQ(a.Fingerprint().hash, b.Fingerprint().hash) << spec;
    EXPECT_EQ(a.original_rows, a.n()) << spec;
    EXPECT_TRUE(a.x.allFinite());
  }
  EXPECT_NE(LoadDataset("synthetic:sphere?n=20&seed=1").Fingerprint().hash,
            LoadDataset("synthetic:sphere?n=20&seed=2").Fingerprint().hash);
  Dataset sphere = LoadDataset("synthetic:sphere?n=100&d=4");
  for (int64_t i = 0; i < sphere.n(); ++i) EXPECT_NEAR(sphere.x.row(i).norm(), 1, 1e-8);
  EXPECT_FALSE(LoadDataset("synthetic:sphere?n=10&targets=real").classification);
  EXPECT_THAT(ErrorOf([] { LoadDataset("synthetic:sphere?n=10&bogus=1"); }),
              HasSubstr("unknown parameter \"bogus\""));
  EXPECT_THAT(ErrorOf([] { LoadDataset("synthetic:cube?n=10"); }), HasSubstr("unknown generator"));
  EXPECT_THAT(ErrorOf([] { LoadDataset("synthetic:sphere?n=-3"); }), HasSubstr("n: expected an integer"));
  EXPECT_THAT(ErrorOf([] { LoadDataset("synthetic:grid?n=100&d=2&delta=0.5"); }),
              HasSubstr("too large"));
  DataOptions first7;
  first7.limit = 7;
  Dataset limited = LoadDataset("synthetic:ball?n=100", first7);
  EXPECT_EQ(limited.n(), 7);
}

TEST(DatasetTest, ErrorsEscapeControlBytesAndInvalidUtf8OfTheUsersText) {
  // Found by fuzz_synthetic: a newline in the spec split the message over two lines.
  const std::string error = ErrorOf([] { LoadDataset("synthetic:ball?n\323=\n&d=3"); });
  EXPECT_THAT(error, ::testing::StartsWith("synthetic:ball?n\\xD3=\\n&d=3: "));
  EXPECT_EQ(error.find('\n'), std::string::npos) << error;
  EXPECT_EQ(internal::Printable("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 a\\b"),
            "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 a\\b");  // valid UTF-8 and '\\' pass
  EXPECT_EQ(internal::Printable(std::string("\t\r\x7F\0", 4)), "\\t\\r\\x7F\\x00");
  // Overlong, surrogate, above U+10FFFF, truncated, stray continuation byte.
  EXPECT_EQ(internal::Printable("\xC0\xAF|\xED\xA0\x80|\xF4\x90\x80\x80|\xE2\x82|\x80"),
            "\\xC0\\xAF|\\xED\\xA0\\x80|\\xF4\\x90\\x80\\x80|\\xE2\\x82|\\x80");
}

// Σ_j ((x_ij − c_j)·2^−s)² in rationals.
Rational ExactNorm2(const Dataset& ds, const InputMap& map, int64_t i, int s) {
  Rational sum = 0;
  Rational scale = s >= 0 ? Rational(1, Pow2(s)) : Rational(Pow2(-s));
  for (int64_t j = 0; j < ds.d(); ++j) {
    Rational v = (RationalFromDouble(ds.x(i, j)) - map.center[j]) * scale;
    sum += v * v;
  }
  return sum;
}

TEST(DatasetTest, NormalizationPutsEveryPointInTheUnitBallExactlyWithTheSmallestScale) {
  std::vector<Dataset> sets;
  sets.push_back(LoadDataset("synthetic:sphere?n=300&d=6&seed=3"));
  sets.push_back(LoadDataset("synthetic:gaussian-clusters?n=300&d=3&sigma=3"));
  RowMatrix x(5, 2);
  x << 1e6 + 0.5, -3, 1e6 + 0.25, 7, 1e6, 1, 1e6 + 1, 2, 1e6 + 0.75, 0;  // big offset
  sets.push_back(MakeDataset("offset", x, {0, 1, 0, 1, 0}));
  RowMatrix tiny(3, 1);
  tiny << 1e-30, 3e-30, -2e-30;
  sets.push_back(MakeDataset("tiny", tiny, {0, 1, 2}));
  RowMatrix boundary(2, 1);  // exactly on the sphere of radius 2^2 after centring at 0
  boundary << -4, 4;
  sets.push_back(MakeDataset("boundary", boundary, {0, 1}));
  for (const Dataset& ds : sets) {
    InputMap map = ComputeNormalization(ds);
    ASSERT_EQ(int64_t(map.center.size()), ds.d());
    RowMatrix xn = Normalized(ds, map);
    Rational max_norm2 = 0;
    for (int64_t i = 0; i < ds.n(); ++i) {
      Rational n2 = ExactNorm2(ds, map, i, map.scale_log2);
      EXPECT_LE(n2, 1) << ds.source << " row " << i;
      max_norm2 = std::max(max_norm2, n2);
      for (int64_t j = 0; j < ds.d(); ++j) {  // Normalized() is exact
        Rational want = (RationalFromDouble(ds.x(i, j)) - map.center[j]);
        want *= map.scale_log2 >= 0 ? Rational(1, Pow2(map.scale_log2)) : Rational(Pow2(-map.scale_log2));
        EXPECT_EQ(RationalFromDouble(xn(i, j)), want) << ds.source;
      }
    }
    // One step smaller and some point leaves the ball.
    EXPECT_GT(max_norm2 * 4, 1) << ds.source << " scale 2^" << map.scale_log2 << " is not the smallest";
    for (const Rational& c : map.center) EXPECT_TRUE(IsDyadic(c));
  }
  EXPECT_EQ(ComputeNormalization(sets[4]).scale_log2, 2);
}

TEST(DatasetTest, ExactSeparationEqualsBruteForceMinimum) {
  for (const char* spec : {"synthetic:ball?n=120&d=3&seed=9", "synthetic:sphere?n=90&d=2&seed=5",
                           "synthetic:grid?n=60&d=2&delta=0.003",
                           "synthetic:gaussian-clusters?n=700&d=2&sigma=0.01&seed=3"}) {
    Dataset ds = LoadDataset(spec);
    InputMap map = ComputeNormalization(ds);
    RowMatrix xn = Normalized(ds, map);
    Rational best = -1;
    for (int64_t i = 0; i < ds.n(); ++i)
      for (int64_t j = i + 1; j < ds.n(); ++j) {
        Rational s = 0;
        for (int64_t c = 0; c < ds.d(); ++c) {
          Rational v = RationalFromDouble(xn(i, c)) - RationalFromDouble(xn(j, c));
          s += v * v;
        }
        if (best < 0 || s < best) best = s;
      }
    ExactSeparation sep = ComputeExactSeparation(ds, map);
    EXPECT_EQ(sep.delta_squared, best) << spec;
    EXPECT_NEAR(sep.delta, std::sqrt(ToDouble(best)), 1e-15);
    ASSERT_GE(sep.i, 0);
    Rational pair = 0;
    for (int64_t c = 0; c < ds.d(); ++c) {
      Rational v = RationalFromDouble(xn(sep.i, c)) - RationalFromDouble(xn(sep.j, c));
      pair += v * v;
    }
    EXPECT_EQ(pair, best) << "the reported pair is a closest pair";
    for (uint64_t seed = 1; seed <= 5; ++seed) {
      ProjectedSeparation p = ComputeProjectedSeparation(ds, map, seed);
      EXPECT_GT(p.gap, 0) << spec;
      EXPECT_LE(p.delta_lower, sep.delta) << spec << " seed " << seed;
      EXPECT_LE(p.delta_lower * p.delta_lower, ToDouble(sep.delta_squared));
    }
  }
}

TEST(DatasetTest, GridDeltaControlsTheSeparationExactly) {
  Dataset ds = LoadDataset("synthetic:grid?n=64&d=3&delta=0.0009765625");  // 2^-10, exact
  InputMap map = ComputeNormalization(ds);
  ExactSeparation sep = ComputeExactSeparation(ds, map);
  // In raw units δ = 2^-10: normalized δ² = 2^-20 · 4^-s.
  Rational want = Rational(1, Pow2(20));
  want *= map.scale_log2 >= 0 ? Rational(1, Pow2(2 * map.scale_log2)) : Rational(Pow2(-2 * map.scale_log2));
  EXPECT_EQ(sep.delta_squared, want);
}

TEST(DatasetTest, ProjectExactMatchesRationalProducts) {
  Dataset ds = LoadDataset("synthetic:ball?n=50&d=4&seed=6");
  InputMap map = ComputeNormalization(ds);
  RowMatrix xn = Normalized(ds, map);
  std::vector<int64_t> v = {123457, -98765, 1 << 20, -3};
  int frac = 0;
  std::vector<Integer> p = ProjectExact(xn, v, 20, &frac);
  ASSERT_EQ(int64_t(p.size()), ds.n());
  for (int64_t i = 0; i < ds.n(); ++i) {
    Rational dot = 0;
    for (int64_t j = 0; j < 4; ++j) dot += Rational(v[j]) * RationalFromDouble(xn(i, j));
    Rational got(p[i], Pow2(frac));
    got.canonicalize();
    EXPECT_EQ(got, dot) << i;
  }
}

// FractionBits reads the bits of a double: the smallest E with v·2^E integral, on normal,
// subnormal, integral and negative values.
TEST(DatasetTest, FractionBitsIsTheSmallestIntegralScale) {
  for (double v : {0.0, -0.0, 3.0, -2.75, 0.5, 1e-300, 0x1.8p-60, 0x1p-1074, 0x1.fffffffffffffp-1,
                   1e300, -0x1.3p-1022, 0x1p-1030}) {
    const int e = FractionBits(v);
    EXPECT_EQ(std::ldexp(v, e), std::floor(std::ldexp(v, e))) << v;
    if (e > 0) {
      EXPECT_NE(std::ldexp(v, e - 1), std::floor(std::ldexp(v, e - 1))) << v;
    }
  }
  EXPECT_EQ(FractionBits(0x1p-1074), 1074);
  EXPECT_EQ(FractionBits(-2.75), 2);
}

// The int128 kernel reads each double as mantissa·2^exponent: on values with many fraction
// bits, subnormals, negative zeros and ±1 it agrees with rational products, and it says no
// (instead of overflowing) when a term could leave 2^126.
// Gaussian values scaled by 2^-k, k uniform below `shifts`: many fraction bits per value.
RowMatrix RandomDyadicRows(uint64_t seed, int64_t rows, int64_t cols, int shifts) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  RowMatrix x(rows, cols);
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) x(i, j) = std::ldexp(normal(rng), -int(rng() % shifts));
  return x;
}

TEST(DatasetTest, ProjectExactInt128MatchesRationalProductsOrRefuses) {
  RowMatrix x = RandomDyadicRows(7, 64, 5, 20);
  x(0, 0) = -0.0;
  x(1, 1) = 1.0;
  x(2, 2) = -1.0;
  x(3, 3) = 0x1.8p-60;
  const std::vector<int64_t> v = {123457, -98765, 1 << 20, -3, 0};
  const int frac = FractionBits(x);
  ASSERT_GT(frac, 63);  // beyond int64 per value: the old int128 path could not take it
  ASSERT_LE(frac + 2 + 21 + 3, 126);  // |x| < 4, |v| < 2^21, d < 2^3
  std::vector<int128> q(x.rows());
  ASSERT_TRUE(ProjectExactInt128(x, v, frac, q.data()));
  for (int64_t i = 0; i < x.rows(); ++i) {
    Rational dot = 0;
    for (int64_t j = 0; j < x.cols(); ++j) dot += Rational(v[j]) * RationalFromDouble(x(i, j));
    Rational got(FromInt128(q[i]), Pow2(frac));
    got.canonicalize();
    EXPECT_EQ(got, dot) << i;
  }
  // A subnormal beside 1: 1074 fraction bits, no int128 fits; the mpz path is exact.
  x(4, 4) = 0x1p-1074;
  const std::vector<int64_t> w = {1, 1, 1, 1, 3};
  EXPECT_FALSE(ProjectExactInt128(x, w, FractionBits(x), q.data()));
  const std::vector<Integer> p = ProjectExactWithBits(x, w, FractionBits(x));
  Rational dot = 0;
  for (int64_t j = 0; j < x.cols(); ++j) dot += Rational(w[j]) * RationalFromDouble(x(4, j));
  Rational got(p[4], Pow2(FractionBits(x)));
  got.canonicalize();
  EXPECT_EQ(got, dot);
}

// Several directions in one pass: each equal to its own single-direction projection; refused
// as a whole when a term of one direction could leave 2^126.
TEST(DatasetTest, ProjectExactInt128ManyEqualsOneByOneOrRefuses) {
  RowMatrix x = RandomDyadicRows(8, 50, 4, 30);
  x(5, 1) = 0;
  const int frac = FractionBits(x);
  std::vector<std::vector<int64_t>> dirs = {{3, -7, 0, 1 << 19}, {0, 0, 0, 0}, {-1, 5, 99, -12345}};
  std::vector<std::vector<int128>> many(dirs.size(), std::vector<int128>(x.rows()));
  std::vector<const std::vector<int64_t>*> v;
  std::vector<int128*> out;
  for (size_t c = 0; c < dirs.size(); ++c) {
    v.push_back(&dirs[c]);
    out.push_back(many[c].data());
  }
  ASSERT_TRUE(ProjectExactInt128Many(x, v, frac, out));
  for (size_t c = 0; c < dirs.size(); ++c) {
    std::vector<int128> one(x.rows());
    ASSERT_TRUE(ProjectExactInt128(x, dirs[c], frac, one.data()));
    for (int64_t i = 0; i < x.rows(); ++i) EXPECT_TRUE(many[c][i] == one[i]) << c << " " << i;
  }
  ASSERT_LE(frac + 2 + 20 + 3, 126);  // |x| < 4, |v| < 2^20, d < 2^3: every term fits
  ASSERT_GT(frac + 1 + 62, 126 - 3);  // a weight 2^62 on a nonzero column does not
  dirs[1][2] = int64_t(1) << 62;
  EXPECT_FALSE(ProjectExactInt128Many(x, v, frac, out));
}

}  // namespace
}  // namespace mnemo

namespace mnemo {
namespace {

std::string CsvError(const std::string& text, bool normalize) {
  try {
    Dataset ds = internal::DatasetFromCsvText(text, "e.csv", {});
    if (normalize) ComputeNormalization(ds);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(DatasetEdgeTest, ValuesAtTheEdgesOfBinary64AreExactOrRejectedWithAPlace) {
  // Tiny values: an exact scale, distinct normalized points (not identical, not scale INT_MIN).
  Dataset tiny = internal::DatasetFromCsvText("1e-300,0,0\n2e-300,0,1\n3e-300,0,0\n", "t.csv", {});
  InputMap map = ComputeNormalization(tiny);
  EXPECT_LT(map.scale_log2, -990);
  RowMatrix xn = Normalized(tiny, map);
  EXPECT_NE(xn(0, 0), xn(1, 0));
  EXPECT_NE(xn(1, 0), xn(2, 0));
  EXPECT_LE(xn.rowwise().norm().maxCoeff(), 1.0);
  // 1e-300 beside 0.5, huge values, subnormals: exact normalizations.
  for (const char* text : {"1e-300,0.5,0\n0.5,1e-300,1\n", "1e200,1,0\n-1e200,2,1\n3,4,1\n",
                           "5e-324,0,1\n1e-323,2.5e-323,0\n", "1e300,-1e300,0\n-1e300,1e300,1\n"}) {
    Dataset ds = internal::DatasetFromCsvText(text, "m.csv", {});
    InputMap m = ComputeNormalization(ds);
    RowMatrix n = Normalized(ds, m);
    for (int64_t i = 0; i < ds.n(); ++i)
      for (int64_t j = 0; j < ds.d(); ++j)
        EXPECT_EQ(RationalFromDouble(n(i, j)),
                  (RationalFromDouble(ds.x(i, j)) - m.center[j]) *
                      (m.scale_log2 >= 0 ? Rational(1, Pow2(m.scale_log2)) : Rational(Pow2(-m.scale_log2))))
            << text;
  }
  // A range no binary64 normalization can hold, and an underflowing literal: located errors.
  EXPECT_THAT(CsvError("1e300,0,0\n1e-300,1,1\n", true), HasSubstr("e.csv:2:1: 1e-300 cannot be normalized exactly"));
  EXPECT_THAT(CsvError("5e-324,0,1\n1e-323,1,0\n", true), HasSubstr("e.csv:1:1: 5e-324 cannot be normalized"));
  EXPECT_THAT(CsvError("1,2,0\n1e-400,1,1\n", false), HasSubstr("e.csv:2:1: number underflows binary64"));
  EXPECT_EQ(CsvError("0.0,0e-400,1\n1,2,0\n", true), "");
}

}  // namespace
}  // namespace mnemo
