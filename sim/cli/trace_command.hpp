#pragma once
// `hubsim trace`: one replication of a run replayed, and what happened to one school told
// year by year.

#include <boost/program_options/options_description.hpp>
#include <string>
#include <vector>

namespace hubsim {
/// Its options, for `hubsim trace --help`.
boost::program_options::options_description trace_options();
int trace_command(const std::vector<std::string>& args);
}  // namespace hubsim
