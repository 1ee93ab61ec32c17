// Construction: Build(options, context, report) → Network. Each construction lives in
// constructions/<name>.{h,cc}, cites the theorem it implements and its size bound, and has a
// flat `Options` struct with defaults, a Visit() that names its fields once (the command line,
// `mnemo list`, the help texts and the JSON of the options all come from it), and
// IsValid(std::string*). Build() makes one attempt: it fills the Report's status (kSuccess,
// kInfeasible with the reason, ...), the sizes it was asked for, its theory bound and its named
// extras, and returns the network (built with the Assembler) or nullopt. It does not verify:
// verification, retries and provenance are the pipeline's (pipeline.h). The registry is one
// explicit list (constructions/registry.cc).
#pragma once

#include <any>
#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "mnemo/dataset.h"
#include "mnemo/network.h"
#include "mnemo/options.h"
#include "mnemo/report.h"

namespace mnemo {

/// What a construction gets: the data (unique points), its normalization into the unit ball
/// (the network's input map, already applied in `normalized`), the seed of this attempt.
/// A construction that passes over the points (a projection) reads `normalized` block by block
/// and needs no copy of the data; one that needs every point at once calls normalized.All()
/// (8 bytes per value, made once) and says so in its header.
struct BuildContext {
  const Dataset& data;
  const InputMap& input_map;
  const RowBlocks& normalized;  ///< (x − c)·2^−s, rows of data.x, exact
  uint64_t seed = 1;
  /// 1-based attempt of the pipeline's build–verify–retry loop, and the failures before it
  /// (a construction may adapt its plan to them: the remedies it set in Report::remedy come
  /// back here in order; most ignore them).
  int attempt = 1;
  const std::vector<Attempt>* failed_attempts = nullptr;
  bool progress = false;
  /// The exact minimum distance of the normalized data when the user asked for it
  /// (--exact-delta), else null: constructions then use the projected lower bound.
  const ExactSeparation* exact_separation = nullptr;
};

/// A registered construction, type-erased over its Options struct (see MakeConstruction).
struct Construction {
  std::string name;
  std::string summary;   ///< one line for `mnemo list`
  std::string bound;     ///< size bound it achieves, e.g. "width 2N, depth 3"
  std::string citation;  ///< the paper and theorem
  bool needs_classes = true;
  /// Attempts of the build–verify–retry loop by default (randomized constructions > 1).
  int default_attempts = 1;
  std::vector<OptionSpec> options;  ///< with their defaults, for help texts

  /// --key value options → the construction's Options (std::any of it), checked with IsValid.
  /// Throws mnemo::Error naming the flag on unknown keys, malformed or invalid values.
  std::function<std::any(const ParamMap&)> parse;
  /// The parsed options as JSON (every field, defaults included).
  std::function<nlohmann::ordered_json(const std::any&)> options_json;
  /// One attempt on the normalized data. Returns nullopt with report->status set when it cannot.
  std::function<std::optional<Network>(const std::any&, const BuildContext&, Report*)> build;

  bool HasOption(const std::string& key) const;
};

/// Registers a construction with typed options: `Options` has defaults, a
/// `template <class V> void Visit(V&)` naming its fields and `bool IsValid(std::string*) const`.
template <typename Options>
Construction MakeConstruction(Construction info,
                              std::optional<Network> (*build)(const Options&, const BuildContext&,
                                                              Report*)) {
  Construction c = std::move(info);
  c.options = ListOptions(Options{});
  c.parse = [name = c.name](const ParamMap& params) -> std::any {
    return ParseOptions<Options>(params, "construction " + name);
  };
  c.options_json = [](const std::any& o) {
    return OptionsToJson(std::any_cast<const Options&>(o));
  };
  c.build = [build](const std::any& o, const BuildContext& ctx, Report* report) {
    return build(std::any_cast<const Options&>(o), ctx, report);
  };
  return c;
}

/// All constructions, in the order of constructions/registry.cc.
const std::vector<Construction>& Registry();
/// Throws mnemo::Error listing the known names (and the nearest one) when `name` is unknown.
const Construction& FindConstruction(const std::string& name);

}  // namespace mnemo
