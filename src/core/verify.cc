#include "mnemo/verify.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>

#include <omp.h>

#include <unordered_map>

#include "mnemo/decide.h"
#include "mnemo/error.h"
#include "mnemo/evaluate.h"

namespace mnemo {
namespace {

double Seconds(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string FormatReal(double v) { return fmt::format("{}", v); }

// One decision per point, in the user's terms.
struct Decision {
  bool correct = false;
  std::string got;
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

// What each point should get, in the network's label space (or its exact real target).
std::vector<Expected> ExpectedOf(const Network& net, const Dataset& data) {
  const std::vector<int64_t> index = data.classification ? NetworkClassOf(net, data)
                                                         : std::vector<int64_t>();
  std::vector<Expected> out(data.n());
  for (int64_t p = 0; p < data.n(); ++p) {
    if (!data.classification) {
      out[p].target = RationalFromDouble(data.target[p]);
      continue;
    }
    if (net.classification)
      out[p].class_index = index[data.y[p]];
    else
      out[p].target = data.class_values[data.y[p]];
  }
  return out;
}

std::string GotString(const Network& net, const Answer& a) {
  std::string s = AnswerString(net, a);
  if (net.classification && a.class_index < 0 && !a.why_none.empty()) s += " (" + a.why_none + ")";
  return s;
}

// The exact pass: one decision per point and the smallest exact margin.
std::vector<Decision> ExactDecisions(const Network& net, const Dataset& data,
                                     const std::vector<Expected>& expected, bool progress,
                                     std::optional<Rational>* min_margin) {
  std::vector<Decision> dec(data.n());
  std::vector<std::optional<Rational>> least(omp_get_max_threads());
  ForEachExactOutput(
      net, data.x,
      [&](int64_t p, const Integer* o, const Integer& scale) {
        Answer a = Decide(net, o, scale);
        dec[p].correct = IsCorrect(net, a, expected[p]);
        dec[p].got = GotString(net, a);
        Rational m = Margin(net, o, scale, expected[p]);
        std::optional<Rational>& slot = least[omp_get_thread_num()];
        if (!slot || m < *slot) slot = std::move(m);
      },
      progress);
  for (const auto& m : least)
    if (m && (!*min_margin || *m < **min_margin)) *min_margin = *m;
  return dec;
}

std::vector<Decision> FloatDecisions(const Network& net, const Dataset& data,
                                     const std::vector<Expected>& expected,
                                     const VerifyOptions& options, double* min_margin) {
  RowMatrix out = EvaluateFloat(net, data.x, options.progress);
  std::vector<Decision> dec(data.n());
  *min_margin = HUGE_VAL;
  for (int64_t p = 0; p < data.n(); ++p) {
    double margin;
    if (!net.classification) {
      double v = out(p, 0);
      double err = std::fabs(v - ToDouble(expected[p].target));
      dec[p].correct = err <= options.tolerance;
      margin = -err;
      dec[p].got = FormatReal(v);
    } else {
      std::vector<double> o(out.row(p).data(), out.row(p).data() + out.cols());
      int64_t got = DecodeClass(net, o);
      int64_t y = expected[p].class_index;
      dec[p].correct = y >= 0 && got == y;
      dec[p].got = got >= 0 ? net.ClassLabel(got) : "none";
      if (net.output == OutputKind::kValue) {
        margin = 0.5 - std::fabs(o[0] - double(y));
        if (options.tolerance > 0) dec[p].correct = y >= 0 && std::fabs(o[0] - double(y)) <= options.tolerance;
      } else if (net.output == OutputKind::kArgmax && y >= 0) {
        double other = -HUGE_VAL;
        for (int64_t c = 0; c < int64_t(o.size()); ++c)
          if (c != y) other = std::max(other, o[c]);
        margin = o[y] - other;
      } else {
        margin = dec[p].correct ? 0.5 : -0.5;
      }
    }
    *min_margin = std::min(*min_margin, margin);
  }
  return dec;
}

}  // namespace

VerifyReport Verify(const Network& net, const Dataset& data, const VerifyOptions& options) {
  CheckCompatible(net, data, options.mode);
  bool exact_ok = true;
  for (const Layer& l : net.layers) exact_ok = exact_ok && l.activation.IsExact();
  VerifyReport report;
  report.mode = options.mode;
  report.exact_available = exact_ok;
  const std::vector<Expected> expected = ExpectedOf(net, data);

  std::vector<Decision> exact_dec, float_dec;
  if (options.mode != VerifyMode::kFloat64) {
    auto start = std::chrono::steady_clock::now();
    std::optional<Rational> min_exact;
    exact_dec = ExactDecisions(net, data, expected, options.progress, &min_exact);
    report.seconds_exact = Seconds(start);
    if (min_exact) {
      report.min_margin_exact = ToString(*min_exact);
      report.min_margin = ToDouble(*min_exact);
    }
  }
  if (options.mode != VerifyMode::kExact) {
    auto start = std::chrono::steady_clock::now();
    double min_float;
    float_dec = FloatDecisions(net, data, expected, options, &min_float);
    report.seconds_float = Seconds(start);
    if (options.mode == VerifyMode::kFloat64) report.min_margin = min_float;
  }
  // Expand to original rows: every row of a merged point shares its decision.
  const std::vector<Decision>& judge = options.mode == VerifyMode::kFloat64 ? float_dec : exact_dec;
  const int64_t rows = data.row_to_point.empty() ? data.n() : int64_t(data.row_to_point.size());
  report.checked = rows;
  for (int64_t r = 0; r < rows; ++r) {
    int64_t p = data.row_to_point.empty() ? r : data.row_to_point[r];
    if (!judge[p].correct) {
      ++report.mismatches;
      if (int64_t(report.first_mismatches.size()) < options.max_reported)
        report.first_mismatches.push_back({r, data.LabelString(p), judge[p].got});
    }
    if (options.mode == VerifyMode::kBoth &&
        (exact_dec[p].correct != float_dec[p].correct || exact_dec[p].got != float_dec[p].got)) {
      ++report.float_disagreements;
      if (int64_t(report.first_disagreements.size()) < options.max_reported)
        report.first_disagreements.push_back({r, exact_dec[p].got, float_dec[p].got});
    }
  }
  return report;
}

}  // namespace mnemo
