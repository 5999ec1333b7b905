#include "hubsim/io/calibration.hpp"

#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "h5.hpp"
#include "hubsim/io/csv.hpp"
#include "hubsim/io/diagnostics.hpp"
#include "hubsim/io/output.hpp"
#include "hubsim/model/runner.hpp"
#include "hubsim/version.hpp"

namespace hubsim {

namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) throw InputError({{p.string(), 0, 0, "", "cannot open the file"}});
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::optional<double> number(const std::string& t) {
    double v = 0;
    auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (ec != std::errc{} || ptr != t.data() + t.size()) return std::nullopt;
    return v;
}

std::optional<double> number(const YAML::Node& n) {
    return n.IsScalar() ? number(n.Scalar()) : std::nullopt;
}

Diagnostic at(const std::string& file, const YAML::Node& n, const std::string& path,
              const std::string& msg) {
    const YAML::Mark m = n.IsDefined() ? n.Mark() : YAML::Mark::null_mark();
    return {file, m.line >= 0 ? m.line + 1 : 0, m.line >= 0 ? m.column + 1 : 0, path, msg};
}

void only(const std::string& file, const YAML::Node& map, const std::string& where,
          const std::vector<std::string>& keys, std::vector<Diagnostic>& errs) {
    for (const auto& kv : map) {
        const std::string k = kv.first.as<std::string>();
        if (std::find(keys.begin(), keys.end(), k) != keys.end()) continue;
        std::string msg = "unknown key '" + k + "'";
        if (auto s = did_you_mean(k, keys); !s.empty()) msg += " (did you mean '" + s + "'?)";
        errs.push_back(at(file, kv.first, where.empty() ? k : where + "." + k, msg));
    }
}

std::vector<Observation> read_observations(const fs::path& file, const Scenario& sc,
                                           std::vector<Diagnostic>& errs) {
    const CsvTable t = read_csv(file, {"date", "measure", "phase", "scope", "value", "kind"}, errs);
    const std::string f = file.string();
    std::vector<Observation> out;
    std::vector<std::string> hubs, regions;
    for (const auto& h : sc.hubs) {
        hubs.push_back(h.name);
        if (std::find(regions.begin(), regions.end(), h.region) == regions.end())
            regions.push_back(h.region);
    }
    for (std::size_t r = 0; r < t.rows.size(); ++r) {
        Observation o{};
        bool ok = true;
        auto bad = [&](const char* col, const std::string& msg) {
            errs.push_back({f, t.line(r), t.column(col), col, msg});
            ok = false;
        };
        if (auto d = parse_date(t.get(r, "date")))
            o.date = *d;
        else
            bad("date", "expected a date YYYY-MM-DD, found '" + t.get(r, "date") + "'");
        if (auto m = parse_measure(t.get(r, "measure")))
            o.measure = *m;
        else {
            std::string msg = "unknown measure '" + t.get(r, "measure") + "'";
            if (auto s = did_you_mean(t.get(r, "measure"), measure_names()); !s.empty())
                msg += " (did you mean '" + s + "'?)";
            bad("measure", msg);
        }
        const std::string& ph = t.get(r, "phase");
        if (ph != "all") {
            if (auto p = parse_phase(ph))
                o.phase = *p;
            else
                bad("phase", "expected primary, secondary, post16 or all, found '" + ph + "'");
        }
        const std::string& scope = t.get(r, "scope");
        if (scope == "national") {
            o.scope = {Scope::Kind::National, ""};
        } else if (scope.starts_with("region:")) {
            o.scope = {Scope::Kind::Region, scope.substr(7)};
            if (std::find(regions.begin(), regions.end(), o.scope.name) == regions.end()) {
                std::string msg = "no hub of the scenario is in region '" + o.scope.name + "'";
                if (auto s = did_you_mean(o.scope.name, regions); !s.empty())
                    msg += " (did you mean '" + s + "'?)";
                bad("scope", msg);
            }
        } else if (scope.starts_with("hub:")) {
            o.scope = {Scope::Kind::Hub, scope.substr(4)};
            if (std::find(hubs.begin(), hubs.end(), o.scope.name) == hubs.end()) {
                std::string msg = "no hub named '" + o.scope.name + "'";
                if (auto s = did_you_mean(o.scope.name, hubs); !s.empty())
                    msg += " (did you mean '" + s + "'?)";
                bad("scope", msg);
            }
        } else {
            bad("scope", "expected national, region:NAME or hub:NAME, found '" + scope + "'");
        }
        if (auto v = number(t.get(r, "value")); v && *v >= 0)
            o.value = *v;
        else
            bad("value", "expected a number >= 0, found '" + t.get(r, "value") + "'");
        const std::string& kind = t.get(r, "kind");
        if (kind == "exact")
            o.kind = Observation::Kind::Exact;
        else if (kind == "approximate")
            o.kind = Observation::Kind::Approximate;
        else if (kind == "lower_bound")
            o.kind = Observation::Kind::LowerBound;
        else
            bad("kind", "expected exact, approximate or lower_bound, found '" + kind + "'");
        if (ok && (o.date < sc.start || sc.end < o.date))
            bad("date", "the date is outside the scenario (" + format_date(sc.start) + " to " +
                            format_date(sc.end) + ")");
        o.label = t.get(r, "date") + " " + t.get(r, "measure") + " " + ph + " " + scope;
        if (ok) out.push_back(o);
    }
    if (out.empty() && errs.empty()) errs.push_back({f, 0, 0, "", "no observations"});
    return out;
}

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
    const fs::path tmp = csv.string() + ".tmp";
    {
        std::ofstream out(tmp);
        out << "weight";
        for (const auto& n : names) out << "," << n;
        out << "\n";
        char buf[32];
        for (std::size_t i = 0; i < weight.size(); ++i) {
            std::snprintf(buf, sizeof buf, "%.17g", weight[i]);
            out << buf;
            for (std::size_t k = 0; k < names.size(); ++k) {
                std::snprintf(buf, sizeof buf, "%.17g", theta[i * names.size() + k]);
                out << "," << buf;
            }
            out << "\n";
        }
    }
    fs::rename(tmp, csv);
}

