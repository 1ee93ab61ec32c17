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
  const size_t stride = 2 * size_t(limbs);  // one (P, Q) entry
  const size_t blocks = size_t(n) / 64 + 1;  // of the cuts 0 .. n
  if (t < 0 || ramps.outputs != n || limbs < 2 || limbs > kMaxLimbs ||
      double(stride) * 8 * (double(layer.nonzeros()) + double(out) * blocks) + 16.0 * double(blocks) * out >
          double(max_bytes))
    return std::nullopt;
  // Ramp a comes before ramp b when it turns positive first: with c_a, c_b of one sign,
  // −B_a/c_a is beyond −B_b/c_b in the direction of sign iff sign·(B_a·c_b − B_b·c_a) > 0.
  const std::vector<Integer>& c = ramp_weight;  // ramps have one nonzero per row: index = row
  std::vector<int32_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
    return sign * sgn(Integer(ramp_bias[a] * c[b] - ramp_bias[b] * c[a])) > 0;
  });
  // Columns of `layer`: the rows and weights that read input i.
  std::vector<int64_t> col_ptr(size_t(n) + 1, 0);
  for (int32_t k : layer.col) ++col_ptr[k + 1];
  std::partial_sum(col_ptr.begin(), col_ptr.end(), col_ptr.begin());
  std::vector<int64_t> fill(col_ptr.begin(), col_ptr.end() - 1);
  std::vector<std::pair<int32_t, int64_t>> entries(layer.col.size());  // (row, CSR index)
  for (int32_t j = 0; j < out; ++j)
    for (int64_t p = layer.row_ptr[j]; p < layer.row_ptr[j + 1]; ++p) entries[fill[layer.col[p]]++] = {j, p};
  RampPrefix rp;
  rp.input_ = t;
  rp.outputs_ = out;
  rp.n_ = limbs;
  rp.c_.resize(size_t(n) * limbs);
  rp.b_.resize(size_t(n) * limbs);
  rp.bits_.assign(blocks * out, 0);
  for (int32_t pos = 0; pos < n; ++pos)
    for (int64_t p = col_ptr[order[pos]]; p < col_ptr[order[pos] + 1]; ++p)
      rp.bits_[size_t(pos / 64) * out + entries[p].first] |= uint64_t(1) << (pos % 64);
  rp.first_.resize(blocks * out);
  uint64_t total = 0;
  for (size_t b = 0; b < blocks * out; ++b) {
    rp.first_[b] = total;
    total += 1 + uint64_t(__builtin_popcountll(rp.bits_[b]));
  }
  rp.table_.assign(stride * total, 0);
  std::vector<uint64_t> at(rp.first_.begin(), rp.first_.begin() + out);  // per row: the entry summed
  for (int32_t j = 0; j < out; ++j) ModLimbs(bias[j], limbs, rp.table_.data() + stride * at[j] + limbs);
  // Block w starts from each row's sums so far.
  auto open_block = [&](size_t w) {
    for (int32_t j = 0; j < out; ++j) {
      const uint64_t next = rp.first_[w * out + j];
      std::copy_n(rp.table_.data() + stride * at[j], stride, rp.table_.data() + stride * next);
      at[j] = next;
    }
  };
  std::vector<int32_t> opened(out, -1);  // per row: the ramp position of its entry `at`
  std::vector<Limb> w(limbs);
  for (int32_t pos = 0; pos < n; ++pos) {
    if (pos > 0 && pos % 64 == 0) open_block(size_t(pos / 64));
    const int32_t i = order[pos];
    Limb* ci = rp.c_.data() + size_t(pos) * limbs;
    Limb* bi = rp.b_.data() + size_t(pos) * limbs;
    ModLimbs(c[i], limbs, ci);
    ModLimbs(ramp_bias[i], limbs, bi);
    for (int64_t p = col_ptr[i]; p < col_ptr[i + 1]; ++p) {
      const auto [j, k] = entries[p];
      Limb* e = rp.table_.data() + stride * at[j];
      if (opened[j] != pos) {  // the row's first term at this ramp: a new entry from the last
        opened[j] = pos;
        std::copy_n(e, stride, e + stride);
        e += stride;
        ++at[j];
      }
      ModLimbs(weight[k], limbs, w.data());
      AddProduct(e, w.data(), ci, limbs);
      AddProduct(e + limbs, w.data(), bi, limbs);
    }
  }
  if (n > 0 && n % 64 == 0) open_block(size_t(n / 64));
  return rp;
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

void RampPrefix::Evaluate(const Limb* t, Limb* z) const {
  const size_t stride = 2 * size_t(n_);
  const size_t k = Cut(t), block = (k / 64) * size_t(outputs_);
  const uint64_t* bits = bits_.data() + block;  // row j: its nonzeros in the block
  const uint64_t* first = first_.data() + block;
  const uint64_t before = (uint64_t(1) << (k % 64)) - 1;  // those among the first k ramps
  auto entry = [&](int32_t j) {
    return table_.data() + stride * (first[j] + uint64_t(__builtin_popcountll(bits[j] & before)));
  };
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

}  // namespace mnemo::internal
