#include "hubsim/io/scenario_loader.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "h5.hpp"
#include "hubsim/io/csv.hpp"
#include "hubsim/io/diagnostics.hpp"

namespace hubsim {

namespace fs = std::filesystem;

const std::vector<SettingDoc>& scenario_settings() {
    static const std::vector<SettingDoc> docs = {
        {"base", "file name", "none",
         "a scenario this one varies: its keys are laid over the base's (mappings merge, "
         "values and lists are replaced, timeline events are added)"},
        {"name", "text", "the file name", "the scenario's name, written into the output"},
        {"description", "text", "\"\"", "what the scenario is for"},
        {"start", "date", "(required)",
         "first day simulated; the academic year it falls in is the first"},
        {"end", "date", "(required)", "last day simulated"},
        {"seed", "whole number >= 0", "1", "root of every random stream"},
        {"replications", "whole number >= 1", "1",
         "independent runs (overridden by --replications)"},
        {"output.sample", "yearly or termly", "yearly",
         "when the state is recorded: each 31 August, or each term end"},
        {"hubs", "list or {file, overrides} or {count, opens}", "(required)",
         "the Maths Hubs: name, opens, region, capacity_factor, initial_llme.{phase}"},
        {"schools", "{file} or {generate}", "(required)",
         "a CSV of schools (urn,hub,phase,pupils,disadvantage) or counts per hub to generate"},
        {"timeline", "list of {date, until, set, note}", "[]", "dated changes to any parameter"},
        {"posterior", "{file}", "none",
         "a calibration's output: each replication draws its parameters from the posterior sample"},
        {"targets", "list of {phase, share, by}", "[]",
         "strategic goals: a share of a phase's schools engaged by a date"},
        {"phases.{phase}.pipeline", "list of stages",
         "primary: readiness, development, embedding, sustaining; "
         "secondary: development, embedding, sustaining; post16: []",
         "the Work Group stages of a phase, in order; an empty list leaves the phase out"},
    };
    return docs;
}

namespace {

constexpr const char* kSetFile = "command line";

/// Collects diagnostics while the loader walks the YAML tree.
class Checker {
  public:
    explicit Checker(std::string file) : file_(std::move(file)) {}

    void error(const YAML::Node& node, const std::string& path, const std::string& message) {
        const YAML::Mark m = node.IsDefined() ? node.Mark() : YAML::Mark::null_mark();
        if (m.line < 0)
            diags_.push_back({kSetFile, 0, 0, path, message + " (from --set)"});
        else
            diags_.push_back({file_, m.line + 1, m.column + 1, path, message});
    }
    void error_at(std::string file, int line, int column, std::string path, std::string message) {
        diags_.push_back({std::move(file), line, column, std::move(path), std::move(message)});
    }
    bool ok() const { return diags_.empty(); }
    std::vector<Diagnostic>& diagnostics() { return diags_; }
    const std::string& file() const { return file_; }

