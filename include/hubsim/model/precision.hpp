#pragma once
/// \file
/// How precisely a run's replications estimate its headline figures, and running
/// replications in batches until they do (`hubsim run --precision H`).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "hubsim/model/results.hpp"
#include "hubsim/model/runner.hpp"
#include "hubsim/model/scenario.hpp"

namespace hubsim {

/// The 95% Wilson score interval of a proportion: `successes` of `n` (another level with
/// its normal quantile `z`: 1.6449 for 90%).
std::pair<double, double> wilson(std::size_t successes, std::size_t n,
                                 double z = 1.959963984540054);

/// A figure a board reads first, and how precisely the replications so far estimate it.
struct HeadlineFigure {
    std::string label;      ///< "P(met by its date): primary 75% by 2025-08-31"
    double estimate = 0;    ///< over the replications so far
    double half_width = 0;  ///< of its 95% interval (Monte Carlo error, not the spread)
};

/// Each target's P(met by its date), with the half-width of its Wilson interval, and for a
/// share target the mean national engaged share of its phase at the last sample on or
/// before its date, with the half-width of the normal interval of that mean.
std::vector<HeadlineFigure> headline_figures(const Scenario& scenario, const Results& results);

/// A run whose replication count was chosen by the precision it reached.
struct PrecisionRun {
    Results results;
    std::vector<HeadlineFigure> figures;  ///< as reached by all of `results`
    bool met = false;                     ///< every half-width at most the one asked for
};

/// Runs `options.replications` replications, then doubles the count (never past
/// `max_replications`) until every headline figure's half-width is at most `half_width`.
/// Replication i is the same whichever batch runs it, so the count and the results depend
/// only on the scenario, its seed and the two bounds, never on threads.
/// `on_batch`, if given, is called after each batch with the run so far.
PrecisionRun run_to_precision(const Scenario& scenario, RunOptions options, double half_width,
                              std::uint32_t max_replications,
                              const std::function<void(const PrecisionRun&)>& on_batch = {});

}  // namespace hubsim
