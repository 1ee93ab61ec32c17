// mnemo inspect: the size table, the layers and the build report of a network file.
#include "mnemo/io.h"
#include "mnemo/report.h"
#include "mnemo/table.h"
#include "src/cli/cli_util.h"
#include "src/cli/commands.h"

namespace mnemo::cli {
namespace {

nlohmann::ordered_json InspectJson(const Network& net) {
  nlohmann::ordered_json j;
  j["construction"] = net.construction;
  j["options"] = net.options;
  j["seed"] = net.seed;
  j["dataset"] = {{"hash", net.dataset.hash},
                  {"n", net.dataset.n},
                  {"d", net.dataset.d},
                  {"classes", net.dataset.classes}};
  j["network"] = mnemo::ToJson(net.Stats());
  // The user's labels, class index c ↦ labels[c]: the text labels, else the integers.
  if (net.classification && net.class_names.empty()) j["labels"] = net.class_values;
  if (net.classification && !net.class_names.empty()) j["labels"] = net.class_names;
  nlohmann::ordered_json layers = nlohmann::ordered_json::array();
  for (const Layer& l : net.layers)
    layers.push_back({{"inputs", l.inputs},
                      {"outputs", l.outputs},
                      {"activation", ToString(l.activation)},
                      {"nonzeros", l.nonzeros()}});
  j["layers"] = layers;
  j["report"] = net.report;
  return j;
}

// Layers 1–5 and the last 5 when there are more than 12.
Table LayerTable(const Network& net) {
  Table t({"layer", "inputs", "outputs", "activation", "nonzeros"});
  const size_t n = net.layers.size();
  for (size_t l = 0; l < n; ++l) {
    if (n > 12 && l >= 5 && l + 5 < n) {
      if (l == 5) t.AddRow({"...", "", "", "", ""});
      continue;
    }
    const Layer& layer = net.layers[l];
    t.AddRow({fmt::format("{}", l + 1), fmt::format("{}", layer.inputs),
              fmt::format("{}", layer.outputs), ToString(layer.activation),
              fmt::format("{}", layer.nonzeros())});
  }
  return t;
}

// The build report as Report::Full prints it; a report that is not a Report row (a file written
// before reports were typed) as wrapped key: value lines.
std::string ReportText(const nlohmann::ordered_json& report, const std::string& path) {
  if (report.empty()) return "";
  try {
    return Report::FromJson(report, path).Full();
  } catch (const Error&) {
    std::string s;
    for (auto it = report.begin(); it != report.end(); ++it)
      s += WrapText(fmt::format("  {}: {}", it.key(),
                                it.value().is_string() ? it.value().get<std::string>()
                                                       : it.value().dump()),
                    4) +
           "\n";
    return s;
  }
}

// "labels: cat, dog, emu" (the first 20, in class-index order).
std::string LabelLine(const Network& net) {
  std::string s = "labels:";
  const int64_t n = int64_t(net.class_values.size());
  for (int64_t c = 0; c < std::min<int64_t>(n, 20); ++c)
    s += (c ? ", " : " ") + net.ClassLabel(c);
  if (n > 20) s += fmt::format(", ... ({} in all)", n);
  return s;
}

}  // namespace

void AddInspectCommand(CLI::App& app, int* exit_code) {
  struct Flags {
    std::string network;
    bool json = false;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* cmd = AddCommand(
      app, "inspect", "size table, layers and build report of a network file", exit_code, [f] {
        Network net = LoadNetwork(f->network);
        if (f->json) {
          PrintJson(InspectJson(net));
          return 0;
        }
        fmt::print("{}\n\n",
                   WrapText(fmt::format("{} network, seed {}, built on data {} (N = {}, d = {}, {})",
                                        net.construction, net.seed, net.dataset.hash,
                                        net.dataset.n, net.dataset.d,
                                        net.classification
                                            ? fmt::format("C = {}", net.dataset.classes)
                                            : "real targets"),
                            2));
        if (net.classification) fmt::print("{}\n\n", WrapText(LabelLine(net), 2));
        fmt::print("{}\n{}", SizeTable(net.Stats()).ToText(), LayerTable(net).ToText());
        const std::string report = ReportText(net.report, f->network);
        if (!report.empty()) fmt::print("\nbuild report:\n{}", report);
        return 0;
      });
  cmd->add_option("NETWORK", f->network, "network file (JSON)")->type_name("")->required();
  cmd->add_flag("--json", f->json, "print one JSON object");
}

}  // namespace mnemo::cli
