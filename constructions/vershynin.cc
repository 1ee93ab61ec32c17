#include "constructions/vershynin.h"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cmath>
#include <numeric>
#include <random>
#include <unordered_map>

#include "constructions/layer_writer.h"
#include "constructions/sampling.h"
#include "mnemo/error.h"
#include "mnemo/random.h"
#include "mnemo/verify.h"

namespace mnemo {
namespace {

using internal::LayerWriter;
using internal::UpperNormalQuantile;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// ------------------------------------------------------------------ codes

/// 0/1 codes of N points: CSR of the active units of each point (sorted).
struct Codes {
  int32_t units = 0;
  std::vector<int64_t> ptr{0};
  std::vector<int32_t> idx;
  int64_t n() const { return int64_t(ptr.size()) - 1; }
  int32_t Activity(int64_t i) const { return int32_t(ptr[i + 1] - ptr[i]); }
};

Codes FromRows(int32_t units, std::vector<std::vector<int32_t>>& rows) {
  Codes c;
  c.units = units;
  c.ptr.resize(rows.size() + 1);
  c.ptr[0] = 0;
  for (size_t i = 0; i < rows.size(); ++i) c.ptr[i + 1] = c.ptr[i] + int64_t(rows[i].size());
  c.idx.resize(c.ptr.back());
  for (size_t i = 0; i < rows.size(); ++i) {
    std::copy(rows[i].begin(), rows[i].end(), c.idx.begin() + c.ptr[i]);
    std::vector<int32_t>().swap(rows[i]);
  }
  return c;
}

struct CodeStats {
  int32_t min_act = 0, max_act = 0;
  double mean_act = 0;
  int64_t distinct = 0;
  int64_t dup_a = -1, dup_b = -1;  // a pair of points with the same code
};

CodeStats Analyze(const Codes& c) {
  CodeStats st;
  const int64_t n = c.n();
  st.min_act = INT32_MAX;
  double sum = 0;
  std::unordered_map<uint64_t, std::vector<int64_t>> seen;
  seen.reserve(size_t(n) * 2);
  for (int64_t i = 0; i < n; ++i) {
    const int32_t a = c.Activity(i);
    st.min_act = std::min(st.min_act, a);
    st.max_act = std::max(st.max_act, a);
    sum += a;
    uint64_t h = 1469598103934665603ull ^ uint64_t(a);
    for (int64_t p = c.ptr[i]; p < c.ptr[i + 1]; ++p) h = (h ^ uint64_t(c.idx[p])) * 1099511628211ull;
    auto& bucket = seen[h];
    bool dup = false;
    for (int64_t j : bucket) {
      if (c.Activity(j) == a &&
          std::equal(c.idx.begin() + c.ptr[i], c.idx.begin() + c.ptr[i + 1], c.idx.begin() + c.ptr[j])) {
        dup = true;
        if (st.dup_a < 0) st.dup_a = j, st.dup_b = i;
        break;
      }
    }
    if (!dup) {
      bucket.push_back(i);
      ++st.distinct;
    }
  }
  if (n == 0) st.min_act = 0;
  st.mean_act = n ? sum / double(n) : 0;
  return st;
}

// ------------------------------------------------------------------ E1: Gaussian threshold layer

/// Row r: weights g = G·2^-k_r; threshold T_r·2^-(k_r + fbits) (random rows: the lift constant
/// coordinate folded in; repair rows: the midpoint between two colliding points). Inputs x' lie
/// on the grid 2^-fbits. The stored neuron is step(⟨g, x'⟩ − threshold − 2^-(k_r+fbits+1)):
/// it fires iff ⟨g, x'⟩ > threshold, and no data pre-activation is 0.
struct E1Params {
  int32_t n = 0, d = 0;
  int fbits = 8;
  std::vector<int64_t> g;    // n × d numerators over 2^k_r
  std::vector<int> k;        // per row
  std::vector<Integer> thr;  // per row, numerators over 2^(k_r + fbits)
  int64_t repairs = 0;
  void AddRow(const std::vector<int64_t>& row, int kr, Integer t) {
    g.insert(g.end(), row.begin(), row.end());
    k.push_back(kr);
    thr.push_back(std::move(t));
    ++n;
  }
};

struct EvalStats {
  int64_t ties = 0;            // data pre-activations exactly on the unshifted threshold
  int64_t exact_rechecks = 0;  // float decisions too close to call, recomputed exactly
};

/// Exact ⟨G_r, x_i·2^fbits⟩ − T_r: its sign is the strict decision of row r on point i.
int ExactSign(const RowMatrix& x, const E1Params& p, int64_t i, int r) {
  const int d = p.d;
  if (p.fbits <= 62 && FitsInt128(p.thr[r]) && BitLength(p.thr[r]) < 120) {
    int128 acc = 0;
    for (int j = 0; j < d; ++j)
      acc += int128(p.g[size_t(r) * d + j]) * int128(int64_t(std::ldexp(x(i, j), p.fbits)));
    acc -= ToInt128(p.thr[r]);
    return acc > 0 ? 1 : (acc < 0 ? -1 : 0);
  }
  Integer acc = 0;
  for (int j = 0; j < d; ++j)
    acc += Integer(long(p.g[size_t(r) * d + j])) * RationalFromDouble(std::ldexp(x(i, j), p.fbits)).get_num();
  acc -= p.thr[r];
  return sgn(acc);
}

/// Codes of rows [r0, r1) (unit indices r − r0).
Codes EvalE1(const RowMatrix& x, const E1Params& p, int r0, int r1, EvalStats* st) {
  const int64_t n = x.rows();
  const int d = p.d, rows_n = r1 - r0;
  Eigen::MatrixXd gd(rows_n, d);
  std::vector<double> gnorm(rows_n), bd(rows_n);
  for (int r = r0; r < r1; ++r) {
    double s2 = 0;
    for (int j = 0; j < d; ++j) {
      gd(r - r0, j) = std::ldexp(double(p.g[size_t(r) * d + j]), -p.k[r]);
      s2 += gd(r - r0, j) * gd(r - r0, j);
    }
    gnorm[r - r0] = std::sqrt(s2) * (1 + 1e-12);
    bd[r - r0] = std::ldexp(ToDouble(p.thr[r]), -(p.k[r] + p.fbits));
  }
  std::vector<double> xnorm(n);
  for (int64_t i = 0; i < n; ++i) xnorm[i] = x.row(i).norm() * (1 + 1e-12);
  const double unit = std::ldexp(1.0, -53) * double(d + 4) * 1.01;
  std::vector<std::vector<int32_t>> rows(n);
  int64_t ties = 0, rechecks = 0;
  constexpr int64_t kBlock = 2048;
  const int64_t blocks = (n + kBlock - 1) / kBlock;
#pragma omp parallel for schedule(dynamic) reduction(+ : ties, rechecks)
  for (int64_t b = 0; b < blocks; ++b) {
    const int64_t i0 = b * kBlock, i1 = std::min(n, i0 + kBlock);
    Eigen::MatrixXd prod = x.middleRows(i0, i1 - i0) * gd.transpose();
    for (int64_t i = i0; i < i1; ++i) {
      auto& row = rows[i];
      for (int r = 0; r < rows_n; ++r) {
        const double t = prod(i - i0, r) - bd[r];
        const double eps = unit * (gnorm[r] * xnorm[i] + std::fabs(bd[r])) + std::fabs(bd[r]) * 0x1p-52;
        bool fire;
        if (t > eps) {
          fire = true;
        } else if (t < -eps) {
          fire = false;
        } else {
          ++rechecks;
          const int sg = ExactSign(x, p, i, r0 + r);
          fire = sg > 0;
          ties += sg == 0;
        }
        if (fire) row.push_back(r);
      }
    }
  }
  st->ties += ties;
  st->exact_rechecks += rechecks;
  return FromRows(rows_n, rows);
}

/// Appends the units of `extra` after those of `base` (per point).
Codes Concat(const Codes& base, const Codes& extra) {
  std::vector<std::vector<int32_t>> rows(base.n());
  for (int64_t i = 0; i < base.n(); ++i) {
    rows[i].assign(base.idx.begin() + base.ptr[i], base.idx.begin() + base.ptr[i + 1]);
    for (int64_t q = extra.ptr[i]; q < extra.ptr[i + 1]; ++q) rows[i].push_back(base.units + extra.idx[q]);
  }
  return FromRows(base.units + extra.units, rows);
}

/// Groups of ≥ 2 points with identical codes.
std::vector<std::vector<int64_t>> DuplicateGroups(const Codes& c) {
  std::unordered_map<uint64_t, std::vector<int64_t>> buckets;
  for (int64_t i = 0; i < c.n(); ++i) {
    uint64_t h = 1469598103934665603ull ^ uint64_t(c.Activity(i));
    for (int64_t q = c.ptr[i]; q < c.ptr[i + 1]; ++q) h = (h ^ uint64_t(c.idx[q])) * 1099511628211ull;
    buckets[h].push_back(i);
  }
  std::vector<std::vector<int64_t>> groups;
  for (auto& [h, pts] : buckets) {
    if (pts.size() < 2) continue;
    // Split a hash bucket into classes of equal codes.
    std::vector<char> used(pts.size(), 0);
    for (size_t a = 0; a < pts.size(); ++a) {
      if (used[a]) continue;
      std::vector<int64_t> g{pts[a]};
      for (size_t b = a + 1; b < pts.size(); ++b) {
        if (used[b] || c.Activity(pts[a]) != c.Activity(pts[b])) continue;
        if (std::equal(c.idx.begin() + c.ptr[pts[a]], c.idx.begin() + c.ptr[pts[a] + 1],
                       c.idx.begin() + c.ptr[pts[b]])) {
          used[b] = 1;
          g.push_back(pts[b]);
        }
      }
      if (g.size() > 1) groups.push_back(std::move(g));
    }
  }
  std::sort(groups.begin(), groups.end());
  return groups;
}

/// Repair neurons (§9 step 3, deterministic variant of the remedy "raise n1"): for every
/// group of points sharing an E1 code, one threshold neuron on the hyperplane bisecting two of
/// them, w = x_i − x_j rounded to a dyadic grid, threshold at the exact midpoint of their two
/// values. Returns false if `budget` neurons do not make every code distinct.
bool RepairE1(const RowMatrix& x, E1Params* p, Codes* z, int64_t budget, EvalStats* st) {
  const int d = p->d;
  for (int round = 0; round < 64; ++round) {
    std::vector<std::vector<int64_t>> groups = DuplicateGroups(*z);
    if (groups.empty()) return true;
    if (p->repairs + int64_t(groups.size()) > budget) return false;
    const int r0 = p->n;
    for (const auto& g : groups) {
      const int64_t i = g[0], j = g[1];
      Eigen::VectorXd w = (x.row(i) - x.row(j)).transpose();
      const double mx = w.cwiseAbs().maxCoeff();
      if (!(mx > 0)) return false;
      const int kr = std::min(60, 20 - (std::ilogb(mx) + 1));
      std::vector<int64_t> row(d);
      for (int c = 0; c < d; ++c) row[c] = std::llround(std::ldexp(w[c], kr));
      auto value = [&](int64_t pt) {
        Integer acc = 0;
        for (int c = 0; c < d; ++c)
          acc += Integer(long(row[c])) * RationalFromDouble(std::ldexp(x(pt, c), p->fbits)).get_num();
        return acc;
      };
      Integer vi = value(i), vj = value(j);
      if (vi == vj) return false;
      Integer t = vi + vj;
      mpz_fdiv_q_2exp(t.get_mpz_t(), t.get_mpz_t(), 1);  // floor: v_low ≤ t < v_high
      p->AddRow(row, kr, std::move(t));
      ++p->repairs;
    }
    Codes extra = EvalE1(x, *p, r0, p->n, st);
    *z = Concat(*z, extra);
  }
  return DuplicateGroups(*z).empty();
}

// ------------------------------------------------------------------ code layers

/// Norm-insensitive random threshold layer on 0/1 codes (§5.2): weights W = round_k(G − c),
/// threshold β·2^-k; fires iff Σ_{active j} W_rj − β > 0 (exact integers).
struct CodeParams {
  int32_t n_in = 0, m = 0;
  int k = 16;
  std::vector<int32_t> wt;  // n_in × m (transposed), numerators over 2^k
  int64_t beta = 0;
  double rate = 0;
};

CodeParams DrawCode(const Codes& z, int32_t m, double rate, int k, Rng& rng,
                    Gaussian& gauss) {
  CodeParams p;
  p.n_in = z.units;
  p.m = m;
  p.k = k;
  p.rate = rate;
  double sbar = 0;
  for (int64_t i = 0; i < z.n(); ++i) sbar += z.Activity(i);
  sbar = std::max(1.0, sbar / double(std::max<int64_t>(1, z.n())));
  const double t = UpperNormalQuantile(rate);
  const double c = t / (2 * std::sqrt(sbar));
  p.wt.assign(size_t(p.n_in) * m, 0);
  for (int32_t r = 0; r < m; ++r)
    for (int32_t j = 0; j < p.n_in; ++j)
      p.wt[size_t(j) * m + r] = int32_t(std::llround(std::ldexp(gauss(rng) - c, k)));
  p.beta = std::llround(std::ldexp(t * std::sqrt(sbar) / 2, k));
  return p;
}

Codes EvalCode(const Codes& z, const CodeParams& p, EvalStats* st) {
  const int64_t n = z.n();
  const int32_t m = p.m;
  std::vector<std::vector<int32_t>> rows(n);
  int64_t ties = 0;
#pragma omp parallel reduction(+ : ties)
  {
    std::vector<int64_t> acc(m);
#pragma omp for schedule(dynamic, 256)
    for (int64_t i = 0; i < n; ++i) {
      std::fill(acc.begin(), acc.end(), -p.beta);
      int64_t* a = acc.data();
      for (int64_t q = z.ptr[i]; q < z.ptr[i + 1]; ++q) {
        const int32_t* w = p.wt.data() + size_t(z.idx[q]) * m;
#pragma omp simd
        for (int32_t r = 0; r < m; ++r) a[r] += w[r];
      }
      auto& row = rows[i];
      for (int32_t r = 0; r < m; ++r) {
        if (a[r] > 0) row.push_back(r);
        ties += a[r] == 0;
      }
    }
  }
  st->ties += ties;
  return FromRows(m, rows);
}

// ------------------------------------------------------------------ perception: greedy packing

/// A perception neuron: fires exactly on `members`. Scores are in units of 2^-klam:
/// S(u) = Σ_r w_r u_r with w_r = 2^klam·#{j ∈ members : u_j,r = 1} − Λ·|members| (covariance,
/// Λ = λ·2^klam; Hebbian: klam = 0, Λ = 0); it fires iff 2S − tau2 ≥ 0, tau2 = min_in + max_out.
/// Exact-match neurons (fallback) have w = ±2^klam and tau2 = (2|u_k| − 1)·2^klam.
struct Neuron {
  int32_t cls = 0;
  std::vector<int32_t> members;
  int64_t tau2 = 0;
  bool exact_match = false;
};

class Packer {
 public:
  static constexpr int32_t kSentinel = -(1 << 30);
  static constexpr size_t kMaxBatch = 1024;
  static constexpr size_t kHot = 16;

