#include "constructions/projection.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <numeric>
#include <optional>
#include <utility>

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

// What one pass over the points gives: the smallest E with x'·2^E integral for every point
// (frac), the largest row 1-norm Σ_j |x'_ij| in double arithmetic (max_row; exact where
// ProductIsExact holds), and the double products with a group of directions, scaled by 2^frac
// (proj).
struct PointScan {
  int frac = 0;
  double max_row = 0;
  Eigen::MatrixXd proj;
};

// Rows per piece of a block that one thread scans (its products stay in cache).
constexpr int64_t kScanRows = 256;

// The fraction bits of a row, at least `frac`: values integral at the scale 2^frac (the test
// is one multiplication, exact below 2^1000) are passed over; the others are decomposed.
int RowFractionBits(const double* x, int64_t d, int frac) {
  bool integral = frac < 1000;
  if (integral) {
    const double scale = std::ldexp(1.0, frac);
    for (int64_t j = 0; j < d; ++j) {
      const double t = x[j] * scale;
      integral &= t == std::floor(t);
    }
  }
  if (!integral)
    for (int64_t j = 0; j < d; ++j) frac = std::max(frac, FractionBits(x[j]));
  return frac;
}

// One block into *s: each piece of rows on one core reads its values once for the fraction
// bits and the row sums, then multiplies them with vm into its rows of `proj`.
void ScanBlock(const RowMatrix& b, const Eigen::MatrixXd& vm, Eigen::Ref<Eigen::MatrixXd> proj,
               PointScan* s) {
  const int64_t pieces = (b.rows() + kScanRows - 1) / kScanRows, d = b.cols();
  int frac = s->frac;
  double max_row = s->max_row;
#pragma omp parallel for schedule(static) reduction(max : frac, max_row)
  for (int64_t k = 0; k < pieces; ++k) {
    const int64_t lo = k * kScanRows, rows = std::min(kScanRows, b.rows() - lo);
    int piece_frac = 0;  // (the reduction's private frac starts at INT_MIN)
    for (int64_t i = lo; i < lo + rows; ++i) {
      piece_frac = RowFractionBits(b.row(i).data(), d, piece_frac);
      max_row = std::max(max_row, b.row(i).cwiseAbs().sum());
    }
    frac = std::max(frac, piece_frac);
    if (vm.cols() > 0) proj.middleRows(lo, rows).noalias() = b.middleRows(lo, rows) * vm;
  }
  s->frac = frac;
  s->max_row = max_row;
}

// The pass over the points: fraction bits, row sums and the products with directions [first,
// first + count) (count = 0: none). The products are exact wherever ProductIsExact holds; the
// scale by 2^frac is applied to the product, which is exact, so the data are never copied.
PointScan Scan(const RowBlocks& xn, const std::vector<std::vector<int64_t>>& dirs, int first,
               int count) {
  Eigen::MatrixXd vm(xn.cols(), count);
  for (int t = 0; t < count; ++t)
    for (int64_t j = 0; j < xn.cols(); ++j) vm(j, t) = double(dirs[first + t][j]);
  PointScan s;
  s.proj.resize(count > 0 ? xn.rows() : 0, count);
  xn.ForEach([&](int64_t at, const RowMatrix& b) {
    ScanBlock(b, vm, s.proj.middleRows(count > 0 ? at : 0, count > 0 ? b.rows() : 0), &s);
  });
  if (count > 0) s.proj *= std::ldexp(1.0, s.frac);
  return s;
}

