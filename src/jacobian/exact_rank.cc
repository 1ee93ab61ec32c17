// Exact rank mod p: the Jacobian of a polynomial activation at a
// point with integer/dyadic coordinates, reduced mod a prime p < 2^21, and its rank by
// fflas-ffpack's PLUQ (BLAS-backed, delayed modular reductions).
#include <fflas-ffpack/fflas-ffpack.h>
#include <givaro/modular.h>

#include <cmath>

#include "mnemo/error.h"
#include "mnemo/exact_rank.h"

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
  if (den == 0) Fail("activation coefficient {} has a denominator divisible by the prime {}",
                     ToString(c), p);
  (void)what;
  return uint32_t(uint64_t(IntegerModP(c.get_num(), p)) * InvMod(den, p) % p);
}

}  // namespace

uint32_t DoubleModP(double x, uint32_t p) {
  MNEMO_CHECK(std::isfinite(x));
  if (x == 0) return 0;
  int e = 0;
  double f = std::frexp(std::fabs(x), &e);        // |x| = f·2^e, f ∈ [½, 1)
  uint64_t mant = static_cast<uint64_t>(std::ldexp(f, 53));  // exact
  int shift = e - 53;                               // |x| = mant·2^shift
  uint64_t r = mant % p;
  if (shift >= 0) r = r * PowMod(2, shift, p) % p;
  else r = r * InvMod(PowMod(2, -shift, p), p) % p;
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
  return static_cast<int64_t>(FFPACK::Rank(field, size_t(rows), size_t(cols), a.data(),
                                           size_t(cols)));
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

}  // namespace mnemo
