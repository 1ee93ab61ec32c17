// Dataset: labelled points as exact binary64 values, validated. Loaders for CSV, NumPy .npy,
// IDX (with its labels file beside it), the installed Fashion-MNIST, and generators. Identical
// points with different labels are an error naming both rows; identical points with the same
// label are merged (the dataset keeps the map from original rows to points, so verification
// still checks every original row). Integer labels are classes, mapped to 0..C−1 with the map
// kept; non-integer labels are real targets. The normalization into the unit ball (dyadic
// centre, dyadic scale) is computed here and becomes the network's input map.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "mnemo/data_matrix.h"
#include "mnemo/exact.h"
#include "mnemo/fingerprint.h"
#include "mnemo/input_map.h"
#include "mnemo/row_blocks.h"

namespace mnemo {

struct DataOptions {
  std::string labels_path;           ///< separate labels file (.npy or .csv), for .npy data
  int64_t skip_rows = 0;             ///< CSV: rows to skip before the (optional) header
  std::string label_column = "last"; ///< CSV: first | last | 0-based index | header name
  char delimiter = 0;                ///< CSV: ',' ';' '\t', or 0: detected from the first line
                                     ///< (tab for .tsv)
  int64_t block_bytes = 0;           ///< CSV: bytes read per block (0: 16 MB; tests go tiny)
  int64_t limit = 0;                 ///< keep only the first `limit` rows (0 = all)
  bool labels_optional = false;      ///< predict: unlabeled data (CSV --label-column none, .npy
                                     ///< without --labels) gets label 0 everywhere
};

struct Dataset {
  std::string source;                ///< the DATA spec it was loaded from
  DataMatrix x;                      ///< unique points, n × d, exact binary64 values, stored
                                     ///< as compactly as they came (bytes stay bytes)
  bool classification = true;        ///< false: real targets
  std::vector<int32_t> y;            ///< class index per point (classification)
  std::vector<double> target;        ///< real target per point (regression)
  std::vector<int64_t> class_values; ///< class index → the user's label (sorted ascending)
  std::vector<std::string> class_names;  ///< CSV text labels ("cat", "dog"): class index →
                                         ///< name, sorted; class_values are then 0..C−1
  int64_t original_rows = 0;         ///< rows in the file, before merging duplicates
  std::vector<int64_t> row_to_point; ///< original row → point (empty when nothing was merged)
  std::vector<int64_t> point_to_row; ///< point → its first original row
  int64_t merged_duplicates = 0;
  int input_exponent = 0;            ///< smallest E ≥ 0 with x·2^E integral
  std::vector<std::string> warnings; ///< e.g. merged duplicates; the CLI prints them
  std::string csv_path;                  ///< CSV: the file (for messages)
  std::vector<int64_t> row_lines;        ///< CSV: the file line of each original row
  std::vector<int64_t> feature_columns;  ///< CSV: the 1-based file column of each feature
  std::optional<uint64_t> x_digest;      ///< the digest of n, d and x that Fingerprint() goes
                                         ///< on from, when the reader computed it while reading
                                         ///< (IDX); unset: computed from x. Reset it if x changes

