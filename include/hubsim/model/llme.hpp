#pragma once
/// \file
/// A Local Leader of Mathematics Education: trained as a Mastery Specialist, then leads
/// Work Groups until they leave.

#include <cstdint>

#include "hubsim/model/stage.hpp"

namespace hubsim {

enum class LlmeStatus : std::uint8_t { InTraining, Active, Left };
inline constexpr std::size_t kLlmeStatusCount = 3;
constexpr std::string_view name(LlmeStatus s) {
    constexpr std::array<std::string_view, kLlmeStatusCount> names = {"in_training", "active",
                                                                      "left"};
    return names[static_cast<std::size_t>(s)];
}

/// How a leader came to the programme: trained as a Mastery Specialist, or one of the
/// leaders a hub started with (lead-school staff, Work Group Leads of other routes).
enum class LlmeRole : std::uint8_t { Specialist, Founding };

struct Llme {
    std::uint32_t id = 0;  ///< number within its hub, in order of joining; keys its random stream
    Phase phase = Phase::Primary;
    LlmeRole role = LlmeRole::Specialist;
    LlmeStatus status = LlmeStatus::InTraining;
    std::uint8_t years_to_active = 0;  ///< training years left
    double free_load = 0;              ///< load still free this year
};

}  // namespace hubsim
