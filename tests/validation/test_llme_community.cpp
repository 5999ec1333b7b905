// The LLME community's rules, each on a case small enough to work out by hand: leader time
// pooled across leaders, which roles lead which stages and whose days go first, roles
// without a phase, routes whose change reaches new cohorts only, the hubs' other
// programmes, a hub's head start, targets for a number of leaders, and disadvantage.

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "../support.hpp"
#include "hubsim/model/hub_process.hpp"
#include "hubsim/model/replication.hpp"

using namespace hubsim;
using namespace hubsim::test;

namespace {

// One hub, twenty-four secondary schools that all ask in 2014/15; development groups of 6
// that take 12 leader days; nothing is completed, so every school wants a development group
// every year; no training unless a test asks.
const char* kHub = R"(
name: community
start: 2014-09-01
end: 2017-08-31
seed: 3
hubs:
  - {name: Alpha, opens: 2014-07-01, initial_llme: {primary_mastery_specialist: 0, secondary_mastery_specialist: 0}}
schools:
  generate: {per_hub: {secondary: 24}}
demand: {p: 100, q: 0, heterogeneity: 0}
policy: {new_share: 0, spill: true, max_wait_years: 10}
phases:
  primary: {pipeline: []}
  secondary:
    pipeline: [development, embedding, sustaining]
    stages:
      development: {group_size: 6, release_days: 12, complete: 0, repeat: 1}
llme:
  secondary_mastery_specialist: {days: 12, training_places: 0, attrition: 0}
  secondary_work_group_lead: {days: 12, tfm_share: 0.5, training_places: 0, attrition: 0}
  pd_lead: {days: 10, tfm_share: 0.5, training_places: 0, attrition: 0}
)";

std::uint32_t groups(const Results& r, std::size_t t, Stage s, std::size_t col = 0) {
    return r.work_groups[r.stage_cell(0, t, 0, col, s)];
}

}  // namespace

// Three leaders with 8 days each: no one of them has the 12 days a group takes, together they
// have 24, so two groups run, their days split between them (12 = 8 + 4, then 4 + 8).
TEST(LlmeCommunity, AGroupsDaysAreSplitBetweenLeaders) {
    const Results r = run(load_yaml(kHub, {"hubs[0].initial_llme.secondary_mastery_specialist=3",
                                           "llme.secondary_mastery_specialist.days=8"})
                              .scenario);
    for (std::size_t t = 1; t < r.times(); ++t) {
        EXPECT_EQ(groups(r, t, Stage::Development), 2u);
        EXPECT_EQ(r.tfm_days[r.phase_cell(0, t, 0, 0)], 24.0);
        EXPECT_EQ(r.tfm_days_used[r.phase_cell(0, t, 0, 0)], 24.0);
    }
    // 2014/15 too: the schools asked during it, after the groups formed, so none then.
    EXPECT_EQ(groups(r, 0, Stage::Development), 0u);
}

// Capacity moves with time: 30 leader days make 2 groups (24 days), 36 make 3; a national
// capacity factor of 0.5 on 36 days (18) makes 1, of 0.7 (25.2) makes 2.
TEST(LlmeCommunity, GroupsFollowLeaderDays) {
    auto development = [](std::vector<std::string> sets) {
        sets.push_back("hubs[0].initial_llme.secondary_mastery_specialist=3");
        return groups(run(load_yaml(kHub, sets).scenario), 1, Stage::Development);
    };
    EXPECT_EQ(development({"llme.secondary_mastery_specialist.days=10"}), 2u);
    EXPECT_EQ(development({"llme.secondary_mastery_specialist.days=12"}), 3u);
    EXPECT_EQ(development({"llme.secondary_mastery_specialist.days=12", "capacity.factor=0.5"}),
              1u);
    EXPECT_EQ(development({"llme.secondary_mastery_specialist.days=12", "capacity.factor=0.7"}),
              2u);
}

// A Work Group Lead gives half of 12 days to TfM and half to the hub's other programmes;
// two of them together have the days for one development group (2 x 6 = 12).
TEST(LlmeCommunity, OtherProgrammesTakeTheirShare) {
    const Results r =
        run(load_yaml(kHub, {"hubs[0].initial_llme.secondary_work_group_lead=2"}).scenario);
    EXPECT_EQ(groups(r, 1, Stage::Development), 1u);
    EXPECT_EQ(r.tfm_days[r.phase_cell(0, 1, 0, 0)], 12.0);
    EXPECT_EQ(r.other_days[r.phase_cell(0, 1, 0, 0)], 12.0);
    EXPECT_EQ(r.llme[r.status_cell(0, 1, 0, LlmeRole::SecondaryWorkGroupLead, LlmeStatus::Active)],
              2u);
}

