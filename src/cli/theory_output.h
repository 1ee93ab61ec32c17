// Output of the theory commands (rank, capacity, fit, storage, storage-measure, conjectures):
// `--json` / `--csv` print to stdout, `-o FILE` writes the same text to FILE atomically, and FILE
// is checked for writability before any work.
#pragma once

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

#include <fmt/format.h>

#include "mnemo/error.h"
#include "mnemo/io.h"

namespace mnemo::cli {

/// Fails (exit 2) before any work when `path` cannot be written.
inline void CheckOutputPath(const std::string& path) {
  if (path.empty()) return;
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(path, ec)) Fail("-o {}: is a directory", path);
  fs::path dir = fs::path(path).parent_path();
  if (dir.empty()) dir = ".";
  if (!fs::is_directory(dir, ec)) Fail("-o {}: directory {} does not exist", path, dir.string());
  const fs::path probe = dir / fmt::format(".mnemo-write-test-{}", ::getpid());
  std::FILE* file = std::fopen(probe.c_str(), "w");
  if (!file) Fail("-o {}: cannot write in {}: {}", path, dir.string(), std::strerror(errno));
  std::fclose(file);
  fs::remove(probe, ec);
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
