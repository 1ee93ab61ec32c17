// The exact network format (docs/network-format.md, docs/network-format.schema.json): writer
// and a validating reader. The reader checks the whole file before anything uses it — types,
// ranges, shapes, the label map, the output kind — and rejects with one line that names the
// place as a JSON path: `net.json: layers[3].col[17]: column 4294967296 out of range (layer has
// 62 inputs)`. Integers are JSON integers (64-bit) or decimal strings (any size); nothing is
// truncated or rounded.
#include <functional>
#include <iterator>
#include <limits>
#include <map>

#include "mnemo/error.h"
#include "mnemo/io.h"
#include "src/internal/atomic_file.h"

namespace mnemo {
namespace {

using json = nlohmann::ordered_json;

constexpr int64_t kMaxDimension = std::numeric_limits<int32_t>::max();
constexpr int64_t kMaxScaleLog2 = 1 << 16;

const char* OutputKindName(OutputKind k) {
  switch (k) {
    case OutputKind::kValue: return "value";
    case OutputKind::kArgmax: return "argmax";
    case OutputKind::kBits: return "bits";
  }
  return "?";
}

// Where the text of a network goes, piece by piece (a string, or a file being written).
using Sink = std::function<void(std::string_view)>;

// A layer's JSON (one line, keys in the order of the format), written as it is produced: the
// weights of a large layer are never held as text or as a JSON document. Byte for byte what
// nlohmann's dump() of the layer's object writes (tested in io_test).
class LayerWriter {
 public:
  explicit LayerWriter(const Sink& sink) : sink_(sink) {}

  void Write(const Layer& layer) {
    Put(fmt::format("{{\"inputs\":{},\"outputs\":{},\"activation\":{},\"denominator\":",
                    layer.inputs, layer.outputs, json(ToString(layer.activation)).dump()));
    PutInteger(layer.denominator);
    Numbers("row_ptr", layer.row_ptr);
    Numbers("col", layer.col);
    Integers("weight", layer.weight);
    Integers("bias", layer.bias);
    Put("}");
    Drain();
  }

 private:
  static constexpr size_t kChunk = size_t(1) << 16;

  void Put(std::string_view text) {
    text_.append(text);
    if (text_.size() >= kChunk) Drain();
  }
  void Drain() {
    sink_(text_);
    text_.clear();
  }
  template <typename T>
  void Numbers(const char* key, const std::vector<T>& values) {
    Put(fmt::format(",\"{}\":[", key));
    for (size_t i = 0; i < values.size(); ++i) {
      if (i) text_ += ',';
      fmt::format_to(std::back_inserter(text_), "{}", values[i]);
      if (text_.size() >= kChunk) Drain();
    }
    Put("]");
  }
  void Integers(const char* key, const std::vector<Integer>& values) {
    Put(fmt::format(",\"{}\":[", key));
    for (size_t i = 0; i < values.size(); ++i) {
      if (i) Put(",");
      PutInteger(values[i]);
    }
    Put("]");
  }
  // A quoted decimal string, as ToString writes it, without a std::string per value.
  void PutInteger(const Integer& v) {
    digits_.resize(mpz_sizeinbase(v.get_mpz_t(), 10) + 2);
    mpz_get_str(digits_.data(), 10, v.get_mpz_t());
    Put("\"");
    Put(digits_.data());
    Put("\"");
  }

  const Sink& sink_;
  std::string text_;
  std::vector<char> digits_;
};

// A JSON value with its path, for messages: `where: path: what`.
class Node {
 public:
  Node(const json& value, std::string where, std::string path)
      : value_(value), where_(std::move(where)), path_(std::move(path)) {}

  const json& value() const { return value_; }
  const std::string& path() const { return path_; }

  template <typename... Args>
  [[noreturn]] void Fail(fmt::format_string<Args...> format, Args&&... args) const {
    ::mnemo::Fail("{}: {}: {}", where_, path_.empty() ? "top level" : path_,
                  fmt::format(format, std::forward<Args>(args)...));
  }

