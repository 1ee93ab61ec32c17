#include "constructions/baum.h"

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

// A slab lo ≤ ⟨w, x'⟩ < hi that contains exactly the points of one group.
struct Slab {
  int32_t cls = 0;
  std::vector<int64_t> w;  // numerators over 2^kw
  int kw = 0;
  Integer lo2, hi2;  // thresholds, numerators over 2^(kw + F + 1)
  int64_t size = 0;
};

// A group of points of one class that one slab should isolate.
struct Group {
  int32_t cls = 0;
  std::vector<int32_t> points;
};

// The plan: the slabs found, and the points no slab isolates.
struct Plan {
  int frac_bits = 0;  // F: x'·2^F is integral
  std::vector<Slab> slabs;
  std::vector<int32_t> without_slab;
  BaumDetails details;
};

// Exact check of the slab through `group` for the rounded direction w: values p (over
// 2^(kw+F)); the group's values must form an interval that contains no other point.
bool CheckSlab(const std::vector<Integer>& p, const std::vector<int32_t>& group,
               const std::vector<char>& in_group, Slab* slab) {
  Integer lo = p[group[0]], hi = p[group[0]];
  for (int32_t i : group) {
    if (p[i] < lo) lo = p[i];
    if (p[i] > hi) hi = p[i];
  }
  bool have_below = false, have_above = false;
  Integer below, above;
  for (int64_t i = 0; i < int64_t(p.size()); ++i) {
    if (in_group[i]) continue;
    if (p[i] < lo) {
      if (!have_below || p[i] > below) below = p[i], have_below = true;
    } else if (p[i] > hi) {
      if (!have_above || p[i] < above) above = p[i], have_above = true;
    } else {
      return false;  // an outsider inside the group's interval
    }
  }
  slab->lo2 = have_below ? Integer(below + lo) : Integer(2 * lo - 1);
  slab->hi2 = have_above ? Integer(hi + above) : Integer(2 * hi + 1);
  return true;
}

// The groups of ≤ G points, class by class (the default class c0 excluded), shuffled.
std::deque<Group> MakeGroups(const Dataset& data, int32_t c0, int64_t group_size, Rng& rng) {
  std::deque<Group> queue;
  for (int32_t c = 0; c < std::max<int64_t>(1, data.classes()); ++c) {
    if (c == c0) continue;
    std::vector<int32_t> pts;
    for (int64_t i = 0; i < data.n(); ++i)
      if (data.y[i] == c) pts.push_back(int32_t(i));
    Shuffle(pts, rng);
    const size_t g = size_t(group_size);
    for (size_t a = 0; a < pts.size(); a += g)
      queue.push_back(
          {c, std::vector<int32_t>(pts.begin() + a, pts.begin() + std::min(pts.size(), a + g))});
  }
  return queue;
}

class SlabFinder {
 public:
  SlabFinder(const RowMatrix& x, int tries, Rng& rng, Plan* plan)
      : x_(x), tries_(tries), rng_(rng), plan_(plan), in_group_(x.rows(), 0) {}

  // A slab isolating the group: the hyperplane ⟨w, x⟩ = 1 through it (least squares), or for a
  // single point random hyperplanes through it.
  std::optional<Slab> Find(const Group& g) {
    for (int32_t i : g.points) in_group_[i] = 1;
    Slab slab;
    slab.cls = g.cls;
    slab.size = int64_t(g.points.size());
    const Eigen::MatrixXd ones = Eigen::MatrixXd::Ones(int64_t(g.points.size()), 1);
    bool ok = false;
    if (auto w = internal::SolveInSpan(x_, g.points, ones)) ok = Try(w->col(0), g, &slab);
    if (!ok && g.points.size() == 1) ok = TryRandom(g, &slab);
    for (int32_t i : g.points) in_group_[i] = 0;
    if (!ok) return std::nullopt;
    return slab;
  }

