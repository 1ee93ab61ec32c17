// The synthetic:KIND?key=value&... spec parser and generators (at most 4096 values).
#include "fuzz/fuzz_util.h"
#include "mnemo/dataset.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string spec = "synthetic:" + mnemo::fuzz::Text(data, size);
  mnemo::fuzz::Expect([&] {
    mnemo::Dataset ds = mnemo::internal::SyntheticDataset(spec, 4096);
    mnemo::Normalized(ds, mnemo::ComputeNormalization(ds));
  });
  return 0;
}
