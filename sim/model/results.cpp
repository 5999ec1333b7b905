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
              "schools in each stage",
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
              {A::Replication, A::Time, A::Hub, A::Status},
              "local leaders by status (left: cumulative)",
              "LLME"},
             &Results::llme},
            {{"trajectories",
              "specialists",
              {A::Replication, A::Time, A::Hub, A::Status},
              "Mastery Specialists (trained leaders) by status",
              "LLME"},
             &Results::specialists},
            {{"trajectories",
              "work_groups",
              {A::Replication, A::Time, A::Hub, A::Phase, A::Stage},
              "Work Groups running in the academic year of the sample",
              "groups"},
             &Results::work_groups},
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
              "trainees",
              {A::Replication, A::Time, A::Hub, A::Phase},
              "Mastery Specialists who started training in the academic year of the sample",
              "LLME"},
             &Results::trainees},
        },
        {
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
              "days",
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
              "first sample day at which each hub meets each target (-1: not met)",
              "days",
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
        case Axis::Status:
            return kLlmeStatusCount;
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

void Results::allocate(std::size_t replications_, std::size_t hubs_, std::size_t targets_) {
    replications = replications_;
    hubs = hubs_;
    targets = targets_;
    for_each_series(*this, [&](const SeriesSpec& spec, auto& data) {
        using T = typename std::decay_t<decltype(data)>::value_type;
        data.assign(replications * per_replication(spec), static_cast<T>(spec.fill));
    });
}

std::size_t Results::column(Phase phase) const {
    return static_cast<std::size_t>(std::find(phases.begin(), phases.end(), phase) -
                                    phases.begin());
}

}  // namespace hubsim
