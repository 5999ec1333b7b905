#pragma once
/// \file
/// A sensitivity study file (`hubsim sensitivity`): which parameters vary over which ranges,
/// which outputs to explain, and how (Sobol indices or Morris elementary effects).

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "hubsim/io/scenario_loader.hpp"
#include "hubsim/model/measures.hpp"

namespace hubsim {

/// One output of the model a study explains: a measure at a date, averaged over a design
/// point's replications.
struct StudyOutput {
    MeasureQuery query;
    Date date;
    std::string label;  ///< "engaged primary national 2025-08-31"
};

enum class SensitivityMethod : std::uint8_t { Sobol, Morris };

struct SensitivitySpec {
    std::string path, name, source_text;
    LoadedScenario base;
    std::uint32_t replications = 10;  ///< per design point, sharing their random numbers
    std::uint64_t seed = 1;           ///< the design's and the bootstrap's
    std::vector<const ParamSpec*> parameters;
    std::vector<double> low, high;
    std::vector<StudyOutput> outputs;
    SensitivityMethod method = SensitivityMethod::Sobol;
    std::uint32_t samples = 256;      ///< Sobol: N (the design has N x (parameters + 2) points)
    std::uint32_t bootstrap = 200;    ///< Sobol: resamples for the intervals
    std::uint32_t trajectories = 20;  ///< Morris: r (the design has r x (parameters + 1) points)
    std::uint32_t levels = 4;         ///< Morris: grid levels

    /// The base scenario at a point of the unit cube (one coordinate per parameter).
    Scenario scenario_at(const std::vector<double>& unit) const;
};

/// What a study found: the design, each point's outputs, and per output and parameter the
/// Sobol indices (with bootstrap intervals) or the Morris effects (per unit of the
/// parameter: the unit-cube effects over its range).
struct SensitivityResult {
    std::vector<std::vector<double>> points;  ///< [point][parameter], the parameters' values
    std::vector<double> outputs;              ///< [point][output]: mean over replications
    std::vector<double> first, first_low, first_high, total, total_low, total_high;  ///< [o][p]
    std::vector<double> variance;                                                    ///< [output]
    std::vector<double> mu, mu_star, sigma;  ///< [output][parameter]
    std::uint32_t samples = 0;               ///< Sobol: the base samples run (--precision: more)
};

/// Writes a study's output atomically, with provenance.
void write_sensitivity_file(const std::filesystem::path& path, const SensitivitySpec& spec,
                            const SensitivityResult& result, const std::string& command_line,
                            int threads);

/// True if `path` looks like a sensitivity study (a mapping with `outputs`).
bool is_sensitivity_file(const std::filesystem::path& path);

/// Loads and checks a study file, applying `overrides` (--set, --seed, --replications) to its
/// base scenario; InputError with every problem, located.
SensitivitySpec load_sensitivity(const std::filesystem::path& path,
                                 const std::vector<std::string>& overrides = {});

}  // namespace hubsim
