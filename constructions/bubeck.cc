#include "constructions/bubeck.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <random>

#include "constructions/hyperplane.h"
#include "constructions/layer_writer.h"
#include "mnemo/error.h"
#include "mnemo/random.h"

namespace mnemo {
namespace {

using Clock = std::chrono::steady_clock;

struct Gadget {
  std::vector<int64_t> w;  // selection hyperplane u, numerators over 2^kw
  int kw = 0;
  Integer eps;             // ε numerator over 2^(kw + F + 1)
  int e = 0;               // η = 2^-e
  // classes: one dyadic readout per bit
  std::vector<std::vector<int64_t>> v;
  std::vector<int> kv;
  // real targets: readout V/D on coordinates S
  std::vector<int32_t> support;
  std::vector<Integer> big_v;
  Integer den = 1;
  int64_t size = 0;
};

// Exact solve of M u = y (M square, rationals) by Gauss–Jordan; nullopt when singular.
std::optional<std::vector<Rational>> SolveExact(std::vector<std::vector<Rational>> m,
                                                std::vector<Rational> y) {
  const size_t g = y.size();
  for (size_t c = 0; c < g; ++c) {
    size_t piv = c;
    while (piv < g && m[piv][c] == 0) ++piv;
    if (piv == g) return std::nullopt;
    std::swap(m[piv], m[c]);
    std::swap(y[piv], y[c]);
    Rational inv = 1 / m[c][c];
    for (size_t k = c; k < g; ++k) m[c][k] *= inv;
    y[c] *= inv;
    for (size_t r = 0; r < g; ++r) {
      if (r == c || m[r][c] == 0) continue;
      Rational f = m[r][c];
      for (size_t k = c; k < g; ++k) m[r][k] -= f * m[c][k];
      y[r] -= f * y[c];
    }
  }
  return y;
}

std::optional<Network> Build(const BubeckOptions& o, const BuildContext& ctx, Report* report) {
  const auto t0 = Clock::now();
  const Dataset& data = ctx.data;
  const RowMatrix& x = ctx.normalized;
  const int64_t n = data.n(), d = data.d();
  const bool real = !data.classification;
  const int64_t classes = std::max<int64_t>(1, data.classes());
  int bits = 1;
  while (!real && (int64_t(1) << bits) < classes) ++bits;
  const int64_t group_size = o.group.value_or(real ? std::min<int64_t>(d, 16) : d);
  const int64_t max_den_bits = o.max_denominator_bits;
  Rng rng(ctx.seed);

  auto target = [&](int64_t i) -> Rational {
    return real ? RationalFromDouble(data.target[i]) : Rational(data.y[i]);
  };
  std::vector<int32_t> pts;
  for (int64_t i = 0; i < n; ++i)
    if (target(i) != 0) pts.push_back(int32_t(i));
  Shuffle(pts, rng);
  std::deque<std::vector<int32_t>> queue;
  for (size_t a = 0; a < pts.size(); a += group_size)
    queue.emplace_back(pts.begin() + a, pts.begin() + std::min(pts.size(), a + group_size));

  int frac_bits = 0;
  std::vector<Gadget> gadgets;
  std::vector<char> in_group(n, 0);
  int64_t splits = 0;
  Integer lcm_den = 1;
  while (!queue.empty()) {
    std::vector<int32_t> group = std::move(queue.front());
    queue.pop_front();
    const int64_t g = int64_t(group.size());
    for (int32_t i : group) in_group[i] = 1;
    Gadget gd;
    gd.size = g;
    bool ok = false;
    Eigen::MatrixXd rhs = Eigen::MatrixXd::Ones(g, real ? 1 : 1 + bits);
    if (!real)
      for (int64_t i = 0; i < g; ++i)
        for (int b = 0; b < bits; ++b) rhs(i, 1 + b) = (data.y[group[i]] >> b) & 1;
    auto sol = internal::SolveInSpan(x, group, rhs);
    std::optional<std::vector<int64_t>> u;
    if (sol) u = internal::RoundToGrid(sol->col(0), &gd.kw);
    if (u) {
      gd.w = std::move(*u);
      std::vector<Integer> p = ProjectExact(x, gd.w, gd.kw, &frac_bits);
      const Integer one = Pow2(gd.kw + frac_bits);
      Integer a_in = 0, a_out = -1;
      for (int64_t i = 0; i < n; ++i) {
        Integer a = abs(p[i] - one);
        if (in_group[i]) {
          if (a > a_in) a_in = a;
        } else if (a_out < 0 || a < a_out) {
          a_out = a;
        }
      }
      if (a_out < 0) a_out = a_in + 2;  // nothing outside the group
      ok = a_in < a_out;
      if (ok) {
        gd.eps = a_in + a_out;
        const double gap = 0.99 * std::ldexp(ToDouble(Integer(a_out - a_in)), -(gd.kw + frac_bits + 1));
        double rmax = 0;
        if (!real) {
          for (int b = 0; b < bits && ok; ++b) {
            int kv = 0;
            auto v = internal::RoundToGrid(sol->col(1 + b), &kv);
            if (!v) { ok = false; break; }
            std::vector<Integer> r = ProjectExact(x, *v, kv, &frac_bits);
            const Integer half = Pow2(kv + frac_bits - 1);
            for (int32_t i : group) {
              const bool bit = (data.y[i] >> b) & 1;
              if ((r[i] >= half) != bit) ok = false;
            }
            double l1 = 0;
            for (int64_t vj : *v) l1 += std::fabs(double(vj));
            rmax = std::max(rmax, std::ldexp(l1, -kv) * 1.01);
            gd.v.push_back(std::move(*v));
            gd.kv.push_back(kv);
          }
        } else {
          // Exact readout on g pivot coordinates.
          Eigen::MatrixXd xg(g, d);
          for (int64_t i = 0; i < g; ++i) xg.row(i) = x.row(group[i]);
          Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(xg);
          ok = qr.rank() >= g;
          if (ok) {
            for (int64_t k = 0; k < g; ++k) gd.support.push_back(int32_t(qr.colsPermutation().indices()[k]));
            std::vector<std::vector<Rational>> m(g, std::vector<Rational>(g));
            std::vector<Rational> yv(g);
            for (int64_t i = 0; i < g; ++i) {
              for (int64_t k = 0; k < g; ++k) m[i][k] = RationalFromDouble(x(group[i], gd.support[k]));
              yv[i] = target(group[i]);
            }
            auto v = SolveExact(std::move(m), std::move(yv));
            ok = bool(v);
            if (ok) {
              gd.den = 1;
              for (const Rational& q : *v) mpz_lcm(gd.den.get_mpz_t(), gd.den.get_mpz_t(), q.get_den_mpz_t());
              double l1 = 0;
              for (const Rational& q : *v) {
                Rational scaled = q * gd.den;
                gd.big_v.push_back(scaled.get_num());
                l1 += std::fabs(ToDouble(q));
              }
              rmax = l1 * 1.01;
            }
          }
        }
        if (ok) {
          gd.e = 0;
          while (rmax > 0 && std::ldexp(rmax, -gd.e) * 2.02 > gap) ++gd.e;
        }
      }
    }
    for (int32_t i : group) in_group[i] = 0;
    if (ok) {
      if (real) mpz_lcm(lcm_den.get_mpz_t(), lcm_den.get_mpz_t(), gd.den.get_mpz_t());
      gadgets.push_back(std::move(gd));
    } else if (g > 1) {
      ++splits;
      queue.emplace_front(group.begin() + g / 2, group.end());
      queue.emplace_front(group.begin(), group.begin() + g / 2);
    } else {
      report->Fail(Status::kInfeasible,
                   fmt::format("no gadget isolates row {}: the hyperplane through it meets "
                               "another point", data.point_to_row[group[0]]));
      return std::nullopt;
    }
    if (BitLength(lcm_den) > max_den_bits) {
      report->Fail(Status::kBudgetExceeded,
                   fmt::format("exact real-valued readouts need a common output denominator of "
                               "more than {} bits (--max-denominator-bits); use a smaller --group",
                               max_den_bits));
      return std::nullopt;
    }
  }
  const auto t1 = Clock::now();

  // Hidden layer.
  const int per = real ? 4 : 2 + 2 * bits;
  int den = 1;
  for (const Gadget& gd : gadgets) {
    den = std::max(den, gd.kw + frac_bits + 1);
    for (int kv : gd.kv) den = std::max(den, kv + gd.e);
    if (real) den = std::max(den, gd.e);
  }
  internal::LayerWriter hidden(int32_t(d), den, Activation::kRelu);
  for (const Gadget& gd : gadgets) {
    const int r0 = gd.kw + frac_bits + 1;
    const Integer one2 = Pow2(r0);
    for (int sign : {1, -1}) {  // φ(a + ε), φ(a − ε)
      hidden.Begin(r0);
      for (int64_t j = 0; j < d; ++j) hidden.Add(int32_t(j), gd.w[j], frac_bits + 1);
      hidden.End(Integer(-one2 + sign * gd.eps));
    }
    const int readouts = real ? 1 : bits;
    for (int b = 0; b < readouts; ++b) {
      const int rd = real ? std::max(r0, gd.e) : std::max(r0, gd.kv[b] + gd.e);
      for (int sign : {1, -1}) {  // φ(a + ηr + ε), φ(a + ηr − ε) (times D for real targets)
        hidden.Begin(rd);
        std::vector<Integer> row(d);
        for (int64_t j = 0; j < d; ++j) row[j] = Integer(long(gd.w[j])) << (rd - gd.kw);
        if (real) {
          for (Integer& v : row) v *= gd.den;
          for (size_t k = 0; k < gd.support.size(); ++k)
            row[gd.support[k]] += gd.big_v[k] << (rd - gd.e);
        } else {
          for (int64_t j = 0; j < d; ++j) row[j] += Integer(long(gd.v[b][j])) << (rd - gd.kv[b] - gd.e);
        }
        for (int64_t j = 0; j < d; ++j) hidden.Add(int32_t(j), row[j]);
        Integer bias = (Integer(-one2 + sign * gd.eps)) << (rd - r0);
        if (real) bias *= gd.den;
        hidden.End(bias);
      }
    }
  }
  if (gadgets.empty()) {
    hidden.Begin(1);
    hidden.End(Integer(-1));
  }
  Network net;
  net.layers.push_back(hidden.Finish());
  const int32_t h = net.layers[0].outputs;
  if (real) {
    std::vector<LayerEntry> entries;
    for (size_t k = 0; k < gadgets.size(); ++k) {
      const Gadget& gd = gadgets[k];
      const int32_t base = int32_t(k * per);
      Rational inv_eta(Pow2(gd.e));
      Rational scaled = inv_eta / Rational(gd.den);
      scaled.canonicalize();
      entries.push_back({0, base + 0, -inv_eta});
      entries.push_back({0, base + 1, inv_eta});
      entries.push_back({0, base + 2, scaled});
      entries.push_back({0, base + 3, -scaled});
    }
    net.layers.push_back(MakeLayer(h, 1, entries, {Rational(0)}, Activation{Activation::kIdentity}));
    net.output = OutputKind::kValue;
  } else {
    internal::LayerWriter out(h, 1, Activation::kStep);
    for (int b = 0; b < bits; ++b) {
      out.Begin(1);
      for (size_t k = 0; k < gadgets.size(); ++k) {
        const int32_t base = int32_t(k * per);
        const int e = gadgets[k].e;
        out.Add(base + 2 + 2 * b, 2, e);
        out.Add(base + 0, -2, e);
        out.Add(base + 3 + 2 * b, -2, e);
        out.Add(base + 1, 2, e);
      }
      out.End(Integer(-1));
    }
    net.layers.push_back(out.Finish());
    net.output = OutputKind::kBits;
  }
  const auto t2 = Clock::now();
  int64_t memorized = 0;
  for (const Gadget& gd : gadgets) memorized += gd.size;
  report->SetExtra("labels", real ? "real targets: exact rational readouts, linear output"
                             : fmt::format("classes: {} bit readout(s) per gadget, threshold outputs", bits));
  report->SetExtra("group_size", group_size);
  report->SetExtra("points_with_gadget", memorized);
  report->SetExtra("points_with_target_0", n - memorized);
  report->SetExtra("gadgets", int64_t(gadgets.size()));
  report->SetExtra("relus", int64_t(h));
  report->SetExtra("paper_relus", 4 * ((n + d - 1) / d));
  report->SetExtra("group_splits", splits);
  if (real) report->SetExtra("output_denominator_bits", BitLength(lcm_den));
  report->timings.Add("gadgets", std::chrono::duration<double>(t1 - t0).count());
  report->timings.Add("assembly", std::chrono::duration<double>(t2 - t1).count());
  return net;
}

}  // namespace

bool BubeckOptions::IsValid(std::string* why) const {
  if (group && (*group < 1 || *group > 100000)) *why = fmt::format("--group: expected 1..10^5, got {}", *group);
  else if (max_denominator_bits < 1) *why = fmt::format("--max-denominator-bits: expected a positive integer, got {}", max_denominator_bits);
  return why->empty();
}

Construction BubeckConstruction() {
  Construction c;
  c.name = "bubeck";
  c.summary = "one hidden ReLU layer of exact 4-ReLU gadgets (real labels, exact rationals)";
  c.bound = "4⌈N/d⌉ ReLUs (general position), depth 2; classes: (2 + 2⌈log2 C⌉)⌈N/d⌉";
  c.citation = "Bubeck, Eldan, Lee, Mikulincer, Network size and weights size for memorization "
               "with two-layers neural networks, NeurIPS 2020";
  c.needs_classes = false;
  return MakeConstruction<BubeckOptions>(std::move(c), Build);
}

}  // namespace mnemo
