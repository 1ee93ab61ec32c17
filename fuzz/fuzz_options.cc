// Construction options as the CLI passes them (--key value ...): parsed, checked and built on
// a tiny dataset by every construction through the pipeline. A network the pipeline returns
// has been verified; it must verify again.
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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const auto& registry = mnemo::Registry();
  const std::string& name = registry[data[0] % registry.size()].name;
  const mnemo::Dataset& ds = Data(data[1] & 1);
  std::istringstream in(mnemo::fuzz::Text(data + 2, size - 2));
  std::vector<std::string> args;
  for (std::string word; in >> word && args.size() < 16;) args.push_back(word);
  mnemo::fuzz::Expect([&] {
    mnemo::ParamMap params = mnemo::cli::ParseConstructionOptions(args);
    mnemo::RunOptions run;
    run.seed = 7;
    run.attempts = 1;
    mnemo::RunResult r = mnemo::RunConstruction(name, params, ds, run);
    if (r.network && !mnemo::Verify(*r.network, ds).all_correct()) __builtin_trap();
  });
  return 0;
}
