// Sweep: a grid of construction runs — every construction × data template × n × d × classes × δ
// × knob value × seed — each run isolated in its own process and written as one Report row
// (report.h) of a JSON Lines file. A run is identified by a key (a hash of its parameters), so a
// sweep rerun into the same file skips what is there (resume), shards (`--shard i/n`) split the
// grid deterministically, and every row carries the command that reproduces it.
//
//   SweepSpec ──ExpandSweep──► [SweepRun] ──ShardRuns──► RunSweep ──► rows.jsonl (rows.h)
//                                               (child process per run: RunSweepPoint)
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "mnemo/dataset.h"
#include "mnemo/options.h"
#include "mnemo/pipeline.h"
#include "mnemo/report.h"

namespace mnemo {

/// The grid, as a spec file or the `mnemo sweep` flags give it. Axis values are kept as written
/// (e.g. "1e-6"), so the DATA strings of the runs are exactly what a user would type.
struct SweepSpec {
  std::vector<std::string> constructions;
  /// DATA templates. An axis value fills the template: a `{n}`, `{d}`, `{classes}`, `{delta}` or
  /// `{seed}` placeholder is replaced; otherwise a `synthetic:` spec gets the parameter set
  /// (n=, d=, classes=, delta=), and for any other data `n` keeps the first n rows (--limit).
  std::vector<std::string> data;
  std::vector<std::string> n, d, classes, delta;  ///< empty: the template's own value
  std::vector<int64_t> depth, width;  ///< knobs; a construction without the knob runs once
  /// Further construction options, each with its alternatives ("bits-per-layer" → {"1","2"}).
  /// Like the knobs, an option is given only to constructions that have it.
  std::vector<std::pair<std::string, std::vector<std::string>>> options;
  std::vector<uint64_t> seeds;  ///< run seeds; empty = {1}
  DataOptions data_options;  ///< --labels, --label-column, --skip-rows, --limit for files
  bool verify = true;
  bool exact_delta = false;
  int attempts = 0;  ///< 0 = each construction's default
  // Execution (not part of a run's key):
  double timeout_s = 0;          ///< per run; 0 = none
  int64_t max_memory_bytes = 0;  ///< resident memory per run; 0 = none
};

/// Reads a spec file: TOML (`.toml`) or JSON (`.json`), with the keys of the `mnemo sweep` flags
/// (constructions, data, n, d, classes, delta, depth, width, seeds, options = {key = [..]},
/// labels, label-column, skip-rows, limit, verify, exact-delta, attempts, timeout, max-memory).
/// Errors are mnemo::Error naming file:line:col (TOML) or the JSON path (JSON).
SweepSpec ReadSweepSpec(const std::string& path);
/// Overlays the fields set in `flags` (non-empty lists, non-default values) on `base`.
SweepSpec OverlaySpec(SweepSpec base, const SweepSpec& flags);
/// The spec in the spec-file form (JSON).
nlohmann::ordered_json SpecToJson(const SweepSpec& spec);

/// One point of the grid: what a child process runs.
struct SweepRun {
  int64_t index = 0;  ///< position in the grid; shard i of n takes index mod n = i
  std::string construction;
  std::string data;  ///< DATA with the axes filled in
  DataOptions data_options;
  ParamMap params;  ///< construction options, knobs included
  RunOptions run;   ///< seed, verification, exact δ, attempts
  /// Grid coordinates: "data" (the template), then n, d, classes, delta, knobs and options as
  /// given on the grid, and "seed".
  nlohmann::ordered_json grid = nlohmann::ordered_json::object();

  /// The parameters that identify the run (what Key() hashes): construction, data, data
  /// options, options, seed, verify, exact δ, attempts.
  nlohmann::ordered_json Parameters() const;
  /// Parameters, grid and index: what the parent hands the child (FromJson inverts it).
  nlohmann::ordered_json ToJson() const;
  static SweepRun FromJson(const nlohmann::ordered_json& j);
  /// 16 hex digits: FNV-1a (64 bit) of Parameters().dump().
  std::string Key() const;
  /// A shell command that reproduces the row: `mnemo build DATA -c NAME ... --json`.
  std::string Command() const;
  /// One short line for progress output: "bitextract n=1000 delta=1e-2 depth=40 seed=1".
  std::string Label() const;
};

/// Expands the grid in a fixed order (constructions, data, n, d, classes, δ, knobs, seeds).
/// Checks every construction name and every combination of options with the construction's own
/// parser (mnemo::Error naming the flag), and that each axis can fill each template.
std::vector<SweepRun> ExpandSweep(const SweepSpec& spec);

/// The runs of shard i of n: those whose grid index is i mod n (a deterministic 1/n of the grid,
/// interleaved so every shard gets small and large runs).
std::vector<SweepRun> ShardRuns(const std::vector<SweepRun>& runs, int i, int n);

/// Runs one point in this process: loads the data, RunConstruction, stamps the provenance
/// (version, commit, command, key, grid, outcome "completed"). Data that cannot be read throws
/// mnemo::Error. This is the body of each child process (`mnemo sweep run-one`).
Report RunSweepPoint(const SweepRun& run);
/// The provenance of `run` (without outcome), as RunSweepPoint stamps it.
Provenance SweepProvenance(const SweepRun& run);

struct SweepOptions {
  int jobs = 1;  ///< runs at a time
  /// The child's argv before the run's JSON, e.g. {"/usr/bin/mnemo", "sweep", "run-one",
  /// "--run"}; the child prints one Report row (JSON) on stdout and exits 0, or reports bad input
  /// on stderr and exits 2.
  std::vector<std::string> child_command;
  double timeout_s = 0;          ///< per run; 0 = none
  int64_t max_memory_bytes = 0;  ///< resident memory per run; 0 = none
  bool retry_failed = false;     ///< rerun rows whose process did not complete (see outcome)
  bool allow_mixed_versions = false;  ///< append to a file with rows of another mnemo build
  /// Called after each row is written, with the number of rows done and to do in this call.
  std::function<void(const Report&, int64_t done, int64_t total)> on_row;
};

struct SweepSummary {
  int64_t grid = 0;     ///< runs given
  int64_t skipped = 0;  ///< already in the file
  int64_t ran = 0;
  std::map<std::string, int64_t> outcomes;  ///< by provenance outcome
  std::map<std::string, int64_t> statuses;  ///< by report status
  double wall_s = 0;
};

/// Runs every run whose key is not yet in `rows_path` (JSON Lines; created if absent), each in a
/// child process, `jobs` at a time, appending one row per run as it finishes. A child that
/// crashes, exits with an error, runs over the timeout or over the memory limit becomes a row
/// with that outcome (status failed or budget exceeded) and the sweep goes on. A half-written
/// last line (an interrupted sweep) is dropped. Rows of another mnemo version or commit in the
/// file are an error unless allow_mixed_versions.
SweepSummary RunSweep(const std::vector<SweepRun>& runs, const std::string& rows_path,
                      const SweepOptions& options);

/// Parses a memory size: "512M", "2G", "1.5GB", "1000000" (bytes); mnemo::Error otherwise.
int64_t ParseMemorySize(const std::string& flag, const std::string& text);

}  // namespace mnemo
