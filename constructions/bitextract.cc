#include "constructions/bitextract.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <numeric>
#include <random>

#include "mnemo/error.h"
#include "mnemo/random.h"

namespace mnemo {
namespace internal {
namespace {

constexpr int kDirectionBits = 20;  // v is rounded to the grid 2^-20 (as in zhang)
constexpr int64_t kInf = std::numeric_limits<int64_t>::max() / 4;

int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

// MSB-first chunk sizes of an nb-bit field peeled q bits per layer.
std::vector<int> Chunks(int nb, int q) {
  std::vector<int> out;
  for (int left = nb; left > 0; left -= q) out.push_back(std::min(q, left));
  return out;
}

// Float-safe rule: a one-layer q-bit peel of a p-bit remainder makes the next layer sum terms
// up to 2^(2p+1)(1 − 2^−q) + 2^(p+1) + 2^q; above the budget the peel takes two layers.
bool TwoLayerPeel(int64_t p, int qq, int cap) {
  Integer s = Pow2(int(2 * p + 1)) - Pow2(int(2 * p + 1 - qq)) + Pow2(int(p + 1)) + Pow2(qq);
  return s >= Pow2(cap);
}

BitextractSizes DecodeSizes(int64_t n, int q, bool pipeline, bool fs, int cap, int rho, int c) {
  BitextractSizes s;
  if (n <= 1) return s;
  int64_t pos = n * (rho + c);
  const std::vector<int> key = Chunks(rho, q), lab = Chunks(c, q);
  for (int64_t slot = 0; slot < n; ++slot) {
    int idx = 0;
    for (int kind = 0; kind < 2; ++kind) {
      for (int qq : kind == 0 ? key : lab) {
        int64_t carries = 4 + kind;
        int64_t w = carries + 2 * ((int64_t(1) << qq) - 1);
        if (pipeline && slot > 0) w += idx == 0 ? 5 : (idx == 1 ? 1 : 0);
        s.width = std::max(s.width, w);
        ++s.depth;
        if (fs && TwoLayerPeel(pos, qq, cap)) {
          s.width = std::max(s.width, carries + (int64_t(1) << qq) - 1);
          ++s.depth;
        }
        pos -= qq;
        ++idx;
      }
    }
    if (!pipeline) {
      s.depth += fs ? 3 : 2;
      s.width = std::max<int64_t>(s.width, fs ? 6 : 8);
    }
  }
  if (pipeline) {
    s.depth += 2;
    s.width = std::max<int64_t>(s.width, 6);
  }
  return s;
}

}  // namespace

int64_t BitextractCapacity(const BitextractConfig& k) {
  return k.a * (k.wprime * k.lprime + 1) * k.n;
}

BitextractSizes BitextractPlanSizes(const BitextractConfig& k, int rho, int c) {
  BitextractSizes s;
  const int64_t a = k.a, w = k.lprime > 0 ? k.wprime : 0, lp = k.lprime;
  s.depth = k.separate ? 1 : 0;
  s.width = k.separate ? 1 : 0;
  if (!k.float_safe) {
    s.depth += 1 + (lp + 1);
    s.width = std::max({s.width, 2 * a - 1, a + 2 + (lp >= 2 ? 4 * w : 2 * w)});
  } else {
    s.depth += 2 + (lp > 0 ? lp + 2 : 1);
    int64_t extra = lp >= 3 ? 4 * w : lp == 2 ? 3 * w : lp == 1 ? 2 * w : 0;
    s.width = std::max({s.width, a, a + 2 + extra});
  }
  BitextractSizes dec = DecodeSizes(k.n, k.q, k.pipeline, k.float_safe, k.cap, rho, c);
  s.depth += dec.depth + 1;
  s.width = std::max(s.width, dec.width);
  return s;
}

}  // namespace internal

namespace {

using internal::BitextractCapacity;
using internal::BitextractConfig;
using internal::BitextractPlanSizes;
using internal::BitextractSizes;
using internal::CeilDiv;
using internal::kInf;
using internal::kDirectionBits;

double Seconds(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// ---------------------------------------------------------------- linear forms and layers

// Σ w·unit + c over the previous layer's units (integer coefficients).
struct Lin {
  std::map<int32_t, Integer> w;
  Integer c = 0;
};
Lin Unit(int32_t i) {
  Lin l;
  l.w[i] = 1;
  return l;
}
Lin Const(const Integer& k) {
  Lin l;
  l.c = k;
  return l;
}
void AddScaled(Lin* a, const Lin& b, const Integer& k) {
  if (k == 0) return;
  for (const auto& [i, v] : b.w) {
    Integer& t = a->w[i];
    t += v * k;
  }
  a->c += b.c * k;
}
Lin operator+(Lin a, const Lin& b) {
  AddScaled(&a, b, 1);
  return a;
}
Lin operator-(Lin a, const Lin& b) {
  AddScaled(&a, b, -1);
  return a;
}
Lin operator*(const Integer& k, const Lin& b) {
  Lin a;
  AddScaled(&a, b, k);
  return a;
}
Lin Plus(Lin a, const Integer& k) {
  a.c += k;
  return a;
}

class NetBuilder {
 public:
  explicit NetBuilder(int32_t inputs) : prev_(inputs) {}
  std::vector<Lin> Add(const std::vector<Lin>& forms,
                       Activation::Kind act = Activation::kRelu) {
    Layer layer;
    layer.inputs = prev_;
    layer.outputs = int32_t(forms.size());
    layer.activation.kind = act;
    layer.row_ptr.assign(forms.size() + 1, 0);
    for (size_t j = 0; j < forms.size(); ++j) {
      for (const auto& [i, v] : forms[j].w) {
        if (v == 0) continue;
        MNEMO_CHECK(i >= 0 && i < prev_, "unit {} outside layer of {}", i, prev_);
        layer.col.push_back(i);
        layer.weight.push_back(v);
      }
      layer.row_ptr[j + 1] = int64_t(layer.col.size());
      layer.bias.push_back(forms[j].c);
    }
    layer.denominator = 1;
    layers_.push_back(std::move(layer));
    prev_ = int32_t(forms.size());
    std::vector<Lin> units;
    units.reserve(forms.size());
    for (size_t j = 0; j < forms.size(); ++j) units.push_back(Unit(int32_t(j)));
    return units;
  }
  std::vector<Layer> Take() { return std::move(layers_); }

 private:
  int32_t prev_;
  std::vector<Layer> layers_;
};

// ---------------------------------------------------------------- stage A

struct Keys {
  std::vector<int64_t> v_num;       // direction numerators over 2^kDirectionBits
  int frac = 0;                     // x'·2^frac is integral
  int up = 0;                       // P is scaled by 2^up (only when the gap is 1)
  int m = 0;                        // key = T >> m
  Integer gap;                      // smallest gap of the sorted exact projections
  std::vector<Integer> t;           // T_i = (P_i − P_min)·2^up + 2^(m+1) ≥ 2^(m+1)
  std::vector<Integer> key;         // T_i >> m, distinct, ≥ 2
  std::vector<int64_t> order;       // points by increasing T
  std::vector<Integer> weight;      // layer-1 weights v_num·2^(frac+up)
  Integer offset;                   // layer-1 bias: T(x) = Σ weight·x' + offset
  Integer t_max;
  Integer r;                        // max key + 2
  int rho = 0;
  double delta_lower = 0;           // δ ≥ gap·2^−frac/‖v_num‖
  double gamma = 0;                 // projected gap in units of x' for ‖v‖ = 1
};

int FractionBitsOf(double v) {
  if (v == 0 || v == std::floor(v)) return 0;
  int e;
  double m = std::frexp(v, &e);
  int64_t mant = int64_t(std::ldexp(m, 53));
  int tz = mant == 0 ? 0 : __builtin_ctzll(uint64_t(std::llabs(mant)));
  return std::max(0, 53 - e - tz);
}

// Picks the best separated of `tries` random dyadic directions. When every projection is an
// integer below 2^53 in the units x'·2^frac (integer-grid data such as images), all tries are
// one exact double GEMM; otherwise each try is an exact ProjectExact.
std::optional<Keys> StageA(const RowMatrix& xn, int tries, int dir_bits, Rng& rng) {
  const int64_t n = xn.rows(), d = xn.cols();
  Gaussian normal;
  std::vector<std::vector<int64_t>> dirs(tries, std::vector<int64_t>(d));
  for (auto& v : dirs)
    for (auto& x : v) x = std::llround(std::ldexp(normal(rng), dir_bits));
  int frac = 0;
  for (int64_t i = 0; i < xn.size(); ++i) frac = std::max(frac, FractionBitsOf(xn.data()[i]));
  double max_row = 0, max_v = 0;
  for (int64_t i = 0; i < n; ++i) max_row = std::max(max_row, std::ldexp(xn.row(i).cwiseAbs().sum(), frac));
  for (const auto& v : dirs)
    for (int64_t x : v) max_v = std::max(max_v, std::fabs(double(x)));
  const bool gemm = n > 1 && max_row * max_v * (1 + 1e-9) < std::ldexp(1.0, 52);
  Eigen::MatrixXd proj;
  if (gemm) {
    Eigen::MatrixXd vm(d, tries);
    for (int t = 0; t < tries; ++t)
      for (int64_t j = 0; j < d; ++j) vm(j, t) = double(dirs[t][j]);
    proj = (xn * std::ldexp(1.0, frac)) * vm;  // exact: integers below 2^52
  }
  Keys best;
  std::vector<Integer> best_p;
  bool have = false;
  for (int t = 0; t < tries; ++t) {
    std::vector<Integer> p;
    if (gemm) {
      p.resize(n);
      for (int64_t i = 0; i < n; ++i) p[i] = proj(i, t);
    } else {
      int f = 0;
      p = ProjectExact(xn, dirs[t], dir_bits, &f);
      MNEMO_CHECK(f == frac, "fraction bits {} vs {}", f, frac);
    }
    std::vector<int64_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return p[a] < p[b]; });
    Integer gap = -1;
    for (int64_t k = 1; k < n; ++k) {
      Integer g = p[order[k]] - p[order[k - 1]];
      if (gap < 0 || g < gap) gap = g;
    }
    if (!have || gap > best.gap) {
      best.v_num = dirs[t];
      best.frac = frac;
      best.gap = gap;
      best.order = std::move(order);
      best_p = std::move(p);
      have = true;
    }
    if (n <= 1) break;
  }
  Keys& k = best;
  if (n > 1 && k.gap <= 0) return std::nullopt;
  if (n <= 1) {
    k.m = 0;
  } else {
    k.m = BitLength(k.gap) - 2;  // largest m with 2^(m+1) ≤ gap
    if (k.m < 0) {
      k.up = -k.m;
      k.m = 0;
    }
  }
  const Integer p_min = n > 0 ? best_p[k.order[0]] : Integer(0);
  k.offset = Pow2(k.m + 1) - p_min * Pow2(k.up);
  k.t.resize(n);
  k.key.resize(n);
  k.t_max = 0;
  Integer max_key = 0;
  for (int64_t i = 0; i < n; ++i) {
    k.t[i] = (best_p[i] - p_min) * Pow2(k.up) + Pow2(k.m + 1);
    mpz_fdiv_q_2exp(k.key[i].get_mpz_t(), k.t[i].get_mpz_t(), k.m);
    if (k.t[i] > k.t_max) k.t_max = k.t[i];
    if (k.key[i] > max_key) max_key = k.key[i];
  }
  k.r = max_key + 2;
  k.rho = BitLength(k.r);
  k.weight.resize(k.v_num.size());
  for (size_t j = 0; j < k.v_num.size(); ++j)
    k.weight[j] = Integer(k.v_num[j]) * Pow2(k.frac + k.up);
  double vnorm = 0;  // ‖v‖ = ‖v_num‖·2^-dir_bits; the gap is in units 2^-(dir_bits + frac)
  for (int64_t x : k.v_num) vnorm += double(x) * double(x);
  vnorm = std::sqrt(vnorm);
  if (n > 1 && vnorm > 0) {
    k.delta_lower = std::ldexp(ToDouble(k.gap), -k.frac) / vnorm;
    k.gamma = std::ldexp(ToDouble(k.gap), -k.frac) / vnorm;
  }
  return k;
}

// ---------------------------------------------------------------- parameter choice

struct Plan {
  BitextractConfig cfg;
  BitextractSizes sizes;
};

struct PlanInputs {
  int64_t n_points = 0, d = 0;
  int rho = 0, c = 0;
  bool fs = false;
  int cap = 0;
  int q_fixed = 0;        // 0 = auto
  int pipeline = -1;      // -1 auto, 0 off, 1 on
  int projection = -1;    // -1 auto, 0 fused, 1 separate
};

bool SeparateFor(const PlanInputs& in, int64_t a) {
  if (in.projection >= 0) return in.projection == 1;
  return in.d > 16 && a > 1;
}

// Calls f for configurations with width ≤ w_max and depth ≤ l_max that hold every point, each
// with the smallest number of rounds L′ for its (q, pipeline, n, W′, A). `all_a`: every A
// (geometric steps), else only the largest A that fits (enough to decide feasibility).
void Enumerate(const PlanInputs& in, int64_t w_max, int64_t l_max, bool all_a,
               const std::function<void(const Plan&)>& f) {
  const int64_t n_pts = std::max<int64_t>(in.n_points, 1);
  std::vector<int> qs;
  if (in.q_fixed > 0) {
    qs.push_back(in.q_fixed);
  } else {
    for (int q = 1; q <= std::min(10, std::max(in.rho, in.c)); ++q) qs.push_back(q);
  }
  std::vector<bool> pipes;
  if (in.fs || in.pipeline == 0) pipes = {false};
  else if (in.pipeline == 1) pipes = {true};
  else pipes = {false, true};
  const int64_t n_limit =
      l_max >= kInf ? int64_t(std::sqrt(double(n_pts))) + 2 : std::min<int64_t>(n_pts, l_max);
  for (int q : qs) {
    for (bool pipe : pipes) {
      for (int64_t n = 1; n <= std::min(n_pts, n_limit); ++n) {
        if (in.fs && n > 1 && n * (in.rho + in.c) > in.cap - 2) break;
        BitextractConfig base;
        base.n = n;
        base.q = n > 1 ? q : 1;
        base.pipeline = n > 1 && pipe;
        base.float_safe = in.fs;
        base.cap = in.cap;
        if (n == 1 && (q != qs.front() || pipe != pipes.front())) continue;  // no decode
        // Decode-only lower bound on depth: skip hopeless n.
        BitextractConfig probe = base;
        probe.a = 1;
        BitextractSizes ps = BitextractPlanSizes(probe, in.rho, in.c);
        if (ps.depth > l_max) break;
        if (ps.width > w_max) continue;
        for (int64_t wp = 0;; ++wp) {
          if (wp > 0 && 3 + 2 * wp > w_max) break;
          // Largest A with the width allowed (width grows with A).
          auto make = [&](int64_t a) {
            BitextractConfig k = base;
            k.a = a;
            k.wprime = wp;
            k.separate = SeparateFor(in, a);
            int64_t need = CeilDiv(n_pts, a * n) - 1;  // W′L′ ≥ need
            if (wp == 0) {
              k.lprime = 0;
              if (need > 0) return std::optional<Plan>();
            } else {
              k.lprime = CeilDiv(need, wp);
              if (k.lprime == 0) return std::optional<Plan>();  // covered by wp = 0
            }
            Plan p{k, BitextractPlanSizes(k, in.rho, in.c)};
            return std::optional<Plan>(p);
          };
          // Largest A whose width fits for every L′ (L′ ≥ 3 gives the widest rounds).
          int64_t lo = 1, hi = std::max<int64_t>(1, w_max);
          auto width_ok = [&](int64_t a) {
            BitextractConfig k = base;
            k.a = a;
            k.wprime = wp;
            k.lprime = wp > 0 ? 3 : 0;
            k.separate = SeparateFor(in, a);
            return BitextractPlanSizes(k, in.rho, in.c).width <= w_max;
          };
          if (!width_ok(1)) {
            // Narrow rounds (L′ = 1) may still fit.
            if (auto p = make(1); p && p->sizes.width <= w_max && p->sizes.depth <= l_max) f(*p);
            continue;
          }
          while (lo < hi) {
            int64_t mid = lo + (hi - lo + 1) / 2;
            if (width_ok(mid)) lo = mid;
            else hi = mid - 1;
          }
          const int64_t a_max = std::min(lo, n_pts);
          std::vector<int64_t> as;
          if (all_a) {
            for (int64_t a = 1; a <= a_max; a += std::max<int64_t>(1, a / 24)) as.push_back(a);
          }
          as.push_back(a_max);
          for (int64_t a : as) {
            std::optional<Plan> p = make(a);
            if (!p) continue;
            if (p->sizes.width <= w_max && p->sizes.depth <= l_max) f(*p);
          }
          // More thresholds per round cannot help once one round suffices.
          if (wp > 0) {
            std::optional<Plan> p = make(a_max);
            if (p && p->cfg.lprime <= 1) break;
          }
        }
      }
    }
  }
}

double Score(const Plan& p) {
  return double(p.sizes.width) * double(p.sizes.width) * double(p.sizes.depth) *
         double(p.sizes.depth);
}

bool Better(const Plan& a, const Plan& b) {
  double sa = Score(a), sb = Score(b);
  if (sa != sb) return sa < sb;
  return a.sizes.depth < b.sizes.depth;
}

std::optional<Plan> BestWithin(const PlanInputs& in, int64_t w_max, int64_t l_max) {
  std::optional<Plan> best;
  Enumerate(in, w_max, l_max, true, [&](const Plan& p) {
    if (!best || Better(p, *best)) best = p;
  });
  return best;
}

bool Feasible(const PlanInputs& in, int64_t w_max, int64_t l_max) {
  bool ok = false;
  Enumerate(in, w_max, l_max, false, [&](const Plan&) { ok = true; });
  return ok;
}

// Smallest width that admits depth ≤ l_max (kInf when none below 2^24).
int64_t MinWidth(const PlanInputs& in, int64_t l_max) {
  int64_t hi = 8;
  while (!Feasible(in, hi, l_max)) {
    hi *= 2;
    if (hi > (int64_t(1) << 24)) return kInf;
  }
  int64_t lo = 1;
  while (lo < hi) {
    int64_t mid = (lo + hi) / 2;
    if (Feasible(in, mid, l_max)) hi = mid;
    else lo = mid + 1;
  }
  return hi;
}

// Smallest depth at width ≤ w_max (kInf when none).
std::optional<Plan> MinDepthPlan(const PlanInputs& in, int64_t w_max) {
  std::optional<Plan> best;
  Enumerate(in, w_max, kInf, true, [&](const Plan& p) {
    if (!best || p.sizes.depth < best->sizes.depth ||
        (p.sizes.depth == best->sizes.depth && p.sizes.width < best->sizes.width))
      best = p;
  });
  return best;
}

// ---------------------------------------------------------------- emission

struct Emitted {
  Network net;
  int64_t groups = 0, bits = 0;
};

Emitted Emit(const Keys& keys, const std::vector<int64_t>& label, int64_t classes, int c,
             const BitextractConfig& k, int32_t d) {
  const int64_t n_pts = int64_t(label.size());
  const int64_t a_n = k.a, wp = k.lprime > 0 ? k.wprime : 0, lp = k.lprime, n = k.n;
  const bool fs = k.float_safe, label_only = n == 1;
  const int rho = keys.rho;
  const int64_t per = wp * lp + 1, g_n = a_n * per;
  const int64_t payload_bits = label_only ? c : n * (rho + c);
  // Groups of n consecutive points by T; thresholds = T of the group's first point.
  std::vector<Integer> thr(g_n), pay(g_n);
  const Integer never = keys.t_max + 1;
  for (int64_t g = 0; g < g_n; ++g) {
    const int64_t first = g * n;
    thr[g] = first < n_pts ? keys.t[keys.order[first]] : never;
    Integer p = 0;
    if (label_only) {
      if (first < n_pts) p = label[keys.order[first]];
    } else {
      for (int64_t s = 0; s < n; ++s) {
        p *= Pow2(rho + c);
        if (first + s < n_pts) {
          int64_t i = keys.order[first + s];
          p += keys.key[i] * Pow2(c) + label[i];
        }
      }
    }
    pay[g] = p;
  }
  const Integer big_m = Pow2(int(payload_bits) + 1);
  NetBuilder nb(d);
  Lin tl = Const(keys.offset);
  for (int32_t j = 0; j < d; ++j)
    if (keys.weight[j] != 0) tl.w[j] = keys.weight[j];
  if (k.separate) tl = nb.Add({tl})[0];
  Lin t_reg;
  std::vector<Lin> stp(a_n + 1);
  if (!fs) {
    std::vector<Lin> forms = {tl};
    for (int64_t a = 1; a < a_n; ++a) {
      Lin z = Plus(tl, -thr[a * per]);
      forms.push_back(Plus(z, 1));
      forms.push_back(z);
    }
    auto u = nb.Add(forms);
    t_reg = u[0];
    for (int64_t a = 1; a < a_n; ++a) stp[a] = u[2 * a - 1] - u[2 * a];
  } else {
    std::vector<Lin> forms = {tl};
    for (int64_t a = 1; a < a_n; ++a) forms.push_back(Plus(Plus(tl, -thr[a * per]), 1));
    auto u = nb.Add(forms);
    std::vector<Lin> f2 = {u[0]};
    for (int64_t a = 1; a < a_n; ++a) f2.push_back(Const(1) - u[a]);
    auto u2 = nb.Add(f2);
    t_reg = u2[0];
    for (int64_t a = 1; a < a_n; ++a) stp[a] = Const(1) - u2[a];
  }
  auto s_of = [&](int64_t a) { return a == 0 ? Const(1) : (a == a_n ? Lin() : stp[a]); };
  std::vector<Lin> e(a_n);
  for (int64_t a = 0; a < a_n; ++a) e[a] = s_of(a) - s_of(a + 1);
  Lin acc;
  for (int64_t a = 0; a < a_n; ++a) AddScaled(&acc, e[a], pay[a * per]);
  auto th = [&](int64_t l, int64_t a, int64_t j) -> const Integer& {
    return thr[a * per + 1 + l * wp + j];
  };
  auto dpay = [&](int64_t l, int64_t a, int64_t j) -> Integer {
    int64_t q = a * per + 1 + l * wp + j;
    return pay[q] - pay[q - 1];
  };
  auto table = [&](const std::function<Integer(int64_t)>& entry) {
    Lin r;
    for (int64_t a = 0; a < a_n; ++a) AddScaled(&r, e[a], entry(a));
    return r;
  };
  // Stage C: point location.
  auto carry_in = [&]() {
    std::vector<Lin> forms = {t_reg};
    for (const Lin& x : e) forms.push_back(x);
    forms.push_back(acc);
    return forms;
  };
  auto carry_out = [&](const std::vector<Lin>& u) {
    t_reg = u[0];
    for (int64_t a = 0; a < a_n; ++a) e[a] = u[1 + a];
    acc = u[1 + a_n];
  };
  if (!fs) {
    int64_t pend = -1;
    std::vector<Lin> sj(wp);
    for (int64_t l = 0; l <= lp; ++l) {
      std::vector<Lin> forms = carry_in();
      const size_t i_st = forms.size();
      if (l < lp) {
        for (int64_t j = 0; j < wp; ++j) {
          Lin z = t_reg - table([&](int64_t a) { return th(l, a, j); });
          forms.push_back(Plus(z, 1));
          forms.push_back(z);
        }
      }
      const size_t i_g = forms.size();
      if (pend >= 0) {
        for (int64_t j = 0; j < wp; ++j) {
          Lin dv = table([&](int64_t a) { return dpay(pend, a, j); });
          Lin gate = Plus(big_m * sj[j], -big_m);
          forms.push_back(dv + gate);
          forms.push_back(gate - dv);
        }
      }
      auto u = nb.Add(forms);
      carry_out(u);
      if (pend >= 0)
        for (int64_t j = 0; j < wp; ++j) acc = acc + u[i_g + 2 * j] - u[i_g + 2 * j + 1];
      if (l < lp) {
        for (int64_t j = 0; j < wp; ++j) sj[j] = u[i_st + 2 * j] - u[i_st + 2 * j + 1];
        pend = l;
      } else {
        pend = -1;
      }
    }
  } else {
    int64_t pa_l = -1, pr_l = -1;
    std::vector<Lin> pa(wp), pr(wp);
    const int64_t layers = lp > 0 ? lp + 2 : 1;
    for (int64_t l = 0; l < layers; ++l) {
      std::vector<Lin> forms = carry_in();
      const size_t i_a = forms.size();
      if (l < lp)
        for (int64_t j = 0; j < wp; ++j)
          forms.push_back(Plus(t_reg - table([&](int64_t a) { return th(l, a, j); }), 1));
      const size_t i_r = forms.size();
      if (pa_l >= 0)
        for (int64_t j = 0; j < wp; ++j) forms.push_back(Const(1) - pa[j]);
      const size_t i_g = forms.size();
      if (pr_l >= 0) {
        for (int64_t j = 0; j < wp; ++j) {
          Lin dv = table([&](int64_t a) { return dpay(pr_l, a, j); });
          Lin mr = big_m * pr[j];
          forms.push_back(dv - mr);
          forms.push_back(Lin() - dv - mr);
        }
      }
      auto u = nb.Add(forms);
      carry_out(u);
      if (pr_l >= 0)
        for (int64_t j = 0; j < wp; ++j) acc = acc + u[i_g + 2 * j] - u[i_g + 2 * j + 1];
      if (pa_l >= 0) {
        for (int64_t j = 0; j < wp; ++j) pr[j] = u[i_r + j];
        pr_l = pa_l;
      } else {
        pr_l = -1;
      }
      if (l < lp) {
        for (int64_t j = 0; j < wp; ++j) pa[j] = u[i_a + j];
        pa_l = l;
      } else {
        pa_l = -1;
      }
    }
  }
  if (label_only) {
    nb.Add({Plus(acc, -1)}, Activation::kIdentity);
  } else {
    // Stage D: peel the payload MSB first, compare keys with T, gate the labels.
    const Integer cc = classes;
    const Integer step_m = Pow2(keys.m);
    Lin x_reg = acc, out;
    int64_t pos = payload_bits;
    bool has_pm = false, has_pg = false;
    Lin pm_key, pm_lab, pg_lab, pg_match;
    const std::vector<int> key_chunks = internal::Chunks(rho, k.q), lab_chunks = internal::Chunks(c, k.q);
    for (int64_t s = 0; s < n; ++s) {
      Lin key_reg, reg;
      int idx = 0;
      for (int kind = 0; kind < 2; ++kind) {
        reg = Lin();
        for (int qq : kind == 0 ? key_chunks : lab_chunks) {
          const Integer base = Pow2(int(pos - qq));
          std::vector<Lin> forms = {t_reg, x_reg, out};
          if (kind == 1) forms.push_back(key_reg);
          forms.push_back(reg);
          const size_t nc = forms.size();
          const int64_t steps = (int64_t(1) << qq) - 1;
          for (int64_t j = 1; j <= steps; ++j) {
            Lin z = Plus(x_reg, -(Integer(j) * base));
            forms.push_back(Plus(z, 1));
            forms.push_back(z);
          }
          const size_t ie = forms.size();
          const bool do_match = k.pipeline && has_pm && idx == 0;
          const bool do_gate = k.pipeline && has_pg && idx == 1;
          if (do_match) {
            Lin z = t_reg - step_m * pm_key;
            forms.push_back(pm_lab);
            forms.push_back(Plus(z, 1));
            forms.push_back(z);
            forms.push_back(Plus(z, 1 - step_m));
            forms.push_back(Plus(z, -step_m));
          }
          if (do_gate) forms.push_back(Plus(pg_lab + cc * pg_match, -cc));
          auto u = nb.Add(forms);
          Lin digit;
          std::vector<Lin> carried(u.begin(), u.begin() + nc);
          if (fs && internal::TwoLayerPeel(pos, qq, k.cap)) {
            std::vector<Lin> f2 = carried;
            for (int64_t j = 0; j < steps; ++j) f2.push_back(u[nc + 2 * j] - u[nc + 2 * j + 1]);
            auto u2 = nb.Add(f2);
            carried.assign(u2.begin(), u2.begin() + nc);
            for (int64_t j = 0; j < steps; ++j) digit = digit + u2[nc + j];
          } else {
            for (int64_t j = 0; j < steps; ++j) digit = digit + u[nc + 2 * j] - u[nc + 2 * j + 1];
          }
          t_reg = carried[0];
          x_reg = carried[1] - base * digit;
          out = carried[2];
          if (kind == 1) key_reg = carried[3];
          reg = Integer(Pow2(qq)) * carried[nc - 1] + digit;
          pos -= qq;
          if (do_match) {
            pg_lab = u[ie];
            pg_match = u[ie + 1] - u[ie + 2] - u[ie + 3] + u[ie + 4];
            has_pm = false;
            has_pg = true;
          } else if (do_gate) {
            out = out + u[ie];
            has_pg = false;
          }
          ++idx;
        }
        if (kind == 0) key_reg = reg;
      }
      const Lin& lab_reg = reg;
      if (!k.pipeline) {
        Lin z = t_reg - step_m * key_reg;
        Lin match, lab;
        if (!fs) {
          auto u = nb.Add({t_reg, x_reg, out, lab_reg, Plus(z, 1), z, Plus(z, 1 - step_m),
                           Plus(z, -step_m)});
          t_reg = u[0], x_reg = u[1], out = u[2], lab = u[3];
          match = u[4] - u[5] - u[6] + u[7];
        } else {
          auto u = nb.Add({t_reg, x_reg, out, lab_reg, Plus(z, 1), Plus(z, 1 - step_m)});
          auto u2 = nb.Add({u[0], u[1], u[2], u[3], Const(1) - u[4], Const(1) - u[5]});
          t_reg = u2[0], x_reg = u2[1], out = u2[2], lab = u2[3];
          match = u2[5] - u2[4];
        }
        auto g = nb.Add({t_reg, x_reg, out, Plus(lab + cc * match, -cc)});
        t_reg = g[0], x_reg = g[1], out = g[2] + g[3];
      } else {
        MNEMO_CHECK(!has_pg, "pipelined gate still pending at the end of slot {}", s);
        has_pm = true;
        pm_key = key_reg;
        pm_lab = lab_reg;
      }
    }
    if (k.pipeline) {
      Lin z = t_reg - step_m * pm_key;
      auto u = nb.Add({out, pm_lab, Plus(z, 1), z, Plus(z, 1 - step_m), Plus(z, -step_m)});
      Lin match = u[2] - u[3] - u[4] + u[5];
      auto g = nb.Add({u[0], Plus(u[1] + cc * match, -cc)});
      out = g[0] + g[1];
    }
    MNEMO_CHECK(pos == 0, "decode left {} payload bits", pos);
    nb.Add({Plus(out, -1)}, Activation::kIdentity);
  }
  Emitted em;
  em.net.layers = nb.Take();
  em.net.output = OutputKind::kValue;
  em.groups = g_n;
  em.bits = payload_bits;
  return em;
}

// ---------------------------------------------------------------- options and report

int Tri(const std::string& v, const std::string& off) {
  if (v == "auto") return -1;
  return v == off ? 0 : 1;
}

std::string ConfigString(const BitextractConfig& k) {
  return fmt::format("A={} W'={} L'={} n={} q={}{}{}{}", k.a, k.lprime > 0 ? k.wprime : 0,
                     k.lprime, k.n, k.q, k.pipeline ? " pipelined" : "",
                     k.float_safe ? fmt::format(" float-safe({} bits)", k.cap) : "",
                     k.separate ? " separate-projection" : "");
}

std::optional<Network> Build(const BitextractOptions& o, const BuildContext& ctx, Report* report) {
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  const int64_t n_pts = ctx.data.n(), d = ctx.data.d();
  const int tries = o.tries;
  const int64_t width = o.width.value_or(0), depth = o.depth.value_or(0);
  const bool explicit_shape = o.a.has_value();
  const int q_fixed = o.bits_per_layer == "auto" ? 0 : std::stoi(o.bits_per_layer);
  const int cap = int(o.max_weight_bits.value_or(0));
  const int pipeline = Tri(o.pipeline, "off");
  const int projection = Tri(o.projection, "fused");

  // Labels: class index + 1 (0 marks an empty slot).
  const int64_t classes = std::max<int64_t>(ctx.data.classes(), 1);
  std::vector<int64_t> label(n_pts);
  for (int64_t i = 0; i < n_pts; ++i) label[i] = int64_t(ctx.data.y[i]) + 1;
  const int c = BitLength(Integer(classes));

  // Direction grid: 2^-20, or coarser under a bit budget so that the projection layer's
  // products and sums stay below 2^cap (|v_num| ≤ 6·2^bits with overwhelming probability).
  int dir_bits = kDirectionBits;
  if (cap > 0) {
    int frac = 0;
    for (int64_t i = 0; i < ctx.normalized.size(); ++i)
      frac = std::max(frac, FractionBitsOf(ctx.normalized.data()[i]));
    double max_row = 1;
    for (int64_t i = 0; i < n_pts; ++i)
      max_row = std::max(max_row, std::ldexp(ctx.normalized.row(i).cwiseAbs().sum(), frac));
    dir_bits = std::min(kDirectionBits, int(std::floor(cap - 2 - std::log2(6 * max_row))));
    if (dir_bits < 3) {
      report->Fail(Status::kInfeasible,
                   fmt::format("--max-weight-bits {}: the inputs carry {} fraction bits, so an "
                               "exact projection needs more than {} bits", cap, frac, cap));
      return std::nullopt;
    }
  }
  report->SetExtra("direction_bits", dir_bits);
  Rng rng(ctx.seed);
  std::optional<Keys> keys_opt = StageA(ctx.normalized, tries, dir_bits, rng);
  // Lattice-like data (e.g. hypercube corners) can collide on a 2^-20 direction grid: refine
  // the grid (exact arithmetic does not care) unless a bit budget fixes it.
  while (!keys_opt && cap == 0 && dir_bits < 58) {
    dir_bits = std::min(58, dir_bits + 19);
    report->SetExtra("direction_bits", dir_bits);
    keys_opt = StageA(ctx.normalized, tries, dir_bits, rng);
  }
  const auto t1 = Clock::now();
  report->timings.Add("projection", Seconds(t0, t1));
  if (!keys_opt) {
    report->Fail(Status::kInfeasible,
                 fmt::format("every one of {} projections (direction grid 2^-{}{}) maps two points "
                             "to the same value", tries, dir_bits,
                             cap > 0 ? fmt::format(", set by --max-weight-bits {}", cap) : ""));
    return std::nullopt;
  }
  const Keys& keys = *keys_opt;
  report->SetExtra("rho", keys.rho);
  report->SetExtra("c", c);
  report->SetExtra("key_range_R", ToString(keys.r));
  report->SetExtra("projected_gap", keys.gamma);
  report->SetExtra("projection_tries", tries);

  PlanInputs in;
  in.n_points = n_pts;
  in.d = d;
  in.rho = keys.rho;
  in.c = c;
  in.fs = cap > 0;
  in.cap = cap;
  in.q_fixed = q_fixed;
  in.pipeline = pipeline;
  in.projection = projection;

  // Float-safe preconditions on the projection path: weights and partial sums < 2^cap.
  if (in.fs) {
    double max_sum = 0;
    for (int64_t i = 0; i < n_pts; ++i) {
      double s = 0;
      for (int64_t j = 0; j < d; ++j)
        s += std::fabs(double(keys.v_num[j])) * std::ldexp(std::fabs(ctx.normalized(i, j)), keys.frac + keys.up);
      max_sum = std::max(max_sum, s);
    }
    max_sum = max_sum * (1 + 1e-12) + std::fabs(ToDouble(keys.offset)) + ToDouble(keys.t_max) + 2;
    int max_w = 0;
    for (const Integer& w : keys.weight) max_w = std::max(max_w, BitLength(w));
    const double limit = std::ldexp(1.0, cap);
    std::string why;
    if (max_w > cap)
      why = fmt::format("projection weights need {} bits (inputs carry {} fraction bits)", max_w, keys.frac);
    else if (!(max_sum < limit))
      why = fmt::format("the projection layer sums up to 2^{:.1f}", std::log2(max_sum));
    else if (keys.rho + keys.m + 2 > cap)
      why = fmt::format("keys and thresholds need {} bits", keys.rho + keys.m + 2);
    else if (c + 2 > cap)
      why = fmt::format("labels need {} bits", c + 2);
    if (!why.empty()) {
      report->Fail(Status::kInfeasible,
                   fmt::format("--max-weight-bits {}: {} > {}; the exact (uncapped) network is "
                               "available without the option", cap, why, cap));
      return std::nullopt;
    }
  }

  std::optional<Plan> plan;
  std::string request;
  if (explicit_shape) {
    BitextractConfig k;
    k.a = *o.a;
    k.wprime = *o.wprime;
    k.lprime = *o.lprime;
    const int64_t g_n = k.a * (k.wprime * k.lprime + 1);
    k.n = CeilDiv(std::max<int64_t>(n_pts, 1), g_n);
    k.float_safe = in.fs;
    k.cap = cap;
    k.separate = SeparateFor(in, k.a);
    request = fmt::format("A={} W'={} L'={}", k.a, k.wprime, k.lprime);
    if (in.fs && k.n > 1 && k.n * (keys.rho + c) > cap - 2) {
      report->Fail(Status::kInfeasible,
                   fmt::format("--max-weight-bits {}: {} groups of {} points need B = n(ρ + c) = {} "
                               "payload bits > {}", cap, g_n, k.n, k.n * (keys.rho + c), cap - 2));
      return std::nullopt;
    }
    // q and pipelining: the given ones, else the best for this shape.
    std::optional<Plan> best;
    for (int q = q_fixed ? q_fixed : 1; q <= (q_fixed ? q_fixed : 10); ++q) {
      for (int pipe = 0; pipe < 2; ++pipe) {
        if ((pipe == 1 && (in.fs || pipeline == 0)) || (pipe == 0 && pipeline == 1)) continue;
        BitextractConfig kk = k;
        kk.q = k.n > 1 ? q : 1;
        kk.pipeline = k.n > 1 && pipe == 1;
        Plan p{kk, BitextractPlanSizes(kk, keys.rho, c)};
        if (!best || Better(p, *best)) best = p;
      }
    }
    plan = best;
  } else if (width > 0 && depth > 0) {
    request = fmt::format("width {} depth {}", width, depth);
    plan = BestWithin(in, width, depth);
    if (!plan) {
      int64_t w_min = MinWidth(in, depth);
      std::optional<Plan> dp = MinDepthPlan(in, width);
      std::string wtxt = w_min >= kInf ? "none" : fmt::format("{}", w_min);
      std::string dtxt = dp ? fmt::format("{}", dp->sizes.depth) : "none at this width";
      report->SetExtra("smallest_feasible_width_for_depth", w_min >= kInf ? int64_t(-1) : w_min);
      report->SetExtra("smallest_feasible_depth_for_width", dp ? dp->sizes.depth : int64_t(-1));
      report->Fail(Status::kInfeasible,
                   fmt::format("width {} and depth {} cannot hold {} points (ρ = {}, c = {}); "
                               "smallest feasible depth at width {}: {}; smallest feasible width "
                               "at depth {}: {}", width, depth, n_pts, keys.rho, c, width, dtxt,
                               depth, wtxt));
      return std::nullopt;
    }
  } else if (depth > 0) {
    request = fmt::format("depth {}", depth);
    int64_t w_min = MinWidth(in, depth);
    if (w_min < kInf) plan = BestWithin(in, w_min, depth);
    if (!plan) {
      report->Fail(Status::kInfeasible,
                   fmt::format("no width below 2^24 holds {} points at depth {}{}", n_pts, depth,
                               in.fs ? " under the bit budget" : ""));
      return std::nullopt;
    }
  } else if (width > 0) {
    request = fmt::format("width {}", width);
    plan = MinDepthPlan(in, width);
    if (!plan) {
      int64_t w_need = 0;
      for (int64_t w = width + 1; w <= 64 && !w_need; ++w)
        if (MinDepthPlan(in, w)) w_need = w;
      report->SetExtra("smallest_feasible_width", w_need);
      report->Fail(Status::kInfeasible,
                   fmt::format("width {} is too narrow for any depth (smallest feasible width: {})",
                               width, w_need));
      return std::nullopt;
    }
  } else {
    // No size given: the smallest W²L² over a geometric grid of depths.
    request = "auto (smallest W²L² over depths 4..4096)";
    for (int64_t l = 4; l <= 4096; l = l * 5 / 4 + 1) {
      int64_t w_min = MinWidth(in, l);
      if (w_min >= kInf) continue;
      std::optional<Plan> p = BestWithin(in, w_min, l);
      if (p && (!plan || Better(*p, *plan))) plan = p;
    }
    MNEMO_CHECK(plan.has_value(), "no plan found");
  }
  const BitextractConfig& k = plan->cfg;
  const auto t2 = Clock::now();
  report->timings.Add("planning", Seconds(t1, t2));

  Emitted em = Emit(keys, label, classes, c, k, int32_t(d));
  NetworkStats st = em.net.Stats();
  MNEMO_CHECK(st.width == plan->sizes.width && st.depth == plan->sizes.depth,
              "built {}x{} but planned {}x{} for {}", st.width, st.depth, plan->sizes.width,
              plan->sizes.depth, ConfigString(k));
  MNEMO_CHECK(BitextractCapacity(k) >= n_pts, "capacity {} < {}", BitextractCapacity(k), n_pts);
  if (in.fs)
    MNEMO_CHECK(st.max_weight_bits <= cap, "float-safe network has {}-bit weights > {}",
                st.max_weight_bits, cap);
  const auto t3 = Clock::now();
  report->timings.Add("assembly", Seconds(t2, t3));

  // Report.
  const double w2l2 = double(st.width) * st.width * double(st.depth) * st.depth;
  double delta = keys.delta_lower;
  std::string delta_source = "projected lower bound";
  if (ctx.exact_separation) {
    delta = ctx.exact_separation->delta;
    delta_source = "exact";
  }
  const double log_inv_delta = n_pts > 1 && delta > 0 ? std::max(1.0, std::log2(1 / delta)) : 1.0;
  const double nlog = double(n_pts) * log_inv_delta;
  report->SetExtra("request", request);
  report->SetExtra("config", ConfigString(k));
  report->SetExtra("W", st.width);
  report->SetExtra("L", st.depth);
  report->SetExtra("A", k.a);
  report->SetExtra("W_prime", k.lprime > 0 ? k.wprime : 0);
  report->SetExtra("L_prime", k.lprime);
  report->SetExtra("bits_per_layer", k.q);
  report->SetExtra("pipelined", k.pipeline);
  report->SetExtra("separate_projection", k.separate);
  report->SetExtra("float_safe", k.float_safe);
  if (k.float_safe) report->SetExtra("max_weight_bits_budget", cap);
  report->SetExtra("label_only", k.n == 1);
  report->SetExtra("groups", em.groups);
  report->SetExtra("points_per_group", k.n);
  report->SetExtra("capacity", BitextractCapacity(k));
  report->SetExtra("payload_bits_B", em.bits);
  report->SetExtra("params_nonzero", st.params_nonzero);
  report->SetExtra("params_dense", st.params_dense);
  report->SetExtra("max_weight_bits", st.max_weight_bits);
  report->SetExtra("total_weight_bits", st.total_weight_bits);
  report->SetExtra("w2l2", w2l2);
  report->SetExtra("delta", delta);
  report->SetExtra("delta_source", delta_source);
  report->SetExtra("w2l2_over_n_log", w2l2 / nlog);
  Bound upper;
  upper.measure = "w2l2";
  upper.formula = "W²L² ≤ c·N·log2(1/δ) (Yang & Yang)";
  upper.tag = "paper";
  upper.scale = nlog;
  report->AddBound(upper);
  report->SetExtra("w2l2_over_n_rho_c_2", w2l2 / (double(std::max<int64_t>(n_pts, 1)) * (keys.rho + c + 2)));
  report->SetExtra("label_bits_per_weight_bit",
              double(n_pts) * std::log2(double(classes)) / double(std::max<int64_t>(1, st.total_weight_bits)));
  // Growth-function bound (§12): memorizing every labelling of N points on a δ-grid needs
  // W²L²·log2(W/δ) ≳ N (constant 1 assumed); the VC form needs W²L²·log2(WL) ≳ N.
  report->SetExtra("w2l2_lower_bound_growth", double(n_pts) / std::max(1.0, std::log2(std::max<double>(2, st.width) / (delta > 0 ? delta : 1))));
  report->SetExtra("w2l2_lower_bound_vc", double(n_pts) / std::max(1.0, std::log2(double(st.width) * st.depth)));
  if (k.float_safe && !explicit_shape) {
    // What the bit budget cost: the uncapped plan for the same request.
    PlanInputs ex = in;
    ex.fs = false;
    ex.cap = 0;
    std::optional<Plan> free;
    if (width > 0 && depth > 0) free = BestWithin(ex, width, depth);
    else if (depth > 0) {
      int64_t w = MinWidth(ex, depth);
      if (w < kInf) free = BestWithin(ex, w, depth);
    } else if (width > 0) {
      free = MinDepthPlan(ex, width);
    }
    if (free) {
      report->SetExtra("uncapped_W", free->sizes.width);
      report->SetExtra("uncapped_L", free->sizes.depth);
      report->SetExtra("uncapped_points_per_group", free->cfg.n);
      report->SetExtra("depth_gain_given_up",
                  fmt::format("{}: uncapped {}x{} (n = {}, W²L² = {:.3g}) vs capped {}x{} (n = {}, "
                              "W²L² = {:.3g})", request, free->sizes.width, free->sizes.depth,
                              free->cfg.n, Score(*free), st.width, st.depth, k.n, w2l2));
    }
  }
  return std::move(em.net);
}

}  // namespace

