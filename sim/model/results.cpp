#include "hubsim/model/results.hpp"

#include <algorithm>

namespace hubsim {

const OutputSchema& output_schema() {
    using A = Axis;
    static const OutputSchema schema = {
        {
            {{"trajectories",
              "stage_counts",
              {A::Replication, A::Time, A::Hub, A::Phase, A::Stage},
              "schools in each stage on the sample day, after the year end's moves (a school "
              "that completed embedding on 31 August counts in sustaining)",
              "schools"},
             &Results::stage_counts},
            {{"trajectories",
              "engaged",
              {A::Replication, A::Time, A::Hub, A::Phase},
              "schools that have ever taken part in a TfM Work Group",
              "schools"},
             &Results::engaged},
            {{"trajectories",
              "llme",
              {A::Replication, A::Time, A::Hub, A::Role, A::Status},
              "local leaders by role and status (left: cumulative)",
              "LLME"},
             &Results::llme},
            {{"trajectories",
              "work_groups",
              {A::Replication, A::Time, A::Hub, A::Phase, A::Stage},
              "Work Groups running in the academic year of the sample",
              "groups"},
             &Results::work_groups},
            {{"trajectories",
              "in_work_groups",
              {A::Replication, A::Time, A::Hub, A::Phase, A::Stage},
              "schools in Work Groups of each stage in the academic year of the sample (the "
              "year's groups, before its end moved anyone on)",
              "schools"},
             &Results::in_work_groups},
            {{"trajectories",
              "waiting",
              {A::Replication, A::Time, A::Hub, A::Phase},
              "schools that wanted a Work Group place and had none",
              "schools"},
             &Results::waiting},
            {{"trajectories",
              "participating",
              {A::Replication, A::Time, A::Hub, A::Phase},
              "schools in a Work Group in the academic year of the sample",
              "schools"},
             &Results::participating},
            {{"trajectories",
              "engaged_by_band",
              {A::Replication, A::Time, A::Hub, A::Phase, A::DisadvantageBand},
              "engaged, by the school's disadvantage quintile within its phase",
              "schools"},
             &Results::engaged_by_band},
            {{"trajectories",
              "participating_by_band",
              {A::Replication, A::Time, A::Hub, A::Phase, A::DisadvantageBand},
              "participating, by the school's disadvantage quintile within its phase",
              "schools"},
             &Results::participating_by_band},
            {{"trajectories",
              "trainees",
              {A::Replication, A::Time, A::Hub, A::Role},
              "leaders of each role who started their route in the academic year of the sample",
              "LLME"},
             &Results::trainees},
            {{"trajectories",
              "applicants",
              {A::Replication, A::Time, A::Hub, A::Role},
              "teachers put forward for a role's places in the academic year of the sample "
              "(counted for roles with places that year)",
              "teachers"},
             &Results::applicants},
        },
        {
            {{"trajectories",
              "tfm_days",
              {A::Replication, A::Time, A::Hub, A::Phase},
              "leader days for TfM Work Groups in the academic year of the sample (after "
              "capacity factors)",
              "days"},
             &Results::tfm_days},
            {{"trajectories",
              "tfm_days_used",
              {A::Replication, A::Time, A::Hub, A::Phase},
              "leader days the year's TfM Work Groups took",
              "days"},
             &Results::tfm_days_used},
            {{"trajectories",
              "other_days",
              {A::Replication, A::Time, A::Hub, A::Phase},
              "leader days given to the hub's other Work Group programmes in the academic year "
              "of the sample",
              "days"},
             &Results::other_days},
            {{"summary",
              "cost",
              {A::Replication, A::Year, A::CostItem},
              "cost of the programme by academic year and item",
              "GBP"},
             &Results::cost},
        },
        {
            {{"summary",
              "target_day",
              {A::Replication, A::Target},
              "first sample day at which each national target is met (-1: not met)",
              "day",
              -1},
             &Results::target_day},
            {{"summary",
              "particle",
              {A::Replication},
              "the posterior particle each replication drew its parameters from (-1: none)",
              "",
              -1},
             &Results::particle},
            {{"summary",
              "hub_target_day",
              {A::Replication, A::Hub, A::Target},
              "first sample day at which each hub meets each target (-1: not met, or a "
              "national-only target)",
              "day",
              -1},
             &Results::hub_target_day},
        },
    };
    return schema;
}

std::size_t Results::extent(Axis axis) const {
    switch (axis) {
        case Axis::Replication:
            return replications;
        case Axis::Time:
            return times();
        case Axis::Hub:
            return hubs;
        case Axis::Phase:
            return phases.size();
        case Axis::Stage:
            return kStageCount;
        case Axis::Role:
            return kRoleCount;
        case Axis::Status:
            return kLlmeStatusCount;
        case Axis::DisadvantageBand:
            return kBandCount;
        case Axis::Year:
            return years.size();
        case Axis::CostItem:
            return kCostItemCount;
        case Axis::Target:
            return targets;
    }
    return 0;
}

std::size_t Results::per_replication(const SeriesSpec& spec) const {
    std::size_t n = 1;
    for (std::size_t k = 1; k < spec.axes.size(); ++k) n *= extent(spec.axes[k]);
    return n;
}

std::size_t Results::bytes_per_replication(bool summaries_only) const {
    std::size_t bytes = 0;
    for_each_series(*this, [&](const SeriesSpec& spec, const auto& data) {
        if (summaries_only && spec.group != "summary") return;
        bytes += per_replication(spec) * sizeof(typename std::decay_t<decltype(data)>::value_type);
    });
    return bytes;
}

void Results::append(const Results& later) {
    for_each_series(*this, later, [](const SeriesSpec&, auto& mine, const auto& theirs) {
        mine.insert(mine.end(), theirs.begin(), theirs.end());
    });
    replications += later.replications;
}

void Results::allocate(std::size_t replications_, std::size_t hubs_, std::size_t targets_) {
    replications = replications_;
    hubs = hubs_;
    targets = targets_;
    for_each_series(*this, [&](const SeriesSpec& spec, auto& data) {
        using T = typename std::decay_t<decltype(data)>::value_type;
        data.assign(replications * per_replication(spec), static_cast<T>(spec.fill));
    });
}

std::uint32_t Results::leaders(std::size_t rep, std::size_t t, std::size_t hub, LlmeStatus s,
                               bool specialists_only) const {
    std::uint32_t n = 0;
    for (LlmeRole r : kRoles)
        if (!specialists_only || info(r).mastery_specialist)
            n += llme[status_cell(rep, t, hub, r, s)];
    return n;
}

std::size_t Results::column(Phase phase) const {
    return static_cast<std::size_t>(std::find(phases.begin(), phases.end(), phase) -
                                    phases.begin());
}

}  // namespace hubsim