  int64_t n() const { return x.rows(); }
  int64_t d() const { return x.cols(); }
  int64_t classes() const { return classification ? int64_t(class_values.size()) : 0; }
  /// Expected output of point i in the network's label space: class index or real target.
  double Expected(int64_t i) const { return classification ? y[i] : target[i]; }
  /// The user's label for point i.
  std::string LabelString(int64_t i) const;
  /// Where point i's coordinate `col` (0-based) came from: "data.csv:17:3" for CSV, else
  /// "SOURCE: row R, column C" (0-based original row and column).
  std::string Where(int64_t point, int64_t col) const;
  /// Original row `row` in the user's terms, for messages: "data.csv:17" (CSV: the file's
  /// line, 1-based as an editor shows it), "x.npy row 5" (.npy, IDX, Fashion-MNIST: the
  /// 0-based index NumPy users write), "synthetic:ball?n=9 point 5" (generators: the point index).
  std::string RowName(int64_t row) const;
  /// Point `point` (after merging duplicates) in the user's terms: its first original row.
  std::string PointName(int64_t point) const { return RowName(point_to_row[point]); }
  DatasetFingerprint Fingerprint() const;
};

/// Loads DATA: a path (.csv, .npy, *-idx3-ubyte[.gz]) or a name (fashion-mnist[:train|:test],
/// synthetic:KIND?key=value&...). Throws mnemo::Error with file/line/column on bad input.
Dataset LoadDataset(const std::string& spec, const DataOptions& options = {});

/// Builds a dataset from memory (validation, class mapping and merging as for files).
/// `labels` are real values; integral ones make a classification dataset.
Dataset MakeDataset(std::string source, RowMatrix x, const std::vector<double>& labels);

namespace internal {
/// The CSV loader on text in memory (fuzzing, tests); `path` names it in messages.
Dataset DatasetFromCsvText(const std::string& text, const std::string& path,
                           const DataOptions& options);
/// A synthetic:... dataset with at most `max_cells` values n·d (fuzzing keeps it small).
Dataset SyntheticDataset(const std::string& spec, int64_t max_cells);
}  // namespace internal

/// Writes every original row with its label (the user's label) atomically, so the data can be
/// used outside mnemo: FILE.csv / FILE.tsv (any case; a header x1..xd,label and the values in
/// shortest round-trip form) or FILE.npy (the points: uint8 for byte data, else float64) with
/// the labels beside it in FILE-labels.npy (int64 classes, float64 targets, or text). Returns
/// the paths written. Throws mnemo::Error on another extension.
std::vector<std::string> SaveDataset(const Dataset& data, const std::string& path);

/// The delimiter named by --delimiter: "," ";" "tab" (or a tab character); "auto" → 0.
char ParseCsvDelimiter(const std::string& name);

/// Generator names and their parameters, for `--help`.
std::string SyntheticHelp();

/// Dyadic centre (mean rounded to the data grid, or 0 when x − c would not be exact in
/// binary64) and the smallest scale 2^s with max ‖(x − c)·2^−s‖ ≤ 1, checked exactly. Throws
/// mnemo::Error naming the value when a normalized coordinate is not exact in binary64 (data
/// spanning more than binary64's range, e.g. 1e-300 beside 1e10).
InputMap ComputeNormalization(const Dataset& data);
/// The normalized points (x − c)·2^−s (exact: dyadic shifts of exact values).
RowMatrix Normalized(const Dataset& data, const InputMap& map);
/// Rows [first, first + count) of Normalized(data, map), without the rest.
RowMatrix NormalizedBlock(const Dataset& data, const InputMap& map, int64_t first, int64_t count);
/// Calls fn(first, block) for consecutive blocks of normalized rows (`block_rows` rows; 0: a
/// multiple of 8 rows of about 2^22 values, 32 MB each), so a pass over the normalized data
/// needs no copy of all of it.
void ForEachNormalizedBlock(const Dataset& data, const InputMap& map,
                            const std::function<void(int64_t, const RowMatrix&)>& fn,
                            int64_t block_rows = 0);
/// The normalized points as RowBlocks: blocks of ForEachNormalizedBlock (`block_rows` rows; 0:
/// 32 MB each), made when visited; All() makes Normalized() once. `data` and `map` must
/// outlive it.
RowBlocks NormalizedRows(const Dataset& data, const InputMap& map, int64_t block_rows = 0);
/// max_i ‖(x_i − c)·2^−s‖ (binary64, as the summary prints it).
double MaxNormalizedNorm(const Dataset& data, const InputMap& map);

/// Separation of a 1-D projection onto a random unit direction: the smallest gap of the sorted
/// projected values of the normalized data (cheap, what constructions use).
struct ProjectedSeparation {
  double gap = 0;             ///< smallest gap of the sorted projections
  double delta_lower = 0;     ///< lower bound on δ implied by it (gap ≤ δ·‖v‖ for ‖v‖ = 1)
  int64_t i = -1, j = -1;     ///< the closest pair along the projection
  double max_norm = 0;        ///< max ‖x'_i‖ of the normalized points (same pass)
};
ProjectedSeparation ComputeProjectedSeparation(const Dataset& data, const InputMap& map,
                                               uint64_t seed);

/// Exact minimum pairwise distance δ of the normalized data: blocked Gram products with Eigen
/// find the candidates, the closest ones are rechecked in exact rational arithmetic. O(N²d).
struct ExactSeparation {
  Rational delta_squared;  ///< exact δ²
  double delta = 0;        ///< √δ² (rounded)
  int64_t i = -1, j = -1;  ///< a closest pair (point indices)
};
ExactSeparation ComputeExactSeparation(const Dataset& data, const InputMap& map);

/// Exact projections of normalized points onto a dyadic direction v = v_num·2^−v_bits:
/// returns integers P_i with ⟨v, x'_i⟩ = P_i·2^−(v_bits + *frac_bits). int128 arithmetic
/// when a bound proves it safe (ProjectExactInt128), mpz otherwise.
std::vector<Integer> ProjectExact(const RowMatrix& normalized, const std::vector<int64_t>& v_num,
                                  int v_bits, int* frac_bits);
/// The same with frac_bits = FractionBits(normalized) computed once by the caller (the scan
/// costs more than the projection when many directions are tried).
std::vector<Integer> ProjectExactWithBits(const RowMatrix& normalized,
                                          const std::vector<int64_t>& v_num, int frac_bits);
/// The same as int128 into out[0..rows): each value read as mantissa·2^exponent (no rounding),
/// with every term below 2^(126 − bits(d)) checked, so no partial sum can overflow. False when a
/// term would not fit (then `out` is partly written and the caller takes the mpz path).
bool ProjectExactInt128(const RowMatrix& normalized, const std::vector<int64_t>& v_num,
                        int frac_bits, int128* out);
/// Smallest E ≥ 0 with v·2^E integral (for a matrix: the maximum over its entries).
int FractionBits(double v);
int FractionBits(const RowMatrix& x);
/// The same for a dataset's stored points (byte data: 0; integer data without a binary64 copy).
int FractionBits(const DataMatrix& x);

}  // namespace mnemo
