// The honest float export: what a float export computes, in its dtype, checked on data. The
// forward pass runs the numbers of the file (ExportTensors rounded to the dtype) on the inputs
// rounded to the dtype, with every product and sum in the dtype (as a float32 PyTorch or NumPy
// model runs it), and decodes the outputs as the README's snippet does. Summation order is
// not fixed by NumPy/BLAS, so each row is run twice, summing every neuron's terms in column
// order and in reverse order; a row is right only when both give its label. `mnemo verify --mode
// float32` and `mnemo export` (which refuses a file that loses a label unless --allow-inexact)
// use it. Exact evaluation stays the judge of the network itself.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "mnemo/dataset.h"
#include "mnemo/io.h"
#include "mnemo/network.h"
#include "mnemo/verify.h"

namespace mnemo {

/// The result of running a float export on data.
struct DtypeCheck {
  ExportDtype dtype = ExportDtype::kFloat64;
  std::string data;         ///< the data's source
  std::string fingerprint;  ///< its fingerprint hash
  int64_t checked = 0;      ///< original rows
  int64_t wrong = 0;        ///< rows whose label the float pass does not give
  std::vector<Mismatch> first_wrong;
  int64_t values = 0;           ///< numbers in the file (dense weights, biases, input map)
  int64_t rounded_values = 0;   ///< of them, those the dtype does not hold exactly
  int64_t data_values = 0;      ///< input values of the data (points × d)
  int64_t rounded_inputs = 0;   ///< of them, those the dtype does not hold exactly
  int64_t max_weight_bits = 0;  ///< the network's (NetworkStats), to say why
  double seconds = 0;

  bool all_correct() const { return wrong == 0 && checked > 0; }
  /// "float32: 27/10000 correct (the file rounds 5121 of its 80000 numbers: ...)".
  std::string Brief() const;
  /// Why rows are wrong, in one phrase (empty when none is).
  std::string Why() const;
  /// The metadata an export records: {"dtype", "exact", "check": {...}}.
  nlohmann::ordered_json ToJson() const;
};

/// "float32" or "float64".
std::string ToString(ExportDtype dtype);

/// Runs the float export of `net` in `dtype` on every original row of `data` and compares each
/// answer with the row's label. Throws mnemo::Error when the data does not fit the network.
DtypeCheck CheckInDtype(const Network& net, const Dataset& data, ExportDtype dtype,
                        int64_t max_reported = 10);

}  // namespace mnemo
