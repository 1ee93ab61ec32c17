#include "mnemo/evaluate.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>
#include <unordered_map>

#include <Eigen/Sparse>

#include "mnemo/error.h"
#include "mnemo/progress.h"
#include "exact_plans.h"
#include "ramp_prefix.h"

namespace mnemo {
namespace {

// Exact path. Activations of layer l are integers H over a scale S_l that depends only on the
// layer: z = W h + b with W = w/den, h = H/S_{l−1} gives z·den·S_{l−1} = w·H + b·S_{l−1} =: Z.
// relu/identity keep the scale den·S_{l−1} (divided by the gcd of every numerator); step maps
// Z to 0/1 with scale 1. Every neuron carries a proven bound |value| < 2^bits.

using Limb = mp_limb_t;
static_assert(sizeof(Limb) == 8, "64-bit GMP limbs");
using uint128 = unsigned __int128;


int64_t Bits(const Integer& x) { return x == 0 ? 0 : int64_t(mpz_sizeinbase(x.get_mpz_t(), 2)); }

// ⌈log2 |x|⌉ for x ≠ 0: |x·h| < 2^(CeilLog2(x) + b) whenever |h| < 2^b.
int64_t CeilLog2(const Integer& x) {
  int64_t bits = Bits(x);
  return mpz_scan1(x.get_mpz_t(), 0) == mp_bitcnt_t(bits - 1) ? bits - 1 : bits;
}

// For terms |v_i| < 2^t_i: a b with |Σ v_i| < 2^b, within one bit of log2 Σ 2^t_i, in integer
// arithmetic.
class BitSum {
 public:
  void Add(int64_t t) { terms_.push_back(t); }
  int64_t Bound() {
    if (terms_.empty()) return 0;
    int64_t top = *std::max_element(terms_.begin(), terms_.end());
    int64_t base = top - 62;
    uint128 acc = 0;
    for (int64_t t : terms_) acc += t - base >= 0 ? uint128(1) << (t - base) : uint128(1);
    terms_.clear();
    int64_t len = 0;
    while (acc >> len) ++len;
    bool power = (acc & (acc - 1)) == 0;
    // Each term is < 2^t strictly, so the sum is < acc·2^base ≤ 2^(len − power + base).
    return std::max<int64_t>(0, len - (power ? 1 : 0) + base);
  }