  private:
    std::string file_;
    std::vector<Diagnostic> diags_;
};

std::string found(const YAML::Node& node) {
    if (!node.IsDefined() || node.IsNull()) return "nothing";
    if (node.IsScalar()) return "'" + node.Scalar() + "'";
    if (node.IsSequence()) return "a list";
    return "a mapping";
}

std::optional<double> to_number(const std::string& text) {
    double v = 0;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, v);
    if (ec != std::errc{} || ptr != end) return std::nullopt;
    return v;
}

std::optional<double> to_flag(const std::string& text) {
    if (text == "true") return 1.0;
    if (text == "false") return 0.0;
    return std::nullopt;
}

/// Parses and checks one parameter value; reports and returns nullopt if bad.
std::optional<double> parameter_value(const ParamSpec& spec, const YAML::Node& node,
                                      const std::string& path, Checker& ck) {
    if (!node.IsScalar()) {
        ck.error(node, path, "expected a single value, found " + found(node));
        return std::nullopt;
    }
    const std::string& text = node.Scalar();
    std::optional<double> v;
    switch (spec.kind) {
        case ParamKind::Flag:
            v = to_flag(text);
            break;
        case ParamKind::Choice: {
            const auto it = std::find(spec.choices.begin(), spec.choices.end(), text);
            if (it != spec.choices.end())
                v = static_cast<double>(it - spec.choices.begin());
            else {
                std::string msg = "expected one of";
                for (const auto& c : spec.choices) msg += " " + c;
                msg += ", found '" + text + "'";
                if (auto s = did_you_mean(text, spec.choices); !s.empty())
                    msg += " (did you mean '" + s + "'?)";
                ck.error(node, path, msg);
                return std::nullopt;
            }
            break;
        }
        default:
            v = to_number(text);
            break;
    }
    const std::string problem = v ? spec.check(*v) : spec.check(std::nan(""));
    if (!v || !problem.empty()) {
        ck.error(
            node, path,
            (problem.empty() ? std::string("invalid value") : problem) + ", found '" + text + "'");
        return std::nullopt;
    }
    return v;
}

/// The dotted keys a scenario may hold under `prefix` (one level), for did-you-mean.
std::vector<std::string> children(const std::string& prefix) {
    std::set<std::string> out;
    auto consider = [&](const std::string& key) {
        if (key.size() <= prefix.size() || key.compare(0, prefix.size(), prefix) != 0) return;
        const std::string rest = key.substr(prefix.size());
        out.insert(rest.substr(0, rest.find('.')));
    };
    for (const auto& spec : parameter_specs()) consider(spec.key);
    for (Phase p : kPhases) consider("phases." + std::string(name(p)) + ".pipeline");
    return {out.begin(), out.end()};
}

bool is_prefix_of_parameter(const std::string& path) {
    const std::string dotted = path + ".";
    for (const auto& spec : parameter_specs())
        if (spec.key.compare(0, dotted.size(), dotted) == 0) return true;
    return false;
}

void unknown_key(const YAML::Node& key_node, const std::string& key, const std::string& prefix,
                 Checker& ck, const std::vector<std::string>& extra = {}) {
    auto options = children(prefix);
    options.insert(options.end(), extra.begin(), extra.end());
    std::string msg = "unknown key '" + key + "'";
    if (auto s = did_you_mean(key, options); !s.empty()) msg += " (did you mean '" + s + "'?)";
    ck.error(key_node, prefix + key, msg);
}

std::optional<Date> date_value(const YAML::Node& node, const std::string& path, Checker& ck) {
    if (node.IsScalar())
        if (auto d = parse_date(node.Scalar())) return d;
    ck.error(node, path, "expected a date YYYY-MM-DD, found " + found(node));
    return std::nullopt;
}

std::optional<Stage> pipeline_stage(const YAML::Node& node, const std::string& path, Checker& ck) {
    if (node.IsScalar()) {
        auto s = parse_stage(node.Scalar());
        if (s && std::find(kWorkGroupStages.begin(), kWorkGroupStages.end(), *s) !=
                     kWorkGroupStages.end())
            return s;
    }
    std::vector<std::string> names;
    for (Stage s : kWorkGroupStages) names.emplace_back(name(s));
    std::string msg =
        "expected a Work Group stage (readiness, development, embedding, sustaining), found " +
        found(node);
    if (node.IsScalar())
        if (auto s = did_you_mean(node.Scalar(), names); !s.empty())
            msg += " (did you mean '" + s + "'?)";
    ck.error(node, path, msg);
    return std::nullopt;
}

/// Walks nested parameter maps, setting every leaf it knows and reporting every one it doesn't.
void read_parameters(const YAML::Node& map, const std::string& prefix, Parameters& params,
                     Checker& ck) {
    for (const auto& kv : map) {
        const std::string key = kv.first.as<std::string>();
        const std::string path = prefix + key;
        const YAML::Node& value = kv.second;
        if (const ParamSpec* spec = find_parameter(path)) {
            if (auto v = parameter_value(*spec, value, path, ck)) spec->set(params, *v);
        } else if (path.starts_with("phases.") && path.ends_with(".pipeline") &&
                   parse_phase(path.substr(7, path.size() - 7 - 9))) {
            const Phase phase = *parse_phase(path.substr(7, path.size() - 7 - 9));
            if (!value.IsSequence()) {
                ck.error(value, path, "expected a list of stages, found " + found(value));
                continue;
            }
            std::vector<Stage> pipeline;
            for (std::size_t i = 0; i < value.size(); ++i) {
                const std::string p = path + "[" + std::to_string(i) + "]";
                if (auto s = pipeline_stage(value[i], p, ck)) {
                    if (std::find(pipeline.begin(), pipeline.end(), *s) != pipeline.end())
                        ck.error(value[i], p,
                                 "stage '" + std::string(name(*s)) + "' appears twice");
                    pipeline.push_back(*s);
                }
            }
            params.phase[index(phase)].pipeline = pipeline;
        } else if (is_prefix_of_parameter(path)) {
            if (!value.IsMap()) {
                ck.error(value, path, "expected a mapping of parameters, found " + found(value));
                continue;
            }
            read_parameters(value, path + ".", params, ck);
        } else {
            unknown_key(kv.first, key, prefix, ck);
        }
    }
}

/// Flattens a timeline's `set:` into (spec, value) pairs; keys may be dotted or nested.
void read_changes(const YAML::Node& map, const std::string& prefix, const std::string& where,
                  std::vector<std::pair<const ParamSpec*, double>>& out, Checker& ck) {
    for (const auto& kv : map) {
        const std::string key = prefix + kv.first.as<std::string>();
        if (const ParamSpec* spec = find_parameter(key)) {
            if (auto v = parameter_value(*spec, kv.second, where + "." + key, ck))
                out.emplace_back(spec, *v);
        } else if (kv.second.IsMap() && is_prefix_of_parameter(key)) {
            read_changes(kv.second, key + ".", where, out, ck);
        } else {
            std::vector<std::string> keys;
            for (const auto& s : parameter_specs()) keys.push_back(s.key);
            std::string msg = "unknown parameter '" + key + "'";
            if (auto s = did_you_mean(key, keys); !s.empty()) msg += " (did you mean '" + s + "'?)";
            ck.error(kv.first, where + "." + key, msg);
        }
    }
}

/// Checks that a mapping has only `allowed` keys; reports the others.
void only_keys(const YAML::Node& map, const std::string& path,
               const std::vector<std::string>& allowed, Checker& ck) {
    for (const auto& kv : map) {
        const std::string key = kv.first.as<std::string>();
        if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
            std::string msg = "unknown key '" + key + "'";
            if (auto s = did_you_mean(key, allowed); !s.empty())
                msg += " (did you mean '" + s + "'?)";
            ck.error(kv.first, path.empty() ? key : path + "." + key, msg);
        }
    }
}

template <class T>
std::optional<T> whole(const YAML::Node& node, const std::string& path, double min, double max,
                       Checker& ck) {
    if (node.IsScalar())
        if (auto v = to_number(node.Scalar()); v && *v == std::floor(*v) && *v >= min && *v <= max)
            return static_cast<T>(*v);
    char buf[96];
    std::snprintf(buf, sizeof buf, "expected a whole number in [%.0f, %.0f], found ", min, max);
    ck.error(node, path, buf + found(node));
    return std::nullopt;
}

std::optional<double> real(const YAML::Node& node, const std::string& path, double min, double max,
                           Checker& ck) {
    if (node.IsScalar())
        if (auto v = to_number(node.Scalar()); v && *v >= min && *v <= max) return v;
    char buf[96];
    std::snprintf(buf, sizeof buf, "expected a number in [%g, %g], found ", min, max);
    ck.error(node, path, buf + found(node));
    return std::nullopt;
}

std::optional<std::string> text(const YAML::Node& node, const std::string& path, Checker& ck) {
    if (node.IsScalar() && !node.Scalar().empty()) return node.Scalar();
    ck.error(node, path, "expected text, found " + found(node));
    return std::nullopt;
}

