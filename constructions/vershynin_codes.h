// The computational kernels of the vershynin construction (constructions/vershynin.h): the
// random enrichment layer E1 and its repair neurons, the norm-insensitive random code layers,
// and the greedy first-fit packing of perception neurons. Every code is computed exactly from
// the stored (dyadic) weights — a float fast path decides only where its certified error bound
// allows and the rest is recomputed in integers — so the codes here are the ones the network
// computes. Threshold convention: a unit fires iff its exact pre-activation is > 0 (the stored
// neuron shifts its bias by half a grid step, so its 1[z ≥ 0] agrees on every data point).
#pragma once

#include <cstdint>
#include <vector>

#include "mnemo/dataset.h"
#include "mnemo/exact.h"
#include "mnemo/random.h"

namespace mnemo::internal::vershynin {

/// Φ̄⁻¹(p): the t with P(N(0,1) > t) = p, by bisection on erfc. Only a design parameter: its
/// value is rounded to a dyadic and the stored value is used, so its accuracy is irrelevant.
double UpperNormalQuantile(double p);

/// 0/1 codes of N points: CSR of the active units of each point (sorted).
struct Codes {
  int32_t units = 0;
  std::vector<int64_t> ptr{0};
  std::vector<int32_t> idx;
  int64_t n() const { return int64_t(ptr.size()) - 1; }
  int32_t Activity(int64_t i) const { return int32_t(ptr[i + 1] - ptr[i]); }
};

struct CodeStats {
  int32_t min_act = 0, max_act = 0;
  double mean_act = 0;
  int64_t distinct = 0;
  int64_t dup_a = -1, dup_b = -1;  ///< a pair of points with the same code
};
CodeStats Analyze(const Codes& c);

/// E1, a Gaussian threshold layer. Row r: weights g = G·2^-k_r; threshold T_r·2^-(k_r + fbits)
/// (random rows: the lift's constant coordinate folded in; repair rows: the midpoint between
/// two colliding points). Inputs x' lie on the grid 2^-fbits. Unit r fires on x' iff
/// ⟨g, x'⟩ > threshold, i.e. iff ⟨G, x'·2^fbits⟩ − T_r ≥ 1 (integers).
struct E1Params {
  int32_t n = 0, d = 0;
  int fbits = 8;
  std::vector<int64_t> g;    ///< n × d numerators over 2^k_r
  std::vector<int> k;        ///< per row
  std::vector<Integer> thr;  ///< per row, numerators over 2^(k_r + fbits)
  int64_t repairs = 0;
  void AddRow(const std::vector<int64_t>& row, int kr, Integer t) {
    g.insert(g.end(), row.begin(), row.end());
    k.push_back(kr);
    thr.push_back(std::move(t));
    ++n;
  }
};

struct EvalStats {
  int64_t ties = 0;            ///< data pre-activations exactly on the unshifted threshold
  int64_t exact_rechecks = 0;  ///< float decisions too close to call, recomputed exactly
};

/// Codes of E1 rows [r0, r1) (unit indices r − r0) on the normalized points x.
Codes EvalE1(const RowMatrix& x, const E1Params& p, int r0, int r1, EvalStats* st);

/// Repair neurons (a deterministic form of the remedy "raise n1"): for every group of points
/// sharing an E1 code, one threshold neuron on the hyperplane bisecting two of them, appended
/// to `p` and `z`. Returns false if `budget` repair neurons do not make every code distinct.
bool RepairE1(const RowMatrix& x, E1Params* p, Codes* z, int64_t budget, EvalStats* st);

/// A norm-insensitive random threshold layer on 0/1 codes: weights W = round_k(G − c), threshold
/// β·2^-k; unit r fires iff Σ_{active j} W_rj − β > 0 (exact integers).
struct CodeParams {
  int32_t n_in = 0, m = 0;
  int k = 16;
  std::vector<int32_t> wt;  ///< n_in × m (transposed), numerators over 2^k
  int64_t beta = 0;
  double rate = 0;
};
/// Draws a code layer of m units with firing rate `rate` on the codes z.
CodeParams DrawCode(const Codes& z, int32_t m, double rate, int k, Rng& rng, Gaussian& gauss);
Codes EvalCode(const Codes& z, const CodeParams& p, EvalStats* st);

/// A perception neuron: fires exactly on `members`. Scores are in units of 2^-klam:
/// S(u) = Σ_r w_r u_r with w_r = 2^klam·#{j ∈ members : u_j,r = 1} − Λ·|members| (covariance,
/// Λ = λ·2^klam; Hebbian: klam = 0, Λ = 0); it fires iff 2S − tau2 ≥ 0, tau2 = min_in + max_out,
/// and 2S − tau2 ≥ 1 on members, ≤ −1 elsewhere. Exact-match neurons (fallback) have
/// w = ±2^klam and tau2 = (2|u_k| − 1)·2^klam.
struct Neuron {
  int32_t cls = 0;
  std::vector<int32_t> members;
  int64_t tau2 = 0;
  bool exact_match = false;
};

/// Greedy first-fit packing of the points to memorize into perception neurons on the codes u:
/// a point joins an open batch of its class when every outsider still scores below every
/// member by `margin`, else opens a batch, else gets an exact-match neuron. Valid by
/// construction: every neuron fires exactly on its members.
class Packer {
 public:
  static constexpr int32_t kSentinel = -(1 << 30);
  static constexpr size_t kMaxBatch = 1024;
  static constexpr size_t kHot = 16;

  /// `cap` neurons at most (−1: unlimited); `open_limit` batches open at once.
  Packer(const Codes& u, int klam, int64_t lam, int64_t margin, int open_limit, int64_t cap);

  /// Places point k (class cls) in an open batch, a new batch or a fallback neuron. Returns
  /// false when the stage has no neuron left (k is not placed).
  bool Add(int32_t k, int32_t cls);
  void CloseAll();

  std::vector<Neuron> neurons;
  int64_t batches = 0, fallbacks = 0;

 private:
  struct Open {
    int32_t id = 0, cls = 0;
    std::vector<int32_t> members;
    std::vector<int64_t> mem_s;  // the members' scores
    std::vector<int32_t> s;      // outsiders' scores; members hold kSentinel
    std::vector<int32_t> hot;    // recent violators
    size_t next_hot = 0;
  };
  bool TryJoin(Open& o, int32_t k, int32_t* a);
  void OpenOrFallBack(int32_t k, int32_t cls, int32_t* a);
  static int64_t FirstAbove(const int32_t* s, const int32_t* a, int64_t n, int64_t limit);
  void Close(size_t which);

  const Codes& u_;
  int klam_;
  int64_t lam_, margin_;
  int open_limit_;
  int64_t cap_;
  std::vector<int64_t> col_ptr_;
  std::vector<int32_t> col_idx_, ov_, a_, lamact_;
  std::vector<Open> open_;
};

}  // namespace mnemo::internal::vershynin
