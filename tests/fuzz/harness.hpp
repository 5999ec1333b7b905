#pragma once
// The fuzz targets of hubsim's readers: each writes its input to a file in a private
// temporary folder, beside copies of tests/fuzz/fixtures, and reads it as hubsim would.
// Bad input must come back as InputError, which a target catches; anything else that
// escapes (another exception, a crash, a sanitizer report) is a finding.

#include <span>
#include <string_view>

namespace hubsim::fuzz {

struct Target {
    std::string_view name;  ///< also its folder under tests/fuzz/regressions/
    void (*run)(std::string_view input);
};

/// Every target: scenario, schools_csv, sweep, calibration, observations.
std::span<const Target> targets();
/// The target of that name, or nullptr.
const Target* find_target(std::string_view name);

}  // namespace hubsim::fuzz
