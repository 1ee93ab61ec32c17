#include "constructions/bubeck.h"

#include <algorithm>
#include <chrono>
#include <deque>

#include "constructions/gadgets.h"
#include "constructions/hyperplane.h"
#include "mnemo/assembler.h"
#include "mnemo/error.h"
#include "mnemo/random.h"

namespace mnemo {
namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

Rational Dyadic(const Integer& num, int exp2) {  // num·2^-exp2, exp2 ≥ 0
  Rational q(num, Pow2(exp2));
  q.canonicalize();
  return q;
}

// One gadget: selector s = ⟨u, x'⟩ − 1 (u = w·2^-kw), exactly |s| ≤ a_in on the group and
// |s| ≥ a_out off it (units 2^-(kw+F)); ε the midpoint; η = 2^-e; readouts per class bit
// (dyadic v_b·2^-kv_b) or, for real targets, V/D on the coordinates `support`.
struct Gadget {
  std::vector<int64_t> w;
  int kw = 0;
  Integer eps;  // ε numerator over 2^(kw + F + 1)
  int e = 0;
  std::vector<std::vector<int64_t>> v;
  std::vector<int> kv;
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

class GadgetFitter {
 public:
  GadgetFitter(const Dataset& data, const RowMatrix& x, int bits)
      : data_(data),
        x_(x),
        real_(!data.classification),
        bits_(bits),
        frac_bits_(FractionBits(x)),
        in_group_(x.rows(), 0) {}

  int frac_bits() const { return frac_bits_; }

  std::optional<Gadget> Fit(const std::vector<int32_t>& group) {
    for (int32_t i : group) in_group_[i] = 1;
    std::optional<Gadget> g = FitInGroup(group);
    for (int32_t i : group) in_group_[i] = 0;
    return g;
  }

 private:
  Rational Target(int64_t i) const {
    return real_ ? RationalFromDouble(data_.target[i]) : Rational(data_.y[i]);
  }

  std::optional<Gadget> FitInGroup(const std::vector<int32_t>& group) {
    const int64_t g = int64_t(group.size());
    Gadget gd;
    gd.size = g;
    Eigen::MatrixXd rhs = Eigen::MatrixXd::Ones(g, real_ ? 1 : 1 + bits_);
    if (!real_)
      for (int64_t i = 0; i < g; ++i)
        for (int b = 0; b < bits_; ++b) rhs(i, 1 + b) = (data_.y[group[i]] >> b) & 1;
    const auto sol = internal::SolveInSpan(x_, group, rhs);
    double gap = 0, rmax = 0;
    if (!sol || !FitSelector(sol->col(0), &gd, &gap)) return std::nullopt;
    const bool ok =
        real_ ? FitRealReadout(group, &gd, &rmax) : FitBitReadouts(group, *sol, &gd, &rmax);
    if (!ok) return std::nullopt;
    gd.e = 0;  // η = 2^-e with 2.02·η·max|r| ≤ the margin between group and outsiders
    while (rmax > 0 && std::ldexp(rmax, -gd.e) * 2.02 > gap) ++gd.e;
    return gd;
  }

  // The rounded hyperplane through the group, checked exactly: max_g |a| < min_{others} |a|.
  bool FitSelector(const Eigen::VectorXd& u, Gadget* gd, double* gap) {
    auto w = internal::RoundToGrid(u, &gd->kw);
    if (!w) return false;
    gd->w = std::move(*w);
    const std::vector<Integer> p = ProjectExactWithBits(x_, gd->w, frac_bits_);
    const Integer one = Pow2(gd->kw + frac_bits_);
    Integer a_in = 0, a_out = -1;
    for (int64_t i = 0; i < x_.rows(); ++i) {
      Integer a = abs(p[i] - one);
      if (in_group_[i]) {
        if (a > a_in) a_in = a;
      } else if (a_out < 0 || a < a_out) {
        a_out = a;
      }
    }
    if (a_out < 0) a_out = a_in + 2;  // nothing outside the group
    if (!(a_in < a_out)) return false;
    gd->eps = a_in + a_out;
    *gap = 0.99 * std::ldexp(ToDouble(Integer(a_out - a_in)), -(gd->kw + frac_bits_ + 1));
    return true;
  }

  // One dyadic readout per bit of the class index, exactly on the right side of ½ on the group.
  bool FitBitReadouts(const std::vector<int32_t>& group, const Eigen::MatrixXd& sol, Gadget* gd,
                      double* rmax) {
    for (int b = 0; b < bits_; ++b) {
      int kv = 0;
      auto v = internal::RoundToGrid(sol.col(1 + b), &kv);
      if (!v) return false;
      const std::vector<Integer> r = ProjectExactWithBits(x_, *v, frac_bits_);
      const Integer half = Pow2(kv + frac_bits_ - 1);
      for (int32_t i : group) {
        // Written as a choice of comparison: GCC 12.2 at -O1+ miscompiles the equivalent
        // `(r[i] >= half) != bool((y >> b) & 1)` in this loop (it drops the comparison).
        const bool bit = (data_.y[i] >> b) & 1;
        if (bit ? r[i] < half : r[i] >= half) return false;
      }
      double l1 = 0;
      for (int64_t vj : *v) l1 += std::fabs(double(vj));
      *rmax = std::max(*rmax, std::ldexp(l1, -kv) * 1.01);
      gd->v.push_back(std::move(*v));
      gd->kv.push_back(kv);
    }
    return true;
  }

