#pragma once
/// \file
/// A policy-search plan (`hubsim optimise`): which decisions a planner may change, within
/// which bounds, what a plan is judged on (objectives) and what it must achieve
/// (constraints); and what the search found, written as HDF5 and as runnable scenarios.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "hubsim/io/scenario_loader.hpp"
#include "hubsim/io/sensitivity.hpp"

namespace hubsim {

/// One decision variable: a parameter for the whole run (an explicit value, above any
/// posterior draw), a parameter for one academic year (a timeline event), or one hub's
/// capacity factor.
struct Decision {
    enum class Kind : std::uint8_t { Parameter, YearParameter, HubCapacity };
    Kind kind = Kind::Parameter;
    const ParamSpec* parameter = nullptr;  ///< Parameter and YearParameter
    int year = 0;                          ///< YearParameter: 2026 is 2026/27
    std::size_t hub = 0;                   ///< HubCapacity: index into the scenario's hubs
    double low = 0, high = 0;
    bool integer = false;  ///< whole numbers only (counts, choices, flags, or asked for)
    std::string label;     ///< "llme.primary_mastery_specialist.training_places 2026/27"

    /// The value as a scenario writes it (a choice's name, a whole number without a point).
    std::string format(double value) const;
};

/// Something a plan is judged by, per replication, then averaged over them.
struct PlanQuantity {
    enum class Kind : std::uint8_t {
        Cost,        ///< GBP spent in the academic years wholly inside [from, to]
        TargetsMet,  ///< 1 if every target in `targets` is met by its date, else 0
        Measure,     ///< a measure at a date, as sensitivity outputs name them
    };
    Kind kind = Kind::Cost;
    Date from, to;                     ///< Cost
    std::vector<std::size_t> targets;  ///< TargetsMet: indices into the scenario's targets
    StudyOutput output;                ///< Measure
    std::string label;                 ///< "cost 2026-09-01 to 2030-08-31 (GBP)"

    /// Its mean is a probability (its interval is a Wilson interval).
    bool probability() const { return kind == Kind::TargetsMet; }
};

struct PlanObjective {
    PlanQuantity quantity;
    bool maximise = false;
};

struct PlanConstraint {
    PlanQuantity quantity;
    bool at_least = true;  ///< quantity >= bound, else quantity <= bound
    double bound = 0;
    std::string label;  ///< "P(primary 85% by 2030-08-31) >= 0.8"

    /// How far `value` misses the bound (0 if it meets it): the one rule the search's
    /// penalty, the front's feasibility and the table's MISSED all use.
    double shortfall(double value) const {
        const double miss = at_least ? bound - value : value - bound;
        return miss > 0 ? miss : 0.0;
    }
    bool met(double value) const { return shortfall(value) == 0; }
};

struct OptimisationPlan {
    std::string path, name, source_text;
    LoadedScenario base;
    std::vector<Decision> decisions;
    std::vector<PlanObjective> objectives;
    std::vector<PlanConstraint> constraints;
    std::uint32_t replications = 20;  ///< per candidate, the same for every candidate
    std::uint64_t seed = 1;           ///< the replications' (common random numbers) and NSGA-II's
    std::uint32_t population = 24;    ///< NSGA-II: a multiple of 4, at least 8
    std::uint32_t generations = 10;
    double crossover = 0.95, eta_c = 10, mutation = 0, eta_m = 50;  ///< mutation 0: 1/variables
    std::uint32_t fresh_replications = 0;  ///< re-evaluation of the front (0: 4 x replications)
    std::uint64_t fresh_seed = 0;          ///< its seed (fresh random numbers: not `seed`)

    /// Objectives' quantities, then constraints': what each candidate's replications measure.
    std::vector<const PlanQuantity*> quantities() const;

    /// The base scenario with the decisions `x` (one value per decision) made, as a
    /// runnable, self-contained scenario (the base's resolved text, data files by absolute
    /// path and digest). `header` is written above it as comments.
    std::string candidate_yaml(const std::vector<double>& x, const std::string& scenario_name,
                               std::uint64_t run_seed, std::uint32_t run_replications,
                               const std::string& header = "") const;
    /// That scenario, loaded and checked exactly as `hubsim run` would read it.
    LoadedScenario candidate(const std::vector<double>& x, std::uint64_t run_seed,
                             std::uint32_t run_replications) const;
};

/// True if `path` looks like a policy-search plan (a mapping with `objectives`).
bool is_optimisation_plan(const std::filesystem::path& path);

/// Loads and checks a plan file, applying `overrides` (--set, --seed, --replications) to its
/// base scenario; InputError with every problem, located.
OptimisationPlan load_optimisation_plan(const std::filesystem::path& path,
                                        const std::vector<std::string>& overrides = {});

/// A quantity's estimate over a candidate's replications: its mean and 90% interval (of the
/// mean: Wilson for a probability, normal otherwise), from `n` replications.
struct Estimate {
    double mean = 0, low = 0, high = 0;
    std::uint32_t n = 0;
};

/// What the search found.
struct OptimisationResult {
    std::vector<std::vector<double>> evaluated;              ///< every distinct candidate, in order
    std::vector<std::vector<Estimate>> evaluated_estimates;  ///< [candidate][quantity]
    std::vector<std::size_t> front;  ///< candidates on the Pareto front, by first objective
    std::vector<std::vector<Estimate>> fresh;           ///< [front plan][quantity], re-evaluated
    std::vector<std::string> plan_yaml;                 ///< each front plan as a runnable scenario
    std::vector<std::string> plan_files;                ///< where each was written
    std::vector<std::uint32_t> generation_evaluations;  ///< distinct candidates after each
    std::vector<std::uint32_t> generation_feasible;     ///< feasible ones among them
    std::size_t reused = 0;                             ///< results taken from the journal
    double seconds = 0;                                 ///< the search and re-evaluation
    bool feasible(std::size_t candidate, const OptimisationPlan& plan) const;
};

/// Writes the search's output atomically, with provenance.
void write_optimisation_file(const std::filesystem::path& path, const OptimisationPlan& plan,
                             const OptimisationResult& result, const std::string& command_line,
                             int threads);

}  // namespace hubsim
