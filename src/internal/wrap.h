// Word wrapping for report text: every line of the result fits `width` display columns (UTF-8
// code points), continuation lines start with `indent`.
#pragma once

#include <string>

namespace mnemo::internal {

inline size_t DisplayWidth(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

/// Wraps one paragraph at spaces; a word longer than the line stays whole on its own line.
inline std::string Wrap(const std::string& text, size_t width, const std::string& indent = "  ") {
  std::string out, line;
  size_t pos = text.find_first_not_of(' ');
  if (pos == std::string::npos) return "\n";
  line = text.substr(0, pos);  // the first line keeps its leading spaces
  const std::string lead = line;
  while (pos < text.size()) {
    size_t end = text.find(' ', pos);
    if (end == std::string::npos) end = text.size();
    std::string word = text.substr(pos, end - pos);
    pos = end + 1;
    if (word.empty()) continue;
    const bool fresh = line == lead || line == indent;
    if (!fresh && DisplayWidth(line) + 1 + DisplayWidth(word) > width) {
      out += line + "\n";
      line = indent;
    } else if (!fresh) {
      line += " ";
    }
    line += word;
  }
  if (line != lead && line != indent) out += line + "\n";
  return out;
}

/// "label   value" with the value wrapped in a column starting at `column` (continuation lines
/// indented to it); the whole fits `width`.
inline std::string Labeled(const std::string& label, const std::string& value, size_t column,
                           size_t width) {
  const size_t used = DisplayWidth(label);
  std::string out = label + std::string(used < column ? column - used : 1, ' ');
  std::string body = Wrap(value, width - column, "");
  const std::string pad(column, ' ');
  for (size_t pos = 0, k = 0; pos < body.size(); ++k) {
    size_t end = body.find('\n', pos);
    out += (k ? pad : "") + body.substr(pos, end - pos) + "\n";
    pos = end + 1;
  }
  return out;
}

}  // namespace mnemo::internal
