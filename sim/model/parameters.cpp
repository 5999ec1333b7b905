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
            break;
    }
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

using Getter = std::function<double(const Parameters&)>;
using Setter = std::function<void(Parameters&, double)>;

/// A parameter stored as a double field reached by `field(Parameters&)`.
template <class Field>
ParamSpec number(std::string key, ParamKind kind, double fallback, double min, double max,
                 std::string unit, std::string help, Field field) {
    return ParamSpec{std::move(key),
                     kind,
                     fallback,
                     min,
                     max,
                     std::move(unit),
                     std::move(help),
                     {},
                     [field](const Parameters& p) { return field(const_cast<Parameters&>(p)); },
                     [field](Parameters& p, double v) { field(p) = v; }};
}

double stage_default(Phase p, Stage s, std::string_view what) {
    const bool secondary = p != Phase::Primary;
    if (what == "group_size") return s == Stage::Readiness ? 8 : s == Stage::Sustaining ? 10 : 6;
    if (what == "load") return s == Stage::Development ? 1.0 : s == Stage::Sustaining ? 0.25 : 0.5;
    if (what == "complete") return s == Stage::Development ? 0.9 : 0.95;
    if (what == "advance") return s == Stage::Readiness ? 0.9 : secondary ? 0.8 : 0.85;
    if (what == "repeat") return 0.5;
    if (what == "lapse") return s == Stage::Sustaining ? 0.1 : 0.0;
    if (what == "release_days")
        return s == Stage::Development ? 12 : s == Stage::Sustaining ? 4 : 8;
    return 0;
}

double llme_default(Phase p, std::string_view what) {
    const std::size_t i = index(p);
    if (what == "initial_per_hub") return std::array{2.0, 1.0, 0.0}[i];
    if (what == "load") return 1.5;
    if (what == "training_places") return std::array{140.0, 40.0, 0.0}[i];
    if (what == "training_years") return std::array{1.0, 2.0, 1.0}[i];
    if (what == "attrition") return 0.1;
    if (what == "dropout") return 0.05;
    if (what == "applicants_engaged") return 0.04;
    if (what == "applicants_other") return 0.01;
    return 0;
}

void add_stage_specs(std::vector<ParamSpec>& specs, Phase p, Stage s) {
    const std::string base =
        "phases." + std::string(name(p)) + ".stages." + std::string(name(s)) + ".";
    const std::size_t pi = index(p), si = index(s);
    auto ref = [pi, si](double StageRules::*m) {
        return [pi, si, m](Parameters& q) -> double& { return q.phase[pi].stage[si].*m; };
    };
    const std::string where = std::string(name(s)) + " (" + std::string(name(p)) + ")";
    specs.push_back(number(base + "group_size", ParamKind::Count, stage_default(p, s, "group_size"),
                           1, 1000, "schools", "schools per " + where + " Work Group",
                           ref(&StageRules::group_size)));
    specs.push_back(number(
        base + "load", ParamKind::Real, stage_default(p, s, "load"), 0, 100, "groups",
        "share of one LLME's yearly capacity a " + where + " group takes", ref(&StageRules::load)));
    specs.push_back(number(
        base + "complete", ParamKind::Probability, stage_default(p, s, "complete"), 0, 1, "",
        "probability a school completes " + where + " in its year", ref(&StageRules::complete)));
    specs.push_back(number(base + "advance", ParamKind::Probability, stage_default(p, s, "advance"),
                           0, 1, "",
                           "probability a school that completed " + where +
                               " goes on to the next stage (otherwise it lapses)",
                           ref(&StageRules::advance)));
    specs.push_back(number(
        base + "repeat", ParamKind::Probability, stage_default(p, s, "repeat"), 0, 1, "",
        "probability a school that did not complete " + where + " repeats it (otherwise it lapses)",
        ref(&StageRules::repeat)));
    specs.push_back(number(base + "lapse", ParamKind::Probability, stage_default(p, s, "lapse"), 0,
                           1, "per year",
                           "yearly probability a school in " + where +
                               " lapses, when it is the last stage of the pipeline",
                           ref(&StageRules::lapse)));
    specs.push_back(number(
        base + "release_days", ParamKind::Real, stage_default(p, s, "release_days"), 0, 365, "days",
        "LLME release days one " + where + " group takes a year", ref(&StageRules::release_days)));
}