void read_hub_fields(const YAML::Node& node, const std::string& path, HubSpec& hub, Checker& ck) {
    if (auto n = node["capacity_factor"]) {
        if (auto v = real(n, path + ".capacity_factor", 0, 100, ck)) hub.capacity_factor = *v;
    }
    if (auto n = node["initial_llme"]) {
        if (!n.IsMap()) {
            ck.error(n, path + ".initial_llme",
                     "expected a mapping of phase: count, found " + found(n));
        } else {
            for (const auto& kv : n) {
                const std::string ph = kv.first.as<std::string>();
                auto phase = parse_phase(ph);
                if (!phase) {
                    ck.error(kv.first, path + ".initial_llme." + ph,
                             "unknown phase '" + ph + "' (expected primary, secondary or post16)");
                    continue;
                }
                if (auto v = whole<double>(kv.second, path + ".initial_llme." + ph, 0, 1e6, ck))
                    hub.initial_llme[index(*phase)] = *v;
            }
        }
    }
}

fs::path beside(const std::string& scenario_path, const std::string& name) {
    const fs::path p(name);
    return p.is_absolute() ? p : fs::path(scenario_path).parent_path() / p;
}

void read_hubs_csv(const fs::path& file, const YAML::Node& node, const std::string& path,
                   std::vector<HubSpec>& hubs, Checker& ck) {
    CsvTable table;
    try {
        table = read_csv(file, {"name", "opens"}, ck.diagnostics());
    } catch (const InputError& e) {
        for (const auto& d : e.diagnostics()) ck.diagnostics().push_back(d);
        return;
    } catch (const std::exception& e) {
        ck.error(node, path, e.what());
        return;
    }
    const std::string fname = file.filename().string();
    for (std::size_t r = 0; r < table.rows.size(); ++r) {
        HubSpec h;
        h.name = table.get(r, "name");
        h.region = table.has("region") ? table.get(r, "region") : "";
        const auto opens = parse_date(table.get(r, "opens"));
        if (!opens)
            ck.error_at(file.string(), table.line(r), table.column("opens"), "opens",
                        "expected a date YYYY-MM-DD, found '" + table.get(r, "opens") + "'");
        else
            h.opens = *opens;
        if (h.name.empty())
            ck.error_at(file.string(), table.line(r), table.column("name"), "name",
                        "expected a hub name, found nothing");
        hubs.push_back(h);
    }
    (void)fname;
}

void read_hubs(const YAML::Node& node, const std::string& scenario_path, const Date& start,
               Scenario& sc, Checker& ck) {
    if (!node.IsDefined()) {
        ck.error_at(ck.file(), 0, 0, "hubs",
                    "missing: a scenario needs hubs (a list, a file or a count)");
        return;
    }
    if (node.IsSequence()) {
        for (std::size_t i = 0; i < node.size(); ++i) {
            const YAML::Node& h = node[i];
            const std::string path = "hubs[" + std::to_string(i) + "]";
            if (!h.IsMap()) {
                ck.error(h, path, "expected a mapping with name and opens, found " + found(h));
                continue;
            }
            only_keys(h, path, {"name", "region", "opens", "capacity_factor", "initial_llme"}, ck);
            HubSpec hub;
            if (auto n = h["name"]) {
                if (auto v = text(n, path + ".name", ck)) hub.name = *v;
            } else {
                ck.error(h, path, "missing key 'name'");
            }
            if (auto n = h["region"]) hub.region = n.Scalar();
            if (auto n = h["opens"]) {
                if (auto d = date_value(n, path + ".opens", ck)) hub.opens = *d;
            } else {
                hub.opens = start;
            }
            read_hub_fields(h, path, hub, ck);
            sc.hubs.push_back(hub);
        }
    } else if (node.IsMap()) {
        only_keys(node, "hubs", {"file", "overrides", "count", "opens", "region"}, ck);
        if (auto f = node["file"]) {
            if (auto name = text(f, "hubs.file", ck))
                read_hubs_csv(beside(scenario_path, *name), f, "hubs.file", sc.hubs, ck);
        } else if (auto c = node["count"]) {
            const auto n = whole<std::uint32_t>(c, "hubs.count", 1, 65535, ck);
            Date opens = start;
            if (auto o = node["opens"])
                if (auto d = date_value(o, "hubs.opens", ck)) opens = *d;
            for (std::uint32_t i = 0; n && i < *n; ++i) {
                HubSpec h;
                char buf[32];
                std::snprintf(buf, sizeof buf, "Hub %03u", i + 1);
                h.name = buf;
                h.opens = opens;
                if (auto r = node["region"]) h.region = r.Scalar();
                sc.hubs.push_back(h);
            }
        } else {
            ck.error(node, "hubs", "expected 'file' or 'count' (or a list of hubs)");
        }
        if (auto o = node["overrides"]) {
            if (!o.IsMap())
                ck.error(o, "hubs.overrides",
                         "expected a mapping of hub name: settings, found " + found(o));
            for (const auto& kv : o) {
                const std::string hub_name = kv.first.as<std::string>();
                const std::string path = "hubs.overrides." + hub_name;
                auto it = std::find_if(sc.hubs.begin(), sc.hubs.end(),
                                       [&](const HubSpec& h) { return h.name == hub_name; });
                if (it == sc.hubs.end()) {
                    std::vector<std::string> names;
                    for (const auto& h : sc.hubs) names.push_back(h.name);
                    std::string msg = "no hub named '" + hub_name + "'";
                    if (auto s = did_you_mean(hub_name, names); !s.empty())
                        msg += " (did you mean '" + s + "'?)";
                    ck.error(kv.first, path, msg);
                    continue;
                }
                only_keys(kv.second, path, {"opens", "capacity_factor", "initial_llme"}, ck);
                if (auto n = kv.second["opens"])
                    if (auto d = date_value(n, path + ".opens", ck)) it->opens = *d;
                read_hub_fields(kv.second, path, *it, ck);
            }
        }
    } else {
        ck.error(
            node, "hubs",
            "expected a list of hubs or a mapping with 'file' or 'count', found " + found(node));
    }
    std::set<std::string> seen;
    for (const auto& h : sc.hubs)
        if (!h.name.empty() && !seen.insert(h.name).second)
            ck.error(node, "hubs", "hub name '" + h.name + "' appears more than once");
    if (sc.hubs.size() > 65535) ck.error(node, "hubs", "at most 65535 hubs");
}

