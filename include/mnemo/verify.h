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

  bool all_correct() const { return mismatches == 0 && checked > 0; }
  nlohmann::ordered_json ToJson() const;
  std::string Brief() const;
};

/// For each class index of the data, the network's class index with the same label, compared as
/// the user writes them ("cat", or an integer in decimal), or −1 when the network has no such
/// class. Throws mnemo::Error when a network of real targets meets text labels.
std::vector<int64_t> NetworkClassOf(const Network& net, const Dataset& data);

/// Checks the network on every original row of `data`. Input and label spaces must match the
/// network (throws mnemo::Error naming the mismatch otherwise).
VerifyReport Verify(const Network& net, const Dataset& data, const VerifyOptions& options = {});

}  // namespace mnemo
