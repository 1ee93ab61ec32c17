// Analyze: the numbers a theorist reports from a set of rows (rows.h) — scaling exponents with
// 95% confidence intervals (size against N at fixed δ, against log2(1/δ) at fixed N, W against
// L at fixed N), the empirical constant of each construction's theorem (measured / the theorem's
// scale, e.g. W²L²/(N·log2(1/δ)) for bitextract) with min / median / max, and every row checked
// against every Bound it carries (the construction's sufficient size, the necessary lower
// bounds): holds, violated, or no verdict when the theorem fixes no constant.
#pragma once

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "mnemo/report.h"
#include "mnemo/rows.h"

namespace mnemo {

/// A least-squares line through (ln x, ln y): y ≈ prefactor · x^exponent.
struct PowerFit {
  static constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  int64_t points = 0;
  int64_t distinct_x = 0;
  double exponent = kNaN;
  /// 95% confidence interval of the exponent: ± t(0.975, points − 2) · standard error
  /// (Student t; needs 3 points or more).
  double exponent_low = kNaN, exponent_high = kNaN;
  double std_error = kNaN;
  double prefactor = kNaN;  ///< exp(intercept)
  double r2 = kNaN;
};
/// Fits ln y = a + b ln x over the points with x > 0 and y > 0 (needs 2 distinct x).
PowerFit FitPowerLaw(const std::vector<double>& x, const std::vector<double>& y);

/// Mean with its 95% Student-t interval, and min / median / max.
struct Spread {
  static constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  int64_t count = 0;
  double min = kNaN, median = kNaN, max = kNaN, mean = kNaN, mean_low = kNaN, mean_high = kNaN;
};
Spread SpreadOf(std::vector<double> values);

/// One scaling fit: a measure against an axis, within one group of rows that agree on every
/// other grid coordinate.
struct ScalingFit {
  std::string axis;          ///< "N", "log2(1/delta)" or "L"
  std::string construction;
  std::string measure;       ///< a Measure() name (report.h)
  nlohmann::ordered_json fixed;  ///< the coordinates held fixed
  std::vector<double> x, y;
  std::vector<size_t> members;  ///< indices of the rows fitted, into the rows given to Analyze
  PowerFit fit;
};

/// The empirical constant of a construction's upper bound over a set of rows.
struct ConstantSummary {
  std::string construction;
  std::string formula;  ///< the bound's formula
  std::string measure;
  double theorem_constant = PowerFit::kNaN;  ///< when the theorem fixes it
  nlohmann::ordered_json by = nlohmann::ordered_json::object();  ///< breakdown coordinates
  Spread ratio;  ///< measured / scale
};

/// One row checked against one bound.
struct BoundCheck {
  std::string where;  ///< file:line of the row
  std::string construction;
  std::string label;  ///< the row's coordinates, short
  Bound bound;
  std::optional<bool> holds;  ///< nullopt: the theorem fixes no constant
};

/// Bound checks of one (construction, bound) over all rows.
struct BoundSummary {
  std::string construction;
  Bound::Kind kind = Bound::Kind::kUpper;
  std::string formula, tag;
  int64_t rows = 0, holds = 0, violated = 0, unknown = 0;
  double min_ratio = PowerFit::kNaN, max_ratio = PowerFit::kNaN;
};

struct AnalyzeOptions {
  /// Measures fitted against N and log2(1/δ); empty = w2l2, params_nonzero, params_dense,
  /// total_weight_bits, neurons, width (when not asked), depth (when not asked).
  std::vector<std::string> measures;
  /// Coordinates that split the constants (e.g. {"depth", "delta"}); empty = one per bound.
  std::vector<std::string> constants_by;
};

struct Analysis {
  int64_t rows = 0;   ///< rows read
  int64_t built = 0;  ///< rows with a network (status success)
  std::vector<ScalingFit> fits;
  std::vector<ConstantSummary> constants;
  std::vector<BoundCheck> checks;
  std::vector<BoundSummary> bounds;
  int64_t Violated() const;
  nlohmann::ordered_json ToJson() const;
};

Analysis Analyze(const std::vector<Row>& rows, const AnalyzeOptions& options = {});

/// The grid coordinates of a row: the sweep's (provenance.grid), or for rows of `build`,
/// `compare` and `tradeoff`, derived from the report (data without its n/d/classes/δ
/// parameters, n, d, classes, δ asked in a synthetic: spec, depth and width asked, options,
/// seed).
nlohmann::ordered_json Coordinates(const Report& row);
/// The rows whose construction is one of `constructions` (all when empty) and whose coordinates
/// match every "key=value" of `where` (numbers compared as numbers). mnemo::Error on a filter
/// that is not key=value.
std::vector<Row> FilterRows(const std::vector<Row>& rows,
                            const std::vector<std::string>& constructions,
                            const std::vector<std::string>& where);

/// The coordinate keys whose value is the same in every row (with "construction"): labels leave
/// them out and say them once.
std::vector<std::string> CommonCoordinates(const std::vector<Row>& rows);

/// "delta=1e-06 depth=40 n=1000" — the coordinates other than `skip`, for labels.
std::string DescribeCoordinates(const nlohmann::ordered_json& coords,
                                const std::vector<std::string>& skip = {});

}  // namespace mnemo
