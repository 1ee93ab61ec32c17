// IDX reader (through the gzip layer).
#include "fuzz/fuzz_util.h"
#include "mnemo/io.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mnemo::fuzz::Expect([&] {
    std::string raw = mnemo::GunzipIfNeeded(mnemo::fuzz::Text(data, size), "fuzz-idx3-ubyte");
    mnemo::IdxArray a = mnemo::ParseIdx(raw, "fuzz-idx3-ubyte");
    int64_t count = 1;
    for (int64_t s : a.shape) count *= s;
    if (count != int64_t(a.data.size())) __builtin_trap();
  });
  return 0;
}
