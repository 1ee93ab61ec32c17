// Report rows of `compare` and `tradeoff`: one Report per row, printed as it finishes — an
// aligned text table (stdout, flushed per row), CSV (full precision, one line per row) or, at
// the end, one JSON object whose rows are Report::ToJson. Every cell comes from the Report's
// typed fields; the columns of each command are a list of ReportColumn.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mnemo/report.h"
#include "mnemo/table.h"

namespace mnemo::cli {

struct ReportColumn {
  std::string header;  ///< text header
  std::string csv;     ///< CSV header
  size_t width;        ///< text width (0: the free last column)
  char align;          ///< 'l' or 'r'
  /// The cell; `exact` asks for full precision (CSV) instead of the table's short form.
  std::function<std::string(const Report&, bool exact)> cell;
};

enum class RowFormat { kText, kCsv, kJson };

class ReportRows {
 public:
  ReportRows(std::vector<ReportColumn> columns, RowFormat format);
  /// Text: the caption line and the header; CSV: the header.
  void Begin(const std::string& caption);
  void Add(const Report& r);
  /// JSON: prints {extra..., "rows": [...]}.
  void End(nlohmann::ordered_json extra = nlohmann::ordered_json::object());

 private:
  std::vector<ReportColumn> columns_;
  RowFormat format_;
  StreamTable table_;
  nlohmann::ordered_json rows_ = nlohmann::ordered_json::array();
};

/// "yes" (verified), "not run" (--no-verify), else the status ("infeasible", "failed", ...).
std::string Verdict(const Report& r);
/// An integer network statistic, "-" when no network was built.
std::string StatCell(const Report& r, int64_t value);
/// Seconds of a phase: 3 significant digits, or full precision.
std::string SecondsCell(const Report& r, const std::string& phase, bool exact);

}  // namespace mnemo::cli