 private:
  std::vector<int64_t> terms_;
};

// The inputs of one plan: X = x·2^e is an integer with |X| < 2^x_bits for every point the plan
// takes; the first layer reads H0 = (X·q − C_j)·2^shift over the scale q·2^max(0, e + s).
struct InputPlan {
  int e = 0;
  int64_t x_bits = 0;
  int shift = 0;
  Integer q = 1;
  std::vector<Integer> offset;  // C_j = c_j·q·2^e
  bool small = false;           // H0 and X proven to fit int128 / int64
  int128 q128 = 1;
  std::vector<int128> offset128;
  std::vector<int64_t> bits;    // per coordinate: |H0_j| < 2^bits
};

// A weight for the multi-limb kernel: magnitude limbs and the list of its nonzero limbs.
struct WeightLimbs {
  uint32_t mag_off = 0, mag_len = 0, nz_off = 0, nz_len = 0;
  bool negative = false;
};

struct LayerPlan {
  ExactKernel kernel = ExactKernel::kLimbs;
  Activation::Kind act = Activation::kIdentity;
  int32_t in = 0, out = 0;
  std::vector<int64_t> col_ptr;  // CSC over inputs
  std::vector<int32_t> row;
  std::vector<int64_t> w64, b64;
  std::vector<int128> w128, b128;
  // Multi-limb kernel, row by row (CSR): every nonzero's weight limbs and ⌈log2 |w|⌉, every
  // bias's limbs, and per row ⌈log2(terms + 1)⌉, for the per-point bound on the row's value.
  std::vector<int64_t> row_ptr;
  std::vector<int32_t> col;
  std::vector<WeightLimbs> wl;
  std::vector<int64_t> wlog;
  std::vector<int128> w_small, b_small;  // weights/biases that fit int128 (else 0, unused)
  std::vector<WeightLimbs> bl;
  std::vector<int64_t> bbits;
  std::vector<int64_t> row_lg;
  // Rows with the same terms (columns and weights) as an earlier row differ only in their bias
  // (bit-extraction gadgets: relu(z − a), relu(z − a − 1), …): shared[j] is the first such row
  // (j itself when none), and their sum of terms is computed once per point.
  std::vector<int32_t> shared;
  bool any_shared = false;
  // Relay rows (narrow multi-limb layers): relu or identity of one input with weight 1 and no
  // bias, in a group of its own: Z_j = H_k, so the row copies (or, relu of a value ≤ 0, zeroes)
  // its input instead of summing. relay[j] is that input k, or −1; empty when none.
  std::vector<int32_t> relay;
  // Narrow multi-limb layers (no column-major copy) run NarrowLayer, one pass over the rows;
  // with shared rows, per first row of a group of two or more the largest bias bit length of
  // the group (−1 for every other row), which sizes the group's shared sum.
  bool narrow = false;
  std::vector<int64_t> group_bbits;
  // Paired terms (multi-limb kernel): w·h_a − w·h_b where rows a and b of the layer below have
  // the same terms and differ only in their bias, so that whenever neither was cut by the relu
  // (both positive, or the layer below is the identity) the pair equals the constant
  // w·(B_a − B_b) — the two ramps of a step, of a bit peel. partner[p] is the other term of
  // the pair of nonzero p (−1 if none); the first term of a pair carries the constant (pc,
  // pclog = ⌈log2 |C|⌉ or −1 for 0, pc_small if it fits int128). Empty when nothing pairs.
  std::vector<int32_t> partner;
  std::vector<WeightLimbs> pc;
  std::vector<int64_t> pclog;
  std::vector<int128> pc_small;
  bool pairs_always = false;  // the layer below is the identity: no relu cuts a pair
  // Wide layers (a row of more than kPairRow terms: one-hot table lookups) keep their weights
  // column by column only (col_ptr, row; csc_wlog, csc_small, csc_wl as wlog, w_small, wl, or
  // csc64 alone when every weight fits int64), so that the per-point bounds and the sums visit
  // only the nonzero activations; their row-major arrays (row_ptr, col, wl, wlog, w_small) stay
  // empty (FillColumns).
  bool csc = false;
  std::vector<int64_t> csc_wlog;
  // When every bias fits int128: per row the activation of its bias alone, the output of a row
  // that no nonzero activation of the point reaches (empty otherwise).
  std::vector<int128> idle;
  // With idle: per column the largest ⌈log2 |w|⌉ of its nonzero weights (−1: none), and over
  // all rows the largest bias bit length and ⌈log2(terms + 1)⌉: one bound for every row of a
  // point (DenseColumnLayer).
  std::vector<int64_t> col_wlog;
  int64_t max_bbits = 0, max_row_lg = 0;
  // Every weight of the layer |w| ≤ 2^62: csc64 is the one copy of the weights (12 bytes per
  // nonzero with row; ⌈log2 |w|⌉ is taken from it per term) and csc_wlog, csc_small, csc_wl are
  // empty; else csc64 is empty.
  std::vector<int64_t> csc64;
  std::vector<int128> csc_small;
  std::vector<WeightLimbs> csc_wl;
  std::vector<Limb> pool;           // magnitudes, then (index, limb) pairs of weights
  std::vector<int64_t> out_bits;    // |output| < 2^out_bits (after the activation)
  // A layer over ramps of one input of the layer below (ramp_prefix.h) is summed from prefix
  // sums, modulo 2^128; the ramp layer itself is then never evaluated (fused: only this layer
  // reads it).
  std::optional<internal::RampPrefix> prefix;
  bool fused = false;
};

struct Plan {
  InputPlan input;
  std::vector<LayerPlan> layers;
  Integer out_scale = 1;
  int32_t limb_width = 0;  // the most neurons of a layer stored as limbs (Workspace::Size)
};

// ---------------------------------------------------------------- the plan

template <typename T>
T Activate(Activation::Kind act, T v) {
  if (act == Activation::kRelu) return v > 0 ? v : T(0);
  if (act == Activation::kStep) return v >= 0 ? T(1) : T(0);
  return v;
}

// Splits a finite double into x = m·2^k with an odd (or zero) integer m.
void Decompose(double x, int64_t* m, int* k) {
  if (x == 0) { *m = 0; *k = 0; return; }
  int ex;
  double f = std::frexp(x, &ex);
  int64_t mant = int64_t(std::ldexp(f, 53));
  int tz = __builtin_ctzll(uint64_t(mant < 0 ? -mant : mant));
  *m = mant >> tz;
  *k = ex - 53 + tz;
}

InputPlan MakeInputPlan(const Network& net, int e, int64_t x_bits, Integer* scale) {
  InputPlan ip;
  const int32_t d = net.input_dim();
  ip.e = e;
  ip.x_bits = x_bits;
  for (const Rational& c : net.input.center) mpz_lcm(ip.q.get_mpz_t(), ip.q.get_mpz_t(), c.get_den_mpz_t());
  // x' = (x − c)·2^−s = (X·q − c·q·2^e) / (q·2^(e+s)).
  int64_t es = int64_t(e) + net.input.scale_log2;
  ip.shift = int(std::max<int64_t>(0, -es));
  *scale = ip.q;
  mpz_mul_2exp(scale->get_mpz_t(), scale->get_mpz_t(), mp_bitcnt_t(std::max<int64_t>(0, es)));
  ip.offset.assign(d, Integer(0));
  ip.bits.assign(d, 0);
  bool small = x_bits <= 63;
  for (int32_t j = 0; j < d; ++j) {
    if (j < int32_t(net.input.center.size())) {
      const Rational& c = net.input.center[j];
      ip.offset[j] = c.get_num() * (ip.q / c.get_den());
      mpz_mul_2exp(ip.offset[j].get_mpz_t(), ip.offset[j].get_mpz_t(), mp_bitcnt_t(e));
    }
    int64_t product = x_bits > 0 ? x_bits + Bits(ip.q) : 0;
    ip.bits[j] = std::max(product, Bits(ip.offset[j])) + 1 + ip.shift;
    small = small && ip.bits[j] <= 126;
  }
  ip.small = small;
  if (small) {
    ip.q128 = ToInt128(ip.q);
    for (const Integer& o : ip.offset) ip.offset128.push_back(ToInt128(o));
  }
  return ip;
}

// The gcd g of the weights, scaled biases and (for relu/identity) the new scale; dividing them
// all by g > 1 keeps the activations' values over a scale g times smaller.
Integer CommonFactor(Activation::Kind act, const std::vector<Integer>& weight,
                     const std::vector<Integer>& bias, const Integer& new_scale) {
  Integer g = act == Activation::kStep ? Integer(0) : new_scale;
  for (const Integer& w : weight) {
    if (g == 1) return g;
    mpz_gcd(g.get_mpz_t(), g.get_mpz_t(), w.get_mpz_t());
  }
  for (const Integer& b : bias) {
    if (g == 1) return g;
    mpz_gcd(g.get_mpz_t(), g.get_mpz_t(), b.get_mpz_t());
  }
  return g;
}

// Divides by g > 1 (CommonFactor).
void DivideCommonFactor(const Integer& g, Activation::Kind act, std::vector<Integer>* weight,
                        std::vector<Integer>* bias, Integer* new_scale) {
  for (Integer& w : *weight) mpz_divexact(w.get_mpz_t(), w.get_mpz_t(), g.get_mpz_t());
  for (Integer& b : *bias) mpz_divexact(b.get_mpz_t(), b.get_mpz_t(), g.get_mpz_t());
  if (act != Activation::kStep) mpz_divexact(new_scale->get_mpz_t(), new_scale->get_mpz_t(), g.get_mpz_t());
}

// Bounds |Z_j| < 2^bits for every output from the input bounds.
std::vector<int64_t> OutputBounds(const Layer& layer, const std::vector<Integer>& weight,
                                  const std::vector<Integer>& bias, const std::vector<int64_t>& in_bits) {
  std::vector<int64_t> bits(layer.outputs);
  BitSum sum;
  for (int32_t j = 0; j < layer.outputs; ++j) {
    if (bias[j] != 0) sum.Add(Bits(bias[j]));
    for (int64_t k = layer.row_ptr[j]; k < layer.row_ptr[j + 1]; ++k)
      if (weight[k] != 0 && in_bits[layer.col[k]] > 0) sum.Add(CeilLog2(weight[k]) + in_bits[layer.col[k]]);
    bits[j] = sum.Bound();
  }
  return bits;
}

void AppendMagnitude(const Integer& x, std::vector<Limb>* pool, uint32_t* off, uint32_t* len) {
  *off = uint32_t(pool->size());
  *len = uint32_t(mpz_size(x.get_mpz_t()));
  const Limb* p = mpz_limbs_read(x.get_mpz_t());
  pool->insert(pool->end(), p, p + *len);
}

// Per row: the first row with the same columns and weights (itself when none).
std::vector<int32_t> SharedRows(const Layer& layer, const std::vector<Integer>& weight) {
  std::vector<int32_t> shared(layer.outputs);
  std::unordered_map<uint64_t, std::vector<int32_t>> seen;
  auto same = [&](int32_t a, int32_t b) {
    const int64_t pa = layer.row_ptr[a], pb = layer.row_ptr[b], len = layer.row_ptr[a + 1] - pa;
    if (layer.row_ptr[b + 1] - pb != len) return false;
    for (int64_t t = 0; t < len; ++t)
      if (layer.col[pa + t] != layer.col[pb + t] || weight[pa + t] != weight[pb + t]) return false;
    return true;
  };
  for (int32_t j = 0; j < layer.outputs; ++j) {
    uint64_t h = 1469598103934665603ull;
    for (int64_t k = layer.row_ptr[j]; k < layer.row_ptr[j + 1]; ++k) {
      h = (h ^ uint64_t(layer.col[k])) * 1099511628211ull;
      h = (h ^ uint64_t(mpz_get_si(weight[k].get_mpz_t()))) * 1099511628211ull;
      h = (h ^ uint64_t(Bits(weight[k]))) * 1099511628211ull;
    }
    shared[j] = j;
    std::vector<int32_t>& bucket = seen[h];
    for (int32_t r : bucket)
      if (same(r, j)) {
        shared[j] = r;
        break;
      }
    if (shared[j] == j) bucket.push_back(j);
  }
  return shared;
}

// The (index, limb) pairs of the nonzero limbs of a weight's magnitude (in the pool), for
// MulAccumulate.
void AppendNonzeroLimbs(WeightLimbs* wl, std::vector<Limb>* pool) {
  wl->nz_off = uint32_t(pool->size());
  for (uint32_t i = 0; i < wl->mag_len; ++i) {
    Limb v = (*pool)[wl->mag_off + i];
    if (v == 0) continue;
    pool->push_back(i);
    pool->push_back(v);
    ++wl->nz_len;
  }
}

// The multi-limb kernel's per-row data: every bias's limbs, its bit length and int128 value,
// ⌈log2(terms + 1)⌉, and the rows with shared terms.
void FillRows(const Layer& layer, const std::vector<Integer>& weight, const std::vector<Integer>& bias,
              LayerPlan* lp) {
  lp->bl.resize(bias.size());
  for (size_t j = 0; j < bias.size(); ++j) {
    lp->bl[j].negative = bias[j] < 0;
    AppendMagnitude(bias[j], &lp->pool, &lp->bl[j].mag_off, &lp->bl[j].mag_len);
    lp->bbits.push_back(Bits(bias[j]));
    lp->b_small.push_back(Bits(bias[j]) <= 126 ? ToInt128(bias[j]) : 0);
  }
  for (int32_t j = 0; j < layer.outputs; ++j) {
    uint64_t terms = uint64_t(layer.row_ptr[j + 1] - layer.row_ptr[j]) + 1;
    lp->row_lg.push_back(64 - __builtin_clzll(terms) - ((terms & (terms - 1)) == 0 ? 1 : 0));
  }
  lp->shared = SharedRows(layer, weight);
  for (int32_t j = 0; j < layer.outputs; ++j) lp->any_shared = lp->any_shared || lp->shared[j] != j;
}

void FillLimbWeights(const Layer& layer, const std::vector<Integer>& weight,
                     const std::vector<Integer>& bias, LayerPlan* lp) {
  lp->row_ptr = layer.row_ptr;
  lp->col = layer.col;
  lp->wl.resize(weight.size());
  for (size_t p = 0; p < weight.size(); ++p) {
    lp->wl[p].negative = weight[p] < 0;
    AppendMagnitude(weight[p], &lp->pool, &lp->wl[p].mag_off, &lp->wl[p].mag_len);
    lp->wlog.push_back(weight[p] == 0 ? -1 : CeilLog2(weight[p]));
    lp->w_small.push_back(Bits(weight[p]) <= 126 ? ToInt128(weight[p]) : 0);
  }
  FillRows(layer, weight, bias, lp);
  for (WeightLimbs& wl : lp->wl) AppendNonzeroLimbs(&wl, &lp->pool);
}

// CSC order of the layer's nonzeros: perm[p] is the CSR index of CSC position p.
std::vector<int64_t> MakeCsc(const Layer& layer, LayerPlan* lp) {
  lp->col_ptr.assign(size_t(layer.inputs) + 1, 0);
  for (int32_t c : layer.col) ++lp->col_ptr[c + 1];
  for (int32_t k = 0; k < layer.inputs; ++k) lp->col_ptr[k + 1] += lp->col_ptr[k];
  std::vector<int64_t> fill(lp->col_ptr.begin(), lp->col_ptr.end() - 1);
  std::vector<int64_t> perm(layer.nonzeros());
  lp->row.resize(layer.nonzeros());
  for (int32_t j = 0; j < layer.outputs; ++j)
    for (int64_t k = layer.row_ptr[j]; k < layer.row_ptr[j + 1]; ++k) {
      int64_t pos = fill[layer.col[k]]++;
      lp->row[pos] = j;
      perm[pos] = k;
    }
  return perm;
}

ExactKernel ChooseKernel(const std::vector<Integer>& weight, const std::vector<Integer>& bias,
                         const std::vector<int64_t>& in_bits, const std::vector<int64_t>& z_bits) {
  int64_t top = 0;
  for (const Integer& w : weight) top = std::max(top, Bits(w));
  for (const Integer& b : bias) top = std::max(top, Bits(b));
  for (int64_t b : in_bits) top = std::max(top, b);
  for (int64_t b : z_bits) top = std::max(top, b);
  if (top <= 63) return ExactKernel::kInt64;
  if (top <= 127) return ExactKernel::kInt128;
  return ExactKernel::kLimbs;
}

// The layer below, as the pairing of terms needs it: its rows' groups of equal terms and its
// scaled biases (after DivideCommonFactor).
struct Below {
  const LayerPlan* plan = nullptr;
  const Layer* layer = nullptr;
  const std::vector<Integer>* weight = nullptr;  // layer->weight, or `divided`
  std::vector<Integer> divided, bias;
};

// The largest table of prefix sums a ramp-prefix layer may use (per plan).
constexpr int64_t kPrefixTableBytes = int64_t(1) << 29;

// The ramp-prefix kernel for this layer (see LayerPlan::prefix), when the layer below is a layer
// of ramps of one input that no other kernel fused and the kernel saves work (more than 4 terms
// per row on average). Its arithmetic is modulo 2^(64·limbs), with limbs ≥ 2 chosen from the
// proven bounds so that every ramp's and every row's value lies below 2^(64·limbs − 1): their
// values modulo 2^(64·limbs) are the exact ones.
std::optional<internal::RampPrefix> MakePrefix(const Layer& layer, const std::vector<Integer>& weight,
                                               const std::vector<Integer>& bias,
                                               const std::vector<int64_t>& in_bits,
                                               const std::vector<int64_t>& z_bits, const Below& below) {
  if (!below.plan || below.plan->prefix || layer.nonzeros() <= 4 * int64_t(layer.outputs)) return std::nullopt;
  int64_t top = 0;
  for (int64_t b : in_bits) top = std::max(top, b);
  for (int64_t b : z_bits) top = std::max(top, b);
  const uint32_t limbs = uint32_t(std::max<int64_t>(2, (top + 1 + 63) / 64));
  return internal::RampPrefix::Make(*below.layer, *below.weight, below.bias, layer, weight, bias, limbs,
                                    kPrefixTableBytes);
}

// Pairs w·h_a, −w·h_b within each row of at most kPairRow terms (see LayerPlan::partner).
constexpr int64_t kPairRow = 64;

void FindPairs(const Layer& layer, const std::vector<Integer>& weight, const Below& below,
               LayerPlan* lp) {
  const LayerPlan& prev = *below.plan;
  if (prev.shared.empty() || (prev.act != Activation::kRelu && prev.act != Activation::kIdentity)) return;
  std::vector<int32_t> partner(weight.size(), -1);
  bool any = false;
  for (int32_t j = 0; j < layer.outputs; ++j) {
    const int64_t begin = layer.row_ptr[j], end = layer.row_ptr[j + 1];
    if (end - begin > kPairRow) continue;
    for (int64_t p = begin; p < end; ++p)
      for (int64_t q = p + 1; q < end && partner[p] < 0 && weight[p] != 0; ++q) {
        const int32_t a = layer.col[p], b = layer.col[q];
        if (partner[q] >= 0 || prev.shared[a] != prev.shared[b] || weight[q] != -weight[p]) continue;
        partner[p] = int32_t(q);
        partner[q] = int32_t(p);
        any = true;
      }
  }
  if (!any) return;
  lp->partner = std::move(partner);
  lp->pairs_always = prev.act == Activation::kIdentity;
  lp->pc.resize(weight.size());
  lp->pclog.assign(weight.size(), -1);
  lp->pc_small.assign(weight.size(), 0);
  for (size_t p = 0; p < weight.size(); ++p) {
    if (lp->partner[p] < int32_t(p)) continue;  // unpaired, or the second of its pair
    Integer c = weight[p] * (below.bias[layer.col[p]] - below.bias[layer.col[lp->partner[p]]]);
    lp->pc[p].negative = c < 0;
    AppendMagnitude(c, &lp->pool, &lp->pc[p].mag_off, &lp->pc[p].mag_len);
    lp->pclog[p] = c == 0 ? -1 : CeilLog2(c);
    lp->pc_small[p] = Bits(c) <= 126 ? ToInt128(c) : 0;
  }
}

// ⌈log2 |w|⌉ of nonzero p of a column-major layer (−1 for w = 0).
inline int64_t CscLog(const LayerPlan& lp, int64_t p) {
  if (lp.csc64.empty()) return lp.csc_wlog[p];
  const uint64_t a = lp.csc64[p] < 0 ? -uint64_t(lp.csc64[p]) : uint64_t(lp.csc64[p]);
  return a == 0 ? -1 : a == 1 ? 0 : 64 - __builtin_clzll(a - 1);
}

// The weights of a column-major layer in CSC order (LayerPlan::csc): int64 alone when every
// |w| ≤ 2^62, else ⌈log2 |w|⌉, int128 value and limbs.
void FillColumnWeights(const std::vector<Integer>& weight, const std::vector<int64_t>& perm,
                       LayerPlan* lp) {
  if (std::all_of(weight.begin(), weight.end(), [](const Integer& w) { return w == 0 || CeilLog2(w) <= 62; })) {
    lp->csc64.reserve(perm.size());
    for (int64_t p : perm) lp->csc64.push_back(weight[p].get_si());
    return;
  }
  lp->csc_wl.resize(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) {
    const Integer& w = weight[perm[i]];
    lp->csc_wlog.push_back(w == 0 ? -1 : CeilLog2(w));
    lp->csc_small.push_back(Bits(w) <= 126 ? ToInt128(w) : 0);
    lp->csc_wl[i].negative = w < 0;
    AppendMagnitude(w, &lp->pool, &lp->csc_wl[i].mag_off, &lp->csc_wl[i].mag_len);
    AppendNonzeroLimbs(&lp->csc_wl[i], &lp->pool);
  }
}

// A wide layer (a row of more than kPairRow terms) where nothing pairs is kept column by
// column only (LayerPlan::csc): its kernels never read the row-major weights. False (nothing
// filled) for any other layer.
bool FillColumns(const Layer& layer, const std::vector<Integer>& weight, const std::vector<Integer>& bias,
                 LayerPlan* lp) {
  int64_t widest = 0;
  for (int32_t j = 0; j < layer.outputs; ++j) widest = std::max(widest, layer.row_ptr[j + 1] - layer.row_ptr[j]);
  if (widest <= kPairRow || !lp->partner.empty()) return false;
  lp->csc = true;
  FillRows(layer, weight, bias, lp);
  FillColumnWeights(weight, MakeCsc(layer, lp), lp);
  if (!std::all_of(lp->bbits.begin(), lp->bbits.end(), [](int64_t b) { return b <= 126; })) return true;
  for (int32_t j = 0; j < layer.outputs; ++j) lp->idle.push_back(Activate(lp->act, lp->b_small[j]));
  lp->col_wlog.assign(layer.inputs, -1);
  for (int32_t k = 0; k < layer.inputs; ++k)
    for (int64_t p = lp->col_ptr[k]; p < lp->col_ptr[k + 1]; ++p)
      lp->col_wlog[k] = std::max(lp->col_wlog[k], CscLog(*lp, p));
  lp->max_bbits = *std::max_element(lp->bbits.begin(), lp->bbits.end());
  lp->max_row_lg = *std::max_element(lp->row_lg.begin(), lp->row_lg.end());
  return true;
}

// The relay rows of a narrow multi-limb layer (LayerPlan::relay).
void FindRelays(const Layer& layer, const std::vector<Integer>& weight, const std::vector<Integer>& bias,
                LayerPlan* lp) {
  if (lp->act != Activation::kRelu && lp->act != Activation::kIdentity) return;
  std::vector<int32_t> members(layer.outputs, 0);
  for (int32_t r : lp->shared) ++members[r];
  std::vector<int32_t> relay(layer.outputs, -1);
  bool any = false;
  for (int32_t j = 0; j < layer.outputs; ++j) {
    const int64_t p = layer.row_ptr[j];
    if (layer.row_ptr[j + 1] != p + 1 || weight[p] != 1 || bias[j] != 0 || members[j] != 1) continue;
    relay[j] = layer.col[p];
    any = true;
  }
  if (any) lp->relay = std::move(relay);
}

void FindNarrow(const Layer& layer, const std::vector<Integer>& weight, const std::vector<Integer>& bias,
                LayerPlan* lp) {
  lp->narrow = true;
  FindRelays(layer, weight, bias, lp);
  if (!lp->any_shared) return;
  lp->group_bbits.assign(layer.outputs, -1);
  for (int32_t j = 0; j < layer.outputs; ++j) {
    const int32_t r = lp->shared[j];
    if (r != j) lp->group_bbits[r] = std::max({lp->group_bbits[r], lp->bbits[r], lp->bbits[j]});
  }
}

// The layer's weights in the form its integer kernel reads (ChooseKernel).
void FillKernel(const Layer& layer, const std::vector<Integer>& weight, const std::vector<Integer>& bias,
                const std::vector<int64_t>& in_bits, const std::vector<int64_t>& z_bits,
                const Below& below, bool shortcuts, LayerPlan* lp) {
  lp->kernel = ChooseKernel(weight, bias, in_bits, z_bits);
  std::vector<int64_t> perm = lp->kernel == ExactKernel::kLimbs ? std::vector<int64_t>() : MakeCsc(layer, lp);
  switch (lp->kernel) {
    case ExactKernel::kInt64:
      for (int64_t k : perm) lp->w64.push_back(weight[k].get_si());
      for (const Integer& b : bias) lp->b64.push_back(b.get_si());
      break;
    case ExactKernel::kInt128:
      for (int64_t k : perm) lp->w128.push_back(ToInt128(weight[k]));
      for (const Integer& b : bias) lp->b128.push_back(ToInt128(b));
      break;
    case ExactKernel::kLimbs:
      if (shortcuts && below.plan) FindPairs(layer, weight, below, lp);
      if (shortcuts && FillColumns(layer, weight, bias, lp)) break;
      FillLimbWeights(layer, weight, bias, lp);
      if (shortcuts) FindNarrow(layer, weight, bias, lp);
      break;
  }
}

LayerPlan MakeLayerPlan(const Layer& layer, std::vector<int64_t>* bits, Integer* scale,
                        Below* below, bool shortcuts) {
  MNEMO_CHECK(layer.activation.IsExact(), "exact evaluation of activation {}", ToString(layer.activation));
  LayerPlan lp;
  lp.act = layer.activation.kind;
  lp.in = layer.inputs;
  lp.out = layer.outputs;
  std::vector<Integer> bias(layer.outputs);
  for (int32_t j = 0; j < layer.outputs; ++j) bias[j] = layer.bias[j] * *scale;
  Integer new_scale = *scale * layer.denominator;
  // The weights are copied only when they are divided (a copy is 48 bytes per weight).
  std::vector<Integer> divided;
  const Integer g = CommonFactor(lp.act, layer.weight, bias, new_scale);
  if (g > 1) {
    divided = layer.weight;
    DivideCommonFactor(g, lp.act, &divided, &bias, &new_scale);
  }
  const std::vector<Integer>& weight = g > 1 ? divided : layer.weight;
  std::vector<int64_t> z_bits = OutputBounds(layer, weight, bias, *bits);
  if (shortcuts) lp.prefix = MakePrefix(layer, weight, bias, *bits, z_bits, *below);
  if (lp.prefix) lp.kernel = lp.prefix->limbs() == 2 ? ExactKernel::kInt128 : ExactKernel::kLimbs;
  else FillKernel(layer, weight, bias, *bits, z_bits, *below, shortcuts, &lp);
  below->layer = &layer;
  below->divided = std::move(divided);
  below->weight = g > 1 ? &below->divided : &layer.weight;
  below->bias = std::move(bias);
  if (lp.act == Activation::kStep) {
    bits->assign(layer.outputs, 1);
    *scale = 1;
  } else {
    *bits = z_bits;
    *scale = new_scale;
  }
  lp.out_bits = *bits;
  return lp;
}

Plan MakePlan(const Network& net, int e, int64_t x_bits, ExactPath path) {
  Plan plan;
  Integer scale;
  plan.input = MakeInputPlan(net, e, x_bits, &scale);
  std::vector<int64_t> bits = plan.input.bits;
  plan.limb_width = plan.input.small ? 0 : net.input_dim();
  plan.layers.reserve(net.layers.size());  // `below` points into it
  Below below;
  for (size_t l = 0; l < net.layers.size(); ++l) {
    plan.layers.push_back(MakeLayerPlan(net.layers[l], &bits, &scale, &below, path == ExactPath::kShortcuts));
    if (plan.layers.back().prefix) plan.layers[l - 1].fused = true;
    const LayerPlan& lp = plan.layers.back();
    if (lp.kernel == ExactKernel::kLimbs) plan.limb_width = std::max({plan.limb_width, lp.in, lp.out});
    below.plan = &plan.layers.back();
  }
  plan.out_scale = scale;
  return plan;
}

// ---------------------------------------------------------------- per point

// |a|'s bit length (0 for 0).
inline int64_t Bits128(uint128 a) {
  return a == 0 ? 0 : (a >> 64) ? 128 - __builtin_clzll(uint64_t(a >> 64)) : 64 - __builtin_clzll(uint64_t(a));
}

// One activation stored as limbs: its magnitude at limbs[off .. off + len()), its sign in the
// sign of `size` (GMP's convention: size = ±len, 0 for 0) and its exact bit length. One record
// per neuron, so that a term reads one cache line of the point's state.
struct Cell {
  int64_t bits = 0;
  uint32_t off = 0;
  int32_t size = 0;
  uint32_t len() const { return size < 0 ? 0u - uint32_t(size) : uint32_t(size); }
  int sign() const { return (size > 0) - (size < 0); }
  // len < 2^31 (a value of 16 GiB is beyond any workspace).
  void Set(uint32_t n, int sign, int64_t bit_length) {
    size = sign < 0 ? -int32_t(n) : int32_t(n);
    bits = bit_length;
  }
};

// Per-thread state. Activations are either small (int128 values in h) or limbs (neuron k is
// hv[k] over ha; the layer being made is zv over za). hv, zv and the shared sums' arrays are
// sized once per plan, to its widest layer of the multi-limb kernel (Size).
struct Workspace {
  std::vector<int128> h, z;
  std::vector<uint64_t> z64;
  std::vector<Limb> ha, za;
  std::vector<Cell> hv, zv;
  std::vector<uint32_t> zlen;  // LimbsLayer: the limbs of room of each row
  bool limbs = false;
  std::vector<Limb> dot;                // shared sums of terms (LayerPlan::shared)
  std::vector<uint32_t> dot_off, dot_len, dot_mag;
  std::vector<int8_t> dot_sign;
  std::vector<uint128> dot128, acc;
  std::vector<int64_t> term_top;
  // The rows a column-major layer reached at this point: stamp[j] == epoch, listed in touched.
  std::vector<uint32_t> stamp;
  uint32_t epoch = 0;
  std::vector<int32_t> touched;
  int64_t dense = 0;            // layers this workspace evaluated with DenseColumnLayer
  int64_t relays = 0;           // relay rows it copied (LayerPlan::relay)
  std::vector<Integer> out;
  Integer tmp;

