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
    Participating,      ///< schools in a TfM Work Group in the academic year of the date
    Engaged,            ///< schools that have ever taken part, at the year's end
    EngagedShare,       ///< the same as a share of all schools
    TraineesStarting,   ///< Mastery Specialists starting their route in that academic year
    SpecialistsActive,  ///< active Mastery Specialists at the year's end
    LlmeActive,         ///< active local leaders of every role at the year's end
};
std::optional<Measure> parse_measure(std::string_view text);
std::string_view name(Measure m);
/// The names of every measure, for messages.
std::vector<std::string> measure_names();

/// Where a measure is counted: the nation, one region, or one hub.
struct Scope {
    enum class Kind : std::uint8_t { National, Region, Hub } kind = Kind::National;
    std::string name;  ///< the region or hub
};

/// The value of `measure` for `phase` (nullopt: all phases) within `scope`, at the first
/// sample on or after `day`, in each replication. Empty if the run has no such sample.
std::vector<double> measure_values(const Scenario& scenario, const Results& results,
                                   Measure measure, std::optional<Phase> phase, const Scope& scope,
                                   Day day);

}  // namespace hubsim
