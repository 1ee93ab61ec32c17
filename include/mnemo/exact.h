// Exact numbers. Every input value is taken as the exact binary64 value read from the file (a
// double is a dyadic rational); network weights are rationals, dyadic wherever a construction
// can choose them, so evaluation runs in integer fixed point: `__int128` where a proven bit
// bound allows it, GMP `mpz_class` beyond. Never `auto` on gmpxx expressions (they are lazy).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <gmpxx.h>

namespace mnemo {

using Integer = mpz_class;
using Rational = mpq_class;
using int128 = __int128;

/// The exact value of a finite double. MNEMO_CHECKs that `x` is finite.
Rational RationalFromDouble(double x);
/// Nearest double (correctly rounded by GMP's mpq_get_d truncation plus a fix-up).
double ToDouble(const Rational& x);
double ToDouble(const Integer& x);

/// "p" for integers, "p/q" otherwise (reduced). Inverse of ParseRational.
std::string ToString(const Integer& x);
std::string ToString(const Rational& x);
/// Parses "p", "-p", "p/q". Throws mnemo::Error naming `where` on malformed text.
Rational ParseRational(std::string_view text, std::string_view where = "");
Integer ParseInteger(std::string_view text, std::string_view where = "");

/// Number of bits of |x| (0 for x = 0).
int BitLength(const Integer& x);
/// Fixed-point storage bits of a reduced rational p/q: bitlen|p| + bitlen(q) − 1
/// (an integer needs bitlen|p|, 2^-30 needs 31). 0 for 0.
int FixedPointBits(const Rational& x);
/// 2^k as an integer, k ≥ 0.
Integer Pow2(int k);
/// k if x = 2^k (x > 0), else -1.
int ExactLog2(const Integer& x);
/// True when the (reduced) denominator is a power of two.
bool IsDyadic(const Rational& x);
/// Rounds x to the dyadic grid 2^-bits (round half away from zero is not needed: nearest, ties up).
Rational RoundToDyadic(double x, int bits);

bool FitsInt64(const Integer& x);
bool FitsInt128(const Integer& x);
int128 ToInt128(const Integer& x);  ///< MNEMO_CHECKs FitsInt128.
Integer FromInt128(int128 x);
std::string Int128ToString(int128 x);

}  // namespace mnemo

template <>
struct fmt::formatter<mpz_class> : fmt::formatter<std::string> {
  auto format(const mpz_class& x, format_context& ctx) const {
    return fmt::formatter<std::string>::format(mnemo::ToString(x), ctx);
  }
};
template <>
struct fmt::formatter<mpq_class> : fmt::formatter<std::string> {
  auto format(const mpq_class& x, format_context& ctx) const {
    return fmt::formatter<std::string>::format(mnemo::ToString(x), ctx);
  }
};