  Packer(const Codes& u, int klam, int64_t lam, int64_t margin, int open_limit, int64_t cap)
      : u_(u), klam_(klam), lam_(lam), margin_(margin), open_limit_(open_limit), cap_(cap) {
    const int64_t n = u.n();
    col_ptr_.assign(u.units + 1, 0);
    for (int32_t r : u.idx) ++col_ptr_[r + 1];
    for (int32_t r = 0; r < u.units; ++r) col_ptr_[r + 1] += col_ptr_[r];
    col_idx_.resize(u.idx.size());
    std::vector<int64_t> fill(col_ptr_.begin(), col_ptr_.end() - 1);
    for (int64_t i = 0; i < n; ++i)
      for (int64_t q = u.ptr[i]; q < u.ptr[i + 1]; ++q) col_idx_[fill[u.idx[q]]++] = int32_t(i);
    ov_.assign(n, 0);
    a_.assign(n, 0);
    lamact_.resize(n);
    for (int64_t i = 0; i < n; ++i) lamact_[i] = int32_t(lam * u.Activity(i));
  }

  /// Places point k (class cls) in an open batch, a new batch or a fallback neuron. Returns
  /// false when the stage has no neuron left (k is not placed).
  bool Add(int32_t k, int32_t cls) {
    if (!open_.empty() && open_.front().cls != cls) CloseAll();
    const int64_t n = u_.n();
    for (int64_t q = u_.ptr[k]; q < u_.ptr[k + 1]; ++q) {
      const int32_t r = u_.idx[q];
      for (int64_t t = col_ptr_[r]; t < col_ptr_[r + 1]; ++t) ++ov_[col_idx_[t]];
    }
    int32_t* a = a_.data();
    int32_t* ov = ov_.data();
    const int32_t* la = lamact_.data();
    const int klam = klam_;
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) {
      a[i] = (ov[i] << klam) - la[i];
      ov[i] = 0;
    }
    for (Open& o : open_) {
      if (o.members.size() >= kMaxBatch) continue;
      int64_t new_min = int64_t(o.s[k]) + a[k];
      for (size_t j = 0; j < o.members.size(); ++j)
        new_min = std::min(new_min, o.mem_s[j] + a[o.members[j]]);
      const int32_t saved = o.s[k];
      o.s[k] = kSentinel;
      const int64_t limit = new_min - margin_;
      // Recent violators first: an outsider that scored too high once usually does again.
      bool ok = true;
      for (int32_t i : o.hot)
        if (int64_t(o.s[i]) + a[i] > limit) { ok = false; break; }
      if (ok) {
        const int64_t bad = FirstAbove(o.s.data(), a, n, limit);
        ok = bad < 0;
        if (!ok) {
          if (o.hot.size() < kHot) o.hot.push_back(int32_t(bad));
          else o.hot[o.next_hot++ % kHot] = int32_t(bad);
        }
      }
      o.s[k] = saved;
      if (!ok) continue;
      int32_t* s = o.s.data();
#pragma omp simd
      for (int64_t i = 0; i < n; ++i) s[i] += a[i];
      for (size_t j = 0; j < o.members.size(); ++j) {
        o.mem_s[j] += a[o.members[j]];
        s[o.members[j]] = kSentinel;
      }
      o.members.push_back(k);
      o.mem_s.push_back(int64_t(saved) + a[k]);
      s[k] = kSentinel;
      neurons[o.id].members.push_back(k);
      return true;
    }
    if (cap_ >= 0 && int64_t(neurons.size()) >= cap_) return false;
    const int32_t ak = a[k];
    a[k] = kSentinel;
    const bool singleton = FirstAbove(a, nullptr, n, int64_t(ak) - margin_) < 0;
    a[k] = ak;
    if (singleton) {
      Open o;
      o.id = int32_t(neurons.size());
      o.cls = cls;
      o.members = {k};
      o.mem_s = {ak};
      o.s.assign(a_.begin(), a_.end());
      o.s[k] = kSentinel;
      neurons.push_back(Neuron{cls, {k}, 0, false});
      ++batches;
      open_.push_back(std::move(o));
      if (int(open_.size()) > open_limit_) Close(0);
    } else {
      Neuron nn{cls, {k}, (2 * int64_t(u_.Activity(k)) - 1) << klam_, true};
      neurons.push_back(std::move(nn));
      ++fallbacks;
    }
    return true;
  }

