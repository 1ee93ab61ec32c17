#include "mnemo/onnx_export.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>

#include "mnemo/error.h"

namespace mnemo {
namespace {

// Protobuf wire format: varints, length-delimited fields and 32-bit floats are all ONNX uses.
struct Pb {
  std::string b;
  void Varint(uint64_t v) {
    for (; v >= 0x80; v >>= 7) b += char(v | 0x80);
    b += char(v);
  }
  Pb& Int(int field, int64_t v) {
    Varint(uint64_t(field) << 3);
    Varint(uint64_t(v));
    return *this;
  }
  Pb& Bytes(int field, const std::string& s) {
    Varint((uint64_t(field) << 3) | 2);
    Varint(s.size());
    b += s;
    return *this;
  }
  Pb& Msg(int field, const Pb& m) { return Bytes(field, m.b); }
};

constexpr int kFloat = 1, kInt64 = 7, kString = 8, kDouble = 11;  // TensorProto.DataType

// AttributeProto: name(1), i(3), ints(8), type(20): INT = 2, INTS = 7.
Pb IntAttr(const std::string& name, int64_t v) { return Pb().Bytes(1, name).Int(3, v).Int(20, 2); }

// The graph under construction: initializers, nodes, and fresh value names.
class Graph {
 public:
  explicit Graph(ExportDtype dtype) : f32_(dtype == ExportDtype::kFloat32) {}
  int elem() const { return f32_ ? kFloat : kDouble; }

  // A float initializer in the dtype (TensorProto: dims(1), data_type(2), name(8), raw(9)).
  std::string Floats(const std::string& name, const std::vector<int64_t>& shape,
                     const std::vector<double>& v) {
    std::string raw;
    for (double x : v) {
      if (f32_) {
        const float f = float(x);
        raw.append(reinterpret_cast<const char*>(&f), 4);
      } else {
        raw.append(reinterpret_cast<const char*>(&x), 8);
      }
    }
    return Init(name, shape, elem(), raw);
  }
  std::string Ints(const std::string& name, const std::vector<int64_t>& shape,
                   const std::vector<int64_t>& v) {
    return Init(name, shape, kInt64,
                std::string(reinterpret_cast<const char*>(v.data()), v.size() * 8));
  }
  // A string initializer (TensorProto string_data(6)).
  std::string Strings(const std::string& name, const std::vector<int64_t>& shape,
                      const std::vector<std::string>& v) {
    Pb t;
    for (int64_t d : shape) t.Int(1, d);
    t.Int(2, kString);
    for (const std::string& s : v) t.Bytes(6, s);
    t.Bytes(8, name);
    graph_.Msg(5, t);
    return name;
  }
  // NodeProto: input(1), output(2), name(3), op_type(4), attribute(5). Returns the output.
  std::string Node(const std::string& op, const std::vector<std::string>& in,
                   const std::vector<Pb>& attrs = {}, std::string out = "") {
    if (out.empty()) out = fmt::format("t{}", next_++);
    Pb n;
    for (const std::string& i : in) n.Bytes(1, i);
    n.Bytes(2, out).Bytes(3, out).Bytes(4, op);
    for (const Pb& a : attrs) n.Msg(5, a);
    graph_.Msg(1, n);
    return out;
  }
  std::string Cast(const std::string& in, int to) {
    return Node("Cast", {in}, {IntAttr("to", to)});
  }
  // ValueInfoProto: name(1), type(2) = TypeProto{tensor_type(1){elem_type(1), shape(2)}}.
  void Io(int field, const std::string& name, int elem, const std::vector<std::string>& dims) {
    Pb shape;
    for (const std::string& d : dims) {
      Pb dim;
      if (d[0] >= '0' && d[0] <= '9')
        dim.Int(1, std::stoll(d));
      else
        dim.Bytes(2, d);
      shape.Msg(1, dim);
    }
    Pb tensor = Pb().Int(1, elem).Msg(2, shape);
    graph_.Msg(field, Pb().Bytes(1, name).Msg(2, Pb().Msg(1, tensor)));
  }
  // ModelProto: ir_version(1), producer_name(2), producer_version(3), graph(7),
  // opset_import(8), metadata_props(14); GraphProto: node(1), name(2), initializer(5).
  std::string Model(const std::string& metadata) {
    Pb g = graph_;
    g.Bytes(2, "mnemo");
    Pb model;
    model.Int(1, 8).Bytes(2, "mnemo").Bytes(3, "1").Msg(7, g);
    model.Msg(8, Pb().Bytes(1, "").Int(2, 13));
    model.Msg(14, Pb().Bytes(1, "mnemo").Bytes(2, metadata));
    return model.b;
  }

