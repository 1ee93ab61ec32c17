// Exact ranks: the Jacobian of a polynomial activation at a point given mod a prime p < 2^21
// and its rank by fflas-ffpack's PLUQ (BLAS-backed, delayed modular reductions); the exact
// rational Jacobian of a piecewise-linear activation at a dyadic point, reduced mod p or ranked
// over ℚ by FLINT.
#include "mnemo/exact_rank.h"

#include <fflas-ffpack/fflas-ffpack.h>
#include <flint/fmpz.h>
#include <flint/fmpz_mat.h>
#include <givaro/modular.h>

#include <cmath>

#include "mnemo/error.h"

namespace mnemo {
namespace {

uint64_t PowMod(uint64_t a, uint64_t e, uint64_t p) {
  uint64_t r = 1 % p;
  a %= p;
  while (e) {
    if (e & 1) r = r * a % p;
    a = a * a % p;
    e >>= 1;
  }
  return r;
}
uint64_t InvMod(uint64_t a, uint64_t p) { return PowMod(a, p - 2, p); }

bool IsPrime(uint32_t x) {
  if (x < 2) return false;
  for (uint32_t f = 2; uint64_t(f) * f <= x; ++f)
    if (x % f == 0) return false;
  return true;
}

uint32_t IntegerModP(const Integer& z, uint32_t p) {
  Integer r = z % p;  // sign of z
  if (r < 0) r += p;
  return static_cast<uint32_t>(r.get_ui());
}

uint32_t RationalModP(const Rational& c, uint32_t p, const char* what) {
  uint32_t den = IntegerModP(c.get_den(), p);
  if (den == 0)
    Fail("activation coefficient {} has a denominator divisible by the prime {}", ToString(c), p);
  (void)what;
  return uint32_t(uint64_t(IntegerModP(c.get_num(), p)) * InvMod(den, p) % p);
}

}  // namespace

uint32_t DoubleModP(double x, uint32_t p) {
  MNEMO_CHECK(std::isfinite(x));
  if (x == 0) return 0;
  int e = 0;
  double f = std::frexp(std::fabs(x), &e);                   // |x| = f·2^e, f ∈ [½, 1)
  uint64_t mant = static_cast<uint64_t>(std::ldexp(f, 53));  // exact
  int shift = e - 53;                                        // |x| = mant·2^shift
  uint64_t r = mant % p;
  if (shift >= 0)
    r = r * PowMod(2, shift, p) % p;
  else
    r = r * InvMod(PowMod(2, -shift, p), p) % p;
  if (x < 0 && r) r = p - r;
  return uint32_t(r);
}

std::vector<uint32_t> RandomPrimes(int count, std::mt19937_64& rng) {
  std::vector<uint32_t> primes;
  while (int(primes.size()) < count) {
    uint32_t c = uint32_t((1u << 20) + (rng() % (1u << 20))) | 1u;
    if (!IsPrime(c)) continue;
    bool dup = false;
    for (uint32_t q : primes) dup |= q == c;
    if (!dup) primes.push_back(c);
  }
  return primes;
}

int64_t RankModP(std::vector<double>& a, int64_t rows, int64_t cols, uint32_t p) {
  MNEMO_CHECK(p < (1u << 21) && IsPrime(p), "p = {} must be a prime < 2^21", p);
  MNEMO_CHECK(int64_t(a.size()) == rows * cols);
  if (rows == 0 || cols == 0) return 0;
  Givaro::Modular<double> field(p);
  return static_cast<int64_t>(
      FFPACK::Rank(field, size_t(rows), size_t(cols), a.data(), size_t(cols)));
}

std::vector<double> JacobianModP(const TwoLayerActivation& act, const std::vector<uint32_t>& x,
                                 int64_t d, int64_t n, const std::vector<uint32_t>& w,
                                 const std::vector<uint32_t>& b, const std::vector<uint32_t>& v,
                                 int64_t m, JacobianWrt wrt, uint32_t p) {
  MNEMO_CHECK(act.IsPolynomial(), "mod-p Jacobians need a polynomial activation");
  const std::vector<Rational>& poly = act.Coefficients();
  std::vector<uint64_t> c, dc;
  for (const Rational& r : poly) c.push_back(RationalModP(r, p, "coefficient"));
  for (size_t k = 1; k < c.size(); ++k) dc.push_back(c[k] * k % p);
  auto horner = [p](const std::vector<uint64_t>& cs, uint64_t z) {
    uint64_t acc = 0;
    for (size_t k = cs.size(); k-- > 0;) acc = (acc * z + cs[k]) % p;
    return acc;
  };
  const int64_t cols = JacobianColumns(m, d, 1, wrt);
  std::vector<double> j(size_t(n) * cols);
#pragma omp parallel for schedule(static) if (n * cols > (1 << 18))
  for (int64_t i = 0; i < n; ++i) {
    double* row = j.data() + size_t(i) * cols;
    const uint32_t* xi = x.data() + size_t(i) * d;
    for (int64_t jj = 0; jj < m; ++jj) {
      const uint32_t* wj = w.data() + size_t(jj) * d;
      // Products are < 2^42, so 2^21 of them fit in a uint64 before one reduction.
      uint64_t z = b[jj];
      for (int64_t l = 0; l < d; ++l) {
        z += uint64_t(wj[l]) * xi[l];
        if ((l & 0xfffff) == 0xfffff) z %= p;
      }
      z %= p;
      uint64_t dji = uint64_t(v[jj]) * horner(dc, z) % p;
      for (int64_t l = 0; l < d; ++l) row[jj * d + l] = double(dji * xi[l] % p);
      if (wrt == JacobianWrt::kAll) {
        row[m * d + jj] = double(dji);
        row[m * d + m + jj] = double(horner(c, z));
      }
    }
  }
  return j;
}

namespace {

/// Exact pre-activations Z = WᵀX + b1ᵀ (m × n, row-major) of dyadic doubles.
std::vector<Rational> ExactPreactivations(const TwoLayerParams& p, const Eigen::MatrixXd& x) {
  const int64_t m = p.m(), d = p.d(), n = x.cols();
  std::vector<Rational> xs(size_t(d) * n), z(size_t(m) * n);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t l = 0; l < d; ++l) xs[i * d + l] = RationalFromDouble(x(l, i));
#pragma omp parallel for schedule(static) if (m * n * d > (1 << 16))
  for (int64_t j = 0; j < m; ++j) {
    std::vector<Rational> w(d);
    for (int64_t l = 0; l < d; ++l) w[l] = RationalFromDouble(p.w(l, j));
    const Rational b = RationalFromDouble(p.b(j));
    for (int64_t i = 0; i < n; ++i) {
      Rational acc = b;
      for (int64_t l = 0; l < d; ++l)
        if (w[l] != 0) acc += w[l] * xs[i * d + l];
      z[j * n + i] = acc;
    }
  }
  return z;
}

}  // namespace

