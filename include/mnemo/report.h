// Report: what one run of a construction says, in typed fields. It starts as "not run"; the
// construction fills its status, the sizes it was asked for and the ones it used, its theory
// bound for this N, d, δ, C and its named extras; the pipeline (pipeline.h) adds the data
// summary, the network statistics, the lower bounds that apply, the verification result and the
// timings. One Report is one row: `build`, `compare`, `tradeoff`, the benchmarks and the sweep
// rows all print it, and its JSON (ToJson / FromJson) is the row format scripts rely on.
#pragma once

#include <any>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mnemo/network.h"

namespace mnemo {

enum class Status {
  kNotRun,          ///< nothing happened yet
  kSuccess,         ///< a network was built (and verified, when verification ran)
  kInfeasible,      ///< the options cannot be met on this data; `reason` says why
  kDoesNotApply,    ///< the construction does not handle this data (e.g. real targets)
  kBudgetExceeded,  ///< a size, time or memory budget was exceeded
  kFailed,          ///< built but verification found wrong rows, or a run crashed
};
std::string ToString(Status status);
/// Inverse of ToString; throws mnemo::Error on an unknown name.
Status ParseStatus(const std::string& name);

/// A size bound beside the measured network: an upper bound (what the theorem says suffices)
/// or a lower bound (what any network of this kind needs). `scale` is the formula without its
/// constant at this N, d, δ, C; `constant` is the theorem's constant when known, so the bound is
/// constant·scale; measured/scale is the empirical constant.
struct Bound {
  enum class Kind { kUpper, kLower };
  Kind kind = Kind::kUpper;
  std::string measure;  ///< the network measure bounded: see Measure()
  std::string formula;  ///< e.g. "W²L² ≤ c·N·log2(1/δ)"
  std::string tag;      ///< where it comes from: "paper", "classical", "derived"
  double scale = std::numeric_limits<double>::quiet_NaN();
  double constant = std::numeric_limits<double>::quiet_NaN();
  double measured = std::numeric_limits<double>::quiet_NaN();

  /// measured / scale: the empirical constant (NaN when either is unknown).
  double Ratio() const { return measured / scale; }
  /// Whether the measured value respects the bound; nullopt when the constant is unknown.
  std::optional<bool> Holds() const;
};

/// The value of a network measure by name: "depth", "width", "neurons", "params_nonzero",
/// "params_dense", "max_weight_bits", "total_weight_bits", "w2l2" (W²·L²). Throws
/// mnemo::Error on an unknown name.
double Measure(const NetworkStats& stats, const std::string& name);

/// The data a run was on.
struct DataSummary {
  std::string source;
  int64_t n = 0;     ///< distinct points
  int64_t rows = 0;  ///< rows in the file
  int64_t d = 0;
  int64_t classes = 0;  ///< 0 for real targets
  double delta = 0;     ///< separation of the normalized points: exact or a lower bound
  bool delta_exact = false;
};

/// The verification of a run (exact evaluation on every row).
struct VerificationSummary {
  bool run = false;
  bool all_correct = false;
  int64_t checked = 0;
  int64_t mismatches = 0;
  std::string min_margin;  ///< smallest exact margin (a rational), "" when unknown
};

/// Wall-clock seconds by phase, in the order they were added.
struct Timings {
  std::vector<std::pair<std::string, double>> phases;
  void Add(const std::string& phase, double seconds);
  /// Seconds of `phase` (0 when absent).
  double Get(const std::string& phase) const;
};

/// One failed attempt of a build–verify–retry loop.
struct Attempt {
  int number = 0;
  uint64_t seed = 0;
  std::string failure;  ///< what went wrong
  std::string remedy;   ///< what the next attempt changes
};

struct Report {
  std::string construction;
  Status status = Status::kNotRun;
  std::string reason;  ///< why, when not kSuccess
  uint64_t seed = 0;
  nlohmann::ordered_json options = nlohmann::ordered_json::object();  ///< as parsed, defaults in

  int64_t width_asked = 0;  ///< 0 = not asked
  int64_t depth_asked = 0;
  NetworkStats network;  ///< the network built (sizes used)
  DataSummary data;
  std::vector<Bound> theory;
  VerificationSummary verification;
  std::vector<Attempt> failed_attempts;
  Timings timings;
  /// Construction-specific named extras (numbers, strings, small arrays), in the order set.
  nlohmann::ordered_json extras = nlohmann::ordered_json::object();
  /// The construction's typed details (e.g. ZhangDetails), for tests and library users; not
  /// serialized (the extras carry the same numbers by name).
  std::any details;

  bool ok() const { return status == Status::kSuccess; }
  void Fail(Status s, std::string why) {
    status = s;
    reason = std::move(why);
  }
  template <typename T>
  void SetExtra(const std::string& key, const T& value) {
    extras[key] = value;
  }
  void AddBound(Bound b) { theory.push_back(std::move(b)); }

  /// One line: construction, status (and reason), W × L, nonzero parameters, verification.
  std::string Brief() const;
  /// Every field, one per line, for the terminal (≤ 100 columns).
  std::string Full() const;
  nlohmann::ordered_json ToJson() const;
  /// Inverse of ToJson (for sweep rows and merges); throws mnemo::Error naming `where`.
  static Report FromJson(const nlohmann::ordered_json& j, const std::string& where);
};

}  // namespace mnemo
