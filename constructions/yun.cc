#include "constructions/yun.h"

#include <algorithm>
#include <chrono>
#include <numeric>
#include <random>

#include "constructions/sampling.h"
#include "mnemo/error.h"
#include "mnemo/random.h"

namespace mnemo {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int kDirectionBits = 20;

Rational Dyadic(const Integer& num, int exp2) {  // num·2^-exp2
  Rational q = exp2 >= 0 ? Rational(num, Pow2(exp2)) : Rational(num * Pow2(-exp2));
  q.canonicalize();
  return q;
}

// Largest power of two ≤ q (q > 0), as an exponent.
int FloorLog2(const Rational& q) {
  int e = BitLength(q.get_num()) - BitLength(q.get_den());
  while (Rational(Pow2(std::max(e, 0)), Pow2(std::max(-e, 0))) > q) --e;
  while (Rational(Pow2(std::max(e + 1, 0)), Pow2(std::max(-(e + 1), 0))) <= q) ++e;
  return e;
}
Rational PowerOfTwo(int e) { return e >= 0 ? Rational(Pow2(e)) : Rational(1, Pow2(-e)); }

std::optional<Network> Build(const YunOptions& o, const BuildContext& ctx, Report* report) {
  const auto t0 = Clock::now();
  const Dataset& data = ctx.data;
  const RowMatrix& x = ctx.normalized;
  const int64_t n = data.n(), d = data.d();
  const int tries = o.tries;
  int64_t r = o.block.value_or(std::max<int64_t>(1, int64_t(std::ceil(std::sqrt(double(n))))));
  if (r < 1 || r > n) Fail("--block: expected 1..N = {}, got {}", n, r);
  const int64_t q = (n + r - 1) / r;
  Rng rng(ctx.seed);
  Gaussian gauss;

  // Projection with distinct exact values.
  std::vector<int64_t> v(d);
  std::vector<Integer> p;
  std::vector<int64_t> order(n);
  int frac = 0;
  bool distinct = false;
  int attempt = 0;
  for (; attempt < tries && !distinct; ++attempt) {
    for (auto& vj : v) vj = std::llround(std::ldexp(gauss(rng), kDirectionBits));
    p = ProjectExact(x, v, kDirectionBits, &frac);
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return p[a] < p[b]; });
    distinct = true;
    for (int64_t k = 1; k < n && distinct; ++k) distinct = p[order[k]] != p[order[k - 1]];
  }
  if (!distinct) {
    report->Fail(Status::kInfeasible,
                 fmt::format("{} random projections each map two points to the same value", tries));
    return std::nullopt;
  }
  const int s = kDirectionBits + frac;  // t = P·2^-s
  std::vector<Rational> ts(n);
  for (int64_t k = 0; k < n; ++k) ts[k] = Dyadic(p[order[k]], s);
  Rational gap = n > 1 ? Rational(ts[1] - ts[0]) : Rational(1);
  for (int64_t k = 2; k < n; ++k) gap = std::min(gap, Rational(ts[k] - ts[k - 1]));
  // A = 2^a ≥ 2.02/γ.
  Rational need = Rational(202, 100) / gap;
  int a_exp = FloorLog2(need);
  if (PowerOfTwo(a_exp) < need) ++a_exp;
  const Rational A = PowerOfTwo(a_exp);
  // Y = 2^y > max |y|.
  auto target = [&](int64_t i) -> Rational {
    return data.classification ? Rational(data.y[i]) : RationalFromDouble(data.target[i]);
  };
  Rational ymax = 0;
  for (int64_t i = 0; i < n; ++i) ymax = std::max(ymax, Rational(abs(target(i))));
  int y_exp = 0;
  while (PowerOfTwo(y_exp) <= ymax) ++y_exp;
  const Rational Y = PowerOfTwo(y_exp);

  // Corners.
  std::vector<Rational> corners{ts[0] - 1};
  for (int64_t b = 1; b < q; ++b) {
    const Rational& lo = ts[b * r - 1];
    const Rational& hi = ts[b * r];
    Rational dg = hi - lo;
    Rational step = PowerOfTwo(FloorLog2(dg / 2));
    Rational c1 = lo + (dg - step) / 2;
    corners.push_back(c1);
    corners.push_back(c1 + step);
  }
  const int64_t d1 = int64_t(corners.size());
  const auto t1 = Clock::now();

  // Layer 1: φ(⟨u,x⟩ − c_m), u = v·2^-20.
  std::vector<LayerEntry> e1;
  std::vector<Rational> b1;
  for (int64_t m = 0; m < d1; ++m) {
    for (int64_t j = 0; j < d; ++j)
      if (v[j] != 0) e1.push_back({int32_t(m), int32_t(j), Dyadic(Integer(long(v[j])), kDirectionBits)});
    b1.push_back(-corners[m]);
  }
  // Layer 2: for slot j, σ: g(t) = bias + Σ_m w_m φ(t − c_m); neurons φ(g + 1), φ(g − 1).
  std::vector<LayerEntry> e2;
  std::vector<Rational> b2;
  int32_t row = 0;
  for (int64_t j = 0; j < r; ++j) {
    for (int sigma : {1, -1}) {
      const Rational slope = sigma * A;
      // Line of block b: value slope·(t − t_bj) + z_bj.
      std::vector<Rational> anchor_t(q), anchor_z(q);
      for (int64_t b = 0; b < q; ++b) {
        const int64_t i = b * r + j;
        if (i < n) {
          anchor_t[b] = ts[i];
          anchor_z[b] = target(order[i]) / Y;
        } else {  // padding slot: target 0 half a gap beyond the last point
          anchor_t[b] = ts[n - 1] + gap / 2;
          anchor_z[b] = 0;
        }
      }
      auto line = [&](int64_t b, const Rational& t) -> Rational {
        return slope * (t - anchor_t[b]) + anchor_z[b];
      };
      std::vector<Rational> w(d1);
      w[0] = slope;
      Rational bias = line(0, corners[0]);
      for (int64_t b = 1; b < q; ++b) {
        const Rational& c1 = corners[2 * b - 1];
        const Rational& c2 = corners[2 * b];
        Rational mid = (line(b, c2) - line(b - 1, c1)) / (c2 - c1);
        w[2 * b - 1] = mid - slope;
        w[2 * b] = slope - mid;
      }
      for (int plus : {1, -1}) {
        for (int64_t m = 0; m < d1; ++m)
          if (w[m] != 0) e2.push_back({row, int32_t(m), w[m]});
        b2.push_back(bias + plus);
        ++row;
      }
    }
  }
  // Output: (Y/2)·Σ (φ(g+1) − φ(g−1)) − (Y/2)·2r.
  std::vector<LayerEntry> e3;
  const Rational half_y = Y / 2;
  for (int32_t k = 0; k < row; ++k) e3.push_back({0, k, k % 2 == 0 ? half_y : Rational(-half_y)});
  Network net;
  net.layers.push_back(MakeLayer(int32_t(d), int32_t(d1), e1, b1, Activation{Activation::kRelu}));
  net.layers.push_back(MakeLayer(int32_t(d1), row, e2, b2, Activation{Activation::kRelu}));
  net.layers.push_back(MakeLayer(row, 1, e3, {Rational(-half_y * 2 * r)}, Activation{Activation::kIdentity}));
  net.output = OutputKind::kValue;
  const auto t2 = Clock::now();

  report->SetExtra("block", r);
  report->SetExtra("blocks", q);
  report->SetExtra("d1", d1);
  report->SetExtra("d2", int64_t(row));
  report->SetExtra("projection_tries", attempt);
  report->SetExtra("min_gap", ToDouble(gap));
  report->SetExtra("A", fmt::format("2^{}", a_exp));
  report->SetExtra("Y", fmt::format("2^{}", y_exp));
  report->SetExtra("yun_condition_relu", fmt::format("4⌊d1/4⌋⌊d2/4⌋ = {} vs N = {}", 4 * (d1 / 4) * (row / 4), n));
  report->timings.Add("projection", std::chrono::duration<double>(t1 - t0).count());
  report->timings.Add("assembly", std::chrono::duration<double>(t2 - t1).count());
  return net;
}

}  // namespace

bool YunOptions::IsValid(std::string* why) const {
  if (tries < 1 || tries > 1000) *why = fmt::format("--tries: expected 1..1000, got {}", tries);
  else if (block && *block < 1) *why = fmt::format("--block: expected a positive integer, got {}", *block);
  return why->empty();
}

Construction YunConstruction() {
  Construction c;
  c.name = "yun";
  c.summary = "two hidden ReLU layers of width O(√N): 1-D projection, corners, paired hard-tanh slots";
  c.bound = "d1 = 2⌈N/r⌉ − 1, d2 = 4r ReLUs (r = ⌈√N⌉: ≈ 2√N and 4√N), depth 3";
  c.citation = "Yun, Sra, Jadbabaie, Small ReLU networks are powerful memorizers, NeurIPS 2019";
  c.needs_classes = false;
  return MakeConstruction<YunOptions>(std::move(c), Build);
}

}  // namespace mnemo