void read_schools_csv(const fs::path& file, const YAML::Node& node, Scenario& sc, Checker& ck) {
    CsvTable table;
    try {
        table = read_csv(file, {"urn", "hub", "phase", "pupils", "disadvantage"}, ck.diagnostics());
    } catch (const InputError& e) {
        for (const auto& d : e.diagnostics()) ck.diagnostics().push_back(d);
        return;
    } catch (const std::exception& e) {
        ck.error(node, "schools.file", e.what());
        return;
    }
    std::map<std::string, std::uint16_t> hub_index;
    for (std::size_t h = 0; h < sc.hubs.size(); ++h)
        hub_index[sc.hubs[h].name] = static_cast<std::uint16_t>(h);
    std::vector<std::string> hub_names;
    for (const auto& h : sc.hubs) hub_names.push_back(h.name);
    const std::string fname = file.string();
    std::size_t reported = 0;
    auto bad = [&](std::size_t r, const char* col, const std::string& msg) {
        if (++reported <= 50) ck.error_at(fname, table.line(r), table.column(col), col, msg);
    };
    sc.schools.reserve(table.rows.size());
    for (std::size_t r = 0; r < table.rows.size(); ++r) {
        SchoolProfile s;
        const auto urn = to_number(table.get(r, "urn"));
        if (!urn || *urn < 0 || *urn > 4294967295.0 || *urn != std::floor(*urn))
            bad(r, "urn", "expected a whole number, found '" + table.get(r, "urn") + "'");
        else
            s.urn = static_cast<std::uint32_t>(*urn);
        const std::string& hub = table.get(r, "hub");
        if (auto it = hub_index.find(hub); it != hub_index.end())
            s.hub = it->second;
        else {
            std::string msg = "no hub named '" + hub + "' in the scenario's hubs";
            if (auto m = did_you_mean(hub, hub_names); !m.empty())
                msg += " (did you mean '" + m + "'?)";
            bad(r, "hub", msg);
        }
        const auto phase = parse_phase(table.get(r, "phase"));
        if (!phase)
            bad(r, "phase",
                "expected primary, secondary or post16, found '" + table.get(r, "phase") + "'");
        else if (!sc.params.of(*phase).modelled())
            bad(r, "phase",
                "phase '" + table.get(r, "phase") + "' has no pipeline in this scenario");
        else
            s.phase = *phase;
        const auto pupils = to_number(table.get(r, "pupils"));
        if (!pupils || *pupils < 0 || *pupils != std::floor(*pupils) || *pupils > 1e6)
            bad(r, "pupils",
                "expected a whole number >= 0, found '" + table.get(r, "pupils") + "'");
        else
            s.pupils = static_cast<std::uint32_t>(*pupils);
        const auto dis = to_number(table.get(r, "disadvantage"));
        if (!dis || *dis < 0 || *dis > 1)
            bad(r, "disadvantage",
                "expected a share in [0, 1], found '" + table.get(r, "disadvantage") + "'");
        else
            s.disadvantage = static_cast<float>(*dis);
        sc.schools.push_back(s);
    }
    if (reported > 50)
        ck.error_at(fname, 0, 0, "",
                    std::to_string(reported - 50) + " more errors in this file not shown");
}

void read_schools(const YAML::Node& node, const std::string& scenario_path, Scenario& sc,
                  Checker& ck) {
    if (!node.IsDefined()) {
        ck.error_at(ck.file(), 0, 0, "schools",
                    "missing: a scenario needs schools (a file or generate)");
        return;
    }
    if (!node.IsMap()) {
        ck.error(node, "schools",
                 "expected a mapping with 'file' or 'generate', found " + found(node));
        return;
    }
    only_keys(node, "schools", {"file", "generate"}, ck);
    if (auto f = node["file"]) {
        if (auto name = text(f, "schools.file", ck))
            read_schools_csv(beside(scenario_path, *name), f, sc, ck);
    } else if (auto g = node["generate"]) {
        only_keys(g, "schools.generate",
                  {"per_hub", "pupils", "disadvantage", "disadvantage_spread"}, ck);
        std::array<std::uint32_t, kPhaseCount> per_hub{};
        if (auto ph = g["per_hub"]; ph && ph.IsMap()) {
            for (const auto& kv : ph) {
                const std::string p = kv.first.as<std::string>();
                auto phase = parse_phase(p);
                if (!phase) {
                    ck.error(kv.first, "schools.generate.per_hub." + p,
                             "unknown phase '" + p + "'");
                    continue;
                }
                if (auto n = whole<std::uint32_t>(kv.second, "schools.generate.per_hub." + p, 0,
                                                  1e8, ck))
                    per_hub[index(*phase)] = *n;
                if (per_hub[index(*phase)] > 0 && !sc.params.of(*phase).modelled())
                    ck.error(kv.second, "schools.generate.per_hub." + p,
                             "phase '" + p + "' has no pipeline in this scenario");
            }
        } else {
            ck.error(g, "schools.generate.per_hub", "expected a mapping of phase: schools per hub");
        }
        double pupils = 250, dis = 0.2, spread = 0;
        if (auto n = g["pupils"])
            pupils = real(n, "schools.generate.pupils", 0, 1e6, ck).value_or(pupils);
        if (auto n = g["disadvantage"])
            dis = real(n, "schools.generate.disadvantage", 0, 1, ck).value_or(dis);
        if (auto n = g["disadvantage_spread"])
            spread = real(n, "schools.generate.disadvantage_spread", 0, 1, ck).value_or(spread);
        std::uint32_t urn = 1;
        std::uint64_t total = 0;
        for (auto k : per_hub) total += k;
        sc.schools.reserve(total * sc.hubs.size());
        for (std::size_t h = 0; h < sc.hubs.size(); ++h)
            for (Phase p : kPhases)
                for (std::uint32_t k = 0; k < per_hub[index(p)]; ++k) {
                    // Disadvantage spread evenly across the hub's schools of a phase.
                    const double n = per_hub[index(p)];
                    const double d = n > 1 ? dis + spread * (k / (n - 1) - 0.5) : dis;
                    sc.schools.push_back(SchoolProfile{
                        urn++, static_cast<std::uint16_t>(h), p, static_cast<std::uint32_t>(pupils),
                        static_cast<float>(std::clamp(d, 0.0, 1.0))});
                }
    } else {
        ck.error(node, "schools", "expected 'file' or 'generate'");
    }
}

