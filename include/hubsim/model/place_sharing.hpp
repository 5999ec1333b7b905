#pragma once
/// \file
/// How a year's national training places are shared out among the hubs' applicants
/// (`policy.place_sharing`).
///
/// The places of one role go to *entries*, one per hub and phase, each with its
/// applicants. If every applicant fits, everyone gets a place. Otherwise:
///  - round robin: a place at a time round the entries, starting at the hub that turns with
///    the year, so no hub is always first;
///  - by size or by need: in proportion to each entry's weight (its schools, or its schools
///    waiting for a place) by the Sainte-Lague divisor method: each place goes to the entry
///    with the largest weight / (2 x places so far + 1) that still has applicants. It is
///    the divisor method that favours neither large nor small entries, and an entry never
///    gets more than its applicants. Ties go to the entry first in the turning order.
///    Places left once every entry of positive weight has all its applicants go round
///    robin to the rest, so no place is left while an applicant waits.
/// Deterministic, and independent of how hubs were scheduled.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace hubsim {

enum class PlaceSharing : std::uint8_t { RoundRobin, BySize, ByNeed };

/// Places given to each entry. `applicants` and `weights` have one value per entry, `per_hub`
/// entries a hub (hub-major); `year` turns the starting hub. `weights` is ignored for round
/// robin.
std::vector<std::uint32_t> share_places(PlaceSharing rule, std::uint64_t places,
                                        const std::vector<std::uint32_t>& applicants,
                                        const std::vector<std::uint32_t>& weights, int year,
                                        std::size_t per_hub);

}  // namespace hubsim
