#include "mnemo/error.h"

#include <cstdio>
#include <cstdlib>

namespace mnemo::internal {

void CheckFailed(const char* file, int line, const char* condition, const std::string& message) {
  std::fprintf(stderr, "mnemo: internal error at %s:%d: check `%s` failed%s%s\n", file, line,
               condition, message.empty() ? "" : ": ", message.c_str());
  std::abort();
}

}  // namespace mnemo::internal
