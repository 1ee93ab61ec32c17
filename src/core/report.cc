#include "mnemo/report.h"

#include <cmath>

#include "mnemo/error.h"
#include "mnemo/table.h"

namespace mnemo {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

const std::vector<std::pair<Status, std::string>>& StatusNames() {
  static const std::vector<std::pair<Status, std::string>> names = {
      {Status::kNotRun, "not run"},
      {Status::kSuccess, "success"},
      {Status::kInfeasible, "infeasible"},
      {Status::kDoesNotApply, "does not apply"},
      {Status::kBudgetExceeded, "budget exceeded"},
      {Status::kFailed, "failed"}};
  return names;
}

nlohmann::ordered_json Number(double v) {
  return std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json(nullptr);
}

double NumberOr(const nlohmann::ordered_json& j, const char* key, double fallback) {
  if (!j.contains(key) || j[key].is_null()) return fallback;
  if (!j[key].is_number()) Fail("{}: expected a number", key);
  return j[key].get<double>();
}

nlohmann::ordered_json BoundJson(const Bound& b) {
  nlohmann::ordered_json j;
  j["kind"] = b.kind == Bound::Kind::kUpper ? "upper" : "lower";
  j["measure"] = b.measure;
  j["formula"] = b.formula;
  j["tag"] = b.tag;
  j["scale"] = Number(b.scale);
  j["constant"] = Number(b.constant);
  j["measured"] = Number(b.measured);
  j["ratio"] = Number(b.Ratio());
  std::optional<bool> holds = b.Holds();
  j["holds"] = holds ? nlohmann::ordered_json(*holds) : nlohmann::ordered_json(nullptr);
  return j;
}

Bound BoundFromJson(const nlohmann::ordered_json& j) {
  Bound b;
  b.kind = j.value("kind", "upper") == "lower" ? Bound::Kind::kLower : Bound::Kind::kUpper;
  b.measure = j.value("measure", "");
  b.formula = j.value("formula", "");
  b.tag = j.value("tag", "");
  b.scale = NumberOr(j, "scale", kNaN);
  b.constant = NumberOr(j, "constant", kNaN);
  b.measured = NumberOr(j, "measured", kNaN);
  return b;
}

nlohmann::ordered_json DataJson(const DataSummary& d) {
  return {{"source", d.source},
          {"n", d.n},
          {"rows", d.rows},
          {"d", d.d},
          {"classes", d.classes},
          {"delta", Number(d.delta)},
          {"delta_exact", d.delta_exact}};
}

DataSummary DataFromJson(const nlohmann::ordered_json& j) {
  DataSummary d;
  d.source = j.value("source", "");
  d.n = j.value("n", int64_t(0));
  d.rows = j.value("rows", int64_t(0));
  d.d = j.value("d", int64_t(0));
  d.classes = j.value("classes", int64_t(0));
  d.delta = NumberOr(j, "delta", 0);
  d.delta_exact = j.value("delta_exact", false);
  return d;
}

NetworkStats StatsFromJson(const nlohmann::ordered_json& j) {
  NetworkStats s;
  s.depth = j.value("depth", int64_t(0));
  s.width = j.value("width", int64_t(0));
  s.neurons = j.value("neurons", int64_t(0));
  s.params_nonzero = j.value("params_nonzero", int64_t(0));
  s.params_dense = j.value("params_dense", int64_t(0));
  s.max_weight_bits = j.value("max_weight_bits", int64_t(0));
  s.total_weight_bits = j.value("total_weight_bits", int64_t(0));
  s.relays = j.value("relays", int64_t(0));
  return s;
}

std::string BoundLine(const Bound& b) {
  std::string verdict = "constant unknown";
  if (std::optional<bool> h = b.Holds()) verdict = *h ? "holds" : "VIOLATED";
  return fmt::format("{} [{}]: measured {}, ratio {} ({})", b.formula, b.tag,
                     FormatNumber(b.measured), FormatNumber(b.Ratio()), verdict);
}

}  // namespace

std::string ToString(Status status) {
  for (const auto& [s, name] : StatusNames())
    if (s == status) return name;
  return "?";
}

Status ParseStatus(const std::string& name) {
  for (const auto& [s, n] : StatusNames())
    if (n == name) return s;
  Fail("unknown status \"{}\"", name);
}

std::optional<bool> Bound::Holds() const {
  if (!std::isfinite(constant) || !std::isfinite(scale) || !std::isfinite(measured))
    return std::nullopt;
  const double limit = constant * scale;
  return kind == Kind::kUpper ? measured <= limit : measured >= limit;
}

double Measure(const NetworkStats& s, const std::string& name) {
  if (name == "depth") return double(s.depth);
  if (name == "width") return double(s.width);
  if (name == "neurons") return double(s.neurons);
  if (name == "params_nonzero") return double(s.params_nonzero);
  if (name == "params_dense") return double(s.params_dense);
  if (name == "max_weight_bits") return double(s.max_weight_bits);
  if (name == "total_weight_bits") return double(s.total_weight_bits);
  if (name == "w2l2") return double(s.width) * double(s.width) * double(s.depth) * double(s.depth);
  Fail("unknown network measure \"{}\"", name);
}

void Timings::Add(const std::string& phase, double seconds) {
  for (auto& [p, s] : phases)
    if (p == phase) {
      s += seconds;
      return;
    }
  phases.emplace_back(phase, seconds);
}