// True when every projection of every direction is an integer below 2^52 in units
// 2^-(dir_bits + frac): one double product is then exact (bound proven in integers). A row sum
// of the integers |x'_ij|·2^frac in any order is exact while the true sum is below 2^52 (every
// partial sum is an integer below it), and at least 2^52 otherwise (rounding is monotone and
// 2^52 a double); the sums of |x'_ij| are the same numbers scaled by 2^-frac.
bool ProductIsExact(const PointScan& s, const std::vector<std::vector<int64_t>>& dirs) {
  if (!(s.max_row < std::ldexp(1.0, 52 - s.frac))) return false;
  int64_t max_v = 0;
  for (const auto& v : dirs)
    for (int64_t x : v) max_v = std::max<int64_t>(max_v, std::llabs(x));
  const double max_row = std::ldexp(s.max_row, s.frac);  // an integer below 2^52
  return Integer(static_cast<long>(max_row)) * Integer(static_cast<long>(max_v)) < Pow2(52);
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

// Doubles as unsigned keys in the same order (finite values; −0 just below +0).
uint64_t OrderKey(double x) {
  const uint64_t u = std::bit_cast<uint64_t>(x);
  return u >> 63 ? ~u : u | (uint64_t(1) << 63);
}

double FromOrderKey(uint64_t k) {
  return std::bit_cast<double>(k >> 63 ? k & ~(uint64_t(1) << 63) : ~k);
}

// The smallest gap between neighbours of n finite values, sorted by a radix sort of their
// order keys (11 bits a pass; a pass in which every key has the same digit is skipped): about
// 2.5× faster than a comparison sort of the doubles on 60,000 projections.
double RadixSortedGap(const double* values, int64_t n) {
  constexpr int kBits = 11, kPasses = 6;
  constexpr uint64_t kDigits = uint64_t(1) << kBits;
  auto digit = [](uint64_t key, int pass) { return (key >> (pass * kBits)) & (kDigits - 1); };
  std::vector<uint64_t> a(n), b(n);
  std::vector<int64_t> count(kPasses * kDigits, 0);
  for (int64_t i = 0; i < n; ++i) {
    a[i] = OrderKey(values[i]);
    for (int p = 0; p < kPasses; ++p) ++count[p * kDigits + digit(a[i], p)];
  }
  for (int p = 0; p < kPasses; ++p) {
    int64_t* c = count.data() + p * kDigits;
    if (n == 0 || c[digit(a[0], p)] == n) continue;
    for (int64_t d = 0, at = 0; d < int64_t(kDigits); ++d) at += std::exchange(c[d], at);
    for (int64_t i = 0; i < n; ++i) b[c[digit(a[i], p)]++] = a[i];
    a.swap(b);
  }
  return MinNeighbourGap<double>(n, [&](int64_t k) { return FromOrderKey(a[k]); });
}

// Smallest gap of one exact column (doubles holding integers: differences are exact), with
// the points' order when `order` is given.
double ColumnGap(const Eigen::MatrixXd& proj, int64_t t, std::vector<int64_t>* order) {
  const int64_t n = proj.rows();
  const double* col = proj.col(t).data();
  if (!order) return RadixSortedGap(col, n);
  order->resize(n);
  std::iota(order->begin(), order->end(), 0);
  std::sort(order->begin(), order->end(), [&](int64_t a, int64_t b) { return col[a] < col[b]; });
  return MinNeighbourGap<double>(n, [&](int64_t k) { return col[(*order)[k]]; });
}

// The smallest gap of every column, the columns sorted on both cores.
std::vector<double> ColumnGaps(const Eigen::MatrixXd& proj) {
  std::vector<double> gap(proj.cols());
#pragma omp parallel for schedule(dynamic, 1)
  for (int64_t t = 0; t < proj.cols(); ++t) gap[t] = ColumnGap(proj, t, nullptr);
  return gap;
}

// The products with directions [first, first + count): the scan's own for the first group (its
// memory is handed over), else another pass.
Eigen::MatrixXd GroupProducts(const RowBlocks& xn, const std::vector<std::vector<int64_t>>& dirs,
                              int first, int count, PointScan* scan) {
  if (first == 0) return std::move(scan->proj);
  return Scan(xn, dirs, first, count).proj;
}

// max_i Σ_j |x'_ij| as Eigen sums the rows (rounded; for the bit budget below).
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
// The rounded row sums of the scan serve for max_i Σ_j |x'_ij| (the 1.01 covers their rounding).
std::vector<bool> CandidateTries(const RowBlocks& xn, PointScan scan,
                                 const std::vector<std::vector<int64_t>>& dirs,
                                 int64_t projected_values) {
  const int tries = int(dirs.size());
  std::vector<bool> keep(tries, true);
  if (xn.rows() < 2 || tries == 1) return keep;
  const double slack =
      double(xn.cols() + 2) * 0x1.0p-52 * std::ldexp(scan.max_row, scan.frac) * 1.01;
  std::vector<double> gap(tries), bound(tries);
  double best = -HUGE_VAL;
  const int group = TriesPerPass(xn.rows(), tries, projected_values);
  for (int first = 0; first < tries; first += group) {
    const int count = std::min(group, tries - first);
    const std::vector<double> gaps = ColumnGaps(GroupProducts(xn, dirs, first, count, &scan));
    std::copy(gaps.begin(), gaps.end(), gap.begin() + first);
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

// Integer-grid data (ProductIsExact): every try's values are sorted on doubles (the tries on
// both cores); only the best is sorted by point and becomes Integers.
DyadicProjection BestOnGrid(const RowBlocks& xn, PointScan scan, int dir_bits,
                            const std::vector<std::vector<int64_t>>& dirs, bool first_distinct,
                            int64_t projected_values) {
  const int64_t n = xn.rows();
  const int tries = int(dirs.size());
  const int group = TriesPerPass(n, tries, projected_values);
  int best_t = 0, used = 0;
  double best_gap = -1;
  Eigen::MatrixXd best_col;
  for (int first = 0; first < tries && !(first_distinct && best_gap > 0); first += group) {
    const int count = std::min(group, tries - first);
    const Eigen::MatrixXd proj = GroupProducts(xn, dirs, first, count, &scan);
    const std::vector<double> gaps = ColumnGaps(proj);
    for (int t = first; t < first + count; ++t) {
      used = t + 1;
      if (gaps[t - first] > best_gap) {
        best_gap = gaps[t - first], best_t = t;
        best_col = proj.col(t - first);
      }
      if (first_distinct && best_gap > 0) break;
    }
  }
  DyadicProjection best;
  best.v = dirs[best_t];
  best.dir_bits = dir_bits;
  best.frac_bits = scan.frac;
  best.min_gap = ColumnGap(best_col, 0, &best.order);
  best.p.resize(n);
  for (int64_t i = 0; i < n; ++i) best.p[i] = best_col(i, 0);
  best.tries = used;
  return best;
}

int MaxFractionBits(const RowBlocks& xn) { return Scan(xn, {}, 0, 0).frac; }

DyadicProjection ChooseProjection(const RowBlocks& xn, int tries, Rng& rng, int dir_bits,
                                  bool first_distinct, int64_t projected_values) {
  MNEMO_CHECK(tries >= 1, "at least one direction");
  const int64_t n = xn.rows();
  const auto dirs = DrawDirections(xn.cols(), tries, dir_bits, rng);
  // One pass: the fraction bits, the row sums and the products with the first group of tries.
  PointScan scan = Scan(xn, dirs, 0, n > 1 ? TriesPerPass(n, tries, projected_values) : 0);
  const int frac = scan.frac;
  if (n > 1 && ProductIsExact(scan, dirs))
    return BestOnGrid(xn, std::move(scan), dir_bits, dirs, first_distinct, projected_values);
  // General data: a double product ranks the tries; only those whose rounded gap is within the
  // rounding bound of the best are projected exactly (usually one), and the exact gaps decide.
  // The result is the one an exact projection of every try would give.
  const std::vector<bool> candidate =
      first_distinct ? std::vector<bool>(tries, true)
                     : CandidateTries(xn, std::move(scan), dirs, projected_values);
  scan = {};  // its products are not needed beyond the ranking
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
