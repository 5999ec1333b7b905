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

#include "hubsim/model/llme.hpp"
#include "hubsim/model/place_sharing.hpp"
#include "hubsim/model/stage.hpp"

namespace hubsim {

// The structs below hold no defaults of their own: every field starts at zero, and
// Parameters::defaults() fills in the declared default of each (parameter_specs()), so a
// default is written in one place only.

/// How one stage of one phase behaves.
struct StageRules {
    double group_size{};    ///< schools per Work Group
    double complete{};      ///< P(a school completes the stage in its year)
    double advance{};       ///< P(a school that completed goes on to the next stage)
    double repeat{};        ///< P(a school that did not complete tries again)
    double lapse{};         ///< yearly P(a school in the last stage lapses)
    double release_days{};  ///< leader days one group takes a year (and is paid for)
};

/// Local leaders of one role.
struct RoleRules {
    double initial_per_hub{};     ///< active leaders a hub has when it opens
    double training_places{};     ///< national places a year
    double applicants_engaged{};  ///< yearly P(an engaged school puts forward a trainee)
    double applicants_other{};    ///< yearly P(any other school does)
    double training_years{};      ///< years of the route before leading groups
    double dropout{};             ///< P(a trainee does not become active)
    double attrition{};           ///< yearly P(an active leader leaves)
    double days{};                ///< days a year an active leader gives to leading Work Groups
    double tfm_share{};           ///< share of those days on TfM (the rest: other programmes)
    double outreach{};            ///< share given to other schools, fixed by the route trained on
};

struct PhaseRules {
    std::vector<Stage> pipeline;  ///< Work Group stages in order; empty: phase not modelled
    std::array<StageRules, kStageCount> stage{};

    bool modelled() const { return !pipeline.empty(); }
    const StageRules& rules(Stage s) const { return stage[index(s)]; }
    /// The stage after `s` in the pipeline, or nullopt if `s` is the last.
    std::optional<Stage> next(Stage s) const;
    /// Where a school new to the programme starts: readiness if it needs it and the
    /// pipeline has it, otherwise the first stage that is not readiness.
    Stage entry(bool needs_readiness) const;
};

/// Where a lapsed school re-enters when it rejoins.
enum class RejoinStage : std::uint8_t {
    Furthest,  ///< sustaining if it had reached it, otherwise embedding (seed 003)
    Entry,     ///< where a school new to the programme starts
};

struct Demand {
    double p{};                ///< external rate of interest a year (Bass p)
    double q{};                ///< peer influence: extra rate per unit engaged share (Bass q)
    double heterogeneity{};    ///< sd of a school's log propensity
    double readiness_share{};  ///< share of new primary schools that need readiness first
    double rejoin{};           ///< yearly rate at which lapsed schools ask to rejoin
    RejoinStage rejoin_stage{};
    double head_start{};  ///< years of external interest a hub's schools bring to its opening
};

/// How disadvantage shapes demand and progress (0: not at all).
struct Equity {
    double demand{};      ///< log-rate per unit of disadvantage above the phase's mean
    double completion{};  ///< log-odds of completing a stage, per unit above the mean
};

enum class PriorityRule : std::uint8_t { WaitingTime, Disadvantage, Lottery };
enum class AllocationOrder : std::uint8_t { SustainFirst, ExpandFirst };

struct Policy {
    PriorityRule priority{};
    AllocationOrder order{};
    PlaceSharing place_sharing{};  ///< how national training places are shared among hubs
    double new_share{};            ///< share of LLME capacity kept for schools new to TfM
    bool spill{};                  ///< unused share goes to the other kind of school
    double capacity_factor{};      ///< national multiplier on every LLME's load
    double max_wait_years{};       ///< years a continuing school waits before it lapses
};

struct Costs {
    double work_group{};     ///< £ per Work Group a year
    double trainee{};        ///< £ per trainee of any role
    double release_day{};    ///< £ per LLME release day
    double annual_budget{};  ///< £ a year for groups and training; 0: no limit
};

struct Parameters {
    Demand demand;
    Equity equity;
    Policy policy;
    Costs cost;
    std::array<PhaseRules, kPhaseCount> phase{};
    std::array<RoleRules, kRoleCount> role{};

    const PhaseRules& of(Phase p) const { return phase[index(p)]; }
    const RoleRules& of(LlmeRole r) const { return role[index(r)]; }
    /// The declared default of every parameter (parameter_specs()), with the standard
    /// pipelines. A Parameters made any other way holds zeros.
    static Parameters defaults();
};

enum class ParamKind : std::uint8_t {
    Probability,  ///< a number in [0, 1]
    Real,         ///< a real number within [min, max]
    Count,        ///< a whole number within [min, max]
    Choice,       ///< one of a list of names
    Flag,         ///< true or false
};

/// When the model reads a parameter, which says where it may be changed.
enum class ParamUse : std::uint8_t {
    Yearly,    ///< read as the run goes: a timeline event may change it
    WholeRun,  ///< read once when a replication starts: fixed for the run
};

struct ParamSpec {
    std::string key;  ///< dotted path, e.g. "phases.primary.stages.development.group_size"
    ParamKind kind = ParamKind::Real;
    double fallback = 0;      ///< the default (a choice's index, a flag's 0 or 1)
    double min = 0, max = 0;  ///< a choice's are its first and last index
    std::string unit;
    std::string help;
    std::vector<std::string> choices;
    /// A national total (training places, the budget): it grows with the number of schools
    /// when `hubsim generate` makes a larger copy of a scenario.
    bool national = false;
    ParamUse use = ParamUse::Yearly;
    std::function<double(const Parameters&)> get;
    std::function<void(Parameters&, double)> set;

    /// Why `value` is not valid for this parameter ("expected ..."), or empty if it is.
    std::string check(double value) const;
    /// The value as a scenario would write it.
    std::string format(double value) const;
};

/// A number as a scenario would write it: whole numbers without a point, others in the
/// shortest form that reads back as the same double.
std::string format_number(double value);

/// The declaration of every scalar parameter, in documentation order.
const std::vector<ParamSpec>& parameter_specs();
/// The spec with this key, or nullptr.
const ParamSpec* find_parameter(std::string_view key);
/// Every key, in declaration order (for did-you-mean and listings).
const std::vector<std::string>& parameter_keys();

}  // namespace hubsim
