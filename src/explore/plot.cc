// Gnuplot figures of report rows: one self-contained script per figure (data in datablocks),
// kept beside the figure and run with gnuplot.
#include "mnemo/plot.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

#include "mnemo/analyze.h"
#include "mnemo/error.h"
#include "mnemo/io.h"
#include "mnemo/table.h"
#include "src/explore/internal.h"

namespace mnemo {
namespace {

using Points = std::vector<std::pair<double, double>>;

const char* const kColours[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd",
                                "#ff7f0e", "#17becf", "#8c564b", "#e377c2"};
const int kPointTypes[] = {7, 5, 9, 13, 11, 6, 4, 8};

// Text for gnuplot's enhanced mode inside a double-quoted string.
std::string Text(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '_' || c == '^' || c == '{' || c == '}' || c == '@' || c == '&' || c == '~')
      out += "\\\\";
    out += c;
  }
  return out;
}

std::string MeasureLabel(const std::string& m) {
  static const std::map<std::string, std::string> labels = {
      {"w2l2", "W^2L^2"},
      {"params_nonzero", "nonzero parameters"},
      {"params_dense", "dense parameters"},
      {"total_weight_bits", "total weight bits"},
      {"max_weight_bits", "max bits per weight"},
      {"neurons", "hidden neurons"},
      {"width", "width W"},
      {"depth", "depth L"}};
  auto it = labels.find(m);
  return it == labels.end() ? Text(m) : it->second;
}

std::string Num(double v) { return fmt::format("{:.6g}", v); }

// The label of a tic on a log axis: plain below 10^5, m·10^k above.
std::string TicLabel(double v) {
  if (v < 1e5) return fmt::format("{:g}", v);
  const int k = int(std::floor(std::log10(v) + 1e-9));
  const double m = v / std::pow(10.0, k);
  if (std::fabs(m - 1) < 1e-9) return fmt::format("10^{{{}}}", k);
  return fmt::format("{:g}·10^{{{}}}", m, k);
}

// Tics of a log axis over [lo, hi]: 1-2-5 per decade, finer when the range is short, only
// powers of ten when it is long.
std::string LogTics(const char* axis, double lo, double hi) {
  std::vector<double> mantissas = {1, 2, 5};
  const double decades = std::log10(hi / lo);
  if (decades < 1.2) mantissas = {1, 1.5, 2, 3, 4, 5, 6, 7, 8};
  if (decades > 5) mantissas = {1};
  std::string out;
  for (int k = int(std::floor(std::log10(lo))) - 1; k <= int(std::ceil(std::log10(hi))); ++k)
    for (double m : mantissas) {
      const double v = m * std::pow(10.0, k);
      if (v < lo || v > hi) continue;
      out += fmt::format("{}\"{}\" {}", out.empty() ? "" : ", ", TicLabel(v), Num(v));
    }
  return fmt::format("set {}tics ({})\n", axis, out);
}

class Script {
 public:
  std::string Block(Points pts) {
    std::sort(pts.begin(), pts.end());
    const std::string name = fmt::format("$d{}", blocks_count_++);
    blocks_ += name + " << EOD\n";
    for (const auto& [x, y] : pts) blocks_ += Num(x) + " " + Num(y) + "\n";
    blocks_ += "EOD\n";
    return name;
  }
  void Plot(const std::string& clause) { plots_.push_back(clause); }
  void Set(const std::string& line) { settings_ += line + "\n"; }
  void Track(const Points& pts) {
    for (const auto& [x, y] : pts) {
      if (!(x > 0) || !(y > 0)) continue;
      xmin_ = std::min(xmin_, x), xmax_ = std::max(xmax_, x);
      ymin_ = std::min(ymin_, y), ymax_ = std::max(ymax_, y);
    }
  }
  std::string Text(const std::string& header) const {
    std::string s = header + blocks_ + settings_;
    if (std::isfinite(xmin_) && xmin_ < xmax_) {
      s += fmt::format("set xrange [{}:{}]\n", Num(xmin_ / 1.15), Num(xmax_ * 1.15));
      s += LogTics("x", xmin_ / 1.15, xmax_ * 1.15);
    }
    if (std::isfinite(ymin_) && ymin_ < ymax_) {
      s += fmt::format("set yrange [{}:{}]\n", Num(ymin_ / 1.5), Num(ymax_ * 1.5));
      s += LogTics("y", ymin_ / 1.5, ymax_ * 1.5);
    }
    s += "plot \\\n";
    for (size_t i = 0; i < plots_.size(); ++i)
      s += "  " + plots_[i] + (i + 1 < plots_.size() ? ", \\\n" : "\n");
    return s;
  }
  bool Empty() const { return plots_.empty(); }

