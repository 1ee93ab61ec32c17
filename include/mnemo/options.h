// Typed options from `--key value` flags. An options struct names its fields once, in
//   template <class V> void Visit(V& v) { v("tries", &tries, "T", "directions tried"); ... }
// (an optional fifth argument overrides the default shown in help, e.g. "⌈√N⌉"), and has
// `bool IsValid(std::string* why) const`. From that one list come: parsing a ParamMap
// (ParseOptions: unknown keys, malformed values and invalid combinations are mnemo::Error
// naming the flag), the help text (ListOptions), and the JSON of the values (OptionsToJson).
// Field types: bool, int, int64_t, double, std::string, std::vector<int64_t>,
// std::vector<std::string>, std::optional<int64_t>, std::optional<double> (unset = automatic).
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "mnemo/error.h"

namespace mnemo {

/// Options as given on the command line: --key value → params["key"] = "value".
using ParamMap = std::map<std::string, std::string>;

struct OptionSpec {
  std::string name;           ///< without dashes, e.g. "width"
  std::string value_name;     ///< e.g. "W"
  std::string default_value;  ///< shown in help; "" = none
  std::string help;
};

/// The candidate closest to `name` (edit distance ≤ 2, or a prefix), or "" when none is close.
std::string NearestName(const std::string& name, const std::vector<std::string>& candidates);

namespace internal {

// Parsers for one flag value; they throw mnemo::Error "--key: expected ..., got \"text\"".
bool ParseBoolFlag(const std::string& key, const std::string& text);
int64_t ParseIntFlag(const std::string& key, const std::string& text);
double ParseRealFlag(const std::string& key, const std::string& text);
std::vector<std::string> ParseListFlag(const std::string& key, const std::string& text);
std::vector<int64_t> ParseIntListFlag(const std::string& key, const std::string& text);
std::string FormatDefault(const nlohmann::ordered_json& value);

inline void Read(const std::string& k, const std::string& t, bool* f) { *f = ParseBoolFlag(k, t); }
inline void Read(const std::string& k, const std::string& t, int64_t* f) {
  *f = ParseIntFlag(k, t);
}
void Read(const std::string& k, const std::string& t, int* f);
inline void Read(const std::string& k, const std::string& t, double* f) {
  *f = ParseRealFlag(k, t);
}
inline void Read(const std::string&, const std::string& t, std::string* f) { *f = t; }
inline void Read(const std::string& k, const std::string& t, std::vector<int64_t>* f) {
  *f = ParseIntListFlag(k, t);
}
inline void Read(const std::string& k, const std::string& t, std::vector<std::string>* f) {
  *f = ParseListFlag(k, t);
}
template <typename T>
void Read(const std::string& k, const std::string& t, std::optional<T>* f) {
  T v{};
  Read(k, t, &v);
  *f = v;
}

template <typename T>
nlohmann::ordered_json ToJsonValue(const T& v) {
  return nlohmann::ordered_json(v);
}
template <typename T>
nlohmann::ordered_json ToJsonValue(const std::optional<T>& v) {
  return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
}

class OptionReader {
 public:
  explicit OptionReader(const ParamMap& params) : params_(params) {}
  template <typename T>
  void operator()(const std::string& key, T* field, const std::string& /*value_name*/,
                  const std::string& /*help*/, const std::string& /*default_text*/ = "") {
    known_.push_back(key);
    auto it = params_.find(key);
    if (it == params_.end()) return;
    Read(key, it->second, field);
    used_.insert(key);
  }
  /// Fails on keys no field took, naming `owner` and suggesting the nearest option.
  void CheckAllUsed(const std::string& owner) const;

 private:
  const ParamMap& params_;
  std::vector<std::string> known_;
  std::set<std::string> used_;
};

class OptionLister {
 public:
  template <typename T>
  void operator()(const std::string& key, T* field, const std::string& value_name,
                  const std::string& help, const std::string& default_text = "") {
    specs.push_back({key, value_name,
                     default_text.empty() ? FormatDefault(ToJsonValue(*field)) : default_text,
                     help});
  }
  std::vector<OptionSpec> specs;
};

class OptionWriter {
 public:
  template <typename T>
  void operator()(const std::string& key, T* field, const std::string&, const std::string&,
                  const std::string& = "") {
    json[key] = ToJsonValue(*field);
  }
  nlohmann::ordered_json json = nlohmann::ordered_json::object();
};

}  // namespace internal

/// Parses `params` into Options (defaults for absent keys) and checks IsValid. `owner` names
/// whose options these are in messages ("construction zhang").
template <typename Options>
Options ParseOptions(const ParamMap& params, const std::string& owner) {
  Options o;
  internal::OptionReader reader(params);
  o.Visit(reader);
  reader.CheckAllUsed(owner);
  std::string why;
  if (!o.IsValid(&why)) throw Error(why);
  return o;
}

/// The fields with their defaults, in the order Visit names them.
template <typename Options>
std::vector<OptionSpec> ListOptions(Options o) {
  internal::OptionLister lister;
  o.Visit(lister);
  return lister.specs;
}

/// Every field's value as JSON (unset optionals are null).
template <typename Options>
nlohmann::ordered_json OptionsToJson(const Options& o) {
  internal::OptionWriter writer;
  const_cast<Options&>(o).Visit(writer);  // Visit only reads through the writer
  return writer.json;
}

/// "i/n" with 0 ≤ i < n (a shard of a sweep or of a verification); mnemo::Error naming `flag`
/// otherwise.
std::pair<int, int> ParseShard(const std::string& text, const std::string& flag = "--shard");

}  // namespace mnemo
