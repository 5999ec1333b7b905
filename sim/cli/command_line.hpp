#pragma once
// What the commands that take a scenario share: their options, the parse, the warnings.

#include <boost/program_options.hpp>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "hubsim/io/scenario_loader.hpp"

namespace hubsim {

/// A command line hubsim cannot act on: "hubsim: WHAT (try hubsim --help)", exit 2.
struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

namespace cli {

/// The scenario file and `--set`.
inline boost::program_options::options_description scenario_options() {
    namespace po = boost::program_options;
    po::options_description o("Options");
    o.add_options()("scenario", po::value<std::string>(), "scenario YAML file")(
        "set", po::value<std::vector<std::string>>()->composing(),
        "override a scalar: key=value (repeatable)");
    return o;
}

/// Parses `args` for a command that takes one scenario file; UsageError otherwise.
inline boost::program_options::variables_map parse(
    const std::vector<std::string>& args, const boost::program_options::options_description& opts) {
    namespace po = boost::program_options;
    po::positional_options_description pos;
    pos.add("scenario", 1).add("extra", -1);
    po::options_description all;  // the extra files are caught to be named
    all.add(opts).add_options()("extra", po::value<std::vector<std::string>>());
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(args).options(all).positional(pos).run(), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        throw UsageError(e.what());
    }
    if (!vm.count("scenario")) throw UsageError("missing the scenario file");
    if (vm.count("extra")) {
        std::string extra;
        for (const auto& e : vm["extra"].as<std::vector<std::string>>())
            extra += (extra.empty() ? "'" : ", '") + e + "'";
        throw UsageError("one file is expected (" + vm["scenario"].as<std::string>() +
                         "), found more: " + extra);
    }
    return vm;
}

/// `--set`, with `--seed`, `--replications` and `--parameters` where the command has them,
/// as the scenario loader takes them (it checks them and quotes them as given).
inline std::vector<std::string> scenario_sets(const boost::program_options::variables_map& vm) {
    auto sets =
        vm.count("set") ? vm["set"].as<std::vector<std::string>>() : std::vector<std::string>{};
    for (const char* key : {"seed", "replications", "parameters"})
        if (vm.count(key)) sets.push_back(std::string(key) + "=" + vm[key].as<std::string>());
    return sets;
}

inline void print_warnings(const LoadedScenario& ls) {
    for (const auto& w : ls.warnings) std::cerr << w.str() << "\n";
}

}  // namespace cli
}  // namespace hubsim
