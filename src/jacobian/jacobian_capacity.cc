// Jacobian-rank capacity search: for W only / all parameters at random / paired points, the
// maximum rank of the Jacobian as a proven interval, and what it proves about memory capacity.
#include "mnemo/jacobian_capacity.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "mnemo/error.h"
#include "mnemo/table.h"
#include "src/internal/wrap.h"

namespace mnemo {
namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kWidth = 100;

double Seconds(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

RankOptions BaseOptions(const JacobianCapacityOptions& o, JacobianWrt wrt, PointKind point,
                        int64_t n, uint64_t seed, bool certify) {
  RankOptions r;
  r.activation = o.activation;
  r.m = o.m;
  r.d = o.d;
  r.n = n;
  r.wrt = wrt;
  r.point = point;
  r.bias = BiasMode::kRandom;
  r.certify = certify;
  r.mode = o.mode;
  r.seed = seed;
  // Piecewise-linear σ: the maximum rank is reached on open regions of points, not almost
  // everywhere; more draws find it more often (they are cheap).
  r.draws = o.activation.IsPiecewiseLinear() ? std::max(o.draws, 16) : o.draws;
  r.weight_scale = o.weight_scale;
  r.route = "svd";
  return r;
}

/// The formula whose value is `value` among the structural candidates of this configuration.
std::string Formula(int64_t m, int64_t d, JacobianWrt wrt, PointKind point, int64_t value) {
  const int64_t h = m / 2;
  const bool all = wrt == JacobianWrt::kAll;
  const std::string half = m % 2 == 0 ? "(m/2)" : "⌊m/2⌋";
  std::vector<std::pair<int64_t, std::string>> candidates;
  if (point == PointKind::kRandom && !all) {
    candidates = {{m * d, "md"}};
  } else if (point == PointKind::kRandom) {
    candidates = {{m * (d + 2), "m(d+2)"}, {m * (d + 1), "m(d+1)"}, {m, "m"}};
  } else if (!all) {
    candidates = {{h * d, half + "d"}};
    if (m % 2 == 1) candidates.push_back({(h + 1) * d, "((m+1)/2)d"});
  } else {
    candidates = {{h * (d + 2), half + "(d+2)"}, {h * (d + 1), half + "(d+1)"}, {h, half}};
    if (m % 2 == 1)
      candidates.insert(candidates.end(), {{h * (d + 2) + d + 1, half + "(d+2)+d+1"},
                                           {h * (d + 2) + 1, half + "(d+2)+1"},
                                           {h * (d + 1) + 1, half + "(d+1)+1"},
                                           {h + 1, half + "+1"}});
  }
  for (const auto& [v, f] : candidates)
    if (v == value) return f;
  return value == 0 ? "0" : std::to_string(value);
}

/// Certified full row rank at n rows; walks down when the certificate falls short.
void FindWitness(const JacobianCapacityOptions& o, JacobianThreshold* row, int64_t start,
                 uint64_t seed) {
  int64_t n = start;
  for (int step = 0; n >= 1 && step < 6; ++step) {
    RankReport r = ComputeRank(BaseOptions(o, row->wrt, row->point, n, seed + 7 + step, o.certify));
    const RankCertificate& c = r.certificate;
    const int64_t proven = c.rank >= 0 ? c.rank : 0;
    row->search.emplace_back(n, o.certify ? proven : r.numerical_rank);
    const bool full = o.certify ? proven == n : r.numerical_rank == n;
    if (full) {
      row->lower = n;
      row->proof = c.proof;
      row->certificate = o.certify ? c.Text(false) : "none (--no-certify): numerical rank only";
      return;
    }
    if (step == 0) row->certificate = o.certify ? c.Text(false) : "none";
    const int64_t reached = o.certify ? proven : r.numerical_rank;
    n = reached > 0 ? std::min(n - 1, reached) : n - 1;
  }
}

}  // namespace

JacobianThreshold SearchJacobianThreshold(const JacobianCapacityOptions& o, JacobianWrt wrt,
                                          PointKind point) {
  const auto t0 = Clock::now();
  JacobianThreshold row;
  row.wrt = wrt;
  row.point = point;
  row.quantity = fmt::format(
      "{}, {} point", wrt == JacobianWrt::kWeights ? "W only" : "all (W,b,v)", ToString(point));
  const int64_t cols = JacobianColumns(o.m, o.d, 1, wrt);
  RankPrediction pred =
      PredictRank(o.activation, o.m, o.d, cols + 1, wrt, point, BiasMode::kRandom);
  row.upper = pred.upper_bound;
  row.upper_reason = pred.upper_reason;
  row.formula = Formula(o.m, o.d, wrt, point, row.upper);
  const uint64_t seed = o.seed * 1000003ULL + (wrt == JacobianWrt::kAll ? 17 : 0) +
                        (point == PointKind::kPaired ? 101 : 0);
  if (row.upper == 0) {
    row.proof = true;
    row.certificate = "nothing to prove: the upper bound is 0";
    row.seconds = Seconds(t0);
    return row;
  }
  // Above the upper bound no full row rank is possible; the rank of the (upper + 1)-row Jacobian
  // at its best draw is the threshold found, and a certified rank r there proves it (r rows of
  // that matrix have full row rank r).
  RankReport above = ComputeRank(BaseOptions(o, wrt, point, row.upper + 1, seed, o.certify));
  row.numerical = above.numerical_rank;
  const RankCertificate& c = above.certificate;
  row.search.emplace_back(row.upper + 1, o.certify && c.proof ? c.rank : above.numerical_rank);
  if (o.certify && c.proof && c.rank > 0) {
    row.lower = c.rank;
    row.proof = true;
    row.certificate = c.Text(false);
  } else {
    row.certificate = o.certify ? c.Text(false) : "none (--no-certify): numerical rank only";
  }
  // A certificate that falls short (e.g. an ill-conditioned square minor): smaller witnesses.
  const int64_t target = std::min(row.upper, row.numerical);
  if (o.certify && row.lower < target) {
    JacobianThreshold smaller = row;
    FindWitness(o, &smaller, target, seed);
    if (smaller.proof && smaller.lower > row.lower) {
      row.lower = smaller.lower;
      row.proof = true;
      row.certificate = smaller.certificate;
    }
    row.search = smaller.search;
  }
  row.seconds = Seconds(t0);
  return row;
}

namespace {

/// The verdict on MC ≥ ⌊m/2⌋(d+2) from the paired all-parameter row and the proven bounds.
Verdict ConjectureVerdict(const JacobianCapacityOptions& o, const JacobianCapacityReport& rep) {
  const TwoLayerActivation& act = o.activation;
  const int64_t target = (o.m / 2) * (o.d + 2);
  const JacobianThreshold& paired = rep.rows[3];
  const std::string claim = fmt::format(
      "memory capacity ≥ ⌊m/2⌋(d+2) = {} for σ = {}, m = {}, d = {}", target, act.Name(), o.m, o.d);
  const TheoremHypotheses hyp = CheckTheoremHypotheses(act, o.d, target);
  std::string route =
      fmt::format("the paired-point Jacobian reaches {} (proven upper bound {}: {})", paired.lower,
                  paired.upper, paired.upper_reason);
  if (rep.upper.value < target && hyp.Hold())
    return Verdict::Refuted(claim, fmt::format("MC ≤ {} = {} < {} is proven: {}", rep.upper.formula,
                                               rep.upper.value, target, rep.upper.proof));
  if (!hyp.Hold()) {
    std::string evidence = route;
    if (rep.upper.value < target)
      evidence += fmt::format("; for {} itself MC ≤ {} < {} is proven ({})", act.Name(),
                              rep.upper.value, target, rep.upper.proof);
    return Verdict::NotDecided(
        claim, "outside the hypotheses the conjecture is stated under (" + hyp.Text() + ")",
        evidence);
  }
  if (act.IsAnalytic() && paired.proof && paired.lower >= target)
    return Verdict::Confirmed(
        claim, fmt::format("full row rank {} at the paired point (F = 0) is proven ({}); σ is "
                           "analytic, so this holds for almost every X, and scaling v reaches "
                           "every y",
                           paired.lower, paired.certificate));
  return Verdict::NotDecided(claim, paired.proof ? route : "no proof: " + paired.certificate,
                             fmt::format("numerical paired threshold {}", paired.numerical));
}

void JacobianLowerBound(const JacobianCapacityOptions& o, JacobianCapacityReport* rep) {
  const JacobianThreshold& w = rep->rows[2];
  const JacobianThreshold& all = rep->rows[3];
  const JacobianThreshold& best = all.proof && all.lower >= w.lower ? all : w;
  if (!best.proof || best.lower == 0) {
    rep->jacobian_lower_reason = "no paired-point witness was proven";
    return;
  }
  if (o.activation.IsAnalytic()) {
    rep->jacobian_lower = best.lower;
    rep->jacobian_lower_reason = fmt::format(
        "full row rank {} at a paired point ({}) is proven; σ is analytic, so almost every X has "
        "such a point, and scaling v reaches every y",
        best.lower, best.quantity);
  } else {
    rep->jacobian_lower_reason = fmt::format(
        "full row rank {} at a paired point is proven for one random X: that X (and an open set "
        "of data around it) is memorized with every y; {} is not analytic, so nothing follows "
        "for almost every X",
        best.lower, o.activation.Name());
  }
}

}  // namespace

JacobianCapacityReport ComputeJacobianCapacity(const JacobianCapacityOptions& o) {
  const auto t0 = Clock::now();
  if (o.m < 1 || o.d < 1) Fail("--m and --d must be positive");
  if (o.draws < 1) Fail("--draws must be positive");
  JacobianCapacityReport rep;
  rep.m = o.m;
  rep.d = o.d;
  rep.activation = o.activation.Name();
  rep.theorem_bound = o.m * o.d / 2;
  rep.hypotheses = CheckTheoremHypotheses(o.activation, o.d, rep.theorem_bound);
  rep.upper = ProvenCapacityUpperBound(o.activation, o.m, o.d);
  for (PointKind point : {PointKind::kRandom, PointKind::kPaired})
    for (JacobianWrt wrt : {JacobianWrt::kWeights, JacobianWrt::kAll})
      rep.rows.push_back(SearchJacobianThreshold(o, wrt, point));
  JacobianLowerBound(o, &rep);
  if (o.construct && o.activation.IsPiecewiseLinear())
    rep.construction = FindConstructiveEvidence(o.activation, o.m, o.d, o.seed);
  rep.conjecture = ConjectureVerdict(o, rep);
  rep.seconds = Seconds(t0);
  return rep;
}

nlohmann::ordered_json JacobianCapacityReport::ToJson() const {
  nlohmann::ordered_json j;
  j["activation"] = activation;
  j["m"] = m;
  j["d"] = d;
  nlohmann::ordered_json rows_json = nlohmann::ordered_json::array();
  for (const auto& r : rows) {
    nlohmann::ordered_json s = nlohmann::ordered_json::array();
    for (auto [n, rk] : r.search) s.push_back({n, rk});
    rows_json.push_back({{"quantity", r.quantity},
                         {"wrt", ToString(r.wrt)},
                         {"point", ToString(r.point)},
                         {"lower", r.lower},
                         {"upper", r.upper},
                         {"decided", r.Decided()},
                         {"formula", r.formula},
                         {"upper_reason", r.upper_reason},
                         {"numerical", r.numerical},
                         {"proof", r.proof},
                         {"certificate", r.certificate},
                         {"search", s},
                         {"seconds", r.seconds}});
  }
  j["thresholds"] = rows_json;
  j["theorem"] = {{"bound", theorem_bound},
                  {"hypotheses_hold", hypotheses.Hold()},
                  {"hypotheses", hypotheses.Text()}};
  j["capacity_upper_bound"] = {
      {"value", upper.value}, {"formula", upper.formula}, {"proof", upper.proof}};
  j["jacobian_lower_bound"] = {{"value", jacobian_lower}, {"reason", jacobian_lower_reason}};
  j["conjecture"] = conjecture.ToJson();
  if (!construction.construction.empty() || !construction.note.empty())
    j["construction"] = {{"construction", construction.construction},
                         {"labels", construction.labels},
                         {"n", construction.n},
                         {"hidden", construction.hidden},
                         {"data", construction.data},
                         {"builds", construction.builds},
                         {"note", construction.note},
                         {"seconds", construction.seconds}};
  j["seconds"] = seconds;
  return j;
}

std::string JacobianCapacityReport::ToText() const {
  using internal::Wrap;
  std::string out = fmt::format(
      "f(x) = Σ v_j {}(w_jᵀx + b_j), m = {}, d = {}, P = {}\n"
      "Jacobian thresholds n* (largest n with full row rank n):\n",
      activation, m, d, m * d + 2 * m);
  Table t({"parameters", "point", "n*", "formula", "numerical", "proof of n* ≥", "seconds"});
  for (const auto& r : rows) {
    std::string value = r.Decided() ? std::to_string(r.upper)
                                    : fmt::format("{}..{}", r.proof ? r.lower : 0, r.upper);
    std::string proof = !r.proof ? "none" : r.certificate.substr(0, r.certificate.find(':'));
    t.AddRow({r.wrt == JacobianWrt::kWeights ? "W only" : "all (W,b,v)", ToString(r.point), value,
              r.formula, std::to_string(r.numerical), proof, fmt::format("{:.2f}", r.seconds)});
  }
  out += t.ToText();
  for (const auto& r : rows)
    out += Wrap(fmt::format("  {}: n* ≤ {} ({}); n* ≥ {}: {}", r.quantity, r.upper, r.upper_reason,
                            r.proof ? r.lower : 0, r.certificate),
                kWidth, "      ");
  out += "memory capacity (every y ∈ ℝ^n for almost every X of n points):\n";
  out += Wrap(fmt::format("  ≥ {} = ⌊md/2⌋ (Madden–Thrampoulidis) {}: hypotheses {}", theorem_bound,
                          hypotheses.Hold() ? "applies" : "does not apply", hypotheses.Text()),
              kWidth, "    ");
  out += Wrap(jacobian_lower > 0 ? fmt::format("  ≥ {} (Jacobian route): {}", jacobian_lower,
                                               jacobian_lower_reason)
                                 : "  Jacobian route: " + jacobian_lower_reason,
              kWidth, "    ");
  out +=
      Wrap(fmt::format("  ≤ {} = {}: {}", upper.value, upper.formula, upper.proof), kWidth, "    ");
  if (!construction.construction.empty())
    out +=
        Wrap(construction.n > 0
                 ? fmt::format("  construction: {} with {} hidden units (m = {}) memorizes n = {} "
                               "random points with {}, verified exactly ({}; {} builds; data "
                               "{})",
                               construction.construction, construction.hidden, m, construction.n,
                               construction.labels, construction.note, construction.builds,
                               construction.data)
                 : fmt::format("  construction: {} built no verified network with ≤ {} hidden "
                               "units ({} builds)",
                               construction.construction, m, construction.builds),
             kWidth, "    ");
  out += Wrap("conjecture " + conjecture.claim + ": " + conjecture.Text(), kWidth, "    ");
  out += fmt::format("total {:.2f} s\n", seconds);
  return out;
}

}  // namespace mnemo
