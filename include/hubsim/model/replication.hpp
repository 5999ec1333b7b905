#pragma once
/// \file
/// One replication: every hub through every year, with the national moments between.

#include <cstdint>

#include "hubsim/model/results.hpp"
#include "hubsim/model/scenario.hpp"

namespace hubsim {

/// Sizes `results` for `replications` runs of `scenario`: the time axis, years, phases.
void prepare_results(const Scenario& scenario, std::uint32_t replications, Results& results);

/// Runs replication `replication` of `scenario` into its slots of `results` (prepared by
/// prepare_results). `parallel_hubs` advances hubs in parallel between national moments;
/// the results are the same either way.
void run_replication(const Scenario& scenario, std::uint32_t replication, Results& results,
                     bool parallel_hubs);
/// The same, writing into results slot `slot` (for runs of replications first..first+n).
void run_replication(const Scenario& scenario, std::uint32_t replication, std::size_t slot,
                     Results& results, bool parallel_hubs);

}  // namespace hubsim
