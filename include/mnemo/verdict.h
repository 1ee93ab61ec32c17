// One vocabulary for what the theory commands say about a claim:
//   confirmed    only with a certificate (an exact or ball-arithmetic proof, checked by mnemo);
//   refuted      only with a certified counterexample or a proof of the negation;
//   not decided  otherwise, always with the reason (numerical or statistical evidence, a claim
//                outside the hypotheses it was made under, a budget).
// Evidence (numbers that support or weaken a claim without proving anything) is reported beside
// the verdict, never instead of it.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace mnemo {

enum class VerdictKind { kConfirmed, kRefuted, kNotDecided };

inline std::string ToString(VerdictKind kind) {
  switch (kind) {
    case VerdictKind::kConfirmed:
      return "confirmed";
    case VerdictKind::kRefuted:
      return "refuted";
    case VerdictKind::kNotDecided:
      return "not decided";
  }
  return "?";
}

struct Verdict {
  std::string claim;  ///< the statement judged
  VerdictKind kind = VerdictKind::kNotDecided;
  std::string reason;    ///< the certificate (confirmed, refuted) or why not decided
  std::string evidence;  ///< what was measured or computed beside it ("" when nothing)

  static Verdict Confirmed(std::string claim, std::string certificate, std::string evidence = "") {
    return {std::move(claim), VerdictKind::kConfirmed, std::move(certificate), std::move(evidence)};
  }
  static Verdict Refuted(std::string claim, std::string certificate, std::string evidence = "") {
    return {std::move(claim), VerdictKind::kRefuted, std::move(certificate), std::move(evidence)};
  }
  static Verdict NotDecided(std::string claim, std::string reason, std::string evidence = "") {
    return {std::move(claim), VerdictKind::kNotDecided, std::move(reason), std::move(evidence)};
  }

  /// "confirmed: <reason>" (evidence appended after "; " when present).
  std::string Text() const {
    std::string s = ToString(kind) + ": " + reason;
    if (!evidence.empty()) s += "; " + evidence;
    return s;
  }
  nlohmann::ordered_json ToJson() const {
    return {
        {"claim", claim}, {"verdict", ToString(kind)}, {"reason", reason}, {"evidence", evidence}};
  }
};

}  // namespace mnemo
