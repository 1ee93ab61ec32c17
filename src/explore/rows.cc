#include "mnemo/rows.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include "mnemo/error.h"
#include "mnemo/io.h"

namespace mnemo {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) Fail("{}: cannot read", path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Rows of a whole-file JSON document: one row, {"rows": [...]} or an array of rows.
std::vector<Row> RowsOfDocument(const nlohmann::ordered_json& doc, const std::string& path) {
  std::vector<Row> out;
  const nlohmann::ordered_json* list = &doc;
  if (doc.is_object() && doc.contains("rows")) list = &doc["rows"];
  if (list->is_array()) {
    for (size_t i = 0; i < list->size(); ++i) {
      std::string where = fmt::format("{}: rows[{}]", path, i);
      out.push_back({Report::FromJson((*list)[i], where), where});
    }
  } else if (doc.is_object()) {
    out.push_back({Report::FromJson(doc, path), path});
  } else {
    Fail("{}: expected report rows (JSON Lines, an array or {{\"rows\": [...]}})", path);
  }
  return out;
}

std::vector<Row> RowsOfLines(const std::string& text, const std::string& path,
                             bool allow_partial, int64_t* partial_bytes) {
  std::vector<Row> out;
  size_t pos = 0;
  int64_t line_no = 0;
  while (pos < text.size()) {
    ++line_no;
    size_t end = text.find('\n', pos);
    const bool complete = end != std::string::npos;
    std::string line = text.substr(pos, complete ? end - pos : std::string::npos);
    pos = complete ? end + 1 : text.size();
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    std::string where = fmt::format("{}:{}", path, line_no);
    nlohmann::ordered_json j;
    try {
      j = nlohmann::ordered_json::parse(line);
    } catch (const nlohmann::json::parse_error& e) {
      if (!complete && allow_partial) {
        if (partial_bytes) *partial_bytes = int64_t(line.size());
        break;
      }
      Fail("{}: not JSON ({})", where, e.what());
    }
    out.push_back({Report::FromJson(j, where), where});
  }
  return out;
}

bool LessByGrid(const Report& a, const Report& b) {
  const bool ka = !a.provenance.key.empty(), kb = !b.provenance.key.empty();
  if (ka != kb) return ka;
  const int64_t ia = a.provenance.run.value("index", int64_t(-1));
  const int64_t ib = b.provenance.run.value("index", int64_t(-1));
  if (ia != ib) return ia < ib;
  return a.provenance.key < b.provenance.key;
}

// The first JSON path where two values differ, with both values (cut to a readable length).
std::string FirstDifference(const nlohmann::ordered_json& a, const nlohmann::ordered_json& b) {
  nlohmann::json patch = nlohmann::json::diff(nlohmann::json(a), nlohmann::json(b));
  if (patch.empty()) return "";
  const std::string path = patch[0].value("path", "");
  auto cut = [](std::string s) { return s.size() > 60 ? s.substr(0, 57) + "..." : s; };
  nlohmann::json::json_pointer ptr(path);
  const nlohmann::json ja(a), jb(b);
  std::string va = ja.contains(ptr) ? cut(ja.at(ptr).dump()) : "(absent)";
  std::string vb = jb.contains(ptr) ? cut(jb.at(ptr).dump()) : "(absent)";
  return fmt::format("{}: {} vs {}", path, va, vb);
}

}  // namespace

std::vector<Row> ReadRows(const std::string& path, bool allow_partial_last_line,
                          int64_t* partial_bytes) {
  if (partial_bytes) *partial_bytes = 0;
  const std::string text = ReadAll(path);
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  if (text[first] == '[') {
    try {
      return RowsOfDocument(nlohmann::ordered_json::parse(text), path);
    } catch (const nlohmann::json::parse_error& e) {
      Fail("{}: not JSON ({})", path, e.what());
    }
  }
  // One (possibly pretty-printed) document, else JSON Lines.
  const size_t newline = text.find('\n', first);
  const bool one_line = newline == std::string::npos ||
                        text.find_first_not_of(" \t\r\n", newline) == std::string::npos;
  if (!one_line) {
    nlohmann::ordered_json doc = nlohmann::ordered_json::parse(text, nullptr, false);
    if (!doc.is_discarded()) return RowsOfDocument(doc, path);
  }
  return RowsOfLines(text, path, allow_partial_last_line, partial_bytes);
}

std::vector<Row> ReadRowsFiles(const std::vector<std::string>& paths) {
  std::vector<Row> all;
  for (const std::string& p : paths) {
    std::vector<Row> rows = ReadRows(p);
    all.insert(all.end(), std::make_move_iterator(rows.begin()),
               std::make_move_iterator(rows.end()));
  }
  return all;
}

std::string RowLine(const Report& row) { return row.ToJson().dump() + "\n"; }

void WriteRows(const std::string& path, const std::vector<Report>& rows) {
  std::string text;
  for (const Report& r : rows) text += RowLine(r);
  WriteFileAtomic(path, text);
}

std::string BuildOf(const Report& row) {
  const Provenance& p = row.provenance;
  if (p.mnemo_version.empty() && p.git_commit.empty()) return "unknown build";
  return fmt::format("mnemo {}, commit {}", p.mnemo_version,
                     p.git_commit.empty() ? "unknown" : p.git_commit);
}

void CheckOneBuild(const std::vector<Row>& rows, bool allow_mixed) {
  if (allow_mixed || rows.empty()) return;
  const std::string first = BuildOf(rows[0].report);
  for (const Row& r : rows) {
    const std::string build = BuildOf(r.report);
    if (build != first)
      Fail("{}: row of {}, but {} is of {}; rows of different builds do not compare "
           "(--allow-mixed-versions to combine them anyway)",
           r.where, build, rows[0].where, first);
  }
}

nlohmann::ordered_json Comparable(const Report& row) {
  nlohmann::ordered_json j = row.ToJson();
  j.erase("timings_s");
  j.erase("peak_memory_bytes");
  return j;
}

MergeResult MergeRows(const std::vector<Row>& rows) {
  MergeResult out;
  std::map<std::string, size_t> by_key;
  for (const Row& r : rows) {
    const std::string& key = r.report.provenance.key;
    if (key.empty()) {
      out.rows.push_back(r.report);
      continue;
    }
    auto [it, fresh] = by_key.emplace(key, out.rows.size());
    if (fresh) {
      out.rows.push_back(r.report);
      continue;
    }
    ++out.duplicates;
    std::string diff = FirstDifference(Comparable(out.rows[it->second]), Comparable(r.report));
    if (!diff.empty())
      out.conflicts.push_back(fmt::format("{}: key {} already taken by a different row ({})",
                                          r.where, key, diff));
  }
  std::stable_sort(out.rows.begin(), out.rows.end(), LessByGrid);
  return out;
}

RowsDiff DiffRows(const std::vector<Row>& a, const std::vector<Row>& b) {
  RowsDiff out;
  std::map<std::string, const Report*> ka, kb;
  for (const Row& r : a) ka.emplace(r.report.provenance.key, &r.report);
  for (const Row& r : b) kb.emplace(r.report.provenance.key, &r.report);
  for (const auto& [key, ra] : ka) {
    auto it = kb.find(key);
    if (it == kb.end()) {
      out.only_a.push_back(key);
      continue;
    }
    std::string diff = FirstDifference(Comparable(*ra), Comparable(*it->second));
    if (diff.empty())
      ++out.equal;
    else
      out.different.push_back(fmt::format("{}: {}", key, diff));
  }
  for (const auto& [key, rb] : kb)
    if (!ka.count(key)) out.only_b.push_back(key);
  return out;
}

}  // namespace mnemo
