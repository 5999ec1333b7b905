#pragma once
/// \file
/// Policy search (`hubsim optimise`): NSGA-II (pagmo2) over a plan's decisions, every
/// candidate evaluated through the evaluator on the same seed and replications (common
/// random numbers: candidates differ by their decisions, not by chance), constraints by a
/// penalty that puts every infeasible candidate behind every feasible one, the Pareto
/// front taken over every candidate evaluated, then re-evaluated on fresh replications.

#include <cstdint>

#include "hubsim/experiments/evaluator.hpp"
#include "hubsim/io/optimisation.hpp"

namespace hubsim {

struct OptimiseOptions {
    int threads = 0;  ///< per candidate, its replications (0: all)
    bool quiet = false;
    /// Re-evaluation to a precision: replications double (from the plan's fresh count) until
    /// every probability's 95% interval has at most this half-width (0: no).
    double precision = 0;
    std::uint32_t max_replications = 10000;
};

/// Runs the search; every rank runs the same NSGA-II (results are shared with all), and the
/// root gets the whole result (plan_yaml filled, plan_files empty; other ranks an empty one).
OptimisationResult run_optimise(const OptimisationPlan& plan, Evaluator& evaluator,
                                const OptimiseOptions& options);

/// The objectives a candidate's estimates give NSGA-II, all to be minimised: maximised
/// quantities negated; an infeasible candidate gets, in every objective, 10^15 x (1 + its
/// shortfall summed over the constraints it misses, each relative to its bound where the
/// bound exceeds 1), so it ranks behind every feasible one (whose objectives, GBP and
/// counts, are far below 10^15) and ahead of those that miss by more.
std::vector<double> penalised_objectives(const OptimisationPlan& plan,
                                         const std::vector<Estimate>& estimates);

}  // namespace hubsim
