// Verify(): is the network right on every row of the dataset? Exact mode decides every ReLU,
// threshold and label comparison in exact arithmetic — only it can call a network verified.
// Float64 mode is the fast path (and the check of float-exact variants); `both` runs the two
// and reports every point where float64 disagrees with the exact result.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mnemo/dataset.h"
#include "mnemo/network.h"

namespace mnemo {

enum class VerifyMode { kExact, kFloat64, kBoth };
VerifyMode ParseVerifyMode(const std::string& s);
std::string ToString(VerifyMode mode);

struct VerifyOptions {
  VerifyMode mode = VerifyMode::kExact;
  double tolerance = 0;            ///< float64, real targets: |out − y| ≤ tolerance counts as right
  int64_t max_reported = 10;       ///< counterexamples kept in the report
  bool progress = false;
  /// Rows evaluated per block (0: binary64 data in memory is read in place, byte data 32 MB of
  /// binary64 at a time, never converted whole). The report does not depend on it.
  int64_t block_rows = 0;
  /// Part `shard` (0-based) of `shards`: the points [N·shard/shards, N·(shard+1)/shards) and
  /// the original rows of those points. The parts' checked and mismatches sum to the whole run's.
  int shard = 0, shards = 1;
};

struct Mismatch {
  int64_t index = 0;      ///< original row
  std::string expected;   ///< the user's label / target
  std::string got;        ///< what the network answered (label, value, or "none")
};

struct VerifyReport {
  VerifyMode mode = VerifyMode::kExact;
  int64_t checked = 0;              ///< original rows checked
  int64_t mismatches = 0;
  std::vector<Mismatch> first_mismatches;
  bool exact_available = true;      ///< false for smooth activations
  std::string min_margin_exact;     ///< smallest exact margin (rational), "" if not run
  double min_margin = 0;            ///< its value (or the float margin in float64 mode)
  int64_t float_disagreements = 0;  ///< mode both: points where float64 ≠ exact
  std::vector<Mismatch> first_disagreements;  ///< expected = exact answer, got = float64 answer
  double seconds_exact = 0, seconds_float = 0;
  int shard = 0, shards = 1;        ///< the part verified (VerifyOptions)
  int64_t rows = 0;                 ///< original rows of the whole dataset (all shards)

  /// Every row checked is right (for a shard: every row of the shard; a shard may be empty).
  bool all_correct() const { return mismatches == 0 && (checked > 0 || shards > 1); }
  nlohmann::ordered_json ToJson() const;
  std::string Brief() const;
};

/// For each class index of the data, the network's class index with the same label, compared as
/// the user writes them ("cat", or an integer in decimal), or −1 when the network has no such
/// class. Throws mnemo::Error when a network of real targets meets text labels.
std::vector<int64_t> NetworkClassOf(const Network& net, const Dataset& data);

/// A report of `mnemo verify --json` (ToJson) read back; mnemo::Error naming `where` and the key
/// when one is missing or malformed.
VerifyReport VerifyReportFromJson(const nlohmann::json& j, const std::string& where);

/// The shards i/n (0 ≤ i < n, each exactly once, one mode, one dataset size) of one run as one
/// report: checked, mismatches and disagreements summed, the smallest margin, counterexamples
/// in row order (at most max_reported), times summed. The merged report equals the unsharded
/// run's except for times. mnemo::Error naming the shard that is missing, repeated or foreign.
VerifyReport MergeShards(std::vector<VerifyReport> shards, int64_t max_reported);

/// Checks the network on every original row of `data`. Input and label spaces must match the
/// network (throws mnemo::Error naming the mismatch otherwise).
VerifyReport Verify(const Network& net, const Dataset& data, const VerifyOptions& options = {});

}  // namespace mnemo
