// Gradient-descent algorithmic threshold of a two-layer net.
#include "mnemo/storage_gd.h"

#include <omp.h>

#include <Eigen/Dense>
#include <algorithm>
#include <chrono>
#include <cmath>

#include "mnemo/error.h"
#include "mnemo/progress.h"
#include "mnemo/random.h"
#include "mnemo/storage_activation.h"

namespace mnemo {

bool GdProtocol::IsValid(std::string* why) const {
  auto fail = [&](std::string m) {
    if (why) *why = std::move(m);
    return false;
  };
  if (N < 2 || N > 4096) return fail(fmt::format("--d must be in [2, 4096], got {}", N));
  if (K < 1 || K > 1024) return fail(fmt::format("--m must be in [1, 1024], got {}", K));
  if (!(lr > 0 && lr < 10)) return fail(fmt::format("--lr must be in (0, 10), got {}", lr));
  if (max_epochs < 1 || max_epochs > 10'000'000)
    return fail(fmt::format("--max-epochs must be in [1, 1e7], got {}", max_epochs));
  return true;
}

std::string GdProtocol::Describe() const {
  return fmt::format(
      "fully connected d={} m={} {}; f = m^-1/2 sum_k (g(w_k.x/sqrt d) - Eg)/sd(g) + b, second "
      "layer fixed; w ~ N(0,I), b = 0; squared hinge; full-batch Adam lr={} (0.9, 0.999, 1e-8); "
      "<= {} epochs; success = zero training errors",
      N, K, activation, lr, max_epochs);
}

GdRun RunGdInstance(const GdProtocol& protocol, int P, std::mt19937_64& rng) {
  std::string why;
  if (!protocol.IsValid(&why)) Fail("storage-measure: {}", why);
  const StorageActivation g = StorageActivation::Parse(protocol.activation);
  if (g.name() == "step")
    Fail("storage-measure: activation 'step' has zero gradient; GD cannot train it");
  const int N = protocol.N, K = protocol.K;
  Eigen::MatrixXd X(P, N), W(N, K);
  Eigen::VectorXd y(P);
  Gaussian normal;
  for (int mu = 0; mu < P; ++mu) {
    for (int i = 0; i < N; ++i) X(mu, i) = normal(rng);
    y(mu) = (rng() >> 63) ? 1.0 : -1.0;
  }
  for (int i = 0; i < N; ++i)
    for (int k = 0; k < K; ++k) W(i, k) = normal(rng);
  const double in_scale = 1 / std::sqrt(double(N));
  const double out_scale = 1 / (std::sqrt(g.variance()) * std::sqrt(double(K)));
  const double offset = K * g.mean() * out_scale;
  double b = 0;
  Eigen::MatrixXd mW = Eigen::MatrixXd::Zero(N, K), vW = Eigen::MatrixXd::Zero(N, K);
  double mb = 0, vb = 0;
  constexpr double kBeta1 = 0.9, kBeta2 = 0.999, kEps = 1e-8;
  double pow1 = 1, pow2 = 1;
  Eigen::MatrixXd H(P, K), dH(P, K), dW(N, K);
  Eigen::VectorXd f(P), df(P);
  GdRun run;
  for (int epoch = 0;; ++epoch) {
    H.noalias() = X * W;
    H *= in_scale;
    f.setConstant(b - offset);
    double loss = 0;
    int errors = 0;
    for (int mu = 0; mu < P; ++mu) {
      double s = 0;
      for (int k = 0; k < K; ++k) s += g.Value(H(mu, k));
      f(mu) += s * out_scale;
      double margin = y(mu) * f(mu), r = std::max(0.0, 1 - margin);
      errors += margin <= 0;
      loss += r * r;
      df(mu) = -2 * y(mu) * r / P;
    }
    run.epochs = epoch, run.errors = errors, run.loss = loss / P;
    if (errors == 0) {
      run.success = true;
      return run;
    }
    if (epoch >= protocol.max_epochs) return run;
    for (int mu = 0; mu < P; ++mu)
      for (int k = 0; k < K; ++k) dH(mu, k) = df(mu) * g.Derivative(H(mu, k)) * out_scale;
    dW.noalias() = X.transpose() * dH;
    dW *= in_scale;
    double db = df.sum();
    pow1 *= kBeta1, pow2 *= kBeta2;
    const double lr_t = protocol.lr * std::sqrt(1 - pow2) / (1 - pow1);
    mW = kBeta1 * mW + (1 - kBeta1) * dW;
    vW = kBeta2 * vW + (1 - kBeta2) * dW.cwiseProduct(dW);
    W.array() -= lr_t * mW.array() / (vW.array().sqrt() + kEps);
    mb = kBeta1 * mb + (1 - kBeta1) * db;
    vb = kBeta2 * vb + (1 - kBeta2) * db * db;
    b -= lr_t * mb / (std::sqrt(vb) + kEps);
  }
}

GdMeasureResult MeasureGdThreshold(const GdMeasureOptions& options) {
  std::string why;
  if (!options.protocol.IsValid(&why)) Fail("storage-measure: {}", why);
  StorageActivation::Parse(options.protocol.activation);  // validates the name
  if (options.protocol.activation == "step")
    Fail("storage-measure: activation 'step' has zero gradient; GD cannot train it");
  if (options.instances < 1)
    Fail("storage-measure: --instances must be ≥ 1, got {}", options.instances);
  std::vector<int> Ns = options.Ns.empty() ? std::vector<int>{options.protocol.N} : options.Ns;
  for (int n : Ns)
    if (n < 2 || n > 4096) Fail("storage-measure: --d values must be in [2, 4096], got {}", n);
  std::vector<double> alphas = options.alphas;
  if (alphas.empty())
    for (int i = 1; i <= 8; ++i) alphas.push_back(0.5 * i);
  GdMeasureResult result;
  std::mt19937_64 master(options.seed);
  struct Job {
    int curve, row, P;
    uint64_t seed;
    GdRun run;
    double seconds = 0;
  };
  std::vector<Job> jobs;
  for (size_t c = 0; c < Ns.size(); ++c) {
    ThresholdCurve curve;
    for (size_t a = 0; a < alphas.size(); ++a) {
      ThresholdRow row;
      row.N = Ns[c], row.K = options.protocol.K;
      row.P = std::max(1, int(std::lround(alphas[a] * row.N * row.K)));
      row.alpha = double(row.P) / (double(row.N) * row.K);
      row.trials = options.instances;
      curve.rows.push_back(row);
      for (int k = 0; k < options.instances; ++k)
        jobs.push_back({int(c), int(a), row.P, master(), {}, 0});
    }
    result.curves.push_back(curve);
  }
  // Largest problems first for load balance.
  std::vector<size_t> order(jobs.size());
  for (size_t j = 0; j < jobs.size(); ++j) order[j] = j;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return int64_t(jobs[a].P) * Ns[jobs[a].curve] > int64_t(jobs[b].P) * Ns[jobs[b].curve];
  });
  Progress progress("gd", int64_t(jobs.size()));
  if (!options.progress) progress.Finish();
  const int threads = options.threads > 0 ? options.threads : omp_get_max_threads();
  Eigen::setNbThreads(1);
