// mnemo analyze: scaling fits with 95% intervals, the constants of the theorems, and every row
// checked against every bound it carries. Exit 1 when a bound is violated.
#include <cmath>
#include <set>

#include "mnemo/analyze.h"
#include "mnemo/rows.h"
#include "src/cli/cli_util.h"
#include "src/cli/commands.h"
#include "src/cli/rows_flags.h"

namespace mnemo::cli {
namespace {

struct AnalyzeFlags {
  RowsFlags rows;
  std::string measures, by, only;
  bool json = false, csv = false, all_checks = false;
};

std::string Num(double v) { return std::isfinite(v) ? FormatNumber(v, 4) : "-"; }

std::string Interval(double lo, double hi) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) return "-";
  return fmt::format("[{}, {}]", FormatNumber(lo, 3), FormatNumber(hi, 3));
}

std::string ShortFormula(const std::string& f, size_t width = 36) {
  std::string s = f.substr(0, f.find(" ("));
  return s.size() > width ? s.substr(0, width - 3) + "..." : s;
}

Table FitTable(bool csv) {
  if (csv)
    return Table({"axis", "construction", "fixed", "measure", "points", "exponent", "ci95_low",
                  "ci95_high", "prefactor", "r2"});
  return Table({"measure", "points", "exponent", "95% CI", "prefactor", "R²"});
}

void PrintFits(const Analysis& a, const std::vector<std::string>& common) {
  fmt::print("Scaling fits: least squares on log–log axes, 95% intervals (Student t)\n");
  if (a.fits.empty()) fmt::print("  none: no group of rows varies N, δ or L with the rest fixed\n");
  std::string group;
  Table t = FitTable(false);
  auto flush = [&]() {
    if (!group.empty()) fmt::print("\n{}\n{}", WrapText(group, 2), t.ToText());
    t = FitTable(false);
  };
  for (const ScalingFit& f : a.fits) {
    const std::string axis = f.axis == "log2(1/delta)" ? "log2(1/δ)" : f.axis;
    const std::string fixed = DescribeCoordinates(f.fixed, common);
    std::string g = fmt::format("{} against {}{}", f.construction, axis,
                                fixed.empty() ? "" : ", at " + fixed);
    if (g != group) {
      flush();
      group = g;
    }
    t.AddRow({f.measure, std::to_string(f.fit.points), Num(f.fit.exponent),
              Interval(f.fit.exponent_low, f.fit.exponent_high), Num(f.fit.prefactor),
              FormatNumber(f.fit.r2, 4)});
  }
  flush();
}

void PrintConstants(const Analysis& a) {
  fmt::print("\nConstants of the theorems: measured / the bound's scale, over the rows built\n");
  if (a.constants.empty()) fmt::print("  none: no row carries an upper bound\n");
  std::string construction;
  for (const ConstantSummary& c : a.constants) {
    if (c.construction != construction) {
      construction = c.construction;
      fmt::print("\n{}\n", construction);
    }
    std::string by = DescribeCoordinates(c.by);
    fmt::print("  {}{}{}\n", ShortFormula(c.formula, 80), by.empty() ? "" : "  at " + by,
               std::isfinite(c.theorem_constant)
                   ? fmt::format(" (theorem: c = {})", Num(c.theorem_constant))
                   : "");
    fmt::print("    rows {}, min {}, median {}, max {}, mean {} {}\n", c.ratio.count,
               Num(c.ratio.min), Num(c.ratio.median), Num(c.ratio.max), Num(c.ratio.mean),
               Interval(c.ratio.mean_low, c.ratio.mean_high));
  }
}

std::string Verdict(const BoundSummary& b) {
  std::vector<std::string> parts;
  if (b.holds) parts.push_back(fmt::format("{} hold", b.holds));
  if (b.violated) parts.push_back(fmt::format("{} VIOLATED", b.violated));
  if (b.unknown) parts.push_back(b.unknown == b.rows ? "no constant" : fmt::format("{} ?", b.unknown));
  return fmt::format("{}", fmt::join(parts, ", "));
}

void PrintBounds(const Analysis& a, bool all_checks) {
  fmt::print("\nBounds: every row against every bound it carries (ratio = measured / scale)\n");
  std::string construction;
  Table t({"bound", "kind", "tag", "rows", "verdict", "ratio min", "ratio max"});
  auto flush = [&]() {
    if (!construction.empty()) fmt::print("\n{}\n{}", construction, t.ToText());
    t = Table({"bound", "kind", "tag", "rows", "verdict", "ratio min", "ratio max"});
  };
  for (const BoundSummary& b : a.bounds) {
    if (b.construction != construction) {
      flush();
      construction = b.construction;
    }
    t.AddRow({ShortFormula(b.formula), b.kind == Bound::Kind::kUpper ? "upper" : "lower", b.tag,
              std::to_string(b.rows), Verdict(b), Num(b.min_ratio), Num(b.max_ratio)});
  }
  flush();
  const int64_t violated = a.Violated();
  if (violated) fmt::print("\n{} BOUND CHECKS VIOLATED:\n", violated);
  for (const BoundCheck& c : a.checks) {
    const bool bad = c.holds.has_value() && !*c.holds;
    if (!bad && !all_checks) continue;
    const Bound& b = c.bound;
    fmt::print("{}\n", WrapText(fmt::format("  {} {}: {} {} {}: measured {}, limit {}, ratio {} "
                                            "({}) [{}]",
                                            bad ? "VIOLATED" : "checked", c.where, c.construction,
                                            b.kind == Bound::Kind::kUpper ? "upper" : "lower",
                                            ShortFormula(b.formula, 60), Num(b.measured),
                                            Num(b.constant * b.scale), Num(b.Ratio()),
                                            !c.holds ? "no constant" : *c.holds ? "holds" : "violated",
                                            c.label),
                                4));
  }
}

