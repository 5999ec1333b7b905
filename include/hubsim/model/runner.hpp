#pragma once
/// \file
/// Runs a scenario's replications in parallel on oneTBB.

#include <cstdint>
#include <functional>

#include "hubsim/model/results.hpp"
#include "hubsim/model/scenario.hpp"

namespace hubsim {

struct RunOptions {
    std::uint32_t replications = 1;
    /// Index of the first replication: a run of replications 10..19 extends one of 0..9.
    std::uint32_t first_replication = 0;
    int threads = 0;  ///< 0: all cores
    /// Called after each finished replication with the number done so far (from any thread).
    std::function<void(std::uint32_t)> on_progress;
};

/// Every replication writes only its own slots, by index, so the results are
/// bit-identical for any thread count.
Results run_scenario(const Scenario& scenario, const RunOptions& options);

}  // namespace hubsim
