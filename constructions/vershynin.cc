#include "constructions/vershynin.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>
#include <utility>

#include "constructions/gadgets.h"
#include "constructions/vershynin_codes.h"
#include "mnemo/assembler.h"
#include "mnemo/error.h"
#include "mnemo/random.h"

namespace mnemo {
namespace {

using internal::vershynin::Analyze;
using internal::vershynin::CodeParams;
using internal::vershynin::Codes;
using internal::vershynin::CodeStats;
using internal::vershynin::E1Params;
using internal::vershynin::EvalStats;
using internal::vershynin::Neuron;
using internal::vershynin::Packer;
using internal::vershynin::UpperNormalQuantile;
using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::string Join(const std::vector<int64_t>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + std::to_string(v[i]);
  return s;
}

Rational Pow2Inv(int e) { return Rational(1, Pow2(e)); }  // 2^-e, e ≥ 0

// ------------------------------------------------------------------ remedies

// What the next attempt changes after a failed check. The names are the remedies recorded in
// the report's failed attempts; the next attempt reads them back (ctx.failed_attempts).
enum class Remedy { kResample, kRaiseP1, kDoubleN1, kRaiseS, kRaiseM, kShrinkM };
constexpr std::pair<Remedy, const char*> kRemedies[] = {
    {Remedy::kResample, "resample"},  {Remedy::kRaiseP1, "raise p1"},
    {Remedy::kDoubleN1, "double n1"}, {Remedy::kRaiseS, "raise s"},
    {Remedy::kRaiseM, "raise m"},     {Remedy::kShrinkM, "shrink m"},
};

const char* Name(Remedy r) {
  for (const auto& [k, name] : kRemedies)
    if (k == r) return name;
  return "resample";
}

std::optional<Remedy> ParseRemedy(const std::string& text) {
  for (const auto& [k, name] : kRemedies)
    if (text == name) return k;
  return std::nullopt;  // e.g. the pipeline's "retry with a new seed"
}

// A failed check of one attempt and what the next attempt changes.
struct Failure {
  std::string check;
  Remedy remedy = Remedy::kResample;
};

// ------------------------------------------------------------------ labels and inputs

struct Labels {
  int64_t classes = 1;
  int32_t c0 = 0;              // the default class: the most frequent, memorized by no neuron
  int bits = 1;                // output bits
  std::vector<int32_t> order;  // points to memorize: class by class, shuffled within a class
};

Labels MakeLabels(const Dataset& data, Rng& rng) {
  Labels l;
  l.classes = std::max<int64_t>(1, data.classes());
  std::vector<int64_t> count(l.classes, 0);
  for (int64_t i = 0; i < data.n(); ++i) ++count[data.y[i]];
  l.c0 = int32_t(std::max_element(count.begin(), count.end()) - count.begin());
  while ((int64_t(1) << l.bits) < l.classes) ++l.bits;
  for (int32_t c = 0; c < l.classes; ++c) {
    if (c == l.c0) continue;
    std::vector<int32_t> pts;
    for (int64_t i = 0; i < data.n(); ++i)
      if (data.y[i] == c) pts.push_back(int32_t(i));
    Shuffle(pts, rng);
    l.order.insert(l.order.end(), pts.begin(), pts.end());
  }
  return l;
}

struct Inputs {
  int fbits = 8;       // x'·2^fbits is integral
  double mean_n2 = 0;  // mean ‖x'‖²
  bool lift = false;   // off-sphere data: a constant coordinate c folded into the E1 biases
  int64_t lift_c = 0;  // c·2^8
  double lift_cd() const { return std::ldexp(double(lift_c), -8); }
};

Inputs MakeInputs(const RowMatrix& x, const std::string& lift) {
  Inputs in;
  in.fbits = std::max(8, FractionBits(x));
  double max_n2 = 0, min_n2 = 1e300;
  for (int64_t i = 0; i < x.rows(); ++i) {
    const double v = x.row(i).squaredNorm();
    max_n2 = std::max(max_n2, v);
    min_n2 = std::min(min_n2, v);
    in.mean_n2 += v;
  }
  in.mean_n2 /= double(std::max<int64_t>(1, x.rows()));
  in.lift = lift == "const" || (lift == "auto" && !(min_n2 > 0 && max_n2 <= 1.5 * min_n2));
  if (in.lift) in.lift_c = std::max<int64_t>(1, std::llround(std::sqrt(max_n2) * 256));
  return in;
}

// ------------------------------------------------------------------ plan

// The architecture of an attempt. Hidden layer h (0-based): code units, perception cap, OR
// relays, activation.
struct Plan {
  std::vector<bool> relu;           // per hidden layer
  int64_t n1 = 0;                   // E1 units
  std::vector<int64_t> code_units;  // per hidden layer (0 for E1 and for the last)
  std::vector<int64_t> m_cap;       // perception neurons allowed per hidden layer (−1: any)
  std::vector<bool> relays;         // per hidden layer: one OR relay per output bit
  int64_t s = 40;                   // target activity of the code layers
  double p1 = 0.05;
  bool fixed = false;  // user-fixed widths
  std::vector<std::string> adaptations;
  int hidden() const { return int(relu.size()); }
  std::string Describe() const {
    std::vector<int64_t> m(code_units.begin() + 1, code_units.end() - 1);
    return fmt::format("n1 = {}, code units = {}, s = {}, p1 = {:.3g}", n1, Join(m), s, p1);
  }
};

std::vector<bool> ReluLayers(const VershyninOptions& o, int layers) {
  std::vector<bool> relu(layers, false);
  for (int h = 0; h < layers; ++h) {
    const std::string& a = o.activations.empty()       ? std::string("step")
                           : o.activations.size() == 1 ? o.activations[0]
                                                       : o.activations[h];
    relu[h] = a == "relu";
  }
  return relu;
}

int64_t AutoActivity(const VershyninOptions& o, int64_t units) {
  return o.s ? *o.s : std::clamp<int64_t>(units / 8, 8, 40);
}

// --widths: [E1 | code | (code | perception | relays)… | perception | relays], the middle
// layers split half code, half perception.
Plan PlanFromWidths(const VershyninOptions& o, int bits) {
  Plan p;
  p.fixed = true;
  const int L = int(o.widths.size());
  p.relu = ReluLayers(o, L);
  p.code_units.assign(L, 0);
  p.m_cap.assign(L, 0);
  p.relays.assign(L, false);
  auto units_of = [&](int h, int64_t neurons) { return p.relu[h] ? neurons / 2 : neurons; };
  p.n1 = units_of(0, o.widths[0]);
  p.code_units[1] = units_of(1, o.widths[1]);
  for (int h = 2; h < L; ++h) {
    p.relays[h] = h >= 3;
    const int64_t avail = o.widths[h] - (p.relays[h] ? bits : 0);
    if (h < L - 1) {
      int64_t code_neurons = avail / 2;
      if (p.relu[h]) code_neurons -= code_neurons % 2;
      p.code_units[h] = units_of(h, code_neurons);
      p.m_cap[h] = avail - code_neurons;
    } else {
      p.m_cap[h] = avail;
    }
    if (p.m_cap[h] < 1 || (h < L - 1 && p.code_units[h] < 4))
      Fail(
          "--widths: hidden layer {} (width {}) is too narrow for its code, perception and {} "
          "relay neurons",
          h + 1, o.widths[h], p.relays[h] ? bits : 0);
  }
  if (p.n1 < 2 || p.code_units[1] < 4) Fail("--widths: the first two layers are too narrow");
  p.s = AutoActivity(o, p.code_units[1]);
  return p;
}

// The widest code layer whose estimated W = n1·m + (m + bits)·n3(m) fits --connections, with
// the measured batch size B(m) ≈ 17.5·(m/1000)^0.58 and n3 = memorized / B; 0 when none does.
int64_t CodeWidthForBudget(int64_t budget, int64_t n1, int64_t memorized, int bits,
                           double* w_narrowest) {
  int64_t m = 0;
  *w_narrowest = -1;
  for (int64_t cand = 64; cand <= 20000; cand += 16) {
    const double b = std::max(2.0, 17.5 * std::pow(double(cand) / 1000, 0.58));
    const double w = double(n1) * double(cand) + (double(cand) + bits) * double(memorized) / b;
    if (*w_narrowest < 0) *w_narrowest = w;
    if (w <= double(budget)) m = cand;
  }
  return m;
}

// The default architecture: E1, `code_layers` code layers, perception; nullopt with the report
// failed when --connections is below the narrowest estimate.
std::optional<Plan> DefaultPlan(const VershyninOptions& o, int64_t n, int bits, int64_t memorized,
                                Report* report) {
  Plan p;
  const int L = 2 + o.code_layers;
  p.relu = ReluLayers(o, L);
  p.n1 = o.n1.value_or(400);
  int64_t m =
      o.code_width.value_or(std::clamp<int64_t>(std::llround(4 * std::sqrt(double(n))), 300, 1500));
  if (o.connections && !o.code_width) {
    double w_min = 0;
    m = CodeWidthForBudget(*o.connections, p.n1, memorized, bits, &w_min);
    if (m == 0) {
      report->Fail(Status::kBudgetExceeded,
                   fmt::format("deep connection budget exceeded: --connections {} is below the "
                               "estimate W ≈ {:.0f} for the narrowest code layer (m = 64, n1 = {})",
                               *o.connections, w_min, p.n1));
      return std::nullopt;
    }
  }
  p.code_units.assign(L, 0);
  p.m_cap.assign(L, 0);
  p.relays.assign(L, false);
  for (int h = 1; h < L - 1; ++h) p.code_units[h] = m;
  p.m_cap[L - 1] = -1;
  p.s = AutoActivity(o, m);
  return p;
}

void Apply(Remedy r, Plan* p) {
  const int L = p->hidden();
  switch (r) {
    case Remedy::kRaiseP1:
      p->p1 = std::min(0.25, p->p1 * 1.5);
      break;
    case Remedy::kDoubleN1:
      p->n1 *= 2;
      break;
    case Remedy::kRaiseS:
      p->s = p->s * 3 / 2;
      break;
    case Remedy::kRaiseM:
      for (int h = 1; h < L - 1; ++h) p->code_units[h] = p->code_units[h] * 3 / 2;
      break;
    case Remedy::kShrinkM:
      for (int h = 1; h < L - 1; ++h) p->code_units[h] = p->code_units[h] * 4 / 5;
      break;
    case Remedy::kResample:
      break;
  }
}

// The plan of this attempt: the options' plan with the remedies of every earlier failed
// attempt applied in order (deterministic: the same failures give the same plan).
std::optional<Plan> MakePlan(const VershyninOptions& o, const BuildContext& ctx,
                             const Labels& labels, Report* report) {
  std::optional<Plan> p = o.widths.empty() ? DefaultPlan(o, ctx.data.n(), labels.bits,
                                                         int64_t(labels.order.size()), report)
                                           : PlanFromWidths(o, labels.bits);
  if (!p) return p;
  p->p1 = o.p1;
  if (!ctx.failed_attempts) return p;
  for (const Attempt& a : *ctx.failed_attempts) {
    const std::optional<Remedy> r = ParseRemedy(a.remedy);
    if (!r || *r == Remedy::kResample) continue;
    Apply(*r, &*p);
    p->adaptations.push_back(fmt::format("attempt {}: {}", a.number, Name(*r)));
  }
  return p;
}

// ------------------------------------------------------------------ random layers

// The random layers of one attempt and their exact codes.
struct Layers {
  E1Params e1;
  std::vector<CodeParams> code;  // per hidden layer 1..L−2
  std::vector<Codes> codes;      // per hidden layer: the codes of its code part (0: E1)
  std::vector<CodeStats> stats;  // per hidden layer
  EvalStats e1_eval, code_eval;
};

std::string Rows(const Dataset& data, int64_t a, int64_t b) {
  return fmt::format("rows {} and {}", data.point_to_row[a] + 1, data.point_to_row[b] + 1);
}

// E1: n1 Gaussian threshold units (rounded to 2^-k) with firing rate p1, then repair neurons
// for the points that still share a code.
std::optional<Failure> DrawE1(const VershyninOptions& o, const BuildContext& ctx, const Inputs& in,
                              const Plan& plan, Rng& rng, Gaussian& gauss, Layers* out) {
  const int32_t d = int32_t(ctx.data.d());
  E1Params& e1 = out->e1;
  e1.d = d;
  e1.fbits = in.fbits;
  const double b1 =
      UpperNormalQuantile(plan.p1) * std::sqrt(in.mean_n2 + in.lift_cd() * in.lift_cd());
  const int64_t b1_num = std::llround(std::ldexp(b1, o.weight_bits + 8));
  for (int64_t r = 0; r < plan.n1; ++r) {
    std::vector<int64_t> row(d);
    for (int j = 0; j < d; ++j) row[j] = std::llround(std::ldexp(gauss(rng), o.weight_bits));
    const int64_t gc = std::llround(std::ldexp(gauss(rng), o.weight_bits));
    const int64_t bhat = b1_num - (in.lift ? gc * in.lift_c : 0);  // over 2^(k+8)
    e1.AddRow(row, o.weight_bits, Integer(long(bhat)) << (in.fbits - 8));
  }
  out->codes.assign(plan.hidden(), Codes{});
  out->stats.assign(plan.hidden(), CodeStats{});
  Codes& z1 = out->codes[0];
  z1 = EvalE1(ctx.normalized.All(), e1, 0, e1.n, &out->e1_eval);
  if (!plan.fixed && o.repair > 0)
    RepairE1(ctx.normalized.All(), &e1, &z1, std::max<int64_t>(16, o.repair * plan.n1 / 100),
             &out->e1_eval);
  const CodeStats& st = out->stats[0] = Analyze(z1);
  if (st.distinct == ctx.data.n()) return std::nullopt;
  Failure f;
  f.check = fmt::format(
      "E1 codes not distinct: {} of {} points have distinct codes ({} share "
      "one; {})",
      st.distinct, ctx.data.n(), Rows(ctx.data, st.dup_a, st.dup_b), plan.Describe());
  f.remedy = plan.fixed || o.n1 ? Remedy::kRaiseP1 : Remedy::kDoubleN1;
  return f;
}

// The code layers 1..L−2, each reading the codes of the layer before.
std::optional<Failure> DrawCodeLayers(const VershyninOptions& o, const Dataset& data,
                                      const Plan& plan, Rng& rng, Gaussian& gauss, Layers* out) {
  const int L = plan.hidden();
  const int64_t n = data.n();
  out->code.assign(L, CodeParams{});
  const double min_act = o.min_activity.value_or(double(plan.s) / 10);
  for (int h = 1; h < L - 1; ++h) {
    const int32_t m = int32_t(plan.code_units[h]);
    const double rate = std::min(0.45, double(plan.s) / double(m));
    out->code[h] = DrawCode(out->codes[h - 1], m, rate, o.weight_bits, rng, gauss);
    out->codes[h] = EvalCode(out->codes[h - 1], out->code[h], &out->code_eval);
    const CodeStats& st = out->stats[h] = Analyze(out->codes[h]);
    Failure f;
    if (st.distinct < n) {
      f.check = fmt::format(
          "codes not distinct in hidden layer {}: {} of {} points have distinct "
          "codes ({} share one; width {}, {})",
          h + 1, st.distinct, n, Rows(data, st.dup_a, st.dup_b), m, plan.Describe());
      f.remedy = plan.fixed || o.code_width ? Remedy::kResample : Remedy::kRaiseM;
      return f;
    }
    if (st.min_act < min_act) {
      f.check = fmt::format(
          "silent points in hidden layer {}: minimum activity {} < {:.4g} "
          "(width {}, {})",
          h + 1, st.min_act, min_act, m, plan.Describe());
      f.remedy = Remedy::kRaiseS;
      return f;
    }
  }
  return std::nullopt;
}

// ------------------------------------------------------------------ perception

// The perception score grid on the codes u: scores in units 2^-klam, Λ = λ·2^klam (the
// covariance rule's mean activity); the Hebbian rule has klam = 0, Λ = 0.
std::pair<int, int64_t> ScoreGrid(const VershyninOptions& o, const Codes& u) {
  if (o.rule != "cov") return {0, 0};
  int32_t umax = 1;
  double act_sum = 0;
  for (int64_t i = 0; i < u.n(); ++i) {
    umax = std::max(umax, u.Activity(i));
    act_sum += u.Activity(i);
  }
  const int klam =
      std::clamp(int(std::floor(std::log2((1 << 28) / (double(Packer::kMaxBatch) * umax)))), 0, 12);
  MNEMO_CHECK((int64_t(umax) << klam) * int64_t(Packer::kMaxBatch) < (int64_t(1) << 29));
  return {klam, std::llround(std::ldexp(act_sum / double(u.n()) / double(u.units), klam))};
}

struct Packing {
  std::vector<std::vector<Neuron>> neurons;   // per hidden layer
  std::vector<std::pair<int, int64_t>> grid;  // per hidden layer: klam, Λ (ScoreGrid)
  int64_t batches = 0, fallbacks = 0;
  int klam = 0;  // score grid of the last stage
};

// Packs the points to memorize into the perception parts, stage h reading codes[h − 1].
std::optional<Failure> Pack(const VershyninOptions& o, const Dataset& data, const Plan& plan,
                            const Labels& labels, const Layers& layers, Packing* out) {
  const int L = plan.hidden();
  out->neurons.assign(L, {});
  out->grid.assign(L, {0, 0});
  size_t next = 0;
  for (int h = 2; h < L && next < labels.order.size(); ++h) {
    if (plan.m_cap[h] == 0) continue;
    const Codes& u = layers.codes[h - 1];
    const auto [klam, lam] = out->grid[h] = ScoreGrid(o, u);
    Packer packer(u, klam, lam, o.margin, o.open, plan.m_cap[h]);
    for (; next < labels.order.size(); ++next)
      if (!packer.Add(labels.order[next], data.y[labels.order[next]])) break;
    packer.CloseAll();
    out->batches += packer.batches;
    out->fallbacks += packer.fallbacks;
    out->neurons[h] = std::move(packer.neurons);
    out->klam = klam;
  }
  if (next == labels.order.size()) return std::nullopt;
  std::vector<int64_t> caps(plan.m_cap.begin() + 2, plan.m_cap.end());
  return Failure{fmt::format("perception capacity exceeded: {} of {} points to memorize are left "
                             "after filling every perception part (neurons per layer {}); widen "
                             "the layers after the second",
                             labels.order.size() - next, labels.order.size(), Join(caps)),
                 Remedy::kResample};
}

// ------------------------------------------------------------------ shape and budget

struct Shape {
  std::vector<int64_t> widths;  // hidden layers
  int64_t deep = 0;             // deep connections, the output layer's included
};

Shape ShapeOf(const Plan& plan, const Layers& layers, const Packing& packing, int bits) {
  const int L = plan.hidden();
  Shape s;
  s.widths.assign(L, 0);
  for (int h = 0; h < L; ++h) {
    const int64_t units = h == 0 ? int64_t(layers.e1.n) : (h < L - 1 ? plan.code_units[h] : 0);
    const int64_t perception =
        plan.m_cap[h] >= 0 ? plan.m_cap[h] : int64_t(packing.neurons[h].size());
    s.widths[h] = (plan.relu[h] ? 2 : 1) * units + perception + (plan.relays[h] ? bits : 0);
  }
  // A network needs at least one neuron in the last hidden layer.
  s.widths[L - 1] = std::max<int64_t>(s.widths[L - 1], 1);
  for (int h = 0; h + 1 < L; ++h) s.deep += s.widths[h] * s.widths[h + 1];
  s.deep += s.widths[L - 1] * bits;
  return s;
}

std::optional<Failure> CheckBudget(const VershyninOptions& o, const Plan& plan, const Shape& s) {
  if (!o.connections || s.deep <= *o.connections) return std::nullopt;
  Failure f;
  f.check = fmt::format(
      "deep connection budget exceeded: the network needs W = {} > "
      "--connections {} ({})",
      s.deep, *o.connections, plan.Describe());
  f.remedy = !o.code_width && plan.code_units[1] > 32 ? Remedy::kShrinkM : Remedy::kResample;
  return f;
}

// ------------------------------------------------------------------ emit

// A 0/1 code unit as the network computes it: one step neuron, or the difference of two ReLUs.
struct Unit {
  Node on = -1, off = -1;
};

Unit UnitOf(const Form& f) {
  const auto& t = f.terms();
  MNEMO_CHECK(f.denominator() == 1 && sgn(f.constant()) == 0 && !t.empty() && t.size() <= 2,
              "a code unit is one step or a difference of two ReLUs");
  Unit u;
  for (const auto& [node, coef] : t) {
    MNEMO_CHECK(coef == 1 || (coef == -1 && t.size() == 2), "a code unit has coefficients ±1");
    (coef == 1 ? u.on : u.off) = node;
  }
  MNEMO_CHECK(u.on >= 0);
  return u;
}

void AddUnit(Form* f, const Unit& u, int64_t coef) {
  if (coef == 0) return;
  f->AddTerm(u.on, coef);
  if (u.off >= 0) f->AddTerm(u.off, -coef);
}

Activation::Kind Kind(const Plan& plan, int h) {
  return plan.relu[h] ? Activation::kRelu : Activation::kStep;
}

// E1 unit r fires iff ⟨G_r, x'·2^f⟩ − T_r ≥ 1: a grid step on z = ⟨g_r, x'⟩ − T_r·2^-(k_r+f).
std::vector<Unit> EmitE1(Assembler& a, const E1Params& e1, Activation::Kind kind) {
  std::vector<Unit> units;
  for (int32_t r = 0; r < e1.n; ++r) {
    Form z;
    for (int32_t j = 0; j < e1.d; ++j) z.AddTerm(a.Input(j), e1.g[size_t(r) * e1.d + j]);
    Rational thr(e1.thr[r], Pow2(e1.fbits));
    thr.canonicalize();
    z -= thr;
    z *= Pow2Inv(e1.k[r]);
    units.push_back(UnitOf(internal::GridStep(a, std::move(z), Pow2Inv(e1.k[r] + e1.fbits), kind)));
  }
  return units;
}

// Code unit r fires iff Σ_j W_rj·u_j − β ≥ 1 (integers over 2^k).
std::vector<Unit> EmitCode(Assembler& a, const CodeParams& cp, const std::vector<Unit>& in,
                           Activation::Kind kind) {
  std::vector<Unit> units;
  for (int32_t r = 0; r < cp.m; ++r) {
    Form z;
    for (int32_t j = 0; j < cp.n_in; ++j) AddUnit(&z, in[j], cp.wt[size_t(j) * cp.m + r]);
    z -= Rational(cp.beta);
    units.push_back(UnitOf(internal::GridStep(a, std::move(z), Rational(1), kind)));
  }
  return units;
}

// A decision of a hidden layer: 0, or ≥ 1 when it fired; perception neurons carry their class,
// OR relays their output bit.
struct Signal {
  Node node = -1;
  int32_t cls = -1;
  int32_t bit = -1;
};

bool Carries(const Signal& s, int bit, int32_t c0) {
  return s.cls >= 0 ? ((s.cls >> bit) & 1) != ((c0 >> bit) & 1) : s.bit == bit;
}

// Perception neurons of layer `layer` reading the units `u` (codes `codes`): 2S − tau2.
void EmitPerception(Assembler& a, const std::vector<Neuron>& neurons, const Codes& codes,
                    const std::vector<Unit>& u, int klam, int64_t lam, Activation::Kind kind,
                    std::vector<Signal>* out) {
  std::vector<int64_t> cnt(codes.units);
  for (const Neuron& nr : neurons) {
    std::fill(cnt.begin(), cnt.end(), 0);
    for (int32_t k : nr.members)
      for (int64_t q = codes.ptr[k]; q < codes.ptr[k + 1]; ++q) ++cnt[codes.idx[q]];
    Form score;
    const int64_t unit = int64_t(2) << klam;
    const int64_t shift_all = lam * int64_t(nr.members.size());
    for (int32_t r = 0; r < codes.units; ++r) {
      const int64_t w =
          nr.exact_match ? (cnt[r] ? unit : -unit) : 2 * ((cnt[r] << klam) - shift_all);
      AddUnit(&score, u[r], w);
    }
    score -= Rational(nr.tau2);
    const Node node =
        kind == Activation::kStep ? a.Step(std::move(score)) : a.Relu(std::move(score));
    out->push_back(Signal{node, nr.cls, -1});
  }
}

struct Emitted {
  Network net;
  int64_t or_relays = 0;
};

// One hidden layer h ≥ 1: [code | perception | dead fill | OR relays].
void EmitLayer(Assembler& a, const Plan& plan, const Layers& layers, const Packing& packing,
               const Labels& labels, int h, std::vector<std::vector<Unit>>* units,
               std::vector<std::vector<Signal>>* signals, int64_t* or_relays) {
  const int L = plan.hidden();
  const Activation::Kind kind = Kind(plan, h);
  if (h < L - 1) (*units)[h] = EmitCode(a, layers.code[h], (*units)[h - 1], kind);
  if (h >= 2) {
    const auto [klam, lam] = packing.grid[h];
    EmitPerception(a, packing.neurons[h], layers.codes[h - 1], (*units)[h - 1], klam, lam, kind,
                   &(*signals)[h]);
    int64_t fill = std::max<int64_t>(plan.m_cap[h] - int64_t(packing.neurons[h].size()), 0);
    if (h == L - 1 && (*signals)[h].empty() && !plan.relays[h]) fill = std::max<int64_t>(fill, 1);
    for (int64_t k = 0; k < fill; ++k)  // never fires (dead fill of a fixed width)
      internal::Or(a, Form::Constant(Rational(-1)), kind, h + 1);
  }
  if (!plan.relays[h]) return;
  for (int b = 0; b < labels.bits; ++b) {
    Form sum;
    for (const Signal& s : (*signals)[h - 1])
      if (Carries(s, b, labels.c0)) sum.AddTerm(s.node, 1);
    const Node node = internal::Or(a, std::move(sum), kind, h + 1);
    a.MarkRelay(node);
    (*signals)[h].push_back(Signal{node, -1, b});
    ++*or_relays;
  }
}

Emitted Emit(const Plan& plan, const Layers& layers, const Packing& packing, const Labels& labels,
             const Shape& shape, int32_t d) {
  const int L = plan.hidden();
  Assembler a(d);
  std::vector<std::vector<Unit>> units(L);
  std::vector<std::vector<Signal>> signals(L);
  Emitted out;
  units[0] = EmitE1(a, layers.e1, Kind(plan, 0));
  for (int h = 1; h < L; ++h)
    EmitLayer(a, plan, layers, packing, labels, h, &units, &signals, &out.or_relays);
  for (int b = 0; b < labels.bits; ++b) {  // bit b of the class index: c0's bit, or flipped
    Form sum;
    for (const Signal& s : signals[L - 1])
      if (Carries(s, b, labels.c0)) sum.AddTerm(s.node, 1);
    a.Output((labels.c0 >> b) & 1 ? Form::Constant(Rational(1, 2)) - sum : sum - Rational(1, 2));
  }
  out.net = a.Compile(Activation::kStep);
  out.net.output = OutputKind::kBits;
  for (int h = 0; h < L; ++h)
    MNEMO_CHECK(out.net.layers[h].outputs == shape.widths[h], "layer {} has {} neurons, planned {}",
                h + 1, out.net.layers[h].outputs, shape.widths[h]);
  return out;
}

// ------------------------------------------------------------------ report

CodeActivity Activity(const CodeStats& s) { return {s.min_act, s.mean_act, s.max_act}; }

VershyninDetails Details(const VershyninOptions& o, const Plan& plan, const Labels& labels,
                         const Inputs& in, const Layers& layers, const Packing& packing,
                         const Shape& shape, int64_t d) {
  VershyninDetails v;
  const int L = plan.hidden();
  v.widths = shape.widths;
  for (int h = 0; h < L; ++h) v.activations.push_back(plan.relu[h] ? "relu" : "step");
  v.default_class = labels.c0;
  v.output_bits = labels.bits;
  v.lifted = in.lift;
  v.lift_constant = in.lift ? in.lift_cd() : 0;
  v.input_grid_bits = in.fbits;
  v.weight_bits = o.weight_bits;
  v.score_grid_bits = packing.klam;
  v.rule = o.rule;
  v.p1 = plan.p1;
  v.n1 = layers.e1.n;
  v.code_units.assign(plan.code_units.begin() + 1, plan.code_units.end() - 1);
  v.s = plan.s;
  v.deep_connections = shape.deep;
  v.input_connections = d * shape.widths[0];
  for (int h = 2; h < L; ++h) {
    const int64_t read = h == 2 ? int64_t(layers.e1.n) : plan.code_units[h - 1];
    v.memorization_connections += read * int64_t(packing.neurons[h].size());
    v.perception_neurons += int64_t(packing.neurons[h].size());
  }
  v.points_memorized = int64_t(labels.order.size());
  v.batches = packing.batches;
  v.fallbacks = packing.fallbacks;
  v.avg_batch = packing.batches
                    ? double(v.points_memorized - packing.fallbacks) / double(packing.batches)
                    : 0.0;
  v.e1_activity = Activity(layers.stats[0]);
  for (int h = 1; h < L - 1; ++h) v.code_activity.push_back(Activity(layers.stats[h]));
  v.e1_repair_neurons = layers.e1.repairs;
  v.e1_ties = layers.e1_eval.ties;
  v.code_ties = layers.code_eval.ties;
  v.e1_exact_rechecks = layers.e1_eval.exact_rechecks;
  v.adaptations = plan.adaptations;
  return v;
}

void Describe(const VershyninDetails& v, int64_t n, Report* report) {
  report->SetExtra("widths", v.widths);
  report->SetExtra("activations", v.activations);
  report->SetExtra("default_class", v.default_class);
  report->SetExtra("lift", v.lifted ? fmt::format("const c = {}", v.lift_constant) : "none");
  report->SetExtra("input_grid_bits", v.input_grid_bits);
  report->SetExtra("p1", v.p1);
  report->SetExtra("n1", v.n1);
  report->SetExtra("code_units", v.code_units);
  report->SetExtra("s", v.s);
  report->SetExtra("deep_connections", v.deep_connections);
  report->SetExtra("memorization_connections", v.memorization_connections);
  report->SetExtra("perception_neurons", v.perception_neurons);
  report->SetExtra("avg_batch", v.avg_batch);
  report->SetExtra("fallbacks", v.fallbacks);
  report->SetExtra("e1_repair_neurons", v.e1_repair_neurons);
  if (!v.adaptations.empty()) report->SetExtra("adaptations", v.adaptations);
  const double nn = double(std::max<int64_t>(n, 2)), ln = std::log(nn);
  Bound paper;
  paper.measure = "deep_connections";
  paper.formula = "deep connections W ≤ C·N·ln⁵N suffice (constant C unknown)";
  paper.tag = "paper";
  paper.scale = nn * std::pow(ln, 5);
  paper.measured = double(v.deep_connections);
  report->AddBound(paper);
  Bound packed = paper;
  packed.formula = "deep connections W ≈ c·N·ln N (packed perception neurons)";
  packed.tag = "derived";
  packed.scale = nn * ln;
  report->AddBound(packed);
}

// One attempt's random layers, packing and shape; nullopt when every check passed.
std::optional<Failure> Draw(const VershyninOptions& o, const BuildContext& ctx, const Plan& plan,
                            const Inputs& in, const Labels& labels, Rng& rng, Layers* layers,
                            Packing* packing, Shape* shape, Report* report) {
  Gaussian gauss;
  auto t0 = Clock::now();
  std::optional<Failure> f = DrawE1(o, ctx, in, plan, rng, gauss, layers);
  report->timings.Add("e1", Since(t0));
  if (f) return f;
  t0 = Clock::now();
  f = DrawCodeLayers(o, ctx.data, plan, rng, gauss, layers);
  report->timings.Add("codes", Since(t0));
  if (f) return f;
  t0 = Clock::now();
  f = Pack(o, ctx.data, plan, labels, *layers, packing);
  report->timings.Add("pack", Since(t0));
  if (f) return f;
  *shape = ShapeOf(plan, *layers, *packing, labels.bits);
  return CheckBudget(o, plan, *shape);
}

}  // namespace

std::optional<Network> BuildVershynin(const VershyninOptions& o, const BuildContext& ctx,
                                      Report* report) {
  Rng rng(ctx.seed);
  const Labels labels = MakeLabels(ctx.data, rng);
  const Inputs in = MakeInputs(ctx.normalized.All(), o.lift);
  const std::optional<Plan> plan = MakePlan(o, ctx, labels, report);
  if (!plan) return std::nullopt;
  Layers layers;
  Packing packing;
  Shape shape;
  if (std::optional<Failure> f =
          Draw(o, ctx, *plan, in, labels, rng, &layers, &packing, &shape, report)) {
    report->Fail(Status::kInfeasible, f->check);
    report->remedy = Name(f->remedy);
    return std::nullopt;
  }
  const auto t0 = Clock::now();
  Emitted e = Emit(*plan, layers, packing, labels, shape, int32_t(ctx.data.d()));
  report->timings.Add("assembly", Since(t0));
  VershyninDetails details = Details(o, *plan, labels, in, layers, packing, shape, ctx.data.d());
  details.or_relays = e.or_relays;
  Describe(details, ctx.data.n(), report);
  report->details = std::move(details);
  return std::move(e.net);
}

namespace {

// The first problem with the options, or "".
std::string Problem(const VershyninOptions& o) {
  const size_t layers = o.widths.empty() ? size_t(2 + o.code_layers) : o.widths.size();
  if (o.repair < 0 || o.repair > 10000)
    return fmt::format("--repair: expected 0..10000 (percent of n1), got {}", o.repair);
  if (!o.widths.empty() && o.connections) return "--widths and --connections: give one of them";
  if (!o.widths.empty() && o.widths.size() < 3)
    return fmt::format("--widths: need at least 3 hidden layers (got {})", o.widths.size());
  for (int64_t w : o.widths)
    if (w < 2 || w > 1000000)
      return fmt::format("--widths: every width must be in 2..10^6, got {}", w);
  if (!o.widths.empty() && (o.n1 || o.code_width || o.code_layers != 1))
    return "--widths: fixes every layer; do not combine with --n1, --code-width or --code-layers";
  if (o.connections && *o.connections < 1)
    return fmt::format("--connections: expected a positive budget, got {}", *o.connections);
  if (o.p1 <= 0 || o.p1 >= 0.5)
    return fmt::format("--p1: expected a firing rate in (0, 0.5), got {}", o.p1);
  if (o.n1 && (*o.n1 < 1 || *o.n1 > 1000000))
    return fmt::format("--n1: expected 1..10^6, got {}", *o.n1);
  if (o.code_width && (*o.code_width < 1 || *o.code_width > 1000000))
    return fmt::format("--code-width: expected 1..10^6, got {}", *o.code_width);
  if (o.s && *o.s < 1) return fmt::format("--s: expected a positive code activity, got {}", *o.s);
  if (o.code_layers < 1 || o.code_layers > 9)
    return fmt::format("--code-layers: expected 1..9, got {}", o.code_layers);
  if (o.rule != "cov" && o.rule != "hebb")
    return fmt::format("--rule: expected cov or hebb, got \"{}\"", o.rule);
  if (o.open < 1 || o.open > 64) return fmt::format("--open: expected 1..64, got {}", o.open);
  if (o.margin < 1) return fmt::format("--margin: expected ≥ 1 score unit, got {}", o.margin);
  if (o.weight_bits < 1 || o.weight_bits > 24)
    return fmt::format("--weight-bits: expected 1..24, got {}", o.weight_bits);
  if (o.lift != "auto" && o.lift != "none" && o.lift != "const")
    return fmt::format("--lift: expected auto, none or const, got \"{}\"", o.lift);
  if (o.min_activity && *o.min_activity < 0)
    return fmt::format("--min-activity: expected ≥ 0, got {}", *o.min_activity);
  for (const auto& a : o.activations)
    if (a != "step" && a != "relu")
      return fmt::format("--activations: expected step or relu, got \"{}\"", a);
  if (o.activations.size() > 1 && o.activations.size() != layers)
    return fmt::format("--activations: give 1 or {} activations (one per hidden layer), got {}",
                       layers, o.activations.size());
  return "";
}

}  // namespace

bool VershyninOptions::IsValid(std::string* why) const {
  *why = Problem(*this);
  return why->empty();
}

Construction VershyninConstruction() {
  Construction c;
  c.name = "vershynin";
  c.summary =
      "sparse random threshold/ReLU network: enrichment, sparse codes, packed perception "
      "neurons, OR";
  c.bound = "W ≥ C·N log⁵ N deep connections, any depth ≥ 3; measured ≈ 25–75 W/N";
  c.citation =
      "Vershynin, Memory capacity of neural networks with threshold and ReLU activations, "
      "SIAM J. Math. Data Sci. 2(4) 2020 (arXiv:2001.06938), main theorem";
  c.needs_classes = true;
  c.default_attempts = 5;
  return MakeConstruction<VershyninOptions>(std::move(c), BuildVershynin);
}

}  // namespace mnemo
