#include "mnemo/dataset.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <filesystem>
#include <map>
#include <random>
#include <unordered_map>

#include "mnemo/error.h"
#include "mnemo/io.h"
#include "mnemo/progress.h"

namespace mnemo {
namespace {

constexpr const char* kFashionDir = "/usr/share/datasets/fashion-mnist";
constexpr int64_t kMaxSyntheticCells = int64_t(1) << 31;  // 16 GB of doubles

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string Trim(const std::string& s) {
  size_t a = s.find_first_not_of(" \t\r");
  if (a == std::string::npos) return "";
  size_t b = s.find_last_not_of(" \t\r");
  return s.substr(a, b - a + 1);
}

// Whether a number's text has a nonzero digit before its exponent (so 0 is an underflow).
bool HasNonzeroMantissa(const std::string& s) {
  bool hex = s.find_first_of("xX") != std::string::npos;
  size_t exp = s.find_first_of(hex ? "pP" : "eE");
  size_t nonzero = s.find_first_of(hex ? "123456789abcdefABCDEF" : "123456789", hex ? s.find_first_of("xX") + 1 : 0);
  return nonzero < exp;
}

// Parses a numeric cell; returns false if it is not a number. Throws on NaN/Inf/overflow.
bool ParseCell(const std::string& cell, double* out, const std::string& where) {
  std::string s = Trim(cell);
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

std::vector<std::string> SplitCsvLine(const std::string& line) {
  std::vector<std::string> cells;
  std::string cell;
  bool quoted = false;
  for (char c : line) {
    if (c == '"') quoted = !quoted;
    else if (c == ',' && !quoted) { cells.push_back(cell); cell.clear(); }
    else cell += c;
  }
  cells.push_back(cell);
  return cells;
}

struct RawData {
  RowMatrix x;
  std::vector<double> labels;
  std::vector<int64_t> row_lines;      // CSV: the line of each row
  std::string path;                    // CSV: the file
  std::vector<int64_t> feature_columns;  // CSV: the 1-based file column of each feature
};

RawData CsvFromText(const std::string& text, const std::string& path, const DataOptions& opt) {
  std::vector<std::vector<double>> rows;
  std::vector<double> labels;
  std::vector<int64_t> lines;
  size_t pos = 0;
  int64_t line_no = 0, data_rows = 0;
  int64_t cols = -1, label_col = -1;
  bool header_checked = false;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    std::string line = text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? text.size() + 1 : nl + 1;
    ++line_no;
    if (line_no <= opt.skip_rows) continue;
    if (Trim(line).empty()) continue;
    std::vector<std::string> cells = SplitCsvLine(line);
    if (cols < 0) {
      cols = static_cast<int64_t>(cells.size());
      if (cols < 2 && opt.label_column != "none")
        Fail("{}:{}: need at least 2 columns (features and a label), found 1", path, line_no);
      if (opt.label_column == "none") {
        if (!opt.labels_optional) Fail("--label-column none: this command needs labels");
        label_col = -1;
      } else if (opt.label_column == "last") label_col = cols - 1;
      else if (opt.label_column == "first") label_col = 0;
      else {
        char* end = nullptr;
        long v = std::strtol(opt.label_column.c_str(), &end, 10);
        if (*end != '\0' || opt.label_column.empty())
          Fail("--label-column: expected first, last or a column index, got \"{}\"", opt.label_column);
        if (v < 0 || v >= cols) Fail("--label-column {}: {} has {} columns", v, path, cols);
        label_col = v;
      }
    }
    if (int64_t(cells.size()) != cols)
      Fail("{}:{}: ragged row: {} columns, expected {}", path, line_no, cells.size(), cols);
    std::vector<double> values(cols);
    bool header = false;
    for (int64_t c = 0; c < cols; ++c) {
      std::string where = fmt::format("{}:{}:{}", path, line_no, c + 1);
      if (!ParseCell(cells[c], &values[c], where)) {
        if (!header_checked) { header = true; break; }
        Fail("{}: not a number: \"{}\"", where, Trim(cells[c]));
      }
    }
    bool first = !header_checked;
    header_checked = true;
    if (header && first) {
      // A header row: every non-empty cell may be text. Nothing else to do.
      continue;
    }
    if (opt.limit > 0 && data_rows >= opt.limit) break;
    ++data_rows;
    if (label_col >= 0) {
      labels.push_back(values[label_col]);
      values.erase(values.begin() + label_col);
    } else {
      labels.push_back(0);
    }
    rows.push_back(std::move(values));
    lines.push_back(line_no);
  }
  if (rows.empty()) Fail("{}: no data rows", path);
  RawData raw;
  const int64_t d = label_col >= 0 ? cols - 1 : cols;
  raw.x.resize(int64_t(rows.size()), d);
  for (size_t i = 0; i < rows.size(); ++i)
    for (int64_t c = 0; c < d; ++c) raw.x(int64_t(i), c) = rows[i][c];
  raw.labels = std::move(labels);
  raw.row_lines = std::move(lines);
  raw.path = path;
  for (int64_t c = 0; c < cols; ++c)
    if (c != label_col) raw.feature_columns.push_back(c + 1);
  return raw;
}

std::vector<double> ReadLabelFile(const std::string& path, int64_t expected) {
  std::vector<double> labels;
  if (EndsWith(path, ".npy")) {
    NpyArray a = ReadNpy(path);
    if (!(a.shape.size() == 1 || (a.shape.size() == 2 && a.shape[1] == 1)))
      Fail("{}: labels must have shape (n,) or (n, 1), got {} dimensions", path, a.shape.size());
    labels = std::move(a.data);
  } else {
    std::string text = ReadMaybeGzip(path);
    size_t pos = 0;
    int64_t line_no = 0;
    while (pos < text.size()) {
      size_t nl = text.find('\n', pos);
      std::string line = text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
      pos = nl == std::string::npos ? text.size() : nl + 1;
      ++line_no;
      if (Trim(line).empty()) continue;
      double v;
      std::string where = fmt::format("{}:{}:1", path, line_no);
      if (!ParseCell(line, &v, where)) {
        if (labels.empty() && line_no == 1) continue;  // header
        Fail("{}: not a number: \"{}\"", where, Trim(line));
      }
      labels.push_back(v);
    }
  }
  if (expected >= 0 && int64_t(labels.size()) != expected)
    Fail("{}: {} labels for {} data rows", path, labels.size(), expected);
  for (size_t i = 0; i < labels.size(); ++i)
    if (!std::isfinite(labels[i])) Fail("{}: label {} is not finite", path, i);
  return labels;
}

RawData ReadNpyData(const std::string& path, const DataOptions& opt) {
  NpyArray a = ReadNpy(path);
  if (a.shape.empty() || a.shape.size() > 2)
    Fail("{}: data must have shape (n, d) or (n,), got {} dimensions", path, a.shape.size());
  int64_t n = a.shape[0], d = a.shape.size() == 2 ? a.shape[1] : 1;
  if (n == 0 || d == 0) Fail("{}: empty array (shape {}x{})", path, n, d);
  for (int64_t i = 0; i < n * d; ++i)
    if (!std::isfinite(a.data[i]))
      Fail("{}: row {}, column {}: {} is not allowed", path, i / d, i % d,
           std::isnan(a.data[i]) ? "NaN" : "infinity");
  if (opt.labels_path.empty() && !opt.labels_optional)
    Fail("{}: .npy data needs its labels: --labels y.npy", path);
  std::vector<double> labels =
      opt.labels_path.empty() ? std::vector<double>(n, 0.0) : ReadLabelFile(opt.labels_path, -1);
  if (int64_t(labels.size()) != n)
    Fail("{}: {} labels for {} rows in {}", opt.labels_path, labels.size(), n, path);
  int64_t keep = opt.limit > 0 ? std::min(opt.limit, n) : n;
  RawData raw;
  raw.x.resize(keep, d);
  for (int64_t i = 0; i < keep; ++i)
    for (int64_t j = 0; j < d; ++j) raw.x(i, j) = a.data[i * d + j];
  labels.resize(keep);
  raw.labels = std::move(labels);
  return raw;
}

std::string IdxLabelsPath(const std::string& images) {
  namespace fs = std::filesystem;
  fs::path p(images);
  std::string name = p.filename().string();
  auto replace = [](std::string s, const std::string& a, const std::string& b) {
    size_t k = s.find(a);
    if (k != std::string::npos) s.replace(k, a.size(), b);
    return s;
  };
  std::string base = replace(replace(name, "images", "labels"), "idx3", "idx1");
  std::vector<std::string> candidates = {base};
  if (EndsWith(base, ".gz")) candidates.push_back(base.substr(0, base.size() - 3));
  else candidates.push_back(base + ".gz");
  for (const auto& c : candidates) {
    fs::path q = p.parent_path() / c;
    if (fs::exists(q)) return q.string();
  }
  Fail("{}: labels file not found beside it (looked for {})", images,
       (p.parent_path() / base).string());
}

RawData ReadIdxData(const std::string& path, const std::string& labels_path, const DataOptions& opt) {
  IdxArray images = ReadIdx(path);
  if (images.shape.size() < 2) Fail("{}: expected images (idx3), got {} dimensions", path, images.shape.size());
  std::string lp = labels_path.empty() ? IdxLabelsPath(path) : labels_path;
  IdxArray labels = ReadIdx(lp);
  if (labels.shape.size() != 1) Fail("{}: labels must be 1-dimensional (idx1)", lp);
  int64_t n = images.shape[0];
  int64_t d = 1;
  for (size_t i = 1; i < images.shape.size(); ++i) {
    if (images.shape[i] == 0 || n == 0) Fail("{}: empty data", path);
    d *= images.shape[i];  // n·d ≤ the file's size (ParseIdx checked it): no overflow
  }
  if (labels.shape[0] != n) Fail("{}: {} labels for {} images in {}", lp, labels.shape[0], n, path);
  int64_t keep = opt.limit > 0 ? std::min(opt.limit, n) : n;
  RawData raw;
  raw.x.resize(keep, d);
  for (int64_t i = 0; i < keep; ++i)
    for (int64_t j = 0; j < d; ++j) raw.x(i, j) = images.data[i * d + j];
  raw.labels.assign(labels.data.begin(), labels.data.begin() + keep);
  return raw;
}

// ---------------------------------------------------------------- synthetic

class SyntheticSpec {
 public:
  SyntheticSpec(const std::string& spec) : spec_(spec) {
    std::string rest = spec.substr(std::string("synthetic:").size());
    size_t q = rest.find('?');
    kind_ = rest.substr(0, q);
    if (q == std::string::npos) return;
    std::string query = rest.substr(q + 1);
    size_t pos = 0;
    while (pos <= query.size()) {
      size_t amp = query.find('&', pos);
      std::string kv = query.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
      pos = amp == std::string::npos ? query.size() + 1 : amp + 1;
      if (kv.empty()) continue;
      size_t eq = kv.find('=');
      if (eq == std::string::npos) Fail("{}: parameter \"{}\" needs a value (key=value)", spec_, kv);
      params_[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
  }
  const std::string& kind() const { return kind_; }
  double Real(const std::string& key, double fallback) {
    used_.push_back(key);
    auto it = params_.find(key);
    if (it == params_.end()) return fallback;
    double v;
    if (!ParseCell(it->second, &v, spec_ + ": " + key))
      Fail("{}: {}: expected a number, got \"{}\"", spec_, key, it->second);
    return v;
  }
  int64_t Int(const std::string& key, int64_t fallback, int64_t min_value) {
    double v = Real(key, double(fallback));
    if (v != std::floor(v) || v < double(min_value) || v > 1e9)
      Fail("{}: {}: expected an integer ≥ {}, got \"{}\"", spec_, key, min_value, params_[key]);
    return int64_t(v);
  }
  std::string Str(const std::string& key, const std::string& fallback) {
    used_.push_back(key);
    auto it = params_.find(key);
    return it == params_.end() ? fallback : it->second;
  }
  void CheckAllUsed() const {
    for (const auto& [k, v] : params_)
      if (std::find(used_.begin(), used_.end(), k) == used_.end())
        Fail("{}: unknown parameter \"{}\" for synthetic:{}", spec_, k, kind_);
  }

 private:
  std::string spec_, kind_;
  std::map<std::string, std::string> params_;
  std::vector<std::string> used_;
};

// Rounds to the 2^-30 grid so inputs stay cheap in fixed point.
double Grid(double v) { return std::ldexp(std::nearbyint(std::ldexp(v, 30)), -30); }

RawData Generate(const std::string& spec, int64_t max_cells) {
  SyntheticSpec s(spec);
  int64_t n = s.Int("n", 1000, 1);
  int64_t d = s.Int("d", 2, 1);
  if (n * d > max_cells) Fail("{}: n·d = {} values is more than {}", spec, n * d, max_cells);
  int64_t classes = s.Int("classes", 2, 1);
  uint64_t seed = uint64_t(s.Int("seed", 1, 0));
  std::string targets = s.Str("targets", "classes");
  if (targets != "classes" && targets != "real")
    Fail("{}: targets must be classes or real, got \"{}\"", spec, targets);
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  std::uniform_int_distribution<int64_t> label(0, classes - 1);
  RawData raw;
  raw.x.resize(n, d);
  raw.labels.resize(n);
  auto unit = [&](int64_t i) {
    double norm2;
    do {
      norm2 = 0;
      for (int64_t j = 0; j < d; ++j) {
        raw.x(i, j) = normal(rng);
        norm2 += raw.x(i, j) * raw.x(i, j);
      }
    } while (norm2 == 0);
    raw.x.row(i) /= std::sqrt(norm2);
  };
  const std::string& kind = s.kind();
  if (kind == "sphere" || kind == "ball") {
    std::uniform_real_distribution<double> u(0, 1);
    for (int64_t i = 0; i < n; ++i) {
      unit(i);
      if (kind == "ball") raw.x.row(i) *= std::pow(u(rng), 1.0 / double(d));
      for (int64_t j = 0; j < d; ++j) raw.x(i, j) = Grid(raw.x(i, j));
      raw.labels[i] = double(label(rng));
    }
  } else if (kind == "gaussian-clusters") {
    int64_t k = s.Int("clusters", classes, 1);
    if (k * d > max_cells) Fail("{}: clusters·d = {} values is more than {}", spec, k * d, max_cells);
    double sigma = s.Real("sigma", 0.1);
    std::string labels = s.Str("labels", "random");
    if (labels != "random" && labels != "cluster")
      Fail("{}: labels must be random or cluster, got \"{}\"", spec, labels);
    RowMatrix centers(k, d);
    for (int64_t c = 0; c < k; ++c)
      for (int64_t j = 0; j < d; ++j) centers(c, j) = normal(rng);
    std::uniform_int_distribution<int64_t> pick(0, k - 1);
    for (int64_t i = 0; i < n; ++i) {
      int64_t c = pick(rng);
      for (int64_t j = 0; j < d; ++j) raw.x(i, j) = Grid(centers(c, j) + sigma * normal(rng));
      raw.labels[i] = labels == "cluster" ? double(c % classes) : double(label(rng));
    }
  } else if (kind == "grid") {
    // Lattice sites in the cube of half-side 0.9/√d (inside the unit ball); with delta, the
    // points come in pairs at distance exactly delta (rounded to a dyadic), so the minimum
    // pairwise distance is controlled exactly.
    double delta = s.Real("delta", 0);
    int64_t sites = delta > 0 ? (n + 1) / 2 : n;
    int64_t m = 1;
    while (std::pow(double(m), double(d)) < double(sites)) ++m;
    if (m < 2) m = 2;
    double half = 0.9 / std::sqrt(double(d));
    double spacing = std::ldexp(std::floor(std::ldexp(2 * half / double(m - 1), 20)), -20);
    if (delta > 0) {
      if (delta >= spacing / 4)
        Fail("{}: delta = {} is too large for n = {} in d = {} (at most {})", spec, delta, n, d,
             spacing / 4);
      int e = std::ilogb(delta);
      delta = std::ldexp(std::nearbyint(std::ldexp(delta, 30 - e)), e - 30);  // 31 bits
    }
    // Choose `sites` distinct lattice sites at random (a partial shuffle of the indices).
    double total = std::pow(double(m), double(d));
    std::vector<int64_t> chosen;
    if (total <= 4.0 * double(sites) + 64) {
      std::vector<int64_t> all(static_cast<size_t>(total));
      for (int64_t i = 0; i < int64_t(total); ++i) all[i] = i;
      std::shuffle(all.begin(), all.end(), rng);
      chosen.assign(all.begin(), all.begin() + sites);
    } else {
      std::unordered_map<int64_t, bool> seen;
      std::uniform_int_distribution<int64_t> any(0, int64_t(std::min(total, 9e18)) - 1);
      while (int64_t(chosen.size()) < sites) {
        int64_t v = any(rng);
        if (seen.emplace(v, true).second) chosen.push_back(v);
      }
    }
    int64_t row = 0;
    for (int64_t site : chosen) {
      int64_t copies = delta > 0 ? std::min<int64_t>(2, n - row) : 1;
      for (int64_t c = 0; c < copies; ++c, ++row) {
        int64_t v = site;
        for (int64_t j = 0; j < d; ++j) {
          raw.x(row, j) = -half + spacing * double(v % m);
          v /= m;
        }
        raw.x(row, 0) = Grid(raw.x(row, 0));
        if (c == 1) raw.x(row, 0) += delta;
        raw.labels[row] = double(label(rng));
      }
    }
  } else {
    Fail("{}: unknown generator \"{}\" (known: sphere, ball, gaussian-clusters, grid)", spec, kind);
  }
  if (targets == "real") {
    std::uniform_real_distribution<double> u(-1, 1);
    for (auto& y : raw.labels) y = std::ldexp(std::nearbyint(std::ldexp(u(rng), 20)), -20) + 0.5 / 1048576;
  }
  s.CheckAllUsed();
  return raw;
}

std::string FormatLabel(double v) {
  if (v == std::floor(v) && std::fabs(v) < 9e15) return fmt::format("{}", int64_t(v));
  return fmt::format("{}", v);
}

Dataset Finish(std::string source, RawData raw) {
  int64_t n = raw.x.rows(), d = raw.x.cols();
  if (n == 0 || d == 0) Fail("{}: empty data", source);
  if (int64_t(raw.labels.size()) != n)
    Fail("{}: {} labels for {} rows", source, raw.labels.size(), n);
  Dataset ds;
  ds.source = std::move(source);
  ds.csv_path = std::move(raw.path);
  ds.row_lines = std::move(raw.row_lines);
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < d; ++j)
      if (!std::isfinite(raw.x(i, j)))
        Fail("{}, column {}: value is not finite", ds.RowName(i), j);
    if (!std::isfinite(raw.labels[i])) Fail("{}: label is not finite", ds.RowName(i));
  }
  ds.original_rows = n;
  bool integral = true;
  for (double y : raw.labels)
    integral = integral && y == std::floor(y) && std::fabs(y) < 9e15;
  ds.classification = integral;

