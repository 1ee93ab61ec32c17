// Jacobian-rank capacity search: the largest n at which the Jacobian (W only
// or all parameters, at random or paired points) has full row rank n, with its certificate, side
// by side with ⌊md/2⌋ and the Sard upper bound.
#include <chrono>

#include <fmt/format.h>

#include "mnemo/error.h"
#include "mnemo/jacobian_capacity.h"
#include "mnemo/jacobian_rank.h"
#include "mnemo/table.h"

namespace mnemo {
namespace {

double Seconds(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

RankOptions BaseOptions(const JacobianCapacityOptions& o, JacobianWrt wrt, PointKind point, int64_t n,
                        uint64_t seed, bool certify) {
  RankOptions r;
  r.activation = o.activation;
  r.m = o.m;
  r.d = o.d;
  r.n = n;
  r.wrt = wrt;
  r.point = point;
  r.bias = BiasMode::kRandom;
  r.certify = certify;
  r.seed = seed;
  r.draws = o.draws;
  r.weight_scale = o.weight_scale;
  r.route = "svd";
  return r;
}

std::string Formula(const TwoLayerActivation& act, JacobianWrt wrt, PointKind point, int64_t m) {
  const bool exp = act.kind() == TwoLayerActivation::Kind::kExp;
  if (point == PointKind::kRandom) return wrt == JacobianWrt::kWeights ? "md" : exp ? "m(d+1)" : "m(d+2)";
  if (m % 2 == 1)
    return wrt == JacobianWrt::kWeights ? (act.HasSimpleZeroAtOrigin() ? "((m+1)/2)d" : "⌊m/2⌋d") : "compute";
  return wrt == JacobianWrt::kWeights ? "(m/2)d = ⌊md/2⌋" : "(m/2)(d+2) [conjecture]";
}

}  // namespace

JacobianThreshold SearchJacobianThreshold(const JacobianCapacityOptions& o, JacobianWrt wrt, PointKind point) {
  auto t0 = std::chrono::steady_clock::now();
  JacobianThreshold row;
  row.wrt = wrt;
  row.point = point;
  row.quantity = fmt::format("{}, {} point", wrt == JacobianWrt::kWeights ? "W only" : "all (W,b,v)",
                             ToString(point));
  row.formula = Formula(o.activation, wrt, point, o.m);
  const int64_t cols = JacobianColumns(o.m, o.d, 1, wrt);
  const uint64_t seed = o.seed * 1000003ULL + (wrt == JacobianWrt::kAll ? 17 : 0) +
                        (point == PointKind::kPaired ? 101 : 0);
  // Above the column count no full row rank is possible; the rank there bounds the threshold
  // (for generic points the first n rows have rank min(n, r)).
  const int64_t n_hi = cols + 1;
  RankReport hi = ComputeRank(BaseOptions(o, wrt, point, n_hi, seed, false));
  row.search.emplace_back(n_hi, hi.numerical_rank);
  RankPrediction pred = PredictRank(o.activation, o.m, o.d, n_hi, wrt, point, BiasMode::kRandom);
  row.predicted = pred.rank;
  int64_t n = std::min(hi.numerical_rank, n_hi - 1);
  // Walk down until full row rank is certified (or numerically clear when not certifying).
  for (int step = 0; n >= 1 && step < 8; ++step) {
    RankReport r = ComputeRank(BaseOptions(o, wrt, point, n, seed + 7 + step, o.certify));
    row.search.emplace_back(n, r.numerical_rank);
    const bool full = r.numerical_rank == n;
    const bool cert = r.certified_rank == n;
    if (full && (cert || !o.certify)) {
      row.threshold = n;
      row.certified = cert;
      if (r.certificate == "mod-p")
        row.certificate = fmt::format("mod p: rank {} mod {} (Schwartz–Zippel failure ≤ {:.2g})",
                                      r.certified_rank, fmt::join(r.primes, ","), r.failure_bound);
      else if (cert && r.certificate == "float")
        row.certificate = fmt::format("float: σ_n = {:.3g} > {:.3g}", r.best.sigma_min, r.cert_error);
      else if (cert)
        row.certificate = fmt::format("{}: shift {:.3g}", r.certificate, r.cert_error);
      else
        row.certificate = fmt::format("none ({})", o.activation.IsAnalytic() ? "not requested"
                                                                               : "not analytic");
      break;
    }
    n = full ? n - 1 : std::min(n - 1, r.numerical_rank);
  }
  if (row.threshold > 0) {
    RankReport above = ComputeRank(BaseOptions(o, wrt, point, row.threshold + 1, seed + 99, false));
    row.rank_above = above.numerical_rank;
    row.search.emplace_back(row.threshold + 1, above.numerical_rank);
  }
  row.seconds = Seconds(t0);
  return row;
}

JacobianCapacityReport ComputeJacobianCapacity(const JacobianCapacityOptions& o) {
  auto t0 = std::chrono::steady_clock::now();
  if (o.m < 1 || o.d < 1) Fail("--m and --d must be positive");
  JacobianCapacityReport rep;
  rep.m = o.m;
  rep.d = o.d;
  rep.activation = o.activation.Name();
  rep.lower_bound = o.m * o.d / 2;
  for (PointKind point : {PointKind::kRandom, PointKind::kPaired})
    for (JacobianWrt wrt : {JacobianWrt::kWeights, JacobianWrt::kAll})
      rep.rows.push_back(SearchJacobianThreshold(o, wrt, point));
  // Sard: if rank J < n everywhere, the image of θ ↦ F_X(θ) has measure zero. The largest
  // possible rank of J is its generic rank (all parameters, random point).
  const JacobianThreshold& all_random = rep.rows[1];
  RankPrediction full = PredictRank(o.activation, o.m, o.d, o.m * (o.d + 2) + 1, JacobianWrt::kAll,
                                    PointKind::kRandom, BiasMode::kRandom);
  rep.upper_bound = full.rank >= 0 ? full.rank : all_random.threshold;
  const JacobianThreshold& paired_all = rep.rows[3];
  if (o.m % 2 == 0) {
    const int64_t conj = (o.m / 2) * (o.d + 2);
    if (paired_all.threshold == conj && paired_all.certified)
      rep.conjecture = fmt::format(
          "confirmed: full row rank {} = (m/2)(d+2) certified at the paired point (F = 0 there), "
          "rank {} at n = {}; with the submersion and v-scaling argument this gives MC ≥ {}",
          conj, paired_all.rank_above, conj + 1, conj);
    else if (paired_all.threshold == conj)
      rep.conjecture = fmt::format("numerically confirmed (not certified): threshold {} = (m/2)(d+2)", conj);
    else
      rep.conjecture = fmt::format("refuted at this point: threshold {} ≠ (m/2)(d+2) = {}",
                                   paired_all.threshold, conj);
  } else {
    rep.conjecture = "m odd: (m/2)(d+2) not defined; see the paired rows";
  }
  rep.seconds = Seconds(t0);
  return rep;
}

nlohmann::ordered_json JacobianCapacityReport::ToJson() const {
  nlohmann::ordered_json j;
  j["activation"] = activation;
  j["m"] = m;
  j["d"] = d;
  j["lower_bound_md_over_2"] = lower_bound;
  j["upper_bound"] = upper_bound;
  nlohmann::ordered_json rows_json = nlohmann::ordered_json::array();
  for (const auto& r : rows) {
    nlohmann::ordered_json rj;
    rj["quantity"] = r.quantity;
    rj["wrt"] = ToString(r.wrt);
    rj["point"] = ToString(r.point);
    rj["threshold"] = r.threshold;
    rj["formula"] = r.formula;
    rj["predicted"] = r.predicted;
    rj["certified"] = r.certified;
    rj["certificate"] = r.certificate;
    rj["rank_above"] = r.rank_above;
    nlohmann::ordered_json s = nlohmann::ordered_json::array();
    for (auto [n, rk] : r.search) s.push_back({n, rk});
    rj["search"] = s;
    rj["seconds"] = r.seconds;
    rows_json.push_back(rj);
  }
  j["rows"] = rows_json;
  j["conjecture_m_over_2_d_plus_2"] = conjecture;
  j["seconds"] = seconds;
  return j;
}

std::string JacobianCapacityReport::ToText() const {
  std::string out = fmt::format("capacity of f(x) = Σ v_j {}(w_jᵀx + b_j), m = {}, d = {}, P = {}\n",
                                activation, m, d, m * d + 2 * m);
  Table t({"quantity", "n*", "formula", "predicted", "rank at n*+1", "certificate", "seconds"});
  for (const auto& r : rows)
    t.AddRow({r.quantity, std::to_string(r.threshold), r.formula,
              r.predicted >= 0 ? std::to_string(r.predicted) : "compute",
              std::to_string(r.rank_above), r.certificate, FormatNumber(r.seconds, 3)});
  t.AddRow({"lower bound ⌊md/2⌋ (paper)", std::to_string(lower_bound), "⌊md/2⌋", "", "", "theorem", ""});
  t.AddRow({"upper bound (Sard, max rank J)", std::to_string(upper_bound),
            activation == "exp" ? "m(d+1)" : "m(d+2)", "", "", "theorem + row 2", ""});
  out += t.ToText();
  out += "(m/2)(d+2) conjecture: " + conjecture + "\n";
  out += fmt::format("total {:.2f} s\n", seconds);
  return out;
}

}  // namespace mnemo
