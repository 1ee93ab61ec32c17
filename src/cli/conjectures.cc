// mnemo conjectures: the design notes' conjectures, each decided by running the tool now; with
// --markdown the table the README shows.
#include "mnemo/conjectures.h"

#include <memory>

#include "mnemo/error.h"
#include "src/cli/cli_util.h"
#include "src/cli/commands.h"
#include "src/cli/theory_output.h"
#include "src/internal/wrap.h"

namespace mnemo::cli {
namespace {

struct ConjectureFlags {
  bool markdown = false, json = false, quick = false;
  uint64_t seed = 1;
  std::string output;
};

std::string Text(const std::vector<Conjecture>& cs) {
  std::string out;
  for (const Conjecture& c : cs) {
    out += internal::Wrap(c.topic + ": " + c.verdict.claim, 100, "  ");
    out += internal::Wrap("  " + ToString(c.verdict.kind) + ": " + c.verdict.reason, 100, "    ");
    if (!c.verdict.evidence.empty())
      out += internal::Wrap("  evidence: " + c.verdict.evidence, 100, "    ");
    out +=
        internal::Wrap(fmt::format("  command: {} ({:.1f} s)", c.command, c.seconds), 100, "    ");
  }
  return out;
}

int RunConjectures(const ConjectureFlags& f) {
  if (f.markdown && f.json) Fail("conjectures: --markdown and --json are exclusive");
  CheckOutputPath(f.output);
  ConjectureOptions o;
  o.quick = f.quick;
  o.seed = f.seed;
  o.progress = !f.json && !f.markdown;
  std::vector<Conjecture> cs = DecideConjectures(o);
  std::string text = f.markdown ? ConjecturesMarkdown(cs)
                     : f.json   ? ConjecturesJson(cs).dump(2) + "\n"
                                : Text(cs);
  Emit(text, f.output);
  return 0;
}

}  // namespace

void AddConjecturesCommand(CLI::App& app, int* exit_code) {
  auto f = std::make_shared<ConjectureFlags>();
  CLI::App* cmd =
      AddCommand(app, "conjectures", "decide the design notes' conjectures by running the tool",
                 exit_code, [f] { return RunConjectures(*f); });
  cmd->add_flag("--markdown", f->markdown, "print the table the README shows");
  cmd->add_flag("--json", f->json, "print one JSON object");
  cmd->add_flag("--quick", f->quick, "smaller measurements (weaker evidence, same claims)");
  cmd->add_option("--seed", f->seed, "seed")->capture_default_str();
  AddOutputOption(cmd, &f->output, "write the output to FILE instead of stdout", false);
  cmd->footer(internal::Wrap(
      "Verdicts: confirmed only with a certificate (exact or ball arithmetic), refuted only with a "
      "certified counterexample, not decided otherwise, with the reason. About two minutes; "
      "--quick takes seconds.",
      100, ""));
}

}  // namespace mnemo::cli