// Who leads a stage: a PD Lead cannot lead development (only embedding and sustaining), so
// PD Leads' days form no development group; and a stage's days come first from the roles
// that can lead fewer stages, so the specialists' time is kept for where only they can go.
TEST(LlmeCommunity, RolesLeadTheirStagesAndTheNarrowestGoFirst) {
    const Results pd =
        run(load_yaml(kHub, {"hubs[0].initial_llme.pd_lead=6"}).scenario);  // 6 x 5 TfM days
    EXPECT_EQ(groups(pd, 1, Stage::Development), 0u);
    EXPECT_EQ(pd.tfm_days_used[pd.phase_cell(0, 1, 0, 0)], 0.0);

    // One group of each: schools complete development in 2015/16 and move on.
    const auto sc = load_yaml(kHub, {"hubs[0].initial_llme.secondary_mastery_specialist=2",
                                     "hubs[0].initial_llme.pd_lead=3",
                                     "phases.secondary.stages.development.complete=1",
                                     "phases.secondary.stages.embedding.release_days=15",
                                     "schools.generate.per_hub.secondary=6"})
                        .scenario;
    Results r;
    prepare_results(sc, 1, r);
    const Calendar cal(sc.start);
    HubProcess hub(sc, sc.params, cal, 0, 0, r);
    const auto inf = std::numeric_limits<double>::infinity();
    for (int year : {2014, 2015, 2016}) {
        hub.run_until(cal.year_start(year), sc.params);
        hub.begin_year(year, sc.params, {});
        hub.start_training({}, sc.params);
        hub.allocate(sc.params, inf);
    }
    // 2016/17: six schools in embedding; its 15 days come from the PD Leads' 15 TfM days
    // first (they lead two stages, the specialists four).
    ASSERT_EQ(hub.groups().size(), 1u);
    EXPECT_EQ(hub.groups()[0].stage, Stage::Embedding);
    EXPECT_EQ(hub.groups()[0].lead, LlmeRole::PdLead);
}

// A role without a phase takes the phase of its leaders' schools: a hub of 30 primary and 10
// secondary schools starts its four PD Leads at positions 0.5, 1.5, 2.5 and 3.5 quarters of
// its schools: three primary, one secondary.
TEST(LlmeCommunity, ARoleWithoutAPhaseSpreadsOverTheHubsSchools) {
    const auto sc = load_yaml(R"(
name: mixed
start: 2014-09-01
end: 2015-08-31
hubs:
  - {name: Alpha, initial_llme: {primary_mastery_specialist: 0, secondary_mastery_specialist: 0, pd_lead: 4}}
schools:
  generate: {per_hub: {primary: 30, secondary: 10}}
)")
                        .scenario;
    Results r;
    prepare_results(sc, 1, r);
    const Calendar cal(sc.start);
    HubProcess hub(sc, sc.params, cal, 0, 0, r);
    hub.begin_year(2014, sc.params, {});
    ASSERT_EQ(hub.leaders().size(), 4u);
    std::array<int, kPhaseCount> by_phase{};
    for (const Llme& l : hub.leaders()) {
        EXPECT_EQ(l.role, LlmeRole::PdLead);
        ++by_phase[index(l.phase)];
    }
    EXPECT_EQ(by_phase[index(Phase::Primary)], 3);
    EXPECT_EQ(by_phase[index(Phase::Secondary)], 1);
}

// A route's change reaches the cohorts trained after it: leaders keep the outreach of the
// year their training started. Two trainees a year from 2014/15 with a one-year route; from
// 2015-09-01 outreach is 0.5. The 2014/15 cohort gives 12 days each; the 2015/16 cohort 6.
TEST(LlmeCommunity, ARouteChangeReachesNewCohortsOnly) {
    const auto sc =
        load_yaml(kHub, {"llme.secondary_mastery_specialist.training_places=2",
                         "llme.secondary_mastery_specialist.applicants_other=1",
                         "llme.secondary_mastery_specialist.dropout=0",
                         "llme.secondary_mastery_specialist.training_years=1", "end=2018-08-31"})
            .scenario;
    auto with = load_yaml(std::string(kHub) +
                              "timeline:\n  - {date: 2015-09-01, set: "
                              "{llme.secondary_mastery_specialist.outreach: 0.5}}\n",
                          {"llme.secondary_mastery_specialist.training_places=2",
                           "llme.secondary_mastery_specialist.applicants_other=1",
                           "llme.secondary_mastery_specialist.dropout=0",
                           "llme.secondary_mastery_specialist.training_years=1", "end=2018-08-31"})
                    .scenario;
    const Results before = run(sc), after = run(with);
    // 2015/16: the 2014/15 cohort (2 x 12) leads in both.
    EXPECT_EQ(before.tfm_days[before.phase_cell(0, 1, 0, 0)], 24.0);
    EXPECT_EQ(after.tfm_days[after.phase_cell(0, 1, 0, 0)], 24.0);
    // 2016/17: plus the 2015/16 cohort: 2 x 12 more, or 2 x 6 on the new route.
    EXPECT_EQ(before.tfm_days[before.phase_cell(0, 2, 0, 0)], 48.0);
    EXPECT_EQ(after.tfm_days[after.phase_cell(0, 2, 0, 0)], 36.0);
}

