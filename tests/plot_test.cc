// Tests for plot (plot.h): the gnuplot script of every kind holds the points, the fitted line
// with its exponent and the theory lines; figures in png, svg and pdf are produced through the
// binary, non-empty, with their script beside them; rows that cannot make a figure are errors.
#include <filesystem>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "mnemo/error.h"
#include "mnemo/plot.h"
#include "tests/explore_rows.h"
#include "tests/test_util.h"

namespace mnemo {
namespace {

using ::testing::HasSubstr;
using testing::RunCli;
using testing::SyntheticRows;
using testing::TempDir;

std::string Script(PlotKind kind, const std::vector<Row>& rows, const std::string& measure = "") {
  PlotOptions o;
  o.kind = kind;
  o.output = "fig.png";
  o.measure = measure;
  return PlotScript(rows, o);
}

TEST(PlotTest, ScriptsHoldPointsFitsAndTheory) {
  const std::vector<Row> rows = SyntheticRows();
  std::string s = Script(PlotKind::kScaling, rows);
  EXPECT_THAT(s, HasSubstr("set logscale xy"));
  EXPECT_THAT(s, HasSubstr("set output outfile"));
  EXPECT_THAT(s, HasSubstr("$d0 << EOD\n1000 "));
  EXPECT_THAT(s, HasSubstr("fit ∝ N^{1"));
  EXPECT_THAT(s, HasSubstr("upper bound: W²L² ≤ c·N·log2(1/δ) (c = 7"));
  EXPECT_THAT(s, HasSubstr("the median"));
  s = Script(PlotKind::kDelta, rows);
  EXPECT_THAT(s, HasSubstr("fit ∝ log_2(1/δ)^{"));
  s = Script(PlotKind::kBits, rows);
  EXPECT_THAT(s, HasSubstr("lower bound: Σ weight bits ≥ N·log2 C (c = 1)"));
  s = Script(PlotKind::kTradeoff, rows);
  EXPECT_THAT(s, HasSubstr("fit ∝ L^{-1"));
  EXPECT_THAT(s, HasSubstr("W^2L^2 = "));
  s = Script(PlotKind::kCompare, rows, "neurons");
  EXPECT_THAT(s, HasSubstr("set style histogram clustered"));
  EXPECT_THAT(s, HasSubstr("\"N = 16000\""));
}

TEST(PlotTest, RowsWithoutTheAxisAreAnError) {
  std::vector<Row> one = {SyntheticRows()[0]};
  try {
    Script(PlotKind::kScaling, one);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("no group of rows has two values of N"));
  }
  EXPECT_THROW(ParsePlotKind("pie"), Error);
  PlotOptions o;
  o.output = "fig.jpg";
  EXPECT_THROW(PlotScript(SyntheticRows(), o), Error);
  EXPECT_EQ(ScriptPathFor("out/fig.png"), "out/fig.gp");
}

TEST(PlotTest, FiguresThroughTheBinary) {
  TempDir tmp;
  std::vector<Report> reports;
  for (const Row& r : SyntheticRows()) reports.push_back(r.report);
  WriteRows(tmp.Path("rows.jsonl"), reports);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"scaling", "s.png"}, {"delta", "d.svg"}, {"tradeoff", "t.pdf"},
      {"compare", "c.png"}, {"bits", "b.png"}};
  for (const auto& [kind, file] : cases) {
    SCOPED_TRACE(kind);
    testing::CliResult r =
        RunCli({"plot", tmp.Path("rows.jsonl"), "--kind", kind, "-o", tmp.Path(file)});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    ASSERT_TRUE(std::filesystem::exists(tmp.Path(file)));
    EXPECT_GT(std::filesystem::file_size(tmp.Path(file)), 5000u);
    const std::string head = testing::ReadText(tmp.Path(file)).substr(0, 8);
    if (file.ends_with(".png")) {
      EXPECT_EQ(head.substr(1, 3), "PNG");
    } else if (file.ends_with(".pdf")) {
      EXPECT_EQ(head.substr(0, 4), "%PDF");
    } else {
      EXPECT_THAT(testing::ReadText(tmp.Path(file)), HasSubstr("<svg"));
    }
    const std::string script = ScriptPathFor(tmp.Path(file));
    ASSERT_TRUE(std::filesystem::exists(script));
    EXPECT_THAT(testing::ReadText(script), HasSubstr("# mnemo plot "));
  }
  // The kept script remakes the figure on its own.
  std::filesystem::remove(tmp.Path("s.png"));
  const std::string cmd = "cd " + tmp.dir() + " && gnuplot s.gp";
  EXPECT_EQ(std::system(cmd.c_str()), 0);
  EXPECT_TRUE(std::filesystem::exists(tmp.Path("s.png")));
  testing::CliResult bad =
      RunCli({"plot", tmp.Path("rows.jsonl"), "--kind", "pie", "-o", tmp.Path("x.png")});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("--kind: expected scaling, delta, tradeoff, compare or bits"));
  EXPECT_FALSE(std::filesystem::exists(tmp.Path("x.png")));
}

}  // namespace
}  // namespace mnemo
