// mnemo build: construct a memorizing network, verify it exactly, write it.
#include <chrono>
#include <filesystem>

#include "mnemo/io.h"
#include "mnemo/pipeline.h"
#include "mnemo/table.h"
#include "src/cli/cli_util.h"
#include "src/cli/commands.h"

namespace mnemo::cli {
namespace {

struct BuildFlags {
  DataFlags data;
  std::string construction;
  RunFlags run;
  std::string output;
  bool json = false;
};

std::string OptionsFooter() {
  std::string s = "Construction options (after -c NAME; `mnemo list --long` explains them):\n";
  for (const Construction& c : Registry()) {
    std::string line = fmt::format("  {}:", c.name);
    for (const OptionSpec& o : c.options) {
      std::string item = fmt::format(" --{} {}", o.name, o.value_name);
      if (line.size() + item.size() > 98) {
        s += line + "\n";
        line = std::string(4, ' ');
      }
      line += item;
    }
    s += line + "\n";
  }
  return s;
}

void PrintText(const Report& r, const std::string& output, bool written) {
  fmt::print("{}", r.Full());
  fmt::print("\n{}", SizeTable(r.network).ToText());
  if (written)
    fmt::print("wrote {}\n", output);
  else if (r.ok())
    fmt::print("verification skipped; {} written unverified\n", output);
}

int Run(const BuildFlags& f, const ParamMap& params) {
  const auto start = std::chrono::steady_clock::now();
  const Construction& c = FindConstruction(f.construction);
  std::any options = c.parse(params);
  CheckWritable(f.output, f.data.spec);
  if (f.json) Progress::SetEnabled(false);
  Dataset data = LoadData(f.data);
  RunResult result = mnemo::RunConstruction(c, options, data, ToRunOptions(f.run, !f.json));
  Report& r = result.report;
  const bool write = result.network.has_value();
  if (write) SaveNetwork(*result.network, f.output);
  r.timings.Add("command",
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  if (f.json) {
    nlohmann::ordered_json j = r.ToJson();
    j["output"] = write ? f.output : "";
    PrintJson(j);
  } else if (r.ok() || r.status != Status::kDoesNotApply) {
    if (r.ok())
      PrintText(r, f.output, write && r.verification.run);
    else
      fmt::print(stderr, "mnemo: {}\n", WrapText(r.Brief(), 7));
  }
  return ExitCode(r);
}

}  // namespace

Table SizeTable(const NetworkStats& s) {
  Table t({"size", "value"});
  t.AddRow({"depth (affine maps)", fmt::format("{}", s.depth)});
  t.AddRow({"width (largest hidden layer)", fmt::format("{}", s.width)});
  t.AddRow({"hidden neurons", fmt::format("{}", s.neurons)});
  t.AddRow({"nonzero parameters", fmt::format("{}", s.params_nonzero)});
  t.AddRow({"dense parameters", fmt::format("{}", s.params_dense)});
  t.AddRow({"max weight bits", fmt::format("{}", s.max_weight_bits)});
  t.AddRow({"total weight bits", fmt::format("{}", s.total_weight_bits)});
  if (s.relays) t.AddRow({"relay neurons", fmt::format("{}", s.relays)});
  return t;
}

void AddBuildCommand(CLI::App& app, int* exit_code) {
  auto f = std::make_shared<BuildFlags>();
  CLI::App* cmd = AddCommand(
      app, "build", "construct a network that memorizes DATA, verify it exactly, write it",
      exit_code, [f, &app]() {
        ParamMap params = ParseConstructionOptions(app.get_subcommand("build")->remaining());
        return Run(*f, params);
      });
  AddDataFlags(cmd, &f->data);
  cmd->add_option("-c,--construction", f->construction, "construction (see `mnemo list`)")
      ->required();
  AddRunFlags(cmd, &f->run);
  cmd->add_option("-o,--output", f->output, "network file to write (JSON, exact)")->required();
  cmd->add_flag("--json", f->json, "print one JSON object (the report row)");
  cmd->allow_extras();
  cmd->footer(OptionsFooter());
}

}  // namespace mnemo::cli
