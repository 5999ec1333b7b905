// Every input saved under tests/fuzz/regressions/<target>/ (fuzzing findings, see
// tools/fuzz.sh) goes through its target's reader again: only InputError may come out,
// and the target catches that. Another exception fails the test; a crash ends it. Under
// tools/sanitize.sh the same test runs with ASan+UBSan, so memory errors and UB count too.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "harness.hpp"

namespace fs = std::filesystem;

namespace {

const fs::path kRegressions = HUBSIM_FUZZ_REGRESSIONS;

// Findings not fixed yet: left out of the sweep of their folder, each run by a DISABLED_
// test below until the reader is fixed (then drop it from here and enable its test).
// Empty since the readers were fixed (guard_yaml, the school-count bound); the eight
// findings of the first fuzzing pass now run in the folder sweeps below.
const std::set<std::string> kOpen = {};

std::string contents(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void feed(const std::string& target_name, const fs::path& file) {
    const auto* target = hubsim::fuzz::find_target(target_name);
    ASSERT_NE(target, nullptr) << target_name;
    try {
        target->run(contents(file));
    } catch (const std::exception& e) {
        ADD_FAILURE() << file.string() << ": an exception escaped the reader: " << e.what();
    }
}

void feed_folder(const std::string& target_name) {
    std::vector<fs::path> files;
    if (fs::is_directory(kRegressions / target_name))
        for (const auto& e : fs::directory_iterator(kRegressions / target_name))
            if (e.is_regular_file() && e.path().filename() != "README.md" &&
                !kOpen.contains(target_name + "/" + e.path().filename().string()))
                files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) feed(target_name, f);
}

}  // namespace

TEST(FuzzRegressions, EveryFolderIsATarget) {
    for (const auto& e : fs::directory_iterator(kRegressions)) {
        const bool known = hubsim::fuzz::find_target(e.path().filename().string()) != nullptr;
        EXPECT_TRUE(!e.is_directory() || known) << e.path();
    }
}

TEST(FuzzRegressions, Scenario) {
    feed_folder("scenario");
}
TEST(FuzzRegressions, SchoolsCsv) {
    feed_folder("schools_csv");
}
TEST(FuzzRegressions, Sweep) {
    feed_folder("sweep");
}
TEST(FuzzRegressions, Calibration) {
    feed_folder("calibration");
}
TEST(FuzzRegressions, Observations) {
    feed_folder("observations");
}
