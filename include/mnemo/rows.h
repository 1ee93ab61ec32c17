// Rows files: Report rows (report.h) as JSON Lines — what `mnemo sweep` writes and `analyze`,
// `plot`, `sweep merge` and `sweep diff` read. Readers also take the JSON of `mnemo build --json`
// (one row), `mnemo tradeoff --json` and `mnemo compare --json` ({"rows": [...]}) and a JSON array.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "mnemo/report.h"

namespace mnemo {

/// A row with the place it came from ("rows.jsonl:17"), for messages.
struct Row {
  Report report;
  std::string where;
};

/// Reads every row of `path`. Bad JSON or a line that is not a report row is mnemo::Error
/// naming file:line. When `allow_partial_last_line`, a last line without its newline that does
/// not parse (an interrupted write) is skipped and *partial_bytes says how long it was.
std::vector<Row> ReadRows(const std::string& path, bool allow_partial_last_line = false,
                          int64_t* partial_bytes = nullptr);
/// Reads several files, in order.
std::vector<Row> ReadRowsFiles(const std::vector<std::string>& paths);

/// Writes rows as JSON Lines atomically (a temporary file renamed over `path`).
void WriteRows(const std::string& path, const std::vector<Report>& rows);
/// One row as one JSON line (with its newline).
std::string RowLine(const Report& row);

/// "mnemo 0.1.0, commit abc..." of a row ("unknown build" when it carries no provenance).
std::string BuildOf(const Report& row);
/// Fails (mnemo::Error naming both rows) when the rows come from different mnemo builds
/// (version or git commit), unless `allow_mixed`.
void CheckOneBuild(const std::vector<Row>& rows, bool allow_mixed);

struct MergeResult {
  std::vector<Report> rows;  ///< sorted by grid index, then key; rows without a key last
  int64_t duplicates = 0;    ///< rows whose key was already taken (the first is kept)
  std::vector<std::string> conflicts;  ///< duplicates that differ beyond timings and memory
};
/// Combines rows (e.g. the shards of a sweep): one row per key, in grid order.
MergeResult MergeRows(const std::vector<Row>& rows);

/// A row's JSON without what legitimately differs between two runs of the same point: timings,
/// peak memory.
nlohmann::ordered_json Comparable(const Report& row);

struct RowsDiff {
  int64_t equal = 0;
  std::vector<std::string> only_a, only_b;  ///< keys
  /// key: the first differing JSON path with both values.
  std::vector<std::string> different;
};
/// Compares two sets of sweep rows by key, timings and peak memory aside.
RowsDiff DiffRows(const std::vector<Row>& a, const std::vector<Row>& b);

}  // namespace mnemo
