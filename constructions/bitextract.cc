#include "constructions/bitextract.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "mnemo/error.h"
#include "mnemo/random.h"

namespace mnemo {
namespace internal {

Form BitextractKeys::PositionForm() const {
  Form f = Rational(Pow2(projection.scale_bits() + up)) * projection.AsForm();
  return f + Rational(Offset());
}

std::vector<Integer> BitextractKeys::Weights() const {
  std::vector<Integer> w(projection.v.size());
  for (size_t j = 0; j < w.size(); ++j)
    w[j] = Integer(static_cast<long>(projection.v[j])) * Pow2(projection.frac_bits + up);
  return w;
}

Integer BitextractKeys::Offset() const { return Pow2(m + 1) - p_min * Pow2(up); }

}  // namespace internal

namespace {

using Clock = std::chrono::steady_clock;
using internal::BitextractConfig;
using internal::BitextractKeys;
using internal::Plan;
using internal::PlanInputs;

double Since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

int Tri(const std::string& v, const std::string& off) {
  if (v == "auto") return -1;
  return v == off ? 0 : 1;
}

// Stage A: positions T_i = (P_i − P_min)·2^up + 2^(m+1) with 2^(m+1) ≤ the smallest gap, and
// keys T_i >> m (distinct, ≥ 2).
BitextractKeys MakeKeys(internal::DyadicProjection proj) {
  BitextractKeys k;
  const int64_t n = int64_t(proj.p.size());
  if (n > 1) {
    k.m = BitLength(proj.min_gap) - 2;  // largest m with 2^(m+1) ≤ gap
    if (k.m < 0) {
      k.up = -k.m;
      k.m = 0;
    }
  }
  k.p_min = n > 0 ? proj.p[proj.order[0]] : Integer(0);
  const Integer& p_min = k.p_min;
  k.t.resize(n);
  const Integer up = Pow2(k.up), base = Pow2(k.m + 1);
  for (int64_t i = 0; i < n; ++i) {
    k.t[i] = (proj.p[i] - p_min) * up + base;
    k.t_max = std::max(k.t_max, k.t[i]);
  }
  k.r = (k.t_max >> k.m) + 2;  // the largest key (T ≥ 0, so >> is the floor: monotone) + 2
  k.rho = BitLength(k.r);
  std::vector<Integer>().swap(proj.p);  // T has them now: free them before the network is made
  k.projection = std::move(proj);
  return k;
}

// Float-safe preconditions on the projection path: weights and partial sums below 2^cap.
std::string BudgetProblem(const BitextractKeys& keys, const RowBlocks& xn, int c, int cap) {
  const std::vector<Integer> w = keys.Weights();
  const Integer offset = keys.Offset();
  double max_sum = 0;
  xn.ForEach([&](int64_t, const RowMatrix& b) {
    for (int64_t i = 0; i < b.rows(); ++i) {
      double s = 0;
      for (int64_t j = 0; j < b.cols(); ++j) s += std::fabs(ToDouble(w[j])) * std::fabs(b(i, j));
      max_sum = std::max(max_sum, s);
    }
  });
  max_sum = max_sum * (1 + 1e-12) + std::fabs(ToDouble(offset)) + ToDouble(keys.t_max) + 2;
  int max_w = 0;
  for (const Integer& x : w) max_w = std::max(max_w, BitLength(x));
  if (max_w > cap)
    return fmt::format("projection weights need {} bits (inputs carry {} fraction bits)", max_w,
                       keys.projection.frac_bits);
  if (!(max_sum < std::ldexp(1.0, cap)))
    return fmt::format("the projection layer sums up to 2^{:.1f}", std::log2(max_sum));
  if (keys.rho + keys.m + 2 > cap)
    return fmt::format("keys and thresholds need {} bits", keys.rho + keys.m + 2);
  if (c + 2 > cap) return fmt::format("labels need {} bits", c + 2);
  return "";
}

// Stage A with the direction grid the options allow; nullopt with the report failed.
std::optional<BitextractKeys> StageA(const BitextractOptions& o, const BuildContext& ctx, int c,
                                     BitextractDetails* det, Report* report) {
  const int cap = int(o.max_weight_bits.value_or(0));
  int dir_bits = internal::kDirectionBits;
  if (cap > 0) {
    dir_bits = internal::DirectionBitsForBudget(ctx.normalized, cap);
    if (dir_bits < 3) {
      report->Fail(Status::kInfeasible,
                   fmt::format("--max-weight-bits {}: the inputs carry {} fraction bits, so an "
                               "exact projection needs more than {} bits",
                               cap, internal::MaxFractionBits(ctx.normalized), cap));
      return std::nullopt;
    }
  }
  Rng rng(ctx.seed);
  internal::DyadicProjection proj = internal::ChooseSeparatingProjection(
      ctx.normalized, o.tries, rng, dir_bits, cap > 0 ? dir_bits : 58);
  det->direction_bits = proj.dir_bits;
  det->projection_tries = proj.tries;
  if (ctx.data.n() > 1 && proj.min_gap <= 0) {
    report->Fail(Status::kInfeasible,
                 fmt::format("every one of {} projections (direction grid 2^-{}{}) maps two points "
                             "to the same value", o.tries, proj.dir_bits,
                             cap > 0 ? fmt::format(", set by --max-weight-bits {}", cap) : ""));
    return std::nullopt;
  }
  det->projected_gap = proj.DeltaLower();  // before MakeKeys frees the values p
  BitextractKeys keys = MakeKeys(std::move(proj));
  det->rho = keys.rho;
  det->key_range = ToString(keys.r);
  if (cap > 0) {
    const std::string why = BudgetProblem(keys, ctx.normalized, c, cap);
    if (!why.empty()) {
      report->Fail(Status::kInfeasible,
                   fmt::format("--max-weight-bits {}: {} > {}; the exact (uncapped) network is "
                               "available without the option", cap, why, cap));
      return std::nullopt;
    }
  }
  return keys;
}

constexpr int64_t kSearchDepthCap = 6000;  // --minimize without --depth: depths searched

// --minimize depth (under --width) or width (under --depth): exact from the planner.
std::optional<Plan> MinimizeSize(const BitextractOptions& o, const PlanInputs& in,
                                 BitextractDetails* det, Report* report) {
  const int64_t w_cap = o.width.value_or(2 * in.n_points + 8);
  const int64_t l_cap = o.depth.value_or(kSearchDepthCap);
  det->minimized = o.minimize;
  det->request = fmt::format("minimize {} (width ≤ {}, depth ≤ {})", o.minimize, w_cap, l_cap);
  std::optional<Plan> p;
  if (o.minimize == "depth") {
    p = internal::MinDepthPlan(in, w_cap);
    if (p && p->sizes.depth > l_cap) p.reset();
  } else if (std::optional<int64_t> w = internal::MinWidth(in, l_cap)) {
    if (*w <= w_cap) p = internal::MinDepthPlan(in, *w);
    if (p && p->sizes.depth > l_cap) p = internal::BestWithin(in, *w, l_cap);
  }
  if (!p)
    report->Fail(Status::kInfeasible, fmt::format("no layout of width ≤ {} and depth ≤ {} holds "
                                                  "{} points", w_cap, l_cap, in.n_points));
  return p;
}

// The plan for the request; nullopt with the report failed (and the smallest feasible partners
// in the details).
std::optional<Plan> ChoosePlan(const BitextractOptions& o, const PlanInputs& in,
                               BitextractDetails* det, Report* report) {
  const int64_t width = o.width.value_or(0), depth = o.depth.value_or(0);
  const int64_t n_pts = in.n_points;
  if (o.minimize == "depth" || o.minimize == "width") return MinimizeSize(o, in, det, report);
  if (o.a) {
    det->request = fmt::format("A={} W'={} L'={}", *o.a, *o.wprime, *o.lprime);
    Plan p = internal::PlanForShape(in, *o.a, *o.wprime, *o.lprime);
    if (in.fs && p.cfg.n > 1 && p.cfg.n * (in.rho + in.c) > in.cap - 2) {
      report->Fail(Status::kInfeasible,
                   fmt::format("--max-weight-bits {}: {} groups of {} points need B = n(ρ + c) = {} "
                               "payload bits > {}", in.cap, internal::BitextractCapacity(p.cfg) / p.cfg.n,
                               p.cfg.n, p.cfg.n * (in.rho + in.c), in.cap - 2));
      return std::nullopt;
    }
    return p;
  }
  if (width > 0 && depth > 0) {
    det->request = fmt::format("width {} depth {}", width, depth);
    if (auto p = internal::BestWithin(in, width, depth)) return p;
    std::optional<int64_t> w_min = internal::MinWidth(in, depth);
    std::optional<Plan> dp = internal::MinDepthPlan(in, width);
    det->smallest_feasible_width_for_depth = w_min.value_or(-1);
    det->smallest_feasible_depth_for_width = dp ? dp->sizes.depth : -1;
    report->Fail(Status::kInfeasible,
                 fmt::format("width {} and depth {} cannot hold {} points (ρ = {}, c = {}); "
                             "smallest feasible depth at width {}: {}; smallest feasible width "
                             "at depth {}: {}", width, depth, n_pts, in.rho, in.c, width,
                             dp ? fmt::format("{}", dp->sizes.depth) : "none at this width",
                             depth, w_min ? fmt::format("{}", *w_min) : "none"));
    return std::nullopt;
  }
  if (depth > 0) {
    det->request = fmt::format("depth {}", depth);
    // The depth asked is the depth delivered, within 5%: the narrowest layout in the band.
    if (auto p = internal::BestInDepthBand(in, depth - depth / 20, depth)) return p;
    report->Fail(Status::kInfeasible,
                 fmt::format("no width below 2^24 holds {} points at depth {}{}", n_pts, depth,
                             in.fs ? " under the bit budget" : ""));
    return std::nullopt;
  }
  if (width > 0) {
    det->request = fmt::format("width {}", width);
    if (auto p = internal::MinDepthPlan(in, width)) return p;
    for (int64_t w = width + 1; w <= 64 && det->smallest_feasible_width < 0; ++w)
      if (internal::MinDepthPlan(in, w)) det->smallest_feasible_width = w;
    report->Fail(Status::kInfeasible,
                 fmt::format("width {} is too narrow for any depth (smallest feasible width: {})",
                             width, det->smallest_feasible_width));
    return std::nullopt;
  }
  det->request = "auto (smallest W²L² over depths 4..4096)";
  return internal::AutoPlan(in);
}

// Shapes of the parameter model built per delta decoder under --minimize params|bits.
constexpr size_t kModelCandidates = 4;

// --minimize params|bits: builds the narrowest layout at each depth of a geometric grid (under
// the caps) and keeps the smallest network; every shape tried is in the details.
std::optional<std::pair<Plan, Network>> MinimizeBuilt(const BitextractOptions& o,
                                                      const PlanInputs& in,
                                                      const BitextractKeys& keys,
                                                      const std::vector<int64_t>& label,
                                                      int64_t classes, BitextractDetails* det,
                                                      Report* report) {
  const int64_t w_cap = o.width.value_or(2 * in.n_points + 8);
  const int64_t l_cap = o.depth.value_or(kSearchDepthCap);
  det->minimized = o.minimize;
  det->request = fmt::format("minimize {} (width ≤ {}, depth ≤ {})", o.minimize, w_cap, l_cap);
  std::optional<std::pair<Plan, Network>> best;
  int64_t best_value = 0;
  // Every decoder (--decode auto): the narrowest layout of each at every depth of the grid.
  std::vector<Plan> plans;
  for (int decoder : internal::BitextractDecoders(in.decode)) {
    PlanInputs one = in;
    one.decode = decoder;
    for (const Plan& p : internal::CandidatePlans(one, w_cap, l_cap)) plans.push_back(p);
    for (const Plan& p : internal::ModelCandidatePlans(one, w_cap, l_cap, kModelCandidates)) {
      const std::string key = internal::BitextractConfigString(p.cfg);
      if (std::none_of(plans.begin(), plans.end(), [&](const Plan& q) {
            return internal::BitextractConfigString(q.cfg) == key;
          }))
        plans.push_back(p);
    }
  }
  for (const Plan& p : plans) {
    Network net = internal::EmitBitextract(keys, label, classes, in.c, p.cfg, int32_t(in.d));
    const NetworkStats st = net.Stats();
    det->tried.push_back({internal::BitextractConfigString(p.cfg), st.width, st.depth,
                          st.params_nonzero, st.total_weight_bits});
    const int64_t value = o.minimize == "params" ? st.params_nonzero : st.total_weight_bits;
    if (!best || value < best_value) {
      best_value = value;
      best.emplace(p, std::move(net));
    }
  }
  if (!best)
    report->Fail(Status::kInfeasible, fmt::format("no layout of width ≤ {} and depth ≤ {} holds "
                                                  "{} points", w_cap, l_cap, in.n_points));
  return best;
}

// Under a bit budget: the uncapped plan for the same request (what the budget cost).
void CompareUncapped(const BitextractOptions& o, PlanInputs in, BitextractDetails* det) {
  if (o.a) return;
  in.fs = false;
  in.cap = 0;
  const int64_t width = o.width.value_or(0), depth = o.depth.value_or(0);
  std::optional<Plan> free;
  if (width > 0 && depth > 0) free = internal::BestWithin(in, width, depth);
  else if (depth > 0) {
    if (std::optional<int64_t> w = internal::MinWidth(in, depth))
      free = internal::BestWithin(in, *w, depth);
  } else if (width > 0) {
    free = internal::MinDepthPlan(in, width);
  }
  if (!free) return;
  det->uncapped_width = free->sizes.width;
  det->uncapped_depth = free->sizes.depth;
  det->uncapped_points_per_group = free->cfg.n;
}

void Describe(const Plan& plan, const BitextractDetails& det, const NetworkStats& st,
              const BuildContext& ctx, Report* report) {
  const BitextractConfig& k = plan.cfg;
  const int64_t n_pts = ctx.data.n();
  report->SetExtra("request", det.request);
  report->SetExtra("config", det.config);
  report->SetExtra("rho", det.rho);
  report->SetExtra("c", det.c);
  report->SetExtra("key_range_R", det.key_range);
  report->SetExtra("projected_gap", det.projected_gap);
  report->SetExtra("direction_bits", det.direction_bits);
  report->SetExtra("projection_tries", det.projection_tries);
  report->SetExtra("A", k.a);
  report->SetExtra("W_prime", det.wprime);
  report->SetExtra("L_prime", k.lprime);
  report->SetExtra("points_per_group", k.n);
  report->SetExtra("bits_per_layer", k.q);
  report->SetExtra("pipelined", k.pipeline);
  report->SetExtra("separate_projection", k.separate);
  report->SetExtra("float_safe", k.float_safe);
  report->SetExtra("decode", k.n == 1 ? "none" : k.coarse ? "coarse" : k.delta ? "delta" : "match");
  if (k.delta) report->SetExtra("key_difference_bits", k.f);
  if (k.coarse) report->SetExtra("dropped_key_bits", k.z);
  if (k.coarse) report->SetExtra("slots", det.slots);
  report->SetExtra("groups", det.groups);
  report->SetExtra("capacity", det.capacity);
  report->SetExtra("payload_bits_B", det.payload_bits);
  report->SetExtra("label_bits_per_weight_bit", det.label_bits_per_weight_bit);
  if (!det.minimized.empty()) {
    nlohmann::ordered_json tried = nlohmann::ordered_json::array();
    for (const BitextractCandidate& t : det.tried)
      tried.push_back(fmt::format("{}: {}x{}, {} params, {} bits", t.config, t.width, t.depth,
                                  t.params_nonzero, t.total_weight_bits));
    report->SetExtra("minimized", det.minimized);
    report->SetExtra("tried", tried);
  }
  if (det.uncapped_depth > 0)
    report->SetExtra("depth_gain_given_up",
                     fmt::format("{}: uncapped {}x{} (n = {}) vs capped {}x{} (n = {})",
                                 det.request, det.uncapped_width, det.uncapped_depth,
                                 det.uncapped_points_per_group, st.width, st.depth, k.n));
  // The theorem's bound and the layout's own, each with its measured constant.
  const double delta = report->data.delta;
  const double log_inv_delta = n_pts > 1 && delta > 0 ? std::max(1.0, std::log2(1 / delta)) : 1.0;
  Bound paper;
  paper.measure = "w2l2";
  paper.formula = "W²L² ≤ c·N·log2(1/δ) (Yang & Yang)";
  paper.tag = "paper";
  paper.scale = double(std::max<int64_t>(n_pts, 1)) * log_inv_delta;
  report->AddBound(paper);
  Bound layout;
  layout.measure = "w2l2";
  layout.formula = "W²L² ≤ c·N·(ρ + c + 2) (this layout; ρ bits per key, c per label)";
  layout.tag = "derived";
  layout.scale = double(std::max<int64_t>(n_pts, 1)) * (det.rho + det.c + 2);
  report->AddBound(layout);
}

}  // namespace

std::optional<Network> BuildBitextract(const BitextractOptions& o, const BuildContext& ctx,
                                       Report* report) {
  const auto t0 = Clock::now();
  BitextractDetails det;
  const int64_t classes = std::max<int64_t>(ctx.data.classes(), 1);
  det.c = BitLength(Integer(static_cast<long>(classes)));
  std::optional<BitextractKeys> keys = StageA(o, ctx, det.c, &det, report);
  report->timings.Add("projection", Since(t0));
  if (!keys) {
    report->details = det;
    return std::nullopt;
  }
  PlanInputs in;
  in.n_points = ctx.data.n();
  in.d = ctx.data.d();
  in.rho = keys->rho;
  in.c = det.c;
  in.cap = int(o.max_weight_bits.value_or(0));
  in.fs = in.cap > 0;
  in.q_fixed = o.bits_per_layer == "auto" ? 0 : std::stoi(o.bits_per_layer);
  in.pipeline = Tri(o.pipeline, "off");
  in.projection = Tri(o.projection, "fused");
  // The delta decoder's grouping: planned with --decode delta, and beside the match decoder
  // under --decode auto (exact networks, planned shapes only).
  // The coarse one (--decode coarse): planned with it, and beside both under --decode auto with
  // --minimize params|bits or a --width/--depth request (the smallest W²L² of the three).
  std::vector<int64_t> label(ctx.data.n());
  for (int64_t i = 0; i < ctx.data.n(); ++i) label[i] = int64_t(ctx.data.y[i]) + 1;  // 0: empty
  std::optional<internal::DeltaGrouping> grouping, coarse;
  const bool minimize_built = o.minimize == "params" || o.minimize == "bits";
  const bool one_bit = (o.bits_per_layer == "auto" || o.bits_per_layer == "1") && o.pipeline != "on";
  const bool automatic = o.decode == "auto" && !in.fs && !o.a && one_bit;
  if (o.decode == "delta" || automatic) {
    grouping.emplace(*keys);
    in.delta = &*grouping;
    in.decode = o.decode == "delta" ? 1 : 2;
  }
  const bool sized = o.width.has_value() || o.depth.has_value();
  if (o.decode == "coarse" || (automatic && (minimize_built || sized))) {
    coarse.emplace(*keys, &label, det.c);
    in.coarse = &*coarse;
    in.decode = o.decode == "coarse" ? 3 : 4;
  }
  const auto t1 = Clock::now();
  std::optional<Plan> plan;
  std::optional<Network> net;
  if (minimize_built) {
    if (auto best = MinimizeBuilt(o, in, *keys, label, classes, &det, report)) {
      plan = best->first;
      net = std::move(best->second);
    }
  } else {
    plan = ChoosePlan(o, in, &det, report);
  }
  report->timings.Add("planning", Since(t1));
  if (!plan) {
    report->details = det;
    return std::nullopt;
  }
  const BitextractConfig& k = plan->cfg;
  det.config = internal::BitextractConfigString(k);
  det.a = k.a;
  det.wprime = k.lprime > 0 ? k.wprime : 0;
  det.lprime = k.lprime;
  det.points_per_group = k.n;
  det.bits_per_layer = k.q;
  det.pipelined = k.pipeline;
  det.separate_projection = k.separate;
  det.float_safe = k.float_safe;
  det.delta = k.delta;
  det.key_difference_bits = k.delta ? k.f : 0;
  det.coarse = k.coarse;
  det.dropped_key_bits = k.z;
  det.weight_bits_budget = in.cap;
  det.groups = k.a * (det.wprime * k.lprime + 1);
  det.capacity = internal::BitextractCapacity(k);
  det.slots = k.coarse ? int64_t(coarse->SlotStarts().size()) : ctx.data.n();
  det.payload_bits = k.n == 1   ? det.c
                     : k.delta ? (det.c + 1 + keys->rho - k.z) + (k.n - 1) * (det.c + 1 + k.f)
                               : k.n * (keys->rho + det.c);
  const auto t2 = Clock::now();
  if (!net) net = internal::EmitBitextract(*keys, label, classes, det.c, k, int32_t(ctx.data.d()));
  report->timings.Add("assembly", Since(t2));
  const NetworkStats st = net->Stats();
  // A table column that is zero for some super-block (equal labels in consecutive groups) lets
  // the selector die a round early, so the width can come out below the plan, never above.
  MNEMO_CHECK(st.width <= plan->sizes.width && st.depth == plan->sizes.depth,
              "built {}x{} but planned {}x{} for {}", st.width, st.depth, plan->sizes.width,
              plan->sizes.depth, det.config);
  MNEMO_CHECK(det.capacity >= det.slots, "capacity {} < {}", det.capacity, det.slots);
  if (k.float_safe)
    MNEMO_CHECK(st.max_weight_bits <= in.cap, "float-safe network has {}-bit weights > {}",
                st.max_weight_bits, in.cap);
  det.label_bits_per_weight_bit = double(ctx.data.n()) * std::log2(double(classes)) /
                                  double(std::max<int64_t>(1, st.total_weight_bits));
  if (k.float_safe) CompareUncapped(o, in, &det);
  Describe(*plan, det, st, ctx, report);
  report->details = det;
  return net;
}

bool BitextractOptions::IsValid(std::string* why) const {
  auto positive = [&](const char* key, const std::optional<int64_t>& v) {
    if (v && *v < 1 && why->empty()) *why = fmt::format("--{}: expected a positive integer, got {}", key, *v);
  };
  positive("width", width);
  positive("depth", depth);
  const bool any = a || wprime || lprime, all = a && wprime && lprime;
  const bool delta_family = decode == "delta" || decode == "coarse";
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
  else if (minimize != "none" && minimize != "params" && minimize != "bits" && minimize != "depth" &&
           minimize != "width")
    *why = fmt::format("--minimize: expected params, bits, depth or width, got \"{}\"", minimize);
  else if (minimize != "none" && any) *why = "--minimize: not together with --a/--wprime/--lprime";
  else if (decode != "auto" && decode != "match" && decode != "delta" && decode != "coarse")
    *why = fmt::format("--decode: expected auto, match, delta or coarse, got \"{}\"", decode);
  else if (delta_family && max_weight_bits)
    *why = fmt::format("--decode {}: not available with --max-weight-bits", decode);
  else if (delta_family && ((bits_per_layer != "auto" && bits_per_layer != "1") || pipeline == "on"))
    *why = fmt::format("--decode {}: peels one bit per layer (not with --bits-per-layer q > 1 or "
                       "--pipeline on)", decode);
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
      "(ICLR 2022)";
  c.needs_classes = true;
  return MakeConstruction<BitextractOptions>(std::move(c), BuildBitextract);
}

}  // namespace mnemo