 private:
  std::string blocks_, settings_;
  std::vector<std::string> plots_;
  int blocks_count_ = 0;
  double xmin_ = INFINITY, xmax_ = -INFINITY, ymin_ = INFINITY, ymax_ = -INFINITY;
};

std::string Terminal(const std::string& output) {
  const std::string ext = std::filesystem::path(output).extension().string();
  if (ext == ".png") return "set terminal pngcairo size 1100,900 enhanced font 'DejaVu Sans,12'";
  if (ext == ".svg") return "set terminal svg size 1100,900 dynamic enhanced font 'DejaVu Sans,12'";
  if (ext == ".pdf") return "set terminal pdfcairo size 7.5in,6.2in enhanced font 'DejaVu Sans,10'";
  Fail("-o {}: the figure must be .png, .svg or .pdf", output);
}

std::string Header(const PlotOptions& o, const std::string& title) {
  const std::string name = std::filesystem::path(o.output).filename().string();
  std::string s = "# " + (o.command.empty() ? std::string("mnemo plot") : o.command) + "\n";
  s += "# Self-contained gnuplot script (the data are inline); restyle it and rerun: gnuplot " +
       std::filesystem::path(ScriptPathFor(o.output)).filename().string() + "\n";
  s += "set encoding utf8\n" + Terminal(o.output) + "\n";
  s += "if (!exists(\"outfile\")) outfile = '" + name + "'\nset output outfile\n";
  s += "set title \"" + title + "\"\n";
  s += "set grid xtics ytics mxtics mytics lc rgb '#e0e0e0' lw 1\n";
  // Below the axes: a legend inside would hide points wherever they happen to lie.
  s += o.kind == PlotKind::kCompare
           ? "set key inside top left vertical Left reverse noautotitle box opaque font ',10'\n"
           : "set key outside below left vertical Left reverse noautotitle samplen 3 spacing 1.05 "
             "font ',10' maxcols 1\n";
  s += "set border lw 1.2\nset pointsize 1.3\n";
  return s;
}

std::string FitTitle(const PowerFit& f, const std::string& var) {
  if (!std::isfinite(f.exponent_low))
    return fmt::format("fit ∝ {}^{{{}}}", var, FormatNumber(f.exponent, 3));
  return fmt::format("fit ∝ {}^{{{} ± {}}} (95%)", var, FormatNumber(f.exponent, 3),
                     FormatNumber((f.exponent_high - f.exponent_low) / 2, 2));
}

// Colours by construction, in order of first appearance.
class Palette {
 public:
  std::string Colour(const std::string& construction) {
    auto [it, fresh] = index_.try_emplace(construction, int(index_.size()));
    return kColours[it->second % 8];
  }
  int NextPointType(const std::string& construction) {
    return kPointTypes[groups_[construction]++ % 8];
  }

 private:
  std::map<std::string, int> index_;
  std::map<std::string, int> groups_;
};

