#pragma once
// `hubsim serve`: the what-if studio, a local web application (sim/studio, docs/studio.md).

#include <boost/program_options/options_description.hpp>
#include <filesystem>
#include <string>
#include <vector>

namespace hubsim {
/// Its options, for `hubsim serve --help`.
boost::program_options::options_description serve_options();
/// `report_tool`: tools/report.py, for the studio's report downloads.
int serve_command(const std::vector<std::string>& args, const std::filesystem::path& report_tool);
}  // namespace hubsim
