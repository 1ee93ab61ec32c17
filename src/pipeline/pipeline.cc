#include "mnemo/pipeline.h"

#include <chrono>
#include <cmath>

#include "mnemo/bounds.h"
#include "mnemo/error.h"
#include "mnemo/progress.h"
#include "mnemo/random.h"
#include "mnemo/verify.h"

namespace mnemo {
namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

int64_t Asked(const nlohmann::ordered_json& options, const char* key) {
  if (!options.contains(key) || !options[key].is_number_integer()) return 0;
  return std::max<int64_t>(0, options[key].get<int64_t>());
}

// A classes-only construction on real targets: the first non-integer label, in the user's terms.
std::optional<std::string> RealTargetReason(const Construction& c, const Dataset& data) {
  if (!c.needs_classes || data.classification) return std::nullopt;
  for (int64_t p = 0; p < data.n(); ++p) {
    const double y = data.target[p];
    if (y != std::floor(y))
      return fmt::format("{} memorizes classes only; {}: label {} is not an integer class",
                         c.name, data.PointName(p), data.LabelString(p));
  }
  return std::nullopt;
}

void Summarize(const Dataset& data, Report* r) {
  r->data.source = data.source;
  r->data.n = data.n();
  r->data.rows = data.original_rows;
  r->data.d = data.d();
  r->data.classes = data.classes();
}

// The separation the constructions and the bounds use: exact when asked, else the projected
// lower bound.
std::optional<ExactSeparation> Separation(const Dataset& data, const InputMap& map,
                                          const RunOptions& run, Report* r) {
  const auto t0 = Clock::now();
  std::optional<ExactSeparation> exact;
  if (run.exact_delta) {
    exact = ComputeExactSeparation(data, map);
    r->data.delta = exact->delta;
    r->data.delta_exact = true;
  } else {
    r->data.delta = ComputeProjectedSeparation(data, map, run.seed).delta_lower;
  }
  r->timings.Add("separation", Since(t0));
  return exact;
}

void Stamp(const Construction& c, const Dataset& data, const Report& r, Network* net) {
  net->classification = data.classification;
  net->class_values = data.class_values;
  net->class_names = data.class_names;
  net->construction = c.name;
  net->options = r.options;
  net->seed = r.seed;
  net->dataset = data.Fingerprint();
}

// Verifies exactly; returns the failure text when a row is wrong.
std::optional<std::string> VerifyInto(const Network& net, const Dataset& data,
                                      const RunOptions& run, Report* r) {
  VerifyOptions vo;
  vo.mode = VerifyMode::kExact;
  vo.progress = run.progress;
  const auto t0 = Clock::now();
  VerifyReport vr = Verify(net, data, vo);
  r->timings.Add("verify", Since(t0));
  r->verification = {true, vr.all_correct(), vr.checked, vr.mismatches, vr.min_margin_exact};
  if (vr.all_correct()) return std::nullopt;
  return fmt::format("exact verification found {} wrong of {} rows (first: row {})", vr.mismatches,
                     vr.checked,
                     vr.first_mismatches.empty() ? -1 : vr.first_mismatches[0].index + 1);
}

}  // namespace

RunResult RunConstruction(const std::string& construction, const ParamMap& params,
                          const Dataset& data, const RunOptions& options) {
  const Construction& c = FindConstruction(construction);
  return RunConstruction(c, c.parse(params), data, options);
}

RunResult RunConstruction(const Construction& c, const std::any& options, const Dataset& data,
                          const RunOptions& run) {
  const auto t_start = Clock::now();
  RunResult out;
  Report& r = out.report;
  r.construction = c.name;
  r.seed = run.seed;
  r.options = c.options_json(options);
  r.width_asked = Asked(r.options, "width");
  r.depth_asked = Asked(r.options, "depth");
  Summarize(data, &r);
  if (auto why = RealTargetReason(c, data)) {
    r.Fail(Status::kDoesNotApply, *why);
    return out;
  }
  ProgressStep prepare("normalizing and separating", run.progress);
  const InputMap map = ComputeNormalization(data);
  const RowBlocks normalized = NormalizedRows(data, map);
  const std::optional<ExactSeparation> exact = Separation(data, map, run, &r);
  prepare.Finish();
  const int attempts = run.attempts > 0 ? run.attempts : c.default_attempts;
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    const uint64_t seed = attempt == 1 ? run.seed : DeriveSeed(run.seed, uint64_t(attempt - 1));
    BuildContext ctx{data,         map,
                     normalized,   seed,
                     attempt,      &r.failed_attempts,
                     run.progress, exact ? &*exact : nullptr};
    Report trial = r;
    trial.status = Status::kNotRun;
    const auto t0 = Clock::now();
    ProgressStep building(fmt::format("building {}{}", c.name,
                                      attempt > 1 ? fmt::format(" (attempt {})", attempt) : ""),
                          run.progress);
    std::optional<Network> net = c.build(options, ctx, &trial);
    building.Finish();
    trial.timings.Add("build", Since(t0));
    std::optional<std::string> failure;
    if (!net) {
      MNEMO_CHECK(trial.status != Status::kSuccess && trial.status != Status::kNotRun,
                  "construction {} returned no network and no reason", c.name);
      failure = trial.reason;
    } else {
      MNEMO_CHECK(trial.status == Status::kSuccess || trial.status == Status::kNotRun,
                  "construction {} returned a network with status {}", c.name,
                  ToString(trial.status));
      trial.status = Status::kSuccess;
      net->input = map;
      Stamp(c, data, trial, &*net);
      net->CheckValid();
      trial.network = net->Stats();
      if (run.verify) failure = VerifyInto(*net, data, run, &trial);
      if (failure) trial.Fail(Status::kFailed, *failure);
    }
    r = std::move(trial);
    const bool retry = failure && attempt < attempts &&
                       (r.status == Status::kInfeasible || r.status == Status::kFailed);
    if (!retry) {
      if (net && r.ok()) {
        for (Bound& b : r.theory)  // a construction-specific measure comes measured
          if (std::isnan(b.measured)) b.measured = Measure(r.network, b.measure);
        for (Bound& b : LowerBounds(r.data, *net)) r.theory.push_back(std::move(b));
        out.network = std::move(net);
      }
      break;
    }
    r.failed_attempts.push_back(
        {attempt, seed, *failure, r.remedy.empty() ? "retry with a new seed" : r.remedy});
    r.remedy.clear();
    r.theory.clear();
    r.extras = nlohmann::ordered_json::object();
    r.verification = {};
  }
  r.timings.Add("total", Since(t_start));
  if (out.network) {
    // The saved network carries the report without timings, so the same inputs and seed give
    // byte-identical files.
    out.network->report = r.ToJson();
    out.network->report.erase("timings_s");
  }
  return out;
}

}  // namespace mnemo
