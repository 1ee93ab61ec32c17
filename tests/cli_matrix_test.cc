// The CLI matrix: every registered construction × every kind of data, through the binary —
// build, verify, predict, inspect, export — so the CLI and the library cannot drift apart.
// Data kinds: a CSV file (header, non-contiguous integer labels, a duplicate row), a .npy pair,
// an IDX pair (written here), two generators, Fashion-MNIST's test set with --limit, real
// targets, and lattice data (not in general position). Each cell checks:
//  * build exits 0 with a verified network — or, where the construction cannot (real targets
//    for a classes-only construction: exit 2 "does not apply"; lattice data: exit 1
//    "infeasible"), says why in one line naming rows in the user's terms and writes no file;
//  * a second build with the same seed writes a byte-identical file;
//  * verify passes on every row; predict answers every row with the user's own label;
//  * inspect reports the same sizes as build; export writes npz, safetensors and onnx in float64
//    and float32 when the file gives every row its label in that dtype (as verify --mode float32
//    says), else refuses it unless --allow-inexact; and the SMT-LIB certificate.
// Small N keeps the whole matrix to a few seconds per construction.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include <nlohmann/json.hpp>

#include "mnemo/construction.h"
#include "mnemo/dataset.h"
#include "mnemo/io.h"
#include "tests/test_util.h"

namespace mnemo {
namespace {

using ::testing::HasSubstr;
using testing::CliResult;
using testing::RunCli;
using testing::TempDir;

// A kind of data: how to name it on the command line, and what a construction may answer.
struct DataKind {
  std::string name;
  std::string spec;                 ///< relative to the fixture's directory for files
  std::vector<std::string> flags;   ///< e.g. --labels, --limit
  bool real_targets = false;        ///< classes-only constructions do not apply
  bool lattice = false;             ///< not in general position: infeasible is an answer
};

void PrintTo(const DataKind& k, std::ostream* os) { *os << k.name; }

std::vector<DataKind> Kinds() {
  return {
      {"csv", "data.csv", {}},
      {"npy", "x.npy", {"--labels", "y.npy"}},
      {"idx", "tiny-images-idx3-ubyte", {}},
      {"clusters", "synthetic:gaussian-clusters?n=60&d=3&classes=4&sigma=0.3&seed=2", {}},
      {"sphere", "synthetic:sphere?n=50&d=5&classes=2&seed=3", {}},
      {"fashion", "fashion-mnist:test", {"--limit", "60"}},
      {"real", "synthetic:ball?n=40&d=3&targets=real&seed=4", {}, true},
      {"grid", "synthetic:grid?n=64&d=2&classes=3&seed=5", {}, false, true},
  };
}

std::string BigEndian32(uint32_t v) {
  std::string s(4, '\0');
  for (int k = 0; k < 4; ++k) s[k] = char((v >> (24 - 8 * k)) & 0xff);
  return s;
}

// The files of the file kinds, written once for the whole matrix.
class CliMatrixTest : public ::testing::TestWithParam<std::tuple<std::string, DataKind>> {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    std::string csv = "x1,x2,x3,label\n";
    std::vector<double> x, y;
    for (int i = 0; i < 40; ++i) {
      const double a = (i * 37 % 23) * 0.125, b = (i * 11 % 17) * 0.25 - 2, c = i % 5;
      const int label = (i * 7 % 3) * 2 - 1;  // -1, 1, 3
      csv += fmt::format("{},{},{},{}\n", a, b, c, label);
      x.insert(x.end(), {a, b, c});
      y.push_back(label);
    }
    csv += "0,-2,0,-1\n";  // a duplicate of row 0 (same label): merged, still checked
    testing::WriteText(dir_->Path("data.csv"), csv);
    testing::WriteText(dir_->Path("x.npy"), NpyBytes({40, 3}, x));
    testing::WriteText(dir_->Path("y.npy"), NpyBytes({40}, y));
    std::string images = BigEndian32(0x803) + BigEndian32(48) + BigEndian32(2) + BigEndian32(3);
    std::string labels = BigEndian32(0x801) + BigEndian32(48);
    for (int i = 0; i < 48; ++i) {
      for (int p = 0; p < 6; ++p) images += char((i * 53 + p * 97 + i * p * 13) % 256);
      labels += char(i * 7 % 10);
    }
    testing::WriteText(dir_->Path("tiny-images-idx3-ubyte"), images);
    testing::WriteText(dir_->Path("tiny-labels-idx1-ubyte"), labels);
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  std::string Spec(const DataKind& k) const {
    const bool file = k.spec.find(':') == std::string::npos;
    return file ? dir_->Path(k.spec) : k.spec;
  }
  std::vector<std::string> Flags(const DataKind& k) const {
    std::vector<std::string> f = k.flags;
    for (std::string& s : f)
      if (s.size() > 4 && s.substr(s.size() - 4) == ".npy") s = dir_->Path(s);
    return f;
  }
  CliResult Run(std::vector<std::string> args, const DataKind& k) const {
    for (const std::string& f : Flags(k)) args.push_back(f);
    return RunCli(args);
  }
  void ExpectHonestExports(const std::string& net, const std::string& data, const DataKind& kind,
                           const TempDir& out) const;

