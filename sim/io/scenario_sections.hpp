#pragma once
// The scenario loader's readers, one per section of a scenario file (private to io).
// Each walks its part of the YAML tree, fills the Scenario and reports every problem to
// the one Diagnostics of the file.

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "hubsim/model/scenario.hpp"
#include "yaml_input.hpp"

namespace hubsim::scenario_io {

using input::Diagnostics;
namespace fs = std::filesystem;

// scenario_parameters.cpp
/// Nested parameter maps under `prefix` ("" at the top), pipelines included.
void read_parameters(const YAML::Node& map, const std::string& prefix, Parameters& params,
                     Diagnostics& diags);
/// True if some parameter's key starts with `path` + ".".
bool is_parameter_prefix(const std::string& path);
/// Walks a mapping of parameter values whose keys may be dotted or nested
/// ({capacity.factor: 0.5} or {capacity: {factor: 0.5}}) and calls `each(spec, value node,
/// path)` for each known parameter; reports unknown keys and a parameter given twice.
void for_each_parameter(
    const YAML::Node& map, const std::string& where, Diagnostics& diags,
    const std::function<void(const ParamSpec&, const YAML::Node&, const std::string&)>& each);
/// The scenario's own `set:`: explicit values that take precedence over posterior draws.
void read_explicit_values(const YAML::Node& node, Scenario& sc, Diagnostics& diags);

// timeline_and_targets.cpp
void read_timeline(const YAML::Node& node, Scenario& sc, Diagnostics& diags);
void read_targets(const YAML::Node& node, Scenario& sc, Diagnostics& diags);

// hubs_and_schools.cpp
/// A data file a scenario names, with the SHA-256 it must have (if given).
struct DataFile {
    fs::path path;
    std::string sha256;
};
/// The file `node` ({file, sha256}) names, resolved from the scenario file's folder, and
/// checked against its digest. Empty path after reporting a problem.
DataFile data_file(const YAML::Node& node, const std::string& where, const fs::path& scenario,
                   Diagnostics& diags);
/// The hubs (a list, a file or a count); returns the file read (empty if none).
DataFile read_hubs(const YAML::Node& node, const fs::path& scenario, Date start, Scenario& sc,
                   Diagnostics& diags);
/// One source of schools, or a list of them; returns the file each read (empty for
/// generated schools).
std::vector<DataFile> read_schools(const YAML::Node& node, const fs::path& scenario, Scenario& sc,
                                   Diagnostics& diags);

// posterior_file.cpp
/// Returns the posterior file read (empty if none).
DataFile read_posterior(const YAML::Node& node, const fs::path& scenario, Scenario& sc,
                        Diagnostics& diags);

// set_overrides.cpp
/// Applies `--set key=value` assignments to the YAML tree before it is read. Keys may walk
/// into lists ("hubs[3].opens") and match dotted keys written in the file
/// ("timeline[3].set.capacity.factor"). A parameter's key goes under the scenario's `set:`
/// (an explicit value, above posterior draws).
void apply_overrides(YAML::Node root, const std::vector<std::string>& sets, Diagnostics& diags);

// resolved_scenario.cpp
/// The resolved scenario: every key with its value, defaults filled in, data files named
/// by absolute path and SHA-256, so that it runs anywhere and reproduces the run.
std::string resolved_yaml(const Scenario& sc, const YAML::Node& schools_node,
                          const std::vector<DataFile>& schools, const DataFile& posterior);

}  // namespace hubsim::scenario_io
