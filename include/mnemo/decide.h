// Decide: the one exact reading of a network's outputs, shared by `mnemo verify`, `mnemo
// predict` and the library. Classes: "value" — the output must be exactly a class index;
// "argmax" — the unique exact maximum (an exact tie is no class); "bits" — every output exactly
// 0 or 1, read as the binary digits of the class index, least significant first. Real targets:
// the exact output, compared exactly with the target. No floating point decides anything here.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "mnemo/dataset.h"
#include "mnemo/exact.h"
#include "mnemo/network.h"

namespace mnemo {

/// What a network answers on one row.
struct Answer {
  int64_t class_index = -1;  ///< classes: the class index, or −1 for no class
  Rational value;            ///< real targets: the exact output
  std::string why_none;      ///< classes, no class: "tie", "non-binary output", "output 5/2"
};

/// The answer for exact outputs numerators[c] / scale (c < net.output_dim()).
Answer Decide(const Network& net, const Integer* numerators, const Integer& scale);

/// The user's label ("none" for no class) or, for real targets, the exact value: the shortest
/// decimal when it is a binary64 value, else p/q.
std::string AnswerString(const Network& net, const Answer& answer);

/// What a row should get: the class index in the network's label map (−1 when the user's label
/// is not one of the network's classes) or the real target.
struct Expected {
  int64_t class_index = -1;
  Rational target;
};

/// Right iff the answer is the expected class (classes) or equals the target exactly (real).
bool IsCorrect(const Network& net, const Answer& answer, const Expected& expected);

/// The exact margin: "value" ½ − |out − y|, "argmax" out_y − max_{c≠y} out_c (1 with one
/// class), "bits" ½ − max_b |out_b − bit_b(y)|, real −|out − t|; −1 when y is no class of the
/// network. A row is right iff the margin is ½ ("value", "bits"), > 0 ("argmax") or 0 (real).
Rational Margin(const Network& net, const Integer* numerators, const Integer& scale,
                const Expected& expected);

/// Exact answers on every row of x (raw inputs). Throws mnemo::Error when the network has an
/// activation without an exact evaluation or does not read x's columns.
std::vector<Answer> Predict(const Network& net, const RowMatrix& x, bool progress = false);

}  // namespace mnemo
