#include "mnemo/assembler.h"

#include <algorithm>

#include "mnemo/error.h"

namespace mnemo {

// ---------------------------------------------------------------- Form

Form::Form(Node node) { terms_.emplace_back(node, Integer(1)); }

Form Form::Constant(const Rational& c) {
  Form f;
  f.constant_ = c.get_num();
  f.den_ = c.get_den();
  return f;
}

Form& Form::AddTerm(Node node, const Integer& coef) {
  if (sgn(coef) == 0) return *this;
  terms_.emplace_back(node, coef);
  normalized_ = false;
  return *this;
}

void Form::Rescale(const Integer& new_den) {
  if (new_den == den_) return;
  Integer k = new_den / den_;
  for (auto& [node, c] : terms_) c *= k;
  constant_ *= k;
  den_ = new_den;
}

Form& Form::AddScaled(const Form& other, const Rational& scale) {
  if (sgn(scale) == 0) return *this;
  if (&other == this) return AddScaled(Form(other), scale);
  // other·scale = (Σ b_k·node + b_0)·p / (den_o·q); bring both to a common denominator.
  Integer other_den = other.den_ * scale.get_den();
  Integer common;
  mpz_lcm(common.get_mpz_t(), den_.get_mpz_t(), other_den.get_mpz_t());
  Rescale(common);
  Integer k = (common / other_den) * scale.get_num();
  for (const auto& [node, c] : other.terms_) {
    Integer v = c * k;
    terms_.emplace_back(node, std::move(v));
  }
  if (!other.terms_.empty()) normalized_ = false;
  constant_ += other.constant_ * k;
  return *this;
}

Form& Form::operator*=(const Rational& a) {
  if (sgn(a) == 0) {
    terms_.clear();
    normalized_ = true;
    constant_ = 0;
    den_ = 1;
    return *this;
  }
  for (auto& [node, c] : terms_) c *= a.get_num();
  constant_ *= a.get_num();
  den_ *= a.get_den();
  return *this;
}

Form& Form::operator+=(const Rational& c) {
  Integer common;
  mpz_lcm(common.get_mpz_t(), den_.get_mpz_t(), c.get_den_mpz_t());
  Rescale(common);
  constant_ += c.get_num() * (common / c.get_den());
  return *this;
}

void Form::Normalize() const {
  if (normalized_) return;
  std::stable_sort(terms_.begin(), terms_.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  size_t out = 0;
  for (size_t i = 0; i < terms_.size();) {
    Node node = terms_[i].first;
    Integer sum = std::move(terms_[i].second);
    for (++i; i < terms_.size() && terms_[i].first == node; ++i) sum += terms_[i].second;
    if (sgn(sum) != 0) terms_[out++] = {node, std::move(sum)};
  }
  terms_.resize(out);
  normalized_ = true;
}

const std::vector<std::pair<Node, Integer>>& Form::terms() const {
  Normalize();
  return terms_;
}

Rational Form::Coefficient(Node node) const {
  for (const auto& [n, c] : terms())
    if (n == node) {
      Rational r(c, den_);
      r.canonicalize();
      return r;
    }
  return 0;
}

Rational Form::ConstantValue() const {
  Rational r(constant_, den_);
  r.canonicalize();
  return r;
}

Rational Form::Evaluate(const std::vector<Rational>& value) const {
  Rational acc = constant_;
  for (const auto& [n, c] : terms()) {
    MNEMO_CHECK(n >= 0 && size_t(n) < value.size(), "node {} has no value", n);
    acc += c * value[n];
  }
  acc /= den_;
  return acc;
}

// ---------------------------------------------------------------- Assembler

namespace {

struct NodeData {
  Activation::Kind act = Activation::kIdentity;
  int32_t layer = 0;
  bool relay = false;  // marked by the construction (MarkRelay)
  Form form;
};

// A node's value as seen in one layer: up to two columns with coefficient ±1.
struct Value {
  int32_t col[2] = {-1, -1};
  int8_t sign[2] = {0, 0};
  int count = 0;
};

// One row of a layer being written: numerators over `den`.
struct Row {
  std::vector<std::pair<int32_t, Integer>> w;
  Integer bias = 0;
  Integer den = 1;
};

const char* Name(Activation::Kind k) {
  switch (k) {
    case Activation::kIdentity:
      return "identity";
    case Activation::kRelu:
      return "relu";
    case Activation::kStep:
      return "step";
    default:
      return "smooth";
  }
}

}  // namespace

struct Assembler::Impl {
  int32_t input_dim = 0;
  std::vector<NodeData> nodes;  // inputs first
  std::vector<Form> outputs;
  int32_t depth_hidden = 0;
  std::vector<Activation::Kind> act;  // per layer (index 0 unused)
  std::vector<bool> act_set;

  bool IsInput(Node n) const { return n < input_dim; }
  void SetActivation(int32_t layer, Activation::Kind k);

  // Compilation state.
  std::vector<std::vector<Row>> rows;     // per layer
  std::vector<int32_t> index;             // node → row in its layer
  std::vector<std::vector<Value>> relay;  // node → its value in layers layer+1, layer+2, ...
  int64_t relays = 0;

  Value ValueAt(Node u, int32_t l);
  Value RelayInto(Node u, int32_t l, const Value& prev);
  Row RowOf(Form&& f, int32_t l);
  Layer WriteLayer(int32_t l, int32_t inputs, Activation::Kind kind);
};

void Assembler::Impl::SetActivation(int32_t layer, Activation::Kind k) {
  if (int32_t(act.size()) <= layer) {
    act.resize(layer + 1, Activation::kRelu);
    act_set.resize(layer + 1, false);
  }
  if (act_set[layer])
    MNEMO_CHECK(act[layer] == k, "layer {} mixes {} and {} neurons", layer, Name(act[layer]),
                Name(k));
  act[layer] = k;
  act_set[layer] = true;
}

Assembler::Assembler(int32_t input_dim) : impl_(std::make_unique<Impl>()) {
  MNEMO_CHECK(input_dim > 0, "a network needs at least one input");
  impl_->input_dim = input_dim;
  impl_->nodes.resize(input_dim);
}
Assembler::~Assembler() = default;
Assembler::Assembler(Assembler&&) noexcept = default;
Assembler& Assembler::operator=(Assembler&&) noexcept = default;

int32_t Assembler::input_dim() const { return impl_->input_dim; }

Node Assembler::Input(int32_t i) const {
  MNEMO_CHECK(i >= 0 && i < impl_->input_dim, "input {} of {}", i, impl_->input_dim);
  return i;
}

Node Assembler::Add(Activation::Kind act, Form form, int32_t at_least_layer) {
  Impl& g = *impl_;
  const Node id = Node(g.nodes.size());
  int32_t layer = std::max(1, at_least_layer);
  for (const auto& [src, c] : form.terms()) {
    MNEMO_CHECK(src >= 0 && src < id, "unknown node {}", src);
    layer = std::max(layer, g.nodes[src].layer + 1);
  }
  g.SetActivation(layer, act);
  g.nodes.push_back({act, layer, false, std::move(form)});
  g.depth_hidden = std::max(g.depth_hidden, layer);
  return id;
}

Node Assembler::Relu(Form form, int32_t at_least_layer) {
  return Add(Activation::kRelu, std::move(form), at_least_layer);
}
Node Assembler::Step(Form form, int32_t at_least_layer) {
  return Add(Activation::kStep, std::move(form), at_least_layer);
}
Node Assembler::Linear(Form form, int32_t at_least_layer) {
  return Add(Activation::kIdentity, std::move(form), at_least_layer);
}

void Assembler::Output(Form form) {
  for (const auto& [src, c] : form.terms())
    MNEMO_CHECK(src >= 0 && src < Node(impl_->nodes.size()), "unknown node {}", src);
  impl_->outputs.push_back(std::move(form));
}

void Assembler::MarkRelay(Node node) {
  MNEMO_CHECK(node >= impl_->input_dim && node < Node(impl_->nodes.size()),
              "only a neuron can be a relay (node {})", node);
  impl_->nodes[node].relay = true;
}

int64_t Assembler::neurons() const { return int64_t(impl_->nodes.size()) - impl_->input_dim; }

int32_t Assembler::LayerOf(Node node) const {
  MNEMO_CHECK(node >= 0 && node < Node(impl_->nodes.size()), "unknown node {}", node);
  return impl_->nodes[node].layer;
}

int32_t Assembler::depth_hidden() const { return impl_->depth_hidden; }

// The relay of u into layer l, given its value `prev` in layer l − 1.
Value Assembler::Impl::RelayInto(Node u, int32_t l, const Value& prev) {
  const Activation::Kind node_act = IsInput(u) ? Activation::kIdentity : nodes[u].act;
  const bool nonneg = node_act == Activation::kRelu || node_act == Activation::kStep;
  // A row sign·unit·prev + bias over den.
  auto add_row = [&](int sign, long unit, long bias, long den) {
    Row r;
    for (int k = 0; k < prev.count; ++k)
      r.w.emplace_back(prev.col[k], Integer(sign * prev.sign[k] * unit));
    r.bias = bias;
    r.den = den;
    rows[l].push_back(std::move(r));
    ++relays;
    return int32_t(rows[l].size() - 1);
  };
  Value v;
  switch (act[l]) {
    case Activation::kIdentity:
      v = {{add_row(1, 1, 0, 1), -1}, {1, 0}, 1};
      break;
    case Activation::kRelu:
      if (nonneg) {
        v = {{add_row(1, 1, 0, 1), -1}, {1, 0}, 1};
      } else {
        int32_t p = add_row(1, 1, 0, 1);
        int32_t q = add_row(-1, 1, 0, 1);
        v = {{p, q}, {1, -1}, 2};
      }
      break;
    case Activation::kStep:
      MNEMO_CHECK(node_act == Activation::kStep,
                  "cannot relay the {} value of node {} through step layer {}", Name(node_act), u,
                  l);
      v = {{add_row(1, 2, -1, 2), -1}, {1, 0}, 1};  // step(x − ½)
      break;
    default:
      MNEMO_CHECK(false, "layer {} has no exact activation", l);
  }
  return v;
}

Value Assembler::Impl::ValueAt(Node u, int32_t l) {
  const int32_t home = IsInput(u) ? 0 : nodes[u].layer;
  MNEMO_CHECK(l >= home, "node {} (layer {}) is used in layer {}", u, home, l + 1);
  if (l == home) {
    Value v;
    v.col[0] = IsInput(u) ? u : index[u];
    v.sign[0] = 1;
    v.count = 1;
    return v;
  }
  std::vector<Value>& chain = relay[u];
  while (int32_t(chain.size()) < l - home) {
    const int32_t next = home + int32_t(chain.size()) + 1;
    Value prev = chain.empty() ? ValueAt(u, home) : chain.back();
    chain.push_back(RelayInto(u, next, prev));
  }
  return chain[l - home - 1];
}

// The row of form f (consumed: its numerators move into the row) read in layer l.
Row Assembler::Impl::RowOf(Form&& f, int32_t l) {
  f.Normalize();
  Row r;
  r.w.reserve(f.terms_.size());
  bool sorted = true;
  for (auto& [src, c] : f.terms_) {
    const Value v = ValueAt(src, l - 1);
    for (int k = 0; k < v.count; ++k) {
      sorted = sorted && (r.w.empty() || r.w.back().first < v.col[k]);
      if (v.sign[k] < 0)
        r.w.emplace_back(v.col[k], Integer(-c));
      else if (k + 1 < v.count)
        r.w.emplace_back(v.col[k], c);
      else
        r.w.emplace_back(v.col[k], std::move(c));
    }
  }
  if (!sorted)
    std::sort(r.w.begin(), r.w.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
  r.bias = std::move(f.constant_);
  r.den = std::move(f.den_);
  f = Form();
  return r;
}

namespace {

// The power of two 2^k that minimizes Σ_i |e_i + k| over the 2-adic exponents e_i of a step
// row's nonzero values (numerators over den), i.e. the weights' fixed-point bits, clamped so that
// no |e_i + k| exceeds max_i |e_i|: the row's largest weight never gets more bits.
int StepRowShift(const Row& r) {
  const int e_den = int(mpz_scan1(r.den.get_mpz_t(), 0));
  std::vector<int> e;
  e.reserve(r.w.size() + 1);
  for (const auto& [col, w] : r.w) e.push_back(int(mpz_scan1(w.get_mpz_t(), 0)) - e_den);
  if (sgn(r.bias) != 0) e.push_back(int(mpz_scan1(r.bias.get_mpz_t(), 0)) - e_den);
  if (e.empty()) return 0;
  std::sort(e.begin(), e.end());
  const int m = std::max(-e.front(), e.back());
  return std::clamp(-e[(e.size() - 1) / 2], -m - e.front(), m - e.back());
}

// Scales a step row by 2^k (the function step(·) is unchanged).
void ScaleStepRow(Row* r) {
  const int k = StepRowShift(*r);
  if (k > 0) {
    for (auto& [col, w] : r->w) mpz_mul_2exp(w.get_mpz_t(), w.get_mpz_t(), k);
    mpz_mul_2exp(r->bias.get_mpz_t(), r->bias.get_mpz_t(), k);
  } else if (k < 0) {
    mpz_mul_2exp(r->den.get_mpz_t(), r->den.get_mpz_t(), -k);
  }
}

// Divides the row's numerators and denominator by their gcd. A power-of-two denominator (the
// common case) needs only the numerators' 2-adic valuations.
void ReduceRow(Row* r) {
  const int e_den = ExactLog2(r->den);
  if (e_den == 0) return;
  if (e_den > 0) {
    size_t t = size_t(e_den);
    for (const auto& [col, w] : r->w) t = std::min<size_t>(t, mpz_scan1(w.get_mpz_t(), 0));
    if (sgn(r->bias) != 0) t = std::min<size_t>(t, mpz_scan1(r->bias.get_mpz_t(), 0));
    if (t == 0) return;
    for (auto& [col, w] : r->w) mpz_tdiv_q_2exp(w.get_mpz_t(), w.get_mpz_t(), t);
    mpz_tdiv_q_2exp(r->bias.get_mpz_t(), r->bias.get_mpz_t(), t);
    mpz_tdiv_q_2exp(r->den.get_mpz_t(), r->den.get_mpz_t(), t);
    return;
  }
  Integer g = r->den;
  for (const auto& [col, w] : r->w) {
    if (g == 1) return;
    mpz_gcd(g.get_mpz_t(), g.get_mpz_t(), w.get_mpz_t());
  }
  mpz_gcd(g.get_mpz_t(), g.get_mpz_t(), r->bias.get_mpz_t());
  if (g == 1) return;
  for (auto& [col, w] : r->w) mpz_divexact(w.get_mpz_t(), w.get_mpz_t(), g.get_mpz_t());
  mpz_divexact(r->bias.get_mpz_t(), r->bias.get_mpz_t(), g.get_mpz_t());
  mpz_divexact(r->den.get_mpz_t(), r->den.get_mpz_t(), g.get_mpz_t());
}

}  // namespace

// Writes layer l: one denominator, the lcm of the rows' reduced denominators.
Layer Assembler::Impl::WriteLayer(int32_t l, int32_t inputs, Activation::Kind kind) {
  std::vector<Row>& rs = rows[l];
  Integer den = 1;
  for (Row& r : rs) {
    if (kind == Activation::kStep) ScaleStepRow(&r);
    ReduceRow(&r);
    mpz_lcm(den.get_mpz_t(), den.get_mpz_t(), r.den.get_mpz_t());
  }
  Layer layer;
  layer.inputs = inputs;
  layer.outputs = int32_t(rs.size());
  layer.activation.kind = kind;
  layer.denominator = den;
  size_t nonzeros = 0;
  for (const Row& r : rs) nonzeros += r.w.size();
  layer.row_ptr.reserve(rs.size() + 1);
  layer.col.reserve(nonzeros);  // exact sizes: no growth slack in the largest vectors
  layer.weight.reserve(nonzeros);
  layer.bias.reserve(rs.size());
  layer.row_ptr.push_back(0);
  for (Row& r : rs) {
    Integer lift = den / r.den;
    for (auto& [col, w] : r.w) {
      if (lift != 1) w *= lift;
      layer.col.push_back(col);
      layer.weight.push_back(std::move(w));
    }
    if (lift != 1) r.bias *= lift;
    layer.bias.push_back(std::move(r.bias));
    layer.row_ptr.push_back(int64_t(layer.col.size()));
  }
  rs.clear();
  rs.shrink_to_fit();
  return layer;
}

Network Assembler::Compile(Activation::Kind output) {
  Impl& g = *impl_;
  MNEMO_CHECK(!g.outputs.empty(), "network has no outputs");
  const int32_t out_layer = g.depth_hidden + 1;
  g.act.resize(out_layer + 1, Activation::kRelu);
  g.act_set.resize(out_layer + 1, false);
  g.act[out_layer] = output;
  g.rows.assign(out_layer + 1, {});
  g.index.assign(g.nodes.size(), -1);
  g.relay.assign(g.nodes.size(), {});
  std::vector<std::vector<Node>> by_layer(out_layer + 1);
  for (Node v = g.input_dim; v < Node(g.nodes.size()); ++v) by_layer[g.nodes[v].layer].push_back(v);
  for (int32_t l = 1; l < out_layer; ++l) {
    for (Node v : by_layer[l]) {
      g.rows[l].push_back(g.RowOf(std::move(g.nodes[v].form), l));
      g.index[v] = int32_t(g.rows[l].size() - 1);
    }
  }
  for (Form& f : g.outputs) g.rows[out_layer].push_back(g.RowOf(std::move(f), out_layer));
  Network net;
  int32_t prev = g.input_dim;
  for (int32_t l = 1; l <= out_layer; ++l) {
    const int32_t outputs = int32_t(g.rows[l].size());
    net.layers.push_back(g.WriteLayer(l, prev, g.act[l]));
    prev = outputs;
  }
  net.relays = g.relays;
  for (Node v = g.input_dim; v < Node(g.nodes.size()); ++v) net.relays += g.nodes[v].relay;
  *impl_ = Impl{};
  return net;
}

}  // namespace mnemo
