#pragma once
// The short summary `hubsim run` prints: engagement by year, LLME, cost and targets,
// as medians with 90% intervals across replications.

#include <ostream>

#include "hubsim/model/results.hpp"
#include "hubsim/model/scenario.hpp"

namespace hubsim {
void print_summary(std::ostream& out, const Scenario& scenario, const Results& results);
}
