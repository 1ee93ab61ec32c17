#include "src/cli/report_rows.h"

#include <cstdio>

#include <fmt/format.h>

namespace mnemo::cli {
namespace {

StreamTable MakeTable(const std::vector<ReportColumn>& columns) {
  std::vector<std::string> headers;
  std::vector<size_t> widths;
  std::string align;
  for (const ReportColumn& c : columns) {
    headers.push_back(c.header);
    widths.push_back(c.width);
    align += c.align;
  }
  return StreamTable(headers, widths, align);
}

}  // namespace

ReportRows::ReportRows(std::vector<ReportColumn> columns, RowFormat format)
    : columns_(std::move(columns)), format_(format), table_(MakeTable(columns_)) {}

void ReportRows::Begin(const std::string& caption) {
  if (format_ == RowFormat::kText) {
    fmt::print("{}\n", WrapText(caption, 2));
    table_.PrintHeader();
  } else if (format_ == RowFormat::kCsv) {
    std::string line;
    for (const ReportColumn& c : columns_) line += (line.empty() ? "" : ",") + CsvEscape(c.csv);
    fmt::print("{}\n", line);
    std::fflush(stdout);
  }
}

void ReportRows::Add(const Report& r) {
  if (format_ == RowFormat::kJson) {
    rows_.push_back(r.ToJson());
    return;
  }
  const bool csv = format_ == RowFormat::kCsv;
  std::vector<std::string> cells;
  for (const ReportColumn& c : columns_) cells.push_back(c.cell(r, csv));
  if (!csv) {
    table_.PrintRow(cells);
    return;
  }
  std::string line;
  for (size_t j = 0; j < cells.size(); ++j) line += (j ? "," : "") + CsvEscape(cells[j]);
  fmt::print("{}\n", line);
  std::fflush(stdout);
}

void ReportRows::End(nlohmann::ordered_json extra) {
  if (format_ != RowFormat::kJson) return;
  extra["rows"] = rows_;
  fmt::print("{}\n", extra.dump(2));
}

std::string Verdict(const Report& r) {
  if (!r.ok()) return ToString(r.status);
  return r.verification.run ? "yes" : "not run";
}

std::string StatCell(const Report& r, int64_t value) {
  return r.network.depth > 0 ? fmt::format("{}", value) : "-";
}

std::string SecondsCell(const Report& r, const std::string& phase, bool exact) {
  const double s = r.timings.Get(phase);
  return exact ? fmt::format("{}", s) : FormatNumber(s, 3);
}

}  // namespace mnemo::cli