// The theory lines of one fit group: each bound on `measure`, at each row's x.
void TheoryLines(const std::vector<Row>& rows, const ScalingFit& f, const std::string& colour,
                 std::set<std::string>* titled, Script* s) {
  std::map<std::string, std::pair<const Bound*, Points>> by_formula;
  std::map<std::string, std::vector<double>> ratios;
  for (size_t k = 0; k < f.members.size(); ++k)
    for (const Bound& b : rows[f.members[k]].report.theory) {
      if (b.measure != f.measure || !std::isfinite(b.scale)) continue;
      by_formula[b.formula].first = &b;
      by_formula[b.formula].second.emplace_back(f.x[k], b.scale);
      ratios[b.formula].push_back(b.Ratio());
    }
  for (auto& [formula, entry] : by_formula) {
    const Bound& b = *entry.first;
    const bool upper = b.kind == Bound::Kind::kUpper;
    const bool known = std::isfinite(b.constant);
    const double c = known ? b.constant : upper ? SpreadOf(ratios[formula]).median : 1.0;
    Points pts = entry.second;
    for (auto& p : pts) p.second *= c;
    s->Track(pts);
    const std::string label = fmt::format(
        "{} bound: {} ({})", upper ? "upper" : "lower", Text(formula.substr(0, formula.find(" ("))),
        known ? fmt::format("c = {}", FormatNumber(c, 3))
              : upper ? fmt::format("c = {}, the median", FormatNumber(c, 3)) : "c = 1 drawn");
    const bool first = titled->insert(f.construction + formula).second;
    s->Plot(fmt::format("{} using 1:2 with lines lw 2 dt {} lc rgb '{}' {}", s->Block(pts),
                        upper ? 2 : 3, colour,
                        first ? "title \"" + Text(f.construction) + " " + label + "\"" : "notitle"));
  }
}

std::string AxisVar(const std::string& axis) {
  return axis == "N" ? "N" : axis == "L" ? "L" : "log_2(1/δ)";
}

void PlotFits(const std::vector<Row>& rows, const std::vector<ScalingFit>& fits,
              bool theory, Script* s) {
  Palette palette;
  std::set<std::string> titled;
  const std::vector<std::string> common = CommonCoordinates(rows);
  for (const ScalingFit& f : fits) {
    const std::string colour = palette.Colour(f.construction);
    const int pt = palette.NextPointType(f.construction);
    Points pts;
    for (size_t k = 0; k < f.x.size(); ++k) pts.emplace_back(f.x[k], f.y[k]);
    s->Track(pts);
    const std::string fixed = DescribeCoordinates(f.fixed, common);
    s->Plot(fmt::format("{} using 1:2 with points pt {} lc rgb '{}' title \"{}\"", s->Block(pts),
                        pt, colour, Text(f.construction + (fixed.empty() ? "" : ", " + fixed))));
    const double lo = *std::min_element(f.x.begin(), f.x.end());
    const double hi = *std::max_element(f.x.begin(), f.x.end());
    auto line = [&](double x) { return f.fit.prefactor * std::pow(x, f.fit.exponent); };
    s->Plot(fmt::format("{} using 1:2 with lines lw 2.5 lc rgb '{}' title \"  {}\"",
                        s->Block({{lo, line(lo)}, {hi, line(hi)}}), colour,
                        FitTitle(f.fit, AxisVar(f.axis))));
    if (theory) TheoryLines(rows, f, colour, &titled, s);
  }
}

std::vector<ScalingFit> FitsFor(const std::vector<Row>& rows, const std::string& axis,
                                const std::string& measure) {
  AnalyzeOptions o;
  o.measures = {measure};
  Analysis a = Analyze(rows, o);
  std::vector<ScalingFit> out;
  for (ScalingFit& f : a.fits)
    if (f.axis == axis && f.measure == measure) out.push_back(std::move(f));
  return out;
}

