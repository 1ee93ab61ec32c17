// Errors. Three channels (architecture.md): invariant violations abort with file:line
// (MNEMO_CHECK); bad user input throws mnemo::Error, whose message says what and where
// (e.g. `data.csv:17:4: not a number: "abc"`) and which only `main` catches (exit 2);
// expected outcomes (infeasible options, verification mismatches) are report statuses.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace mnemo {

/// Bad user input or an unusable file. The message is one line and names the place: control
/// bytes and invalid UTF-8 in it (a file name or a spec the user typed, quoted in the message)
/// are escaped (internal::Printable), so a newline in user text never splits the line.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message);
};

/// Throws mnemo::Error with a fmt-formatted message.
template <typename... Args>
[[noreturn]] void Fail(fmt::format_string<Args...> format, Args&&... args) {
  throw Error(fmt::format(format, std::forward<Args>(args)...));
}

namespace internal {
/// `text` with control bytes written as \n, \t, \r or \xNN and bytes that are not valid
/// UTF-8 as \xNN; valid UTF-8 and every other byte pass through unchanged.
std::string Printable(std::string_view text);

[[noreturn]] void CheckFailed(const char* file, int line, const char* condition,
                              const std::string& message);
}  // namespace internal

}  // namespace mnemo

/// Aborts with file:line when an internal invariant does not hold. Not for user input.
#define MNEMO_CHECK(condition, ...)                                                  \
  do {                                                                               \
    if (!(condition)) [[unlikely]]                                                   \
      ::mnemo::internal::CheckFailed(__FILE__, __LINE__, #condition,                 \
                                     ::std::string{__VA_OPT__(::fmt::format(__VA_ARGS__))}); \
  } while (0)
