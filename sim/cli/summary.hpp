#pragma once
// The short summary `hubsim run` prints: what its bands hold, each target's probability
// of being met by its date (with its Wilson interval), then engagement by year, LLME, cost,
// roles and equity, as medians with 90% intervals across replications.

#include <cstddef>
#include <ostream>
#include <utility>

#include "hubsim/model/results.hpp"
#include "hubsim/model/scenario.hpp"

namespace hubsim {
void print_summary(std::ostream& out, const Scenario& scenario, const Results& results);
/// The 95% Wilson score interval of a proportion: `successes` of `n`.
std::pair<double, double> wilson(std::size_t successes, std::size_t n);
}  // namespace hubsim
