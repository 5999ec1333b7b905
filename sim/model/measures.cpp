#include "hubsim/model/measures.hpp"

#include <algorithm>
#include <array>

namespace hubsim {

namespace {
constexpr std::array<std::string_view, 6> kNames = {"participating",      "engaged",
                                                    "engaged_share",      "trainees_starting",
                                                    "specialists_active", "llme_active"};
}

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

std::vector<double> measure_values(const Scenario& sc, const Results& r, Measure m,
                                   std::optional<Phase> phase, const Scope& scope, Day day) {
    const auto t_it = std::lower_bound(r.sample_days.begin(), r.sample_days.end(), day);
    if (t_it == r.sample_days.end()) return {};
    const std::size_t t = static_cast<std::size_t>(t_it - r.sample_days.begin());
    std::vector<bool> in(r.hubs, false);
    for (std::size_t h = 0; h < r.hubs; ++h)
        in[h] = scope.kind == Scope::Kind::National ||
                (scope.kind == Scope::Kind::Region && sc.hubs[h].region == scope.name) ||
                (scope.kind == Scope::Kind::Hub && sc.hubs[h].name == scope.name);
    const std::size_t np = r.phases.size();
    std::vector<bool> col(np, true);
    if (phase)
        for (std::size_t c = 0; c < np; ++c) col[c] = r.phases[c] == *phase;
    double schools = 0;
    for (const auto& s : sc.schools)
        if (in[s.hub] && (!phase || s.phase == *phase)) schools += 1;

    std::vector<double> out(r.replications, 0.0);
    for (std::size_t k = 0; k < r.replications; ++k) {
        double v = 0;
        for (std::size_t h = 0; h < r.hubs; ++h) {
            if (!in[h]) continue;
            auto phased = [&](const std::vector<std::uint32_t>& a) {
                double x = 0;
                for (std::size_t c = 0; c < np; ++c)
                    if (col[c]) x += a[r.phase_cell(k, t, h, c)];
                return x;
            };
            // Leaders of the roles the measure counts: with a phase, the roles of that
            // phase (a role without one, like PD Leads, only under "all").
            auto leaders = [&](bool specialists, bool starting) {
                double x = 0;
                for (LlmeRole role : kRoles) {
                    const RoleInfo ri = info(role);
                    if (specialists && !ri.mastery_specialist) continue;
                    if (phase && ri.phase != phase) continue;
                    x += starting ? r.trainees[r.role_cell(k, t, h, role)]
                                  : r.llme[r.status_cell(k, t, h, role, LlmeStatus::Active)];
                }
                return x;
            };
            switch (m) {
                case Measure::Participating:
                    v += phased(r.participating);
                    break;
                case Measure::Engaged:
                case Measure::EngagedShare:
                    v += phased(r.engaged);
                    break;
                case Measure::TraineesStarting:
                    v += leaders(true, true);
                    break;
                case Measure::SpecialistsActive:
                    v += leaders(true, false);
                    break;
                case Measure::LlmeActive:
                    v += leaders(false, false);
                    break;
            }
        }
        out[k] = m == Measure::EngagedShare ? (schools > 0 ? v / schools : 0.0) : v;
    }
    return out;
}

}  // namespace hubsim
