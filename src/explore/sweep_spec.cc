// Sweep spec files (TOML via toml++, JSON via nlohmann): both become one JSON tree, read by one
// reader that names the place of every bad value (file:line:col for TOML, the JSON path for
// JSON).
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include <toml++/toml.h>

#include "mnemo/error.h"
#include "mnemo/sweep.h"
#include "src/explore/internal.h"

namespace mnemo {
namespace {

using Json = nlohmann::ordered_json;

struct SpecTree {
  Json root;
  std::string path;
  std::map<std::string, std::string> where;  ///< JSON pointer → "file:line:col" (TOML)
  std::map<std::string, std::string> key_where;  ///< JSON pointer → where its key is (TOML)

  std::string Where(const std::string& pointer) const {
    auto it = where.find(pointer);
    if (it != where.end()) return it->second;
    return fmt::format("{}: {}", path, pointer.empty() ? "/" : pointer);
  }
};

std::string Escape(std::string key) {
  std::string out;
  for (char c : key) out += c == '~' ? "~0" : c == '/' ? "~1" : std::string(1, c);
  return out;
}

void FromToml(const toml::node& node, const std::string& pointer, Json* out, SpecTree* tree) {
  const toml::source_region& src = node.source();
  tree->where[pointer] = fmt::format("{}:{}:{}", tree->path, src.begin.line, src.begin.column);
  if (const toml::table* t = node.as_table()) {
    *out = Json::object();
    for (auto&& [k, v] : *t) {
      std::string key(k.str());
      const toml::source_region& ks = k.source();
      tree->key_where[pointer + "/" + Escape(key)] =
          fmt::format("{}:{}:{}", tree->path, ks.begin.line, ks.begin.column);
      FromToml(v, pointer + "/" + Escape(key), &(*out)[key], tree);
    }
  } else if (const toml::array* a = node.as_array()) {
    *out = Json::array();
    for (size_t i = 0; i < a->size(); ++i) {
      out->push_back(nullptr);
      FromToml(*a->get(i), fmt::format("{}/{}", pointer, i), &out->back(), tree);
    }
  } else if (auto v = node.value_exact<int64_t>()) {
    *out = *v;
  } else if (auto v = node.value_exact<double>()) {
    *out = *v;
  } else if (auto v = node.value_exact<bool>()) {
    *out = *v;
  } else if (auto v = node.value_exact<std::string>()) {
    *out = *v;
  } else {
    Fail("{}: dates and times mean nothing in a sweep spec", tree->where[pointer]);
  }
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) Fail("{}: cannot read the sweep spec", path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

SpecTree ParseTree(const std::string& path) {
  SpecTree tree;
  tree.path = path;
  const std::string text = ReadText(path);
  const bool is_toml = path.size() > 5 && path.substr(path.size() - 5) == ".toml";
  const bool is_json = path.size() > 5 && path.substr(path.size() - 5) == ".json";
  if (!is_toml && !is_json) Fail("{}: a sweep spec is a .toml or .json file", path);
  if (is_toml) {
    try {
      toml::table t = toml::parse(text, path);
      FromToml(t, "", &tree.root, &tree);
    } catch (const toml::parse_error& e) {
      Fail("{}:{}:{}: {}", path, e.source().begin.line, e.source().begin.column, e.description());
    }
  } else {
    try {
      tree.root = Json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
      const size_t upto = std::min<size_t>(e.byte == 0 ? 0 : e.byte - 1, text.size());
      const int64_t line = 1 + std::count(text.begin(), text.begin() + upto, '\n');
      const size_t bol = text.rfind('\n', upto == 0 ? 0 : upto - 1);
      const int64_t col = int64_t(upto - (bol == std::string::npos ? 0 : bol + 1)) + 1;
      Fail("{}:{}:{}: not JSON: {}", path, line, col, e.what());
    }
  }
  if (!tree.root.is_object()) Fail("{}: a sweep spec is a table of keys", path);
  return tree;
}

// A scalar as the text a user would have typed.
std::string ScalarText(const Json& v, const SpecTree& tree, const std::string& pointer) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  if (v.is_number_float()) return fmt::format("{}", v.get<double>());
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  Fail("{}: expected a value or a list of values", tree.Where(pointer));
}

std::vector<std::string> List(const SpecTree& tree, const std::string& key) {
  const std::string pointer = "/" + Escape(key);
  const Json& v = tree.root[key];
  std::vector<std::string> out;
  if (!v.is_array()) return {ScalarText(v, tree, pointer)};
  for (size_t i = 0; i < v.size(); ++i)
    out.push_back(ScalarText(v[i], tree, fmt::format("{}/{}", pointer, i)));
  return out;
}

// Runs `check` on every item of a list key, naming the item's place on failure.
template <typename Check>
void CheckItems(const SpecTree& tree, const std::string& key, Check check) {
  const std::vector<std::string> items = List(tree, key);
  const bool is_list = tree.root[key].is_array();
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string pointer = "/" + Escape(key) + (is_list ? fmt::format("/{}", i) : "");
    try {
      check(items[i]);
    } catch (const Error& e) {
      Fail("{}: {}", tree.Where(pointer), e.what());
    }
  }
}

bool Bool(const SpecTree& tree, const std::string& key) {
  const Json& v = tree.root[key];
  if (!v.is_boolean()) Fail("{}: {}: expected true or false", tree.Where("/" + Escape(key)), key);
  return v.get<bool>();
}

const std::vector<std::string>& SpecKeys() {
  static const std::vector<std::string> keys = {
      "constructions", "data",         "n",       "d",           "classes", "delta",
      "depth",         "width",        "seeds",   "options",     "labels",  "label-column",
      "skip-rows",     "limit",        "verify",  "exact-delta", "attempts", "timeout",
      "max-memory"};
  return keys;
}

void ReadOptions(const SpecTree& tree, SweepSpec* spec) {
  const Json& o = tree.root["options"];
  if (!o.is_object())
    Fail("{}: options: expected a table of option = [values]", tree.Where("/options"));
  for (auto it = o.begin(); it != o.end(); ++it) {
    const std::string pointer = "/options/" + Escape(it.key());
    std::vector<std::string> values;
    if (it.value().is_array()) {
      for (size_t i = 0; i < it.value().size(); ++i)
        values.push_back(ScalarText(it.value()[i], tree, fmt::format("{}/{}", pointer, i)));
    } else {
      values.push_back(ScalarText(it.value(), tree, pointer));
    }
    if (values.empty()) Fail("{}: {}: empty list", tree.Where(pointer), it.key());
    spec->options.emplace_back(it.key(), values);
  }
}

void ReadKey(const SpecTree& tree, const std::string& key, SweepSpec* spec) {
  auto ints = [&](const std::string& k) {
    std::vector<int64_t> out;
    CheckItems(tree, k, [&](const std::string& v) {
      out.push_back(internal::ParsePositiveInt(k, v));
    });
    return out;
  };
  if (key == "constructions") spec->constructions = List(tree, key);
  else if (key == "data") spec->data = List(tree, key);
  else if (key == "n" || key == "d" || key == "classes" || key == "delta") {
    CheckItems(tree, key, [&](const std::string& v) { internal::CheckAxisValue(key, v); });
    std::vector<std::string>& axis = key == "n"         ? spec->n
                                     : key == "d"       ? spec->d
                                     : key == "classes" ? spec->classes
                                                        : spec->delta;
    axis = List(tree, key);
  } else if (key == "depth") spec->depth = ints(key);
  else if (key == "width") spec->width = ints(key);
  else if (key == "seeds") {
    CheckItems(tree, key, [&](const std::string& v) {
      spec->seeds.push_back(uint64_t(internal::ParseIntFlag(key, v)));
    });
  } else if (key == "options") ReadOptions(tree, spec);
  else if (key == "labels") spec->data_options.labels_path = List(tree, key).at(0);
  else if (key == "label-column") spec->data_options.label_column = List(tree, key).at(0);
  else if (key == "skip-rows") spec->data_options.skip_rows = ints(key).at(0);
  else if (key == "limit") spec->data_options.limit = ints(key).at(0);
  else if (key == "verify") spec->verify = Bool(tree, key);
  else if (key == "exact-delta") spec->exact_delta = Bool(tree, key);
  else if (key == "attempts") spec->attempts = int(ints(key).at(0));
  else if (key == "timeout") {
    CheckItems(tree, key, [&](const std::string& v) {
      spec->timeout_s = internal::ParseRealFlag(key, v);
      if (!(spec->timeout_s > 0)) Fail("timeout: expected seconds > 0, got {}", v);
    });
  } else if (key == "max-memory") {
    CheckItems(tree, key,
               [&](const std::string& v) { spec->max_memory_bytes = ParseMemorySize(key, v); });
  }
}

}  // namespace

