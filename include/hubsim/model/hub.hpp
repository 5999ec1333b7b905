#pragma once
/// \file
/// A Maths Hub as a scenario declares it.

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "hubsim/engine/calendar.hpp"
#include "hubsim/model/llme.hpp"
#include "hubsim/model/stage.hpp"

namespace hubsim {

/// Leaders added to a hub's community: `count` active leaders of `role` from the first
/// 1 September on or after `from` (or the hub's opening, if later), leaving thereafter by
/// their role's attrition. `hubsim marginal` adds them to value capacity; a scenario may.
struct ExtraLeaders {
    LlmeRole role = LlmeRole::PrimaryMasterySpecialist;
    std::uint32_t count = 0;
    Date from;
};

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
    std::vector<ExtraLeaders> extra_llme;
    std::uint32_t first_school = 0;  ///< this hub's schools in Scenario::schools
    std::uint32_t last_school = 0;
};

}  // namespace hubsim
