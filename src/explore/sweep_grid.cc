// The sweep grid: filling DATA templates with axis values, expanding the product in a fixed
// order, the key and the reproducing command of each run, shards.
#include <cmath>
#include <cstdlib>
#include <set>

#include "mnemo/construction.h"
#include "mnemo/error.h"
#include "mnemo/sweep.h"
#include "src/explore/internal.h"

namespace mnemo {
namespace {

using Json = nlohmann::ordered_json;

const char* const kAxes[] = {"n", "d", "classes", "delta"};

bool IsSynthetic(const std::string& data) { return data.rfind("synthetic:", 0) == 0; }

// Sets key=value in the query of a synthetic: spec (replacing an existing value in place).
std::string SetQueryParam(const std::string& spec, const std::string& key,
                          const std::string& value) {
  const size_t q = spec.find('?');
  if (q == std::string::npos) return spec + "?" + key + "=" + value;
  std::string out = spec.substr(0, q + 1);
  bool set = false, first = true;
  size_t pos = q + 1;
  while (pos <= spec.size()) {
    size_t amp = spec.find('&', pos);
    std::string kv = spec.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
    pos = amp == std::string::npos ? spec.size() + 1 : amp + 1;
    if (kv.empty()) continue;
    if (kv.substr(0, kv.find('=')) == key) {
      kv = key + "=" + value;
      set = true;
    }
    out += (first ? "" : "&") + kv;
    first = false;
  }
  if (!set) out += (first ? "" : "&") + key + "=" + value;
  return out;
}

bool ReplacePlaceholder(std::string* s, const std::string& axis, const std::string& value) {
  const std::string ph = "{" + axis + "}";
  bool found = false;
  for (size_t p = s->find(ph); p != std::string::npos; p = s->find(ph, p + value.size())) {
    s->replace(p, ph.size(), value);
    found = true;
  }
  return found;
}

// The canonical text of an axis value in a DATA string (integers plainly, δ as written).
std::string AxisText(const std::string& axis, const std::string& value) {
  if (axis == "delta") return value;
  return std::to_string(internal::ParsePositiveInt(axis, value));
}

Json AxisJson(const std::string& axis, const std::string& value) {
  if (axis == "delta") return std::strtod(value.c_str(), nullptr);
  return internal::ParsePositiveInt(axis, value);
}

// One combination of axis values.
struct AxisPoint {
  std::vector<std::pair<std::string, std::string>> values;  // axis → value as written
};

std::vector<AxisPoint> AxisProduct(const SweepSpec& s) {
  std::vector<AxisPoint> points(1);
  const std::vector<std::string>* lists[] = {&s.n, &s.d, &s.classes, &s.delta};
  for (int a = 0; a < 4; ++a) {
    if (lists[a]->empty()) continue;
    std::vector<AxisPoint> next;
    for (const AxisPoint& p : points)
      for (const std::string& v : *lists[a]) {
        AxisPoint q = p;
        q.values.emplace_back(kAxes[a], v);
        next.push_back(std::move(q));
      }
    points = std::move(next);
  }
  return points;
}

// Fills `tmpl` with the axis values; n goes to --limit for non-synthetic data without {n}.
std::string FillData(const std::string& tmpl, const AxisPoint& p, uint64_t seed,
                     DataOptions* options) {
  std::string data = tmpl;
  for (const auto& [axis, value] : p.values) {
    const std::string text = AxisText(axis, value);
    if (ReplacePlaceholder(&data, axis, text)) continue;
    if (IsSynthetic(tmpl))
      data = SetQueryParam(data, axis, text);
    else if (axis == "n")
      options->limit = internal::ParsePositiveInt("n", value);
    else
      Fail("--{}: DATA \"{}\" is neither synthetic: nor has a {{{}}} placeholder to fill", axis,
           tmpl, axis);
  }
  ReplacePlaceholder(&data, "seed", std::to_string(seed));
  if (data.find('{') != std::string::npos && data.find('}') != std::string::npos)
    Fail("DATA \"{}\": a placeholder has no values (give --n, --d, --classes or --delta)", tmpl);
  return data;
}

// The knob and option combinations of one construction: only the keys it has.
std::vector<std::vector<std::pair<std::string, std::string>>> KnobProduct(const SweepSpec& s,
                                                                          const Construction& c) {
  std::vector<std::pair<std::string, std::vector<std::string>>> lists;
  auto add_ints = [&](const char* key, const std::vector<int64_t>& v) {
    if (v.empty() || !c.HasOption(key)) return;
    std::vector<std::string> t;
    for (int64_t x : v) t.push_back(std::to_string(x));
    lists.emplace_back(key, t);
  };
  add_ints("depth", s.depth);
  add_ints("width", s.width);
  for (const auto& [key, values] : s.options)
    if (c.HasOption(key)) lists.emplace_back(key, values);
  std::vector<std::vector<std::pair<std::string, std::string>>> out(1);
  for (const auto& [key, values] : lists) {
    std::vector<std::vector<std::pair<std::string, std::string>>> next;
    for (const auto& combo : out)
      for (const std::string& v : values) {
        auto c2 = combo;
        c2.emplace_back(key, v);
        next.push_back(std::move(c2));
      }
    out = std::move(next);
  }
  return out;
}

void CheckSpec(const SweepSpec& s) {
  if (s.constructions.empty()) Fail("sweep: no construction (-c NAME[,NAME...])");
  if (s.data.empty()) Fail("sweep: no data (--data DATA)");
  std::vector<std::string> all_keys;
  for (const std::string& name : s.constructions) {
    const Construction& c = FindConstruction(name);
    for (const OptionSpec& o : c.options) all_keys.push_back(o.name);
  }
  auto known = [&](const std::string& key) {
    return std::find(all_keys.begin(), all_keys.end(), key) != all_keys.end();
  };
  if (!s.depth.empty() && !known("depth"))
    Fail("--depth: none of the constructions has a depth knob (bitextract has)");
  if (!s.width.empty() && !known("width"))
    Fail("--width: none of the constructions has a width knob (bitextract has)");
  for (const auto& [key, values] : s.options) {
    if (key == "depth" || key == "width" || key == "seed")
      Fail("--opt {}: use --{} (a list) for the grid", key, key == "seed" ? "seeds" : key);
    if (!known(key)) {
      std::string near = NearestName(key, all_keys);
      Fail("--opt {}: not an option of {}{}", key, fmt::join(s.constructions, ", "),
           near.empty() ? "" : fmt::format(" (did you mean {}?)", near));
    }
  }
  for (size_t i = 0; i < 4; ++i) {
    const std::vector<std::string>& list = i == 0 ? s.n : i == 1 ? s.d : i == 2 ? s.classes : s.delta;
    for (const std::string& v : list) internal::CheckAxisValue(kAxes[i], v);
  }
}

SweepRun MakeRun(const SweepSpec& s, const std::string& name, const std::string& tmpl,
                 const AxisPoint& p, const std::vector<std::pair<std::string, std::string>>& knobs,
                 uint64_t seed) {
  SweepRun r;
  r.construction = name;
  r.data_options = s.data_options;
  r.data = FillData(tmpl, p, seed, &r.data_options);
  r.run.seed = seed;
  r.run.verify = s.verify;
  r.run.exact_delta = s.exact_delta;
  r.run.attempts = s.attempts;
  r.grid["data"] = tmpl;
  for (const auto& [axis, value] : p.values) r.grid[axis] = AxisJson(axis, value);
  for (const auto& [key, value] : knobs) {
    r.params[key] = value;
    const bool integer = value.find_first_not_of("0123456789") == std::string::npos;
    r.grid[key] = integer ? Json(std::stoll(value)) : Json(value);
  }
  r.grid["seed"] = seed;
  return r;
}

std::string FnvHex(const std::string& s) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return fmt::format("{:016x}", h);
}

}  // namespace

