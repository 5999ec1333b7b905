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

/// A study's file (`file_key`: "plan", "study") and what the study may change of its base
/// scenario: `--set`, `--seed`, `--replications`, `--parameters`.
inline boost::program_options::options_description study_options(const char* file_key,
                                                                 const char* what) {
    namespace po = boost::program_options;
    po::options_description o("Options");
    o.add_options()(file_key, po::value<std::string>(), what)(
        "set", po::value<std::vector<std::string>>()->composing(),
        "override a scalar of the base scenario: key=value (repeatable)")(
        "replications,r", po::value<std::string>(),
        "replications per evaluation (default: the study's, else its scenario's)")(
        "seed", po::value<std::string>(), "root seed (default: the study's, else its scenario's)")(
        "parameters", po::value<std::string>(),
        "drawn (default where there is a posterior) or fixed");
    return o;
}

/// Parses `args` for a command that takes one file (the option `file_key`); UsageError
/// otherwise.
inline boost::program_options::variables_map parse(
    const std::vector<std::string>& args, const boost::program_options::options_description& opts,
    const char* file_key = "scenario") {
    namespace po = boost::program_options;
    po::positional_options_description pos;
    pos.add(file_key, 1).add("extra", -1);
    po::options_description all;  // the extra files are caught to be named
    all.add(opts).add_options()("extra", po::value<std::vector<std::string>>());
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(args).options(all).positional(pos).run(), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        throw UsageError(e.what());
    }
    if (!vm.count(file_key)) throw UsageError(std::string("missing the ") + file_key + " file");
    if (vm.count("extra")) {
        std::string extra;
        for (const auto& e : vm["extra"].as<std::vector<std::string>>())
            extra += (extra.empty() ? "'" : ", '") + e + "'";
        throw UsageError("one file is expected (" + vm[file_key].as<std::string>() +
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
