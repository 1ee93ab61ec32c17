// The Python module mnemo._mnemo (pybind11): data from NumPy arrays or a DATA string, build
// (RunConstruction), exact verify and predict, inspect, export, and the exact network with its
// integer numerators. python/mnemo/__init__.py re-exports it and adds to_torch. mnemo::Error
// becomes the Python exception mnemo.Error (a ValueError) with the same message.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "mnemo/decide.h"
#include "mnemo/error.h"
#include "mnemo/export_check.h"
#include "mnemo/io.h"
#include "mnemo/pipeline.h"
#include "mnemo/verify.h"

namespace py = pybind11;

namespace mnemo {
namespace {

// JSON → Python objects through the json module (keeps the exact key order and big integers).
py::object FromJson(const nlohmann::ordered_json& j) {
  return py::module_::import("json").attr("loads")(j.dump());
}

// A GMP integer as a Python int (any size).
py::int_ ToPy(const Integer& v) {
  return py::reinterpret_steal<py::int_>(PyLong_FromString(v.get_str().c_str(), nullptr, 10));
}

py::object ToFraction(const Rational& q) {
  return py::module_::import("fractions").attr("Fraction")(ToPy(q.get_num()), ToPy(q.get_den()));
}

RowMatrix MatrixOf(const py::array_t<double, py::array::c_style | py::array::forcecast>& x) {
  if (x.ndim() != 2) Fail("X: expected a 2-D array (rows × features), got {} dimensions", x.ndim());
  RowMatrix m(x.shape(0), x.shape(1));
  std::copy(x.data(), x.data() + x.size(), m.data());
  return m;
}

// `names`: text class labels, y then holds their indices (python/mnemo/__init__.py data()).
Dataset FromArrays(const py::array_t<double, py::array::c_style | py::array::forcecast>& x,
                   const std::vector<double>& y, const std::string& name,
                   const std::vector<std::string>& names) {
  RowMatrix m = MatrixOf(x);
  if (int64_t(y.size()) != m.rows()) Fail("y: {} labels for {} rows of X", y.size(), m.rows());
  Dataset d = MakeDataset(name, std::move(m), y);
  if (!names.empty()) {
    MNEMO_CHECK(d.class_values.size() == names.size(), "text labels and classes");
    d.class_names = names;
  }
  return d;
}

Dataset Load(const std::string& spec, const std::string& labels, int64_t limit,
             const std::string& label_column, int64_t skip_rows) {
  DataOptions o;
  o.labels_path = labels;
  o.limit = limit;
  o.label_column = label_column;
  o.skip_rows = skip_rows;
  return LoadDataset(spec, o);
}

py::tuple Build(const std::string& construction, const Dataset& data, uint64_t seed, bool verify,
                int attempts, const py::dict& options) {
  ParamMap params;
  for (const auto& [k, v] : options) {
    std::string key = py::str(k), value = py::str(v);
    for (char& c : key)
      if (c == '_') c = '-';
    if (py::isinstance<py::bool_>(v)) value = v.cast<bool>() ? "true" : "false";
    params[key] = value;
  }
  RunOptions run;
  run.seed = seed;
  run.verify = verify;
  run.attempts = attempts;
  RunResult r;
  {
    py::gil_scoped_release release;
    r = RunConstruction(construction, params, data, run);
  }
  py::object net = r.network ? py::cast(std::move(*r.network)) : py::none();
  return py::make_tuple(net, FromJson(r.report.ToJson()));
}

py::object PyVerify(const Network& net, const Dataset& data, const std::string& mode) {
  if (mode == "float32") return FromJson(CheckInDtype(net, data, ExportDtype::kFloat32).ToJson());
  VerifyOptions o;
  o.mode = ParseVerifyMode(mode);
  VerifyReport r;
  {
    py::gil_scoped_release release;
    r = mnemo::Verify(net, data, o);
  }
  return FromJson(r.ToJson());
}

// Exact answers: the user's labels (None for no class) or, for real targets, Fractions.
py::list PredictLabels(const Network& net, const RowMatrix& x) {
  std::vector<Answer> answers;
  {
    py::gil_scoped_release release;
    answers = Predict(net, x);
  }
  py::list out;
  for (const Answer& a : answers) {
    if (!net.classification)
      out.append(ToFraction(a.value));
    else if (a.class_index < 0)
      out.append(py::none());
    else if (!net.class_names.empty())
      out.append(net.class_names[a.class_index]);
    else
      out.append(net.class_values[a.class_index]);
  }
  return out;
}

py::dict Inspect(const Network& net) {
  py::dict d;
  d["construction"] = net.construction;
  d["seed"] = net.seed;
  d["dataset"] = FromJson({{"hash", net.dataset.hash},
                           {"n", net.dataset.n},
                           {"d", net.dataset.d},
                           {"classes", net.dataset.classes}});
  d["network"] = FromJson(ToJson(net.Stats()));
  if (net.classification)  // as `mnemo inspect --json`: the text labels, else the integers
    d["labels"] = net.class_names.empty() ? py::cast(net.class_values) : py::cast(net.class_names);
  py::list layers;
  for (const Layer& l : net.layers) {
    py::dict e;
    e["inputs"] = l.inputs;
    e["outputs"] = l.outputs;
    e["activation"] = ToString(l.activation);
    e["nonzeros"] = l.nonzeros();
    layers.append(e);
  }
  d["layers"] = layers;
  d["report"] = FromJson(net.report);
  return d;
}

py::object Export(const Network& net, const std::string& path, const std::string& format,
                  const std::string& dtype_name, const Dataset& check, bool allow_inexact) {
  const Exporter* f = format.empty() ? ExporterForPath(path) : &FindExporter(format);
  if (!f) Fail("{}: no export format has this extension; give format=", path);
  const ExportDtype dtype = ParseExportDtype(dtype_name);
  const DtypeCheck c = CheckInDtype(net, check, dtype);
  if (!c.all_correct() && !allow_inexact)
    Fail(
        "export: refused: in {} the file gets {} of {} rows of {} wrong ({}); nothing written, "
        "allow_inexact=True writes it anyway",
        dtype_name, c.wrong, c.checked, check.source, c.Why());
  ExportNetwork(net, *f, dtype, path, c.ToJson());
  return FromJson(c.ToJson());
}

const char* OutputName(OutputKind k) {
  return k == OutputKind::kValue ? "value" : k == OutputKind::kArgmax ? "argmax" : "bits";
}

py::list Ints(const std::vector<Integer>& v) {
  py::list out;
  for (const Integer& i : v) out.append(ToPy(i));
  return out;
}

// Layer l's weights as a dense float64 array (exact rationals rounded once).
py::array_t<double> DenseWeight(const Network& net, size_t l) {
  const std::vector<FloatTensor> t = ExportTensors(net, "network");
  const FloatTensor& w = t.at(2 + 2 * l);
  py::array_t<double> a({w.shape[0], w.shape[1]});
  std::copy(w.values.begin(), w.values.end(), a.mutable_data());
  return a;
}

void DefineDataset(py::module_& m) {
  py::class_<Dataset>(m, "Dataset", py::dynamic_attr(),
                      "Points and labels as mnemo reads them (exact binary64).")
      .def_readonly("source", &Dataset::source)
      .def_property_readonly("n", &Dataset::n, "distinct points")
      .def_readonly("rows", &Dataset::original_rows, "rows before merging duplicates")
      .def_property_readonly("d", &Dataset::d)
      .def_property_readonly("classes", &Dataset::classes, "0 for real targets")
      .def_readonly("classification", &Dataset::classification)
      .def_readonly("class_values", &Dataset::class_values)
      .def_readonly("class_names", &Dataset::class_names, "text labels (empty: integer labels)")
      .def_property_readonly(
          "x",
          [](const Dataset& d) {
            py::array_t<double> a({d.n(), d.d()});
            std::copy(d.x.Dense().data(), d.x.Dense().data() + d.x.size(), a.mutable_data());
            return a;
          },
          "the distinct points (n × d float64)")
      .def_property_readonly(
          "labels",
          [](const Dataset& d) -> py::object {
            if (!d.class_names.empty()) {
              py::list names;
              for (int64_t i = 0; i < d.n(); ++i) names.append(d.class_names[d.y[i]]);
              return py::module_::import("numpy").attr("array")(names, "object");
            }
            std::vector<double> v(d.n());
            for (int64_t i = 0; i < d.n(); ++i) v[i] = d.Expected(i);
            if (d.classification)
              for (int64_t i = 0; i < d.n(); ++i) v[i] = double(d.class_values[d.y[i]]);
            return py::array_t<double>(v.size(), v.data()).cast<py::object>();
          },
          "each point's label (float64; text labels: an object array of str)")
      .def_property_readonly("fingerprint", [](const Dataset& d) { return d.Fingerprint().hash; })
      .def("__repr__", [](const Dataset& d) {
        return fmt::format("<mnemo.Dataset {}: n={}, d={}, classes={}>", d.source, d.n(), d.d(),
                           d.classes());
      });
}

void DefineLayer(py::module_& m) {
  py::class_<Layer>(m, "Layer", "One affine map and activation, exact: weight/denominator.")
      .def_readonly("inputs", &Layer::inputs)
      .def_readonly("outputs", &Layer::outputs)
      .def_property_readonly("activation", [](const Layer& l) { return ToString(l.activation); })
      .def_property_readonly("denominator", [](const Layer& l) { return ToPy(l.denominator); })
      .def_property_readonly("weight_numerators", [](const Layer& l) { return Ints(l.weight); })
      .def_property_readonly("bias_numerators", [](const Layer& l) { return Ints(l.bias); })
      .def_readonly("row_ptr", &Layer::row_ptr, "CSR row pointers (outputs + 1)")
      .def_readonly("col", &Layer::col, "CSR column of each nonzero")
      .def_property_readonly(
          "bias",
          [](const Layer& l) {
            std::vector<double> b;
            for (int32_t j = 0; j < l.outputs; ++j) b.push_back(ToDouble(l.Bias(j)));
            return py::array_t<double>(b.size(), b.data());
          },
          "bias/denominator as float64");
}

void DefineNetwork(py::module_& m) {
  py::class_<Network>(m, "Network", py::dynamic_attr(), "An exact network (mnemo network format).")
      .def_static("load", &LoadNetwork, py::arg("path"))
      .def_static("from_json", [](const std::string& s) { return NetworkFromJson(s, "json"); })
      .def("save", [](const Network& n, const std::string& p) { SaveNetwork(n, p); })
      .def("to_json", &NetworkToJson)
      .def_readonly("construction", &Network::construction)
      .def_readonly("seed", &Network::seed)
      .def_readonly("classification", &Network::classification)
      .def_readonly("class_values", &Network::class_values)
      .def_readonly("class_names", &Network::class_names, "text labels (empty: integer labels)")
      .def_readonly("layers", &Network::layers)
      .def_property_readonly("output", [](const Network& n) { return OutputName(n.output); })
      .def_property_readonly(
          "input_center",
          [](const Network& n) {
            py::list c;
            for (const Rational& q : n.input.center) c.append(ToFraction(q));
            return c;
          },
          "the input map's centre (Fractions; empty = 0)")
      .def_property_readonly("input_scale_log2",
                             [](const Network& n) { return n.input.scale_log2; })
      .def_property_readonly("d", &Network::input_dim)
      .def_property_readonly("stats", [](const Network& n) { return FromJson(ToJson(n.Stats())); })
      .def("weight", &DenseWeight, py::arg("layer"),
           "layer's weights as a dense float64 array (each exact value rounded once)")
      .def("__repr__", [](const Network& n) {
        const NetworkStats s = n.Stats();
        return fmt::format("<mnemo.Network {}: W={}, L={}, output {}>", n.construction, s.width,
                           s.depth, OutputName(n.output));
      });
}

}  // namespace
}  // namespace mnemo

