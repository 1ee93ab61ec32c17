// DatasetFingerprint: the identity of a dataset (a digest of its exact inputs and labels, with
// its shape). A dataset computes it (Dataset::Fingerprint in dataset.h); a network records the
// fingerprint of the data it was built on (network.h), so `mnemo verify` can say when it is
// checked against other data.
#pragma once

#include <cstdint>
#include <string>

namespace mnemo {

struct DatasetFingerprint {
  std::string hash;  ///< hex digest of the exact inputs and labels
  int64_t n = 0;
  int64_t d = 0;
  int64_t classes = 0;  ///< 0 for real targets
};

}  // namespace mnemo
