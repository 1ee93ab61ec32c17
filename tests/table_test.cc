// Tests for mnemo/table.h: aligned text, RFC 4180 CSV, number formatting.
#include "mnemo/table.h"

#include <gtest/gtest.h>

#include "tests/test_util.h"

namespace mnemo {
namespace {

TEST(TableTest, TextAlignsColumnsAndRightAlignsNumbers) {
  Table t({"name", "value"});
  t.AddRow({"depth", "3"});
  t.AddRow({"width of layer", "12345"});
  std::string text = t.ToText();
  EXPECT_EQ(text,
            "name            value\n"
            "--------------  -----\n"
            "depth               3\n"
            "width of layer  12345\n");
}

TEST(TableTest, TextColumnsAlignLeftWithTheirHeaders) {
  Table t({"construction", "labels", "W", "note"});
  t.AddRow({"zhang", "any", "402", ""});
  t.AddRow({"bitextract", "classes", "-", "infeasible"});
  EXPECT_EQ(t.ToText(),
            "construction  labels     W  note\n"
            "------------  -------  ---  ----------\n"
            "zhang         any      402\n"
            "bitextract    classes    -  infeasible\n");
}

TEST(TableTest, TextCountsUtf8CodePointsNotBytes) {
  Table t({"a", "b"});
  t.AddRow({"δ", "x"});
  t.AddRow({"ab", "y"});
  std::string text = t.ToText();
  // "δ" is two bytes but one column: padded with one space to width 2.
  EXPECT_NE(text.find("δ   x\n"), std::string::npos) << text;
  EXPECT_NE(text.find("ab  y\n"), std::string::npos) << text;
}

TEST(TableTest, WrapTextFitsTheWidthAndCutsLongListsAfterTheirSeparators) {
  EXPECT_EQ(WrapText("aaa bbb ccc", 2, 7), "aaa bbb\n  ccc");
  EXPECT_EQ(WrapText("  kept leading", 4, 100), "  kept leading");
  EXPECT_EQ(WrapText("x: relu|tanh|sigmoid|gelu", 3, 12), "x: relu|\n   tanh|\n   sigmoid|\n   gelu");
  EXPECT_EQ(WrapText("unbreakable-word", 0, 5), "unbreakable-word");  // no cut point: stays whole
}

TEST(TableTest, StreamTableWrapsItsFreeColumnWithin100Columns) {
  StreamTable t({"name", "text"}, {20, 0}, "ll");
  std::string words;
  for (int i = 0; i < 40; ++i) words += "word ";
  const std::string row = t.RowText({"a", words});
  size_t start = 0, lines = 0;
  while (start < row.size()) {
    size_t end = row.find('\n', start);
    if (end == std::string::npos) end = row.size();
    EXPECT_LE(end - start, 100u) << row;
    if (lines > 0) {
      EXPECT_EQ(row.substr(start, 22), std::string(22, ' ')) << row;
    }
    start = end + 1;
    ++lines;
  }
  EXPECT_GE(lines, 3u);
  // A free column that does not fit beside a wide row goes below it, indented.
  StreamTable wide({"name", "text"}, {90, 0}, "ll");
  EXPECT_EQ(wide.RowText({"a", "a reason that is too long for ten columns"}),
            "a\n    a reason that is too long for ten columns");
}

TEST(TableTest, CsvQuotesCellsWithCommasQuotesAndNewlines) {
  Table t({"k", "v"});
  t.AddRow({"a,b", "say \"hi\""});
  t.AddRow({"line\nbreak", "plain"});
  EXPECT_EQ(t.ToCsv(), "k,v\n\"a,b\",\"say \"\"hi\"\"\"\n\"line\nbreak\",plain\n");
  EXPECT_EQ(t.rows().size(), 2u);
}

TEST(TableTest, FormatNumberPrintsIntegersPlainlyAndOthersWithDigits) {
  EXPECT_EQ(FormatNumber(42), "42");
  EXPECT_EQ(FormatNumber(-7), "-7");
  EXPECT_EQ(FormatNumber(1e14), "100000000000000");
  EXPECT_EQ(FormatNumber(3.14159265), "3.142");
  EXPECT_EQ(FormatNumber(3.14159265, 6), "3.14159");
  EXPECT_EQ(FormatNumber(1e20), "1e+20");
  EXPECT_EQ(FormatNumber(0.000123456), "0.0001235");
}

}  // namespace
}  // namespace mnemo
