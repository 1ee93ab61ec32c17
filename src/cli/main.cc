// mnemo: constructs neural networks that memorize a dataset and proves it by exact evaluation.
#include <memory>

#include "src/cli/commands.h"
#include "src/cli/help.h"

int main(int argc, char** argv) {
  CLI::App app{
      "mnemo: build neural networks that memorize a dataset by construction, and prove it by "
      "exact evaluation.",
      "mnemo"};
  app.formatter(std::make_shared<mnemo::cli::HelpFormatter>());  // before the commands: inherited
  app.require_subcommand(1);
  app.set_version_flag("--version", "mnemo 0.1.0");
  int exit_code = 0;
  mnemo::cli::AddListCommand(app, &exit_code);
  mnemo::cli::AddDataCommand(app, &exit_code);
  mnemo::cli::AddBuildCommand(app, &exit_code);
  mnemo::cli::AddVerifyCommand(app, &exit_code);
  mnemo::cli::AddInspectCommand(app, &exit_code);
  mnemo::cli::AddPredictCommand(app, &exit_code);
  mnemo::cli::AddExportCommand(app, &exit_code);
  // ---- module commands (one line each)
  mnemo::cli::AddTradeoffCommand(app, &exit_code);
  mnemo::cli::AddCompareCommand(app, &exit_code);
  mnemo::cli::AddRankCommand(app, &exit_code);
  mnemo::cli::AddCapacityCommand(app, &exit_code);
  mnemo::cli::AddFitCommand(app, &exit_code);
  mnemo::cli::AddStorageCommand(app, &exit_code);
  mnemo::cli::AddStorageMeasureCommand(app, &exit_code);
  mnemo::cli::AddConjecturesCommand(app, &exit_code);
  mnemo::cli::AddSweepCommand(app, &exit_code);
  mnemo::cli::AddAnalyzeCommand(app, &exit_code);
  mnemo::cli::AddPlotCommand(app, &exit_code);
  mnemo::cli::AddHelpCommand(app, &exit_code);
  app.footer("`mnemo help COMMAND` or `mnemo COMMAND --help` explains one command.");  // not inherited
  return mnemo::cli::RunCli(app, argc, argv, exit_code);
}
