// mnemo: constructs neural networks that memorize a dataset and proves it by exact evaluation.
#include <cstdio>

#include "mnemo/error.h"
#include "src/cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{
      "mnemo: build neural networks that memorize a dataset by construction, and prove it by "
      "exact evaluation.",
      "mnemo"};
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
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  } catch (const mnemo::Error& e) {
    std::fprintf(stderr, "mnemo: error: %s\n", e.what());
    return 2;
  }
  return exit_code;
}
