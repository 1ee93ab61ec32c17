// Pipeline: the one path from data to a verified network and its report —
//   data → normalization and separation → construction (one attempt) → network → exact
//   verification → report,
// with the build–verify–retry policy in one place: a randomized construction (default_attempts
// > 1) whose attempt is infeasible or whose network verification rejects is run again with a
// seed derived from the user's (DeriveSeed(seed, attempt − 1)), up to `attempts` times, and the
// failed attempts are kept in the report. `build`, `compare`, `tradeoff`, the sweep, the
// benchmarks and the Python module all run constructions through RunConstruction().
#pragma once

#include <any>
#include <cstdint>
#include <optional>
#include <string>

#include "mnemo/construction.h"
#include "mnemo/dataset.h"
#include "mnemo/network.h"
#include "mnemo/report.h"

namespace mnemo {

struct RunOptions {
  uint64_t seed = 1;
  bool verify = true;        ///< exact verification of every row after building
  int attempts = 0;          ///< build–verify–retry attempts; 0 = the construction's default
  bool exact_delta = false;  ///< compute the exact minimum distance δ (O(N²d)) for the bounds
  bool progress = false;     ///< progress bars on stderr (only drawn on a terminal)
};

struct RunResult {
  std::optional<Network> network;  ///< set when report.ok()
  Report report;
};

/// Parses `params` with the construction's options (mnemo::Error on an unknown construction or
/// a bad flag), then runs it. Expected outcomes — infeasible, does not apply (e.g. real targets
/// for a classes-only construction), verification failed — are report statuses, not errors.
RunResult RunConstruction(const std::string& construction, const ParamMap& params,
                          const Dataset& data, const RunOptions& options = {});
/// The same with options already parsed by `c.parse`.
RunResult RunConstruction(const Construction& c, const std::any& options, const Dataset& data,
                          const RunOptions& run = {});

}  // namespace mnemo
