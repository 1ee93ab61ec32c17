// Helpers shared by the CLI commands: the common data flags, JSON output, warnings.
#pragma once

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "mnemo/construction.h"
#include "mnemo/dataset.h"
#include "mnemo/error.h"
#include "mnemo/pipeline.h"
#include "mnemo/progress.h"
#include "mnemo/table.h"

namespace mnemo::cli {

/// The size table of build and inspect.
Table SizeTable(const NetworkStats& stats);

/// The data flags every command that reads DATA accepts.
struct DataFlags {
  std::string spec;
  DataOptions options;
};

/// `required` = false: DATA may be left out (the command then checks what it needs).
inline void AddDataFlags(CLI::App* cmd, DataFlags* flags, bool positional = true,
                         bool required = true) {
  if (positional)
    cmd->add_option("DATA", flags->spec,
                    "FILE.csv, FILE.npy (with --labels), *-idx3-ubyte[.gz], "
                    "fashion-mnist[:train|:test] or synthetic:KIND?n=N&d=D&classes=C&seed=S")
        ->type_name("")
        ->required(required);
  cmd->add_option("--labels", flags->options.labels_path,
                  "labels of .npy data (.npy or one per line); IDX: found beside the images")
      ->type_name("FILE")
      ->default_str("none");
  cmd->add_option("--skip-rows", flags->options.skip_rows, "CSV: lines to skip before the header")
      ->type_name("N")
      ->default_str("0");
  cmd->add_option("--label-column", flags->options.label_column,
                  "CSV: the label column: first, last, a 0-based index, a header name, or none "
                  "(predict)")
      ->type_name("COL")
      ->default_str("last");
  cmd->add_option_function<std::string>(
         "--delimiter",
         [flags](const std::string& d) { flags->options.delimiter = ParseCsvDelimiter(d); },
         "CSV: the delimiter: ',', ';' or tab (auto: from the first line; tab for .tsv)")
      ->type_name("D")
      ->default_str("auto");
  cmd->add_option("--limit", flags->options.limit, "use only the first N rows")
      ->type_name("N")
      ->default_str("all rows");
}

/// `-o FILE`: the file the command writes (atomically; checked with CheckWritable before any
/// work by the command).
inline CLI::Option* AddOutputOption(CLI::App* cmd, std::string* path, const std::string& help,
                                    bool required) {
  CLI::Option* o = cmd->add_option("-o,--output", *path, help)->type_name("FILE");
  if (required) return o->required();
  return o->default_str("stdout");
}

/// Loads the data and prints the loader's warnings (merged duplicates, ...) to stderr.
inline Dataset LoadData(const DataFlags& flags) {
  ProgressStep step("loading " + flags.spec);
  Dataset data = LoadDataset(flags.spec, flags.options);
  step.Finish();
  for (const std::string& w : data.warnings) fmt::print(stderr, "mnemo: warning: {}\n", w);
  return data;
}

/// Construction options left over by CLI11: "--key value", "--key=value" and bare flags
/// "--key" (→ "true") into a ParamMap; the construction checks the keys.
inline ParamMap ParseConstructionOptions(const std::vector<std::string>& args) {
  ParamMap params;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.rfind("--", 0) != 0 || a.size() < 3) Fail("unexpected argument \"{}\"", a);
    std::string key = a.substr(2), value = "true";
    size_t eq = key.find('=');
    if (eq != std::string::npos) {
      value = key.substr(eq + 1);
      key = key.substr(0, eq);
    } else if (i + 1 < args.size() && args[i + 1].rfind("--", 0) != 0) {
      value = args[++i];
    }
    if (params.count(key)) Fail("--{} given twice", key);
    params[key] = value;
  }
  return params;
}

/// Fails (exit 2) before any work when `path` cannot be written or would overwrite one of the
/// `inputs`. An empty path (stdout) passes.
inline void CheckWritable(const std::string& path, const std::vector<std::string>& inputs = {}) {
  namespace fs = std::filesystem;
  if (path.empty()) return;
  std::error_code ec;
  for (const std::string& input : inputs)
    if (fs::exists(path, ec) && fs::exists(input, ec) && fs::equivalent(path, input, ec))
      Fail("-o {}: would overwrite the input {}", path, input);
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
/// The same with one input ("" for none).
inline void CheckWritable(const std::string& path, const std::string& input) {
  CheckWritable(path, input.empty() ? std::vector<std::string>{} : std::vector<std::string>{input});
}
inline void CheckWritable(const std::string& path, const char* input) {
  CheckWritable(path, std::string(input));
}

/// The flags of a construction run shared by build, compare and tradeoff.
struct RunFlags {
  RunOptions run;
  bool no_verify = false;
};

inline void AddRunFlags(CLI::App* cmd, RunFlags* flags) {
  cmd->add_option("--seed", flags->run.seed, "seed of every random choice")
      ->type_name("S")
      ->default_str("1");
  cmd->add_option("--attempts", flags->run.attempts,
                  "build–verify–retry attempts, each with a seed derived from S")
      ->type_name("K")
      ->default_str("the construction's own, `mnemo list --long`");
  cmd->add_flag("--no-verify", flags->no_verify, "skip the exact verification after building");
  cmd->add_flag("--exact-delta", flags->run.exact_delta,
                "compute the exact minimum distance δ (O(N²d)) for the bounds");
}

inline RunOptions ToRunOptions(const RunFlags& flags, bool progress) {
  RunOptions r = flags.run;
  r.verify = !flags.no_verify;
  r.progress = progress;
  return r;
}

/// Exit code of a finished run: 0 success, 1 the check failed (infeasible, over budget, wrong
/// rows). "Does not apply" is a usage error: it throws (exit 2).
inline int ExitCode(const Report& r) {
  if (r.status == Status::kDoesNotApply) Fail("{}", r.reason);
  return r.ok() ? 0 : 1;
}

inline void PrintJson(const nlohmann::ordered_json& j) { fmt::print("{}\n", j.dump(2)); }

/// Registers a subcommand whose callback runs `run` and stores its exit code.
template <typename Run>
CLI::App* AddCommand(CLI::App& app, const std::string& name, const std::string& help,
                     int* exit_code, Run run) {
  CLI::App* cmd = app.add_subcommand(name, help);
  cmd->callback([exit_code, run]() { *exit_code = run(); });
  return cmd;
}

}  // namespace mnemo::cli
