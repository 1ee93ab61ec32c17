// Storage capacity at finite width K by the RS ground-state formula: α_c = 1/E_t[min distance²
// from t ~ N(0, I_K) to the set of hidden fields that store the pattern], estimated by Monte Carlo
// with exact projections (no inner optimizer).
#pragma once

#include <cstdint>
#include <random>

#include "mnemo/storage_activation.h"

namespace mnemo {

/// Ground-state formula for a finite-K tree committee: α_c = 1/E_t[min_{h∈S} ‖h − t‖²],
/// S = {h : K^{−1/2} Σ_k g̃(h_k) ≥ κ}, g̃ centred and normalised, t ~ N(0, I_K), estimated by
/// Monte Carlo with `samples` draws from `rng`. Exact projections for sign (majority vote,
/// κ = 0, odd K), relu, abs, quadratic and linear; throws mnemo::Error for other activations.
double TreeCommitteeCapacity(const StorageActivation& g, int K, double kappa, int64_t samples,
                             std::mt19937_64& rng, double* stderr_out);
/// The K = 3 sign committee by exact one-dimensional integrals (no sampling): 4.0252…
double SignCommitteeK3Exact();

}  // namespace mnemo
