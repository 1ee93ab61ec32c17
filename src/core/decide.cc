#include "mnemo/decide.h"

#include <cmath>

#include "mnemo/error.h"
#include "mnemo/evaluate.h"

namespace mnemo {
namespace {

Rational Output(const Integer& numerator, const Integer& scale) {
  Rational v(numerator, scale);
  v.canonicalize();
  return v;
}

Answer DecideArgmax(int64_t cols, const Integer* o) {
  Answer a;
  int64_t best = 0;
  for (int64_t c = 1; c < cols; ++c)
    if (o[c] > o[best]) best = c;
  for (int64_t c = 0; c < cols; ++c)
    if (c != best && o[c] == o[best]) {
      a.why_none = "tie";
      return a;
    }
  a.class_index = best;
  return a;
}

Answer DecideBits(int64_t cols, const Integer* o, const Integer& scale, int64_t classes) {
  Answer a;
  uint64_t index = 0;
  bool in_range = true;
  for (int64_t b = 0; b < cols; ++b) {
    if (o[b] == 0) continue;
    if (o[b] != scale) {
      a.why_none = fmt::format("non-binary output {} = {}", b, ToString(Output(o[b], scale)));
      return a;
    }
    if (b >= 63) in_range = false;
    else index |= uint64_t(1) << b;
  }
  if (!in_range || index >= uint64_t(classes)) {
    a.why_none = "bits name no class";
    return a;
  }
  a.class_index = int64_t(index);
  return a;
}

}  // namespace

Answer Decide(const Network& net, const Integer* o, const Integer& scale) {
  const int64_t cols = net.output_dim();
  const int64_t classes = int64_t(net.class_values.size());
  if (!net.classification) {
    Answer a;
    a.value = Output(o[0], scale);
    return a;
  }
  switch (net.output) {
    case OutputKind::kArgmax: return DecideArgmax(cols, o);
    case OutputKind::kBits: return DecideBits(cols, o, scale, classes);
    case OutputKind::kValue: break;
  }
  Answer a;
  Rational v = Output(o[0], scale);
  if (v.get_den() == 1 && v >= 0 && v < classes) a.class_index = v.get_num().get_si();
  else a.why_none = fmt::format("output {}", ToString(v));
  return a;
}

std::string AnswerString(const Network& net, const Answer& answer) {
  if (!net.classification) {
    double d = ToDouble(answer.value);
    if (std::isfinite(d) && RationalFromDouble(d) == answer.value) return fmt::format("{}", d);
    return ToString(answer.value);
  }
  if (answer.class_index < 0) return "none";
  return net.ClassLabel(answer.class_index);
}

bool IsCorrect(const Network& net, const Answer& answer, const Expected& expected) {
  if (!net.classification) return answer.value == expected.target;
  return expected.class_index >= 0 && answer.class_index == expected.class_index;
}

Rational Margin(const Network& net, const Integer* o, const Integer& scale, const Expected& expected) {
  const int64_t cols = net.output_dim();
  if (!net.classification) return -abs(Output(o[0], scale) - expected.target);
  const int64_t y = expected.class_index;
  if (y < 0) return -1;
  switch (net.output) {
    case OutputKind::kValue: return Rational(1, 2) - abs(Output(o[0], scale) - y);
    case OutputKind::kArgmax: {
      const Integer* other = nullptr;
      for (int64_t c = 0; c < cols; ++c)
        if (c != y && (!other || o[c] > *other)) other = &o[c];
      return other ? Output(o[y] - *other, scale) : Rational(1);
    }
    case OutputKind::kBits: {
      Rational worst = 0;
      for (int64_t b = 0; b < cols; ++b) {
        int bit = b < 63 && ((uint64_t(y) >> b) & 1);
        Rational diff = abs(Output(o[b], scale) - bit);
        if (diff > worst) worst = diff;
      }
      return Rational(1, 2) - worst;
    }
  }
  return -1;
}

std::vector<Answer> Predict(const Network& net, const RowMatrix& x, bool progress) {
  if (x.cols() != net.input_dim())
    Fail("the network reads {} inputs but the data has {} columns", net.input_dim(), x.cols());
  for (size_t l = 0; l < net.layers.size(); ++l)
    if (!net.layers[l].activation.IsExact())
      Fail("layers[{}] uses the activation {}: exact evaluation is not defined for it; use "
           "--mode float64", l, ToString(net.layers[l].activation));
  std::vector<Answer> answers(x.rows());
  ForEachExactOutput(
      net, x,
      [&](int64_t row, const Integer* o, const Integer& scale) { answers[row] = Decide(net, o, scale); },
      progress);
  return answers;
}

}  // namespace mnemo
