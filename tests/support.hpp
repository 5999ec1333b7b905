#pragma once
// Helpers shared by the tests: scenarios from YAML text, runs, and result lookups.

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "hubsim/io/scenario_loader.hpp"
#include "hubsim/model/runner.hpp"

namespace hubsim::test {

/// A fresh, empty folder for one test.
inline std::filesystem::path temp_dir(const std::string& name) {
    auto dir = std::filesystem::temp_directory_path() /
               ("hubsim-test-" + name + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir;
}

inline std::filesystem::path write_file(const std::filesystem::path& path,
                                        const std::string& text) {
    std::ofstream(path) << text;
    return path;
}

/// Loads a scenario from YAML text (written to a temporary file).
inline LoadedScenario load_yaml(const std::string& yaml,
                                const std::vector<std::string>& overrides = {}) {
    static int n = 0;
    const auto dir = temp_dir("yaml");
    return load_scenario(write_file(dir / ("s" + std::to_string(n++) + ".yaml"), yaml), overrides);
}

inline Results run(const Scenario& sc, std::uint32_t replications = 1, int threads = 1) {
    RunOptions o;
    o.replications = replications;
    o.threads = threads;
    return run_scenario(sc, o);
}

/// stage_counts[rep][t][hub][phase column][stage]
inline std::uint32_t stage_count(const Results& r, std::size_t rep, std::size_t t, std::size_t hub,
                                 std::size_t col, Stage s) {
    return r.stage_counts[r.stage_cell(rep, t, hub, col, s)];
}
inline std::uint32_t per_phase(const std::vector<std::uint32_t>& v, const Results& r,
                               std::size_t rep, std::size_t t, std::size_t hub, std::size_t col) {
    return v[r.phase_cell(rep, t, hub, col)];
}
inline std::uint32_t llme_count(const Results& r, std::size_t rep, std::size_t t, std::size_t hub,
                                LlmeStatus s) {
    return r.leaders(rep, t, hub, s);
}

inline std::string source_dir() {
    return HUBSIM_SOURCE_DIR;
}

}  // namespace hubsim::test