  void Size(int32_t width) {
    hv.resize(width);
    zv.resize(width);
    for (auto* v : {&dot_len, &dot_off, &dot_mag}) v->resize(width);
    dot_sign.resize(width);
    dot128.resize(width);
  }
};

void InputsSmall(const InputPlan& ip, const double* x, int32_t d, Workspace& ws) {
  ws.h.resize(d);
  for (int32_t j = 0; j < d; ++j) {
    int64_t m;
    int k;
    Decompose(x[j], &m, &k);
    int sh = k + ip.e;  // ≥ 0 unless m is divisible (the plan checked the point)
    uint64_t xv = sh >= 0 ? uint64_t(m) << sh : uint64_t(m >> -sh);
    uint128 v = uint128(int128(int64_t(xv))) * uint128(ip.q128) - uint128(ip.offset128[j]);
    ws.h[j] = int128(v << ip.shift);
  }
  ws.limbs = false;
}

void StoreLimbs(const Integer& v, uint32_t k, uint32_t stride, Workspace& ws) {
  uint32_t n = uint32_t(mpz_size(v.get_mpz_t()));
  MNEMO_CHECK(n <= stride, "value exceeds its proven bound");
  Cell& c = ws.hv[k];
  c.off = k * stride;
  c.Set(n, sgn(v), Bits(v));
  std::copy_n(mpz_limbs_read(v.get_mpz_t()), n, ws.ha.data() + c.off);
}

void InputsLimbs(const InputPlan& ip, const double* x, int32_t d, Workspace& ws) {
  int64_t top = *std::max_element(ip.bits.begin(), ip.bits.end());
  uint32_t stride = uint32_t(std::max<int64_t>(1, (top + 63) / 64));
  ws.ha.assign(size_t(stride) * d, 0);
  for (int32_t j = 0; j < d; ++j) {
    int64_t m;
    int k;
    Decompose(x[j], &m, &k);
    mpz_set_si(ws.tmp.get_mpz_t(), m);
    int sh = k + ip.e;
    if (sh >= 0) mpz_mul_2exp(ws.tmp.get_mpz_t(), ws.tmp.get_mpz_t(), mp_bitcnt_t(sh));
    else mpz_divexact(ws.tmp.get_mpz_t(), ws.tmp.get_mpz_t(), Pow2(-sh).get_mpz_t());
    ws.tmp = ws.tmp * ip.q - ip.offset[j];
    mpz_mul_2exp(ws.tmp.get_mpz_t(), ws.tmp.get_mpz_t(), mp_bitcnt_t(ip.shift));
    StoreLimbs(ws.tmp, uint32_t(j), stride, ws);
  }
  ws.limbs = true;
}

void ToLimbs(int32_t n, Workspace& ws) {
  if (ws.limbs) return;
  ws.ha.assign(size_t(2) * n, 0);
  for (int32_t k = 0; k < n; ++k) {
    int128 v = ws.h[k];
    uint128 a = v < 0 ? -uint128(v) : uint128(v);
    ws.hv[k].off = uint32_t(2 * k);
    ws.ha[2 * k] = Limb(a);
    ws.ha[2 * k + 1] = Limb(a >> 64);
    ws.hv[k].Set(a == 0 ? 0 : (a >> 64) ? 2 : 1, v < 0 ? -1 : v > 0, Bits128(a));
  }
  ws.limbs = true;
}

void ToSmall(int32_t n, Workspace& ws) {
  if (!ws.limbs) return;
  ws.h.resize(n);
  for (int32_t k = 0; k < n; ++k) {
    const Cell& c = ws.hv[k];
    const Limb* p = ws.ha.data() + c.off;
    uint128 a = c.size == 0 ? 0 : c.len() == 1 ? uint128(p[0]) : (uint128(p[1]) << 64) | p[0];
    ws.h[k] = c.size < 0 ? -int128(a) : int128(a);  // the bound proves |v| < 2^127
  }
  ws.limbs = false;
}

void Int64Layer(const LayerPlan& lp, Workspace& ws) {
  ws.z64.assign(lp.b64.begin(), lp.b64.end());
  uint64_t* z = ws.z64.data();
  for (int32_t k = 0; k < lp.in; ++k) {
    uint64_t h = uint64_t(int64_t(ws.h[k]));
    if (h == 0) continue;
    const int64_t end = lp.col_ptr[k + 1];
    for (int64_t p = lp.col_ptr[k]; p < end; ++p) z[lp.row[p]] += uint64_t(lp.w64[p]) * h;
  }
  ws.z.resize(lp.out);
  for (int32_t j = 0; j < lp.out; ++j) ws.z[j] = Activate(lp.act, int64_t(z[j]));
  std::swap(ws.h, ws.z);
}

void Int128Layer(const LayerPlan& lp, Workspace& ws) {
  ws.z.resize(lp.out);
  uint128* z = reinterpret_cast<uint128*>(ws.z.data());
  for (int32_t j = 0; j < lp.out; ++j) z[j] = uint128(lp.b128[j]);
  for (int32_t k = 0; k < lp.in; ++k) {
    uint128 h = uint128(ws.h[k]);
    if (h == 0) continue;
    for (int64_t p = lp.col_ptr[k]; p < lp.col_ptr[k + 1]; ++p) z[lp.row[p]] += uint128(lp.w128[p]) * h;
  }
  for (int32_t j = 0; j < lp.out; ++j) ws.z[j] = Activate(lp.act, int128(z[j]));
  std::swap(ws.h, ws.z);
}

// Carries (or borrows) `c` into z[from .. n) modulo 2^(64n).
inline void Propagate(Limb* z, uint32_t from, uint32_t n, Limb c, bool borrow) {
  if (!borrow) {
    for (uint32_t t = from; c && t < n; ++t) {
      Limb v = z[t] + c;
      c = v < c;
      z[t] = v;
    }
  } else {
    for (uint32_t t = from; c && t < n; ++t) {
      Limb v = z[t];
      z[t] = v - c;
      c = v < c;
    }
  }
}

// z[0 .. len) ± a[0 .. len)·m, returning the carry (borrow) out, as GMP's mpn_addmul_1 and
// mpn_submul_1, inline for short operands (narrow deep layers: a call costs more than a few
// limb products). No 128-bit step overflows: a·m + z + carry ≤ (2^64 − 1)^2 + 2(2^64 − 1) =
// 2^128 − 1, and a·m + carry ≤ 2^128 − 2^64, whose high limb plus a borrow fits a limb.
inline Limb AddMul1(Limb* z, const Limb* a, uint32_t len, Limb m, bool neg) {
  constexpr uint32_t kInline = 8;
  if (m == 1 && len > 0) return neg ? mpn_sub_n(z, z, a, len) : mpn_add_n(z, z, a, len);  // w ±1, or h 1
  if (len > kInline) return neg ? mpn_submul_1(z, a, len, m) : mpn_addmul_1(z, a, len, m);
  Limb carry = 0;
  for (uint32_t i = 0; i < len; ++i) {
    if (!neg) {
      const uint128 p = uint128(a[i]) * m + z[i] + carry;
      z[i] = Limb(p);
      carry = Limb(p >> 64);
    } else {
      const uint128 p = uint128(a[i]) * m + carry;
      const Limb low = Limb(p);
      carry = Limb(p >> 64) + (z[i] < low);
      z[i] -= low;
    }
  }
  return carry;
}

// z ± w·h modulo 2^(64n): one pass per limb of h over w's magnitude, or one pass per nonzero
// limb of w over h, whichever costs less (a weight 2^830 times a small h: one limb product).
inline void MulAccumulate(Limb* z, uint32_t n, const Limb* pool, const WeightLimbs& w,
                          const Limb* h, uint32_t nh, bool neg) {
  constexpr uint64_t kCall = 4;  // a pass's overhead, in limb products
  if (uint64_t(nh) * (std::min(w.mag_len, n) + kCall) <= uint64_t(w.nz_len) * (nh + kCall)) {
    for (uint32_t t = 0; t < nh && t < n; ++t) {
      if (h[t] == 0) continue;
      uint32_t len = std::min(w.mag_len, n - t);
      Limb c = AddMul1(z + t, pool + w.mag_off, len, h[t], neg);
      Propagate(z, t + len, n, c, neg);
    }
    return;
  }
  const Limb* nz = pool + w.nz_off;
  for (uint32_t u = 0; u < w.nz_len; ++u) {
    uint32_t i = uint32_t(nz[2 * u]);
    if (i >= n) break;
    uint32_t len = std::min(nh, n - i);
    Limb c = AddMul1(z + i, h, len, nz[2 * u + 1], neg);
    Propagate(z, i + len, n, c, neg);
  }
}

// Two's complement z (n limbs) → the activation's sign and magnitude, in place.
void ActivateLimbs(Activation::Kind act, Limb* z, uint32_t n, Cell* c) {
  bool negative = z[n - 1] >> 63;
  if (act == Activation::kStep || (act == Activation::kRelu && negative)) {
    bool one = act == Activation::kStep && !negative;
    z[0] = one;
    c->Set(one, one, one);
    return;
  }
  if (negative) {
    Limb carry = 1;
    for (uint32_t t = 0; t < n; ++t) {
      Limb v = ~z[t] + carry;
      carry = carry && v == 0;
      z[t] = v;
    }
  }
  uint32_t m = n;
  while (m > 0 && z[m - 1] == 0) --m;
  c->Set(m, m == 0 ? 0 : negative ? -1 : 1, m == 0 ? 0 : 64 * int64_t(m - 1) + 64 - __builtin_clzll(z[m - 1]));
}

// z = bias (two's complement in n limbs).
void InitBias(const LayerPlan& lp, int32_t j, Limb* z, uint32_t n) {
  const WeightLimbs& b = lp.bl[j];
  const Limb* mag = lp.pool.data() + b.mag_off;
  const uint32_t len = std::min(b.mag_len, n);
  for (uint32_t t = 0; t < len; ++t) z[t] = mag[t];  // short: no calls
  for (uint32_t t = len; t < n; ++t) z[t] = 0;
  if (b.negative) mpn_neg(z, z, n);
}

// Whether nonzero p of a row is taken, with its partner, as the pair's constant at this point
// (LayerPlan::partner, its data or null when empty; col: LayerPlan::col; hv: this point's
// activations): neither activation was cut by the relu below.
inline bool PairTaken(const LayerPlan& lp, const int32_t* partner, const int32_t* col, const Cell* hv,
                      int64_t p) {
  if (!partner || partner[p] < 0) return false;
  return lp.pairs_always || (hv[col[p]].size > 0 && hv[col[partner[p]]].size > 0);
}

inline bool PairTaken(const LayerPlan& lp, int64_t p, const Workspace& ws) {
  return PairTaken(lp, lp.partner.empty() ? nullptr : lp.partner.data(), lp.col.data(), ws.hv.data(), p);
}

// An activation stored as limbs (over `limbs`), modulo 2^128 (0 for 0).
inline uint128 LimbValue128(const Cell& c, const Limb* limbs) {
  if (c.size == 0) return 0;
  const Limb* h = limbs + c.off;
  const uint128 a = c.len() == 1 ? uint128(h[0]) : (uint128(h[1]) << 64) | h[0];
  return c.size < 0 ? uint128(0) - a : a;
}

// One pass over row j's terms at this point: the largest ⌈log2 |w_jk|⌉ + bits(h_k) over its
// nonzero terms (0 if none), and into *acc their sum Σ w_jk·h_k modulo 2^128, which is exact
// when the row's bound (RowLimbs) proves |Z_j| < 2^127 (every term's weight and activation
// then fit int128 too; otherwise the sum is garbage and unused).
int64_t TermTop(const LayerPlan& lp, int32_t j, const Workspace& ws, uint128* acc) {
  int64_t top = 0;
  uint128 sum = 0;
  for (int64_t p = lp.row_ptr[j]; p < lp.row_ptr[j + 1]; ++p) {
    if (PairTaken(lp, p, ws)) {  // |C| ≤ 2^pclog < 2^(pclog + 1): a term C·1
      if (lp.partner[p] > p && lp.pclog[p] >= 0) {
        top = std::max(top, lp.pclog[p] + 1);
        sum += uint128(lp.pc_small[p]);
      }
      continue;
    }
    const int32_t k = lp.col[p];
    const int64_t hb = ws.hv[k].bits;
    if (hb == 0 || lp.wlog[p] < 0) continue;
    top = std::max(top, hb + lp.wlog[p]);
    sum += uint128(lp.w_small[p]) * LimbValue128(ws.hv[k], ws.ha.data());
  }
  *acc = sum;
  return top;
}

// Row j's limb count for this point: |Z_j| ≤ |b_j| + Σ |w_jk|·|h_k| < 2^(top + ⌈log2(terms+1)⌉),
// top = max(bits(b_j), TermTop), from the actual sizes of this point's activations; one more
// bit for the sign.
uint32_t RowLimbs(const LayerPlan& lp, int32_t j, int64_t term_top) {
  int64_t top = std::max(lp.bbits[j], term_top);
  return uint32_t((top + lp.row_lg[j] + 1 + 63) / 64);
}

// The activation of Z (two's complement in 128 bits), stored as limbs.
void StoreSmall(Activation::Kind act, uint128 z_value, Limb* z, Cell* c) {
  int128 v = Activate(act, int128(z_value));
  uint128 a = v < 0 ? uint128(0) - uint128(v) : uint128(v);
  z[0] = Limb(a);
  z[1] = Limb(a >> 64);
  c->Set(a == 0 ? 0 : (a >> 64) ? 2 : 1, v < 0 ? -1 : v > 0, Bits128(a));
}

// z ± c modulo 2^(64n) for a constant magnitude c.
inline void AddConstant(Limb* z, uint32_t n, const Limb* c, uint32_t len, bool neg) {
  len = std::min(len, n);
  if (len == 0) return;
  Limb carry = neg ? mpn_sub_n(z, z, c, len) : mpn_add_n(z, z, c, len);
  Propagate(z, len, n, carry, neg);
}

// z += row j's terms Σ w_jk·h_k, modulo 2^(64n).
void AddTerms(const LayerPlan& lp, int32_t j, const Workspace& ws, Limb* z, uint32_t n) {
  for (int64_t p = lp.row_ptr[j]; p < lp.row_ptr[j + 1]; ++p) {
    if (PairTaken(lp, p, ws)) {
      const WeightLimbs& c = lp.pc[p];
      if (lp.partner[p] > p) AddConstant(z, n, lp.pool.data() + c.mag_off, c.mag_len, c.negative);
      continue;
    }
    const Cell& h = ws.hv[lp.col[p]];
    if (h.size == 0) continue;
    const WeightLimbs& w = lp.wl[p];
    MulAccumulate(z, n, lp.pool.data(), w, ws.ha.data() + h.off, h.len(), w.negative != (h.size < 0));
  }
}

void BigRow(const LayerPlan& lp, int32_t j, const Workspace& ws, Limb* z, uint32_t n) {
  InitBias(lp, j, z, n);
  AddTerms(lp, j, ws, z, n);
}

// Sign and magnitude of a value: |v| = mag[0 .. len) (len = 0 for v = 0).
struct SignedLimbs {
  int sign = 0;
  const Limb* mag = nullptr;
  uint32_t len = 0;
};

// a ± b for magnitudes, a.len ≥ b.len: the sum into z (a.len + 1 limbs of room, written only
// when it carries), or the difference when a ≥ b. Returns the length of the result.
uint32_t AddMagnitudes(const SignedLimbs& a, const SignedLimbs& b, Limb* z) {
  Limb carry = b.len ? mpn_add(z, a.mag, a.len, b.mag, b.len) : (std::copy_n(a.mag, a.len, z), 0);
  if (carry) z[a.len] = carry;
  return a.len + (carry ? 1 : 0);
}

int CompareMagnitudes(const SignedLimbs& a, const SignedLimbs& b) {
  if (a.len != b.len) return a.len < b.len ? -1 : 1;
  return mpn_cmp(a.mag, b.mag, a.len);
}

// The activation of s + t into z (sign and magnitude, room for the row's bound, which proves
// the result fits): the sign is decided first by comparing magnitudes, so a relu that is off
// or a step costs no arithmetic.
void ActivateSum(Activation::Kind act, SignedLimbs s, SignedLimbs t, Limb* z, Cell* c) {
  if (s.sign == 0) std::swap(s, t);  // s is the nonzero one, if any
  int cmp = t.sign == 0 ? 1 : CompareMagnitudes(s, t);
  int result = t.sign == 0 || s.sign == t.sign ? s.sign : cmp == 0 ? 0 : cmp > 0 ? s.sign : t.sign;
  if (act == Activation::kStep || (act == Activation::kRelu && result < 0) || result == 0) {
    bool one = act == Activation::kStep && result >= 0;
    z[0] = one;
    c->Set(one, one, one);
    return;
  }
  uint32_t m;
  if (t.sign == 0 || s.sign == t.sign) {
    m = CompareMagnitudes(s, t) >= 0 ? AddMagnitudes(s, t, z) : AddMagnitudes(t, s, z);
  } else {
    const SignedLimbs& big = cmp > 0 ? s : t;
    const SignedLimbs& small = cmp > 0 ? t : s;
    mpn_sub(z, big.mag, big.len, small.mag, small.len);
    m = big.len;
  }
  while (m > 0 && z[m - 1] == 0) --m;
  c->Set(m, result, 64 * int64_t(m - 1) + 64 - __builtin_clzll(z[m - 1]));
}

inline bool IsRelay(const LayerPlan& lp, int32_t j) { return !lp.relay.empty() && lp.relay[j] >= 0; }

// Relay row j (LayerPlan::relay): its input, or 0 where a relu cuts it.
void CopyRelay(const LayerPlan& lp, int32_t j, Workspace& ws, Limb* z) {
  const Cell& in = ws.hv[lp.relay[j]];
  Cell& out = ws.zv[j];
  ++ws.relays;
  if (lp.act == Activation::kRelu && in.size <= 0) {
    out.Set(0, 0, 0);
    return;
  }
  const Limb* h = ws.ha.data() + in.off;
  const uint32_t len = in.len();
  for (uint32_t t = 0; t < len; ++t) z[t] = h[t];  // short: no call
  out.size = in.size;
  out.bits = in.bits;
}

// Z_j = (the shared sum of terms, sign and magnitude) + b_j, activated.
void SharedRow(const LayerPlan& lp, int32_t j, Workspace& ws, Limb* z) {
  const int32_t r = lp.shared[j];
  if (ws.dot_len[r] <= 2) {
    StoreSmall(lp.act, ws.dot128[r] + uint128(lp.b_small[j]), z, &ws.zv[j]);
    return;
  }
  const WeightLimbs& b = lp.bl[j];
  SignedLimbs sum{ws.dot_sign[r], ws.dot.data() + ws.dot_off[r], ws.dot_mag[r]};
  SignedLimbs bias{b.mag_len == 0 ? 0 : b.negative ? -1 : 1, lp.pool.data() + b.mag_off, b.mag_len};
  ActivateSum(lp.act, sum, bias, z, &ws.zv[j]);
}

// Two's complement z (n limbs) → sign and trimmed magnitude, in place.
void ToSignMagnitude(Limb* z, uint32_t n, int8_t* sign, uint32_t* len) {
  bool negative = n > 0 && z[n - 1] >> 63;
  if (negative) mpn_neg(z, z, n);
  uint32_t m = n;
  while (m > 0 && z[m - 1] == 0) --m;
  *len = m;
  *sign = int8_t(m == 0 ? 0 : negative ? -1 : 1);
}

// The shared sums of this point: one per group of rows with the same terms, as wide as the
// group's widest bound (which also bounds the sum of terms): in int128 when every row of the
// group is proven to fit 127 bits, else as sign and magnitude.
void SharedSums(const LayerPlan& lp, const std::vector<uint32_t>& len, Workspace& ws) {
  std::fill_n(ws.dot_len.begin(), lp.out, 0u);
  for (int32_t j = 0; j < lp.out; ++j) ws.dot_len[lp.shared[j]] = std::max(ws.dot_len[lp.shared[j]], len[j]);
  size_t total = 0;
  for (int32_t j = 0; j < lp.out; ++j) {
    ws.dot_off[j] = uint32_t(total);
    if (lp.shared[j] == j) total += ws.dot_len[j];
  }
  if (ws.dot.size() < total) ws.dot.resize(total);
  for (int32_t j = 0; j < lp.out; ++j) {
    if (lp.shared[j] != j) continue;
    if (ws.dot_len[j] <= 2) {
      ws.dot128[j] = ws.acc[j];
      continue;
    }
    Limb* z = ws.dot.data() + ws.dot_off[j];
    std::fill_n(z, ws.dot_len[j], Limb(0));
    if (lp.csc) continue;  // ColumnBigRows adds the terms
    AddTerms(lp, j, ws, z, ws.dot_len[j]);
    ToSignMagnitude(z, ws.dot_len[j], &ws.dot_sign[j], &ws.dot_mag[j]);
  }
}

// z ± w·h modulo 2^(64n) for a weight |w| < 2^63 (LayerPlan::csc64): MulAccumulate of a
// one-limb magnitude.
inline void MulAccumulate64(Limb* z, uint32_t n, int64_t w, const Limb* h, uint32_t nh, bool h_negative) {
  if (w == 0) return;
  const bool neg = (w < 0) != h_negative;
  const uint32_t len = std::min(nh, n);
  const Limb c = AddMul1(z, h, len, w < 0 ? -uint64_t(w) : uint64_t(w), neg);
  Propagate(z, len, n, c, neg);
}

// The wide rows of a column-major layer: their terms added column by column over the nonzero
// activations, into the shared sum of their group or (no shared rows) into the row itself,
// which holds its bias already; then the shared sums to sign and magnitude.
void ColumnBigRows(const LayerPlan& lp, const std::vector<uint32_t>& len, Workspace& ws) {
  for (int32_t k = 0; k < lp.in; ++k) {
    const int sk = ws.hv[k].sign();
    if (sk == 0) continue;
    const Limb* h = ws.ha.data() + ws.hv[k].off;
    for (int64_t p = lp.col_ptr[k]; p < lp.col_ptr[k + 1]; ++p) {
      const int32_t j = lp.row[p];
      Limb* z;
      uint32_t n;
      if (lp.any_shared) {
        if (lp.shared[j] != j || ws.dot_len[j] <= 2) continue;
        z = ws.dot.data() + ws.dot_off[j];
        n = ws.dot_len[j];
      } else {
        if (len[j] <= 2) continue;
        z = ws.za.data() + ws.zv[j].off;
        n = len[j];
      }
      if (!lp.csc64.empty()) {
        MulAccumulate64(z, n, lp.csc64[p], h, ws.hv[k].len(), sk < 0);
        continue;
      }
      const WeightLimbs& w = lp.csc_wl[p];
      MulAccumulate(z, n, lp.pool.data(), w, h, ws.hv[k].len(), w.negative != (sk < 0));
    }
  }
  if (!lp.any_shared) return;
  for (int32_t j = 0; j < lp.out; ++j)
    if (lp.shared[j] == j && ws.dot_len[j] > 2)
      ToSignMagnitude(ws.dot.data() + ws.dot_off[j], ws.dot_len[j], &ws.dot_sign[j], &ws.dot_mag[j]);
}

// Activation k of this point modulo 2^128, with its bit length (0 for 0), from either form.
inline uint128 Activation128(const Workspace& ws, int32_t k, int64_t* bits) {
  if (!ws.limbs) {
    const int128 v = ws.h[k];
    if (v == 0) return *bits = 0;
    *bits = Bits128(v < 0 ? uint128(0) - uint128(v) : uint128(v));
    return uint128(v);
  }
  *bits = ws.hv[k].bits;
  return LimbValue128(ws.hv[k], ws.ha.data());
}

// Column by column (LayerPlan::csc), over the nonzero activations only (of either form): the
// rows they reach (Workspace::touched), and for those every row's TermTop and sum of terms
// modulo 2^128 (exact for the rows whose bound is < 2^127; an activation wider than 128 bits
// only reaches rows whose bound is wider).
void ColumnSums(const LayerPlan& lp, Workspace& ws) {
  if (ws.stamp.size() < size_t(lp.out)) ws.stamp.resize(lp.out, 0);
  if (++ws.epoch == 0) {  // wrapped: no stale stamp may equal the new epoch
    std::fill(ws.stamp.begin(), ws.stamp.end(), 0);
    ws.epoch = 1;
  }
  if (ws.term_top.size() < size_t(lp.out)) ws.term_top.resize(lp.out);
  if (ws.acc.size() < size_t(lp.out)) ws.acc.resize(lp.out);
  ws.touched.clear();
  for (int32_t k = 0; k < lp.in; ++k) {
    int64_t hb;
    const uint128 v = Activation128(ws, k, &hb);
    if (hb == 0) continue;
    for (int64_t p = lp.col_ptr[k]; p < lp.col_ptr[k + 1]; ++p) {
      const int32_t j = lp.row[p];
      if (ws.stamp[j] != ws.epoch) {
        ws.stamp[j] = ws.epoch;
        ws.term_top[j] = 0;
        ws.acc[j] = 0;
        ws.touched.push_back(j);
      }
      const int64_t wlog = CscLog(lp, p);
      if (wlog >= 0) ws.term_top[j] = std::max(ws.term_top[j], hb + wlog);
      ws.acc[j] += uint128(lp.csc64.empty() ? lp.csc_small[p] : int128(lp.csc64[p])) * v;
    }
  }
}

// A column-major layer at a point where every row's bound (RowLimbs) is below 2^127, as when
// the proven bounds are far above this point's values (a one-hot selector that is 2^60 at most,
// proven < 2^170): the reached rows' sums modulo 2^128 (ColumnSums) plus their biases are exact,
// every other row is its bias alone (LayerPlan::idle), and the layer leaves int128
// activations, as the int128 kernel does. Work is per nonzero term, plus one copy of the idle
// outputs. False (only the sums done) otherwise.
bool SmallColumnLayer(const LayerPlan& lp, Workspace& ws) {
  if (lp.idle.empty()) return false;
  ColumnSums(lp, ws);
  for (int32_t j : ws.touched)
    if (RowLimbs(lp, j, ws.term_top[j]) > 2) return false;
  ws.z.assign(lp.idle.begin(), lp.idle.end());
  for (int32_t j : ws.touched) ws.z[j] = Activate(lp.act, int128(ws.acc[j] + uint128(lp.b_small[j])));
  std::swap(ws.h, ws.z);
  ws.limbs = false;
  return true;
}

// A column-major layer at a point where one bound covers every row: with top the largest of
// bits(h_k) + ⌈log2 |w_jk|⌉ over the point's nonzero activations (each with its column's
// largest weight) and every bias's bit length, each row has |Z_j| < 2^(top + ⌈log2(terms_j +
// 1)⌉) (as RowLimbs), so when top + max ⌈log2(terms + 1)⌉ + 1 ≤ 128 every row's sum modulo
// 2^128, started from its bias, is exact. Work: one pass over the columns (the sums and the
// bound together), one product per term of a nonzero activation, one activation per row, no
// per-row bound. False (nothing written to the activations) when the bound does not fit.
bool DenseColumnLayer(const LayerPlan& lp, Workspace& ws) {
  if (lp.idle.empty()) return false;
  ws.z.resize(lp.out);
  uint128* z = reinterpret_cast<uint128*>(ws.z.data());
  for (int32_t j = 0; j < lp.out; ++j) z[j] = uint128(lp.b_small[j]);
  int64_t top = lp.max_bbits;
  for (int32_t k = 0; k < lp.in; ++k) {
    int64_t hb;
    const uint128 v = Activation128(ws, k, &hb);  // wrapped when hb > 128: then top is too big
    if (hb == 0 || lp.col_wlog[k] < 0) continue;  // no term
    top = std::max(top, hb + lp.col_wlog[k]);
    const int64_t begin = lp.col_ptr[k], end = lp.col_ptr[k + 1];
    if (!lp.csc64.empty() && int128(v) == int128(int64_t(v))) {  // one 64×64-bit product per term
      const int64_t v64 = int64_t(v);
      for (int64_t p = begin; p < end; ++p) z[lp.row[p]] += uint128(int128(lp.csc64[p]) * v64);
    } else if (!lp.csc64.empty()) {
      for (int64_t p = begin; p < end; ++p) z[lp.row[p]] += uint128(int128(lp.csc64[p])) * v;
    } else {
      for (int64_t p = begin; p < end; ++p) z[lp.row[p]] += uint128(lp.csc_small[p]) * v;
    }
  }
  if (top + lp.max_row_lg + 1 > 128) return false;
  for (int32_t j = 0; j < lp.out; ++j) ws.z[j] = Activate(lp.act, int128(z[j]));
  std::swap(ws.h, ws.z);
  ws.limbs = false;
  ++ws.dense;
  return true;
}

void LimbsLayer(const LayerPlan& lp, Workspace& ws) {
  std::vector<uint32_t>& len = ws.zlen;
  len.resize(lp.out);
  ws.term_top.resize(lp.out);
  if (ws.acc.size() < size_t(lp.out)) ws.acc.resize(lp.out);
  if (lp.csc) {
    ColumnSums(lp, ws);
    for (int32_t j = 0; j < lp.out; ++j)
      if (ws.stamp[j] != ws.epoch) {  // a row no column reached
        ws.term_top[j] = 0;
        ws.acc[j] = 0;
      }
  }
  size_t total = 0;
  for (int32_t j = 0; j < lp.out; ++j) {
    // Rows with the same terms share their TermTop (computed at the first of them).
    const int32_t r = lp.shared[j];
    if (r == j && !lp.csc) ws.term_top[j] = TermTop(lp, j, ws, &ws.acc[j]);
    len[j] = std::max<uint32_t>(2, RowLimbs(lp, j, ws.term_top[r]));  // ≥ 2: room for a small row
    ws.zv[j].off = uint32_t(total);
    total += len[j];
  }
  if (ws.za.size() < total) ws.za.resize(total);
  if (lp.any_shared) SharedSums(lp, len, ws);
  if (lp.csc) {
    for (int32_t j = 0; j < lp.out; ++j)
      if (!lp.any_shared && len[j] > 2) InitBias(lp, j, ws.za.data() + ws.zv[j].off, len[j]);
    ColumnBigRows(lp, len, ws);
  }
  for (int32_t j = 0; j < lp.out; ++j) {
    Limb* z = ws.za.data() + ws.zv[j].off;
    if (lp.any_shared) {
      SharedRow(lp, j, ws, z);
    } else if (len[j] == 2) {  // the bound is < 2^127: one limb pair holds Z
      StoreSmall(lp.act, ws.acc[j] + uint128(lp.b_small[j]), z, &ws.zv[j]);
    } else {
      if (!lp.csc) BigRow(lp, j, ws, z, len[j]);  // else ColumnBigRows summed it
      ActivateLimbs(lp.act, z, len[j], &ws.zv[j]);
    }
  }
  std::swap(ws.hv, ws.zv);
  std::swap(ws.ha, ws.za);
}

// Room for n limbs at pool[at ..) (a pointer to them; the pool may move).
inline Limb* Room(std::vector<Limb>& pool, size_t at, uint32_t n) {
  if (pool.size() < at + n) pool.resize(std::max<size_t>(2 * (at + n), 64));
  return pool.data() + at;
}

// Room for n more limbs at pool[*total ..) (a pointer to them), *total advanced.
inline Limb* TakeLimbs(std::vector<Limb>& pool, size_t* total, uint32_t n) {
  Limb* z = Room(pool, *total, n);
  *total += n;
  return z;
}

// A partial sum widened to `need` limbs at pool[at ..), sign-extended (it is exact in its old
// width): from int128 (n = 0, the sum in `sum`) or from n limbs.
Limb* Widen(std::vector<Limb>& pool, size_t at, uint32_t n, uint32_t need, uint128 sum) {
  Limb* z = Room(pool, at, need);
  if (n == 0) {
    z[0] = Limb(sum);
    z[1] = Limb(sum >> 64);
    n = 2;
  }
  std::fill(z + n, z + need, Limb(int64_t(z[n - 1]) >> 63));
  return z;
}

// Row j's sum of terms at this point (plus its bias when `bias`), in one pass over its terms
// that sizes the sum as it goes. With top the largest of the given `top` (a bit length the sum
// must make room for: at least bits(b_j) with the bias) and ⌈log2 |w_jk|⌉ + bits(h_k) over the
// terms so far, every partial sum is below 2^(top + ⌈log2(terms + 1)⌉) (as RowLimbs); it is
// summed modulo 2^128, exact while top + ⌈log2(terms + 1)⌉ + 1 ≤ 128, and beyond that in
// two's complement in RowLimbs limbs at pool[at ..), widened when top grows. Returns 0 with
// the sum in *acc, or the limb count n > 2 of the sum at pool[at .. at + n).
uint32_t SumRow(const LayerPlan& lp, int32_t j, const Workspace& ws, int64_t top, bool bias,
                std::vector<Limb>& pool, size_t at, uint128* acc) {
  const int64_t lg = lp.row_lg[j] + 1;
  uint32_t n = uint32_t((top + lg + 63) / 64);
  uint128 sum = 0;
  Limb* z = nullptr;
  if (n > 2) {
    z = Room(pool, at, n);
    if (bias) InitBias(lp, j, z, n);
    else std::fill_n(z, n, Limb(0));
  } else {
    n = 0;
    if (bias) sum = uint128(lp.b_small[j]);
  }
  // The arrays of the loop as raw pointers, loaded once (the calls in the loop would make the
  // compiler reload each vector's data at every term).
  const int32_t* col = lp.col.data();
  const int32_t* partner = lp.partner.empty() ? nullptr : lp.partner.data();
  const int64_t* wlog = lp.wlog.data();
  const Cell* hv = ws.hv.data();
  const int64_t end = lp.row_ptr[j + 1];
  for (int64_t p = lp.row_ptr[j]; p < end; ++p) {
    const bool pair = PairTaken(lp, partner, col, hv, p);
    const int32_t k = col[p];
    int64_t t;
    if (pair) {  // |C| ≤ 2^pclog < 2^(pclog + 1): a term C·1, carried by the first of the pair
      if (partner[p] < p || lp.pclog[p] < 0) continue;
      t = lp.pclog[p] + 1;
    } else {
      if (hv[k].size == 0 || wlog[p] < 0) continue;
      t = hv[k].bits + wlog[p];
    }
    if (t > top) {
      top = t;
      const uint32_t need = uint32_t((top + lg + 63) / 64);
      if (need > std::max<uint32_t>(n, 2)) {
        z = Widen(pool, at, n, need, sum);
        n = need;
      }
    }
    if (n == 0) {
      sum += pair ? uint128(lp.pc_small[p]) : uint128(lp.w_small[p]) * LimbValue128(hv[k], ws.ha.data());
    } else if (pair) {
      const WeightLimbs& c = lp.pc[p];
      AddConstant(z, n, lp.pool.data() + c.mag_off, c.mag_len, c.negative);
    } else {
      const WeightLimbs& w = lp.wl[p];
      const Cell& h = hv[k];
      MulAccumulate(z, n, lp.pool.data(), w, ws.ha.data() + h.off, h.len(), w.negative != (h.size < 0));
    }
  }
  *acc = sum;
  return n;
}

// The shared sum of the group that row r heads (LayerPlan::group_bbits), for SharedRow: in
// int128 when every row of the group fits 127 bits at this point (SumRow with room for the
// group's largest bias), else as sign and magnitude.
void GroupSum(const LayerPlan& lp, int32_t r, Workspace& ws, size_t* dot_total) {
  uint128 acc;
  const uint32_t n = SumRow(lp, r, ws, lp.group_bbits[r], false, ws.dot, *dot_total, &acc);
  ws.dot_len[r] = std::max<uint32_t>(n, 2);
  if (n == 0) {
    ws.dot128[r] = acc;
    return;
  }
  ws.dot_off[r] = uint32_t(*dot_total);
  *dot_total += n;
  ToSignMagnitude(ws.dot.data() + ws.dot_off[r], n, &ws.dot_sign[r], &ws.dot_mag[r]);
}

// Limbs SharedRow writes for row j: two for a sum in int128, else one more than the longer of
// the group's sum and the row's bias.
inline uint32_t SharedRoom(const LayerPlan& lp, int32_t j, const Workspace& ws) {
  const int32_t r = lp.shared[j];
  if (ws.dot_len[r] <= 2) return 2;
  return std::max<uint32_t>(2, std::max(ws.dot_mag[r], lp.bl[j].mag_len) + 1);
}

// A narrow multi-limb layer (LayerPlan::narrow) in one pass over its rows: a relay row copies
// its input; any other row is summed in one pass over its terms (SumRow: in int128 while this
// point's activations keep its bound below 2^127, else in limbs as wide as the bound); rows
// with shared terms take the group's sum (GroupSum, at the group's first row) and add their
// own bias, sign first.
void NarrowLayer(const LayerPlan& lp, Workspace& ws) {
  size_t total = 0, dot_total = 0;
  for (int32_t j = 0; j < lp.out; ++j) {
    ws.zv[j].off = uint32_t(total);
    if (IsRelay(lp, j)) {
      CopyRelay(lp, j, ws, TakeLimbs(ws.za, &total, ws.hv[lp.relay[j]].len()));
      continue;
    }
    const int32_t r = lp.shared[j];
    if (lp.any_shared && lp.group_bbits[r] >= 0) {  // a group of two or more rows
      if (r == j) GroupSum(lp, j, ws, &dot_total);
      SharedRow(lp, j, ws, TakeLimbs(ws.za, &total, SharedRoom(lp, j, ws)));
      continue;
    }
    uint128 acc;
    const uint32_t n = SumRow(lp, j, ws, lp.bbits[j], true, ws.za, total, &acc);
    Limb* z = TakeLimbs(ws.za, &total, std::max<uint32_t>(n, 2));
    if (n == 0) StoreSmall(lp.act, acc, z, &ws.zv[j]);
    else ActivateLimbs(lp.act, z, n, &ws.zv[j]);
  }
  std::swap(ws.hv, ws.zv);
  std::swap(ws.ha, ws.za);
}

// The ramp-prefix layer (LayerPlan::prefix) on the activations of the layer below its ramps:
// in int128 (two limbs), else in limbs.
void PrefixLayer(const LayerPlan& lp, Workspace& ws) {
  const int32_t t = lp.prefix->input();
  const uint32_t n = lp.prefix->limbs();
  Limb tv[64];  // T modulo 2^(64n)
  if (ws.limbs) {
    std::fill_n(tv, n, Limb(0));
    std::copy_n(ws.ha.data() + ws.hv[t].off, std::min(n, ws.hv[t].len()), tv);
    if (ws.hv[t].size < 0) mpn_neg(tv, tv, n);
  } else {
    const int128 v = ws.h[t];
    std::fill_n(tv, n, v < 0 ? ~Limb(0) : Limb(0));
    tv[0] = Limb(uint128(v));
    tv[1] = Limb(uint128(v) >> 64);
  }
  ws.z.resize(lp.out);
  if (n == 2) {
    lp.prefix->Evaluate(tv, reinterpret_cast<Limb*>(ws.z.data()));
    for (int32_t j = 0; j < lp.out; ++j) ws.z[j] = Activate(lp.act, ws.z[j]);
    std::swap(ws.h, ws.z);
    ws.limbs = false;
    return;
  }
  if (ws.za.size() < size_t(n) * lp.out) ws.za.resize(size_t(n) * lp.out);
  lp.prefix->Evaluate(tv, ws.za.data());
  // Every row's value in int128 at this point (the usual case: bounds are proven for the worst
  // point): int128 activations, as the int128 kernel leaves them.
  bool small = true;
  for (int32_t j = 0; j < lp.out && small; ++j) {
    const Limb* z = ws.za.data() + size_t(j) * n;
    const Limb ext = Limb(int64_t(z[1]) >> 63);
    for (uint32_t i = 2; i < n; ++i) small = small && z[i] == ext;
    ws.z[j] = Activate(lp.act, int128((uint128(z[1]) << 64) | z[0]));
  }
  if (small) {
    std::swap(ws.h, ws.z);
    ws.limbs = false;
    return;
  }
  for (int32_t j = 0; j < lp.out; ++j) {
    ws.zv[j].off = uint32_t(j) * n;
    ActivateLimbs(lp.act, ws.za.data() + ws.zv[j].off, n, &ws.zv[j]);
  }
  std::swap(ws.hv, ws.zv);
  std::swap(ws.ha, ws.za);
  ws.limbs = true;
}

void EvaluateLayer(const LayerPlan& lp, Workspace& ws) {
  if (lp.fused) return;  // the next layer reads its inputs instead
  if (lp.prefix) {
    PrefixLayer(lp, ws);
  } else if (lp.kernel == ExactKernel::kLimbs) {
    if (lp.csc && (DenseColumnLayer(lp, ws) || SmallColumnLayer(lp, ws))) return;
    ToLimbs(lp.in, ws);
    if (lp.narrow) NarrowLayer(lp, ws);
    else LimbsLayer(lp, ws);
  } else {
    ToSmall(lp.in, ws);
    if (lp.kernel == ExactKernel::kInt64) Int64Layer(lp, ws);
    else Int128Layer(lp, ws);
  }
}

void StoreOutputs(int32_t outs, Workspace& ws) {
  ws.out.resize(outs);
  for (int32_t j = 0; j < outs; ++j) {
    if (!ws.limbs) {
      ws.out[j] = FromInt128(ws.h[j]);
      continue;
    }
    const Cell& c = ws.hv[j];
    mpz_import(ws.out[j].get_mpz_t(), c.len(), -1, sizeof(Limb), 0, 0, ws.ha.data() + c.off);
    if (c.size < 0) mpz_neg(ws.out[j].get_mpz_t(), ws.out[j].get_mpz_t());
  }
}

// Points evaluated together, layer by layer: a deep network's plan (megabytes of limbs) is read
// from memory once per block instead of once per point.
constexpr int64_t kBlock = 64;

// Evaluates rows[0 .. count) of x, point i in ws[i].
void EvaluateBlock(const Plan& plan, const RowMatrix& x, const int64_t* rows, int64_t count,
                   std::vector<Workspace>& ws) {
  const int32_t d = int32_t(x.cols());
  for (int64_t i = 0; i < count; ++i) {
    if (plan.input.small) InputsSmall(plan.input, x.row(rows[i]).data(), d, ws[i]);
    else InputsLimbs(plan.input, x.row(rows[i]).data(), d, ws[i]);
  }
  for (const LayerPlan& lp : plan.layers)
    for (int64_t i = 0; i < count; ++i) EvaluateLayer(lp, ws[i]);
  for (int64_t i = 0; i < count; ++i) StoreOutputs(plan.layers.back().out, ws[i]);
}

// ---------------------------------------------------------------- which plan takes a point

// Per point: the fraction bits e (x·2^e integral) and the magnitude exponent m (|x| < 2^m).
struct PointShape {
  int e = 0;
  int m = -1100;  // all zero
};

PointShape ShapeOf(const double* x, int32_t d) {
  PointShape s;
  for (int32_t j = 0; j < d; ++j) {
    if (x[j] == 0) continue;
    s.e = std::max(s.e, FractionBits(x[j]));
    s.m = std::max(s.m, std::ilogb(x[j]) + 1);
  }
  return s;
}

// The value at or above which lie at most n/1000 of `values`; the maximum itself when it is
// within 16 of that (then nothing is set apart).
int Cutoff(std::vector<int> values) {
  int top = *std::max_element(values.begin(), values.end());
  size_t k = values.size() - 1 - values.size() / 1000;
  std::nth_element(values.begin(), values.begin() + k, values.end());
  return top - values[k] <= 16 ? top : values[k];
}

// Rows for the main plan and the rest; the exponent and magnitude each group needs.
struct Split {
  std::vector<int64_t> main, rest;
  int main_e = 0, rest_e = 0;
  int64_t main_bits = 0, rest_bits = 0;
};

Split SplitRows(const RowMatrix& x) {
  const int64_t n = x.rows();
  std::vector<PointShape> shapes(n);
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) shapes[i] = ShapeOf(x.row(i).data(), int32_t(x.cols()));
  std::vector<int> es(n), ms;
  for (int64_t i = 0; i < n; ++i) es[i] = shapes[i].e;
  const int e_cut = n ? Cutoff(es) : 0;
  for (int64_t i = 0; i < n; ++i)
    if (shapes[i].e <= e_cut) ms.push_back(shapes[i].m);
  const int m_cut = ms.empty() ? 0 : Cutoff(ms);
  Split split;
  for (int64_t i = 0; i < n; ++i) {
    bool main = shapes[i].e <= e_cut && shapes[i].m <= m_cut;
    (main ? split.main : split.rest).push_back(i);
    int& e = main ? split.main_e : split.rest_e;
    e = std::max(e, shapes[i].e);
  }
  auto bits_of = [&](const std::vector<int64_t>& rows, int e) {
    int64_t bits = 0;  // |X| = |x|·2^e < 2^(m + e)
    for (int64_t i : rows) bits = std::max<int64_t>(bits, shapes[i].m > -1100 ? shapes[i].m + e : 0);
    return bits;
  };
  split.main_bits = bits_of(split.main, split.main_e);
  split.rest_bits = bits_of(split.rest, split.rest_e);
  return split;
}

// Visits (row, numerators, index of the plan).
using PlanVisitor = std::function<void(int64_t, const Integer*, int)>;

// Adds to info the layer evaluations done by DenseColumnLayer and the relay rows copied.
void RunPlan(const Plan& plan, int index, const RowMatrix& x, const std::vector<int64_t>& rows,
             const PlanVisitor& visit, Progress& bar, ExactOutputs* info) {
  const int64_t blocks = (int64_t(rows.size()) + kBlock - 1) / kBlock;
  int64_t dense = 0, relays = 0;
#pragma omp parallel reduction(+ : dense, relays)
  {
    std::vector<Workspace> ws(kBlock);
    for (Workspace& w : ws) w.Size(plan.limb_width);
#pragma omp for schedule(dynamic, 1)
    for (int64_t b = 0; b < blocks; ++b) {
      const int64_t start = b * kBlock, count = std::min<int64_t>(kBlock, int64_t(rows.size()) - start);
      EvaluateBlock(plan, x, rows.data() + start, count, ws);
      for (int64_t i = 0; i < count; ++i) visit(rows[start + i], ws[i].out.data(), index);
      bar.Add(count);
    }
    for (const Workspace& w : ws) {
      dense += w.dense;
      relays += w.relays;
    }
  }
  info->dense_layers += dense;
  info->relay_rows += relays;
}

}  // namespace

