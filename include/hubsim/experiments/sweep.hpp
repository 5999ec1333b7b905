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

/// The same with --precision: first each point runs batches of replications (the first of
/// `spec.replications`, then doubling, at most `max_replications`) until its own headline
/// figures' 95% half-widths are at most `half_width`; then every point is extended to the
/// largest count any point needed, so all points share their replications. The count
/// depends only on the sweep and its seed. Not for shards: each shard would choose its own.
SweepFile run_sweep_to_precision(const SweepSpec& spec, Evaluator& evaluator, int threads,
                                 double half_width, std::uint32_t max_replications,
                                 std::size_t& reused);

}  // namespace hubsim
