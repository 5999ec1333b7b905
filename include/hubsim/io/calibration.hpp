#pragma once
/// \file
/// Calibration: fit uncertain parameters of a scenario to observed history by ABC-SMC.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "hubsim/engine/abc.hpp"
#include "hubsim/io/observations.hpp"
#include "hubsim/io/scenario_loader.hpp"
#include "hubsim/model/measures.hpp"

namespace hubsim {

struct CalibrationSpec {
    std::string path, source_text, observations_text;
    std::filesystem::path observations_path;
    LoadedScenario base;
    std::vector<Observation> observations;
    std::vector<const ParamSpec*> parameters;
    std::vector<double> low, high;
    AbcOptions abc;
    std::uint32_t replications = 1;  ///< simulations averaged per particle
    double tolerance_exact = 0.02, tolerance_approximate = 0.15;

    /// How far a run's results are from the observations: the root mean square of each
    /// observation's error scaled by its tolerance (a lower bound only counts if missed).
    double distance(const Scenario& scenario, const Results& results) const;
    /// The base scenario with `theta` set.
    Scenario scenario_at(const std::vector<double>& theta, std::uint64_t seed) const;
};

/// True if `path` looks like a calibration file (a mapping with an `observations` key).
bool is_calibration_file(const std::filesystem::path& path);

/// Loads and checks a calibration file and the observations it names; throws InputError.
CalibrationSpec load_calibration(const std::filesystem::path& path);

/// Writes a fit's posterior sample, distances, tolerances and fitted scenario to `out`
/// (atomically). Returns the fitted scenario's YAML text: the posterior medians, each with
/// its 90% interval.
std::string write_calibration(const std::filesystem::path& out, const CalibrationSpec& spec,
                              const AbcResult& result, const std::string& command_line);

/// Copies the posterior sample of a calibration output to CSV (`weight` and one column per
/// parameter), the form a scenario's `posterior: {file}` also reads and git keeps well.
void write_posterior_csv(const std::filesystem::path& calibration_h5,
                         const std::filesystem::path& csv);

}  // namespace hubsim
