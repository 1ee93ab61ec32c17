// The mnemo CLI: one file per command under src/cli/, each defining one Add*Command that
// registers a CLI11 subcommand. The callback stores the exit code (0 success, 1 the check
// failed, 2 bad input or usage) in *exit_code; bad input is thrown as mnemo::Error and
// turned into exit 2 by main. `--json` prints exactly one JSON object on stdout.
#pragma once

#include <CLI/CLI.hpp>

namespace mnemo::cli {

void AddListCommand(CLI::App& app, int* exit_code);
void AddDataCommand(CLI::App& app, int* exit_code);
void AddBuildCommand(CLI::App& app, int* exit_code);
void AddVerifyCommand(CLI::App& app, int* exit_code);
void AddInspectCommand(CLI::App& app, int* exit_code);
void AddPredictCommand(CLI::App& app, int* exit_code);
void AddExportCommand(CLI::App& app, int* exit_code);
void AddTradeoffCommand(CLI::App& app, int* exit_code);
void AddCompareCommand(CLI::App& app, int* exit_code);
// ---- module commands: jacobian (rank, capacity, fit)
void AddRankCommand(CLI::App& app, int* exit_code);
void AddCapacityCommand(CLI::App& app, int* exit_code);
void AddFitCommand(CLI::App& app, int* exit_code);
// ---- module commands: storage (storage, storage-measure)
void AddStorageCommand(CLI::App& app, int* exit_code);
void AddStorageMeasureCommand(CLI::App& app, int* exit_code);
// ---- module commands: conjectures
void AddConjecturesCommand(CLI::App& app, int* exit_code);
// ---- module commands: explore (sweep, analyze, plot)
void AddSweepCommand(CLI::App& app, int* exit_code);
void AddAnalyzeCommand(CLI::App& app, int* exit_code);
void AddPlotCommand(CLI::App& app, int* exit_code);

}  // namespace mnemo::cli
