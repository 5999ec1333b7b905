// Who gets an oversubscribed place, under each priority rule: one hub advanced by hand
// through two year starts, then its schools inspected.

#include <gtest/gtest.h>

#include <limits>
#include <set>

#include "../support.hpp"
#include "hubsim/model/hub_process.hpp"
#include "hubsim/model/replication.hpp"

using namespace hubsim;
using namespace hubsim::test;

namespace {

// Ten secondary schools, disadvantage rising from 0.1 (school 0) to 0.3 (school 9), all
// asking in 2014/15; one leader, one group of three.
const char* kTen = R"(
name: ten
start: 2014-09-01
end: 2016-08-31
hubs:
  - {name: Alpha, initial_llme: {secondary_mastery_specialist: 1}}
schools:
  generate: {per_hub: {secondary: 10}, disadvantage: 0.2, disadvantage_spread: 0.2}
demand: {p: 100, q: 0, heterogeneity: 0}
phases:
  primary: {pipeline: []}
  secondary:
    stages:
      development: {group_size: 3, release_days: 12}
llme:
  secondary_mastery_specialist: {days: 12, training_places: 0}
)";

/// Indices of the schools placed in 2015/16.
std::set<std::uint32_t> placed(const Scenario& sc, std::uint32_t replication = 0) {
    Results r;
    prepare_results(sc, 1, r);
    const Calendar cal(sc.start);
    HubProcess hub(sc, sc.params, cal, 0, replication, r);
    const auto inf = std::numeric_limits<double>::infinity();
    for (int year : {2014, 2015}) {
        hub.run_until(cal.year_start(year), sc.params);
        hub.begin_year(year, sc.params, {});
        hub.start_training({}, sc.params);
        hub.allocate(sc.params, inf);
    }
    std::set<std::uint32_t> out;
    for (std::uint32_t i = 0; i < hub.schools().size(); ++i)
        if (hub.schools()[i].has(SchoolState::Placed)) out.insert(i);
    return out;
}

}  // namespace

TEST(Allocation, DisadvantageFirstPlacesTheMostDisadvantaged) {
    const auto sc = load_yaml(kTen, {"policy.priority=disadvantage"}).scenario;
    EXPECT_EQ(placed(sc), (std::set<std::uint32_t>{7, 8, 9}));
}

TEST(Allocation, WaitingTimePlacesTheEarliestToAsk) {
    const auto sc = load_yaml(kTen, {"policy.priority=waiting_time"}).scenario;
    // Recompute who asked first from the hub's own record of asking days.
    Results r;
    prepare_results(sc, 1, r);
    const Calendar cal(sc.start);
    HubProcess hub(sc, sc.params, cal, 0, 0, r);
    hub.begin_year(2014, sc.params, {});
    hub.run_until(cal.year_start(2015), sc.params);
    std::vector<std::pair<std::int32_t, std::uint32_t>> asked;
    for (std::uint32_t i = 0; i < hub.schools().size(); ++i)
        asked.push_back({hub.schools()[i].asked_day, i});
    std::sort(asked.begin(), asked.end());
    const std::set<std::uint32_t> first3{asked[0].second, asked[1].second, asked[2].second};
    EXPECT_EQ(placed(sc), first3);
}

TEST(Allocation, LotteryIsFairlyDrawnAndReproducible) {
    const auto sc = load_yaml(kTen, {"policy.priority=lottery"}).scenario;
    const auto a = placed(sc);
    EXPECT_EQ(a.size(), 3u);
    EXPECT_EQ(placed(sc), a) << "same seed and replication, same draw";
    // Over many replications every school wins sometimes and the wins are spread evenly.
    std::vector<int> wins(10, 0);
    for (std::uint32_t rep = 0; rep < 300; ++rep)
        for (auto i : placed(sc, rep)) ++wins[i];
    for (int w : wins) EXPECT_NEAR(w, 90, 30);  // 300 * 3/10 = 90; sd about 8
}

TEST(Allocation, GroupsNeverExceedTheirSizeNorTheLeadersDays) {
    const auto sc = load_yaml(kTen, {"llme.secondary_mastery_specialist.days=30",
                                     "phases.secondary.stages.development.release_days=12"})
                        .scenario;
    Results r;
    prepare_results(sc, 1, r);
    const Calendar cal(sc.start);
    HubProcess hub(sc, sc.params, cal, 0, 0, r);
    for (int year : {2014, 2015}) {
        hub.run_until(cal.year_start(year), sc.params);
        hub.begin_year(year, sc.params, {});
        hub.start_training({}, sc.params);
        hub.allocate(sc.params, std::numeric_limits<double>::infinity());
    }
    // 30 leader days, groups of 12 days: two groups of 3 (24 days), six schools placed.
    ASSERT_EQ(hub.groups().size(), 2u);
    for (const auto& g : hub.groups()) {
        EXPECT_LE(g.members, 3u);
        EXPECT_EQ(g.lead, LlmeRole::SecondaryMasterySpecialist);
    }
}

TEST(Allocation, NewShareReservesCapacityForNewSchools) {
    // Two leaders; half the capacity kept for new schools, nothing spills: in 2016/17 the
    // three continuing schools get one group and three new schools the other.
    const auto sc = load_yaml(std::string(kTen) + "policy: {new_share: 0.5, spill: false}\n",
                              {"hubs[0].initial_llme.secondary_mastery_specialist=2",
                               "end=2017-08-31", "phases.secondary.stages.development.complete=1",
                               "phases.secondary.stages.development.advance=1"})
                        .scenario;
    const Results r = run(sc);
    // 2015/16: new pool (1 group) takes 3; continuing pool has nobody.
    EXPECT_EQ(per_phase(r.participating, r, 0, 1, 0, 0), 3u);
    // 2016/17: 3 continuing (embedding) + 3 new.
    EXPECT_EQ(per_phase(r.participating, r, 0, 2, 0, 0), 6u);
    EXPECT_EQ(per_phase(r.engaged, r, 0, 2, 0, 0), 6u);
}
