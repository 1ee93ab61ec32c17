#include "mnemo/table.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include <fmt/format.h>

#include "mnemo/error.h"

namespace mnemo {
namespace {

bool LooksNumeric(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '+' ||
          c == 'e' || c == 'E' || c == ',' || c == '%'))
      return false;
  return true;
}

std::string CsvCell(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// Display width of a UTF-8 string (counts code points, not bytes).
size_t DisplayWidth(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

}  // namespace

void Table::AddRow(std::vector<std::string> row) {
  MNEMO_CHECK(row.size() == header_.size(), "row has {} cells, header {}", row.size(),
              header_.size());
  rows_.push_back(std::move(row));
}

std::string Table::ToText() const {
  std::vector<size_t> width(header_.size());
  for (size_t j = 0; j < header_.size(); ++j) width[j] = DisplayWidth(header_[j]);
  for (const auto& r : rows_)
    for (size_t j = 0; j < r.size(); ++j) width[j] = std::max(width[j], DisplayWidth(r[j]));
  auto pad = [](const std::string& s, size_t w, bool right) {
    std::string fill(w - DisplayWidth(s), ' ');
    return right ? fill + s : s + fill;
  };
  std::string out;
  for (size_t j = 0; j < header_.size(); ++j) {
    out += pad(header_[j], width[j], j > 0);
    out += j + 1 < header_.size() ? "  " : "\n";
  }
  for (size_t j = 0; j < header_.size(); ++j) {
    out += std::string(width[j], '-');
    out += j + 1 < header_.size() ? "  " : "\n";
  }
  for (const auto& r : rows_) {
    for (size_t j = 0; j < r.size(); ++j) {
      out += pad(r[j], width[j], j > 0 && LooksNumeric(r[j]));
      out += j + 1 < r.size() ? "  " : "\n";
    }
  }
  return out;
}

std::string Table::ToCsv() const {
  std::string out;
  auto line = [&](const std::vector<std::string>& r) {
    for (size_t j = 0; j < r.size(); ++j) {
      out += CsvCell(r[j]);
      out += j + 1 < r.size() ? "," : "\n";
    }
  };
  line(header_);
  for (const auto& r : rows_) line(r);
  return out;
}

std::string FormatNumber(double value, int digits) {
  if (std::isfinite(value) && value == std::floor(value) && std::fabs(value) < 1e15)
    return fmt::format("{}", static_cast<long long>(value));
  return fmt::format("{:.{}g}", value, digits);
}

StreamTable::StreamTable(std::vector<std::string> header, std::vector<size_t> widths,
                         std::string align)
    : header_(std::move(header)), widths_(std::move(widths)), align_(std::move(align)) {
  MNEMO_CHECK(header_.size() == widths_.size() && align_.size() == widths_.size(),
              "one width and one alignment per column");
  for (size_t j = 0; j + 1 < widths_.size(); ++j)
    widths_[j] = std::max(widths_[j], DisplayWidth(header_[j]));
}

std::string StreamTable::RowText(const std::vector<std::string>& row) const {
  MNEMO_CHECK(row.size() == widths_.size(), "row has {} cells, header {}", row.size(), widths_.size());
  std::string out;
  size_t used = 0;
  for (size_t j = 0; j < row.size(); ++j) {
    std::string cell = row[j];
    const size_t w = widths_[j];
    if (w == 0) {  // the free last column
      out += WrapText(cell, used);
      break;
    }
    if (DisplayWidth(cell) > w) {
      size_t keep = 0, cols = 0;
      while (keep < cell.size() && cols + 1 < w) {
        ++keep;
        while (keep < cell.size() && (static_cast<unsigned char>(cell[keep]) & 0xC0) == 0x80) ++keep;
        ++cols;
      }
      cell = cell.substr(0, keep) + "…";
    }
    const std::string fill(w - DisplayWidth(cell), ' ');
    out += align_[j] == 'r' ? fill + cell : cell + fill;
    used += w;
    if (j + 1 < row.size()) {
      out += "  ";
      used += 2;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

void StreamTable::PrintHeader() const {
  fmt::print("{}\n", RowText(header_));
  size_t total = 0;
  for (size_t w : widths_) total += w + 2;
  fmt::print("{}\n", std::string(std::min<size_t>(100, total > 2 ? total - 2 : 0), '-'));
  std::fflush(stdout);
}

void StreamTable::PrintRow(const std::vector<std::string>& row) const {
  fmt::print("{}\n", RowText(row));
  std::fflush(stdout);
}

std::string WrapText(const std::string& text, size_t indent, size_t width) {
  std::string out, line;
  size_t cols = 0;
  bool fresh = true;  // no word on this line yet
  size_t start = 0;
  while (start <= text.size()) {
    const size_t space = text.find(' ', start);
    const std::string word =
        text.substr(start, space == std::string::npos ? std::string::npos : space - start);
    if (!fresh && cols + 1 + DisplayWidth(word) > width) {
      out += line + "\n";
      line = std::string(indent, ' ');
      cols = indent;
      fresh = true;
    }
    if (!fresh) {
      line += ' ';
      ++cols;
    }
    line += word;
    cols += DisplayWidth(word);
    fresh = false;
    if (space == std::string::npos) break;
    start = space + 1;
  }
  return out + line;
}

}  // namespace mnemo