bool is_calibration_file(const fs::path& path) {
    try {
        const YAML::Node root = YAML::LoadFile(path.string());
        return root.IsMap() && root["observations"].IsDefined();
    } catch (const std::exception&) {
        return false;
    }
}

CalibrationSpec load_calibration(const fs::path& path) {
    CalibrationSpec c;
    c.path = path.string();
    c.source_text = slurp(path);
    YAML::Node root;
    try {
        root = YAML::Load(c.source_text);
    } catch (const YAML::ParserException& e) {
        throw InputError(
            {{c.path, e.mark.line + 1, e.mark.column + 1, "", "not valid YAML: " + e.msg}});
    }
    if (!root.IsMap())
        throw InputError({{c.path, 1, 1, "", "expected a mapping of calibration keys"}});
    std::vector<Diagnostic> errs;
    only(c.path, root, "",
         {"scenario", "observations", "parameters", "method", "replications", "seed", "tolerance"},
         errs);
    if (!root["scenario"].IsScalar() || !root["observations"].IsScalar()) {
        if (!root["scenario"].IsScalar())
            errs.push_back(at(c.path, root, "scenario", "missing: the scenario to fit"));
        if (!root["observations"].IsScalar())
            errs.push_back(at(c.path, root, "observations", "missing: the CSV of observed values"));
        throw InputError(std::move(errs));
    }
    const fs::path dir = path.parent_path();
    auto beside = [&](const std::string& s) {
        return fs::path(s).is_absolute() ? fs::path(s) : dir / s;
    };
    c.base = load_scenario(beside(root["scenario"].Scalar()));
    const fs::path obs = beside(root["observations"].Scalar());
    try {
        c.observations_text = slurp(obs);
        c.observations = read_observations(obs, c.base.scenario, errs);
    } catch (const InputError& e) {
        errs.insert(errs.end(), e.diagnostics().begin(), e.diagnostics().end());
    }
    c.abc.seed = c.base.scenario.seed;
    if (auto s = root["seed"]) {
        if (auto v = number(s); v && *v >= 0 && *v == std::floor(*v))
            c.abc.seed = static_cast<std::uint64_t>(*v);
        else
            errs.push_back(at(c.path, s, "seed", "expected a whole number >= 0"));
    }
    if (auto r = root["replications"]) {
        if (auto v = number(r); v && *v >= 1 && *v == std::floor(*v) && *v <= 1000)
            c.replications = static_cast<std::uint32_t>(*v);
        else
            errs.push_back(at(c.path, r, "replications", "expected a whole number in [1, 1000]"));
    }
    if (auto m = root["method"]) {
        only(c.path, m, "method", {"kind", "particles", "generations", "quantile", "max_attempts"},
             errs);
        if (auto k = m["kind"]; k && !(k.IsScalar() && k.Scalar() == "abc_smc"))
            errs.push_back(at(c.path, k, "method.kind", "expected abc_smc"));
        auto whole = [&](const char* key, std::size_t& out, double lo, double hi) {
            if (auto n = m[key]) {
                if (auto v = number(n); v && *v >= lo && *v <= hi && *v == std::floor(*v))
                    out = static_cast<std::size_t>(*v);
                else {
                    char buf[96];
                    std::snprintf(buf, sizeof buf, "expected a whole number in [%g, %g]", lo, hi);
                    errs.push_back(at(c.path, n, std::string("method.") + key, buf));
                }
            }
        };
        whole("particles", c.abc.particles, 10, 1e6);
        whole("generations", c.abc.generations, 1, 100);
        whole("max_attempts", c.abc.max_attempts, 1, 1e6);
        if (auto q = m["quantile"]) {
            if (auto v = number(q); v && *v > 0 && *v < 1)
                c.abc.quantile = *v;
            else
                errs.push_back(at(c.path, q, "method.quantile", "expected a number in (0, 1)"));
        }
    }
    if (auto t = root["tolerance"]) {
        only(c.path, t, "tolerance", {"exact", "approximate"}, errs);
        for (auto [key, out] : {std::pair<const char*, double*>{"exact", &c.tolerance_exact},
                                {"approximate", &c.tolerance_approximate}})
            if (auto n = t[key]) {
                if (auto v = number(n); v && *v > 0)
                    *out = *v;
                else
                    errs.push_back(
                        at(c.path, n, std::string("tolerance.") + key, "expected a number > 0"));
            }
    }
    const YAML::Node params = root["parameters"];
    if (!params.IsMap() || params.size() == 0) {
        errs.push_back(at(c.path, params.IsDefined() ? params : root, "parameters",
                          "expected a mapping of parameter: {uniform: [low, high]}"));
    } else {
        std::vector<std::string> keys;
        for (const auto& s : parameter_specs()) keys.push_back(s.key);
        for (const auto& kv : params) {
            const std::string key = kv.first.as<std::string>();
            const ParamSpec* spec = find_parameter(key);
            if (!spec || spec->kind == ParamKind::Choice || spec->kind == ParamKind::Flag) {
                std::string msg = spec ? "only numeric parameters can be fitted"
                                       : "unknown parameter '" + key + "'";
                if (!spec)
                    if (auto s = did_you_mean(key, keys); !s.empty())
                        msg += " (did you mean '" + s + "'?)";
                errs.push_back(at(c.path, kv.first, "parameters." + key, msg));
                continue;
            }
            const YAML::Node u = kv.second["uniform"];
            const auto lo = u.IsSequence() && u.size() == 2 ? number(u[0]) : std::nullopt;
            const auto hi = u.IsSequence() && u.size() == 2 ? number(u[1]) : std::nullopt;
            if (!lo || !hi || *lo >= *hi || !spec->check(*lo).empty() ||
                !spec->check(*hi).empty()) {
                errs.push_back(at(c.path, u.IsDefined() ? u : kv.second,
                                  "parameters." + key + ".uniform",
                                  "expected [low, high] with low < high, both valid for " + key));
                continue;
            }
            c.parameters.push_back(spec);
            c.low.push_back(*lo);
            c.high.push_back(*hi);
        }
    }
    if (!errs.empty()) throw InputError(std::move(errs));
    return c;
}

