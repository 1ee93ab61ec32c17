// LayerWriter: builds one exact Layer row by row when every row has a power-of-two
// denominator 2^e_row. The layer's common denominator is 2^den_log2 (≥ every e_row); each
// row's integer numerators are lifted by 2^(den_log2 − e_row), so the stored values are
// exactly the rows' values. Filling the CSR arrays directly is much faster than MakeLayer's
// Rational per entry for the large sparse layers of the constructions.
#pragma once

#include <cstdint>

#include "mnemo/error.h"
#include "mnemo/network.h"

namespace mnemo::internal {

class LayerWriter {
 public:
  LayerWriter(int32_t inputs, int den_log2, Activation::Kind act) : den_(den_log2) {
    layer_.inputs = inputs;
    layer_.activation.kind = act;
    layer_.row_ptr = {0};
  }
  /// Starts a row whose numerators are over 2^row_den_log2.
  void Begin(int row_den_log2) {
    lift_ = den_ - row_den_log2;
    MNEMO_CHECK(lift_ >= 0, "row denominator 2^{} above the layer's 2^{}", row_den_log2, den_);
  }
  /// Weight num·2^shift (over the row's denominator) on input `col`; zeros are skipped.
  void Add(int32_t col, int64_t num, int shift = 0) {
    if (num == 0) return;
    Add(col, Integer(static_cast<long>(num)), shift);
  }
  void Add(int32_t col, const Integer& num, int shift = 0) {
    if (sgn(num) == 0) return;
    MNEMO_CHECK(col >= 0 && col < layer_.inputs, "column {} of {}", col, layer_.inputs);
    MNEMO_CHECK(lift_ + shift >= 0);
    Integer v = num;
    if (lift_ + shift > 0) mpz_mul_2exp(v.get_mpz_t(), v.get_mpz_t(), lift_ + shift);
    layer_.col.push_back(col);
    layer_.weight.push_back(std::move(v));
  }
  /// Ends the row with bias numerator `bias` (over the row's denominator).
  void End(const Integer& bias) {
    Integer b = bias;
    if (lift_ > 0) mpz_mul_2exp(b.get_mpz_t(), b.get_mpz_t(), lift_);
    layer_.bias.push_back(std::move(b));
    layer_.row_ptr.push_back(int64_t(layer_.col.size()));
    ++layer_.outputs;
  }
  int32_t rows() const { return layer_.outputs; }
  Layer Finish() {
    layer_.denominator = Pow2(den_);
    return std::move(layer_);
  }

 private:
  Layer layer_;
  int den_ = 0, lift_ = 0;
};

}  // namespace mnemo::internal
