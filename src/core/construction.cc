#include "mnemo/construction.h"

#include <chrono>
#include <cmath>
#include <cstdlib>

#include "mnemo/error.h"

namespace mnemo {

int64_t Params::Int(const std::string& key, int64_t fallback) const {
  auto it = map_.find(key);
  if (it == map_.end()) return fallback;
  const std::string& s = it->second;
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0' || errno == ERANGE)
    Fail("--{}: expected an integer, got \"{}\"", key, s);
  return v;
}

double Params::Real(const std::string& key, double fallback) const {
  auto it = map_.find(key);
  if (it == map_.end()) return fallback;
  const std::string& s = it->second;
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (s.empty() || *end != '\0' || !std::isfinite(v))
    Fail("--{}: expected a number, got \"{}\"", key, s);
  return v;
}

std::string Params::String(const std::string& key, const std::string& fallback) const {
  auto it = map_.find(key);
  return it == map_.end() ? fallback : it->second;
}

bool Params::Bool(const std::string& key, bool fallback) const {
  auto it = map_.find(key);
  if (it == map_.end()) return fallback;
  const std::string& s = it->second;
  if (s == "true" || s == "1" || s == "yes" || s == "on" || s.empty()) return true;
  if (s == "false" || s == "0" || s == "no" || s == "off") return false;
  Fail("--{}: expected true or false, got \"{}\"", key, s);
}

std::vector<std::string> Params::StringList(const std::string& key) const {
  std::vector<std::string> out;
  auto it = map_.find(key);
  if (it == map_.end()) return out;
  const std::string& s = it->second;
  size_t start = 0;
  while (true) {
    size_t comma = s.find(',', start);
    std::string part = s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (part.empty()) Fail("--{}: empty item in list \"{}\"", key, s);
    out.push_back(part);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::vector<int64_t> Params::IntList(const std::string& key) const {
  std::vector<int64_t> out;
  for (const std::string& part : StringList(key)) {
    char* end = nullptr;
    long long v = std::strtoll(part.c_str(), &end, 10);
    if (*end != '\0') Fail("--{}: expected integers separated by commas, got \"{}\"", key, part);
    out.push_back(v);
  }
  return out;
}

std::string ToString(Status status) {
  switch (status) {
    case Status::kSuccess: return "success";
    case Status::kInfeasible: return "infeasible";
    case Status::kBudgetExceeded: return "budget exceeded";
    case Status::kFailed: return "failed";
  }
  return "?";
}

std::string Report::Brief() const {
  std::string s = fmt::format("{}: {}", construction, ToString(status));
  if (!ok()) s += ": " + reason;
  s += fmt::format(" ({:.2f} s)", build_seconds);
  return s;
}

std::string Report::Full() const {
  std::string s = Brief() + "\n";
  for (auto it = fields.begin(); it != fields.end(); ++it)
    s += fmt::format("  {}: {}\n", it.key(),
                     it.value().is_string() ? it.value().get<std::string>() : it.value().dump());
  return s;
}

nlohmann::ordered_json Report::ToJson() const {
  nlohmann::ordered_json j;
  j["status"] = ToString(status);
  if (!reason.empty()) j["reason"] = reason;
  for (auto it = fields.begin(); it != fields.end(); ++it) j[it.key()] = it.value();
  return j;
}

const Construction& FindConstruction(const std::string& name) {
  for (const Construction& c : Registry())
    if (c.name == name) return c;
  std::string known;
  for (const Construction& c : Registry()) known += (known.empty() ? "" : ", ") + c.name;
  Fail("unknown construction \"{}\" (known: {})", name, known);
}

std::optional<Network> BuildNetwork(const std::string& name, const Dataset& data,
                                    const ParamMap& params, uint64_t seed, Report* report,
                                    bool progress, bool exact_delta) {
  const Construction& c = FindConstruction(name);
  for (const auto& [key, value] : params) {
    bool known = false;
    for (const OptionSpec& o : c.options) known = known || o.name == key;
    if (!known) {
      std::string list;
      for (const OptionSpec& o : c.options) list += (list.empty() ? "--" : ", --") + o.name;
      Fail("--{}: not an option of construction {} (its options: {})", key, name,
           list.empty() ? "none" : list);
    }
  }
  if (c.needs_classes && !data.classification) {
    for (int64_t p = 0; p < data.n(); ++p) {
      double y = data.target[p];
      if (y != std::floor(y))
        Fail("{}: row {}: label {} is not an integer class; construction {} memorizes classes only",
             data.source, data.point_to_row[p], data.LabelString(p), name);
    }
  }
  report->construction = name;
  InputMap map = ComputeNormalization(data);
  RowMatrix normalized = Normalized(data, map);
  Params typed(params);
  std::optional<ExactSeparation> separation;
  if (exact_delta) {
    auto t0 = std::chrono::steady_clock::now();
    separation = ComputeExactSeparation(data, map);
    report->Set("delta", separation->delta);
    report->timings["exact_delta"] =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  BuildContext ctx{data, map, normalized, typed, seed, progress,
                   separation ? &*separation : nullptr};
  auto start = std::chrono::steady_clock::now();
  std::optional<Network> net = c.build(ctx, report);
  report->build_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!net) {
    MNEMO_CHECK(!report->ok(), "construction {} returned no network but reported success", name);
    return std::nullopt;
  }
  MNEMO_CHECK(report->ok(), "construction {} returned a network with status {}", name,
              ToString(report->status));
  net->input = map;
  net->classification = data.classification;
  net->class_values = data.class_values;
  net->construction = name;
  net->options = nlohmann::ordered_json::object();
  for (const auto& [key, value] : params) net->options[key] = value;
  net->seed = seed;
  net->dataset = data.Fingerprint();
  net->report = report->ToJson();
  net->CheckValid();
  return net;
}

}  // namespace mnemo
