// RowBlocks: the rows of an n × d binary64 matrix visited in consecutive blocks, in order, so a
// pass over every point needs the memory of one block only. A matrix already in memory is one
// block (no copy); a blocked source (the normalized points of a dataset stored as bytes, say)
// makes each block when it is visited. Steps that need every point at once ask for All(): the
// matrix itself, or one copy made on first use and kept while the RowBlocks lives.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>

#include "mnemo/data_matrix.h"

namespace mnemo {

class RowBlocks {
 public:
  using Visitor = std::function<void(int64_t first, const RowMatrix& block)>;
  using Source = std::function<void(const Visitor&)>;

  /// A matrix in memory: one block, the matrix itself (it must outlive this object).
  RowBlocks(const RowMatrix& matrix);  // NOLINT(google-explicit-constructor): any matrix is one
  /// `source` calls its visitor on consecutive blocks covering rows 0..rows−1 in order.
  RowBlocks(int64_t rows, int64_t cols, Source source);

  int64_t rows() const { return rows_; }
  int64_t cols() const { return cols_; }
  /// Calls fn(first, block) on every block, in row order.
  void ForEach(const Visitor& fn) const;
  /// Every row in memory at once (made on first use for a blocked source).
  const RowMatrix& All() const;

 private:
  int64_t rows_ = 0, cols_ = 0;
  const RowMatrix* matrix_ = nullptr;
  Source source_;
  mutable std::once_flag made_;
  mutable std::unique_ptr<RowMatrix> all_;
};

}  // namespace mnemo
