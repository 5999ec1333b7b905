#pragma once
/// \file
/// Parameter sweeps: a sweep file names a base scenario, the parameters to vary and a
/// design; each design point is the base scenario with those parameters set.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hubsim/io/output.hpp"
#include "hubsim/io/scenario_loader.hpp"
#include "hubsim/model/results.hpp"

namespace hubsim {

/// One varied parameter: a list of values, an evenly spaced range, or a uniform
/// distribution (for sampled designs).
struct SweepParameter {
    const ParamSpec* spec = nullptr;
    std::vector<double> values;  ///< explicit values (choices as their index)
    double low = 0, high = 0;    ///< range or distribution bounds
    std::uint32_t steps = 0;     ///< grid steps over [low, high]; 0 if not a range
};

enum class SweepDesign : std::uint8_t { Grid, LatinHypercube, Sobol };

/// The most points a sweep may have: each is run, journalled and held in the output.
inline constexpr std::size_t kMaxSweepPoints = 1'000'000;

struct SweepSpec {
    std::string path;
    std::string name;
    std::string source_text;
    LoadedScenario base;
    std::uint32_t replications = 1;
    SweepDesign design = SweepDesign::Grid;
    std::uint32_t sampled_points = 0;  ///< points of a sampled design
    std::vector<SweepParameter> parameters;
    bool keep_trajectories = false;

    /// The number of design points, without listing them (saturates at SIZE_MAX).
    std::size_t point_count() const;
    /// Every design point: values[point][parameter], in the order of `parameters`.
    std::vector<std::vector<double>> points() const;
    /// The scenario of one point.
    Scenario scenario_at(const std::vector<double>& point) const;
    /// A short text that identifies a point's results: the base scenario, the seed and the
    /// point's values. Results are reused (on --resume) only where it matches.
    std::string fingerprint(const std::vector<double>& point) const;
};

/// True if `path` looks like a sweep file (a mapping with a `scenario` key) rather than a
/// scenario; false if it cannot be read as YAML at all.
bool is_sweep_file(const std::filesystem::path& path);

/// Loads and checks a sweep file; throws InputError with every problem, located.
SweepSpec load_sweep(const std::filesystem::path& path,
                     const std::vector<std::string>& overrides = {});

/// What a sweep keeps of one point: every series of the output schema (its summaries
/// always; its trajectories only when the sweep keeps them, otherwise empty) and the
/// national engagement, all laid out replication-major, so a later batch of replications
/// is appended to them.
struct PointResults {
    std::string fingerprint;
    std::uint32_t replications = 0;
    std::vector<std::uint32_t> engaged;  ///< national: [replication][time][phase]
    Results run;                         ///< the series kept (see above)

    /// The kept parts of a run.
    static PointResults from(Results r, bool keep_trajectories, std::string fingerprint);
    /// Appends a later batch of replications.
    void append(const PointResults& later);
    /// Keeps only the first `n` replications.
    void truncate(std::uint32_t n);
    /// Calls f(name, array) for every array kept (the national engagement first).
    template <class P, class F>
    static void for_each_array(P& point, F&& f) {
        f(std::string_view("national_engaged"), point.engaged);
        for_each_series(point.run, [&](const SeriesSpec& spec, auto& data) { f(spec.name, data); });
    }
};

/// A sweep run with --precision: what was asked, and per point held the replications that
/// point alone needed, the widest headline half-width it reached with them, and whether
/// that met the request. Every point then runs the largest count any point needed, so the
/// points stay comparable replication by replication (common random numbers).
struct SweepPrecision {
    double half_width = 0;
    std::uint32_t max_replications = 0;
    std::vector<std::uint32_t> needed;
    std::vector<double> widest;
    std::vector<std::uint32_t> met;  ///< 1 or 0
};

/// A sweep's output as it is on disk: the axes, the points and their results. A whole
/// sweep, a shard of one, and one point's journal entry all have this form.
struct SweepFile {
    std::string name, sweep_text, scenario_yaml, start_date;
    std::uint64_t seed = 0;
    std::vector<std::string> parameter_keys;
    std::vector<std::vector<std::string>> parameter_choices;  ///< per parameter; empty if numeric
    std::uint32_t total_points = 0;
    std::vector<std::uint32_t> point_index;         ///< global index of each point held
    std::vector<std::vector<double>> point_values;  ///< [point][parameter]
    std::vector<std::int32_t> sample_days, years;
    std::vector<std::string> hubs, phases;
    std::vector<std::uint32_t> hub_schools;  ///< [hub][phase]: what a share is of
    /// What the spread across a point's replications holds, as a run file says it:
    /// `uncertainty` ("chance and parameters" or "chance only") and `parameters` ("drawn",
    /// "fixed" or "none"). Empty in a file written before they were kept.
    std::string uncertainty, parameters;
    TargetTable targets;
    std::uint32_t replications = 0;
    bool trajectories = false;
    std::vector<PointResults> results;  ///< one per point held
    std::optional<SweepPrecision> precision;

    /// The axes and points of `spec`, with no results yet.
    static SweepFile describe(const SweepSpec& spec);
};

/// P(each target met by its date) over each point's replications: [point][target].
std::vector<double> target_met_probability(const SweepFile& file);

/// Writes atomically (temporary name, flush, rename). `command_line` goes into provenance.
void write_sweep_file(const std::filesystem::path& path, const SweepFile& file,
                      const std::string& command_line);
/// Reads a file written by write_sweep_file; throws InputError if it is not one.
SweepFile read_sweep_file(const std::filesystem::path& path);

/// One point's results as bytes, in this machine's byte order (what the evaluator journals
/// and hands between MPI ranks), and back; decode_point throws std::runtime_error on bytes
/// that are not one.
std::string encode_point(const PointResults& point);
PointResults decode_point(std::string_view bytes);

}  // namespace hubsim
