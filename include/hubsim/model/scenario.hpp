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

/// The most schools a scenario may hold: about 5 GB of school state in a run, 5,000 times
/// England (`hubsim generate` makes scenarios up to this size for scale tests).
inline constexpr std::uint64_t kMaxSchools = 100'000'000;

/// One parameter's change in a timeline event: set to a value, or scaled by or added to
/// whatever value the replication has then (its own posterior draw, say). A scaled or
/// added value is kept within the parameter's range and rounded if it is a count.
struct ParameterChange {
    enum class Op : std::uint8_t { Set, Scale, Add };
    const ParamSpec* spec = nullptr;
    Op op = Op::Set;
    double value = 0;

    double applied_to(double current) const;
};
std::string_view name(ParameterChange::Op op);

/// A dated change to parameters, e.g. a lockdown that halves capacity for a year.
struct TimelineEvent {
    Date date;
    std::optional<Date> until;  ///< the change holds through `until`, and is gone the day after
    std::vector<ParameterChange> changes;
    std::string note;

    bool active_on(Date day) const { return date <= day && (!until || day <= *until); }
};

/// A strategic goal: a share of a phase's schools engaged by a date, or a number of active
/// leaders (of one role, or all) nationally or in every hub.
struct Target {
    enum class Measure : std::uint8_t {
        EngagedShare,   ///< the share of the phase's schools ever engaged
        ActiveLeaders,  ///< active leaders (of `role`, or of every role)
    };
    Measure measure = Measure::EngagedShare;
    Phase phase = Phase::Primary;  ///< for EngagedShare
    std::optional<LlmeRole> role;  ///< for ActiveLeaders; none: every role
    bool per_hub = false;          ///< ActiveLeaders in every hub, not the national total
    double value = 0;              ///< a share, or a count
    Date by;

    std::string label() const;
    std::string_view measure_name() const;  ///< "engaged_share" or "active_leaders"
    /// Whether each hub has its own day for it (shares, and per-hub counts).
    bool has_hub_days() const { return measure == Measure::EngagedShare || per_hub; }
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
};

/// A parameter value given explicitly (by --set, a sweep or study point, or the scenario's
/// own `set:`): it takes precedence over a replication's posterior draw.
struct ExplicitValue {
    const ParamSpec* spec = nullptr;
    double value = 0;
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
    bool parameters_fixed = false;  ///< a posterior was set aside: its values are fixed
    std::vector<ExplicitValue> explicit_values;  ///< in the order given; one per parameter

    /// Sets a parameter for the whole run, above any posterior draw (replaces an earlier
    /// explicit value of the same parameter).
    void set_explicitly(const ParamSpec& spec, double value);

    /// The parameters replication `replication` starts from, in the one order of
    /// precedence: defaults < base scenario < this file < the replication's posterior draw
    /// < explicit values. (Timeline events then change them during their windows.)
    /// `particle` receives the particle drawn, or -1.
    Parameters parameters_of(std::uint32_t replication, std::int32_t& particle) const;

    /// Per phase: the mean disadvantage of its schools, and the upper disadvantage of each
    /// quintile band (set by index_schools).
    std::array<double, kPhaseCount> disadvantage_mean{};
    std::array<std::array<float, kBandCount>, kPhaseCount> band_upper{};

    /// What the spread across replications holds: "chance and parameters" (each replication
    /// draws from a posterior) or "chance only".
    std::string_view uncertainty() const {
        return posterior.empty() ? "chance only" : "chance and parameters";
    }

    /// The phases this scenario models (those with a pipeline), in order.
    std::vector<Phase> modelled_phases() const;
    /// Sorts schools by hub (stable), sets each hub's range, and each school's disadvantage
    /// band within its phase (quintiles; equal values share a band). Call after filling both.
    void index_schools();
};

}  // namespace hubsim
