// mnemo list: the registered constructions with their size bounds; --long adds what each
// builds, the paper, the attempts and every option with its default.
#include "mnemo/construction.h"
#include "mnemo/table.h"
#include "src/cli/cli_util.h"
#include "src/cli/commands.h"
#include "src/cli/help.h"

namespace mnemo::cli {
namespace {

nlohmann::ordered_json ListJson() {
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  for (const Construction& c : Registry()) {
    nlohmann::ordered_json opts = nlohmann::ordered_json::array();
    for (const OptionSpec& o : c.options)
      opts.push_back({{"name", o.name},
                      {"value", o.value_name},
                      {"default", o.default_value},
                      {"help", o.help}});
    rows.push_back({{"name", c.name},
                    {"summary", c.summary},
                    {"bound", c.bound},
                    {"citation", c.citation},
                    {"needs_classes", c.needs_classes},
                    {"default_attempts", c.default_attempts},
                    {"options", opts}});
  }
  return {{"constructions", rows}};
}

// "  key       value", the value wrapped under itself.
std::string Item(const std::string& key, const std::string& value) {
  return WrapText(fmt::format("  {:<9} {}", key, value), 12, kMaxColumns) + "\n";
}

std::string LongText() {
  std::string s;
  for (const Construction& c : Registry()) {
    s += WrapText(fmt::format("{} — {}", c.name, c.summary), 4, kMaxColumns) + "\n";
    s += Item("labels", c.needs_classes ? "classes (integer labels)" : "any (classes or real)");
    s += Item("size", c.bound);
    s += Item("after", c.citation);
    s += Item("attempts", fmt::format("{} by default (build–verify–retry, --attempts K)",
                                       c.default_attempts));
    for (const OptionSpec& o : c.options) {
      std::string flag = fmt::format("--{} {}", o.name, o.value_name);
      std::string text = o.help;
      if (!o.default_value.empty()) text += fmt::format(" (default: {})", o.default_value);
      s += WrapText(fmt::format("    {:<28} {}", flag, text), 33, kMaxColumns) + "\n";
    }
    s += "\n";
  }
  return s;
}

}  // namespace

void AddListCommand(CLI::App& app, int* exit_code) {
  struct Flags {
    bool json = false, long_text = false;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* cmd = AddCommand(
      app, "list", "list the constructions with their size bounds (--long: options, papers)",
      exit_code, [f] {
        if (f->json) {
          PrintJson(ListJson());
        } else if (f->long_text) {
          fmt::print("{}", LongText());
        } else {
          StreamTable t({"construction", "labels", "size"}, {12, 7, 0}, "lll");
          t.PrintHeader();
          for (const Construction& c : Registry())
            t.PrintRow({c.name, c.needs_classes ? "classes" : "any", c.bound});
          fmt::print("\n`mnemo list --long` shows what each builds, its paper and its options.\n");
        }
        return 0;
      });
  cmd->add_flag("--long", f->long_text, "each construction in full: paper, attempts, options");
  cmd->add_flag("--json", f->json, "print one JSON object");
}

}  // namespace mnemo::cli