  // The exact readout r = y on the group, supported on |g| pivot coordinates (rationals).
  bool FitRealReadout(const std::vector<int32_t>& group, Gadget* gd, double* rmax) {
    const int64_t g = int64_t(group.size());
    Eigen::MatrixXd xg(g, x_.cols());
    for (int64_t i = 0; i < g; ++i) xg.row(i) = x_.row(group[i]);
    Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(xg);
    if (qr.rank() < g) return false;
    for (int64_t k = 0; k < g; ++k)
      gd->support.push_back(int32_t(qr.colsPermutation().indices()[k]));
    std::vector<std::vector<Rational>> m(g, std::vector<Rational>(g));
    std::vector<Rational> yv(g);
    for (int64_t i = 0; i < g; ++i) {
      for (int64_t k = 0; k < g; ++k) m[i][k] = RationalFromDouble(x_(group[i], gd->support[k]));
      yv[i] = Target(group[i]);
    }
    auto v = SolveExact(std::move(m), std::move(yv));
    if (!v) return false;
    gd->den = 1;
    for (const Rational& q : *v)
      mpz_lcm(gd->den.get_mpz_t(), gd->den.get_mpz_t(), q.get_den_mpz_t());
    double l1 = 0;
    for (const Rational& q : *v) {
      Rational scaled = q * gd->den;
      gd->big_v.push_back(scaled.get_num());
      l1 += std::fabs(ToDouble(q));
    }
    *rmax = l1 * 1.01;
    return true;
  }

