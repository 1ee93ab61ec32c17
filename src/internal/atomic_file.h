// AtomicFile: a file written in pieces and put in place only when complete — a temporary file
// beside the target (same directory, so the rename is atomic), renamed over it by Commit() after
// an fsync. Destroyed without Commit() (an error on the way), it removes the temporary file: a
// failed run leaves no partial file and never touches the target. Writes are buffered, so a
// writer can stream a file far larger than it would want to hold in memory.
#pragma once

#include <string>
#include <string_view>

namespace mnemo::internal {

class AtomicFile {
 public:
  /// Creates the temporary file; throws mnemo::Error naming `path` when it cannot.
  explicit AtomicFile(std::string path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  /// Appends `text` (buffered); throws mnemo::Error naming the path on a write error.
  void Write(std::string_view text);
  /// Flushes, fsyncs and renames the file into place; throws mnemo::Error on failure (the
  /// temporary file is then removed).
  void Commit();

 private:
  void Flush();
  void WriteAll(std::string_view text);
  void Abandon();

  std::string path_, tmp_;
  std::string buffer_;
  int fd_ = -1;
};

}  // namespace mnemo::internal