// Trainees of a role: national places go round the hubs' applicants; each starts as a
// trainee of that role and counts in /trajectories/trainees by role.
TEST(LlmeCommunity, EachRoleRecruitsByItsOwnPlaces) {
    const Results r =
        run(load_yaml(kHub, {"llme.pd_lead.training_places=3", "llme.pd_lead.applicants_other=1",
                             "llme.pd_lead.training_years=2", "llme.pd_lead.dropout=0",
                             "llme.pd_lead.attrition=0"})
                .scenario);
    for (std::size_t t = 0; t < r.times(); ++t) {
        EXPECT_EQ(r.trainees[r.role_cell(0, t, 0, LlmeRole::PdLead)], 3u);
        EXPECT_EQ(r.trainees[r.role_cell(0, t, 0, LlmeRole::SecondaryMasterySpecialist)], 0u);
    }
    // A two-year route, no dropout, no attrition: three in training in 2014/15, six from
    // 2015/16 on, three active from 2016.
    EXPECT_EQ(r.llme[r.status_cell(0, 0, 0, LlmeRole::PdLead, LlmeStatus::InTraining)], 3u);
    EXPECT_EQ(r.llme[r.status_cell(0, 1, 0, LlmeRole::PdLead, LlmeStatus::InTraining)], 6u);
    EXPECT_EQ(r.llme[r.status_cell(0, 2, 0, LlmeRole::PdLead, LlmeStatus::Active)], 3u);
}

// A hub's head start: with demand.p = 1 a year and heterogeneity 0, a school's threshold is
// a unit exponential; after a head start of 1 year, P(it has asked) = 1 - e^-1 = 63%. Those
// schools are waiting on the hub's first day and get its first year's groups.
TEST(LlmeCommunity, AHubsFirstYearPlacesSchoolsThatWereInterestedBefore) {
    const std::string yaml = R"(
name: head
start: 2014-09-01
end: 2016-08-31
hubs:
  - {name: Alpha, initial_llme: {primary_mastery_specialist: 0, secondary_mastery_specialist: 100}}
schools:
  generate: {per_hub: {secondary: 1000}}
demand: {p: 1, q: 0, heterogeneity: 0}
phases:
  primary: {pipeline: []}
llme:
  secondary_mastery_specialist: {days: 300, training_places: 0, attrition: 0}
)";
    const Results none = run(load_yaml(yaml).scenario);
    EXPECT_EQ(none.participating[none.phase_cell(0, 0, 0, 0)], 0u) << "nobody has asked yet";
    const Results head = run(load_yaml(yaml, {"demand.head_start=1"}).scenario);
    const double placed = head.participating[head.phase_cell(0, 0, 0, 0)];
    EXPECT_NEAR(placed / 1000, 1 - std::exp(-1.0), 0.05);  // binomial sd 0.015
    // A hub opening two years after the start also brings the years it was not open.
    const Results late =
        run(load_yaml(yaml, {"hubs[0].opens=2016-09-01", "end=2017-08-31"}).scenario);
    EXPECT_NEAR(late.participating[late.phase_cell(0, 2, 0, 0)] / 1000.0, 1 - std::exp(-2.0), 0.05);
}

// Targets for a number of leaders: tiny's one secondary specialist meets "1 active by
// 2015-08-31" at the first sample, and "1 per hub" too; "2 active" never.
TEST(LlmeCommunity, TargetsForANumberOfLeaders) {
    Scenario sc = load_scenario(source_dir() + "/scenarios/tiny.yaml").scenario;
    Target one;
    one.measure = Target::Measure::ActiveLeaders;
    one.role = LlmeRole::SecondaryMasterySpecialist;
    one.value = 1;
    one.by = *parse_date("2015-08-31");
    Target per_hub = one;
    per_hub.role.reset();
    per_hub.per_hub = true;
    Target two = one;
    two.value = 2;
    sc.targets = {one, per_hub, two};
    const Results r = run(sc);
    EXPECT_EQ(r.target_day[r.target_cell(0, 0)], r.sample_days[0].value);
    EXPECT_EQ(r.target_day[r.target_cell(0, 1)], r.sample_days[0].value);
    EXPECT_EQ(r.hub_target_day[r.hub_target_cell(0, 0, 1)], r.sample_days[0].value);
    EXPECT_EQ(r.target_day[r.target_cell(0, 2)], -1);
    EXPECT_EQ(r.hub_target_day[r.hub_target_cell(0, 0, 0)], -1)
        << "a national count has no hub day";
}

