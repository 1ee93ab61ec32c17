// CSV reader → dataset checks → normalization. The first byte picks the label column, whether
// a row is skipped and the size of the blocks the reader reads.
#include "fuzz/fuzz_util.h"
#include "mnemo/dataset.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  mnemo::DataOptions options;
  static const char* kColumns[] = {"last", "first", "0", "1", "2", "none"};
  options.label_column = kColumns[data[0] % 6];
  options.labels_optional = options.label_column == "none";
  options.skip_rows = (data[0] >> 4) & 1;
  // Blocks of 1 byte to 64 KB: lines cut across reads (and no 16 MB buffer per input, which
  // made the harness run at a few inputs per second).
  static const int64_t kBlocks[] = {1, 2, 3, 7, 16, 61, 1024, 65536};
  options.block_bytes = kBlocks[data[0] >> 5];
  std::string text = mnemo::fuzz::Text(data + 1, size - 1);
  mnemo::fuzz::Expect([&] {
    mnemo::Dataset ds = mnemo::internal::DatasetFromCsvText(text, "fuzz.csv", options);
    mnemo::InputMap map = mnemo::ComputeNormalization(ds);
    mnemo::RowMatrix xn = mnemo::Normalized(ds, map);
    if (xn.rows() != ds.n()) __builtin_trap();
  });
  return 0;
}
