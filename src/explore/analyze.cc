// Analyze: group rows by their grid coordinates, fit scaling laws, summarize the constants of
// the theorems, check every bound of every row.
#include "mnemo/analyze.h"

#include <cmath>
#include <map>
#include <set>

#include "mnemo/error.h"
#include "mnemo/table.h"

namespace mnemo {
namespace {

using Json = nlohmann::ordered_json;

double Number(const Json& v) { return v.is_number() ? v.get<double>() : std::nan(""); }

Json JsonNumber(double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); }

// The query parameters of a synthetic: spec, and the spec without those in `strip`.
std::string StripQuery(const std::string& spec, const std::set<std::string>& strip,
                       std::map<std::string, std::string>* params) {
  const size_t q = spec.find('?');
  if (spec.rfind("synthetic:", 0) != 0 || q == std::string::npos) return spec;
  std::string kept;
  size_t pos = q + 1;
  while (pos <= spec.size()) {
    size_t amp = spec.find('&', pos);
    std::string kv = spec.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
    pos = amp == std::string::npos ? spec.size() + 1 : amp + 1;
    const size_t eq = kv.find('=');
    if (kv.empty() || eq == std::string::npos) continue;
    (*params)[kv.substr(0, eq)] = kv.substr(eq + 1);
    if (!strip.count(kv.substr(0, eq))) kept += (kept.empty() ? "" : "&") + kv;
  }
  return spec.substr(0, q) + (kept.empty() ? "" : "?" + kept);
}

// Rows grouped by their coordinates without `vary` (and the seed): key → row indices.
std::map<std::string, std::vector<size_t>> GroupBy(const std::vector<Json>& coords,
                                                   const std::vector<size_t>& rows,
                                                   const std::vector<std::string>& vary) {
  std::map<std::string, std::vector<size_t>> groups;
  for (size_t i : rows) {
    Json c = coords[i];
    for (const std::string& k : vary) c.erase(k);
    c.erase("seed");
    groups[c.dump()].push_back(i);
  }
  return groups;
}

std::vector<std::string> DefaultMeasures() {
  return {"w2l2", "params_nonzero", "params_dense", "total_weight_bits",
          "neurons", "width", "depth"};
}

void FitAxis(const std::vector<Row>& rows, const std::vector<Json>& coords,
             const std::vector<size_t>& built, const std::string& axis,
             const std::vector<std::string>& measures, Analysis* out) {
  const std::vector<std::string> vary =
      axis == "N" ? std::vector<std::string>{"n"}
      : axis == "L" ? std::vector<std::string>{"depth", "width"}
                    : std::vector<std::string>{"delta"};
  for (const auto& [key, members] : GroupBy(coords, built, vary)) {
    std::vector<double> x;
    for (size_t i : members) {
      const Report& r = rows[i].report;
      if (axis == "N") x.push_back(double(r.data.n));
      else if (axis == "L") x.push_back(double(r.network.depth));
      else x.push_back(std::log2(1 / Number(coords[i].value("delta", Json()))));
    }
    if (std::set<double>(x.begin(), x.end()).size() < 2) continue;
    Json fixed = Json::parse(key);
    for (const std::string& m : measures) {
      if (axis != "L" && (m == "width" || m == "depth") && fixed.contains(m)) continue;
      ScalingFit f;
      f.axis = axis;
      f.construction = rows[members[0]].report.construction;
      f.measure = m;
      f.fixed = fixed;
      f.x = x;
      f.members = members;
      for (size_t i : members) f.y.push_back(Measure(rows[i].report.network, m));
      f.fit = FitPowerLaw(f.x, f.y);
      if (f.fit.distinct_x >= 2) out->fits.push_back(std::move(f));
    }
  }
}

void Constants(const std::vector<Row>& rows, const std::vector<Json>& coords,
               const std::vector<size_t>& built, const std::vector<std::string>& by,
               Analysis* out) {
  std::map<std::string, ConstantSummary> groups;
  std::map<std::string, std::vector<double>> values;
  for (size_t i : built) {
    for (const Bound& b : rows[i].report.theory) {
      if (b.kind != Bound::Kind::kUpper) continue;
      Json split = Json::object();
      for (const std::string& k : by)
        if (coords[i].contains(k)) split[k] = coords[i][k];
      const std::string key = rows[i].report.construction + "\n" + b.formula + "\n" + split.dump();
      ConstantSummary& s = groups[key];
      s.construction = rows[i].report.construction;
      s.formula = b.formula;
      s.measure = b.measure;
      s.theorem_constant = b.constant;
      s.by = split;
      values[key].push_back(b.Ratio());
    }
  }
  for (auto& [key, s] : groups) {
    s.ratio = SpreadOf(values[key]);
    out->constants.push_back(std::move(s));
  }
}

void CheckBounds(const std::vector<Row>& rows, const std::vector<Json>& coords,
                 const std::vector<size_t>& built, Analysis* out) {
  std::map<std::string, BoundSummary> summary;
  std::vector<std::string> order;
  for (size_t i : built) {
    const Report& r = rows[i].report;
    for (const Bound& b : r.theory) {
      BoundCheck c{rows[i].where, r.construction,
                   DescribeCoordinates(coords[i], {"construction", "data"}), b, b.Holds()};
      const std::string key = r.construction + "\n" + b.formula;
      auto [it, fresh] = summary.try_emplace(key);
      BoundSummary& s = it->second;
      if (fresh) {
        order.push_back(key);
        s.construction = r.construction;
        s.kind = b.kind;
        s.formula = b.formula;
        s.tag = b.tag;
      }
      ++s.rows;
      if (!c.holds) ++s.unknown;
      else if (*c.holds) ++s.holds;
      else ++s.violated;
      const double ratio = b.Ratio();
      if (std::isfinite(ratio)) {
        s.min_ratio = std::isfinite(s.min_ratio) ? std::min(s.min_ratio, ratio) : ratio;
        s.max_ratio = std::isfinite(s.max_ratio) ? std::max(s.max_ratio, ratio) : ratio;
      }
      out->checks.push_back(std::move(c));
    }
  }
  for (const std::string& k : order) out->bounds.push_back(summary[k]);
}

Json FitJson(const ScalingFit& f) {
  return {{"axis", f.axis},
          {"construction", f.construction},
          {"measure", f.measure},
          {"fixed", f.fixed},
          {"points", f.fit.points},
          {"distinct_x", f.fit.distinct_x},
          {"exponent", JsonNumber(f.fit.exponent)},
          {"ci95", {JsonNumber(f.fit.exponent_low), JsonNumber(f.fit.exponent_high)}},
          {"std_error", JsonNumber(f.fit.std_error)},
          {"prefactor", JsonNumber(f.fit.prefactor)},
          {"r2", JsonNumber(f.fit.r2)},
          {"x", f.x},
          {"y", f.y}};
}

Json SpreadJson(const Spread& s) {
  return {{"count", s.count},
          {"min", JsonNumber(s.min)},
          {"median", JsonNumber(s.median)},
          {"max", JsonNumber(s.max)},
          {"mean", JsonNumber(s.mean)},
          {"mean_ci95", {JsonNumber(s.mean_low), JsonNumber(s.mean_high)}}};
}

Json CheckJson(const BoundCheck& c) {
  const Bound& b = c.bound;
  return {{"row", c.where},
          {"construction", c.construction},
          {"coordinates", c.label},
          {"kind", b.kind == Bound::Kind::kUpper ? "upper" : "lower"},
          {"formula", b.formula},
          {"tag", b.tag},
          {"measured", JsonNumber(b.measured)},
          {"scale", JsonNumber(b.scale)},
          {"constant", JsonNumber(b.constant)},
          {"limit", JsonNumber(b.constant * b.scale)},
          {"ratio", JsonNumber(b.Ratio())},
          {"holds", c.holds ? Json(*c.holds) : Json(nullptr)}};
}

}  // namespace

