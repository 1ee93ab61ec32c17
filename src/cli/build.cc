// mnemo build: construct a memorizing network, verify it exactly, write it.
#include <chrono>
#include <filesystem>

#include "mnemo/construction.h"
#include "mnemo/error.h"
#include "mnemo/io.h"
#include "mnemo/table.h"
#include "mnemo/verify.h"
#include "src/cli/cli_util.h"
#include "src/cli/commands.h"

namespace mnemo::cli {
namespace {

std::string OptionsFooter() {
  std::string s = "Construction options (after -c NAME):\n";
  for (const Construction& c : Registry()) {
    s += fmt::format("  {}:\n", c.name);
    for (const OptionSpec& o : c.options)
      s += fmt::format("    --{} {}{}  {}\n", o.name, o.value_name,
                       o.default_value.empty() ? "" : " (" + o.default_value + ")", o.help);
  }
  return s;
}

}  // namespace

/// Rows of the size table shared by build and inspect.
Table SizeTable(const Network& net) {
  NetworkStats s = net.Stats();
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
  struct Opts {
    DataFlags data;
    std::string construction;
    uint64_t seed = 1;
    std::string output;
    bool json = false;
    bool no_verify = false;
    bool exact_delta = false;
  };
  auto o = std::make_shared<Opts>();
  CLI::App* cmd = AddCommand(app, "build", "construct a network that memorizes DATA, verify it exactly, write it", exit_code, [o, &app]() {
    auto start = std::chrono::steady_clock::now();
    CLI::App* self = app.get_subcommand("build");
    ParamMap params = ParseConstructionOptions(self->remaining());
    if (o->json) Progress::SetEnabled(false);
    const bool progress = !o->json;
    if (std::filesystem::exists(o->output) && std::filesystem::equivalent(o->output, o->data.spec))
      Fail("-o {}: would overwrite the input data", o->output);
    Dataset data = LoadData(o->data);
    Report report;
    std::optional<Network> net = BuildNetwork(o->construction, data, params, o->seed, &report, progress,
                                                o->exact_delta);
    nlohmann::ordered_json j;
    j["construction"] = o->construction;
    j["dataset"] = {{"n", data.n()}, {"rows", data.original_rows}, {"d", data.d()},
                    {"classes", data.classes()}};
    InputMap map = ComputeNormalization(data);
    ProjectedSeparation sep = ComputeProjectedSeparation(data, map, o->seed);
    nlohmann::ordered_json separation = {{"projected_gap", sep.gap}, {"delta_lower_bound", sep.delta_lower}};
    if (report.timings.contains("exact_delta")) separation["delta"] = report.fields.value("delta", 0.0);
    j["dataset"]["separation"] = separation;
    if (!net) {
      j["report"] = report.ToJson();
      if (o->json) PrintJson(j);
      else fmt::print(stderr, "mnemo: {}\n", report.Brief());
      return 1;
    }
    VerifyReport verify;
    if (!o->no_verify) {
      VerifyOptions vo;
      vo.progress = progress;
      verify = Verify(*net, data, vo);
    }
    bool ok = o->no_verify || verify.all_correct();
    if (ok) SaveNetwork(*net, o->output);
    double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    j["network"] = ToJson(net->Stats());
    j["report"] = report.ToJson();
    if (!o->no_verify) j["verify"] = verify.ToJson();
    nlohmann::ordered_json timings = {{"build", report.build_seconds},
                                      {"verify", verify.seconds_exact},
                                      {"total", total}};
    for (auto it = report.timings.begin(); it != report.timings.end(); ++it)
      timings["build_" + it.key()] = it.value();
    j["timings_s"] = timings;
    j["output"] = ok ? o->output : "";
    if (o->json) {
      PrintJson(j);
    } else {
      fmt::print("{}\n", report.Full());
      fmt::print("{}", SizeTable(*net).ToText());
      fmt::print("\nbuild {:.2f} s, verify {:.2f} s, total {:.2f} s\n", report.build_seconds,
                 verify.seconds_exact, total);
      if (!o->no_verify) fmt::print("verified {}\n", verify.Brief());
      if (ok) fmt::print("wrote {}\n", o->output);
      else fmt::print(stderr, "mnemo: verification FAILED; {} not written\n", o->output);
    }
    return ok ? 0 : 1;
  });
  AddDataFlags(cmd, &o->data);
  cmd->add_option("-c,--construction", o->construction, "construction (see `mnemo list`)")->required();
  cmd->add_option("--seed", o->seed, "seed of every random choice");
  cmd->add_option("-o,--output", o->output, "network file to write (JSON, exact)")->required();
  cmd->add_flag("--no-verify", o->no_verify, "skip the exact verification after building");
  cmd->add_flag("--exact-delta", o->exact_delta, "also compute the exact minimum distance δ");
  cmd->add_flag("--json", o->json, "print one JSON object");
  cmd->allow_extras();
  cmd->footer(OptionsFooter());
}

}  // namespace mnemo::cli
