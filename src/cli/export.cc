// mnemo export: the network's layers as dense float tensors, in one of the formats of the
// exporter table (io.h: Exporters()). The file is first run in its dtype on the data the network
// was built on (or --check DATA) and refused when a row would lose its label, unless
// --allow-inexact (export_check.h); its metadata records the check.
#include "mnemo/error.h"
#include "mnemo/export_check.h"
#include "mnemo/io.h"
#include "mnemo/smtlib_export.h"
#include "src/cli/cli_util.h"
#include "src/cli/commands.h"

namespace mnemo::cli {
namespace {

struct ExportFlags {
  std::string network;
  std::string format;
  std::string dtype = "float64";
  std::string output;
  DataFlags check;  ///< --check DATA; empty spec: the data the network was built on
  bool allow_inexact = false;
};

std::string FormatsHelp() {
  std::string s = "Formats:\n";
  for (const Exporter& e : Exporters())
    s += fmt::format("  {:<12} {} (*{})\n", e.name, e.description, e.extension);
  s += fmt::format("  {:<12} {} (*{})\n", "smtlib",
                   "exact certificate on the data: unsat <=> every label right", ".smt2");
  return s;
}

// The data to check the export on: --check DATA, else the source the network's report names
// (it must still be the data the network was built on).
Dataset CheckData(const ExportFlags& f, const Network& net) {
  if (!f.check.spec.empty()) return LoadData(f.check);
  const std::string source =
      net.report.contains("dataset") ? net.report["dataset"].value("source", "") : "";
  if (source.empty())
    Fail("{}: the network does not name the data it was built on; give --check DATA", f.network);
  DataFlags flags{source, f.check.options};
  // The rows it was built on (a --limit is not part of the source's name).
  if (flags.options.limit <= 0 && net.report["dataset"].value("rows", int64_t(0)) > 0)
    flags.options.limit = net.report["dataset"]["rows"].get<int64_t>();
  Dataset data;
  try {
    data = LoadData(flags);
  } catch (const Error& e) {
    Fail(
        "{}: cannot reload {} (the data it was built on) to check the export: {}; give --check "
        "DATA",
        f.network, source, e.what());
  }
  if (!net.dataset.hash.empty() && data.Fingerprint().hash != net.dataset.hash)
    Fail("{}: {} is no longer the data it was built on (fingerprint {} vs {}); give --check DATA",
         f.network, source, data.Fingerprint().hash, net.dataset.hash);
  return data;
}

// --format smtlib (or -o FILE.smt2): the exact certificate of the network on the data.
bool IsSmtlib(const ExportFlags& f) {
  if (!f.format.empty()) return f.format == "smtlib";
  return f.output.size() > 5 && f.output.compare(f.output.size() - 5, 5, ".smt2") == 0;
}

int RunSmtlib(const ExportFlags& f) {
  CheckWritable(f.output, {f.network});
  Network net = LoadNetwork(f.network);
  const Dataset data = CheckData(f, net);
  WriteFileAtomic(f.output, SmtlibCertificate(net, data));
  fmt::print("wrote {} (smtlib, QF_LRA, {} points: unsat <=> every point gets its label)\n",
             f.output, data.n());
  return 0;
}

int Run(const ExportFlags& f) {
  if (IsSmtlib(f)) return RunSmtlib(f);
  const Exporter* format = f.format.empty() ? ExporterForPath(f.output) : &FindExporter(f.format);
  if (!format) Fail("-o {}: no export format has this extension; give --format", f.output);
  const ExportDtype dtype = ParseExportDtype(f.dtype);
  CheckWritable(f.output, {f.network});
  Network net = LoadNetwork(f.network);
  const Dataset data = CheckData(f, net);
  ProgressStep step(fmt::format("running the {} file on {}", f.dtype, data.source));
  const DtypeCheck check = CheckInDtype(net, data, dtype);
  step.Finish();
  if (!check.all_correct() && !f.allow_inexact) {
    fmt::print(stderr, "mnemo: export: refused: in {} the file gets {} of {} rows wrong\n", f.dtype,
               check.wrong, check.checked);
    fmt::print(stderr, "  why: {}\n", check.Why());
    for (const Mismatch& m : check.first_wrong)
      fmt::print(stderr, "  row {}: expected {}, got {}\n", m.index, m.expected, m.got);
    fmt::print(stderr, "  nothing written: {} may be exact;\n",
               dtype == ExportDtype::kFloat32
                   ? "--dtype float64, or a network built with --max-weight-bits 24,"
                   : "a network built with --max-weight-bits 53");
    fmt::print(stderr,
               "  --allow-inexact writes it anyway (its metadata then says \"exact\": false)\n");
    return 1;
  }
  ExportNetwork(net, *format, dtype, f.output, check.ToJson());
  fmt::print("wrote {} ({}, {}, {} on {}/{} rows)\n", f.output, format->name, f.dtype,
             check.all_correct() ? "exact" : "INEXACT", check.checked - check.wrong, check.checked);
  return 0;
}

}  // namespace

void AddExportCommand(CLI::App& app, int* exit_code) {
  auto f = std::make_shared<ExportFlags>();
  CLI::App* cmd =
      AddCommand(app, "export", "write the network for other tools: npz, safetensors, onnx, smtlib",
                 exit_code, [f] { return Run(*f); });
  cmd->add_option("NETWORK", f->network, "network file (JSON)")->type_name("")->required();
  cmd->add_option("--format", f->format, "export format (below)")
      ->type_name("NAME")
      ->default_str("from the extension of FILE");
  cmd->add_option("--dtype", f->dtype, "float64 | float32")->type_name("T")->default_str("float64");
  cmd->add_option("--check", f->check.spec, "data to run the exported file on")
      ->type_name("DATA")
      ->default_str("the data the network was built on");
  AddDataFlags(cmd, &f->check, false);
  cmd->add_flag("--allow-inexact", f->allow_inexact,
                "write the file even when it gets rows wrong in its dtype");
  AddOutputOption(cmd, &f->output, "file to write", true);
  cmd->footer(FormatsHelp());
}

}  // namespace mnemo::cli
