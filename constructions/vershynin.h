// vershynin: sparse threshold / ReLU / mixed networks that memorize any labelling, after
// R. Vershynin, "Memory capacity of neural networks with threshold and ReLU activations",
// SIAM J. Math. Data Sci. 2(4) (2020), arXiv:2001.06938: for separated points on the sphere,
// any depth L ≥ 3 and any mix of threshold and ReLU hidden layers with a threshold output,
// W ≥ C·N log⁵ N deep connections (connections after the first layer) suffice.
//
// Construction (a reconstruction; constructions/README.md): E1, a random Gaussian threshold
// layer giving every point a distinct sparse code (repair neurons bisect the pairs that still
// share one) → norm-insensitive random code layer(s) → perception neurons packed greedily
// (covariance or Hebbian rule, exact-match fallback), each firing exactly on its batch → OR
// outputs. Any hidden widths n1..nL are filled as [code | perception | OR relay] parts. In ReLU
// layers a code unit is an exact 2-ReLU step and perception neurons and relays use "zero
// versus positive". Random weights are rounded to the 2^-k grid and every threshold is shifted
// by half a grid step, so the stored step 1[z ≥ 0] equals the strict 1{t > 0} on the data;
// codes, scores and every check are computed exactly from the stored weights.
//
// One attempt per call: a failed check (E1 or code-layer codes not distinct, silent points,
// perception capacity, connection budget) makes the attempt infeasible and names its remedy
// (double n1 or raise p1, raise the code width m or s, shrink m, resample); the pipeline's
// next attempt (`--attempts`, default 5) replays every earlier remedy on its plan.
//
// Multi-class: one memorizer per class sharing the enrichment and code layers; the most
// frequent class is the default (memorized by no neuron), and the outputs are the bits of the
// class index (OutputKind::kBits, ⌈log2 C⌉ threshold outputs; for 2 classes one output, the
// minority trick).
// Memory: needs every normalized point at once (BuildContext::normalized.All(), 8 bytes per
// value) beside the data.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mnemo/construction.h"

namespace mnemo {

struct VershyninOptions {
  std::vector<int64_t> widths;         ///< explicit hidden widths (≥ 3 layers), or empty
  std::optional<int64_t> connections;  ///< deep-connection budget
  std::vector<std::string> activations;
  std::optional<int64_t> n1;          ///< E1 width
  std::optional<int64_t> code_width;  ///< code layer width
  std::optional<int64_t> s;           ///< target code activity
  double p1 = 0.05;
  int code_layers = 1;
  std::string rule = "cov";
  int open = 8;
  int64_t margin = 1;
  int weight_bits = 16;
  std::string lift = "auto";
  int64_t repair = 50;
  std::optional<double> min_activity;

  template <class V>
  void Visit(V& v) {
    v("widths", &widths, "n1,n2,...", "hidden widths of a deep architecture (≥ 3 layers)", "");
    v("connections", &connections, "W",
      "deep-connection budget; the construction sizes itself to fit", "none");
    v("activations", &activations, "a1,a2,...",
      "per hidden layer: step or relu (one value = all); the output is a threshold", "step");
    v("n1", &n1, "N1", "E1 enrichment width (doubled on indistinct codes)", "400");
    v("code-width", &code_width, "M", "code layer width", "clamp(4√N, 300, 1500)");
    v("s", &s, "S", "target code activity (firing rate s/m)", "clamp(m/8, 8, 40)");
    v("p1", &p1, "P", "E1 firing rate");
    v("code-layers", &code_layers, "K",
      "code layers (iterated enrichment) in the default architecture");
    v("rule", &rule, "cov|hebb", "perception packing rule");
    v("open", &open, "T", "open batches in first-fit packing");
    v("margin", &margin, "U", "score margin in grid units");
    v("weight-bits", &weight_bits, "K", "random weights rounded to the 2^-K grid");
    v("lift", &lift, "auto|none|const",
      "off-sphere data: constant coordinate c folded into the E1 biases");
    v("repair", &repair, "PCT",
      "E1 repair neurons allowed (percent of n1) for points sharing a code; 0 = off");
    v("min-activity", &min_activity, "A", "silent-point check: minimum code activity", "s/10");
  }
  bool IsValid(std::string* why) const;
};

/// Fewest, mean and most active units per point in one code layer.
struct CodeActivity {
  int32_t min = 0;
  double mean = 0;
  int32_t max = 0;
};

/// Typed details of a vershynin build (the named extras carry the main numbers too).
struct VershyninDetails {
  std::vector<int64_t> widths;           ///< hidden layer widths
  std::vector<std::string> activations;  ///< per hidden layer: "step" or "relu"
  int64_t default_class = 0;             ///< class index memorized by no neuron
  int output_bits = 1;
  bool lifted = false;       ///< off-sphere data: constant coordinate c
  double lift_constant = 0;  ///< c (0 without a lift)
  int input_grid_bits = 0;   ///< x'·2^bits is integral
  int weight_bits = 0;
  int score_grid_bits = 0;  ///< perception scores in units 2^-bits
  std::string rule;
  double p1 = 0;
  int64_t n1 = 0;                        ///< E1 units (repair neurons included)
  std::vector<int64_t> code_units;       ///< per code layer
  int64_t s = 0;                         ///< target code activity
  int64_t deep_connections = 0;          ///< Σ fan-in × fan-out after the first layer
  int64_t input_connections = 0;         ///< d × n1
  int64_t memorization_connections = 0;  ///< Σ code units read × perception neurons
  int64_t points_memorized = 0;          ///< points of the non-default classes
  int64_t perception_neurons = 0;
  int64_t batches = 0;    ///< perception neurons that hold a packed batch
  int64_t fallbacks = 0;  ///< exact-match neurons
  double avg_batch = 0;   ///< points per packed batch
  int64_t or_relays = 0;  ///< OR neurons carrying decisions forward
  CodeActivity e1_activity;
  std::vector<CodeActivity> code_activity;  ///< per code layer
  int64_t e1_repair_neurons = 0;
  int64_t e1_ties = 0;  ///< E1 pre-activations exactly on a threshold
  int64_t code_ties = 0;
  int64_t e1_exact_rechecks = 0;         ///< float decisions recomputed exactly
  std::vector<std::string> adaptations;  ///< plan changes made for earlier failed attempts
};

std::optional<Network> BuildVershynin(const VershyninOptions& options, const BuildContext& ctx,
                                      Report* report);
Construction VershyninConstruction();

}  // namespace mnemo
