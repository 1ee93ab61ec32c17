// mnemo capacity: Jacobian-rank thresholds of a two-layer network as proven intervals, the
// memory-capacity bounds they give, and the verdict on the ⌊m/2⌋(d+2) conjecture; --grid runs a
// whole (m, d) table.
#include <memory>
#include <regex>

#include "mnemo/error.h"
#include "mnemo/jacobian_capacity.h"
#include "mnemo/table.h"
#include "src/cli/cli_util.h"
#include "src/cli/commands.h"
#include "src/cli/theory_output.h"
#include "src/internal/wrap.h"

namespace mnemo::cli {
namespace {

struct CapacityFlags {
  std::string activation = "tanh", grid, certificate = "proof", output;
  int64_t m = 0, d = 0;
  uint64_t seed = 1;
  int draws = 2;
  bool json = false, csv = false, no_certify = false;
};

struct Range {
  int64_t lo = 0, hi = 0;
};

/// "m1..m2 x d1..d2" (or a single value per side).
std::pair<Range, Range> ParseGrid(const std::string& text) {
  static const std::regex re(R"(\s*(\d+)(?:\.\.(\d+))?\s*[xX×]\s*(\d+)(?:\.\.(\d+))?\s*)");
  std::smatch mt;
  if (!std::regex_match(text, mt, re) || text.size() > 40)
    Fail("--grid: expected M1..M2xD1..D2, got \"{}\"", text);
  auto num = [&](int k, int fallback) {
    return std::stoll(mt[k].matched ? mt[k].str() : mt[fallback].str());
  };
  Range m{num(1, 1), num(2, 1)}, d{num(3, 3), num(4, 3)};
  if (m.lo < 1 || d.lo < 1 || m.hi < m.lo || d.hi < d.lo)
    Fail("--grid: empty or non-positive range \"{}\"", text);
  if ((m.hi - m.lo + 1) * (d.hi - d.lo + 1) > 400 || m.hi * (d.hi + 2) > 5000)
    Fail("--grid: at most 400 cells with m(d+2) ≤ 5000, got \"{}\"", text);
  return {m, d};
}

std::string Cell(const JacobianThreshold& t) {
  return t.Decided() ? std::to_string(t.upper)
                     : fmt::format("{}..{}", t.proof ? t.lower : 0, t.upper);
}

int RunGrid(const CapacityFlags& f, JacobianCapacityOptions o) {
  auto [mr, dr] = ParseGrid(f.grid);
  Table t({"m", "d", "⌊md/2⌋", "W random", "all random", "W paired", "all paired", "⌊m/2⌋(d+2)",
           "MC ≤", "conjecture", "seconds"});
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  for (int64_t m = mr.lo; m <= mr.hi; ++m)
    for (int64_t d = dr.lo; d <= dr.hi; ++d) {
      o.m = m;
      o.d = d;
      JacobianCapacityReport r = ComputeJacobianCapacity(o);
      t.AddRow({std::to_string(m), std::to_string(d), std::to_string(r.theorem_bound),
                Cell(r.rows[0]), Cell(r.rows[1]), Cell(r.rows[2]), Cell(r.rows[3]),
                std::to_string((m / 2) * (d + 2)), std::to_string(r.upper.value),
                ToString(r.conjecture.kind), FormatNumber(r.seconds, 3)});
      rows.push_back(r.ToJson());
    }
  std::string text;
  if (f.json) {
    nlohmann::ordered_json j;
    j["activation"] = o.activation.Name();
    j["grid"] = rows;
    text = j.dump(2) + "\n";
  } else if (f.csv) {
    text = t.ToCsv();
  } else {
    text = t.ToText() +
           "n* cells: a number is decided (proven witness = proven upper bound); "
           "a..b is a proven interval\n";
  }
  Emit(text, f.output);
  return 0;
}

int RunCapacity(const CapacityFlags& f) {
  CheckFormatFlags(f.csv, f.json, "capacity");
  CheckOutputPath(f.output);
  if (f.json || f.csv) Progress::SetEnabled(false);
  JacobianCapacityOptions o;
  o.activation = TwoLayerActivation::Parse(f.activation);
  o.seed = f.seed;
  o.draws = f.draws;
  o.certify = !f.no_certify;
  if (f.certificate != "proof" && f.certificate != "float")
    Fail("--certificate: expected proof or float, got \"{}\"", f.certificate);
  o.mode = f.certificate == "proof" ? CertificateMode::kProof : CertificateMode::kFloat;
  if (!f.grid.empty()) return RunGrid(f, o);
  if (f.m < 1 || f.d < 1) Fail("capacity: --m and --d (or --grid) are required");
  if (f.m * (f.d + 2) > 5000) Fail("capacity: m(d+2) must be ≤ 5000, got {}", f.m * (f.d + 2));
  if (f.csv) Fail("capacity: --csv needs --grid");
  o.m = f.m;
  o.d = f.d;
  JacobianCapacityReport r = ComputeJacobianCapacity(o);
  Emit(f.json ? r.ToJson().dump(2) + "\n" : r.ToText(), f.output);
  return 0;
}

}  // namespace

void AddCapacityCommand(CLI::App& app, int* exit_code) {
  auto f = std::make_shared<CapacityFlags>();
  CLI::App* cmd = AddCommand(app, "capacity",
                             "Jacobian-rank capacity thresholds of a two-layer network, proven",
                             exit_code, [f] { return RunCapacity(*f); });
  cmd->add_option("--activation", f->activation, "σ (names below)")->capture_default_str();
  cmd->add_option("--m", f->m, "hidden units")->default_str("required without --grid");
  cmd->add_option("--d", f->d, "input dimension")->default_str("required without --grid");
  cmd->add_option("--grid", f->grid, "M1..M2xD1..D2: the whole (m, d) table")->default_str("none");
  cmd->add_option("--seed", f->seed, "seed")->capture_default_str();
  cmd->add_option("--draws", f->draws, "random draws per rank")->capture_default_str();
  cmd->add_flag("--no-certify", f->no_certify, "numerical thresholds only (nothing proven)");
  cmd->add_option("--certificate", f->certificate,
                  "proof, or float (the fast path for transcendental σ; not a proof)")
      ->capture_default_str();
  cmd->add_flag("--csv", f->csv, "--grid: print CSV");
  cmd->add_flag("--json", f->json, "print one JSON object");
  cmd->footer(internal::Wrap("Activations: " + TwoLayerActivation::Vocabulary(), 100, ""));
  AddOutputOption(cmd, &f->output, "write the output to FILE instead of stdout", false);
}

}  // namespace mnemo::cli
