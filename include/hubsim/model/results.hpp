#pragma once
/// \file
/// What a run produces: trajectories sampled over time and per-replication summaries,
/// in flat arrays laid out exactly as the output file's datasets.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "hubsim/engine/day.hpp"
#include "hubsim/model/llme.hpp"
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

struct Results {
    std::size_t replications = 0;
    std::vector<Day> sample_days;  ///< the time axis
    std::vector<int> years;        ///< academic years covered (2014 is 2014/15)
    std::vector<Phase> phases;     ///< the phase axis: modelled phases only
    std::size_t hubs = 0;
    std::size_t targets = 0;

    // [replication][time][hub][phase][stage]
    std::vector<std::uint32_t> stage_counts;
    // [replication][time][hub][phase]
    std::vector<std::uint32_t> engaged, waiting, participating, trainees;
    // [replication][time][hub][status]: every leader, and the Mastery Specialists among them
    std::vector<std::uint32_t> llme, specialists;
    // [replication][time][hub][phase][stage]
    std::vector<std::uint32_t> work_groups;
    // [replication][year][cost item], GBP
    std::vector<double> cost;
    // [replication][target]: day each national target is first met at a sample, -1 if never
    std::vector<std::int32_t> target_day;
    // [replication][hub][target]
    std::vector<std::int32_t> hub_target_day;
    // [replication]: the posterior particle each replication drew (-1: none)
    std::vector<std::int32_t> particle;

    std::size_t times() const { return sample_days.size(); }
    std::size_t per_time_hub() const { return hubs * phases.size(); }

    void allocate(std::size_t replications_, std::size_t hubs_, std::size_t targets_);
    std::size_t at(std::size_t rep, std::size_t t, std::size_t hub) const {
        return (rep * times() + t) * hubs + hub;
    }
};

}  // namespace hubsim
