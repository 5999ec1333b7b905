// Loading a scenario: the base it varies, the --set values, then each section in turn
// (scenario_sections.hpp), every problem collected and reported at once.

#include "hubsim/io/scenario_loader.hpp"

#include <algorithm>
#include <charconv>

#include "scenario_sections.hpp"

namespace hubsim {

namespace fs = std::filesystem;
using input::Diagnostics;

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
         "the Maths Hubs: name, opens, region, capacity_factor, initial_llme.{role}, extra_llme"},
        {"schools", "{file, sha256} or {generate}, or a list of them", "(required)",
         "a CSV of schools (urn,hub,phase,pupils,disadvantage) or counts per hub to generate "
         "(a list: read one after another); `sha256`, if given, must match the file's"},
        {"timeline", "list of {date, until, set, scale, add, note}", "[]",
         "dated changes to any parameter: set a value, or scale or add to the value that "
         "holds (a posterior draw, say)"},
        {"posterior", "{file, sha256}", "none",
         "a calibration's output: each replication draws its parameters from the posterior sample"},
        {"parameters", "drawn or fixed", "drawn",
         "with a posterior: drawn (each replication draws its parameters from it, so bands hold "
         "parameter uncertainty as well as chance) or fixed (the values written here, for "
         "every replication: bands hold chance only); --parameters sets it"},
        {"set", "{parameter: value}", "none",
         "explicit values: they take precedence over posterior draws (what --set records)"},
        {"targets", "list of {phase, share, by} or {count, role, per_hub, by}", "[]",
         "strategic goals: a share of a phase's schools engaged by a date, or a number of "
         "active leaders (of a role, or all; nationally, or in every hub with per_hub: true)"},
        {"phases.{phase}.pipeline", "list of stages",
         "primary: readiness, development, embedding, sustaining; "
         "secondary: development, embedding, sustaining; post16: []",
         "the Work Group stages of a phase, in order; an empty list leaves the phase out"},
    };
    return docs;
}

