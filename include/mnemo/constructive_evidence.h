// Constructive evidence beside the Jacobian-rank thresholds of piecewise-linear σ: how many
// random points a network with at most m hidden units of the same kind memorizes when built by
// a construction and verified exactly — baum (step units, two classes) and bubeck (relu units,
// real targets). A verified network proves memorization of that dataset, not of almost every
// dataset; the search keeps the largest n it verified.
#pragma once

#include <cstdint>
#include <string>

#include "mnemo/two_layer_activation.h"

namespace mnemo {

struct ConstructiveEvidence {
  std::string construction;  ///< "baum" or "bubeck"; "" when no construction builds this σ
  std::string labels;        ///< "two classes" or "real targets"
  int64_t m = 0, d = 0;
  int64_t n = 0;       ///< the largest n verified with ≤ m hidden units (0: none)
  int64_t hidden = 0;  ///< hidden units of that network
  std::string data;    ///< the data spec it was built on (a mnemo DATA source)
  int builds = 0;      ///< networks built during the search
  std::string note;    ///< why there is none, or what the construction's size rule is
  double seconds = 0;
};

/// Searches n (binary search, each candidate built and verified exactly) for step → baum and
/// relu → bubeck; other σ get an empty result with the reason.
ConstructiveEvidence FindConstructiveEvidence(const TwoLayerActivation& act, int64_t m, int64_t d,
                                              uint64_t seed);

}  // namespace mnemo
