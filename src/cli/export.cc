// mnemo export: the network's layers as dense float tensors, in one of the formats of the
// exporter table (io.h: Exporters()).
#include "mnemo/error.h"
#include "mnemo/io.h"
#include "src/cli/cli_util.h"
#include "src/cli/commands.h"

namespace mnemo::cli {
namespace {

struct ExportFlags {
  std::string network;
  std::string format;
  std::string dtype = "float64";
  std::string output;
};

std::string FormatsHelp() {
  std::string s = "Formats:\n";
  for (const Exporter& e : Exporters())
    s += fmt::format("  {:<12} {} (*{})\n", e.name, e.description, e.extension);
  return s;
}

int Run(const ExportFlags& f) {
  const Exporter* format = f.format.empty() ? ExporterForPath(f.output) : &FindExporter(f.format);
  if (!format) Fail("-o {}: no export format has this extension; give --format", f.output);
  const ExportDtype dtype = ParseExportDtype(f.dtype);
  CheckWritable(f.output, {f.network});
  Network net = LoadNetwork(f.network);
  ExportNetwork(net, *format, dtype, f.output);
  fmt::print("wrote {} ({}, {})\n", f.output, format->name, f.dtype);
  return 0;
}

}  // namespace

void AddExportCommand(CLI::App& app, int* exit_code) {
  auto f = std::make_shared<ExportFlags>();
  CLI::App* cmd = AddCommand(app, "export",
                             "write the network's layers as dense float tensors (safetensors, npz)",
                             exit_code, [f] { return Run(*f); });
  cmd->add_option("NETWORK", f->network, "network file (JSON)")->type_name("")->required();
  cmd->add_option("--format", f->format, "export format (below)")
      ->type_name("NAME")
      ->default_str("from the extension of FILE");
  cmd->add_option("--dtype", f->dtype, "float64 | float32")->type_name("T")->default_str("float64");
  AddOutputOption(cmd, &f->output, "file to write", true);
  cmd->footer(FormatsHelp());
}

}  // namespace mnemo::cli
