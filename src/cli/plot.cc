// mnemo plot: a gnuplot figure of report rows (scaling, delta, tradeoff, compare, bits); the
// self-contained gnuplot script is written beside the figure.
#include "mnemo/analyze.h"
#include "mnemo/plot.h"
#include "mnemo/rows.h"
#include "src/cli/cli_util.h"
#include "src/cli/commands.h"
#include "src/cli/rows_flags.h"
#include "src/explore/internal.h"

namespace mnemo::cli {
namespace {

struct PlotFlags {
  RowsFlags rows;
  std::string kind = "scaling", output, measure, title;
};

// The command line that makes this figure, for the script's first line.
std::string CommandOf(const PlotFlags& f) {
  using internal::ShellQuote;
  std::string s = "mnemo plot";
  for (const std::string& in : f.rows.inputs) s += " " + ShellQuote(in);
  s += " --kind " + ShellQuote(f.kind);
  if (!f.measure.empty()) s += " --measure " + ShellQuote(f.measure);
  if (!f.title.empty()) s += " --title " + ShellQuote(f.title);
  if (!f.rows.constructions.empty()) s += " -c " + ShellQuote(f.rows.constructions);
  for (const std::string& w : f.rows.where) s += " --where " + ShellQuote(w);
  return s + " -o " + ShellQuote(f.output);
}

int Run(const PlotFlags& f) {
  const std::string command = CommandOf(f);
  PlotOptions o;
  o.kind = ParsePlotKind(f.kind);
  o.output = f.output;
  o.measure = f.measure;
  o.title = f.title;
  o.command = command;
  CheckWritable(f.output);
  std::vector<Row> rows = LoadRows(f.rows, "plot");
  const std::string script = MakePlot(rows, o);
  fmt::print("wrote {} (gnuplot script: {})\n", f.output, script);
  return 0;
}

}  // namespace

void AddPlotCommand(CLI::App& app, int* exit_code) {
  auto f = std::make_shared<PlotFlags>();
  CLI::App* cmd = AddCommand(app, "plot", "a gnuplot figure of report rows, with fits and bounds",
                             exit_code, [f]() { return Run(*f); });
  AddRowsFlags(cmd, &f->rows);
  cmd->add_option("--kind", f->kind, "scaling, delta, tradeoff, compare or bits (see below)")
      ->default_str("scaling");
  cmd->add_option("-o,--output", f->output, "figure: .png, .svg or .pdf")->required();
  cmd->add_option("--measure", f->measure,
                  "the measure drawn (w2l2, params_nonzero, total_weight_bits, ...)")
      ->default_str("the kind's");
  cmd->add_option("--title", f->title, "figure title")->default_str("generated");
  cmd->footer("Kinds: scaling (a measure against N at fixed δ), delta (against log2 1/δ at fixed\n"
              "N), tradeoff (W against L with iso-W²L² curves), compare (bars per construction\n"
              "and N), bits (total weight bits against N). The script FIG.gp beside the figure\n"
              "holds the data: edit it and run `gnuplot FIG.gp` to restyle.");
}

}  // namespace mnemo::cli
