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

#include "mnemo/construction.h"

namespace mnemo {

Construction VershyninConstruction();

}  // namespace mnemo
