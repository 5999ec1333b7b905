// Parameters in a scenario: nested maps of declared parameters, phase pipelines, and the
// explicit values of `set:`.

#include <algorithm>
#include <set>

#include "scenario_sections.hpp"

namespace hubsim::scenario_io {

namespace {

/// The keys a scenario may hold one level under `prefix`, for did-you-mean.
std::vector<std::string> children(const std::string& prefix) {
    std::set<std::string> out;
    auto consider = [&](const std::string& key) {
        if (key.size() <= prefix.size() || key.compare(0, prefix.size(), prefix) != 0) return;
        const std::string rest = key.substr(prefix.size());
        out.insert(rest.substr(0, rest.find('.')));
    };
    for (const auto& key : parameter_keys()) consider(key);
    for (Phase p : kPhases) consider("phases." + std::string(name(p)) + ".pipeline");
    return {out.begin(), out.end()};
}

/// The phase whose pipeline `path` names ("phases.primary.pipeline"), if it does.
std::optional<Phase> pipeline_of(const std::string& path) {
    constexpr std::string_view head = "phases.", tail = ".pipeline";
    if (!path.starts_with(head) || !path.ends_with(tail)) return std::nullopt;
    return parse_phase(
        std::string_view(path).substr(head.size(), path.size() - head.size() - tail.size()));
}

std::optional<Stage> pipeline_stage(const YAML::Node& node, const std::string& path,
                                    Diagnostics& diags) {
    std::vector<std::string_view> names;
    for (Stage s : kWorkGroupStages) names.push_back(name(s));
    const auto k = input::choice(node, path, names, diags);
    return k ? std::optional<Stage>(kWorkGroupStages[*k]) : std::nullopt;
}

void read_pipeline(const YAML::Node& value, const std::string& path, Phase phase,
                   Parameters& params, Diagnostics& diags) {
    if (!value.IsSequence()) {
        diags.error(value, path, "expected a list of stages, found " + input::found(value));
        return;
    }
    std::vector<Stage> pipeline;
    for (std::size_t i = 0; i < value.size(); ++i) {
        const std::string p = path + "[" + std::to_string(i) + "]";
        if (auto s = pipeline_stage(value[i], p, diags)) {
            if (std::find(pipeline.begin(), pipeline.end(), *s) != pipeline.end())
                diags.error(value[i], p, "stage '" + std::string(name(*s)) + "' appears twice");
            pipeline.push_back(*s);
        }
    }
    params.phase[index(phase)].pipeline = pipeline;
}

}  // namespace

bool is_parameter_prefix(const std::string& path) {
    const std::string dotted = path + ".";
    return std::any_of(parameter_keys().begin(), parameter_keys().end(),
                       [&](const std::string& k) { return k.starts_with(dotted); });
}

void read_parameters(const YAML::Node& map, const std::string& prefix, Parameters& params,
                     Diagnostics& diags) {
    std::vector<std::string> seen;
    for (const auto& kv : map) {
        const std::string key = kv.first.Scalar();
        const std::string path = prefix + key;
        const YAML::Node& value = kv.second;
        if (std::find(seen.begin(), seen.end(), key) != seen.end())
            diags.error(kv.first, path, "key '" + key + "' appears more than once");
        seen.push_back(key);
        if (const ParamSpec* spec = find_parameter(path)) {
            if (auto v = input::parameter_value(*spec, value, path, diags)) spec->set(params, *v);
        } else if (const auto phase = pipeline_of(path)) {
            read_pipeline(value, path, *phase, params, diags);
        } else if (is_parameter_prefix(path)) {
            if (!value.IsMap())
                diags.error(value, path,
                            "expected a mapping of parameters, found " + input::found(value));
            else
                read_parameters(value, path + ".", params, diags);
        } else {
            diags.error(kv.first, path, input::unknown("key", key, children(prefix)));
        }
    }
}

void for_each_parameter(
    const YAML::Node& map, const std::string& where, Diagnostics& diags,
    const std::function<void(const ParamSpec&, const YAML::Node&, const std::string&)>& each) {
    std::vector<const ParamSpec*> seen;
    std::function<void(const YAML::Node&, const std::string&)> walk =
        [&](const YAML::Node& m, const std::string& prefix) {
            for (const auto& kv : m) {
                const std::string key = prefix + kv.first.Scalar();
                const std::string path = where + "." + key;
                if (const ParamSpec* spec = find_parameter(key)) {
                    if (std::find(seen.begin(), seen.end(), spec) != seen.end()) {
                        diags.error(kv.first, path, "'" + key + "' is given more than once");
                        continue;
                    }
                    seen.push_back(spec);
                    each(*spec, kv.second, path);
                } else if (kv.second.IsMap() && is_parameter_prefix(key)) {
                    walk(kv.second, key + ".");
                } else {
                    input::parameter(kv.first, key, path, diags);  // reports it
                }
            }
        };
    walk(map, "");
}

void read_explicit_values(const YAML::Node& node, Scenario& sc, Diagnostics& diags) {
    if (!node.IsDefined()) return;
    if (!node.IsMap()) {
        diags.error(node, "set",
                    "expected a mapping of parameter: value, found " + input::found(node));
        return;
    }
    for_each_parameter(
        node, "set", diags,
        [&](const ParamSpec& spec, const YAML::Node& value, const std::string& path) {
            // A value from --set has no place in the file: name just its key.
            const bool typed = value.Mark().line < 0;
            if (auto v = input::parameter_value(spec, value, typed ? spec.key : path, diags))
                sc.set_explicitly(spec, *v);
        });
}

}  // namespace hubsim::scenario_io
