// mnemo inspect: the size table and provenance of a network file.
#include "mnemo/io.h"
#include "mnemo/table.h"
#include "src/cli/cli_util.h"
#include "src/cli/commands.h"

namespace mnemo::cli {

void AddInspectCommand(CLI::App& app, int* exit_code) {
  struct Opts {
    std::string network;
    bool json = false;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(app, "inspect", "size table and provenance of a network", exit_code, [o] {
    Network net = LoadNetwork(o->network);
    nlohmann::ordered_json j;
    j["construction"] = net.construction;
    j["options"] = net.options;
    j["seed"] = net.seed;
    j["dataset"] = {{"hash", net.dataset.hash}, {"n", net.dataset.n}, {"d", net.dataset.d},
                    {"classes", net.dataset.classes}};
    j["network"] = ToJson(net.Stats());
    nlohmann::ordered_json layers = nlohmann::ordered_json::array();
    for (const Layer& l : net.layers)
      layers.push_back({{"inputs", l.inputs}, {"outputs", l.outputs},
                        {"activation", ToString(l.activation)}, {"nonzeros", l.nonzeros()}});
    j["layers"] = layers;
    j["report"] = net.report;
    if (o->json) {
      PrintJson(j);
      return 0;
    }
    fmt::print("{} network ({}), seed {}, built on data {} (n = {}, d = {}, classes = {})\n\n",
               net.construction, net.classification ? "classes" : "real targets", net.seed,
               net.dataset.hash, net.dataset.n, net.dataset.d, net.dataset.classes);
    fmt::print("{}\n", SizeTable(net.Stats()).ToText());
    Table layers_table({"layer", "inputs", "outputs", "activation", "nonzeros"});
    for (size_t l = 0; l < net.layers.size(); ++l) {
      const Layer& layer = net.layers[l];
      if (net.layers.size() > 12 && l >= 5 && l + 5 < net.layers.size()) {
        if (l == 5) layers_table.AddRow({"...", "", "", "", ""});
        continue;
      }
      layers_table.AddRow({fmt::format("{}", l + 1), fmt::format("{}", layer.inputs),
                           fmt::format("{}", layer.outputs), ToString(layer.activation),
                           fmt::format("{}", layer.nonzeros())});
    }
    fmt::print("{}", layers_table.ToText());
    if (!net.report.empty()) {
      fmt::print("\nreport:\n");
      for (auto it = net.report.begin(); it != net.report.end(); ++it)
        fmt::print("  {}: {}\n", it.key(),
                   it.value().is_string() ? it.value().get<std::string>() : it.value().dump());
    }
    return 0;
  });
  cmd->add_option("NETWORK", o->network, "network file (JSON)")->required();
  cmd->add_flag("--json", o->json, "print one JSON object");
}

}  // namespace mnemo::cli
