// Each stage rule on its own: six schools, one leader, one group of six, and the rule
// under test set to 0 or 1 so the outcome is certain.

#include <gtest/gtest.h>

#include <algorithm>

#include "../support.hpp"

using namespace hubsim;
using namespace hubsim::test;

namespace {

const char* kSix = R"(
name: six
start: 2014-09-01
end: 2019-08-31
hubs:
  - {name: Alpha, initial_llme: {primary_mastery_specialist: 1, secondary_mastery_specialist: 1}}
schools:
  generate: {per_hub: {secondary: 6}}
demand: {p: 100, q: 0, heterogeneity: 0, rejoin: 0}
policy: {new_share: 0.5}
phases:
  secondary:
    pipeline: [development, embedding, sustaining]
    stages:
      development: {group_size: 6, release_days: 12, complete: 1, advance: 1}
      embedding: {group_size: 6, release_days: 12, complete: 1, advance: 1}
      sustaining: {group_size: 6, release_days: 12, lapse: 0}
  primary:
    stages:
      readiness: {group_size: 8, release_days: 12, complete: 1, advance: 1}
      development: {group_size: 6, release_days: 12, complete: 1, advance: 1}
      embedding: {group_size: 6, release_days: 12, complete: 1, advance: 1}
      sustaining: {group_size: 6, release_days: 12, lapse: 0}
llme:
  primary_mastery_specialist: {days: 12, training_places: 0, attrition: 0}
  secondary_mastery_specialist: {days: 12, training_places: 0, attrition: 0}
)";

std::size_t column(const Results& r, Phase p) {
    return static_cast<std::size_t>(std::find(r.phases.begin(), r.phases.end(), p) -
                                    r.phases.begin());
}

/// Stage counts of the only hub at each sample.
std::vector<std::uint32_t> series(const Results& r, Stage s, Phase p = Phase::Secondary) {
    const std::size_t col = column(r, p);
    std::vector<std::uint32_t> v;
    for (std::size_t t = 0; t < r.times(); ++t) v.push_back(stage_count(r, 0, t, 0, col, s));
    return v;
}

Results run_six(std::vector<std::string> sets) {
    return run(load_yaml(kSix, sets).scenario);
}

using V = std::vector<std::uint32_t>;

}  // namespace

TEST(StageRules, AlwaysCompletingSchoolsClimbThePipeline) {
    const Results r = run_six({});
    EXPECT_EQ(series(r, Stage::Development), (V{0, 0, 0, 0, 0}));
    EXPECT_EQ(series(r, Stage::Embedding), (V{0, 6, 0, 0, 0}));
    EXPECT_EQ(series(r, Stage::Sustaining), (V{0, 0, 6, 6, 6}));
}

TEST(StageRules, NotCompletingAndRepeatingStaysInTheStage) {
    const Results r = run_six({"phases.secondary.stages.development.complete=0",
                               "phases.secondary.stages.development.repeat=1"});
    EXPECT_EQ(series(r, Stage::Development), (V{0, 6, 6, 6, 6}));
    EXPECT_EQ(series(r, Stage::Lapsed), (V{0, 0, 0, 0, 0}));
}

TEST(StageRules, NotCompletingWithoutRepeatingLapses) {
    const Results r = run_six({"phases.secondary.stages.development.complete=0",
                               "phases.secondary.stages.development.repeat=0"});
    EXPECT_EQ(series(r, Stage::Lapsed), (V{0, 6, 6, 6, 6}));
}

TEST(StageRules, CompletingWithoutAdvancingLapses) {
    const Results r = run_six({"phases.secondary.stages.embedding.advance=0"});
    EXPECT_EQ(series(r, Stage::Embedding), (V{0, 6, 0, 0, 0}));
    EXPECT_EQ(series(r, Stage::Lapsed), (V{0, 0, 6, 6, 6}));
}

TEST(StageRules, SustainingLapsesWithItsHazard) {
    const Results r = run_six({"phases.secondary.stages.sustaining.lapse=1"});
    EXPECT_EQ(series(r, Stage::Sustaining), (V{0, 0, 6, 0, 0}));
    EXPECT_EQ(series(r, Stage::Lapsed), (V{0, 0, 0, 6, 6}));
}

/// Schools in Work Groups of stage `s` in each academic year (secondary).
std::vector<std::uint32_t> in_groups(const Results& r, Stage s) {
    std::vector<std::uint32_t> v;
    for (std::size_t t = 0; t < r.times(); ++t)
        v.push_back(r.in_work_groups[r.stage_cell(0, t, 0, column(r, Phase::Secondary), s)]);
    return v;
}

// Seed 003: schools re-joining take part in Embedding or Sustaining. Lapse after
// development (completed, not advanced); rejoin at once: ask in 2016/17, back in 2017/18 in
// an Embedding group, on to Sustaining at its end.
TEST(StageRules, LapsedSchoolsRejoinAtEmbedding) {
    const Results r =
        run_six({"phases.secondary.stages.development.advance=0", "demand.rejoin=100"});
    EXPECT_EQ(series(r, Stage::Lapsed), (V{0, 6, 6, 0, 0}));
    EXPECT_EQ(in_groups(r, Stage::Development), (V{0, 6, 0, 0, 0}));
    EXPECT_EQ(in_groups(r, Stage::Embedding), (V{0, 0, 0, 6, 0}));
    EXPECT_EQ(in_groups(r, Stage::Sustaining), (V{0, 0, 0, 0, 6}));
}

