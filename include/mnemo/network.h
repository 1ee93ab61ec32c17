// Network: an exact feed-forward network. A list of layers, each an affine map with sparse
// (CSR) weights and a bias, stored exactly as integer numerators over one positive common
// denominator per layer, followed by one activation. Depth counts affine maps; width is the
// largest hidden layer. The input map (centering and a dyadic scale into the unit ball) is part
// of the network, so it takes the user's raw inputs; the label map is part of it too, so
// predictions come out as the user's labels.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mnemo/exact.h"
#include "mnemo/fingerprint.h"
#include "mnemo/input_map.h"

namespace mnemo {

/// Activation of a layer. kIdentity, kRelu and kStep (1[z >= 0]) evaluate exactly; the smooth
/// ones (for the two-layer smooth model) evaluate in floating point only. kPoly is
/// Σ_k coeffs[k]·z^k with rational coefficients.
struct Activation {
  enum Kind {
    kIdentity, kRelu, kStep,
    kSigmoid, kTanh, kSoftplus, kGelu, kSilu, kErf, kSin, kExp, kPoly,
  };
  Kind kind = kIdentity;
  std::vector<Rational> poly;  ///< coefficients c0, c1, ... (kPoly only)

  bool IsExact() const { return kind == kIdentity || kind == kRelu || kind == kStep; }
  double Apply(double z) const;
  bool operator==(const Activation& o) const { return kind == o.kind && poly == o.poly; }
};
/// "relu", "step", "identity", "tanh", ..., "poly:c0,c1,.." . Inverse of ParseActivation.
std::string ToString(const Activation& a);
/// Throws mnemo::Error on an unknown name.
Activation ParseActivation(const std::string& name);

/// One affine map z = W h + b (W = weight/denominator, b = bias/denominator), then activation.
struct Layer {
  int32_t inputs = 0;
  int32_t outputs = 0;
  Activation activation;
  std::vector<int64_t> row_ptr;  ///< CSR, size outputs + 1
  std::vector<int32_t> col;      ///< CSR column (input) index per nonzero
  std::vector<Integer> weight;   ///< numerators per nonzero
  std::vector<Integer> bias;     ///< numerators, size outputs
  Integer denominator = 1;       ///< common positive denominator of weights and bias

  int64_t nonzeros() const { return static_cast<int64_t>(weight.size()); }
  Rational Weight(int64_t nz) const;
  Rational Bias(int32_t j) const;
};

/// How outputs turn into predictions.
enum class OutputKind {
  kValue,   ///< one output; classes: it equals the class index exactly; real targets: the value
  kArgmax,  ///< one output per class; the prediction is the unique maximum
  kBits,    ///< step outputs read as the binary digits (LSB first) of the class index
};

/// Sizes as the theorems count them (report both parameter counts).
struct NetworkStats {
  int64_t depth = 0;              ///< affine maps
  int64_t width = 0;              ///< largest hidden layer
  int64_t neurons = 0;            ///< hidden neurons
  int64_t params_nonzero = 0;     ///< nonzero weights + nonzero biases
  int64_t params_dense = 0;       ///< Σ (fan_in + 1)·fan_out
  int64_t max_weight_bits = 0;    ///< max FixedPointBits over weights and biases
  int64_t total_weight_bits = 0;  ///< Σ FixedPointBits over nonzero weights and biases
  int64_t relays = 0;             ///< relay neurons: inserted by the Assembler or marked
};

struct Network {
  InputMap input;
  std::vector<Layer> layers;
  OutputKind output = OutputKind::kValue;
  bool classification = true;          ///< false: real targets
  std::vector<int64_t> class_values;   ///< class index → the user's label (integer labels)
  std::vector<std::string> class_names;  ///< text labels ("cat", "dog"): class index → name;
                                         ///< empty when the labels are the integers above
  // Provenance.
  std::string construction;
  nlohmann::ordered_json options = nlohmann::ordered_json::object();
  uint64_t seed = 0;
  DatasetFingerprint dataset;
  int64_t relays = 0;
  nlohmann::ordered_json report = nlohmann::ordered_json::object();  ///< the construction's report

  int32_t input_dim() const { return layers.empty() ? 0 : layers.front().inputs; }
  int32_t output_dim() const { return layers.empty() ? 0 : layers.back().outputs; }
  NetworkStats Stats() const;
  /// The user's label of class index c: its name, or the integer in decimal.
  std::string ClassLabel(int64_t c) const;
  /// MNEMO_CHECKs the structural invariants (dimensions chain, CSR well-formed, denominators > 0).
  void CheckValid() const;
};

/// Statistics as JSON with the stable keys depth, width, neurons, params_nonzero, params_dense,
/// max_weight_bits, total_weight_bits.
nlohmann::ordered_json ToJson(const NetworkStats& stats);

/// Builds one layer from rational entries given row by row (a convenience for small layers and
/// tests): computes the common denominator and the integer numerators.
struct LayerEntry {
  int32_t row;
  int32_t col;
  Rational value;
};
Layer MakeLayer(int32_t inputs, int32_t outputs, const std::vector<LayerEntry>& weights,
                const std::vector<Rational>& bias, Activation activation);

}  // namespace mnemo
