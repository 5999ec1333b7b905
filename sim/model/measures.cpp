#include "hubsim/model/measures.hpp"

#include <algorithm>
#include <array>
#include <limits>

namespace hubsim {

namespace {
constexpr std::array<std::string_view, 7> kNames = {
    "participating",      "engaged",     "engaged_share", "trainees_starting",
    "specialists_active", "llme_active", "applicants"};

/// The value of a query in one hub at sample `t` of replication `k`.
double hub_value(const Results& r, const MeasureQuery& q, std::size_t k, std::size_t t,
                 std::size_t h) {
    auto phased = [&](const std::vector<std::uint32_t>& a) {
        double x = 0;
        for (std::size_t c = 0; c < r.phases.size(); ++c)
            if (!q.phase || r.phases[c] == *q.phase) x += a[r.phase_cell(k, t, h, c)];
        return x;
    };
    // Leaders of the roles a measure counts: one role if it names one; otherwise (Mastery
    // Specialists only, for the specialist measures) those of the phase, where it has one
    // (a role without a phase, like PD Leads, counts only under "all").
    auto leaders = [&](const std::vector<std::uint32_t>& by_role, bool status, bool specialists) {
        double x = 0;
        for (LlmeRole role : kRoles) {
            const RoleInfo& ri = info(role);
            if (q.role
                    ? role != *q.role
                    : ((specialists && !ri.mastery_specialist) || (q.phase && ri.phase != q.phase)))
                continue;
            x += status ? by_role[r.status_cell(k, t, h, role, LlmeStatus::Active)]
                        : by_role[r.role_cell(k, t, h, role)];
        }
        return x;
    };
    switch (q.measure) {
        case Measure::Participating:
            if (!q.stage) return phased(r.participating);
            {
                double x = 0;
                for (std::size_t c = 0; c < r.phases.size(); ++c)
                    if (!q.phase || r.phases[c] == *q.phase)
                        x += r.in_work_groups[r.stage_cell(k, t, h, c, *q.stage)];
                return x;
            }
        case Measure::Engaged:
        case Measure::EngagedShare:
            return phased(r.engaged);
        case Measure::TraineesStarting:
            return leaders(r.trainees, false, true);
        case Measure::SpecialistsActive:
            return leaders(r.llme, true, true);
        case Measure::LlmeActive:
            return leaders(r.llme, true, false);
        case Measure::Applicants:
            return leaders(r.applicants, false, false);
    }
    return 0;
}

}  // namespace

std::optional<Measure> parse_measure(std::string_view text) {
    for (std::size_t i = 0; i < kNames.size(); ++i)
        if (kNames[i] == text) return static_cast<Measure>(i);
    return std::nullopt;
}

std::string_view name(Measure m) {
    return kNames[static_cast<std::size_t>(m)];
}

std::vector<std::string> measure_names() {
    return {kNames.begin(), kNames.end()};
}

std::string MeasureQuery::measure_text() const {
    std::string s(name(measure));
    if (stage) s += ":" + std::string(name(*stage));
    if (role) s += ":" + std::string(name(*role));
    return s;
}

std::vector<double> measure_values(const Scenario& sc, const Results& r, const MeasureQuery& q,
                                   Day day) {
    const auto t_it = std::lower_bound(r.sample_days.begin(), r.sample_days.end(), day);
    if (t_it == r.sample_days.end()) return {};
    const auto t = static_cast<std::size_t>(t_it - r.sample_days.begin());
    std::vector<bool> in(r.hubs, false);
    for (std::size_t h = 0; h < r.hubs; ++h)
        in[h] = q.scope.kind == Scope::Kind::National || q.scope.kind == Scope::Kind::FewestHub ||
                (q.scope.kind == Scope::Kind::Region && sc.hubs[h].region == q.scope.name) ||
                (q.scope.kind == Scope::Kind::Hub && sc.hubs[h].name == q.scope.name);
    double schools = 0;
    for (const auto& s : sc.schools)
        if (in[s.hub] && (!q.phase || s.phase == *q.phase)) schools += 1;
    const bool fewest = q.scope.kind == Scope::Kind::FewestHub;
    std::vector<double> out(r.replications, 0.0);
    for (std::size_t k = 0; k < r.replications; ++k) {
        double v = fewest ? std::numeric_limits<double>::infinity() : 0.0;
        for (std::size_t h = 0; h < r.hubs; ++h) {
            if (!in[h]) continue;
            const double x = hub_value(r, q, k, t, h);
            v = fewest ? std::min(v, x) : v + x;
        }
        out[k] = q.measure == Measure::EngagedShare ? (schools > 0 ? v / schools : 0.0) : v;
    }
    return out;
}

}  // namespace hubsim
