#pragma once
/// \file
/// A Maths Hub as a scenario declares it.

#include <array>
#include <cstdint>
#include <string>

#include "hubsim/engine/calendar.hpp"
#include "hubsim/model/llme.hpp"
#include "hubsim/model/stage.hpp"

namespace hubsim {

struct HubSpec {
    std::string name;
    std::string region;
    Date opens;                  ///< a hub opening mid-year starts work the next 1 September
    double capacity_factor = 1;  ///< multiplier on this hub's leaders' TfM days
    /// Active leaders at opening per role; negative: the role's llme.<role>.initial_per_hub.
    std::array<double, kRoleCount> initial_llme = [] {
        std::array<double, kRoleCount> a{};
        a.fill(-1);
        return a;
    }();
    std::uint32_t first_school = 0;  ///< this hub's schools in Scenario::schools
    std::uint32_t last_school = 0;
};

}  // namespace hubsim
