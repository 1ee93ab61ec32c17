// Perceptron capacity by LP feasibility (GLPK) with exact certificates .
//
// Separable: the LP y_μ w·x_μ ≥ 1 is feasible; its w (exact dyadic doubles) is checked in
// rationals. Not separable: by Gordan's theorem there is λ ≥ 0, λ ≠ 0 with Σ λ_μ y_μ x_μ = 0; the
// LP {λ ≥ 0, Σλ = 1, Σ λ_μ y_μ x_μ = 0} gives a basis, the basic columns' system is solved exactly
// by fraction-free (Bareiss) elimination over the integers, and the result is checked.
#include "mnemo/storage_separability.h"

#include <glpk.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <sstream>

#include "mnemo/error.h"
#include "mnemo/progress.h"
#include "mnemo/random.h"
#include "mnemo/storage_theory.h"

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
  Gaussian normal;
  for (int mu = 0; mu < P; ++mu) {
    for (int i = 0; i < N; ++i)
      inst.x[size_t(mu) * N + i] = int32_t(std::lround(kInputScale * normal(rng)));
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
        mpz_submul_ui(acc.get_mpz_t(), lambda[j].get_mpz_t(),
                      static_cast<unsigned long>(-int64_t(v)));
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

ThresholdCurve MeasurePerceptron(const PerceptronMeasureOptions& options) {
  if (options.N < 2 || options.N > 2000)
    Fail("storage-measure: --d must be in [2, 2000], got {}", options.N);
  if (options.instances < 1)
    Fail("storage-measure: --instances must be ≥ 1, got {}", options.instances);
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