void read_timeline(const YAML::Node& node, Scenario& sc, Checker& ck) {
    if (!node.IsDefined()) return;
    if (!node.IsSequence()) {
        ck.error(node, "timeline", "expected a list of {date, set}, found " + found(node));
        return;
    }
    for (std::size_t i = 0; i < node.size(); ++i) {
        const YAML::Node& e = node[i];
        const std::string path = "timeline[" + std::to_string(i) + "]";
        if (!e.IsMap()) {
            ck.error(e, path, "expected a mapping with date and set, found " + found(e));
            continue;
        }
        only_keys(e, path, {"date", "until", "set", "note"}, ck);
        TimelineEvent ev;
        if (auto d = e["date"]) {
            if (auto v = date_value(d, path + ".date", ck)) ev.date = *v;
        } else {
            ck.error(e, path, "missing key 'date'");
        }
        if (auto u = e["until"]) {
            ev.until = date_value(u, path + ".until", ck);
            if (ev.until && e["date"] && (*ev.until < ev.date))
                ck.error(u, path + ".until",
                         "expected a date on or after " + format_date(ev.date) + ", found " +
                             format_date(*ev.until));
        }
        if (auto n = e["note"]) ev.note = n.Scalar();
        if (auto s = e["set"]; s && s.IsMap())
            read_changes(s, "", path + ".set", ev.set, ck);
        else
            ck.error(e["set"].IsDefined() ? e["set"] : e, path + ".set",
                     "expected a mapping of parameter: value");
        sc.timeline.push_back(std::move(ev));
    }
    std::stable_sort(
        sc.timeline.begin(), sc.timeline.end(),
        [](const TimelineEvent& a, const TimelineEvent& b) { return (a.date < b.date); });
}

void read_targets(const YAML::Node& node, Scenario& sc, Checker& ck) {
    if (!node.IsDefined()) return;
    if (!node.IsSequence()) {
        ck.error(node, "targets", "expected a list of {phase, share, by}, found " + found(node));
        return;
    }
    for (std::size_t i = 0; i < node.size(); ++i) {
        const YAML::Node& t = node[i];
        const std::string path = "targets[" + std::to_string(i) + "]";
        if (!t.IsMap()) {
            ck.error(t, path, "expected a mapping with phase, share and by, found " + found(t));
            continue;
        }
        only_keys(t, path, {"phase", "share", "by"}, ck);
        Target target{Phase::Primary, 0, sc.end};
        if (auto p = t["phase"]; p && p.IsScalar() && parse_phase(p.Scalar())) {
            target.phase = *parse_phase(p.Scalar());
            if (!sc.params.of(target.phase).modelled())
                ck.error(p, path + ".phase",
                         "phase '" + p.Scalar() + "' has no pipeline in this scenario");
        } else {
            ck.error(p.IsDefined() ? p : t, path + ".phase",
                     "expected primary, secondary or post16, found " + found(p));
        }
        if (auto s = t["share"])
            target.share = real(s, path + ".share", 0, 1, ck).value_or(0);
        else
            ck.error(t, path, "missing key 'share'");
        if (auto b = t["by"]) target.by = date_value(b, path + ".by", ck).value_or(sc.end);
        sc.targets.push_back(target);
    }
}

/// A posterior sample as CSV: a `weight` column and one column per parameter key.
void read_posterior_csv(const fs::path& file, const YAML::Node& node, Scenario& sc, Checker& ck) {
    CsvTable t;
    try {
        t = read_csv(file, {"weight"}, ck.diagnostics());
    } catch (const InputError& e) {
        for (const auto& d : e.diagnostics()) ck.diagnostics().push_back(d);
        return;
    }
    ParameterDraws draws;
    draws.source = node["file"].Scalar();
    std::vector<std::size_t> cols;
    for (std::size_t c = 0; c < t.header.size(); ++c) {
        if (t.header[c] == "weight") continue;
        const ParamSpec* spec = find_parameter(t.header[c]);
        if (!spec || spec->kind == ParamKind::Choice || spec->kind == ParamKind::Flag) {
            ck.error_at(file.string(), 1, static_cast<int>(c + 1), t.header[c],
                        "not a numeric scenario parameter");
            continue;
        }
        draws.keys.push_back(spec);
        cols.push_back(c);
    }
    double total = 0;
    for (std::size_t r = 0; r < t.rows.size(); ++r) {
        std::vector<double> theta;
        bool ok = true;
        for (std::size_t k = 0; k < cols.size(); ++k) {
            const auto v = to_number(t.rows[r][cols[k]]);
            // Fitted counts are continuous draws, rounded when applied.
            const bool count = draws.keys[k]->kind == ParamKind::Count;
            const std::string problem =
                v ? draws.keys[k]->check(count ? std::round(*v) : *v) : "expected a number";
            if (!problem.empty()) {
                ck.error_at(file.string(), t.line(r), static_cast<int>(cols[k] + 1),
                            draws.keys[k]->key, problem + ", found '" + t.rows[r][cols[k]] + "'");
                ok = false;
            }
            theta.push_back(v.value_or(0));
        }
        const auto w = to_number(t.get(r, "weight"));
        if (!w || *w < 0) {
            ck.error_at(file.string(), t.line(r), t.column("weight"), "weight",
                        "expected a number >= 0, found '" + t.get(r, "weight") + "'");
            ok = false;
        }
        if (!ok) continue;
        draws.particles.push_back(theta);
        draws.weights.push_back(*w);
        total += *w;
    }
    if (draws.particles.empty() || total <= 0) {
        ck.error(node["file"], "posterior.file",
                 "'" + file.string() + "' holds no weighted parameter sets");
        return;
    }
    for (auto& w : draws.weights) w /= total;
    sc.posterior = std::move(draws);
}

