// The CSV reader behind LoadDataset: the text is read in blocks (16 MB by default), the complete
// lines of each block are parsed on every core with a real float parser (std::from_chars; the
// few unusual cells — hex floats, a leading '+', errors — go through strtod for its messages),
// and the values land once in the dataset's matrix. A line split across blocks, CRLF, a file
// ending without a newline, a header, quoted fields and blank lines read the same at any block
// size. Delimiters: ',' ';' or tab, detected from the first line (or given).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "mnemo/data_matrix.h"
#include "mnemo/dataset.h"

namespace mnemo::internal {

struct CsvTable {
  DataMatrix x;
  std::vector<double> labels;            ///< numbers, or indices into label_names
  std::vector<std::string> label_names;  ///< text class labels, sorted (empty: numeric labels)
  std::vector<int64_t> row_lines;        ///< the file line of each row (1-based)
  std::vector<int64_t> feature_columns;  ///< the 1-based file column of each feature
  std::vector<std::string> header;       ///< the header row's cells (empty: no header)
  char delimiter = ',';
  int64_t label_col = -1;  ///< 0-based; −1: none
  std::vector<std::string> warnings;
};

/// Reads CSV text: `read(buffer, n)` fills up to n bytes and returns how many (0 at the end);
/// `size_hint` (bytes, 0 if unknown) sizes the matrix up front. `path` names the file in
/// messages ("path:line:column: ...").
CsvTable ReadCsv(const std::function<size_t(char*, size_t)>& read, const std::string& path,
                 int64_t size_hint, const DataOptions& opt);

/// One numeric cell (surrounding spaces, tabs and \r ignored): false if it is not a number;
/// throws on NaN, infinity, overflow and underflow, naming `where`.
bool ParseCell(const std::string& cell, double* out, const std::string& where);

/// The delimiter named by --delimiter: "," ";" "tab" (or a tab character), "auto" → 0.
char ParseDelimiter(const std::string& name);

}  // namespace mnemo::internal
