#include "mnemo/evaluate.h"

#include <omp.h>

#include <algorithm>
#include <cmath>

#include <Eigen/Sparse>

#include "mnemo/error.h"
#include "mnemo/progress.h"

namespace mnemo {
namespace {

// Exact path. Activations of layer l are integers h over a scale S_l that depends only on the
// layer: z = W h_{l−1} + b with W = w/den, h_{l−1} = h/S_{l−1} gives
// z·den·S_{l−1} = w·h + b·S_{l−1} =: z_int. relu/identity keep the scale den·S_{l−1};
// step maps z_int to 0/1 with scale 1.

constexpr double kLimit64 = 4611686018427387904.0;                    // 2^62
constexpr double kLimit128 = 42535295865117307932921825928971026432.0;  // 2^125

struct LayerPlan {
  ExactKernel kernel = ExactKernel::kMpz;
  Activation::Kind act = Activation::kIdentity;
  int32_t in = 0, out = 0;
  std::vector<int64_t> col_ptr;  // CSC over inputs
  std::vector<int32_t> row;
  std::vector<int64_t> w64, b64;
  std::vector<int128> w128, b128;
  std::vector<Integer> wz, bz;
};

struct InputPlan {
  int e = 0;             // x·2^e integral
  Integer factor = 1;    // multiplies x·2^e
  std::vector<Integer> offset;  // subtracted, per coordinate
  bool fast = false;     // int128 arithmetic is proven safe
  int128 factor128 = 1;
  std::vector<int128> offset128;
};

double AbsD(const Integer& x) { return std::fabs(x.get_d()); }

struct Plan {
  InputPlan input;
  std::vector<LayerPlan> layers;
  Integer out_scale = 1;
  int32_t max_width = 0;
};

Plan MakePlan(const Network& net, const RowMatrix& x) {
  Plan plan;
  const int32_t d = net.input_dim();
  MNEMO_CHECK(x.cols() == d, "batch has {} columns, network reads {}", x.cols(), d);
  // Input map x' = (x − c)·2^−s with c = cnum/cden: with q = lcm(cden), E = max fraction bits,
  // x' = (x·2^E·q − c·q·2^E)·2^max(0,−s) / (q·2^E·2^max(0,s)).
  InputPlan& ip = plan.input;
  ip.e = FractionBits(x);
  Integer q = 1;
  for (const Rational& c : net.input.center) mpz_lcm(q.get_mpz_t(), q.get_mpz_t(), c.get_den_mpz_t());
  int s = net.input.scale_log2;
  Integer up = Pow2(std::max(0, -s));
  ip.factor = q * up;
  ip.offset.assign(d, Integer(0));
  for (size_t j = 0; j < net.input.center.size(); ++j) {
    const Rational& c = net.input.center[j];
    ip.offset[j] = c.get_num() * (q / c.get_den()) * Pow2(ip.e) * up;
  }
  Integer scale = q * Pow2(ip.e) * Pow2(std::max(0, s));
  // Input magnitudes of this batch, per coordinate.
  std::vector<double> hb(d, 0.0);
  double max_x = 0;
  for (int64_t i = 0; i < x.rows(); ++i)
    for (int32_t j = 0; j < d; ++j) max_x = std::max(max_x, std::fabs(x(i, j)));
  double fx = std::ldexp(max_x, ip.e) * AbsD(ip.factor);
  double max_off = 0;
  for (int32_t j = 0; j < d; ++j) {
    max_off = std::max(max_off, AbsD(ip.offset[j]));
    hb[j] = (fx + AbsD(ip.offset[j])) * (1 + 1e-9);
  }
  ip.fast = std::ldexp(max_x, ip.e) < kLimit64 && fx + max_off < kLimit128;
  if (ip.fast) {
    ip.factor128 = ToInt128(ip.factor);
    for (int32_t j = 0; j < d; ++j) ip.offset128.push_back(ToInt128(ip.offset[j]));
  }

  for (const Layer& layer : net.layers) {
    MNEMO_CHECK(layer.activation.IsExact(), "exact evaluation of activation {}",
                ToString(layer.activation));
    LayerPlan lp;
    lp.act = layer.activation.kind;
    lp.in = layer.inputs;
    lp.out = layer.outputs;
    plan.max_width = std::max({plan.max_width, lp.in, lp.out});
    // Scaled bias and bounds.
    lp.bz.resize(layer.outputs);
    std::vector<double> zb(layer.outputs, 0.0);
    bool weights_fit64 = true, weights_fit128 = true;
    for (int32_t j = 0; j < layer.outputs; ++j) {
      lp.bz[j] = layer.bias[j] * scale;
      double acc = AbsD(lp.bz[j]);
      for (int64_t k = layer.row_ptr[j]; k < layer.row_ptr[j + 1]; ++k) {
        double w = AbsD(layer.weight[k]);
        weights_fit64 = weights_fit64 && w < kLimit64;
        weights_fit128 = weights_fit128 && w < kLimit128;
        acc += w * hb[layer.col[k]];
      }
      zb[j] = acc * (1 + 1e-9);
    }
    // Divide out the common factor g of every numerator, scaled bias and the new scale: the
    // activations keep their value with a scale g times smaller (often int128 → int64).
    Integer new_scale = scale * layer.denominator;
    Integer g = lp.act == Activation::kStep ? Integer(0) : new_scale;
    std::vector<Integer> weight = layer.weight;
    for (const Integer& w : weight) {
      if (g == 1) break;
      mpz_gcd(g.get_mpz_t(), g.get_mpz_t(), w.get_mpz_t());
    }
    for (const Integer& b : lp.bz) {
      if (g == 1) break;
      mpz_gcd(g.get_mpz_t(), g.get_mpz_t(), b.get_mpz_t());
    }
    if (g > 1) {
      for (Integer& w : weight) mpz_divexact(w.get_mpz_t(), w.get_mpz_t(), g.get_mpz_t());
      for (Integer& b : lp.bz) mpz_divexact(b.get_mpz_t(), b.get_mpz_t(), g.get_mpz_t());
      mpz_divexact(new_scale.get_mpz_t(), new_scale.get_mpz_t(), g.get_mpz_t());
      double gd = AbsD(g);
      for (int32_t j = 0; j < layer.outputs; ++j) zb[j] = zb[j] / gd * (1 + 1e-9);
    }
    double max_zb = 0, max_hb = 0;
    for (double v : zb) max_zb = std::max(max_zb, v);
    for (double v : hb) max_hb = std::max(max_hb, v);
    weights_fit64 = weights_fit128 = true;
    for (const Integer& w : weight) {
      weights_fit64 = weights_fit64 && AbsD(w) < kLimit64;
      weights_fit128 = weights_fit128 && AbsD(w) < kLimit128;
    }
    bool bias64 = true, bias128 = true;
    for (const Integer& b : lp.bz) {
      bias64 = bias64 && AbsD(b) < kLimit64;
      bias128 = bias128 && AbsD(b) < kLimit128;
    }
    if (weights_fit64 && bias64 && max_zb < kLimit64 && max_hb < kLimit64)
      lp.kernel = ExactKernel::kInt64;
    else if (weights_fit128 && bias128 && max_zb < kLimit128 && max_hb < kLimit128)
      lp.kernel = ExactKernel::kInt128;
    else
      lp.kernel = ExactKernel::kMpz;
    // CSC.
    lp.col_ptr.assign(layer.inputs + 1, 0);
    for (int32_t c : layer.col) ++lp.col_ptr[c + 1];
    for (int32_t k = 0; k < layer.inputs; ++k) lp.col_ptr[k + 1] += lp.col_ptr[k];
    std::vector<int64_t> fill(lp.col_ptr.begin(), lp.col_ptr.end() - 1);
    std::vector<int64_t> perm(layer.nonzeros());
    lp.row.resize(layer.nonzeros());
    for (int32_t j = 0; j < layer.outputs; ++j)
      for (int64_t k = layer.row_ptr[j]; k < layer.row_ptr[j + 1]; ++k) {
        int64_t pos = fill[layer.col[k]]++;
        lp.row[pos] = j;
        perm[pos] = k;
      }
    switch (lp.kernel) {
      case ExactKernel::kInt64:
        lp.w64.resize(perm.size());
        for (size_t p = 0; p < perm.size(); ++p) lp.w64[p] = weight[perm[p]].get_si();
        for (const Integer& b : lp.bz) lp.b64.push_back(b.get_si());
        break;
      case ExactKernel::kInt128:
        lp.w128.resize(perm.size());
        for (size_t p = 0; p < perm.size(); ++p) lp.w128[p] = ToInt128(weight[perm[p]]);
        for (const Integer& b : lp.bz) lp.b128.push_back(ToInt128(b));
        break;
      case ExactKernel::kMpz:
        lp.wz.resize(perm.size());
        for (size_t p = 0; p < perm.size(); ++p) lp.wz[p] = weight[perm[p]];
        break;
    }
    // Next layer's bounds and scale.
    if (lp.act == Activation::kStep) {
      hb.assign(layer.outputs, 1.0);
      scale = 1;
    } else {
      hb = zb;
      scale = new_scale;
    }
    plan.layers.push_back(std::move(lp));
  }
  plan.out_scale = scale;
  return plan;
}

// Per-thread buffers.
struct Workspace {
  std::vector<int128> h128, next128;
  std::vector<int64_t> z64;
  std::vector<Integer> hz, nextz;
  bool in_z = false;
};

void EvaluatePoint(const Plan& plan, const RowMatrix& x, int64_t i, Workspace& ws,
                   Integer* out) {
  const InputPlan& ip = plan.input;
  const int64_t d = x.cols();
  if (ip.fast) {
    ws.h128.resize(d);
    for (int64_t j = 0; j < d; ++j) {
      int128 xi = int128(int64_t(std::ldexp(x(i, j), ip.e)));
      ws.h128[j] = xi * ip.factor128 - ip.offset128[j];
    }
    ws.in_z = false;
  } else {
    ws.hz.resize(d);
    for (int64_t j = 0; j < d; ++j) {
      Rational v = RationalFromDouble(std::ldexp(x(i, j), ip.e));
      ws.hz[j] = v.get_num() * ip.factor - ip.offset[j];
    }
    ws.in_z = true;
  }
  for (const LayerPlan& lp : plan.layers) {
    if (lp.kernel == ExactKernel::kMpz) {
      if (!ws.in_z) {
        ws.hz.resize(lp.in);
        for (int32_t k = 0; k < lp.in; ++k) ws.hz[k] = FromInt128(ws.h128[k]);
        ws.in_z = true;
      }
      ws.nextz.resize(lp.out);
      for (int32_t j = 0; j < lp.out; ++j) ws.nextz[j] = lp.bz[j];
      for (int32_t k = 0; k < lp.in; ++k) {
        const Integer& h = ws.hz[k];
        if (sgn(h) == 0) continue;
        for (int64_t p = lp.col_ptr[k]; p < lp.col_ptr[k + 1]; ++p)
          mpz_addmul(ws.nextz[lp.row[p]].get_mpz_t(), lp.wz[p].get_mpz_t(), h.get_mpz_t());
      }
      for (int32_t j = 0; j < lp.out; ++j) {
        if (lp.act == Activation::kRelu) {
          if (sgn(ws.nextz[j]) < 0) ws.nextz[j] = 0;
        } else if (lp.act == Activation::kStep) {
          ws.nextz[j] = sgn(ws.nextz[j]) >= 0 ? 1 : 0;
        }
      }
      std::swap(ws.hz, ws.nextz);
      continue;
    }
    if (ws.in_z) {
      // Proven to fit: this layer's input bound is below the kernel's limit.
      ws.h128.resize(lp.in);
      for (int32_t k = 0; k < lp.in; ++k) ws.h128[k] = ToInt128(ws.hz[k]);
      ws.in_z = false;
    }
    ws.next128.resize(lp.out);
    if (lp.kernel == ExactKernel::kInt64) {
      ws.z64.assign(lp.b64.begin(), lp.b64.end());
      int64_t* z = ws.z64.data();
      for (int32_t k = 0; k < lp.in; ++k) {
        int64_t h = int64_t(ws.h128[k]);
        if (h == 0) continue;
        const int64_t end = lp.col_ptr[k + 1];
        for (int64_t p = lp.col_ptr[k]; p < end; ++p) z[lp.row[p]] += lp.w64[p] * h;
      }
      for (int32_t j = 0; j < lp.out; ++j) {
        int64_t v = z[j];
        if (lp.act == Activation::kRelu) v = v > 0 ? v : 0;
        else if (lp.act == Activation::kStep) v = v >= 0 ? 1 : 0;
        ws.next128[j] = v;
      }
    } else {
      int128* z = ws.next128.data();
      for (int32_t j = 0; j < lp.out; ++j) z[j] = lp.b128[j];
      for (int32_t k = 0; k < lp.in; ++k) {
        int128 h = ws.h128[k];
        if (h == 0) continue;
        for (int64_t p = lp.col_ptr[k]; p < lp.col_ptr[k + 1]; ++p) z[lp.row[p]] += lp.w128[p] * h;
      }
      for (int32_t j = 0; j < lp.out; ++j) {
        if (lp.act == Activation::kRelu) z[j] = z[j] > 0 ? z[j] : 0;
        else if (lp.act == Activation::kStep) z[j] = z[j] >= 0 ? 1 : 0;
      }
    }
    std::swap(ws.h128, ws.next128);
  }
  const int32_t outs = plan.layers.back().out;
  for (int32_t j = 0; j < outs; ++j) out[j] = ws.in_z ? ws.hz[j] : FromInt128(ws.h128[j]);
}

}  // namespace

ExactOutputs EvaluateExact(const Network& net, const RowMatrix& x, bool progress) {
  Plan plan = MakePlan(net, x);
  ExactOutputs result;
  result.rows = x.rows();
  result.cols = net.output_dim();
  result.numerator.resize(size_t(result.rows) * result.cols);
  result.scale = plan.out_scale;
  for (const auto& lp : plan.layers) result.kernels.push_back(lp.kernel);
  Progress bar("exact eval", progress ? x.rows() : 0);
#pragma omp parallel
  {
    Workspace ws;
#pragma omp for schedule(dynamic, 16)
    for (int64_t i = 0; i < x.rows(); ++i) {
      EvaluatePoint(plan, x, i, ws, &result.numerator[size_t(i) * result.cols]);
      if ((i & 63) == 0) bar.Add(64);
    }
  }
  bar.Finish();
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
        if (outputs[b] >= 0.5) v |= int64_t(1) << b;
      }
      return v < classes ? v : -1;
    }
  }
  return -1;
}

}  // namespace mnemo
