#pragma once
/// \file
/// The programme's published measures, computed from a run's results: what the
/// observations in a calibration are compared with. docs/output.md defines each.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hubsim/model/results.hpp"
#include "hubsim/model/scenario.hpp"

namespace hubsim {

enum class Measure : std::uint8_t {
    Participating,      ///< schools in a TfM Work Group in the academic year (of a stage)
    Engaged,            ///< schools that have ever taken part, at the year's end
    EngagedShare,       ///< the same as a share of all schools
    TraineesStarting,   ///< leaders starting their route that year (Mastery Specialists,
                        ///< or of one role)
    SpecialistsActive,  ///< active Mastery Specialists at the year's end
    LlmeActive,         ///< active local leaders (of every role, or of one) at the year's end
    Applicants,         ///< teachers put forward that year for a role's places
};
std::optional<Measure> parse_measure(std::string_view text);
std::string_view name(Measure m);
/// The names of every measure, for messages.
std::vector<std::string> measure_names();

/// Where a measure is counted: the nation, one region, one hub; or, of every hub in the
/// country, the one with the smallest value ("30 or more in every hub").
struct Scope {
    enum class Kind : std::uint8_t { National, Region, Hub, FewestHub } kind = Kind::National;
    std::string name;  ///< the region or hub
};

/// One measure, as an observation names it: `measure[:stage or role]`, a phase, a scope.
struct MeasureQuery {
    Measure measure = Measure::Engaged;
    std::optional<Phase> phase;    ///< nullopt: every phase
    std::optional<Stage> stage;    ///< participating: in groups of this stage only
    std::optional<LlmeRole> role;  ///< leaders and applicants: this role only
    Scope scope;

    /// "participating:development", "llme_active", "applicants:primary_mastery_specialist".
    std::string measure_text() const;
};

/// The value of the query at the first sample on or after `day`, in each replication.
/// Empty if the run has no such sample.
std::vector<double> measure_values(const Scenario& scenario, const Results& results,
                                   const MeasureQuery& query, Day day);

}  // namespace hubsim
