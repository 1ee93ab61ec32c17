// Max-margin brackets of the spherical perceptron (dual coordinate ascent, certified in exact
// rationals) and the binary perceptron by exhaustive enumeration.
#include "mnemo/storage_margin.h"

#include <glpk.h>
#include <omp.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <limits>

#include "mnemo/error.h"
#include "mnemo/exact.h"
#include "mnemo/progress.h"
#include "mnemo/storage_theory.h"

namespace mnemo {
namespace {

using Clock = std::chrono::steady_clock;
constexpr double kInf = std::numeric_limits<double>::infinity();

double Seconds(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

/// √q rounded down (dir = −1) or up (dir = +1): the rational's rounding and the square root's
/// are each within half an ulp, so two steps cover them.
double SqrtRounded(const Rational& q, int dir) {
  double v = std::sqrt(std::max(0.0, ToDouble(q)));
  for (int k = 0; k < 2; ++k) v = std::nextafter(v, dir > 0 ? kInf : 0.0);
  return v;
}

/// Exact lower and upper bounds from the current w (dyadic doubles) and λ ≥ 0 (dyadic doubles).
void Bracket(const PerceptronInstance& inst, const std::vector<double>& w,
             const std::vector<double>& lambda, MarginBracket* b) {
  const int N = inst.N, P = inst.P;
  std::vector<Rational> wq(N), sum(N, Rational(0));
  Rational w2 = 0, margin, lambda_sum = 0, dot;
  for (int i = 0; i < N; ++i) wq[i] = RationalFromDouble(w[i]), w2 += wq[i] * wq[i];
  bool first = true;
  for (int mu = 0; mu < P; ++mu) {
    dot = 0;
    for (int i = 0; i < N; ++i) dot += wq[i] * inst.v(mu, i);
    if (first || dot < margin) margin = dot, first = false;
    if (lambda[mu] > 0) {
      const Rational l = RationalFromDouble(lambda[mu]);
      lambda_sum += l;
      for (int i = 0; i < N; ++i) sum[i] += l * inst.v(mu, i);
    }
  }
  const double scale = inst.scale;
  if (margin > 0 && w2 > 0)
    b->lower = std::max(b->lower, SqrtRounded(Rational(margin * margin / w2), -1) / scale);
  Rational norm2 = 0;
  for (const Rational& s : sum) norm2 += s * s;
  const Rational dual = lambda_sum - norm2 / 2;
  if (dual > 0) b->upper = std::min(b->upper, SqrtRounded(Rational(1 / (2 * dual)), 1) / scale);
}

/// The same bounds in floating point (to decide when the exact ones are worth computing).
double FloatGap(const PerceptronInstance& inst, const std::vector<double>& w,
                const std::vector<double>& lambda) {
  const int N = inst.N, P = inst.P;
  double w2 = 0, margin = kInf, lsum = 0;
  for (double v : w) w2 += v * v;
  for (int mu = 0; mu < P; ++mu) {
    double dot = 0;
    for (int i = 0; i < N; ++i) dot += w[i] * inst.v(mu, i);
    margin = std::min(margin, dot);
    lsum += lambda[mu];
  }
  // Σλ y x = w by construction, so D = Σλ − ½‖w‖².
  const double dual = lsum - 0.5 * w2;
  if (!(margin > 0) || !(dual > 0)) return kInf;
  const double lower = margin / std::sqrt(w2), upper = 1 / std::sqrt(2 * dual);
  return (upper - lower) / upper;
}

}  // namespace

MarginBracket MaxMargin(const PerceptronInstance& inst, double tolerance) {
  MarginBracket b;
  const SeparabilityResult sep = DecideSeparability(inst);
  MNEMO_CHECK(sep.certified, "separability certificate failed to check");
  b.separable = sep.separable;
  if (!b.separable) {
    b.lower = -kInf, b.upper = 0;  // a Gordan vector certifies κ* ≤ 0
    return b;
  }
  b.lower = 0, b.upper = kInf;
  const int N = inst.N, P = inst.P;
  std::vector<double> w(N, 0.0), lambda(P, 0.0), norm2(P, 0.0);
  for (int mu = 0; mu < P; ++mu)
    for (int i = 0; i < N; ++i) norm2[mu] += double(inst.v(mu, i)) * inst.v(mu, i);
  constexpr int kMaxSweeps = 20000, kCheckEvery = 10;
  for (b.sweeps = 1; b.sweeps <= kMaxSweeps; ++b.sweeps) {
    for (int mu = 0; mu < P; ++mu) {
      double dot = 0;
      for (int i = 0; i < N; ++i) dot += w[i] * inst.v(mu, i);
      const double next = std::max(0.0, lambda[mu] + (1 - dot) / norm2[mu]);
      const double step = next - lambda[mu];
      if (step == 0) continue;
      lambda[mu] = next;
      for (int i = 0; i < N; ++i) w[i] += step * inst.v(mu, i);
    }
    if (b.sweeps == kMaxSweeps ||
        (b.sweeps % kCheckEvery == 0 && FloatGap(inst, w, lambda) <= 0.5 * tolerance)) {
      Bracket(inst, w, lambda, &b);
      if (b.upper - b.lower <= tolerance * b.upper) break;
    }
  }
  return b;
}

double GardnerMargin(double alpha) {
  if (!(alpha > 0 && alpha < 2)) Fail("storage: κ_G(α) needs 0 < α < 2, got {}", alpha);
  double lo = 0, hi = 40;  // α_G(κ) decreases from 2 at κ = 0
  for (int it = 0; it < 200; ++it) {
    const double mid = 0.5 * (lo + hi);
    if (GardnerCapacity(mid) > alpha)
      lo = mid;
    else
      hi = mid;
  }
  return 0.5 * (lo + hi);
}

std::vector<MarginRow> MeasureMarginCurve(const MarginOptions& o) {
  if (o.N < 2 || o.N > 1000) Fail("storage-measure margin: --d must be in [2, 1000], got {}", o.N);
  if (o.instances < 1) Fail("storage-measure margin: --instances must be ≥ 1, got {}", o.instances);
  std::vector<double> alphas = o.alphas;
  if (alphas.empty()) alphas = {0.5, 0.75, 1.0, 1.25, 1.5};
  for (double a : alphas)
    if (!(a > 0 && a < 2)) Fail("storage-measure margin: --alphas must lie in (0, 2), got {}", a);
  std::vector<MarginRow> rows;
  struct Job {
    size_t row;
    uint64_t seed;
    MarginBracket bracket;
    double seconds = 0;
  };
  std::vector<Job> jobs;
  std::mt19937_64 master(o.seed);
  for (size_t a = 0; a < alphas.size(); ++a) {
    MarginRow row;
    row.N = o.N;
    row.P = std::max(1, int(std::lround(alphas[a] * o.N)));
    row.alpha = double(row.P) / o.N;
    row.instances = o.instances;
    row.gardner = GardnerMargin(row.alpha);
    rows.push_back(row);
    for (int k = 0; k < o.instances; ++k) jobs.push_back({a, master(), {}});
  }
  Progress progress("margin", int64_t(jobs.size()));
  if (!o.progress) progress.Finish();
  const int threads = o.threads > 0 ? o.threads : omp_get_max_threads();
#pragma omp parallel for schedule(dynamic) num_threads(threads)
  for (size_t j = 0; j < jobs.size(); ++j) {
    const auto t0 = Clock::now();
    std::mt19937_64 rng(jobs[j].seed);
    PerceptronInstance inst = SamplePerceptronInstance(o.N, rows[jobs[j].row].P, rng);
    jobs[j].bracket = MaxMargin(inst);
    glp_free_env();
    jobs[j].seconds = Seconds(t0);
    progress.Add();
  }
  progress.Finish();
  for (size_t r = 0; r < rows.size(); ++r) {
    std::vector<double> lo, hi, mid;
    for (const Job& job : jobs) {
      if (job.row != r) continue;
      rows[r].separable += job.bracket.separable;
      rows[r].seconds += job.seconds;
      lo.push_back(job.bracket.lower), hi.push_back(job.bracket.upper);
      if (job.bracket.separable) mid.push_back(0.5 * (job.bracket.lower + job.bracket.upper));
    }
    auto median = [](std::vector<double> v) {
      std::sort(v.begin(), v.end());
      return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
    };
    rows[r].median_lower = median(lo);
    rows[r].median_upper = median(hi);
    double sum = 0, sum2 = 0;
    for (double v : mid) sum += v, sum2 += v * v;
    if (!mid.empty()) {
      rows[r].mean = sum / mid.size();
      rows[r].spread = std::sqrt(std::max(0.0, sum2 / mid.size() - rows[r].mean * rows[r].mean));
    }
  }
  return rows;
}

IsingInstanceResult EnumerateIsing(int N, std::mt19937_64& rng) {
  if (N < 3 || N > 27 || N % 2 == 0)
    Fail("storage-measure ising: --d must be odd, 3..27, got {}", N);
  const int patterns = 2 * N;
  std::vector<uint32_t> xi(patterns);
  for (uint32_t& p : xi) p = uint32_t(rng() >> (64 - N));
  IsingInstanceResult r;
  r.N = N;
  r.best_margin.assign(patterns, -N - 1);
  const int half = N / 2;  // w·ξ > 0 ⇔ popcount(w ⊕ ξ) ≤ half (N odd: no ties)
  for (uint64_t w = 0; w < (uint64_t(1) << N); ++w) {
    int worst = N;
    for (int mu = 0; mu < patterns; ++mu) {
      const int flips = std::popcount(uint32_t(w) ^ xi[mu]);
      if (flips > half) break;
      worst = std::min(worst, N - 2 * flips);
      if (worst > r.best_margin[mu]) r.best_margin[mu] = worst;
      r.p_max = std::max(r.p_max, mu + 1);
    }
  }
  r.best_margin.resize(r.p_max);
  return r;
}

namespace {

/// The first P patterns of an Ising instance as a spherical instance (labels absorbed, unit
/// scale), regenerated from the same seed.
PerceptronInstance IsingAsSpherical(int N, int P, uint64_t seed) {
  std::mt19937_64 rng(seed);
  PerceptronInstance inst;
  inst.N = N, inst.P = P, inst.scale = 1;
  inst.x.resize(size_t(N) * P);
  inst.y.assign(P, 1);
  for (int mu = 0; mu < 2 * N; ++mu) {
    const uint32_t bits = uint32_t(rng() >> (64 - N));
    if (mu >= P) continue;
    for (int i = 0; i < N; ++i) inst.x[size_t(mu) * N + i] = (bits >> i) & 1 ? 1 : -1;
  }
  return inst;
}

}  // namespace

IsingResult MeasureIsingCapacity(const IsingOptions& o) {
  if (o.Ns.empty()) Fail("storage-measure ising: --d needs at least one size");
  if (o.instances < 2) Fail("storage-measure ising: --instances must be ≥ 2, got {}", o.instances);
  for (int N : o.Ns)  // checked here: an exception must not leave the parallel loop below
    if (N < 3 || N > 27 || N % 2 == 0)
      Fail("storage-measure ising: --d must be odd, 3..27, got {}", N);
  IsingResult res;
  std::mt19937_64 master(o.seed);
  Progress progress("ising", int64_t(o.Ns.size()) * o.instances);
  if (!o.progress) progress.Finish();
  const int threads = o.threads > 0 ? o.threads : omp_get_max_threads();
  for (int N : o.Ns) {
    const auto t0 = Clock::now();
    std::vector<uint64_t> seeds(o.instances);
    for (uint64_t& s : seeds) s = master();
    std::vector<IsingInstanceResult> inst(o.instances);
#pragma omp parallel for schedule(dynamic) num_threads(threads)
    for (int k = 0; k < o.instances; ++k) {
      std::mt19937_64 rng(seeds[k]);
      inst[k] = EnumerateIsing(N, rng);
      progress.Add();
    }
    IsingRow row;
    row.N = N, row.instances = o.instances;
    std::vector<double> alpha;
    for (const auto& r : inst) alpha.push_back(double(r.p_max) / N);
    std::sort(alpha.begin(), alpha.end());
    row.alpha_median = alpha[alpha.size() / 2];
    double sum = 0, sum2 = 0;
    for (double a : alpha) sum += a, sum2 += a * a;
    row.alpha_mean = sum / alpha.size();
    row.alpha_stderr = std::sqrt(
        std::max(0.0, sum2 / alpha.size() - row.alpha_mean * row.alpha_mean) / (alpha.size() - 1));
    for (int k = 0; k < std::min(o.checked_instances, o.instances); ++k)
      for (int P : {std::max(1, inst[k].p_max / 2), inst[k].p_max}) {
        const MarginBracket b = MaxMargin(IsingAsSpherical(N, P, seeds[k]));
        ++row.checks;
        const double ising = inst[k].best_margin[P - 1] / std::sqrt(double(N));
        if (!b.separable || ising > b.upper) ++row.violations;
      }
    glp_free_env();
    row.seconds = Seconds(t0);
    res.rows.push_back(row);
  }
  progress.Finish();
  // α(N) = α_∞ + a/N, weighted least squares (weights 1/stderr²).
  if (res.rows.size() >= 2) {
    double sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (const IsingRow& r : res.rows) {
      const double w = 1 / std::max(r.alpha_stderr * r.alpha_stderr, 1e-12), x = 1.0 / r.N;
      sw += w, sx += w * x, sy += w * r.alpha_mean, sxx += w * x * x, sxy += w * x * r.alpha_mean;
    }
    const double det = sw * sxx - sx * sx;
    if (det > 0) {
      res.alpha_inf = (sxx * sy - sx * sxy) / det;
      res.alpha_inf_stderr = std::sqrt(sxx / det);
      res.extrapolated = true;
    }
  }
  return res;
}

}  // namespace mnemo
