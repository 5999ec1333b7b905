#pragma once
/// \file
/// Approximate Bayesian computation by sequential Monte Carlo (ABC-SMC; Toni et al. 2009,
/// Beaumont et al. 2009), for models that can be simulated but whose likelihood cannot be
/// written down. Domain-free: the caller supplies the simulator and the distance.
///
/// Generation 0 draws particles from the (uniform, box) prior on a Sobol design; each later
/// generation sets its tolerance to a quantile of the previous distances, proposes by
/// resampling a particle by weight and moving it with a Gaussian kernel of twice the
/// weighted variance, and keeps proposals within tolerance. Every proposal's randomness is
/// keyed by (seed, generation, slot, attempt), so the result does not depend on the number
/// of threads.

#include <cstdint>
#include <functional>
#include <vector>

namespace hubsim {

struct AbcOptions {
    std::size_t particles = 200;
    std::size_t generations = 5;
    double quantile = 0.5;  ///< tolerance of generation t: this quantile of t-1's distances
    std::size_t max_attempts = 400;  ///< per particle and generation, before keeping the best tried
    std::uint64_t seed = 1;
    int threads = 0;  ///< 0: all cores
};

struct AbcGeneration {
    double tolerance;
    std::size_t simulations;
    std::size_t exhausted;  ///< particles that hit max_attempts
};

struct AbcResult {
    std::vector<std::vector<double>> particles;  ///< final generation: [particle][parameter]
    std::vector<double> weights;                 ///< normalised
    std::vector<double> distances;
    std::vector<AbcGeneration> generations;
    std::size_t simulations = 0;
};

/// `distance(theta, seed)` simulates at `theta` with random streams rooted at `seed` and
/// returns how far the simulation is from the observations. It is called concurrently.
using AbcDistance = std::function<double(const std::vector<double>& theta, std::uint64_t seed)>;
/// Progress after each generation.
using AbcProgress = std::function<void(std::size_t generation, const AbcGeneration&)>;

AbcResult abc_smc(const std::vector<double>& low, const std::vector<double>& high,
                  const AbcDistance& distance, const AbcOptions& options,
                  const AbcProgress& progress = {});

/// Weighted quantile of `values` (q in [0, 1]).
double weighted_quantile(std::vector<double> values, std::vector<double> weights, double q);

}  // namespace hubsim
