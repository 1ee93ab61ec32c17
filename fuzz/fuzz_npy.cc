// .npy reader → dataset checks → normalization.
#include <cmath>

#include "fuzz/fuzz_util.h"
#include "mnemo/dataset.h"
#include "mnemo/io.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mnemo::fuzz::Expect([&] {
    mnemo::NpyArray a = mnemo::ParseNpy(mnemo::fuzz::Text(data, size), "fuzz.npy");
    int64_t count = 1;
    for (int64_t s : a.shape) count *= s;
    if (count != int64_t(a.data.size())) __builtin_trap();
    if (a.shape.size() != 2 || a.shape[0] == 0 || a.shape[1] == 0) return;
    mnemo::RowMatrix x(a.shape[0], a.shape[1]);
    for (int64_t i = 0; i < count; ++i) x.data()[i] = a.data[i];
    for (int64_t i = 0; i < count; ++i)
      if (!std::isfinite(x.data()[i])) return;  // the dataset loader rejects these first
    std::vector<double> labels(a.shape[0]);
    for (int64_t i = 0; i < a.shape[0]; ++i) labels[i] = double(i % 3);
    mnemo::Dataset ds = mnemo::MakeDataset("fuzz.npy", std::move(x), labels);
    mnemo::Normalized(ds, mnemo::ComputeNormalization(ds));
  });
  return 0;
}
