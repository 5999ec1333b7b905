#pragma once
/// \file
/// A Work Group: schools at one stage of one phase, for a year, led by the hub's leaders
/// whose time it takes (its days may be split between several of them).

#include <cstdint>

#include "hubsim/model/llme.hpp"
#include "hubsim/model/stage.hpp"

namespace hubsim {

struct WorkGroup {
    Phase phase;
    Stage stage;
    LlmeRole lead;          ///< the role that gave it most of its days
    std::uint32_t members;  ///< schools in the group
};

}  // namespace hubsim
