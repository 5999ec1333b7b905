#pragma once
/// \file
/// Synthetic scenarios of any size, for scaling runs: a template scenario's parameters,
/// timeline and targets with generated hubs and schools.

#include <cstdint>
#include <string>

#include "hubsim/io/scenario_loader.hpp"

namespace hubsim {

struct SyntheticSize {
    std::uint64_t schools = 0;            ///< schools wanted in all
    std::uint32_t schools_per_hub = 500;  ///< England averages about 505
};

/// The YAML text of a scenario like `from` with `size.schools` schools in hubs of
/// `size.schools_per_hub`, split between phases as in `from`, all hubs opening at the
/// start. National quantities (training places, the annual budget, in the parameters
/// and in timeline events) are scaled by schools / from's schools, so that leaders per
/// school, and so the work per school, stay as in `from`. Throws InputError for sizes
/// hubsim cannot hold (more than 65,535 hubs).
std::string synthetic_scenario(const LoadedScenario& from, const SyntheticSize& size);

}  // namespace hubsim
