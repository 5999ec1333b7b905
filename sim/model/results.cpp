#include "hubsim/model/results.hpp"

namespace hubsim {

void Results::allocate(std::size_t replications_, std::size_t hubs_, std::size_t targets_) {
    replications = replications_;
    hubs = hubs_;
    targets = targets_;
    const std::size_t cells = replications * times() * hubs;
    const std::size_t np = phases.size();
    stage_counts.assign(cells * np * kStageCount, 0);
    work_groups.assign(cells * np * kStageCount, 0);
    engaged.assign(cells * np, 0);
    waiting.assign(cells * np, 0);
    participating.assign(cells * np, 0);
    trainees.assign(cells * np, 0);
    llme.assign(cells * kLlmeStatusCount, 0);
    specialists.assign(cells * kLlmeStatusCount, 0);
    cost.assign(replications * years.size() * kCostItemCount, 0.0);
    target_day.assign(replications * targets, -1);
    hub_target_day.assign(replications * hubs * targets, -1);
    particle.assign(replications, -1);
}

}  // namespace hubsim
