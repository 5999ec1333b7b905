#include "hubsim/io/scenario_schema.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "hubsim/io/scenario_loader.hpp"
#include "hubsim/model/parameters.hpp"

namespace hubsim {

namespace {

using nlohmann::json;

constexpr std::string_view kPipelineTail = ".pipeline";

std::vector<std::string> role_names() {
    std::vector<std::string> v;
    for (LlmeRole r : kRoles) v.emplace_back(name(r));
    return v;
}

std::vector<std::string> phase_names() {
    std::vector<std::string> v;
    for (Phase p : kPhases) v.emplace_back(name(p));
    return v;
}

/// What one parameter may hold, with its default and help.
json parameter_schema(const ParamSpec& s) {
    json j;
    std::string help = s.help + (s.unit.empty() ? "" : " [" + s.unit + "]");
    switch (s.kind) {
        case ParamKind::Choice:
            j["enum"] = s.choices;
            j["default"] = s.choices.at(static_cast<std::size_t>(s.fallback));
            break;
        case ParamKind::Flag:
            j["type"] = "boolean";
            j["default"] = s.fallback != 0;
            break;
        case ParamKind::Count:
        case ParamKind::Probability:
        case ParamKind::Real:
            j["type"] = s.kind == ParamKind::Count ? "integer" : "number";
            j["minimum"] = s.min;
            if (std::isfinite(s.max) && s.max < 1e299) j["maximum"] = s.max;
            j["default"] = s.fallback;
            break;
    }
    j["description"] = help;
    return j;
}

/// A phase's Work Group stages, in order (`phases.{phase}.pipeline`).
json pipeline_schema() {
    std::vector<std::string> stages;
    for (Stage s : kWorkGroupStages) stages.emplace_back(name(s));
    return {{"type", "array"},
            {"items", {{"enum", stages}}},
            {"uniqueItems", true},
            {"description", "the Work Group stages of the phase, in order; [] leaves it out"}};
}

/// Every key a parameter mapping may hold, as dotted paths: the parameters and the
/// pipelines (leaves), and every prefix of them (mappings).
struct KeyTree {
    std::vector<std::string> leaves;
    std::set<std::string> prefixes;  ///< "" (the root) included

