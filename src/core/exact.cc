#include "mnemo/exact.h"

#include <cmath>

#include "mnemo/error.h"

namespace mnemo {

Rational RationalFromDouble(double x) {
  MNEMO_CHECK(std::isfinite(x), "non-finite value {}", x);
  Rational r;
  mpq_set_d(r.get_mpq_t(), x);  // exact: a double is a dyadic rational
  return r;
}

double ToDouble(const Integer& x) { return x.get_d(); }

double ToDouble(const Rational& x) {
  // mpq_get_d truncates; correct to nearest by comparing with the neighbours.
  double d = mpq_get_d(x.get_mpq_t());
  if (!std::isfinite(d)) return d;
  Rational err = x - RationalFromDouble(d);
  if (err == 0) return d;
  double toward = err > 0 ? std::nextafter(d, HUGE_VAL) : std::nextafter(d, -HUGE_VAL);
  if (!std::isfinite(toward)) return d;
  Rational err2 = x - RationalFromDouble(toward);
  return abs(err2) < abs(err) ? toward : d;
}

std::string ToString(const Integer& x) { return x.get_str(); }
std::string ToString(const Rational& x) { return x.get_str(); }

Integer ParseInteger(std::string_view text, std::string_view where) {
  std::string s(text);
  size_t start = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
  bool ok = s.size() > start;
  for (size_t i = start; i < s.size() && ok; ++i) ok = s[i] >= '0' && s[i] <= '9';
  if (!ok) Fail("{}{}not an integer: \"{}\"", where, where.empty() ? "" : ": ", s);
  if (s[0] == '+') s.erase(0, 1);
  return Integer(s, 10);
}

Rational ParseRational(std::string_view text, std::string_view where) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) return Rational(ParseInteger(text, where));
  Integer num = ParseInteger(text.substr(0, slash), where);
  Integer den = ParseInteger(text.substr(slash + 1), where);
  if (den == 0) Fail("{}{}zero denominator in \"{}\"", where, where.empty() ? "" : ": ", text);
  Rational r(num, den);
  r.canonicalize();
  return r;
}

int BitLength(const Integer& x) {
  if (x == 0) return 0;
  return static_cast<int>(mpz_sizeinbase(x.get_mpz_t(), 2));
}

int FixedPointBits(const Rational& x) {
  if (x == 0) return 0;
  return BitLength(x.get_num()) + BitLength(x.get_den()) - 1;
}

Integer Pow2(int k) {
  MNEMO_CHECK(k >= 0);
  Integer r;
  mpz_ui_pow_ui(r.get_mpz_t(), 2, static_cast<unsigned long>(k));
  return r;
}

int ExactLog2(const Integer& x) {
  if (x <= 0) return -1;
  size_t low = mpz_scan1(x.get_mpz_t(), 0);
  return (static_cast<int>(mpz_sizeinbase(x.get_mpz_t(), 2)) - 1 == static_cast<int>(low))
             ? static_cast<int>(low)
             : -1;
}

bool IsDyadic(const Rational& x) { return ExactLog2(x.get_den()) >= 0; }

Rational RoundToDyadic(double x, int bits) {
  MNEMO_CHECK(std::isfinite(x));
  double scaled = std::nearbyint(std::ldexp(x, bits));
  Rational r(RationalFromDouble(scaled).get_num(), Pow2(bits));
  r.canonicalize();
  return r;
}

bool FitsInt64(const Integer& x) { return mpz_fits_slong_p(x.get_mpz_t()) != 0; }

bool FitsInt128(const Integer& x) { return BitLength(x) <= 126; }

int128 ToInt128(const Integer& x) {
  MNEMO_CHECK(FitsInt128(x), "{} does not fit in __int128", ToString(x));
  Integer a = abs(x);
  unsigned __int128 v = 0;
  size_t count = 0;
  uint64_t limbs[2] = {0, 0};
  mpz_export(limbs, &count, -1, sizeof(uint64_t), 0, 0, a.get_mpz_t());
  v = (static_cast<unsigned __int128>(limbs[1]) << 64) | limbs[0];
  int128 r = static_cast<int128>(v);
  return x < 0 ? -r : r;
}

Integer FromInt128(int128 x) {
  bool neg = x < 0;
  unsigned __int128 a = neg ? -static_cast<unsigned __int128>(x) : static_cast<unsigned __int128>(x);
  uint64_t limbs[2] = {static_cast<uint64_t>(a), static_cast<uint64_t>(a >> 64)};
  Integer r;
  mpz_import(r.get_mpz_t(), 2, -1, sizeof(uint64_t), 0, 0, limbs);
  if (neg) r = -r;
  return r;
}

std::string Int128ToString(int128 x) { return ToString(FromInt128(x)); }

}  // namespace mnemo
