#include "constructions/projection.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <optional>

#include "mnemo/error.h"
#include "mnemo/project_int128.h"

namespace mnemo::internal {
namespace {

std::vector<std::vector<int64_t>> DrawDirections(int64_t d, int tries, int dir_bits, Rng& rng) {
  Gaussian gauss;
  std::vector<std::vector<int64_t>> dirs(tries, std::vector<int64_t>(d));
  for (auto& v : dirs)
    for (auto& x : v) x = std::llround(std::ldexp(gauss(rng), dir_bits));
  return dirs;
}

// The largest row 1-norm Σ_j |x'_ij|·2^frac when every running sum stays below 2^52 (then each
// addition of these integers is exact, so it is the exact value); nullopt otherwise.
std::optional<double> ExactMaxRow(const RowBlocks& xn, int frac) {
  const double limit = 0x1.0p52;
  // |x'| ≤ 1: multiplying by 2^frac is exact (and cheaper than ldexp) while 2^frac is finite.
  const bool huge = frac > 1000;
  const double scale = std::ldexp(1.0, huge ? 0 : frac);
  double max_row = 0;
  bool exact = true;
  xn.ForEach([&](int64_t, const RowMatrix& b) {
    for (int64_t i = 0; i < b.rows() && exact; ++i) {
      double row = 0;
      for (int64_t j = 0; j < b.cols() && exact; ++j) {
        row += huge ? std::ldexp(std::fabs(b(i, j)), frac) : std::fabs(b(i, j)) * scale;
        exact = row < limit;
      }
      max_row = std::max(max_row, row);
    }
  });
  if (!exact) return std::nullopt;
  return max_row;
}

// True when every projection of every direction is an integer below 2^52 in units
// 2^-(dir_bits + frac): one double product is then exact (bound proven in integers).
bool ProductIsExact(const RowBlocks& xn, int frac, const std::vector<std::vector<int64_t>>& dirs) {
  const std::optional<double> max_row = ExactMaxRow(xn, frac);
  if (!max_row) return false;
  int64_t max_v = 0;
  for (const auto& v : dirs)
    for (int64_t x : v) max_v = std::max<int64_t>(max_v, std::llabs(x));
  return Integer(static_cast<long>(*max_row)) * Integer(static_cast<long>(max_v)) < Pow2(52);
}

// Tries per pass over the points, so at most kProjectedValues projections are held at once.
int TriesPerPass(int64_t n, int tries, int64_t projected_values) {
  return int(std::clamp<int64_t>(projected_values / std::max<int64_t>(1, n), 1, tries));
}

// The smallest difference between neighbours of n values in increasing order, at(k) the k-th
// (0 when n ≤ 1).
template <class T, class At>
T MinNeighbourGap(int64_t n, const At& at) {
  T gap = T(0);
  for (int64_t k = 1; k < n; ++k) {
    T g = at(k) - at(k - 1);
    if (k == 1 || g < gap) gap = g;
  }
  return gap;
}

// The points by increasing key p and the smallest gap between neighbours (0 when N ≤ 1).
template <class T>
void SortByKey(const std::vector<T>& p, std::vector<int64_t>* order, T* min_gap) {
  const int64_t n = int64_t(p.size());
  order->resize(n);
  std::iota(order->begin(), order->end(), 0);
  std::sort(order->begin(), order->end(), [&](int64_t a, int64_t b) { return p[a] < p[b]; });
  *min_gap = MinNeighbourGap<T>(n, [&](int64_t k) { return p[(*order)[k]]; });
}

// The smallest gap between neighbours of the values, which are sorted in place: the gap
// alone, without the order of the points (an indirect sort costs several times more).
template <class T>
T SortedGap(std::vector<T>* values) {
  std::sort(values->begin(), values->end());
  return MinNeighbourGap<T>(int64_t(values->size()), [&](int64_t k) { return (*values)[k]; });
}

void SortAndGap(DyadicProjection* c) { SortByKey(c->p, &c->order, &c->min_gap); }

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

// The projections of directions [first, first + count) as one double product per block (exact:
// integers below 2^52 in units 2^-(dir_bits + frac), when ProductIsExact); the scale by 2^frac
// is applied to the product, which is exact, so the data are never copied.
Eigen::MatrixXd ProjectAll(const RowBlocks& xn, int frac,
                           const std::vector<std::vector<int64_t>>& dirs, int first, int count) {
  Eigen::MatrixXd vm(xn.cols(), count);
  for (int t = 0; t < count; ++t)
    for (int64_t j = 0; j < xn.cols(); ++j) vm(j, t) = double(dirs[first + t][j]);
  Eigen::MatrixXd proj(xn.rows(), count);
  xn.ForEach([&](int64_t at, const RowMatrix& b) { proj.middleRows(at, b.rows()).noalias() = b * vm; });
  proj *= std::ldexp(1.0, frac);
  return proj;
}

// The exact projections onto c->v, block by block, into *q when every block fits int128
// (ProjectExactInt128; c->min_gap set, c->p and c->order left for TakeInt128), else in mpz,
// sorted, with their smallest gap (q cleared). Only the winning try needs the sorted order and
// the Integers, so an int128 candidate costs one projection and one sort of its values.
void ProjectExact(const RowBlocks& xn, int frac, DyadicProjection* c, std::vector<int128>* q) {
  q->resize(xn.rows());
  bool fits = true;
  xn.ForEach([&](int64_t first, const RowMatrix& b) {
    fits = fits && ProjectExactInt128(b, c->v, frac, q->data() + first);
  });
  if (fits) {
    std::vector<int128> sorted = *q;
    c->min_gap = FromInt128(SortedGap(&sorted));
    return;
  }
  q->clear();
  c->p.assign(xn.rows(), Integer());
  xn.ForEach([&](int64_t first, const RowMatrix& b) {
    std::vector<Integer> p = ProjectExactWithBits(b, c->v, frac);
    std::move(p.begin(), p.end(), c->p.begin() + first);
  });
  SortAndGap(c);
}

// Candidate tries projected ahead in int128, several per pass over the data
// (ProjectExactInt128Many: each value decomposed once for all of them), with their smallest
// gaps (the sorts on both cores).
struct Ahead {
  std::vector<std::vector<int128>> q;  // per try; empty: not projected ahead
  std::vector<Integer> gap;
  bool failed = false;  // a term did not fit int128: the tries are projected one by one
};

// The candidates from `from` on, as many as half the doubles budget holds, into *ahead.
void ProjectAhead(const RowBlocks& xn, int frac, const std::vector<std::vector<int64_t>>& dirs,
                  const std::vector<bool>& candidate, int from, int64_t projected_values,
                  Ahead* ahead) {
  const int tries = int(dirs.size());
  const int group = TriesPerPass(xn.rows(), tries, projected_values / 2);
  ahead->q.resize(tries);
  ahead->gap.resize(tries);
  std::vector<int> take;
  std::vector<const std::vector<int64_t>*> v;
  for (int t = from; t < tries && int(take.size()) < group; ++t) {
    if (!candidate[t]) continue;
    take.push_back(t);
    v.push_back(&dirs[t]);
    ahead->q[t].resize(xn.rows());
  }
  bool fits = true;
  xn.ForEach([&](int64_t first, const RowMatrix& b) {
    std::vector<int128*> out;
    for (int t : take) out.push_back(ahead->q[t].data() + first);
    fits = fits && ProjectExactInt128Many(b, v, frac, out);
  });
  if (!fits) {
    for (int t : take) ahead->q[t] = {};
    ahead->failed = true;
    return;
  }
#pragma omp parallel for schedule(dynamic, 1)
  for (size_t i = 0; i < take.size(); ++i) {
    std::vector<int128> sorted = ahead->q[take[i]];
    ahead->gap[take[i]] = FromInt128(SortedGap(&sorted));
  }
}

// c->p and c->order from the int128 projections ProjectExact left in q.
void TakeInt128(const std::vector<int128>& q, DyadicProjection* c) {
  int128 gap;
  SortByKey(q, &c->order, &gap);
  c->p.resize(q.size());
  for (size_t i = 0; i < q.size(); ++i) c->p[i] = FromInt128(q[i]);
}

// Smallest gap of one exact column (doubles holding integers: differences are exact), with
// the points' order when `order` is given.
double ColumnGap(const Eigen::MatrixXd& proj, int64_t t, std::vector<int64_t>* order) {
  const int64_t n = proj.rows();
  const double* col = proj.col(t).data();
  if (!order) {
    std::vector<double> values(col, col + n);
    return SortedGap(&values);
  }
  order->resize(n);
  std::iota(order->begin(), order->end(), 0);
  std::sort(order->begin(), order->end(), [&](int64_t a, int64_t b) { return col[a] < col[b]; });
  return MinNeighbourGap<double>(n, [&](int64_t k) { return col[(*order)[k]]; });
}

// max_i Σ_j |x'_ij| (rounded; for the bound below).
double MaxRowSum(const RowBlocks& xn) {
  double row_max = 0;
  xn.ForEach([&](int64_t, const RowMatrix& b) {
    for (int64_t i = 0; i < b.rows(); ++i) row_max = std::max(row_max, b.row(i).cwiseAbs().sum());
  });
  return row_max;
}

// Which tries can have the largest smallest gap: every rounded projection is within
// E = (d + 2)·2^-52·max_i Σ_j |x'_ij|·2^frac·max_j |v_j| of the exact one, so a rounded smallest
// gap is within 2E of the exact one; tries more than 4E below the best rounded gap cannot win.
std::vector<bool> CandidateTries(const RowBlocks& xn, int frac,
                                 const std::vector<std::vector<int64_t>>& dirs,
                                 int64_t projected_values) {
  const int tries = int(dirs.size());
  std::vector<bool> keep(tries, true);
  if (xn.rows() < 2 || tries == 1) return keep;
  const double slack = double(xn.cols() + 2) * 0x1.0p-52 * std::ldexp(MaxRowSum(xn), frac) * 1.01;
  std::vector<double> gap(tries), bound(tries);
  double best = -HUGE_VAL;
  const int group = TriesPerPass(xn.rows(), tries, projected_values);
  for (int first = 0; first < tries; first += group) {
    const int count = std::min(group, tries - first);
    const Eigen::MatrixXd proj = ProjectAll(xn, frac, dirs, first, count);
#pragma omp parallel for schedule(dynamic, 1)
    for (int t = first; t < first + count; ++t) gap[t] = ColumnGap(proj, t - first, nullptr);
    for (int t = first; t < first + count; ++t) {
      int64_t vmax = 0;
      for (int64_t x : dirs[t]) vmax = std::max<int64_t>(vmax, std::llabs(x));
      bound[t] = slack * double(vmax);
      best = std::max(best, gap[t] - 2 * bound[t]);
    }
  }
  for (int t = 0; t < tries; ++t) keep[t] = gap[t] + 2 * bound[t] >= best;
  return keep;
}

// Integer-grid data (ProductIsExact): every try is sorted on doubles; only the best becomes
// Integers.
DyadicProjection BestOnGrid(const RowBlocks& xn, int frac, int dir_bits,
                            const std::vector<std::vector<int64_t>>& dirs, bool first_distinct,
                            int64_t projected_values) {
  const int64_t n = xn.rows();
  const int tries = int(dirs.size());
  const int group = TriesPerPass(n, tries, projected_values);
  int best_t = 0, used = 0;
  double best_gap = -1;
  Eigen::VectorXd best_col;
  std::vector<int64_t> order, best_order;
  for (int first = 0; first < tries && !(first_distinct && best_gap > 0); first += group) {
    const int count = std::min(group, tries - first);
    const Eigen::MatrixXd proj = ProjectAll(xn, frac, dirs, first, count);
    for (int t = first; t < first + count; ++t) {
      const double gap = ColumnGap(proj, t - first, &order);
      used = t + 1;
      if (gap > best_gap) {
        best_gap = gap, best_t = t, best_order.swap(order);
        best_col = proj.col(t - first);
      }
      if (first_distinct && best_gap > 0) break;
    }
  }
  DyadicProjection best;
  best.v = dirs[best_t];
  best.dir_bits = dir_bits;
  best.frac_bits = frac;
  best.p.resize(n);
  for (int64_t i = 0; i < n; ++i) best.p[i] = best_col[i];
  best.order = std::move(best_order);
  best.min_gap = best_gap;
  best.tries = used;
  return best;
}

int MaxFractionBits(const RowBlocks& xn) {
  int frac = 0;
  xn.ForEach([&](int64_t, const RowMatrix& b) { frac = std::max(frac, FractionBits(b)); });
  return frac;
}

DyadicProjection ChooseProjection(const RowBlocks& xn, int tries, Rng& rng, int dir_bits,
                                  bool first_distinct, int64_t projected_values) {
  MNEMO_CHECK(tries >= 1, "at least one direction");
  const int64_t n = xn.rows();
  const int frac = MaxFractionBits(xn);
  const auto dirs = DrawDirections(xn.cols(), tries, dir_bits, rng);
  if (n > 1 && ProductIsExact(xn, frac, dirs))
    return BestOnGrid(xn, frac, dir_bits, dirs, first_distinct, projected_values);
  // General data: a double product ranks the tries; only those whose rounded gap is within the
  // rounding bound of the best are projected exactly (usually one), and the exact gaps decide.
  // The result is the one an exact projection of every try would give.
  const std::vector<bool> candidate =
      first_distinct ? std::vector<bool>(tries, true)
                     : CandidateTries(xn, frac, dirs, projected_values);
  DyadicProjection best;
  std::vector<int128> q, best_q;  // int128 projections of the try and of the best (ProjectExact)
  Ahead ahead;                    // all candidates are projected unless the first distinct stops
  bool have = false;
  int used = 0;
  for (int t = 0; t < tries; ++t) {
    used = t + 1;
    if (!candidate[t]) continue;
    DyadicProjection c;
    c.v = dirs[t];
    c.dir_bits = dir_bits;
    c.frac_bits = frac;
    if (!first_distinct && !ahead.failed && (ahead.q.empty() || ahead.q[t].empty()))
      ProjectAhead(xn, frac, dirs, candidate, t, projected_values, &ahead);
    if (!ahead.failed && !ahead.q.empty() && !ahead.q[t].empty()) {
      q = std::move(ahead.q[t]);
      ahead.q[t] = {};
      c.min_gap = ahead.gap[t];
    } else {
      ProjectExact(xn, frac, &c, &q);
    }
    if (!have || c.min_gap > best.min_gap) {
      best = std::move(c);
      best_q.swap(q);
      have = true;
    }
    if (n <= 1 || (first_distinct && best.min_gap > 0)) break;
  }
  if (!best_q.empty()) TakeInt128(best_q, &best);
  best.tries = used;
  return best;
}

DyadicProjection ChooseSeparatingProjection(const RowBlocks& normalized, int tries, Rng& rng,
                                            int dir_bits, int max_dir_bits) {
  DyadicProjection p = ChooseProjection(normalized, tries, rng, dir_bits);
  while (normalized.rows() > 1 && p.min_gap <= 0 && dir_bits < max_dir_bits) {
    dir_bits = std::min(max_dir_bits, dir_bits + 19);
    p = ChooseProjection(normalized, tries, rng, dir_bits);
  }
  return p;
}

int DirectionBitsForBudget(const RowBlocks& normalized, int budget_bits) {
  const int frac = MaxFractionBits(normalized);
  const double max_row = std::max(1.0, std::ldexp(MaxRowSum(normalized), frac));
  return std::min(kDirectionBits, int(std::floor(budget_bits - 2 - std::log2(6 * max_row))));
}

}  // namespace mnemo::internal
