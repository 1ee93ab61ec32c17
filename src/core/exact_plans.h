// The exact path's evaluation plans of one network, kept across calls. A plan (the weights in
// the form each layer's kernel reads, its proven bounds, ramp-prefix tables) depends only on the
// network, the path and the shape of the inputs it takes (their fraction bits and magnitude),
// and costs about as much to build as evaluating a few thousand points: verification, which
// evaluates a dataset block by block, builds it once instead of once per block (at 10^7 points
// of bitextract, 77 blocks of plans of ~10^8 bytes). Outputs are those of ForEachExactOutput.
#pragma once

#include <memory>

#include "mnemo/evaluate.h"

namespace mnemo::internal {

class ExactPlans {
 public:
  /// `net` must outlive this object and stay unchanged.
  explicit ExactPlans(const Network& net, ExactPath path = ExactPath::kShortcuts);
  ~ExactPlans();
  ExactPlans(const ExactPlans&) = delete;
  ExactPlans& operator=(const ExactPlans&) = delete;

  /// ForEachExactOutput(net, x, visit, progress, path), with the plans of earlier calls where
  /// the shape of x's points is the same (at most two are kept: the main plan and the outliers').
  void ForEach(const RowMatrix& x, const ExactVisitor& visit, bool progress = false);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace mnemo::internal
