// Plot: figures of report rows with gnuplot — log–log axes, the measured points, the fitted line
// with its exponent and 95% interval in the legend, the theory lines (the construction's upper
// bound with its constant, the lower bounds), one colour per construction. The gnuplot script
// is self-contained (the data inline) and kept beside the figure (FIG.gp), so a figure can be
// restyled and remade with `gnuplot FIG.gp`.
#pragma once

#include <string>
#include <vector>

#include "mnemo/rows.h"

namespace mnemo {

enum class PlotKind {
  kScaling,   ///< a measure (default W²L²) against N at fixed δ and knobs
  kDelta,     ///< a measure (default W²L²) against log2(1/δ) at fixed N
  kTradeoff,  ///< W against L at fixed N, with iso-W²L² hyperbolas
  kCompare,   ///< a measure (default nonzero parameters) per construction and N, as bars
  kBits,      ///< total weight bits against N with the counting bound N·log2 C
};
/// "scaling", "delta", "tradeoff", "compare", "bits"; mnemo::Error naming the choices otherwise.
PlotKind ParsePlotKind(const std::string& name);

struct PlotOptions {
  PlotKind kind = PlotKind::kScaling;
  std::string output;   ///< FIG.png, FIG.svg or FIG.pdf (the terminal follows the extension)
  std::string measure;  ///< "" = the kind's default (a Measure() name, report.h)
  std::string title;    ///< "" = generated
  std::string command;  ///< the command that made it, for the script's first line
};

/// The gnuplot script that draws `rows` into options.output. mnemo::Error when the rows hold
/// nothing to draw for this kind (e.g. no two values of N in any group for `scaling`).
std::string PlotScript(const std::vector<Row>& rows, const PlotOptions& options);

/// The path of the script kept beside the figure: FIG.png → FIG.gp.
std::string ScriptPathFor(const std::string& figure);

/// Writes the script beside the figure and runs gnuplot on it; mnemo::Error when gnuplot is
/// missing or fails, or the figure comes out empty. Returns the script's path.
std::string MakePlot(const std::vector<Row>& rows, const PlotOptions& options);

}  // namespace mnemo