 private:
  bool Try(const Eigen::VectorXd& w, const Group& g, Slab* slab) {
    auto rounded = internal::RoundToGrid(w, &slab->kw);
    if (!rounded) return false;
    slab->w = std::move(*rounded);
    ++plan_->details.exact_checks;
    const std::vector<Integer> p = ProjectExactWithBits(x_, slab->w, plan_->frac_bits);
    return CheckSlab(p, g.points, in_group_, slab);
  }

  // Random hyperplanes through the single point x: w = x/‖x‖² + (r − ⟨r,x⟩x/‖x‖²)/√d. A point
  // at the origin lies on no hyperplane ⟨w,x⟩ = 1; any slab around ⟨w,0⟩ = 0 that meets no
  // other point isolates it.
  bool TryRandom(const Group& g, Slab* slab) {
    const int64_t d = x_.cols();
    const Eigen::VectorXd xi = x_.row(g.points[0]).transpose();
    const double n2 = xi.squaredNorm();
    for (int t = 0; t < tries_; ++t) {
      Eigen::VectorXd r(d);
      for (int64_t j = 0; j < d; ++j) r[j] = gauss_(rng_);
      if (n2 > 0) r -= (r.dot(xi) / n2) * xi;
      ++plan_->details.random_hyperplanes;
      if (Try(n2 > 0 ? Eigen::VectorXd(xi / n2 + r / std::sqrt(double(d))) : r, g, slab))
        return true;
    }
    return false;
  }

  const RowMatrix& x_;
  int tries_;
  Rng& rng_;
  Gaussian gauss_;
  Plan* plan_;
  std::vector<char> in_group_;
};

Plan MakePlan(const BaumOptions& o, const BuildContext& ctx, int32_t c0) {
  Plan plan;
  BaumDetails& det = plan.details;
  det.group_size = o.group.value_or(ctx.data.d());
  det.default_class = c0;
  plan.frac_bits = FractionBits(ctx.normalized.All());
  Rng rng(ctx.seed);
  std::deque<Group> queue = MakeGroups(ctx.data, c0, det.group_size, rng);
  det.initial_groups = int64_t(queue.size());
  SlabFinder finder(ctx.normalized.All(), o.tries, rng, &plan);
  while (!queue.empty()) {
    Group g = std::move(queue.front());
    queue.pop_front();
    if (std::optional<Slab> slab = finder.Find(g)) {
      det.points_memorized += slab->size;
      plan.slabs.push_back(std::move(*slab));
    } else if (g.points.size() > 1) {  // split in halves, first half first
      ++det.group_splits;
      const size_t half = g.points.size() / 2;
      queue.push_front({g.cls, std::vector<int32_t>(g.points.begin() + half, g.points.end())});
      queue.push_front({g.cls, std::vector<int32_t>(g.points.begin(), g.points.begin() + half)});
    } else {
      plan.without_slab.push_back(g.points[0]);
    }
  }
  det.slabs = int64_t(plan.slabs.size());
  det.points_without_slab = int64_t(plan.without_slab.size());
  return plan;
}

// Hidden layer: a slab (2 step neurons) per group; outputs: the minority trick for two classes
// (one threshold output), else one threshold output per class (argmax), the default class's
// firing when no slab does.
Network Emit(const Plan& plan, int32_t d, int64_t classes, int32_t c0) {
  Assembler a(d);
  std::vector<Form> slab;
  for (const Slab& s : plan.slabs) {
    Form z;
    for (int32_t j = 0; j < d; ++j) z.AddTerm(a.Input(j), s.w[j]);
    z *= Rational(1, Pow2(s.kw));
    const Integer den = Pow2(s.kw + plan.frac_bits + 1);
    Rational lo(s.lo2, den), hi(s.hi2, den);
    lo.canonicalize();
    hi.canonicalize();
    slab.push_back(internal::Slab(a, z, lo, hi));
  }
  if (plan.slabs.empty()) a.Step(Form::Constant(-1));  // one class only: one silent neuron
  Network net;
  const Rational half(1, 2);
  if (classes <= 2) {
    Form sum;
    for (const Form& f : slab) sum += f;
    a.Output(c0 == 1 ? Form::Constant(half) - sum : sum - half);
    net = a.Compile(Activation::kStep);
    net.output = OutputKind::kBits;
    return net;
  }
  for (int32_t c = 0; c < classes; ++c) {
    Form sum;
    for (size_t k = 0; k < slab.size(); ++k)
      if (c == c0 || plan.slabs[k].cls == c) sum += slab[k];
    a.Output(c == c0 ? Form::Constant(half) - sum : sum - half);
  }
  net = a.Compile(Activation::kStep);
  net.output = OutputKind::kArgmax;
  return net;
}

