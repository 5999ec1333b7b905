#pragma once
// `hubsim sensitivity`: what matters most (docs/decisions.md).

#include <boost/program_options/options_description.hpp>
#include <string>
#include <vector>

namespace hubsim {
boost::program_options::options_description sensitivity_options();
int sensitivity_command(const std::vector<std::string>& args, const std::string& command_line);
}  // namespace hubsim
