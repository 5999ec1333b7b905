#pragma once
/// \file
/// The marginal value of capacity (`hubsim marginal`): what K extra active leaders of a
/// role add in each hub, as paired differences under common random numbers: the same
/// replications run with and without them, so the estimate holds the leaders' effect and
/// not the chance between two runs.

#include <optional>

#include "hubsim/experiments/evaluator.hpp"
#include "hubsim/io/marginal_file.hpp"
#include "hubsim/model/scenario.hpp"

namespace hubsim {

struct MarginalRequest {
    std::uint32_t leaders = 1;     ///< K, per variant
    Date from;                     ///< added on the first 1 September on or after this
    std::optional<LlmeRole> role;  ///< none: each modelled phase's Mastery Specialists
    Date by;                       ///< the date hubs are ranked by
    /// What hubs are ranked (and --allocate chooses) by: extra schools ever engaged, or
    /// extra participating school-years, nationally in the leaders' phase.
    bool rank_by_participation = false;
    std::uint32_t allocate = 0;  ///< N: a greedy allocation of N leaders, K at a time
    int threads = 0;             ///< per evaluation (0: all)
    /// --precision: replications doubled until every change in P(target met) has a 95%
    /// interval of at most this half-width (0: the scenario's replications).
    double precision = 0;
    std::uint32_t max_replications = 10000;
    /// What the scenario's results depend on (a digest of its resolved text): journal
    /// entries are reused on --resume only for the same scenario.
    std::string scenario_digest;
};

/// Runs the study through `evaluator` (every rank returns the same file contents; the
/// root writes it). Progress on stderr unless `quiet`.
MarginalFile run_marginal(const Scenario& scenario, const MarginalRequest& request,
                          Evaluator& evaluator, bool quiet);

/// The 90% interval of the mean of `x` (paired differences), and the half-width two
/// independent means of `a` and `b` would give.
PairedEstimate paired_estimate(const std::vector<double>& a, const std::vector<double>& b);

}  // namespace hubsim