// Disadvantage bands: a hub's 100 schools with disadvantage spread evenly fall 20 to a
// quintile; with equity.demand, the most disadvantaged ask sooner.
TEST(LlmeCommunity, EquityBandsAndDemand) {
    const std::string yaml = R"(
name: equity
start: 2014-09-01
end: 2016-08-31
hubs:
  - {name: Alpha, initial_llme: {primary_mastery_specialist: 0, secondary_mastery_specialist: 100}}
schools:
  generate: {per_hub: {secondary: 100}, disadvantage: 0.3, disadvantage_spread: 0.4}
demand: {p: 0.3, q: 0, heterogeneity: 0}
phases:
  primary: {pipeline: []}
llme:
  secondary_mastery_specialist: {days: 300, training_places: 0, attrition: 0}
)";
    const auto neutral = load_yaml(yaml).scenario;
    std::array<int, kBandCount> per_band{};
    for (const auto& s : neutral.schools) ++per_band[s.band];
    for (int n : per_band) EXPECT_EQ(n, 20);
    auto engaged_by_band = [](const Scenario& sc) {
        const Results r = run(sc, 20, 2);
        std::array<double, kBandCount> e{};
        for (std::size_t k = 0; k < r.replications; ++k)
            for (std::size_t b = 0; b < kBandCount; ++b)
                e[b] += r.engaged_by_band[r.band_cell(k, 1, 0, 0, b)];
        return e;
    };
    const auto flat = engaged_by_band(neutral);
    const auto tilted = engaged_by_band(load_yaml(yaml, {"equity.demand=8"}).scenario);
    EXPECT_NEAR(flat[4] / flat[0], 1.0, 0.25);
    EXPECT_GT(tilted[4], 1.5 * tilted[0]) << "exp(8 x 0.32) = 13 times the rate, q5 over q1";
}

// equity.completion shifts the log-odds of completing: at 0.5 and an effect of -20 per unit,
// the least disadvantaged quarter (0.1 to 0.2 below the mean of 0.3) completes with
// 88% to 98%, the most disadvantaged quarter with 2% to 12%; without it, both 50%.
TEST(LlmeCommunity, EquityCompletion) {
    const std::string yaml = R"(
name: completion
start: 2014-09-01
end: 2016-08-31
hubs:
  - {name: Alpha, initial_llme: {primary_mastery_specialist: 0, secondary_mastery_specialist: 100}}
schools:
  generate: {per_hub: {secondary: 400}, disadvantage: 0.3, disadvantage_spread: 0.4}
demand: {p: 100, q: 0, heterogeneity: 0}
equity: {completion: -20}
phases:
  primary: {pipeline: []}
  secondary:
    stages:
      development: {complete: 0.5, advance: 1, repeat: 1}
llme:
  secondary_mastery_specialist: {days: 300, training_places: 0, attrition: 0}
)";
    const auto sc = load_yaml(yaml).scenario;
    // Schools are in hub order, disadvantage spread from 0.1 (the first) to 0.5 (the last):
    // read them after 2015/16 through a hub process advanced by hand.
    std::uint32_t low_embedding = 0, high_embedding = 0;
    Results rr;
    prepare_results(sc, 1, rr);
    const Calendar cal(sc.start);
    HubProcess hub(sc, sc.params, cal, 0, 0, rr);
    const auto inf = std::numeric_limits<double>::infinity();
    for (int year : {2014, 2015}) {
        hub.run_until(cal.year_start(year), sc.params);
        hub.begin_year(year, sc.params, {});
        hub.start_training({}, sc.params);
        hub.allocate(sc.params, inf);
    }
    hub.run_until(cal.year_start(2016), sc.params);
    for (std::uint32_t i = 0; i < 100; ++i)  // disadvantage 0.1 to 0.2
        low_embedding += hub.schools()[i].stage == Stage::Embedding;
    for (std::uint32_t i = 300; i < 400; ++i)  // 0.4 to 0.5
        high_embedding += hub.schools()[i].stage == Stage::Embedding;
    EXPECT_GT(low_embedding, 85u);
    EXPECT_LT(high_embedding, 15u);
}
