#include "mnemo/smtlib_export.h"

#include "mnemo/error.h"
#include "mnemo/verify.h"

namespace mnemo {
namespace {

// An exact SMT-LIB real: 3.0, (- 3.0), (/ 1.0 3.0), (- (/ 1.0 3.0)).
std::string Real(const Rational& q) {
  const Integer num = abs(q.get_num());
  std::string s = q.get_den() == 1
                      ? num.get_str() + ".0"
                      : fmt::format("(/ {}.0 {}.0)", num.get_str(), q.get_den().get_str());
  return sgn(q) < 0 ? "(- " + s + ")" : s;
}

// Whether point p gets class `c` (−1: its label is no class of the network) from outputs y.
std::string Correct(const Network& net, const std::vector<std::string>& y, int64_t c,
                    const Rational* target) {
  if (!net.classification) return fmt::format("(= {} {})", y[0], Real(*target));
  if (c < 0) return "false";
  std::string s = "(and true";
  switch (net.output) {
    case OutputKind::kValue:
      s += fmt::format(" (= {} {}.0)", y[0], c);
      break;
    case OutputKind::kArgmax:
      for (size_t k = 0; k < y.size(); ++k)
        if (int64_t(k) != c) s += fmt::format(" (> {} {})", y[c], y[k]);
      break;
    case OutputKind::kBits:
      for (size_t b = 0; b < y.size(); ++b)
        s += fmt::format(" (= {} {}.0)", y[b], b < 63 ? (c >> b) & 1 : 0);
      break;
  }
  return s + ")";
}

// An exact SMT-LIB integer: 3 or (- 3).
std::string Int(const Integer& v) { return sgn(v) < 0 ? "(- " + Integer(-v).get_str() + ")" : v.get_str(); }

// The neurons of point p as constants v_p_l_j; returns the names of the last layer's values.
// Each affine map is written over integers, (= (* denominator z) (+ bias (* weight h) ...)),
// so the solver multiplies integers by the values and never divides (see export-formats.md).
std::vector<std::string> Point(const Network& net, const std::vector<std::string>& input, int64_t p,
                               std::string* out) {
  std::vector<std::string> h = input;
  for (size_t l = 0; l < net.layers.size(); ++l) {
    const Layer& layer = net.layers[l];
    std::vector<std::string> next(layer.outputs);
    for (int32_t j = 0; j < layer.outputs; ++j) {
      std::string sum = "(+ " + Int(layer.bias[j]);
      for (int64_t k = layer.row_ptr[j]; k < layer.row_ptr[j + 1]; ++k)
        sum += fmt::format(" (* {} {})", Int(layer.weight[k]), h[layer.col[k]]);
      const std::string z = fmt::format("z_{}_{}_{}", p, l, j);
      next[j] = fmt::format("v_{}_{}_{}", p, l, j);
      const std::string scaled =
          layer.denominator == 1 ? z : fmt::format("(* {} {})", Int(layer.denominator), z);
      *out += fmt::format("(declare-const {} Real)\n(assert (= {} {}))\n", z, scaled, sum + ")");
      std::string value = z;
      if (layer.activation.kind == Activation::kRelu)
        value = fmt::format("(ite (>= {} 0) {} 0)", z, z);
      else if (layer.activation.kind == Activation::kStep)
        value = fmt::format("(ite (>= {} 0) 1 0)", z);
      *out += fmt::format("(declare-const {} Real)\n(assert (= {} {}))\n", next[j], next[j], value);
    }
    h = std::move(next);
  }
  return h;
}

}  // namespace

std::string SmtlibCertificate(const Network& net, const Dataset& data) {
  if (net.input_dim() != data.d())
    Fail("{}: the network reads {} inputs but the data has {} columns", data.source,
         net.input_dim(), data.d());
  for (size_t l = 0; l < net.layers.size(); ++l)
    if (!net.layers[l].activation.IsExact())
      Fail("layers[{}] uses the activation {}: no exact SMT-LIB form", l,
           ToString(net.layers[l].activation));
  const std::vector<int64_t> index = data.classification ? NetworkClassOf(net, data)
                                                         : std::vector<int64_t>();
  std::string out = fmt::format(
      "; mnemo certificate: {} network on {} (fingerprint {}), {} points.\n"
      "; unsat <=> the network gives every point its label; sat: (get-value (wrong_P ...)).\n"
      "(set-logic QF_LRA)\n(set-option :produce-models true)\n",
      net.construction, data.source, data.Fingerprint().hash, data.n());
  const Rational scale = net.input.scale_log2 >= 0
                             ? Rational(1, 1) / Rational(Integer(1) << net.input.scale_log2)
                             : Rational(Integer(1) << -net.input.scale_log2);
  std::string any = "(assert (or false";
  for (int64_t p = 0; p < data.n(); ++p) {
    out += fmt::format("; point {} ({}), label {}\n", p, data.PointName(p), data.LabelString(p));
    std::vector<std::string> x(data.d());
    for (int64_t j = 0; j < data.d(); ++j) {
      const Rational c = net.input.center.empty() ? Rational(0) : net.input.center[j];
      x[j] = fmt::format("x_{}_{}", p, j);
      out += fmt::format("(declare-const {} Real)\n(assert (= {} (* (- {} {}) {})))\n", x[j], x[j],
                         Real(RationalFromDouble(data.x(p, j))), Real(c), Real(scale));
    }
    const std::vector<std::string> y = Point(net, x, p, &out);
    int64_t c = -1;
    Rational target;
    if (data.classification) {
      c = index[data.y[p]];
      if (!net.classification) target = data.class_values[data.y[p]];
    } else {
      target = RationalFromDouble(data.target[p]);
    }
    out += fmt::format("(declare-const wrong_{} Bool)\n(assert (= wrong_{} (not {})))\n", p, p,
                       Correct(net, y, c, &target));
    any += fmt::format(" wrong_{}", p);
  }
  return out + any + "))\n(check-sat)\n";
}

}  // namespace mnemo
