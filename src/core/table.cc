#include "mnemo/table.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include <fmt/format.h>

#include "mnemo/error.h"

namespace mnemo {
namespace {

// A number, or a placeholder that stands in a numeric column ("-", "nan", "inf").
bool LooksNumeric(const std::string& s) {
  if (s.empty()) return false;
  if (s == "-" || s == "nan" || s == "inf" || s == "-inf") return true;
  for (char c : s)
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '+' ||
          c == 'e' || c == 'E' || c == ',' || c == '%'))
      return false;
  return true;
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
  // A column is right-aligned, header included, when every non-empty cell is a number.
  std::vector<bool> right(header_.size(), false);
  for (size_t j = 0; j < header_.size(); ++j) {
    bool numeric = !rows_.empty();
    for (const auto& r : rows_) numeric = numeric && (r[j].empty() || LooksNumeric(r[j]));
    right[j] = numeric;
  }
  auto pad = [](const std::string& s, size_t w, bool right) {
    std::string fill(w - DisplayWidth(s), ' ');
    return right ? fill + s : s + fill;
  };
  std::string out;
  auto end_cell = [&](size_t j, std::string* line) {
    if (j + 1 < header_.size()) {
      *line += "  ";
      return;
    }
    while (!line->empty() && line->back() == ' ') line->pop_back();
    *line += "\n";
  };
  for (size_t j = 0; j < header_.size(); ++j) {
    out += pad(header_[j], width[j], right[j]);
    end_cell(j, &out);
  }
  for (size_t j = 0; j < header_.size(); ++j) {
    out += std::string(width[j], '-');
    out += j + 1 < header_.size() ? "  " : "\n";
  }
  for (const auto& r : rows_) {
    for (size_t j = 0; j < r.size(); ++j) {
      out += pad(r[j], width[j], right[j]);
      end_cell(j, &out);
    }
  }
  return out;
}

std::string Table::ToCsv() const {
  std::string out;
  auto line = [&](const std::vector<std::string>& r) {
    for (size_t j = 0; j < r.size(); ++j) {
      out += CsvEscape(r[j]);
      out += j + 1 < r.size() ? "," : "\n";
    }
  };
  line(header_);
  for (const auto& r : rows_) line(r);
  return out;
}

std::string CsvEscape(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
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
    if (w == 0) {  // the free last column: beside the row, or below it when it does not fit there
      if (cell.empty()) break;
      if (used + DisplayWidth(cell) > 100 && used + 30 > 100) {
        while (!out.empty() && out.back() == ' ') out.pop_back();
        out += "\n" + WrapText("    " + cell, 4);
        return out;
      }
      out += WrapText(std::string(used, ' ') + cell, used).substr(used);  // starts at `used`
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
  std::string text = RowText(header_);
  text = text.substr(0, text.find('\n'));  // a free column's header that does not fit: omitted
  fmt::print("{}\n", text);
  // The rule spans the fixed columns and the header of a free last column.
  size_t total = 0;
  for (size_t j = 0; j < widths_.size(); ++j)
    total += (widths_[j] == 0 ? DisplayWidth(header_[j]) : widths_[j]) + 2;
  fmt::print("{}\n", std::string(std::min<size_t>(100, total > 2 ? total - 2 : 0), '-'));
  std::fflush(stdout);
}

void StreamTable::PrintRow(const std::vector<std::string>& row) const {
  fmt::print("{}\n", RowText(row));
  std::fflush(stdout);
}

namespace {

// The words of `text` (split at single spaces, so leading spaces survive as empty words); a word
// wider than `room` is cut after its '|' and ',' so that each piece fits where possible.
std::vector<std::pair<std::string, bool>> WrapTokens(const std::string& text, size_t room) {
  std::vector<std::pair<std::string, bool>> tokens;  // (piece, joined to the previous by a space)
  size_t start = 0;
  while (start <= text.size()) {
    const size_t space = text.find(' ', start);
    const std::string word =
        text.substr(start, space == std::string::npos ? std::string::npos : space - start);
    bool spaced = true;
    size_t from = 0;
    while (DisplayWidth(word.substr(from)) > room) {
      size_t cut = std::string::npos;
      for (size_t k = from; k < word.size() && DisplayWidth(word.substr(from, k - from)) < room; ++k)
        if (word[k] == '|' || word[k] == ',') cut = k + 1;
      if (cut == std::string::npos) break;
      tokens.emplace_back(word.substr(from, cut - from), spaced);
      spaced = false;
      from = cut;
    }
    tokens.emplace_back(word.substr(from), spaced);
    if (space == std::string::npos) break;
    start = space + 1;
  }
  return tokens;
}

}  // namespace

std::string WrapText(const std::string& text, size_t indent, size_t width) {
  std::string out, line;
  size_t cols = 0;
  bool fresh = true;  // nothing on this line yet
  for (const auto& [piece, spaced] : WrapTokens(text, width > indent ? width - indent : 1)) {
    const size_t gap = !fresh && spaced ? 1 : 0;
    if (!fresh && cols + gap + DisplayWidth(piece) > width) {
      out += line + "\n";
      line = std::string(indent, ' ');
      cols = indent;
      fresh = true;
    }
    if (!fresh && spaced) {
      line += ' ';
      ++cols;
    }
    line += piece;
    cols += DisplayWidth(piece);
    fresh = false;
  }
  return out + line;
}

}  // namespace mnemo
