#include "ramp_prefix.h"

#include <algorithm>
#include <numeric>

namespace mnemo::internal {
namespace {

// The column T every row of `ramps` reads as its one nonzero term, with slopes of one sign
// (+1 or −1 in *sign); −1 when the layer is not such a ramp layer.
int32_t RampInput(const Layer& ramps, const std::vector<Integer>& weight, int* sign) {
  if (ramps.activation.kind != Activation::kRelu || ramps.outputs == 0) return -1;
  const int32_t t = ramps.col.empty() ? -1 : ramps.col[0];
  *sign = weight.empty() ? 0 : sgn(weight[0]);
  for (int32_t i = 0; i < ramps.outputs; ++i) {
    const int64_t k = ramps.row_ptr[i];
    if (ramps.row_ptr[i + 1] - k != 1 || ramps.col[k] != t || sgn(weight[k]) != *sign || *sign == 0)
      return -1;
  }
  return t;
}

}  // namespace

void ModLimbs(const Integer& x, uint32_t n, Limb* out) {
  const mpz_srcptr p = x.get_mpz_t();
  for (uint32_t i = 0; i < n; ++i) out[i] = mpz_getlimbn(p, i);
  if (sgn(x) < 0) mpn_neg(out, out, n);
}

namespace {

using uint128 = unsigned __int128;
constexpr uint32_t kMaxLimbs = 64;

uint128 Load128(const Limb* p) { return (uint128(p[1]) << 64) | p[0]; }
void Store128(uint128 v, Limb* p) {
  p[0] = Limb(v);
  p[1] = Limb(v >> 64);
}

// z += t·p modulo 2^(64n).
void AddProduct(Limb* z, const Limb* t, const Limb* p, uint32_t n) {
  for (uint32_t i = 0; i < n; ++i)
    if (t[i]) mpn_addmul_1(z + i, p, n - i, t[i]);
}

// z = q + t·p modulo 2^192: AddProduct for three limbs, unrolled (no product exceeds 128 bits).
inline void MulAdd3(const Limb* t, const Limb* p, const Limb* q, Limb* z) {
  const uint128 a = uint128(t[0]) * p[0] + q[0];
  const uint128 b = uint128(t[0]) * p[1] + Limb(a >> 64) + q[1];
  const uint128 c = uint128(t[1]) * p[0] + Limb(b);
  z[0] = Limb(a);
  z[1] = Limb(c);
  z[2] = Limb(b >> 64) + Limb(c >> 64) + q[2] + t[0] * p[2] + t[1] * p[1] + t[2] * p[0];
}

}  // namespace

std::optional<RampPrefix> RampPrefix::Make(const Layer& ramps, const std::vector<Integer>& ramp_weight,
                                           const std::vector<Integer>& ramp_bias, const Layer& layer,
                                           const std::vector<Integer>& weight,
                                           const std::vector<Integer>& bias, uint32_t limbs,
                                           int64_t max_bytes) {
  int sign = 0;
  const int32_t t = RampInput(ramps, ramp_weight, &sign);
  const int32_t n = layer.inputs, out = layer.outputs;
  const double entry = 16.0 * limbs, blocks = double(n / 64 + 1);  // bytes of one (P, Q) entry
  const bool per_cut = entry * (double(n) + 1) * out <= double(max_bytes);
  if (t < 0 || ramps.outputs != n || limbs < 2 || limbs > kMaxLimbs ||
      (!per_cut && entry * (double(layer.nonzeros()) + out * blocks) + 16 * blocks * out > double(max_bytes)))
    return std::nullopt;
  // Ramp a comes before ramp b when it turns positive first: with c_a, c_b of one sign,
  // −B_a/c_a is beyond −B_b/c_b in the direction of sign iff sign·(B_a·c_b − B_b·c_a) > 0.
  const std::vector<Integer>& c = ramp_weight;  // ramps have one nonzero per row: index = row
  Columns cols;
  cols.order.resize(n);
  std::iota(cols.order.begin(), cols.order.end(), 0);
  std::stable_sort(cols.order.begin(), cols.order.end(), [&](int32_t a, int32_t b) {
    return sign * sgn(Integer(ramp_bias[a] * c[b] - ramp_bias[b] * c[a])) > 0;
  });
  cols.col_ptr.assign(size_t(n) + 1, 0);
  for (int32_t k : layer.col) ++cols.col_ptr[k + 1];
  std::partial_sum(cols.col_ptr.begin(), cols.col_ptr.end(), cols.col_ptr.begin());
  std::vector<int64_t> fill(cols.col_ptr.begin(), cols.col_ptr.end() - 1);
  cols.entries.resize(layer.col.size());
  for (int32_t j = 0; j < out; ++j)
    for (int64_t p = layer.row_ptr[j]; p < layer.row_ptr[j + 1]; ++p) cols.entries[fill[layer.col[p]]++] = {j, p};
  RampPrefix rp;
  rp.input_ = t;
  rp.outputs_ = out;
  rp.n_ = limbs;
  rp.c_.resize(size_t(n) * limbs);
  rp.b_.resize(size_t(n) * limbs);
  for (int32_t pos = 0; pos < n; ++pos) {
    ModLimbs(c[cols.order[pos]], limbs, rp.c_.data() + size_t(pos) * limbs);
    ModLimbs(ramp_bias[cols.order[pos]], limbs, rp.b_.data() + size_t(pos) * limbs);
  }
  if (per_cut) rp.FillPerCut(cols, weight, bias);
  else rp.FillBlocked(cols, weight, bias);
  return rp;
}

void RampPrefix::FillPerCut(const Columns& cols, const std::vector<Integer>& weight,
                            const std::vector<Integer>& bias) {
  const size_t stride = 2 * size_t(n_), n = cols.order.size(), out = size_t(outputs_);
  table_.assign(stride * (n + 1) * out, 0);
  for (size_t j = 0; j < out; ++j) ModLimbs(bias[j], n_, table_.data() + stride * j + n_);
  std::vector<Limb> w(n_);
  for (size_t pos = 0; pos < n; ++pos) {
    const int32_t i = cols.order[pos];
    Limb* next = table_.data() + stride * (pos + 1) * out;
    std::copy_n(next - stride * out, stride * out, next);
    for (int64_t p = cols.col_ptr[i]; p < cols.col_ptr[i + 1]; ++p) {
      const auto [j, k] = cols.entries[p];
      ModLimbs(weight[k], n_, w.data());
      AddProduct(next + stride * j, w.data(), c_.data() + pos * n_, n_);
      AddProduct(next + stride * j + n_, w.data(), b_.data() + pos * n_, n_);
    }
  }
}

void RampPrefix::FillBlocked(const Columns& cols, const std::vector<Integer>& weight,
                             const std::vector<Integer>& bias) {
  const size_t stride = 2 * size_t(n_), n = cols.order.size(), out = size_t(outputs_);
  const size_t blocks = n / 64 + 1;  // of the cuts 0 .. n
  bits_.assign(blocks * out, 0);
  for (size_t pos = 0; pos < n; ++pos)
    for (int64_t p = cols.col_ptr[cols.order[pos]]; p < cols.col_ptr[cols.order[pos] + 1]; ++p)
      bits_[(pos / 64) * out + cols.entries[p].first] |= uint64_t(1) << (pos % 64);
  first_.resize(blocks * out);
  uint64_t total = 0;
  for (size_t b = 0; b < blocks * out; ++b) {
    first_[b] = total;
    total += 1 + uint64_t(__builtin_popcountll(bits_[b]));
  }
  table_.assign(stride * total, 0);
  std::vector<uint64_t> at(first_.begin(), first_.begin() + out);  // per row: the entry summed
  for (size_t j = 0; j < out; ++j) ModLimbs(bias[j], n_, table_.data() + stride * at[j] + n_);
  // Block w starts from each row's sums so far.
  auto open_block = [&](size_t w) {
    for (size_t j = 0; j < out; ++j) {
      const uint64_t next = first_[w * out + j];
      std::copy_n(table_.data() + stride * at[j], stride, table_.data() + stride * next);
      at[j] = next;
    }
  };
  std::vector<int64_t> opened(out, -1);  // per row: the ramp position of its entry `at`
  std::vector<Limb> w(n_);
  for (size_t pos = 0; pos < n; ++pos) {
    if (pos > 0 && pos % 64 == 0) open_block(pos / 64);
    const int32_t i = cols.order[pos];
    for (int64_t p = cols.col_ptr[i]; p < cols.col_ptr[i + 1]; ++p) {
      const auto [j, k] = cols.entries[p];
      Limb* e = table_.data() + stride * at[j];
      if (opened[j] != int64_t(pos)) {  // the row's first term at this ramp: a new entry from the last
        opened[j] = int64_t(pos);
        std::copy_n(e, stride, e + stride);
        e += stride;
        ++at[j];
      }
      ModLimbs(weight[k], n_, w.data());
      AddProduct(e, w.data(), c_.data() + pos * n_, n_);
      AddProduct(e + n_, w.data(), b_.data() + pos * n_, n_);
    }
  }
  if (n > 0 && n % 64 == 0) open_block(n / 64);
}

size_t RampPrefix::Cut(const Limb* t) const {
  size_t lo = 0, hi = c_.size() / n_;  // the ramps before lo are positive, those from hi on are not
  const uint128 t128 = Load128(t);
  Limb z[kMaxLimbs];
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    const Limb* c = c_.data() + mid * n_;
    const Limb* b = b_.data() + mid * n_;
    bool positive;
    if (n_ == 2) {
      const __int128 v = __int128(Load128(c) * t128 + Load128(b));
      positive = v > 0;
    } else {
      std::copy_n(b, n_, z);
      AddProduct(z, t, c, n_);
      positive = !(z[n_ - 1] >> 63) && !mpn_zero_p(z, n_);
    }
    if (positive) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

template <typename Entry>
void RampPrefix::EvaluateRows(const Limb* t, Limb* z, const Entry& entry) const {
  if (n_ == 2) {
    const uint128 tv = Load128(t);
    for (int32_t j = 0; j < outputs_; ++j) {
      const Limb* row = entry(j);
      Store128(tv * Load128(row) + Load128(row + 2), z + 2 * j);
    }
    return;
  }
  if (n_ == 3) {
    for (int32_t j = 0; j < outputs_; ++j, z += 3) {
      const Limb* row = entry(j);
      MulAdd3(t, row, row + 3, z);
    }
    return;
  }
  for (int32_t j = 0; j < outputs_; ++j, z += n_) {
    const Limb* row = entry(j);
    std::copy_n(row + n_, n_, z);
    AddProduct(z, t, row, n_);
  }
}

void RampPrefix::Evaluate(const Limb* t, Limb* z) const {
  const size_t stride = 2 * size_t(n_), k = Cut(t);
  if (!blocked()) {
    const Limb* cut = table_.data() + stride * k * size_t(outputs_);
    EvaluateRows(t, z, [&](int32_t j) { return cut + stride * j; });
    return;
  }
  const size_t block = (k / 64) * size_t(outputs_);
  const uint64_t* bits = bits_.data() + block;  // row j: its nonzeros in the block
  const uint64_t* first = first_.data() + block;
  const uint64_t before = (uint64_t(1) << (k % 64)) - 1;  // those among the first k ramps
  EvaluateRows(t, z, [&](int32_t j) {
    return table_.data() + stride * (first[j] + uint64_t(__builtin_popcountll(bits[j] & before)));
  });
}

}  // namespace mnemo::internal
