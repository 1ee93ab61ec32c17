// bitextract emission: the network of a planned shape, laid out with the Assembler from the
// shared gadgets. Stage C (point location) leaves acc = P_g, the payload of the point's group;
// stage D peels it q bits per layer, matches each slot's key against t and gates its label.
// The rounds are placed explicitly (`at_least_layer`), so the layout is the one
// bitextract_plan.cc counts: registers that change are neurons (Carry materializes a sum in the
// next layer), registers that pass unchanged are the Assembler's relays.
#include <functional>

#include "constructions/bitextract.h"
#include "constructions/gadgets.h"
#include "mnemo/error.h"

namespace mnemo::internal {
namespace {

bool IsBareNode(const Form& f) {
  return f.terms().size() == 1 && f.terms()[0].second == 1 && f.constant() == 0 &&
         f.denominator() == 1;
}

class Emitter {
 public:
  Emitter(const BitextractKeys& keys, const std::vector<int64_t>& label, int64_t classes, int c,
          const BitextractConfig& k, int32_t d)
      : keys_(keys), label_(label), classes_(classes), c_(c), k_(k), a_(d) {}

  Network Run();

 private:
  void Groups();
  void Projection();
  void SuperBlocks();
  void RoundsExact();
  void RoundsThreeStage();
  void Decode();
  void DeltaGroups(int64_t groups);
  void DecodeDelta();
  Form PeelBit(std::vector<Form*> carried);
  void PeelChunk(int qq, Form* reg, std::vector<Form*> carried);
  void MatchAndGate(const Form& key, const Form& lab, bool more_slots);
  Form PipelinedExtras(int idx);

  // A register passed into `layer`: a sum becomes a neuron there, a bare node is relayed.
  Form Carry(const Form& f, int32_t layer) {
    if (f.terms().empty() || IsBareNode(f)) return f;
    return Form(a_.Relu(f, layer));
  }
  const Integer& Threshold(int64_t l, int64_t a, int64_t j) const {
    return thr_[a * per_ + 1 + l * wp_ + j];
  }
  Integer PayloadStep(int64_t l, int64_t a, int64_t j) const {
    const int64_t q = a * per_ + 1 + l * wp_ + j;
    return pay_[q] - pay_[q - 1];
  }
  Form Table(const std::function<Integer(int64_t)>& entry) const {
    std::vector<Integer> column(k_.a);
    for (int64_t a = 0; a < k_.a; ++a) column[a] = entry(a);
    return TableLookup(e_, column);
  }

