#include "mnemo/evaluate.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <unordered_map>

#include <Eigen/Sparse>

#include "mnemo/error.h"
#include "mnemo/progress.h"

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
  std::vector<Limb> pool;           // magnitudes, then (index, limb) pairs of weights
  std::vector<int64_t> out_bits;    // |output| < 2^out_bits (after the activation)
};

struct Plan {
  InputPlan input;
  std::vector<LayerPlan> layers;
  Integer out_scale = 1;
};

// ---------------------------------------------------------------- the plan

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

// Divides the weights, scaled biases and (for relu/identity) the new scale by their gcd: the
// activations keep their value over a scale g times smaller.
void DivideCommonFactor(Activation::Kind act, std::vector<Integer>* weight,
                        std::vector<Integer>* bias, Integer* new_scale) {
  Integer g = act == Activation::kStep ? Integer(0) : *new_scale;
  for (const Integer& w : *weight) {
    if (g == 1) return;
    mpz_gcd(g.get_mpz_t(), g.get_mpz_t(), w.get_mpz_t());
  }
  for (const Integer& b : *bias) {
    if (g == 1) return;
    mpz_gcd(g.get_mpz_t(), g.get_mpz_t(), b.get_mpz_t());
  }
  if (g <= 1) return;
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
  for (WeightLimbs& wl : lp->wl) {
    wl.nz_off = uint32_t(lp->pool.size());
    for (uint32_t i = 0; i < wl.mag_len; ++i) {
      Limb v = lp->pool[wl.mag_off + i];
      if (v == 0) continue;
      lp->pool.push_back(i);
      lp->pool.push_back(v);
      ++wl.nz_len;
    }
  }
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

LayerPlan MakeLayerPlan(const Layer& layer, std::vector<int64_t>* bits, Integer* scale) {
  MNEMO_CHECK(layer.activation.IsExact(), "exact evaluation of activation {}", ToString(layer.activation));
  LayerPlan lp;
  lp.act = layer.activation.kind;
  lp.in = layer.inputs;
  lp.out = layer.outputs;
  std::vector<Integer> weight = layer.weight;
  std::vector<Integer> bias(layer.outputs);
  for (int32_t j = 0; j < layer.outputs; ++j) bias[j] = layer.bias[j] * *scale;
  Integer new_scale = *scale * layer.denominator;
  DivideCommonFactor(lp.act, &weight, &bias, &new_scale);
  std::vector<int64_t> z_bits = OutputBounds(layer, weight, bias, *bits);
  lp.kernel = ChooseKernel(weight, bias, *bits, z_bits);
  std::vector<int64_t> perm = lp.kernel == ExactKernel::kLimbs ? std::vector<int64_t>() : MakeCsc(layer, &lp);
  switch (lp.kernel) {
    case ExactKernel::kInt64:
      for (int64_t k : perm) lp.w64.push_back(weight[k].get_si());
      for (const Integer& b : bias) lp.b64.push_back(b.get_si());
      break;
    case ExactKernel::kInt128:
      for (int64_t k : perm) lp.w128.push_back(ToInt128(weight[k]));
      for (const Integer& b : bias) lp.b128.push_back(ToInt128(b));
      break;
    case ExactKernel::kLimbs:
      FillLimbWeights(layer, weight, bias, &lp);
      break;
  }
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

Plan MakePlan(const Network& net, int e, int64_t x_bits) {
  Plan plan;
  Integer scale;
  plan.input = MakeInputPlan(net, e, x_bits, &scale);
  std::vector<int64_t> bits = plan.input.bits;
  for (size_t l = 0; l < net.layers.size(); ++l) {
    plan.layers.push_back(MakeLayerPlan(net.layers[l], &bits, &scale));
  }
  plan.out_scale = scale;
  return plan;
}

// ---------------------------------------------------------------- per point

// Per-thread state. Activations are either small (int128 values in h) or limbs (sign and
// magnitude of neuron k at ha[hoff[k] .. + hlen[k]]).
struct Workspace {
  std::vector<int128> h, z;
  std::vector<uint64_t> z64;
  std::vector<Limb> ha, za;
  std::vector<uint32_t> hoff, hlen, zoff, zlen, zlen2;
  std::vector<int8_t> zsign;
  std::vector<int64_t> zbits;
  std::vector<int8_t> hsign;
  std::vector<int64_t> hbits;  // limbs: |h_k| < 2^hbits[k] (its exact bit length)
  bool limbs = false;
  std::vector<Limb> dot;                // shared sums of terms (LayerPlan::shared)
  std::vector<uint32_t> dot_off, dot_len;
  std::vector<Integer> out;
  Integer tmp;
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
  ws.hoff[k] = k * stride;
  ws.hlen[k] = n;
  ws.hsign[k] = int8_t(sgn(v));
  ws.hbits[k] = Bits(v);
  std::copy_n(mpz_limbs_read(v.get_mpz_t()), n, ws.ha.data() + ws.hoff[k]);
}

void InputsLimbs(const InputPlan& ip, const double* x, int32_t d, Workspace& ws) {
  int64_t top = *std::max_element(ip.bits.begin(), ip.bits.end());
  uint32_t stride = uint32_t(std::max<int64_t>(1, (top + 63) / 64));
  ws.ha.assign(size_t(stride) * d, 0);
  ws.hoff.resize(d);
  ws.hlen.resize(d);
  ws.hsign.resize(d);
  ws.hbits.resize(d);
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
  ws.hoff.resize(n);
  ws.hlen.resize(n);
  ws.hsign.resize(n);
  ws.hbits.resize(n);
  for (int32_t k = 0; k < n; ++k) {
    int128 v = ws.h[k];
    uint128 a = v < 0 ? -uint128(v) : uint128(v);
    ws.hoff[k] = uint32_t(2 * k);
    ws.ha[2 * k] = Limb(a);
    ws.ha[2 * k + 1] = Limb(a >> 64);
    ws.hlen[k] = a == 0 ? 0 : (a >> 64) ? 2 : 1;
    ws.hsign[k] = int8_t(v < 0 ? -1 : v > 0);
    ws.hbits[k] = a == 0 ? 0 : (a >> 64) ? 128 - __builtin_clzll(uint64_t(a >> 64)) : 64 - __builtin_clzll(uint64_t(a));
  }
  ws.limbs = true;
}

void ToSmall(int32_t n, Workspace& ws) {
  if (!ws.limbs) return;
  ws.h.resize(n);
  for (int32_t k = 0; k < n; ++k) {
    const Limb* p = ws.ha.data() + ws.hoff[k];
    uint128 a = ws.hlen[k] == 0 ? 0 : ws.hlen[k] == 1 ? uint128(p[0]) : (uint128(p[1]) << 64) | p[0];
    ws.h[k] = ws.hsign[k] < 0 ? -int128(a) : int128(a);  // the bound proves |v| < 2^127
  }
  ws.limbs = false;
}

template <typename T>
T Activate(Activation::Kind act, T v) {
  if (act == Activation::kRelu) return v > 0 ? v : T(0);
  if (act == Activation::kStep) return v >= 0 ? T(1) : T(0);
  return v;
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

// z ± w·h modulo 2^(64n): one pass per limb of h over w's magnitude, or one pass per nonzero
// limb of w over h, whichever costs less (a weight 2^830 times a small h: one limb product).
inline void MulAccumulate(Limb* z, uint32_t n, const Limb* pool, const WeightLimbs& w,
                          const Limb* h, uint32_t nh, bool neg) {
  constexpr uint64_t kCall = 4;  // a pass's overhead, in limb products
  if (uint64_t(nh) * (std::min(w.mag_len, n) + kCall) <= uint64_t(w.nz_len) * (nh + kCall)) {
    for (uint32_t t = 0; t < nh && t < n; ++t) {
      if (h[t] == 0) continue;
      uint32_t len = std::min(w.mag_len, n - t);
      Limb c = neg ? mpn_submul_1(z + t, pool + w.mag_off, len, h[t])
                   : mpn_addmul_1(z + t, pool + w.mag_off, len, h[t]);
      Propagate(z, t + len, n, c, neg);
    }
    return;
  }
  const Limb* nz = pool + w.nz_off;
  for (uint32_t u = 0; u < w.nz_len; ++u) {
    uint32_t i = uint32_t(nz[2 * u]);
    if (i >= n) break;
    uint32_t len = std::min(nh, n - i);
    Limb c = neg ? mpn_submul_1(z + i, h, len, nz[2 * u + 1]) : mpn_addmul_1(z + i, h, len, nz[2 * u + 1]);
    Propagate(z, i + len, n, c, neg);
  }
}

// Two's complement z (n limbs) → the activation's sign and magnitude, in place.
void ActivateLimbs(Activation::Kind act, Limb* z, uint32_t n, uint32_t* len, int8_t* sign,
                   int64_t* bits) {
  bool negative = z[n - 1] >> 63;
  if (act == Activation::kStep || (act == Activation::kRelu && negative)) {
    bool one = act == Activation::kStep && !negative;
    z[0] = one;
    *len = one;
    *sign = one;
    *bits = one;
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
  *len = m;
  *sign = int8_t(m == 0 ? 0 : negative ? -1 : 1);
  *bits = m == 0 ? 0 : 64 * int64_t(m - 1) + 64 - __builtin_clzll(z[m - 1]);
}

// z = bias (two's complement in n limbs).
void InitBias(const LayerPlan& lp, int32_t j, Limb* z, uint32_t n) {
  const WeightLimbs& b = lp.bl[j];
  std::fill_n(z, n, Limb(0));
  std::copy_n(lp.pool.data() + b.mag_off, std::min(b.mag_len, n), z);
  if (!b.negative) return;
  Limb carry = 1;
  for (uint32_t t = 0; t < n; ++t) {
    Limb v = ~z[t] + carry;
    carry = carry && v == 0;
    z[t] = v;
  }
}

// Row j's limb count for this point: |Z_j| ≤ |b_j| + Σ |w_jk|·|h_k| < 2^(top + ⌈log2(terms+1)⌉),
// from the actual sizes of this point's activations; one more bit for the sign.
uint32_t RowLimbs(const LayerPlan& lp, int32_t j, const Workspace& ws) {
  int64_t top = lp.bbits[j];
  for (int64_t p = lp.row_ptr[j]; p < lp.row_ptr[j + 1]; ++p) {
    int64_t hb = ws.hbits[lp.col[p]];
    if (hb > 0 && lp.wlog[p] >= 0) top = std::max(top, hb + lp.wlog[p]);
  }
  return uint32_t((top + lp.row_lg[j] + 1 + 63) / 64);
}

// Row j when this point's bound proves |Z_j| < 2^126: int128 arithmetic (every term's
// weight and activation then fit too), the result stored as limbs.
void SmallRow(const LayerPlan& lp, int32_t j, const Workspace& ws, Limb* z, uint32_t* len,
              int8_t* sign, int64_t* bits) {
  uint128 acc = uint128(lp.b_small[j]);
  for (int64_t p = lp.row_ptr[j]; p < lp.row_ptr[j + 1]; ++p) {
    const int32_t k = lp.col[p];
    if (ws.hsign[k] == 0) continue;
    const Limb* h = ws.ha.data() + ws.hoff[k];
    uint128 a = ws.hlen[k] == 1 ? uint128(h[0]) : (uint128(h[1]) << 64) | h[0];
    uint128 v = ws.hsign[k] < 0 ? uint128(0) - a : a;
    acc += uint128(lp.w_small[p]) * v;
  }
  int128 v = Activate(lp.act, int128(acc));
  uint128 a = v < 0 ? uint128(0) - uint128(v) : uint128(v);
  z[0] = Limb(a);
  z[1] = Limb(a >> 64);
  *len = a == 0 ? 0 : (a >> 64) ? 2 : 1;
  *sign = int8_t(v < 0 ? -1 : v > 0);
  *bits = a == 0 ? 0 : (a >> 64) ? 128 - __builtin_clzll(uint64_t(a >> 64)) : 64 - __builtin_clzll(uint64_t(a));
}

// z += row j's terms Σ w_jk·h_k, modulo 2^(64n).
void AddTerms(const LayerPlan& lp, int32_t j, const Workspace& ws, Limb* z, uint32_t n) {
  for (int64_t p = lp.row_ptr[j]; p < lp.row_ptr[j + 1]; ++p) {
    const int32_t k = lp.col[p];
    const int sk = ws.hsign[k];
    if (sk == 0) continue;
    const WeightLimbs& w = lp.wl[p];
    MulAccumulate(z, n, lp.pool.data(), w, ws.ha.data() + ws.hoff[k], ws.hlen[k], w.negative != (sk < 0));
  }
}

void BigRow(const LayerPlan& lp, int32_t j, const Workspace& ws, Limb* z, uint32_t n) {
  InitBias(lp, j, z, n);
  AddTerms(lp, j, ws, z, n);
}

// Z_j = (the shared sum of terms) + b_j modulo 2^(64n): the sum was computed modulo
// 2^(64·dot_len) with dot_len ≥ n, so its low n limbs are the right residue; the row's own
// bound (n limbs) makes the residue the exact value.
void SharedRow(const LayerPlan& lp, int32_t j, const Workspace& ws, Limb* z, uint32_t n) {
  const int32_t r = lp.shared[j];
  std::copy_n(ws.dot.data() + ws.dot_off[r], n, z);
  const WeightLimbs& b = lp.bl[j];
  if (b.mag_len == 0) return;  // RowLimbs counted the bias: mag_len ≤ n
  const Limb* bias = lp.pool.data() + b.mag_off;
  if (b.negative) mpn_sub(z, z, n, bias, b.mag_len);
  else mpn_add(z, z, n, bias, b.mag_len);
}

// The shared sums of this point: one per row that others share, as wide as its widest user.
void SharedSums(const LayerPlan& lp, const std::vector<uint32_t>& len, Workspace& ws) {
  ws.dot_len.assign(lp.out, 0);
  for (int32_t j = 0; j < lp.out; ++j)
    if (len[j] > 2) ws.dot_len[lp.shared[j]] = std::max(ws.dot_len[lp.shared[j]], len[j]);
  ws.dot_off.resize(lp.out);
  size_t total = 0;
  for (int32_t j = 0; j < lp.out; ++j) {
    ws.dot_off[j] = uint32_t(total);
    if (lp.shared[j] == j) total += ws.dot_len[j];
  }
  if (ws.dot.size() < total) ws.dot.resize(total);
  for (int32_t j = 0; j < lp.out; ++j) {
    if (lp.shared[j] != j || ws.dot_len[j] == 0) continue;
    Limb* z = ws.dot.data() + ws.dot_off[j];
    std::fill_n(z, ws.dot_len[j], Limb(0));
    AddTerms(lp, j, ws, z, ws.dot_len[j]);
  }
}

void LimbsLayer(const LayerPlan& lp, Workspace& ws) {
  std::vector<uint32_t>& off = ws.zoff;
  std::vector<uint32_t>& len = ws.zlen;
  off.resize(lp.out);
  len.resize(lp.out);
  size_t total = 0;
  for (int32_t j = 0; j < lp.out; ++j) {
    len[j] = std::max<uint32_t>(2, RowLimbs(lp, j, ws));  // ≥ 2: room for a small row's result
    off[j] = uint32_t(total);
    total += len[j];
  }
  if (ws.za.size() < total) ws.za.resize(total);
  ws.zlen2.resize(lp.out);
  ws.zsign.resize(lp.out);
  ws.zbits.resize(lp.out);
  if (lp.any_shared) SharedSums(lp, len, ws);
  for (int32_t j = 0; j < lp.out; ++j) {
    Limb* z = ws.za.data() + off[j];
    if (len[j] == 2) {  // the bound is < 2^127: one limb pair holds Z
      SmallRow(lp, j, ws, z, &ws.zlen2[j], &ws.zsign[j], &ws.zbits[j]);
      continue;
    }
    if (lp.any_shared) SharedRow(lp, j, ws, z, len[j]);
    else BigRow(lp, j, ws, z, len[j]);
    ActivateLimbs(lp.act, z, len[j], &ws.zlen2[j], &ws.zsign[j], &ws.zbits[j]);
  }
  std::swap(ws.hlen, ws.zlen2);
  std::swap(ws.hsign, ws.zsign);
  std::swap(ws.hbits, ws.zbits);
  std::swap(ws.hoff, ws.zoff);
  std::swap(ws.ha, ws.za);
}

void EvaluatePoint(const Plan& plan, const double* x, int32_t d, Workspace& ws) {
  if (plan.input.small) InputsSmall(plan.input, x, d, ws);
  else InputsLimbs(plan.input, x, d, ws);
  for (const LayerPlan& lp : plan.layers) {
    if (lp.kernel == ExactKernel::kLimbs) {
      ToLimbs(lp.in, ws);
      LimbsLayer(lp, ws);
    } else {
      ToSmall(lp.in, ws);
      if (lp.kernel == ExactKernel::kInt64) Int64Layer(lp, ws);
      else Int128Layer(lp, ws);
    }
  }
  const int32_t outs = plan.layers.back().out;
  ws.out.resize(outs);
  for (int32_t j = 0; j < outs; ++j) {
    if (!ws.limbs) {
      ws.out[j] = FromInt128(ws.h[j]);
      continue;
    }
    mpz_import(ws.out[j].get_mpz_t(), ws.hlen[j], -1, sizeof(Limb), 0, 0, ws.ha.data() + ws.hoff[j]);
    if (ws.hsign[j] < 0) mpz_neg(ws.out[j].get_mpz_t(), ws.out[j].get_mpz_t());
  }
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

void RunPlan(const Plan& plan, int index, const RowMatrix& x, const std::vector<int64_t>& rows,
             const PlanVisitor& visit, Progress& bar) {
  const int32_t d = int32_t(x.cols());
#pragma omp parallel
  {
    Workspace ws;
#pragma omp for schedule(dynamic, 16)
    for (int64_t r = 0; r < int64_t(rows.size()); ++r) {
      EvaluatePoint(plan, x.row(rows[r]).data(), d, ws);
      visit(rows[r], ws.out.data(), index);
      if ((r & 63) == 0) bar.Add(64);
    }
  }
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

namespace {

// Evaluates every row under one of at most two plans; `scales` receives each plan's output
// scale, `kernels` the main plan's kernels.
void ForEachWithPlans(const Network& net, const RowMatrix& x, const PlanVisitor& visit,
                      bool progress, std::vector<Integer>* scales,
                      std::vector<ExactKernel>* kernels, int64_t* separate) {
  MNEMO_CHECK(x.cols() == net.input_dim(), "batch has {} columns, network reads {}", x.cols(),
              net.input_dim());
  Split split = SplitRows(x);
  Progress bar("exact eval", progress ? x.rows() : 0);
  Plan main = MakePlan(net, split.main_e, split.main_bits);
  for (const LayerPlan& lp : main.layers) kernels->push_back(lp.kernel);
  scales->push_back(main.out_scale);
  RunPlan(main, 0, x, split.main, visit, bar);
  if (!split.rest.empty()) {
    Plan rest = MakePlan(net, split.rest_e, split.rest_bits);
    scales->push_back(rest.out_scale);
    RunPlan(rest, 1, x, split.rest, visit, bar);
  }
  *separate = int64_t(split.rest.size());
  bar.Finish();
}

}  // namespace

void ForEachExactOutput(const Network& net, const RowMatrix& x, const ExactVisitor& visit,
                        bool progress) {
  std::vector<Integer> scales;
  std::vector<ExactKernel> kernels;
  int64_t separate = 0;
  scales.reserve(2);  // stable references while the plans run
  ForEachWithPlans(
      net, x, [&](int64_t row, const Integer* num, int plan) { visit(row, num, scales[plan]); },
      progress, &scales, &kernels, &separate);
}

ExactOutputs EvaluateExact(const Network& net, const RowMatrix& x, bool progress) {
  ExactOutputs result;
  result.rows = x.rows();
  result.cols = net.output_dim();
  result.numerator.resize(size_t(result.rows) * result.cols);
  result.row_scale.assign(result.rows, 0);
  ForEachWithPlans(
      net, x,
      [&](int64_t row, const Integer* num, int plan) {
        std::copy_n(num, result.cols, result.numerator.begin() + row * result.cols);
        result.row_scale[row] = uint32_t(plan);
      },
      progress, &result.scales, &result.kernels, &result.separate_rows);
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
