// Tests for the mnemo CLI (src/cli): end to end build → save → load → verify, every bad-input
// class with exit code 2 and a placed message, no partial output, determinism, exports run by
// NumPy.
#include <filesystem>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "mnemo/dataset.h"
#include "mnemo/io.h"
#include "tests/test_util.h"

namespace mnemo {
namespace {

using ::testing::HasSubstr;
using testing::CliResult;
using testing::RunCli;
using testing::TempDir;
using testing::WriteText;

nlohmann::json Json(const CliResult& r) {
  try {
    return nlohmann::json::parse(r.out);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not JSON: " << r.out << "\nstderr: " << r.err;
    return {};
  }
}

// Runs build → verify → inspect on DATA and checks the exact verification of every row.
void BuildAndVerify(const std::string& data, const std::vector<std::string>& extra = {}) {
  SCOPED_TRACE(data);
  TempDir tmp;
  std::string net = tmp.Path("net.json");
  std::vector<std::string> args = {"build", data, "-c", "zhang", "-o", net, "--json"};
  args.insert(args.end(), extra.begin(), extra.end());
  CliResult b = RunCli(args);
  ASSERT_EQ(b.exit_code, 0) << b.err << b.out;
  nlohmann::json bj = Json(b);
  EXPECT_EQ(bj["construction"], "zhang");
  EXPECT_EQ(bj["status"], "success");
  EXPECT_EQ(bj["verification"]["all_correct"], true);
  EXPECT_EQ(bj["output"], net);
  for (const char* key : {"depth", "width", "neurons", "params_nonzero", "params_dense",
                          "max_weight_bits", "total_weight_bits"})
    EXPECT_TRUE(bj["network"].contains(key)) << key;
  for (const char* key : {"build", "verify", "total"}) EXPECT_TRUE(bj["timings_s"].contains(key));
  EXPECT_GE(bj["dataset"]["delta"].get<double>(), 0);
  ASSERT_TRUE(std::filesystem::exists(net));
  std::vector<std::string> vargs = {"verify", net, data, "--json"};
  vargs.insert(vargs.end(), extra.begin(), extra.end());
  CliResult v = RunCli(vargs);
  ASSERT_EQ(v.exit_code, 0) << v.err;
  nlohmann::json vj = Json(v);
  EXPECT_EQ(vj["all_correct"], true);
  EXPECT_EQ(vj["mode"], "exact");
  EXPECT_EQ(vj["mismatches"], 0);
  EXPECT_EQ(vj["checked"], bj["dataset"]["rows"]);
  CliResult i = RunCli({"inspect", net, "--json"});
  ASSERT_EQ(i.exit_code, 0) << i.err;
  EXPECT_EQ(Json(i)["network"], bj["network"]);
}

TEST(CliTest, BuildVerifySyntheticSphere) {
  BuildAndVerify("synthetic:sphere?n=2000&d=16&classes=10&seed=1");
}
TEST(CliTest, BuildVerifySyntheticBall) { BuildAndVerify("synthetic:ball?n=1000&d=3&classes=2"); }
TEST(CliTest, BuildVerifyGaussianClusters) {
  BuildAndVerify("synthetic:gaussian-clusters?n=1500&d=8&classes=5&labels=cluster&sigma=0.05");
}
TEST(CliTest, BuildVerifyGridWithDelta) {
  BuildAndVerify("synthetic:grid?n=1000&d=4&classes=3&delta=0.00001");
}
TEST(CliTest, BuildVerifyRealTargets) {
  BuildAndVerify("synthetic:ball?n=800&d=5&targets=real&seed=4");
}
TEST(CliTest, BuildVerifyFashionMnistFirst2000) {
  BuildAndVerify("fashion-mnist", {"--limit", "2000"});
}

TEST(CliTest, BuildVerifyCsvAndNpyFiles) {
  TempDir tmp;
  WriteText(tmp.Path("d.csv"), "a,b,label\n0.5,1,3\n-1,2,7\n3,0.25,3\n2,2,-1\n");
  BuildAndVerify(tmp.Path("d.csv"));
  WriteText(tmp.Path("x.npy"), NpyBytes({4, 2}, {0.5, 1, -1, 2, 3, 0.25, 2, 2}));
  WriteText(tmp.Path("y.npy"), NpyBytes({4}, {3, 7, 3, -1}));
  BuildAndVerify(tmp.Path("x.npy"), {"--labels", tmp.Path("y.npy")});
}

TEST(CliTest, HumanReadableOutputsAndList) {
  CliResult l = RunCli({"list"});
  EXPECT_EQ(l.exit_code, 0);
  EXPECT_THAT(l.out, HasSubstr("zhang"));
  nlohmann::json lj = Json(RunCli({"list", "--json"}));
  EXPECT_EQ(lj["constructions"][0]["name"], "zhang");
  TempDir tmp;
  CliResult b = RunCli({"build", "synthetic:ball?n=200", "-c", "zhang", "-o", tmp.Path("n.json")});
  EXPECT_EQ(b.exit_code, 0) << b.err;
  EXPECT_THAT(b.out, HasSubstr("verified 200/200 rows exactly"));
  EXPECT_THAT(b.out, HasSubstr("wrote " + tmp.Path("n.json")));
  CliResult d = RunCli({"data", "synthetic:ball?n=200", "--exact-delta", "--json"});
  EXPECT_EQ(d.exit_code, 0) << d.err;
  nlohmann::json dj = Json(d);
  EXPECT_EQ(dj["n"], 200);
  EXPECT_LE(dj["normalization"]["max_norm"].get<double>(), 1.0);
  EXPECT_LE(dj["separation"]["delta_lower_bound"].get<double>(), dj["separation"]["delta"].get<double>());
  CliResult p = RunCli({"predict", tmp.Path("n.json"), "synthetic:ball?n=200"});
  EXPECT_EQ(p.exit_code, 0) << p.err;
  EXPECT_EQ(testing::CountLines(p.out), 201);
  EXPECT_EQ(RunCli({"--help"}).exit_code, 0);
  EXPECT_EQ(RunCli({"build", "--help"}).exit_code, 0);
  EXPECT_EQ(RunCli({"frobnicate"}).exit_code, 2);
  EXPECT_EQ(RunCli({}).exit_code, 2);
}

TEST(CliTest, PredictAnswersInTheUsersLabelsForEveryRow) {
  TempDir tmp;
  WriteText(tmp.Path("d.csv"), "1,2,30\n3,4,-5\n1,2,30\n5,6,30\n");
  ASSERT_EQ(RunCli({"build", tmp.Path("d.csv"), "-c", "zhang", "-o", tmp.Path("n.json")}).exit_code, 0);
  CliResult p = RunCli({"predict", tmp.Path("n.json"), tmp.Path("d.csv"), "-o", tmp.Path("p.csv")});
  ASSERT_EQ(p.exit_code, 0) << p.err;
  EXPECT_EQ(testing::ReadText(tmp.Path("p.csv")), "row,prediction\n0,30\n1,-5\n2,30\n3,30\n");
}

void ExpectBadInput(const std::vector<std::string>& args, const std::string& message);

// Text labels ("cat", "dog") are the network's labels: the file keeps them (format version 2),
// predict prints them (CSV-quoted), verify compares the data's text labels with them, inspect
// lists them, and the float exports carry them.
TEST(CliTest, TextLabelsAreTheNetworksLabelsEverywhere) {
  TempDir tmp;
  const std::string data = tmp.Path("d.csv"), net = tmp.Path("n.json");
  WriteText(data, "x,y,animal\n1,2,cat\n3,4,dog\n5,6,\"big, cat\"\n1,2,cat\n7,1,emu\n");
  ASSERT_EQ(RunCli({"build", data, "-c", "zhang", "-o", net}).exit_code, 0);
  const nlohmann::json file = nlohmann::json::parse(testing::ReadText(net));
  EXPECT_EQ(file["version"], 2);
  EXPECT_EQ(file["labels"]["names"], nlohmann::json({"big, cat", "cat", "dog", "emu"}));
  CliResult p = RunCli({"predict", net, data});
  ASSERT_EQ(p.exit_code, 0) << p.err;
  EXPECT_EQ(p.out, "row,prediction\n0,cat\n1,dog\n2,\"big, cat\"\n3,cat\n4,emu\n");
  for (const char* mode : {"exact", "float64"})
    EXPECT_EQ(RunCli({"verify", net, data, "--mode", mode}).exit_code, 0) << mode;
  CliResult f32 = RunCli({"verify", net, data, "--mode", "float32", "--json"});
  EXPECT_NE(f32.exit_code, 2) << f32.err;  // compares the names in float32 too (may be inexact)
  // Other text labels on the same points: the rows whose label changed are wrong, in words.
  WriteText(tmp.Path("cow.csv"), "x,y,animal\n1,2,cow\n3,4,dog\n5,6,\"big, cat\"\n1,2,cow\n7,1,emu\n");
  CliResult v = RunCli({"verify", net, tmp.Path("cow.csv"), "--json"});
  EXPECT_EQ(v.exit_code, 1);
  EXPECT_EQ(Json(v)["mismatches"], 2);
  EXPECT_EQ(Json(v)["first_mismatches"][0]["expected"], "cow");
  EXPECT_EQ(Json(v)["first_mismatches"][0]["got"], "cat");
  // Integer labels on a network of text labels: compared as written, so none matches.
  WriteText(tmp.Path("numbers.csv"), "1,2,0\n3,4,1\n");
  EXPECT_EQ(Json(RunCli({"verify", net, tmp.Path("numbers.csv"), "--json"}))["mismatches"], 2);
  CliResult i = RunCli({"inspect", net, "--json"});
  EXPECT_EQ(Json(i)["labels"], nlohmann::json({"big, cat", "cat", "dog", "emu"}));
  EXPECT_THAT(RunCli({"inspect", net}).out, HasSubstr("labels: big, cat, cat, dog, emu"));
  ASSERT_EQ(RunCli({"export", net, "-o", tmp.Path("n.safetensors")}).exit_code, 0);
  const std::string st = testing::ReadText(tmp.Path("n.safetensors"));
  EXPECT_THAT(st, HasSubstr("class_names"));
  // Text labels in the first column of a file without a header: the error says where to look.
  WriteText(tmp.Path("first.csv"), "cat,0.5,0.25\ndog,0.125,0.75\n");
  ExpectBadInput({"data", tmp.Path("first.csv")},
                 ":2:1: not a number: \"dog\" (text labels in this column? --label-column first)");
  // A version 1 file cannot hold text labels: old readers would print the indices.
  std::string v1 = testing::ReadText(net);
  v1.replace(v1.find("\"version\": 2"), 12, "\"version\": 1");
  WriteText(tmp.Path("v1.json"), v1);
  ExpectBadInput({"inspect", tmp.Path("v1.json")},
                 "labels.names: text class labels need format version 2 (the file says 1)");
}

// ---- bad inputs: exit code 2 and a one-line message naming the place

void ExpectBadInput(const std::vector<std::string>& args, const std::string& message) {
  CliResult r = RunCli(args);
  EXPECT_EQ(r.exit_code, 2) << "stdout: " << r.out << "\nstderr: " << r.err;
  // One line "mnemo: error: ..." that names the place (notes may precede it).
  size_t at = r.err.find("mnemo: error: ");
  ASSERT_NE(at, std::string::npos) << r.err;
  std::string line = r.err.substr(at, r.err.find('\n', at) - at);
  EXPECT_THAT(line, HasSubstr(message));
  EXPECT_EQ(r.err.find("mnemo: error: ", at + 1), std::string::npos) << r.err;
}

TEST(CliBadInputTest, CsvErrorsNameFileLineAndColumn) {
  TempDir tmp;
  std::string f = tmp.Path("d.csv");
  WriteText(f, "");
  ExpectBadInput({"data", f}, f + ": no data rows");
  WriteText(f, "1,2,0\n3,4,1\n5,6\n");
  ExpectBadInput({"data", f}, f + ":3: ragged row: 2 columns, expected 3");
  WriteText(f, "x,y,l\n1,2,0\n3,4x,1\n");
  ExpectBadInput({"data", f}, f + ":3:2: not a number: \"4x\"");
  WriteText(f, "1,2,0\n3,NaN,1\n");
  ExpectBadInput({"data", f}, f + ":2:2: NaN is not allowed");
  WriteText(f, "1,2,0\ninf,4,1\n");
  ExpectBadInput({"data", f}, f + ":2:1: infinity is not allowed");
  WriteText(f, "1,2,0\n3,4,1\n1e400,4,1\n");
  ExpectBadInput({"data", f}, f + ":3:1: number overflows binary64: \"1e400\"");
  WriteText(f, "1,2,0\n3,4,1e999\n");
  ExpectBadInput({"build", f, "-c", "zhang", "-o", tmp.Path("n.json")}, f + ":2:3: number overflows");
}

TEST(CliBadInputTest, IdenticalPointsWithDifferentLabelsNameBothRows) {
  TempDir tmp;
  std::string f = tmp.Path("d.csv");
  WriteText(f, "1,2,0\n3,4,1\n5,6,0\n3,4,0\n");
  ExpectBadInput({"build", f, "-c", "zhang", "-o", tmp.Path("n.json")},
                 f + ":2 and " + f + ":4 are identical points with different labels");
}

TEST(CliBadInputTest, NpyDimensionMismatchAndDamage) {
  TempDir tmp;
  std::string x = tmp.Path("x.npy"), y = tmp.Path("y.npy");
  WriteText(x, NpyBytes({5, 2}, std::vector<double>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  WriteText(y, NpyBytes({4}, {0, 1, 0, 1}));
  ExpectBadInput({"data", x, "--labels", y}, y + ": 4 labels for 5 rows in " + x);
  ExpectBadInput({"data", x}, x + ": .npy data needs its labels");
  WriteText(y, NpyBytes({5}, {0, 1, 0, 1, 1}));
  std::string bytes = NpyBytes({5, 2}, std::vector<double>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  WriteText(x, bytes.substr(0, bytes.size() - 8));
  ExpectBadInput({"data", x, "--labels", y}, x + ": truncated data");
  WriteText(x, "garbage that is not numpy");
  ExpectBadInput({"data", x, "--labels", y}, x + ": not a .npy file");
  WriteText(x, NpyBytes({2, 2}, {1, 2, 3, INFINITY}));
  WriteText(y, NpyBytes({2}, {0, 1}));
  ExpectBadInput({"data", x, "--labels", y}, x + ": row 1, column 1: infinity is not allowed");
}

TEST(CliBadInputTest, DamagedIdxAndGzip) {
  TempDir tmp;
  const std::string dir = "/usr/share/datasets/fashion-mnist/";
  std::string gz = ReadFile(dir + "t10k-images-idx3-ubyte.gz");
  WriteText(tmp.Path("t-labels-idx1-ubyte.gz"), ReadFile(dir + "t10k-labels-idx1-ubyte.gz"));
  std::string images = tmp.Path("t-images-idx3-ubyte.gz");
  WriteText(images, gz.substr(0, 100000));
  ExpectBadInput({"data", images}, images + ": truncated gzip file");
  std::string bad = gz;
  for (size_t k = 5000; k < 5100; ++k) bad[k] = char(~bad[k]);
  WriteText(images, bad);
  ExpectBadInput({"data", images}, images + ": corrupt gzip data");
  std::string raw = ReadMaybeGzip(dir + "t10k-images-idx3-ubyte.gz");
  std::string plain = tmp.Path("t-images-idx3-ubyte");
  WriteText(plain, raw.substr(0, raw.size() - 1));
  ExpectBadInput({"data", plain}, plain + ": truncated IDX data");
  WriteText(plain, raw.substr(0, 10));
  ExpectBadInput({"data", plain}, plain + ": truncated IDX header");
}

TEST(CliBadInputTest, UnknownConstructionAndOptions) {
  TempDir tmp;
  ExpectBadInput({"build", "synthetic:ball?n=20", "-c", "zhang", "--wdith", "3", "-o", tmp.Path("n.json")},
                 "--wdith: not an option of construction zhang (its options: --tries)");
  ExpectBadInput({"build", "synthetic:ball?n=20", "-c", "nope", "-o", tmp.Path("n.json")},
                 "unknown construction \"nope\"");
  ExpectBadInput({"build", "synthetic:ball?n=20", "-c", "zhang", "--tries", "x", "-o", tmp.Path("n.json")},
                 "--tries: expected an integer");
  ExpectBadInput({"data", "synthetic:ball?n=20&colour=red"}, "unknown parameter \"colour\"");
  ExpectBadInput({"data", tmp.Path("missing.csv")}, tmp.Path("missing.csv"));
  ExpectBadInput({"verify", tmp.Path("none.json"), "synthetic:ball?n=20"}, tmp.Path("none.json") + ": cannot open");
  EXPECT_FALSE(std::filesystem::exists(tmp.Path("n.json")));
}

TEST(CliBadInputTest, ANewlineInADataArgumentGivesAOneLineMessage) {
  TempDir tmp;
  for (const std::string& data : {std::string("synthetic:ball?n=20&col\nour=red"),
                                  tmp.Path("two\nlines.csv"), std::string("\n"),
                                  std::string("synthetic:ball?n=2\r\n0\xD3")}) {
    CliResult r = RunCli({"data", data});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_THAT(r.err, ::testing::StartsWith("mnemo: error: ")) << r.err;
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;  // one line, the last byte
  }
  ExpectBadInput({"data", "synthetic:ball?n=20&col\nour=red"}, "unknown parameter \"col\\nour\"");
  ExpectBadInput({"data", tmp.Path("two\nlines.csv")}, tmp.Path("two\\nlines.csv"));
}

TEST(CliBadInputTest, FailedBuildLeavesNoPartialOutput) {
  TempDir tmp;
  std::string f = tmp.Path("d.csv"), out = tmp.Path("net.json");
  // A valid head, then a bad row deep in the file: loading fails after work was done.
  std::string text;
  for (int i = 0; i < 3000; ++i) text += fmt::format("{},{},{}\n", i, i % 7, i % 3);
  WriteText(f, text + "1,2\n");
  ExpectBadInput({"build", f, "-c", "zhang", "-o", out}, f + ":3001: ragged row");
  EXPECT_FALSE(std::filesystem::exists(out));
  // An existing output is left untouched by a failed build.
  WriteText(out, "previous");
  ExpectBadInput({"build", f, "-c", "zhang", "-o", out}, "ragged row");
  EXPECT_EQ(testing::ReadText(out), "previous");
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(tmp.dir())) ++files, (void)e;
  EXPECT_EQ(files, 2) << "temporary files left behind";
  // The output may not overwrite the input data.
  WriteText(f, "1,2,0\n3,4,1\n");
  ExpectBadInput({"build", f, "-c", "zhang", "-o", f}, "would overwrite the input");
  EXPECT_EQ(testing::ReadText(f), "1,2,0\n3,4,1\n");
}

TEST(CliTest, MergedDuplicatesWarnAndAreVerifiedPerRow) {
  TempDir tmp;
  std::string f = tmp.Path("d.csv"), net = tmp.Path("n.json");
  WriteText(f, "1,2,0\n3,4,1\n1,2,0\n3,4,1\n1,2,0\n5,6,2\n");
  CliResult b = RunCli({"build", f, "-c", "zhang", "-o", net});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_THAT(b.err, HasSubstr("warning: " + f + ": merged 3 duplicate rows"));
  CliResult v = RunCli({"verify", net, f, "--json"});
  ASSERT_EQ(v.exit_code, 0) << v.err;
  nlohmann::json j = Json(v);
  EXPECT_EQ(j["checked"], 6);
  EXPECT_EQ(j["all_correct"], true);
  CliResult d = RunCli({"data", f, "--json"});
  EXPECT_EQ(Json(d)["merged_duplicates"], 3);
}

TEST(CliTest, VerifyOnOtherDataReportsMismatchesWithExitCode1) {
  TempDir tmp;
  std::string net = tmp.Path("n.json");
  ASSERT_EQ(RunCli({"build", "synthetic:ball?n=300&classes=3&seed=1", "-c", "zhang", "-o", net}).exit_code, 0);
  CliResult v = RunCli({"verify", net, "synthetic:ball?n=300&classes=3&seed=2", "--json"});
  EXPECT_EQ(v.exit_code, 1);
  nlohmann::json j = Json(v);
  EXPECT_EQ(j["all_correct"], false);
  EXPECT_GT(j["mismatches"].get<int>(), 0);
  EXPECT_FALSE(j["first_mismatches"].empty());
  EXPECT_THAT(v.err, HasSubstr("is not the dataset"));
  // Data with another dimension is bad input.
  ExpectBadInput({"verify", net, "synthetic:ball?n=30&d=3"}, "the network reads 2 inputs but the data has 3 columns");
}

TEST(CliTest, VerifyModeBothPrintsTheFloatDisagreement) {
  TempDir tmp;
  SaveNetwork(testing::CancellingNetwork(), tmp.Path("net.json"));
  WriteText(tmp.Path("data.csv"), "x,y\n0,7\n1,7\n2,7\n3,7\n");
  CliResult r = RunCli({"verify", tmp.Path("net.json"), tmp.Path("data.csv"),
                                          "--mode", "both"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("float64 disagrees with exact on 3 points"));
  EXPECT_THAT(r.out, HasSubstr("float64 disagrees at row 1: exact 7, float64 none"));
  r = RunCli({"verify", tmp.Path("net.json"), tmp.Path("data.csv"), "--mode", "both",
                       "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["float_disagreements"], 3);
  EXPECT_EQ(j["all_correct"], true);
  r = RunCli({"verify", tmp.Path("net.json"), tmp.Path("data.csv"), "--mode", "float64"});
  EXPECT_EQ(r.exit_code, 1);
}

TEST(CliTest, SameSeedGivesByteIdenticalNetworkFiles) {
  TempDir tmp;
  for (const char* data : {"synthetic:gaussian-clusters?n=1500&d=6&classes=4",
                           "synthetic:ball?n=500&d=3&targets=real"}) {
    ASSERT_EQ(RunCli({"build", data, "-c", "zhang", "--seed", "42", "-o", tmp.Path("a.json")}).exit_code, 0);
    ASSERT_EQ(RunCli({"build", data, "-c", "zhang", "--seed", "42", "-o", tmp.Path("b.json")}).exit_code, 0);
    ASSERT_EQ(RunCli({"build", data, "-c", "zhang", "--seed", "43", "-o", tmp.Path("c.json")}).exit_code, 0);
    std::string a = ReadFile(tmp.Path("a.json"));
    EXPECT_EQ(a, ReadFile(tmp.Path("b.json"))) << data;
    EXPECT_NE(a, ReadFile(tmp.Path("c.json"))) << data;
  }
}

// The README's NumPy forward pass (tests/export_check.py) on networks of every output kind:
// zhang ("value"), baum ("argmax"), bubeck ("bits"), in both formats and both dtypes.
TEST(CliTest, ExportedFloatNetworkReproducesEveryLabelInNumPy) {
  TempDir tmp;
  const std::string data = "synthetic:gaussian-clusters?n=300&d=5&classes=4&seed=3";
  Dataset ds = LoadDataset(data);
  std::vector<double> x(ds.x.Dense().data(), ds.x.Dense().data() + ds.x.size()), y;
  for (int64_t i = 0; i < ds.n(); ++i) y.push_back(double(ds.class_values[ds.y[i]]));
  WriteText(tmp.Path("X.npy"), NpyBytes({ds.n(), ds.d()}, x));
  WriteText(tmp.Path("y.npy"), NpyBytes({ds.n()}, y));
  const std::string script = std::string(MNEMO_SOURCE_DIR) + "/tests/export_check.py";
  auto numpy = [&](const std::string& file) {
    std::string cmd = "/usr/bin/python3 " + script + " " + file + " " + tmp.Path("X.npy") + " " +
                      tmp.Path("y.npy") + " > " + tmp.Path("py.out") + " 2>&1";
    const int status = std::system(cmd.c_str());
    return std::make_pair(status, testing::ReadText(tmp.Path("py.out")));
  };
  for (const std::string c : {"zhang", "baum", "bubeck"}) {
    const std::string net = tmp.Path(c + ".json");
    ASSERT_EQ(RunCli({"build", data, "-c", c, "-o", net}).exit_code, 0) << c;
    for (const std::string dtype : {"float64", "float32"}) {
      for (const std::string format : {"npz", "safetensors"}) {
        std::string file = tmp.Path(c + "." + dtype + "." + format);
        CliResult e = RunCli({"export", net, "--dtype", dtype, "-o", file});
        ASSERT_TRUE(e.exit_code == 0 || (e.exit_code == 1 && dtype == "float32")) << e.err;
        if (e.exit_code == 1) continue;  // refused: checked in ExportRefusesAFileThatLosesLabels
        auto [status, out] = numpy(file);
        EXPECT_EQ(status, 0) << c << " " << file << ": " << out;
        EXPECT_THAT(out, HasSubstr("all 300 labels reproduced")) << c;
      }
    }
  }
  // A wrong label is caught by the script (the check can fail).
  y[17] = y[17] + 1;
  WriteText(tmp.Path("y.npy"), NpyBytes({ds.n()}, y));
  EXPECT_NE(numpy(tmp.Path("bubeck.float64.npz")).first, 0);
  ExpectBadInput({"export", tmp.Path("zhang.json"), "--format", "tflite", "-o", tmp.Path("n.tf")},
                 "--format: unknown export format \"tflite\"");
}

// A float export that would lose labels is refused with the count and the reason, and nothing
// is written; --allow-inexact writes it and its metadata says so; verify --mode float32 agrees.
TEST(CliTest, ExportRefusesAFileThatLosesLabels) {
  TempDir tmp;
  const std::string data = "synthetic:grid?n=300&d=4&delta=1e-6&classes=5";
  const std::string net = tmp.Path("n.json"), file = tmp.Path("n.npz");
  ASSERT_EQ(RunCli({"build", data, "-c", "bitextract", "--depth", "8", "-o", net}).exit_code, 0);
  CliResult e = RunCli({"export", net, "-o", file});
  EXPECT_EQ(e.exit_code, 1) << e.err << e.out;
  EXPECT_THAT(e.err, HasSubstr("mnemo: export: refused: in float64 the file gets "));
  EXPECT_THAT(e.err, HasSubstr("of 300 rows wrong"));
  EXPECT_THAT(e.err, HasSubstr("  why: the file rounds "));
  EXPECT_FALSE(std::filesystem::exists(file));
  std::istringstream lines(e.err);
  for (std::string line; std::getline(lines, line);) EXPECT_LE(line.size(), 100u) << line;
  const std::string st = tmp.Path("n.safetensors");  // its metadata is plain (escaped) JSON
  e = RunCli({"export", net, "-o", st, "--allow-inexact"});
  ASSERT_EQ(e.exit_code, 0) << e.err;
  EXPECT_THAT(e.out, HasSubstr("(safetensors, float64, INEXACT on "));
  const std::string bytes = testing::ReadText(st);
  EXPECT_THAT(bytes, HasSubstr(R"(\"exact\":false)"));
  EXPECT_THAT(bytes, HasSubstr(R"(\"fingerprint\":\")" + LoadDataset(data).Fingerprint().hash));
  CliResult v = RunCli({"verify", net, data, "--mode", "float32"});
  EXPECT_EQ(v.exit_code, 1) << v.err;
  EXPECT_THAT(v.out, HasSubstr("float32: "));
  EXPECT_THAT(v.out, HasSubstr("  why: "));
  // --check: other data; data the network cannot read is an input error.
  ExpectBadInput({"export", net, "-o", file, "--check", "synthetic:ball?n=20&d=3"},
                 "the network reads 4 inputs but the data has 3 columns");
  ExpectBadInput({"verify", net, data, "--mode", "float16"},
                 "--mode: expected exact, float64, both or float32, got \"float16\"");
}

}  // namespace
}  // namespace mnemo
