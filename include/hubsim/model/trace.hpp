#pragma once
/// \file
/// What happened to one school in one replication, replayed (`hubsim trace`).

#include <cstddef>
#include <cstdint>
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

}  // namespace hubsim
