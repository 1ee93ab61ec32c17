#include "mnemo/dataset.h"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <numeric>
#include <random>
#include <unordered_map>

#include "mnemo/error.h"
#include "mnemo/memory.h"
#include "mnemo/io.h"
#include "mnemo/progress.h"
#include "mnemo/project_int128.h"
#include "src/core/csv_reader.h"

namespace mnemo {
namespace {

constexpr const char* kFashionDir = "/usr/share/datasets/fashion-mnist";
// Memory per row beside its values while a dataset is finished (labels, row hashes, merging).
constexpr int64_t kBytesPerRow = 64;
constexpr int64_t kMaxSyntheticCells = int64_t(1) << 31;  // 16 GB of doubles

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string Lower(std::string s) {
  for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// .csv, .tsv, .txt, each optionally .gz, in any case.
bool IsCsvPath(const std::string& spec) {
  std::string s = Lower(spec);
  if (EndsWith(s, ".gz")) s.resize(s.size() - 3);
  return EndsWith(s, ".csv") || EndsWith(s, ".tsv") || EndsWith(s, ".txt");
}

std::string Trim(const std::string& s) {
  size_t a = s.find_first_not_of(" \t\r");
  if (a == std::string::npos) return "";
  size_t b = s.find_last_not_of(" \t\r");
  return s.substr(a, b - a + 1);
}

using internal::ParseCell;

struct RawData {
  DataMatrix x;
  std::vector<double> labels;
  std::vector<int64_t> row_lines;      // CSV: the line of each row
  std::string path;                    // CSV: the file
  std::vector<int64_t> feature_columns;  // CSV: the 1-based file column of each feature
  std::vector<std::string> label_names;  // CSV: text class labels (labels are their indices)
  std::vector<std::string> warnings;
  std::optional<uint64_t> x_digest;  // XDigest of x, when the reader computed it (IDX)
};

RawData FromCsvTable(internal::CsvTable t, const std::string& path) {
  RawData raw;
  raw.x = std::move(t.x);
  raw.x.CompactToBytes();  // integers in 0..255 stay bytes, as IDX and uint8 .npy do
  raw.labels = std::move(t.labels);
  raw.row_lines = std::move(t.row_lines);
  raw.path = path;
  raw.feature_columns = std::move(t.feature_columns);
  raw.label_names = std::move(t.label_names);
  raw.warnings = std::move(t.warnings);
  return raw;
}

RawData CsvFromText(const std::string& text, const std::string& path, const DataOptions& opt) {
  size_t pos = 0;
  auto read = [&](char* out, size_t n) {
    n = std::min(n, text.size() - pos);
    std::memcpy(out, text.data() + pos, n);
    pos += n;
    return n;
  };
  return FromCsvTable(internal::ReadCsv(read, path, int64_t(text.size()), opt), path);
}

// A CSV file's values as binary64 (estimated from the fields and lines per byte of its first
// 64 kB) and the reader's text blocks must fit.
void CheckCsvMemory(const std::string& path, int64_t size) {
  std::ifstream in(path, std::ios::binary);
  std::string head(size_t(std::min<int64_t>(size, 1 << 16)), '\0');
  in.read(head.data(), std::streamsize(head.size()));
  const int64_t lines = std::count(head.begin(), head.end(), '\n') + 1;
  const int64_t fields = lines + std::count_if(head.begin(), head.end(), [](char c) {
                           return c == ',' || c == ';' || c == '\t';
                         });
  const double per_byte = double(size) / double(std::max<size_t>(1, head.size()));
  const int64_t values = int64_t(per_byte * double(fields)), rows = int64_t(per_byte * double(lines));
  CheckMemory(values * 8 + rows * kBytesPerRow + (int64_t(64) << 20), path,
              fmt::format("about {} values as binary64", values), "use --limit N");
}

RawData CsvFromFile(const std::string& path, const DataOptions& options) {
  DataOptions opt = options;
  std::string lower = Lower(path);
  if (EndsWith(lower, ".gz")) lower.resize(lower.size() - 3);
  if (opt.delimiter == 0 && EndsWith(lower, ".tsv")) opt.delimiter = '\t';
  FileReader in(path);
  auto read = [&](char* out, size_t n) { return in.Read(out, n); };
  const int64_t hint = in.gzip() ? 0 : in.file_size();
  if (hint > 0 && opt.limit == 0) CheckCsvMemory(path, hint);
  RawData raw = FromCsvTable(internal::ReadCsv(read, path, hint, opt), path);
  if (opt.limit == 0) {
    in.Finish();  // a gzipped file's trailer is checked at its end
  }
  return raw;
}

std::vector<double> ReadLabelFile(const std::string& path, int64_t expected) {
  std::vector<double> labels;
  if (EndsWith(Lower(path), ".npy")) {
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

// The values of a .npy file straight into a DataMatrix: uint8 and float64 with one read into
// place, other dtypes converted in blocks; integer data of 0..255 kept as bytes.
DataMatrix ReadNpyMatrix(const std::string& path, int64_t limit, int64_t* rows_in_file) {
  FileReader in(path);
  const int64_t size = in.gzip() ? INT64_MAX / 2 : in.file_size();
  std::string head(16, '\0');
  head.resize(in.Read(head.data(), head.size()));
  NpyLayout l = ParseNpyLayout(head, path, size);
  if (l.count < 0) {
    const size_t have = head.size();
    head.resize(l.data_offset);
    head.resize(have + in.Read(head.data() + have, l.data_offset - have));
    l = ParseNpyLayout(head, path, size);
  }
  if (l.shape.empty() || l.shape.size() > 2)
    Fail("{}: data must have shape (n, d) or (n,), got {} dimensions", path, l.shape.size());
  const int64_t n = l.shape[0], d = l.shape.size() == 2 ? l.shape[1] : 1;
  if (n == 0 || d == 0) Fail("{}: empty array (shape {}x{})", path, n, d);
  const int64_t keep = limit > 0 ? std::min(limit, n) : n;
  *rows_in_file = n;
  const bool bytes = l.code == "u1" || l.code == "b1";
  CheckMemory(keep * d * (bytes ? 1 : 8) + keep * kBytesPerRow, path,
              fmt::format("{}×{} {} values", keep, d, bytes ? "byte" : "binary64"),
              "use --limit N");
  DataMatrix x(keep, d, bytes ? DataMatrix::Type::kU8 : DataMatrix::Type::kF64);
  auto read = [&](char* out, size_t len) {
    if (in.Read(out, len) != len)
      Fail("{}: truncated data: header promises {} values", path, l.count);
  };
  if (bytes) {
    read(reinterpret_cast<char*>(x.u8()), size_t(keep * d));
  } else if (l.code == "f8") {
    read(reinterpret_cast<char*>(x.f64()), size_t(keep * d) * 8);
  } else {
    std::vector<char> block(size_t(1) << 20);
    const int64_t per = int64_t(block.size() / l.item);
    for (int64_t k = 0; k < keep * d; k += per) {
      const int64_t m = std::min(per, keep * d - k);
      read(block.data(), size_t(m) * l.item);
      NpyToDoubles(l, block.data(), m, k, x.f64() + k, path);
    }
  }
  if (keep == n) {
    in.Finish();  // a gzipped file's trailer is checked at its end
  }
  if (x.type() == DataMatrix::Type::kF64) {
    const double* v = x.f64();
    for (int64_t i = 0; i < keep * d; ++i)
      if (!std::isfinite(v[i]))
        Fail("{}: row {}, column {}: {} is not allowed", path, i / d, i % d,
             std::isnan(v[i]) ? "NaN" : "infinity");
    if (l.integer) x.CompactToBytes();
  }
  return x;
}

RawData ReadNpyData(const std::string& path, const DataOptions& opt) {
  if (opt.labels_path.empty() && !opt.labels_optional)
    Fail("{}: .npy data needs its labels: --labels y.npy", path);
  RawData raw;
  int64_t n = 0;
  raw.x = ReadNpyMatrix(path, opt.limit, &n);
  std::vector<double> labels = opt.labels_path.empty()
                                   ? std::vector<double>(size_t(raw.x.rows()), 0.0)
                                   : ReadLabelFile(opt.labels_path, -1);
  const int64_t keep = raw.x.rows();
  if (int64_t(labels.size()) != n)
    Fail("{}: {} labels for {} rows in {}", opt.labels_path, labels.size(), n, path);
  labels.resize(size_t(keep));
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

// The FNV-1a step of a row hash over a value's 8 bytes; runs of zero bytes (most of a small
// integer's binary64 pattern) are one multiplication by a power of the prime.
struct Fnv {
  static constexpr uint64_t kPrime = 1099511628211ull;
  uint64_t pow[9];
  Fnv() {
    pow[0] = 1;
    for (int k = 1; k <= 8; ++k) pow[k] = pow[k - 1] * kPrime;
  }
  uint64_t Mix(uint64_t h, double v) const {
    if (v == 0) v = 0.0;  // -0 == 0
    uint64_t bits;
    std::memcpy(&bits, &v, 8);
    const int zeros = bits == 0 ? 8 : __builtin_ctzll(bits) / 8;
    h *= pow[zeros];
    for (int k = zeros; k < 8; ++k) h = (h ^ ((bits >> (8 * k)) & 0xff)) * kPrime;
    return h;
  }
  /// Mix of `count` zero values: one multiplication by kPrime^(8·count), by squaring.
  uint64_t MixZeros(uint64_t h, int64_t count) const {
    for (uint64_t m = pow[8]; count > 0; count >>= 1, m *= m)
      if (count & 1) h *= m;
    return h;
  }
};

// The dataset digest (Fingerprint): FNV-1a over n and d, then over each value's 8 bytes as a
// binary64 (−0 as 0), then over each label. Readers may compute the part up to the labels while
// they read (XDigest, RawData::x_digest).
constexpr uint64_t kFnvOffset = 1469598103934665603ull;

uint64_t MixBytes(uint64_t h, const void* p, size_t len) {
  const auto* b = static_cast<const unsigned char*>(p);
  for (size_t i = 0; i < len; ++i) h = (h ^ b[i]) * Fnv::kPrime;
  return h;
}

uint64_t DigestHead(int64_t n, int64_t d) {
  const int64_t dims[2] = {n, d};
  return MixBytes(kFnvOffset, dims, sizeof(dims));
}

// The digest after byte values p[0..size): images are mostly runs of zero pixels, each run one
// multiplication (so a run cut in two pieces mixes the same).
uint64_t MixByteValues(uint64_t h, const uint8_t* p, int64_t size) {
  static const Fnv fnv;
  for (int64_t i = 0; i < size;) {
    if (p[i] != 0) {
      h = fnv.Mix(h, double(p[i++]));
      continue;
    }
    const int64_t run = i;
    while (i < size && p[i] == 0) ++i;
    h = fnv.MixZeros(h, i - run);
  }
  return h;
}

uint64_t XDigest(const DataMatrix& x) {
  uint64_t h = DigestHead(x.rows(), x.cols());
  if (x.type() == DataMatrix::Type::kU8) return MixByteValues(h, x.u8(), x.size());
  static const Fnv fnv;
  if (x.type() == DataMatrix::Type::kI32) {  // the values as binary64, as if read that way
    const int32_t* p = x.i32();
    for (int64_t i = 0; i < x.size(); ++i) h = fnv.Mix(h, x.Value(p[i]));
    return h;
  }
  const double* p = x.f64();
  for (int64_t i = 0; i < x.size(); ++i) h = fnv.Mix(h, p[i]);
  return h;
}

RawData ReadIdxData(const std::string& path, const std::string& labels_path, const DataOptions& opt) {
  // The digest of the rows kept (--limit), computed behind the inflating.
  uint64_t digest = 0;
  int64_t digest_bytes = -1;  // the bytes it covers, once the shape is known
  IdxArray images = ReadIdx(path, [&](const std::vector<int64_t>& shape, const uint8_t* data,
                                      int64_t begin, int64_t end) {
    if (shape.size() < 2) return;  // refused below
    if (digest_bytes < 0) {
      const int64_t n = shape[0], keep = opt.limit > 0 ? std::min(opt.limit, n) : n;
      const int64_t d = n > 0 ? std::accumulate(shape.begin() + 1, shape.end(), int64_t(1),
                                                std::multiplies<>()) : 0;
      digest = DigestHead(keep, d);
      digest_bytes = keep * d;
    }
    digest = MixByteValues(digest, data + begin, std::max<int64_t>(0, std::min(end, digest_bytes) - begin));
  });
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
  images.data.resize(size_t(keep * d));
  raw.x = DataMatrix(keep, d, std::move(images.data));
  raw.labels.assign(labels.data.begin(), labels.data.begin() + keep);
  if (digest_bytes == keep * d) raw.x_digest = digest;
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
// Products with powers of two are exact (and equal ldexp's) short of overflow, where both give
// ±inf: the same values as ldexp, without a library call for each of n·d values.
double Grid(double v) { return std::nearbyint(v * 0x1p30) * 0x1p-30; }

RawData Generate(const std::string& spec, int64_t max_cells) {
  SyntheticSpec s(spec);
  int64_t n = s.Int("n", 1000, 1);
  int64_t d = s.Int("d", 2, 1);
  if (n * d > max_cells) Fail("{}: n·d = {} values is more than {}", spec, n * d, max_cells);
  const std::string& kind = s.kind();
  // Sphere and ball points lie on the 2^-30 grid with |x| ≤ 1: kept as the integers k of k·2^-30.
  const bool on_grid = kind == "sphere" || kind == "ball";
  CheckMemory(n * d * (on_grid ? 4 : 8) + n * kBytesPerRow, spec,
              fmt::format("{}×{} {} values", n, d, on_grid ? "int32" : "binary64"),
              "use a smaller n");
  int64_t classes = s.Int("classes", 2, 1);
  uint64_t seed = uint64_t(s.Int("seed", 1, 0));
  std::string targets = s.Str("targets", "classes");
  if (targets != "classes" && targets != "real")
    Fail("{}: targets must be classes or real, got \"{}\"", spec, targets);
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  std::uniform_int_distribution<int64_t> label(0, classes - 1);
  RawData raw;
  RowMatrix x(on_grid ? 0 : n, d);
  raw.labels.resize(n);
  if (on_grid) {
    std::uniform_real_distribution<double> u(0, 1);
    std::vector<int32_t> ints(size_t(n * d));
    Eigen::RowVectorXd row(d);
    for (int64_t i = 0; i < n; ++i) {
      double norm2;
      do {
        norm2 = 0;
        for (int64_t j = 0; j < d; ++j) {
          row[j] = normal(rng);
          norm2 += row[j] * row[j];
        }
      } while (norm2 == 0);
      row /= std::sqrt(norm2);
      if (kind == "ball") row *= std::pow(u(rng), 1.0 / double(d));
      for (int64_t j = 0; j < d; ++j) {  // Grid(row[j]) = k·2^-30, |k| ≤ 2^30 (+1 for rounding)
        const double k = std::nearbyint(row[j] * 0x1p30);
        MNEMO_CHECK(std::fabs(k) <= 0x1p31 - 1, "{}: coordinate {} outside the unit ball", spec, k);
        ints[size_t(i * d + j)] = int32_t(k);
      }
      raw.labels[i] = double(label(rng));
    }
    raw.x = DataMatrix(n, d, std::move(ints), -30);
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
      for (int64_t j = 0; j < d; ++j) x(i, j) = Grid(centers(c, j) + sigma * normal(rng));
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
          x(row, j) = -half + spacing * double(v % m);
          v /= m;
        }
        x(row, 0) = Grid(x(row, 0));
        if (c == 1) x(row, 0) += delta;
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
  if (!on_grid) raw.x = DataMatrix(std::move(x));
  return raw;
}

std::string FormatLabel(double v) {
  if (v == std::floor(v) && std::fabs(v) < 9e15) return fmt::format("{}", int64_t(v));
  return fmt::format("{}", v);
}

// Every value and label finite (byte data is).
void CheckFinite(const Dataset& ds, const RawData& raw) {
  const int64_t n = raw.x.rows(), d = raw.x.cols();
  for (int64_t i = 0; i < n; ++i) {
    if (raw.x.type() == DataMatrix::Type::kF64)
      for (int64_t j = 0; j < d; ++j)
        if (!std::isfinite(raw.x(i, j))) Fail("{}, column {}: value is not finite", ds.RowName(i), j);
    if (!std::isfinite(raw.labels[i])) Fail("{}: label is not finite", ds.RowName(i));
  }
}

// A hash of row i's values (−0 and 0 alike); bytes are hashed eight at a time.
uint64_t RowHash(const DataMatrix& x, int64_t i) {
  const int64_t d = x.cols();
  uint64_t h = 1469598103934665603ull;
  auto mix = [&](uint64_t w) {
    h = (h ^ w) * 1099511628211ull;
    h ^= h >> 29;
  };
  if (x.type() == DataMatrix::Type::kU8) {
    const uint8_t* p = x.u8() + i * d;
    int64_t j = 0;
    for (; j + 8 <= d; j += 8) {
      uint64_t w;
      std::memcpy(&w, p + j, 8);
      mix(w);
    }
    for (; j < d; ++j) mix(p[j]);
    return h;
  }
  if (x.type() == DataMatrix::Type::kI32) {
    const int32_t* p = x.i32() + i * d;
    for (int64_t j = 0; j < d; ++j) mix(uint32_t(p[j]));
    return h;
  }
  const double* p = x.f64() + i * d;
  for (int64_t j = 0; j < d; ++j) {
    double v = p[j] == 0 ? 0.0 : p[j];
    uint64_t bits;
    std::memcpy(&bits, &v, 8);
    mix(bits);
  }
  return h;
}

// Merges identical rows: rows sorted by hash, equal hashes compared exactly. Returns the kept
// rows (ascending) and fills row_to_point; identical rows with different labels are an error
// naming both (the first such row in file order, with the first row it repeats).
std::vector<int64_t> MergeDuplicates(const Dataset& ds, const RawData& raw,
                                     std::vector<int64_t>* row_to_point) {
  const int64_t n = raw.x.rows();
  std::vector<uint64_t> hash(n);
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) hash[i] = RowHash(raw.x, i);
  std::vector<int64_t> order(n), first(n);
  for (int64_t i = 0; i < n; ++i) order[i] = first[i] = i;
  std::sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
    return hash[a] != hash[b] ? hash[a] < hash[b] : a < b;
  });
  for (int64_t k = 0; k < n;) {  // a run of equal hashes, rows ascending
    int64_t e = k;
    while (e < n && hash[order[e]] == hash[order[k]]) ++e;
    for (int64_t a = k + 1; a < e; ++a)
      for (int64_t b = k; b < a; ++b)
        if (first[order[b]] == order[b] && raw.x.RowsEqual(order[b], order[a])) {
          first[order[a]] = order[b];
          break;
        }
    k = e;
  }
  std::vector<int64_t> keep;
  row_to_point->assign(n, -1);
  for (int64_t i = 0; i < n; ++i) {
    if (first[i] == i) {
      (*row_to_point)[i] = int64_t(keep.size());
      keep.push_back(i);
      continue;
    }
    const int64_t r = first[i];
    if (raw.labels[r] != raw.labels[i])
      Fail("{} and {} are identical points with different labels ({} and {}): no network can "
           "memorize both",
           ds.RowName(r), ds.RowName(i), FormatLabel(raw.labels[r]), FormatLabel(raw.labels[i]));
    (*row_to_point)[i] = (*row_to_point)[r];
  }
  return keep;
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
  CheckFinite(ds, raw);
  ds.original_rows = n;
  ds.warnings = std::move(raw.warnings);
  bool integral = true;
  for (double y : raw.labels)
    integral = integral && y == std::floor(y) && std::fabs(y) < 9e15;
  ds.classification = integral;

  std::vector<int64_t> row_to_point;
  std::vector<int64_t> keep = MergeDuplicates(ds, raw, &row_to_point);
  ds.merged_duplicates = n - int64_t(keep.size());
  if (ds.merged_duplicates > 0) {
    ds.warnings.push_back(fmt::format(
        "{}: merged {} duplicate row{} (identical points with the same label); every original "
        "row is still checked",
        ds.source, ds.merged_duplicates, ds.merged_duplicates == 1 ? "" : "s"));
    ds.row_to_point = std::move(row_to_point);
    raw.x.KeepRows(keep);
  }
  if (ds.merged_duplicates == 0) ds.x_digest = raw.x_digest;
  ds.x = std::move(raw.x);
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
    ds.class_names = std::move(raw.label_names);
    ds.y.resize(labels.size());
    for (size_t p = 0; p < labels.size(); ++p)
      ds.y[p] = int32_t(std::lower_bound(values.begin(), values.end(), int64_t(labels[p])) -
                        values.begin());
  } else {
    ds.target = labels;
  }
  ds.input_exponent = FractionBits(ds.x);
  return ds;
}

}  // namespace

int FractionBits(double v) {
  if (v == 0) return 0;
  // v = ±m·2^(e − 1075) read from its bits (no frexp/ldexp: this runs on every value).
  const uint64_t b = std::bit_cast<uint64_t>(v);
  const int e = std::max(int((b >> 52) & 0x7ff), 1);
  const uint64_t m = (b & ((uint64_t(1) << 52) - 1)) | (b & (uint64_t(0x7ff) << 52) ? uint64_t(1) << 52 : 0);
  return std::max(0, 1075 - e - __builtin_ctzll(m));
}

int FractionBits(const DataMatrix& x) {
  if (x.type() == DataMatrix::Type::kU8) return 0;
  if (x.type() == DataMatrix::Type::kF64) return FractionBits(x.Dense());
  // k·2^e has −e − ctz(k) fraction bits; the smallest ctz over all k is the ctz of their OR.
  uint32_t bits = 0;
  for (int64_t i = 0; i < x.size(); ++i) bits |= uint32_t(x.i32()[i]);
  return bits == 0 ? 0 : std::max(0, -x.exponent() - __builtin_ctz(bits));
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
  if (classification && !class_names.empty()) return class_names[y[i]];
  if (classification) return fmt::format("{}", class_values[y[i]]);
  return FormatLabel(target[i]);
}

DatasetFingerprint Dataset::Fingerprint() const {
  uint64_t h = x_digest ? *x_digest : XDigest(x);
  for (int64_t i = 0; i < n(); ++i) {
    const double v = classification ? double(class_values[y[i]]) : target[i];
    h = MixBytes(h, &v, sizeof(v));
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
  raw.x = DataMatrix(std::move(x));
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
      raw.x.Truncate(options.limit);
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
  } else if (EndsWith(Lower(spec), ".npy")) {
    raw = ReadNpyData(spec, options);
  } else if (spec.find("idx3-ubyte") != std::string::npos) {
    raw = ReadIdxData(spec, options.labels_path, options);
  } else if (IsCsvPath(spec)) {
    raw = CsvFromFile(spec, options);
    if (!options.labels_path.empty()) Fail("--labels is for .npy and IDX data; a CSV carries its label column");
  } else if (!std::filesystem::exists(spec)) {
    Fail("{}: no such file, and not a known name (fashion-mnist[:train|:test], synthetic:KIND?...)", spec);
  } else {
    Fail("{}: unknown format (expected .csv, .tsv, .txt, .npy or *-idx3-ubyte[.gz])", spec);
  }
  return Finish(spec, std::move(raw));
}

namespace {

std::string CsvLines(const Dataset& data, char delim) {
  fmt::memory_buffer out;
  for (int64_t j = 0; j < data.d(); ++j) fmt::format_to(std::back_inserter(out), "x{}{}", j + 1, delim);
  fmt::format_to(std::back_inserter(out), "label\n");
  for (int64_t r = 0; r < data.original_rows; ++r) {
    const int64_t p = data.row_to_point.empty() ? r : data.row_to_point[r];
    for (int64_t j = 0; j < data.d(); ++j)
      fmt::format_to(std::back_inserter(out), "{}{}", data.x(p, j), delim);
    std::string label = data.LabelString(p);
    if (label.find_first_of(",;\t\"") != std::string::npos) label = "\"" + label + "\"";
    fmt::format_to(std::back_inserter(out), "{}\n", label);
  }
  return fmt::to_string(out);
}

std::string LabelsNpy(const Dataset& data) {
  const int64_t n = data.original_rows;
  auto point = [&](int64_t r) { return data.row_to_point.empty() ? r : data.row_to_point[r]; };
  if (!data.class_names.empty()) {
    size_t width = 1;
    for (const std::string& s : data.class_names) width = std::max(width, s.size());
    std::vector<uint32_t> chars(size_t(n) * width, 0);
    for (int64_t r = 0; r < n; ++r) {
      const std::string& s = data.class_names[data.y[point(r)]];
      for (size_t k = 0; k < s.size(); ++k) chars[size_t(r) * width + k] = uint8_t(s[k]);
    }
    return NpyRaw(fmt::format("<U{}", width), {n}, chars.data(), chars.size() * 4);
  }
  if (data.classification) {
    std::vector<int64_t> y(n);
    for (int64_t r = 0; r < n; ++r) y[r] = data.class_values[data.y[point(r)]];
    return NpyRaw("<i8", {n}, y.data(), y.size() * 8);
  }
  std::vector<double> t(n);
  for (int64_t r = 0; r < n; ++r) t[r] = data.target[point(r)];
  return NpyRaw("<f8", {n}, t.data(), t.size() * 8);
}

std::string PointsNpy(const Dataset& data) {
  const int64_t n = data.original_rows, d = data.d();
  const bool bytes = data.x.type() == DataMatrix::Type::kU8;
  std::string values;
  values.reserve(size_t(n * d) * (bytes ? 1 : 8));
  for (int64_t r = 0; r < n; ++r) {
    const int64_t p = data.row_to_point.empty() ? r : data.row_to_point[r];
    if (bytes) {
      values.append(reinterpret_cast<const char*>(data.x.u8() + p * d), size_t(d));
    } else {
      const Eigen::RowVectorXd row = data.x.row(p);  // integer data as the binary64 values
      values.append(reinterpret_cast<const char*>(row.data()), size_t(d) * 8);
    }
  }
  return NpyRaw(bytes ? "|u1" : "<f8", {n, d}, values.data(), values.size());
}

}  // namespace

std::vector<std::string> SaveDataset(const Dataset& data, const std::string& path) {
  const std::string lower = Lower(path);
  if (EndsWith(lower, ".csv") || EndsWith(lower, ".tsv")) {
    WriteFileAtomic(path, CsvLines(data, EndsWith(lower, ".tsv") ? '\t' : ','));
    return {path};
  }
  if (!EndsWith(lower, ".npy"))
    Fail("-o {}: unknown format for data (expected .csv, .tsv or .npy)", path);
  const std::string labels = path.substr(0, path.size() - 4) + "-labels.npy";
  WriteFileAtomic(path, PointsNpy(data));
  WriteFileAtomic(labels, LabelsNpy(data));
  return {path, labels};
}

char ParseCsvDelimiter(const std::string& name) { return internal::ParseDelimiter(name); }

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

// Each column's sum of integer data (n·d values of at most 32 bits: no overflow for n < 2^31),
// on both cores.
template <typename T>
std::vector<int64_t> ColumnSums(const T* values, int64_t n, int64_t d) {
  std::vector<int64_t> sum(d, 0);
#pragma omp parallel
  {
    std::vector<int64_t> part(d, 0);
#pragma omp for schedule(static)
    for (int64_t i = 0; i < n; ++i) {
      const T* p = values + i * d;
      for (int64_t j = 0; j < d; ++j) part[j] += p[j];
    }
#pragma omp critical
    for (int64_t j = 0; j < d; ++j) sum[j] += part[j];
  }
  return sum;
}

// The dyadic centre: each coordinate's mean rounded to the data grid 2^-e (zeros if that is
// not finite). Sums run row by row (the storage order), each column's in row order.
std::vector<double> Center(const Dataset& data, int e) {
  const int64_t n = data.n(), d = data.d();
  std::vector<long double> sum(d, 0.0L);
  if (data.x.type() == DataMatrix::Type::kU8) {  // exact integer sums: the same long doubles
    const std::vector<int64_t> isum = ColumnSums(data.x.u8(), n, d);
    for (int64_t j = 0; j < d; ++j) sum[j] = (long double)isum[j];
  } else if (data.x.type() == DataMatrix::Type::kI32) {
    const std::vector<int64_t> isum = ColumnSums(data.x.i32(), n, d);
    for (int64_t j = 0; j < d; ++j) sum[j] = std::ldexp((long double)isum[j], data.x.exponent());
  } else {
    const double* p = data.x.f64();
    for (int64_t i = 0; i < n; ++i, p += d)
      for (int64_t j = 0; j < d; ++j) sum[j] += p[j];
  }
  std::vector<double> center(d, 0.0);
  for (int64_t j = 0; j < d; ++j) {
    center[j] = std::ldexp(std::nearbyint(std::ldexp(double(sum[j] / n), e)), -e);
    if (!std::isfinite(center[j])) return std::vector<double>(d, 0.0);
  }
  return center;
}

// Byte data with an integral centre: ‖x_i − c‖² exactly, in int64 (else empty).
std::vector<int64_t> ByteNorms2(const Dataset& data, const std::vector<double>& c) {
  if (data.x.type() != DataMatrix::Type::kU8) return {};
  const int64_t n = data.n(), d = data.d();
  std::vector<int32_t> ic(d);
  for (int64_t j = 0; j < d; ++j) {
    if (c[j] != std::floor(c[j]) || std::fabs(c[j]) > 1e6) return {};
    ic[j] = int32_t(c[j]);
  }
  std::vector<int64_t> out(n);
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    const uint8_t* p = data.x.u8() + i * d;
    int64_t s = 0;
    for (int64_t j = 0; j < d; ++j) s += int64_t(int32_t(p[j]) - ic[j]) * (int32_t(p[j]) - ic[j]);
    out[i] = s;
  }
  return out;
}

// max_i ‖x_i − c‖², in long double (15-bit exponent: squares of binary64 values and their sums
// neither overflow nor underflow). An estimate; the exact check below is the judge.
long double MaxNorm2(const Dataset& data, const std::vector<double>& c,
                     const std::vector<int64_t>& exact) {
  long double best = 0;
  if (!exact.empty()) {
    for (int64_t v : exact) best = std::max(best, (long double)v);
    return best;
  }
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
bool FitsScale(const Dataset& data, const std::vector<double>& c, int s,
               const std::vector<int64_t>& exact) {
  if (!exact.empty()) {  // exact integers: ≤ 4^s (s < 0: only 0 fits)
    const int64_t bound = s < 0 ? 0 : s >= 31 ? INT64_MAX : int64_t(1) << (2 * s);
    for (int64_t v : exact)
      if (v > bound) return false;
    return true;
  }
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
  const std::vector<int64_t> exact = ByteNorms2(data, center);
  long double m2 = MaxNorm2(data, center, exact);
  if (!(m2 > 0)) return 0;
  int s = ScaleOf(m2) - 1;
  while (!FitsScale(data, center, s, exact)) ++s;
  return s;
}

// Every normalized coordinate (x − c)·2^−s is exact in binary64: only a result below the
// normal range can lose bits, so only |x − c| < 2^(s − 1022) is checked with ldexp.
void CheckNormalizedExact(const Dataset& data, const std::vector<double>& center, int s) {
  if (s <= 0 || (data.x.type() == DataMatrix::Type::kU8 && s < 1000)) return;
  const double safe = std::ldexp(1.0, s - 1022);
  for (int64_t i = 0; i < data.n(); ++i)
    for (int64_t j = 0; j < data.d(); ++j) {
      double v = data.x(i, j) - center[j];
      if (std::fabs(v) >= safe || std::ldexp(std::ldexp(v, -s), s) == v) continue;
      Fail("{}: {} cannot be normalized exactly: the data needs the scale 2^{} and {}·2^-{} is "
           "below binary64's resolution (the values span too many orders of magnitude)",
           data.Where(i, j), data.x(i, j), s, v, s);
    }
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
  CheckNormalizedExact(data, center, s);
  InputMap map;
  map.center.reserve(data.d());
  for (double c : center) map.center.push_back(RationalFromDouble(c));
  map.scale_log2 = s;
  return map;
}

namespace {

// Rows [first, first + count) of the normalized points into `out` (resized; its memory is
// reused when the size is unchanged, so passes in blocks do not fault fresh pages per block).
void NormalizeInto(const Dataset& data, const InputMap& map, int64_t first, int64_t count,
                   RowMatrix* out) {
  const int64_t d = data.d();
  std::vector<double> c(d, 0.0);
  for (size_t j = 0; j < map.center.size(); ++j) c[j] = ToDouble(map.center[j]);
  const int s = map.scale_log2;
  out->resize(count, d);
  double* q = out->data();
  // Multiplying by 2^−s is ldexp(·, −s) (both exact here, checked above) when 2^−s is normal.
  if (s <= -1000 || s >= 1000) {
    for (int64_t i = 0; i < count; ++i)
      for (int64_t j = 0; j < d; ++j) q[i * d + j] = std::ldexp(data.x(first + i, j) - c[j], -s);
    return;
  }
  const double factor = std::ldexp(1.0, -s);
  const DataMatrix::Type type = data.x.type();
  const uint8_t* p8 = type == DataMatrix::Type::kU8 ? data.x.u8() + first * d : nullptr;
  const int32_t* p32 = type == DataMatrix::Type::kI32 ? data.x.i32() + first * d : nullptr;
  const double* p64 = type == DataMatrix::Type::kF64 ? data.x.f64() + first * d : nullptr;
  // Rows on every core (a block of the separation's parallel pass stays on its own).
#pragma omp parallel for schedule(static) if (count * d >= (int64_t(1) << 16))
  for (int64_t i = 0; i < count; ++i) {
    double* row = q + i * d;
    if (p8)
      for (int64_t j = 0; j < d; ++j) row[j] = (double(p8[i * d + j]) - c[j]) * factor;
    else if (p32)
      for (int64_t j = 0; j < d; ++j) row[j] = (data.x.Value(p32[i * d + j]) - c[j]) * factor;
    else
      for (int64_t j = 0; j < d; ++j) row[j] = (p64[i * d + j] - c[j]) * factor;
  }
}

}  // namespace

RowMatrix NormalizedBlock(const Dataset& data, const InputMap& map, int64_t first, int64_t count) {
  RowMatrix out;
  NormalizeInto(data, map, first, count, &out);
  return out;
}

RowMatrix Normalized(const Dataset& data, const InputMap& map) {
  return NormalizedBlock(data, map, 0, data.n());
}

void ForEachNormalizedBlock(const Dataset& data, const InputMap& map,
                            const std::function<void(int64_t, const RowMatrix&)>& fn,
                            int64_t block_rows) {
  // A multiple of 8 rows, so blocked matrix–vector products group rows as the whole one does;
  // 2^22 values (32 MB): smaller blocks make the products' parallel setup cost more than them.
  const int64_t rows = block_rows > 0 ? block_rows : data.x.RowsPerBlock(int64_t(1) << 22);
  RowMatrix block;
  for (int64_t first = 0; first < data.n(); first += rows) {
    NormalizeInto(data, map, first, std::min(rows, data.n() - first), &block);
    fn(first, block);
  }
}

RowBlocks NormalizedRows(const Dataset& data, const InputMap& map, int64_t block_rows) {
  return RowBlocks(data.n(), data.d(), [&data, &map, block_rows](const RowBlocks::Visitor& fn) {
    ForEachNormalizedBlock(data, map, fn, block_rows);
  });
}

double MaxNormalizedNorm(const Dataset& data, const InputMap& map) {
  double best = 0;
  ForEachNormalizedBlock(data, map, [&](int64_t, const RowMatrix& b) {
    best = std::max(best, b.rowwise().norm().maxCoeff());
  });
  return best;
}

ProjectedSeparation ComputeProjectedSeparation(const Dataset& data, const InputMap& map,
                                               uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  Eigen::VectorXd v(data.d());
  for (int64_t j = 0; j < data.d(); ++j) v[j] = normal(rng);
  v /= v.norm();
  Eigen::VectorXd proj(data.n());
  double max_norm = 0;
  // Blocks of 2^21 values (16 MB) on every core; each row's product is the same as in one pass
  // (blocks are multiples of 8 rows, as Eigen groups them).
  const int64_t rows = data.x.RowsPerBlock(int64_t(1) << 21), blocks = (data.n() + rows - 1) / rows;
#pragma omp parallel reduction(max : max_norm)
  {
    RowMatrix b;
#pragma omp for schedule(dynamic)
    for (int64_t k = 0; k < blocks; ++k) {
      NormalizeInto(data, map, k * rows, std::min(rows, data.n() - k * rows), &b);
      proj.segment(k * rows, b.rows()).noalias() = b * v;
      max_norm = std::max(max_norm, b.rowwise().norm().maxCoeff());
    }
  }
  std::vector<int64_t> order(data.n());
  for (int64_t i = 0; i < data.n(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return proj[a] < proj[b]; });
  ProjectedSeparation sep;
  sep.max_norm = max_norm;
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

namespace {

// Bit length of |v|.
int BitsOf(int64_t v) { return v == 0 ? 0 : 64 - __builtin_clzll(uint64_t(v < 0 ? -v : v)); }

}  // namespace

bool ProjectExactInt128Many(const RowMatrix& xn, const std::vector<const std::vector<int64_t>*>& v_num,
                            int f, const std::vector<int128*>& out) {
  const int64_t d = xn.cols(), k = int64_t(v_num.size());
  MNEMO_CHECK(int64_t(out.size()) == k);
  // Column j's weights of every direction together, and the bit length of the largest.
  std::vector<int64_t> v(size_t(d * k));
  std::vector<int> v_bits(d, 0);
  for (int64_t c = 0; c < k; ++c) {
    MNEMO_CHECK(int64_t(v_num[c]->size()) == d);
    for (int64_t j = 0; j < d; ++j) {
      v[j * k + c] = (*v_num[c])[j];
      v_bits[j] = std::max(v_bits[j], BitsOf((*v_num[c])[j]));
    }
  }
  // Every term below 2^limit, d terms: |partial sum| < d·2^limit ≤ 2^126.
  const int limit = 126 - BitsOf(d);
  bool fits = true;
#pragma omp parallel reduction(&& : fits)
  {
    std::vector<int128> acc(k);
#pragma omp for schedule(static)
    for (int64_t i = 0; i < xn.rows(); ++i) {
      const double* row = xn.data() + i * d;
      std::fill(acc.begin(), acc.end(), int128(0));
      for (int64_t j = 0; j < d && fits; ++j) {
        if (row[j] == 0 || v_bits[j] == 0) continue;
        // x = ±m·2^(e − 1075) exactly; x·2^f = ±m·2^sh is an integer, so a negative sh drops
        // only zero bits of m.
        const uint64_t b = std::bit_cast<uint64_t>(row[j]);
        const int e = int((b >> 52) & 0x7ff);
        uint64_t m = b & ((uint64_t(1) << 52) - 1);
        if (e != 0) m |= uint64_t(1) << 52;
        int sh = std::max(e, 1) - 1075 + f;
        if (sh < 0) m >>= std::min(-sh, 63), sh = 0;
        if (sh + BitsOf(int64_t(m)) + v_bits[j] > limit) {
          fits = false;
          break;
        }
        const int128 x = (b >> 63) ? -(int128(m) << sh) : int128(m) << sh;
        const int64_t* vj = v.data() + j * k;
        for (int64_t c = 0; c < k; ++c) acc[c] += x * int128(vj[c]);
      }
      for (int64_t c = 0; c < k; ++c) out[c][i] = acc[c];
    }
  }
  return fits;
}

bool ProjectExactInt128(const RowMatrix& xn, const std::vector<int64_t>& v_num, int f,
                        int128* out) {
  return ProjectExactInt128Many(xn, {&v_num}, f, {out});
}

std::vector<Integer> ProjectExactWithBits(const RowMatrix& xn, const std::vector<int64_t>& v_num,
                                          int f) {
  MNEMO_CHECK(int64_t(v_num.size()) == xn.cols());
  std::vector<Integer> out(xn.rows());
  std::vector<int128> q(xn.rows());
  if (ProjectExactInt128(xn, v_num, f, q.data())) {
    for (int64_t i = 0; i < xn.rows(); ++i) out[i] = FromInt128(q[i]);
    return out;
  }
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
  return out;
}

}  // namespace mnemo
