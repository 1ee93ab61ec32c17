#include "constructions/zhang.h"

#include <chrono>

#include "constructions/gadgets.h"
#include "constructions/projection.h"
#include "mnemo/assembler.h"
#include "mnemo/error.h"

namespace mnemo {
namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

Rational Target(const Dataset& data, int64_t p) {
  return data.classification ? Rational(data.y[p]) : RationalFromDouble(data.target[p]);
}

// The network: a linear projection neuron t, one exact step per label change, the output sum.
Network Emit(const internal::DyadicProjection& proj, const Dataset& data, int eta_log2,
             ZhangDetails* details) {
  Assembler a(int32_t(data.d()));
  const Node t = a.Linear(proj.AsForm());
  const Rational eta = eta_log2 >= 0 ? Rational(Pow2(eta_log2)) : Rational(1, Pow2(-eta_log2));
  Form out = Form::Constant(Target(data, proj.order[0]));
  for (int64_t k = 1; k < data.n(); ++k) {
    const Rational jump = Target(data, proj.order[k]) - Target(data, proj.order[k - 1]);
    if (jump == 0) continue;
    Rational tau(proj.p[proj.order[k]], Pow2(proj.scale_bits()));
    tau.canonicalize();
    out.AddScaled(internal::StepUp(a, Form(t) - tau, eta), jump);
    ++details->label_changes;
  }
  // One label everywhere: keep one (zero) unit so the network has the advertised shape.
  if (details->label_changes == 0) a.Relu(Form::Constant(0), 2);
  a.Output(out);
  Network net = a.Compile(Activation::kIdentity);
  net.output = OutputKind::kValue;
  return net;
}

void Describe(const internal::DyadicProjection& proj, const Dataset& data, const ZhangDetails& z,
              Report* report) {
  const int64_t n = data.n(), d = data.d();
  report->SetExtra("projection_tries", proj.tries);
  report->SetExtra("projected_gap", ToDouble(Rational(proj.min_gap, Pow2(proj.scale_bits()))));
  report->SetExtra("eta", fmt::format("2^{}", z.eta_log2));
  report->SetExtra("label_changes", z.label_changes);
  report->SetExtra("paper_units", n);
  report->SetExtra("paper_weights", 2 * n + d);
  Bound b;
  b.measure = "neurons";
  b.formula = "hidden neurons ≤ 1 + 2(N − 1) (one projection, 2 ReLUs per label change)";
  b.tag = "derived";
  b.scale = double(1 + 2 * std::max<int64_t>(n - 1, 1));
  b.constant = 1;
  report->AddBound(b);
}

}  // namespace

bool ZhangOptions::IsValid(std::string* why) const {
  if (tries >= 1 && tries <= 1000) return true;
  *why = fmt::format("--tries: expected 1..1000, got {}", tries);
  return false;
}

std::optional<Network> BuildZhang(const ZhangOptions& o, const BuildContext& ctx, Report* report) {
  const auto t0 = Clock::now();
  Rng rng(ctx.seed);
  internal::DyadicProjection proj = internal::ChooseProjection(ctx.normalized, o.tries, rng);
  report->timings.Add("projection", Since(t0));
  if (ctx.data.n() > 1 && proj.min_gap <= 0) {
    report->Fail(Status::kInfeasible,
                 fmt::format("every one of {} projections maps two points to the same value "
                             "(rows {} and {})",
                             o.tries, ctx.data.point_to_row[proj.order[0]],
                             ctx.data.point_to_row[proj.order[1]]));
    return std::nullopt;
  }
  ZhangDetails details;
  // η = 2^e ≤ gap·2^-scale_bits, the largest such power of two.
  details.eta_log2 = (ctx.data.n() > 1 ? BitLength(proj.min_gap) - 1 : 0) - proj.scale_bits();
  const auto t1 = Clock::now();
  Network net = Emit(proj, ctx.data, details.eta_log2, &details);
  report->timings.Add("assembly", Since(t1));
  Describe(proj, ctx.data, details, report);
  report->details = details;
  return net;
}

Construction ZhangConstruction() {
  Construction c;
  c.name = "zhang";
  c.summary = "one hidden ReLU layer of exact steps on a random 1-D projection (any labels)";
  c.bound = "depth 3, 2 ReLUs per label change (≤ 2N − 2); paper: N units, 2N + d weights";
  c.citation = "Zhang, Bengio, Hardt, Recht, Vinyals (ICLR 2017), Theorem 1";
  c.needs_classes = false;
  return MakeConstruction<ZhangOptions>(std::move(c), BuildZhang);
}

}  // namespace mnemo
