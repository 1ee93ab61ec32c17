// vershynin: sparse threshold / ReLU / mixed networks that memorize any labelling, after
// R. Vershynin, "Memory capacity of neural networks with threshold and ReLU activations",
// SIAM J. Math. Data Sci. 2(4) (2020), arXiv:2001.06938: for separated points on the sphere,
// any depth L ≥ 3 and any mix of threshold and ReLU hidden layers with a threshold output,
// W ≥ C·N log⁵ N deep connections (connections after the first layer) suffice.
//
// Construction (reconstruction, ../shared/design/vershynin.md §3–§10): E1 random Gaussian
// threshold layer (distinct sparse codes) → norm-insensitive random code layer(s) → perception
// neurons packed greedily (covariance or Hebbian rule, exact-match fallback), each firing
// exactly on its batch → OR outputs. Assembly into any widths n1..nL as [code | perception |
// relay] parts (§7). ReLU code layers are exact 2-ReLU step emulations (§8); ReLU perception
// and relay layers use "zero versus positive". Random weights are rounded to the 2^-k grid and
// every threshold bias is shifted by half a grid step, so the stored network's step 1[z ≥ 0]
// equals the strict 1{t > 0} on the data (§10.1); codes, scores and all checks are computed
// exactly from the stored weights, and every network is verified by exact evaluation before
// it is returned. A failed check triggers its remedy and a retry; after the last try the
// report names the failed check.
//
// Multi-class: one memorizer per class sharing the enrichment and code layers; the most
// frequent class is the default (memorized by no neuron), and the outputs are the bits of the
// class index (OutputKind::kBits, ⌈log2 C⌉ threshold outputs; for 2 classes one output, the
// minority trick). Size: measured W/N ≈ 25–40 deep connections per point for N = 10³–10⁵.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "mnemo/construction.h"

namespace mnemo {

struct VershyninOptions {
  std::vector<int64_t> widths;  ///< explicit hidden widths (≥ 3 layers), or empty
  int64_t connections = 0;      ///< deep-connection budget, 0 = none
  std::vector<std::string> activations;
  int64_t n1 = 0;               ///< E1 width, 0 = automatic (400)
  int64_t code_width = 0;       ///< code layer width, 0 = automatic
  int64_t s = 0;                ///< target code activity, 0 = automatic
  double p1 = 0.05;
  int code_layers = 1;
  std::string rule = "cov";
  int open = 8;
  int64_t margin = 1;
  int weight_bits = 16;
  std::string lift = "auto";
  int tries = 5;
  int64_t repair = 50;
  double min_activity = -1;

  template <class V>
  void Visit(V& v) {
    v("widths", &widths, "n1,n2,...", "hidden widths of a deep architecture (≥ 3 layers)");
    v("connections", &connections, "W", "deep-connection budget; the construction sizes itself to fit", "");
    v("activations", &activations, "a1,a2,...", "per hidden layer: step or relu (one value = all); output is a threshold", "step");
    v("n1", &n1, "N1", "E1 enrichment width (doubled on indistinct codes)", "400");
    v("code-width", &code_width, "M", "code layer width", "clamp(4√N, 300, 1500)");
    v("s", &s, "S", "target code activity (firing rate s/m)", "min(40, m/8)");
    v("p1", &p1, "P", "E1 firing rate");
    v("code-layers", &code_layers, "K", "code layers (iterated enrichment) in the default architecture");
    v("rule", &rule, "cov|hebb", "perception packing rule");
    v("open", &open, "T", "open batches in first-fit packing");
    v("margin", &margin, "U", "score margin in grid units");
    v("weight-bits", &weight_bits, "K", "random weights rounded to the 2^-K grid");
    v("lift", &lift, "auto|none|const", "off-sphere data: constant coordinate c folded into E1 biases");
    v("tries", &tries, "T", "build–verify–retry attempts");
    v("repair", &repair, "PCT", "E1 repair neurons allowed (percent of n1) for points sharing a code; 0 = off");
    v("min-activity", &min_activity, "A", "silent-point check: minimum code activity", "s/10");
  }
  bool IsValid(std::string* why) const;
};

Construction VershyninConstruction();

}  // namespace mnemo