PYBIND11_MODULE(_mnemo, m) {
  using namespace mnemo;
  m.doc() = "mnemo: networks that memorize by construction, proven by exact evaluation";
  py::register_exception<Error>(m, "Error", PyExc_ValueError);
  DefineDataset(m);
  DefineLayer(m);
  DefineNetwork(m);
  m.def("load", &Load, py::arg("spec"), py::arg("labels") = "", py::arg("limit") = 0,
        py::arg("label_column") = "last", py::arg("skip_rows") = 0,
        "a DATA string: a file, fashion-mnist[:train|:test] or synthetic:KIND?...");
  m.def("from_arrays", &FromArrays, py::arg("X"), py::arg("y"), py::arg("name") = "arrays",
        py::arg("names") = std::vector<std::string>());
  m.def("_build", &Build);
  m.def("_verify", &PyVerify);
  m.def("_predict", [](const Network& n, const Dataset& d) { return PredictLabels(n, d.x.Dense()); });
  m.def("_predict_x", [](const Network& n,
                         const py::array_t<double, py::array::c_style | py::array::forcecast>& x) {
    return PredictLabels(n, MatrixOf(x));
  });
  m.def("inspect", &Inspect, py::arg("net"));
  m.def("_check_dtype", [](const Network& n, const Dataset& d, const std::string& dtype) {
    return FromJson(CheckInDtype(n, d, ParseExportDtype(dtype)).ToJson());
  });
  m.def("_export", &Export);
  m.def("constructions", [] {
    std::vector<std::string> names;
    for (const Construction& c : Registry()) names.push_back(c.name);
    return names;
  });
}