  void CloseAll() {
    while (!open_.empty()) Close(0);
  }

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

  // The first i with s[i] + a[i] > limit (a may be null), or −1; scans by blocks.
  static int64_t FirstAbove(const int32_t* s, const int32_t* a, int64_t n, int64_t limit) {
    constexpr int64_t kChunk = 2048;
    for (int64_t b = 0; b < n; b += kChunk) {
      const int64_t e = std::min(n, b + kChunk);
      int32_t mx = INT32_MIN;
      if (a) {
#pragma omp simd reduction(max : mx)
        for (int64_t i = b; i < e; ++i) mx = std::max(mx, s[i] + a[i]);
      } else {
#pragma omp simd reduction(max : mx)
        for (int64_t i = b; i < e; ++i) mx = std::max(mx, s[i]);
      }
      if (mx > limit)
        for (int64_t i = b; i < e; ++i)
          if (int64_t(s[i]) + (a ? a[i] : 0) > limit) return i;
    }
    return -1;
  }

  void Close(size_t which) {
    Open& o = open_[which];
    int64_t min_in = *std::min_element(o.mem_s.begin(), o.mem_s.end());
    int32_t max_out = kSentinel;
    for (int32_t v : o.s) max_out = std::max(max_out, v);
    if (max_out == kSentinel) max_out = int32_t(min_in - 2);  // no outsiders at all
    MNEMO_CHECK(min_in > max_out, "perception batch not separated ({} ≤ {})", min_in, max_out);
    neurons[o.id].tau2 = min_in + max_out;
    open_.erase(open_.begin() + which);
  }

