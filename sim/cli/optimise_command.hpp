#pragma once
// `hubsim optimise`: the Pareto front of plans for cost against the targets
// (docs/decisions.md).

#include <boost/program_options/options_description.hpp>
#include <string>
#include <vector>

namespace hubsim {
boost::program_options::options_description optimise_options();
int optimise_command(const std::vector<std::string>& args, const std::string& command_line);
}  // namespace hubsim