    KeyTree() {
        for (const auto& s : parameter_specs()) leaves.push_back(s.key);
        for (const auto& p : phase_names())
            leaves.push_back("phases." + p + std::string(kPipelineTail));
        prefixes.insert("");
        for (const auto& k : leaves)
            for (auto dot = k.find('.'); dot != std::string::npos; dot = k.find('.', dot + 1))
                prefixes.insert(k.substr(0, dot));
    }
};

/// The three kinds of parameter mapping: a scenario's sections and `set` (any parameter, any
/// value it may take); a timeline event's `set` (only what may change while a run goes);
/// its `scale` and `add` (numbers, by which a number that may change is scaled or moved).
enum class Family { Values, Yearly, Numbers };
constexpr std::array<std::string_view, 3> kFamilyNames = {"values", "yearly", "numbers"};

std::string node_ref(Family f, const std::string& prefix) {
    return "#/$defs/" + std::string(kFamilyNames[static_cast<std::size_t>(f)]) + "/" +
           (prefix.empty() ? std::string("root") : prefix);
}

/// What a key of `family` may hold, or nothing if the family has no place for it.
std::optional<json> leaf(Family family, const std::string& key) {
    const ParamSpec* spec = find_parameter(key);
    if (!spec) {  // a phase's pipeline
        if (family != Family::Values) return std::nullopt;
        return json{{"$ref", "#/$defs/pipeline"}};
    }
    if (family != Family::Values && spec->use == ParamUse::WholeRun) return std::nullopt;
    if (family != Family::Numbers) return json{{"$ref", "#/$defs/parameter/" + key}};
    if (spec->kind == ParamKind::Choice || spec->kind == ParamKind::Flag) return std::nullopt;
    return json{{"type", "number"}};
}

/// The mapping under `prefix`: the loader reads a key under it whole or in parts
/// (`demand: {p: 0.1}`, or `phases: {primary.stages.development.complete: 0.9}`), so each
/// parameter and each mapping below is a property, by its path from here.
json parameter_mapping(const KeyTree& tree, Family family, const std::string& prefix) {
    const std::string head = prefix.empty() ? "" : prefix + ".";
    json props = json::object();
    for (const auto& k : tree.leaves)
        if (k.starts_with(head))
            if (auto j = leaf(family, k)) props[k.substr(head.size())] = *j;
    for (const auto& p : tree.prefixes)
        if (!p.empty() && p.starts_with(head) && p != prefix)
            props[p.substr(head.size())] = {{"$ref", node_ref(family, p)}};
    return {{"type", "object"}, {"properties", props}, {"additionalProperties", false}};
}

json date_schema(const std::string& help) {
    return {{"type", "string"},
            {"pattern", "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
            {"description", help + " (YYYY-MM-DD)"}};
}

json data_file_schema(const std::string& help) {
    return {{"type", "object"},
            {"properties",
             {{"file", {{"type", "string"}, {"description", "path, from this file's folder"}}},
              {"sha256",
               {{"type", "string"},
                {"pattern", "^[0-9a-f]{64}$"},
                {"description", "if given, must match the file's SHA-256"}}}}},
            {"required", {"file"}},
            {"additionalProperties", false},
            {"description", help}};
}

json role_counts() {
    json props = json::object();
    for (const auto& r : role_names()) props[r] = {{"type", "integer"}, {"minimum", 0}};
    return {{"type", "object"},
            {"properties", props},
            {"additionalProperties", false},
            {"description", "active leaders of each role the hub has when it opens"}};
}

json hub_fields(bool with_name) {
    json props = {{"opens", date_schema("the day the hub opens")},
                  {"capacity_factor",
                   {{"type", "number"},
                    {"minimum", 0},
                    {"maximum", 100},
                    {"description", "multiplier on the hub's leader days"}}},
                  {"initial_llme", role_counts()},
                  {"extra_llme",
                   {{"type", "array"},
                    {"description", "leaders added to the hub on a date"},
                    {"items",
                     {{"type", "object"},
                      {"properties",
                       {{"role", {{"enum", role_names()}}},
                        {"leaders", {{"type", "integer"}, {"minimum", 0}, {"maximum", 1000000}}},
                        {"from", date_schema("the day they start")}}},
                      {"required", {"role", "leaders", "from"}},
                      {"additionalProperties", false}}}}}};
    json j = {{"type", "object"}, {"additionalProperties", false}};
    if (with_name) {
        props["name"] = {{"type", "string"}};
        props["region"] = {{"type", "string"}};
        j["required"] = {"name"};
    }
    j["properties"] = props;
    return j;
}

json hubs_schema() {
    json from_file = data_file_schema("a CSV of hubs (name, opens[, region])");
    from_file["properties"]["overrides"] = {
        {"type", "object"},
        {"additionalProperties", hub_fields(false)},
        {"description", "per hub name: opens, capacity_factor, initial_llme, extra_llme"}};
    json counted = {{"type", "object"},
                    {"properties",
                     {{"count", {{"type", "integer"}, {"minimum", 1}, {"maximum", 65535}}},
                      {"opens", date_schema("the day every hub opens")},
                      {"region", {{"type", "string"}}}}},
                    {"required", {"count"}},
                    {"additionalProperties", false}};
    return {{"description", "the Maths Hubs: a list, a CSV file, or a number to generate"},
            {"oneOf", {{{"type", "array"}, {"items", hub_fields(true)}}, from_file, counted}}};
}

json schools_schema() {
    json per_hub = json::object();
    for (const auto& p : phase_names()) per_hub[p] = {{"type", "integer"}, {"minimum", 0}};
    json generate = {
        {"type", "object"},
        {"properties",
         {{"generate",
           {{"type", "object"},
            {"properties",
             {{"per_hub",
               {{"type", "object"}, {"properties", per_hub}, {"additionalProperties", false}}},
              {"pupils", {{"type", "number"}, {"minimum", 0}, {"maximum", 1e6}}},
              {"disadvantage", {{"type", "number"}, {"minimum", 0}, {"maximum", 1}}},
              {"disadvantage_spread", {{"type", "number"}, {"minimum", 0}, {"maximum", 1}}}}},
            {"required", {"per_hub"}},
            {"additionalProperties", false}}}}},
        {"required", {"generate"}},
        {"additionalProperties", false}};
    json source = {
        {"oneOf",
         {data_file_schema("a CSV of schools (urn,hub,phase,pupils,disadvantage)"), generate}}};
    return {{"description", "the schools: a CSV file, counts per hub to generate, or a list"},
            {"oneOf", {source, {{"type", "array"}, {"items", source}, {"minItems", 1}}}}};
}

json timeline_schema() {
    const json yearly = {{"$ref", node_ref(Family::Yearly, "")}};
    const json numbers = {{"$ref", node_ref(Family::Numbers, "")}};
    return {
        {"type", "array"},
        {"description", "dated changes to parameters while they hold"},
        {"items",
         {{"type", "object"},
          {"properties",
           {{"date", date_schema("first day the change holds")},
            {"until", date_schema("last day it holds (none: to the end)")},
            {"set", yearly},
            {"scale", numbers},
            {"add", numbers},
            {"note", {{"type", "string"}}}}},
          {"required", {"date"}},
          {"anyOf", {{{"required", {"set"}}}, {{"required", {"scale"}}}, {{"required", {"add"}}}}},
          {"additionalProperties", false}}}};
}

json targets_schema() {
    json share = {{"type", "object"},
                  {"properties",
                   {{"phase", {{"enum", phase_names()}}},
                    {"share", {{"type", "number"}, {"minimum", 0}, {"maximum", 1}}},
                    {"by", date_schema("the date it is due")}}},
                  {"required", {"phase", "share"}},
                  {"additionalProperties", false}};
    json count = {{"type", "object"},
                  {"properties",
                   {{"count", {{"type", "number"}, {"minimum", 0}, {"maximum", 1e9}}},
                    {"role", {{"enum", role_names()}}},
                    {"per_hub", {{"type", "boolean"}}},
                    {"by", date_schema("the date it is due")}}},
                  {"required", {"count"}},
                  {"additionalProperties", false}};
    return {{"type", "array"},
            {"description",
             "strategic goals: a share of a phase's schools engaged by a date, "
             "or a number of active leaders"},
            {"items", {{"oneOf", {share, count}}}}};
}

/// The help `hubsim params` gives each structural setting, by its key.
std::string setting_help(const std::string& key) {
    for (const auto& d : scenario_settings())
        if (d.key == key) return d.help;
    return "";
}

json structural_properties() {
    auto with_help = [](json j, const std::string& key) {
        j["description"] = setting_help(key);
        return j;
    };
    return {
        {"base", with_help({{"type", "string"}}, "base")},
        {"name", with_help({{"type", "string"}}, "name")},
        {"description", with_help({{"type", "string"}}, "description")},
        {"start", date_schema(setting_help("start"))},
        {"end", date_schema(setting_help("end"))},
        {"seed", with_help({{"type", "integer"}, {"minimum", 0}, {"default", 1}}, "seed")},
        {"replications",
         with_help({{"type", "integer"}, {"minimum", 1}, {"default", 1}}, "replications")},
        {"output",
         {{"type", "object"},
          {"properties",
           {{"sample",
             with_help({{"enum", {"yearly", "termly"}}, {"default", "yearly"}}, "output.sample")}}},
          {"additionalProperties", false}}},
        {"hubs", hubs_schema()},
        {"schools", schools_schema()},
        {"timeline", timeline_schema()},
        {"posterior", data_file_schema(setting_help("posterior"))},
        {"parameters", with_help({{"enum", {"drawn", "fixed"}}}, "parameters")},
        {"set", with_help({{"$ref", node_ref(Family::Values, "")}}, "set")},
        {"targets", targets_schema()},
    };
}

}  // namespace

std::string scenario_schema(int indent) {
    const KeyTree tree;
    json params = json::object(), defs = json::object();
    for (const auto& s : parameter_specs()) params[s.key] = parameter_schema(s);
    defs["parameter"] = params;
    for (Family f : {Family::Values, Family::Yearly, Family::Numbers}) {
        json nodes = json::object();
        for (const auto& p : tree.prefixes)
            nodes[p.empty() ? std::string("root") : p] = parameter_mapping(tree, f, p);
        defs[std::string(kFamilyNames[static_cast<std::size_t>(f)])] = nodes;
    }
    defs["pipeline"] = pipeline_schema();

    // The top level: the settings, and each parameter section (a mapping, never a bare
    // parameter: `demand.p: 0.1` at the top is refused, `demand: {p: 0.1}` is read).
    json props = structural_properties();
    for (const auto& p : tree.prefixes)
        if (!p.empty()) props[p] = {{"$ref", node_ref(Family::Values, p)}};
    const json schema = {
        {"$schema", "https://json-schema.org/draft/2020-12/schema"},
        {"$id", "https://hubsim.invalid/scenario.schema.json"},
        {"title", "hubsim scenario"},
        {"description",
         "A hubsim scenario (docs/scenario.md), generated by `hubsim schema` from the declared "
         "parameters. A scenario with `base:` needs only the keys it changes."},
        {"type", "object"},
        {"properties", props},
        {"additionalProperties", false},
        {"$defs", defs},
    };
    return schema.dump(indent);
}

}  // namespace hubsim
