// Constructive evidence: baum / bubeck networks with at most m hidden units, built on random
// points and verified exactly, through the one construction pipeline.
#include "mnemo/constructive_evidence.h"

#include <fmt/format.h>

#include <chrono>

#include "mnemo/dataset.h"
#include "mnemo/pipeline.h"

namespace mnemo {

ConstructiveEvidence FindConstructiveEvidence(const TwoLayerActivation& act, int64_t m, int64_t d,
                                              uint64_t seed) {
  const auto t0 = std::chrono::steady_clock::now();
  ConstructiveEvidence e;
  e.m = m, e.d = d;
  using Kind = TwoLayerActivation::Kind;
  if (act.kind() == Kind::kStep) {
    e.construction = "baum", e.labels = "two classes";
    e.note =
        "Baum: slab pairs through groups of ≤ d points of the minority class; binary labels, "
        "while the bounds above count real ones";
  } else if (act.kind() == Kind::kRelu) {
    e.construction = "bubeck", e.labels = "real targets";
    e.note = "Bubeck et al.: 4 ReLUs per group of ≤ min(d, 16) points";
  } else {
    e.note = "no construction in mnemo builds one hidden layer of " + act.Name() + " units";
    return e;
  }
  auto spec = [&](int64_t n) {
    return fmt::format("synthetic:sphere?n={}&d={}&{}&seed={}", n, d,
                       e.construction == "baum" ? "classes=2" : "targets=real", seed);
  };
  // The largest n whose verified network has at most m hidden units; hidden units grow with n.
  int64_t lo = 0, hi = 2 * m * d + 2;
  while (hi - lo > 1 && e.builds < 24) {
    const int64_t n = (lo + hi) / 2;
    Dataset data = LoadDataset(spec(n));
    RunOptions run;
    run.seed = seed;
    RunResult r = RunConstruction(e.construction, {}, data, run);
    ++e.builds;
    const bool fits = r.report.ok() && r.report.verification.run &&
                      r.report.verification.all_correct && r.report.network.width <= m;
    if (fits) {
      lo = n, e.n = n, e.hidden = r.report.network.width, e.data = spec(n);
    } else {
      hi = n;
    }
  }
  e.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return e;
}

}  // namespace mnemo