bool ExactJacobian(const TwoLayerActivation& act, const TwoLayerParams& p, const Eigen::MatrixXd& x,
                   JacobianWrt wrt, std::vector<Rational>* j) {
  MNEMO_CHECK(act.IsPiecewiseLinear() && p.q() == 1, "exact Jacobians: piecewise-linear σ, q = 1");
  const int64_t m = p.m(), d = p.d(), n = x.cols(), cols = JacobianColumns(m, d, 1, wrt);
  const std::vector<Rational> z = ExactPreactivations(p, x), kinks = act.Kinks();
  for (int64_t jj = 0; jj < m; ++jj) {
    if (p.v(jj, 0) == 0) continue;
    for (int64_t i = 0; i < n; ++i)
      for (const Rational& k : kinks)
        if (z[jj * n + i] == k) return false;
  }
  j->assign(size_t(n) * cols, Rational(0));
  for (int64_t i = 0; i < n; ++i) {
    Rational* row = j->data() + size_t(i) * cols;
    for (int64_t jj = 0; jj < m; ++jj) {
      const Rational& zz = z[jj * n + i];
      const Rational v = RationalFromDouble(p.v(jj, 0));
      const Rational dji = v == 0 ? Rational(0) : Rational(v * act.ExactDerivative(zz));
      if (dji != 0)
        for (int64_t l = 0; l < d; ++l) row[jj * d + l] = dji * RationalFromDouble(x(l, i));
      if (wrt == JacobianWrt::kAll) {
        row[m * d + jj] = dji;
        row[m * d + m + jj] = act.ExactValue(zz);
      }
    }
  }
  return true;
}

bool ReduceModP(const std::vector<Rational>& a, uint32_t p, std::vector<double>* residues) {
  residues->resize(a.size());
  for (size_t k = 0; k < a.size(); ++k) {
    if (a[k] == 0) {
      (*residues)[k] = 0;
      continue;
    }
    const uint32_t den = IntegerModP(a[k].get_den(), p);
    if (den == 0) return false;
    (*residues)[k] = double(uint64_t(IntegerModP(a[k].get_num(), p)) * InvMod(den, p) % p);
  }
  return true;
}

int64_t RankOverQ(const std::vector<Rational>& a, int64_t rows, int64_t cols) {
  MNEMO_CHECK(int64_t(a.size()) == rows * cols);
  if (rows == 0 || cols == 0) return 0;
  fmpz_mat_t mat;
  fmpz_mat_init(mat, rows, cols);
  fmpz_t entry;
  fmpz_init(entry);
  for (int64_t c = 0; c < cols; ++c) {
    Integer scale = 1;  // lcm of the column's denominators
    for (int64_t r = 0; r < rows; ++r)
      mpz_lcm(scale.get_mpz_t(), scale.get_mpz_t(), a[r * cols + c].get_den_mpz_t());
    for (int64_t r = 0; r < rows; ++r) {
      const Rational& q = a[r * cols + c];
      Integer v = q.get_num() * (scale / q.get_den());
      fmpz_set_mpz(entry, v.get_mpz_t());
      fmpz_set(fmpz_mat_entry(mat, r, c), entry);
    }
  }
  const int64_t rank = fmpz_mat_rank(mat);
  fmpz_clear(entry);
  fmpz_mat_clear(mat);
  return rank;
}

}  // namespace mnemo
