#include "mnemo/verify.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <mutex>
#include <optional>

#include <omp.h>

#include <unordered_map>

#include "mnemo/decide.h"
#include "mnemo/error.h"
#include "mnemo/evaluate.h"
#include "mnemo/progress.h"
#include "mnemo/options.h"
#include "exact_plans.h"

namespace mnemo {
namespace {

double Seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string FormatReal(double v) { return fmt::format("{}", v); }

// One point's decision, in the user's terms.
struct Decision {
  bool correct = false;
  std::string got;
};

// The decisions of all points: whether each is right (a byte per point: 10^7 points cost
// 10 MB), and the answer in the user's terms — of every point when `keep_got` (mode both
// compares the two answers), else only of the wrong points.
class Decisions {
 public:
  Decisions(int64_t points, bool keep_got)
      : correct_(size_t(points), 0), all_got_(keep_got ? size_t(points) : 0) {}

  bool correct(int64_t k) const { return correct_[k] != 0; }
  const std::string& got(int64_t k) const {
    if (!all_got_.empty()) return all_got_[k];
    auto it = wrong_got_.find(k);
    return it == wrong_got_.end() ? none_ : it->second;
  }
  /// Records point k (safe from several threads for different k); `got` is called only when
  /// the answer is kept.
  template <typename GotFn>
  void Set(int64_t k, bool ok, GotFn&& got) {
    correct_[k] = ok;
    if (!all_got_.empty()) {
      all_got_[k] = got();
    } else if (!ok) {
      std::string text = got();
      std::lock_guard<std::mutex> lock(mutex_);
      wrong_got_[k] = std::move(text);
    }
  }

 private:
  std::vector<uint8_t> correct_;
  std::vector<std::string> all_got_;
  std::unordered_map<int64_t, std::string> wrong_got_;
  std::mutex mutex_;
  std::string none_;
};

}  // namespace

VerifyMode ParseVerifyMode(const std::string& s) {
  if (s == "exact") return VerifyMode::kExact;
  if (s == "float64") return VerifyMode::kFloat64;
  if (s == "both") return VerifyMode::kBoth;
  Fail("--mode: expected exact, float64 or both, got \"{}\"", s);
}

std::string ToString(VerifyMode mode) {
  switch (mode) {
    case VerifyMode::kExact: return "exact";
    case VerifyMode::kFloat64: return "float64";
    case VerifyMode::kBoth: return "both";
  }
  return "?";
}

nlohmann::ordered_json VerifyReport::ToJson() const {
  nlohmann::ordered_json j;
  j["all_correct"] = all_correct();
  j["checked"] = checked;
  j["mismatches"] = mismatches;
  j["rows"] = rows;
  if (shards > 1) j["shard"] = fmt::format("{}/{}", shard, shards);
  j["mode"] = ToString(mode);
  auto list = [](const std::vector<Mismatch>& v) {
    nlohmann::ordered_json a = nlohmann::ordered_json::array();
    for (const auto& m : v) a.push_back({{"index", m.index}, {"expected", m.expected}, {"got", m.got}});
    return a;
  };
  j["first_mismatches"] = list(first_mismatches);
  j["min_margin"] = min_margin;
  if (!min_margin_exact.empty()) j["min_margin_exact"] = min_margin_exact;
  if (mode == VerifyMode::kBoth) {
    j["float_disagreements"] = float_disagreements;
    j["first_disagreements"] = list(first_disagreements);
  }
  j["timings_s"] = {{"exact", seconds_exact}, {"float64", seconds_float}};
  return j;
}

std::string VerifyReport::Brief() const {
  std::string s = fmt::format("{}: {}/{} correct", ToString(mode), checked - mismatches, checked);
  if (!min_margin_exact.empty()) s += fmt::format(", smallest exact margin {}", min_margin_exact);
  else s += fmt::format(", smallest margin {:.6g}", min_margin);
  if (mode == VerifyMode::kBoth)
    s += fmt::format(", float64 disagrees with exact on {} point{}", float_disagreements,
                     float_disagreements == 1 ? "" : "s");
  return s;
}

std::vector<int64_t> NetworkClassOf(const Network& net, const Dataset& data) {
  if (!net.classification && !data.class_names.empty())
    Fail("{}: the network predicts real values but the data has text labels", data.source);
  std::unordered_map<std::string, int64_t> index;
  for (int64_t c = 0; c < int64_t(net.class_values.size()); ++c) index.emplace(net.ClassLabel(c), c);
  std::vector<int64_t> out(data.class_values.size(), -1);
  for (size_t c = 0; c < out.size(); ++c) {
    auto it = index.find(data.class_names.empty() ? fmt::format("{}", data.class_values[c])
                                                  : data.class_names[c]);
    if (it != index.end()) out[c] = it->second;
  }
  return out;
}

namespace {

template <typename T>
T Field(const nlohmann::json& j, const char* key, const std::string& where) {
  if (!j.contains(key)) Fail("{}: no \"{}\" (expected the output of mnemo verify --json)", where, key);
  try {
    return j.at(key).get<T>();
  } catch (const nlohmann::json::exception&) {
    Fail("{}: \"{}\" has the wrong type", where, key);
  }
}

std::vector<Mismatch> MismatchesFromJson(const nlohmann::json& j, const char* key,
                                         const std::string& where) {
  std::vector<Mismatch> out;
  if (!j.contains(key)) return out;
  for (const auto& m : Field<nlohmann::json>(j, key, where))
    out.push_back({Field<int64_t>(m, "index", where), Field<std::string>(m, "expected", where),
                   Field<std::string>(m, "got", where)});
  return out;
}

}  // namespace

VerifyReport VerifyReportFromJson(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object()) Fail("{}: expected one JSON object (mnemo verify --json)", where);
  VerifyReport r;
  r.mode = ParseVerifyMode(Field<std::string>(j, "mode", where));
  r.checked = Field<int64_t>(j, "checked", where);
  r.mismatches = Field<int64_t>(j, "mismatches", where);
  r.rows = Field<int64_t>(j, "rows", where);
  r.first_mismatches = MismatchesFromJson(j, "first_mismatches", where);
  r.min_margin = Field<double>(j, "min_margin", where);
  if (j.contains("min_margin_exact"))
    r.min_margin_exact = ToString(ParseRational(Field<std::string>(j, "min_margin_exact", where), where));
  r.float_disagreements = j.contains("float_disagreements") ? Field<int64_t>(j, "float_disagreements", where) : 0;
  r.first_disagreements = MismatchesFromJson(j, "first_disagreements", where);
  if (j.contains("shard")) {
    auto [i, n] = ParseShard(Field<std::string>(j, "shard", where), where + ": shard");
    r.shard = i;
    r.shards = n;
  }
  if (j.contains("timings_s")) {
    const nlohmann::json& t = j.at("timings_s");
    r.seconds_exact = t.value("exact", 0.0);
    r.seconds_float = t.value("float64", 0.0);
  }
  return r;
}

