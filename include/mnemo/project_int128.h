// Exact int128 projections of normalized points onto several dyadic directions in one pass
// over the data: each value is decomposed (mantissa·2^exponent) once for every direction, so
// trying k directions costs one scan of the points instead of k (ProjectExactInt128 is the
// case of one direction).
#pragma once

#include <cstdint>
#include <vector>

#include "mnemo/data_matrix.h"
#include "mnemo/exact.h"

namespace mnemo {

/// out[c][0 .. rows) = the exact projections onto v_num[c] in units 2^-(v_bits + frac_bits),
/// as ProjectExactInt128 computes them, with every term of every direction below
/// 2^(126 − bits(d)) checked against the largest of the directions' weights on its column.
/// False when a term would not fit (then `out` is partly written; the caller projects the
/// directions one by one, or in mpz).
bool ProjectExactInt128Many(const RowMatrix& normalized,
                            const std::vector<const std::vector<int64_t>*>& v_num, int frac_bits,
                            const std::vector<int128*>& out);

}  // namespace mnemo
