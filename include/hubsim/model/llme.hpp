#pragma once
/// \file
/// Local Leaders of Mathematics Education: the community's roles, and one leader.
///
/// The roles are the ones the programme names (seeds 003 and 004, hub pages): Mastery
/// Specialists of each phase (post-16: the FE Mastery Specialists), Mastery Readiness
/// Leads, Work Group Leads, Professional Development (PD) Leads and School Development
/// Leads. Each role recruits, trains, qualifies and leaves by its own parameters
/// (`llme.<role>.*`), and gives a yearly number of days to leading Work Groups, some of
/// them to Teaching for Mastery and the rest to the hubs' other programmes.

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "hubsim/model/stage.hpp"

namespace hubsim {

enum class LlmeStatus : std::uint8_t { InTraining, Active, Left };
inline constexpr std::size_t kLlmeStatusCount = 3;
constexpr std::string_view name(LlmeStatus s) {
    constexpr std::array<std::string_view, kLlmeStatusCount> names = {"in_training", "active",
                                                                      "left"};
    return names[static_cast<std::size_t>(s)];
}

enum class LlmeRole : std::uint8_t {
    PrimaryMasterySpecialist,
    SecondaryMasterySpecialist,
    Post16MasterySpecialist,  ///< the FE Mastery Specialists
    PrimaryReadinessLead,     ///< leads Mastery Readiness Work Groups
    PrimaryWorkGroupLead,
    SecondaryWorkGroupLead,
    PdLead,                 ///< NCETM-accredited Professional Development Lead
    SchoolDevelopmentLead,  ///< NCETM-accredited School Development Lead
};
inline constexpr std::size_t kRoleCount = 8;

/// What a role is: its key (`llme.<key>.*`, the output's role label, carrying the phase
/// where the role has one), its phase (none: a leader takes the phase of the school they
/// come from), and the TfM stages its time can lead.
struct RoleInfo {
    std::string_view key;
    std::optional<Phase> phase;
    std::array<bool, kStageCount> leads;  ///< by Stage; only Work Group stages are ever true
    bool mastery_specialist;
};

namespace detail {
constexpr bool N = false, Y = true;
// At namespace scope, not inside info(): a constexpr local array is built on the stack at
// every call evaluated at run time, and info() is asked for at every allocation.
// leads, by stage: not_engaged readiness development embedding sustaining lapsed
inline constexpr std::array<RoleInfo, kRoleCount> kRoleInfo = {{
    {"primary_mastery_specialist", Phase::Primary, {N, Y, Y, Y, Y, N}, true},
    {"secondary_mastery_specialist", Phase::Secondary, {N, Y, Y, Y, Y, N}, true},
    {"post16_mastery_specialist", Phase::Post16, {N, Y, Y, Y, Y, N}, true},
    {"primary_readiness_lead", Phase::Primary, {N, Y, N, N, N, N}, false},
    {"primary_work_group_lead", Phase::Primary, {N, N, Y, Y, Y, N}, false},
    {"secondary_work_group_lead", Phase::Secondary, {N, N, Y, Y, Y, N}, false},
    {"pd_lead", std::nullopt, {N, N, N, Y, Y, N}, false},
    {"school_development_lead", std::nullopt, {N, N, N, N, Y, N}, false},
}};
}  // namespace detail

constexpr const RoleInfo& info(LlmeRole r) {
    return detail::kRoleInfo[static_cast<std::size_t>(r)];
}
constexpr std::string_view name(LlmeRole r) {
    return info(r).key;
}
constexpr std::size_t index(LlmeRole r) {
    return static_cast<std::size_t>(r);
}
inline constexpr std::array<LlmeRole, kRoleCount> kRoles = {LlmeRole::PrimaryMasterySpecialist,
                                                            LlmeRole::SecondaryMasterySpecialist,
                                                            LlmeRole::Post16MasterySpecialist,
                                                            LlmeRole::PrimaryReadinessLead,
                                                            LlmeRole::PrimaryWorkGroupLead,
                                                            LlmeRole::SecondaryWorkGroupLead,
                                                            LlmeRole::PdLead,
                                                            LlmeRole::SchoolDevelopmentLead};
std::optional<LlmeRole> parse_role(std::string_view text);

/// Whether a leader of `role` and `phase` can lead a group of `stage` of that phase.
constexpr bool can_lead(LlmeRole role, Phase phase, Stage stage) {
    const RoleInfo& r = info(role);
    return (!r.phase || *r.phase == phase) && r.leads[index(stage)];
}

/// How a leader came to the hub's community.
enum class LlmeOrigin : std::uint8_t {
    Founding,  ///< one of the leaders the hub opened with
    Trainee,   ///< trained on their role's route
    Extra,     ///< added from a date by the scenario (HubSpec::extra_llme; `hubsim marginal`)
};

/// The random-stream entity of a leader: their origin, role, phase, the academic year they
/// joined and their number within that cohort. Adding leaders of one cohort leaves every
/// other leader's draws unchanged (common random numbers for `hubsim marginal`).
constexpr std::uint64_t llme_stream(LlmeOrigin origin, LlmeRole role, Phase phase, int year,
                                    std::uint32_t index) {
    return (1ULL << 40) | (static_cast<std::uint64_t>(origin) << 38) |
           (static_cast<std::uint64_t>(role) << 34) |
           (static_cast<std::uint64_t>(static_cast<std::uint8_t>(phase)) << 32) |
           (static_cast<std::uint64_t>((year - 1900) & 0xfff) << 20) | (index & 0xfffff);
}

struct Llme {
    std::uint32_t id = 0;  ///< number within its hub, in order of joining
    LlmeRole role = LlmeRole::PrimaryMasterySpecialist;
    Phase phase = Phase::Primary;  ///< the role's, or the phase of the school they came from
    LlmeStatus status = LlmeStatus::InTraining;
    std::uint8_t years_to_active = 0;  ///< years of their route still to go
    /// Share of their Work Group days given to other schools (the rest to their own): fixed
    /// by the route they trained on, so a change to a route reaches new cohorts only.
    float outreach = 1;
    LlmeOrigin origin = LlmeOrigin::Trainee;
    std::uint64_t stream = 0;  ///< keys their draws (llme_stream)
};

}  // namespace hubsim
