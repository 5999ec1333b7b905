#include "hubsim/io/calibration.hpp"

#include <tbb/task_arena.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "dotted_tree.hpp"
#include "h5.hpp"
#include "hubsim/io/atomic_file.hpp"
#include "hubsim/io/csv.hpp"
#include "hubsim/io/diagnostics.hpp"
#include "hubsim/io/observations.hpp"
#include "hubsim/io/output.hpp"
#include "hubsim/version.hpp"
#include "yaml_input.hpp"

namespace hubsim {

namespace fs = std::filesystem;

namespace {

using input::Diagnostics;

}  // namespace

void write_posterior_csv(const fs::path& calibration_h5, const fs::path& csv) {
    using namespace h5;
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    Handle f(H5Fopen(calibration_h5.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose,
             "open the calibration");
    const auto names = read_strings(f, "parameter");
    std::vector<double> theta, weight;
    read(f, "posterior", theta);
    read(f, "weight", weight);
    std::string out = "weight";
    for (const auto& n : names) out += "," + n;
    out += "\n";
    char buf[32];
    for (std::size_t i = 0; i < weight.size(); ++i) {
        std::snprintf(buf, sizeof buf, "%.17g", weight[i]);
        out += buf;
        for (std::size_t k = 0; k < names.size(); ++k) {
            std::snprintf(buf, sizeof buf, "%.17g", theta[i * names.size() + k]);
            out += std::string(",") + buf;
        }
        out += "\n";
    }
    write_text_atomically(csv, out);
}

bool is_calibration_file(const fs::path& path) {
    // Observations, or what only a calibration has (a method, tolerances): a calibration
    // missing its observations is then told so, not read as a sweep.
    // (A sensitivity study has a method too, and outputs.)
    constexpr std::string_view outputs = "outputs";
    if (input::has_keys(path, std::span<const std::string_view>(&outputs, 1))) return false;
    for (std::string_view key : {"observations", "method", "tolerance"})
        if (input::has_keys(path, std::span<const std::string_view>(&key, 1))) return true;
    return false;
}

namespace {

void read_method(const YAML::Node& m, AbcOptions& abc, Diagnostics& diags) {
    if (!m.IsMap()) {
        diags.error(
            m, "method",
            "expected a mapping {kind: abc_smc, particles: N, ...}, found " + input::found(m));
        return;
    }
    input::check_keys(m, "method", {"kind", "particles", "generations", "quantile", "max_attempts"},
                      diags);
    constexpr std::array<std::string_view, 1> kinds = {"abc_smc"};
    if (auto k = m["kind"]) input::choice(k, "method.kind", kinds, diags);
    if (auto n = m["particles"])
        abc.particles = input::whole(n, "method.particles", 10, 1e6, diags).value_or(abc.particles);
    if (auto n = m["generations"])
        abc.generations =
            input::whole(n, "method.generations", 1, 100, diags).value_or(abc.generations);
    if (auto n = m["max_attempts"])
        abc.max_attempts =
            input::whole(n, "method.max_attempts", 1, 1e6, diags).value_or(abc.max_attempts);
    if (auto q = m["quantile"]) {
        const auto v = input::to_number(q.IsScalar() ? q.Scalar() : "");
        if (v && *v > 0 && *v < 1)
            abc.quantile = *v;
        else
            diags.error(q, "method.quantile",
                        "expected a number in (0, 1), found " + input::found(q));
    }
}

/// `parameters: {key: {uniform: [low, high]}}`: the fitted parameters and their priors.
}  // namespace

namespace {

CalibrationSpec read_load_calibration(const fs::path& path) {
    CalibrationSpec c;
    c.path = path.string();
    const input::YamlFile file = input::load_yaml(path, "calibration file");
    c.source_text = file.text;
    const YAML::Node& root = file.root;
    Diagnostics diags(c.path);
    input::check_keys(
        root, "",
        {"scenario", "observations", "parameters", "method", "replications", "seed", "tolerance"},
        diags);
    for (auto [key, what] : {std::pair<const char*, const char*>{"scenario", "the scenario to fit"},
                             {"observations", "the CSV of observed values"}}) {
        const YAML::Node n = root[key];
        if (!n)
            diags.error(root, key, std::string("missing: ") + what);
        else if (!n.IsScalar())
            diags.error(
                n, key,
                std::string("expected the file name of ") + what + ", found " + input::found(n));
    }
    if (!diags.ok()) diags.throw_if_any();
    const fs::path scenario = input::beside(path, root["scenario"].Scalar());
    const fs::path obs = input::beside(path, root["observations"].Scalar());
    input::file_named_exists(scenario, root["scenario"], "scenario", diags);
    input::file_named_exists(obs, root["observations"], "observations", diags);
    diags.throw_if_any();
    c.base = load_scenario(scenario);
    c.observations_path = obs;
    try {
        ObservationFile read = read_observations(obs, c.base.scenario);
        c.observations_text = std::move(read.text);
        c.observations = std::move(read.observations);
    } catch (const InputError& e) {
        diags.add(e);
    }
    c.abc.seed = c.base.scenario.seed;
    if (auto s = root["seed"])
        c.abc.seed = input::whole(s, "seed", 0, 1.8e19, diags).value_or(c.abc.seed);
    if (auto r = root["replications"])
        c.replications = static_cast<std::uint32_t>(
            input::whole(r, "replications", 1, 1000, diags).value_or(c.replications));
    if (auto m = root["method"]) read_method(m, c.abc, diags);
    if (auto t = root["tolerance"]; t && !t.IsMap()) {
        diags.error(t, "tolerance",
                    "expected {exact: e, approximate: a}, found " + input::found(t));
    } else if (t) {
        input::check_keys(t, "tolerance", {"exact", "approximate"}, diags);
        for (auto [key, out] : {std::pair<const char*, double*>{"exact", &c.tolerance_exact},
                                {"approximate", &c.tolerance_approximate}})
            if (auto n = t[key]) {
                const auto v = input::to_number(n.IsScalar() ? n.Scalar() : "");
                if (v && *v > 0)
                    *out = *v;
                else
                    diags.error(n, std::string("tolerance.") + key,
                                "expected a number > 0, found " + input::found(n));
            }
    }
    const YAML::Node params = root["parameters"];
    if (!params || !params.IsMap() || params.size() == 0)
        diags.error(params.IsDefined() ? params : root, "parameters",
                    "expected a mapping of parameter: {uniform: [low, high]}");
    else
        input::uniform_parameters(params, c.parameters, c.low, c.high, diags);
    diags.throw_if_any();
    return c;
}

}  // namespace

CalibrationSpec load_calibration(const fs::path& path) {
    return input::guard_yaml(path, [&] { return read_load_calibration(path); });
}

Scenario CalibrationSpec::scenario_at(const std::vector<double>& theta, std::uint64_t seed) const {
    Scenario sc = base.scenario;
    sc.posterior = {};  // a calibration sets the parameters itself
    for (std::size_t k = 0; k < parameters.size(); ++k) {
        const double v = parameters[k]->kind == ParamKind::Count ? std::round(theta[k]) : theta[k];
        sc.set_explicitly(*parameters[k], v);
    }
    sc.seed = seed;
    sc.replications = replications;
    return sc;
}

double CalibrationSpec::distance(const Scenario& sc, const Results& r) const {
    const Calendar cal(sc.start);
    double sum = 0;
    for (const auto& o : observations) {
        const auto v = measure_values(sc, r, o.query, cal.day_of(o.date));
        double sim = 0;
        for (double x : v) sim += x;
        sim /= static_cast<double>(std::max<std::size_t>(1, v.size()));
        // Each observation's own error (relative), or the tolerance for its kind.
        const double error = o.error.value_or(
            o.kind == Observation::Kind::Exact ? tolerance_exact : tolerance_approximate);
        const double scale = std::max(std::fabs(o.value), 1.0) * error;
        const double e = o.kind == Observation::Kind::LowerBound
                             ? (sim < o.value ? (o.value - sim) / scale : 0.0)
                             : (sim - o.value) / scale;
        sum += e * e;
    }
    return std::sqrt(sum / static_cast<double>(std::max<std::size_t>(1, observations.size())));
}

namespace {

std::string four_figures(double x) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4g", x);
    return buf;
}

/// The fitted values as nested YAML mappings (keys are dotted paths), each with its interval.
std::string fitted_parameters(const CalibrationSpec& spec, const std::vector<double>& median,
                              const std::vector<double>& q05, const std::vector<double>& q95) {
    input::DottedTree tree;
    for (std::size_t k = 0; k < spec.parameters.size(); ++k) {
        const ParamSpec& p = *spec.parameters[k];
        // Four significant figures: the posterior is far wider than the rest of the digits.
        const double v =
            p.kind == ParamKind::Count ? std::round(median[k]) : std::stod(four_figures(median[k]));
        char note[96];
        std::snprintf(note, sizeof note, "90%% interval %.4g to %.4g", q05[k], q95[k]);
        tree.add(p.key, p.format(v), note);
    }
    YAML::Emitter out;
    out.SetIndent(2);
    out << YAML::BeginMap;
    tree.emit_members(out);
    out << YAML::EndMap;
    return std::string(out.c_str()) + "\n";
}

void write_calibration_file(const fs::path& path, const CalibrationSpec& spec, const AbcResult& res,
                            const std::vector<double>& median, const std::vector<double>& q05,
                            const std::vector<double>& q95, const std::string& fitted,
                            const std::string& command_line) {
    using namespace h5;
    prepare_output(path);
    const auto fill = [&](hid_t f) {
        write_provenance(f, command_line, static_cast<int>(spec.abc.threads));
        attr_number<std::uint64_t>(f, "seed", spec.abc.seed);
        attr_number<std::uint64_t>(f, "simulations", res.simulations);
        scalar_string(f, "calibration", spec.source_text);
        scalar_string(f, "observations", spec.observations_text);
        scalar_string(f, "scenario", spec.base.resolved_yaml);
        scalar_string(f, "fitted_scenario", fitted);
        std::vector<std::string> names, labels;
        for (const auto* p : spec.parameters) names.push_back(p->key);
        for (const auto& o : spec.observations) labels.push_back(o.label);
        std::vector<std::int32_t> idx(res.particles.size()), gens(res.generations.size());
        for (std::size_t i = 0; i < idx.size(); ++i) idx[i] = static_cast<std::int32_t>(i);
        for (std::size_t g = 0; g < gens.size(); ++g) gens[g] = static_cast<std::int32_t>(g);
        Scales axes;
        axes.add("parameter", string_vector(f, "parameter", names));
        axes.add("particle", numeric(f, "particle", {idx.size()}, idx.data()));
        axes.add("generation", numeric(f, "generation", {gens.size()}, gens.data()));
        axes.add("observation", string_vector(f, "observation", labels));
        std::vector<double> theta;
        for (const auto& p : res.particles) theta.insert(theta.end(), p.begin(), p.end());
        put(f, "posterior", {"particle", "parameter"}, axes, nullptr, theta.data());
        put(f, "weight", {"particle"}, axes, nullptr, res.weights.data());
        put(f, "distance", {"particle"}, axes, nullptr, res.distances.data());
        put(f, "prior_low", {"parameter"}, axes, nullptr, spec.low.data());
        put(f, "prior_high", {"parameter"}, axes, nullptr, spec.high.data());
        put(f, "posterior_median", {"parameter"}, axes, nullptr, median.data());
        put(f, "posterior_q05", {"parameter"}, axes, nullptr, q05.data());
        put(f, "posterior_q95", {"parameter"}, axes, nullptr, q95.data());
        std::vector<double> tol, sims, ess, acceptance, observed;
        for (const auto& g : res.generations) {
            tol.push_back(g.tolerance);
            sims.push_back(static_cast<double>(g.simulations));
            ess.push_back(g.ess);
            acceptance.push_back(g.acceptance);
        }
        attr_string(f, "stop", name(res.stop));
        put(f, "tolerance", {"generation"}, axes, nullptr, tol.data());
        put(f, "simulations", {"generation"}, axes, nullptr, sims.data());
        put(f, "ess", {"generation"}, axes, nullptr, ess.data(),
            "effective sample size of the generation's weights");
        put(f, "acceptance", {"generation"}, axes, nullptr, acceptance.data(),
            "particles / simulations");
        for (const auto& o : spec.observations) observed.push_back(o.value);
        put(f, "observed", {"observation"}, axes, nullptr, observed.data());
    };
    // The chunks are compressed in parallel: on no more threads than --threads.
    tbb::task_arena arena(spec.abc.threads > 0 ? spec.abc.threads : tbb::task_arena::automatic);
    arena.execute([&] { create_atomically(path, fill); });
}

}  // namespace

std::string write_calibration(const fs::path& out, const CalibrationSpec& spec,
                              const AbcResult& res, const std::string& command_line) {
    // Weighted posterior summaries, and the fitted scenario at the posterior medians.
    const std::size_t n = res.particles.size(), d = spec.parameters.size();
    std::vector<double> median(d), q05(d), q95(d);
    for (std::size_t k = 0; k < d; ++k) {
        std::vector<double> v(n);
        for (std::size_t i = 0; i < n; ++i) v[i] = res.particles[i][k];
        median[k] = weighted_quantile(v, res.weights, 0.5);
        q05[k] = weighted_quantile(v, res.weights, 0.05);
        q95[k] = weighted_quantile(v, res.weights, 0.95);
    }
    std::string fitted = "# Fitted by hubsim calibrate from " +
                         fs::path(spec.path).filename().string() +
                         ": posterior medians, with 90% intervals.\nbase: " +
                         fs::path(spec.base.source_path).filename().string() +
                         "\nname: " + spec.base.scenario.name + "_fitted\n";
    fitted += fitted_parameters(spec, median, q05, q95);
    write_calibration_file(out, spec, res, median, q05, q95, fitted, command_line);
    return fitted;
}

}  // namespace hubsim
