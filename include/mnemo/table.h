// A plain text table for human-readable reports: columns aligned, numbers right-aligned,
// and the same rows as CSV. Every report and CLI table goes through it.
#pragma once

#include <string>
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

/// Compact number formatting for tables: integers plainly, others with `digits` significant digits.
std::string FormatNumber(double value, int digits = 4);

}  // namespace mnemo
