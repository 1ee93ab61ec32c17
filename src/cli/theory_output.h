// Output of the theory commands (rank, capacity, fit, storage, storage-measure, conjectures):
// `--json` / `--csv` print to stdout, `-o FILE` writes the same text to FILE atomically, and FILE
// is checked for writability (cli_util.h's CheckWritable) before any work.
#pragma once

#include <fmt/format.h>

#include <string>

#include "mnemo/error.h"
#include "mnemo/io.h"
#include "src/cli/cli_util.h"

namespace mnemo::cli {

/// Fails (exit 2) before any work when `path` cannot be written (nothing to check when empty).
inline void CheckOutputPath(const std::string& path, const std::string& input = "") {
  if (!path.empty()) CheckWritable(path, {input});
}

/// Prints `text` to stdout, or writes it to `path` atomically when `path` is not empty.
inline void Emit(const std::string& text, const std::string& path) {
  if (path.empty()) {
    fmt::print("{}", text);
  } else {
    WriteFileAtomic(path, text);
  }
}

/// --csv and --json are exclusive.
inline void CheckFormatFlags(bool csv, bool json, const std::string& command) {
  if (csv && json) Fail("{}: --csv and --json are exclusive", command);
}

}  // namespace mnemo::cli