  const Dataset& data_;
  const RowMatrix& x_;
  bool real_;
  int bits_;
  int frac_bits_;
  std::vector<char> in_group_;
};

struct Plan {
  int frac_bits = 0;
  std::vector<Gadget> gadgets;
  BubeckDetails details;
};

// Groups of ≤ G points with a nonzero target, shuffled; failing groups split in halves. Fails
// the report when a single point has no gadget or the output denominator outgrows the budget.
std::optional<Plan> MakePlan(const BubeckOptions& o, const BuildContext& ctx, int bits,
                             Report* report) {
  const Dataset& data = ctx.data;
  Plan plan;
  BubeckDetails& det = plan.details;
  det.real_targets = !data.classification;
  det.readouts = det.real_targets ? 1 : bits;
  det.group_size = o.group.value_or(det.real_targets ? std::min<int64_t>(data.d(), 16) : data.d());
  std::vector<int32_t> pts;
  for (int64_t i = 0; i < data.n(); ++i)
    if (det.real_targets ? data.target[i] != 0 : data.y[i] != 0) pts.push_back(int32_t(i));
  Rng rng(ctx.seed);
  Shuffle(pts, rng);
  std::deque<std::vector<int32_t>> queue;
  for (size_t a = 0; a < pts.size(); a += size_t(det.group_size))
    queue.emplace_back(pts.begin() + a,
                       pts.begin() + std::min(pts.size(), a + size_t(det.group_size)));
  GadgetFitter fitter(data, ctx.normalized.All(), bits);
  plan.frac_bits = fitter.frac_bits();
  Integer lcm_den = 1;
  while (!queue.empty()) {
    std::vector<int32_t> group = std::move(queue.front());
    queue.pop_front();
    const size_t g = group.size();
    if (std::optional<Gadget> gd = fitter.Fit(group)) {
      mpz_lcm(lcm_den.get_mpz_t(), lcm_den.get_mpz_t(), gd->den.get_mpz_t());
      det.points_with_gadget += gd->size;
      plan.gadgets.push_back(std::move(*gd));
    } else if (g > 1) {
      ++det.group_splits;
      queue.emplace_front(group.begin() + g / 2, group.end());
      queue.emplace_front(group.begin(), group.begin() + g / 2);
    } else {
      report->Fail(Status::kInfeasible,
                   fmt::format("no gadget isolates {}: the hyperplane through it meets "
                               "another point", data.PointName(group[0])));
      return std::nullopt;
    }
    if (BitLength(lcm_den) > o.max_denominator_bits) {
      report->Fail(Status::kBudgetExceeded,
                   fmt::format("exact real-valued readouts need a common output denominator of "
                               "more than {} bits (--max-denominator-bits); use a smaller --group",
                               o.max_denominator_bits));
      return std::nullopt;
    }
  }
  det.gadgets = int64_t(plan.gadgets.size());
  det.output_denominator_bits = det.real_targets ? BitLength(lcm_den) : 0;
  return plan;
}

// The readouts of a gadget as forms over the inputs.
std::vector<Form> Readouts(const Gadget& gd, int32_t d) {
  std::vector<Form> r;
  if (!gd.big_v.empty()) {
    Form f;
    for (size_t k = 0; k < gd.support.size(); ++k) f.AddTerm(Node(gd.support[k]), gd.big_v[k]);
    f *= Rational(Integer(1), gd.den);
    r.push_back(std::move(f));
  }
  for (size_t b = 0; b < gd.v.size(); ++b) {
    Form f;
    for (int32_t j = 0; j < d; ++j) f.AddTerm(Node(j), gd.v[b][j]);
    f *= Rational(1, Pow2(gd.kv[b]));
    r.push_back(std::move(f));
  }
  return r;
}

// One hidden ReLU layer of bumps; real targets: output Σ_g f_g (linear); classes: bit b is
// step(2·Σ_g f_{g,b} − 1).
Network Emit(const Plan& plan, int32_t d, int bits) {
  const bool real = plan.details.real_targets;
  Assembler a(d);
  std::vector<Form> out(real ? 1 : bits);
  for (const Gadget& gd : plan.gadgets) {
    Form s;
    for (int32_t j = 0; j < d; ++j) s.AddTerm(a.Input(j), gd.w[j]);
    s *= Rational(1, Pow2(gd.kw));
    s -= Rational(1);
    const Rational eps = Dyadic(gd.eps, gd.kw + plan.frac_bits + 1), eta(1, Pow2(gd.e));
    // Real targets: readout neurons scaled by D, so their weights stay dyadic.
    const std::vector<Form> f =
        internal::DirectionalBumps(a, s, Readouts(gd, d), eta, eps, Rational(gd.den));
    for (size_t b = 0; b < f.size(); ++b) out[b] += f[b];
  }
  if (plan.gadgets.empty()) a.Relu(Form::Constant(Rational(-1)));  // keep one (silent) unit
  Network net;
  if (real) {
    a.Output(out[0]);
    net = a.Compile(Activation::kIdentity);
    net.output = OutputKind::kValue;
    return net;
  }
  for (const Form& f : out) a.Output(Rational(2) * f - Rational(1));
  net = a.Compile(Activation::kStep);
  net.output = OutputKind::kBits;
  return net;
}

void Describe(const BubeckDetails& det, Report* report) {
  report->SetExtra("labels", det.real_targets ? "real targets: exact rational readouts, linear "
                                                "output"
                                              : fmt::format("classes: {} bit readout(s) per "
                                                            "gadget, threshold outputs",
                                                            det.readouts));
  report->SetExtra("group_size", det.group_size);
  report->SetExtra("points_with_gadget", det.points_with_gadget);
  report->SetExtra("gadgets", det.gadgets);
  report->SetExtra("group_splits", det.group_splits);
  if (det.real_targets) report->SetExtra("output_denominator_bits", det.output_denominator_bits);
  const int64_t per = 2 + 2 * det.readouts;
  Bound b;
  b.measure = "neurons";
  b.formula = fmt::format(
      "hidden ReLUs ≤ {}·⌈N′/G⌉ in general position (N′ points with a "
      "nonzero target; paper: 4⌈N/d⌉)",
      per);
  b.tag = "derived";
  b.scale = double(
      std::max<int64_t>(per * ((det.points_with_gadget + det.group_size - 1) / det.group_size), 1));
  b.constant = 1;
  report->AddBound(b);
}

}  // namespace

bool BubeckOptions::IsValid(std::string* why) const {
  if (group && (*group < 1 || *group > 100000))
    *why = fmt::format("--group: expected 1..10^5, got {}", *group);
  else if (max_denominator_bits < 1)
    *why = fmt::format("--max-denominator-bits: expected a positive integer, got {}",
                       max_denominator_bits);
  return why->empty();
}

std::optional<Network> BuildBubeck(const BubeckOptions& o, const BuildContext& ctx,
                                   Report* report) {
  const Dataset& data = ctx.data;
  int bits = 1;
  while (data.classification && (int64_t(1) << bits) < std::max<int64_t>(1, data.classes())) ++bits;
  auto t0 = Clock::now();
  std::optional<Plan> plan = MakePlan(o, ctx, bits, report);
  report->timings.Add("gadgets", Since(t0));
  if (!plan) return std::nullopt;
  t0 = Clock::now();
  Network net = Emit(*plan, int32_t(data.d()), bits);
  report->timings.Add("assembly", Since(t0));
  Describe(plan->details, report);
  report->details = plan->details;
  return net;
}

Construction BubeckConstruction() {
  Construction c;
  c.name = "bubeck";
  c.summary = "one hidden ReLU layer of exact 4-ReLU gadgets (real labels, exact rationals)";
  c.bound = "4⌈N/d⌉ ReLUs (general position), depth 2; classes: (2 + 2⌈log2 C⌉)⌈N/d⌉";
  c.citation =
      "Bubeck, Eldan, Lee, Mikulincer, Network size and weights size for memorization "
      "with two-layers neural networks, NeurIPS 2020";
  c.needs_classes = false;
  // The gadget hyperplanes are random: on data off general position (integer features) one of
  // them meets another point for some seeds (the CLI matrix found 2 seeds in 5 on a small CSV).
  c.default_attempts = 5;
  return MakeConstruction<BubeckOptions>(std::move(c), BuildBubeck);
}

}  // namespace mnemo