bool BitextractOptions::IsValid(std::string* why) const {
  auto positive = [&](const char* key, const std::optional<int64_t>& v) {
    if (v && *v < 1 && why->empty()) *why = fmt::format("--{}: expected a positive integer, got {}", key, *v);
  };
  positive("width", width);
  positive("depth", depth);
  const bool any = a || wprime || lprime, all = a && wprime && lprime;
  if (!why->empty()) return false;
  if (tries < 1 || tries > 1000) *why = fmt::format("--tries: expected 1..1000, got {}", tries);
  else if (any && !all) *why = "--a, --wprime, --lprime: give all three (or none)";
  else if (any && (width || depth)) *why = "--a/--wprime/--lprime: not together with --width or --depth";
  else if (all && (*a < 1 || *wprime < 0 || *lprime < 0))
    *why = fmt::format("--a ≥ 1, --wprime ≥ 0, --lprime ≥ 0 expected, got {}, {}, {}", *a, *wprime, *lprime);
  else if (all && *lprime > 0 && *wprime == 0) *why = "--wprime: must be ≥ 1 when --lprime > 0";
  else if (max_weight_bits && (*max_weight_bits < 8 || *max_weight_bits > 1000))
    *why = fmt::format("--max-weight-bits: expected 8..1000, got {}", *max_weight_bits);
  else if (pipeline != "auto" && pipeline != "on" && pipeline != "off")
    *why = fmt::format("--pipeline: expected auto, on or off, got \"{}\"", pipeline);
  else if (projection != "auto" && projection != "fused" && projection != "separate")
    *why = fmt::format("--projection: expected auto, fused or separate, got \"{}\"", projection);
  else if (pipeline == "on" && max_weight_bits) *why = "--pipeline on: not available with --max-weight-bits";
  else if (bits_per_layer != "auto") {
    char* end = nullptr;
    long q = std::strtol(bits_per_layer.c_str(), &end, 10);
    if (bits_per_layer.empty() || *end != '\0' || q < 1 || q > 16)
      *why = fmt::format("--bits-per-layer: expected 1..16 or auto, got \"{}\"", bits_per_layer);
  }
  return why->empty();
}

Construction BitextractConstruction() {
  Construction c;
  c.name = "bitextract";
  c.summary =
      "deep bit extraction: 1-D projection, grouped payloads in the weights, point location "
      "and bit peeling; a width–depth knob";
  c.bound = "W²L² = O(N log(1/δ)): W²L² ≈ 100·N(ρ + c + 2) at q = 1, less with multi-bit peels";
  c.citation =
      "Yang & Yang, arXiv 2603.09589 (2026), upper bound; pipeline of Vardi, Yehudai & Shamir "
      "(ICLR 2022); reconstruction in design/bit_extraction.md";
  c.needs_classes = true;
  return MakeConstruction<BitextractOptions>(std::move(c), Build);
}

}  // namespace mnemo
