#pragma once
/// \file
/// What a run produces, and the one declaration of its output schema.
///
/// Every trajectory and summary a run keeps is a flat array laid out exactly as its
/// dataset in the output file, replication first. `series()` declares each once — its
/// group, name, axes, meaning and units — and the run file, sweeps, their journals, merge
/// and the readers all walk that list, so a new output is declared in one place
/// (docs/architecture.md says which files a new dataset touches).

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "hubsim/engine/day.hpp"
#include "hubsim/model/llme.hpp"
#include "hubsim/model/school.hpp"
#include "hubsim/model/stage.hpp"

namespace hubsim {

/// The cost items reported per year.
enum class CostItem : std::uint8_t { WorkGroups, ReleaseDays, Training };
inline constexpr std::size_t kCostItemCount = 3;
constexpr std::string_view name(CostItem c) {
    constexpr std::array<std::string_view, kCostItemCount> names = {"work_groups", "release_days",
                                                                    "training"};
    return names[static_cast<std::size_t>(c)];
}

/// The axes of the output, each a dimension scale of the file.
enum class Axis : std::uint8_t {
    Replication,
    Time,
    Hub,
    Phase,
    Stage,
    Role,
    Status,
    DisadvantageBand,
    Year,
    CostItem,
    Target
};
inline constexpr std::size_t kAxisCount = 11;
constexpr std::string_view name(Axis a) {
    constexpr std::array<std::string_view, kAxisCount> names = {
        "replication",       "time", "hub",       "phase", "stage", "role", "status",
        "disadvantage_band", "year", "cost_item", "target"};
    return names[static_cast<std::size_t>(a)];
}

/// One dataset of a run's output: where it goes, its axes (replication first) and what it
/// holds. `fill` is the value of an element with nothing in it (-1: "never").
struct SeriesSpec {
    std::string_view group;  ///< "trajectories" or "summary"
    std::string_view name;
    std::vector<Axis> axes;
    std::string_view long_name;
    std::string_view units;  ///< "day": a day of the run (written as days since its start)
    double fill = 0;
};

struct Results {
    std::size_t replications = 0;
    std::vector<Day> sample_days;  ///< the time axis
    std::vector<int> years;        ///< academic years covered (2014 is 2014/15)
    std::vector<Phase> phases;     ///< the phase axis: modelled phases only
    std::size_t hubs = 0;
    std::size_t targets = 0;

    // Trajectories, [replication][time][hub]...
    std::vector<std::uint32_t> stage_counts, in_work_groups, work_groups;  ///< ...[phase][stage]
    std::vector<std::uint32_t> engaged, waiting, participating;            ///< ...[phase]
    std::vector<std::uint32_t> engaged_by_band, participating_by_band;     ///< ...[phase][band]
    std::vector<std::uint32_t> llme;                                       ///< ...[role][status]
    std::vector<std::uint32_t> trainees, applicants;                       ///< ...[role]
    std::vector<double> tfm_days, tfm_days_used, other_days;               ///< ...[phase]
    // Summaries
    std::vector<double> cost;                  ///< [replication][year][cost item], GBP
    std::vector<std::int32_t> target_day;      ///< [replication][target]: first day met, -1
    std::vector<std::int32_t> hub_target_day;  ///< [replication][hub][target]
    std::vector<std::int32_t> particle;        ///< [replication]: posterior particle, -1

    std::size_t times() const { return sample_days.size(); }
    /// The length of an axis in these results.
    std::size_t extent(Axis axis) const;
    /// Elements of one replication of a series (the product of its other axes).
    std::size_t per_replication(const SeriesSpec& spec) const;
    /// Bytes one replication takes in memory: every series, or the summaries alone.
    std::size_t bytes_per_replication(bool summaries_only = false) const;

    /// Sizes every series for `replications` (the axes must be set) and fills it.
    void allocate(std::size_t replications_, std::size_t hubs_, std::size_t targets_);
    /// Adds `later`'s replications after these (same axes: the next replications of the
    /// same scenario, as RunOptions::first_replication runs them).
    void append(const Results& later);

