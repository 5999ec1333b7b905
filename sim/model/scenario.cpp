#include "hubsim/model/scenario.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "hubsim/engine/random.hpp"

namespace hubsim {

std::string Target::label() const {
    if (measure == Measure::EngagedShare)
        return std::string(name(phase)) + " " +
               std::to_string(static_cast<int>(std::lround(value * 100))) + "% by " +
               format_date(by);
    return format_number(value) + " active " + (role ? std::string(name(*role)) : "LLME") +
           (per_hub ? " per hub" : "") + " by " + format_date(by);
}

std::string_view Target::measure_name() const {
    return measure == Measure::EngagedShare ? "engaged_share" : "active_leaders";
}

std::size_t ParameterDraws::pick(std::uint64_t seed, std::uint32_t replication) const {
    // Its own stream purpose, so drawing a particle shifts no other random number.
    const double u = uniforms(StreamKey{seed, replication, 0xFFFFFFFFu, 0, 0x9051u}, 0)[0];
    double acc = 0;
    for (std::size_t i = 0; i < weights.size(); ++i) {
        acc += weights[i];
        if (u < acc) return i;
    }
    return weights.size() - 1;
}

void ParameterDraws::apply(std::size_t particle, Parameters& params) const {
    for (std::size_t k = 0; k < keys.size(); ++k) {
        const double v = particles[particle][k];
        keys[k]->set(params, keys[k]->kind == ParamKind::Count ? std::round(v) : v);
    }
}

double ParameterChange::applied_to(double current) const {
    double v = value;
    if (op == Op::Scale) v = current * value;
    if (op == Op::Add) v = current + value;
    if (op == Op::Set) return v;
    if (spec->kind == ParamKind::Count) v = std::round(v);
    return std::clamp(v, spec->min, spec->max);
}

std::string_view name(ParameterChange::Op op) {
    switch (op) {
        case ParameterChange::Op::Set:
            return "set";
        case ParameterChange::Op::Scale:
            return "scale";
        case ParameterChange::Op::Add:
            return "add";
    }
    return "set";
}

void Scenario::set_explicitly(const ParamSpec& spec, double value) {
    spec.set(params, value);
    for (auto& e : explicit_values)
        if (e.spec == &spec) {
            e.value = value;
            return;
        }
    explicit_values.push_back({&spec, value});
}

Parameters Scenario::parameters_of(std::uint32_t replication, std::int32_t& particle) const {
    Parameters p = params;
    particle = -1;
    if (!posterior.empty()) {
        const std::size_t k = posterior.pick(seed, replication);
        posterior.apply(k, p);
        particle = static_cast<std::int32_t>(k);
    }
    for (const auto& e : explicit_values) e.spec->set(p, e.value);
    return p;
}

namespace {

/// Quintile bands of each phase's schools by disadvantage. The cut between bands k and k+1
/// is the disadvantage of the school at rank ceil((k+1) n / 5) in order; a school at or
/// below a cut is in the lower band, so equal values share a band.
void assign_bands(Scenario& sc) {
    for (Phase p : kPhases) {
        std::vector<float> d;
        for (const auto& s : sc.schools)
            if (s.phase == p) d.push_back(s.disadvantage);
        auto& upper = sc.band_upper[index(p)];
        upper.fill(1.0F);
        sc.disadvantage_mean[index(p)] = 0;
        if (d.empty()) continue;
        double sum = 0;
        for (float x : d) sum += x;
        sc.disadvantage_mean[index(p)] = sum / static_cast<double>(d.size());
        std::sort(d.begin(), d.end());
        const std::size_t n = d.size();
        for (std::size_t k = 0; k + 1 < kBandCount; ++k)
            upper[k] = d[((k + 1) * n + kBandCount - 1) / kBandCount - 1];
        upper[kBandCount - 1] = d.back();
    }
    for (auto& s : sc.schools) {
        const auto& upper = sc.band_upper[index(s.phase)];
        std::size_t b = 0;
        while (b + 1 < kBandCount && s.disadvantage > upper[b]) ++b;
        s.band = static_cast<std::uint8_t>(b);
    }
}

}  // namespace

std::vector<Phase> Scenario::modelled_phases() const {
    std::vector<Phase> out;
    for (Phase p : kPhases)
        if (params.of(p).modelled()) out.push_back(p);
    return out;
}

void Scenario::index_schools() {
    const auto by_hub = [](const SchoolProfile& a, const SchoolProfile& b) {
        return a.hub < b.hub;
    };
    // Usually in hub order already; a stable sort would still take a copy of every school.
    if (!std::is_sorted(schools.begin(), schools.end(), by_hub))
        std::stable_sort(schools.begin(), schools.end(), by_hub);
    assign_bands(*this);
    for (auto& h : hubs) h.first_school = h.last_school = 0;
    std::uint32_t i = 0;
    for (std::size_t h = 0; h < hubs.size(); ++h) {
        hubs[h].first_school = i;
        while (i < schools.size() && schools[i].hub == h) ++i;
        hubs[h].last_school = i;
    }
}

}  // namespace hubsim