namespace internal {

int64_t ParsePositiveInt(const std::string& key, const std::string& text) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !(v >= 1) || v > 9e15 || v != std::floor(v))
    Fail("{}: expected an integer ≥ 1, got \"{}\"", key, text);
  return int64_t(v);
}

void CheckAxisValue(const std::string& axis, const std::string& text) {
  if (axis != "delta") {
    ParsePositiveInt(axis, text);
    return;
  }
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !(v > 0 && v < 1))
    Fail("delta: expected a real in (0, 1), got \"{}\"", text);
}

std::string ShellQuote(const std::string& s) {
  const bool plain = !s.empty() && s.find_first_not_of(
                                       "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                       "0123456789_./:=,+@%-") == std::string::npos;
  if (plain) return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace internal

Json SweepRun::Parameters() const {
  Json j;
  j["construction"] = construction;
  j["data"] = data;
  j["data_options"] = {{"labels", data_options.labels_path},
                       {"label_column", data_options.label_column},
                       {"skip_rows", data_options.skip_rows},
                       {"limit", data_options.limit}};
  j["options"] = Json::object();
  for (const auto& [k, v] : params) j["options"][k] = v;  // std::map: sorted keys
  j["seed"] = run.seed;
  j["verify"] = run.verify;
  j["exact_delta"] = run.exact_delta;
  j["attempts"] = run.attempts;
  return j;
}

Json SweepRun::ToJson() const {
  Json j = Parameters();
  j["index"] = index;
  j["grid"] = grid;
  return j;
}

SweepRun SweepRun::FromJson(const Json& j) {
  try {
    SweepRun r;
    r.construction = j.at("construction").get<std::string>();
    r.data = j.at("data").get<std::string>();
    const Json& o = j.at("data_options");
    r.data_options.labels_path = o.at("labels").get<std::string>();
    r.data_options.label_column = o.at("label_column").get<std::string>();
    r.data_options.skip_rows = o.at("skip_rows").get<int64_t>();
    r.data_options.limit = o.at("limit").get<int64_t>();
    for (auto it = j.at("options").begin(); it != j.at("options").end(); ++it)
      r.params[it.key()] = it.value().get<std::string>();
    r.run.seed = j.at("seed").get<uint64_t>();
    r.run.verify = j.at("verify").get<bool>();
    r.run.exact_delta = j.at("exact_delta").get<bool>();
    r.run.attempts = j.at("attempts").get<int>();
    r.index = j.value("index", int64_t(0));
    r.grid = j.value("grid", Json::object());
    return r;
  } catch (const nlohmann::json::exception& e) {
    Fail("sweep run: not a run description: {}", e.what());
  }
}

std::string SweepRun::Key() const { return FnvHex(Parameters().dump()); }

std::string SweepRun::Command() const {
  using internal::ShellQuote;
  std::string s = "mnemo build " + ShellQuote(data) + " -c " + ShellQuote(construction);
  for (const auto& [k, v] : params) s += " --" + k + " " + ShellQuote(v);
  s += " --seed " + std::to_string(run.seed);
  const DataOptions none;
  if (data_options.limit) s += " --limit " + std::to_string(data_options.limit);
  if (!data_options.labels_path.empty()) s += " --labels " + ShellQuote(data_options.labels_path);
  if (data_options.label_column != none.label_column)
    s += " --label-column " + ShellQuote(data_options.label_column);
  if (data_options.skip_rows) s += " --skip-rows " + std::to_string(data_options.skip_rows);
  if (run.attempts) s += " --attempts " + std::to_string(run.attempts);
  if (!run.verify) s += " --no-verify";
  if (run.exact_delta) s += " --exact-delta";
  return s + " -o net.json --json";
}

std::string SweepRun::Label() const {
  std::string s = construction;
  for (auto it = grid.begin(); it != grid.end(); ++it) {
    if (it.key() == "data") continue;
    s += " " + it.key() + "=" +
         (it.value().is_string() ? it.value().get<std::string>() : it.value().dump());
  }
  return s;
}

std::vector<SweepRun> ExpandSweep(const SweepSpec& s) {
  CheckSpec(s);
  const std::vector<uint64_t> seeds = s.seeds.empty() ? std::vector<uint64_t>{1} : s.seeds;
  const std::vector<AxisPoint> axes = AxisProduct(s);
  std::vector<SweepRun> runs;
  std::set<std::string> keys;
  for (const std::string& name : s.constructions) {
    const Construction& c = FindConstruction(name);
    const auto knobs = KnobProduct(s, c);
    for (const auto& combo : knobs) {
      ParamMap params(combo.begin(), combo.end());
      try {
        c.parse(params);
      } catch (const Error& e) {
        Fail("sweep: {}", e.what());
      }
    }
    for (const std::string& tmpl : s.data)
      for (const AxisPoint& p : axes)
        for (const auto& combo : knobs)
          for (uint64_t seed : seeds) {
            SweepRun r = MakeRun(s, name, tmpl, p, combo, seed);
            if (!keys.insert(r.Key()).second) continue;  // the same run twice in the grid
            r.index = int64_t(runs.size());
            runs.push_back(std::move(r));
          }
  }
  return runs;
}

std::vector<SweepRun> ShardRuns(const std::vector<SweepRun>& runs, int i, int n) {
  std::vector<SweepRun> out;
  for (const SweepRun& r : runs)
    if (r.index % n == i) out.push_back(r);
  return out;
}

}  // namespace mnemo
