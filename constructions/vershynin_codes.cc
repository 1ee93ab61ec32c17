#include "constructions/vershynin_codes.h"

#include <omp.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <unordered_map>

#include "mnemo/error.h"

namespace mnemo::internal::vershynin {
namespace {

// x·2^fbits as an exact integer (fbits ≥ the fraction bits of x). std::ldexp would overflow to
// inf when fbits is large (1e-300 beside 0.5 in one column gives fbits > 1000).
Integer ScaledInput(double x, int fbits) {
  const Rational r = RationalFromDouble(x);
  Integer v;
  mpz_mul_2exp(v.get_mpz_t(), r.get_num_mpz_t(), mp_bitcnt_t(fbits));
  mpz_divexact(v.get_mpz_t(), v.get_mpz_t(), r.get_den_mpz_t());
  return v;
}

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

uint64_t CodeHash(const Codes& c, int64_t i) {
  uint64_t h = 1469598103934665603ull ^ uint64_t(c.Activity(i));
  for (int64_t q = c.ptr[i]; q < c.ptr[i + 1]; ++q) h = (h ^ uint64_t(c.idx[q])) * 1099511628211ull;
  return h;
}

bool SameCode(const Codes& c, int64_t i, int64_t j) {
  return c.Activity(i) == c.Activity(j) &&
         std::equal(c.idx.begin() + c.ptr[i], c.idx.begin() + c.ptr[i + 1],
                    c.idx.begin() + c.ptr[j]);
}

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
    acc += Integer(long(p.g[size_t(r) * d + j])) *
           ScaledInput(x(i, j), p.fbits);
  acc -= p.thr[r];
  return sgn(acc);
}

/// Appends the units of `extra` after those of `base` (per point).
Codes Concat(const Codes& base, const Codes& extra) {
  std::vector<std::vector<int32_t>> rows(base.n());
  for (int64_t i = 0; i < base.n(); ++i) {
    rows[i].assign(base.idx.begin() + base.ptr[i], base.idx.begin() + base.ptr[i + 1]);
    for (int64_t q = extra.ptr[i]; q < extra.ptr[i + 1]; ++q)
      rows[i].push_back(base.units + extra.idx[q]);
  }
  return FromRows(base.units + extra.units, rows);
}

/// Groups of ≥ 2 points with identical codes.
std::vector<std::vector<int64_t>> DuplicateGroups(const Codes& c) {
  std::unordered_map<uint64_t, std::vector<int64_t>> buckets;
  for (int64_t i = 0; i < c.n(); ++i) buckets[CodeHash(c, i)].push_back(i);
  std::vector<std::vector<int64_t>> groups;
  for (auto& [h, pts] : buckets) {
    if (pts.size() < 2) continue;
    // Split a hash bucket into classes of equal codes.
    std::vector<char> used(pts.size(), 0);
    for (size_t a = 0; a < pts.size(); ++a) {
      if (used[a]) continue;
      std::vector<int64_t> g{pts[a]};
      for (size_t b = a + 1; b < pts.size(); ++b) {
        if (used[b] || !SameCode(c, pts[a], pts[b])) continue;
        used[b] = 1;
        g.push_back(pts[b]);
      }
      if (g.size() > 1) groups.push_back(std::move(g));
    }
  }
  std::sort(groups.begin(), groups.end());
  return groups;
}

}  // namespace