  bool Has(const std::string& key) const { return value_.is_object() && value_.contains(key); }
  Node Field(const std::string& key) const {
    if (!value_.is_object()) Fail("must be an object");
    if (!value_.contains(key)) {
      ::mnemo::Fail("{}: {}missing \"{}\"", where_, path_.empty() ? "" : path_ + ": ", key);
    }
    return Node(value_.at(key), where_, path_.empty() ? key : path_ + "." + key);
  }
  size_t Size() const {
    if (!value_.is_array()) Fail("must be an array");
    return value_.size();
  }
  Node operator[](size_t i) const {
    return Node(value_.at(i), where_, fmt::format("{}[{}]", path_, i));
  }

  const json& Object() const {
    if (!value_.is_object()) Fail("must be an object");
    return value_;
  }
  std::string String() const {
    if (!value_.is_string()) Fail("must be a string");
    return value_.get<std::string>();
  }
  /// A JSON integer or a decimal string; never a float (a float would be rounded).
  Integer BigInteger() const {
    if (value_.is_number_unsigned()) return Integer(std::to_string(value_.get<uint64_t>()), 10);
    if (value_.is_number_integer()) return Integer(std::to_string(value_.get<int64_t>()), 10);
    if (value_.is_string()) return ParseInteger(value_.get_ref<const std::string&>(), where_ + ": " + path_);
    if (value_.is_number_float())
      Fail("must be an integer, got {} (write integers beyond 64 bits as decimal strings)",
           value_.dump());
    Fail("must be an integer or a decimal string");
  }
  int64_t Int(int64_t lo, int64_t hi) const {
    Integer v = BigInteger();
    if (v < lo || v > hi) Fail("{} out of range [{}, {}]", ToString(v), lo, hi);
    return v.get_si();
  }