// ---------------------------------------------------------------- public

std::vector<Rational> EvaluateReference(const Network& net, const double* x) {
  const int32_t d = net.input_dim();
  std::vector<Rational> h(d);
  const int s = net.input.scale_log2;
  Rational scale = s >= 0 ? Rational(1, Pow2(s)) : Rational(Pow2(-s));
  for (int32_t j = 0; j < d; ++j) {
    Rational c = net.input.center.empty() ? Rational(0) : net.input.center[j];
    h[j] = (RationalFromDouble(x[j]) - c) * scale;
  }
  for (const Layer& layer : net.layers) {
    MNEMO_CHECK(layer.activation.IsExact(), "exact evaluation of activation {}", ToString(layer.activation));
    std::vector<Rational> z(layer.outputs);
    for (int32_t j = 0; j < layer.outputs; ++j) {
      z[j] = layer.Bias(j);
      for (int64_t k = layer.row_ptr[j]; k < layer.row_ptr[j + 1]; ++k)
        z[j] += layer.Weight(k) * h[layer.col[k]];
      if (layer.activation.kind == Activation::kRelu && z[j] < 0) z[j] = 0;
      if (layer.activation.kind == Activation::kStep) z[j] = z[j] >= 0 ? 1 : 0;
    }
    h = std::move(z);
  }
  return h;
}

