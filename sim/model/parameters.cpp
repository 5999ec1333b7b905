#include "hubsim/model/parameters.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace hubsim {

std::optional<Phase> parse_phase(std::string_view text) {
    for (Phase p : kPhases)
        if (name(p) == text) return p;
    return std::nullopt;
}

std::optional<LlmeRole> parse_role(std::string_view text) {
    for (LlmeRole r : kRoles)
        if (name(r) == text) return r;
    return std::nullopt;
}

std::optional<Stage> parse_stage(std::string_view text) {
    for (Stage s : kStages)
        if (name(s) == text) return s;
    return std::nullopt;
}

std::optional<Stage> PhaseRules::next(Stage s) const {
    const auto it = std::find(pipeline.begin(), pipeline.end(), s);
    if (it == pipeline.end() || it + 1 == pipeline.end()) return std::nullopt;
    return *(it + 1);
}

Stage PhaseRules::entry(bool needs_readiness) const {
    if (needs_readiness && pipeline.front() == Stage::Readiness) return Stage::Readiness;
    for (Stage s : pipeline)
        if (s != Stage::Readiness) return s;
    return pipeline.front();
}

std::string ParamSpec::check(double value) const {
    char buf[160];
    switch (kind) {
        case ParamKind::Probability:
            if (value >= 0 && value <= 1) return {};
            return "expected a probability in [0, 1]";
        case ParamKind::Flag:
            return value == 0 || value == 1 ? std::string{} : "expected true or false";
        case ParamKind::Choice:
            if (value >= 0 && value < static_cast<double>(choices.size()) &&
                value == std::floor(value))
                return {};
            return "expected one of the choices";
        case ParamKind::Count:
            if (value != std::floor(value)) {
                std::snprintf(buf, sizeof buf, "expected a whole number in [%g, %g]", min, max);
                return buf;
            }
            [[fallthrough]];
        case ParamKind::Real:
            if (std::isfinite(value) && value >= min && value <= max) return {};
            std::snprintf(buf, sizeof buf, "expected a %s in [%g, %g]",
                          kind == ParamKind::Count ? "whole number" : "number", min, max);
            return buf;
    }
    return {};
}

std::string ParamSpec::format(double value) const {
    switch (kind) {
        case ParamKind::Flag:
            return value != 0 ? "true" : "false";
        case ParamKind::Choice:
            return choices.at(static_cast<std::size_t>(value));
        default:
            return format_number(value);
    }
}

std::string format_number(double value) {
    char buf[64];
    if (value == std::floor(value) && std::fabs(value) < 1e15) {
        std::snprintf(buf, sizeof buf, "%.0f", value);
        return buf;
    }
    // Shortest form that round-trips, for readable resolved scenarios.
    for (int prec = 1; prec <= 17; ++prec) {
        std::snprintf(buf, sizeof buf, "%.*g", prec, value);
        if (std::strtod(buf, nullptr) == value) break;
    }
    return buf;
}

