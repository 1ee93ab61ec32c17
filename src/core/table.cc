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

}  // namespace mnemo
