#pragma once
/// \file
/// A school: what the census says of it (fixed), and where it stands with TfM (changes).

#include <cstdint>

#include "hubsim/model/stage.hpp"

namespace hubsim {

/// Fixed facts about a school, shared by every replication.
struct SchoolProfile {
    std::uint32_t urn = 0;  ///< the DfE unique reference number (or a generated one)
    std::uint16_t hub = 0;
    Phase phase = Phase::Primary;
    /// Quintile of its phase's schools by disadvantage: 0 least, 4 most disadvantaged
    /// (Scenario::index_schools sets it).
    std::uint8_t band = 0;
    std::uint32_t pupils = 0;
    float disadvantage = 0;  ///< share of pupils eligible for free school meals in 6 years
};
static_assert(sizeof(SchoolProfile) == 16, "shared by every replication; keep it small");
inline constexpr std::size_t kBandCount = 5;

/// Where one school stands in one replication. Kept to 12 bytes: England is 20,000
/// schools, a synthetic scenario 10 million.
struct SchoolState {
    enum Flag : std::uint8_t {
        Engaged = 1,             ///< has ever taken part in a TfM Work Group
        Waiting = 2,             ///< asked to join (or rejoin) and has no place yet
        Continuing = 4,          ///< in the programme and wants a group at its stage
        Placed = 8,              ///< in a Work Group this year
        NeedsReadiness = 16,     ///< will start at Mastery Readiness if the pipeline has it
        ReachedSustaining = 32,  ///< has been in Sustaining (where it rejoins, if it lapses)
    };
    Stage stage = Stage::NotEngaged;
    std::uint8_t flags = 0;
    std::uint8_t years_waited = 0;
    std::int32_t asked_day = 0;  ///< day it asked to join; orders the waiting list
    /// Interest hazard (rate x years) still to accrue before it asks to join or rejoin. For
    /// a school that has never asked, its value when its hub formed the interest pools: the
    /// pool knows the years since (HubProcess::InterestPool).
    float hazard_left = 0;

    bool has(Flag f) const { return (flags & f) != 0; }
    void set(Flag f) { flags = static_cast<std::uint8_t>(flags | f); }
    void clear(Flag f) { flags = static_cast<std::uint8_t>(flags & ~f); }
};
static_assert(sizeof(SchoolState) == 12, "keep per-school state small");

}  // namespace hubsim
