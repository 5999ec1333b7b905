#pragma once
// The short summary `hubsim run` prints: what its bands hold, each target's probability
// of being met by its date (with its Wilson interval), then engagement by year, LLME, cost,
// roles and equity, as medians with 90% intervals across replications.

#include <cstddef>
#include <ostream>
#include <utility>

#include "hubsim/model/precision.hpp"
#include "hubsim/model/results.hpp"
#include "hubsim/model/scenario.hpp"

namespace hubsim {
void print_summary(std::ostream& out, const Scenario& scenario, const Results& results);
}  // namespace hubsim
