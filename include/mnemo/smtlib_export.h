// The SMT-LIB certificate: a network and a dataset as one SMT-LIB 2 problem in linear real
// arithmetic (QF_LRA) that is unsatisfiable exactly when the network gives every point its
// label, so that a third party's solver (z3, cvc5, ...) can check mnemo's claim without mnemo.
// Every number is written exactly (rationals); every neuron of every point is a constant
// defined by an equality, relu and step as if-then-else; `wrong_P` (Bool) is true when point P
// does not get its label, and the problem asserts that some point is wrong. A sat answer's
// model names the wrong points: (get-value (wrong_0 wrong_1 ...)). Fields:
// docs/export-formats.md.
#pragma once

#include <string>

#include "mnemo/dataset.h"
#include "mnemo/network.h"

namespace mnemo {

/// The certificate's text. Throws mnemo::Error when the network has an activation without an
/// exact form (smooth ones) or does not read the data's columns.
std::string SmtlibCertificate(const Network& net, const Dataset& data);

}  // namespace mnemo
