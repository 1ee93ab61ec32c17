// The rows arguments shared by analyze and plot: the files, and the -c / --where filters.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "mnemo/analyze.h"
#include "mnemo/error.h"
#include "mnemo/rows.h"

namespace mnemo::cli {

struct RowsFlags {
  std::vector<std::string> inputs, where;
  std::string constructions;
};

inline void AddRowsFlags(CLI::App* cmd, RowsFlags* f) {
  cmd->add_option("ROWS", f->inputs, "rows files: sweep rows, --json of build/compare/tradeoff")
      ->required();
  cmd->add_option("-c,--construction", f->constructions, "only these constructions")
      ->default_str("all");
  cmd->add_option("--where", f->where, "only rows whose coordinate KEY=VALUE (repeatable)")
      ->allow_extra_args(false)
      ->delimiter('\0')
      ->default_str("all rows");
}

/// The rows of the files that pass the filters; mnemo::Error when none does.
inline std::vector<Row> LoadRows(const RowsFlags& f, const std::string& command) {
  std::vector<std::string> names;
  if (!f.constructions.empty()) names = internal::ParseListFlag("construction", f.constructions);
  std::vector<Row> rows = FilterRows(ReadRowsFiles(f.inputs), names, f.where);
  if (rows.empty())
    Fail("{}: no rows{}", command,
         f.where.empty() && f.constructions.empty() ? "" : " match the filters");
  return rows;
}

}  // namespace mnemo::cli
