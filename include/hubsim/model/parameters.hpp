#pragma once
/// \file
/// Every tunable number of the model, and the one declaration of each.
///
/// `Parameters` is what the model reads while it runs. `parameter_specs()` declares each
/// scalar once — its key (as written in a scenario, in `--set` and in timeline events),
/// kind, default, valid range, unit and help — and the scenario loader, the validator,
/// `hubsim params` and docs/scenario.md all come from that one table.

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hubsim/model/stage.hpp"

namespace hubsim {

/// How one stage of one phase behaves.
struct StageRules {
    double group_size = 6;    ///< schools per Work Group
    double load = 1;          ///< share of an LLME's yearly capacity one group takes
    double complete = 1;      ///< P(a school completes the stage in its year)
    double advance = 1;       ///< P(a school that completed goes on to the next stage)
    double repeat = 0;        ///< P(a school that did not complete tries again)
    double lapse = 0;         ///< yearly P(a school in the last stage lapses)
    double release_days = 0;  ///< LLME release days one group costs a year
};

/// Local leaders of one phase.
struct LlmeRules {
    double initial_per_hub = 0;     ///< active LLME a hub has when it opens
    double load = 1;                ///< groups' worth of Work Group load one LLME leads a year
    double training_places = 0;     ///< national Mastery Specialist places a year
    double training_years = 1;      ///< years from starting training to leading groups
    double attrition = 0;           ///< yearly P(an active LLME leaves)
    double dropout = 0;             ///< P(a trainee does not become active)
    double applicants_engaged = 0;  ///< yearly P(an engaged school puts forward a trainee)
    double applicants_other = 0;    ///< yearly P(any other school does)
};

struct PhaseRules {
    std::vector<Stage> pipeline;  ///< Work Group stages in order; empty: phase not modelled
    std::array<StageRules, kStageCount> stage{};
    LlmeRules llme{};

    bool modelled() const { return !pipeline.empty(); }
    const StageRules& rules(Stage s) const { return stage[index(s)]; }
    /// The stage after `s` in the pipeline, or nullopt if `s` is the last.
    std::optional<Stage> next(Stage s) const;
    /// Where a school new to the programme starts: readiness if it needs it and the
    /// pipeline has it, otherwise the first stage that is not readiness.
    Stage entry(bool needs_readiness) const;
};

struct Demand {
    double p = 0.01;               ///< external rate of interest a year (Bass p)
    double q = 0.5;                ///< peer influence: extra rate per unit engaged share (Bass q)
    double heterogeneity = 0.5;    ///< sd of a school's log propensity
    double readiness_share = 0.3;  ///< share of new primary schools that need readiness first
    double rejoin = 0.1;           ///< yearly rate at which lapsed schools ask to rejoin
};

enum class PriorityRule : std::uint8_t { WaitingTime, Disadvantage, Lottery };
enum class AllocationOrder : std::uint8_t { SustainFirst, ExpandFirst };

struct Policy {
    PriorityRule priority = PriorityRule::WaitingTime;
    AllocationOrder order = AllocationOrder::SustainFirst;
    double new_share = 0.5;      ///< share of LLME capacity kept for schools new to TfM
    bool spill = true;           ///< unused share goes to the other kind of school
    double capacity_factor = 1;  ///< national multiplier on every LLME's load
    double max_wait_years = 1;   ///< years a continuing school waits before it lapses
};

struct Costs {
    double work_group = 0;     ///< £ per Work Group a year
    double trainee = 0;        ///< £ per Mastery Specialist trainee
    double release_day = 0;    ///< £ per LLME release day
    double annual_budget = 0;  ///< £ a year for groups and training; 0: no limit
};

struct Parameters {
    Demand demand;
    Policy policy;
    Costs cost;
    std::array<PhaseRules, kPhaseCount> phase{};

    const PhaseRules& of(Phase p) const { return phase[index(p)]; }
    /// The defaults of every declared parameter, with the standard pipelines.
    static Parameters defaults();
};

enum class ParamKind : std::uint8_t {
    Probability,  ///< a number in [0, 1]
    Real,         ///< a real number within [min, max]
    Count,        ///< a whole number within [min, max]
    Choice,       ///< one of a list of names
    Flag,         ///< true or false
};

struct ParamSpec {
    std::string key;  ///< dotted path, e.g. "phases.primary.stages.development.group_size"
    ParamKind kind;
    double fallback;  ///< the default (a choice's index, a flag's 0 or 1)
    double min, max;
    std::string unit;
    std::string help;
    std::vector<std::string> choices;
    std::function<double(const Parameters&)> get;
    std::function<void(Parameters&, double)> set;

    /// Why `value` is not valid for this parameter ("expected ..."), or empty if it is.
    std::string check(double value) const;
    /// The value as a scenario would write it.
    std::string format(double value) const;
};

/// The declaration of every scalar parameter, in documentation order.
const std::vector<ParamSpec>& parameter_specs();
/// The spec with this key, or nullptr.
const ParamSpec* find_parameter(std::string_view key);

}  // namespace hubsim