 private:
  const json& value_;
  std::string where_, path_;
};

Activation ActivationOf(const Node& node) {
  std::string name = node.String();
  try {
    return ParseActivation(name);
  } catch (const Error& e) {
    node.Fail("{}", e.what());
  }
}

std::vector<Integer> IntegerArray(const Node& node, size_t expected, const char* what) {
  size_t n = node.Size();
  if (n != expected) node.Fail("has {} entries, expected {} ({})", n, expected, what);
  std::vector<Integer> out;
  out.reserve(n);
  for (size_t k = 0; k < n; ++k) out.push_back(node[k].BigInteger());
  return out;
}

Layer LayerOf(const Node& node, int64_t inputs) {
  Layer layer;
  node.Object();
  layer.inputs = int32_t(node.Field("inputs").Int(1, kMaxDimension));
  if (layer.inputs != inputs)
    node.Field("inputs").Fail("{} inputs, but the previous layer has {} outputs", layer.inputs, inputs);
  layer.outputs = int32_t(node.Field("outputs").Int(1, kMaxDimension));
  layer.activation = ActivationOf(node.Field("activation"));
  Node den = node.Field("denominator");
  layer.denominator = den.BigInteger();
  if (layer.denominator <= 0) den.Fail("must be positive, got {}", ToString(layer.denominator));
  Node row_ptr = node.Field("row_ptr");
  if (row_ptr.Size() != size_t(layer.outputs) + 1)
    row_ptr.Fail("has {} entries, expected outputs + 1 = {}", row_ptr.Size(), int64_t(layer.outputs) + 1);
  Node col = node.Field("col");
  const int64_t nnz = int64_t(col.Size());
  layer.row_ptr.resize(layer.outputs + 1);
  for (int64_t i = 0; i <= layer.outputs; ++i) {
    layer.row_ptr[i] = row_ptr[i].Int(0, nnz);
    if (i == 0 && layer.row_ptr[0] != 0) row_ptr[0].Fail("must be 0");
    if (i > 0 && layer.row_ptr[i] < layer.row_ptr[i - 1])
      row_ptr[i].Fail("{} is smaller than the entry before it ({})", layer.row_ptr[i], layer.row_ptr[i - 1]);
  }
  if (layer.row_ptr.back() != nnz)
    row_ptr[layer.outputs].Fail("must equal the number of nonzeros ({} entries in col)", nnz);
  layer.col.resize(nnz);
  for (int64_t k = 0; k < nnz; ++k) {
    Integer c = col[k].BigInteger();
    if (c < 0 || c >= layer.inputs)
      col[k].Fail("column {} out of range (layer has {} inputs)", ToString(c), layer.inputs);
    layer.col[k] = int32_t(c.get_si());
  }
  layer.weight = IntegerArray(node.Field("weight"), size_t(nnz), "one per entry of col");
  layer.bias = IntegerArray(node.Field("bias"), size_t(layer.outputs), "one per output");
  return layer;
}

// labels.names (version 2): one distinct string per class, index c ↦ the user's text label.
void ReadNames(const Node& names, int64_t version, Network* net) {
  if (version < 2) names.Fail("text class labels need format version 2 (the file says {})", version);
  if (names.Size() != net->class_values.size())
    names.Fail("has {} entries, expected {} (one per entry of labels.values)", names.Size(),
               net->class_values.size());
  std::map<std::string, size_t> seen;
  for (size_t i = 0; i < names.Size(); ++i) {
    std::string name = names[i].String();
    auto [it, fresh] = seen.emplace(name, i);
    if (!fresh) names[i].Fail("label \"{}\" appears twice (also at index {})", name, it->second);
    net->class_names.push_back(std::move(name));
  }
}

void ReadLabels(const Node& labels, int64_t version, Network* net) {
  std::string kind = labels.Field("kind").String();
  if (kind != "classes" && kind != "real")
    labels.Field("kind").Fail("must be \"classes\" or \"real\", got \"{}\"", kind);
  net->classification = kind == "classes";
  if (!net->classification) {
    if (labels.Has("values") && labels.Field("values").Size() > 0)
      labels.Field("values").Fail("must be empty for real targets");
    return;
  }
  Node values = labels.Field("values");
  const size_t n = values.Size();
  if (n == 0) values.Fail("must list at least one class");
  std::map<int64_t, size_t> seen;
  for (size_t i = 0; i < n; ++i) {
    int64_t v = values[i].Int(std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max());
    auto [it, fresh] = seen.emplace(v, i);
    if (!fresh) values[i].Fail("label {} appears twice (also at index {})", v, it->second);
    net->class_values.push_back(v);
  }
  if (labels.Has("names")) ReadNames(labels.Field("names"), version, net);
}

OutputKind OutputOf(const Node& node) {
  std::string s = node.String();
  if (s == "value") return OutputKind::kValue;
  if (s == "argmax") return OutputKind::kArgmax;
  if (s == "bits") return OutputKind::kBits;
  node.Fail("must be \"value\", \"argmax\" or \"bits\", got \"{}\"", s);
}

void ReadProvenance(const Node& top, Network* net) {
  if (top.Has("construction")) net->construction = top.Field("construction").String();
  if (top.Has("options")) net->options = top.Field("options").Object();
  if (top.Has("seed")) {
    Integer seed = top.Field("seed").BigInteger();
    if (seed < 0 || BitLength(seed) > 64) top.Field("seed").Fail("must be in [0, 2^64)");
    net->seed = 0;
    for (int b = 63; b >= 0; --b) net->seed = (net->seed << 1) | uint64_t(mpz_tstbit(seed.get_mpz_t(), b));
  }
  if (top.Has("dataset")) {
    Node ds = top.Field("dataset");
    net->dataset.hash = ds.Field("hash").String();
    net->dataset.n = ds.Field("n").Int(0, std::numeric_limits<int64_t>::max());
    net->dataset.d = ds.Field("d").Int(0, std::numeric_limits<int64_t>::max());
    net->dataset.classes = ds.Field("classes").Int(0, std::numeric_limits<int64_t>::max());
  }
  if (top.Has("report")) net->report = top.Field("report").Object();
  if (top.Has("statistics")) {
    Node stats = top.Field("statistics");
    stats.Object();
    if (stats.Has("relays")) net->relays = stats.Field("relays").Int(0, std::numeric_limits<int64_t>::max());
  }
}

void CheckOutputs(const Node& top, const Network& net) {
  Node output = top.Field("output");
  const int64_t outs = net.output_dim();
  if (!net.classification && net.output != OutputKind::kValue)
    output.Fail("real targets need the \"value\" output");
  if (net.output == OutputKind::kValue && outs != 1)
    output.Fail("\"value\" needs one output, the last layer has {}", outs);
  if (net.output == OutputKind::kArgmax && outs != int64_t(net.class_values.size()))
    output.Fail("\"argmax\" needs one output per class: the last layer has {}, labels.values has {}",
                outs, net.class_values.size());
}

// The whole file: the small top-level keys one per line, then the layers one per line (each
// streamed by LayerWriter), so writing the largest network costs little beyond the network.
void WriteNetworkJson(const Network& net, const Sink& sink) {
  json top;
  top["format"] = "mnemo-network";
  top["version"] = net.class_names.empty() ? 1 : 2;  // the lowest version that holds it
  top["construction"] = net.construction;
  top["options"] = net.options;
  top["seed"] = net.seed;
  json ds;
  ds["hash"] = net.dataset.hash;
  ds["n"] = net.dataset.n;
  ds["d"] = net.dataset.d;
  ds["classes"] = net.dataset.classes;
  top["dataset"] = ds;
  json labels;
  labels["kind"] = net.classification ? "classes" : "real";
  if (net.classification) labels["values"] = net.class_values;
  if (net.classification && !net.class_names.empty()) labels["names"] = net.class_names;
  top["labels"] = labels;
  top["output"] = OutputKindName(net.output);
  json input;
  json center = json::array();
  for (const Rational& c : net.input.center) center.push_back(ToString(c));
  input["center"] = center;
  input["scale_log2"] = net.input.scale_log2;
  top["input"] = input;
  top["statistics"] = ToJson(net.Stats());
  top["report"] = net.report;
  // One key per line, one layer per line: diffable, deterministic, byte-stable.
  sink("{\n");
  for (auto it = top.begin(); it != top.end(); ++it)
    sink(fmt::format("  {}: {},\n", json(it.key()).dump(), it.value().dump()));
  sink("  \"layers\": [");
  LayerWriter writer(sink);
  for (size_t l = 0; l < net.layers.size(); ++l) {
    sink(l ? ",\n    " : "\n    ");
    writer.Write(net.layers[l]);
  }
  sink("\n  ]\n}\n");
}

}  // namespace

std::string NetworkToJson(const Network& net) {
  std::string out;
  WriteNetworkJson(net, [&](std::string_view text) { out.append(text); });
  return out;
}

Network NetworkFromJson(const std::string& text, const std::string& where) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    Fail("{}: not valid JSON: {}", where, e.what());
  }
  Node top(doc, where, "");
  if (!doc.is_object() || !doc.contains("format") || doc["format"] != "mnemo-network")
    Fail("{}: not a mnemo network file (missing \"format\": \"mnemo-network\")", where);
  int64_t version = top.Field("version").Int(std::numeric_limits<int64_t>::min(),
                                             std::numeric_limits<int64_t>::max());
  if (version < 1 || version > kNetworkFormatVersion)
    Fail("{}: unsupported format version {} (this mnemo reads versions 1 to {})", where, version,
         kNetworkFormatVersion);
  Network net;
  ReadProvenance(top, &net);
  ReadLabels(top.Field("labels"), version, &net);
  net.output = OutputOf(top.Field("output"));
  Node input = top.Field("input");
  Node center = input.Field("center");
  for (size_t i = 0; i < center.Size(); ++i) {
    Node c = center[i];
    net.input.center.push_back(ParseRational(c.String(), where + ": " + c.path()));
  }
  net.input.scale_log2 = int(input.Field("scale_log2").Int(-kMaxScaleLog2, kMaxScaleLog2));
  Node layers = top.Field("layers");
  if (layers.Size() == 0) layers.Fail("must list at least one layer");
  int64_t inputs = 0;
  for (size_t l = 0; l < layers.Size(); ++l) {
    if (l == 0) inputs = layers[0].Field("inputs").Int(1, kMaxDimension);
    net.layers.push_back(LayerOf(layers[l], inputs));
    inputs = net.layers.back().outputs;
  }
  if (!net.input.center.empty() && int64_t(net.input.center.size()) != net.input_dim())
    center.Fail("has {} entries, the first layer reads {} inputs", net.input.center.size(),
                net.input_dim());
  CheckOutputs(top, net);
  return net;
}

void SaveNetwork(const Network& net, const std::string& path) {
  internal::AtomicFile file(path);
  WriteNetworkJson(net, [&](std::string_view text) { file.Write(text); });
  file.Commit();
}

Network LoadNetwork(const std::string& path) { return NetworkFromJson(ReadFile(path), path); }

}  // namespace mnemo
