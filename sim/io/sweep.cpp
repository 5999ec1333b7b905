#include "hubsim/io/sweep.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>

#include "hubsim/engine/calendar.hpp"
#include "hubsim/engine/design.hpp"
#include "hubsim/io/diagnostics.hpp"
#include "hubsim/io/digest.hpp"
#include "hubsim/model/replication.hpp"
#include "yaml_input.hpp"

namespace hubsim {

namespace fs = std::filesystem;

namespace {

using input::Diagnostics;

/// One varied parameter: {values: [...]}, {range: [low, high], steps: n} or {uniform: [...]}.
std::optional<SweepParameter> read_parameter(const ParamSpec& spec, const YAML::Node& v,
                                             const std::string& where, SweepDesign design,
                                             Diagnostics& diags) {
    SweepParameter p;
    p.spec = &spec;
    if (!v.IsMap()) {
        diags.error(v, where,
                    "expected {values: [...]}, {range: [low, high], steps: n} or {uniform: [low, "
                    "high]}");
        return std::nullopt;
    }
    input::check_keys(v, where, {"values", "range", "steps", "uniform"}, diags);
    if (auto vals = v["values"]) {
        if (!vals.IsSequence() || vals.size() == 0)
            diags.error(vals, where + ".values", "expected a non-empty list");
        for (std::size_t i = 0; vals.IsSequence() && i < vals.size(); ++i)
            if (auto x = input::parameter_value(
                    spec, vals[i], where + ".values[" + std::to_string(i) + "]", diags))
                p.values.push_back(*x);
        return p;
    }
    const YAML::Node b = v["range"] ? v["range"] : v["uniform"];
    if (!b) {
        diags.error(v, where, "expected values, range or uniform");
        return std::nullopt;
    }
    const std::string what = v["range"] ? "range" : "uniform";
    if (spec.kind == ParamKind::Choice || spec.kind == ParamKind::Flag) {
        diags.error(b, where + "." + what, "a choice takes a list of values, not a " + what);
        return std::nullopt;
    }
    if (!b.IsSequence() || b.size() != 2) {
        diags.error(b, where + "." + what, "expected [low, high]");
        return std::nullopt;
    }
    const auto lo = input::parameter_value(spec, b[0], where + "." + what + "[0]", diags);
    const auto hi = input::parameter_value(spec, b[1], where + "." + what + "[1]", diags);
    if (lo && hi && *lo > *hi) diags.error(b, where + "." + what, "expected low <= high");
    p.low = lo.value_or(0);
    p.high = hi.value_or(0);
    if (what == "range") {
        const YAML::Node steps = v["steps"];
        if (design == SweepDesign::Grid && !steps)
            diags.error(v, where + ".steps",
                        "a grid over a range needs steps (a whole number >= 1), found nothing");
        else if (steps)
            if (auto n = input::whole(steps, where + ".steps", 1, 1e9, diags))
                p.steps = static_cast<std::uint32_t>(*n);
    } else if (design == SweepDesign::Grid) {
        diags.error(b, where + ".uniform",
                    "a grid needs values or a range with steps; uniform is for latin_hypercube "
                    "or sobol (or a calibration's prior: a calibration file has observations)");
    }
    return p;
}

}  // namespace

bool is_sweep_file(const fs::path& path) {
    // A scenario never has `scenario` or `design`, and its `parameters` is a word (drawn or
    // fixed): a sweep missing some of its keys is still told so as a sweep.
    try {
        const YAML::Node root =
            YAML::Load(input::read_text(path, "YAML file", input::kMaxYamlBytes));
        return root.IsMap() && (root["scenario"] || root["design"] ||
                                (root["parameters"] && root["parameters"].IsMap()));
    } catch (const std::exception&) {
        return false;
    }
}

namespace {

SweepSpec read_load_sweep(const fs::path& path, const std::vector<std::string>& overrides) {
    SweepSpec sw;
    sw.path = path.string();
    const input::YamlFile file = input::load_yaml(path, "sweep file");
    sw.source_text = file.text;
    const YAML::Node& root = file.root;
    Diagnostics diags(sw.path);
    input::check_keys(root, "",
                      {"scenario", "name", "replications", "design", "parameters", "keep"}, diags);

    sw.base = input::base_scenario(root, path, diags, overrides);
    sw.name = path.stem().string();
    if (auto n = root["name"])
        if (auto t = input::output_name(n, "name", diags)) sw.name = *t;
    sw.replications = sw.base.scenario.replications;
    if (auto r = root["replications"])
        sw.replications = static_cast<std::uint32_t>(
            input::whole(r, "replications", 1, 1e6, diags).value_or(sw.replications));
    if (auto k = root["keep"]) {
        constexpr std::array<std::string_view, 2> kinds = {"summaries", "trajectories"};
        if (auto c = input::choice(k, "keep", kinds, diags)) sw.keep_trajectories = *c == 1;
    }
    if (auto d = root["design"]) {
        if (!d.IsMap()) {
            diags.error(d, "design",
                        "expected a mapping with kind (grid, latin_hypercube, sobol) and points");
        } else {
            input::check_keys(d, "design", {"kind", "points"}, diags);
            constexpr std::array<std::string_view, 3> kinds = {"grid", "latin_hypercube", "sobol"};
            if (auto k = d["kind"])
                if (auto c = input::choice(k, "design.kind", kinds, diags))
                    sw.design = static_cast<SweepDesign>(*c);
            if (sw.design != SweepDesign::Grid) {
                if (auto n = d["points"])
                    sw.sampled_points = static_cast<std::uint32_t>(
                        input::whole(n, "design.points", 1, 1e8, diags).value_or(0));
                else
                    diags.error(d, "design.points",
                                "expected the number of points (a whole number >= 1), found "
                                "nothing");
            }
        }
    }
    const YAML::Node params = root["parameters"];
    if (!params || !params.IsMap() || params.size() == 0) {
        diags.error(params.IsDefined() ? params : root, "parameters",
                    "expected a mapping of parameter: {values | range | uniform}");
        diags.throw_if_any();
    }
    for (const auto& kv : params) {
        const std::string key = kv.first.Scalar();
        const std::string where = "parameters." + key;
        if (const ParamSpec* spec = input::parameter(kv.first, key, where, diags))
            if (auto p = read_parameter(*spec, kv.second, where, sw.design, diags))
                sw.parameters.push_back(*p);
    }
    if (sw.design == SweepDesign::Sobol && sw.parameters.size() > kSobolMaxDims)
        diags.error(params, "parameters", "a Sobol design takes at most 16 parameters");
    diags.throw_if_any();
    if (const std::size_t n = sw.point_count(); n > kMaxSweepPoints)
        diags.error(sw.design == SweepDesign::Grid ? params : root["design"],
                    sw.design == SweepDesign::Grid ? "parameters" : "design.points",
                    "the design has " +
                        (n == SIZE_MAX ? std::string("more than 10^19") : std::to_string(n)) +
                        " points; a sweep may have at most " + std::to_string(kMaxSweepPoints) +
                        " (split it, or sample it with latin_hypercube or sobol)");
    diags.throw_if_any();
    return sw;
}

}  // namespace

SweepSpec load_sweep(const fs::path& path, const std::vector<std::string>& overrides) {
    return input::guard_yaml(path, [&] { return read_load_sweep(path, overrides); });
}

std::size_t SweepSpec::point_count() const {
    if (design != SweepDesign::Grid) return sampled_points;
    std::size_t total = 1;
    for (const auto& p : parameters) {
        const std::size_t levels = p.values.empty() ? p.steps : p.values.size();
        if (levels != 0 && total > SIZE_MAX / levels) return SIZE_MAX;
        total *= levels;
    }
    return total;
}

std::vector<std::vector<double>> SweepSpec::points() const {
    const std::size_t d = parameters.size();
    auto level_values = [](const SweepParameter& p) {
        if (!p.values.empty()) return p.values;
        std::vector<double> v;
        for (std::uint32_t i = 0; i < p.steps; ++i)
            v.push_back(p.steps == 1
                            ? p.low
                            : p.low + (p.high - p.low) * i / static_cast<double>(p.steps - 1));
        return v;
    };
    std::vector<std::vector<double>> out;
    if (design == SweepDesign::Grid) {
        // The first parameter varies slowest.
        std::vector<std::vector<double>> levels;
        std::size_t total = 1;
        for (const auto& p : parameters) {
            levels.push_back(level_values(p));
            total *= levels.back().size();
        }
        for (std::size_t i = 0; i < total; ++i) {
            std::vector<double> point(d);
            std::size_t rest = i;
            for (std::size_t k = d; k-- > 0;) {
                point[k] = levels[k][rest % levels[k].size()];
                rest /= levels[k].size();
            }
            out.push_back(point);
        }
    } else {
        const auto unit = design == SweepDesign::Sobol
                              ? sobol_points(sampled_points, d)
                              : latin_hypercube(sampled_points, d, base.scenario.seed);
        for (const auto& u : unit) {
            std::vector<double> point(d);
            for (std::size_t k = 0; k < d; ++k) {
                const SweepParameter& p = parameters[k];
                if (!p.values.empty()) {
                    point[k] = p.values[std::min(
                        p.values.size() - 1,
                        static_cast<std::size_t>(u[k] * static_cast<double>(p.values.size())))];
                } else {
                    double x = p.low + (p.high - p.low) * u[k];
                    if (p.spec->kind == ParamKind::Count)
                        x = std::clamp(std::round(x), p.low, p.high);
                    point[k] = x;
                }
            }
            out.push_back(point);
        }
    }
    return out;
}

Scenario SweepSpec::scenario_at(const std::vector<double>& point) const {
    Scenario sc = base.scenario;
    for (std::size_t k = 0; k < parameters.size(); ++k)
        sc.set_explicitly(*parameters[k].spec, point[k]);  // above any posterior draw
    sc.replications = replications;
    return sc;
}

std::string SweepSpec::fingerprint(const std::vector<double>& point) const {
    // The resolved base scenario fixes everything else, including the seed.
    std::string s = sha256_hex(base.resolved_yaml).substr(0, 16);
    for (std::size_t k = 0; k < parameters.size(); ++k)
        s += ";" + parameters[k].spec->key + "=" + parameters[k].spec->format(point[k]);
    return s;
}

PointResults PointResults::from(Results r, bool keep, std::string fingerprint) {
    PointResults p;
    p.fingerprint = std::move(fingerprint);
    p.replications = static_cast<std::uint32_t>(r.replications);
    const std::size_t np = r.phases.size();
    p.engaged.assign(r.replications * r.times() * np, 0);
    for (std::size_t k = 0; k < r.replications; ++k)
        for (std::size_t t = 0; t < r.times(); ++t)
            for (std::size_t h = 0; h < r.hubs; ++h)
                for (std::size_t c = 0; c < np; ++c)
                    p.engaged[(k * r.times() + t) * np + c] += r.engaged[r.phase_cell(k, t, h, c)];
    if (!keep)
        for_each_series(r, [](const SeriesSpec& spec, auto& data) {
            if (spec.group == "trajectories") data = {};
        });
    p.run = std::move(r);
    return p;
}

void PointResults::append(const PointResults& later) {
    replications += later.replications;
    engaged.insert(engaged.end(), later.engaged.begin(), later.engaged.end());
    for_each_series(run, later.run, [](const SeriesSpec&, auto& data, const auto& more) {
        data.insert(data.end(), more.begin(), more.end());
    });
}

void PointResults::truncate(std::uint32_t n) {
    if (n >= replications) return;
    for_each_array(*this,
                   [&](std::string_view, auto& v) { v.resize(v.size() / replications * n); });
    replications = n;
}

SweepFile SweepFile::describe(const SweepSpec& spec) {
    SweepFile f;
    const Scenario& sc = spec.base.scenario;
    f.name = spec.name;
    f.sweep_text = spec.source_text;
    f.scenario_yaml = spec.base.resolved_yaml;
    f.start_date = format_date(sc.start);
    f.seed = sc.seed;
    for (const auto& p : spec.parameters) {
        f.parameter_keys.push_back(p.spec->key);
        f.parameter_choices.push_back(
            p.spec->kind == ParamKind::Choice ? p.spec->choices : std::vector<std::string>{});
    }
    f.point_values = spec.points();
    f.total_points = static_cast<std::uint32_t>(f.point_values.size());
    for (std::uint32_t i = 0; i < f.total_points; ++i) f.point_index.push_back(i);
    Results shape;
    prepare_results(sc, 0, shape);
    for (Day d : shape.sample_days) f.sample_days.push_back(d.value);
    f.years.assign(shape.years.begin(), shape.years.end());
    for (const auto& h : sc.hubs) f.hubs.push_back(h.name);
    for (Phase p : shape.phases) f.phases.emplace_back(hubsim::name(p));
    f.hub_schools.assign(sc.hubs.size() * shape.phases.size(), 0);
    for (const auto& s : sc.schools)
        if (const std::size_t c = shape.column(s.phase); c < shape.phases.size())
            ++f.hub_schools[s.hub * shape.phases.size() + c];
    f.uncertainty = std::string(sc.uncertainty());
    f.parameters = sc.posterior.empty() ? (sc.parameters_fixed ? "fixed" : "none") : "drawn";
    f.targets = TargetTable::of(sc);
    f.replications = spec.replications;
    f.trajectories = spec.keep_trajectories;
    return f;
}

}  // namespace hubsim
