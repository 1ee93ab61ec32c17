// Helpers shared by the hyperplane constructions (baum, bubeck): least-squares hyperplanes
// through a group of points in the span of the group, rounded to a dyadic grid, whose exact
// values on every data point are then computed with ProjectExact. Only the exact values decide
// anything; the float solve is a way to propose a hyperplane.
#pragma once

#include <cmath>
#include <cstdint>
#include <optional>
#include <vector>

#include <Eigen/Dense>

#include "mnemo/dataset.h"

namespace mnemo::internal {

/// Min-norm solutions w = X_gᵀ α of X_g w = rhs_k for each right-hand side (columns of rhs,
/// |g| rows), through the Gram matrix of the group. nullopt when the group's points are
/// linearly dependent (numerically), i.e. no hyperplane through them is determined this way.
inline std::optional<Eigen::MatrixXd> SolveInSpan(const RowMatrix& x,
                                                  const std::vector<int32_t>& group,
                                                  const Eigen::MatrixXd& rhs) {
  const int64_t g = int64_t(group.size());
  Eigen::MatrixXd xg(g, x.cols());
  for (int64_t i = 0; i < g; ++i) xg.row(i) = x.row(group[i]);
  Eigen::MatrixXd gram = xg * xg.transpose();
  Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(gram);
  qr.setThreshold(1e-12);
  if (qr.rank() < g) return std::nullopt;
  Eigen::MatrixXd alpha = qr.solve(rhs);
  if (!alpha.allFinite()) return std::nullopt;
  return Eigen::MatrixXd(xg.transpose() * alpha);
}

/// Rounds w to the grid 2^-bits with |numerators| < 2^40 (bits ≤ 60). nullopt if w is too
/// large to round that way (more than 2^40 in absolute value).
inline std::optional<std::vector<int64_t>> RoundToGrid(const Eigen::VectorXd& w, int* bits) {
  double mx = 0;
  for (int64_t j = 0; j < w.size(); ++j) mx = std::max(mx, std::fabs(w[j]));
  if (!std::isfinite(mx) || mx >= 0x1p40) return std::nullopt;
  int b = mx > 0 ? 40 - (std::ilogb(mx) + 1) : 40;
  b = std::min(b, 60);
  if (b < 0) b = 0;
  std::vector<int64_t> out(w.size());
  for (int64_t j = 0; j < w.size(); ++j) out[j] = std::llround(std::ldexp(w[j], b));
  *bits = b;
  return out;
}

}  // namespace mnemo::internal