SweepSpec ReadSweepSpec(const std::string& path) {
  const SpecTree tree = ParseTree(path);
  SweepSpec spec;
  for (auto it = tree.root.begin(); it != tree.root.end(); ++it) {
    const std::vector<std::string>& keys = SpecKeys();
    if (std::find(keys.begin(), keys.end(), it.key()) == keys.end()) {
      std::string near = NearestName(it.key(), keys);
      const std::string pointer = "/" + Escape(it.key());
      Fail("{}: unknown key \"{}\"{}",
           tree.key_where.count(pointer) ? tree.key_where.at(pointer) : tree.Where(pointer),
           it.key(),
           near.empty() ? "" : fmt::format(" (did you mean \"{}\"?)", near));
    }
    ReadKey(tree, it.key(), &spec);
  }
  return spec;
}

SweepSpec OverlaySpec(SweepSpec base, const SweepSpec& f) {
  auto take = [](auto& to, const auto& from) {
    if (!from.empty()) to = from;
  };
  take(base.constructions, f.constructions);
  take(base.data, f.data);
  take(base.n, f.n);
  take(base.d, f.d);
  take(base.classes, f.classes);
  take(base.delta, f.delta);
  take(base.depth, f.depth);
  take(base.width, f.width);
  take(base.seeds, f.seeds);
  for (const auto& [key, values] : f.options) {
    const std::string& name = key;  // clang 14 cannot capture a structured binding
    auto it = std::find_if(base.options.begin(), base.options.end(),
                           [&](const auto& o) { return o.first == name; });
    if (it == base.options.end())
      base.options.emplace_back(key, values);
    else
      it->second = values;
  }
  const DataOptions none;
  if (f.data_options.labels_path != none.labels_path)
    base.data_options.labels_path = f.data_options.labels_path;
  if (f.data_options.label_column != none.label_column)
    base.data_options.label_column = f.data_options.label_column;
  if (f.data_options.skip_rows != none.skip_rows)
    base.data_options.skip_rows = f.data_options.skip_rows;
  if (f.data_options.limit != none.limit) base.data_options.limit = f.data_options.limit;
  if (!f.verify) base.verify = false;
  if (f.exact_delta) base.exact_delta = true;
  if (f.attempts > 0) base.attempts = f.attempts;
  if (f.timeout_s > 0) base.timeout_s = f.timeout_s;
  if (f.max_memory_bytes > 0) base.max_memory_bytes = f.max_memory_bytes;
  return base;
}

