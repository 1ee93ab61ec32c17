// Least squares on log–log axes and spreads, with Student-t intervals (Boost.Math).
#include <algorithm>
#include <cmath>
#include <set>

#include <boost/math/distributions/students_t.hpp>

#include "mnemo/analyze.h"

namespace mnemo {
namespace {

// t(0.975, dof): the two-sided 95% quantile.
double T975(double dof) {
  boost::math::students_t dist(dof);
  return boost::math::quantile(dist, 0.975);
}

}  // namespace

PowerFit FitPowerLaw(const std::vector<double>& xs, const std::vector<double>& ys) {
  PowerFit f;
  std::vector<double> lx, ly;
  std::set<double> distinct;
  for (size_t i = 0; i < xs.size() && i < ys.size(); ++i) {
    if (!(xs[i] > 0) || !(ys[i] > 0) || !std::isfinite(xs[i]) || !std::isfinite(ys[i])) continue;
    lx.push_back(std::log(xs[i]));
    ly.push_back(std::log(ys[i]));
    distinct.insert(xs[i]);
  }
  f.points = int64_t(lx.size());
  f.distinct_x = int64_t(distinct.size());
  if (f.distinct_x < 2) return f;
  const double n = double(lx.size());
  double mx = 0, my = 0;
  for (size_t i = 0; i < lx.size(); ++i) {
    mx += lx[i];
    my += ly[i];
  }
  mx /= n;
  my /= n;
  double sxx = 0, sxy = 0, syy = 0;
  for (size_t i = 0; i < lx.size(); ++i) {
    sxx += (lx[i] - mx) * (lx[i] - mx);
    sxy += (lx[i] - mx) * (ly[i] - my);
    syy += (ly[i] - my) * (ly[i] - my);
  }
  f.exponent = sxy / sxx;
  const double intercept = my - f.exponent * mx;
  f.prefactor = std::exp(intercept);
  double rss = 0;
  for (size_t i = 0; i < lx.size(); ++i) {
    const double r = ly[i] - intercept - f.exponent * lx[i];
    rss += r * r;
  }
  f.r2 = syy > 0 ? 1 - rss / syy : 1.0;
  if (f.points >= 3) {
    f.std_error = std::sqrt(rss / (n - 2) / sxx);
    const double half = T975(n - 2) * f.std_error;
    f.exponent_low = f.exponent - half;
    f.exponent_high = f.exponent + half;
  }
  return f;
}

Spread SpreadOf(std::vector<double> v) {
  Spread s;
  v.erase(std::remove_if(v.begin(), v.end(), [](double x) { return !std::isfinite(x); }),
          v.end());
  s.count = int64_t(v.size());
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  s.min = v.front();
  s.max = v.back();
  const size_t m = v.size() / 2;
  s.median = v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
  double sum = 0;
  for (double x : v) sum += x;
  s.mean = sum / double(v.size());
  if (v.size() >= 2) {
    double ss = 0;
    for (double x : v) ss += (x - s.mean) * (x - s.mean);
    const double se = std::sqrt(ss / double(v.size() - 1) / double(v.size()));
    const double half = T975(double(v.size() - 1)) * se;
    s.mean_low = s.mean - half;
    s.mean_high = s.mean + half;
  }
  return s;
}

}  // namespace mnemo
