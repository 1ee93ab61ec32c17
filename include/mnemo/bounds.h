// Lower bounds on the size of memorizing networks, stated for the data and the network at hand:
// what any network of this kind needs to memorize arbitrary labels on N δ-separated points with
// C classes. Each is a Bound (report.h) with its formula, its source and, where the theorem fixes
// it, its constant; where the constant is unknown only the empirical ratio measured/scale is
// reported and no verdict is claimed.
#pragma once

#include <vector>

#include "mnemo/network.h"
#include "mnemo/report.h"

namespace mnemo {

/// The lower bounds that apply to `net` (its activations decide between the ReLU and the
/// threshold VC bounds) on data of this shape; empty for real targets (no finite label count).
/// `measured` is filled from the network's statistics.
std::vector<Bound> LowerBounds(const DataSummary& data, const Network& net);

}  // namespace mnemo
