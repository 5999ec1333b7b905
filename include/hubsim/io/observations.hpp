#pragma once
/// \file
/// Observed values of the programme's published measures (an observations CSV: date,
/// measure, phase, scope, value, kind), and what a run simulated for each: what a
/// calibration fits and `hubsim run --observations` sets beside the history.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "hubsim/model/measures.hpp"
#include "hubsim/model/results.hpp"
#include "hubsim/model/scenario.hpp"

namespace hubsim {

/// One observed value, as a row of the observations CSV: date, measure (with an optional
/// `:stage` or `:role`), phase, scope (national, region:NAME, hub:NAME or fewest_hub), value,
/// kind (exact, approximate, lower_bound) and optionally `error`: the relative error the
/// observation is trusted to (a distance of 1 is one such error; default from the
/// calibration's tolerance for its kind), to be justified in the file's `note`.
struct Observation {
    Date date;
    MeasureQuery query;
    double value = 0;
    enum class Kind : std::uint8_t { Exact, Approximate, LowerBound } kind = Kind::Exact;
    std::optional<double> error;  ///< relative; nullopt: the calibration's default for the kind
    std::string label;            ///< "2018-01-31 engaged all national" for reports
};

/// An observations CSV as read: its text (kept for provenance) and its rows.
struct ObservationFile {
    std::string text;
    std::vector<Observation> observations;
};

/// A measure as an observation or a study output names it (`measure[:stage or role]`, a
/// phase or "all", a scope: national, fewest_hub, region:NAME or hub:NAME), checked against
/// `scenario`; each problem goes to `bad(field, message)`.
MeasureQuery parse_measure_query(const std::string& measure, const std::string& phase,
                                 const std::string& scope, const Scenario& scenario,
                                 const std::function<void(const char*, const std::string&)>& bad);

/// Reads and checks an observations CSV against `scenario` (its hubs, regions and dates);
/// throws InputError with every problem, located.
ObservationFile read_observations(const std::filesystem::path& csv, const Scenario& scenario);

/// Each observation's measure in each replication of a run: [replication][observation].
/// NaN where the run has no sample on or after the observation's date.
std::vector<double> simulated_values(const Scenario& scenario, const Results& results,
                                     const std::vector<Observation>& observations);

std::string_view name(Observation::Kind kind);

}  // namespace hubsim
