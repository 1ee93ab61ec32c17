#include "mnemo/export_check.h"

#include <chrono>
#include <cmath>

#include "mnemo/error.h"
#include "mnemo/evaluate.h"
#include "mnemo/verify.h"

namespace mnemo {
namespace {

// One layer of the file in the dtype, the zeros of its dense weight left out (adding a zero
// term changes no sum's value).
template <typename T>
struct SparseLayer {
  int32_t inputs = 0, outputs = 0;
  Activation activation;
  std::vector<int64_t> row_ptr;
  std::vector<int32_t> col;
  std::vector<T> weight, bias;
};

template <typename T>
struct FileNet {
  std::vector<T> center;
  T scale = 1;
  std::vector<SparseLayer<T>> layers;
};

// The file's numbers in the dtype, counting those the dtype does not hold exactly.
template <typename T>
FileNet<T> ReadTensors(const Network& net, DtypeCheck* check) {
  const std::vector<FloatTensor> t = ExportTensors(net, "export");
  auto count = [&](const std::vector<double>& v, const std::vector<Rational>* exact) {
    for (size_t i = 0; i < v.size(); ++i) {
      ++check->values;
      const double rounded = double(T(v[i]));
      if (exact ? RationalFromDouble(rounded) != (*exact)[i] : rounded != v[i])
        ++check->rounded_values;
    }
  };
  FileNet<T> f;
  std::vector<Rational> center(net.input_dim(), Rational(0));
  for (size_t i = 0; i < net.input.center.size(); ++i) center[i] = net.input.center[i];
  count(t[0].values, &center);
  for (double c : t[0].values) f.center.push_back(T(c));
  f.scale = T(t[1].values[0]);
  check->values += 1;  // the scale 2^-s: rounded only when out of the dtype's range
  if (std::ldexp(double(f.scale), net.input.scale_log2) != 1.0) ++check->rounded_values;
  for (size_t l = 0; l < net.layers.size(); ++l) {
    const Layer& layer = net.layers[l];
    const std::vector<double>& w = t[2 + 2 * l].values;
    const std::vector<double>& b = t[3 + 2 * l].values;
    SparseLayer<T> s{layer.inputs, layer.outputs, layer.activation, {0}, {}, {}, {}};
    for (int32_t j = 0; j < layer.outputs; ++j) {
      for (int32_t c = 0; c < layer.inputs; ++c) {
        const double v = w[size_t(j) * layer.inputs + c];
        if (v == 0) continue;
        s.col.push_back(c);
        s.weight.push_back(T(v));
      }
      s.row_ptr.push_back(int64_t(s.col.size()));
      s.bias.push_back(T(b[j]));
    }
    // Exactness of weights and biases: against the exact rationals (repeated columns summed).
    std::vector<Rational> exact_w(w.size(), Rational(0)), exact_b(layer.outputs);
    for (int32_t j = 0; j < layer.outputs; ++j) {
      for (int64_t k = layer.row_ptr[j]; k < layer.row_ptr[j + 1]; ++k)
        exact_w[size_t(j) * layer.inputs + layer.col[k]] += layer.Weight(k);
      exact_b[j] = layer.Bias(j);
    }
    count(w, &exact_w);
    count(b, &exact_b);
    f.layers.push_back(std::move(s));
  }
  return f;
}

template <typename T>
T Activate(const Activation& a, T z) {
  switch (a.kind) {
    case Activation::kIdentity:
      return z;
    case Activation::kRelu:
      return z > T(0) ? z : T(0);
    case Activation::kStep:
      return z >= T(0) ? T(1) : T(0);
    default:
      return T(a.Apply(double(z)));
  }
}

// The forward pass of one raw input row in the dtype; `reverse` sums each neuron's terms from
// the last column to the first.
template <typename T>
std::vector<double> Forward(const FileNet<T>& f, const double* x, bool reverse) {
  std::vector<T> h(f.center.size());
  for (size_t i = 0; i < h.size(); ++i) h[i] = (T(x[i]) - f.center[i]) * f.scale;
  for (const SparseLayer<T>& layer : f.layers) {
    std::vector<T> next(layer.outputs);
    for (int32_t j = 0; j < layer.outputs; ++j) {
      T sum = 0;
      const int64_t lo = layer.row_ptr[j], hi = layer.row_ptr[j + 1];
      for (int64_t i = 0; i < hi - lo; ++i) {
        const int64_t k = reverse ? hi - 1 - i : lo + i;
        sum += layer.weight[k] * h[layer.col[k]];
      }
      next[j] = Activate(layer.activation, T(sum + layer.bias[j]));
    }
    h = std::move(next);
  }
  return std::vector<double>(h.begin(), h.end());
}

// The answer of float outputs, as a string in the user's terms, and whether it is the label.
struct FloatAnswer {
  bool right = false;
  std::string got;
};

// `index`: the network's class of each data class (NetworkClassOf).
FloatAnswer Judge(const Network& net, const Dataset& data, const std::vector<int64_t>& index,
                  int64_t p, const std::vector<double>& out) {
  if (!net.classification) {
    const double want = data.classification ? double(data.class_values[data.y[p]]) : data.target[p];
    return {out[0] == want, fmt::format("{}", out[0])};
  }
  const int64_t c = DecodeClass(net, out);
  if (c < 0) return {false, "none"};
  return {data.classification && c == index[data.y[p]], net.ClassLabel(c)};
}

template <typename T>
void Run(const Network& net, const Dataset& data, DtypeCheck* check, int64_t max_reported) {
  const FileNet<T> f = ReadTensors<T>(net, check);
  std::vector<FloatAnswer> answer(data.n());
  const std::vector<int64_t> index = data.classification ? NetworkClassOf(net, data)
                                                         : std::vector<int64_t>();
  data.x.ForEachBlock([&](int64_t first, const RowMatrix& block) {
    for (int64_t i = 0; i < block.size(); ++i)
      if (double(T(block.data()[i])) != block.data()[i]) ++check->rounded_inputs;
#pragma omp parallel for schedule(dynamic, 64)
    for (int64_t k = 0; k < block.rows(); ++k) {
      const double* x = block.row(k).data();
      FloatAnswer a = Judge(net, data, index, first + k, Forward(f, x, false));
      FloatAnswer b = Judge(net, data, index, first + k, Forward(f, x, true));
      if (a.right && !b.right) a = b;
      answer[first + k] = std::move(a);
    }
  });
  const int64_t rows = data.row_to_point.empty() ? data.n() : int64_t(data.row_to_point.size());
  check->checked = rows;
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t p = data.row_to_point.empty() ? r : data.row_to_point[r];
    if (answer[p].right) continue;
    ++check->wrong;
    if (int64_t(check->first_wrong.size()) < max_reported)
      check->first_wrong.push_back({r, data.LabelString(p), answer[p].got});
  }
}

}  // namespace

