// Replica-symmetric storage capacity: Gardner, Cover, the K→∞ tree and fully connected RS branch,
// permutation-symmetry breaking, and the finite-K tree ground-state formula
// .
#include "mnemo/storage_theory.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <random>

#include "mnemo/error.h"
#include "mnemo/gaussian_integrals.h"
#include "mnemo/storage_finite_width.h"

namespace mnemo {
namespace {

constexpr double kPi = std::numbers::pi;
constexpr double kInf = std::numeric_limits<double>::infinity();

}  // namespace

Architecture ParseArchitecture(const std::string& s) {
  if (s == "perceptron") return Architecture::kPerceptron;
  if (s == "tree" || s == "committee-tree") return Architecture::kTree;
  if (s == "fully-connected" || s == "fc") return Architecture::kFullyConnected;
  Fail("unknown architecture '{}' (expected perceptron, tree or fully-connected)", s);
}

std::string ArchitectureName(Architecture a) {
  switch (a) {
    case Architecture::kPerceptron:
      return "perceptron";
    case Architecture::kTree:
      return "tree";
    case Architecture::kFullyConnected:
      return "fully-connected";
  }
  return "?";
}

std::string PsbTypeName(PsbType t) {
  switch (t) {
    case PsbType::kNone:
      return "none";
    case PsbType::kContinuous:
      return "continuous";
    case PsbType::kFirstOrder:
      return "first-order";
  }
  return "?";
}

double GardnerIntegral(double kappa) {
  return (1 + kappa * kappa) * (1 - GaussianTail(kappa)) + kappa * NormalDensity(kappa);
}

double GardnerCapacity(double kappa) { return 1 / GardnerIntegral(kappa); }

mpq_class CoverSeparabilityExact(int64_t P, int64_t N) {
  MNEMO_CHECK(P >= 0 && N >= 1, "Cover P={} N={}", P, N);
  if (P == 0) return mpq_class(1);
  mpz_class sum = 0, binom = 1;  // C(P−1, k)
  for (int64_t k = 0; k <= std::min(N - 1, P - 1); ++k) {
    sum += binom;
    binom = binom * (P - 1 - k) / (k + 1);  // exact: C(n, k+1) = C(n, k)(n−k)/(k+1)
  }
  mpz_class denom;
  mpz_ui_pow_ui(denom.get_mpz_t(), 2, static_cast<unsigned long>(P - 1));
  mpq_class r(sum, denom);
  r.canonicalize();
  return r;
}

double CoverSeparability(int64_t P, int64_t N) { return CoverSeparabilityExact(P, N).get_d(); }

double EffectiveKernel::Value(double q) const {
  double d = activation->Kernel(q);
  if (!fully_connected) return d;
  double c1 = activation->c1_squared();
  return (d - c1 * q) / (1 - c1);
}

double EffectiveKernel::Derivative(double q) const {
  double d = activation->KernelDerivative(q);
  if (!fully_connected) return d;
  double c1 = activation->c1_squared();
  return (d - c1) / (1 - c1);
}

double EffectiveKernel::SlopeAtOne() const {
  double d = activation->KernelSlopeAtOne();
  if (!fully_connected) return d;
  double c1 = activation->c1_squared();
  return (d - c1) / (1 - c1);
}

double EffectiveKernel::C2Squared() const {
  double c2 = activation->c2_squared();
  return fully_connected ? c2 / (1 - activation->c1_squared()) : c2;
}

namespace {

// x(t) = (κ − √Δ t)/√(1 − Δ); the kink of ln H(x(t)) sits at x = 0, t = κ/√Δ, width √((1−Δ)/Δ).
template <typename F>
double OverT(double delta, double kappa, F f) {
  double sd = std::sqrt(delta), sr = std::sqrt(1 - delta);
  double kink = kappa / sd, width = sr / sd;
  return SplitGaussianExpectation([&](double t) { return f((kappa - sd * t) / sr); }, {kink},
                                  std::clamp(width, 1e-4, 1.0));
}

}  // namespace

double EnergeticTerm(double delta, double kappa) {
  if (delta <= 0) return LogGaussianTail(kappa);
  return OverT(delta, kappa, [](double x) { return LogGaussianTail(x); });
}

double EnergeticSlope(double delta, double kappa) {
  if (delta <= 0) {
    double m = MillsRatio(kappa);
    return -0.5 * m * m;
  }
  double e = OverT(delta, kappa, [](double x) {
    double m = MillsRatio(x);
    return m * m;
  });
  return -e / (2 * (1 - delta));
}

BranchPoint RsBranchPoint(const EffectiveKernel& kernel, double q, double kappa) {
  MNEMO_CHECK(q > 0 && q < 1, "branch q {}", q);
  double delta = kernel.Value(q), slope = kernel.Derivative(q);
  BranchPoint p;
  p.q = q;
  // Stationarity of Ψ = ½ln(1−q) + q/(2(1−q)) + α G_E(Δ(q)) in q, solved for α (linear in α):
  // α = −q/(2(1−q)²) / (Δ'(q)·dG_E/dΔ), with dG_E/dΔ = −E[M(x)²]/(2(1−Δ)).
  double dg = EnergeticSlope(delta, kappa);
  p.alpha = -q / (2 * (1 - q) * (1 - q)) / (slope * dg);
  p.free_energy_gap = 0.5 * std::log1p(-q) + q / (2 * (1 - q)) +
                      p.alpha * (EnergeticTerm(delta, kappa) - LogGaussianTail(kappa));
  return p;
}

std::vector<BranchPoint> RsBranch(const EffectiveKernel& kernel, double kappa, int points) {
  MNEMO_CHECK(points >= 1, "branch points {}", points);
  std::vector<BranchPoint> out;
  for (int i = 0; i < points; ++i) {
    double u = (i + 0.5) / points;
    double q = 0.5 * (1 - std::cos(kPi * u));  // dense near 0 and 1
    out.push_back(RsBranchPoint(kernel, q, kappa));
  }
  return out;
}

bool StorageOptions::IsValid(std::string* why) const {
  auto fail = [&](std::string m) {
    if (why) *why = std::move(m);
    return false;
  };
  if (K < 0) return fail(fmt::format("--m must be a positive integer or inf, got {}", K));
  if (!std::isfinite(kappa)) return fail("--kappa must be finite");
  if (kappa < 0) return fail(fmt::format("--kappa must be ≥ 0, got {}", kappa));
  if (mc_samples < 1000) return fail(fmt::format("--samples must be ≥ 1000, got {}", mc_samples));
  return true;
}

namespace {

// Minimum of α(q) on (0, 1): grid, then golden section around the best grid point.
void FindSpinodal(const EffectiveKernel& kernel, double kappa, double* q_out, double* a_out) {
  constexpr int kGrid = 160;
  std::vector<double> qs, as;
  for (int i = 1; i < kGrid; ++i) {
    double q = double(i) / kGrid;
    qs.push_back(q), as.push_back(RsBranchPoint(kernel, q, kappa).alpha);
  }
  size_t best = std::min_element(as.begin(), as.end()) - as.begin();
  double lo = qs[best > 0 ? best - 1 : 0], hi = qs[std::min(best + 1, qs.size() - 1)];
  const double r = (std::sqrt(5.0) - 1) / 2;
  double x1 = hi - r * (hi - lo), x2 = lo + r * (hi - lo);
  double f1 = RsBranchPoint(kernel, x1, kappa).alpha, f2 = RsBranchPoint(kernel, x2, kappa).alpha;
  for (int it = 0; it < 60 && hi - lo > 1e-9; ++it) {
    if (f1 < f2) {
      hi = x2, x2 = x1, f2 = f1, x1 = hi - r * (hi - lo);
      f1 = RsBranchPoint(kernel, x1, kappa).alpha;
    } else {
      lo = x1, x1 = x2, f1 = f2, x2 = lo + r * (hi - lo);
      f2 = RsBranchPoint(kernel, x2, kappa).alpha;
    }
  }
  *q_out = 0.5 * (lo + hi);
  *a_out = RsBranchPoint(kernel, *q_out, kappa).alpha;
}

// First q > q_start where the free-energy gap changes sign (bisection); false if none.
bool FindEqualFreeEnergy(const EffectiveKernel& kernel, double kappa, double q_start, double* q_out,
                         double* a_out) {
  constexpr int kGrid = 200;
  double prev_q = q_start, prev_f = RsBranchPoint(kernel, q_start, kappa).free_energy_gap;
  for (int i = 1; i <= kGrid; ++i) {
    double q = q_start + (0.999 - q_start) * i / kGrid;
    double f = RsBranchPoint(kernel, q, kappa).free_energy_gap;
    if ((f > 0) != (prev_f > 0)) {
      double lo = prev_q, hi = q, flo = prev_f;
      for (int it = 0; it < 60 && hi - lo > 1e-10; ++it) {
        double mid = 0.5 * (lo + hi), fm = RsBranchPoint(kernel, mid, kappa).free_energy_gap;
        if ((fm > 0) == (flo > 0)) {
          lo = mid, flo = fm;
        } else {
          hi = mid;
        }
      }
      *q_out = 0.5 * (lo + hi);
      *a_out = RsBranchPoint(kernel, *q_out, kappa).alpha;
      return true;
    }
    prev_q = q, prev_f = f;
  }
  return false;
}

}  // namespace

StorageResult ComputeStorageCapacity(const StorageOptions& options) {
  std::string why;
  if (!options.IsValid(&why)) Fail("storage: {}", why);
  StorageResult r;
  r.architecture = options.architecture;
  r.K = options.K;
  r.kappa = options.kappa;
  if (options.architecture == Architecture::kPerceptron) {
    r.activation = "identity";
    r.capacity = GardnerCapacity(options.kappa);
    r.method = "Gardner 1/I(kappa), closed form";
    r.c1_squared = 1, r.kernel_slope = 1;
    return r;
  }
  const StorageActivation g = StorageActivation::Parse(options.activation);
  r.activation = g.name();
  r.c1_squared = g.c1_squared(), r.c2_squared = g.c2_squared();
  const double I = GardnerIntegral(options.kappa);
  if (options.architecture == Architecture::kTree) {
    if (options.K > 0) {
      std::mt19937_64 rng(options.seed);
      r.capacity = TreeCommitteeCapacity(g, options.K, options.kappa, options.mc_samples, rng,
                                         &r.capacity_stderr);
      r.method = fmt::format("ground-state Monte Carlo, {} samples", options.mc_samples);
      r.kernel_slope = g.KernelSlopeAtOne();
      return r;
    }
    r.kernel_slope = g.KernelSlopeAtOne();
    r.capacity = r.kernel_slope / I;
    r.method = g.closed_form() ? "Delta'(1)/I(kappa), closed-form kernel"
                               : "Delta'(1)/I(kappa), Gauss-Hermite";
    return r;
  }
  // Fully connected, K → ∞.
  if (options.K > 0) {
    FullyConnectedCapacity fc = FullyConnectedCommitteeCapacity(
        g, options.K, options.kappa, options.mc_samples, options.search_samples, options.seed);
    r.capacity = fc.capacity, r.capacity_stderr = fc.stderr;
    r.correlation = fc.correlation, r.shape = fc.shape, r.bias = fc.bias;
    r.tree_formula = fc.tree_formula;
    r.kernel_slope = g.KernelSlopeAtOne();
    r.method = fmt::format(
        "ground-state Monte Carlo: sup over C, b, inf over rho on {} samples, "
        "value on {} fresh samples",
        options.search_samples, options.mc_samples);
    return r;
  }
  if (g.c1_squared() >= 1 - 1e-12)
    Fail(
        "storage: activation '{}' is purely linear: the fully connected net degenerates to a "
        "perceptron (capacity per parameter → 0 as K → ∞)",
        g.name());
  EffectiveKernel kernel{&g, true};
  r.kernel_slope = kernel.SlopeAtOne();
  r.capacity = r.kernel_slope / I;
  r.method = g.closed_form() ? "Delta~'(1)/I(kappa), closed-form kernel"
                             : "Delta~'(1)/I(kappa), Gauss-Hermite";
  double c2t = kernel.C2Squared();
  double q_sp = 0, a_sp = 0;
  FindSpinodal(kernel, options.kappa, &q_sp, &a_sp);
  if (c2t > 1e-12) {
    double m = MillsRatio(options.kappa);
    r.alpha_psb = 1 / (2 * c2t * m * m);
    // Continuous only if the branch rises from α(0⁺); a dip below it makes it first order.
    if (a_sp < r.alpha_psb * (1 - 1e-6)) {
      r.psb = PsbType::kFirstOrder;
    } else {
      r.psb = PsbType::kContinuous;
      return r;
    }
  } else {
    r.psb = PsbType::kFirstOrder;
  }
  r.spinodal_q = q_sp, r.spinodal_alpha = a_sp;
  FindEqualFreeEnergy(kernel, options.kappa, q_sp, &r.equal_free_energy_q,
                      &r.equal_free_energy_alpha);
  return r;
}

std::vector<ActivationTableRow> ComputeActivationTable(double kappa) {
  std::vector<ActivationTableRow> rows;
  for (const std::string& name : StorageActivation::Names()) {
    ActivationTableRow row;
    row.activation = name;
    StorageOptions o;
    o.activation = name, o.kappa = kappa, o.architecture = Architecture::kTree;
    const StorageResult tree = ComputeStorageCapacity(o);
    row.c1_squared = tree.c1_squared, row.c2_squared = tree.c2_squared, row.tree = tree.capacity;
    const StorageActivation g = StorageActivation::Parse(name);
    if (g.c1_squared() >= 1 - 1e-12) {
      row.fc_degenerate = true;
    } else if (std::isinf(g.KernelSlopeAtOne())) {
      row.fully_connected = kInf;
    } else {
      o.architecture = Architecture::kFullyConnected;
      row.fc = ComputeStorageCapacity(o);
      row.fully_connected = row.fc.capacity;
    }
    rows.push_back(row);
  }
  return rows;
}

}  // namespace mnemo
