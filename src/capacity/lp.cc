// Perceptron capacity by LP feasibility (GLPK) with exact certificates (storage_capacity.md §8.1).
//
// Separable: the LP y_μ w·x_μ ≥ 1 is feasible; its w (exact dyadic doubles) is checked in
// rationals. Not separable: by Gordan's theorem there is λ ≥ 0, λ ≠ 0 with Σ λ_μ y_μ x_μ = 0; the
// LP {λ ≥ 0, Σλ = 1, Σ λ_μ y_μ x_μ = 0} gives a basis, the basic columns' system is solved exactly
// by fraction-free (Bareiss) elimination over the integers, and the result is checked.
#include <glpk.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <sstream>

#include <omp.h>

#include "mnemo/capacity.h"
#include "mnemo/error.h"
#include "mnemo/progress.h"
#include "src/capacity/internal.h"

namespace mnemo {
namespace {

constexpr double kInputScale = 1024.0;  // x = round(2^10 z)

struct GlpProb {
  glp_prob* p = glp_create_prob();
  ~GlpProb() { glp_delete_prob(p); }
};

// Primal: rows μ: Σ_i v_μi w_i ≥ 1, w free. Returns true and w if feasible.
bool SolvePrimal(const PerceptronInstance& inst, std::vector<double>* w) {
  glp_term_out(GLP_OFF);
  GlpProb lp;
  const int N = inst.N, P = inst.P;
  glp_add_rows(lp.p, P);
  glp_add_cols(lp.p, N);
  for (int mu = 1; mu <= P; ++mu) glp_set_row_bnds(lp.p, mu, GLP_LO, 1.0, 0.0);
  for (int i = 1; i <= N; ++i) glp_set_col_bnds(lp.p, i, GLP_FR, 0.0, 0.0);
  std::vector<int> ia(1), ja(1);
  std::vector<double> ar(1);
  ia.reserve(size_t(P) * N + 1), ja.reserve(size_t(P) * N + 1), ar.reserve(size_t(P) * N + 1);
  for (int mu = 0; mu < P; ++mu)
    for (int i = 0; i < N; ++i) {
      int32_t v = inst.v(mu, i);
      if (v == 0) continue;
      ia.push_back(mu + 1), ja.push_back(i + 1), ar.push_back(v / kInputScale);
    }
  glp_load_matrix(lp.p, int(ia.size()) - 1, ia.data(), ja.data(), ar.data());
  glp_smcp parm;
  glp_init_smcp(&parm);
  parm.msg_lev = GLP_MSG_OFF;
  parm.presolve = GLP_ON;
  int ret = glp_simplex(lp.p, &parm);
  if (ret == GLP_ENOPFS) return false;
  if (ret != 0) {
    // Presolver trouble: retry without it.
    parm.presolve = GLP_OFF;
    glp_adv_basis(lp.p, 0);
    ret = glp_simplex(lp.p, &parm);
    if (ret != 0) return false;
  }
  int status = glp_get_status(lp.p);
  if (status != GLP_OPT && status != GLP_FEAS) return false;
  w->resize(N);
  for (int i = 0; i < N; ++i) (*w)[i] = glp_get_col_prim(lp.p, i + 1);
  return true;
}

// Gordan LP: λ ≥ 0, Σ λ = 1, Σ_μ λ_μ v_μ = 0. Returns the basic columns if feasible.
bool SolveGordan(const PerceptronInstance& inst, std::vector<int>* basic) {
  glp_term_out(GLP_OFF);
  GlpProb lp;
  const int N = inst.N, P = inst.P;
  glp_add_rows(lp.p, N + 1);
  glp_add_cols(lp.p, P);
  for (int i = 1; i <= N; ++i) glp_set_row_bnds(lp.p, i, GLP_FX, 0.0, 0.0);
  glp_set_row_bnds(lp.p, N + 1, GLP_FX, 1.0, 1.0);
  for (int mu = 1; mu <= P; ++mu) glp_set_col_bnds(lp.p, mu, GLP_LO, 0.0, 0.0);
  std::vector<int> ia(1), ja(1);
  std::vector<double> ar(1);
  for (int mu = 0; mu < P; ++mu) {
    for (int i = 0; i < N; ++i) {
      int32_t v = inst.v(mu, i);
      if (v == 0) continue;
      ia.push_back(i + 1), ja.push_back(mu + 1), ar.push_back(v / kInputScale);
    }
    ia.push_back(N + 1), ja.push_back(mu + 1), ar.push_back(1.0);
  }
  glp_load_matrix(lp.p, int(ia.size()) - 1, ia.data(), ja.data(), ar.data());
  glp_smcp parm;
  glp_init_smcp(&parm);
  parm.msg_lev = GLP_MSG_OFF;
  parm.presolve = GLP_OFF;  // keep the basis
  glp_adv_basis(lp.p, 0);
  if (glp_simplex(lp.p, &parm) != 0) return false;
  int status = glp_get_status(lp.p);
  if (status != GLP_OPT && status != GLP_FEAS) return false;
  basic->clear();
  for (int mu = 1; mu <= P; ++mu)
    if (glp_get_col_stat(lp.p, mu) == GLP_BS) basic->push_back(mu - 1);
  return !basic->empty();
}

// Solves A λ = e_last exactly for the columns `cols` (A has rows v_·i, i < N, and a row of ones),
// by Bareiss elimination on integers and rational back substitution. False if inconsistent or
// the columns are dependent.
bool SolveGordanExactly(const PerceptronInstance& inst, const std::vector<int>& cols,
                        std::vector<mpq_class>* lambda) {
  const int rows = inst.N + 1, s = int(cols.size());
  if (s > rows) return false;
  std::vector<std::vector<mpz_class>> a(rows, std::vector<mpz_class>(s + 1));
  for (int i = 0; i < inst.N; ++i)
    for (int j = 0; j < s; ++j) a[i][j] = inst.v(cols[j], i);
  for (int j = 0; j < s; ++j) a[inst.N][j] = 1;
  a[inst.N][s] = 1;
  mpz_class prev = 1, tmp;
  for (int col = 0; col < s; ++col) {
    int piv = -1;
    for (int i = col; i < rows; ++i)
      if (sgn(a[i][col]) != 0) {
        piv = i;
        break;
      }
    if (piv < 0) return false;
    std::swap(a[piv], a[col]);
    for (int i = col + 1; i < rows; ++i) {
      for (int j = col + 1; j <= s; ++j) {
        // a[i][j] = (a[col][col]·a[i][j] − a[i][col]·a[col][j]) / prev, exact.
        mpz_mul(tmp.get_mpz_t(), a[i][col].get_mpz_t(), a[col][j].get_mpz_t());
        mpz_mul(a[i][j].get_mpz_t(), a[i][j].get_mpz_t(), a[col][col].get_mpz_t());
        mpz_sub(a[i][j].get_mpz_t(), a[i][j].get_mpz_t(), tmp.get_mpz_t());
        mpz_divexact(a[i][j].get_mpz_t(), a[i][j].get_mpz_t(), prev.get_mpz_t());
      }
      a[i][col] = 0;
    }
    prev = a[col][col];
  }
  for (int i = s; i < rows; ++i)
    if (sgn(a[i][s]) != 0) return false;  // inconsistent
  // Back substitution in integers: with D the last pivot (the determinant of the s×s system that
  // determines λ), y = D·λ is integral (Cramer), so every division below is exact.
  const mpz_class& D = a[s - 1][s - 1];
  std::vector<mpz_class> y(s);
  mpz_class acc;
  for (int k = s - 1; k >= 0; --k) {
    acc = D * a[k][s];
    for (int j = k + 1; j < s; ++j) acc -= a[k][j] * y[j];
    if (!mpz_divisible_p(acc.get_mpz_t(), a[k][k].get_mpz_t())) return false;
    mpz_divexact(y[k].get_mpz_t(), acc.get_mpz_t(), a[k][k].get_mpz_t());
  }
  // λ·|D| is a positive multiple of λ, hence an equally valid certificate, and integral.
  lambda->assign(s, mpq_class(0));
  for (int k = 0; k < s; ++k) (*lambda)[k] = sgn(D) > 0 ? y[k] : mpz_class(-y[k]);
  return true;
}

}  // namespace

PerceptronInstance SamplePerceptronInstance(int N, int P, std::mt19937_64& rng) {
  MNEMO_CHECK(N >= 1 && P >= 1, "instance N={} P={}", N, P);
  PerceptronInstance inst;
  inst.N = N, inst.P = P;
  inst.x.resize(size_t(N) * P);
  inst.y.resize(P);
  for (int mu = 0; mu < P; ++mu) {
    for (int i = 0; i < N; ++i)
      inst.x[size_t(mu) * N + i] =
          int32_t(std::lround(kInputScale * internal::StandardNormal(rng)));
    inst.y[mu] = (rng() >> 63) ? 1 : -1;
  }
  return inst;
}

bool CheckCertificate(const PerceptronInstance& inst, const SeparabilityCertificate& cert,
                      std::string* why) {
  auto fail = [&](std::string m) {
    if (why) *why = std::move(m);
    return false;
  };
  const int N = inst.N, P = inst.P;
  // Scale a rational vector to integers by the lcm of its denominators (a positive factor, which
  // changes neither the signs of the margins nor whether Σ λ y x vanishes).
  auto to_integers = [](const std::vector<mpq_class>& q) {
    mpz_class l = 1;
    for (const mpq_class& v : q) mpz_lcm(l.get_mpz_t(), l.get_mpz_t(), v.get_den_mpz_t());
    std::vector<mpz_class> out(q.size());
    for (size_t i = 0; i < q.size(); ++i) out[i] = q[i].get_num() * (l / q[i].get_den());
    return out;
  };
  mpz_class acc;
  if (cert.separable) {
    if (int(cert.w.size()) != N) return fail("w has the wrong length");
    const std::vector<mpz_class> w = to_integers(cert.w);
    for (int mu = 0; mu < P; ++mu) {
      acc = 0;
      for (int i = 0; i < N; ++i) {
        int32_t v = inst.v(mu, i);
        if (v >= 0) {
          mpz_addmul_ui(acc.get_mpz_t(), w[i].get_mpz_t(), static_cast<unsigned long>(v));
        } else {
          mpz_submul_ui(acc.get_mpz_t(), w[i].get_mpz_t(), static_cast<unsigned long>(-int64_t(v)));
        }
      }
      if (sgn(acc) <= 0) return fail(fmt::format("pattern {} has margin y w.x <= 0", mu));
    }
    return true;
  }
  if (cert.support.size() != cert.lambda.size() || cert.support.empty())
    return fail("empty or malformed lambda");
  std::vector<int> seen = cert.support;
  std::sort(seen.begin(), seen.end());
  if (std::adjacent_find(seen.begin(), seen.end()) != seen.end() || seen.front() < 0 ||
      seen.back() >= P)
    return fail("lambda's support has repeated or out-of-range patterns");
  bool positive = false;
  for (const mpq_class& l : cert.lambda) {
    if (sgn(l) < 0) return fail("lambda has a negative entry");
    positive |= sgn(l) > 0;
  }
  if (!positive) return fail("lambda is zero");
  const std::vector<mpz_class> lambda = to_integers(cert.lambda);
  for (int i = 0; i < N; ++i) {
    acc = 0;
    for (size_t j = 0; j < cert.support.size(); ++j) {
      int32_t v = inst.v(cert.support[j], i);
      if (v >= 0) {
        mpz_addmul_ui(acc.get_mpz_t(), lambda[j].get_mpz_t(), static_cast<unsigned long>(v));
      } else {
        mpz_submul_ui(acc.get_mpz_t(), lambda[j].get_mpz_t(), static_cast<unsigned long>(-int64_t(v)));
      }
    }
    if (sgn(acc) != 0) return fail(fmt::format("sum of lambda y x is not 0 in coordinate {}", i));
  }
  return true;
}

SeparabilityResult DecideSeparability(const PerceptronInstance& inst) {
  auto start = std::chrono::steady_clock::now();
  SeparabilityResult r;
  std::vector<double> w;
  bool primal = SolvePrimal(inst, &w);
  if (primal) {
    r.separable = true;
    r.certificate.separable = true;
    for (double v : w) r.certificate.w.emplace_back(v);  // exact dyadic value of the double
    r.certified = CheckCertificate(inst, r.certificate);
  }
  if (!r.certified) {
    std::vector<int> basic;
    std::vector<mpq_class> lambda;
    if (SolveGordan(inst, &basic) && SolveGordanExactly(inst, basic, &lambda)) {
      SeparabilityCertificate cert;
      cert.separable = false;
      for (size_t j = 0; j < basic.size(); ++j)
        if (sgn(lambda[j]) != 0) cert.support.push_back(basic[j]), cert.lambda.push_back(lambda[j]);
      if (CheckCertificate(inst, cert)) {
        r.separable = false, r.certified = true, r.certificate = std::move(cert);
      }
    }
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

LogisticFit FitLogistic(const std::vector<double>& alpha, const std::vector<int>& successes,
                        const std::vector<int>& trials) {
  MNEMO_CHECK(alpha.size() == successes.size() && alpha.size() == trials.size());
  LogisticFit fit;
  int total_s = 0, total_n = 0;
  double mean_a = 0;
  for (size_t i = 0; i < alpha.size(); ++i)
    total_s += successes[i], total_n += trials[i], mean_a += alpha[i] * trials[i];
  if (total_n == 0 || total_s == 0 || total_s == total_n) return fit;
  mean_a /= total_n;
  // logit p = b0 + b1 (α − ᾱ); penalised log-likelihood with ridge ½λ b1² (λ small).
  constexpr double kRidge = 1e-3;
  double b0 = 0, b1 = -1;
  auto loglik = [&](double c0, double c1) {
    double l = -0.5 * kRidge * c1 * c1;
    for (size_t i = 0; i < alpha.size(); ++i) {
      double eta = c0 + c1 * (alpha[i] - mean_a);
      // log σ(η) = −log1p(e^{−η}), log(1 − σ(η)) = −log1p(e^{η}), stably.
      auto log_sig = [](double e) { return e > 0 ? -std::log1p(std::exp(-e)) : e - std::log1p(std::exp(e)); };
      l += successes[i] * log_sig(eta) + (trials[i] - successes[i]) * log_sig(-eta);
    }
    return l;
  };
  double h00 = 0, h01 = 0, h11 = 0;
  for (int it = 0; it < 200; ++it) {
    double g0 = 0, g1 = -kRidge * b1;
    h00 = 0, h01 = 0, h11 = kRidge;
    for (size_t i = 0; i < alpha.size(); ++i) {
      double x = alpha[i] - mean_a, eta = b0 + b1 * x, p = 1 / (1 + std::exp(-eta));
      double r = successes[i] - trials[i] * p, w = trials[i] * p * (1 - p);
      g0 += r, g1 += r * x;
      h00 += w, h01 += w * x, h11 += w * x * x;
    }
    double det = h00 * h11 - h01 * h01;
    if (!(det > 0)) break;
    double d0 = (h11 * g0 - h01 * g1) / det, d1 = (h00 * g1 - h01 * g0) / det;
    double base = loglik(b0, b1), step = 1;
    while (step > 1e-10 && loglik(b0 + step * d0, b1 + step * d1) < base - 1e-12) step *= 0.5;
    b0 += step * d0, b1 += step * d1;
    if (std::fabs(step * d0) + std::fabs(step * d1) < 1e-12) break;
  }
  if (!(b1 < 0)) return fit;
  fit.alpha_50 = mean_a - b0 / b1;
  fit.width = -1 / b1;
  // Delta method: ∂α₅₀/∂b0 = −1/b1, ∂α₅₀/∂b1 = b0/b1²; covariance = H⁻¹.
  double det = h00 * h11 - h01 * h01;
  double c00 = h11 / det, c01 = -h01 / det, c11 = h00 / det;
  double d0 = -1 / b1, d1 = b0 / (b1 * b1);
  fit.alpha_50_stderr = std::sqrt(std::max(0.0, d0 * d0 * c00 + 2 * d0 * d1 * c01 + d1 * d1 * c11));
  fit.ok = std::isfinite(fit.alpha_50);
  return fit;
}

std::vector<double> ParseValueList(const std::string& text, const std::string& what) {
  auto number = [&](const std::string& s) {
    size_t used = 0;
    double v = 0;
    try {
      v = std::stod(s, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (s.empty() || used != s.size() || !std::isfinite(v))
      Fail("{}: not a number: \"{}\" in \"{}\"", what, s, text);
    return v;
  };
  std::vector<double> out;
  if (text.find(':') != std::string::npos) {
    std::vector<std::string> parts;
    std::stringstream ss(text);
    std::string item;
    while (std::getline(ss, item, ':')) parts.push_back(item);
    if (parts.size() != 3) Fail("{}: expected FROM:TO:STEP, got \"{}\"", what, text);
    double a = number(parts[0]), b = number(parts[1]), step = number(parts[2]);
    if (!(step > 0) || b < a) Fail("{}: need FROM ≤ TO and STEP > 0 in \"{}\"", what, text);
    if ((b - a) / step > 10000) Fail("{}: more than 10000 values in \"{}\"", what, text);
    for (int i = 0; a + i * step <= b + 1e-9 * step; ++i) out.push_back(a + i * step);
  } else {
    std::stringstream ss(text);
    std::string item;
    while (std::getline(ss, item, ',')) out.push_back(number(item));
  }
  if (out.empty()) Fail("{}: empty list", what);
  for (double v : out)
    if (!(v > 0)) Fail("{}: values must be > 0, got {} in \"{}\"", what, v, text);
  return out;
}

ThresholdCurve MeasurePerceptron(const PerceptronMeasureOptions& options) {
  if (options.N < 2 || options.N > 2000) Fail("storage-measure: --N must be in [2, 2000], got {}", options.N);
  if (options.instances < 1) Fail("storage-measure: --instances must be ≥ 1, got {}", options.instances);
  std::vector<double> alphas = options.alphas;
  if (alphas.empty())
    for (int i = 0; i <= 8; ++i) alphas.push_back(1.6 + 0.1 * i);
  ThresholdCurve curve;
  std::mt19937_64 master(options.seed);
  struct Job {
    int row, P;
    uint64_t seed;
    SeparabilityResult result;
  };
  std::vector<Job> jobs;
  for (size_t a = 0; a < alphas.size(); ++a) {
    ThresholdRow row;
    row.N = options.N, row.K = 1;
    row.P = std::max(1, int(std::lround(alphas[a] * options.N)));
    row.alpha = double(row.P) / options.N;
    row.trials = options.instances;
    row.reference = CoverSeparability(row.P, options.N);
    curve.rows.push_back(row);
    for (int k = 0; k < options.instances; ++k) jobs.push_back({int(a), row.P, master(), {}});
  }
  Progress progress("perceptron", int64_t(jobs.size()));
  if (!options.progress) progress.Finish();
  const int threads = options.threads > 0 ? options.threads : omp_get_max_threads();
#pragma omp parallel for schedule(dynamic) num_threads(threads)
  for (size_t j = 0; j < jobs.size(); ++j) {
    std::mt19937_64 rng(jobs[j].seed);
    PerceptronInstance inst = SamplePerceptronInstance(options.N, jobs[j].P, rng);
    jobs[j].result = DecideSeparability(inst);
    glp_free_env();  // GLPK's environment is per thread; release it
    progress.Add();
  }
  progress.Finish();
  for (const Job& job : jobs) {
    ThresholdRow& row = curve.rows[job.row];
    row.successes += job.result.separable;
    row.certified += job.result.certified;
    row.seconds += job.result.seconds;
  }
  std::vector<double> xs;
  std::vector<int> ss, ns;
  for (ThresholdRow& row : curve.rows) {
    row.fraction = double(row.successes) / row.trials;
    row.sampling_error = std::sqrt(row.reference * (1 - row.reference) / row.trials);
    xs.push_back(row.alpha), ss.push_back(row.successes), ns.push_back(row.trials);
  }
  curve.fit = FitLogistic(xs, ss, ns);
  return curve;
}

}  // namespace mnemo
