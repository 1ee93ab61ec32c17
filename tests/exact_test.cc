// Tests for mnemo/exact.h: string round trips, exact conversions, bit counts, int128 glue.
#include "mnemo/exact.h"

#include <cmath>
#include <limits>
#include <random>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "mnemo/error.h"

namespace mnemo {
namespace {

using ::testing::HasSubstr;

TEST(ExactTest, IntegerStringRoundTripsIncludingHugeValues) {
  std::mt19937_64 rng(7);
  for (int k : {0, 1, 63, 64, 127, 128, 500}) {
    for (int sign : {1, -1}) {
      Integer x = Pow2(k) * sign + Integer(int64_t(rng() % 1000));
      std::string s = ToString(x);
      EXPECT_EQ(ParseInteger(s), x) << s;
      EXPECT_EQ(ToString(ParseInteger(s)), s);
    }
  }
  EXPECT_EQ(ParseInteger("+17"), 17);
  EXPECT_EQ(ParseInteger("-0"), 0);
}

TEST(ExactTest, RationalStringRoundTripsAndIsReduced) {
  std::mt19937_64 rng(11);
  for (int t = 0; t < 200; ++t) {
    Integer num = Integer(int64_t(rng() % 2000001) - 1000000) * Pow2(int(rng() % 90));
    Integer den = Integer(int64_t(rng() % 1000) + 1) * Pow2(int(rng() % 70));
    Rational r(num, den);
    r.canonicalize();
    std::string s = ToString(r);
    Rational back = ParseRational(s);
    EXPECT_EQ(back, r) << s;
    EXPECT_EQ(ToString(back), s);
  }
  EXPECT_EQ(ToString(ParseRational("6/4")), "3/2");
  EXPECT_EQ(ToString(ParseRational("-8/4")), "-2");
  EXPECT_EQ(ToString(ParseRational("4/-8")), "-1/2");
}

TEST(ExactTest, MalformedNumbersThrowNamingThePlace) {
  for (const char* bad : {"", "-", "1.5", "abc", "1/", "/2", "1/2/3", "0x10", " 1"}) {
    try {
      ParseRational(bad, "net.json: weight[3]");
      ADD_FAILURE() << "accepted \"" << bad << "\"";
    } catch (const Error& e) {
      EXPECT_THAT(e.what(), HasSubstr("net.json: weight[3]")) << bad;
    }
  }
  try {
    ParseRational("5/0", "here");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("zero denominator"));
    EXPECT_THAT(e.what(), HasSubstr("here"));
  }
  EXPECT_THROW(ParseInteger("12a"), Error);
}

TEST(ExactTest, RationalFromDoubleIsExactAndToDoubleInvertsIt) {
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> u(-1e6, 1e6);
  for (double x : {0.1, -0.1, 1e-300, 5e-324, 1.7976931348623157e308, 0.0, -2.5, 3.0}) {
    Rational r = RationalFromDouble(x);
    EXPECT_TRUE(IsDyadic(r)) << x;
    EXPECT_EQ(ToDouble(r), x);
  }
  EXPECT_EQ(RationalFromDouble(0.1), Rational(Integer("3602879701896397"), Pow2(55)));
  for (int t = 0; t < 1000; ++t) {
    double x = u(rng);
    EXPECT_EQ(ToDouble(RationalFromDouble(x)), x);
  }
}

TEST(ExactTest, ToDoubleRoundsToNearest) {
  // 1/3 and 2/3 are not dyadic: the nearest double is what the compiler gives for the literal.
  EXPECT_EQ(ToDouble(Rational(1, 3)), 1.0 / 3.0);
  EXPECT_EQ(ToDouble(Rational(2, 3)), 2.0 / 3.0);
  EXPECT_EQ(ToDouble(Rational(-2, 3)), -2.0 / 3.0);
  EXPECT_EQ(ToDouble(Rational(1, 10)), 0.1);
  // 1 + 2^-53·(1 + 2^-10) is just above the midpoint of 1 and 1 + 2^-52: rounds up (truncation
  // would give 1).
  Rational above = 1 + Rational(Pow2(10) + 1, Pow2(63));
  EXPECT_EQ(ToDouble(above), 1.0 + std::ldexp(1.0, -52));
  Rational below = 1 + Rational(Pow2(10) - 1, Pow2(63));
  EXPECT_EQ(ToDouble(below), 1.0);
  EXPECT_EQ(ToDouble(Integer("9007199254740993")), 9007199254740992.0);
}

TEST(ExactTest, BitCountsMatchTheirDefinitions) {
  EXPECT_EQ(BitLength(Integer(0)), 0);
  EXPECT_EQ(BitLength(Integer(1)), 1);
  EXPECT_EQ(BitLength(Integer(-255)), 8);
  EXPECT_EQ(BitLength(Pow2(100)), 101);
  EXPECT_EQ(FixedPointBits(Rational(0)), 0);
  EXPECT_EQ(FixedPointBits(Rational(5)), 3);
  EXPECT_EQ(FixedPointBits(Rational(1, Pow2(30))), 31);
  EXPECT_EQ(FixedPointBits(Rational(-3, 4)), 4);
  EXPECT_EQ(ExactLog2(Pow2(77)), 77);
  EXPECT_EQ(ExactLog2(Integer(1)), 0);
  EXPECT_EQ(ExactLog2(Integer(12)), -1);
  EXPECT_EQ(ExactLog2(Integer(-4)), -1);
  EXPECT_EQ(ExactLog2(Integer(0)), -1);
  EXPECT_TRUE(IsDyadic(Rational(3, 1024)));
  EXPECT_TRUE(IsDyadic(Rational(7)));
  EXPECT_FALSE(IsDyadic(Rational(1, 3)));
}

TEST(ExactTest, RoundToDyadicRoundsToTheGrid) {
  EXPECT_EQ(RoundToDyadic(0.3, 2), Rational(1, 4));
  EXPECT_EQ(RoundToDyadic(0.375, 2), Rational(1, 2));  // tie: nearest even numerator
  EXPECT_EQ(RoundToDyadic(-0.7, 1), Rational(-1, 2));
  EXPECT_EQ(RoundToDyadic(5.0, 0), Rational(5));
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u(-10, 10);
  for (int t = 0; t < 200; ++t) {
    double x = u(rng);
    Rational r = RoundToDyadic(x, 20);
    EXPECT_TRUE(IsDyadic(r));
    EXPECT_LE(abs(r - RationalFromDouble(x)), Rational(1, Pow2(21)));
  }
}

TEST(ExactTest, Int128ConversionsRoundTrip) {
  std::vector<Integer> values = {Integer(0), Integer(1), Integer(-1), Pow2(63), -Pow2(63),
                                 Pow2(100) + 12345, -(Pow2(125) + 1), Pow2(126) - 1,
                                 -(Pow2(126) - 1)};
  for (const Integer& v : values) {
    ASSERT_TRUE(FitsInt128(v)) << v;
    int128 x = ToInt128(v);
    EXPECT_EQ(FromInt128(x), v);
    EXPECT_EQ(Int128ToString(x), ToString(v));
  }
  EXPECT_FALSE(FitsInt128(Pow2(126)));
  EXPECT_FALSE(FitsInt128(-Pow2(127)));
  EXPECT_TRUE(FitsInt64(Integer(std::numeric_limits<int64_t>::min())));
  EXPECT_FALSE(FitsInt64(Pow2(63)));
  int128 big = (int128(1) << 100) * -3;
  EXPECT_EQ(FromInt128(big), Pow2(100) * -3);
}

TEST(ExactTest, FmtFormattersPrintExactValues) {
  EXPECT_EQ(fmt::format("{}", Rational(-7, 3)), "-7/3");
  EXPECT_EQ(fmt::format("{}", Pow2(70)), "1180591620717411303424");
}

}  // namespace
}  // namespace mnemo
