// mnemo list: the registered constructions with their size bounds.
#include "mnemo/construction.h"
#include "mnemo/table.h"
#include "src/cli/cli_util.h"
#include "src/cli/commands.h"

namespace mnemo::cli {

void AddListCommand(CLI::App& app, int* exit_code) {
  auto json = std::make_shared<bool>(false);
  CLI::App* cmd = AddCommand(app, "list", "list the constructions with their size bounds", exit_code, [json] {
    if (*json) {
      nlohmann::ordered_json rows = nlohmann::ordered_json::array();
      for (const Construction& c : Registry()) {
        nlohmann::ordered_json opts = nlohmann::ordered_json::array();
        for (const OptionSpec& o : c.options)
          opts.push_back({{"name", o.name}, {"value", o.value_name}, {"default", o.default_value},
                          {"help", o.help}});
        rows.push_back({{"name", c.name}, {"summary", c.summary}, {"bound", c.bound},
                        {"citation", c.citation}, {"needs_classes", c.needs_classes},
                        {"default_attempts", c.default_attempts}, {"options", opts}});
      }
      PrintJson({{"constructions", rows}});
      return 0;
    }
    Table t({"construction", "labels", "size", "after"});
    for (const Construction& c : Registry())
      t.AddRow({c.name, c.needs_classes ? "classes" : "any", c.bound, c.citation});
    fmt::print("{}", t.ToText());
    return 0;
  });
  cmd->add_flag("--json", *json, "print one JSON object");
}

}  // namespace mnemo::cli
