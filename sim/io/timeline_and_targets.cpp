// A scenario's timeline (dated changes to parameters) and its strategic targets.

#include <algorithm>

#include "scenario_sections.hpp"

namespace hubsim::scenario_io {

namespace {

constexpr std::array<std::pair<std::string_view, ParameterChange::Op>, 3> kOps = {
    {{"set", ParameterChange::Op::Set},
     {"scale", ParameterChange::Op::Scale},
     {"add", ParameterChange::Op::Add}}};

/// The changes of one event's `set`, `scale` and `add`, in that order. A parameter may be
/// changed once per event.
std::vector<ParameterChange> read_changes(const YAML::Node& event, const std::string& path,
                                          Diagnostics& diags) {
    std::vector<ParameterChange> out;
    bool any = false;
    for (const auto& entry : kOps) {
        const std::string_view word = entry.first;    // not a structured binding: lambdas below
        const ParameterChange::Op op = entry.second;  // capture them (clang 14)
        const YAML::Node m = event[std::string(word)];
        if (!m.IsDefined()) continue;
        any = true;
        const std::string where = path + "." + std::string(word);
        if (!m.IsMap()) {
            diags.error(m, where,
                        "expected a mapping of parameter: value, found " + input::found(m));
            continue;
        }
        for_each_parameter(
            m, where, diags,
            [&](const ParamSpec& spec, const YAML::Node& value, const std::string& at) {
                if (std::any_of(out.begin(), out.end(),
                                [&](const ParameterChange& c) { return c.spec == &spec; })) {
                    diags.error(value, at, "'" + spec.key + "' is changed twice in one event");
                    return;
                }
                if (spec.use == ParamUse::WholeRun) {
                    diags.error(value, at,
                                "'" + spec.key +
                                    "' is fixed for the whole run (read when a replication "
                                    "starts): a timeline event cannot change it");
                    return;
                }
                std::optional<double> v;
                if (op == ParameterChange::Op::Set) {
                    v = input::parameter_value(spec, value, at, diags);
                } else if (spec.kind == ParamKind::Choice || spec.kind == ParamKind::Flag) {
                    diags.error(
                        value, at,
                        "'" + spec.key + "' is not a number: use set, not " + std::string(word));
                    return;
                } else {
                    v = input::real(value, at, op == ParameterChange::Op::Scale ? 0 : -1e300, 1e300,
                                    diags);
                }
                if (v) out.push_back({&spec, op, *v});
            });
    }
    if (!any) diags.error(event, path + ".set", "expected set, scale or add: the changes to make");
    return out;
}

}  // namespace

void read_timeline(const YAML::Node& node, Scenario& sc, Diagnostics& diags) {
    if (!node.IsDefined()) return;
    if (!node.IsSequence()) {
        diags.error(node, "timeline",
                    "expected a list of {date, set}, found " + input::found(node));
        return;
    }
    for (std::size_t i = 0; i < node.size(); ++i) {
        const YAML::Node& e = node[i];
        const std::string path = "timeline[" + std::to_string(i) + "]";
        if (!e.IsMap()) {
            diags.error(e, path, "expected a mapping with date and set, found " + input::found(e));
            continue;
        }
        input::check_keys(e, path, {"date", "until", "set", "scale", "add", "note"}, diags);
        TimelineEvent ev;
        bool dated = false;
        if (auto d = e["date"]) {
            if (auto v = input::date(d, path + ".date", diags)) {
                ev.date = *v;
                dated = true;
            }
        } else {
            diags.error(e, path, "missing key 'date'");
        }
        if (auto u = e["until"]) {
            ev.until = input::date(u, path + ".until", diags);
            if (ev.until && dated && (*ev.until < ev.date))
                diags.error(u, path + ".until",
                            "expected a date on or after " + format_date(ev.date) + ", found " +
                                format_date(*ev.until));
        }
        if (auto n = e["note"]) {
            if (n.IsScalar())
                ev.note = n.Scalar();
            else
                diags.error(n, path + ".note", "expected text, found " + input::found(n));
        }
        ev.changes = read_changes(e, path, diags);
        // Kept (a horizon shortened by --set end must still run), but said.
        if (dated && sc.end < ev.date)
            diags.warn(e["date"], path + ".date",
                       "the event starts after the run ends (" + format_date(sc.end) +
                           "): it never applies");
        else if (ev.until && *ev.until < sc.start)
            diags.warn(e["until"], path + ".until",
                       "the event ends before the run starts (" + format_date(sc.start) +
                           "): it never applies");
        sc.timeline.push_back(std::move(ev));
    }
    std::stable_sort(
        sc.timeline.begin(), sc.timeline.end(),
        [](const TimelineEvent& a, const TimelineEvent& b) { return (a.date < b.date); });
}

void read_targets(const YAML::Node& node, Scenario& sc, Diagnostics& diags) {
    if (!node.IsDefined()) return;
    if (!node.IsSequence()) {
        diags.error(node, "targets",
                    "expected a list of {phase, share, by} or {count, role, per_hub, by}, found " +
                        input::found(node));
        return;
    }
    for (std::size_t i = 0; i < node.size(); ++i) {
        const YAML::Node& t = node[i];
        const std::string path = "targets[" + std::to_string(i) + "]";
        if (!t.IsMap()) {
            diags.error(t, path,
                        "expected a mapping with phase, share and by (or count, role, per_hub and "
                        "by), found " +
                            input::found(t));
            continue;
        }
        Target target;
        target.by = sc.end;
        if (t["count"]) {
            // A number of active leaders: of one role, or of every role; nationally, or in
            // every hub.
            input::check_keys(t, path, {"count", "role", "per_hub", "by"}, diags);
            target.measure = Target::Measure::ActiveLeaders;
            target.value = input::real(t["count"], path + ".count", 0, 1e9, diags).value_or(0);
            if (auto r = t["role"]) {
                std::vector<std::string_view> roles;
                for (LlmeRole role : kRoles) roles.push_back(name(role));
                if (auto k = input::choice(r, path + ".role", roles, diags))
                    target.role = kRoles[*k];
            }
            if (auto h = t["per_hub"]) {
                constexpr std::array<std::string_view, 2> flags = {"false", "true"};
                target.per_hub = input::choice(h, path + ".per_hub", flags, diags).value_or(0) == 1;
            }
        } else {
            input::check_keys(t, path, {"phase", "share", "by"}, diags);
            if (auto p = t["phase"]; p && p.IsScalar() && parse_phase(p.Scalar())) {
                target.phase = *parse_phase(p.Scalar());
                if (!sc.params.of(target.phase).modelled())
                    diags.error(p, path + ".phase",
                                "phase '" + p.Scalar() + "' has no pipeline in this scenario");
            } else {
                diags.error(p.IsDefined() ? p : t, path + ".phase",
                            "expected primary, secondary or post16, found " + input::found(p));
            }
            if (auto s = t["share"])
                target.value = input::real(s, path + ".share", 0, 1, diags).value_or(0);
            else
                diags.error(t, path, "missing key 'share' (or 'count', for a number of leaders)");
        }
        if (auto b = t["by"]) {
            const auto by = input::date(b, path + ".by", diags);
            target.by = by.value_or(sc.end);
            if (by && sc.end < target.by)
                diags.warn(b, path + ".by",
                           "due after the run ends (" + format_date(sc.end) +
                               "): it can never be judged met");
        }
        sc.targets.push_back(target);
    }
}

}  // namespace hubsim::scenario_io