  const Codes& u_;
  int klam_;
  int64_t lam_, margin_;
  int open_limit_;
  int64_t cap_;
  std::vector<int64_t> col_ptr_;
  std::vector<int32_t> col_idx_, ov_, a_, lamact_;
  std::vector<Open> open_;
};

// ------------------------------------------------------------------ layer assembly

/// Where a code layer's units sit in the next layer's input: unit r is neuron first + r (step),
/// or the pair first + 2r, first + 2r + 1 whose difference times 2^shift is the 0/1 code (relu).
struct CodeBlock {
  bool relu = false;
  int32_t first = 0;
  int shift = 0;
  std::vector<int> unit_shift;  // per unit, when the rows' denominators differ
};

void AddCodeWeight(LayerWriter& w, const CodeBlock& b, int32_t unit, int64_t num) {
  if (!b.relu) {
    w.Add(b.first + unit, num);
  } else {
    const int sh = b.unit_shift.empty() ? b.shift : b.unit_shift[unit];
    w.Add(b.first + 2 * unit, num, sh);
    w.Add(b.first + 2 * unit + 1, -num, sh);
  }
}

/// A decision neuron (perception or relay) of some layer: value·2^shift ≥ 1 when it fired,
/// exactly 0 otherwise.
struct Signal {
  int32_t col = 0;
  int shift = 0;
  int32_t cls = -1;   // perception neurons: the class they memorize
  int32_t bit = -1;   // relays: the output bit they carry
};

// ------------------------------------------------------------------ options and plan

struct Options {
  std::vector<int64_t> widths;  // explicit hidden widths, or empty
  int64_t connections = 0;      // deep-connection budget, or 0
  std::vector<std::string> activations;
  int64_t n1 = 0, m = 0, s = 40;
  double p1 = 0.05;
  int extra_code_layers = 0;
  std::string rule = "cov";
  int open = 8;
  int64_t margin = 1;
  int k = 16;
  std::string lift = "auto";
  int tries = 5;
  int64_t repair = 50;
  double min_activity = -1;  // < 0: s/3
};

// The typed options in the form the build uses (code-layers K → K − 1 extra layers).
Options FromTyped(const VershyninOptions& v) {
  Options o;
  o.widths = v.widths;
  o.connections = v.connections;
  o.activations = v.activations;
  o.n1 = v.n1;
  o.m = v.code_width;
  o.s = v.s;
  o.p1 = v.p1;
  o.extra_code_layers = v.code_layers - 1;
  o.rule = v.rule;
  o.open = v.open;
  o.margin = v.margin;
  o.k = v.weight_bits;
  o.lift = v.lift;
  o.tries = v.tries;
  o.repair = v.repair;
  o.min_activity = v.min_activity;
  return o;
}

/// One try's architecture. Hidden layer ℓ (0-based h = ℓ − 1): code units, perception cap,
/// relays, activation.
struct Plan {
  std::vector<bool> relu;          // per hidden layer
  int64_t n1 = 0;                  // E1 units
  std::vector<int64_t> code_units; // per hidden layer (0 for E1 and for the last)
  std::vector<int64_t> m_cap;      // perception neurons allowed per hidden layer (-1 unlimited)
  std::vector<bool> relays;        // per hidden layer
  int64_t s = 40;                  // target activity of code layers
  bool fixed = false;              // user-fixed widths
  int hidden() const { return int(relu.size()); }
};

std::string Join(const std::vector<int64_t>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + std::to_string(v[i]);
  return s;
}

}  // namespace

namespace {

std::optional<Network> Build(const VershyninOptions& typed, const BuildContext& ctx,
                             Report* report) {
  const auto t_start = Clock::now();
  Options opt = FromTyped(typed);
  const Dataset& data = ctx.data;
  const RowMatrix& x = ctx.normalized;
  const int64_t n = data.n();
  const int32_t d = int32_t(data.d());
  const int64_t classes = std::max<int64_t>(1, data.classes());
  Rng rng(ctx.seed);
  Gaussian gauss;

  // Labels: the most frequent class is the default; every other class is memorized.
  std::vector<int64_t> count(classes, 0);
  for (int64_t i = 0; i < n; ++i) ++count[data.y[i]];
  const int32_t c0 = int32_t(std::max_element(count.begin(), count.end()) - count.begin());
  int bits = 1;
  while ((int64_t(1) << bits) < classes) ++bits;
  std::vector<int32_t> order;  // points to memorize: class by class, shuffled within a class
  for (int32_t c = 0; c < classes; ++c) {
    if (c == c0) continue;
    std::vector<int32_t> pts;
    for (int64_t i = 0; i < n; ++i)
      if (data.y[i] == c) pts.push_back(int32_t(i));
    Shuffle(pts, rng);
    order.insert(order.end(), pts.begin(), pts.end());
  }
  const int64_t memorized = int64_t(order.size());

  // Inputs: grid, norms, lift (§10.6).
  int fbits = 8;
  for (int64_t i = 0; i < x.size(); ++i) fbits = std::max(fbits, internal::FractionBits(x.data()[i]));
  double max_n2 = 0, min_n2 = 1e300, mean_n2 = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double v = x.row(i).squaredNorm();
    max_n2 = std::max(max_n2, v);
    min_n2 = std::min(min_n2, v);
    mean_n2 += v;
  }
  mean_n2 /= double(std::max<int64_t>(1, n));
  std::string lift = opt.lift;
  if (lift == "auto") lift = (min_n2 > 0 && max_n2 <= 1.5 * min_n2) ? "none" : "const";
  const int64_t lift_c = lift == "const" ? std::max<int64_t>(1, std::llround(std::sqrt(max_n2) * 256)) : 0;
  const double lift_cd = std::ldexp(double(lift_c), -8);

