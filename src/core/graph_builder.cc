#include "mnemo/graph_builder.h"

#include <algorithm>
#include <functional>
#include <unordered_map>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/topological_sort.hpp>

#include "mnemo/error.h"

namespace mnemo {

Expr& Expr::operator+=(const Expr& o) {
  for (const auto& [node, c] : o.terms_) {
    Rational& t = terms_[node];
    t += c;
    if (t == 0) terms_.erase(node);
  }
  constant_ += o.constant_;
  return *this;
}

Expr& Expr::operator-=(const Expr& o) {
  for (const auto& [node, c] : o.terms_) {
    Rational& t = terms_[node];
    t -= c;
    if (t == 0) terms_.erase(node);
  }
  constant_ -= o.constant_;
  return *this;
}

Expr& Expr::operator*=(const Rational& a) {
  if (a == 0) {
    terms_.clear();
    constant_ = 0;
    return *this;
  }
  for (auto& [node, c] : terms_) c *= a;
  constant_ *= a;
  return *this;
}

struct GraphBuilder::Impl {
  struct NodeData {
    Activation::Kind act = Activation::kIdentity;
    Expr expr;
    int32_t min_layer = 0;
    bool is_input = false;
  };
  int32_t input_dim = 0;
  std::vector<NodeData> nodes;
  std::vector<Expr> outputs;

  bool NonNegative(Node n) const {
    const NodeData& d = nodes[n];
    return !d.is_input && (d.act == Activation::kRelu || d.act == Activation::kStep);
  }
  bool Binary(Node n) const { return !nodes[n].is_input && nodes[n].act == Activation::kStep; }
};

GraphBuilder::GraphBuilder(int32_t input_dim) : impl_(std::make_unique<Impl>()) {
  MNEMO_CHECK(input_dim > 0);
  impl_->input_dim = input_dim;
  impl_->nodes.resize(input_dim);
  for (auto& n : impl_->nodes) n.is_input = true;
}
GraphBuilder::~GraphBuilder() = default;
GraphBuilder::GraphBuilder(GraphBuilder&&) noexcept = default;
GraphBuilder& GraphBuilder::operator=(GraphBuilder&&) noexcept = default;

int32_t GraphBuilder::input_dim() const { return impl_->input_dim; }

Node GraphBuilder::Input(int32_t i) const {
  MNEMO_CHECK(i >= 0 && i < impl_->input_dim, "input {} of {}", i, impl_->input_dim);
  return i;
}

Node GraphBuilder::AddNeuron(Activation::Kind act, const Expr& expr, int32_t at_least_layer) {
  MNEMO_CHECK(act == Activation::kRelu || act == Activation::kStep || act == Activation::kIdentity,
              "GraphBuilder builds exact networks (relu, step, identity)");
  Node id = static_cast<Node>(impl_->nodes.size());
  for (const auto& [src, c] : expr.terms()) MNEMO_CHECK(src >= 0 && src < id, "unknown node {}", src);
  Impl::NodeData d;
  d.act = act;
  d.expr = expr;
  d.min_layer = at_least_layer;
  impl_->nodes.push_back(std::move(d));
  return id;
}

void GraphBuilder::AddOutput(const Expr& expr) {
  for (const auto& [src, c] : expr.terms())
    MNEMO_CHECK(src >= 0 && src < Node(impl_->nodes.size()), "unknown node {}", src);
  impl_->outputs.push_back(expr);
}

int64_t GraphBuilder::neurons() const { return int64_t(impl_->nodes.size()) - impl_->input_dim; }

namespace {

// Longest-path layers over a topological order of the DAG (Boost.Graph).
std::vector<int32_t> ComputeLayers(int32_t input_dim,
                                   const std::vector<std::pair<Node, Node>>& edges,
                                   const std::vector<int32_t>& min_layer, size_t count) {
  using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;
  Graph g(count);
  for (const auto& [a, b] : edges) boost::add_edge(a, b, g);
  std::vector<Graph::vertex_descriptor> order;
  order.reserve(count);
  boost::topological_sort(g, std::back_inserter(order));  // reverse topological order
  std::vector<int32_t> layer(count, 0);
  std::vector<std::vector<Node>> preds(count);
  for (const auto& [a, b] : edges) preds[b].push_back(a);
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    Node v = Node(*it);
    if (v < input_dim) continue;
    int32_t l = 1;
    for (Node p : preds[v]) l = std::max(l, layer[p] + 1);
    layer[v] = std::max(l, min_layer[v]);
  }
  return layer;
}

}  // namespace

int32_t GraphBuilder::LayerOf(Node node) const {
  // Cheap recomputation along creation order (creation order is topological).
  std::vector<int32_t> layer(impl_->nodes.size(), 0);
  for (Node v = impl_->input_dim; v <= node; ++v) {
    int32_t l = 1;
    for (const auto& [src, c] : impl_->nodes[v].expr.terms()) l = std::max(l, layer[src] + 1);
    layer[v] = std::max(l, impl_->nodes[v].min_layer);
  }
  return layer[node];
}

