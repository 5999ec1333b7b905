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

/// A weighted sample of parameter values (a calibration's posterior). When present, each
/// replication draws one particle by weight, so a projection's spread holds parameter
/// uncertainty as well as chance.
struct ParameterDraws {
    std::vector<const ParamSpec*> keys;
    std::vector<std::vector<double>> particles;  ///< [particle][key]
    std::vector<double> weights;                 ///< normalised
    std::string source;                          ///< where it came from, as the scenario names it

    bool empty() const { return particles.empty(); }
    /// The particle replication `replication` uses (a keyed draw: independent of threads).
    std::size_t pick(std::uint64_t seed, std::uint32_t replication) const;
    void apply(std::size_t particle, Parameters& params) const;
    /// The same sample without `key` (a value set for the whole run takes precedence).
    ParameterDraws without(const ParamSpec* key) const;
};

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
    ParameterDraws posterior;

    /// The phases this scenario models (those with a pipeline), in order.
    std::vector<Phase> modelled_phases() const;
    /// Sorts schools by hub (stable) and sets each hub's range. Call after filling both.
    void index_schools();
};

}  // namespace hubsim
