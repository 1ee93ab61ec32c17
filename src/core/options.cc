#include "mnemo/options.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace mnemo {
namespace {

int EditDistance(const std::string& a, const std::string& b) {
  std::vector<int> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = int(j);
  for (size_t i = 1; i <= a.size(); ++i) {
    int diag = row[0];
    row[0] = int(i);
    for (size_t j = 1; j <= b.size(); ++j) {
      int up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string NearestName(const std::string& name, const std::vector<std::string>& candidates) {
  std::string best;
  int best_d = 3;
  for (const std::string& c : candidates) {
    int d = EditDistance(name, c);
    if (!name.empty() && c.rfind(name, 0) == 0) d = std::min(d, 1);
    if (2 * size_t(d) > name.size()) continue;  // too far for a name this short
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best;
}

namespace internal {

bool ParseBoolFlag(const std::string& key, const std::string& s) {
  if (s == "true" || s == "1" || s == "yes" || s == "on" || s.empty()) return true;
  if (s == "false" || s == "0" || s == "no" || s == "off") return false;
  Fail("--{}: expected true or false, got \"{}\"", key, s);
}

int64_t ParseIntFlag(const std::string& key, const std::string& s) {
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0' || errno == ERANGE)
    Fail("--{}: expected an integer, got \"{}\"", key, s);
  return v;
}

void Read(const std::string& k, const std::string& t, int* f) {
  int64_t v = ParseIntFlag(k, t);
  if (v < INT32_MIN || v > INT32_MAX) Fail("--{}: {} is out of range", k, t);
  *f = int(v);
}

double ParseRealFlag(const std::string& key, const std::string& s) {
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (s.empty() || *end != '\0' || !std::isfinite(v))
    Fail("--{}: expected a number, got \"{}\"", key, s);
  return v;
}

std::vector<std::string> ParseListFlag(const std::string& key, const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t comma = s.find(',', start);
    std::string part =
        s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (part.empty()) Fail("--{}: empty item in list \"{}\"", key, s);
    out.push_back(part);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::vector<int64_t> ParseIntListFlag(const std::string& key, const std::string& s) {
  std::vector<int64_t> out;
  for (const std::string& part : ParseListFlag(key, s)) {
    char* end = nullptr;
    errno = 0;
    long long v = std::strtoll(part.c_str(), &end, 10);
    if (*end != '\0' || errno == ERANGE)
      Fail("--{}: expected integers separated by commas, got \"{}\"", key, part);
    out.push_back(v);
  }
  return out;
}

std::string FormatDefault(const nlohmann::ordered_json& v) {
  if (v.is_null()) return "auto";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_array()) {
    if (v.empty()) return "";
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ",") + FormatDefault(x);
    return s;
  }
  return v.dump();
}

void OptionReader::CheckAllUsed(const std::string& owner) const {
  for (const auto& [key, value] : params_) {
    if (used_.count(key)) continue;
    std::string nearest = NearestName(key, known_);
    if (!nearest.empty())
      Fail("--{}: not an option of {}; did you mean --{}?", key, owner, nearest);
    std::string list;
    for (const std::string& k : known_) list += (list.empty() ? "--" : ", --") + k;
    Fail("--{}: not an option of {} (its options: {})", key, owner, list.empty() ? "none" : list);
  }
}

}  // namespace internal

std::pair<int, int> ParseShard(const std::string& text, const std::string& flag) {
  const size_t slash = text.find('/');
  char* end = nullptr;
  auto num = [&](const std::string& t) {
    long v = std::strtol(t.c_str(), &end, 10);
    return t.empty() || *end != '\0' ? -1L : v;
  };
  const long i = slash == std::string::npos ? -1 : num(text.substr(0, slash));
  const long n = slash == std::string::npos ? -1 : num(text.substr(slash + 1));
  if (i < 0 || n < 1 || i >= n || n > 1000000)
    Fail("{}: expected i/n with 0 ≤ i < n (e.g. 0/4), got \"{}\"", flag, text);
  return {int(i), int(n)};
}

}  // namespace mnemo
