#pragma once
// `hubsim sweep` and `hubsim merge`: parameter sweeps on oneTBB, under MPI, or as shards
// of a job array; every finished point is journalled at once, so a killed sweep resumes.

#include <boost/program_options/options_description.hpp>
#include <string>
#include <vector>

namespace hubsim {
/// Their options, for `hubsim sweep --help` and `hubsim merge --help`.
boost::program_options::options_description sweep_options();
boost::program_options::options_description merge_options();
int sweep_command(const std::vector<std::string>& args, const std::string& command_line);
int merge_command(const std::vector<std::string>& args, const std::string& command_line);
}  // namespace hubsim