double UpperNormalQuantile(double p) {
  double lo = -40, hi = 40;
  for (int i = 0; i < 200; ++i) {
    const double mid = 0.5 * (lo + hi);
    if (0.5 * std::erfc(mid / std::sqrt(2.0)) > p)
      lo = mid;
    else
      hi = mid;
  }
  return 0.5 * (lo + hi);
}

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
    auto& bucket = seen[CodeHash(c, i)];
    bool dup = false;
    for (int64_t j : bucket) {
      if (SameCode(c, i, j)) {
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
        const double eps =
            unit * (gnorm[r] * xnorm[i] + std::fabs(bd[r])) + std::fabs(bd[r]) * 0x1p-52;
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

// Repair neurons: w = x_i − x_j rounded to a dyadic grid, threshold at the exact midpoint of the
// two points' values.
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
          acc +=
              Integer(long(row[c])) * ScaledInput(x(pt, c), p->fbits);
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

CodeParams DrawCode(const Codes& z, int32_t m, double rate, int k, Rng& rng, Gaussian& gauss) {
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

Packer::Packer(const Codes& u, int klam, int64_t lam, int64_t margin, int open_limit, int64_t cap)
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

bool Packer::Add(int32_t k, int32_t cls) {
  if (!open_.empty() && open_.front().cls != cls) CloseAll();
  const int64_t n = u_.n();
  for (int64_t q = u_.ptr[k]; q < u_.ptr[k + 1]; ++q) {
    const int32_t r = u_.idx[q];
    for (int64_t t = col_ptr_[r]; t < col_ptr_[r + 1]; ++t) ++ov_[col_idx_[t]];
  }
  // a[i]: point k's contribution to the score of point i in a batch that k joins.
  int32_t* a = a_.data();
  int32_t* ov = ov_.data();
  const int32_t* la = lamact_.data();
  const int klam = klam_;
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    a[i] = (ov[i] << klam) - la[i];
    ov[i] = 0;
  }
  for (Open& o : open_)
    if (o.members.size() < kMaxBatch && TryJoin(o, k, a)) return true;
  if (cap_ >= 0 && int64_t(neurons.size()) >= cap_) return false;
  OpenOrFallBack(k, cls, a);
  return true;
}

// Adds k to the open batch o when every outsider still scores below every member by the margin.
bool Packer::TryJoin(Open& o, int32_t k, int32_t* a) {
  const int64_t n = u_.n();
  int64_t new_min = int64_t(o.s[k]) + a[k];
  for (size_t j = 0; j < o.members.size(); ++j)
    new_min = std::min(new_min, o.mem_s[j] + a[o.members[j]]);
  const int32_t saved = o.s[k];
  o.s[k] = kSentinel;
  const int64_t limit = new_min - margin_;
  // Recent violators first: an outsider that scored too high once usually does again.
  bool ok = true;
  for (int32_t i : o.hot)
    if (int64_t(o.s[i]) + a[i] > limit) {
      ok = false;
      break;
    }
  if (ok) {
    const int64_t bad = FirstAbove(o.s.data(), a, n, limit);
    ok = bad < 0;
    if (!ok) {
      if (o.hot.size() < kHot)
        o.hot.push_back(int32_t(bad));
      else
        o.hot[o.next_hot++ % kHot] = int32_t(bad);
    }
  }
  o.s[k] = saved;
  if (!ok) return false;
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

// A new batch when k alone outscores every other point by the margin, else an exact-match
// neuron for k.
void Packer::OpenOrFallBack(int32_t k, int32_t cls, int32_t* a) {
  const int32_t ak = a[k];
  a[k] = kSentinel;
  const bool singleton = FirstAbove(a, nullptr, u_.n(), int64_t(ak) - margin_) < 0;
  a[k] = ak;
  if (!singleton) {
    neurons.push_back(Neuron{cls, {k}, (2 * int64_t(u_.Activity(k)) - 1) << klam_, true});
    ++fallbacks;
    return;
  }
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
}

void Packer::CloseAll() {
  while (!open_.empty()) Close(0);
}

// The first i with s[i] + a[i] > limit (a may be null), or −1; scans by blocks.
int64_t Packer::FirstAbove(const int32_t* s, const int32_t* a, int64_t n, int64_t limit) {
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

void Packer::Close(size_t which) {
  Open& o = open_[which];
  int64_t min_in = *std::min_element(o.mem_s.begin(), o.mem_s.end());
  int32_t max_out = kSentinel;
  for (int32_t v : o.s) max_out = std::max(max_out, v);
  if (max_out == kSentinel) max_out = int32_t(min_in - 2);  // no outsiders at all
  MNEMO_CHECK(min_in > max_out, "perception batch not separated ({} ≤ {})", min_in, max_out);
  neurons[o.id].tau2 = min_in + max_out;
  open_.erase(open_.begin() + which);
}

}  // namespace mnemo::internal::vershynin
