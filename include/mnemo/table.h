// A plain text table for human-readable reports: columns aligned, numbers right-aligned,
// and the same rows as CSV. Every report and CLI table goes through it.
#pragma once

#include <cstddef>
#include <string>
#include <cstdio>
#include <vector>

namespace mnemo {

class Table {
 public:
  explicit Table(std::vector<std::string> header) : header_(std::move(header)) {}
  void AddRow(std::vector<std::string> row);
  /// Aligned text with a rule under the header.
  std::string ToText() const;
  /// RFC 4180 CSV (cells with commas or quotes are quoted).
  std::string ToCsv() const;
  const std::vector<std::vector<std::string>>& rows() const { return rows_; }

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

/// A table printed row by row as results arrive (for long runs): fixed column widths, each
/// column aligned as `align` says ('l' or 'r', header included), cells longer than their column
/// cut with "…"; a last column of width 0 takes the rest of the line and wraps within 100
/// columns (when it does not fit and fewer than 30 columns are left, it goes below the row,
/// indented).
class StreamTable {
 public:
  StreamTable(std::vector<std::string> header, std::vector<size_t> widths, std::string align);
  void PrintHeader() const;
  void PrintRow(const std::vector<std::string>& row) const;
  std::string RowText(const std::vector<std::string>& row) const;

 private:
  std::vector<std::string> header_;
  std::vector<size_t> widths_;
  std::string align_;
};

/// Wraps `text` at spaces into lines of at most `width` columns (code points); continuation
/// lines are indented by `indent` spaces.
std::string WrapText(const std::string& text, size_t indent, size_t width = 100);

/// One RFC 4180 CSV field: quoted when it holds a comma, a quote or a newline.
std::string CsvEscape(const std::string& s);

/// Compact number formatting for tables: integers plainly, others with `digits` significant digits.
std::string FormatNumber(double value, int digits = 4);

}  // namespace mnemo
