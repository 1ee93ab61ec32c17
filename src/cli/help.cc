#include "src/cli/help.h"

#include <cctype>
#include <cstdio>
#include <new>
#include <sstream>
#include <vector>

#include <fmt/format.h>

#include "mnemo/error.h"
#include "mnemo/options.h"
#include "mnemo/table.h"

namespace mnemo::cli {
namespace {

constexpr size_t kNameColumn = 28;

// Wraps every paragraph of `text` to `width` columns; continuation lines keep the paragraph's
// indentation plus `extra` spaces.
std::string WrapParagraphs(const std::string& text, size_t width, size_t extra = 0) {
  std::string out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(start, end - start);
    const size_t indent = std::min(line.find_first_not_of(' '), line.size());
    out += WrapText(line, indent + extra, width);
    if (end == text.size()) break;
    out += '\n';
    start = end + 1;
  }
  return out;
}

std::vector<std::string> CommandNames(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
    names.push_back(sub->get_name());
  return names;
}

[[noreturn]] void FailUnknownCommand(const CLI::App& app, const std::string& name) {
  const std::string nearest = NearestName(name, CommandNames(app));
  if (!nearest.empty()) Fail("unknown command \"{}\" (did you mean {}?)", name, nearest);
  Fail("unknown command \"{}\"; `mnemo --help` lists the commands", name);
}

// CLI11 messages start with a capital ("The following arguments were not expected: ...").
std::string ParserMessage(const CLI::ParseError& e) {
  std::string m = e.what();
  if (m == "A subcommand is required") return "no command given; `mnemo --help` lists them";
  if (m.size() > 1 && std::isupper(static_cast<unsigned char>(m[0])) &&
      std::islower(static_cast<unsigned char>(m[1])))
    m[0] = char(std::tolower(static_cast<unsigned char>(m[0])));
  return m;
}

// One line: newlines in a message (CLI11 writes some on several) become "; ", any other
// control byte is escaped.
void PrintError(const std::string& message) {
  std::string line;
  for (char c : message) line += c == '\n' ? std::string("; ") : std::string(1, c);
  std::fprintf(stderr, "mnemo: error: %s\n", internal::Printable(line).c_str());
}

// The command being parsed when an error struck ("" before any).
std::string CurrentCommand(const CLI::App& app) {
  const std::vector<CLI::App*> subs = app.get_subcommands();
  return subs.empty() ? "" : subs.back()->get_name();
}

}  // namespace

HelpFormatter::HelpFormatter() { column_width(kNameColumn); }

std::string HelpFormatter::make_option_opts(const CLI::Option* opt) const {
  std::string out;
  if (opt->get_type_size() != 0) {
    if (!opt->get_type_name().empty()) out += " " + opt->get_type_name();
    if (opt->get_required()) out += " (required)";
  }
  return out;
}

std::string HelpFormatter::make_option_desc(const CLI::Option* opt) const {
  std::string desc = opt->get_description();
  const std::string def = opt->get_default_str();
  if (!def.empty() && desc.find("(default") == std::string::npos)
    desc += fmt::format(" (default: {})", def);
  return WrapParagraphs(desc, kMaxColumns - kNameColumn);
}

std::string HelpFormatter::make_subcommand(const CLI::App* sub) const {
  std::stringstream out;
  CLI::detail::format_help(out, sub->get_name(),
                           WrapParagraphs(sub->get_description(), kMaxColumns - kNameColumn),
                           kNameColumn);
  return out.str();
}

std::string HelpFormatter::make_description(const CLI::App* app) const {
  const std::string desc = app->get_description();
  return desc.empty() ? "" : WrapParagraphs(desc, kMaxColumns) + "\n";
}

std::string HelpFormatter::make_footer(const CLI::App* app) const {
  const std::string footer = app->get_footer();
  return footer.empty() ? "" : WrapParagraphs(footer, kMaxColumns, 4) + "\n";
}

void AddHelpCommand(CLI::App& app, int* exit_code) {
  auto topic = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("help", "show the help of mnemo or of one command");
  cmd->add_option("COMMAND", *topic, "the command (default: all commands)");
  cmd->callback([&app, topic, exit_code] {
    // The formatter directly: App::help() would describe the selected command, `help` itself.
    const CLI::App* about = &app;
    if (!topic->empty()) {
      about = nullptr;
      for (const CLI::App* s : app.get_subcommands([](CLI::App*) { return true; }))
        if (s->get_name() == *topic) about = s;
      if (!about) FailUnknownCommand(app, *topic);
    }
    const std::string name = about == &app ? "mnemo" : "mnemo " + about->get_name();
    fmt::print("{}", about->get_formatter()->make_help(about, name, CLI::AppFormatMode::Normal));
    *exit_code = 0;
  });
}

int RunCli(CLI::App& app, int argc, char** argv, const int& exit_code) {
  try {
    if (argc > 1 && argv[1][0] != '-') {
      const std::vector<std::string> names = CommandNames(app);
      if (std::find(names.begin(), names.end(), argv[1]) == names.end())
        FailUnknownCommand(app, argv[1]);
    }
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    const std::string command = CurrentCommand(app);
    PrintError(command.empty() ? ParserMessage(e)
                               : fmt::format("{}: {} (see `mnemo {} --help`)", command,
                                             ParserMessage(e), command));
    return 2;
  } catch (const Error& e) {
    PrintError(e.what());
    return 2;
  } catch (const std::bad_alloc&) {
    PrintError("out of memory");
    return 2;
  }
  return exit_code;
}

}  // namespace mnemo::cli