double Timings::Get(const std::string& phase) const {
  for (const auto& [p, s] : phases)
    if (p == phase) return s;
  return 0;
}

std::string Report::Brief() const {
  std::string s = fmt::format("{}: {}", construction, ToString(status));
  if (!ok()) return s + (reason.empty() ? "" : ": " + reason);
  s += fmt::format(", W = {}, L = {}, {} nonzero parameters", network.width, network.depth,
                   network.params_nonzero);
  if (verification.run)
    s += fmt::format(", verified {}/{} rows exactly",
                     verification.checked - verification.mismatches, verification.checked);
  return s;
}

std::string Report::Full() const {
  std::string s = WrapText(Brief(), 2) + "\n";
  auto line = [&](const std::string& key, const std::string& value) {
    s += WrapText(fmt::format("  {:<13} {}", key, value), 16) + "\n";
  };
  line("data",
       fmt::format("{}: N = {} ({} rows), d = {}, {}, δ {} {}", data.source, data.n, data.rows,
                   data.d, data.classes ? fmt::format("C = {}", data.classes) : "real targets",
                   data.delta_exact ? "=" : "≥", FormatNumber(data.delta)));
  if (width_asked || depth_asked)
    line("asked", fmt::format("{}{}", width_asked ? fmt::format("width {} ", width_asked) : "",
                              depth_asked ? fmt::format("depth {}", depth_asked) : ""));
  if (!failed_attempts.empty())
    for (const Attempt& a : failed_attempts)
      line(fmt::format("attempt {}", a.number),
           a.failure + (a.remedy.empty() ? "" : "; " + a.remedy));
  for (const Bound& b : theory)
    line(b.kind == Bound::Kind::kUpper ? "upper bound" : "lower bound", BoundLine(b));
  for (auto it = extras.begin(); it != extras.end(); ++it)
    line(it.key(), it.value().is_string() ? it.value().get<std::string>() : it.value().dump());
  std::string times;
  for (const auto& [phase, sec] : timings.phases)
    times += fmt::format("{}{} {} s", times.empty() ? "" : ", ", phase, FormatNumber(sec, 3));
  if (!times.empty()) line("timings", times);
  return s;
}

nlohmann::ordered_json Report::ToJson() const {
  nlohmann::ordered_json j;
  j["construction"] = construction;
  j["status"] = ToString(status);
  j["reason"] = reason;
  j["seed"] = seed;
  j["options"] = options;
  j["asked"] = {{"width", width_asked ? nlohmann::ordered_json(width_asked) : nullptr},
                {"depth", depth_asked ? nlohmann::ordered_json(depth_asked) : nullptr}};
  j["network"] = mnemo::ToJson(network);
  j["dataset"] = DataJson(data);
  j["theory"] = nlohmann::ordered_json::array();
  for (const Bound& b : theory) j["theory"].push_back(BoundJson(b));
  j["verification"] = {{"run", verification.run},
                       {"all_correct", verification.all_correct},
                       {"checked", verification.checked},
                       {"mismatches", verification.mismatches},
                       {"min_margin", verification.min_margin}};
  j["failed_attempts"] = nlohmann::ordered_json::array();
  for (const Attempt& a : failed_attempts)
    j["failed_attempts"].push_back(
        {{"attempt", a.number}, {"seed", a.seed}, {"failure", a.failure}, {"remedy", a.remedy}});
  nlohmann::ordered_json t = nlohmann::ordered_json::object();
  for (const auto& [phase, sec] : timings.phases) t[phase] = sec;
  j["timings_s"] = t;
  j["extras"] = extras;
  return j;
}

Report Report::FromJson(const nlohmann::ordered_json& j, const std::string& where) {
  try {
    Report r;
    r.construction = j.at("construction").get<std::string>();
    r.status = ParseStatus(j.at("status").get<std::string>());
    r.reason = j.value("reason", "");
    r.seed = j.value("seed", uint64_t(0));
    r.options = j.value("options", nlohmann::ordered_json::object());
    const auto& asked = j.at("asked");
    r.width_asked = asked.value("width", nlohmann::ordered_json()).is_null()
                        ? 0
                        : asked["width"].get<int64_t>();
    r.depth_asked = asked.value("depth", nlohmann::ordered_json()).is_null()
                        ? 0
                        : asked["depth"].get<int64_t>();
    r.network = StatsFromJson(j.at("network"));
    r.data = DataFromJson(j.at("dataset"));
    for (const auto& b : j.value("theory", nlohmann::ordered_json::array()))
      r.theory.push_back(BoundFromJson(b));
    const auto& v = j.at("verification");
    r.verification = {v.value("run", false), v.value("all_correct", false),
                      v.value("checked", int64_t(0)), v.value("mismatches", int64_t(0)),
                      v.value("min_margin", "")};
    for (const auto& a : j.value("failed_attempts", nlohmann::ordered_json::array()))
      r.failed_attempts.push_back({a.value("attempt", 0), a.value("seed", uint64_t(0)),
                                   a.value("failure", ""), a.value("remedy", "")});
    for (auto it = j.at("timings_s").begin(); it != j.at("timings_s").end(); ++it)
      r.timings.Add(it.key(), it.value().get<double>());
    r.extras = j.value("extras", nlohmann::ordered_json::object());
    return r;
  } catch (const nlohmann::json::exception& e) {
    mnemo::Fail("{}: not a mnemo report row: {}", where, e.what());
  }
}

}  // namespace mnemo