std::string ScalingScript(const std::vector<Row>& rows, const PlotOptions& o,
                          const std::string& axis, const std::string& measure) {
  const std::vector<ScalingFit> fits = FitsFor(rows, axis, measure);
  if (fits.empty())
    Fail("plot: no group of rows has two values of {} with the rest fixed (sweep {} with two "
         "values or more)",
         axis == "N" ? "N" : "δ", axis == "N" ? "--n" : "--delta");
  const std::string var = axis == "N" ? "points N" : "log_2(1/δ)";
  const std::string title =
      o.title.empty() ? fmt::format("{} against {}", MeasureLabel(measure),
                                    axis == "N" ? "N at fixed δ" : "log_2(1/δ) at fixed N")
                      : Text(o.title);
  Script s;
  s.Set("set logscale xy");
  s.Set("set xlabel \"" + var + "\"\nset ylabel \"" + MeasureLabel(measure) + "\"");
  PlotFits(rows, fits, true, &s);
  return s.Text(Header(o, title));
}

std::string TradeoffScript(const std::vector<Row>& rows, const PlotOptions& o) {
  const std::vector<ScalingFit> fits = FitsFor(rows, "L", "width");
  if (fits.empty())
    Fail("plot --kind tradeoff: no group of rows has two depths with the rest fixed (sweep "
         "--depth or --width with two values or more)");
  std::vector<double> w2l2;
  double lmin = INFINITY, lmax = 0;
  for (const ScalingFit& f : fits)
    for (size_t k = 0; k < f.x.size(); ++k) {
      w2l2.push_back(f.x[k] * f.x[k] * f.y[k] * f.y[k]);
      lmin = std::min(lmin, f.x[k]);
      lmax = std::max(lmax, f.x[k]);
    }
  Script s;
  s.Set("set logscale xy\nset xlabel \"depth L\"\nset ylabel \"width W\"");
  const Spread spread = SpreadOf(w2l2);
  const std::pair<double, const char*> isos[] = {
      {spread.min, "min"}, {spread.median, "median"}, {spread.max, "max"}};
  for (const auto& [k, which] : isos) {
    Points curve;
    for (int i = 0; i <= 40; ++i) {
      const double l = lmin / 1.2 * std::pow(lmax * 1.44 / lmin, i / 40.0);
      curve.emplace_back(l, std::sqrt(k) / l);
    }
    s.Plot(fmt::format("{} using 1:2 with lines lw 1.5 dt 4 lc rgb '#888888' title \"W^2L^2 = "
                       "{} ({} of the points)\"",
                       s.Block(curve), FormatNumber(k, 3), which));
  }
  PlotFits(rows, fits, false, &s);
  const std::string title = o.title.empty() ? "width against depth: the W^2L^2 trade-off"
                                            : Text(o.title);
  return s.Text(Header(o, title));
}

std::string CompareScript(const std::vector<Row>& rows, const PlotOptions& o,
                          const std::string& measure) {
  std::vector<std::string> names;
  std::map<int64_t, std::map<std::string, double>> best;  // N → construction → smallest
  for (const Row& r : rows) {
    const Report& rep = r.report;
    if (!rep.ok() || rep.network.depth == 0) continue;
    if (std::find(names.begin(), names.end(), rep.construction) == names.end())
      names.push_back(rep.construction);
    const double v = Measure(rep.network, measure);
    auto [it, fresh] = best[rep.data.n].try_emplace(rep.construction, v);
    if (!fresh) it->second = std::min(it->second, v);
  }
  if (best.empty()) Fail("plot --kind compare: no row holds a network");
  std::string block = "$bars << EOD\n";
  double lo = INFINITY, hi = 0;
  for (const auto& [n, values] : best)
    for (const auto& [name, v] : values)
      if (v > 0) lo = std::min(lo, v), hi = std::max(hi, v);
  for (const auto& [n, values] : best) {
    block += fmt::format("\"N = {}\"", n);
    for (const std::string& name : names)
      block += " " + (values.count(name) ? Num(values.at(name)) : std::string("NaN"));
    block += "\n";
  }
  block += "EOD\n";
  std::string s = Header(o, o.title.empty() ? MeasureLabel(measure) +
                                                  ": the smallest network of each construction"
                                            : Text(o.title));
  s += block + "set style data histograms\nset style histogram clustered gap 1\n";
  s += "set style fill solid 0.85 border -1\nset boxwidth 0.9\nset logscale y\n";
  if (hi > 0) s += fmt::format("set yrange [{}:{}]\n", Num(lo / 3), Num(hi * 2)) + LogTics("y", lo / 3, hi * 2);
  s += "set ylabel \"" + MeasureLabel(measure) + "\"\nset xtics nomirror\n";
  s += "set grid noxtics\nplot \\\n";
  for (size_t i = 0; i < names.size(); ++i)
    s += fmt::format("  $bars using {}{} lc rgb '{}' title \"{}\"{}\n", i + 2,
                     i == 0 ? ":xtic(1)" : "", kColours[i % 8], Text(names[i]),
                     i + 1 < names.size() ? ", \\" : "");
  return s;
}