Json Coordinates(const Report& r) {
  Json c = Json::object();
  c["construction"] = r.construction;
  if (!r.provenance.grid.empty()) {
    for (auto it = r.provenance.grid.begin(); it != r.provenance.grid.end(); ++it)
      c[it.key()] = it.value();
    return c;
  }
  std::map<std::string, std::string> params;
  c["data"] = StripQuery(r.data.source, {"n", "d", "classes", "delta"}, &params);
  c["n"] = r.data.n;
  c["d"] = r.data.d;
  c["classes"] = r.data.classes;
  if (params.count("delta")) c["delta"] = std::strtod(params["delta"].c_str(), nullptr);
  for (auto it = r.options.begin(); it != r.options.end(); ++it)
    if (!it.value().is_null() && !(it.value().is_number() && it.value().get<double>() == 0))
      c[it.key()] = it.value();
  c["seed"] = r.seed;
  return c;
}

std::string DescribeCoordinates(const Json& coords, const std::vector<std::string>& skip) {
  std::string s;
  for (auto it = coords.begin(); it != coords.end(); ++it) {
    if (std::find(skip.begin(), skip.end(), it.key()) != skip.end()) continue;
    std::string v = it.value().is_string()   ? it.value().get<std::string>()
                    : it.value().is_number() ? FormatNumber(it.value().get<double>())
                                             : it.value().dump();
    s += (s.empty() ? "" : " ") + it.key() + "=" + v;
  }
  return s;
}