void Describe(const BaumDetails& det, const Dataset& data, Report* report) {
  report->SetExtra("group_size", det.group_size);
  report->SetExtra("default_class", det.default_class);
  report->SetExtra("points_memorized", det.points_memorized);
  report->SetExtra("slabs", det.slabs);
  report->SetExtra("group_splits", det.group_splits);
  report->SetExtra("random_hyperplanes", det.random_hyperplanes);
  std::vector<int64_t> count(std::max<int64_t>(1, data.classes()), 0);
  for (int64_t i = 0; i < data.n(); ++i) ++count[data.y[i]];
  int64_t groups = 0;
  for (size_t c = 0; c < count.size(); ++c)
    if (int64_t(c) != det.default_class) groups += (count[c] + det.group_size - 1) / det.group_size;
  Bound b;
  b.measure = "neurons";
  b.formula = "hidden neurons ≤ 2·Σ_{c≠c₀}⌈N_c/G⌉ in general position (Baum: ⌈N/d⌉ for 2 classes)";
  b.tag = "derived";
  b.scale = double(std::max<int64_t>(2 * groups, 1));
  b.constant = 1;
  report->AddBound(b);
}

}  // namespace

bool BaumOptions::IsValid(std::string* why) const {
  if (group && (*group < 1 || *group > 100000))
    *why = fmt::format("--group: expected 1..10^5, got {}", *group);
  else if (tries < 1 || tries > 1000)
    *why = fmt::format("--tries: expected 1..1000, got {}", tries);
  return why->empty();
}

std::optional<Network> BuildBaum(const BaumOptions& o, const BuildContext& ctx, Report* report) {
  const Dataset& data = ctx.data;
  std::vector<int64_t> count(std::max<int64_t>(1, data.classes()), 0);
  for (int64_t i = 0; i < data.n(); ++i) ++count[data.y[i]];
  const int32_t c0 = int32_t(std::max_element(count.begin(), count.end()) - count.begin());
  auto t0 = Clock::now();
  Plan plan = MakePlan(o, ctx, c0);
  report->timings.Add("slabs", Since(t0));
  report->details = plan.details;
  if (!plan.without_slab.empty()) {
    std::vector<int64_t> rows;
    for (int32_t i : plan.without_slab) rows.push_back(data.point_to_row[i] + 1);
    std::sort(rows.begin(), rows.end());
    std::string list;
    for (size_t k = 0; k < rows.size() && k < 10; ++k)
      list += (k ? ", " : "") + std::to_string(rows[k]);
    report->SetExtra("points_without_slab", int64_t(rows.size()));
    report->Fail(Status::kInfeasible,
                 fmt::format("no slab isolates {} point(s) (rows {}{}): every hyperplane tried "
                             "through them also meets another point",
                             rows.size(), list, rows.size() > 10 ? ", ..." : ""));
    return std::nullopt;
  }
  t0 = Clock::now();
  Network net = Emit(plan, int32_t(data.d()), std::max<int64_t>(1, data.classes()), c0);
  report->timings.Add("assembly", Since(t0));
  Describe(plan.details, data, report);
  return net;
}

Construction BaumConstruction() {
  Construction c;
  c.name = "baum";
  c.summary = "one hidden threshold layer of exact slab pairs through groups of d points";
  c.bound = "2⌈N_memorized/d⌉ ≈ ⌈N/d⌉ threshold neurons (general position), depth 2";
  c.citation = "Baum, On the capabilities of multilayer perceptrons, J. Complexity 4 (1988)";
  c.needs_classes = true;
  return MakeConstruction<BaumOptions>(std::move(c), BuildBaum);
}

}  // namespace mnemo
