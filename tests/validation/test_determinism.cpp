// Same scenario and seed give bit-identical results for any thread count, and two
// scenarios that differ in one policy share every chance event the policy cannot reach.

#include <gtest/gtest.h>

#include "../support.hpp"

using namespace hubsim;
using namespace hubsim::test;

namespace {

// Four hubs with defaults for everything that is random: interest, completion, lapses,
// training applicants, attrition, lottery places. Training places are plentiful so no hub
// competes with another for them (hubs then interact through nothing).
const char* kFourHubs = R"(
name: four
start: 2014-09-01
end: 2024-08-31
seed: 11
hubs:
  - {name: North, opens: 2014-07-01}
  - {name: South, opens: 2014-07-01}
  - {name: East, opens: 2015-09-01}
  - {name: West, opens: 2019-09-01}
schools:
  generate: {per_hub: {primary: 120, secondary: 30}, disadvantage: 0.2, disadvantage_spread: 0.3}
policy: {priority: lottery}
llme:
  primary_mastery_specialist: {training_places: 100000}
  secondary_mastery_specialist: {training_places: 100000}
timeline:
  - {date: 2020-03-23, until: 2021-08-31, set: {capacity.factor: 0.5}}
output: {sample: termly}
)";

void expect_identical(const Results& a, const Results& b) {
    EXPECT_EQ(a.stage_counts, b.stage_counts);
    EXPECT_EQ(a.engaged, b.engaged);
    EXPECT_EQ(a.llme, b.llme);
    EXPECT_EQ(a.work_groups, b.work_groups);
    EXPECT_EQ(a.waiting, b.waiting);
    EXPECT_EQ(a.participating, b.participating);
    EXPECT_EQ(a.trainees, b.trainees);
    EXPECT_EQ(a.cost, b.cost);
    EXPECT_EQ(a.target_day, b.target_day);
}

/// One hub's slice of a per-(time, hub, phase) array, for every replication and time.
std::vector<std::uint32_t> hub_slice(const std::vector<std::uint32_t>& v, const Results& r,
                                     std::size_t hub, std::size_t per_cell) {
    std::vector<std::uint32_t> out;
    for (std::size_t k = 0; k < r.replications; ++k)
        for (std::size_t t = 0; t < r.times(); ++t) {
            const std::size_t at = r.at(k, t, hub) * per_cell;
            out.insert(out.end(), v.begin() + static_cast<std::ptrdiff_t>(at),
                       v.begin() + static_cast<std::ptrdiff_t>(at + per_cell));
        }
    return out;
}

}  // namespace

TEST(Determinism, SameResultsForOneTwoAndFourThreads) {
    const auto sc = load_yaml(kFourHubs).scenario;
    const Results one = run(sc, 6, 1);
    expect_identical(one, run(sc, 6, 2));
    expect_identical(one, run(sc, 6, 4));
    // Hubs in parallel inside one replication (fewer replications than threads).
    const Results single = run(sc, 1, 1);
    expect_identical(single, run(sc, 1, 2));
    expect_identical(single, run(sc, 1, 4));
    const Results pair = run(sc, 2, 1);
    expect_identical(pair, run(sc, 2, 4));
}

TEST(Determinism, ReplicationsDifferAndSeedsMatter) {
    const auto sc = load_yaml(kFourHubs).scenario;
    const Results r = run(sc, 2, 1);
    const std::size_t half = r.stage_counts.size() / 2;
    EXPECT_FALSE(std::equal(r.stage_counts.begin(),
                            r.stage_counts.begin() + static_cast<std::ptrdiff_t>(half),
                            r.stage_counts.begin() + static_cast<std::ptrdiff_t>(half)));
    const auto other = load_yaml(kFourHubs, {"seed=12"}).scenario;
    EXPECT_NE(run(other, 2, 1).stage_counts, r.stage_counts);
}

TEST(Determinism, ConservationAtEverySample) {
    const auto sc = load_yaml(kFourHubs).scenario;
    const Results r = run(sc, 3, 2);
    for (std::size_t k = 0; k < r.replications; ++k)
        for (std::size_t t = 0; t < r.times(); ++t)
            for (std::size_t h = 0; h < r.hubs; ++h)
                for (std::size_t c = 0; c < r.phases.size(); ++c) {
                    std::uint32_t sum = 0;
                    for (Stage s : kStages) sum += stage_count(r, k, t, h, c, s);
                    EXPECT_EQ(sum, r.phases[c] == Phase::Primary ? 120u : 30u);
                    const auto engaged = per_phase(r.engaged, r, k, t, h, c);
                    const auto never = stage_count(r, k, t, h, c, Stage::NotEngaged);
                    EXPECT_EQ(engaged + never, sum)
                        << "engaged = every school that has left not_engaged";
                }
}

TEST(CommonRandomNumbers, AHubThePolicyCannotReachKeepsItsTrajectory) {
    const auto base = load_yaml(kFourHubs).scenario;
    auto changed = base;
    changed.hubs[1].capacity_factor = 0.5;  // South loses half its capacity
    const Results a = run(base, 4, 2), b = run(changed, 4, 2);
    const std::size_t ps = a.phases.size() * kStageCount, p1 = a.phases.size();
    for (std::size_t hub : {0u, 2u, 3u}) {
        SCOPED_TRACE("hub " + std::to_string(hub));
        EXPECT_EQ(hub_slice(a.stage_counts, a, hub, ps), hub_slice(b.stage_counts, b, hub, ps));
        EXPECT_EQ(hub_slice(a.engaged, a, hub, p1), hub_slice(b.engaged, b, hub, p1));
        EXPECT_EQ(hub_slice(a.llme, a, hub, kLlmeStatusCount),
                  hub_slice(b.llme, b, hub, kLlmeStatusCount));
    }
    EXPECT_NE(hub_slice(a.stage_counts, a, 1, ps), hub_slice(b.stage_counts, b, 1, ps));
}

TEST(Determinism, ALaterBatchOfReplicationsExtendsAnEarlierOne) {
    const auto sc = load_yaml(kFourHubs).scenario;
    const Results all = run(sc, 5, 2);
    RunOptions o;
    o.replications = 2;
    o.first_replication = 3;
    o.threads = 2;
    const Results tail = run_scenario(sc, o);
    const std::size_t per_rep = all.stage_counts.size() / 5;
    EXPECT_TRUE(std::equal(tail.stage_counts.begin(), tail.stage_counts.end(),
                           all.stage_counts.begin() + static_cast<std::ptrdiff_t>(3 * per_rep)));
    const std::size_t cost_per_rep = all.cost.size() / 5;
    EXPECT_TRUE(std::equal(tail.cost.begin(), tail.cost.end(),
                           all.cost.begin() + static_cast<std::ptrdiff_t>(3 * cost_per_rep)));
    EXPECT_TRUE(
        std::equal(tail.llme.begin(), tail.llme.end(),
                   all.llme.begin() + static_cast<std::ptrdiff_t>(3 * all.llme.size() / 5)));
}
