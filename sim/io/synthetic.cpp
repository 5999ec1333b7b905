#include "hubsim/io/synthetic.hpp"

#include <yaml-cpp/yaml.h>

#include <array>
#include <cmath>
#include <string_view>

#include "hubsim/io/diagnostics.hpp"

namespace hubsim {

namespace {

/// A parameter that is a national total (declared so): it grows with the scenario.
bool is_national(const std::string& key) {
    const ParamSpec* spec = find_parameter(key);
    return spec && spec->national;
}

/// The node at a dotted key inside a mapping (created if missing).
YAML::Node at_key(YAML::Node node, std::string_view dotted) {
    std::size_t from = 0;
    while (true) {
        const std::size_t dot = dotted.find('.', from);
        const std::string part(dotted.substr(from, dot - from));
        if (dot == std::string_view::npos) return node[part];
        node.reset(node[part]);  // a handle on the child, not an assignment to it
        from = dot + 1;
    }
}

std::string scaled(double value, double factor) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.15g", std::round(value * factor));
    return buf;
}

}  // namespace

std::string synthetic_scenario(const LoadedScenario& from, const SyntheticSize& size) {
    const Scenario& sc = from.scenario;
    const std::uint32_t per_hub = std::max<std::uint32_t>(1, size.schools_per_hub);
    const std::uint64_t hubs = std::max<std::uint64_t>(1, (size.schools + per_hub / 2) / per_hub);
    if (hubs > 65535)
        throw InputError({{"command line", 0, 0, "--schools",
                           std::to_string(hubs) + " hubs of " + std::to_string(per_hub) +
                               " schools; at most 65535 hubs (raise --schools-per-hub)"}});
    if (sc.schools.empty())
        throw InputError({{from.source_path, 0, 0, "schools", "the template has no schools"}});

    // Each phase's share of the template's schools, and its mean pupils and disadvantage.
    std::array<double, kPhaseCount> count{};
    double pupils = 0, disadvantage = 0;
    for (const SchoolProfile& s : sc.schools) {
        count[index(s.phase)] += 1;
        pupils += s.pupils;
        disadvantage += s.disadvantage;
    }
    const double n = static_cast<double>(sc.schools.size());
    YAML::Node per_phase(YAML::NodeType::Map);
    std::uint64_t made = 0;
    for (Phase p : kPhases) {
        const auto k = static_cast<std::uint64_t>(std::llround(per_hub * count[index(p)] / n));
        if (k == 0) continue;
        per_phase[std::string(name(p))] = k;
        made += k * hubs;
    }
    const double factor = static_cast<double>(made) / n;

    YAML::Node root = YAML::Load(from.resolved_yaml);
    root["name"] = sc.name + "-synthetic-" + std::to_string(made);
    root["description"] = "synthetic: " + std::to_string(made) + " schools in " +
                          std::to_string(hubs) + " hubs, with the parameters of " + sc.name;
    YAML::Node hub_node(YAML::NodeType::Map);
    hub_node["count"] = hubs;
    hub_node["opens"] = root["start"].Scalar();
    root["hubs"] = hub_node;
    YAML::Node generate(YAML::NodeType::Map);
    generate["per_hub"] = per_phase;
    generate["pupils"] = std::round(pupils / n);
    generate["disadvantage"] = std::round(1000 * disadvantage / n) / 1000;
    generate["disadvantage_spread"] = 0.3;
    YAML::Node schools(YAML::NodeType::Map);
    schools["generate"] = generate;
    root["schools"] = schools;
    root.remove("posterior");   // a template's posterior file lies beside the template
    root.remove("parameters");  // so there is nothing to draw from
    for (const auto& spec : parameter_specs()) {
        if (!spec.national) continue;
        YAML::Node v = at_key(root, spec.key);
        if (v.IsScalar()) v = scaled(v.as<double>(), factor);
    }
    // Explicit values, and timeline values set or added (a scale stays a scale).
    for (auto kv : root["set"])
        if (is_national(kv.first.Scalar())) kv.second = scaled(kv.second.as<double>(), factor);
    for (YAML::Node event : root["timeline"])
        for (const char* op : {"set", "add"})
            for (auto kv : event[op])
                if (is_national(kv.first.Scalar()))
                    kv.second = scaled(kv.second.as<double>(), factor);

    YAML::Emitter out;
    out.SetIndent(2);
    out.SetDoublePrecision(15);
    char note[200];
    std::snprintf(note, sizeof note,
                  "made by hubsim generate from %s: %llu schools; national training places "
                  "and budget x %.6g",
                  from.source_path.c_str(), static_cast<unsigned long long>(made), factor);
    out << YAML::Comment(note) << YAML::Newline << root;
    return std::string(out.c_str()) + "\n";
}

}  // namespace hubsim
