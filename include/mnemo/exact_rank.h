// Exact ranks of the Jacobian where its entries are rational: polynomial σ at points given mod p,
// and piecewise-linear σ (relu, leaky-relu, hard-tanh, step) at rational points.
//
// What a result proves: for a matrix with rational entries whose denominators p does not divide,
// rank mod p ≤ rank over ℚ = rank over ℝ (a nonzero r × r minor mod p is a nonzero rational).
// So rank mod p = r proves rank ≥ r at that point, hence for the maximum (generic) rank.
// Sampling never proves a rank deficiency; upper bounds come from rank_theory.h. RankOverQ
// computes the exact rank over ℚ (both directions) for one point.
#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <random>
#include <vector>

#include "mnemo/exact.h"
#include "mnemo/two_layer.h"

namespace mnemo {

/// Exact rank mod a prime p < 2^21 (fflas-ffpack PLUQ) of an n × N matrix given row-major with
/// entries in [0, p). The matrix is overwritten.
int64_t RankModP(std::vector<double>& a, int64_t rows, int64_t cols, uint32_t p);
/// Primes in [2^20, 2^21) drawn from rng (distinct).
std::vector<uint32_t> RandomPrimes(int count, std::mt19937_64& rng);

/// The exact Jacobian J (n × N, row-major, entries mod p) of a polynomial activation at a
/// point given mod p: x (d × n), w (d × m), b (m), v (m) as residues. Throws mnemo::Error when
/// p divides a coefficient's denominator.
std::vector<double> JacobianModP(const TwoLayerActivation& act, const std::vector<uint32_t>& x,
                                 int64_t d, int64_t n, const std::vector<uint32_t>& w,
                                 const std::vector<uint32_t>& b, const std::vector<uint32_t>& v,
                                 int64_t m, JacobianWrt wrt, uint32_t p);
/// A double as a residue mod p (a double is a dyadic rational; p odd).
uint32_t DoubleModP(double x, uint32_t p);

/// The exact Jacobian J (n × N rationals, row-major) of a piecewise-linear σ at (x, p), taking
/// every coordinate as the exact dyadic rational its double is. Returns false when a
/// pre-activation w_jᵀx_i + b_j of a neuron with v_j ≠ 0 sits exactly on a kink of σ, where the
/// Jacobian does not exist (a neuron with v_j = 0 has zero W- and b-columns either way).
bool ExactJacobian(const TwoLayerActivation& act, const TwoLayerParams& p, const Eigen::MatrixXd& x,
                   JacobianWrt wrt, std::vector<Rational>* j);
/// Residues mod p of rational entries; false when p divides a denominator.
bool ReduceModP(const std::vector<Rational>& a, uint32_t p, std::vector<double>* residues);
/// The exact rank over ℚ of an n × N rational matrix (row-major), by FLINT after clearing the
/// denominators of each column.
int64_t RankOverQ(const std::vector<Rational>& a, int64_t rows, int64_t cols);

}  // namespace mnemo