    // Where an element lives in the flat arrays (the one place this arithmetic is written).
    /// [replication][time][hub]
    std::size_t at(std::size_t rep, std::size_t t, std::size_t hub) const {
        return (rep * times() + t) * hubs + hub;
    }
    /// [replication][time][hub][phase column]
    std::size_t phase_cell(std::size_t rep, std::size_t t, std::size_t hub, std::size_t col) const {
        return at(rep, t, hub) * phases.size() + col;
    }
    /// [replication][time][hub][phase column][stage]
    std::size_t stage_cell(std::size_t rep, std::size_t t, std::size_t hub, std::size_t col,
                           Stage s) const {
        return phase_cell(rep, t, hub, col) * kStageCount + index(s);
    }
    /// [replication][time][hub][phase column][disadvantage band]
    std::size_t band_cell(std::size_t rep, std::size_t t, std::size_t hub, std::size_t col,
                          std::size_t band) const {
        return phase_cell(rep, t, hub, col) * kBandCount + band;
    }
    /// [replication][time][hub][role]
    std::size_t role_cell(std::size_t rep, std::size_t t, std::size_t hub, LlmeRole r) const {
        return at(rep, t, hub) * kRoleCount + index(r);
    }
    /// [replication][time][hub][role][status]
    std::size_t status_cell(std::size_t rep, std::size_t t, std::size_t hub, LlmeRole r,
                            LlmeStatus s) const {
        return role_cell(rep, t, hub, r) * kLlmeStatusCount + static_cast<std::size_t>(s);
    }
    /// Leaders of `status` (of every role, or only Mastery Specialists) at one sample of a hub.
    std::uint32_t leaders(std::size_t rep, std::size_t t, std::size_t hub, LlmeStatus s,
                          bool specialists_only = false) const;
    /// [replication][year][cost item]
    std::size_t cost_cell(std::size_t rep, std::size_t year, CostItem item) const {
        return (rep * years.size() + year) * kCostItemCount + static_cast<std::size_t>(item);
    }
    /// [replication][target]
    std::size_t target_cell(std::size_t rep, std::size_t target) const {
        return rep * targets + target;
    }
    /// [replication][hub][target]
    std::size_t hub_target_cell(std::size_t rep, std::size_t hub, std::size_t target) const {
        return (rep * hubs + hub) * targets + target;
    }
    /// The column of `phase` on the phase axis (phases.size() if it is not modelled).
    std::size_t column(Phase phase) const;
};

/// A series and the member of Results that holds it.
template <class T>
struct Series {
    SeriesSpec spec;
    std::vector<T> Results::*data;
};

/// Every series of a run's output, declared once, by element type.
struct OutputSchema {
    std::vector<Series<std::uint32_t>> counts;
    std::vector<Series<double>> reals;
    std::vector<Series<std::int32_t>> days;
};
const OutputSchema& output_schema();

/// Calls `f(spec, member)` for every series, in schema order: `member` is the pointer to
/// the member of Results that holds it (`results.*member` is its array).
template <class F>
void for_each_member(F&& f) {
    const OutputSchema& s = output_schema();
    for (const auto& x : s.counts) f(x.spec, x.data);
    for (const auto& x : s.reals) f(x.spec, x.data);
    for (const auto& x : s.days) f(x.spec, x.data);
}

/// Calls `f(spec, array)` for every series of `results` (const or not), in schema order.
template <class R, class F>
void for_each_series(R& results, F&& f) {
    for_each_member([&](const SeriesSpec& spec, auto member) { f(spec, results.*member); });
}

/// The same over two results side by side: `f(spec, a's array, b's array)`.
template <class A, class B, class F>
void for_each_series(A& a, B& b, F&& f) {
    for_each_member([&](const SeriesSpec& spec, auto member) { f(spec, a.*member, b.*member); });
}

/// The element type of the array a member pointer of for_each_member reaches.
template <class Member>
using SeriesValue = typename std::remove_reference_t<decltype(std::declval<Results&>().*
                                                              std::declval<Member>())>::value_type;

}  // namespace hubsim