/// Reads `posterior: {file: CALIBRATION.h5}`: the weighted parameter sets of a calibration.
void read_posterior(const YAML::Node& node, const std::string& scenario_path, Scenario& sc,
                    Checker& ck) {
    if (!node.IsDefined()) return;
    if (!node.IsMap() || !node["file"].IsScalar()) {
        ck.error(node, "posterior", "expected {file: CALIBRATION.h5}, found " + found(node));
        return;
    }
    only_keys(node, "posterior", {"file"}, ck);
    const fs::path file = beside(scenario_path, node["file"].Scalar());
    if (file.extension() == ".csv") {
        read_posterior_csv(file, node, sc, ck);
        return;
    }
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    const hid_t id =
        fs::is_regular_file(file) ? H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT) : -1;
    if (id < 0) {
        ck.error(node["file"], "posterior.file",
                 "cannot open '" + file.string() + "' as an HDF5 file");
        return;
    }
    h5::Handle f(id, H5Fclose, "open the posterior");
    try {
        const auto names = h5::read_strings(f, "parameter");
        std::vector<double> theta;
        const auto dims = h5::read(f, "posterior", theta);
        h5::read(f, "weight", sc.posterior.weights);
        if (dims.size() != 2 || dims[1] != names.size() || sc.posterior.weights.size() != dims[0] ||
            dims[0] == 0)
            throw std::runtime_error("posterior, weight and parameter do not agree in size");
        for (const auto& n : names) {
            const ParamSpec* spec = find_parameter(n);
            if (!spec) throw std::runtime_error("unknown parameter '" + n + "'");
            sc.posterior.keys.push_back(spec);
        }
        sc.posterior.source = node["file"].Scalar();
        for (std::size_t i = 0; i < dims[0]; ++i)
            sc.posterior.particles.emplace_back(
                theta.begin() + static_cast<std::ptrdiff_t>(i * names.size()),
                theta.begin() + static_cast<std::ptrdiff_t>((i + 1) * names.size()));
    } catch (const std::exception& e) {
        sc.posterior = {};
        ck.error(node["file"], "posterior.file",
                 "'" + file.string() + "' is not a hubsim calibration output (" + e.what() + ")");
    }
}

/// Applies "a.b[2].c=value" to the YAML tree, making maps on the way as needed.
void apply_override(YAML::Node root, const std::string& assignment, std::vector<Diagnostic>& errs) {
    const auto eq = assignment.find('=');
    if (eq == std::string::npos || eq == 0) {
        errs.push_back({kSetFile, 0, 0, "--set " + assignment, "expected key=value"});
        return;
    }
    const std::string key = assignment.substr(0, eq);
    YAML::Node value;
    try {
        value = YAML::Load(assignment.substr(eq + 1));
    } catch (const YAML::Exception& e) {
        errs.push_back({kSetFile, 0, 0, key, std::string("value is not valid YAML: ") + e.msg});
        return;
    }
    if (value.IsDefined() && !value.IsScalar() && !value.IsNull()) {
        errs.push_back({kSetFile, 0, 0, key, "--set takes a single value"});
        return;
    }
    // Split into segments; "[n]" indexes a list.
    std::vector<std::string> parts;
    std::string cur;
    for (char c : key) {
        if (c == '.' || c == '[') {
            if (!cur.empty()) parts.push_back(cur);
            cur = c == '[' ? "[" : "";
        } else if (c == ']') {
            parts.push_back(cur + "]");
            cur.clear();
        } else {
            cur += c;
        }
    }
    if (!cur.empty()) parts.push_back(cur);
    std::vector<YAML::Node> chain{root};
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
        YAML::Node here = chain.back();
        const std::string& part = parts[i];
        if (part.front() == '[') {
            const auto n = to_number(part.substr(1, part.size() - 2));
            if (!here.IsSequence() || !n || *n < 0 || *n >= static_cast<double>(here.size())) {
                errs.push_back({kSetFile, 0, 0, key, "no list element " + part});
                return;
            }
            chain.push_back(here[static_cast<std::size_t>(*n)]);
        } else {
            if (here.IsDefined() && !here.IsNull() && !here.IsMap()) {
                errs.push_back({kSetFile, 0, 0, key,
                                "'" + part + "' is inside a value that is not a mapping"});
                return;
            }
            chain.push_back(here[part]);
        }
    }
    YAML::Node leaf = chain.back();
    const std::string& last = parts.back();
    if (last.front() == '[') {
        errs.push_back({kSetFile, 0, 0, key, "--set replaces a single value, not a list element"});
        return;
    }
    if (leaf[last].IsDefined() && !leaf[last].IsScalar() && !leaf[last].IsNull()) {
        errs.push_back({kSetFile, 0, 0, key,
                        "--set replaces a single value; '" + key + "' is " + found(leaf[last])});
        return;
    }
    leaf[last] = value.IsNull() ? YAML::Node(YAML::NodeType::Null) : YAML::Node(value.Scalar());
}

/// Dotted keys as nested mappings, keeping the order keys were first seen.
struct ParamTree {
    std::string value;
    bool flow_list = false;
    std::vector<std::pair<std::string, ParamTree>> children;

    void add(const std::string& key, const std::string& v, bool list = false) {
        ParamTree* node = this;
        std::size_t start = 0;
        for (;;) {
            const std::size_t dot = key.find('.', start);
            const std::string part =
                key.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
            auto it = std::find_if(node->children.begin(), node->children.end(),
                                   [&](const auto& c) { return c.first == part; });
            if (it == node->children.end()) {
                node->children.emplace_back(part, ParamTree{});
                it = node->children.end() - 1;
            }
            node = &it->second;
            if (dot == std::string::npos) break;
            start = dot + 1;
        }
        node->value = v;
        node->flow_list = list;
    }

    void emit_members(YAML::Emitter& out) const {
        for (const auto& [k, child] : children) {
            out << YAML::Key << k << YAML::Value;
            if (child.children.empty()) {
                if (child.flow_list) {
                    out << YAML::Flow << YAML::BeginSeq;
                    std::stringstream ss(child.value.substr(1, child.value.size() - 2));
                    for (std::string item; std::getline(ss, item, ',');)
                        out << item.substr(item.find_first_not_of(' '));
                    out << YAML::EndSeq;
                } else {
                    out << child.value;
                }
            } else {
                out << YAML::BeginMap;
                child.emit_members(out);
                out << YAML::EndMap;
            }
        }
    }
};

