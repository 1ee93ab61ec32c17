// Fitting two-layer networks that interpolate: Levenberg–Marquardt in dual form with Nielsen's
// update, paired-start Gauss–Newton with λ continuation, and variable projection (Kaufman's
// Jacobian), plus the conversion to a mnemo Network with exact rational weights (the fitted
// doubles, exactly).
#include "mnemo/two_layer_fit.h"

#include <cblas.h>
#include <fmt/format.h>
#include <lapacke.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "mnemo/error.h"
#include "mnemo/numerical_rank.h"
#include "mnemo/random.h"
#include "mnemo/table.h"

namespace mnemo {
namespace {

double Seconds(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

Eigen::VectorXd Pack(const TwoLayerParams& p, JacobianWrt wrt) {
  const int64_t md = p.m() * p.d();
  Eigen::VectorXd t(JacobianColumns(p.m(), p.d(), p.q(), wrt));
  t.head(md) = Eigen::Map<const Eigen::VectorXd>(p.w.data(), md);
  if (wrt == JacobianWrt::kAll) {
    t.segment(md, p.m()) = p.b;
    t.tail(p.m() * p.q()) = Eigen::Map<const Eigen::VectorXd>(p.v.data(), p.m() * p.q());
  }
  return t;
}
void Unpack(const Eigen::VectorXd& t, JacobianWrt wrt, TwoLayerParams* p) {
  const int64_t md = p->m() * p->d();
  Eigen::Map<Eigen::VectorXd>(p->w.data(), md) = t.head(md);
  if (wrt == JacobianWrt::kAll) {
    p->b = t.segment(md, p->m());
    Eigen::Map<Eigen::VectorXd>(p->v.data(), p->m() * p->q()) = t.tail(p->m() * p->q());
  }
}
/// Residual F − y as a vector (output-major: index c·n + i, the Jacobian's row order).
Eigen::VectorXd Residual(const TwoLayerActivation& act, const TwoLayerParams& p,
                         const Eigen::MatrixXd& x, const Eigen::MatrixXd& y) {
  Eigen::MatrixXd r = Forward(act, p, x) - y;
  return Eigen::Map<Eigen::VectorXd>(r.data(), r.size());
}

/// J Jᵀ: the Gram identity for the scalar model, SYRK on Jᵀ otherwise.
Eigen::MatrixXd Gram(const TwoLayerActivation& act, const TwoLayerParams& p,
                     const Eigen::MatrixXd& x, JacobianWrt wrt, const Eigen::MatrixXd& jt) {
  if (p.q() == 1) return JacobianGram(act, p, x, wrt);
  const int64_t rows = jt.cols(), cols = jt.rows();
  Eigen::MatrixXd k(rows, rows);
  cblas_dsyrk(CblasColMajor, CblasLower, CblasTrans, rows, cols, 1.0, jt.data(), cols, 0.0,
              k.data(), rows);
  for (int64_t c = 0; c < rows; ++c)
    for (int64_t r = c + 1; r < rows; ++r) k(c, r) = k(r, c);
  return k;
}

/// Solves (K + μI) a = r by Cholesky; false when not positive definite.
bool SolveShifted(const Eigen::MatrixXd& k, double mu, const Eigen::VectorXd& r,
                  Eigen::VectorXd* a) {
  const int64_t n = k.rows();
  Eigen::MatrixXd c = k;
  c.diagonal().array() += mu;
  if (LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'L', n, c.data(), n) != 0) return false;
  *a = r;
  if (LAPACKE_dpotrs(LAPACK_COL_MAJOR, 'L', n, 1, c.data(), n, a->data(), n) != 0) return false;
  return a->allFinite();
}

double Kappa(const Eigen::MatrixXd& jt) {
  NumericalRank r = SvdRank(jt);
  return r.sigma_min > 0 ? r.sigma_max / r.sigma_min : INFINITY;
}

double Rms(const Eigen::MatrixXd& a) {
  return a.size() ? std::sqrt(a.squaredNorm() / double(a.size())) : 0.0;
}

TwoLayerParams InitLm(const FitOptions& o, int64_t d, int64_t q, double x_rms_norm, double y_rms,
                      std::mt19937_64& rng) {
  Gaussian normal;
  TwoLayerParams p;
  p.w.resize(d, o.m);
  p.b.resize(o.m);
  p.v.resize(o.m, q);
  const double ws = o.weight_scale / std::max(x_rms_norm, 1e-12);
  for (int64_t j = 0; j < o.m; ++j) {
    for (int64_t l = 0; l < d; ++l) p.w(l, j) = ws * normal(rng);
    p.b(j) = normal(rng);
    for (int64_t c = 0; c < q; ++c)
      p.v(j, c) = normal(rng) / std::sqrt(double(o.m)) * std::max(y_rms, 1e-3);
  }
  return p;
}

/// One LM run from p (Nielsen's damping update, dual-form step). Returns success.
// Nielsen's damping update of Levenberg–Marquardt for a step with gain ratio `rho` (actual over
// predicted decrease): true when the step is accepted.
bool UpdateDamping(double rho, double* mu, double* nu) {
  if (rho > 0) {
    const double t = 2 * rho - 1;
    *mu *= std::max(1.0 / 3.0, 1 - t * t * t);
    *nu = 2;
    return true;
  }
  *mu *= *nu;
  *nu *= 2;
  return false;
}

bool RunLm(const FitOptions& o, const Eigen::MatrixXd& x, const Eigen::MatrixXd& y,
           TwoLayerParams* p, FitReport* rep) {
  const TwoLayerActivation& act = o.activation;
  const JacobianWrt wrt = o.wrt;
  Eigen::VectorXd r = Residual(act, *p, x, y);
  double r2 = r.squaredNorm();
  double mu = 1e-2 * r2, nu = 2;
  for (int it = 0; it < o.max_iterations; ++it) {
    rep->history.push_back(std::sqrt(r2));
    if (r.cwiseAbs().maxCoeff() <= o.residual_tolerance) {
      rep->reason = "max residual below tolerance";
      rep->mu = mu;
      return true;
    }
    ++rep->iterations;
    Eigen::MatrixXd jt = JacobianTransposed(act, *p, x, wrt);
    Eigen::MatrixXd k = Gram(act, *p, x, wrt, jt);
    Eigen::VectorXd a;
    bool solved = SolveShifted(k, mu, r, &a);
    while (!solved && mu < 1e14) {
      mu *= nu;
      nu *= 2;
      solved = SolveShifted(k, mu, r, &a);
    }
    if (!solved) break;
    Eigen::VectorXd delta = -(jt * a);
    TwoLayerParams trial = *p;
    Unpack(Pack(*p, wrt) + delta, wrt, &trial);
    Eigen::VectorXd r_new = Residual(act, trial, x, y);
    const double r2_new = r_new.allFinite() ? r_new.squaredNorm() : INFINITY;
    const double predicted = r2 - mu * mu * a.squaredNorm();  // ‖r + Jδ‖² = μ²‖a‖²
    const double rho = predicted > 0 ? (r2 - r2_new) / predicted : -1;
    if (UpdateDamping(rho, &mu, &nu)) {
      *p = trial;
      r = r_new;
      r2 = r2_new;
    }
    if (mu > 1e14) {
      rep->reason = "damping μ exceeded 1e14";
      rep->mu = mu;
      return false;
    }
  }
  rep->mu = mu;
  if (r.cwiseAbs().maxCoeff() <= o.residual_tolerance) {
    rep->reason = "max residual below tolerance";
    return true;
  }
  if (rep->reason.empty()) rep->reason = "iteration limit";
  return false;
}

/// Undamped minimum-norm Gauss–Newton towards F = t from p (paired start). Returns success.
bool RunGn(const FitOptions& o, const Eigen::MatrixXd& x, const Eigen::MatrixXd& t, double tol,
           int max_it, TwoLayerParams* p, int* iterations) {
  const TwoLayerActivation& act = o.activation;
  Eigen::VectorXd r = Residual(act, *p, x, t);
  const double t_norm = std::max(t.norm(), 1e-300);
  for (int it = 0; it < max_it; ++it) {
    if (!r.allFinite() || r.norm() > 1e3 * t_norm) return false;
    if (r.cwiseAbs().maxCoeff() <= tol) return true;
    ++*iterations;
    Eigen::MatrixXd jt = JacobianTransposed(act, *p, x, o.wrt);
    Eigen::MatrixXd k = Gram(act, *p, x, o.wrt, jt);
    Eigen::VectorXd a;
    const double reg = 1e-15 * k.trace() / double(k.rows());
    if (!SolveShifted(k, reg, r, &a)) return false;
    Unpack(Pack(*p, o.wrt) - jt * a, o.wrt, p);
    r = Residual(act, *p, x, t);
  }
  return r.allFinite() && r.cwiseAbs().maxCoeff() <= tol;
}

bool RunPairedGn(const FitOptions& o, const Eigen::MatrixXd& x, const Eigen::MatrixXd& y,
                 std::mt19937_64& rng, TwoLayerParams* out, FitReport* rep) {
  const int64_t d = x.rows();
  const double x_rms = std::sqrt(x.colwise().squaredNorm().mean());
  const double y_scale = std::max(Rms(y), 1e-300);
  const Eigen::MatrixXd ys = y / y_scale;
  TwoLayerParams p = RandomPoint(o.activation, o.m, d, PointKind::kPaired, BiasMode::kRandom,
                                 o.weight_scale / std::max(x_rms, 1e-12), rng);
  // Tolerance on the scaled problem: λ·max|F − y/λ|·y_scale ≤ residual_tolerance.
  double lambda = o.lambda > 0 ? o.lambda : 100.0;
  TwoLayerParams best;
  double best_lambda = 0;
  bool any = false;
  int iterations = 0;
  // Start at the largest λ that converges (y/λ inside the ball around F(θ₀) = 0), then decrease
  // λ with warm starts while Gauss–Newton keeps converging (smaller |v|, less cancellation).
  for (int attempt = 0; attempt < 4 && !any; ++attempt) {
    TwoLayerParams q = p;
    const double tol = o.residual_tolerance / (lambda * y_scale) * 0.5;
    if (RunGn(o, x, ys / lambda, tol, 60, &q, &iterations)) {
      best = q;
      best_lambda = lambda;
      any = true;
    } else {
      lambda *= 10;
    }
  }
  if (!any) {
    rep->iterations += iterations;
    rep->reason = "Gauss–Newton diverged for every λ up to " + FormatNumber(lambda / 10, 3);
    *out = p;  // the paired start (F = 0 there)
    return false;
  }
  while (o.wrt == JacobianWrt::kWeights && best_lambda > 1.0 + 1e-12 &&
         iterations < o.max_iterations) {
    const double next = std::max(1.0, best_lambda / 2);
    TwoLayerParams q = best;
    // Rescale the warm start so that F(q) = y/next already holds to first order in v.
    if (o.wrt == JacobianWrt::kAll) q.v *= best_lambda / next;
    const double tol = o.residual_tolerance / (next * y_scale) * 0.5;
    if (!RunGn(o, x, ys / next, tol, 30, &q, &iterations)) break;
    best = q;
    best_lambda = next;
  }
  rep->iterations += iterations;
  best.v *= best_lambda * y_scale;
  rep->lambda = best_lambda;
  rep->reason = fmt::format("converged; smallest converging λ = {}", FormatNumber(best_lambda, 3));
  *out = best;
  return true;
}

bool RunVarPro(const FitOptions& o, const Eigen::MatrixXd& x, const Eigen::MatrixXd& y,
               TwoLayerParams* p, FitReport* rep) {
  const TwoLayerActivation& act = o.activation;
  const int64_t n = x.cols(), m = p->m(), d = p->d(), nl = m * (d + 1);
  // Linear solve for v and the projected residual r = (I − QQᵀ)y, Q from Φ = σ(Z)ᵀ.
  auto project = [&](TwoLayerParams* q, Eigen::MatrixXd* qmat) -> Eigen::VectorXd {
    Eigen::MatrixXd z = q->w.transpose() * x;
    z.colwise() += q->b;
    Eigen::MatrixXd phi = z.unaryExpr([&](double t) { return act.Value(t); }).transpose();
    Eigen::HouseholderQR<Eigen::MatrixXd> qr(phi);
    *qmat = qr.householderQ() * Eigen::MatrixXd::Identity(n, m);
    q->v = qr.solve(y.col(0));
    return y.col(0) - phi * q->v;
  };
  Eigen::MatrixXd qmat;
  Eigen::VectorXd r = project(p, &qmat);
  double r2 = r.squaredNorm();
  double mu = 1e-2 * r2, nu = 2;
  for (int it = 0; it < o.max_iterations; ++it) {
    rep->history.push_back(std::sqrt(r2));
    if (r.allFinite() && r.cwiseAbs().maxCoeff() <= o.residual_tolerance) {
      rep->reason = "max residual below tolerance";
      rep->mu = mu;
      return true;
    }
    ++rep->iterations;
    Eigen::MatrixXd jt = JacobianTransposed(act, *p, x, JacobianWrt::kAll).topRows(nl);
    // Kaufman: J_K = (I − QQᵀ)J, stored transposed: J_Kᵀ = Jᵀ − (JᵀQ)Qᵀ.
    Eigen::MatrixXd jkt = jt - (jt * qmat) * qmat.transpose();
    Eigen::MatrixXd k(n, n);
    cblas_dsyrk(CblasColMajor, CblasLower, CblasTrans, n, nl, 1.0, jkt.data(), nl, 0.0, k.data(),
                n);
    for (int64_t c = 0; c < n; ++c)
      for (int64_t rr = c + 1; rr < n; ++rr) k(c, rr) = k(rr, c);
    Eigen::VectorXd a;
    bool solved = SolveShifted(k, mu, r, &a);
    while (!solved && mu < 1e14) {
      mu *= nu;
      nu *= 2;
      solved = SolveShifted(k, mu, r, &a);
    }
    if (!solved) break;
    Eigen::VectorXd delta = jkt * a;  // r(θ + δ) ≈ r − J_K δ
    TwoLayerParams trial = *p;
    Eigen::Map<Eigen::VectorXd>(trial.w.data(), m * d) += delta.head(m * d);
    trial.b += delta.tail(m);
    Eigen::MatrixXd qtrial;
    Eigen::VectorXd r_new = project(&trial, &qtrial);
    const double r2_new = r_new.allFinite() ? r_new.squaredNorm() : INFINITY;
    const double predicted = r2 - mu * mu * a.squaredNorm();
    const double rho = predicted > 0 ? (r2 - r2_new) / predicted : -1;
    if (UpdateDamping(rho, &mu, &nu)) {
      *p = trial;
      qmat = qtrial;
      r = r_new;
      r2 = r2_new;
    }
    if (mu > 1e14) {
      rep->reason = "damping μ exceeded 1e14";
      rep->mu = mu;
      return false;
    }
  }
  rep->mu = mu;
  if (rep->reason.empty()) rep->reason = "iteration limit";
  return r.allFinite() && r.cwiseAbs().maxCoeff() <= o.residual_tolerance;
}

}  // namespace

FitMethod ParseFitMethod(const std::string& s) {
  if (s == "lm") return FitMethod::kLm;
  if (s == "paired-gn") return FitMethod::kPairedGn;
  if (s == "varpro") return FitMethod::kVarPro;
  Fail("--method: expected lm, paired-gn or varpro, got \"{}\"", s);
}
std::string ToString(FitMethod method) {
  switch (method) {
    case FitMethod::kLm:
      return "lm";
    case FitMethod::kPairedGn:
      return "paired-gn";
    case FitMethod::kVarPro:
      return "varpro";
  }
  return "?";
}

FitReport FitTwoLayer(const FitOptions& o, const Eigen::MatrixXd& x, const Eigen::MatrixXd& y,
                      TwoLayerParams* params) {
  auto t0 = std::chrono::steady_clock::now();
  FitReport rep;
  rep.method = ToString(o.method);
  rep.activation = o.activation.Name();
  rep.n = x.cols();
  rep.d = x.rows();
  rep.m = o.m;
  rep.q = y.cols();
  if (o.m < 1) Fail("--m must be positive");
  if (y.rows() != x.cols()) Fail("{} targets for {} points", y.rows(), x.cols());
  if (!o.activation.IsAnalytic() && o.method != FitMethod::kLm)
    Fail("--activation {}: only --method lm runs on non-analytic activations", o.activation.Name());
  if (rep.q > 1 && o.method != FitMethod::kLm)
    Fail("--method {} fits a single output; use --method lm for one-hot targets", rep.method);
  if (o.method == FitMethod::kVarPro && rep.n <= o.m)
    Fail("--method varpro needs n > m (n = {}, m = {})", rep.n, o.m);
  if (o.method == FitMethod::kPairedGn && o.m < 2) Fail("--method paired-gn needs m ≥ 2");
  const JacobianWrt wrt = o.method == FitMethod::kVarPro ? JacobianWrt::kAll : o.wrt;
  rep.params = JacobianColumns(o.m, rep.d, rep.q, JacobianWrt::kAll);
  std::mt19937_64 rng(o.seed);
  const double x_rms = x.cols() ? std::sqrt(x.colwise().squaredNorm().mean()) : 1.0;
  TwoLayerParams p;
  for (int attempt = 0; attempt <= o.restarts; ++attempt) {
    rep.restarts_used = attempt;
    rep.reason.clear();
    rep.history.clear();
    if (o.method == FitMethod::kPairedGn) {
      rep.success = RunPairedGn(o, x, y, rng, &p, &rep);
    } else {
      p = InitLm(o, rep.d, rep.q, x_rms, Rms(y), rng);
      FitOptions oo = o;
      oo.wrt = wrt;
      rep.success =
          o.method == FitMethod::kLm ? RunLm(oo, x, y, &p, &rep) : RunVarPro(oo, x, y, &p, &rep);
    }
    if (rep.success) break;
  }
  const Eigen::MatrixXd f = Forward(o.activation, p, x);
  rep.max_residual = (f - y).cwiseAbs().maxCoeff();
  rep.relative_residual = (f - y).norm() / std::max(y.norm(), 1e-300);
  rep.success = rep.success && rep.max_residual <= o.residual_tolerance * 1.0000001;
  rep.max_abs_v = p.v.cwiseAbs().maxCoeff();
  rep.kappa = Kappa(JacobianTransposed(o.activation, p, x, JacobianWrt::kAll));
  *params = p;
  rep.seconds = Seconds(t0);
  return rep;
}

Network ToNetwork(const TwoLayerActivation& act, const TwoLayerParams& p, const InputMap& input) {
  Network net;
  net.input = input;
  const int64_t m = p.m(), d = p.d(), q = p.q();
  std::vector<LayerEntry> w1;
  std::vector<Rational> b1, b2(q, Rational(0));
  for (int64_t j = 0; j < m; ++j) {
    for (int64_t l = 0; l < d; ++l)
      if (p.w(l, j) != 0) w1.push_back({int32_t(j), int32_t(l), RationalFromDouble(p.w(l, j))});
    b1.push_back(RationalFromDouble(p.b(j)));
  }
  std::vector<LayerEntry> w2;
  for (int64_t c = 0; c < q; ++c)
    for (int64_t j = 0; j < m; ++j)
      if (p.v(j, c) != 0) w2.push_back({int32_t(c), int32_t(j), RationalFromDouble(p.v(j, c))});
  std::optional<Activation> hidden = act.NetworkActivation();
  if (!hidden)
    Fail("fit: the network format has no {} layer; fit with relu, step or a smooth activation",
         act.Name());
  net.layers.push_back(MakeLayer(int32_t(d), int32_t(m), w1, b1, *hidden));
  net.layers.push_back(
      MakeLayer(int32_t(m), int32_t(q), w2, b2, Activation{Activation::kIdentity, {}}));
  return net;
}

Network FitDataset(const FitOptions& o, const Dataset& data, FitReport* report) {
  if (data.n() == 0) Fail("{}: no points", data.source);
  InputMap map = ComputeNormalization(data);
  RowMatrix xn = Normalized(data, map);
  Eigen::MatrixXd x = xn.transpose();
  const int64_t n = data.n(), classes = data.classes();
  Eigen::MatrixXd y;
  if (!data.classification) {
    y.resize(n, 1);
    for (int64_t i = 0; i < n; ++i) y(i, 0) = data.target[i];
  } else if (classes <= 2) {
    y.resize(n, 1);  // ±1 targets (a single class: all +1)
    for (int64_t i = 0; i < n; ++i) y(i, 0) = classes == 2 && data.y[i] == 0 ? -1.0 : 1.0;
  } else {
    y = Eigen::MatrixXd::Zero(n, classes);
    for (int64_t i = 0; i < n; ++i) y(i, data.y[i]) = 1.0;
  }
  TwoLayerParams p;
  *report = FitTwoLayer(o, x, y, &p);
  Network net;
  if (data.classification && classes <= 2) {
    // Two argmax outputs (−f, f): class 1 iff f > 0; one class: a single output.
    TwoLayerParams two = p;
    if (classes == 2) {
      two.v.resize(p.m(), 2);
      two.v.col(0) = -p.v.col(0);
      two.v.col(1) = p.v.col(0);
    }
    net = ToNetwork(o.activation, two, map);
    net.output = OutputKind::kArgmax;
  } else {
    net = ToNetwork(o.activation, p, map);
    net.output = data.classification ? OutputKind::kArgmax : OutputKind::kValue;
  }
  net.classification = data.classification;
  net.class_values = data.class_values;
  net.class_names = data.class_names;
  net.construction = "jacobian-fit";
  net.options = {{"activation", o.activation.Name()},
                 {"m", o.m},
                 {"method", ToString(o.method)},
                 {"wrt", ToString(o.wrt)},
                 {"residual_tolerance", o.residual_tolerance}};
  net.seed = o.seed;
  net.dataset = data.Fingerprint();
  net.report = report->ToJson();
  net.report.erase("history");
  return net;
}

nlohmann::ordered_json FitReport::ToJson() const {
  nlohmann::ordered_json j;
  j["method"] = method;
  j["activation"] = activation;
  j["n"] = n;
  j["d"] = d;
  j["m"] = m;
  j["outputs"] = q;
  j["params"] = params;
  j["success"] = success;
  j["max_residual"] = max_residual;
  j["relative_residual"] = relative_residual;
  j["iterations"] = iterations;
  j["restarts"] = restarts_used;
  j["kappa"] = kappa;
  j["mu"] = mu;
  j["lambda"] = lambda;
  j["max_abs_v"] = max_abs_v;
  j["reason"] = reason;
  j["history"] = history;
  j["seconds"] = seconds;
  return j;
}

std::string FitReport::ToText() const {
  Table t({"field", "value"});
  t.AddRow({"method", method});
  t.AddRow({"model",
            fmt::format("σ={} n={} d={} m={} outputs={} P={}", activation, n, d, m, q, params)});
  t.AddRow({"success", success ? "yes" : "no"});
  t.AddRow({"max residual", fmt::format("{:.3g}", max_residual)});
  t.AddRow({"relative residual", fmt::format("{:.3g}", relative_residual)});
  t.AddRow({"iterations", std::to_string(iterations)});
  t.AddRow({"restarts", std::to_string(restarts_used)});
  t.AddRow({"κ(J) at solution", fmt::format("{:.3g}", kappa)});
  if (method == "paired-gn")
    t.AddRow({"λ", FormatNumber(lambda, 4)});
  else
    t.AddRow({"μ at exit", fmt::format("{:.3g}", mu)});
  t.AddRow({"max |v|", FormatNumber(max_abs_v, 4)});
  t.AddRow({"stopped", reason});
  t.AddRow({"seconds", FormatNumber(seconds, 3)});
  return t.ToText();
}

}  // namespace mnemo