// The plans kept, one per slot (0: the main plan, 1: the outliers'), each with its shape.
struct internal::ExactPlans::Impl {
  struct Kept {
    int e = 0;
    int64_t bits = -1;
    std::optional<Plan> plan;
  };
  const Network& net;
  ExactPath path;
  Kept kept[2];

  // The plan for points of shape (e, bits) in `slot`: the kept one when it has the same e and
  // bits at least these (its bounds, proven for |X| < 2^k.bits, hold for these points), else one
  // built for this shape (the kept one freed first: never two plans of a slot at once). Blocks
  // of one dataset differ in their largest magnitude: with a plan per exact shape, verifying
  // 10^6 x 100 int32 points (24 blocks) took 50.2 s of wall time, with the reuse 38.1 s.
  const Plan& Get(int slot, int e, int64_t bits) {
    Kept& k = kept[slot];
    if (!k.plan || k.e != e || k.bits < bits) {
      k.plan.reset();
      k.plan = MakePlan(net, e, bits, path);
      k.e = e;
      k.bits = bits;
    }
    return *k.plan;
  }
};

namespace {

// Evaluates every row under one of at most two plans; `info` receives each plan's output scale
// and the main plan's kernels, shortcuts and separate rows.
void ForEachWithPlans(internal::ExactPlans::Impl& plans, const RowMatrix& x, const PlanVisitor& visit,
                      bool progress, ExactOutputs* info) {
  MNEMO_CHECK(x.cols() == plans.net.input_dim(), "batch has {} columns, network reads {}", x.cols(),
              plans.net.input_dim());
  Split split = SplitRows(x);
  Progress bar("exact eval", progress ? x.rows() : 0);
  const Plan& main = plans.Get(0, split.main_e, split.main_bits);
  for (const LayerPlan& lp : main.layers) {
    info->kernels.push_back(lp.kernel);
    info->shortcut_layers += !lp.partner.empty() || lp.csc;
    info->prefix_layers += lp.prefix.has_value();
  }
  info->scales.reserve(2);  // stable references while the plans run
  info->scales.push_back(main.out_scale);
  RunPlan(main, 0, x, split.main, visit, bar, info);
  if (!split.rest.empty()) {
    const Plan& rest = plans.Get(1, split.rest_e, split.rest_bits);
    info->scales.push_back(rest.out_scale);
    RunPlan(rest, 1, x, split.rest, visit, bar, info);
  }
  info->separate_rows = int64_t(split.rest.size());
  bar.Finish();
}

}  // namespace

