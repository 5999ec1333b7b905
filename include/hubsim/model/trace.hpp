#pragma once
/// \file
/// What happened to one school in one replication, replayed (`hubsim trace`).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "hubsim/engine/day.hpp"
#include "hubsim/model/llme.hpp"
#include "hubsim/model/results.hpp"
#include "hubsim/model/scenario.hpp"
#include "hubsim/model/stage.hpp"

namespace hubsim {

/// One thing that happened to a school.
struct SchoolEvent {
    enum class Kind : std::uint8_t {
        Asks,           ///< asks to join (from NotEngaged) or to rejoin (from Lapsed): `stage`
        Placed,         ///< in a Work Group of `stage` this year: `group`, `lead`, `members`
        NotPlaced,      ///< wanted a group this year and got none (no leader time, money)
        Completes,      ///< completed its stage; moves on to `stage`
        Repeats,        ///< did not complete its stage; stays at `stage` for another year
        Lapses,         ///< leaves the programme from `stage` (after its year, or its wait)
        StageAtYearEnd  ///< where it stands on 31 August: `stage`
    };
    Kind kind;
    int year;                   ///< academic year (2014 is 2014/15)
    Day day;                    ///< when (the allocation's 1 September for Placed and NotPlaced)
    Stage stage;                ///< see Kind
    std::int32_t group = -1;    ///< Placed: the group's number among the hub's groups this year
    LlmeRole lead{};            ///< Placed: the role that gave the group most of its days
    std::uint32_t members = 0;  ///< Placed: schools in the group
};

/// Where a traced school's events go (HubProcess records into it).
struct SchoolTrace {
    std::size_t school = 0;  ///< index in Scenario::schools
    std::vector<SchoolEvent> events;
};

/// Replays replication `replication` of `scenario` exactly as `hubsim run` ran it, recording
/// what happened to school `school` (index in Scenario::schools). `results` receives the
/// replication's results (one slot), so a caller can check the replay against a file.
SchoolTrace trace_school(const Scenario& scenario, std::uint32_t replication, std::size_t school,
                         Results& results);

/// One year of a leader's life in the programme, as the allocation of 1 September left it.
struct LeaderYear {
    int year = 0;
    LlmeStatus status = LlmeStatus::InTraining;
    double tfm_days = 0;    ///< active: the TfM days they put into their role's pool this year
    double other_days = 0;  ///< active: days for the hubs' other Work Group programmes
    /// Active leaders of their role and phase in the hub, pooling their TfM days.
    std::uint32_t role_leaders = 0;
    std::uint32_t role_groups = 0;   ///< this year's groups of their phase led mostly by the role
    std::uint32_t phase_groups = 0;  ///< this year's groups of their phase, all roles
};

/// What happened to one leader of one hub in one replication. The model pools a role's
/// TfM days within a hub and phase (a group's days may come from several leaders), so a
/// leader's years say what they gave and what their role's pool led, not which groups
/// were theirs.
struct LeaderHistory {
    std::uint32_t id = 0;  ///< number within the hub, in order of joining
    LlmeRole role{};
    Phase phase{};
    float outreach = 1;              ///< share of their days given to other schools (their route's)
    int joined = 0;                  ///< the academic year they joined (on its 1 September)
    LlmeOrigin origin{};             ///< founding and extra leaders are active at once
    std::uint32_t route_years = 0;   ///< training years of their route (trainees)
    std::optional<int> qualified;    ///< became active on 1 September of this year
    std::optional<int> dropped_out;  ///< left at the end of their route, on 1 September
    std::optional<int> left;         ///< left the programme on 31 August ending this year
    std::vector<LeaderYear> years;   ///< every year in training or active
};

/// Replays replication `replication` as `hubsim run` ran it and returns the history of
/// every leader hub `hub` ever had, by id. `results` receives the replication's results.
std::vector<LeaderHistory> trace_leaders(const Scenario& scenario, std::uint32_t replication,
                                         std::uint16_t hub, Results& results);

}  // namespace hubsim
