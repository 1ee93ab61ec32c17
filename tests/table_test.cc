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

TEST(TableTest, TextCountsUtf8CodePointsNotBytes) {
  Table t({"a", "b"});
  t.AddRow({"δ", "x"});
  t.AddRow({"ab", "y"});
  std::string text = t.ToText();
  // "δ" is two bytes but one column: padded with one space to width 2.
  EXPECT_NE(text.find("δ   x\n"), std::string::npos) << text;
  EXPECT_NE(text.find("ab  y\n"), std::string::npos) << text;
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