internal::ExactPlans::ExactPlans(const Network& net, ExactPath path)
    : impl_(new Impl{net, path, {}}) {}
internal::ExactPlans::~ExactPlans() = default;

void internal::ExactPlans::ForEach(const RowMatrix& x, const ExactVisitor& visit, bool progress) {
  ExactOutputs info;
  ForEachWithPlans(
      *impl_, x, [&](int64_t row, const Integer* num, int plan) { visit(row, num, info.scales[plan]); },
      progress, &info);
}

void ForEachExactOutput(const Network& net, const RowMatrix& x, const ExactVisitor& visit,
                        bool progress, ExactPath path) {
  internal::ExactPlans(net, path).ForEach(x, visit, progress);
}

ExactOutputs EvaluateExact(const Network& net, const RowMatrix& x, bool progress, ExactPath path) {
  ExactOutputs result;
  result.rows = x.rows();
  result.cols = net.output_dim();
  result.numerator.resize(size_t(result.rows) * result.cols);
  result.row_scale.assign(result.rows, 0);
  internal::ExactPlans::Impl plans{net, path, {}};
  ForEachWithPlans(
      plans, x,
      [&](int64_t row, const Integer* num, int plan) {
        std::copy_n(num, result.cols, result.numerator.begin() + row * result.cols);
        result.row_scale[row] = uint32_t(plan);
      },
      progress, &result);
  return result;
}