  // Architecture.
  Plan plan;
  const int64_t m_auto = std::clamp<int64_t>(std::llround(4 * std::sqrt(double(n))), 300, 1500);
  auto s_for = [&](int64_t units) {
    return opt.s > 0 ? opt.s : std::clamp<int64_t>(units / 8, 8, 40);
  };
  if (!opt.widths.empty()) {
    plan.fixed = true;
    const int L = int(opt.widths.size());
    plan.relu.assign(L, false);
    if (!opt.activations.empty() && opt.activations.size() != 1 && int(opt.activations.size()) != L)
      Fail("--activations: give 1 or {} activations (one per hidden layer), got {}", L,
           opt.activations.size());
    for (int h = 0; h < L; ++h) {
      const std::string& a = opt.activations.empty() ? "step"
                             : opt.activations.size() == 1 ? opt.activations[0] : opt.activations[h];
      plan.relu[h] = a == "relu";
    }
    plan.code_units.assign(L, 0);
    plan.m_cap.assign(L, 0);
    plan.relays.assign(L, false);
    auto units_of = [&](int h, int64_t neurons) { return plan.relu[h] ? neurons / 2 : neurons; };
    plan.n1 = units_of(0, opt.widths[0]);
    plan.code_units[1] = units_of(1, opt.widths[1]);
    for (int h = 2; h < L; ++h) {
      plan.relays[h] = h >= 3;
      const int64_t avail = opt.widths[h] - (plan.relays[h] ? bits : 0);
      if (h < L - 1) {
        int64_t code_neurons = avail / 2;
        if (plan.relu[h]) code_neurons -= code_neurons % 2;
        plan.code_units[h] = units_of(h, code_neurons);
        plan.m_cap[h] = avail - code_neurons;
      } else {
        plan.m_cap[h] = avail;
      }
      if (plan.m_cap[h] < 1 || (h < L - 1 && plan.code_units[h] < 4))
        Fail("--widths: hidden layer {} (width {}) is too narrow for its code, perception and {} "
             "relay neurons", h + 1, opt.widths[h], plan.relays[h] ? bits : 0);
    }
    if (plan.n1 < 2 || plan.code_units[1] < 4) Fail("--widths: the first two layers are too narrow");
    plan.s = s_for(plan.code_units[1]);
  } else {
    const int L = 3 + opt.extra_code_layers;
    plan.relu.assign(L, false);
    if (!opt.activations.empty() && opt.activations.size() != 1 && int(opt.activations.size()) != L)
      Fail("--activations: give 1 or {} activations (one per hidden layer), got {}", L,
           opt.activations.size());
    for (int h = 0; h < L; ++h) {
      const std::string& a = opt.activations.empty() ? "step"
                             : opt.activations.size() == 1 ? opt.activations[0] : opt.activations[h];
      plan.relu[h] = a == "relu";
    }
    plan.n1 = opt.n1 > 0 ? opt.n1 : 400;
    int64_t m = opt.m > 0 ? opt.m : m_auto;
    if (opt.connections > 0 && opt.m == 0) {
      // Largest m whose estimated W = n1·m + m·n3(m) + n3(m) fits the budget, with the measured
      // batch size B(m) ≈ 17.5·(m/1000)^0.58 (design note §6.2).
      m = 0;
      double w_min = -1;
      for (int64_t cand = 64; cand <= 20000; cand += 16) {
        const double b = std::max(2.0, 17.5 * std::pow(double(cand) / 1000, 0.58));
        const double n3 = double(memorized) / b;
        const double w = double(plan.n1) * cand + (cand + double(bits)) * n3;
        if (w_min < 0) w_min = w;
        if (w <= double(opt.connections)) m = cand;
      }
      if (m == 0) {
        report->Fail(Status::kInfeasible,
                     fmt::format("deep connection budget exceeded: --connections {} is below the "
                                 "estimate W ≈ {:.0f} for the narrowest code layer (m = 64, n1 = {})",
                                 opt.connections, w_min, plan.n1));
        return std::nullopt;
      }
    }
    plan.code_units.assign(L, 0);
    plan.m_cap.assign(L, 0);
    plan.relays.assign(L, false);
    for (int h = 1; h < L - 1; ++h) plan.code_units[h] = m;
    plan.m_cap[L - 1] = -1;
    plan.s = s_for(m);
  }

  // Codes far below the mean activity are hard to pack (they only fall back to exact-match
  // neurons); at N = 10^5 the binomial minimum of s = 40 is about s/4, so s/3 (§9 step 6) would
  // reject good codes. s/10 flags genuinely silent layers.
  const double min_activity_frac = 1.0 / 10.0;
  double p1 = opt.p1;
  std::string last_failure;
  std::vector<std::string> tried;
  nlohmann::ordered_json attempts = nlohmann::ordered_json::array();
  int64_t w_best = -1;