  const BitextractKeys& keys_;
  const std::vector<int64_t>& label_;
  const int64_t classes_;
  const int c_;
  const BitextractConfig& k_;
  Assembler a_;
  int64_t wp_ = 0, per_ = 1, payload_bits_ = 0;
  std::vector<Integer> thr_, pay_;
  Integer big_m_;
  Form t_, line_, acc_;
  std::vector<Form> s_;  // super-block steps S_0 = 1, …, S_A = 0
  std::vector<Form> e_;  // one-hot super-block selector
  int32_t layer_ = 0;    // the next layer to fill
  // Decode state.
  Form x_, out_, pm_key_, pm_lab_, pg_lab_, pg_match_;
  int64_t pos_ = 0;
  bool has_pm_ = false, has_pg_ = false;
};

// Groups of n consecutive points by T; threshold = T of the group's first point, payload = the
// label (n = 1) or the n (key, label) slots, MSB first.
void Emitter::Groups() {
  const int64_t n_pts = int64_t(label_.size()), n = k_.n;
  wp_ = k_.lprime > 0 ? k_.wprime : 0;
  per_ = wp_ * k_.lprime + 1;
  const int64_t groups = k_.a * per_;
  if (k_.delta) return DeltaGroups(groups);
  payload_bits_ = n == 1 ? c_ : n * (keys_.rho + c_);
  thr_.assign(groups, keys_.t_max + 1);  // empty groups never fire
  pay_.assign(groups, 0);
  for (int64_t g = 0; g < groups; ++g) {
    const int64_t first = g * n;
    if (first < n_pts) thr_[g] = keys_.t[keys_.projection.order[first]];
    Integer p = 0;
    for (int64_t s = 0; s < n; ++s) {
      if (n > 1) p *= Pow2(keys_.rho + c_);
      if (first + s >= n_pts) continue;
      const int64_t i = keys_.projection.order[first + s];
      p += n == 1 ? Integer(static_cast<long>(label_[i]))
                  : keys_.Key(i) * Pow2(c_) + Integer(static_cast<long>(label_[i]));
    }
    pay_[g] = p;
  }
  big_m_ = Pow2(int(payload_bits_) + 1);
}

// Delta payloads: groups of ≤ n slots whose threshold differences fit f bits; fields MSB first:
// [δ_0 = y_0 + C][θ_0] (coarse: [θ_0][δ_0], so that P_g grows with g) then per slot s ≥ 1
// [δ_s = y_s − y_{s−1} + C][θ_s − θ_{s−1}]
// (c + 1 and ρ − z, then c + 1 and f bits; an empty slot: δ = C, difference 0). A slot is a
// point (θ: its key) or, coarse, a run of equal labels (θ: the key of its first point >> z).
void Emitter::DeltaGroups(int64_t groups) {
  const std::vector<int64_t>& order = keys_.projection.order;
  const DeltaGrouping grouping(keys_, k_.coarse ? &label_ : nullptr, c_, k_.z);
  const std::vector<int64_t> starts = grouping.Starts(k_.n, k_.f, k_.z);
  const std::vector<int64_t>& slot = grouping.SlotStarts();
  MNEMO_CHECK(int64_t(starts.size()) <= groups, "{} delta groups > {}", starts.size(), groups);
  const int cl = c_ + 1;
  payload_bits_ = cl + keys_.rho - k_.z + (k_.n - 1) * (cl + k_.f);
  thr_.assign(groups, keys_.t_max + 1);  // empty groups never fire
  pay_.assign(groups, 0);
  const Integer cc(static_cast<long>(classes_));
  auto point = [&](int64_t r) { return order[slot[r]]; };
  auto theta = [&](int64_t r) -> Integer { return keys_.Key(point(r)) >> k_.z; };
  for (size_t g = 0; g < starts.size(); ++g) {
    const int64_t first = starts[g];
    const int64_t end = g + 1 < starts.size() ? starts[g + 1] : int64_t(slot.size());
    thr_[g] = keys_.t[point(first)];
    const Integer y0 = Integer(static_cast<long>(label_[point(first)])) + cc;
    Integer p = k_.coarse ? theta(first) * Pow2(c_ + 1) + y0  // key first: P_g increases
                          : y0 * Pow2(keys_.rho - k_.z) + theta(first);
    for (int64_t s = 1; s < k_.n; ++s) {
      Integer delta = cc, diff = 0;
      if (first + s < end) {
        delta += Integer(static_cast<long>(label_[point(first + s)] - label_[point(first + s - 1)]));
        diff = theta(first + s) - theta(first + s - 1);
      }
      p = (p * Pow2(cl) + delta) * Pow2(k_.f) + diff;
    }
    pay_[g] = p;
  }
  big_m_ = Pow2(int(payload_bits_) + 1);
}

void Emitter::Projection() {
  const Form position = keys_.PositionForm();
  t_ = Form(a_.Relu(position, 1));
  line_ = k_.separate ? t_ : position;
  layer_ = k_.separate ? 2 : 1;
}

// Layer 1 (or 2): the super-block steps S_a = 1[t ≥ θ_{a·per}]; e_a = S_a − S_{a+1}; the base
// payload acc = Σ e_a·P_{a·per}.
void Emitter::SuperBlocks() {
  s_.assign(k_.a + 1, Form());
  s_[0] = Form::Constant(1);
  for (int64_t a = 1; a < k_.a; ++a) {
    const Form z = line_ - Rational(thr_[a * per_]);
    s_[a] = k_.float_safe ? SaturatingStep(a_, z, 1, layer_) : StepUp(a_, z, 1, layer_);
  }
  layer_ += k_.float_safe ? 2 : 1;
  e_.resize(k_.a);
  for (int64_t a = 0; a < k_.a; ++a) e_[a] = s_[a] - s_[a + 1];
  acc_ = Table([&](int64_t a) { return pay_[a * per_]; });
}

// Round l: the accumulator, W′ steps on t − Θ_l(e), the gates of round l − 1's steps. A gate
// adds s·Δ: one super-block makes Δ a constant and s·Δ linear (no neuron); else one neuron
// g = relu(2^B − Δ(e) − M(1 − s)) = (2^B − Δ)·s, and the accumulator neuron takes + 2^B·s,
// so acc + 2^B·s − g = acc + s·Δ with every neuron ≥ 0 (|Δ| < 2^B, M = 2^(B+1)).
void Emitter::RoundsExact() {
  const Integer half = Pow2(int(payload_bits_));
  std::vector<Form> steps;
  for (int64_t l = 0; l <= k_.lprime; ++l, ++layer_) {
    Form acc_in = acc_;  // + Δ·s (one super-block) or + 2^B·s, in this layer's neuron
    for (int64_t j = 0; l >= 1 && j < wp_; ++j)
      acc_in += (k_.a == 1 ? PayloadStep(l - 1, 0, j) : half) * steps[j];
    const Form acc = Form(a_.Relu(acc_in, layer_));
    std::vector<Form> e_now = e_;
    if (l == 0 && k_.lprime >= 1 && k_.a > 1)  // (one super-block: e_0 = 1, tables are biases)
      for (Form& e : e_) e = Form(a_.Relu(e, layer_));
    Form gates;
    std::vector<Form> next;
    std::swap(e_now, e_);  // tables read the previous layer's e
    for (int64_t j = 0; l < k_.lprime && j < wp_; ++j)
      next.push_back(StepUp(a_, t_ - Table([&](int64_t a) { return Threshold(l, a, j); }), 1,
                            layer_));
    for (int64_t j = 0; k_.a > 1 && l >= 1 && j < wp_; ++j) {
      const Form dv = Table([&](int64_t a) { return PayloadStep(l - 1, a, j); });
      gates -= GateNonNegative(a_, Form::Constant(Rational(half)) - dv, steps[j], big_m_, layer_);
    }
    std::swap(e_now, e_);
    acc_ = acc + gates;
    steps = std::move(next);
  }
}

// Three-stage rounds: the ramp a = relu(t − Θ_l(e) + 1) in round l (one threshold table per
// step), r = relu(1 − a) in round l + 1, so the step is s = 1 − r (exact: t and Θ are
// integers), the gate of s in round l + 2. Float-safe: the two-neuron gate relu(±Δ − M·r).
// Else (the coarse decoder's networks): the one-neuron gate of RoundsExact,
// relu(2^B − Δ(e) − M·r) = (2^B − Δ)·s with + 2^B·s in the accumulator (one super-block: Δ·s
// is linear) — one round layer more than RoundsExact and A + 1 fewer weights per step.
void Emitter::RoundsThreeStage() {
  const bool one_neuron = !k_.float_safe;
  // Payloads that never decrease at a step that can fire (coarse: key first) need no 2^B
  // offset: the gate is relu(Δ(e) − M·r) = Δ·s directly, Δ shorter than 2^B − Δ by the key
  // bits the groups share.
  bool monotone = one_neuron;
  for (size_t q = 1; monotone && q < pay_.size(); ++q)
    if (q % per_ != 0 && thr_[q] <= keys_.t_max && pay_[q] < pay_[q - 1]) monotone = false;
  const Integer half = monotone ? Integer(0) : Pow2(int(payload_bits_));
  const int64_t rounds = k_.lprime > 0 ? k_.lprime + 2 : 1;
  std::vector<Node> ramps, rests;
  for (int64_t l = 0; l < rounds; ++l, ++layer_) {
    Form acc_in = acc_;
    for (int64_t j = 0; one_neuron && (k_.a == 1 || !monotone) && j < int64_t(rests.size()); ++j)
      acc_in += (k_.a == 1 ? PayloadStep(l - 2, 0, j) : half) * (Form::Constant(1) - Form(rests[j]));
    const Form acc = Form(a_.Relu(acc_in, layer_));
    std::vector<Form> e_now = e_;
    if (l == 0 && k_.lprime >= 1 && k_.a > 1)  // (one super-block: e_0 = 1, tables are biases)
      for (Form& e : e_) e = Form(a_.Relu(e, layer_));
    std::swap(e_now, e_);  // tables read the previous layer's e
    std::vector<Node> next_ramps, next_rests;
    for (int64_t j = 0; l < k_.lprime && j < wp_; ++j)
      next_ramps.push_back(
          a_.Relu(t_ - Table([&](int64_t a) { return Threshold(l, a, j); }) + Rational(1), layer_));
    for (Node ramp : ramps) next_rests.push_back(a_.Relu(Form::Constant(1) - Form(ramp), layer_));
    Form gates;
    for (int64_t j = 0; (!one_neuron || k_.a > 1) && j < int64_t(rests.size()); ++j) {
      const Form dv = Table([&](int64_t a) { return PayloadStep(l - 2, a, j); });
      const Form s = Form::Constant(1) - Form(rests[j]);
      if (monotone)
        gates += GateNonNegative(a_, dv, s, big_m_, layer_);
      else if (one_neuron)
        gates -= GateNonNegative(a_, Form::Constant(Rational(half)) - dv, s, big_m_, layer_);
      else
        gates += Gate(a_, dv, s, big_m_, layer_);
    }
    std::swap(e_now, e_);
    acc_ = acc + gates;
    ramps = std::move(next_ramps);
    rests = std::move(next_rests);
  }
}

// One chunk of qq bits peeled off x (MSB first) into *reg; the other registers are carried.
void Emitter::PeelChunk(int qq, Form* reg, std::vector<Form*> carried) {
  const Integer base = Pow2(int(pos_ - qq));
  const bool two = k_.float_safe && TwoLayerPeelNeeded(pos_, qq, k_.cap);
  const Form digit = two ? PeelDigitTwoLayer(a_, x_, qq, base, layer_)
                         : PeelDigit(a_, x_, qq, base, layer_);
  const Form x_kept = pos_ - qq > 0 ? Form(a_.Relu(x_, layer_)) : Form();
  for (Form* r : carried) *r = Carry(*r, layer_);
  const Form reg_kept = Carry(*reg, layer_);
  layer_ += two ? 2 : 1;
  x_ = x_kept - Rational(base) * digit;
  *reg = Rational(Pow2(qq)) * reg_kept + digit;
  pos_ -= qq;
}

// Non-pipelined: the key window on t − 2^m·key (then the label gate); x and t stay live.
void Emitter::MatchAndGate(const Form& key, const Form& lab, bool more_slots) {
  const Integer w = Pow2(keys_.m);
  const Form z = t_ - Rational(w) * key;
  const Form match = k_.float_safe ? SaturatingWindow(a_, z, w, layer_) : Window(a_, z, w, layer_);
  const Form lab_kept = Carry(lab, layer_);
  out_ = Carry(out_, layer_);
  if (more_slots) x_ = Carry(x_, layer_);
  layer_ += k_.float_safe ? 2 : 1;
  const Rational cc(Integer(static_cast<long>(classes_)));
  const Form gate = GateNonNegative(a_, lab_kept, match, cc, layer_);
  out_ = Carry(out_, layer_) + gate;
  if (more_slots) x_ = Carry(x_, layer_);
  ++layer_;
}

// Pipelined: the previous slot's match rides in chunk 0 of this slot, its gate in chunk 1;
// returns the gate to add to out after the chunk's carries.
Form Emitter::PipelinedExtras(int idx) {
  if (has_pm_ && idx == 0) {
    const Integer w = Pow2(keys_.m);
    pg_match_ = Window(a_, t_ - Rational(w) * pm_key_, w, layer_);
    pg_lab_ = Carry(pm_lab_, layer_);
    has_pm_ = false;
    has_pg_ = true;
  } else if (has_pg_ && idx == 1) {
    has_pg_ = false;
    const Rational cc(Integer(static_cast<long>(classes_)));
    return GateNonNegative(a_, pg_lab_, pg_match_, cc, layer_);
  }
  return Form();
}

void Emitter::Decode() {
  x_ = acc_;
  pos_ = payload_bits_;
  const std::vector<int> key_chunks = Chunks(keys_.rho, k_.q), lab_chunks = Chunks(c_, k_.q);
  for (int64_t s = 0; s < k_.n; ++s) {
    Form key, lab;
    int idx = 0;
    for (int qq : key_chunks) {
      const Form gate = k_.pipeline ? PipelinedExtras(idx) : Form();
      PeelChunk(qq, &key, {&out_});
      out_ += gate;
      ++idx;
    }
    for (int qq : lab_chunks) {
      const Form gate = k_.pipeline ? PipelinedExtras(idx) : Form();
      PeelChunk(qq, &lab, {&out_, &key});
      out_ += gate;
      ++idx;
    }
    if (k_.pipeline) {
      has_pm_ = true;
      pm_key_ = key;
      pm_lab_ = lab;
    } else {
      MatchAndGate(key, lab, s + 1 < k_.n);
    }
  }
  if (k_.pipeline) {
    PipelinedExtras(0);
    out_ = Carry(out_, layer_);
    ++layer_;
    const Form gate = PipelinedExtras(1);
    out_ = Carry(out_, layer_) + gate;
    ++layer_;
  }
  MNEMO_CHECK(pos_ == 0, "decode left {} payload bits", pos_);
  acc_ = out_;
}

// One payload bit off x (MSB first), the registers carried into this layer; the bit's value.
Form Emitter::PeelBit(std::vector<Form*> carried) {
  const Integer base = Pow2(int(pos_ - 1));
  const Form digit = PeelDigit(a_, x_, 1, base, layer_);
  const Form x_kept = pos_ - 1 > 0 ? Form(a_.Relu(x_, layer_)) : Form();
  for (Form* r : carried) *r = Carry(*r, layer_);
  ++layer_;
  x_ = x_kept - Rational(base) * digit;
  --pos_;
  return digit;
}

// Delta decoder: w = relu(t + 1 − 2^(m+z)·θ_s) is kept by subtracting each key bit as it is peeled
// (relu(relu(a) − b) = relu(a − b) for b ≥ 0, so w clamps at 0 once t < 2^(m+z)·θ_s and stays
// there); step_s = 1[t ≥ 2^(m+z)·θ_s] = w − relu(w − 1), and out += step_s·(δ_s − C) through one
// gate neuron and the out neuron relu(out + C − C·step) (out is a label ≥ 1 throughout).
void Emitter::DecodeDelta() {
  x_ = acc_;
  pos_ = payload_bits_;
  const Integer unit = Pow2(keys_.m + k_.z);  // threshold θ at position 2^(m+z)·θ
  const Rational cc(Integer(static_cast<long>(classes_)));
  Form w = t_ + Rational(1), out, lab;
  auto label_field = [&] {
    lab = Form();
    for (int i = 0; i <= c_; ++i) {
      const Form d = PeelBit({&w, &out, &lab});
      lab = Rational(2) * lab + d;
    }
  };
  auto key_field = [&](int bits) {
    for (int j = bits - 1; j >= 0; --j) {
      const Form d = PeelBit({&w, &out, &lab});
      w = w - Rational(unit * Pow2(j)) * d;
    }
  };
  if (k_.coarse) key_field(keys_.rho - k_.z);  // key first: payloads increase with the group
  label_field();
  out = lab - cc;  // slot 0 always passes: out = y_0
  lab = Form();
  if (!k_.coarse) key_field(keys_.rho - k_.z);
  for (int64_t s = 1; s < k_.n; ++s) {
    label_field();
    key_field(k_.f);
    const Node v = a_.Relu(w - Rational(1), layer_);
    w = Carry(w, layer_);
    lab = Carry(lab, layer_);
    out = Carry(out, layer_);
    if (pos_ > 0) x_ = Carry(x_, layer_);
    ++layer_;
    const Form step = w - Form(v);
    const Form gate = GateNonNegative(a_, lab, step, Rational(2) * cc, layer_);
    const Form out_kept = Form(a_.Relu(out + cc - cc * step, layer_));
    if (pos_ > 0) x_ = Carry(x_, layer_);
    ++layer_;
    out = out_kept + gate - cc;
  }
  MNEMO_CHECK(pos_ == 0, "decode left {} payload bits", pos_);
  acc_ = out;
}

Network Emitter::Run() {
  Groups();
  if (IsSinglePoint(k_)) {
    a_.Output(Form(a_.Relu(Form::Constant(Rational(pay_[0])), 1)) - Rational(1));
  } else {
    Projection();
    SuperBlocks();
    if (k_.float_safe || k_.coarse) RoundsThreeStage();
    else RoundsExact();
    if (k_.n > 1 && k_.delta) DecodeDelta();
    else if (k_.n > 1) Decode();
    a_.Output(acc_ - Rational(1));
  }
  Network net = a_.Compile(Activation::kIdentity);
  net.output = OutputKind::kValue;
  return net;
}

}  // namespace

Network EmitBitextract(const BitextractKeys& keys, const std::vector<int64_t>& label,
                       int64_t classes, int c, const BitextractConfig& config, int32_t d) {
  return Emitter(keys, label, classes, c, config, d).Run();
}

}  // namespace mnemo::internal
