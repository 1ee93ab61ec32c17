// mnemo export: float64/float32 layers for NumPy/PyTorch (safetensors or npz).
#include "mnemo/error.h"
#include "mnemo/io.h"
#include "src/cli/cli_util.h"
#include "src/cli/commands.h"

namespace mnemo::cli {

void AddExportCommand(CLI::App& app, int* exit_code) {
  struct Opts {
    std::string network;
    std::string format;
    std::string dtype = "float64";
    std::string output;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(app, "export", "write the network's layers as float tensors (safetensors or npz)", exit_code, [o] {
    ExportFormat format;
    if (o->format == "safetensors") format = ExportFormat::kSafetensors;
    else if (o->format == "npz") format = ExportFormat::kNpz;
    else Fail("--format: expected safetensors or npz, got \"{}\"", o->format);
    ExportDtype dtype;
    if (o->dtype == "float64") dtype = ExportDtype::kFloat64;
    else if (o->dtype == "float32") dtype = ExportDtype::kFloat32;
    else Fail("--dtype: expected float64 or float32, got \"{}\"", o->dtype);
    Network net = LoadNetwork(o->network);
    if (o->output == o->network) Fail("-o {}: would overwrite the network file", o->output);
    ExportNetwork(net, format, dtype, o->output);
    fmt::print("wrote {} ({}, {})\n", o->output, o->format, o->dtype);
    return 0;
  });
  cmd->add_option("NETWORK", o->network, "network file (JSON)")->required();
  cmd->add_option("--format", o->format, "safetensors | npz")->required();
  cmd->add_option("--dtype", o->dtype, "float64 | float32")->default_str("float64");
  cmd->add_option("-o,--output", o->output, "file to write")->required();
}

}  // namespace mnemo::cli
