#include "mnemo/verify.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>

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

VerifyReport Verify(const Network& net, const Dataset& data, const VerifyOptions& options) {
  if (net.input_dim() != data.d())
    Fail("{}: the network reads {} inputs but the data has {} columns", data.source,
         net.input_dim(), data.d());
  if (net.classification && !data.classification)
    Fail("{}: the network predicts classes but the data has real-valued labels", data.source);
  if (!net.classification && net.output != OutputKind::kValue)
    Fail("network: real targets need a value output");
  bool exact_ok = true;
  for (const Layer& l : net.layers) exact_ok = exact_ok && l.activation.IsExact();
  VerifyReport report;
  report.mode = options.mode;
  report.exact_available = exact_ok;
  if (!exact_ok && options.mode != VerifyMode::kFloat64) {
    std::string act;
    for (const Layer& l : net.layers)
      if (!l.activation.IsExact()) act = ToString(l.activation);
    Fail("the network uses the activation {}: exact evaluation is not defined for it; use "
         "--mode float64 (with --tolerance)", act);
  }

  const int64_t n = data.n();
  // The expected output per point in the network's label space.
  std::vector<int64_t> expected_index(n, -1);
  if (net.classification) {
    for (int64_t p = 0; p < n; ++p) {
      int64_t value = data.class_values[data.y[p]];
      auto it = std::lower_bound(net.class_values.begin(), net.class_values.end(), value);
      if (it != net.class_values.end() && *it == value) expected_index[p] = it - net.class_values.begin();
    }
  }
  auto label_of = [&](int64_t index) -> std::string {
    if (index < 0 || index >= int64_t(net.class_values.size())) return "none";
    return fmt::format("{}", net.class_values[index]);
  };

  std::vector<Decision> exact_dec, float_dec;
  std::optional<Rational> min_exact;
  double min_float = HUGE_VAL;

  if (options.mode != VerifyMode::kFloat64) {
    auto start = std::chrono::steady_clock::now();
    ExactOutputs out = EvaluateExact(net, data.x, options.progress);
    exact_dec.resize(n);
    const Integer& scale = out.scale;
    for (int64_t p = 0; p < n; ++p) {
      const Integer* o = &out.numerator[size_t(p) * out.cols];
      Decision& dec = exact_dec[p];
      Rational margin;
      if (!net.classification) {
        Rational target = RationalFromDouble(data.target[p]);
        Rational value(o[0], scale);
        value.canonicalize();
        dec.correct = value == target;
        margin = -abs(value - target);
        dec.got = FormatReal(ToDouble(value));
        if (!dec.correct && FormatReal(ToDouble(value)) == data.LabelString(p))
          dec.got = ToString(value);  // show the exact value when the decimal looks equal
      } else if (net.output == OutputKind::kValue) {
        int64_t y = expected_index[p];
        Rational value(o[0], scale);
        value.canonicalize();
        dec.correct = y >= 0 && value == y;
        margin = Rational(1, 2) - abs(value - Rational(y));
        if (value.get_den() == 1 && value >= 0 && value < int64_t(net.class_values.size()))
          dec.got = label_of(value.get_num().get_si());
        else
          dec.got = fmt::format("none (output {})", ToString(value));
      } else if (net.output == OutputKind::kArgmax) {
        int64_t y = expected_index[p];
        int64_t best = 0;
        for (int64_t c = 1; c < out.cols; ++c)
          if (o[c] > o[best]) best = c;
        bool tie = false;
        for (int64_t c = 0; c < out.cols; ++c) tie = tie || (c != best && o[c] == o[best]);
        dec.got = tie ? "none (tie)" : label_of(best);
        if (y >= 0) {
          Integer other;
          bool first = true;
          for (int64_t c = 0; c < out.cols; ++c)
            if (c != y && (first || o[c] > other)) { other = o[c]; first = false; }
          margin = first ? Rational(1) : Rational(o[y] - other, scale);
          margin.canonicalize();
          dec.correct = margin > 0;
        } else {
          margin = -1;
        }
      } else {  // kBits
        int64_t y = expected_index[p];
        int64_t value = 0;
        bool binary = true;
        Rational worst = 0;
        for (int64_t b = 0; b < out.cols; ++b) {
          Rational v(o[b], scale);
          v.canonicalize();
          binary = binary && (v == 0 || v == 1);
          if (v == 1) value |= int64_t(1) << b;
          Rational bit = (y >= 0 && ((y >> b) & 1)) ? 1 : 0;
          worst = std::max(worst, Rational(abs(v - bit)));
        }
        margin = Rational(1, 2) - worst;
        dec.correct = y >= 0 && binary && value == y;
        dec.got = binary ? label_of(value) : "none (non-binary output)";
      }
      if (!min_exact || margin < *min_exact) min_exact = margin;
    }
    report.seconds_exact = Seconds(start);
    report.min_margin_exact = ToString(*min_exact);
    report.min_margin = ToDouble(*min_exact);
  }

  if (options.mode != VerifyMode::kExact) {
    auto start = std::chrono::steady_clock::now();
    RowMatrix out = EvaluateFloat(net, data.x, options.progress);
    float_dec.resize(n);
    for (int64_t p = 0; p < n; ++p) {
      Decision& dec = float_dec[p];
      double margin;
      if (!net.classification) {
        double v = out(p, 0);
        double err = std::fabs(v - data.target[p]);
        dec.correct = err <= options.tolerance;
        margin = -err;
        dec.got = FormatReal(v);
      } else {
        std::vector<double> o(out.row(p).data(), out.row(p).data() + out.cols());
        int64_t got = DecodeClass(net, o);
        int64_t y = expected_index[p];
        dec.correct = y >= 0 && got == y;
        dec.got = got >= 0 ? label_of(got) : "none";
        if (net.output == OutputKind::kValue) {
          margin = 0.5 - std::fabs(o[0] - double(y));
          if (options.tolerance > 0 && net.output == OutputKind::kValue)
            dec.correct = y >= 0 && std::fabs(o[0] - double(y)) <= options.tolerance;
        } else if (net.output == OutputKind::kArgmax && y >= 0) {
          double other = -HUGE_VAL;
          for (int64_t c = 0; c < int64_t(o.size()); ++c)
            if (c != y) other = std::max(other, o[c]);
          margin = o[y] - other;
        } else {
          margin = dec.correct ? 0.5 : -0.5;
        }
      }
      min_float = std::min(min_float, margin);
    }
    report.seconds_float = Seconds(start);
    if (options.mode == VerifyMode::kFloat64) report.min_margin = min_float;
  }

  // Expand to original rows: every row of a merged point shares its decision.
  const std::vector<Decision>& judge = options.mode == VerifyMode::kFloat64 ? float_dec : exact_dec;
  const int64_t rows = data.row_to_point.empty() ? n : int64_t(data.row_to_point.size());
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