Scenario CalibrationSpec::scenario_at(const std::vector<double>& theta, std::uint64_t seed) const {
    Scenario sc = base.scenario;
    for (std::size_t k = 0; k < parameters.size(); ++k) {
        const double v = parameters[k]->kind == ParamKind::Count ? std::round(theta[k]) : theta[k];
        parameters[k]->set(sc.params, v);
    }
    sc.seed = seed;
    sc.replications = replications;
    sc.posterior = {};  // a calibration sets the parameters itself
    return sc;
}

double CalibrationSpec::distance(const Scenario& sc, const Results& r) const {
    const Calendar cal(sc.start);
    double sum = 0;
    for (const auto& o : observations) {
        const auto v = measure_values(sc, r, o.measure, o.phase, o.scope, cal.day_of(o.date));
        double sim = 0;
        for (double x : v) sim += x;
        sim /= static_cast<double>(std::max<std::size_t>(1, v.size()));
        const double scale = std::max(std::fabs(o.value), 1.0);
        double e = 0;
        switch (o.kind) {
            case Observation::Kind::Exact:
                e = (sim - o.value) / (tolerance_exact * scale);
                break;
            case Observation::Kind::Approximate:
                e = (sim - o.value) / (tolerance_approximate * scale);
                break;
            case Observation::Kind::LowerBound:
                e = sim < o.value ? (o.value - sim) / (tolerance_approximate * scale) : 0.0;
                break;
        }
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
    struct Node {
        std::string value, note;
        std::vector<std::pair<std::string, Node>> children;
        Node& child(const std::string& k) {
            for (auto& [name, n] : children)
                if (name == k) return n;
            children.emplace_back(k, Node{});
            return children.back().second;
        }
    } root;
    for (std::size_t k = 0; k < spec.parameters.size(); ++k) {
        const ParamSpec& p = *spec.parameters[k];
        Node* node = &root;
        std::stringstream ss(p.key);
        for (std::string part; std::getline(ss, part, '.');) node = &node->child(part);
        // Four significant figures: the posterior is far wider than the rest of the digits.
        const double v =
            p.kind == ParamKind::Count ? std::round(median[k]) : std::stod(four_figures(median[k]));
        node->value = p.format(v);
        char note[96];
        std::snprintf(note, sizeof note, "90%% interval %.4g to %.4g", q05[k], q95[k]);
        node->note = note;
    }
    std::string out;
    auto emit = [&](auto& self, const Node& n, const std::string& indent) -> void {
        for (const auto& [name, c] : n.children) {
            if (c.children.empty()) {
                out += indent + name + ": " + c.value + "  # " + c.note + "\n";
            } else {
                out += indent + name + ":\n";
                self(self, c, indent + "  ");
            }
        }
    };
    emit(emit, root, "");
    return out;
}

void write_calibration(const fs::path& path, const CalibrationSpec& spec, const AbcResult& res,
                       const std::vector<double>& median, const std::vector<double>& q05,
                       const std::vector<double>& q95, const std::string& fitted,
                       const std::string& command_line) {
    using namespace h5;
    write_atomically(path, [&](hid_t f) {
        attr_string(f, "hubsim_version", kVersion);
        attr_string(f, "created", utc_now_iso8601());
        attr_string(f, "git_commit", kGitCommit);
        attr_string(f, "command_line", command_line);
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
        Handle parameter(string_vector(f, "parameter", names), H5Dclose, "write parameter");
        Handle particle(numeric(f, "particle", {idx.size()}, idx.data()), H5Dclose,
                        "write particle");
        Handle generation(numeric(f, "generation", {gens.size()}, gens.data()), H5Dclose,
                          "write generation");
        Handle observation(string_vector(f, "observation", labels), H5Dclose, "write observation");
        for (auto [ds, nm] : {std::pair<hid_t, const char*>{parameter, "parameter"},
                              {particle, "particle"},
                              {generation, "generation"},
                              {observation, "observation"}})
            check(H5DSset_scale(ds, nm), "make a scale");
        auto put = [&](const char* name, const std::vector<hid_t>& scales,
                       const std::vector<hsize_t>& dims, const std::vector<double>& data) {
            Handle ds(numeric(f, name, dims, data.data()), H5Dclose, name);
            for (unsigned i = 0; i < scales.size(); ++i)
                check(H5DSattach_scale(ds, scales[i], i), "attach");
        };
        std::vector<double> theta;
        for (const auto& p : res.particles) theta.insert(theta.end(), p.begin(), p.end());
        const std::size_t n = res.particles.size(), d = names.size();
        put("posterior", {particle, parameter}, {n, d}, theta);
        put("weight", {particle}, {n}, res.weights);
        put("distance", {particle}, {n}, res.distances);
        put("prior_low", {parameter}, {d}, spec.low);
        put("prior_high", {parameter}, {d}, spec.high);
        put("posterior_median", {parameter}, {d}, median);
        put("posterior_q05", {parameter}, {d}, q05);
        put("posterior_q95", {parameter}, {d}, q95);
        std::vector<double> tol, sims;
        for (const auto& g : res.generations) {
            tol.push_back(g.tolerance);
            sims.push_back(static_cast<double>(g.simulations));
        }
        put("tolerance", {generation}, {tol.size()}, tol);
        put("simulations", {generation}, {sims.size()}, sims);
        std::vector<double> observed;
        for (const auto& o : spec.observations) observed.push_back(o.value);
        put("observed", {observation}, {observed.size()}, observed);
    });
}

}  // namespace

std::string calibrate(const CalibrationSpec& spec, const fs::path& out,
                      const std::string& command_line, bool quiet) {
    AbcDistance distance = [&](const std::vector<double>& theta, std::uint64_t seed) {
        const Scenario sc = spec.scenario_at(theta, seed);
        RunOptions o;
        o.replications = spec.replications;
        o.threads = 1;  // the particles are the parallel work
        return spec.distance(sc, run_scenario(sc, o));
    };
    AbcProgress progress = [&](std::size_t g, const AbcGeneration& gen) {
        if (!quiet)
            std::fprintf(
                stderr, "calibrate: generation %zu of %zu: tolerance %.4g, %zu simulations%s\n",
                g + 1, spec.abc.generations, gen.tolerance, gen.simulations,
                gen.exhausted
                    ? (", " + std::to_string(gen.exhausted) + " particles kept their best try")
                          .c_str()
                    : "");
    };
    const AbcResult res = abc_smc(spec.low, spec.high, distance, spec.abc, progress);

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
    write_calibration(out, spec, res, median, q05, q95, fitted, command_line);
    return fitted;
}

}  // namespace hubsim