  // Duplicates: hash rows exactly, compare on collision.
  std::unordered_map<uint64_t, std::vector<int64_t>> buckets;
  buckets.reserve(size_t(n) * 2);
  std::vector<int64_t> keep;
  keep.reserve(n);
  std::vector<int64_t> row_to_point(n, -1);
  for (int64_t i = 0; i < n; ++i) {
    uint64_t h = 1469598103934665603ull;
    for (int64_t j = 0; j < d; ++j) {
      double v = raw.x(i, j) == 0 ? 0.0 : raw.x(i, j);  // -0 == 0
      uint64_t bits;
      std::memcpy(&bits, &v, 8);
      h = (h ^ bits) * 1099511628211ull;
      h ^= h >> 29;
    }
    auto& bucket = buckets[h];
    int64_t found = -1;
    for (int64_t p : bucket) {
      int64_t r = keep[p];
      if ((raw.x.row(r).array() == raw.x.row(i).array()).all()) { found = p; break; }
    }
    if (found < 0) {
      bucket.push_back(int64_t(keep.size()));
      row_to_point[i] = int64_t(keep.size());
      keep.push_back(i);
    } else {
      int64_t r = keep[found];
      if (raw.labels[r] != raw.labels[i])
        Fail("{} and {} are identical points with different labels ({} and {}): no network can "
             "memorize both",
             ds.RowName(r), ds.RowName(i), FormatLabel(raw.labels[r]), FormatLabel(raw.labels[i]));
      row_to_point[i] = found;
    }
  }
  ds.merged_duplicates = n - int64_t(keep.size());
  if (ds.merged_duplicates > 0) {
    ds.warnings.push_back(fmt::format(
        "{}: merged {} duplicate row{} (identical points with the same label); every original "
        "row is still checked",
        ds.source, ds.merged_duplicates, ds.merged_duplicates == 1 ? "" : "s"));
    ds.row_to_point = std::move(row_to_point);
    ds.x.resize(int64_t(keep.size()), d);
    for (size_t p = 0; p < keep.size(); ++p) ds.x.row(int64_t(p)) = raw.x.row(keep[p]);
  } else {
    ds.x = std::move(raw.x);
  }
  ds.point_to_row = keep;
  ds.feature_columns = std::move(raw.feature_columns);

