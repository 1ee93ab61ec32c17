// The version of mnemo and the git commit it was built from, stamped into every sweep row so a
// result names the code that produced it (cmake/version.cmake writes them at every build).
#pragma once

#include <string>

namespace mnemo {

/// The release version, e.g. "0.1.0".
std::string MnemoVersion();
/// The full git commit hash of the source tree at build time, with "-dirty" appended when
/// tracked files had uncommitted changes; "" when the source was not a git checkout.
std::string GitCommit();

}  // namespace mnemo
