// Construction: Build(options, dataset, report) → Network. Each construction lives in
// constructions/<name>.{h,cc}, cites the theorem it implements and its size bound, parses its
// own flat Options struct from the CLI's --key value pairs (with defaults and IsValid), and
// fills a Report: status (kSuccess, kInfeasible with the reason, ...), given vs used sizes,
// the theory's bound for this N, d, δ, C, the seed, timings. The registry is one explicit list
// (constructions/registry.cc). BuildNetwork() wraps every construction the same way: it checks
// the options and the label kind, passes the normalized data, stamps provenance (input map,
// label map, options, seed, dataset fingerprint) on the network. Verification is separate.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mnemo/dataset.h"
#include "mnemo/network.h"

namespace mnemo {

/// Construction options as given on the command line: --key value → params["key"] = "value".
using ParamMap = std::map<std::string, std::string>;

struct OptionSpec {
  std::string name;           ///< without dashes, e.g. "width"
  std::string value_name;     ///< e.g. "W"
  std::string default_value;  ///< shown in help; "" = none
  std::string help;
};

/// Typed access to a ParamMap; throws mnemo::Error ("--width: expected an integer, got "x"").
class Params {
 public:
  explicit Params(const ParamMap& map) : map_(map) {}
  bool Has(const std::string& key) const { return map_.count(key) > 0; }
  int64_t Int(const std::string& key, int64_t fallback) const;
  double Real(const std::string& key, double fallback) const;
  std::string String(const std::string& key, const std::string& fallback) const;
  bool Bool(const std::string& key, bool fallback) const;
  std::vector<int64_t> IntList(const std::string& key) const;      ///< "1,2,3"
  std::vector<std::string> StringList(const std::string& key) const;

 private:
  const ParamMap& map_;
};

enum class Status { kSuccess, kInfeasible, kBudgetExceeded, kFailed };
std::string ToString(Status status);

/// What a construction says about its build. `fields` holds the construction's own numbers in
/// the order they were set (they appear under `report` in --json).
struct Report {
  std::string construction;
  Status status = Status::kSuccess;
  std::string reason;                  ///< why, when not kSuccess
  nlohmann::ordered_json fields = nlohmann::ordered_json::object();
  /// Timings in seconds, by phase. Kept apart from `fields`: the saved network carries the
  /// fields but not the timings, so the same inputs and seed give byte-identical files.
  nlohmann::ordered_json timings = nlohmann::ordered_json::object();
  double build_seconds = 0;

  template <typename T>
  void Set(const std::string& key, const T& value) { fields[key] = value; }
  bool ok() const { return status == Status::kSuccess; }
  void Fail(Status s, std::string why) { status = s; reason = std::move(why); }
  /// One line: construction, status, and a few key fields.
  std::string Brief() const;
  /// Every field, one per line.
  std::string Full() const;
  nlohmann::ordered_json ToJson() const;
};

/// What a construction gets: the data (unique points), its normalization into the unit ball
/// (the network's input map, already applied in `normalized`), options, seed.
struct BuildContext {
  const Dataset& data;
  const InputMap& input_map;
  const RowMatrix& normalized;  ///< (x − c)·2^−s, rows of data.x, exact
  const Params& params;
  uint64_t seed = 1;
  bool progress = false;
  /// The exact minimum distance of the normalized data when the user asked for it
  /// (--exact-delta), else null: constructions then use the projected lower bound.
  const ExactSeparation* exact_separation = nullptr;
};

struct Construction {
  std::string name;
  std::string summary;   ///< one line for `mnemo list`
  std::string bound;     ///< size bound it achieves, e.g. "width 2N, depth 3"
  std::string citation;  ///< the paper and theorem
  bool needs_classes = true;
  std::vector<OptionSpec> options;
  /// Builds a network on the normalized data (the first layer reads x' = normalized input).
  /// Returns nullopt with report->status set when it cannot.
  std::function<std::optional<Network>(const BuildContext&, Report*)> build;
};

/// All constructions, in the order of constructions/registry.cc.
const std::vector<Construction>& Registry();
/// Throws mnemo::Error listing the known names when `name` is unknown.
const Construction& FindConstruction(const std::string& name);

/// Builds with construction `name`: rejects unknown options (exit 2), rejects real targets for
/// constructions that need classes (naming the first offending row), runs the construction,
/// and stamps the network's input map, label map and provenance. Returns nullopt when the
/// report's status is not kSuccess.
std::optional<Network> BuildNetwork(const std::string& name, const Dataset& data,
                                    const ParamMap& params, uint64_t seed, Report* report,
                                    bool progress = false, bool exact_delta = false);

}  // namespace mnemo