  for (int attempt = 1; attempt <= opt.tries; ++attempt) {
    const int L = plan.hidden();
    std::vector<int64_t> sizes_desc{plan.n1};
    for (int h = 1; h < L - 1; ++h) sizes_desc.push_back(plan.code_units[h]);
    tried.push_back(fmt::format("try {}: n1 = {}, code units = {}, s = {}, p1 = {:.3g}", attempt,
                                plan.n1, Join(std::vector<int64_t>(sizes_desc.begin() + 1, sizes_desc.end())),
                                plan.s, p1));
    auto fail_try = [&](const std::string& check, const std::string& remedy) {
      last_failure = check;
      attempts.push_back({{"try", attempt}, {"failed", check}, {"remedy", remedy}});
    };
    const auto t0 = Clock::now();
    // ---- E1
    E1Params e1;
    e1.d = d;
    e1.fbits = fbits;
    const double t1 = UpperNormalQuantile(p1);
    const double b1 = t1 * std::sqrt(mean_n2 + lift_cd * lift_cd);
    const int64_t b1_num = std::llround(std::ldexp(b1, opt.k + 8));
    for (int r = 0; r < plan.n1; ++r) {
      std::vector<int64_t> row(d);
      for (int j = 0; j < d; ++j) row[j] = std::llround(std::ldexp(gauss(rng), opt.k));
      const int64_t gc = std::llround(std::ldexp(gauss(rng), opt.k));
      const int64_t bhat = b1_num - (lift == "const" ? gc * lift_c : 0);  // over 2^(k+8)
      e1.AddRow(row, opt.k, Integer(long(bhat)) << (fbits - 8));
    }
    EvalStats e1_stats;
    Codes z1 = EvalE1(x, e1, 0, e1.n, &e1_stats);
    if (!plan.fixed && opt.repair > 0) RepairE1(x, &e1, &z1, std::max<int64_t>(16, opt.repair * plan.n1 / 100), &e1_stats);
    CodeStats z1s = Analyze(z1);
    const auto t1c = Clock::now();
    report->timings.Add(fmt::format("try{}_e1", attempt), Seconds(t0, t1c));
    if (z1s.distinct < n) {
      const std::string check = fmt::format(
          "E1 codes not distinct: {} of {} points have distinct codes (rows {} and {} share one; "
          "n1 = {}, p1 = {:.3g})",
          z1s.distinct, n, data.point_to_row[z1s.dup_a], data.point_to_row[z1s.dup_b], plan.n1, p1);
      if (plan.fixed || opt.n1 > 0) {
        p1 = std::min(0.25, p1 * 1.5);
        fail_try(check, "raise p1");
      } else {
        plan.n1 *= 2;
        fail_try(check, "double n1");
      }
      continue;
    }
    // ---- code layers
    std::vector<Codes> codes(L);
    std::vector<CodeParams> cparams(L);
    std::vector<CodeStats> cstats(L);
    codes[0] = std::move(z1);
    EvalStats code_stats;
    std::string code_failure;
    for (int h = 1; h < L - 1 && code_failure.empty(); ++h) {
      const int32_t m = int32_t(plan.code_units[h]);
      const double rate = std::min(0.45, double(plan.s) / double(m));
      cparams[h] = DrawCode(codes[h - 1], m, rate, opt.k, rng, gauss);
      codes[h] = EvalCode(codes[h - 1], cparams[h], &code_stats);
      cstats[h] = Analyze(codes[h]);
      const double min_act = opt.min_activity >= 0 ? opt.min_activity : plan.s * min_activity_frac;
      if (cstats[h].distinct < n) {
        code_failure = fmt::format(
            "codes not distinct in hidden layer {}: {} of {} points have distinct codes (rows {} "
            "and {} share one; width {}, s = {})",
            h + 1, cstats[h].distinct, n, data.point_to_row[cstats[h].dup_a],
            data.point_to_row[cstats[h].dup_b], m, plan.s);
      } else if (cstats[h].min_act < min_act) {
        code_failure = fmt::format(
            "silent points in hidden layer {}: minimum activity {} < {:.4g} (s = {}, width {})",
            h + 1, cstats[h].min_act, min_act, plan.s, m);
      }
    }
    const auto t2c = Clock::now();
    report->timings.Add(fmt::format("try{}_codes", attempt), Seconds(t1c, t2c));
    if (!code_failure.empty()) {
      if (code_failure.rfind("silent", 0) == 0) {
        plan.s = plan.s * 3 / 2;
        fail_try(code_failure, "raise s");
      } else if (plan.fixed || opt.m > 0) {
        fail_try(code_failure, "resample");
      } else {
        for (int h = 1; h < L - 1; ++h) plan.code_units[h] = plan.code_units[h] * 3 / 2;
        fail_try(code_failure, "raise m");
      }
      continue;
    }
    // ---- perception: stage h reads codes[h − 1]
    std::vector<std::vector<Neuron>> stage_neurons(L);
    std::vector<int> stage_klam(L, 0);
    std::vector<int64_t> stage_lam(L, 0);
    int64_t batches = 0, fallbacks = 0;
    size_t next = 0;
    int klam_used = 0;
    for (int h = 2; h < L && next < order.size(); ++h) {
      if (plan.m_cap[h] == 0) continue;
      const Codes& u = codes[h - 1];
      int32_t umax = 1;
      double act_sum = 0;
      for (int64_t i = 0; i < n; ++i) {
        umax = std::max(umax, u.Activity(i));
        act_sum += u.Activity(i);
      }
      int klam = 0;
      int64_t lam = 0;
      if (opt.rule == "cov") {
        klam = std::clamp(int(std::floor(std::log2((1 << 28) / (double(Packer::kMaxBatch) * umax)))), 0, 12);
        lam = std::llround(std::ldexp(act_sum / double(n) / double(u.units), klam));
      }
      MNEMO_CHECK((int64_t(umax) << klam) * int64_t(Packer::kMaxBatch) < (int64_t(1) << 29));
      klam_used = klam;
      Packer packer(u, klam, lam, opt.margin, opt.open, plan.m_cap[h]);
      for (; next < order.size(); ++next)
        if (!packer.Add(order[next], data.y[order[next]])) break;
      packer.CloseAll();
      batches += packer.batches;
      fallbacks += packer.fallbacks;
      stage_neurons[h] = std::move(packer.neurons);
      stage_klam[h] = klam;
      stage_lam[h] = lam;
    }
    const auto t3c = Clock::now();
    report->timings.Add(fmt::format("try{}_pack", attempt), Seconds(t2c, t3c));
    if (next < order.size()) {
      std::vector<int64_t> caps;
      for (int h = 2; h < L; ++h) caps.push_back(plan.m_cap[h]);
      fail_try(fmt::format("perception capacity exceeded: {} of {} points to memorize are left "
                           "after filling every perception part (neurons per layer {}); widen "
                           "the layers after the second",
                           order.size() - next, order.size(), Join(caps)),
               "resample");
      continue;
    }

    // ---- assemble. Layer widths first.
    std::vector<int64_t> widths(L);
    std::vector<int64_t> m_used(L, 0);
    for (int h = 0; h < L; ++h) {
      const int64_t code = h == 0 ? int64_t(e1.n) : plan.code_units[h];
      const int64_t code_neurons = plan.relu[h] && h < L - 1 ? 2 * code : (h < L - 1 ? code : 0);
      m_used[h] = int64_t(stage_neurons[h].size());
      const int64_t mpart = h < 2 ? 0 : (plan.m_cap[h] >= 0 ? plan.m_cap[h] : m_used[h]);
      widths[h] = code_neurons + mpart + (plan.relays[h] ? bits : 0);
    }
    int64_t w_deep = 0;
    for (int h = 0; h + 1 < L; ++h) w_deep += widths[h] * widths[h + 1];
    w_deep += widths[L - 1] * bits;
    if (opt.connections > 0 && w_deep > opt.connections) {
      w_best = w_best < 0 ? w_deep : std::min(w_best, w_deep);
      const std::string check = fmt::format(
          "deep connection budget exceeded: the network needs W = {} > --connections {}", w_deep,
          opt.connections);
      if (opt.m == 0 && plan.code_units[1] > 32) {
        for (int h = 1; h < L - 1; ++h) plan.code_units[h] = plan.code_units[h] * 4 / 5;
        fail_try(check, "shrink m");
      } else {
        fail_try(check, "resample");
      }
      continue;
    }

    Network net;
    std::vector<CodeBlock> blocks(L);   // code part of each hidden layer
    std::vector<std::vector<Signal>> signals(L);  // decision neurons of each hidden layer
    int32_t prev_width = d;
    for (int h = 0; h < L; ++h) {
      const bool relu = plan.relu[h];
      const Activation::Kind act = relu ? Activation::kRelu : Activation::kStep;
      int e1_den = fbits + 1;
      for (int kr : e1.k) e1_den = std::max(e1_den, kr + fbits + 1);
      const int code_den = opt.k + 1;
      const int klam = stage_klam[h];
      const int perc_den = klam + 1;
      int den = h == 0 ? e1_den : std::max({code_den, perc_den, 1});
      LayerWriter w(prev_width, den, act);
      // Code part.
      if (h == 0) {
        blocks[0] = CodeBlock{relu, 0, e1_den};
        for (int r = 0; r < e1.n; ++r) {
          const int rd = e1.k[r] + fbits + 1;
          blocks[0].unit_shift.push_back(rd);
          for (int pass = 0; pass < (relu ? 2 : 1); ++pass) {
            w.Begin(rd);
            for (int j = 0; j < d; ++j) w.Add(j, e1.g[size_t(r) * d + j], fbits + 1);
            // step / second ReLU: −(2T + 1); first ReLU of a pair: −2T.
            Integer bias = -(2 * e1.thr[r]) - ((relu && pass == 0) ? 0 : 1);
            w.End(bias);
          }
        }
      } else if (h < L - 1) {
        blocks[h] = CodeBlock{relu, 0, code_den};
        const CodeParams& cp = cparams[h];
        for (int32_t r = 0; r < cp.m; ++r) {
          for (int pass = 0; pass < (relu ? 2 : 1); ++pass) {
            w.Begin(code_den);
            for (int32_t j = 0; j < cp.n_in; ++j)
              AddCodeWeight(w, blocks[h - 1], j, 2 * int64_t(cp.wt[size_t(j) * cp.m + r]));
            w.End(Integer(long(-2 * cp.beta - ((relu && pass == 0) ? 0 : 1))));
          }
        }
      }
      // Perception part (reads the code part of layer h − 1).
      if (h >= 2) {
        const Codes& u = codes[h - 1];
        const int64_t lam = stage_lam[h];
        std::vector<int64_t> cnt(u.units);
        for (const Neuron& nr : stage_neurons[h]) {
          w.Begin(perc_den);
          if (nr.exact_match) {
            std::vector<char> on(u.units, 0);
            const int32_t k0 = nr.members[0];
            for (int64_t q = u.ptr[k0]; q < u.ptr[k0 + 1]; ++q) on[u.idx[q]] = 1;
            for (int32_t r = 0; r < u.units; ++r)
              AddCodeWeight(w, blocks[h - 1], r, on[r] ? (int64_t(2) << klam) : -(int64_t(2) << klam));
          } else {
            std::fill(cnt.begin(), cnt.end(), 0);
            for (int32_t k0 : nr.members)
              for (int64_t q = u.ptr[k0]; q < u.ptr[k0 + 1]; ++q) ++cnt[u.idx[q]];
            const int64_t shift_all = lam * int64_t(nr.members.size());
            for (int32_t r = 0; r < u.units; ++r)
              AddCodeWeight(w, blocks[h - 1], r, 2 * ((cnt[r] << klam) - shift_all));
          }
          w.End(Integer(long(-nr.tau2)));
          signals[h].push_back(Signal{w.rows() - 1, relu ? klam + 1 : 0, nr.cls, -1});
        }
        if (plan.m_cap[h] >= 0)
          for (int64_t dead = int64_t(stage_neurons[h].size()); dead < plan.m_cap[h]; ++dead) {
            w.Begin(1);
            w.End(Integer(-1));  // never fires
          }
      }
      // Relays: OR of everything decided before this layer, per output bit.
      if (plan.relays[h]) {
        for (int b = 0; b < bits; ++b) {
          w.Begin(relu ? 0 : 1);
          for (const Signal& sg : signals[h - 1]) {
            const bool use = sg.cls >= 0 ? (((sg.cls >> b) & 1) != ((c0 >> b) & 1)) : sg.bit == b;
            if (use) w.Add(sg.col, relu ? 1 : 2, sg.shift);
          }
          w.End(Integer(relu ? 0 : -1));
          signals[h].push_back(Signal{w.rows() - 1, 0, -1, b});
        }
      }
      Layer layer = w.Finish();
      prev_width = layer.outputs;
      MNEMO_CHECK(layer.outputs == widths[h], "layer {} has {} neurons, planned {}", h + 1,
                  layer.outputs, widths[h]);
      net.layers.push_back(std::move(layer));
    }
    {
      LayerWriter w(prev_width, 1, Activation::kStep);
      for (int b = 0; b < bits; ++b) {
        const bool invert = (c0 >> b) & 1;
        w.Begin(1);
        for (const Signal& sg : signals[L - 1]) {
          const bool use = sg.cls >= 0 ? (((sg.cls >> b) & 1) != invert) : sg.bit == b;
          if (use) w.Add(sg.col, invert ? -2 : 2, sg.shift);
        }
        w.End(Integer(invert ? 1 : -1));
      }
      net.layers.push_back(w.Finish());
    }
    net.output = OutputKind::kBits;
    net.classification = true;
    net.input = ctx.input_map;
    net.class_values = data.class_values;
    net.CheckValid();
    const auto t4c = Clock::now();
    report->timings.Add(fmt::format("try{}_assemble", attempt), Seconds(t3c, t4c));
    VerifyOptions vo;
    vo.mode = VerifyMode::kExact;
    vo.progress = ctx.progress;
    VerifyReport vr = Verify(net, data, vo);
    const auto t5c = Clock::now();
    report->timings.Add(fmt::format("try{}_verify", attempt), Seconds(t4c, t5c));
    if (!vr.all_correct()) {
      fail_try(fmt::format("exact verification found {} mismatches of {} rows (first: row {})",
                           vr.mismatches, vr.checked,
                           vr.first_mismatches.empty() ? -1 : vr.first_mismatches[0].index),
               "resample");
      continue;
    }

    // ---- report
    NetworkStats stats = net.Stats();
    const double nn = double(std::max<int64_t>(n, 2));
    const double ln = std::log(nn);
    int64_t memo_conn = 0, perception = 0;
    for (int h = 2; h < L; ++h) {
      const int64_t in_units = h - 1 == 0 ? int64_t(e1.n) : plan.code_units[h - 1];
      memo_conn += in_units * m_used[h];
      perception += m_used[h];
    }
    std::vector<std::string> acts;
    for (int h = 0; h < L; ++h) acts.push_back(plan.relu[h] ? "relu" : "step");
    report->SetExtra("widths", widths);
    report->SetExtra("activations", acts);
    report->SetExtra("multiclass", classes > 2 ? fmt::format("one memorizer per class ({} of {}; "
                                                        "default class {} memorized by none), "
                                                        "{} output bits", classes - 1, classes,
                                                        data.class_values[c0], bits)
                                          : std::string("minority trick, one threshold output"));
    report->SetExtra("lift", lift == "const" ? fmt::format("const c = {}", lift_cd) : lift);
    report->SetExtra("input_grid_bits", fbits);
    report->SetExtra("weight_bits", opt.k);
    report->SetExtra("rule", opt.rule);
    report->SetExtra("p1", p1);
    report->SetExtra("s", plan.s);
    report->SetExtra("deep_connections", w_deep);
    report->SetExtra("deep_connections_per_point", double(w_deep) / double(std::max<int64_t>(n, 1)));
    report->SetExtra("W_over_N_log5_N", double(w_deep) / (nn * std::pow(ln, 5)));
    report->SetExtra("W_over_N_log_N", double(w_deep) / (nn * ln));
    report->SetExtra("input_connections", int64_t(d) * widths[0]);
    report->SetExtra("memorization_connections", memo_conn);
    report->SetExtra("memorization_connections_per_point", double(memo_conn) / double(std::max<int64_t>(n, 1)));
    report->SetExtra("neurons", stats.neurons);
    report->SetExtra("params_nonzero", stats.params_nonzero);
    report->SetExtra("points_memorized", memorized);
    report->SetExtra("perception_neurons", perception);
    report->SetExtra("batches", batches);
    report->SetExtra("fallbacks", fallbacks);
    report->SetExtra("avg_batch", batches ? double(memorized - fallbacks) / double(batches) : 0.0);
    report->SetExtra("e1_activity", std::vector<double>{double(z1s.min_act), z1s.mean_act, double(z1s.max_act)});
    std::vector<std::vector<double>> cacts;
    for (int h = 1; h < L - 1; ++h)
      cacts.push_back({double(cstats[h].min_act), cstats[h].mean_act, double(cstats[h].max_act)});
    report->SetExtra("code_activity", cacts);
    report->SetExtra("e1_repair_neurons", e1.repairs);
    report->SetExtra("e1_ties", e1_stats.ties);
    report->SetExtra("code_ties", code_stats.ties);
    report->SetExtra("e1_exact_rechecks", e1_stats.exact_rechecks);
    report->SetExtra("score_grid_bits", klam_used);
    report->SetExtra("tries", attempt);
    report->SetExtra("failed_tries", attempts);
    report->SetExtra("verified", true);
    report->timings.Add("total", Seconds(t_start, Clock::now()));
    return net;
  }
  std::string why = fmt::format("{} (after {} tries; {})", last_failure, opt.tries, tried.back());
  if (w_best >= 0) why += fmt::format("; smallest W built {}", w_best);
  report->SetExtra("tries", opt.tries);
  report->SetExtra("failed_tries", attempts);
  report->Fail(Status::kInfeasible, why);
  return std::nullopt;
}

}  // namespace

