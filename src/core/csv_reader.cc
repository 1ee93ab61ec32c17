#include "src/core/csv_reader.h"

#include <omp.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <map>
#include <string_view>

#include "mnemo/error.h"

namespace mnemo::internal {
namespace {

std::string_view TrimView(std::string_view s) {
  size_t a = s.find_first_not_of(" \t\r");
  if (a == std::string_view::npos) return {};
  size_t b = s.find_last_not_of(" \t\r");
  return s.substr(a, b - a + 1);
}

// Whether a number's text has a nonzero digit before its exponent (so 0 is an underflow).
bool HasNonzeroMantissa(const std::string& s) {
  bool hex = s.find_first_of("xX") != std::string::npos;
  size_t exp = s.find_first_of(hex ? "pP" : "eE");
  size_t nonzero = s.find_first_of(hex ? "123456789abcdefABCDEF" : "123456789",
                                   hex ? s.find_first_of("xX") + 1 : 0);
  return nonzero < exp;
}

// The fast path: a plain decimal that from_chars reads whole, finite, and not an underflow.
bool FastNumber(std::string_view s, double* out) {
  if (s.empty()) return false;
  const char* b = s.data();
  const char* e = b + s.size();
  auto [ptr, ec] = std::from_chars(b, e, *out);
  if (ec != std::errc() || ptr != e || !std::isfinite(*out)) return false;
  if (*out == 0)
    for (const char* p = b; p < e && *p != 'e' && *p != 'E'; ++p)
      if (*p >= '1' && *p <= '9') return false;
  return true;
}

bool Number(std::string_view cell, double* out, const std::string& path, int64_t line,
            int64_t col) {
  std::string_view s = TrimView(cell);
  if (FastNumber(s, out)) return true;
  return ParseCell(std::string(s), out, fmt::format("{}:{}:{}", path, line, col + 1));
}

// The cells of a line split at `delim` outside double quotes (the quotes dropped). Views into
// the line, or into `storage` when the line has quotes.
void Split(std::string_view line, char delim, std::vector<std::string_view>* cells,
           std::vector<std::string>* storage) {
  cells->clear();
  if (line.find('"') == std::string_view::npos) {
    size_t pos = 0;
    while (true) {
      size_t next = line.find(delim, pos);
      cells->push_back(line.substr(pos, next == std::string_view::npos ? next : next - pos));
      if (next == std::string_view::npos) return;
      pos = next + 1;
    }
  }
  storage->assign(1, "");
  bool quoted = false;
  for (char c : line) {
    if (c == '"') quoted = !quoted;
    else if (c == delim && !quoted) storage->emplace_back();
    else storage->back() += c;
  }
  for (const std::string& s : *storage) cells->push_back(s);
}

// What every data line is checked against, fixed by the first line.
struct Layout {
  char delim = ',';
  int64_t cols = 0;
  int64_t label_col = -1;
};

// Rows parsed from a run of lines: features row-major, labels, file lines.
struct Part {
  std::vector<double> x;
  std::vector<double> labels;
  std::vector<std::pair<int64_t, std::string>> text_labels;  // (row in part, text)
  std::vector<int64_t> lines;
  std::exception_ptr error;
};

void ParseLine(std::string_view line, int64_t line_no, const Layout& l, const std::string& path,
               Part* out, std::vector<std::string_view>* cells, std::vector<std::string>* st) {
  Split(line, l.delim, cells, st);
  if (int64_t(cells->size()) != l.cols)
    Fail("{}:{}: ragged row: {} columns, expected {}", path, line_no, cells->size(), l.cols);
  for (int64_t c = 0; c < l.cols; ++c) {
    double v;
    if (Number((*cells)[c], &v, path, line_no, c)) {
      (c == l.label_col ? out->labels : out->x).push_back(v);
    } else if (c == l.label_col) {
      out->text_labels.emplace_back(int64_t(out->lines.size()), std::string(TrimView((*cells)[c])));
      out->labels.push_back(0);
    } else {
      const std::string_view cell = TrimView((*cells)[c]);
      const bool word = !cell.empty() && std::isalpha(static_cast<unsigned char>(cell[0]));
      Fail("{}:{}:{}: not a number: \"{}\"{}", path, line_no, c + 1, cell,
           word ? fmt::format(" (text labels in this column? --label-column {})",
                              c == 0 ? "first" : std::to_string(c))
                : "");
    }
  }
  if (l.label_col < 0) out->labels.push_back(0);
  out->lines.push_back(line_no);
}

// Parses the complete lines of `text` (line numbers from first_line); errors are kept in the
// part (thrown by the caller in file order).
void ParseLines(std::string_view text, int64_t first_line, const Layout& l,
                const std::string& path, Part* out) {
  std::vector<std::string_view> cells;
  std::vector<std::string> storage;
  int64_t line_no = first_line;
  try {
    size_t pos = 0;
    while (pos < text.size()) {
      size_t nl = text.find('\n', pos);
      if (nl == std::string_view::npos) nl = text.size();
      std::string_view line = text.substr(pos, nl - pos);
      pos = nl + 1;
      if (!TrimView(line).empty()) ParseLine(line, line_no, l, path, out, &cells, &storage);
      ++line_no;
    }
  } catch (...) {
    out->error = std::current_exception();
  }
}

char DetectDelimiter(std::string_view line) {
  int64_t comma = 0, semicolon = 0, tab = 0;
  bool quoted = false;
  for (char c : line) {
    if (c == '"') quoted = !quoted;
    if (quoted) continue;
    comma += c == ',';
    semicolon += c == ';';
    tab += c == '\t';
  }
  if (tab > comma && tab >= semicolon) return '\t';
  if (semicolon > comma) return ';';
  return ',';
}

std::string DelimiterName(char d) { return d == '\t' ? "tab" : std::string(1, d); }

std::string Lower(std::string s) {
  for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// "y" names a label only when no column is named "x" (x, y are coordinates then).
bool LooksLikeLabelName(const std::string& name, const std::vector<std::string>& header) {
  const std::string s = Lower(name);
  if (s == "y")
    return std::none_of(header.begin(), header.end(),
                        [](const std::string& h) { return Lower(h) == "x"; });
  return s == "label" || s == "labels" || s == "class" || s == "target" || s == "category";
}

int64_t LabelColumn(const DataOptions& opt, const std::vector<std::string_view>& cells,
                    const std::string& path, int64_t line_no) {
  const int64_t cols = int64_t(cells.size());
  const std::string& name = opt.label_column;
  if (name == "none") {
    if (!opt.labels_optional) Fail("--label-column none: this command needs labels");
    return -1;
  }
  if (name == "last") return cols - 1;
  if (name == "first") return 0;
  char* end = nullptr;
  long v = std::strtol(name.c_str(), &end, 10);
  if (!name.empty() && *end == '\0') {
    if (v < 0 || v >= cols) Fail("--label-column {}: {} has {} columns", v, path, cols);
    return v;
  }
  for (int64_t c = 0; c < cols; ++c)
    if (TrimView(cells[c]) == name) return c;
  std::string names;
  for (int64_t c = 0; c < cols && c < 12; ++c)
    names += fmt::format("{}\"{}\"", c ? ", " : "", TrimView(cells[c]));
  Fail("{}:{}: --label-column \"{}\": no such column in the header ({}); expected first, last, "
       "a 0-based index or a header name",
       path, line_no, name, names);
}

// The first line: delimiter, columns, label column, header or data.
struct FirstLine {
  Layout layout;
  bool header = false;
  std::vector<std::string> names;
};

FirstLine ReadFirstLine(std::string_view line, int64_t line_no, const std::string& path,
                        const DataOptions& opt) {
  FirstLine f;
  char delim = opt.delimiter ? opt.delimiter : DetectDelimiter(line);
  f.layout.delim = delim;
  std::vector<std::string_view> cells;
  std::vector<std::string> storage;
  Split(line, delim, &cells, &storage);
  f.layout.cols = int64_t(cells.size());
  if (f.layout.cols < 2 && opt.label_column != "none")
    Fail("{}:{}: need at least 2 columns (features and a label), found 1 with the delimiter "
         "'{}' (a different one? --delimiter ';' or tab)",
         path, line_no, DelimiterName(delim));
  f.layout.label_col = LabelColumn(opt, cells, path, line_no);
  bool text_feature = false, text_label = false;
  for (int64_t c = 0; c < f.layout.cols; ++c) {
    double v;
    std::string where = fmt::format("{}:{}:{}", path, line_no, c + 1);
    bool number = ParseCell(std::string(TrimView(cells[c])), &v, where);
    (c == f.layout.label_col ? text_label : text_feature) |= !number;
  }
  const bool named = !std::isdigit(static_cast<unsigned char>(opt.label_column[0])) &&
                     opt.label_column != "first" && opt.label_column != "last" &&
                     opt.label_column != "none";
  f.header = text_feature || named || (text_label && f.layout.label_col < 0);
  if (f.header)
    for (auto c : cells) f.names.emplace_back(TrimView(c));
  return f;
}

// The rows of a part appended to the table (features into the growing matrix).
struct Sink {
  RowMatrix x;
  int64_t rows = 0, d = 0;
  std::vector<double> labels;
  std::vector<std::pair<int64_t, std::string>> text_labels;
  std::vector<int64_t> lines;

  void Append(Part& p) {
    const int64_t n = int64_t(p.lines.size());
    if (rows + n > x.rows())
      x.conservativeResize(std::max<int64_t>(rows + n, x.rows() + x.rows() / 2 + 1024), d);
    if (n * d > 0) std::memcpy(x.data() + rows * d, p.x.data(), sizeof(double) * size_t(n * d));
    for (auto& [r, t] : p.text_labels) text_labels.emplace_back(rows + r, std::move(t));
    labels.insert(labels.end(), p.labels.begin(), p.labels.end());
    lines.insert(lines.end(), p.lines.begin(), p.lines.end());
    rows += n;
  }
};

// The complete lines of `text` parsed in one part per thread, appended in file order.
void ParseBlock(std::string_view text, int64_t first_line, const Layout& l,
                const std::string& path, Sink* sink) {
  const int threads = text.size() > (1u << 16) ? std::max(1, omp_get_max_threads()) : 1;
  std::vector<size_t> cut(threads + 1, 0);
  cut[threads] = text.size();
  for (int t = 1; t < threads; ++t) {
    size_t at = std::max(cut[t - 1], text.size() * size_t(t) / size_t(threads));
    size_t nl = text.find('\n', at);
    cut[t] = nl == std::string_view::npos ? text.size() : nl + 1;
  }
  std::vector<int64_t> line0(threads, first_line);
  for (int t = 1; t < threads; ++t)
    line0[t] = line0[t - 1] +
               std::count(text.begin() + cut[t - 1], text.begin() + cut[t], '\n');
  std::vector<Part> parts(threads);
#pragma omp parallel for num_threads(threads) schedule(static, 1)
  for (int t = 0; t < threads; ++t)
    ParseLines(text.substr(cut[t], cut[t + 1] - cut[t]), line0[t], l, path, &parts[t]);
  for (Part& p : parts) {
    if (p.error) std::rethrow_exception(p.error);
    sink->Append(p);
  }
}

}  // namespace

bool ParseCell(const std::string& cell, double* out, const std::string& where) {
  std::string s(TrimView(cell));
  if (s.empty()) return false;
  const char* begin = s.c_str();
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(begin, &end);
  if (end == begin || *end != '\0') return false;
  if (std::isnan(v)) Fail("{}: NaN is not allowed: \"{}\"", where, s);
  if (std::isinf(v)) {
    if (errno == ERANGE) Fail("{}: number overflows binary64: \"{}\"", where, s);
    Fail("{}: infinity is not allowed: \"{}\"", where, s);
  }
  if (v == 0 && HasNonzeroMantissa(s))
    Fail("{}: number underflows binary64 (rounds to 0): \"{}\"", where, s);
  *out = v;
  return true;
}

char ParseDelimiter(const std::string& name) {
  if (name.empty() || name == "auto") return 0;
  if (name == "," || name == "comma") return ',';
  if (name == ";" || name == "semicolon") return ';';
  if (name == "tab" || name == "\t" || name == "\\t") return '\t';
  Fail("--delimiter: expected auto, ',', ';' or tab, got \"{}\"", name);
}

namespace {

// Text labels: all or none. Returns the sorted names and sets each row's label to its index.
std::vector<std::string> MapTextLabels(Sink* s, const std::string& path, int64_t label_col) {
  if (s->text_labels.empty()) return {};
  if (int64_t(s->text_labels.size()) != s->rows) {
    if (s->text_labels[0].first > 0) {  // numbers first: the first text is the odd one
      const auto& [r, t] = s->text_labels[0];
      Fail("{}:{}:{}: not a number: \"{}\" (the labels above it are numbers)", path, s->lines[r],
           label_col + 1, t);
    }
    int64_t k = 0;
    while (k < int64_t(s->text_labels.size()) && s->text_labels[k].first == k) ++k;  // the first numeric label below text ones
    Fail("{}:{}: the label column mixes text and numbers (a text class like \"{}\" needs every "
         "label to be text)",
         path, s->lines[k], s->text_labels[0].second);
  }
  std::vector<std::string> names;
  for (auto& [r, t] : s->text_labels) names.push_back(t);
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  for (auto& [r, t] : s->text_labels)
    s->labels[r] = double(std::lower_bound(names.begin(), names.end(), t) - names.begin());
  return names;
}

// Warnings when the label column looks wrong: a header naming another column like a label
// (unless the label column holds text, which only a label can), or real-valued labels beside a
// first/last column of small integers.
void CheckLabelColumn(CsvTable* t, const std::string& path) {
  if (t->label_col < 0) return;
  const auto& h = t->header;
  for (size_t c = 0; c < h.size() && t->label_names.empty(); ++c)
    if (int64_t(c) != t->label_col && LooksLikeLabelName(h[c], h) &&
        !LooksLikeLabelName(h[t->label_col], h))
      t->warnings.push_back(fmt::format(
          "{}: column {} is named \"{}\" but the label is column {} (\"{}\"); --label-column {} "
          "if that is the label",
          path, c + 1, t->header[c], t->label_col + 1, t->header[t->label_col], t->header[c]));
  if (!t->label_names.empty() || t->x.rows() == 0) return;
  bool integral = true;
  for (double y : t->labels) integral = integral && y == std::floor(y);
  if (integral) return;
  for (int64_t j : {int64_t(0), t->x.cols() - 1}) {
    bool small = true;
    for (int64_t i = 0; i < t->x.rows() && small; ++i)
      small = t->x(i, j) == std::floor(t->x(i, j)) && std::fabs(t->x(i, j)) < 1000;
    if (small) {
      t->warnings.push_back(fmt::format(
          "{}: the labels (column {}) are not integers, so they are real targets, while column "
          "{} holds only integers: if that is the class, use --label-column {}",
          path, t->label_col + 1, t->feature_columns[j], t->feature_columns[j] - 1));
      return;
    }
  }
}

}  // namespace

CsvTable ReadCsv(const std::function<size_t(char*, size_t)>& read, const std::string& path,
                 int64_t size_hint, const DataOptions& opt) {
  const size_t block = opt.block_bytes > 0 ? size_t(opt.block_bytes) : size_t(16) << 20;
  std::string buf;
  size_t len = 0;  // bytes of buf in use (the unparsed tail of the previous block first)
  int64_t line_no = 1;
  bool eof = false, started = false, first_text_label = false;
  FirstLine first;
  Sink sink;
  while (!eof && !(opt.limit > 0 && sink.rows >= opt.limit)) {
    if (buf.size() < len + block) buf.resize(len + block);
    size_t got = read(buf.data() + len, block);
    eof = got == 0;
    len += got;
    // The complete lines (all that is left at the end of the file).
    size_t end = eof ? len : std::string_view(buf.data(), len).rfind('\n');
    if (end == std::string_view::npos) continue;
    if (!eof) ++end;
    std::string_view text(buf.data(), end);
    size_t pos = 0;
    while (!started && pos < text.size()) {  // skipped rows and the first line, one by one
      size_t nl = text.find('\n', pos);
      if (nl == std::string_view::npos) nl = text.size();
      std::string_view line = text.substr(pos, nl - pos);
      pos = nl + 1;
      ++line_no;
      if (line_no - 1 <= opt.skip_rows || TrimView(line).empty()) continue;
      started = true;
      first = ReadFirstLine(line, line_no - 1, path, opt);
      if (first.header) break;
      Part p;
      ParseLines(line, line_no - 1, first.layout, path, &p);
      if (p.error) std::rethrow_exception(p.error);
      first_text_label = !p.text_labels.empty();
      if (sink.d == 0) sink.d = first.layout.cols - (first.layout.label_col >= 0);
      if (size_hint > 0)
        sink.x.resize(std::max<int64_t>(1, size_hint / std::max<size_t>(1, line.size() + 1) *
                                                  21 / 20 + 16),
                      sink.d);
      sink.Append(p);
    }
    if (started) {
      sink.d = first.layout.cols - (first.layout.label_col >= 0);
      if (pos < text.size()) {
        ParseBlock(text.substr(pos), line_no, first.layout, path, &sink);
        line_no += std::count(text.begin() + pos, text.end(), '\n') + (eof ? 1 : 0);
      }
    }
    std::memmove(buf.data(), buf.data() + end, len - end);
    len -= end;
  }
  if (sink.rows == 0) Fail("{}: no data rows", path);
  CsvTable t;
  t.delimiter = first.layout.delim;
  t.label_col = first.layout.label_col;
  t.header = first.names;
  // A first row whose only text is its label, above numeric labels, was a header.
  if (first_text_label && int64_t(sink.text_labels.size()) == 1 && sink.rows > 1) {
    sink.text_labels.clear();
    sink.x = sink.x.block(1, 0, sink.rows - 1, sink.d).eval();
    sink.labels.erase(sink.labels.begin());
    sink.lines.erase(sink.lines.begin());
    --sink.rows;
  }
  t.label_names = MapTextLabels(&sink, path, t.label_col);
  int64_t keep = opt.limit > 0 ? std::min(opt.limit, sink.rows) : sink.rows;
  sink.x.conservativeResize(keep, sink.d);
  t.x = DataMatrix(std::move(sink.x));
  sink.labels.resize(keep);
  sink.lines.resize(keep);
  t.labels = std::move(sink.labels);
  t.row_lines = std::move(sink.lines);
  for (int64_t c = 0; c < first.layout.cols; ++c)
    if (c != t.label_col) t.feature_columns.push_back(c + 1);
  CheckLabelColumn(&t, path);
  return t;
}

}  // namespace mnemo::internal