std::string ToString(ExportDtype dtype) {
  return dtype == ExportDtype::kFloat32 ? "float32" : "float64";
}

std::string DtypeCheck::Why() const {
  if (wrong == 0) return "";
  if (rounded_values == 0 && rounded_inputs == 0)
    return fmt::format("every number of the file and the data is exact in {}, but sums round",
                       ToString(dtype));
  if (rounded_values == 0)
    return fmt::format("{} of the data's {} input values round in {}", rounded_inputs, data_values,
                       ToString(dtype));
  return fmt::format(
      "the file rounds {} of its {} numbers (weights need up to {} bits, {} holds {})",
      rounded_values, values, max_weight_bits, ToString(dtype),
      dtype == ExportDtype::kFloat32 ? 24 : 53);
}

std::string DtypeCheck::Brief() const {
  std::string s = fmt::format("{}: {}/{} correct", ToString(dtype), checked - wrong, checked);
  if (wrong > 0) s += " (" + Why() + ")";
  return s;
}

nlohmann::ordered_json DtypeCheck::ToJson() const {
  nlohmann::ordered_json j;
  j["dtype"] = ToString(dtype);
  j["exact"] = all_correct();
  j["check"] = {{"data", data},
                {"fingerprint", fingerprint},
                {"rows", checked},
                {"wrong", wrong},
                {"values", values},
                {"rounded_values", rounded_values},
                {"rounded_inputs", rounded_inputs},
                {"summation", "column order and reverse column order, in the dtype"}};
  return j;
}

DtypeCheck CheckInDtype(const Network& net, const Dataset& data, ExportDtype dtype,
                        int64_t max_reported) {
  if (net.input_dim() != data.d())
    Fail("{}: the network reads {} inputs but the data has {} columns", data.source,
         net.input_dim(), data.d());
  if (net.classification && !data.classification)
    Fail("{}: the network predicts classes but the data has real-valued labels", data.source);
  const auto start = std::chrono::steady_clock::now();
  DtypeCheck check;
  check.dtype = dtype;
  check.data = data.source;
  check.fingerprint = data.Fingerprint().hash;
  check.max_weight_bits = net.Stats().max_weight_bits;
  check.data_values = data.x.size();
  if (dtype == ExportDtype::kFloat32)
    Run<float>(net, data, &check, max_reported);
  else
    Run<double>(net, data, &check, max_reported);
  check.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return check;
}

}  // namespace mnemo