VerifyReport MergeShards(std::vector<VerifyReport> shards, int64_t max_reported) {
  if (shards.empty()) Fail("verify --merge: no reports");
  const VerifyReport& head = shards.front();
  std::vector<bool> seen(size_t(head.shards), false);
  VerifyReport out;
  out.mode = head.mode;
  out.rows = head.rows;
  std::optional<Rational> least;
  for (size_t k = 0; k < shards.size(); ++k) {
    const VerifyReport& s = shards[k];
    if (s.shards != head.shards || s.mode != head.mode || s.rows != head.rows)
      Fail("verify --merge: report {} is shard {}/{} of a {} run on {} rows; report 1 is {}/{} "
           "of a {} run on {} rows", k + 1, s.shard, s.shards, ToString(s.mode), s.rows,
           head.shard, head.shards, ToString(head.mode), head.rows);
    if (seen[size_t(s.shard)]) Fail("verify --merge: shard {}/{} given twice", s.shard, s.shards);
    seen[size_t(s.shard)] = true;
    out.checked += s.checked;
    out.mismatches += s.mismatches;
    out.float_disagreements += s.float_disagreements;
    out.seconds_exact += s.seconds_exact;
    out.seconds_float += s.seconds_float;
    out.first_mismatches.insert(out.first_mismatches.end(), s.first_mismatches.begin(), s.first_mismatches.end());
    out.first_disagreements.insert(out.first_disagreements.end(), s.first_disagreements.begin(), s.first_disagreements.end());
    if (!s.min_margin_exact.empty()) {
      Rational m = ParseRational(s.min_margin_exact);
      if (!least || m < *least) least = m;
    }
    if (k == 0 || s.min_margin < out.min_margin) out.min_margin = s.min_margin;
  }
  for (size_t i = 0; i < seen.size(); ++i)
    if (!seen[i]) Fail("verify --merge: shard {}/{} is missing", i, head.shards);
  if (least) {
    out.min_margin_exact = ToString(*least);
    out.min_margin = ToDouble(*least);
  }
  for (auto* list : {&out.first_mismatches, &out.first_disagreements}) {
    std::stable_sort(list->begin(), list->end(),
                     [](const Mismatch& a, const Mismatch& b) { return a.index < b.index; });
    if (int64_t(list->size()) > max_reported) list->resize(size_t(max_reported));
  }
  return out;
}

