// The conjectures and open claims of mnemo's design notes, each decided by running the tool:
// every verdict here comes from a computation in this call, in the vocabulary of verdict.h
// (confirmed only with a certificate, refuted only with a certified counterexample, not decided
// otherwise with the reason), beside the evidence and the command that reproduces it. The
// README's conjecture table is this list as markdown (`mnemo conjectures --markdown`).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "mnemo/verdict.h"

namespace mnemo {

struct Conjecture {
  std::string topic;    ///< e.g. "Jacobian rank", "storage capacity"
  Verdict verdict;      ///< claim, verdict, reason, evidence
  std::string command;  ///< the mnemo command that shows the evidence
  double seconds = 0;
};

struct ConjectureOptions {
  bool quick = false;  ///< smaller measurements (for tests): same claims, weaker evidence
  uint64_t seed = 1;
  bool progress = true;
};

std::vector<Conjecture> DecideConjectures(const ConjectureOptions& options);

/// The README table: | claim | verdict | reason and evidence | command |.
std::string ConjecturesMarkdown(const std::vector<Conjecture>& conjectures);
nlohmann::ordered_json ConjecturesJson(const std::vector<Conjecture>& conjectures);

}  // namespace mnemo
