// Memory budget: how much more memory this process can take (the smaller of the system's
// MemAvailable and what `ulimit -v` leaves of the address space), and the check every step that
// holds data in memory makes before it allocates, so data that will not fit is refused with one
// line naming what needs how much — instead of the process being killed halfway.
#pragma once

#include <cstdint>
#include <string>

namespace mnemo {

/// Bytes this process can still allocate: min(MemAvailable of /proc/meminfo, RLIMIT_AS minus the
/// address space in use). INT64_MAX when neither is known.
int64_t AvailableMemory();

/// "1.2 GB", "340 MB", "12 kB" (decimal units, as free(1) -h and ls -h --si show them).
std::string FormatBytes(int64_t bytes);

/// Throws mnemo::Error "WHAT: needs about X to hold WHY, but only Y is available (...)" when
/// `bytes` exceeds AvailableMemory(); `advice` ends the message (e.g. "use --limit N").
void CheckMemory(int64_t bytes, const std::string& what, const std::string& why,
                 const std::string& advice);

}  // namespace mnemo
