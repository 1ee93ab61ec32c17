#include "mnemo/network.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "mnemo/error.h"

namespace mnemo {
namespace {

const std::map<std::string, Activation::Kind>& Names() {
  static const std::map<std::string, Activation::Kind> names = {
      {"identity", Activation::kIdentity}, {"relu", Activation::kRelu},
      {"step", Activation::kStep},         {"sigmoid", Activation::kSigmoid},
      {"tanh", Activation::kTanh},         {"softplus", Activation::kSoftplus},
      {"gelu", Activation::kGelu},         {"silu", Activation::kSilu},
      {"erf", Activation::kErf},           {"sin", Activation::kSin},
      {"exp", Activation::kExp}};
  return names;
}

// FixedPointBits of numerator / denominator (nonzero) with k = ExactLog2(denominator). Over
// 2^k (k ≥ 0) it reduces to (w / 2^t) / 2^(k − t), t = min(k, trailing zero bits of w): that
// is bitlen|w| − t + (k − t + 1) − 1 bits, counted without a rational and its gcd.
int64_t WeightBits(const Integer& numerator, const Integer& denominator, int k) {
  if (k < 0) {
    Rational r(numerator, denominator);
    r.canonicalize();
    return FixedPointBits(r);
  }
  const int64_t t = std::min<int64_t>(k, int64_t(mpz_scan1(numerator.get_mpz_t(), 0)));
  return BitLength(numerator) + k - 2 * t;
}

}  // namespace

double Activation::Apply(double z) const {
  switch (kind) {
    case kIdentity: return z;
    case kRelu: return z > 0 ? z : 0.0;
    case kStep: return z >= 0 ? 1.0 : 0.0;
    case kSigmoid: return 1.0 / (1.0 + std::exp(-z));
    case kTanh: return std::tanh(z);
    case kSoftplus: return z > 30 ? z + std::log1p(std::exp(-z)) : std::log1p(std::exp(z));
    case kGelu: return 0.5 * z * (1.0 + std::erf(z / std::sqrt(2.0)));
    case kSilu: return z / (1.0 + std::exp(-z));
    case kErf: return std::erf(z);
    case kSin: return std::sin(z);
    case kExp: return std::exp(z);
    case kPoly: {
      double acc = 0;
      for (size_t k = poly.size(); k-- > 0;) acc = acc * z + ToDouble(poly[k]);
      return acc;
    }
  }
  return 0;
}

std::string ToString(const Activation& a) {
  if (a.kind == Activation::kPoly) {
    size_t k = a.poly.size() - 1;
    bool monomial = a.poly.size() >= 2 && a.poly[k] == 1;
    for (size_t i = 0; i < k && monomial; ++i) monomial = a.poly[i] == 0;
    if (monomial) return fmt::format("poly:{}", k);
    std::string s = "poly:";
    for (size_t i = 0; i < a.poly.size(); ++i) s += (i ? "," : "") + ToString(a.poly[i]);
    if (a.poly.size() == 1) s += ",0";
    return s;
  }
  for (const auto& [name, kind] : Names())
    if (kind == a.kind) return name;
  return "?";
}

Activation ParseActivation(const std::string& name) {
  Activation a;
  if (name.rfind("poly:", 0) == 0) {
    a.kind = Activation::kPoly;
    std::string rest = name.substr(5);
    std::vector<std::string> parts;
    size_t start = 0;
    while (true) {
      size_t comma = rest.find(',', start);
      parts.push_back(rest.substr(start, comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    std::string where = fmt::format("activation \"{}\"", name);
    if (parts.size() == 1) {
      Integer k = ParseInteger(parts[0], where);
      if (k < 0 || k > 64) Fail("{}: degree must be in 0..64", where);
      a.poly.assign(k.get_ui() + 1, Rational(0));
      a.poly.back() = 1;
    } else {
      for (const auto& p : parts) a.poly.push_back(ParseRational(p, where));
    }
    return a;
  }
  auto it = Names().find(name);
  if (it == Names().end()) {
    std::string known;
    for (const auto& [n, k] : Names()) known += n + ", ";
    Fail("unknown activation \"{}\" (known: {}poly:k, poly:c0,c1,..)", name, known);
  }
  a.kind = it->second;
  return a;
}

Rational Layer::Weight(int64_t nz) const {
  Rational r(weight[nz], denominator);
  r.canonicalize();
  return r;
}

Rational Layer::Bias(int32_t j) const {
  Rational r(bias[j], denominator);
  r.canonicalize();
  return r;
}

std::string Network::ClassLabel(int64_t c) const {
  return class_names.empty() ? fmt::format("{}", class_values[c]) : class_names[c];
}

NetworkStats Network::Stats() const {
  NetworkStats s;
  s.depth = static_cast<int64_t>(layers.size());
  s.relays = relays;
  int64_t prev = input_dim();
  for (size_t l = 0; l < layers.size(); ++l) {
    const Layer& layer = layers[l];
    if (l + 1 < layers.size()) {
      s.width = std::max<int64_t>(s.width, layer.outputs);
      s.neurons += layer.outputs;
    }
    s.params_dense += (prev + 1) * layer.outputs;
    prev = layer.outputs;
    const int k = ExactLog2(layer.denominator);
    auto count = [&](const Integer& numerator) {
      if (numerator == 0) return;
      ++s.params_nonzero;
      const int64_t bits = WeightBits(numerator, layer.denominator, k);
      s.max_weight_bits = std::max(s.max_weight_bits, bits);
      s.total_weight_bits += bits;
    };
    for (const Integer& w : layer.weight) count(w);
    for (const Integer& b : layer.bias) count(b);
  }
  return s;
}

void Network::CheckValid() const {
  MNEMO_CHECK(!layers.empty(), "network has no layers");
  for (size_t l = 0; l < layers.size(); ++l) {
    const Layer& layer = layers[l];
    if (l > 0) MNEMO_CHECK(layer.inputs == layers[l - 1].outputs, "layer {} input size", l);
    MNEMO_CHECK(layer.row_ptr.size() == size_t(layer.outputs) + 1, "layer {} row_ptr", l);
    MNEMO_CHECK(layer.row_ptr.front() == 0 && layer.row_ptr.back() == layer.nonzeros(),
                "layer {} row_ptr bounds", l);
    MNEMO_CHECK(layer.col.size() == layer.weight.size(), "layer {} col/weight size", l);
    MNEMO_CHECK(layer.bias.size() == size_t(layer.outputs), "layer {} bias size", l);
    MNEMO_CHECK(layer.denominator > 0, "layer {} denominator", l);
    for (int32_t j = 0; j < layer.outputs; ++j)
      MNEMO_CHECK(layer.row_ptr[j] <= layer.row_ptr[j + 1], "layer {} row {} order", l, j);
    for (int32_t c : layer.col) MNEMO_CHECK(c >= 0 && c < layer.inputs, "layer {} column", l);
  }
  MNEMO_CHECK(class_names.empty() || class_names.size() == class_values.size(), "class names");
  if (output == OutputKind::kArgmax && classification)
    MNEMO_CHECK(output_dim() == int32_t(class_values.size()), "argmax outputs != classes");
  if (!input.center.empty()) MNEMO_CHECK(int32_t(input.center.size()) == input_dim());
}

nlohmann::ordered_json ToJson(const NetworkStats& s) {
  nlohmann::ordered_json j;
  j["depth"] = s.depth;
  j["width"] = s.width;
  j["neurons"] = s.neurons;
  j["params_nonzero"] = s.params_nonzero;
  j["params_dense"] = s.params_dense;
  j["max_weight_bits"] = s.max_weight_bits;
  j["total_weight_bits"] = s.total_weight_bits;
  j["relays"] = s.relays;
  return j;
}

Layer MakeLayer(int32_t inputs, int32_t outputs, const std::vector<LayerEntry>& weights,
                const std::vector<Rational>& bias, Activation activation) {
  MNEMO_CHECK(bias.size() == size_t(outputs));
  Layer layer;
  layer.inputs = inputs;
  layer.outputs = outputs;
  layer.activation = std::move(activation);
  // Common denominator: lcm of all denominators.
  Integer den = 1;
  for (const auto& e : weights) mpz_lcm(den.get_mpz_t(), den.get_mpz_t(), e.value.get_den_mpz_t());
  for (const auto& b : bias) mpz_lcm(den.get_mpz_t(), den.get_mpz_t(), b.get_den_mpz_t());
  layer.denominator = den;
  std::vector<LayerEntry> sorted;
  sorted.reserve(weights.size());
  for (const auto& e : weights)
    if (e.value != 0) sorted.push_back(e);
  std::stable_sort(sorted.begin(), sorted.end(), [](const LayerEntry& a, const LayerEntry& b) {
    return a.row != b.row ? a.row < b.row : a.col < b.col;
  });
  layer.row_ptr.assign(outputs + 1, 0);
  for (const auto& e : sorted) {
    MNEMO_CHECK(e.row >= 0 && e.row < outputs && e.col >= 0 && e.col < inputs,
                "entry ({}, {}) outside {}x{}", e.row, e.col, outputs, inputs);
    ++layer.row_ptr[e.row + 1];
  }
  for (int32_t j = 0; j < outputs; ++j) layer.row_ptr[j + 1] += layer.row_ptr[j];
  layer.col.reserve(sorted.size());
  layer.weight.reserve(sorted.size());
  for (const auto& e : sorted) {
    if (!layer.col.empty() && layer.col.size() > size_t(layer.row_ptr[e.row]) &&
        layer.col.back() == e.col) {
      MNEMO_CHECK(false, "duplicate entry ({}, {})", e.row, e.col);
    }
    layer.col.push_back(e.col);
    Integer num = e.value.get_num() * (den / e.value.get_den());
    layer.weight.push_back(num);
  }
  layer.bias.reserve(outputs);
  for (const auto& b : bias) {
    Integer num = b.get_num() * (den / b.get_den());
    layer.bias.push_back(num);
  }
  return layer;
}

}  // namespace mnemo