void add_llme_specs(std::vector<ParamSpec>& specs, Phase p) {
    const std::string base = "llme." + std::string(name(p)) + ".";
    const std::size_t pi = index(p);
    auto ref = [pi](double LlmeRules::*m) {
        return [pi, m](Parameters& q) -> double& { return q.phase[pi].llme.*m; };
    };
    const std::string ph(name(p));
    specs.push_back(number(base + "initial_per_hub", ParamKind::Count,
                           llme_default(p, "initial_per_hub"), 0, 1e6, "LLME",
                           "active " + ph + " LLME a hub has when it opens",
                           ref(&LlmeRules::initial_per_hub)));
    specs.push_back(number(base + "load", ParamKind::Real, llme_default(p, "load"), 0, 100,
                           "groups",
                           "Work Group load one active " + ph +
                               " LLME leads a year (a development group takes 1 by default)",
                           ref(&LlmeRules::load)));
    specs.push_back(number(base + "training_places", ParamKind::Count,
                           llme_default(p, "training_places"), 0, 1e7, "per year",
                           "national " + ph + " Mastery Specialist training places a year",
                           ref(&LlmeRules::training_places)));
    specs.push_back(number(base + "training_years", ParamKind::Count,
                           llme_default(p, "training_years"), 0, 10, "years",
                           "years from starting training to leading Work Groups (" + ph + ")",
                           ref(&LlmeRules::training_years)));
    specs.push_back(number(base + "attrition", ParamKind::Probability, llme_default(p, "attrition"),
                           0, 1, "per year", "yearly probability an active " + ph + " LLME leaves",
                           ref(&LlmeRules::attrition)));
    specs.push_back(number(base + "dropout", ParamKind::Probability, llme_default(p, "dropout"), 0,
                           1, "", "probability a " + ph + " trainee does not become an active LLME",
                           ref(&LlmeRules::dropout)));
    specs.push_back(number(
        base + "applicants_engaged", ParamKind::Probability, llme_default(p, "applicants_engaged"),
        0, 1, "per year",
        "yearly probability an engaged " + ph + " school puts a teacher forward for training",
        ref(&LlmeRules::applicants_engaged)));
    specs.push_back(number(base + "applicants_other", ParamKind::Probability,
                           llme_default(p, "applicants_other"), 0, 1, "per year",
                           "yearly probability a not yet engaged " + ph +
                               " school puts a teacher forward for training",
                           ref(&LlmeRules::applicants_other)));
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
                       "standard deviation of a school's log propensity to become interested",
                       [](Parameters& q) -> double& { return q.demand.heterogeneity; }));
    s.push_back(number("demand.readiness_share", K::Probability, 0.3, 0, 1, "",
                       "share of schools new to TfM that need Mastery Readiness first (where the "
                       "pipeline has it)",
                       [](Parameters& q) -> double& { return q.demand.readiness_share; }));
    s.push_back(number("demand.rejoin", K::Real, 0.1, 0, 100, "per year",
                       "rate at which a lapsed school asks to rejoin",
                       [](Parameters& q) -> double& { return q.demand.rejoin; }));

    ParamSpec priority{
        "policy.priority",
        K::Choice,
        0,
        0,
        2,
        "",
        "who gets an oversubscribed place: waiting_time (longest wait first), "
        "disadvantage (highest disadvantage share first) or lottery",
        {"waiting_time", "disadvantage", "lottery"},
        [](const Parameters& q) { return static_cast<double>(q.policy.priority); },
        [](Parameters& q, double v) { q.policy.priority = static_cast<PriorityRule>(v); }};
    s.push_back(std::move(priority));
    ParamSpec order{
        "policy.order",
        K::Choice,
        0,
        0,
        1,
        "",
        "who is served first: sustain_first (schools already in the programme) or "
        "expand_first (schools new to it)",
        {"sustain_first", "expand_first"},
        [](const Parameters& q) { return static_cast<double>(q.policy.order); },
        [](Parameters& q, double v) { q.policy.order = static_cast<AllocationOrder>(v); }};
    s.push_back(std::move(order));
    s.push_back(number("policy.new_share", K::Probability, 0.5, 0, 1, "",
                       "share of each hub's LLME capacity kept for schools new to TfM",
                       [](Parameters& q) -> double& { return q.policy.new_share; }));
    ParamSpec spill{"policy.spill",
                    K::Flag,
                    1,
                    0,
                    1,
                    "",
                    "capacity one kind of school leaves unused goes to the other",
                    {},
                    [](const Parameters& q) { return q.policy.spill ? 1.0 : 0.0; },
                    [](Parameters& q, double v) { q.policy.spill = v != 0; }};
    s.push_back(std::move(spill));
    s.push_back(number("policy.max_wait_years", K::Count, 1, 0, 100, "years",
                       "years a school already in the programme waits for a place before it lapses",
                       [](Parameters& q) -> double& { return q.policy.max_wait_years; }));
    s.push_back(number("capacity.factor", K::Real, 1, 0, 100, "",
                       "national multiplier on every LLME's load (0.5: a lockdown halves capacity)",
                       [](Parameters& q) -> double& { return q.policy.capacity_factor; }));
    s.push_back(number("cost.work_group", K::Real, 2000, 0, kInf, "GBP",
                       "cost of one Work Group for a year",
                       [](Parameters& q) -> double& { return q.cost.work_group; }));
    s.push_back(number("cost.trainee", K::Real, 6000, 0, kInf, "GBP",
                       "cost of training one Mastery Specialist",
                       [](Parameters& q) -> double& { return q.cost.trainee; }));
    s.push_back(number("cost.release_day", K::Real, 250, 0, kInf, "GBP",
                       "cost of one LLME release day",
                       [](Parameters& q) -> double& { return q.cost.release_day; }));
    s.push_back(number("budget.annual", K::Real, 0, 0, kInf, "GBP per year",
                       "national yearly budget for training and Work Groups; 0 means no limit",
                       [](Parameters& q) -> double& { return q.cost.annual_budget; }));
    for (Phase p : kPhases) add_llme_specs(s, p);
    for (Phase p : kPhases)
        for (Stage st : kWorkGroupStages) add_stage_specs(s, p, st);
    return s;
}

}  // namespace

const std::vector<ParamSpec>& parameter_specs() {
    static const std::vector<ParamSpec> specs = build_specs();
    return specs;
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