RowMatrix EvaluateFloat(const Network& net, const RowMatrix& x, bool progress) {
  using Sparse = Eigen::SparseMatrix<double, Eigen::RowMajor>;
  const int32_t d = net.input_dim();
  MNEMO_CHECK(x.cols() == d, "batch has {} columns, network reads {}", x.cols(), d);
  std::vector<Sparse> weights;
  std::vector<Eigen::VectorXd> biases;
  int32_t max_width = d;
  for (const Layer& layer : net.layers) {
    std::vector<Eigen::Triplet<double>> t;
    t.reserve(layer.nonzeros());
    for (int32_t j = 0; j < layer.outputs; ++j)
      for (int64_t k = layer.row_ptr[j]; k < layer.row_ptr[j + 1]; ++k)
        t.emplace_back(j, layer.col[k], ToDouble(layer.Weight(k)));
    Sparse w(layer.outputs, layer.inputs);
    w.setFromTriplets(t.begin(), t.end());
    weights.push_back(std::move(w));
    Eigen::VectorXd b(layer.outputs);
    for (int32_t j = 0; j < layer.outputs; ++j) b[j] = ToDouble(layer.Bias(j));
    biases.push_back(std::move(b));
    max_width = std::max(max_width, layer.outputs);
  }
  Eigen::VectorXd center = Eigen::VectorXd::Zero(d);
  for (size_t j = 0; j < net.input.center.size(); ++j) center[j] = ToDouble(net.input.center[j]);
  const double scale = std::ldexp(1.0, -net.input.scale_log2);
  const int64_t block = std::clamp<int64_t>((int64_t(1) << 22) / std::max(1, max_width), 1, 256);
  RowMatrix out(x.rows(), net.output_dim());
  const int64_t blocks = (x.rows() + block - 1) / block;
  Progress bar("float eval", progress ? blocks : 0);
#pragma omp parallel for schedule(dynamic, 1)
  for (int64_t bi = 0; bi < blocks; ++bi) {
    int64_t start = bi * block, len = std::min(block, x.rows() - start);
    Eigen::MatrixXd h = ((x.middleRows(start, len).transpose().colwise() - center) * scale);
    for (size_t l = 0; l < weights.size(); ++l) {
      Eigen::MatrixXd z = weights[l] * h;
      z.colwise() += biases[l];
      const Activation& act = net.layers[l].activation;
      if (act.kind == Activation::kRelu) z = z.cwiseMax(0.0);
      else if (act.kind != Activation::kIdentity) z = z.unaryExpr([&](double v) { return act.Apply(v); });
      h = std::move(z);
    }
    out.middleRows(start, len) = h.transpose();
    bar.Add();
  }
  bar.Finish();
  return out;
}

int64_t DecodeClass(const Network& net, const std::vector<double>& outputs) {
  const int64_t classes = int64_t(net.class_values.size());
  switch (net.output) {
    case OutputKind::kValue: {
      double r = std::nearbyint(outputs[0]);
      if (!(std::fabs(outputs[0] - r) < 0.5) || r < 0 || r >= double(classes)) return -1;
      return int64_t(r);
    }
    case OutputKind::kArgmax: {
      int64_t best = -1;
      for (int64_t c = 0; c < int64_t(outputs.size()); ++c) {
        if (best < 0 || outputs[c] > outputs[best]) best = c;
      }
      for (int64_t c = 0; c < int64_t(outputs.size()); ++c)
        if (c != best && outputs[c] == outputs[best]) return -1;  // ties: no class
      return best;
    }
    case OutputKind::kBits: {
      int64_t v = 0;
      for (size_t b = 0; b < outputs.size(); ++b) {
        if (!(outputs[b] >= 0.5)) continue;
        if (b >= 62) return -1;  // an index ≥ 2^62 is never a class
        v |= int64_t(1) << b;
      }
      return v < classes ? v : -1;
    }
  }
  return -1;
}

}  // namespace mnemo
