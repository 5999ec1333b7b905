#pragma once
/// \file
/// Approximate Bayesian computation by sequential Monte Carlo (ABC-SMC; Toni et al. 2009,
/// Beaumont et al. 2009), for models that can be simulated but whose likelihood cannot be
/// written down. Domain-free: the caller supplies the simulator and the distance.
///
/// Generation 0 draws particles from the (uniform, box) prior on a Sobol design; each later
/// generation sets its tolerance to a quantile of the previous distances, proposes by
/// resampling a particle by weight and moving it with a Gaussian kernel of twice the
/// weighted variance, and keeps only proposals within tolerance. A generation in which some
/// slot finds no proposal within tolerance in `max_attempts` tries is abandoned, and the
/// fit ends with the last complete generation: no particle is ever kept that failed its
/// tolerance. The fit also stops when the tolerance no longer falls by `min_improvement`, or
/// after `generations`. Every proposal's randomness is keyed by (seed, generation, slot,
/// attempt), so the result does not depend on the number of threads.

#include <cstdint>
#include <functional>
#include <vector>

namespace hubsim {

struct AbcOptions {
    std::size_t particles = 200;
    std::size_t generations = 5;  ///< at most, generation 0 (the prior) included
    double quantile = 0.5;        ///< tolerance of generation t: this quantile of t-1's distances
    std::size_t max_attempts = 400;  ///< per particle and generation, before the fit stops
    /// Stop when a generation's tolerance is above (1 - min_improvement) of the last one's.
    double min_improvement = 0.02;
    std::uint64_t seed = 1;
    int threads = 0;  ///< 0: all cores
};

/// Why a fit ended.
enum class AbcStop : std::uint8_t {
    Generations,  ///< it ran every generation asked for
    Converged,    ///< the tolerance stopped falling (min_improvement)
    Acceptance,   ///< a slot found nothing within tolerance in max_attempts: that generation
                  ///< was dropped, the last complete one kept
};
const char* name(AbcStop stop);

struct AbcGeneration {
    double tolerance;
    std::size_t simulations;
    double ess;         ///< effective sample size of its weights, 1 / sum(w^2)
    double acceptance;  ///< particles / simulations
};

struct AbcResult {
    std::vector<std::vector<double>> particles;  ///< final generation: [particle][parameter]
    std::vector<double> weights;                 ///< normalised
    std::vector<double> distances;
    std::vector<AbcGeneration> generations;  ///< the complete ones, whose particles are kept
    std::size_t simulations = 0;             ///< every simulation run, a dropped generation's too
    AbcStop stop = AbcStop::Generations;
};

/// What one particle slot of a generation found: the particle kept (or the nearest tried),
/// its distance, how many simulations it took, and whether none was within tolerance.
struct AbcSlot {
    std::vector<double> theta;
    double distance = 0;
    std::size_t tries = 0;
    bool exhausted = false;
};

/// Runs `slot(i)` for every i in [0, n) of generation `generation` and returns the slots
/// in order, however it spreads them (threads, processes). Each slot depends only on
/// its generation and index, never on which thread or process runs it.
using AbcMap = std::function<std::vector<AbcSlot>(std::size_t generation, std::size_t n,
                                                  const std::function<AbcSlot(std::size_t)>& slot)>;

/// `distance(theta, seed)` simulates at `theta` with random streams rooted at `seed` and
/// returns how far the simulation is from the observations. It is called concurrently.
using AbcDistance = std::function<double(const std::vector<double>& theta, std::uint64_t seed)>;
/// Progress after each generation.
using AbcProgress = std::function<void(std::size_t generation, const AbcGeneration&)>;

/// Fits by ABC-SMC. `map` spreads each generation's slots; without one they run on
/// `options.threads` oneTBB threads.
AbcResult abc_smc(const std::vector<double>& low, const std::vector<double>& high,
                  const AbcDistance& distance, const AbcOptions& options,
                  const AbcProgress& progress = {}, const AbcMap& map = {});

/// Weighted quantile of `values` (q in [0, 1]).
double weighted_quantile(std::vector<double> values, std::vector<double> weights, double q);

}  // namespace hubsim
