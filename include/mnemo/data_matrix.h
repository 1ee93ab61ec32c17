// DataMatrix: the points of a dataset (n × d, row-major), stored as compactly as they came.
// Unsigned-byte data (IDX images, uint8 .npy, CSV/npy of integers in 0..255) stays one byte per
// value; generated points on a dyadic grid (synthetic sphere and ball: k·2^-30, |k| ≤ 2^30) are
// kept as 32-bit integers k with their common exponent; everything else is kept once as the
// binary64 values read. Every value is an exact binary64 number, and readers see doubles: (i, j), Row(i), Block(first, count) copy only
// what they ask for, and ForEachBlock() passes over every row a block at a time (verification
// and the constructions that work on a line read rows this way). Only steps that need the whole
// matrix as binary64 at once call Dense(): the stored matrix itself for binary64 data, one
// cached copy (8 bytes per value) for byte and integer data.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include <Eigen/Dense>

namespace mnemo {

using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

class DataMatrix {
 public:
  enum class Type { kU8, kI32, kF64 };

  DataMatrix() = default;
  /// n × d zeros of the given type.
  DataMatrix(int64_t rows, int64_t cols, Type type);
  /// Binary64 data (moved in, no copy). Implicit: a RowMatrix is a dataset's points as they are.
  DataMatrix(RowMatrix x);  // NOLINT(google-explicit-constructor)

  /// Byte data (moved in, no copy); bytes.size() must be rows·cols.
  DataMatrix(int64_t rows, int64_t cols, std::vector<uint8_t> bytes);
  /// Integer data k·2^exponent (moved in, no copy); ints.size() must be rows·cols and
  /// −1074 ≤ exponent ≤ 900 (every value is then an exact binary64 number).
  DataMatrix(int64_t rows, int64_t cols, std::vector<int32_t> ints, int exponent);

  int64_t rows() const { return rows_; }
  int64_t cols() const { return cols_; }
  int64_t size() const { return rows_ * cols_; }
  Type type() const { return type_; }
  /// Bytes the values take (n·d for bytes, 4·n·d for integers, 8·n·d for binary64).
  int64_t bytes() const { return size() * (type_ == Type::kU8 ? 1 : type_ == Type::kI32 ? 4 : 8); }
  /// "uint8", "int32" or "float64".
  const char* TypeName() const;
  /// Integer data's common exponent: value = k·2^exponent() (0 for the other types).
  int exponent() const { return exponent_; }

  double operator()(int64_t i, int64_t j) const {
    const size_t k = size_t(i * cols_ + j);
    switch (type_) {
      case Type::kU8: return double(u8_[k]);
      case Type::kI32: return Value(i32_[k]);
      default: return f64_(i, j);
    }
  }
  /// Integer data: k·2^exponent() as binary64 (exact).
  double Value(int32_t k) const { return double(k) * unit_; }
  /// Row i as binary64 (a copy of d values).
  Eigen::RowVectorXd row(int64_t i) const;
  /// Rows [first, first + count) as binary64 (a copy of that block only).
  RowMatrix Block(int64_t first, int64_t count) const;
  /// Calls fn(first, block) on consecutive blocks of `block_rows` rows of [begin, end) (end < 0:
  /// the last row) as binary64, in order. block_rows = 0: all of binary64 data is one block (the
  /// stored matrix, no copy), a part of it one copied block; byte data is converted about 4 MB
  /// of binary64 at a time.
  void ForEachBlock(const std::function<void(int64_t first, const RowMatrix& block)>& fn,
                    int64_t block_rows = 0, int64_t begin = 0, int64_t end = -1) const;
  /// Rows per block of byte data that ForEachBlock uses for block_rows = 0 (2^19 values).
  int64_t DefaultBlockRows() const { return RowsPerBlock(int64_t(1) << 19); }
  /// Rows (a multiple of 8, at least 8) of about `values` values: blocks for passes whose
  /// per-block setup costs more (verification: 2^22 values, 32 MB as binary64).
  int64_t RowsPerBlock(int64_t values) const;
  /// The whole matrix as binary64: the stored one, or (byte data) one copy made on first use
  /// and kept while this matrix lives.
  const RowMatrix& Dense() const;
  bool allFinite() const { return type_ != Type::kF64 || f64_.allFinite(); }

  /// Raw storage for readers and fast paths (the one matching type()).
  uint8_t* u8() { return u8_.data(); }
  const uint8_t* u8() const { return u8_.data(); }
  const int32_t* i32() const { return i32_.data(); }
  double* f64() { return f64_.data(); }
  const double* f64() const { return f64_.data(); }

  /// Whether rows a and b hold the same values (−0 equals 0).
  bool RowsEqual(int64_t a, int64_t b) const;
  /// Keeps the rows `keep` (ascending) in that order, in place (no second copy of the data).
  void KeepRows(const std::vector<int64_t>& keep);
  /// Keeps the first `rows` rows.
  void Truncate(int64_t rows);
  /// Binary64 data whose values are all integers in 0..255 becomes byte data (in place: the
  /// doubles are freed). Returns whether it did.
  bool CompactToBytes();

 private:
  void Dirty() { dense_.reset(); }
  /// Byte or integer rows [first, first + count) as binary64 into *out (resized), on every core.
  void IntegersToDoubles(int64_t first, int64_t count, RowMatrix* out) const;

  int64_t rows_ = 0, cols_ = 0;
  Type type_ = Type::kF64;
  int exponent_ = 0;
  double unit_ = 1;  // 2^exponent_
  std::vector<uint8_t> u8_;
  std::vector<int32_t> i32_;
  RowMatrix f64_;
  mutable std::shared_ptr<const RowMatrix> dense_;  // byte/integer data as binary64, when asked
};

}  // namespace mnemo
