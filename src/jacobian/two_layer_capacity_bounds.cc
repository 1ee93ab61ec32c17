// The hypotheses of the ⌊md/2⌋ theorem and proven upper bounds on the memory capacity.
#include "mnemo/two_layer_capacity_bounds.h"

#include <fmt/format.h>

#include <algorithm>

#include "mnemo/rank_theory.h"

namespace mnemo {

std::string TheoremHypotheses::Text() const {
  if (local_degree < 0)
    return "hold: σ is analytic and not a polynomial near any point (no degree condition)";
  return fmt::format(
      "{}: σ is a polynomial of degree k = {} near its analytic points, and the "
      "degree condition C(k+d−1, d−1) ≥ n {} (C(k+d−1, d−1) = {}, n = {})",
      Hold() ? "hold" : "fail", local_degree, Hold() ? "holds" : "fails", degree_bound, n);
}

TheoremHypotheses CheckTheoremHypotheses(const TwoLayerActivation& act, int64_t d, int64_t n) {
  TheoremHypotheses h;
  h.n = n;
  h.local_degree = act.LocalDegree();
  if (h.local_degree >= 0) h.degree_bound = Binomial(h.local_degree + d - 1, d - 1);
  return h;
}

CapacityUpperBound ProvenCapacityUpperBound(const TwoLayerActivation& act, int64_t m, int64_t d) {
  using Kind = TwoLayerActivation::Kind;
  const int64_t params = m * (d + 2);
  switch (act.kind()) {
    case Kind::kStep:
      return {m, "m",
              "the outputs lie in one of finitely many m-dimensional subspaces (the spans "
              "of the 0/1 activation patterns)"};
    case Kind::kRelu:
    case Kind::kLeakyRelu:
      return {m * (d + 1), "m(d+1)",
              "positive homogeneity: (w_j, b_j, v_j) → (c·w_j, c·b_j, v_j/c) keeps f, so f depends "
              "on m(d+1) parameters through a locally Lipschitz map"};
    case Kind::kExp:
      return {
          m * (d + 1), "m(d+1)",
          "σ′ = σ: (b_j, v_j) → (b_j + c, v_j·e^{−c}) keeps f, so the image of the parameter map "
          "has dimension ≤ m(d+1) (Sard)"};
    case Kind::kPoly: {
      const int64_t k = act.Degree();
      int64_t bound = std::min(params, Binomial(k + d, d));
      std::string formula = fmt::format("min(m(d+2), C(k+d, d)) with k = {}", k);
      if (act.MonomialDegree() >= 1) {
        bound = std::min(bound, m * (d + 1));
        formula = fmt::format("min(m(d+1), C(k+d, d)) with k = {}", k);
      }
      return {bound, formula,
              "f is a polynomial of degree ≤ k in x (a C(k+d, d)-dimensional space)" +
                  std::string(act.MonomialDegree() >= 1
                                  ? "; (w, b, v) → (c·w, c·b, v/c^k) keeps f (Sard)"
                                  : "; P = m(d+2) parameters (Sard)")};
    }
    default:
      return {params, "m(d+2)",
              fmt::format("Sard: f depends on P = m(d+2) = {} parameters through a locally "
                          "Lipschitz map, whose image in ℝ^n has measure zero when n > P",
                          params)};
  }
}

}  // namespace mnemo
