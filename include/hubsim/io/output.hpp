#pragma once
/// \file
/// Writes a run's results to HDF5, atomically, in the layout docs/output.md describes.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "hubsim/io/observations.hpp"
#include "hubsim/io/scenario_loader.hpp"
#include "hubsim/model/precision.hpp"
#include "hubsim/model/results.hpp"

namespace hubsim {

/// How a run was made, for the file's provenance attributes.
struct Provenance {
    std::string command_line;
    int threads = 1;
};

/// A scenario's targets as the output stores them: as data (phase, measure, value, due
/// date), beside the labels of the `target` axis.
struct TargetTable {
    std::vector<std::string> label, measure, phase, role, by;  ///< phase, role: "" if none
    std::vector<double> value;
    std::vector<std::int32_t> per_hub;  ///< 1: met when every hub reaches the value
    std::vector<std::int32_t> by_day;   ///< days since the run's start

    static TargetTable of(const Scenario& scenario);
    std::size_t size() const { return label.size(); }
};

/// Observed history set beside a run: each observation and what each replication
/// simulated for it (`hubsim run --observations`).
struct ObservedValues {
    std::vector<Observation> observations;
    std::vector<double> simulated;  ///< [replication][observation]
    std::string source_text;        ///< the observations CSV as given
};

/// What `run --precision` asked for and reached: stored as /precision/* and root
/// attributes, so a reader knows why the run has the replications it has.
struct PrecisionRecord {
    double half_width = 0;  ///< asked for
    std::uint32_t max_replications = 0;
    bool met = false;
    std::vector<HeadlineFigure> figures;  ///< as reached
};

/// Writes `results` to `path`: first to a temporary name beside it, then renamed, so a
/// failed or interrupted write leaves no file and leaves an older file untouched.
void write_results(const std::filesystem::path& path, const LoadedScenario& scenario,
                   const Results& results, const Provenance& provenance,
                   const ObservedValues* observed = nullptr,
                   const PrecisionRecord* precision = nullptr);

/// The labels of the disadvantage_band axis: q1 (least disadvantaged) to q5.
std::vector<std::string> band_labels();

/// "2026-11-22T13:45:48Z".
std::string utc_now_iso8601();

}  // namespace hubsim
