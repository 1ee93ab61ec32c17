// The design notes' conjectures, each decided by running the tool.
#include "mnemo/conjectures.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <functional>

#include "mnemo/jacobian_capacity.h"
#include "mnemo/jacobian_rank.h"
#include "mnemo/progress.h"
#include "mnemo/storage_finite_width.h"
#include "mnemo/storage_gd.h"
#include "mnemo/storage_margin.h"
#include "mnemo/storage_theory.h"

namespace mnemo {
namespace {

using Clock = std::chrono::steady_clock;

std::string Num(double v, int digits = 4) { return fmt::format("{:.{}g}", v, digits); }

Conjecture PairedThreshold(const std::string& activation, int64_t m, int64_t d) {
  JacobianCapacityOptions o;
  o.activation = TwoLayerActivation::Parse(activation);
  o.m = m, o.d = d;
  JacobianCapacityReport r = ComputeJacobianCapacity(o);
  Conjecture c{"Jacobian rank", r.conjecture,
               fmt::format("mnemo capacity --activation {} --m {} --d {}", activation, m, d)};
  return c;
}

Conjecture OddPairedThreshold() {
  Verdict v;
  v.claim =
      "for odd m the paired all-parameter threshold of tanh is ⌊m/2⌋(d+2) + d + 1 "
      "(observed), at (m, d) = (5, 4) and (7, 3)";
  bool all = true;
  std::string evidence;
  for (auto [m, d] : {std::pair<int64_t, int64_t>{5, 4}, {7, 3}}) {
    JacobianCapacityOptions o;
    o.activation = TwoLayerActivation::Parse("tanh");
    o.m = m, o.d = d;
    JacobianThreshold t = SearchJacobianThreshold(o, JacobianWrt::kAll, PointKind::kPaired);
    const int64_t formula = (m / 2) * (d + 2) + d + 1;
    all &= t.Decided() && t.upper == formula;
    evidence += fmt::format(
        "{}(m, d) = ({}, {}): maximum rank {}{} (formula {}; {} witness; "
        "upper bound: {})",
        evidence.empty() ? "" : "; ", m, d, t.Decided() ? "" : "≥ ", t.lower, formula,
        t.certificate.substr(0, t.certificate.find(':')), t.upper_reason);
  }
  v.kind = all ? VerdictKind::kConfirmed : VerdictKind::kNotDecided;
  v.reason = all ? "at both sizes a ball-arithmetic witness meets the structural upper bound"
                 : "a witness did not reach the structural bound";
  v.evidence = evidence;
  return {"Jacobian rank", v, "mnemo capacity --activation tanh --m 5 --d 4"};
}

Conjecture QuadraticDefect() {
  Verdict v;
  v.claim =
      "σ = t² with generic bias: rank J_W = md − (m−1)(m−2)/2 (observed for m ≤ 3), at "
      "d = 6, m = 4 and 5";
  v.kind = VerdictKind::kNotDecided;
  std::string evidence;
  bool all_equal = true;
  for (int64_t m : {4, 5}) {
    RankOptions o;
    o.activation = TwoLayerActivation::Parse("poly:2");
    o.m = m, o.d = 6, o.n = m * 6 + 5, o.wrt = JacobianWrt::kWeights, o.certify = true;
    RankReport r = ComputeRank(o);
    const int64_t formula = m * 6 - (m - 1) * (m - 2) / 2;
    evidence += fmt::format("{}m = {}: rank ≥ {} proven mod p (formula {}, proven upper bound {})",
                            evidence.empty() ? "" : "; ", m, r.certificate.rank, formula,
                            r.prediction.upper_bound);
    if (r.certificate.rank > formula) {
      v.kind = VerdictKind::kRefuted;
      v.reason = fmt::format("at m = {} a mod-p certificate proves rank ≥ {} > {}", m,
                             r.certificate.rank, formula);
    }
    all_equal &= r.certificate.rank == formula;
  }
  if (v.kind == VerdictKind::kNotDecided)
    v.reason = all_equal ? "the proven lower bounds equal the formula; no proof that the rank "
                           "cannot exceed it (the structural bound is larger)"
                         : "a proven lower bound falls below the formula (mod p can miss)";
  v.evidence = evidence;
  return {"Jacobian rank", v,
          "mnemo rank --activation poly:2 --m 4 --d 6 --n 29 --wrt weights --certify"};
}

Conjecture PsbTypes() {
  Verdict v;
  v.claim =
      "permutation-symmetry breaking is continuous for relu, quadratic, gelu, softplus, abs "
      "and first order (with a spinodal) for erf, tanh, sigmoid (reconstructed RS theory)";
  std::string agree, disagree;
  auto check = [&](const char* name, PsbType expected) {
    StorageOptions o;
    o.activation = name;
    const PsbType got = ComputeStorageCapacity(o).psb;
    (got == expected ? agree : disagree) += std::string(agree.empty() ? "" : ", ") + name;
  };
  for (const char* n : {"relu", "quadratic", "gelu", "softplus", "abs"})
    check(n, PsbType::kContinuous);
  for (const char* n : {"erf", "tanh", "sigmoid"}) check(n, PsbType::kFirstOrder);
  v.kind = VerdictKind::kNotDecided;
  v.reason =
      "the RS branch α(q) is computed by double-precision quadrature, not a certified "
      "computation";
  v.evidence = disagree.empty() ? "the computed branch agrees for all eight activations"
                                : "the computed branch disagrees for " + disagree;
  return {"storage capacity", v, "mnemo storage --table"};
}

std::vector<Conjecture> GdClaims(const ConjectureOptions& o) {
  GdMeasureOptions gd;
  gd.protocol.activation = "relu", gd.protocol.N = 16, gd.protocol.K = 4;
  gd.alphas = o.quick ? std::vector<double>{1.0, 2.0, 3.0}
                      : std::vector<double>{1.2, 1.35, 1.5, 1.65, 1.8, 1.95, 2.1};
  gd.instances = o.quick ? 2 : 8;
  gd.seed = o.seed;
  gd.progress = o.progress;
  const LogisticFit fit = MeasureGdThreshold(gd).curves[0].fit;
  StorageOptions rs;
  const double fc = ComputeStorageCapacity(rs).capacity;  // relu, fully connected, K → ∞
  const std::string measured =
      fit.ok ? fmt::format("GD α₅₀ = {} ± {} at d = 16, m = 4 ({} runs per α)",
                           Num(fit.alpha_50, 3), Num(fit.alpha_50_stderr, 2), gd.instances)
             : "the logistic fit failed";
  const std::string command = fmt::format(
      "mnemo storage-measure gd --activation relu --d 16 --m 4 --alphas {} --instances {}",
      o.quick ? "1,2,3" : "1.2:2.1:0.15", gd.instances);
  Conjecture stall{
      "storage capacity",
      Verdict::NotDecided("GD stalls well below the RS capacity (relu, fully connected)",
                          "a statement about what one algorithm reaches: measured, "
                          "not provable",
                          measured + "; RS capacity " + Num(fc, 4)),
      command};
  Conjecture pilot{"storage capacity",
                   Verdict::NotDecided("the pilot's ReLU GD threshold is ≈ 2–2.5",
                                       "a statistical estimate under one protocol is not a "
                                       "certified counterexample",
                                       measured),
                   command};
  return {stall, pilot};
}

Conjecture FullyConnectedLimit(const ConjectureOptions& o) {
  Verdict v = Verdict::NotDecided(
      "the K → ∞ fully connected RS capacity is 2Δ̃′(1) (linear mode removed): 2π/(π−2) = 5.504 "
      "for relu",
      "a derived formula; finite-K values of the RS ground-state formula (Monte Carlo) approach "
      "it but prove nothing about the limit");
  for (int K : o.quick ? std::vector<int>{3} : std::vector<int>{3, 5, 9}) {
    FullyConnectedCapacity c =
        FullyConnectedCommitteeCapacity(StorageActivation::Parse("relu"), K, 0,
                                        o.quick ? 20000 : 400000, o.quick ? 2000 : 20000, o.seed);
    v.evidence += fmt::format("{}K = {}: {} ± {} (C = {})", v.evidence.empty() ? "" : "; ", K,
                              Num(c.capacity), Num(c.stderr, 2), Num(c.correlation, 3));
  }
  return {"storage capacity", v, "mnemo storage --activation relu --m 5"};
}

Conjecture SmallCommittees(const ConjectureOptions& o) {
  FullyConnectedCapacity c =
      FullyConnectedCommitteeCapacity(StorageActivation::Parse("step"), 3, 0,
                                      o.quick ? 20000 : 400000, o.quick ? 2000 : 20000, o.seed);
  return {"storage capacity",
          Verdict::NotDecided(
              "at small K the fully connected step (sign) committee stores more than the tree",
              "the RS ground-state formula is estimated by Monte Carlo (not a certificate), and "
              "RS values of non-convex models are upper estimates",
              fmt::format("K = 3: fully connected {} ± {} vs tree {} (exact integral)",
                          Num(c.capacity), Num(c.stderr, 2), Num(SignCommitteeK3Exact()))),
          "mnemo storage --activation step --m 3"};
}

Conjecture IsingApproach(const ConjectureOptions& o) {
  IsingOptions io;
  io.Ns = o.quick ? std::vector<int>{9, 11, 13} : std::vector<int>{13, 15, 17, 19, 21};
  io.instances = o.quick ? 60 : 400;
  io.seed = o.seed;
  io.progress = o.progress;
  IsingResult r = MeasureIsingCapacity(io);
  int violations = 0;
  for (const IsingRow& row : r.rows) violations += row.violations;
  return {"storage capacity",
          Verdict::NotDecided(
              "the binary (Ising) perceptron's capacity 0.833 is approached slowly at small d",
              "exhaustive enumeration is exact per instance, but the limit is an extrapolation",
              fmt::format("α(d) = α_∞ + a/d over d = {}..{}: α_∞ = {} ± {}; binary margins never "
                          "exceeded the certified spherical brackets ({} violations)",
                          io.Ns.front(), io.Ns.back(), Num(r.alpha_inf, 3),
                          Num(r.alpha_inf_stderr, 2), violations)),
          "mnemo storage-measure ising --d 13,15,17,19,21 --instances 400"};
}

}  // namespace

std::vector<Conjecture> DecideConjectures(const ConjectureOptions& o) {
  std::vector<std::function<std::vector<Conjecture>()>> steps = {
      [] { return std::vector<Conjecture>{PairedThreshold("tanh", 20, 10)}; },
      [] { return std::vector<Conjecture>{PairedThreshold("relu", 20, 10)}; },
      [] { return std::vector<Conjecture>{PairedThreshold("step", 20, 10)}; },
      [] { return std::vector<Conjecture>{OddPairedThreshold()}; },
      [] { return std::vector<Conjecture>{QuadraticDefect()}; },
      [] { return std::vector<Conjecture>{PsbTypes()}; },
      [&] { return GdClaims(o); },
      [&] { return std::vector<Conjecture>{FullyConnectedLimit(o)}; },
      [&] { return std::vector<Conjecture>{SmallCommittees(o)}; },
      [&] { return std::vector<Conjecture>{IsingApproach(o)}; },
  };
  std::vector<Conjecture> out;
  Progress progress("conjectures", int64_t(steps.size()));
  if (!o.progress) progress.Finish();
  for (const auto& step : steps) {
    const auto t0 = Clock::now();
    std::vector<Conjecture> got = step();
    const double s = std::chrono::duration<double>(Clock::now() - t0).count();
    for (Conjecture& c : got) c.seconds = s / got.size(), out.push_back(std::move(c));
    progress.Add();
  }
  progress.Finish();
  return out;
}

std::string ConjecturesMarkdown(const std::vector<Conjecture>& cs) {
  auto cell = [](std::string s) {
    for (size_t p = 0; (p = s.find('|', p)) != std::string::npos; p += 2) s.replace(p, 1, "\\|");
    return s;
  };
  std::string out = "| claim | verdict | why | evidence | command |\n|---|---|---|---|---|\n";
  for (const Conjecture& c : cs)
    out += fmt::format("| {} | **{}** | {} | {} | `{}` |\n", cell(c.verdict.claim),
                       ToString(c.verdict.kind), cell(c.verdict.reason),
                       cell(c.verdict.evidence.empty() ? "—" : c.verdict.evidence), c.command);
  return out;
}

nlohmann::ordered_json ConjecturesJson(const std::vector<Conjecture>& cs) {
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  for (const Conjecture& c : cs) {
    nlohmann::ordered_json j = c.verdict.ToJson();
    j["topic"] = c.topic;
    j["command"] = c.command;
    j["seconds"] = c.seconds;
    rows.push_back(j);
  }
  return {{"conjectures", rows}};
}

}  // namespace mnemo
