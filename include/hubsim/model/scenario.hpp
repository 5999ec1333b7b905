#pragma once
/// \file
/// A scenario as the model sees it: hubs, schools, parameters, timeline and targets,
/// already checked. (Reading one from YAML is the job of hubsim/io/scenario_loader.hpp.)

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hubsim/engine/calendar.hpp"
#include "hubsim/model/hub.hpp"
#include "hubsim/model/parameters.hpp"
#include "hubsim/model/school.hpp"

namespace hubsim {

/// A dated change to parameters, e.g. a lockdown that halves capacity for a year.
struct TimelineEvent {
    Date date;
    std::optional<Date> until;  ///< the change is undone the day after `until`
    std::vector<std::pair<const ParamSpec*, double>> set;
    std::string note;
};

/// A strategic goal: a share of a phase's schools engaged by a date.
struct Target {
    Phase phase;
    double share;
    Date by;
    std::string label() const;
};

enum class Sampling : std::uint8_t { Yearly, Termly };

struct Scenario {
    std::string name;
    std::string description;
    Date start;
    Date end;
    std::uint64_t seed = 1;
    std::uint32_t replications = 1;
    Sampling sampling = Sampling::Yearly;

    Parameters params = Parameters::defaults();
    std::vector<HubSpec> hubs;
    std::vector<SchoolProfile> schools;  ///< sorted by hub; hubs[h] owns schools[first..last)
    std::vector<TimelineEvent> timeline;
    std::vector<Target> targets;

    /// The phases this scenario models (those with a pipeline), in order.
    std::vector<Phase> modelled_phases() const;
    /// Sorts schools by hub (stable) and sets each hub's range. Call after filling both.
    void index_schools();
};

}  // namespace hubsim
