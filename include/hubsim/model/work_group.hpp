#pragma once
/// \file
/// A Work Group: schools at one stage of one phase, led by one active LLME, for a year.

#include <cstdint>

#include "hubsim/model/stage.hpp"

namespace hubsim {

struct WorkGroup {
    Phase phase;
    Stage stage;
    std::uint32_t lead;     ///< index of the leading LLME in its hub
    std::uint32_t members;  ///< schools in the group
};

}  // namespace hubsim
