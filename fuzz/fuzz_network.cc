// Network JSON loader, differentially: a file that loads must save and load back to the same
// bytes, and on small exact networks the fast exact evaluator must agree with the rational
// reference on inputs at the edges of binary64; the exact decision must accept the outputs.
#include <cmath>

#include "fuzz/fuzz_util.h"
#include "mnemo/decide.h"
#include "mnemo/evaluate.h"
#include "mnemo/io.h"

namespace {

bool SmallAndExact(const mnemo::Network& net) {
  if (net.input_dim() > 8 || net.layers.size() > 24) return false;
  int64_t nonzeros = 0, bits = 0;
  for (const mnemo::Layer& l : net.layers) {
    if (!l.activation.IsExact() || l.outputs > 64) return false;
    nonzeros += l.nonzeros();
    for (const mnemo::Integer& w : l.weight) bits += mnemo::BitLength(w);
    bits += mnemo::BitLength(l.denominator);
  }
  return nonzeros <= 512 && bits <= 20000 && std::abs(net.input.scale_log2) <= 4096;
}

mnemo::RowMatrix EdgeInputs(int32_t d) {
  const double values[] = {0, 1, -3, 0.5, 1e-300, 5e-324, 1e300, -2.5, 255, 0.1};
  mnemo::RowMatrix x(6, d);
  for (int64_t i = 0; i < x.rows(); ++i)
    for (int32_t j = 0; j < d; ++j) x(i, j) = i == 0 ? 0 : values[(i * 7 + j * 3) % 10];
  return x;
}

void Evaluate(const mnemo::Network& net) {
  mnemo::RowMatrix x = EdgeInputs(net.input_dim());
  mnemo::ExactOutputs out = mnemo::EvaluateExact(net, x);
  for (int64_t i = 0; i < x.rows(); ++i) {
    std::vector<mnemo::Rational> ref = mnemo::EvaluateReference(net, x.row(i).data());
    for (int64_t c = 0; c < out.cols; ++c)
      if (out.At(i, c) != ref[c]) __builtin_trap();
    mnemo::Answer a = mnemo::Decide(net, &out.numerator[i * out.cols], out.Scale(i));
    if (net.classification && a.class_index >= int64_t(net.class_values.size())) __builtin_trap();
    mnemo::AnswerString(net, a);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mnemo::fuzz::Expect([&] {
    mnemo::Network net = mnemo::NetworkFromJson(mnemo::fuzz::Text(data, size), "fuzz.json");
    std::string saved = mnemo::NetworkToJson(net);
    if (mnemo::NetworkToJson(mnemo::NetworkFromJson(saved, "saved.json")) != saved) __builtin_trap();
    if (SmallAndExact(net)) Evaluate(net);
  });
  return 0;
}
