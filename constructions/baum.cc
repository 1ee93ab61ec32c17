#include "constructions/baum.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <random>

#include "constructions/hyperplane.h"
#include "constructions/layer_writer.h"
#include "constructions/sampling.h"
#include "mnemo/error.h"
#include "mnemo/random.h"

namespace mnemo {
namespace {

using Clock = std::chrono::steady_clock;

struct Slab {
  int32_t cls = 0;
  std::vector<int64_t> w;  // numerators over 2^kw
  int kw = 0;
  Integer lo2, hi2;        // thresholds, numerators over 2^(kw + F + 1)
  int64_t size = 0;
};

// Exact check of the slab through `group` for the rounded direction w: values P_i (over
// 2^(kw+F)); the group's values must form an interval that contains no other point.
bool CheckSlab(const std::vector<Integer>& p, const std::vector<int32_t>& group,
               std::vector<char>& in_group, Slab* slab) {
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

std::optional<Network> Build(const BaumOptions& o, const BuildContext& ctx, Report* report) {
  const auto t0 = Clock::now();
  const Dataset& data = ctx.data;
  const RowMatrix& x = ctx.normalized;
  const int64_t n = data.n(), d = data.d();
  const int64_t classes = std::max<int64_t>(1, data.classes());
  const int64_t group_size = o.group.value_or(d);
  const int tries = o.tries;
  Rng rng(ctx.seed);
  Gaussian gauss;

  std::vector<int64_t> count(classes, 0);
  for (int64_t i = 0; i < n; ++i) ++count[data.y[i]];
  const int32_t c0 = int32_t(std::max_element(count.begin(), count.end()) - count.begin());

  std::deque<std::pair<int32_t, std::vector<int32_t>>> queue;
  for (int32_t c = 0; c < classes; ++c) {
    if (c == c0) continue;
    std::vector<int32_t> pts;
    for (int64_t i = 0; i < n; ++i)
      if (data.y[i] == c) pts.push_back(int32_t(i));
    Shuffle(pts, rng);
    for (size_t a = 0; a < pts.size(); a += group_size)
      queue.emplace_back(c, std::vector<int32_t>(pts.begin() + a,
                                                 pts.begin() + std::min(pts.size(), a + group_size)));
  }
  const int64_t initial_groups = int64_t(queue.size());
  std::vector<Slab> slabs;
  std::vector<int32_t> infeasible;
  std::vector<char> in_group(n, 0);
  int frac_bits = 0;
  int64_t splits = 0, random_hyperplanes = 0, fits = 0;
  while (!queue.empty()) {
    auto [cls, group] = std::move(queue.front());
    queue.pop_front();
    for (int32_t i : group) in_group[i] = 1;
    Slab slab;
    slab.cls = cls;
    slab.size = int64_t(group.size());
    bool ok = false;
    auto try_direction = [&](const Eigen::VectorXd& w) {
      auto rounded = internal::RoundToGrid(w, &slab.kw);
      if (!rounded) return false;
      slab.w = std::move(*rounded);
      ++fits;
      std::vector<Integer> p = ProjectExact(x, slab.w, slab.kw, &frac_bits);
      return CheckSlab(p, group, in_group, &slab);
    };
    Eigen::MatrixXd ones = Eigen::MatrixXd::Ones(int64_t(group.size()), 1);
    if (auto w = internal::SolveInSpan(x, group, ones)) ok = try_direction(w->col(0));
    if (!ok && group.size() == 1) {
      // A random hyperplane through the single point: w = x/‖x‖² + (r − ⟨r,x⟩x/‖x‖²).
      Eigen::VectorXd xi = x.row(group[0]).transpose();
      const double n2 = xi.squaredNorm();
      for (int t = 0; t < tries && !ok; ++t) {
        Eigen::VectorXd r(d);
        for (int64_t j = 0; j < d; ++j) r[j] = gauss(rng);
        if (n2 > 0) r -= (r.dot(xi) / n2) * xi;
        // A point at the origin lies on no hyperplane ⟨w,x⟩ = 1; any slab around ⟨w,0⟩ = 0
        // that meets no other point isolates it.
        ok = try_direction(n2 > 0 ? Eigen::VectorXd(xi / n2 + r / std::sqrt(double(d))) : r);
        ++random_hyperplanes;
      }
    }
    for (int32_t i : group) in_group[i] = 0;
    if (ok) {
      slabs.push_back(std::move(slab));
    } else if (group.size() > 1) {
      ++splits;
      const size_t half = group.size() / 2;
      queue.emplace_front(cls, std::vector<int32_t>(group.begin() + half, group.end()));
      queue.emplace_front(cls, std::vector<int32_t>(group.begin(), group.begin() + half));
    } else {
      infeasible.push_back(group[0]);
    }
  }
  if (!infeasible.empty()) {
    std::sort(infeasible.begin(), infeasible.end());
    std::string rows;
    for (size_t k = 0; k < infeasible.size() && k < 10; ++k)
      rows += (k ? ", " : "") + std::to_string(data.point_to_row[infeasible[k]]);
    report->SetExtra("points_without_slab", int64_t(infeasible.size()));
    report->Fail(Status::kInfeasible,
                 fmt::format("no slab isolates {} point(s) (rows {}{}): every hyperplane tried "
                             "through them also meets another point", infeasible.size(), rows,
                             infeasible.size() > 10 ? ", ..." : ""));
    return std::nullopt;
  }
  const auto t1 = Clock::now();

  // Hidden layer: two threshold neurons per slab.
  int den = 1;
  for (const Slab& s : slabs) den = std::max(den, s.kw + frac_bits + 1);
  internal::LayerWriter hidden(int32_t(d), den, Activation::kStep);
  for (const Slab& s : slabs) {
    for (int side = 0; side < 2; ++side) {
      hidden.Begin(s.kw + frac_bits + 1);
      for (int64_t j = 0; j < d; ++j) hidden.Add(int32_t(j), s.w[j], frac_bits + 1);
      hidden.End(side == 0 ? Integer(-s.lo2) : Integer(-s.hi2));
    }
  }
  if (slabs.empty()) {  // one class only: keep one (silent) neuron
    hidden.Begin(1);
    hidden.End(Integer(-1));
  }
  Network net;
  net.layers.push_back(hidden.Finish());
  const int32_t h = net.layers[0].outputs;
  internal::LayerWriter out(h, 1, Activation::kStep);
  if (classes <= 2) {
    const bool invert = c0 == 1;
    out.Begin(1);
    for (size_t k = 0; k < slabs.size(); ++k) {
      out.Add(int32_t(2 * k), invert ? -2 : 2);
      out.Add(int32_t(2 * k + 1), invert ? 2 : -2);
    }
    out.End(Integer(invert ? 1 : -1));
    net.output = OutputKind::kBits;
  } else {
    for (int32_t c = 0; c < classes; ++c) {
      out.Begin(1);
      for (size_t k = 0; k < slabs.size(); ++k) {
        if (c != c0 && slabs[k].cls != c) continue;
        const int64_t sign = c == c0 ? -2 : 2;
        out.Add(int32_t(2 * k), sign);
        out.Add(int32_t(2 * k + 1), -sign);
      }
      out.End(Integer(c == c0 ? 1 : -1));
    }
    net.output = OutputKind::kArgmax;
  }
  net.layers.push_back(out.Finish());
  const auto t2 = Clock::now();

  int64_t memorized = 0;
  for (const Slab& s : slabs) memorized += s.size;
  report->SetExtra("group_size", group_size);
  report->SetExtra("points_memorized", memorized);
  report->SetExtra("slabs", int64_t(slabs.size()));
  report->SetExtra("hidden_neurons", int64_t(h));
  report->SetExtra("baum_bound", 2 * ((memorized + d - 1) / d));
  report->SetExtra("initial_groups", initial_groups);
  report->SetExtra("group_splits", splits);
  report->SetExtra("random_hyperplanes", random_hyperplanes);
  report->SetExtra("exact_checks", fits);
  report->SetExtra("multiclass", classes > 2 ? "one threshold output per class (argmax); the most "
                                          "frequent class fires when no slab does"
                                        : "minority trick, one threshold output");
  report->timings.Add("slabs", std::chrono::duration<double>(t1 - t0).count());
  report->timings.Add("assembly", std::chrono::duration<double>(t2 - t1).count());
  return net;
}

}  // namespace

bool BaumOptions::IsValid(std::string* why) const {
  if (group && (*group < 1 || *group > 100000)) *why = fmt::format("--group: expected 1..10^5, got {}", *group);
  else if (tries < 1 || tries > 1000) *why = fmt::format("--tries: expected 1..1000, got {}", tries);
  return why->empty();
}

Construction BaumConstruction() {
  Construction c;
  c.name = "baum";
  c.summary = "one hidden threshold layer of exact slab pairs through groups of d points";
  c.bound = "2⌈N_memorized/d⌉ ≈ ⌈N/d⌉ threshold neurons (general position), depth 2";
  c.citation = "Baum, On the capabilities of multilayer perceptrons, J. Complexity 4 (1988)";
  c.needs_classes = true;

  return MakeConstruction<BaumOptions>(std::move(c), Build);
}

}  // namespace mnemo