// A school that had reached Sustaining rejoins there.
TEST(StageRules, SchoolsThatSustainedRejoinAtSustaining) {
    const Results r = run_six(
        {"phases.secondary.stages.sustaining.lapse=1", "demand.rejoin=100", "end=2020-08-31"});
    // Lapsed at the end of 2017/18, asking in 2018/19, sustaining again in 2019/20 (and,
    // with lapse = 1, lapsed again at its end).
    EXPECT_EQ(series(r, Stage::Lapsed), (V{0, 0, 0, 6, 6, 6}));
    EXPECT_EQ(in_groups(r, Stage::Sustaining), (V{0, 0, 0, 6, 0, 6}));
    EXPECT_EQ(in_groups(r, Stage::Embedding), (V{0, 0, 6, 0, 0, 0}));
}

// demand.rejoin_stage: entry keeps the old rule, where new schools start.
TEST(StageRules, RejoinAtEntryWhenAsked) {
    const Results r = run_six({"phases.secondary.stages.development.advance=0", "demand.rejoin=100",
                               "demand.rejoin_stage=entry"});
    EXPECT_EQ(in_groups(r, Stage::Development), (V{0, 6, 0, 6, 0}));
    EXPECT_EQ(series(r, Stage::Lapsed), (V{0, 6, 6, 6, 6}));
}

// Stage counts are taken after the year end's moves; in_work_groups is the year's groups:
// they add up to participating.
TEST(StageRules, InWorkGroupsAddsUpToParticipating) {
    const Results r = run_six({});
    for (std::size_t t = 0; t < r.times(); ++t) {
        std::uint32_t sum = 0;
        for (Stage s : kStages)
            sum += r.in_work_groups[r.stage_cell(0, t, 0, column(r, Phase::Secondary), s)];
        EXPECT_EQ(sum, per_phase(r.participating, r, 0, t, 0, column(r, Phase::Secondary)));
    }
    // In 2016/17 the six are in an Embedding group; the 2017 sample, after the year end,
    // counts them in Sustaining, and the 2016 one already counted them in Embedding.
    EXPECT_EQ(in_groups(r, Stage::Embedding), (V{0, 0, 6, 0, 0}));
    EXPECT_EQ(series(r, Stage::Embedding), (V{0, 6, 0, 0, 0}));
}

TEST(StageRules, PrimarySchoolsNeedingReadinessStartThere) {
    const Results r = run_six({"schools.generate.per_hub.secondary=0",
                               "schools.generate.per_hub.primary=6", "demand.readiness_share=1"});
    EXPECT_EQ(series(r, Stage::Development, Phase::Primary), (V{0, 6, 0, 0, 0}));
    EXPECT_EQ(r.work_groups[r.stage_cell(0, 1, 0, r.column(Phase::Primary), Stage::Readiness)], 1u);
}

TEST(StageRules, PrimarySchoolsNotNeedingReadinessStartAtDevelopment) {
    const Results r = run_six({"schools.generate.per_hub.secondary=0",
                               "schools.generate.per_hub.primary=6", "demand.readiness_share=0"});
    EXPECT_EQ(series(r, Stage::Embedding, Phase::Primary), (V{0, 6, 0, 0, 0}));
}

TEST(StageRules, ContinuingSchoolsWaitingTooLongLapse) {
    // No leaders from 2016: the embedding year never comes; with max_wait_years 1 the
    // schools wait 2016/17 and lapse at the end of 2017/18.
    const Results none = run(load_yaml(std::string(kSix) + R"(
timeline:
  - {date: 2016-09-01, set: {capacity.factor: 0}}
)")
                                 .scenario);
    EXPECT_EQ(series(none, Stage::Embedding), (V{0, 6, 6, 0, 0}));
    EXPECT_EQ(series(none, Stage::Lapsed), (V{0, 0, 0, 6, 6}));
}

TEST(Timeline, UntilRestoresTheValueItReplaced) {
    // Capacity off for 2015/16 only: the schools start a year late.
    const Results r = run(load_yaml(std::string(kSix) + R"(
timeline:
  - {date: 2015-09-01, until: 2016-08-31, set: {capacity.factor: 0}}
)")
                              .scenario);
    EXPECT_EQ(series(r, Stage::Embedding), (V{0, 0, 6, 0, 0}));
    EXPECT_EQ(series(r, Stage::Sustaining), (V{0, 0, 0, 6, 6}));
}

TEST(Costs, GroupsAndReleaseDaysArePricedPerYear) {
    const auto ls = load_yaml(kSix, {"cost.work_group=1000", "cost.release_day=100",
                                     "phases.secondary.stages.development.release_days=12"});
    const Results r = run(ls.scenario);
    // 2015/16: one development group: 1000 + 12 * 100.
    EXPECT_DOUBLE_EQ(r.cost[r.cost_cell(0, 1, CostItem::WorkGroups)], 1000);
    EXPECT_DOUBLE_EQ(r.cost[r.cost_cell(0, 1, CostItem::ReleaseDays)], 1200);
}

TEST(Costs, AnnualBudgetLimitsTheGroupsThatRun) {
    // A budget too small for one group: nothing runs.
    const Results r = run_six({"cost.work_group=1000", "cost.release_day=0", "budget.annual=999"});
    EXPECT_EQ(series(r, Stage::NotEngaged), (V{6, 6, 6, 6, 6}));
    const Results ok =
        run_six({"cost.work_group=1000", "cost.release_day=0", "budget.annual=1000"});
    EXPECT_EQ(series(ok, Stage::NotEngaged), (V{6, 0, 0, 0, 0}));
}