namespace {

void CheckCompatible(const Network& net, const Dataset& data, VerifyMode mode) {
  if (net.input_dim() != data.d())
    Fail("{}: the network reads {} inputs but the data has {} columns", data.source,
         net.input_dim(), data.d());
  if (net.classification && !data.classification)
    Fail("{}: the network predicts classes but the data has real-valued labels", data.source);
  for (size_t l = 0; l < net.layers.size() && mode != VerifyMode::kFloat64; ++l)
    if (!net.layers[l].activation.IsExact())
      Fail("layers[{}] uses the activation {}: exact evaluation is not defined for it; use "
           "--mode float64 (with --tolerance)", l, ToString(net.layers[l].activation));
}

constexpr int64_t kVerifyBlockValues = int64_t(1) << 22;

// The points of a shard: [N·shard/shards, N·(shard+1)/shards).
struct PointRange {
  int64_t begin = 0, end = 0;
  int64_t size() const { return end - begin; }
};

PointRange ShardPoints(int64_t n, const VerifyOptions& o) {
  MNEMO_CHECK(o.shards >= 1 && o.shard >= 0 && o.shard < o.shards, "shard {}/{}", o.shard, o.shards);
  return {n * o.shard / o.shards, n * (o.shard + 1) / o.shards};
}

// What each point should get, in the network's label space (or its exact target), made when
// asked: nothing is held per point.
class ExpectedAnswers {
 public:
  ExpectedAnswers(const Network& net, const Dataset& data)
      : net_(net), data_(data),
        index_(data.classification ? NetworkClassOf(net, data) : std::vector<int64_t>()) {}

  Expected At(int64_t p) const {
    Expected e;
    if (!data_.classification)
      e.target = RationalFromDouble(data_.target[p]);
    else if (net_.classification)
      e.class_index = index_[data_.y[p]];
    else
      e.target = data_.class_values[data_.y[p]];
    return e;
  }

 private:
  const Network& net_;
  const Dataset& data_;
  const std::vector<int64_t> index_;
};

std::string GotString(const Network& net, const Answer& a) {
  std::string s = AnswerString(net, a);
  if (net.classification && a.class_index < 0 && !a.why_none.empty()) s += " (" + a.why_none + ")";
  return s;
}

// Rows per block: the option, else 2^22 values (the evaluation plans are kept across blocks).
int64_t BlockRows(const Dataset& data, const VerifyOptions& o) {
  if (o.block_rows > 0 || data.x.type() == DataMatrix::Type::kF64) return o.block_rows;
  return data.x.RowsPerBlock(kVerifyBlockValues);
}

// The exact outputs of the range's points, block by block (visit gets the index in the range).
void ForEachExactPoint(const Network& net, const Dataset& data, PointRange range,
                       const VerifyOptions& o, const ExactVisitor& visit) {
  const int64_t block_rows = BlockRows(data, o);
  const bool one_block = block_rows == 0 && data.x.type() == DataMatrix::Type::kF64;
  Progress bar("exact eval", o.progress && !one_block ? range.size() : 0);
  internal::ExactPlans plans(net);  // built at the first block, kept for the others
  data.x.ForEachBlock(
      [&](int64_t first, const RowMatrix& b) {
        plans.ForEach(
            b,
            [&](int64_t i, const Integer* out, const Integer& scale) {
              visit(first - range.begin + i, out, scale);
            },
            o.progress && one_block);
        bar.Add(b.rows());
      },
      block_rows, range.begin, range.end);
  bar.Finish();
}

// The exact pass: one decision per point and the smallest exact margin. The answer is kept
// for wrong points (and all of them when `keep_got`).
void ExactDecisions(const Network& net, const Dataset& data, PointRange range,
                    const ExpectedAnswers& expected, const VerifyOptions& o,
                    std::optional<Rational>* min_margin, Decisions* dec) {
  std::vector<std::optional<Rational>> least(omp_get_max_threads());
  ForEachExactPoint(net, data, range, o, [&](int64_t k, const Integer* out, const Integer& scale) {
    const Expected want = expected.At(range.begin + k);
    const Answer a = Decide(net, out, scale);
    dec->Set(k, IsCorrect(net, a, want), [&] { return GotString(net, a); });
    Rational m = Margin(net, out, scale, want);
    std::optional<Rational>& slot = least[omp_get_thread_num()];
    if (!slot || m < *slot) slot = std::move(m);
  });
  for (const auto& m : least)
    if (m && (!*min_margin || *m < **min_margin)) *min_margin = *m;
}

// The float64 decision on one point's outputs and its margin.
Decision FloatDecision(const Network& net, const double* out, int64_t cols, const Expected& want,
                       const VerifyOptions& options, double* margin) {
  Decision dec;
  if (!net.classification) {
    double v = out[0];
    double err = std::fabs(v - ToDouble(want.target));
    dec.correct = err <= options.tolerance;
    *margin = -err;
    dec.got = FormatReal(v);
    return dec;
  }
  std::vector<double> o(out, out + cols);
  int64_t got = DecodeClass(net, o);
  int64_t y = want.class_index;
  dec.correct = y >= 0 && got == y;
  dec.got = got >= 0 ? net.ClassLabel(got) : "none";
  if (net.output == OutputKind::kValue) {
    *margin = 0.5 - std::fabs(o[0] - double(y));
    if (options.tolerance > 0) dec.correct = y >= 0 && std::fabs(o[0] - double(y)) <= options.tolerance;
  } else if (net.output == OutputKind::kArgmax && y >= 0) {
    double other = -HUGE_VAL;
    for (int64_t c = 0; c < int64_t(o.size()); ++c)
      if (c != y) other = std::max(other, o[c]);
    *margin = o[y] - other;
  } else {
    *margin = dec.correct ? 0.5 : -0.5;
  }
  return dec;
}

void FloatDecisions(const Network& net, const Dataset& data, PointRange range,
                    const ExpectedAnswers& expected, const VerifyOptions& options,
                    double* min_margin, Decisions* dec) {
  *min_margin = HUGE_VAL;
  const int64_t block_rows = BlockRows(data, options);
  const bool one_block = block_rows == 0 && data.x.type() == DataMatrix::Type::kF64;
  data.x.ForEachBlock(
      [&](int64_t first, const RowMatrix& b) {
        const RowMatrix out = EvaluateFloat(net, b, options.progress && one_block);
        for (int64_t i = 0; i < b.rows(); ++i) {
          const int64_t k = first - range.begin + i;
          double margin;
          Decision d = FloatDecision(net, out.row(i).data(), out.cols(), expected.At(first + i),
                                     options, &margin);
          dec->Set(k, d.correct, [&] { return std::move(d.got); });
          *min_margin = std::min(*min_margin, margin);
        }
      },
      block_rows, range.begin, range.end);
}

}  // namespace