/// Builds the resolved scenario: every key with its value, as YAML.
std::string resolve(const Scenario& sc, const YAML::Node& schools_node) {
    YAML::Emitter out;
    out.SetIndent(2);
    out.SetDoublePrecision(15);  // shares as written (0.6, not 0.59999999999999998)
    out << YAML::BeginMap;
    out << YAML::Key << "name" << YAML::Value << sc.name;
    out << YAML::Key << "description" << YAML::Value << sc.description;
    out << YAML::Key << "start" << YAML::Value << format_date(sc.start);
    out << YAML::Key << "end" << YAML::Value << format_date(sc.end);
    out << YAML::Key << "seed" << YAML::Value << sc.seed;
    out << YAML::Key << "replications" << YAML::Value << sc.replications;
    out << YAML::Key << "output" << YAML::Value << YAML::BeginMap << YAML::Key << "sample"
        << YAML::Value << (sc.sampling == Sampling::Termly ? "termly" : "yearly") << YAML::EndMap;
    // Parameters, nested by their dotted keys, in declaration order.
    ParamTree params;
    for (const auto& spec : parameter_specs())
        params.add(spec.key, spec.format(spec.get(sc.params)));
    for (Phase p : kPhases) {
        std::string stages;
        for (Stage st : sc.params.of(p).pipeline)
            stages += (stages.empty() ? "" : ", ") + std::string(name(st));
        params.add("phases." + std::string(name(p)) + ".pipeline", "[" + stages + "]", true);
    }
    params.emit_members(out);
    out << YAML::Key << "hubs" << YAML::Value << YAML::BeginSeq;
    for (const auto& h : sc.hubs) {
        out << YAML::Flow << YAML::BeginMap << YAML::Key << "name" << YAML::Value << h.name
            << YAML::Key << "region" << YAML::Value << h.region << YAML::Key << "opens"
            << YAML::Value << format_date(h.opens) << YAML::Key << "capacity_factor" << YAML::Value
            << h.capacity_factor;
        bool any = false;
        for (double v : h.initial_llme) any |= v >= 0;
        if (any) {
            out << YAML::Key << "initial_llme" << YAML::Value << YAML::BeginMap;
            for (Phase p : kPhases)
                if (h.initial_llme[index(p)] >= 0)
                    out << YAML::Key << std::string(name(p)) << YAML::Value
                        << h.initial_llme[index(p)];
            out << YAML::EndMap;
        }
        out << YAML::EndMap;
    }
    out << YAML::EndSeq;
    out << YAML::Key << "schools" << YAML::Value << schools_node
        << YAML::Comment(std::to_string(sc.schools.size()) + " schools");
    out << YAML::Key << "timeline" << YAML::Value << YAML::BeginSeq;
    for (const auto& e : sc.timeline) {
        out << YAML::BeginMap << YAML::Key << "date" << YAML::Value << format_date(e.date);
        if (e.until) out << YAML::Key << "until" << YAML::Value << format_date(*e.until);
        out << YAML::Key << "set" << YAML::Value << YAML::BeginMap;
        for (const auto& [spec, v] : e.set)
            out << YAML::Key << spec->key << YAML::Value << spec->format(v);
        out << YAML::EndMap;
        if (!e.note.empty()) out << YAML::Key << "note" << YAML::Value << e.note;
        out << YAML::EndMap;
    }
    out << YAML::EndSeq;
    if (!sc.posterior.empty())
        out << YAML::Key << "posterior" << YAML::Value << YAML::BeginMap << YAML::Key << "file"
            << YAML::Value << sc.posterior.source << YAML::EndMap
            << YAML::Comment(std::to_string(sc.posterior.particles.size()) +
                             " weighted parameter sets");
    out << YAML::Key << "targets" << YAML::Value << YAML::BeginSeq;
    for (const auto& t : sc.targets)
        out << YAML::Flow << YAML::BeginMap << YAML::Key << "phase" << YAML::Value
            << std::string(name(t.phase)) << YAML::Key << "share" << YAML::Value << t.share
            << YAML::Key << "by" << YAML::Value << format_date(t.by) << YAML::EndMap;
    out << YAML::EndSeq;
    out << YAML::EndMap;
    return std::string(out.c_str()) + "\n";
}

YAML::Node parse_yaml(const std::string& text, const std::string& file) {
    YAML::Node root;
    try {
        root = YAML::Load(text);
    } catch (const YAML::ParserException& e) {
        throw InputError(
            {{file, e.mark.line + 1, e.mark.column + 1, "", "not valid YAML: " + e.msg}});
    }
    if (!root.IsMap())
        throw InputError(
            {{file, 1, 1, "", "expected a mapping of scenario keys, found " + found(root)}});
    return root;
}

std::string read_text(const fs::path& path) {
    if (fs::is_directory(path))
        throw InputError({{path.string(), 0, 0, "", "is a folder, not a scenario file"}});
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError({{path.string(), 0, 0, "", "cannot open the scenario file"}});
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

/// `a` with `b` laid over it: mappings merge key by key, anything else is replaced, and a
/// variant's timeline adds to its base's.
YAML::Node overlay(const YAML::Node& a, const YAML::Node& b, bool top) {
    if (!a.IsMap() || !b.IsMap()) return b;
    // Built afresh with force_insert so that every node keeps its own file position.
    YAML::Node out(YAML::NodeType::Map);
    for (const auto& kv : a) {
        const std::string key = kv.first.as<std::string>();
        const YAML::Node theirs = b[key];
        if (!theirs.IsDefined()) {
            out.force_insert(kv.first, kv.second);
        } else if (top && key == "timeline" && kv.second.IsSequence() && theirs.IsSequence()) {
            YAML::Node events(YAML::NodeType::Sequence);
            for (const auto& e : kv.second) events.push_back(e);
            for (const auto& e : theirs) events.push_back(e);
            out.force_insert(kv.first, events);
        } else if (kv.second.IsMap() && theirs.IsMap()) {
            out.force_insert(kv.first, overlay(kv.second, theirs, false));
        } else {
            out.force_insert(kv.first, theirs);
        }
    }
    for (const auto& kv : b)
        if (!a[kv.first.as<std::string>()].IsDefined()) out.force_insert(kv.first, kv.second);
    return out;
}

LoadedScenario load_impl(const fs::path& path, const std::vector<std::string>& overrides,
                         std::vector<fs::path> chain);

/// Resolves `base: OTHER.yaml`: the base is checked on its own (so its errors name its own
/// file), its data files are pinned to its folder, and this file is laid over it. `chain`
/// holds the files that led here, to catch a base that leads back to itself.
YAML::Node with_base(YAML::Node root, const fs::path& path, std::vector<fs::path> chain) {
    const YAML::Node base = root["base"];
    if (!base.IsDefined()) return root;
    const std::string file = path.string();
    const auto m = base.Mark();
    if (!base.IsScalar())
        throw InputError({{file, m.line + 1, m.column + 1, "base",
                           "expected a scenario file name, found " + found(base)}});
    const fs::path base_path = beside(file, base.Scalar());
    if (!fs::is_regular_file(base_path))
        throw InputError({{file, m.line + 1, m.column + 1, "base",
                           "no such scenario file: " + base_path.string()}});
    chain.push_back(fs::weakly_canonical(path));
    if (std::find(chain.begin(), chain.end(), fs::weakly_canonical(base_path)) != chain.end())
        throw InputError(
            {{file, m.line + 1, m.column + 1, "base",
              "'" + base.Scalar() + "' leads back to this file: bases cannot form a cycle"}});
    load_impl(base_path, {}, chain);  // throws, naming the base's own file, if the base is bad
    YAML::Node base_root =
        with_base(parse_yaml(read_text(base_path), base_path.string()), base_path, chain);
    for (const char* section : {"hubs", "schools"}) {
        YAML::Node sec = base_root[section];
        if (sec.IsMap() && sec["file"].IsScalar())
            sec["file"] = fs::absolute(beside(base_path.string(), sec["file"].Scalar()))
                              .lexically_normal()
                              .string();
    }
    YAML::Node own(YAML::NodeType::Map);  // not Clone: that would lose the file positions
    for (const auto& kv : root)
        if (kv.first.as<std::string>() != "base") own.force_insert(kv.first, kv.second);
    return overlay(base_root, own, true);
}

}  // namespace

