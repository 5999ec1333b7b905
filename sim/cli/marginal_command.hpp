#pragma once
// `hubsim marginal`: where the next leaders add most (docs/decisions.md).

#include <boost/program_options/options_description.hpp>
#include <string>
#include <vector>

namespace hubsim {
boost::program_options::options_description marginal_options();
int marginal_command(const std::vector<std::string>& args, const std::string& command_line);
}  // namespace hubsim
