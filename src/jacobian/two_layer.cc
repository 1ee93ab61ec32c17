// The two-layer model, its Jacobian from the Hadamard/Khatri–Rao structure, the Gram identity,
// and random evaluation points.
#include "mnemo/two_layer.h"

#include <cblas.h>

#include <cmath>

#include "mnemo/error.h"
#include "mnemo/random.h"

namespace mnemo {

std::string ToString(JacobianWrt wrt) { return wrt == JacobianWrt::kWeights ? "weights" : "all"; }
std::string ToString(PointKind point) { return point == PointKind::kRandom ? "random" : "paired"; }
std::string ToString(BiasMode bias) { return bias == BiasMode::kRandom ? "random" : "zero"; }
JacobianWrt ParseWrt(const std::string& s) {
  if (s == "weights" || s == "w" || s == "W") return JacobianWrt::kWeights;
  if (s == "all") return JacobianWrt::kAll;
  Fail("--wrt: expected weights or all, got \"{}\"", s);
}
PointKind ParsePointKind(const std::string& s) {
  if (s == "random") return PointKind::kRandom;
  if (s == "paired") return PointKind::kPaired;
  Fail("--point: expected random or paired, got \"{}\"", s);
}
BiasMode ParseBiasMode(const std::string& s) {
  if (s == "random") return BiasMode::kRandom;
  if (s == "zero") return BiasMode::kZero;
  Fail("--bias: expected random or zero, got \"{}\"", s);
}

int64_t JacobianColumns(int64_t m, int64_t d, int64_t q, JacobianWrt wrt) {
  return wrt == JacobianWrt::kWeights ? m * d : m * d + m + m * q;
}

namespace {

/// Z = WᵀX + b1ᵀ (m × n), one GEMM.
Eigen::MatrixXd PreActivations(const TwoLayerParams& p, const Eigen::MatrixXd& x) {
  MNEMO_CHECK(x.rows() == p.d(), "data has {} rows, model expects d = {}", x.rows(), p.d());
  const int64_t m = p.m(), n = x.cols(), d = p.d();
  Eigen::MatrixXd z(m, n);
  for (int64_t i = 0; i < n; ++i) z.col(i) = p.b;
  if (m > 0 && n > 0 && d > 0)
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, m, n, d, 1.0, p.w.data(), d, x.data(), d,
                1.0, z.data(), m);
  return z;
}

}  // namespace

Eigen::MatrixXd Forward(const TwoLayerActivation& act, const TwoLayerParams& p,
                        const Eigen::MatrixXd& x) {
  Eigen::MatrixXd s = PreActivations(p, x);
  s = s.unaryExpr([&](double z) { return act.Value(z); });
  return s.transpose() * p.v;  // n × q
}

Eigen::MatrixXd JacobianTransposed(const TwoLayerActivation& act, const TwoLayerParams& p,
                                   const Eigen::MatrixXd& x, JacobianWrt wrt) {
  const int64_t m = p.m(), d = p.d(), n = x.cols(), q = p.q();
  const int64_t cols = JacobianColumns(m, d, q, wrt);
  Eigen::MatrixXd z = PreActivations(p, x);
  Eigen::MatrixXd jt(cols, n * q);
#pragma omp parallel for schedule(static) if (n * cols * q > (1 << 18))
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < m; ++j) {
      double zz = z(j, i);
      double sp = act.Derivative(zz);
      double s = wrt == JacobianWrt::kAll ? act.Value(zz) : 0.0;
      for (int64_t c = 0; c < q; ++c) {
        double* col = jt.col(c * n + i).data();
        double dji = p.v(j, c) * sp;
        double* wcol = col + j * d;
        for (int64_t l = 0; l < d; ++l) wcol[l] = dji * x(l, i);
        if (wrt == JacobianWrt::kAll) {
          col[m * d + j] = dji;
          for (int64_t c2 = 0; c2 < q; ++c2) col[m * d + m + c2 * m + j] = c2 == c ? s : 0.0;
        }
      }
    }
  }
  return jt;
}

