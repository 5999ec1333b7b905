#pragma once
/// \file
/// A Maths Hub as a scenario declares it.

#include <array>
#include <cstdint>
#include <string>

#include "hubsim/engine/calendar.hpp"
#include "hubsim/model/stage.hpp"

namespace hubsim {

struct HubSpec {
    std::string name;
    std::string region;
    Date opens;                  ///< a hub opening mid-year starts work the next 1 September
    double capacity_factor = 1;  ///< multiplier on this hub's LLME load
    /// Active LLME at opening per phase; negative: the phase's llme.*.initial_per_hub.
    std::array<double, kPhaseCount> initial_llme{-1, -1, -1};
    std::uint32_t first_school = 0;  ///< this hub's schools in Scenario::schools
    std::uint32_t last_school = 0;
};

}  // namespace hubsim
