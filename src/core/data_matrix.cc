#include "mnemo/data_matrix.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <mutex>

#include "mnemo/error.h"

namespace mnemo {
namespace {

// `rows` rows of integers from p, times `unit` (a power of two: exact), as binary64 into *out
// (resized; its memory is reused when the size is unchanged, so passes in blocks do not fault
// fresh pages per block), on every core.
template <typename T>
void ToDoubles(const T* p, double unit, int64_t rows, int64_t cols, RowMatrix* out) {
  out->resize(rows, cols);
  double* q = out->data();
#pragma omp parallel for schedule(static) if (rows * cols >= (int64_t(1) << 16))
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = i * cols; j < (i + 1) * cols; ++j) q[j] = double(p[j]) * unit;
}

}  // namespace

DataMatrix::DataMatrix(int64_t rows, int64_t cols, Type type)
    : rows_(rows), cols_(cols), type_(type) {
  if (type == Type::kU8) u8_.assign(size_t(rows * cols), 0);
  else if (type == Type::kI32) i32_.assign(size_t(rows * cols), 0);
  else f64_ = RowMatrix::Zero(rows, cols);
}

DataMatrix::DataMatrix(RowMatrix x)
    : rows_(x.rows()), cols_(x.cols()), type_(Type::kF64), f64_(std::move(x)) {}

DataMatrix::DataMatrix(int64_t rows, int64_t cols, std::vector<uint8_t> bytes)
    : rows_(rows), cols_(cols), type_(Type::kU8), u8_(std::move(bytes)) {
  MNEMO_CHECK(int64_t(u8_.size()) == rows * cols, "DataMatrix: {} bytes for {}x{}", u8_.size(),
              rows, cols);
}

DataMatrix::DataMatrix(int64_t rows, int64_t cols, std::vector<int32_t> ints, int exponent)
    : rows_(rows), cols_(cols), type_(Type::kI32), exponent_(exponent),
      unit_(std::ldexp(1.0, exponent)), i32_(std::move(ints)) {
  MNEMO_CHECK(int64_t(i32_.size()) == rows * cols, "DataMatrix: {} integers for {}x{}",
              i32_.size(), rows, cols);
  MNEMO_CHECK(exponent >= -1074 && exponent <= 900, "DataMatrix: exponent {}", exponent);
}

const char* DataMatrix::TypeName() const {
  return type_ == Type::kU8 ? "uint8" : type_ == Type::kI32 ? "int32" : "float64";
}

Eigen::RowVectorXd DataMatrix::row(int64_t i) const {
  if (type_ == Type::kF64) return f64_.row(i);
  return Block(i, 1);
}

RowMatrix DataMatrix::Block(int64_t first, int64_t count) const {
  if (type_ == Type::kF64) return f64_.middleRows(first, count);
  RowMatrix b;
  IntegersToDoubles(first, count, &b);
  return b;
}

void DataMatrix::IntegersToDoubles(int64_t first, int64_t count, RowMatrix* out) const {
  if (type_ == Type::kU8) ToDoubles(u8_.data() + first * cols_, 1.0, count, cols_, out);
  else ToDoubles(i32_.data() + first * cols_, unit_, count, cols_, out);
}

int64_t DataMatrix::RowsPerBlock(int64_t values) const {
  return std::max<int64_t>(8, (values / std::max<int64_t>(1, cols_)) & ~int64_t(7));
}

void DataMatrix::ForEachBlock(const std::function<void(int64_t, const RowMatrix&)>& fn,
                              int64_t block_rows, int64_t begin, int64_t end) const {
  if (end < 0 || end > rows_) end = rows_;
  if (begin >= end) return;
  if (type_ == Type::kF64 && block_rows <= 0) {
    if (begin == 0 && end == rows_) fn(0, f64_);
    else fn(begin, Block(begin, end - begin));
    return;
  }
  const int64_t step = block_rows > 0 ? block_rows : DefaultBlockRows();
  RowMatrix block;
  for (int64_t first = begin; first < end; first += step) {
    const int64_t count = std::min(step, end - first);
    if (type_ == Type::kF64) block = f64_.middleRows(first, count);
    else IntegersToDoubles(first, count, &block);
    fn(first, block);
  }
}

const RowMatrix& DataMatrix::Dense() const {
  if (type_ == Type::kF64) return f64_;
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock(mutex);
  if (!dense_) dense_ = std::make_shared<const RowMatrix>(Block(0, rows_));
  return *dense_;
}

bool DataMatrix::RowsEqual(int64_t a, int64_t b) const {
  if (type_ == Type::kU8)
    return std::memcmp(u8_.data() + a * cols_, u8_.data() + b * cols_, size_t(cols_)) == 0;
  if (type_ == Type::kI32)
    return std::memcmp(i32_.data() + a * cols_, i32_.data() + b * cols_, size_t(cols_) * 4) == 0;
  return (f64_.row(a).array() == f64_.row(b).array()).all();
}

void DataMatrix::KeepRows(const std::vector<int64_t>& keep) {
  Dirty();
  for (size_t p = 0; p < keep.size(); ++p) {
    MNEMO_CHECK(keep[p] >= int64_t(p), "KeepRows needs ascending rows");
    if (keep[p] == int64_t(p)) continue;
    if (type_ == Type::kU8)
      std::memmove(u8_.data() + p * cols_, u8_.data() + keep[p] * cols_, size_t(cols_));
    else if (type_ == Type::kI32)
      std::memmove(i32_.data() + p * cols_, i32_.data() + keep[p] * cols_, size_t(cols_) * 4);
    else
      f64_.row(int64_t(p)) = f64_.row(keep[p]);
  }
  Truncate(int64_t(keep.size()));
}

void DataMatrix::Truncate(int64_t rows) {
  if (rows >= rows_) return;
  Dirty();
  rows_ = rows;
  if (type_ == Type::kU8) {
    u8_.resize(size_t(rows * cols_));
    u8_.shrink_to_fit();
  } else if (type_ == Type::kI32) {
    i32_.resize(size_t(rows * cols_));
    i32_.shrink_to_fit();
  } else {
    f64_.conservativeResize(rows, Eigen::NoChange);
  }
}

bool DataMatrix::CompactToBytes() {
  if (type_ == Type::kU8) return true;
  if (type_ == Type::kI32) return false;
  const double* p = f64_.data();
  for (int64_t k = 0; k < size(); ++k)
    if (!(p[k] >= 0 && p[k] <= 255 && p[k] == double(int(p[k])))) return false;
  u8_.resize(size_t(size()));
  for (int64_t k = 0; k < size(); ++k) u8_[size_t(k)] = uint8_t(p[k]);
  f64_ = RowMatrix();
  type_ = Type::kU8;
  Dirty();
  return true;
}

}  // namespace mnemo