#pragma omp parallel for schedule(dynamic) num_threads(threads)
  for (size_t o = 0; o < order.size(); ++o) {
    Job& job = jobs[order[o]];
    GdProtocol protocol = options.protocol;
    protocol.N = Ns[job.curve];
    std::mt19937_64 rng(job.seed);
    auto start = std::chrono::steady_clock::now();
    job.run = RunGdInstance(protocol, job.P, rng);
    job.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    progress.Add();
  }
  progress.Finish();
  for (const Job& job : jobs) {
    ThresholdRow& row = result.curves[job.curve].rows[job.row];
    row.successes += job.run.success;
    row.seconds += job.seconds;
  }
  std::vector<double> fss_n, fss_a, fss_w;
  for (size_t c = 0; c < result.curves.size(); ++c) {
    ThresholdCurve& curve = result.curves[c];
    std::vector<double> xs;
    std::vector<int> ss, ns;
    for (ThresholdRow& row : curve.rows) {
      row.fraction = double(row.successes) / row.trials;
      row.sampling_error =
          std::sqrt(std::max(row.fraction * (1 - row.fraction), 0.25 / row.trials) / row.trials);
      xs.push_back(row.alpha), ss.push_back(row.successes), ns.push_back(row.trials);
    }
    curve.fit = FitLogistic(xs, ss, ns);
    if (curve.fit.ok) {
      double se = std::max(curve.fit.alpha_50_stderr, 1e-3);
      fss_n.push_back(Ns[c]), fss_a.push_back(curve.fit.alpha_50), fss_w.push_back(1 / (se * se));
    }
  }
  // α₅₀(N) = α_∞ + a N^{−1/2}, weighted least squares.
  if (fss_n.size() >= 2 && fss_n.size() == result.curves.size()) {
    double s = 0, sx = 0, sxx = 0, sy = 0, sxy = 0;
    for (size_t i = 0; i < fss_n.size(); ++i) {
      double x = 1 / std::sqrt(fss_n[i]), w = fss_w[i];
      s += w, sx += w * x, sxx += w * x * x, sy += w * fss_a[i], sxy += w * x * fss_a[i];
    }
    double det = s * sxx - sx * sx;
    if (det > 0) {
      result.alpha_inf = (sxx * sy - sx * sxy) / det;
      result.fss_slope = (s * sxy - sx * sy) / det;
      result.alpha_inf_stderr = std::sqrt(sxx / det);
      result.fss_ok = true;
    }
  }
  return result;
}

}  // namespace mnemo
