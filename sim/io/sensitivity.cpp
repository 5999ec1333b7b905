// A sensitivity study file (docs/decisions.md).

#include "hubsim/io/sensitivity.hpp"

#include <cmath>

#include "h5.hpp"
#include "hubsim/io/diagnostics.hpp"
#include "hubsim/io/observations.hpp"
#include "study_output.hpp"
#include "yaml_input.hpp"

namespace hubsim {

namespace fs = std::filesystem;

namespace {

using input::Diagnostics;

void read_outputs(const YAML::Node& n, SensitivitySpec& s, Diagnostics& diags) {
    if (!n.IsSequence() || n.size() == 0) {
        diags.error(n, "outputs",
                    "expected a list of {measure, phase, scope, date}, found " + input::found(n));
        return;
    }
    for (std::size_t i = 0; i < n.size(); ++i)
        if (auto out = read_study_output(n[i], "outputs[" + std::to_string(i) + "]",
                                         s.base.scenario, {}, diags))
            s.outputs.push_back(*out);
}

void read_method(const YAML::Node& m, SensitivitySpec& s, Diagnostics& diags) {
    if (!m.IsMap()) {
        diags.error(
            m, "method",
            "expected {kind: sobol, samples: N} or {kind: morris, trajectories: R}, found " +
                input::found(m));
        return;
    }
    constexpr std::array<std::string_view, 2> kinds = {"sobol", "morris"};
    if (auto k = m["kind"]) {
        if (auto c = input::choice(k, "method.kind", kinds, diags))
            s.method = static_cast<SensitivityMethod>(*c);
    } else {
        diags.error(m, "method", "missing key 'kind' (sobol or morris)");
        return;
    }
    if (s.method == SensitivityMethod::Sobol) {
        input::check_keys(m, "method", {"kind", "samples", "bootstrap"}, diags);
        if (auto n = m["samples"])
            s.samples = static_cast<std::uint32_t>(
                input::whole(n, "method.samples", 2, 1e6, diags).value_or(s.samples));
        if (auto n = m["bootstrap"])
            s.bootstrap = static_cast<std::uint32_t>(
                input::whole(n, "method.bootstrap", 0, 1e5, diags).value_or(s.bootstrap));
    } else {
        input::check_keys(m, "method", {"kind", "trajectories", "levels"}, diags);
        if (auto n = m["trajectories"])
            s.trajectories = static_cast<std::uint32_t>(
                input::whole(n, "method.trajectories", 1, 1e6, diags).value_or(s.trajectories));
        if (auto n = m["levels"])
            s.levels = static_cast<std::uint32_t>(
                input::whole(n, "method.levels", 2, 1000, diags).value_or(s.levels));
        if (s.levels % 2 != 0)
            diags.error(m["levels"], "method.levels",
                        "expected an even number of levels (the step is then a whole number "
                        "of grid steps), found " +
                            std::to_string(s.levels));
    }
}

SensitivitySpec read_load_sensitivity(const fs::path& path,
                                      const std::vector<std::string>& overrides) {
    SensitivitySpec s;
    s.path = path.string();
    const input::YamlFile file = input::load_yaml(path, "sensitivity study");
    s.source_text = file.text;
    const YAML::Node& root = file.root;
    Diagnostics diags(s.path);
    input::check_keys(
        root, "", {"scenario", "name", "parameters", "outputs", "method", "replications", "seed"},
        diags);
    s.base = input::base_scenario(root, path, diags, overrides);
    s.name = path.stem().string();
    if (auto n = root["name"])
        if (auto t = input::output_name(n, "name", diags)) s.name = *t;
    input::study_replications_and_seed(root, overrides, s.base.scenario, s.replications, s.seed,
                                       diags);
    const YAML::Node params = root["parameters"];
    if (!params || !params.IsMap() || params.size() == 0)
        diags.error(params.IsDefined() ? params : root, "parameters",
                    "expected a mapping of parameter: {uniform: [low, high]}");
    else
        input::uniform_parameters(params, s.parameters, s.low, s.high, diags);
    if (auto o = root["outputs"])
        read_outputs(o, s, diags);
    else
        diags.error(root, "outputs", "missing: the measures to explain");
    if (auto m = root["method"]) read_method(m, s, diags);
    diags.throw_if_any();
    const double points = s.method == SensitivityMethod::Sobol
                              ? double(s.samples) * (double(s.parameters.size()) + 2)
                              : double(s.trajectories) * (double(s.parameters.size()) + 1);
    if (points * s.replications > 1e9)
        diags.error(root["method"] ? root["method"] : root, "method",
                    "the design would run " + std::to_string(static_cast<long long>(points)) +
                        " points of " + std::to_string(s.replications) +
                        " replications: at most 10^9 replications in all");
    diags.throw_if_any();
    return s;
}

}  // namespace

std::optional<StudyOutput> read_study_output(const YAML::Node& o, const std::string& at,
                                             const Scenario& sc,
                                             const std::vector<std::string_view>& more_keys,
                                             Diagnostics& diags) {
    if (!o.IsMap()) {
        diags.error(o, at, "expected {measure, phase, scope, date}, found " + input::found(o));
        return std::nullopt;
    }
    std::vector<std::string_view> keys = {"measure", "phase", "scope", "date"};
    keys.insert(keys.end(), more_keys.begin(), more_keys.end());
    input::check_keys(o, at, keys, diags);
    StudyOutput out;
    std::string field[3] = {"", "all", "national"};
    const char* names[3] = {"measure", "phase", "scope"};
    bool ok = true;
    for (int k = 0; k < 3; ++k) {
        if (auto v = o[names[k]]) {
            if (auto t = input::text(v, at + "." + names[k], diags))
                field[k] = *t;
            else
                ok = false;
        } else if (k == 0) {
            diags.error(o, at, "missing key 'measure'");
            ok = false;
        }
    }
    if (auto d = o["date"]) {
        if (auto v = input::date(d, at + ".date", diags)) {
            out.date = *v;
            if (*v < sc.start || sc.end < *v)
                diags.error(d, at + ".date",
                            "the date is outside the scenario (" + format_date(sc.start) + " to " +
                                format_date(sc.end) + ")");
        } else {
            ok = false;
        }
    } else {
        diags.error(o, at, "missing key 'date'");
        ok = false;
    }
    if (!ok) return std::nullopt;
    bool good = true;
    out.query = parse_measure_query(field[0], field[1], field[2], sc,
                                    [&](const char* f, const std::string& msg) {
                                        const YAML::Node at_node = o[f] ? o[f] : o;
                                        diags.error(at_node, at + "." + f, msg);
                                        good = false;
                                    });
    out.label = field[0] + " " + field[1] + " " + field[2] + " " + format_date(out.date);
    if (!good) return std::nullopt;
    return out;
}

bool is_sensitivity_file(const fs::path& path) {
    constexpr std::string_view key = "outputs";
    return input::has_keys(path, std::span<const std::string_view>(&key, 1));
}

SensitivitySpec load_sensitivity(const fs::path& path, const std::vector<std::string>& overrides) {
    return input::guard_yaml(path, [&] { return read_load_sensitivity(path, overrides); });
}

Scenario SensitivitySpec::scenario_at(const std::vector<double>& unit) const {
    Scenario sc = base.scenario;
    for (std::size_t k = 0; k < parameters.size(); ++k) {
        const double v = low[k] + (high[k] - low[k]) * unit[k];
        sc.set_explicitly(*parameters[k],
                          parameters[k]->kind == ParamKind::Count ? std::round(v) : v);
    }
    sc.replications = replications;
    return sc;
}

void write_sensitivity_file(const fs::path& path, const SensitivitySpec& spec,
                            const SensitivityResult& r, const std::string& command_line,
                            int threads) {
    using namespace h5;
    create_atomically(path, [&](hid_t file) {
        write_provenance(file, command_line, threads);
        attr_string(file, "study", "sensitivity");
        attr_string(file, "method", spec.method == SensitivityMethod::Sobol ? "sobol" : "morris");
        attr_number<std::uint64_t>(file, "seed", spec.seed);
        attr_number<std::uint32_t>(file, "replications", spec.replications);
        if (spec.method == SensitivityMethod::Sobol)
            attr_number<std::uint32_t>(file, "samples", r.samples ? r.samples : spec.samples);
        scalar_string(file, "study_file", spec.source_text);
        scalar_string(file, "scenario", spec.base.resolved_yaml);
        std::vector<std::string> keys, labels;
        for (const auto* p : spec.parameters) keys.push_back(p->key);
        for (const auto& o : spec.outputs) labels.push_back(o.label);
        std::vector<std::int32_t> ids(r.points.size());
        for (std::size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<std::int32_t>(i);
        Scales s;
        s.add("parameter", string_vector(file, "parameter", keys));
        s.add("output", string_vector(file, "output", labels));
        s.add("point", numeric(file, "point", {ids.size()}, ids.data()));
        std::vector<double> values;
        for (const auto& p : r.points) values.insert(values.end(), p.begin(), p.end());
        put(file, "low", {"parameter"}, s, nullptr, spec.low.data(), "the range's low end");
        put(file, "high", {"parameter"}, s, nullptr, spec.high.data(), "the range's high end");
        put(file, "design", {"point", "parameter"}, s, nullptr, values.data(),
            "each design point's parameter values");
        put(file, "outputs", {"point", "output"}, s, nullptr, r.outputs.data(),
            "each output at each point: the mean of its replications");
        Handle g(H5Gcreate2(file, "sensitivity", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose,
                 "create /sensitivity");
        Scales local;
        local.add("parameter", string_vector(g, "parameter", keys));
        local.add("output", string_vector(g, "output", labels));
        const std::vector<std::string> op = {"output", "parameter"};
        const auto put_op = [&](const char* name, const std::vector<double>& v, const char* what) {
            if (!v.empty()) put(g, name, op, local, &s, v.data(), what);
        };
        put_op("first_order", r.first, "Sobol first-order index: variance share alone");
        put_op("first_order_low", r.first_low, "first-order index: 90% bootstrap interval, low");
        put_op("first_order_high", r.first_high, "first-order index: 90% bootstrap interval, high");
        put_op("total", r.total, "Sobol total index: variance share with interactions");
        put_op("total_low", r.total_low, "total index: 90% bootstrap interval, low");
        put_op("total_high", r.total_high, "total index: 90% bootstrap interval, high");
        put_op("mu", r.mu, "Morris mean elementary effect, per unit of the parameter");
        put_op("mu_star", r.mu_star, "Morris mean absolute elementary effect, per unit");
        put_op("sigma", r.sigma, "Morris standard deviation of the elementary effects, per unit");
        if (!r.variance.empty())
            put(g, "variance", {"output"}, local, &s, r.variance.data(),
                "variance of the output over the design");
    });
}

}  // namespace hubsim
