// mnemo rank: the rank of the two-layer Jacobian on n points, with a certificate on request.
// Exit 1 when a proven rank exceeds its proven upper bound (a contradiction: a bug somewhere).
#include <memory>

#include "mnemo/error.h"
#include "mnemo/jacobian_rank.h"
#include "src/cli/cli_util.h"
#include "src/cli/commands.h"
#include "src/cli/theory_output.h"
#include "src/internal/wrap.h"

namespace mnemo::cli {
namespace {

struct RankFlags {
  std::string activation = "tanh", data, wrt = "all", point = "random", bias = "random";
  std::string route = "auto", certificate = "proof", output;
  int64_t m = 0, d = 0, n = 0;
  bool certify = false, json = false;
  uint64_t seed = 1;
  int draws = 3, primes = 3;
};

CertificateMode ParseCertificateMode(const std::string& s) {
  if (s == "proof") return CertificateMode::kProof;
  if (s == "float") return CertificateMode::kFloat;
  Fail("--certificate: expected proof or float, got \"{}\"", s);
}

int RunRank(const RankFlags& f) {
  CheckOutputPath(f.output, f.data);
  if (f.json) Progress::SetEnabled(false);
  RankOptions o;
  o.activation = TwoLayerActivation::Parse(f.activation);
  o.m = f.m;
  o.d = f.d;
  o.n = f.n;
  o.wrt = ParseWrt(f.wrt);
  o.point = ParsePointKind(f.point);
  o.bias = ParseBiasMode(f.bias);
  o.certify = f.certify;
  o.mode = ParseCertificateMode(f.certificate);
  o.seed = f.seed;
  o.draws = f.draws;
  o.primes = f.primes;
  if (f.route != "auto" && f.route != "svd" && f.route != "gram")
    Fail("--route: expected auto, svd or gram, got \"{}\"", f.route);
  o.route = f.route;
  Eigen::MatrixXd x;
  if (!f.data.empty()) {
    Dataset data = LoadDataset(f.data);
    for (const std::string& w : data.warnings) fmt::print(stderr, "mnemo: warning: {}\n", w);
    x = Normalized(data, ComputeNormalization(data)).transpose();
    if (o.d == 0) o.d = x.rows();
    o.data = &x;
  } else if (o.n < 1) {
    Fail("--n is required without --data");
  }
  if (o.d < 1) Fail("--d is required without --data");
  RankReport r = ComputeRank(o);
  Emit(f.json ? r.ToJson().dump(2) + "\n" : r.ToText(), f.output);
  return r.contradiction ? 1 : 0;
}

}  // namespace

void AddRankCommand(CLI::App& app, int* exit_code) {
  auto f = std::make_shared<RankFlags>();
  CLI::App* cmd =
      AddCommand(app, "rank", "rank of the Jacobian of a two-layer network on n points, certified",
                 exit_code, [f] { return RunRank(*f); });
  cmd->add_option("--activation", f->activation, "σ (names below)")->capture_default_str();
  cmd->add_option("--m", f->m, "hidden units")->required();
  cmd->add_option("--d", f->d, "input dimension (default: that of --data)");
  cmd->add_option("--n", f->n, "points (default: all of --data)");
  cmd->add_option("--data", f->data, "DATA points (default: Gaussian N(0, I/d))");
  cmd->add_option("--wrt", f->wrt, "weights (J_W) or all (W, b, v)")->capture_default_str();
  cmd->add_option("--point", f->point, "random or paired (W = [U,U], b = [β,β], v = [c,−c])")
      ->capture_default_str();
  cmd->add_option("--bias", f->bias, "random or zero hidden biases")->capture_default_str();
  cmd->add_flag("--certify", f->certify, "prove a rank lower bound (mod p, exact over ℚ or ball)");
  cmd->add_option("--certificate", f->certificate,
                  "proof, or float (the fast path for transcendental σ; not a proof)")
      ->capture_default_str();
  cmd->add_option("--seed", f->seed, "seed")->capture_default_str();
  cmd->add_option("--draws", f->draws, "random draws (the rank is their maximum)")
      ->capture_default_str();
  cmd->add_option("--primes", f->primes, "primes for the mod-p certificates")
      ->capture_default_str();
  cmd->add_option("--route", f->route, "auto (Gram JJᵀ when 2n ≤ columns), svd or gram")
      ->capture_default_str();
  cmd->add_flag("--json", f->json, "print one JSON object");
  cmd->footer(internal::Wrap("Activations: " + TwoLayerActivation::Vocabulary(), 100, ""));
  AddOutputOption(cmd, &f->output, "write the output to FILE instead of stdout", false);
}

}  // namespace mnemo::cli