nlohmann::ordered_json SpecToJson(const SweepSpec& s) {
  Json j;
  j["constructions"] = s.constructions;
  j["data"] = s.data;
  auto axis = [&](const char* key, const std::vector<std::string>& v) {
    if (!v.empty()) j[key] = v;
  };
  axis("n", s.n);
  axis("d", s.d);
  axis("classes", s.classes);
  axis("delta", s.delta);
  if (!s.depth.empty()) j["depth"] = s.depth;
  if (!s.width.empty()) j["width"] = s.width;
  j["seeds"] = s.seeds.empty() ? std::vector<uint64_t>{1} : s.seeds;
  if (!s.options.empty()) {
    j["options"] = Json::object();
    for (const auto& [k, v] : s.options) j["options"][k] = v;
  }
  if (!s.data_options.labels_path.empty()) j["labels"] = s.data_options.labels_path;
  if (s.data_options.label_column != "last") j["label-column"] = s.data_options.label_column;
  if (s.data_options.skip_rows) j["skip-rows"] = s.data_options.skip_rows;
  if (s.data_options.limit) j["limit"] = s.data_options.limit;
  j["verify"] = s.verify;
  j["exact-delta"] = s.exact_delta;
  if (s.attempts) j["attempts"] = s.attempts;
  if (s.timeout_s > 0) j["timeout"] = s.timeout_s;
  if (s.max_memory_bytes > 0) j["max-memory"] = s.max_memory_bytes;
  return j;
}

int64_t ParseMemorySize(const std::string& flag, const std::string& text) {
  std::string t = text;
  double scale = 1;
  auto strip = [&](const std::string& suffix, double factor) {
    if (t.size() > suffix.size() && t.compare(t.size() - suffix.size(), suffix.size(), suffix) == 0) {
      t.resize(t.size() - suffix.size());
      scale = factor;
      return true;
    }
    return false;
  };
  for (const auto& [s, f] : std::vector<std::pair<std::string, double>>{
           {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"G", 1073741824.0}, {"M", 1048576.0},
           {"K", 1024.0}, {"B", 1}})
    if (strip(s, f)) break;
  char* end = nullptr;
  const double v = std::strtod(t.c_str(), &end);
  if (t.empty() || *end != '\0' || !(v > 0) || !std::isfinite(v) || v * scale > 9e18)
    Fail("--{}: expected a memory size such as 512M, 2G or 1.5GB, got \"{}\"", flag, text);
  return int64_t(std::llround(v * scale));
}

}  // namespace mnemo
