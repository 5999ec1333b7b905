#pragma once
/// \file
/// Space-filling experimental designs on the unit cube, for parameter sweeps.

#include <cstdint>
#include <vector>

namespace hubsim {

/// The first `n` points of the Sobol sequence in `dims` dimensions (at most 16), skipping
/// the origin. Direction numbers from Joe and Kuo (2008). points[i][d] in [0, 1).
std::vector<std::vector<double>> sobol_points(std::size_t n, std::size_t dims);

/// A Latin hypercube of `n` points in `dims` dimensions: each dimension's n strata hold
/// exactly one point, at a random place within the stratum. Deterministic for `seed`.
std::vector<std::vector<double>> latin_hypercube(std::size_t n, std::size_t dims,
                                                 std::uint64_t seed);

/// The largest Sobol dimension supported.
inline constexpr std::size_t kSobolMaxDims = 16;

}  // namespace hubsim