namespace {

/// The top-level keys that are not parameters: the first part of each setting's key.
std::vector<std::string_view> structural_keys() {
    std::vector<std::string_view> keys;
    for (const auto& d : scenario_settings()) {
        const std::string_view k = std::string_view(d.key).substr(0, d.key.find('.'));
        if (k != "phases" && std::find(keys.begin(), keys.end(), k) == keys.end())
            keys.push_back(k);
    }
    return keys;
}

/// `a` with `b` laid over it: mappings merge key by key, anything else is replaced, and a
/// variant's timeline adds to its base's.
YAML::Node overlay(const YAML::Node& a, const YAML::Node& b, bool top) {
    if (!a.IsMap() || !b.IsMap()) return b;
    // Built afresh with force_insert so that every node keeps its own file position.
    YAML::Node out(YAML::NodeType::Map);
    for (const auto& kv : a) {
        const std::string key = kv.first.Scalar();
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
        if (!a[kv.first.Scalar()].IsDefined()) out.force_insert(kv.first, kv.second);
    return out;
}

LoadedScenario load_impl(input::YamlFile file, const std::vector<std::string>& overrides,
                         std::vector<fs::path> chain);

/// Resolves `base: OTHER.yaml`: the base is checked on its own (so its errors name its own
/// file), the data files it names are pinned to its folder, and this file is laid over it.
/// `chain` holds the files that led here, to catch a base that leads back to itself.
YAML::Node with_base(YAML::Node root, const fs::path& path, std::vector<fs::path> chain,
                     std::vector<fs::path>& bases, Diagnostics& sources) {
    const YAML::Node base = root["base"];
    if (!base.IsDefined()) return root;
    const std::string file = path.string();
    const auto m = base.Mark();
    if (!base.IsScalar())
        throw InputError({{file, m.line + 1, m.column + 1, "base",
                           "expected a scenario file name, found " + input::found(base)}});
    const fs::path base_path = input::beside(path, base.Scalar());
    if (Diagnostics d(file); !input::file_named_exists(base_path, base, "base", d))
        throw InputError(std::move(d.list()));
    chain.push_back(fs::weakly_canonical(path));
    if (std::find(chain.begin(), chain.end(), fs::weakly_canonical(base_path)) != chain.end())
        throw InputError(
            {{file, m.line + 1, m.column + 1, "base",
              "'" + base.Scalar() + "' leads back to this file: bases cannot form a cycle"}});
    load_impl(input::load_yaml(base_path, "scenario file"), {},
              chain);  // throws, naming the base's own file, if the base is bad
    bases.push_back(base_path);
    const YAML::Node base_file = input::load_yaml(base_path, "scenario file").root;
    sources.nodes_from(base_path.string(), base_file);
    YAML::Node base_root = with_base(base_file, base_path, chain, bases, sources);
    // Every file a base names is taken from the base's folder, not the variant's.
    auto pin = [&](YAML::Node sec) {
        if (sec.IsMap() && sec["file"].IsScalar())
            sec["file"] = fs::absolute(input::beside(base_path, sec["file"].Scalar()))
                              .lexically_normal()
                              .string();
    };
    for (const char* section : {"hubs", "schools", "posterior"}) {
        YAML::Node sec = base_root[section];
        if (sec.IsSequence())
            for (YAML::Node item : sec) pin(item);
        else
            pin(sec);
    }
    YAML::Node own(YAML::NodeType::Map);  // not Clone: that would lose the file positions
    for (const auto& kv : root)
        if (kv.first.Scalar() != "base") own.force_insert(kv.first, kv.second);
    return overlay(base_root, own, true);
}

void read_run_settings(const YAML::Node& root, const fs::path& path, Scenario& sc,
                       Diagnostics& diags) {
    sc.name = path.stem().string();
    if (auto n = root["name"])
        if (auto t = input::output_name(n, "name", diags)) sc.name = *t;
    if (auto d = root["description"]) {
        if (d.IsScalar())
            sc.description = d.Scalar();
        else
            diags.error(d, "description", "expected text, found " + input::found(d));
    }
    std::optional<Date> start, end;
    if (auto s = root["start"])
        start = input::date(s, "start", diags);
    else
        diags.missing("start", "missing: the first day to simulate (YYYY-MM-DD)");
    if (auto e = root["end"])
        end = input::date(e, "end", diags);
    else
        diags.missing("end", "missing: the last day to simulate (YYYY-MM-DD)");
    if (start) sc.start = *start;
    if (end) sc.end = *end;
    if (start && end && !(*start < *end))
        diags.error(root["end"], "end",
                    "expected a date after start (" + format_date(*start) + "), found " +
                        format_date(*end));
    if (start && end && (static_cast<int>(end->year()) - static_cast<int>(start->year()) > 200))
        diags.error(root["end"], "end", "expected at most 200 years after start");
    if (auto s = root["seed"]) {
        // Parsed as an integer, not through a double: every 64-bit seed is kept exactly.
        std::uint64_t v = 0;
        const std::string t = s.IsScalar() ? s.Scalar() : "";
        const auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
        if (t.empty() || ec != std::errc{} || ptr != t.data() + t.size())
            diags.error(
                s, "seed",
                "expected a whole number in [0, 18446744073709551615], found " + input::found(s));
        else
            sc.seed = v;
    }
    if (auto r = root["replications"])
        sc.replications =
            static_cast<std::uint32_t>(input::whole(r, "replications", 1, 1e7, diags).value_or(1));
    if (auto o = root["output"]) {
        if (!o.IsMap()) {
            diags.error(o, "output", "expected a mapping, found " + input::found(o));
        } else {
            input::check_keys(o, "output", {"sample"}, diags);
            constexpr std::array<std::string_view, 2> samples = {"yearly", "termly"};
            if (auto s = o["sample"])
                if (auto k = input::choice(s, "output.sample", samples, diags))
                    sc.sampling = *k == 1 ? Sampling::Termly : Sampling::Yearly;
        }
    }
}

/// The top level: run settings and structure, or parameter sections.
void read_top_level(const YAML::Node& root, Scenario& sc, Diagnostics& diags) {
    const auto structural = structural_keys();
    for (const auto& kv : root) {  // keys given twice were refused by parse_mapping
        const std::string key = kv.first.Scalar();
        if (std::find(structural.begin(), structural.end(), key) != structural.end()) continue;
        if (scenario_io::is_parameter_prefix(key)) {
            if (!kv.second.IsMap())
                diags.error(kv.second, key,
                            "expected a mapping of parameters, found " + input::found(kv.second));
            else
                scenario_io::read_parameters(kv.second, key + ".", sc.params, diags);
        } else {
            std::vector<std::string> options(structural.begin(), structural.end());
            for (const auto& k : parameter_keys()) options.push_back(k.substr(0, k.find('.')));
            diags.error(kv.first, key, input::unknown("key", key, options));
        }
    }
}

LoadedScenario load_impl(input::YamlFile file, const std::vector<std::string>& overrides,
                         std::vector<fs::path> chain) {
    const fs::path path = file.path;
    LoadedScenario out;
    out.source_path = path.string();
    out.source_text = file.text;
    out.input_files.push_back(path);
    Diagnostics diags(path.string());
    YAML::Node root = with_base(file.root, path, std::move(chain), out.input_files, diags);

    scenario_io::apply_overrides(root, overrides, diags);
    Scenario& sc = out.scenario;
    read_top_level(root, sc, diags);
    read_run_settings(root, path, sc, diags);
    if (sc.modelled_phases().empty())
        diags.missing("phases", "every phase's pipeline is empty: nothing to simulate");
    const auto hubs = scenario_io::read_hubs(root["hubs"], path, sc.start, sc, diags);
    const auto schools = scenario_io::read_schools(root["schools"], path, sc, diags);
    scenario_io::read_timeline(root["timeline"], sc, diags);
    scenario_io::read_targets(root["targets"], sc, diags);
    const auto posterior = scenario_io::read_posterior(root["posterior"], path, sc, diags);
    if (auto m = root["parameters"]) {
        constexpr std::array<std::string_view, 2> modes = {"drawn", "fixed"};
        const auto mode = input::choice(m, "parameters", modes, diags);
        if (mode == 1) {
            sc.posterior = {};  // the values written in the scenario, for every replication
            sc.parameters_fixed = true;
        } else if (mode == 0 && !root["posterior"]) {
            diags.error(m, "parameters",
                        "'drawn' needs a posterior to draw from (posterior: {file: ...}), and this "
                        "scenario has none");
        }
    }
    scenario_io::read_explicit_values(root["set"], sc, diags);
    diags.throw_if_any();
    for (const auto* f : {&hubs, &posterior})
        if (!f->path.empty()) out.input_files.push_back(f->path);
    out.posterior_file = posterior.path;
    for (const auto& f : schools)
        if (!f.path.empty()) out.input_files.push_back(f.path);
    out.warnings = diags.warnings();
    sc.index_schools();
    out.resolved_yaml = scenario_io::resolved_yaml(sc, root["schools"], schools, posterior);
    return out;
}

}  // namespace

LoadedScenario load_scenario(const fs::path& path, const std::vector<std::string>& overrides) {
    return input::guard_yaml(path, [&] {
        // The file is checked as written too: a value an option replaces (--replications
        // over a bad `replications:`) is still an error in the file.
        if (!overrides.empty()) load_impl(input::load_yaml(path, "scenario file"), {}, {});
        return load_impl(input::load_yaml(path, "scenario file"), overrides, {});
    });
}

LoadedScenario load_scenario_text(const std::string& text, const fs::path& path) {
    return input::guard_yaml(path, [&] {
        input::YamlFile file{path, text, input::parse_mapping(text, path.string(), "scenario")};
        LoadedScenario out = load_impl(std::move(file), {}, {});
        out.input_files.erase(out.input_files.begin());  // `path` names no file read
        return out;
    });
}

std::string overlay_variant_text(const std::string& base, const std::string& variant,
                                 const fs::path& path) {
    return input::guard_yaml(path, [&] {
        YAML::Emitter out;
        out << overlay(input::parse_mapping(base, path.string(), "scenario"),
                       input::parse_mapping(variant, path.string(), "variant"), true);
        return std::string(out.c_str()) + "\n";
    });
}

std::vector<fs::path> named_files(const std::string& text, const fs::path& path) {
    return input::guard_yaml(path, [&] {
        const YAML::Node root = input::parse_mapping(text, path.string(), "scenario");
        std::vector<fs::path> out;
        auto add = [&](const YAML::Node& name) {
            out.push_back(name.IsScalar() ? input::beside(path, name.Scalar()) : fs::path());
        };
        auto add_file = [&](const YAML::Node& section) {
            if (section.IsDefined() && section.IsMap() && section["file"]) add(section["file"]);
        };
        if (root["base"]) add(root["base"]);
        add_file(root["hubs"]);
        add_file(root["posterior"]);
        if (const YAML::Node s = root["schools"]; s.IsDefined() && s.IsSequence())
            for (const auto& source : s) add_file(source);
        else
            add_file(s);
        return out;
    });
}

}  // namespace hubsim