std::vector<Row> FilterRows(const std::vector<Row>& rows,
                            const std::vector<std::string>& constructions,
                            const std::vector<std::string>& where) {
  std::vector<std::pair<std::string, std::string>> conditions;
  for (const std::string& w : where) {
    const size_t eq = w.find('=');
    if (eq == std::string::npos || eq == 0)
      Fail("--where: expected KEY=VALUE (e.g. depth=40), got \"{}\"", w);
    conditions.emplace_back(w.substr(0, eq), w.substr(eq + 1));
  }
  std::vector<Row> out;
  for (const Row& r : rows) {
    if (!constructions.empty() && std::find(constructions.begin(), constructions.end(),
                                            r.report.construction) == constructions.end())
      continue;
    const Json c = Coordinates(r.report);
    bool match = true;
    for (const auto& [k, v] : conditions) {
      if (!c.contains(k)) {
        match = false;
        break;
      }
      char* end = nullptr;
      const double num = std::strtod(v.c_str(), &end);
      const bool numeric = !v.empty() && *end == '\0';
      match = c[k].is_number() && numeric ? c[k].get<double>() == num
              : c[k].is_string()         ? c[k].get<std::string>() == v
                                         : c[k].dump() == v;
      if (!match) break;
    }
    if (match) out.push_back(r);
  }
  return out;
}

std::vector<std::string> CommonCoordinates(const std::vector<Row>& rows) {
  std::map<std::string, std::set<std::string>> values;
  for (const Row& r : rows) {
    const Json c = Coordinates(r.report);
    for (auto it = c.begin(); it != c.end(); ++it) values[it.key()].insert(it.value().dump());
  }
  std::vector<std::string> common = {"construction"};
  for (const auto& [k, v] : values)
    if (v.size() == 1 && k != "construction") common.push_back(k);
  return common;
}

int64_t Analysis::Violated() const {
  int64_t v = 0;
  for (const BoundCheck& c : checks) v += c.holds.has_value() && !*c.holds;
  return v;
}

Analysis Analyze(const std::vector<Row>& rows, const AnalyzeOptions& options) {
  Analysis a;
  a.rows = int64_t(rows.size());
  std::vector<Json> coords;
  std::vector<size_t> built;
  for (size_t i = 0; i < rows.size(); ++i) {
    coords.push_back(Coordinates(rows[i].report));
    if (rows[i].report.ok() && rows[i].report.network.depth > 0) built.push_back(i);
  }
  a.built = int64_t(built.size());
  const std::vector<std::string> measures =
      options.measures.empty() ? DefaultMeasures() : options.measures;
  for (const std::string& m : measures) Measure(NetworkStats{}, m);  // unknown: mnemo::Error
  FitAxis(rows, coords, built, "N", measures, &a);
  FitAxis(rows, coords, built, "log2(1/delta)", measures, &a);
  FitAxis(rows, coords, built, "L", {"width", "w2l2", "params_nonzero"}, &a);
  Constants(rows, coords, built, options.constants_by, &a);
  CheckBounds(rows, coords, built, &a);
  return a;
}

Json Analysis::ToJson() const {
  Json j;
  j["rows"] = rows;
  j["built"] = built;
  j["fits"] = Json::array();
  for (const ScalingFit& f : fits) j["fits"].push_back(FitJson(f));
  j["constants"] = Json::array();
  for (const ConstantSummary& c : constants)
    j["constants"].push_back({{"construction", c.construction},
                              {"formula", c.formula},
                              {"measure", c.measure},
                              {"theorem_constant", JsonNumber(c.theorem_constant)},
                              {"by", c.by},
                              {"ratio", SpreadJson(c.ratio)}});
  j["bounds"] = Json::array();
  for (const BoundSummary& b : bounds)
    j["bounds"].push_back({{"construction", b.construction},
                           {"kind", b.kind == Bound::Kind::kUpper ? "upper" : "lower"},
                           {"formula", b.formula},
                           {"tag", b.tag},
                           {"rows", b.rows},
                           {"holds", b.holds},
                           {"violated", b.violated},
                           {"no_verdict", b.unknown},
                           {"min_ratio", JsonNumber(b.min_ratio)},
                           {"max_ratio", JsonNumber(b.max_ratio)}});
  j["violated"] = Violated();
  j["checks"] = Json::array();
  for (const BoundCheck& c : checks) j["checks"].push_back(CheckJson(c));
  return j;
}

}  // namespace mnemo