LoadedScenario load_scenario(const fs::path& path, const std::vector<std::string>& overrides) {
    return load_impl(path, overrides, {});
}

namespace {

LoadedScenario load_impl(const fs::path& path, const std::vector<std::string>& overrides,
                         std::vector<fs::path> chain) {
    LoadedScenario out;
    out.source_path = path.string();
    const std::string file = path.string();
    out.source_text = read_text(path);
    YAML::Node root = parse_yaml(out.source_text, file);
    root = with_base(root, path, std::move(chain));

    std::vector<Diagnostic> set_errors;
    for (const auto& o : overrides) apply_override(root, o, set_errors);

    Checker ck(file);
    for (auto& d : set_errors) ck.diagnostics().push_back(d);
    Scenario& sc = out.scenario;

    static const std::vector<std::string> structural = {
        "name",   "description", "start",   "end",      "seed",    "replications",
        "output", "hubs",        "schools", "timeline", "targets", "posterior"};
    for (const auto& kv : root) {
        const std::string key = kv.first.as<std::string>();
        if (std::find(structural.begin(), structural.end(), key) != structural.end()) continue;
        if (is_prefix_of_parameter(key)) {
            if (!kv.second.IsMap())
                ck.error(kv.second, key,
                         "expected a mapping of parameters, found " + found(kv.second));
            else
                read_parameters(kv.second, key + ".", sc.params, ck);
        } else {
            unknown_key(kv.first, key, "", ck, structural);
        }
    }

    sc.name = root["name"] ? root["name"].Scalar() : path.stem().string();
    if (auto d = root["description"]) sc.description = d.Scalar();
    bool dates_ok = true;
    if (auto s = root["start"]) {
        if (auto d = date_value(s, "start", ck))
            sc.start = *d;
        else
            dates_ok = false;
    } else {
        ck.error_at(file, 0, 0, "start", "missing: the first day to simulate (YYYY-MM-DD)");
        dates_ok = false;
    }
    if (auto e = root["end"]) {
        if (auto d = date_value(e, "end", ck))
            sc.end = *d;
        else
            dates_ok = false;
    } else {
        ck.error_at(file, 0, 0, "end", "missing: the last day to simulate (YYYY-MM-DD)");
        dates_ok = false;
    }
    if (dates_ok && !(sc.start < sc.end))
        ck.error(root["end"], "end",
                 "expected a date after start (" + format_date(sc.start) + "), found " +
                     format_date(sc.end));
    if (dates_ok && (static_cast<int>(sc.end.year()) - static_cast<int>(sc.start.year()) > 200))
        ck.error(root["end"], "end", "expected at most 200 years after start");
    if (auto s = root["seed"]) {
        // Parsed as an integer, not through a double: every 64-bit seed is kept exactly.
        std::uint64_t v = 0;
        const std::string t = s.IsScalar() ? s.Scalar() : "";
        const auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
        if (t.empty() || ec != std::errc{} || ptr != t.data() + t.size())
            ck.error(s, "seed",
                     "expected a whole number in [0, 18446744073709551615], found " + found(s));
        else
            sc.seed = v;
    }
    if (auto r = root["replications"])
        sc.replications = whole<std::uint32_t>(r, "replications", 1, 1e7, ck).value_or(1);
    if (auto o = root["output"]) {
        if (!o.IsMap())
            ck.error(o, "output", "expected a mapping, found " + found(o));
        else {
            only_keys(o, "output", {"sample"}, ck);
            if (auto s = o["sample"]) {
                if (s.IsScalar() && s.Scalar() == "termly")
                    sc.sampling = Sampling::Termly;
                else if (!(s.IsScalar() && s.Scalar() == "yearly"))
                    ck.error(s, "output.sample",
                             "expected one of yearly termly, found " + found(s));
            }
        }
    }
    if (sc.modelled_phases().empty())
        ck.error_at(file, 0, 0, "phases", "every phase's pipeline is empty: nothing to simulate");

    read_hubs(root["hubs"], file, sc.start, sc, ck);
    read_schools(root["schools"], file, sc, ck);
    read_timeline(root["timeline"], sc, ck);
    read_targets(root["targets"], sc, ck);
    read_posterior(root["posterior"], file, sc, ck);

    if (!ck.ok()) throw InputError(std::move(ck.diagnostics()));
    sc.index_schools();
    YAML::Node schools_node = YAML::Clone(root["schools"]);
    out.resolved_yaml = resolve(sc, schools_node);
    return out;
}

}  // namespace

}  // namespace hubsim
