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

// The exact projections of every direction as one double product (integers below 2^52 in
// units 2^-(dir_bits + frac)); the scale by 2^frac is applied to the product, which is exact,
// so the data are never copied.
Eigen::MatrixXd ProjectAll(const RowMatrix& xn, int frac,
                           const std::vector<std::vector<int64_t>>& dirs) {
  Eigen::MatrixXd vm(xn.cols(), int64_t(dirs.size()));
  for (size_t t = 0; t < dirs.size(); ++t)
    for (int64_t j = 0; j < xn.cols(); ++j) vm(j, int64_t(t)) = double(dirs[t][j]);
  Eigen::MatrixXd proj = xn * vm;
  proj *= std::ldexp(1.0, frac);
  return proj;
}

// Smallest gap of one exact column (doubles holding integers: differences are exact).
double ColumnGap(const Eigen::MatrixXd& proj, int64_t t, std::vector<int64_t>* order) {
  const int64_t n = proj.rows();
  order->resize(n);
  std::iota(order->begin(), order->end(), 0);
  const double* col = proj.col(t).data();
  std::sort(order->begin(), order->end(), [&](int64_t a, int64_t b) { return col[a] < col[b]; });
  double gap = n > 1 ? HUGE_VAL : 0;
  for (int64_t k = 1; k < n; ++k) gap = std::min(gap, col[(*order)[k]] - col[(*order)[k - 1]]);
  return gap;
}

// Which tries can have the largest smallest gap: every rounded projection is within
// E = (d + 2)·2^-52·max_i Σ_j |x'_ij|·2^frac·max_j |v_j| of the exact one, so a rounded smallest
// gap is within 2E of the exact one; tries more than 4E below the best rounded gap cannot win.
std::vector<bool> CandidateTries(const RowMatrix& xn, int frac,
                                 const std::vector<std::vector<int64_t>>& dirs) {
  const int tries = int(dirs.size());
  std::vector<bool> keep(tries, true);
  if (xn.rows() < 2 || tries == 1) return keep;
  const Eigen::MatrixXd proj = ProjectAll(xn, frac, dirs);
  double row_max = 0;
  for (int64_t i = 0; i < xn.rows(); ++i) row_max = std::max(row_max, xn.row(i).cwiseAbs().sum());
  const double slack = double(xn.cols() + 2) * 0x1.0p-52 * std::ldexp(row_max, frac) * 1.01;
  std::vector<double> gap(tries), bound(tries);
  std::vector<int64_t> order;
  double best = -HUGE_VAL;
  for (int t = 0; t < tries; ++t) {
    int64_t vmax = 0;
    for (int64_t x : dirs[t]) vmax = std::max<int64_t>(vmax, std::llabs(x));
    bound[t] = slack * double(vmax);
    gap[t] = ColumnGap(proj, t, &order);
    best = std::max(best, gap[t] - 2 * bound[t]);
  }
  for (int t = 0; t < tries; ++t) keep[t] = gap[t] + 2 * bound[t] >= best;
  return keep;
}

DyadicProjection ChooseProjection(const RowMatrix& xn, int tries, Rng& rng, int dir_bits,
                                  bool first_distinct) {
  MNEMO_CHECK(tries >= 1, "at least one direction");
  const int64_t n = xn.rows();
  const int frac = FractionBits(xn);
  const auto dirs = DrawDirections(xn.cols(), tries, dir_bits, rng);
  if (n > 1 && ProductIsExact(xn, frac, dirs)) {
    // Integer-grid data: every try is sorted on doubles; only the best becomes Integers.
    const Eigen::MatrixXd proj = ProjectAll(xn, frac, dirs);
    int best_t = 0, used = 0;
    double best_gap = -1;
    std::vector<int64_t> order, best_order;
    for (int t = 0; t < tries; ++t) {
      const double gap = ColumnGap(proj, t, &order);
      used = t + 1;
      if (gap > best_gap) best_gap = gap, best_t = t, best_order.swap(order);
      if (first_distinct && best_gap > 0) break;
    }
    DyadicProjection best;
    best.v = dirs[best_t];
    best.dir_bits = dir_bits;
    best.frac_bits = frac;
    best.p.resize(n);
    for (int64_t i = 0; i < n; ++i) best.p[i] = proj(i, best_t);
    best.order = std::move(best_order);
    best.min_gap = best_gap;
    best.tries = used;
    return best;
  }
  // General data: a double product ranks the tries; only those whose rounded gap is within the
  // rounding bound of the best are projected exactly (usually one), and the exact gaps decide.
  // The result is the one an exact projection of every try would give.
  const std::vector<bool> candidate =
      first_distinct ? std::vector<bool>(tries, true) : CandidateTries(xn, frac, dirs);
  DyadicProjection best;
  bool have = false;
  int used = 0;
  for (int t = 0; t < tries; ++t) {
    used = t + 1;
    if (!candidate[t]) continue;
    DyadicProjection c;
    c.v = dirs[t];
    c.dir_bits = dir_bits;
    c.frac_bits = frac;
    c.p = ProjectExactWithBits(xn, c.v, frac);
    SortAndGap(&c);
    if (!have || c.min_gap > best.min_gap) {
      best = std::move(c);
      have = true;
    }
    if (n <= 1 || (first_distinct && best.min_gap > 0)) break;
  }
  best.tries = used;
  return best;
}

DyadicProjection ChooseSeparatingProjection(const RowMatrix& normalized, int tries, Rng& rng,
                                            int dir_bits, int max_dir_bits) {
  DyadicProjection p = ChooseProjection(normalized, tries, rng, dir_bits);
  while (normalized.rows() > 1 && p.min_gap <= 0 && dir_bits < max_dir_bits) {
    dir_bits = std::min(max_dir_bits, dir_bits + 19);
    p = ChooseProjection(normalized, tries, rng, dir_bits);
  }
  return p;
}

int DirectionBitsForBudget(const RowMatrix& normalized, int budget_bits) {
  const int frac = FractionBits(normalized);
  double max_row = 1;
  for (int64_t i = 0; i < normalized.rows(); ++i)
    max_row = std::max(max_row, std::ldexp(normalized.row(i).cwiseAbs().sum(), frac));
  return std::min(kDirectionBits, int(std::floor(budget_bits - 2 - std::log2(6 * max_row))));
}

}  // namespace mnemo::internal