void PrintCsv(const Analysis& a, const std::string& only) {
  auto section = [&](const std::string& name) { return only.empty() || only == name; };
  if (section("fits")) {
    Table t = FitTable(true);
    for (const ScalingFit& f : a.fits)
      t.AddRow({f.axis, f.construction, DescribeCoordinates(f.fixed, {"construction"}), f.measure,
                std::to_string(f.fit.points), Num(f.fit.exponent), Num(f.fit.exponent_low),
                Num(f.fit.exponent_high), Num(f.fit.prefactor), Num(f.fit.r2)});
    fmt::print("{}{}", only.empty() ? "# fits\n" : "", t.ToCsv());
  }
  if (section("constants")) {
    Table t({"construction", "formula", "by", "rows", "min", "median", "max", "mean",
             "mean_ci95_low", "mean_ci95_high"});
    for (const ConstantSummary& c : a.constants)
      t.AddRow({c.construction, c.formula, DescribeCoordinates(c.by), std::to_string(c.ratio.count),
                Num(c.ratio.min), Num(c.ratio.median), Num(c.ratio.max), Num(c.ratio.mean),
                Num(c.ratio.mean_low), Num(c.ratio.mean_high)});
    fmt::print("{}{}", only.empty() ? "\n# constants\n" : "", t.ToCsv());
  }
  if (section("bounds")) {
    Table t({"row", "construction", "coordinates", "kind", "formula", "measured", "scale",
             "constant", "ratio", "verdict"});
    for (const BoundCheck& c : a.checks)
      t.AddRow({c.where, c.construction, c.label,
                c.bound.kind == Bound::Kind::kUpper ? "upper" : "lower", c.bound.formula,
                Num(c.bound.measured), Num(c.bound.scale), Num(c.bound.constant),
                Num(c.bound.Ratio()),
                !c.holds ? "no constant" : *c.holds ? "holds" : "violated"});
    fmt::print("{}{}", only.empty() ? "\n# bounds\n" : "", t.ToCsv());
  }
}

int Run(const AnalyzeFlags& f) {
  if (!f.only.empty() && f.only != "fits" && f.only != "constants" && f.only != "bounds")
    Fail("--only: expected fits, constants or bounds, got \"{}\"", f.only);
  if (f.json && f.csv) Fail("analyze: give --json or --csv, not both");
  std::vector<Row> rows = LoadRows(f.rows, "analyze");
  AnalyzeOptions o;
  if (!f.measures.empty()) o.measures = internal::ParseListFlag("measure", f.measures);
  if (!f.by.empty()) o.constants_by = internal::ParseListFlag("by", f.by);
  const Analysis a = Analyze(rows, o);
  if (f.json) {
    nlohmann::ordered_json j = a.ToJson();
    if (!f.only.empty()) j = {{f.only, j[f.only == "bounds" ? "checks" : f.only]}};
    PrintJson(j);
  } else if (f.csv) {
    PrintCsv(a, f.only);
  } else {
    const std::vector<std::string> common = CommonCoordinates(rows);
    nlohmann::ordered_json shared = nlohmann::ordered_json::object();
    const nlohmann::ordered_json first = Coordinates(rows[0].report);
    for (const std::string& k : common)
      if (k != "construction" && first.contains(k)) shared[k] = first[k];
    fmt::print("{}\n", WrapText(fmt::format("{} rows, {} with a network; common to all: {}",
                                            a.rows, a.built, DescribeCoordinates(shared)),
                                2));
    if (f.only.empty() || f.only == "fits") PrintFits(a, common);
    if (f.only.empty() || f.only == "constants") PrintConstants(a);
    if (f.only.empty() || f.only == "bounds") PrintBounds(a, f.all_checks);
  }
  return a.Violated() ? 1 : 0;
}

}  // namespace

void AddAnalyzeCommand(CLI::App& app, int* exit_code) {
  auto f = std::make_shared<AnalyzeFlags>();
  CLI::App* cmd = AddCommand(
      app, "analyze",
      "scaling fits with 95% intervals, theorem constants and bound checks of report rows",
      exit_code, [f]() { return Run(*f); });
  AddRowsFlags(cmd, &f->rows);
  cmd->add_option("--measure", f->measures, "measures fitted against N and δ (see below)")
      ->default_str("all but max_weight_bits");
  cmd->add_option("--by", f->by, "split the constants by coordinates, e.g. depth,delta")
      ->default_str("none");
  cmd->add_option("--only", f->only, "one section: fits, constants or bounds")
      ->default_str("all");
  cmd->add_flag("--all-checks", f->all_checks, "list every bound check, not only violated ones");
  cmd->add_flag("--json", f->json, "print one JSON object (fits with their points, every check)");
  cmd->add_flag("--csv", f->csv, "print CSV (the sections marked by # lines unless --only)");
  cmd->footer("Measures: w2l2, params_nonzero, params_dense, total_weight_bits, max_weight_bits,\n"
              "neurons, width, depth. Rows are grouped by their grid coordinates: a fit against N\n"
              "holds every other coordinate fixed and pools the seeds. Exit 1: a bound is violated.");
}

}  // namespace mnemo::cli