bool VershyninOptions::IsValid(std::string* why) const {
#define FAIL(...) return (*why = fmt::format(__VA_ARGS__)), false
  const VershyninOptions& o = *this;
  const int extra_code_layers = code_layers - 1;
  if (o.repair < 0 || o.repair > 10000) FAIL("--repair: expected 0..10000 (percent of n1), got {}", o.repair);
  if (!o.widths.empty() && o.connections > 0) FAIL("--widths and --connections: give one of them");
  if (!o.widths.empty()) {
    if (o.widths.size() < 3) FAIL("--widths: need at least 3 hidden layers (got {})", o.widths.size());
    for (int64_t w : o.widths)
      if (w < 2 || w > 1000000) FAIL("--widths: every width must be in 2..10^6, got {}", w);
    if (o.n1 || o.code_width || o.code_layers != 1)
      FAIL("--widths: fixes every layer; do not combine with --n1, --code-width or --code-layers");
  }
  if (o.connections < 0) FAIL("--connections: expected a positive budget, got {}", o.connections);
  if (o.p1 <= 0 || o.p1 >= 0.5) FAIL("--p1: expected a firing rate in (0, 0.5), got {}", o.p1);
  if (o.n1 < 0 || o.n1 > 1000000) FAIL("--n1: expected 1..10^6, got {}", o.n1);
  if (o.code_width < 0 || o.code_width > 1000000) FAIL("--code-width: expected 1..10^6, got {}", o.code_width);
  if (o.s < 0) FAIL("--s: expected a positive code activity, got {}", o.s);
  if (extra_code_layers < 0 || extra_code_layers > 8) FAIL("--code-layers: expected 1..9");
  if (o.rule != "cov" && o.rule != "hebb") FAIL("--rule: expected cov or hebb, got \"{}\"", o.rule);
  if (o.open < 1 || o.open > 64) FAIL("--open: expected 1..64, got {}", o.open);
  if (o.margin < 1) FAIL("--margin: expected ≥ 1 score unit, got {}", o.margin);
  if (o.weight_bits < 1 || o.weight_bits > 24) FAIL("--weight-bits: expected 1..24, got {}", o.weight_bits);
  if (o.lift != "auto" && o.lift != "none" && o.lift != "const")
    FAIL("--lift: expected auto, none or const, got \"{}\"", o.lift);
  if (o.tries < 1 || o.tries > 100) FAIL("--tries: expected 1..100, got {}", o.tries);
  for (const auto& a : o.activations)
    if (a != "step" && a != "relu" && a != "threshold")
      FAIL("--activations: expected step, threshold or relu, got \"{}\"", a);
#undef FAIL
  return true;
}

Construction VershyninConstruction() {
  Construction c;
  c.name = "vershynin";
  c.summary = "sparse random threshold/ReLU network: enrichment, sparse codes, packed perception neurons, OR";
  c.bound = "W ≥ C·N log⁵ N deep connections, any depth ≥ 3; measured ≈ 25–40 W/N";
  c.citation = "Vershynin, Memory capacity of neural networks with threshold and ReLU activations, "
               "SIAM J. Math. Data Sci. 2(4) 2020 (arXiv:2001.06938), main theorem";
  c.needs_classes = true;
  return MakeConstruction<VershyninOptions>(std::move(c), Build);
}

}  // namespace mnemo