Network GraphBuilder::Compile(Activation::Kind output_activation) const {
  const Impl& g = *impl_;
  const size_t count = g.nodes.size();
  std::vector<std::pair<Node, Node>> edges;
  std::vector<int32_t> min_layer(count, 0);
  for (Node v = g.input_dim; v < Node(count); ++v) {
    min_layer[v] = g.nodes[v].min_layer;
    for (const auto& [src, c] : g.nodes[v].expr.terms()) edges.emplace_back(src, v);
  }
  std::vector<int32_t> layer = ComputeLayers(g.input_dim, edges, min_layer, count);
  int32_t depth_hidden = 0;
  for (Node v = g.input_dim; v < Node(count); ++v) depth_hidden = std::max(depth_hidden, layer[v]);
  const int32_t out_layer = depth_hidden + 1;

  // Activation of every hidden layer: the one kind of its neurons.
  std::vector<Activation::Kind> act(out_layer + 1, Activation::kRelu);
  std::vector<bool> set(out_layer + 1, false);
  for (Node v = g.input_dim; v < Node(count); ++v) {
    int32_t l = layer[v];
    if (set[l])
      MNEMO_CHECK(act[l] == g.nodes[v].act, "layer {} mixes activations {} and {}", l,
                  ToString(Activation{act[l], {}}), ToString(Activation{g.nodes[v].act, {}}));
    act[l] = g.nodes[v].act;
    set[l] = true;
  }
  act[out_layer] = output_activation;

  // Rows per layer: affine maps of the previous layer's outputs.
  struct Row {
    std::map<int32_t, Rational> w;
    Rational b = 0;
  };
  using Value = std::pair<std::map<int32_t, Rational>, Rational>;  // affine over a layer's outputs
  std::vector<std::vector<Row>> rows(out_layer + 1);
  std::vector<int32_t> index(count, -1);
  int64_t relays = 0;
  // Cache: (node, layer) → value of the node expressed over that layer's outputs.
  std::vector<std::unordered_map<int32_t, Value>> cache(count);

  auto add_row = [&](int32_t l, const Value& v, const Rational& scale, const Rational& shift) {
    Row r;
    for (const auto& [k, c] : v.first) r.w[k] = c * scale;
    r.b = v.second * scale + shift;
    rows[l].push_back(std::move(r));
    return int32_t(rows[l].size() - 1);
  };

  std::function<Value(Node, int32_t)> value_at = [&](Node u, int32_t l) -> Value {
    if (u < g.input_dim) {
      if (l == 0) return {{{u, Rational(1)}}, Rational(0)};
    } else if (l == layer[u]) {
      return {{{index[u], Rational(1)}}, Rational(0)};
    }
    auto it = cache[u].find(l);
    if (it != cache[u].end()) return it->second;
    MNEMO_CHECK(l > (u < g.input_dim ? 0 : layer[u]), "node {} is not available at layer {}", u, l);
    Value prev = value_at(u, l - 1);
    Value result;
    switch (act[l]) {
      case Activation::kIdentity:
        result = {{{add_row(l, prev, 1, 0), Rational(1)}}, Rational(0)};
        relays += 1;
        break;
      case Activation::kRelu:
        if (g.NonNegative(u)) {
          result = {{{add_row(l, prev, 1, 0), Rational(1)}}, Rational(0)};
          relays += 1;
        } else {
          int32_t p = add_row(l, prev, 1, 0);
          int32_t q = add_row(l, prev, -1, 0);
          result = {{{p, Rational(1)}, {q, Rational(-1)}}, Rational(0)};
          relays += 2;
        }
        break;
      case Activation::kStep:
        MNEMO_CHECK(g.Binary(u), "cannot relay the non-binary node {} through step layer {}", u, l);
        result = {{{add_row(l, prev, 1, Rational(-1, 2)), Rational(1)}}, Rational(0)};
        relays += 1;
        break;
      default:
        MNEMO_CHECK(false, "unsupported activation in layer {}", l);
    }
    cache[u][l] = result;
    return result;
  };

  auto row_of = [&](const Expr& e, int32_t l) {
    Row r;
    r.b = e.constant();
    for (const auto& [src, c] : e.terms()) {
      Value v = value_at(src, l - 1);
      for (const auto& [k, w] : v.first) {
        Rational& t = r.w[k];
        t += c * w;
      }
      r.b += c * v.second;
    }
    for (auto it = r.w.begin(); it != r.w.end();) it = it->second == 0 ? r.w.erase(it) : std::next(it);
    return r;
  };

  // Neurons in creation order (topological), so sources are placed first.
  std::vector<std::vector<Node>> by_layer(out_layer + 1);
  for (Node v = g.input_dim; v < Node(count); ++v) by_layer[layer[v]].push_back(v);
  for (int32_t l = 1; l <= depth_hidden; ++l) {
    for (Node v : by_layer[l]) {
      Row r = row_of(g.nodes[v].expr, l);
      rows[l].push_back(std::move(r));
      index[v] = int32_t(rows[l].size() - 1);
    }
  }
  for (const Expr& e : g.outputs) rows[out_layer].push_back(row_of(e, out_layer));
  MNEMO_CHECK(!g.outputs.empty(), "network has no outputs");

  Network net;
  int32_t prev = g.input_dim;
  for (int32_t l = 1; l <= out_layer; ++l) {
    std::vector<LayerEntry> entries;
    std::vector<Rational> bias;
    for (size_t j = 0; j < rows[l].size(); ++j) {
      for (const auto& [k, c] : rows[l][j].w) entries.push_back({int32_t(j), k, c});
      bias.push_back(rows[l][j].b);
    }
    net.layers.push_back(
        MakeLayer(prev, int32_t(rows[l].size()), entries, bias, Activation{act[l], {}}));
    prev = int32_t(rows[l].size());
  }
  net.relays = relays;
  return net;
}

}  // namespace mnemo