VerifyReport Verify(const Network& net, const Dataset& data, const VerifyOptions& options) {
  CheckCompatible(net, data, options.mode);
  bool exact_ok = true;
  for (const Layer& l : net.layers) exact_ok = exact_ok && l.activation.IsExact();
  VerifyReport report;
  report.mode = options.mode;
  report.exact_available = exact_ok;
  report.shard = options.shard;
  report.shards = options.shards;
  const PointRange range = ShardPoints(data.n(), options);
  const ExpectedAnswers expected(net, data);
  const bool keep_got = options.mode == VerifyMode::kBoth;
  const bool exact = options.mode != VerifyMode::kFloat64, flt = options.mode != VerifyMode::kExact;
  Decisions exact_dec(exact ? range.size() : 0, keep_got);
  Decisions float_dec(flt ? range.size() : 0, keep_got);
  if (exact) {
    auto start = std::chrono::steady_clock::now();
    std::optional<Rational> min_exact;
    ExactDecisions(net, data, range, expected, options, &min_exact, &exact_dec);
    report.seconds_exact = Seconds(start);
    if (min_exact) {
      report.min_margin_exact = ToString(*min_exact);
      report.min_margin = ToDouble(*min_exact);
    }
  }
  if (flt) {
    auto start = std::chrono::steady_clock::now();
    double min_float;
    FloatDecisions(net, data, range, expected, options, &min_float, &float_dec);
    report.seconds_float = Seconds(start);
    if (options.mode == VerifyMode::kFloat64) report.min_margin = min_float;
  }
  // Expand to original rows: every row of a merged point shares its decision; a shard checks
  // the rows of its points.
  const Decisions& judge = options.mode == VerifyMode::kFloat64 ? float_dec : exact_dec;
  const int64_t rows = data.row_to_point.empty() ? data.n() : int64_t(data.row_to_point.size());
  report.rows = rows;
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t p = data.row_to_point.empty() ? r : data.row_to_point[r];
    if (p < range.begin || p >= range.end) continue;
    const int64_t k = p - range.begin;
    ++report.checked;
    if (!judge.correct(k)) {
      ++report.mismatches;
      if (int64_t(report.first_mismatches.size()) < options.max_reported)
        report.first_mismatches.push_back({r, data.LabelString(p), judge.got(k)});
    }
    if (options.mode == VerifyMode::kBoth &&
        (exact_dec.correct(k) != float_dec.correct(k) || exact_dec.got(k) != float_dec.got(k))) {
      ++report.float_disagreements;
      if (int64_t(report.first_disagreements.size()) < options.max_reported)
        report.first_disagreements.push_back({r, exact_dec.got(k), float_dec.got(k)});
    }
  }
  return report;
}

}  // namespace mnemo
