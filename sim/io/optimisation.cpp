// A policy-search plan file, its candidates as scenarios, and its output (docs/decisions.md).

#include "hubsim/io/optimisation.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cmath>

#include "h5.hpp"
#include "hubsim/engine/calendar.hpp"
#include "study_output.hpp"
#include "yaml_input.hpp"

namespace hubsim {

namespace fs = std::filesystem;

namespace {

using input::Diagnostics;

/// The most decision variables a plan may have (NSGA-II on more would not converge in any
/// budget a planner has; hubs x years is far below it).
constexpr std::size_t kMaxDecisions = 1000;

std::optional<std::array<double, 2>> bounds(const YAML::Node& n, const std::string& at, double min,
                                            double max, Diagnostics& diags) {
    if (!n.IsSequence() || n.size() != 2) {
        diags.error(n, at, "expected [low, high], found " + input::found(n));
        return std::nullopt;
    }
    const auto lo = input::real(n[0], at + "[0]", min, max, diags);
    const auto hi = input::real(n[1], at + "[1]", min, max, diags);
    if (!lo || !hi) return std::nullopt;
    if (!(*lo < *hi)) {
        diags.error(n, at, "expected low < high");
        return std::nullopt;
    }
    return std::array<double, 2>{*lo, *hi};
}

/// `{parameter: KEY, range: [low, high], years: [first, last], integer: BOOL}`.
void read_parameter_decision(const YAML::Node& v, const std::string& at, const Scenario& sc,
                             std::vector<Decision>& out, Diagnostics& diags) {
    input::check_keys(v, at, {"parameter", "range", "years", "integer"}, diags);
    const YAML::Node key = v["parameter"];
    const auto name = input::text(key, at + ".parameter", diags);
    if (!name) return;
    const ParamSpec* spec = input::parameter(key, *name, at + ".parameter", diags);
    if (!spec) return;
    Decision d;
    d.kind = Decision::Kind::Parameter;
    d.parameter = spec;
    const bool whole = spec->kind == ParamKind::Count || spec->kind == ParamKind::Choice ||
                       spec->kind == ParamKind::Flag;
    d.integer = whole;
    if (auto i = v["integer"]) {
        if (!i.IsScalar() || (i.Scalar() != "true" && i.Scalar() != "false")) {
            diags.error(i, at + ".integer", "expected true or false, found " + input::found(i));
        } else if (i.Scalar() == "false" && whole) {
            diags.error(i, at + ".integer",
                        "'" + spec->key + "' takes whole values only: it cannot be false");
        } else {
            d.integer = i.Scalar() == "true";
        }
    }
    if (auto r = v["range"]) {
        if (spec->kind == ParamKind::Choice || spec->kind == ParamKind::Flag) {
            diags.error(r, at + ".range",
                        "'" + spec->key + "' is a choice: the search tries every one of its " +
                            "values, so it takes no range");
            return;
        }
        const auto b = bounds(r, at + ".range", spec->min, spec->max, diags);
        if (!b) return;
        d.low = (*b)[0];
        d.high = (*b)[1];
        if (d.integer && std::floor(d.high) < std::ceil(d.low)) {
            diags.error(r, at + ".range", "the range holds no whole number");
            return;
        }
        if (d.integer) {
            d.low = std::ceil(d.low);
            d.high = std::floor(d.high);
        }
    } else if (spec->kind == ParamKind::Choice || spec->kind == ParamKind::Flag) {
        d.low = spec->min;
        d.high = spec->max;
    } else {
        diags.error(v, at, "missing key 'range' ([low, high] for " + spec->key + ")");
        return;
    }
    const YAML::Node years = v["years"];
    if (!years) {
        d.label = spec->key;
        out.push_back(d);
        return;
    }
    if (spec->use == ParamUse::WholeRun) {
        diags.error(
            years, at + ".years",
            "'" + spec->key + "' is read once when a replication starts: it cannot change by year");
        return;
    }
    const Calendar cal(sc.start);
    const int first_year = cal.academic_year_of(cal.day_of(sc.start));
    const int last_year = cal.academic_year_of(cal.day_of(sc.end));
    std::optional<std::uint64_t> y0, y1;
    if (years.IsSequence() && years.size() == 2) {
        y0 = input::whole(years[0], at + ".years[0]", first_year, last_year, diags);
        y1 = input::whole(years[1], at + ".years[1]", first_year, last_year, diags);
    } else if (years.IsScalar()) {
        y0 = y1 = input::whole(years, at + ".years", first_year, last_year, diags);
    } else {
        diags.error(years, at + ".years",
                    "expected an academic year (2026 is 2026/27) or [first, last], found " +
                        input::found(years));
    }
    if (!y0 || !y1) return;
    if (*y1 < *y0) {
        diags.error(years, at + ".years", "expected [first, last] with first <= last");
        return;
    }
    d.kind = Decision::Kind::YearParameter;
    for (auto y = *y0; y <= *y1; ++y) {
        d.year = static_cast<int>(y);
        d.label = spec->key + " " + Calendar::year_label(d.year);
        out.push_back(d);
    }
}

/// `{hub: NAME or all, capacity_factor: [low, high]}`.
void read_hub_decision(const YAML::Node& v, const std::string& at, const Scenario& sc,
                       std::vector<Decision>& out, Diagnostics& diags) {
    input::check_keys(v, at, {"hub", "capacity_factor"}, diags);
    const auto hub = input::text(v["hub"], at + ".hub", diags);
    const YAML::Node r = v["capacity_factor"];
    if (!r) {
        diags.error(v, at, "missing key 'capacity_factor' ([low, high])");
        return;
    }
    const auto b = bounds(r, at + ".capacity_factor", 0, 100, diags);
    if (!hub || !b) return;
    std::vector<std::size_t> which;
    if (*hub == "all") {
        for (std::size_t h = 0; h < sc.hubs.size(); ++h) which.push_back(h);
    } else {
        const auto it = std::find_if(sc.hubs.begin(), sc.hubs.end(),
                                     [&](const HubSpec& h) { return h.name == *hub; });
        if (it == sc.hubs.end()) {
            std::vector<std::string> names;
            for (const auto& h : sc.hubs) names.push_back(h.name);
            diags.error(v["hub"], at + ".hub", input::unknown("hub", *hub, names));
            return;
        }
        which.push_back(static_cast<std::size_t>(it - sc.hubs.begin()));
    }
    for (std::size_t h : which) {
        Decision d;
        d.kind = Decision::Kind::HubCapacity;
        d.hub = h;
        d.low = (*b)[0];
        d.high = (*b)[1];
        d.label = "capacity_factor of " + sc.hubs[h].name;
        out.push_back(d);
    }
}

void read_decisions(const YAML::Node& n, OptimisationPlan& p, Diagnostics& diags) {
    if (!n.IsSequence() || n.size() == 0) {
        diags.error(n, "variables",
                    "expected a list of {parameter, range, years} or {hub, capacity_factor}, "
                    "found " +
                        input::found(n));
        return;
    }
    for (std::size_t i = 0; i < n.size(); ++i) {
        const YAML::Node& v = n[i];
        const std::string at = "variables[" + std::to_string(i) + "]";
        if (!v.IsMap())
            diags.error(
                v, at,
                "expected {parameter, range} or {hub, capacity_factor}, found " + input::found(v));
        else if (v["hub"])
            read_hub_decision(v, at, p.base.scenario, p.decisions, diags);
        else if (v["parameter"])
            read_parameter_decision(v, at, p.base.scenario, p.decisions, diags);
        else
            diags.error(v, at, "expected a key 'parameter' or 'hub'");
    }
    if (p.decisions.size() > kMaxDecisions)
        diags.error(n, "variables",
                    std::to_string(p.decisions.size()) + " decision variables: at most " +
                        std::to_string(kMaxDecisions));
}

/// The first day a decision acts: where cost is counted from by default.
Date policy_start(const OptimisationPlan& p) {
    const Scenario& sc = p.base.scenario;
    Date from = sc.end;
    const Calendar cal(sc.start);
    for (const auto& d : p.decisions)
        from = std::min(from, d.kind == Decision::Kind::YearParameter
                                  ? cal.date_of(cal.year_start(d.year))
                                  : sc.start);
    return std::max(from, sc.start);
}

/// A quantity: `cost`, `targets_met`, or a mapping `{quantity: cost, from, to}`,
/// `{quantity: targets_met, targets: [...]}`, `{quantity: measure, measure, phase, scope,
/// date}`; `more` are the keys the mapping may hold besides (a constraint's bound).
std::optional<PlanQuantity> read_quantity(const YAML::Node& n, const std::string& at,
                                          const OptimisationPlan& p,
                                          std::initializer_list<std::string_view> more,
                                          Diagnostics& diags) {
    constexpr std::array<std::string_view, 3> kinds = {"cost", "targets_met", "measure"};
    const Scenario& sc = p.base.scenario;
    // (Built in one expression: assigning one yaml-cpp node to another writes through it.)
    const YAML::Node kind_node = n.IsMap() ? n["quantity"] : n;
    if (n.IsMap()) {
        if (!kind_node) {
            diags.error(n, at, "missing key 'quantity' (cost, targets_met or measure)");
            return std::nullopt;
        }
    }
    const auto kind = input::choice(kind_node, n.IsMap() ? at + ".quantity" : at, kinds, diags);
    if (!kind) return std::nullopt;
    PlanQuantity q;
    q.kind = static_cast<PlanQuantity::Kind>(*kind);
    const auto allowed = [&](std::initializer_list<std::string_view> own) {
        if (!n.IsMap()) return;
        std::vector<std::string_view> keys = {"quantity"};
        keys.insert(keys.end(), own.begin(), own.end());
        keys.insert(keys.end(), more.begin(), more.end());
        input::check_keys(n, at, keys, diags);
    };
    if (q.kind == PlanQuantity::Kind::Cost) {
        allowed({"from", "to"});
        q.from = policy_start(p);
        q.to = sc.end;
        if (n.IsMap()) {
            if (auto f = n["from"]) q.from = input::date(f, at + ".from", diags).value_or(q.from);
            if (auto t = n["to"]) q.to = input::date(t, at + ".to", diags).value_or(q.to);
        }
        const Calendar cal(sc.start);
        const Day from = cal.day_of(q.from), to = cal.day_of(q.to);
        int whole_years = 0;
        for (int y = cal.academic_year_of(cal.day_of(sc.start));
             y <= cal.academic_year_of(cal.day_of(sc.end)); ++y)
            whole_years += cal.year_start(y) >= from && cal.year_end(y) <= to;
        if (q.from < sc.start || sc.end < q.to || whole_years == 0) {
            diags.error(n, at,
                        "the cost window " + format_date(q.from) + " to " + format_date(q.to) +
                            " holds no whole academic year of the run (" + format_date(sc.start) +
                            " to " + format_date(sc.end) + ")");
            return std::nullopt;
        }
        q.label = "cost " + format_date(q.from) + " to " + format_date(q.to) + " (GBP)";
        return q;
    }
    if (q.kind == PlanQuantity::Kind::TargetsMet) {
        allowed({"targets"});
        if (sc.targets.empty()) {
            diags.error(kind_node, at, "the scenario has no targets");
            return std::nullopt;
        }
        if (!n.IsMap() || !n["targets"]) {
            for (std::size_t k = 0; k < sc.targets.size(); ++k) q.targets.push_back(k);
            q.label = "P(every target met)";
            return q;
        }
        const YAML::Node t = n["targets"];
        if (!t.IsSequence() || t.size() == 0) {
            diags.error(t, at + ".targets",
                        "expected a list of targets, by label as `hubsim run` prints them "
                        "(\"primary 75% by 2025-08-31\"), found " +
                            input::found(t));
            return std::nullopt;
        }
        std::vector<std::string> labels;
        for (const auto& target : sc.targets) labels.push_back(target.label());
        std::string names;
        for (std::size_t i = 0; i < t.size(); ++i) {
            const auto text = input::text(t[i], at + ".targets[" + std::to_string(i) + "]", diags);
            if (!text) return std::nullopt;
            const auto it = std::find(labels.begin(), labels.end(), *text);
            if (it == labels.end()) {
                diags.error(t[i], at + ".targets[" + std::to_string(i) + "]",
                            input::unknown("target", *text, labels));
                return std::nullopt;
            }
            q.targets.push_back(static_cast<std::size_t>(it - labels.begin()));
            names += (names.empty() ? "" : " and ") + *text;
        }
        q.label = "P(" + names + ")";
        return q;
    }
    if (!n.IsMap()) {
        diags.error(n, at, "a measure needs {quantity: measure, measure, phase, scope, date}");
        return std::nullopt;
    }
    std::vector<std::string_view> keys = {"quantity"};
    keys.insert(keys.end(), more.begin(), more.end());
    const auto out = read_study_output(n, at, sc, keys, diags);
    if (!out) return std::nullopt;
    q.output = *out;
    q.label = "mean " + out->label;
    return q;
}

void read_objectives(const YAML::Node& n, OptimisationPlan& p, Diagnostics& diags) {
    if (!n.IsSequence() || n.size() < 2) {
        diags.error(n, "objectives",
                    "expected a list of at least two {minimise: QUANTITY} or {maximise: "
                    "QUANTITY} (NSGA-II finds the trade-off between them), found " +
                        input::found(n));
        return;
    }
    for (std::size_t i = 0; i < n.size(); ++i) {
        const YAML::Node& o = n[i];
        const std::string at = "objectives[" + std::to_string(i) + "]";
        if (!o.IsMap() || o.size() != 1 || !(o["minimise"] || o["maximise"])) {
            diags.error(
                o, at,
                "expected {minimise: QUANTITY} or {maximise: QUANTITY}, found " + input::found(o));
            continue;
        }
        const bool max = o["maximise"].IsDefined();
        const std::string key = max ? "maximise" : "minimise";
        if (auto q = read_quantity(o[key], at + "." + key, p, {}, diags))
            p.objectives.push_back({*q, max});
    }
}

void read_constraints(const YAML::Node& n, OptimisationPlan& p, Diagnostics& diags) {
    if (!n.IsSequence()) {
        diags.error(n, "constraints",
                    "expected a list of {quantity, ..., at_least: V} or {..., at_most: V}, found " +
                        input::found(n));
        return;
    }
    for (std::size_t i = 0; i < n.size(); ++i) {
        const YAML::Node& c = n[i];
        const std::string at = "constraints[" + std::to_string(i) + "]";
        if (!c.IsMap()) {
            diags.error(c, at, "expected {quantity, ..., at_least: V}, found " + input::found(c));
            continue;
        }
        const YAML::Node least = c["at_least"], most = c["at_most"];
        if (static_cast<bool>(least) == static_cast<bool>(most)) {
            diags.error(c, at, "expected one of 'at_least' and 'at_most'");
            continue;
        }
        auto q = read_quantity(c, at, p, {"at_least", "at_most"}, diags);
        const YAML::Node b = least ? least : most;
        const auto bound =
            q && q->probability()
                ? input::real(b, at + (least ? ".at_least" : ".at_most"), 0, 1, diags)
                : input::real(b, at + (least ? ".at_least" : ".at_most"), -1e300, 1e300, diags);
        if (!q || !bound) continue;
        PlanConstraint pc{*q, static_cast<bool>(least), *bound, ""};
        pc.label = q->label + (pc.at_least ? " >= " : " <= ") + format_number(*bound);
        p.constraints.push_back(pc);
    }
}

void read_method(const YAML::Node& m, OptimisationPlan& p, Diagnostics& diags) {
    if (!m.IsMap()) {
        diags.error(
            m, "method",
            "expected {kind: nsga2, population: N, generations: G}, found " + input::found(m));
        return;
    }
    input::check_keys(
        m, "method",
        {"kind", "population", "generations", "crossover", "eta_c", "mutation", "eta_m"}, diags);
    constexpr std::array<std::string_view, 1> kinds = {"nsga2"};
    if (auto k = m["kind"])
        input::choice(k, "method.kind", kinds, diags);
    else
        diags.error(m, "method", "missing key 'kind' (nsga2)");
    if (auto n = m["population"]) {
        if (auto v = input::whole(n, "method.population", 8, 100000, diags)) {
            if (*v % 4 != 0)
                diags.error(n, "method.population",
                            "NSGA-II needs a multiple of 4, found " + std::to_string(*v));
            else
                p.population = static_cast<std::uint32_t>(*v);
        }
    }
    if (auto n = m["generations"])
        p.generations = static_cast<std::uint32_t>(
            input::whole(n, "method.generations", 1, 100000, diags).value_or(p.generations));
    if (auto n = m["crossover"])
        p.crossover = input::real(n, "method.crossover", 0, 1, diags).value_or(p.crossover);
    if (auto n = m["eta_c"])
        p.eta_c = input::real(n, "method.eta_c", 1, 100, diags).value_or(p.eta_c);
    if (auto n = m["mutation"])
        p.mutation = input::real(n, "method.mutation", 0, 1, diags).value_or(p.mutation);
    if (auto n = m["eta_m"])
        p.eta_m = input::real(n, "method.eta_m", 1, 100, diags).value_or(p.eta_m);
}

OptimisationPlan read_plan(const fs::path& path, const std::vector<std::string>& overrides) {
    OptimisationPlan p;
    p.path = path.string();
    const input::YamlFile file = input::load_yaml(path, "optimisation plan");
    p.source_text = file.text;
    const YAML::Node& root = file.root;
    Diagnostics diags(p.path);
    input::check_keys(root, "",
                      {"scenario", "name", "variables", "objectives", "constraints", "method",
                       "replications", "seed", "reevaluate"},
                      diags);
    p.base = input::base_scenario(root, path, diags, overrides);
    p.name = path.stem().string();
    if (auto n = root["name"])
        if (auto t = input::output_name(n, "name", diags)) p.name = *t;
    input::study_replications_and_seed(root, overrides, p.base.scenario, p.replications, p.seed,
                                       diags);
    if (auto v = root["variables"])
        read_decisions(v, p, diags);
    else
        diags.error(root, "variables", "missing: the decisions the search may change");
    if (auto o = root["objectives"])
        read_objectives(o, p, diags);
    else
        diags.error(root, "objectives", "missing: what a plan is judged by");
    if (auto c = root["constraints"]) read_constraints(c, p, diags);
    if (auto m = root["method"]) read_method(m, p, diags);
    p.fresh_replications = 4 * p.replications;
    p.fresh_seed = p.seed + 1;
    if (auto r = root["reevaluate"]) {
        input::check_keys(r, "reevaluate", {"replications", "seed"}, diags);
        if (!r.IsMap())
            diags.error(r, "reevaluate",
                        "expected {replications: N, seed: S}, found " + input::found(r));
        else {
            if (auto n = r["replications"])
                p.fresh_replications = static_cast<std::uint32_t>(
                    input::whole(n, "reevaluate.replications", 1, 1e6, diags)
                        .value_or(p.fresh_replications));
            if (auto n = r["seed"])
                p.fresh_seed =
                    input::whole(n, "reevaluate.seed", 0, 1.8e19, diags).value_or(p.fresh_seed);
            if (p.fresh_seed == p.seed)
                diags.error(r["seed"] ? r["seed"] : r, "reevaluate.seed",
                            "expected a seed other than the search's (" + std::to_string(p.seed) +
                                "): fresh replications need fresh random numbers");
        }
    }
    diags.throw_if_any();
    const double runs = double(p.population) * (double(p.generations) + 1) * p.replications;
    if (runs > 1e9)
        diags.error(root["method"] ? root["method"] : root, "method",
                    "the search would run up to " + std::to_string(static_cast<long long>(runs)) +
                        " replications: at most 10^9");
    diags.throw_if_any();
    return p;
}

}  // namespace

std::string Decision::format(double value) const {
    if (parameter) return parameter->format(value);
    return format_number(value);
}

std::vector<const PlanQuantity*> OptimisationPlan::quantities() const {
    std::vector<const PlanQuantity*> q;
    for (const auto& o : objectives) q.push_back(&o.quantity);
    for (const auto& c : constraints) q.push_back(&c.quantity);
    return q;
}

std::string OptimisationPlan::candidate_yaml(const std::vector<double>& x,
                                             const std::string& scenario_name,
                                             std::uint64_t run_seed, std::uint32_t run_replications,
                                             const std::string& header) const {
    YAML::Node root = YAML::Load(base.resolved_yaml);
    root["name"] = scenario_name;
    root["seed"] = run_seed;
    root["replications"] = run_replications;
    const Calendar cal(base.scenario.start);
    for (std::size_t k = 0; k < decisions.size(); ++k) {
        const Decision& d = decisions[k];
        const std::string value = d.format(x[k]);
        switch (d.kind) {
            case Decision::Kind::Parameter:
                root["set"][d.parameter->key] = value;
                break;
            case Decision::Kind::YearParameter: {
                YAML::Node e(YAML::NodeType::Map);
                e["date"] = format_date(cal.date_of(cal.year_start(d.year)));
                e["until"] = format_date(cal.date_of(cal.year_end(d.year)));
                e["set"][d.parameter->key] = value;
                e["note"] = "decided by hubsim optimise";
                root["timeline"].push_back(e);
                break;
            }
            case Decision::Kind::HubCapacity:
                root["hubs"][d.hub]["capacity_factor"] = value;
                break;
        }
    }
    YAML::Emitter out;
    out.SetIndent(2);
    out << root;
    std::string text;
    if (!header.empty()) {
        std::size_t at = 0;
        while (at < header.size()) {
            const std::size_t nl = header.find('\n', at);
            text += "# " + header.substr(at, nl == std::string::npos ? nl : nl - at) + "\n";
            if (nl == std::string::npos) break;
            at = nl + 1;
        }
    }
    return text + out.c_str() + "\n";
}

LoadedScenario OptimisationPlan::candidate(const std::vector<double>& x, std::uint64_t run_seed,
                                           std::uint32_t run_replications) const {
    const std::string n = name + "-candidate";
    return load_scenario_text(candidate_yaml(x, n, run_seed, run_replications),
                              fs::path(path).parent_path() / (n + ".yaml"));
}

bool is_optimisation_plan(const fs::path& path) {
    constexpr std::string_view key = "objectives";
    return input::has_keys(path, std::span<const std::string_view>(&key, 1));
}

OptimisationPlan load_optimisation_plan(const fs::path& path,
                                        const std::vector<std::string>& overrides) {
    return input::guard_yaml(path, [&] { return read_plan(path, overrides); });
}

bool OptimisationResult::feasible(std::size_t candidate, const OptimisationPlan& plan) const {
    const std::size_t o = plan.objectives.size();
    for (std::size_t c = 0; c < plan.constraints.size(); ++c) {
        const auto& pc = plan.constraints[c];
        const double v = evaluated_estimates[candidate][o + c].mean;
        if (!pc.met(v)) return false;
    }
    return true;
}

void write_optimisation_file(const fs::path& path, const OptimisationPlan& plan,
                             const OptimisationResult& r, const std::string& command_line,
                             int threads) {
    using namespace h5;
    create_atomically(path, [&](hid_t file) {
        write_provenance(file, command_line, threads);
        attr_string(file, "study", "optimise");
        attr_string(file, "method", "nsga2");
        attr_number<std::uint64_t>(file, "seed", plan.seed);
        attr_number<std::uint32_t>(file, "replications", plan.replications);
        attr_number<std::uint64_t>(file, "reevaluation_seed", plan.fresh_seed);
        attr_number<std::uint32_t>(file, "reevaluation_replications", plan.fresh_replications);
        attr_number<std::uint32_t>(file, "population", plan.population);
        attr_number<std::uint32_t>(file, "generations", plan.generations);
        attr_string(file, "uncertainty", std::string(plan.base.scenario.uncertainty()));
        scalar_string(file, "plan_file", plan.source_text);
        scalar_string(file, "scenario", plan.base.resolved_yaml);
        std::vector<std::string> vars, quantities, directions;
        std::vector<double> low, high;
        std::vector<std::int32_t> integer;
        for (const auto& d : plan.decisions) {
            vars.push_back(d.label);
            low.push_back(d.low);
            high.push_back(d.high);
            integer.push_back(d.integer ? 1 : 0);
        }
        for (const auto& o : plan.objectives) {
            quantities.push_back(o.quantity.label);
            directions.emplace_back(o.maximise ? "maximise" : "minimise");
        }
        for (const auto& c : plan.constraints) {
            quantities.push_back(c.quantity.label);
            directions.push_back(c.label);
        }
        const std::size_t Q = quantities.size(), E = r.evaluated.size();
        Scales s;
        s.add("variable", string_vector(file, "variable", vars));
        s.add("quantity", string_vector(file, "quantity", quantities));
        std::vector<std::int32_t> ids(E);
        for (std::size_t i = 0; i < E; ++i) ids[i] = static_cast<std::int32_t>(i);
        s.add("candidate", numeric(file, "candidate", {E}, ids.data()));
        std::vector<std::int32_t> gens(r.generation_evaluations.size());
        for (std::size_t i = 0; i < gens.size(); ++i) gens[i] = static_cast<std::int32_t>(i);
        s.add("generation", numeric(file, "generation", {gens.size()}, gens.data()));
        Handle(string_vector(file, "quantity_role", directions), H5Dclose, "write quantity_role");
        put(file, "low", {"variable"}, s, nullptr, low.data(), "the variable's lower bound");
        put(file, "high", {"variable"}, s, nullptr, high.data(), "the variable's upper bound");
        put(file, "integer", {"variable"}, s, nullptr, integer.data(), "1: whole values only");
        std::vector<double> x, mean, lo, hi;
        for (std::size_t e = 0; e < E; ++e) {
            x.insert(x.end(), r.evaluated[e].begin(), r.evaluated[e].end());
            for (const auto& est : r.evaluated_estimates[e]) {
                mean.push_back(est.mean);
                lo.push_back(est.low);
                hi.push_back(est.high);
            }
        }
        if (E > 0) {
            put(file, "decisions", {"candidate", "variable"}, s, nullptr, x.data(),
                "each candidate evaluated: its decisions");
            put(file, "estimate", {"candidate", "quantity"}, s, nullptr, mean.data(),
                "each quantity's mean over the search's replications");
            put(file, "estimate_low", {"candidate", "quantity"}, s, nullptr, lo.data(),
                "90% interval of that mean, low");
            put(file, "estimate_high", {"candidate", "quantity"}, s, nullptr, hi.data(),
                "90% interval of that mean, high");
        }
        put(file, "generation_candidates", {"generation"}, s, nullptr,
            r.generation_evaluations.data(), "distinct candidates evaluated by this generation");
        put(file, "generation_feasible", {"generation"}, s, nullptr, r.generation_feasible.data(),
            "of which meet every constraint");
        Handle g(H5Gcreate2(file, "front", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose,
                 "create /front");
        attr_number<std::uint32_t>(g, "plans", static_cast<std::uint32_t>(r.front.size()));
        if (r.front.empty()) return;
        const std::size_t F = r.front.size();
        Scales local;
        local.add("variable", string_vector(g, "variable", vars));
        local.add("quantity", string_vector(g, "quantity", quantities));
        std::vector<std::int32_t> plan_ids(F);
        for (std::size_t i = 0; i < F; ++i) plan_ids[i] = static_cast<std::int32_t>(i + 1);
        local.add("plan", numeric(g, "plan", {F}, plan_ids.data()));
        std::vector<std::int32_t> which;
        std::vector<std::uint32_t> fresh_n;
        std::vector<double> fx, sm, sl, sh, fm, fl, fh;
        for (std::size_t k = 0; k < F; ++k) {
            const std::size_t e = r.front[k];
            which.push_back(static_cast<std::int32_t>(e));
            fresh_n.push_back(r.fresh[k].empty() ? 0 : r.fresh[k].front().n);
            fx.insert(fx.end(), r.evaluated[e].begin(), r.evaluated[e].end());
            for (std::size_t q = 0; q < Q; ++q) {
                sm.push_back(r.evaluated_estimates[e][q].mean);
                sl.push_back(r.evaluated_estimates[e][q].low);
                sh.push_back(r.evaluated_estimates[e][q].high);
                fm.push_back(r.fresh[k][q].mean);
                fl.push_back(r.fresh[k][q].low);
                fh.push_back(r.fresh[k][q].high);
            }
        }
        const std::vector<std::string> pq = {"plan", "quantity"};
        put(g, "candidate", {"plan"}, local, nullptr, which.data(),
            "the plan's index in /candidate");
        put(g, "decisions", {"plan", "variable"}, local, nullptr, fx.data(),
            "the plan's decisions");
        put(g, "search", pq, local, nullptr, sm.data(),
            "mean over the search's replications (selected on them: optimistic)");
        put(g, "search_low", pq, local, nullptr, sl.data(), "its 90% interval, low");
        put(g, "search_high", pq, local, nullptr, sh.data(), "its 90% interval, high");
        put(g, "fresh", pq, local, nullptr, fm.data(),
            "mean over fresh replications (another seed, more of them): the estimate to use");
        put(g, "fresh_low", pq, local, nullptr, fl.data(), "its 90% interval, low");
        put(g, "fresh_high", pq, local, nullptr, fh.data(), "its 90% interval, high");
        put(g, "fresh_replications", {"plan"}, local, nullptr, fresh_n.data(),
            "the fresh replications each plan ran (more than asked where --precision needed them)");
        Handle(string_vector(g, "scenario", r.plan_yaml), H5Dclose, "write the plans' scenarios");
        std::vector<std::string> names;
        for (const auto& f : r.plan_files) names.push_back(fs::path(f).filename().string());
        Handle(string_vector(g, "file", names), H5Dclose, "write the plans' file names");
        attr_string(g, "folder",
                    r.plan_files.empty() ? std::string()
                                         : fs::path(r.plan_files.front()).parent_path().string());
    });
}

}  // namespace hubsim
