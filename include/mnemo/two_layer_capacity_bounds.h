// Bounds on the memory capacity MC(m, d, σ) of the two-layer model: the largest n such that for
// almost every X ∈ ℝ^{d×n} every label vector y ∈ ℝ^n is f_θ(X) for some θ.
//
//  * Lower bound ⌊md/2⌋ of Madden & Thrampoulidis (arXiv 2308.02001), under their hypotheses:
//    σ is real analytic at some point a and, if σ restricted to a neighbourhood of a is a
//    polynomial of degree k, the degree is high enough — stated for σ = t^k as
//    C(k+d−1, d−1) ≥ n. (mnemo applies it with k = the local degree; the exact form for other
//    polynomials is the paper's.) Every σ of the vocabulary is analytic at some point; relu,
//    leaky-relu and hard-tanh are polynomials of degree 1 there and step of degree 0, so the
//    degree condition fails for them once n > d resp. n > 1: the theorem does not cover them.
//  * Proven upper bounds: if f_θ(X) depends on θ through fewer than n effective parameters, its
//    image has measure zero (Sard for C¹ maps; the same for locally Lipschitz ones), so almost
//    every y is missed.
#pragma once

#include <cstdint>
#include <string>

#include "mnemo/two_layer_activation.h"

namespace mnemo {

/// The hypotheses of the ⌊md/2⌋ lower bound for n points in dimension d.
struct TheoremHypotheses {
  int local_degree = -1;     ///< degree of σ near an analytic point; −1: not a polynomial there
  int64_t degree_bound = 0;  ///< C(k+d−1, d−1) for local degree k (meaningful when k ≥ 0)
  int64_t n = 0;
  /// Analytic at a point (always) and, for a local polynomial, C(k+d−1, d−1) ≥ n.
  bool Hold() const { return local_degree < 0 || degree_bound >= n; }
  /// One line: which conditions hold.
  std::string Text() const;
};
TheoremHypotheses CheckTheoremHypotheses(const TwoLayerActivation& act, int64_t d, int64_t n);

/// A proven upper bound on MC with the formula and the proof in one sentence.
struct CapacityUpperBound {
  int64_t value = 0;
  std::string formula;
  std::string proof;
};
CapacityUpperBound ProvenCapacityUpperBound(const TwoLayerActivation& act, int64_t m, int64_t d);

}  // namespace mnemo
