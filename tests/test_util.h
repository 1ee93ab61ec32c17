// Shared test helpers: run the mnemo binary, temporary directories, small datasets.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "mnemo/dataset.h"
#include "mnemo/error.h"
#include "mnemo/pipeline.h"

namespace mnemo::testing {

struct CliResult {
  int exit_code = -1;
  std::string out;  ///< stdout
  std::string err;  ///< stderr
};

/// Runs the built `mnemo` binary with `args` (each shell-quoted), capturing stdout and stderr.
CliResult RunCli(const std::vector<std::string>& args);

/// Peak resident memory (kB) of `mnemo ARGS`, measured by /usr/bin/time (0 if it failed).
int64_t PeakKb(const std::vector<std::string>& args);

/// A fresh temporary directory, removed when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
};

/// Writes `contents` to `path` (test data; not atomic).
void WriteText(const std::string& path, const std::string& contents);
std::string ReadText(const std::string& path);

/// Runs construction `name` through the pipeline (verification only when asked) and returns
/// the network (nullopt unless the report says success); *report receives the report.
std::optional<Network> BuildWith(const std::string& name, const Dataset& data,
                                 const ParamMap& params, uint64_t seed, Report* report,
                                 bool verify = false);

/// The message of the mnemo::Error that `f` throws ("" when it throws none).
template <typename F>
std::string ErrorOf(F f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

/// out = (2^60·x + 1) − 2^60·x − 1 = 0 exactly, but float64 rounds 2^60·x + 1 to 2^60·x at
/// x ≠ 0 and answers −1 ("no class"): a network that exact verification accepts (label 7) and
/// float64 gets wrong on every x ≠ 0.
Network CancellingNetwork();

/// Number of lines in `text`.
int CountLines(const std::string& text);

}  // namespace mnemo::testing
