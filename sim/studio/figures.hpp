#pragma once
// What the studio shows of a run, computed from its results as `hubsim report` reads them
// from the HDF5 file: the headline P(each target met by its date) with its Wilson interval,
// national engagement with its bands, waiting, leaders by role, cost, equity by band, the
// date each hub reaches a threshold; and one run against another.

#include <nlohmann/json.hpp>

#include "hubsim/model/results.hpp"
#include "hubsim/model/scenario.hpp"

namespace hubsim::studio {

/// The figures of one run (`threshold`: the share of a hub's schools of a phase ever
/// engaged whose date the hub table gives).
nlohmann::json run_figures(const Scenario& scenario, const Results& results, double threshold);

/// Run `b` against run `a` (same scenario start and phases): paired replication by
/// replication when they share seed and replications, every pair otherwise.
nlohmann::json compare_figures(const Scenario& a, const Results& ra, const Scenario& b,
                               const Results& rb);

/// Words for what a run's bands hold.
std::string uncertainty_words(const Scenario& scenario);

}  // namespace hubsim::studio
