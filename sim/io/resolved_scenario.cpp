// The resolved scenario written into every output: every key with its value, so the file
// runs anywhere and reproduces the run.

#include "dotted_tree.hpp"
#include "scenario_sections.hpp"

namespace hubsim::scenario_io {

namespace {

void emit_data_file(YAML::Emitter& out, const DataFile& f) {
    out << YAML::Key << "file" << YAML::Value << fs::absolute(f.path).lexically_normal().string()
        << YAML::Key << "sha256" << YAML::Value << f.sha256;
}

void emit_hub(YAML::Emitter& out, const HubSpec& h) {
    out << YAML::Flow << YAML::BeginMap << YAML::Key << "name" << YAML::Value << h.name << YAML::Key
        << "region" << YAML::Value << h.region << YAML::Key << "opens" << YAML::Value
        << format_date(h.opens) << YAML::Key << "capacity_factor" << YAML::Value
        << h.capacity_factor;
    bool any = false;
    for (double v : h.initial_llme) any |= v >= 0;
    if (any) {
        out << YAML::Key << "initial_llme" << YAML::Value << YAML::BeginMap;
        for (LlmeRole r : kRoles)
            if (h.initial_llme[index(r)] >= 0)
                out << YAML::Key << std::string(name(r)) << YAML::Value << h.initial_llme[index(r)];
        out << YAML::EndMap;
    }
    if (!h.extra_llme.empty()) {
        out << YAML::Key << "extra_llme" << YAML::Value << YAML::BeginSeq;
        for (const ExtraLeaders& e : h.extra_llme)
            out << YAML::BeginMap << YAML::Key << "role" << YAML::Value << std::string(name(e.role))
                << YAML::Key << "leaders" << YAML::Value << e.count << YAML::Key << "from"
                << YAML::Value << format_date(e.from) << YAML::EndMap;
        out << YAML::EndSeq;
    }
    out << YAML::EndMap;
}

void emit_event(YAML::Emitter& out, const TimelineEvent& e) {
    out << YAML::BeginMap << YAML::Key << "date" << YAML::Value << format_date(e.date);
    if (e.until) out << YAML::Key << "until" << YAML::Value << format_date(*e.until);
    for (auto op :
         {ParameterChange::Op::Set, ParameterChange::Op::Scale, ParameterChange::Op::Add}) {
        bool open = false;
        for (const ParameterChange& c : e.changes) {
            if (c.op != op) continue;
            if (!open) out << YAML::Key << std::string(name(op)) << YAML::Value << YAML::BeginMap;
            open = true;
            out << YAML::Key << c.spec->key << YAML::Value
                << (op == ParameterChange::Op::Set ? c.spec->format(c.value)
                                                   : format_number(c.value));
        }
        if (open) out << YAML::EndMap;
    }
    if (!e.note.empty()) out << YAML::Key << "note" << YAML::Value << e.note;
    out << YAML::EndMap;
}

}  // namespace

std::string resolved_yaml(const Scenario& sc, const YAML::Node& schools_node,
                          const std::vector<DataFile>& schools, const DataFile& posterior) {
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
    input::DottedTree params;
    for (const auto& spec : parameter_specs())
        params.add(spec.key, spec.format(spec.get(sc.params)));
    for (Phase p : kPhases) {
        std::vector<std::string> stages;
        for (Stage st : sc.params.of(p).pipeline) stages.emplace_back(name(st));
        params.add_list("phases." + std::string(name(p)) + ".pipeline", stages);
    }
    params.emit_members(out);
    if (!sc.explicit_values.empty()) {
        out << YAML::Key << "set" << YAML::Value << YAML::BeginMap;
        for (const auto& e : sc.explicit_values)
            out << YAML::Key << e.spec->key << YAML::Value << e.spec->format(e.value);
        out << YAML::EndMap
            << YAML::Comment("explicit values: they take precedence over posterior draws");
    }
    out << YAML::Key << "hubs" << YAML::Value << YAML::BeginSeq;
    for (const auto& h : sc.hubs) emit_hub(out, h);
    out << YAML::EndSeq;
    out << YAML::Key << "schools" << YAML::Value;
    auto source = [&](const YAML::Node& node, const DataFile& file) {
        if (file.path.empty()) {
            out << node;  // generated: the block itself says everything
            return;
        }
        out << YAML::BeginMap;
        emit_data_file(out, file);
        out << YAML::EndMap;
    };
    if (schools_node.IsSequence()) {
        out << YAML::BeginSeq;
        for (std::size_t i = 0; i < schools_node.size() && i < schools.size(); ++i)
            source(schools_node[i], schools[i]);
        out << YAML::EndSeq;
    } else {
        source(schools_node, schools.empty() ? DataFile{} : schools[0]);
    }
    out << YAML::Comment(std::to_string(sc.schools.size()) + " schools");
    out << YAML::Key << "timeline" << YAML::Value << YAML::BeginSeq;
    for (const auto& e : sc.timeline) emit_event(out, e);
    out << YAML::EndSeq;
    if (!posterior.path.empty()) {
        out << YAML::Key << "posterior" << YAML::Value << YAML::BeginMap;
        emit_data_file(out, posterior);
        out << YAML::EndMap;
        if (!sc.posterior.empty())
            out << YAML::Comment(std::to_string(sc.posterior.particles.size()) +
                                 " weighted parameter sets");
        out << YAML::Key << "parameters" << YAML::Value
            << (sc.parameters_fixed ? "fixed" : "drawn");
    }
    out << YAML::Key << "targets" << YAML::Value << YAML::BeginSeq;
    for (const auto& t : sc.targets) {
        out << YAML::Flow << YAML::BeginMap;
        if (t.measure == Target::Measure::EngagedShare) {
            out << YAML::Key << "phase" << YAML::Value << std::string(name(t.phase)) << YAML::Key
                << "share" << YAML::Value << t.value;
        } else {
            out << YAML::Key << "count" << YAML::Value << t.value;
            if (t.role) out << YAML::Key << "role" << YAML::Value << std::string(name(*t.role));
            if (t.per_hub) out << YAML::Key << "per_hub" << YAML::Value << true;
        }
        out << YAML::Key << "by" << YAML::Value << format_date(t.by) << YAML::EndMap;
    }
    out << YAML::EndSeq;
    out << YAML::EndMap;
    return std::string(out.c_str()) + "\n";
}

}  // namespace hubsim::scenario_io
