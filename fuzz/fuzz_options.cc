// Construction options as the CLI passes them (--key value ...): parsed, checked and built on
// a tiny dataset by every construction through the pipeline. A network the pipeline returns
// has been verified; it must verify again.
//
// One input must cost milliseconds (a harness that spends seconds per input finds nothing), so
// options asking for large sizes are parsed and checked but not built (Affordable), and
// vershynin's default widths (n1 400, code width ≥ 300, for thousands of points) are replaced by
// small ones on these 16–24 points unless the input gives them.
#include <cstdlib>
#include <sstream>

#include "fuzz/fuzz_util.h"
#include "mnemo/construction.h"
#include "mnemo/pipeline.h"
#include "mnemo/verify.h"
#include "src/cli/cli_util.h"

namespace {

const mnemo::Dataset& Data(int which) {
  static const mnemo::Dataset classes =
      mnemo::internal::SyntheticDataset("synthetic:sphere?n=24&d=3&classes=3&seed=2", 1000);
  static const mnemo::Dataset real =
      mnemo::internal::SyntheticDataset("synthetic:ball?n=16&d=2&targets=real", 1000);
  return which ? real : classes;
}

/// The largest number an option may hold for the input to be built: bitextract's explicit
/// plan multiplies --a, --wprime and --lprime (16 each: 50 ms), and every try of a random
/// projection is a full pass.
int64_t Cap(const std::string& key) {
  return key == "a" || key == "wprime" || key == "lprime" || key == "tries" ? 8 : 64;
}

/// False when a value holds a number above its option's cap (a list like 8,8,8 holds three).
bool Affordable(const mnemo::ParamMap& params) {
  for (const auto& [key, value] : params)
    for (size_t i = 0; i < value.size();) {
      size_t end = value.find_first_not_of("0123456789", i);
      if (end == i) {
        ++i;
        continue;
      }
      if (end == std::string::npos) end = value.size();
      if (end - i > 4 || std::atoll(value.substr(i, end - i).c_str()) > Cap(key)) return false;
      i = end;
    }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const auto& registry = mnemo::Registry();
  const mnemo::Construction& c = registry[data[0] % registry.size()];
  const mnemo::Dataset& ds = Data(data[1] & 1);
  std::istringstream in(mnemo::fuzz::Text(data + 2, size - 2));
  std::vector<std::string> args;
  for (std::string word; in >> word && args.size() < 16;) args.push_back(word);
  mnemo::fuzz::Expect([&] {
    mnemo::ParamMap params = mnemo::cli::ParseConstructionOptions(args);
    if (c.name == "vershynin" && !params.count("widths")) {
      params.emplace("n1", "32");
      if (!params.count("connections")) params.emplace("code-width", "32");
    }
    std::any options = c.parse(params);
    if (!Affordable(params)) return;
    mnemo::RunOptions run;
    run.seed = 7;
    run.attempts = 1;
    mnemo::RunResult r = mnemo::RunConstruction(c, options, ds, run);
    if (r.network && !mnemo::Verify(*r.network, ds).all_correct()) __builtin_trap();
  });
  return 0;
}