Eigen::MatrixXd JacobianGram(const TwoLayerActivation& act, const TwoLayerParams& p,
                             const Eigen::MatrixXd& x, JacobianWrt wrt) {
  MNEMO_CHECK(p.q() == 1, "the Gram identity is for the scalar model");
  const int64_t m = p.m(), d = p.d(), n = x.cols();
  Eigen::MatrixXd z = PreActivations(p, x);
  Eigen::MatrixXd dm(m, n), sm;
  if (wrt == JacobianWrt::kAll) sm.resize(m, n);
#pragma omp parallel for schedule(static) if (n * m > (1 << 16))
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < m; ++j) {
      dm(j, i) = p.v(j, 0) * act.Derivative(z(j, i));
      if (wrt == JacobianWrt::kAll) sm(j, i) = act.Value(z(j, i));
    }
  // K = (DᵀD) ∘ (XᵀX [+ 11ᵀ for all]) [+ SᵀS for all]; lower triangles via SYRK, then mirrored.
  Eigen::MatrixXd k(n, n), xx(n, n);
  cblas_dsyrk(CblasColMajor, CblasLower, CblasTrans, n, m, 1.0, dm.data(), m, 0.0, k.data(), n);
  cblas_dsyrk(CblasColMajor, CblasLower, CblasTrans, n, d, 1.0, x.data(), d, 0.0, xx.data(), n);
  const double one = wrt == JacobianWrt::kAll ? 1.0 : 0.0;
#pragma omp parallel for schedule(dynamic, 64) if (n > 512)
  for (int64_t c = 0; c < n; ++c)
    for (int64_t r = c; r < n; ++r) k(r, c) *= xx(r, c) + one;
  xx.resize(0, 0);
  if (wrt == JacobianWrt::kAll)
    cblas_dsyrk(CblasColMajor, CblasLower, CblasTrans, n, m, 1.0, sm.data(), m, 1.0, k.data(), n);
  for (int64_t c = 0; c < n; ++c)
    for (int64_t r = c + 1; r < n; ++r) k(c, r) = k(r, c);
  return k;
}

TwoLayerParams RandomPoint(const TwoLayerActivation& act, int64_t m, int64_t d, PointKind point,
                           BiasMode bias, double weight_scale, std::mt19937_64& rng) {
  Gaussian normal;
  TwoLayerParams p;
  p.w.resize(d, m);
  p.b = Eigen::VectorXd::Zero(m);
  p.v.resize(m, 1);
  auto sign = [&] { return (rng() & 1) ? 1.0 : -1.0; };
  if (point == PointKind::kRandom) {
    for (int64_t j = 0; j < m; ++j) {
      for (int64_t l = 0; l < d; ++l) p.w(l, j) = weight_scale * normal(rng);
      if (bias == BiasMode::kRandom) p.b(j) = normal(rng);
      p.v(j, 0) = sign();
    }
    return p;
  }
  const int64_t h = m / 2;
  for (int64_t j = 0; j < h; ++j) {
    for (int64_t l = 0; l < d; ++l) p.w(l, j) = p.w(l, j + h) = weight_scale * normal(rng);
    if (bias == BiasMode::kRandom) p.b(j) = p.b(j + h) = normal(rng);
    p.v(j, 0) = sign();
    p.v(j + h, 0) = -p.v(j, 0);
  }
  if (m % 2 == 1) {
    // Odd neuron: option (b) w = 0, b = 0 where σ has a simple zero at 0 (it
    // outputs 0 and adds d linear features); otherwise option (a), v = 0.
    p.w.col(m - 1).setZero();
    p.b(m - 1) = 0;
    p.v(m - 1, 0) = act.HasSimpleZeroAtOrigin() ? 1.0 : 0.0;
  }
  return p;
}

Eigen::MatrixXd GaussianData(int64_t d, int64_t n, std::mt19937_64& rng) {
  const double scale = 1.0 / std::sqrt(double(std::max<int64_t>(d, 1)));
  Eigen::MatrixXd x(d, n);
  Gaussian normal;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t l = 0; l < d; ++l) x(l, i) = scale * normal(rng);
  return x;
}

}  // namespace mnemo