  std::vector<double> labels(keep.size());
  for (size_t p = 0; p < keep.size(); ++p) labels[p] = raw.labels[keep[p]];
  if (ds.classification) {
    std::vector<int64_t> values;
    for (double y : labels) values.push_back(int64_t(y));
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    ds.class_values = values;
    ds.y.resize(labels.size());
    for (size_t p = 0; p < labels.size(); ++p)
      ds.y[p] = int32_t(std::lower_bound(values.begin(), values.end(), int64_t(labels[p])) -
                        values.begin());
  } else {
    ds.target = labels;
  }
  int e = 0;
  e = FractionBits(ds.x);
  ds.input_exponent = e;
  return ds;
}

}  // namespace

int FractionBits(double v) {
  if (v == 0 || v == std::floor(v)) return 0;
  int e;
  double m = std::frexp(v, &e);  // v = m·2^e, 0.5 ≤ |m| < 1
  int64_t mant = int64_t(std::ldexp(m, 53));
  int tz = mant == 0 ? 0 : __builtin_ctzll(uint64_t(std::llabs(mant)));
  return std::max(0, 53 - e - tz);
}

int FractionBits(const RowMatrix& x) {
  int f = 0;
  const double* p = x.data();
  const int64_t size = x.size();
#pragma omp parallel for reduction(max : f) schedule(static)
  for (int64_t i = 0; i < size; ++i) {
    double v = p[i];
    if (v != std::floor(v)) f = std::max(f, FractionBits(v));
  }
  return f;
}

std::string Dataset::Where(int64_t point, int64_t col) const {
  int64_t row = point < int64_t(point_to_row.size()) ? point_to_row[point] : point;
  if (!row_lines.empty() && !csv_path.empty())
    return fmt::format("{}:{}:{}", csv_path, row_lines[row],
                       col < int64_t(feature_columns.size()) ? feature_columns[col] : col + 1);
  return fmt::format("{}: row {}, column {}", source, row, col);
}

namespace internal {

Dataset DatasetFromCsvText(const std::string& text, const std::string& path,
                           const DataOptions& options) {
  return Finish(path, CsvFromText(text, path, options));
}

Dataset SyntheticDataset(const std::string& spec, int64_t max_cells) {
  if (spec.rfind("synthetic:", 0) != 0) Fail("{}: not a synthetic: spec", spec);
  return Finish(spec, Generate(spec, max_cells));
}

}  // namespace internal

std::string Dataset::RowName(int64_t row) const {
  if (!row_lines.empty()) return fmt::format("{}:{}", csv_path, row_lines[row]);
  const bool generated = source.rfind("synthetic:", 0) == 0;
  return fmt::format("{} {} {}", source, generated ? "point" : "row", row);
}

std::string Dataset::LabelString(int64_t i) const {
  if (classification) return fmt::format("{}", class_values[y[i]]);
  return FormatLabel(target[i]);
}

DatasetFingerprint Dataset::Fingerprint() const {
  uint64_t h = 1469598103934665603ull;
  auto mix = [&](const void* p, size_t len) {
    const auto* b = static_cast<const unsigned char*>(p);
    for (size_t i = 0; i < len; ++i) h = (h ^ b[i]) * 1099511628211ull;
  };
  int64_t dims[2] = {n(), d()};
  mix(dims, sizeof(dims));
  for (int64_t i = 0; i < x.size(); ++i) {
    double v = x.data()[i] == 0 ? 0.0 : x.data()[i];
    mix(&v, sizeof(v));
  }
  for (int64_t i = 0; i < n(); ++i) {
    double v = classification ? double(class_values[y[i]]) : target[i];
    mix(&v, sizeof(v));
  }
  DatasetFingerprint f;
  f.hash = fmt::format("{:016x}", h);
  f.n = n();
  f.d = d();
  f.classes = classes();
  return f;
}

Dataset MakeDataset(std::string source, RowMatrix x, const std::vector<double>& labels) {
  RawData raw;
  raw.x = std::move(x);
  raw.labels = labels;
  return Finish(std::move(source), std::move(raw));
}

Dataset LoadDataset(const std::string& spec, const DataOptions& options) {
  if (spec.empty()) Fail("empty DATA argument");
  if (options.skip_rows < 0) Fail("--skip-rows must be ≥ 0");
  if (options.limit < 0) Fail("--limit must be ≥ 0");
  RawData raw;
  if (spec.rfind("synthetic:", 0) == 0) {
    raw = Generate(spec, kMaxSyntheticCells);
    if (options.limit > 0 && options.limit < raw.x.rows()) {
      raw.x.conservativeResize(options.limit, Eigen::NoChange);
      raw.labels.resize(options.limit);
    }
  } else if (spec == "fashion-mnist" || spec.rfind("fashion-mnist:", 0) == 0) {
    std::string part = spec == "fashion-mnist" ? "train" : spec.substr(14);
    std::string prefix;
    if (part == "train") prefix = "train";
    else if (part == "test") prefix = "t10k";
    else Fail("{}: unknown part \"{}\" (use fashion-mnist:train or fashion-mnist:test)", spec, part);
    std::string images = fmt::format("{}/{}-images-idx3-ubyte.gz", kFashionDir, prefix);
    if (!std::filesystem::exists(images))
      Fail("{}: {} not found (install the Debian package dataset-fashion-mnist: "
           "scripts/install-deps.sh)", spec, images);
    raw = ReadIdxData(images, fmt::format("{}/{}-labels-idx1-ubyte.gz", kFashionDir, prefix), options);
  } else if (EndsWith(spec, ".npy")) {
    raw = ReadNpyData(spec, options);
  } else if (spec.find("idx3-ubyte") != std::string::npos) {
    raw = ReadIdxData(spec, options.labels_path, options);
  } else if (EndsWith(spec, ".csv") || EndsWith(spec, ".csv.gz") || EndsWith(spec, ".txt")) {
    raw = CsvFromText(ReadMaybeGzip(spec), spec, options);
    if (!options.labels_path.empty()) Fail("--labels is for .npy and IDX data; a CSV carries its label column");
  } else if (!std::filesystem::exists(spec)) {
    Fail("{}: no such file, and not a known name (fashion-mnist[:train|:test], synthetic:KIND?...)", spec);
  } else {
    Fail("{}: unknown format (expected .csv, .npy or *-idx3-ubyte[.gz])", spec);
  }
  return Finish(spec, std::move(raw));
}

std::string SyntheticHelp() {
  return "synthetic:KIND?n=N&d=D&classes=C&seed=S[&targets=real]\n"
         "  sphere             uniform on the unit sphere\n"
         "  ball               uniform in the unit ball\n"
         "  gaussian-clusters  &clusters=K&sigma=0.1&labels=random|cluster\n"
         "  grid               lattice in the unit ball; &delta=δ adds a partner at distance\n"
         "                     exactly δ to every other point (minimum distance δ)\n";
}

// ---------------------------------------------------------------- normalization

namespace {

// The dyadic centre: each coordinate's mean rounded to the data grid 2^-e (zeros if that is
// not finite).
std::vector<double> Center(const Dataset& data, int e) {
  const int64_t n = data.n(), d = data.d();
  std::vector<double> center(d, 0.0);
  for (int64_t j = 0; j < d; ++j) {
    long double sum = 0;
    for (int64_t i = 0; i < n; ++i) sum += data.x(i, j);
    center[j] = std::ldexp(std::nearbyint(std::ldexp(double(sum / n), e)), -e);
    if (!std::isfinite(center[j])) return std::vector<double>(d, 0.0);
  }
  return center;
}

// max_i ‖x_i − c‖², in long double (15-bit exponent: squares of binary64 values and their sums
// neither overflow nor underflow). An estimate; the exact check below is the judge.
long double MaxNorm2(const Dataset& data, const std::vector<double>& c) {
  long double best = 0;
  for (int64_t i = 0; i < data.n(); ++i) {
    long double s = 0;
    for (int64_t j = 0; j < data.d(); ++j) {
      long double v = (long double)data.x(i, j) - c[j];
      s += v * v;
    }
    best = std::max(best, s);
  }
  return best;
}

// Smallest s with m2 ≤ 4^s by the estimate (exponent arithmetic, no log of 0).
int ScaleOf(long double m2) {
  if (!(m2 > 0)) return 0;
  int k;
  std::frexp(m2, &k);  // m2 = f·2^k, f ∈ [1/2, 1): m2 ≤ 2^k
  return k >= 0 ? (k + 1) / 2 : -((-k) / 2);
}

// ‖x_i − c‖² ≤ 4^s for every point, decided exactly for points near the boundary.
bool FitsScale(const Dataset& data, const std::vector<double>& c, int s) {
  Rational bound = s >= 0 ? Rational(Pow2(2 * s)) : Rational(1, Pow2(-2 * s));
  long double limit = std::ldexp(1.0L, 2 * s) * (1 - 1e-12L);
  for (int64_t i = 0; i < data.n(); ++i) {
    long double approx = 0;
    for (int64_t j = 0; j < data.d(); ++j) {
      long double v = (long double)data.x(i, j) - c[j];
      approx += v * v;
    }
    if (approx < limit) continue;
    Rational sum = 0;
    for (int64_t j = 0; j < data.d(); ++j) {
      Rational v = RationalFromDouble(data.x(i, j)) - RationalFromDouble(c[j]);
      sum += v * v;
    }
    if (sum > bound) return false;
  }
  return true;
}

// The smallest s with every ‖x_i − c‖ ≤ 2^s (exactly checked).
int ScaleFor(const Dataset& data, const std::vector<double>& center) {
  long double m2 = MaxNorm2(data, center);
  if (!(m2 > 0)) return 0;
  int s = ScaleOf(m2) - 1;
  while (!FitsScale(data, center, s)) ++s;
  return s;
}

}  // namespace

InputMap ComputeNormalization(const Dataset& data) {
  const int e = data.input_exponent;
  std::vector<double> center = Center(data, e);
  int s = ScaleFor(data, center);
  // x − c must be exact in binary64: both lie on the grid 2^-e and |x − c| < 2^(s+1).
  if (s + 1 + e > 53) {
    std::fill(center.begin(), center.end(), 0.0);
    s = ScaleFor(data, center);
  }
  // Every normalized coordinate must be exact in binary64 (no subnormal rounding).
  for (int64_t i = 0; i < data.n(); ++i)
    for (int64_t j = 0; j < data.d(); ++j) {
      double v = data.x(i, j) - center[j];
      if (std::ldexp(std::ldexp(v, -s), s) != v)
        Fail("{}: {} cannot be normalized exactly: the data needs the scale 2^{} and {}·2^-{} is "
             "below binary64's resolution (the values span too many orders of magnitude)",
             data.Where(i, j), data.x(i, j), s, v, s);
    }
  InputMap map;
  map.center.reserve(data.d());
  for (double c : center) map.center.push_back(RationalFromDouble(c));
  map.scale_log2 = s;
  return map;
}

RowMatrix Normalized(const Dataset& data, const InputMap& map) {
  RowMatrix out(data.n(), data.d());
  std::vector<double> c(data.d(), 0.0);
  for (size_t j = 0; j < map.center.size(); ++j) c[j] = ToDouble(map.center[j]);
  for (int64_t i = 0; i < data.n(); ++i)
    for (int64_t j = 0; j < data.d(); ++j)
      out(i, j) = std::ldexp(data.x(i, j) - c[j], -map.scale_log2);  // exact (checked above)
  return out;
}

ProjectedSeparation ComputeProjectedSeparation(const Dataset& data, const InputMap& map,
                                               uint64_t seed) {
  RowMatrix xn = Normalized(data, map);
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  Eigen::VectorXd v(data.d());
  for (int64_t j = 0; j < data.d(); ++j) v[j] = normal(rng);
  v /= v.norm();
  Eigen::VectorXd proj = xn * v;
  std::vector<int64_t> order(data.n());
  for (int64_t i = 0; i < data.n(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return proj[a] < proj[b]; });
  ProjectedSeparation sep;
  sep.gap = data.n() > 1 ? HUGE_VAL : 0;
  for (int64_t k = 1; k < data.n(); ++k) {
    double g = proj[order[k]] - proj[order[k - 1]];
    if (g < sep.gap) { sep.gap = g; sep.i = order[k - 1]; sep.j = order[k]; }
  }
  if (data.n() <= 1) sep.gap = 0;
  // |⟨v, x_i − x_j⟩| ≤ ‖x_i − x_j‖ for ‖v‖ = 1, so every pairwise distance is at least the gap
  // (minus the rounding of the float projection).
  sep.delta_lower = std::max(0.0, sep.gap * (1 - 1e-12) - 1e-15);
  return sep;
}

ExactSeparation ComputeExactSeparation(const Dataset& data, const InputMap& map) {
  ExactSeparation out;
  const int64_t n = data.n(), d = data.d();
  if (n < 2) return out;
  RowMatrix xn = Normalized(data, map);
  Eigen::VectorXd norms = xn.rowwise().squaredNorm();
  // Float candidates within a rounding bound of the best; then exact rechecks.
  const double bound = 8.0 * double(d + 2) * std::numeric_limits<double>::epsilon() * 4.0;
  const int64_t block = 512;
  double best = HUGE_VAL;
  std::vector<std::pair<int64_t, int64_t>> candidates;
  std::vector<double> cand_d2;
  int64_t blocks = (n + block - 1) / block;
  Progress progress("separation", blocks * (blocks + 1) / 2);
  for (int64_t bi = 0; bi < n; bi += block) {
    int64_t ni = std::min(block, n - bi);
    for (int64_t bj = bi; bj < n; bj += block) {
      int64_t nj = std::min(block, n - bj);
      Eigen::MatrixXd g = xn.middleRows(bi, ni) * xn.middleRows(bj, nj).transpose();
      for (int64_t a = 0; a < ni; ++a) {
        for (int64_t b = (bi == bj ? a + 1 : 0); b < nj; ++b) {
          double d2 = norms[bi + a] + norms[bj + b] - 2 * g(a, b);
          if (d2 <= best + 2 * bound) {
            if (d2 < best) best = d2;
            candidates.emplace_back(bi + a, bj + b);
            cand_d2.push_back(d2);
          }
        }
      }
      // Prune candidates that can no longer be the minimum.
      if (candidates.size() > 4096) {
        size_t w = 0;
        for (size_t k = 0; k < candidates.size(); ++k)
          if (cand_d2[k] <= best + 2 * bound) { candidates[w] = candidates[k]; cand_d2[w++] = cand_d2[k]; }
        candidates.resize(w);
        cand_d2.resize(w);
      }
      progress.Add();
    }
  }
  progress.Finish();
  bool first = true;
  for (size_t k = 0; k < candidates.size(); ++k) {
    if (cand_d2[k] > best + 2 * bound) continue;
    auto [i, j] = candidates[k];
    Rational sum = 0;
    for (int64_t c = 0; c < d; ++c) {
      Rational v = RationalFromDouble(xn(i, c)) - RationalFromDouble(xn(j, c));
      sum += v * v;
    }
    if (first || sum < out.delta_squared) {
      out.delta_squared = sum;
      out.i = i;
      out.j = j;
      first = false;
    }
  }
  out.delta = std::sqrt(ToDouble(out.delta_squared));
  return out;
}

}  // namespace mnemo

