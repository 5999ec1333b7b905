#pragma once
// One output a study names, `{measure, phase, scope, date}`, as sensitivity outputs and
// policy-search quantities write it.

#include <yaml-cpp/yaml.h>

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "hubsim/io/sensitivity.hpp"
#include "yaml_input.hpp"

namespace hubsim {

/// Reads `o` (at key path `at`), a measure of `sc` at a date inside it; `more_keys` are the
/// other keys the mapping may hold. Reports each problem and returns nullopt.
std::optional<StudyOutput> read_study_output(const YAML::Node& o, const std::string& at,
                                             const Scenario& sc,
                                             const std::vector<std::string_view>& more_keys,
                                             input::Diagnostics& diags);

}  // namespace hubsim
