#include "mnemo/row_blocks.h"

#include <fmt/format.h>

#include "mnemo/error.h"
#include "mnemo/memory.h"

namespace mnemo {

RowBlocks::RowBlocks(const RowMatrix& matrix)
    : rows_(matrix.rows()), cols_(matrix.cols()), matrix_(&matrix) {}

RowBlocks::RowBlocks(int64_t rows, int64_t cols, Source source)
    : rows_(rows), cols_(cols), source_(std::move(source)) {}

void RowBlocks::ForEach(const Visitor& fn) const {
  if (matrix_) {
    fn(0, *matrix_);
    return;
  }
  int64_t next = 0;
  source_([&](int64_t first, const RowMatrix& block) {
    MNEMO_CHECK(first == next && block.cols() == cols_, "RowBlocks: block at {} (expected {})",
                first, next);
    next = first + block.rows();
    fn(first, block);
  });
  MNEMO_CHECK(next == rows_, "RowBlocks: blocks covered {} of {} rows", next, rows_);
}

const RowMatrix& RowBlocks::All() const {
  if (matrix_) return *matrix_;
  std::call_once(made_, [&] {
    CheckMemory(rows_ * cols_ * 8, "the construction",
                fmt::format("all {}×{} points as binary64 at once", rows_, cols_),
                "use --limit N, or a construction that reads the points in blocks (bitextract, "
                "zhang, yun)");
    all_ = std::make_unique<RowMatrix>(rows_, cols_);
    ForEach([&](int64_t first, const RowMatrix& b) { all_->middleRows(first, b.rows()) = b; });
  });
  return *all_;
}

}  // namespace mnemo