namespace mnemo {

std::vector<Integer> ProjectExact(const RowMatrix& xn, const std::vector<int64_t>& v_num,
                                  int v_bits, int* frac_bits) {
  (void)v_bits;
  *frac_bits = FractionBits(xn);
  return ProjectExactWithBits(xn, v_num, *frac_bits);
}

std::vector<Integer> ProjectExactWithBits(const RowMatrix& xn, const std::vector<int64_t>& v_num,
                                          int f) {
  MNEMO_CHECK(int64_t(v_num.size()) == xn.cols());
  // Bounds from exponents (no ldexp that could overflow): |x·2^f| < 2^(ilogb|x| + 1 + f).
  int64_t x_bits = 0;
  double max_v = 0;
  for (int64_t v : v_num) max_v = std::max(max_v, std::fabs(double(v)));
  for (int64_t i = 0; i < xn.size(); ++i)
    if (xn.data()[i] != 0) x_bits = std::max<int64_t>(x_bits, std::ilogb(xn.data()[i]) + 1 + int64_t(f));
  const int v_bits = max_v > 0 ? std::ilogb(max_v) + 1 : 0;
  const int d_bits = 64 - __builtin_clzll(uint64_t(xn.cols()) | 1);
  std::vector<Integer> out(xn.rows());
  if (x_bits + v_bits + d_bits <= 52) {  // every product and partial sum is exact in binary64
    Eigen::VectorXd v(xn.cols());
    for (int64_t j = 0; j < xn.cols(); ++j) v[j] = double(v_num[j]);
    Eigen::VectorXd p = xn * v;
    for (int64_t i = 0; i < xn.rows(); ++i) out[i] = Integer(std::ldexp(p[i], f));
  } else if (x_bits <= 63 && x_bits + v_bits + d_bits <= 126) {
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < xn.rows(); ++i) {
      int128 acc = 0;
      for (int64_t j = 0; j < xn.cols(); ++j)
        acc += int128(v_num[j]) * int128(int64_t(std::ldexp(xn(i, j), f)));
      out[i] = FromInt128(acc);
    }
  } else {
    for (int64_t i = 0; i < xn.rows(); ++i) {
      Integer acc = 0;
      for (int64_t j = 0; j < xn.cols(); ++j) {
        Rational x = RationalFromDouble(xn(i, j));  // exact; x·2^f is an integer
        Integer num = x.get_num();
        mpz_mul_2exp(num.get_mpz_t(), num.get_mpz_t(), mp_bitcnt_t(f));
        mpz_divexact(num.get_mpz_t(), num.get_mpz_t(), x.get_den_mpz_t());
        acc += Integer(v_num[j]) * num;
      }
      out[i] = acc;
    }
  }
  return out;
}

}  // namespace mnemo
