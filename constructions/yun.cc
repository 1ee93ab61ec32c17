#include "constructions/yun.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "constructions/gadgets.h"
#include "constructions/projection.h"
#include "mnemo/assembler.h"
#include "mnemo/error.h"
#include "mnemo/random.h"

namespace mnemo {
namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

Rational PowerOfTwo(int e) { return e >= 0 ? Rational(Pow2(e)) : Rational(1, Pow2(-e)); }

// Largest power of two ≤ q (q > 0), as an exponent.
int FloorLog2(const Rational& q) {
  int e = BitLength(q.get_num()) - BitLength(q.get_den());
  while (PowerOfTwo(e) > q) --e;
  while (PowerOfTwo(e + 1) <= q) ++e;
  return e;
}

// The sorted line, its blocks and the corners between them.
struct Plan {
  internal::DyadicProjection proj;
  std::vector<Rational> t;        // sorted projections t_(0) < … < t_(N−1)
  std::vector<Rational> z;        // their targets / Y, in sorted order
  std::vector<Rational> corners;  // c_0 = t_(0) − 1, then two in every gap between blocks
  Rational gap, a;                // smallest gap γ; slope A = 2^a_log2 ≥ 2.02/γ
  YunDetails details;
};

std::optional<Plan> MakePlan(const YunOptions& o, const BuildContext& ctx, Report* report) {
  const Dataset& data = ctx.data;
  const int64_t n = data.n();
  Plan p;
  YunDetails& det = p.details;
  det.block = o.block.value_or(std::max<int64_t>(1, int64_t(std::ceil(std::sqrt(double(n))))));
  if (det.block > n) Fail("--block: expected 1..N = {}, got {}", n, det.block);
  det.blocks = (n + det.block - 1) / det.block;
  Rng rng(ctx.seed);
  p.proj = internal::ChooseProjection(ctx.normalized, o.tries, rng);
  det.projection_tries = p.proj.tries;
  if (n > 1 && p.proj.min_gap <= 0) {
    report->Fail(Status::kInfeasible,
                 fmt::format("every one of {} projections maps two points to the same value "
                             "(rows {} and {})",
                             o.tries, data.point_to_row[p.proj.order[0]] + 1,
                             data.point_to_row[p.proj.order[1]] + 1));
    return std::nullopt;
  }
  Rational ymax = 0;
  auto target = [&](int64_t i) -> Rational {
    return data.classification ? Rational(data.y[i]) : RationalFromDouble(data.target[i]);
  };
  for (int64_t i = 0; i < n; ++i) ymax = std::max(ymax, Rational(abs(target(i))));
  while (PowerOfTwo(det.y_log2) <= ymax) ++det.y_log2;  // Y = 2^y > max |y|
  for (int64_t k = 0; k < n; ++k) {
    Rational tk(p.proj.p[p.proj.order[k]], Pow2(p.proj.scale_bits()));
    tk.canonicalize();
    p.t.push_back(std::move(tk));
    p.z.push_back(target(p.proj.order[k]) / PowerOfTwo(det.y_log2));
  }
  p.gap = n > 1 ? Rational(Rational(p.proj.min_gap) / Pow2(p.proj.scale_bits())) : Rational(1);
  det.min_gap = ToDouble(p.gap);
  const Rational need = Rational(202, 100) / p.gap;
  det.a_log2 = FloorLog2(need);
  if (PowerOfTwo(det.a_log2) < need) ++det.a_log2;
  p.a = PowerOfTwo(det.a_log2);
  p.corners.push_back(p.t[0] - 1);
  for (int64_t b = 1; b < det.blocks; ++b) {  // two dyadic corners 2^j apart inside the gap
    const Rational& lo = p.t[b * det.block - 1];
    const Rational dg = p.t[b * det.block] - lo;
    const Rational step = PowerOfTwo(FloorLog2(dg / 2));
    const Rational c1 = lo + (dg - step) / 2;
    p.corners.push_back(c1);
    p.corners.push_back(c1 + step);
  }
  det.d1 = int64_t(p.corners.size());
  det.d2 = 4 * det.block;
  return p;
}

// Slot j, sign σ: the piecewise-linear g(t) = bias + Σ_m w_m φ(t − c_m) that equals the line
// σA(t − t_(b,j)) + z_(b,j) on block b and joins block b − 1 to block b between the gap's two
// corners. Empty slots of the last block: target 0 half a gap beyond the last point.
void SlotFunction(const Plan& p, int64_t j, int sigma, std::vector<Rational>* w, Rational* bias) {
  const int64_t n = int64_t(p.t.size()), q = p.details.blocks, r = p.details.block;
  const Rational slope = sigma * p.a;
  std::vector<Rational> anchor_t(q), anchor_z(q);
  for (int64_t b = 0; b < q; ++b) {
    const int64_t i = b * r + j;
    anchor_t[b] = i < n ? p.t[i] : Rational(p.t[n - 1] + p.gap / 2);
    anchor_z[b] = i < n ? p.z[i] : Rational(0);
  }
  auto line = [&](int64_t b, const Rational& t) -> Rational {
    return slope * (t - anchor_t[b]) + anchor_z[b];
  };
  w->assign(p.corners.size(), Rational(0));
  (*w)[0] = slope;
  *bias = line(0, p.corners[0]);
  for (int64_t b = 1; b < q; ++b) {
    const Rational& c1 = p.corners[2 * b - 1];
    const Rational& c2 = p.corners[2 * b];
    const Rational mid = (line(b, c2) - line(b - 1, c1)) / (c2 - c1);
    (*w)[2 * b - 1] = mid - slope;
    (*w)[2 * b] = slope - mid;
  }
}

// Layer 1: φ(t − c_m); layer 2: hard-tanh of every slot function; output (Y/2)·Σ hard-tanh.
Network Emit(const Plan& p, int32_t d) {
  Assembler a(d);
  const Form t = p.proj.AsForm();
  std::vector<Node> hinge;
  for (const Rational& c : p.corners) hinge.push_back(a.Relu(t - c));
  Form sum;
  std::vector<Rational> w;
  Rational bias;
  for (int64_t j = 0; j < p.details.block; ++j) {
    for (int sigma : {1, -1}) {
      SlotFunction(p, j, sigma, &w, &bias);
      Form g = Form::Constant(bias);
      for (size_t m = 0; m < hinge.size(); ++m)
        if (w[m] != 0) g.AddScaled(Form(hinge[m]), w[m]);
      sum += internal::HardTanh(a, g);
    }
  }
  a.Output(PowerOfTwo(p.details.y_log2 - 1) * sum);
  Network net = a.Compile(Activation::kIdentity);
  net.output = OutputKind::kValue;
  return net;
}

void Describe(const YunDetails& det, int64_t n, Report* report) {
  report->SetExtra("block", det.block);
  report->SetExtra("blocks", det.blocks);
  report->SetExtra("d1", det.d1);
  report->SetExtra("d2", det.d2);
  report->SetExtra("projection_tries", det.projection_tries);
  report->SetExtra("min_gap", det.min_gap);
  report->SetExtra("A", fmt::format("2^{}", det.a_log2));
  report->SetExtra("Y", fmt::format("2^{}", det.y_log2));
  Bound d1;
  d1.measure = "d1";
  d1.formula = "first hidden layer d1 = 2⌈N/r⌉ − 1 (r points per block)";
  d1.tag = "derived";
  d1.scale = double(2 * ((n + det.block - 1) / det.block) - 1);
  d1.constant = 1;
  d1.measured = double(det.d1);
  report->AddBound(d1);
  Bound d2 = d1;
  d2.measure = "d2";
  d2.formula = "second hidden layer d2 = 4r";
  d2.scale = double(4 * det.block);
  d2.measured = double(det.d2);
  report->AddBound(d2);
  Bound paper;
  paper.measure = "neurons";
  paper.formula = "hidden neurons = Θ(√N) (paper; recalled condition 4⌊d1/4⌋⌊d2/4⌋ ≥ N)";
  paper.tag = "paper";
  paper.scale = std::sqrt(double(std::max<int64_t>(n, 1)));
  report->AddBound(paper);
}

}  // namespace

