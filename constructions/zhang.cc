#include "constructions/zhang.h"

#include <algorithm>
#include <chrono>
#include <numeric>
#include <random>

#include "mnemo/error.h"
#include "mnemo/graph_builder.h"

namespace mnemo {
namespace {

constexpr int kDirectionBits = 20;  // v is rounded to the grid 2^-20

struct Projection {
  std::vector<int64_t> v;          // numerators over 2^kDirectionBits
  std::vector<Integer> p;          // exact projections, scale 2^-(kDirectionBits + frac_bits)
  std::vector<int64_t> order;      // points sorted by projection
  Integer min_gap;                 // smallest gap between sorted projections (numerator)
  int frac_bits = 0;
};

// Tries `tries` random dyadic directions and keeps the one with the largest smallest gap.
Projection ChooseProjection(const RowMatrix& xn, int tries, std::mt19937_64& rng) {
  std::normal_distribution<double> normal;
  Projection best;
  bool have = false;
  const int frac_bits = FractionBits(xn);
  for (int t = 0; t < tries; ++t) {
    Projection cand;
    cand.v.resize(xn.cols());
    for (auto& v : cand.v) v = std::llround(std::ldexp(normal(rng), kDirectionBits));
    cand.frac_bits = frac_bits;
    cand.p = ProjectExactWithBits(xn, cand.v, frac_bits);
    cand.order.resize(xn.rows());
    std::iota(cand.order.begin(), cand.order.end(), 0);
    std::sort(cand.order.begin(), cand.order.end(),
              [&](int64_t a, int64_t b) { return cand.p[a] < cand.p[b]; });
    cand.min_gap = xn.rows() > 1 ? Integer(-1) : Integer(1);
    for (size_t k = 1; k < cand.order.size(); ++k) {
      Integer g = cand.p[cand.order[k]] - cand.p[cand.order[k - 1]];
      if (cand.min_gap < 0 || g < cand.min_gap) cand.min_gap = g;
    }
    // Compare gaps at a common scale (frac_bits is the same for every try).
    if (!have || cand.min_gap > best.min_gap) {
      best = std::move(cand);
      have = true;
    }
  }
  return best;
}

std::optional<Network> Build(const BuildContext& ctx, Report* report) {
  const int64_t n = ctx.data.n(), d = ctx.data.d();
  const int tries = int(ctx.params.Int("tries", 20));
  if (tries < 1 || tries > 1000) Fail("--tries: expected 1..1000, got {}", tries);
  std::mt19937_64 rng(ctx.seed);
  auto t0 = std::chrono::steady_clock::now();
  Projection proj = ChooseProjection(ctx.normalized, tries, rng);
  auto t1 = std::chrono::steady_clock::now();
  if (n > 1 && proj.min_gap <= 0) {
    report->Fail(Status::kInfeasible,
                 fmt::format("every one of {} projections maps two points to the same value "
                             "(rows {} and {})", tries, ctx.data.point_to_row[proj.order[0]],
                             ctx.data.point_to_row[proj.order[1]]));
    return std::nullopt;
  }
  const int scale_bits = kDirectionBits + proj.frac_bits;  // t = P·2^-scale_bits
  // η = 2^e ≤ gap·2^-scale_bits, the largest such power of two.
  const int gap_log2 = BitLength(proj.min_gap) - 1;  // 2^gap_log2 ≤ gap
  const int eta_log2 = gap_log2 - scale_bits;
  auto target = [&](int64_t p) -> Rational {
    return ctx.data.classification ? Rational(ctx.data.y[p]) : RationalFromDouble(ctx.data.target[p]);
  };

  GraphBuilder g{static_cast<int32_t>(d)};
  Expr proj_expr;
  for (int64_t j = 0; j < d; ++j) {
    if (proj.v[j] == 0) continue;
    Rational w(proj.v[j], Pow2(kDirectionBits));
    w.canonicalize();
    proj_expr += w * Expr(g.Input(int32_t(j)));
  }
  Node t = g.AddNeuron(Activation::kIdentity, proj_expr);
  // (t − τ)/η with τ = P_k·2^-scale_bits and η = 2^eta_log2: weight 2^-eta_log2, bias −τ/η.
  Rational inv_eta = eta_log2 <= 0 ? Rational(Pow2(-eta_log2)) : Rational(1, Pow2(eta_log2));
  Expr out = Expr::Constant(target(proj.order[0]));
  int64_t steps = 0;
  for (int64_t k = 1; k < n; ++k) {
    Rational delta = target(proj.order[k]) - target(proj.order[k - 1]);
    if (delta == 0) continue;
    Rational tau(proj.p[proj.order[k]], Pow2(scale_bits));
    tau.canonicalize();
    Expr z = inv_eta * Expr(t) - tau * inv_eta;
    Node a = g.Relu(z + Rational(1));
    Node b = g.Relu(z);
    out += delta * (Expr(a) - Expr(b));
    ++steps;
  }
  if (steps == 0) {
    // One label everywhere: keep one (zero) unit so the network has the advertised shape.
    g.AddNeuron(Activation::kRelu, Expr::Constant(0), 2);
  }
  g.AddOutput(out);
  Network net = g.Compile(Activation::kIdentity);
  net.output = OutputKind::kValue;
  auto t2 = std::chrono::steady_clock::now();

  report->Set("form", "steps");
  report->Set("projection_tries", tries);
  report->Set("projected_gap", ToDouble(Rational(proj.min_gap, Pow2(scale_bits))));
  report->Set("eta", fmt::format("2^{}", eta_log2));
  report->Set("label_changes", steps);
  report->Set("hidden_units", 2 * std::max<int64_t>(steps, 1));
  report->Set("paper_units", n);
  report->Set("paper_weights", 2 * n + d);
  report->timings["projection"] = std::chrono::duration<double>(t1 - t0).count();
  report->timings["assembly"] = std::chrono::duration<double>(t2 - t1).count();
  return net;
}

}  // namespace

Construction ZhangConstruction() {
  Construction c;
  c.name = "zhang";
  c.summary = "one hidden ReLU layer of exact steps on a random 1-D projection (any labels)";
  c.bound = "depth 3, 2 ReLUs per label change (≤ 2N − 2); paper: N units, 2N + d weights";
  c.citation = "Zhang, Bengio, Hardt, Recht, Vinyals (ICLR 2017), Theorem 1";
  c.needs_classes = false;
  c.options = {{"tries", "T", "20", "random projection directions tried (the best separated is kept)"}};
  c.build = Build;
  return c;
}

}  // namespace mnemo