 private:
  std::string Init(const std::string& name, const std::vector<int64_t>& shape, int type,
                   const std::string& raw) {
    Pb t;
    for (int64_t d : shape) t.Int(1, d);
    t.Int(2, type).Bytes(8, name).Bytes(9, raw);
    graph_.Msg(5, t);
    return name;
  }
  bool f32_;
  Pb graph_;
  int next_ = 0;
};

const FloatTensor& Find(const std::vector<FloatTensor>& tensors, const std::string& name) {
  for (const FloatTensor& t : tensors)
    if (t.name == name) return t;
  Fail("onnx export: no tensor {}", name);
}

// The class index (in the dtype, [N]) of the last layer's values y [N, m].
std::string ClassIndex(Graph& g, const std::string& y, const std::string& output, int64_t m) {
  const std::string col0 = g.Ints("col0", {}, {0});
  if (output == "value")
    return g.Node("Round", {g.Node("Gather", {y, col0}, {IntAttr("axis", 1)})});
  if (output == "argmax")
    return g.Cast(g.Node("ArgMax", {y}, {IntAttr("axis", 1), IntAttr("keepdims", 0)}), g.elem());
  std::vector<double> powers(m);
  for (int64_t b = 0; b < m; ++b) powers[b] = std::ldexp(1.0, int(b));
  const std::string bits =
      g.Cast(g.Node("GreaterOrEqual", {y, g.Floats("half", {}, {0.5})}), g.elem());
  return g.Node("MatMul", {bits, g.Floats("powers", {m}, powers)});
}

// label = table[index] where 0 ≤ index < C, else `none`: the integer labels (class_values,
// none = INT64_MIN) or the text labels (class_names, none = ""). Returns the label's type.
int Labels(Graph& g, const std::string& index, const nlohmann::json& meta) {
  const std::vector<int64_t> class_values = meta["class_values"];
  const int64_t classes = int64_t(class_values.size());
  const bool text = meta.contains("class_names");
  const std::string table = text ? g.Strings("class_names", {classes}, meta["class_names"])
                                 : g.Ints("class_values", {classes}, class_values);
  const std::string none = text ? g.Strings("no_class", {}, {""})
                                : g.Ints("no_class", {}, {std::numeric_limits<int64_t>::min()});
  const std::string zero = g.Floats("zero_index", {}, {0});
  const std::string ok =
      g.Node("And", {g.Node("GreaterOrEqual", {index, zero}),
                     g.Node("Less", {index, g.Floats("classes", {}, {double(classes)})})});
  const std::string safe = g.Cast(g.Node("Where", {ok, index, zero}), kInt64);
  const std::string label = g.Node("Gather", {table, safe}, {IntAttr("axis", 0)});
  g.Node("Where", {ok, label, none}, {}, "label");
  return text ? kString : kInt64;
}

}  // namespace

std::string WriteOnnx(const std::vector<FloatTensor>& tensors, const std::string& metadata,
                      ExportDtype dtype) {
  const nlohmann::json meta = nlohmann::json::parse(metadata);
  Graph g(dtype);
  const FloatTensor& center = Find(tensors, "input.center");
  const int64_t d = center.shape[0];
  std::string h = g.Node("Mul", {g.Node("Sub", {"x", g.Floats("input.center", {d}, center.values)}),
                                 g.Floats("input.scale", {}, Find(tensors, "input.scale").values)});
  const std::string zero = g.Floats("zero", {}, {0});
  int64_t m = d;
  for (size_t l = 0; l < meta["activations"].size(); ++l) {
    const FloatTensor& w = Find(tensors, fmt::format("layer{}.weight", l));
    const FloatTensor& b = Find(tensors, fmt::format("layer{}.bias", l));
    h = g.Node("Gemm",
               {h, g.Floats(w.name, w.shape, w.values), g.Floats(b.name, b.shape, b.values)},
               {IntAttr("transB", 1)});
    m = w.shape[0];
    const std::string act = meta["activations"][l];
    if (act == "relu")
      h = g.Node("Relu", {h});
    else if (act == "step")
      h = g.Cast(g.Node("GreaterOrEqual", {h, zero}), g.elem());
    else if (act != "identity")
      Fail("onnx export: layers[{}]: activation {} has no ONNX form here", l, act);
  }
  g.Node("Identity", {h}, {}, "outputs");
  if (meta["classification"].get<bool>()) {
    g.Io(12, "label", Labels(g, ClassIndex(g, h, meta["output"], m), meta), {"N"});
  } else {
    g.Node("Gather", {h, g.Ints("col0", {}, {0})}, {IntAttr("axis", 1)}, "label");
    g.Io(12, "label", g.elem(), {"N"});
  }
  g.Io(11, "x", g.elem(), {"N", std::to_string(d)});
  g.Io(12, "outputs", g.elem(), {"N", std::to_string(m)});
  return g.Model(metadata);
}

}  // namespace mnemo
