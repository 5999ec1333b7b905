#pragma once
/// \file
/// A parameter sweep as a study: one evaluation per design point, run by the evaluator.

#include "hubsim/experiments/evaluator.hpp"
#include "hubsim/io/sweep.hpp"

namespace hubsim {

/// Runs the points of `spec` that `shard` owns, each on `threads` threads (0: all), through
/// `evaluator`, which reuses on resume what its journal holds of a point (extending a point
/// journalled with fewer replications). Returns the sweep file to write, on the root; other
/// ranks get it without results. `reused` counts points taken whole from the journal.
SweepFile run_sweep(const SweepSpec& spec, Evaluator& evaluator, Shard shard, int threads,
                    std::size_t& reused);

}  // namespace hubsim
