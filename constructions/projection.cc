#include "constructions/projection.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "mnemo/error.h"

namespace mnemo::internal {
namespace {

std::vector<std::vector<int64_t>> DrawDirections(int64_t d, int tries, int dir_bits, Rng& rng) {
  Gaussian gauss;
  std::vector<std::vector<int64_t>> dirs(tries, std::vector<int64_t>(d));
  for (auto& v : dirs)
    for (auto& x : v) x = std::llround(std::ldexp(gauss(rng), dir_bits));
  return dirs;
}

// True when every projection of every direction is an integer below 2^52 in units
// 2^-(dir_bits + frac): one double product is then exact (bound proven in integers).
bool ProductIsExact(const RowMatrix& xn, int frac, const std::vector<std::vector<int64_t>>& dirs) {
  // Every x'·2^frac is an integer (frac = FractionBits); while a running sum of such integers
  // stays below 2^52 every addition is exact, so `max_row` is the exact largest row 1-norm.
  const double limit = 0x1.0p52;
  double max_row = 0;
  for (int64_t i = 0; i < xn.rows(); ++i) {
    double row = 0;
    for (int64_t j = 0; j < xn.cols(); ++j) {
      row += std::ldexp(std::fabs(xn(i, j)), frac);
      if (row >= limit) return false;
    }
    max_row = std::max(max_row, row);
  }
  int64_t max_v = 0;
  for (const auto& v : dirs)
    for (int64_t x : v) max_v = std::max<int64_t>(max_v, std::llabs(x));
  return Integer(static_cast<long>(max_row)) * Integer(static_cast<long>(max_v)) < Pow2(52);
}

void SortAndGap(DyadicProjection* c) {
  const int64_t n = int64_t(c->p.size());
  c->order.resize(n);
  std::iota(c->order.begin(), c->order.end(), 0);
  std::sort(c->order.begin(), c->order.end(),
            [&](int64_t a, int64_t b) { return c->p[a] < c->p[b]; });
  c->min_gap = 0;
  for (int64_t k = 1; k < n; ++k) {
    Integer g = c->p[c->order[k]] - c->p[c->order[k - 1]];
    if (k == 1 || g < c->min_gap) c->min_gap = g;
  }
}

}  // namespace

Form DyadicProjection::AsForm() const {
  Form f;
  for (size_t j = 0; j < v.size(); ++j)
    if (v[j] != 0) f.AddTerm(Node(j), Integer(static_cast<long>(v[j])));
  f *= Rational(1, Pow2(dir_bits));
  return f;
}

double DyadicProjection::DeltaLower() const {
  double norm = 0;
  for (int64_t x : v) norm += double(x) * double(x);
  norm = std::sqrt(norm);
  if (norm == 0 || p.size() < 2) return 0;
  return std::ldexp(ToDouble(min_gap), -frac_bits) / norm * (1 - 1e-12);
}

DyadicProjection ChooseProjection(const RowMatrix& xn, int tries, Rng& rng, int dir_bits,
                                  bool first_distinct) {
  MNEMO_CHECK(tries >= 1, "at least one direction");
  const int64_t n = xn.rows();
  const int frac = FractionBits(xn);
  const auto dirs = DrawDirections(xn.cols(), tries, dir_bits, rng);
  Eigen::MatrixXd proj;
  const bool gemm = n > 1 && ProductIsExact(xn, frac, dirs);
  if (gemm) {
    Eigen::MatrixXd vm(xn.cols(), tries);
    for (int t = 0; t < tries; ++t)
      for (int64_t j = 0; j < xn.cols(); ++j) vm(j, t) = double(dirs[t][j]);
    proj = (xn * std::ldexp(1.0, frac)) * vm;  // exact: integers below 2^52
  }
  DyadicProjection best;
  bool have = false;
  for (int t = 0; t < tries; ++t) {
    DyadicProjection c;
    c.v = dirs[t];
    c.dir_bits = dir_bits;
    c.frac_bits = frac;
    if (gemm) {
      c.p.resize(n);
      for (int64_t i = 0; i < n; ++i) c.p[i] = proj(i, t);
    } else {
      c.p = ProjectExactWithBits(xn, c.v, frac);
    }
    SortAndGap(&c);
    if (!have || c.min_gap > best.min_gap) {
      best = std::move(c);
      have = true;
    }
    best.tries = t + 1;
    if (n <= 1 || (first_distinct && best.min_gap > 0)) break;
  }
  return best;
}

}  // namespace mnemo::internal