bool YunOptions::IsValid(std::string* why) const {
  if (tries < 1 || tries > 1000)
    *why = fmt::format("--tries: expected 1..1000, got {}", tries);
  else if (block && *block < 1)
    *why = fmt::format("--block: expected a positive integer, got {}", *block);
  return why->empty();
}

std::optional<Network> BuildYun(const YunOptions& o, const BuildContext& ctx, Report* report) {
  auto t0 = Clock::now();
  std::optional<Plan> plan = MakePlan(o, ctx, report);
  report->timings.Add("projection", Since(t0));
  if (!plan) return std::nullopt;
  t0 = Clock::now();
  Network net = Emit(*plan, int32_t(ctx.data.d()));
  report->timings.Add("assembly", Since(t0));
  Describe(plan->details, ctx.data.n(), report);
  report->details = plan->details;
  return net;
}

Construction YunConstruction() {
  Construction c;
  c.name = "yun";
  c.summary =
      "two hidden ReLU layers of width O(√N): 1-D projection, corners, paired hard-tanh "
      "slots";
  c.bound = "d1 = 2⌈N/r⌉ − 1, d2 = 4r ReLUs (r = ⌈√N⌉: ≈ 2√N and 4√N), depth 3";
  c.citation = "Yun, Sra, Jadbabaie, Small ReLU networks are powerful memorizers, NeurIPS 2019";
  c.needs_classes = false;
  return MakeConstruction<YunOptions>(std::move(c), BuildYun);
}

}  // namespace mnemo