  static TempDir* dir_;
};

TempDir* CliMatrixTest::dir_ = nullptr;

nlohmann::json ParseJson(const CliResult& r) {
  try {
    return nlohmann::json::parse(r.out);
  } catch (const std::exception&) {
    ADD_FAILURE() << "not JSON: " << r.out << "\nstderr: " << r.err;
    return nlohmann::json::object();
  }
}

// The user's label of every original row, as the library reads the data.
std::vector<std::string> ExpectedLabels(const Dataset& data) {
  std::vector<std::string> labels;
  const int64_t rows = data.original_rows;
  for (int64_t r = 0; r < rows; ++r)
    labels.push_back(data.LabelString(data.row_to_point.empty() ? r : data.row_to_point[r]));
  return labels;
}

void ExpectPredictionsAreTheLabels(const std::string& csv, const Dataset& data) {
  std::istringstream in(csv);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "row,prediction");
  const std::vector<std::string> expected = ExpectedLabels(data);
  int64_t r = 0;
  for (; std::getline(in, line); ++r) {
    ASSERT_LT(r, int64_t(expected.size())) << line;
    EXPECT_EQ(line, fmt::format("{},{}", r, expected[r]));
  }
  EXPECT_EQ(r, int64_t(expected.size()));
}

// The answer when the construction cannot build on this data: one line, no file.
void ExpectReasonAndNoFile(const CliResult& b, const std::string& net, int code,
                           const std::string& what) {
  EXPECT_EQ(b.exit_code, code) << b.err << b.out;
  EXPECT_THAT(b.err, HasSubstr(what));
  EXPECT_EQ(testing::CountLines(b.err), 1) << b.err;
  EXPECT_FALSE(std::filesystem::exists(net));
}

TEST_P(CliMatrixTest, BuildVerifyPredictInspectExport) {
  const auto& [construction, kind] = GetParam();
  const Construction& c = FindConstruction(construction);
  TempDir out;
  const std::string net = out.Path("net.json"), data = Spec(kind);
  CliResult b = Run({"build", data, "-c", construction, "--seed", "3", "-o", net, "--json"}, kind);
  ASSERT_NE(b.exit_code, -1) << "killed by a signal: " << b.err;
  if (kind.real_targets && c.needs_classes)
    return ExpectReasonAndNoFile(b, net, 2, "memorizes classes only; " + data + " point ");
  if (kind.lattice && b.exit_code == 1)
    return ExpectReasonAndNoFile(b, net, 1, construction + ": infeasible: ");
  ASSERT_EQ(b.exit_code, 0) << b.err << b.out;
  const nlohmann::json bj = ParseJson(b);
  EXPECT_EQ(bj["status"], "success");
  EXPECT_EQ(bj["verification"]["all_correct"], true);

  // The same seed gives the same bytes.
  ASSERT_EQ(Run({"build", data, "-c", construction, "--seed", "3", "-o", out.Path("again.json")},
                kind).exit_code,
            0);
  EXPECT_EQ(ReadFile(net), ReadFile(out.Path("again.json")));

  CliResult v = Run({"verify", net, data, "--json"}, kind);
  ASSERT_EQ(v.exit_code, 0) << v.err << v.out;
  const nlohmann::json vj = ParseJson(v);
  EXPECT_EQ(vj["all_correct"], true);
  EXPECT_EQ(vj["checked"], bj["dataset"]["rows"]);
  EXPECT_THAT(v.err, ::testing::Not(HasSubstr("not the dataset")));

  CliResult p = Run({"predict", net, data, "-o", out.Path("p.csv")}, kind);
  ASSERT_EQ(p.exit_code, 0) << p.err;
  DataOptions options;
  const std::vector<std::string> flags = Flags(kind);
  for (size_t k = 0; k + 1 < flags.size(); k += 2) {
    if (flags[k] == "--labels") options.labels_path = flags[k + 1];
    if (flags[k] == "--limit") options.limit = std::stoll(flags[k + 1]);
  }
  ExpectPredictionsAreTheLabels(testing::ReadText(out.Path("p.csv")), LoadDataset(data, options));

  CliResult i = RunCli({"inspect", net, "--json"});
  ASSERT_EQ(i.exit_code, 0) << i.err;
  EXPECT_EQ(ParseJson(i)["network"], bj["network"]);
  EXPECT_EQ(RunCli({"inspect", net}).exit_code, 0);

  ExpectHonestExports(net, data, kind, out);
}

// verify --mode float32 and export --dtype float32|float64 (with --check DATA, and without: the
// data the network names) agree: a file is written when it gives every row its label in its
// dtype, else refused (exit 1, the count of wrong rows, no file) unless --allow-inexact.
void CliMatrixTest::ExpectHonestExports(const std::string& net, const std::string& data,
                                        const DataKind& kind, const TempDir& out) const {
  CliResult v32 = Run({"verify", net, data, "--mode", "float32", "--json"}, kind);
  ASSERT_TRUE(v32.exit_code == 0 || v32.exit_code == 1) << v32.err;
  EXPECT_EQ(ParseJson(v32)["all_correct"], v32.exit_code == 0);
  for (const std::string dtype : {"float64", "float32"}) {
    for (const std::string format : {"npz", "safetensors", "onnx"}) {
      const std::string file = out.Path(dtype + "." + format);
      CliResult e = Run({"export", net, "--check", data, "--dtype", dtype, "-o", file}, kind);
      if (dtype == "float32") {
        EXPECT_EQ(e.exit_code, v32.exit_code) << e.err;
      }
      if (e.exit_code == 1) {
        EXPECT_THAT(e.err, HasSubstr("mnemo: export: refused: in " + dtype + " the file gets "));
        EXPECT_FALSE(std::filesystem::exists(file));
        e = Run({"export", net, "--check", data, "--dtype", dtype, "--allow-inexact", "-o", file},
                kind);
        EXPECT_THAT(e.out, HasSubstr(", INEXACT on "));
      } else {
        EXPECT_THAT(e.out, HasSubstr(", exact on "));
      }
      ASSERT_EQ(e.exit_code, 0) << e.err;
      EXPECT_GT(std::filesystem::file_size(file), 0u) << file;
    }
  }
  if (kind.name != "fashion") {  // the exact certificate (z3 and cvc5 check it: smtlib_test.py)
    CliResult e = Run({"export", net, "--check", data, "-o", out.Path("cert.smt2")}, kind);
    ASSERT_EQ(e.exit_code, 0) << e.err;
    EXPECT_THAT(e.out, HasSubstr("points: unsat <=> every point gets its label)"));
    EXPECT_THAT(testing::ReadText(out.Path("cert.smt2")), HasSubstr("(check-sat)"));
  }
  if (!kind.flags.empty() && kind.name != "fashion") return;  // .npy: --labels is not recorded
  CliResult e = RunCli({"export", net, "-o", out.Path("named.npz"), "--allow-inexact"});
  EXPECT_EQ(e.exit_code, 0) << e.err;
}

std::vector<std::string> Names() {
  std::vector<std::string> names;
  for (const Construction& c : Registry()) names.push_back(c.name);
  return names;
}

INSTANTIATE_TEST_SUITE_P(
    EveryConstructionOnEveryDataKind, CliMatrixTest,
    ::testing::Combine(::testing::ValuesIn(Names()), ::testing::ValuesIn(Kinds())),
    [](const ::testing::TestParamInfo<CliMatrixTest::ParamType>& info) {
      return std::get<0>(info.param) + "_" + std::get<1>(info.param).name;
    });

// Different seeds give different networks for a randomized construction (the seed is used).
TEST(CliMatrixSeedTest, AnotherSeedGivesAnotherNetwork) {
  TempDir out;
  const std::string data = "synthetic:gaussian-clusters?n=60&d=3&classes=4&sigma=0.3&seed=2";
  for (const Construction& c : Registry()) {
    ASSERT_EQ(RunCli({"build", data, "-c", c.name, "--seed", "3", "-o", out.Path("a.json")})
                  .exit_code,
              0);
    ASSERT_EQ(RunCli({"build", data, "-c", c.name, "--seed", "4", "-o", out.Path("b.json")})
                  .exit_code,
              0);
    EXPECT_NE(ReadFile(out.Path("a.json")), ReadFile(out.Path("b.json"))) << c.name;
  }
}

}  // namespace
}  // namespace mnemo
