// Help texts and errors of the mnemo CLI, the same for every command: help wrapped to 100
// columns with each option's default shown as "(default: ...)", `mnemo help [COMMAND]`, unknown
// commands answered with the nearest one, and every error — CLI11's parser errors included —
// one line `mnemo: error: ...` with exit code 2.
#pragma once

#include <memory>
#include <string>

#include <CLI/CLI.hpp>

namespace mnemo::cli {

/// The widest line any help text or table may print.
inline constexpr size_t kMaxColumns = 100;

/// CLI11's formatter with descriptions wrapped to kMaxColumns and defaults in the description.
class HelpFormatter : public CLI::Formatter {
 public:
  HelpFormatter();
  std::string make_option_opts(const CLI::Option* opt) const override;
  std::string make_option_desc(const CLI::Option* opt) const override;
  std::string make_subcommand(const CLI::App* sub) const override;
  std::string make_description(const CLI::App* app) const override;
  std::string make_footer(const CLI::App* app) const override;
};

/// `mnemo help [COMMAND]`: the help of mnemo or of one command, on stdout.
void AddHelpCommand(CLI::App& app, int* exit_code);

/// Parses and runs; returns the process exit code (errors print one line and return 2).
int RunCli(CLI::App& app, int argc, char** argv, const int& exit_code);

}  // namespace mnemo::cli