namespace {

constexpr double kInf = 1e300;

ParamSpec declare(std::string key, ParamKind kind, double fallback, double min, double max,
                  std::string unit, std::string help) {
    ParamSpec s;
    s.key = std::move(key);
    s.kind = kind;
    s.fallback = fallback;
    s.min = min;
    s.max = max;
    s.unit = std::move(unit);
    s.help = std::move(help);
    return s;
}

/// A parameter held in a double field that `field(Parameters&)` reaches.
template <class Field>
ParamSpec number(std::string key, ParamKind kind, double fallback, double min, double max,
                 std::string unit, std::string help, Field field) {
    ParamSpec s =
        declare(std::move(key), kind, fallback, min, max, std::move(unit), std::move(help));
    s.get = [field](const Parameters& p) { return field(const_cast<Parameters&>(p)); };
    s.set = [field](Parameters& p, double v) { field(p) = v; };
    return s;
}

/// A parameter that takes one of `choices`, held in an enum field that `field(Parameters&)`
/// reaches; its range is derived from the choices.
template <class Enum, class Field>
ParamSpec choice(std::string key, Enum fallback, std::vector<std::string> choices, std::string help,
                 Field field) {
    const double last = static_cast<double>(choices.size() - 1);
    ParamSpec s = declare(std::move(key), ParamKind::Choice, static_cast<double>(fallback), 0, last,
                          "", std::move(help));
    s.choices = std::move(choices);
    s.get = [field](const Parameters& p) {
        return static_cast<double>(field(const_cast<Parameters&>(p)));
    };
    s.set = [field](Parameters& p, double v) { field(p) = static_cast<Enum>(v); };
    return s;
}

/// "{}" in a help text stands for what the parameter belongs to ("development (primary)").
std::string fill(std::string_view help, const std::string& what) {
    std::string out(help);
    if (const auto at = out.find("{}"); at != std::string::npos) out.replace(at, 2, what);
    return out;
}

/// One field of every stage of every phase: its declaration, and its default by stage
/// (readiness, development, embedding, sustaining) for primary and for the other phases.
struct StageField {
    std::string_view name;
    ParamKind kind;
    double max;
    std::string_view unit, help;
    double StageRules::*member;
    std::array<double, 4> primary, other;
};

// Defaults are the programme's rules of thumb (docs/model.md); scenarios set their own.
const std::array<StageField, 6> kStageFields = {{
    {"group_size",
     ParamKind::Count,
     1000,
     "schools",
     "schools per {} Work Group",
     &StageRules::group_size,
     {8, 6, 6, 10},
     {8, 6, 6, 10}},
    {"complete",
     ParamKind::Probability,
     1,
     "",
     "probability a school completes {} in its year",
     &StageRules::complete,
     {0.95, 0.9, 0.95, 0.95},
     {0.95, 0.9, 0.95, 0.95}},
    {"advance",
     ParamKind::Probability,
     1,
     "",
     "probability a school that completed {} goes on to the next stage (otherwise it lapses)",
     &StageRules::advance,
     {0.9, 0.85, 0.85, 0.85},
     {0.9, 0.8, 0.8, 0.8}},
    {"repeat",
     ParamKind::Probability,
     1,
     "",
     "probability a school that did not complete {} repeats it (otherwise it lapses)",
     &StageRules::repeat,
     {0.5, 0.5, 0.5, 0.5},
     {0.5, 0.5, 0.5, 0.5}},
    {"lapse",
     ParamKind::Probability,
     1,
     "per year",
     "yearly probability a school in {} lapses, when it is the last stage of the pipeline",
     &StageRules::lapse,
     {0, 0, 0, 0.1},
     {0, 0, 0, 0.1}},
    {"release_days",
     ParamKind::Real,
     365,
     "days",
     "leader days one {} group takes a year: its leaders' time, and what is paid for",
     &StageRules::release_days,
     {8, 12, 8, 4},
     {8, 12, 8, 4}},
}};

/// One field of every role of the LLME community, with its default by role (in LlmeRole
/// order: the three Mastery Specialists, readiness leads, the two Work Group Leads, PD
/// Leads, School Development Leads). By default only the Mastery Specialists exist.
struct RoleField {
    std::string_view name;
    ParamKind kind;
    double max;
    std::string_view unit, help;
    double RoleRules::*member;
    std::array<double, kRoleCount> fallback;
    bool national = false;
};

const std::array<RoleField, 10> kRoleFields = {{
    {"initial_per_hub",
     ParamKind::Count,
     1e6,
     "LLME",
     "active {} a hub has when it opens",
     &RoleRules::initial_per_hub,
     {2, 1, 0, 0, 0, 0, 0, 0}},
    {"training_places",
     ParamKind::Count,
     1e7,
     "per year",
     "national {} training places a year",
     &RoleRules::training_places,
     {140, 40, 0, 0, 0, 0, 0, 0},
     true},
    {"applicants_engaged",
     ParamKind::Probability,
     1,
     "per year",
     "yearly probability an engaged school puts a teacher forward as a {}",
     &RoleRules::applicants_engaged,
     {0.04, 0.04, 0.04, 0.04, 0.04, 0.04, 0.04, 0.04}},
    {"applicants_other",
     ParamKind::Probability,
     1,
     "per year",
     "yearly probability a school not yet engaged puts a teacher forward as a {}",
     &RoleRules::applicants_other,
     {0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.01}},
    {"training_years",
     ParamKind::Count,
     10,
     "years",
     "years of a {}'s route (training, and any years in their own school) before they lead",
     &RoleRules::training_years,
     {1, 2, 1, 1, 1, 1, 1, 1}},
    {"dropout",
     ParamKind::Probability,
     1,
     "",
     "probability a {} trainee does not qualify",
     &RoleRules::dropout,
     {0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05}},
    {"attrition",
     ParamKind::Probability,
     1,
     "per year",
     "yearly probability an active {} leaves",
     &RoleRules::attrition,
     {0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1}},
    {"days",
     ParamKind::Real,
     365,
     "days per year",
     "days a year an active {} gives to leading Work Groups",
     &RoleRules::days,
     {18, 18, 18, 18, 18, 18, 18, 18}},
    {"tfm_share",
     ParamKind::Probability,
     1,
     "",
     "share of a {}'s Work Group days on Teaching for Mastery (the rest go to the hub's other "
     "programmes)",
     &RoleRules::tfm_share,
     {1, 1, 1, 1, 0.5, 0.5, 0.3, 0.3}},
    {"outreach",
     ParamKind::Probability,
     1,
     "",
     "share of a {}'s Work Group days given to other schools rather than their own; each "
     "leader keeps the value of the year their training started",
     &RoleRules::outreach,
     {1, 1, 1, 1, 1, 1, 1, 1}},
}};

void add_stage_specs(std::vector<ParamSpec>& specs, Phase p, std::size_t w) {
    const Stage s = kWorkGroupStages[w];
    const std::string base =
        "phases." + std::string(name(p)) + ".stages." + std::string(name(s)) + ".";
    const std::string where = std::string(name(s)) + " (" + std::string(name(p)) + ")";
    const std::size_t pi = index(p), si = index(s);
    for (const StageField& f : kStageFields) {
        const double fallback = (p == Phase::Primary ? f.primary : f.other)[w];
        auto member = f.member;
        specs.push_back(number(
            base + std::string(f.name), f.kind, fallback, f.kind == ParamKind::Count ? 1 : 0, f.max,
            std::string(f.unit), fill(f.help, where),
            [pi, si, member](Parameters& q) -> double& { return q.phase[pi].stage[si].*member; }));
    }
}

void add_role_specs(std::vector<ParamSpec>& specs, LlmeRole r) {
    const std::string base = "llme." + std::string(name(r)) + ".";
    const std::size_t ri = index(r);
    for (const RoleField& f : kRoleFields) {
        auto member = f.member;
        ParamSpec spec =
            number(base + std::string(f.name), f.kind, f.fallback[ri], 0, f.max,
                   std::string(f.unit), fill(f.help, std::string(name(r))),
                   [ri, member](Parameters& q) -> double& { return q.role[ri].*member; });
        spec.national = f.national;
        specs.push_back(std::move(spec));
    }
}

std::vector<ParamSpec> build_specs() {
    std::vector<ParamSpec> s;
    using K = ParamKind;
    s.push_back(number("demand.p", K::Real, 0.01, 0, 100, "per year",
                       "external rate at which a school becomes interested (Bass p)",
                       [](Parameters& q) -> double& { return q.demand.p; }));
    s.push_back(number("demand.q", K::Real, 0.5, 0, 100, "per year",
                       "peer influence: extra rate per unit of the hub's engaged share (Bass q)",
                       [](Parameters& q) -> double& { return q.demand.q; }));
    s.push_back(number("demand.heterogeneity", K::Real, 0.5, 0, 5, "",
                       "standard deviation of a school's log propensity to become interested "
                       "(drawn once per replication: fixed for the run)",
                       [](Parameters& q) -> double& { return q.demand.heterogeneity; }));
    s.back().use = ParamUse::WholeRun;
    s.push_back(number("demand.readiness_share", K::Probability, 0.3, 0, 1, "",
                       "share of schools new to TfM that need Mastery Readiness first (where the "
                       "pipeline has it)",
                       [](Parameters& q) -> double& { return q.demand.readiness_share; }));
    s.push_back(number("demand.rejoin", K::Real, 0.1, 0, 100, "per year",
                       "rate at which a lapsed school asks to rejoin",
                       [](Parameters& q) -> double& { return q.demand.rejoin; }));
    s.push_back(choice("demand.rejoin_stage", RejoinStage::Furthest, {"furthest", "entry"},
                       "where a rejoining school re-enters: furthest (sustaining if it had "
                       "reached it, otherwise embedding: seed 003) or entry (where new schools "
                       "start)",
                       [](Parameters& q) -> RejoinStage& { return q.demand.rejoin_stage; }));
    s.push_back(number("demand.head_start", K::Real, 0, 0, 100, "years",
                       "years of external interest (demand.p) a hub's schools bring to its first "
                       "working year, besides the years since the start it was not yet open; "
                       "those whose interest passed their threshold are waiting on its first day",
                       [](Parameters& q) -> double& { return q.demand.head_start; }));
    s.push_back(number("equity.demand", K::Real, 0, -20, 20, "per unit of disadvantage",
                       "a school's interest rate is multiplied by exp(equity.demand x (its "
                       "disadvantage - its phase's mean)); 0: disadvantage does not matter",
                       [](Parameters& q) -> double& { return q.equity.demand; }));
    s.back().use = ParamUse::WholeRun;
    s.push_back(number("equity.completion", K::Real, 0, -20, 20, "per unit of disadvantage",
                       "the log-odds of completing a stage change by equity.completion x (the "
                       "school's disadvantage - its phase's mean); 0: no effect",
                       [](Parameters& q) -> double& { return q.equity.completion; }));
    s.push_back(choice("policy.priority", PriorityRule::WaitingTime,
                       {"waiting_time", "disadvantage", "lottery"},
                       "who gets an oversubscribed place: waiting_time (longest wait first), "
                       "disadvantage (highest disadvantage share first) or lottery",
                       [](Parameters& q) -> PriorityRule& { return q.policy.priority; }));
    s.push_back(choice("policy.order", AllocationOrder::SustainFirst,
                       {"sustain_first", "expand_first"},
                       "who is served first: sustain_first (schools already in the programme) or "
                       "expand_first (schools new to it)",
                       [](Parameters& q) -> AllocationOrder& { return q.policy.order; }));
    s.push_back(choice("policy.place_sharing", PlaceSharing::RoundRobin,
                       {"round_robin", "by_size", "by_need"},
                       "how a role's national training places are shared among hubs when "
                       "applicants outnumber them: round_robin (a place at a time round the hubs), "
                       "by_size (in proportion to each hub's schools of the phase) or by_need (in "
                       "proportion to its schools waiting for a first place)",
                       [](Parameters& q) -> PlaceSharing& { return q.policy.place_sharing; }));
    s.push_back(number("policy.new_share", K::Probability, 0.5, 0, 1, "",
                       "share of each hub's TfM leader days kept for schools new to TfM",
                       [](Parameters& q) -> double& { return q.policy.new_share; }));
    ParamSpec spill = declare("policy.spill", K::Flag, 1, 0, 1, "",
                              "capacity one kind of school leaves unused goes to the other");
    spill.get = [](const Parameters& q) { return q.policy.spill ? 1.0 : 0.0; };
    spill.set = [](Parameters& q, double v) { q.policy.spill = v != 0; };
    s.push_back(std::move(spill));
    s.push_back(number("policy.max_wait_years", K::Count, 1, 0, 100, "years",
                       "years a school already in the programme waits for a place before it lapses",
                       [](Parameters& q) -> double& { return q.policy.max_wait_years; }));
    s.push_back(number("capacity.factor", K::Real, 1, 0, 100, "",
                       "national multiplier on every leader's Work Group days, TfM and the hubs' "
                       "other programmes alike (0.5: a lockdown halves capacity)",
                       [](Parameters& q) -> double& { return q.policy.capacity_factor; }));
    s.push_back(number("cost.work_group", K::Real, 2000, 0, kInf, "GBP",
                       "cost of one Work Group for a year",
                       [](Parameters& q) -> double& { return q.cost.work_group; }));
    s.push_back(number("cost.trainee", K::Real, 6000, 0, kInf, "GBP",
                       "cost of training one leader, of any role",
                       [](Parameters& q) -> double& { return q.cost.trainee; }));
    s.push_back(number("cost.release_day", K::Real, 250, 0, kInf, "GBP",
                       "cost of one leader day (release from their school)",
                       [](Parameters& q) -> double& { return q.cost.release_day; }));
    s.push_back(number("budget.annual", K::Real, 0, 0, kInf, "GBP per year",
                       "national yearly budget for training and Work Groups; 0 means no limit",
                       [](Parameters& q) -> double& { return q.cost.annual_budget; }));
    s.back().national = true;
    for (LlmeRole r : kRoles) add_role_specs(s, r);
    for (Phase p : kPhases)
        for (std::size_t w = 0; w < kWorkGroupStages.size(); ++w) add_stage_specs(s, p, w);
    return s;
}

}  // namespace

const std::vector<ParamSpec>& parameter_specs() {
    static const std::vector<ParamSpec> specs = build_specs();
    return specs;
}

const std::vector<std::string>& parameter_keys() {
    static const std::vector<std::string> keys = [] {
        std::vector<std::string> k;
        for (const auto& spec : parameter_specs()) k.push_back(spec.key);
        return k;
    }();
    return keys;
}

const ParamSpec* find_parameter(std::string_view key) {
    for (const auto& spec : parameter_specs())
        if (spec.key == key) return &spec;
    return nullptr;
}

Parameters Parameters::defaults() {
    Parameters p;
    for (const auto& spec : parameter_specs()) spec.set(p, spec.fallback);
    p.phase[index(Phase::Primary)].pipeline = {Stage::Readiness, Stage::Development,
                                               Stage::Embedding, Stage::Sustaining};
    p.phase[index(Phase::Secondary)].pipeline = {Stage::Development, Stage::Embedding,
                                                 Stage::Sustaining};
    return p;
}

}  // namespace hubsim
