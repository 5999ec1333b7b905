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
#include "hubsim/model/replication.hpp"

namespace hubsim {

namespace fs = std::filesystem;

namespace {

class Errors {
  public:
    explicit Errors(std::string file) : file_(std::move(file)) {}
    void at(const YAML::Node& node, const std::string& path, const std::string& message) {
        const YAML::Mark m = node.IsDefined() ? node.Mark() : YAML::Mark::null_mark();
        list_.push_back(
            {file_, m.line >= 0 ? m.line + 1 : 0, m.line >= 0 ? m.column + 1 : 0, path, message});
    }
    void top(const std::string& path, const std::string& message) {
        list_.push_back({file_, 0, 0, path, message});
    }
    void throw_if_any() {
        if (!list_.empty()) throw InputError(std::move(list_));
    }

  private:
    std::string file_;
    std::vector<Diagnostic> list_;
};

std::optional<double> number(const YAML::Node& n) {
    if (!n.IsScalar()) return std::nullopt;
    const std::string& t = n.Scalar();
    double v = 0;
    auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (ec != std::errc{} || ptr != t.data() + t.size()) return std::nullopt;
    return v;
}

std::string shown(const YAML::Node& n) {
    if (!n.IsDefined() || n.IsNull()) return "nothing";
    if (n.IsScalar()) return "'" + n.Scalar() + "'";
    return n.IsSequence() ? "a list" : "a mapping";
}

/// A parameter value from YAML: a number, or a choice's name; checked against its spec.
std::optional<double> value_of(const ParamSpec& spec, const YAML::Node& n, const std::string& path,
                               Errors& errs) {
    std::optional<double> v;
    if (spec.kind == ParamKind::Choice && n.IsScalar()) {
        const auto it = std::find(spec.choices.begin(), spec.choices.end(), n.Scalar());
        if (it != spec.choices.end()) v = static_cast<double>(it - spec.choices.begin());
    } else if (spec.kind == ParamKind::Flag && n.IsScalar()) {
        if (n.Scalar() == "true") v = 1;
        if (n.Scalar() == "false") v = 0;
    } else {
        v = number(n);
    }
    const std::string problem =
        v ? spec.check(*v) : std::string("expected a value for ") + spec.key;
    if (!v || !problem.empty()) {
        std::string msg = problem.empty() ? "invalid value" : problem;
        if (spec.kind == ParamKind::Choice) {
            msg = "expected one of";
            for (const auto& c : spec.choices) msg += " " + c;
        }
        errs.at(n, path, msg + ", found " + shown(n));
        return std::nullopt;
    }
    return v;
}

void only(const YAML::Node& map, const std::string& where, const std::vector<std::string>& keys,
          Errors& errs) {
    for (const auto& kv : map) {
        const std::string k = kv.first.as<std::string>();
        if (std::find(keys.begin(), keys.end(), k) != keys.end()) continue;
        std::string msg = "unknown key '" + k + "'";
        if (auto s = did_you_mean(k, keys); !s.empty()) msg += " (did you mean '" + s + "'?)";
        errs.at(kv.first, where.empty() ? k : where + "." + k, msg);
    }
}

std::string format_value(const ParamSpec& spec, double v) {
    return spec.format(v);
}

}  // namespace

bool is_sweep_file(const fs::path& path) {
    try {
        const YAML::Node root = YAML::LoadFile(path.string());
        return root.IsMap() && root["scenario"].IsDefined() && root["parameters"].IsDefined();
    } catch (const std::exception&) {
        return false;
    }
}

SweepSpec load_sweep(const fs::path& path, const std::vector<std::string>& overrides) {
    SweepSpec sw;
    sw.path = path.string();
    Errors errs(sw.path);
    {
        std::ifstream in(path, std::ios::binary);
        if (!in) throw InputError({{sw.path, 0, 0, "", "cannot open the sweep file"}});
        std::stringstream ss;
        ss << in.rdbuf();
        sw.source_text = ss.str();
    }
    YAML::Node root;
    try {
        root = YAML::Load(sw.source_text);
    } catch (const YAML::ParserException& e) {
        throw InputError(
            {{sw.path, e.mark.line + 1, e.mark.column + 1, "", "not valid YAML: " + e.msg}});
    }
    if (!root.IsMap()) throw InputError({{sw.path, 1, 1, "", "expected a mapping of sweep keys"}});
    only(root, "", {"scenario", "name", "replications", "design", "parameters", "keep"}, errs);

    const YAML::Node scenario = root["scenario"];
    if (!scenario.IsScalar()) {
        errs.at(scenario.IsDefined() ? scenario : root, "scenario",
                "expected the base scenario's file name, found " + shown(scenario));
        errs.throw_if_any();
    }
    fs::path base = scenario.Scalar();
    if (base.is_relative()) base = path.parent_path() / base;
    sw.base = load_scenario(base, overrides);  // its own errors name its own file
    sw.name = root["name"] ? root["name"].Scalar() : path.stem().string();

    if (auto r = root["replications"]) {
        const auto v = number(r);
        if (!v || *v < 1 || *v != std::floor(*v) || *v > 1e6)
            errs.at(r, "replications", "expected a whole number >= 1, found " + shown(r));
        else
            sw.replications = static_cast<std::uint32_t>(*v);
    } else {
        sw.replications = sw.base.scenario.replications;
    }
    if (auto k = root["keep"]) {
        if (k.IsScalar() && k.Scalar() == "trajectories")
            sw.keep_trajectories = true;
        else if (!(k.IsScalar() && k.Scalar() == "summaries"))
            errs.at(k, "keep", "expected summaries or trajectories, found " + shown(k));
    }
    if (auto d = root["design"]) {
        if (!d.IsMap()) {
            errs.at(d, "design",
                    "expected a mapping with kind (grid, latin_hypercube, sobol) and points");
        } else {
            only(d, "design", {"kind", "points"}, errs);
            const std::string kind = d["kind"] ? d["kind"].Scalar() : "grid";
            if (kind == "grid")
                sw.design = SweepDesign::Grid;
            else if (kind == "latin_hypercube")
                sw.design = SweepDesign::LatinHypercube;
            else if (kind == "sobol")
                sw.design = SweepDesign::Sobol;
            else {
                std::string msg = "expected grid, latin_hypercube or sobol, found '" + kind + "'";
                if (auto s = did_you_mean(kind, {"grid", "latin_hypercube", "sobol"}); !s.empty())
                    msg += " (did you mean '" + s + "'?)";
                errs.at(d["kind"], "design.kind", msg);
            }
            if (sw.design != SweepDesign::Grid) {
                const auto n = number(d["points"]);
                if (!n || *n < 1 || *n != std::floor(*n) || *n > 1e8)
                    errs.at(d["points"].IsDefined() ? d["points"] : d, "design.points",
                            "expected the number of points (a whole number >= 1), found " +
                                shown(d["points"]));
                else
                    sw.sampled_points = static_cast<std::uint32_t>(*n);
            }
        }
    }
    const YAML::Node params = root["parameters"];
    if (!params.IsMap() || params.size() == 0) {
        errs.at(params.IsDefined() ? params : root, "parameters",
                "expected a mapping of parameter: {values | range | uniform}");
        errs.throw_if_any();
    }
    std::vector<std::string> keys;
    for (const auto& s : parameter_specs()) keys.push_back(s.key);
    for (const auto& kv : params) {
        const std::string key = kv.first.as<std::string>();
        const std::string where = "parameters." + key;
        const ParamSpec* spec = find_parameter(key);
        if (!spec) {
            std::string msg = "unknown parameter '" + key + "'";
            if (auto s = did_you_mean(key, keys); !s.empty()) msg += " (did you mean '" + s + "'?)";
            errs.at(kv.first, where, msg);
            continue;
        }
        SweepParameter p;
        p.spec = spec;
        const YAML::Node& v = kv.second;
        if (!v.IsMap()) {
            errs.at(v, where,
                    "expected {values: [...]}, {range: [low, high], steps: n} or {uniform: [low, "
                    "high]}");
            continue;
        }
        only(v, where, {"values", "range", "steps", "uniform"}, errs);
        if (auto vals = v["values"]) {
            if (!vals.IsSequence() || vals.size() == 0)
                errs.at(vals, where + ".values", "expected a non-empty list");
            for (std::size_t i = 0; vals.IsSequence() && i < vals.size(); ++i)
                if (auto x = value_of(*spec, vals[i], where + ".values[" + std::to_string(i) + "]",
                                      errs))
                    p.values.push_back(*x);
        } else if (auto b = v["range"] ? v["range"] : v["uniform"]) {
            const std::string what = v["range"] ? "range" : "uniform";
            if (spec->kind == ParamKind::Choice || spec->kind == ParamKind::Flag) {
                errs.at(b, where + "." + what, "a choice takes a list of values, not a " + what);
                continue;
            }
            if (!b.IsSequence() || b.size() != 2) {
                errs.at(b, where + "." + what, "expected [low, high]");
                continue;
            }
            const auto lo = value_of(*spec, b[0], where + "." + what + "[0]", errs);
            const auto hi = value_of(*spec, b[1], where + "." + what + "[1]", errs);
            if (lo && hi && *lo > *hi) errs.at(b, where + "." + what, "expected low <= high");
            p.low = lo.value_or(0);
            p.high = hi.value_or(0);
            if (what == "range") {
                const auto steps = number(v["steps"]);
                if (sw.design == SweepDesign::Grid &&
                    (!steps || *steps < 1 || *steps != std::floor(*steps)))
                    errs.at(v["steps"].IsDefined() ? v["steps"] : v, where + ".steps",
                            "a grid over a range needs steps (a whole number >= 1), found " +
                                shown(v["steps"]));
                else if (steps)
                    p.steps = static_cast<std::uint32_t>(*steps);
            } else if (sw.design == SweepDesign::Grid) {
                errs.at(b, where + ".uniform",
                        "a grid needs values or a range with steps; uniform is for latin_hypercube "
                        "or sobol");
            }
        } else {
            errs.at(v, where, "expected values, range or uniform");
        }
        sw.parameters.push_back(p);
    }
    if (sw.design == SweepDesign::Sobol && sw.parameters.size() > kSobolMaxDims)
        errs.at(params, "parameters", "a Sobol design takes at most 16 parameters");
    errs.throw_if_any();
    return sw;
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
    for (std::size_t k = 0; k < parameters.size(); ++k) {
        parameters[k].spec->set(sc.params, point[k]);
        sc.posterior = sc.posterior.without(parameters[k].spec);  // the point's value wins
    }
    sc.replications = replications;
    return sc;
}

std::string SweepSpec::fingerprint(const std::vector<double>& point) const {
    // The resolved base scenario fixes everything else, including the seed.
    std::uint64_t h = 1469598103934665603ULL;  // FNV-1a
    for (unsigned char c : base.resolved_yaml) h = (h ^ c) * 1099511628211ULL;
    std::string s;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    s = buf;
    for (std::size_t k = 0; k < parameters.size(); ++k)
        s += ";" + parameters[k].spec->key + "=" + format_value(*parameters[k].spec, point[k]);
    return s;
}

PointResults PointResults::from(const Results& r, bool keep, std::string fingerprint) {
    PointResults p;
    p.fingerprint = std::move(fingerprint);
    p.replications = static_cast<std::uint32_t>(r.replications);
    const std::size_t np = r.phases.size();
    p.engaged.assign(r.replications * r.times() * np, 0);
    for (std::size_t k = 0; k < r.replications; ++k)
        for (std::size_t t = 0; t < r.times(); ++t)
            for (std::size_t h = 0; h < r.hubs; ++h)
                for (std::size_t c = 0; c < np; ++c)
                    p.engaged[(k * r.times() + t) * np + c] += r.engaged[r.at(k, t, h) * np + c];
    p.target_day = r.target_day;
    p.cost = r.cost;
    if (keep) {
        p.stage_counts = r.stage_counts;
        p.hub_engaged = r.engaged;
        p.waiting = r.waiting;
        p.participating = r.participating;
        p.trainees = r.trainees;
        p.llme = r.llme;
        p.work_groups = r.work_groups;
    }
    return p;
}

void PointResults::append(const PointResults& later) {
    auto cat = [](auto& a, const auto& b) { a.insert(a.end(), b.begin(), b.end()); };
    replications += later.replications;
    cat(engaged, later.engaged);
    cat(target_day, later.target_day);
    cat(cost, later.cost);
    cat(stage_counts, later.stage_counts);
    cat(hub_engaged, later.hub_engaged);
    cat(waiting, later.waiting);
    cat(participating, later.participating);
    cat(trainees, later.trainees);
    cat(llme, later.llme);
    cat(work_groups, later.work_groups);
}

void PointResults::truncate(std::uint32_t n) {
    if (n >= replications) return;
    auto cut = [&](auto& v) { v.resize(v.size() / replications * n); };
    cut(engaged);
    cut(target_day);
    cut(cost);
    cut(stage_counts);
    cut(hub_engaged);
    cut(waiting);
    cut(participating);
    cut(trainees);
    cut(llme);
    cut(work_groups);
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
    const Calendar cal(sc.start);
    for (const auto& t : sc.targets) {
        f.targets.push_back(t.label());
        f.target_by.push_back(cal.day_of(t.by).value);
    }
    f.replications = spec.replications;
    f.trajectories = spec.keep_trajectories;
    return f;
}

}  // namespace hubsim