std::string FindProgram(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin:/bin";
  size_t pos = 0;
  while (pos <= dirs.size()) {
    size_t colon = dirs.find(':', pos);
    std::string dir = dirs.substr(pos, colon == std::string::npos ? std::string::npos : colon - pos);
    pos = colon == std::string::npos ? dirs.size() + 1 : colon + 1;
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

}  // namespace

PlotKind ParsePlotKind(const std::string& name) {
  if (name == "scaling") return PlotKind::kScaling;
  if (name == "delta") return PlotKind::kDelta;
  if (name == "tradeoff") return PlotKind::kTradeoff;
  if (name == "compare") return PlotKind::kCompare;
  if (name == "bits") return PlotKind::kBits;
  Fail("--kind: expected scaling, delta, tradeoff, compare or bits, got \"{}\"", name);
}

std::string PlotScript(const std::vector<Row>& rows, const PlotOptions& o) {
  Terminal(o.output);  // checks the extension first
  if (!o.measure.empty()) Measure(NetworkStats{}, o.measure);  // unknown: mnemo::Error
  auto measure = [&](const char* fallback) { return o.measure.empty() ? fallback : o.measure; };
  switch (o.kind) {
    case PlotKind::kScaling: return ScalingScript(rows, o, "N", measure("w2l2"));
    case PlotKind::kDelta: return ScalingScript(rows, o, "log2(1/delta)", measure("w2l2"));
    case PlotKind::kBits: return ScalingScript(rows, o, "N", measure("total_weight_bits"));
    case PlotKind::kTradeoff: return TradeoffScript(rows, o);
    case PlotKind::kCompare: return CompareScript(rows, o, measure("params_nonzero"));
  }
  MNEMO_CHECK(false, "unknown plot kind");
}

std::string ScriptPathFor(const std::string& figure) {
  return std::filesystem::path(figure).replace_extension(".gp").string();
}

std::string MakePlot(const std::vector<Row>& rows, const PlotOptions& o) {
  const std::string script = PlotScript(rows, o);
  const std::string gnuplot = FindProgram("gnuplot");
  if (gnuplot.empty())
    Fail("plot: gnuplot not found (install the Debian package gnuplot-nox: "
         "scripts/install-deps.sh)");
  const std::string script_path = ScriptPathFor(o.output);
  WriteFileAtomic(script_path, script);
  const std::string tmp = fmt::format("{}.tmp-{}{}", o.output, ::getpid(),
                                      std::filesystem::path(o.output).extension().string());
  internal::ChildPool pool(1);
  pool.Start(0, {gnuplot, "-e", "outfile='" + tmp + "'", script_path}, {}, {60, 0});
  internal::ChildResult r = pool.WaitAny().at(0).second;
  std::error_code ec;
  const auto size = std::filesystem::file_size(tmp, ec);
  if (r.exit_code != 0 || ec || size == 0) {
    std::filesystem::remove(tmp, ec);
    Fail("plot: gnuplot failed on {} ({}): {}", script_path,
         r.timed_out ? "timeout" : fmt::format("exit {}", r.exit_code),
         r.err.substr(0, r.err.find('\n', 200)));
  }
  std::filesystem::rename(tmp, o.output);
  return script_path;
}

}  // namespace mnemo
