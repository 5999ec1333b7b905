// Scenarios small enough to work out by hand: the expected numbers in these tests were
// derived on paper from the rules in docs/model.md, not copied from a run.

#include <gtest/gtest.h>

#include "../support.hpp"

using namespace hubsim;
using namespace hubsim::test;

namespace {

// One hub, twelve secondary schools that all ask to join in 2014/15 (demand.p is so large
// that P(ask) = 1 - exp(-100)), one LLME with load 1, groups of 6 that take load 1, every
// stage always completed and advanced, nothing lapses, no training.
const char* kTwelveSchools = R"(
name: twelve
start: 2014-09-01
end: 2019-08-31
seed: 7
hubs:
  - {name: Alpha, opens: 2014-07-01, initial_llme: {secondary_mastery_specialist: 1}}
schools:
  generate: {per_hub: {secondary: 12}}
demand: {p: 100, q: 0, heterogeneity: 0}
policy: {priority: waiting_time, order: sustain_first, new_share: 0, spill: true, max_wait_years: 1}
phases:
  primary: {pipeline: []}
  secondary:
    pipeline: [development, embedding, sustaining]
    stages:
      development: {group_size: 6, release_days: 12, complete: 1, advance: 1}
      embedding: {group_size: 6, release_days: 12, complete: 1, advance: 1}
      sustaining: {group_size: 6, release_days: 12, lapse: 0}
llme:
  secondary_mastery_specialist: {days: 12, training_places: 0, attrition: 0}
)";

struct Row {
    std::uint32_t not_engaged, development, embedding, sustaining, lapsed, engaged, waiting;
};

void expect_rows(const Results& r, const std::vector<Row>& rows) {
    ASSERT_EQ(r.times(), rows.size());
    for (std::size_t t = 0; t < rows.size(); ++t) {
        SCOPED_TRACE("sample " + std::to_string(t));
        EXPECT_EQ(stage_count(r, 0, t, 0, 0, Stage::NotEngaged), rows[t].not_engaged);
        EXPECT_EQ(stage_count(r, 0, t, 0, 0, Stage::Development), rows[t].development);
        EXPECT_EQ(stage_count(r, 0, t, 0, 0, Stage::Embedding), rows[t].embedding);
        EXPECT_EQ(stage_count(r, 0, t, 0, 0, Stage::Sustaining), rows[t].sustaining);
        EXPECT_EQ(stage_count(r, 0, t, 0, 0, Stage::Lapsed), rows[t].lapsed);
        EXPECT_EQ(per_phase(r.engaged, r, 0, t, 0, 0), rows[t].engaged);
        EXPECT_EQ(per_phase(r.waiting, r, 0, t, 0, 0), rows[t].waiting);
    }
}

}  // namespace

// Sustain first: the first six go through development, embedding and sustaining; the
// one group a year is always theirs, so the other six never get in.
TEST(HandWorked, TwelveSchoolsOneLeaderSustainFirst) {
    const auto ls = load_yaml(kTwelveSchools);
    const Results r = run(ls.scenario);
    //                 not  dev emb sus lap eng wait
    expect_rows(r, {{12, 0, 0, 0, 0, 0, 12},  // 2014/15: everyone asks; groups form from 1 Sept
                    {6, 0, 6, 0, 0, 6, 6},    // 2015/16: six in development, now embedding
                    {6, 0, 0, 6, 0, 6, 6},    // 2016/17: the same six embed
                    {6, 0, 0, 6, 0, 6, 6},    // 2017/18: and sustain, for ever
                    {6, 0, 0, 6, 0, 6, 6}});
    for (std::size_t t = 1; t < r.times(); ++t) {
        std::uint32_t groups = 0;
        for (Stage s : kStages) groups += r.work_groups[r.stage_cell(0, t, 0, 0, s)];
        EXPECT_EQ(groups, 1u) << "one leader with load 1 leads exactly one group a year";
    }
}

// Expand first, and a continuing school may wait one year: the cohorts take turns.
TEST(HandWorked, TwelveSchoolsOneLeaderExpandFirst) {
    const auto ls = load_yaml(kTwelveSchools, {"policy.order=expand_first", "policy.new_share=1"});
    const Results r = run(ls.scenario);
    // 2015/16: cohort A develops -> embedding.
    // 2016/17: new first: cohort B develops -> embedding; A waits (1 year, allowed).
    // 2017/18: no new schools; A has waited longer, so A embeds -> sustaining; B waits.
    // 2018/19: B has waited longer: B embeds -> sustaining; A waits.
    //                 not  dev emb sus lap eng wait
    expect_rows(r, {{12, 0, 0, 0, 0, 0, 12},
                    {6, 0, 6, 0, 0, 6, 6},
                    {0, 0, 12, 0, 0, 12, 6},
                    {0, 0, 6, 6, 0, 12, 6},
                    {0, 0, 0, 12, 0, 12, 6}});
}

// As above, but a continuing school that gets no place lapses at once.
TEST(HandWorked, TwelveSchoolsNoWaitingLapses) {
    const auto ls = load_yaml(kTwelveSchools, {"policy.order=expand_first", "policy.new_share=1",
                                               "policy.max_wait_years=0", "demand.rejoin=0"});
    const Results r = run(ls.scenario);
    // 2016/17: B develops, A gets nothing and lapses. Then B embeds and sustains.
    //                 not  dev emb sus lap eng wait
    expect_rows(r, {{12, 0, 0, 0, 0, 0, 12},
                    {6, 0, 6, 0, 0, 6, 6},
                    {0, 0, 6, 0, 6, 12, 6},
                    {0, 0, 0, 6, 6, 12, 0},
                    {0, 0, 0, 6, 6, 12, 0}});
}

// The LLME pipeline: no leaders at first, every school applies, two training places a
// year, a year's training, nobody drops out: active leaders grow by two a year.
TEST(HandWorked, LeaderPipeline) {
    const auto ls =
        load_yaml(kTwelveSchools, {"hubs[0].initial_llme.secondary_mastery_specialist=0",
                                   "llme.secondary_mastery_specialist.training_places=2",
                                   "llme.secondary_mastery_specialist.training_years=1",
                                   "llme.secondary_mastery_specialist.dropout=0",
                                   "llme.secondary_mastery_specialist.applicants_other=1",
                                   "llme.secondary_mastery_specialist.applicants_engaged=1"});
    const Results r = run(ls.scenario);
    for (std::size_t t = 0; t < r.times(); ++t) {
        SCOPED_TRACE("sample " + std::to_string(t));
        EXPECT_EQ(llme_count(r, 0, t, 0, LlmeStatus::InTraining), 2u);
        EXPECT_EQ(llme_count(r, 0, t, 0, LlmeStatus::Active), 2 * t);
        EXPECT_EQ(llme_count(r, 0, t, 0, LlmeStatus::Left), 0u);
        EXPECT_EQ(r.trainees[r.role_cell(0, t, 0, LlmeRole::SecondaryMasterySpecialist)], 2u);
        // Every leader here was trained: all of them are Mastery Specialists.
        EXPECT_EQ(r.leaders(0, t, 0, LlmeStatus::Active, true), 2 * t);
    }
    // 2015/16: 2 leaders -> 2 development groups -> all 12 in; then they embed and sustain.
    EXPECT_EQ(per_phase(r.engaged, r, 0, 1, 0, 0), 12u);
    // Training cost: 2 trainees a year at the default price.
    EXPECT_DOUBLE_EQ(r.cost[static_cast<std::size_t>(CostItem::Training)],
                     2 * ls.scenario.params.cost.trainee);
}

// With certain attrition every active leader leaves at the year end.
TEST(HandWorked, LeaderAttrition) {
    const auto ls =
        load_yaml(kTwelveSchools, {"hubs[0].initial_llme.secondary_mastery_specialist=0",
                                   "llme.secondary_mastery_specialist.training_places=2",
                                   "llme.secondary_mastery_specialist.training_years=1",
                                   "llme.secondary_mastery_specialist.dropout=0",
                                   "llme.secondary_mastery_specialist.attrition=1",
                                   "llme.secondary_mastery_specialist.applicants_other=1",
                                   "llme.secondary_mastery_specialist.applicants_engaged=1"});
    const Results r = run(ls.scenario);
    for (std::size_t t = 0; t < r.times(); ++t) {
        EXPECT_EQ(llme_count(r, 0, t, 0, LlmeStatus::Active), 0u);
        EXPECT_EQ(llme_count(r, 0, t, 0, LlmeStatus::Left), 2 * t);
    }
}

namespace {

// Two hubs without leaders: Alpha has 30 secondary schools, Beta 10. Every school puts
// forward a trainee, so 40 applicants compete for 8 national places in 2014/15.
const char* kTwoHubsPlaces = R"(
name: places
start: 2014-09-01
end: 2015-08-31
seed: 3
hubs:
  - {name: Alpha, opens: 2014-07-01, initial_llme: {secondary_mastery_specialist: 0}}
  - {name: Beta, opens: 2014-07-01, initial_llme: {secondary_mastery_specialist: 0}}
schools: {file: schools.csv}
demand: {p: 100, q: 0, heterogeneity: 0}
phases:
  primary: {pipeline: []}
llme:
  secondary_mastery_specialist: {training_places: 8, applicants_other: 1, applicants_engaged: 1}
)";

std::vector<std::uint32_t> trainees_by_hub(const std::vector<std::string>& sets) {
    const auto dir = temp_dir("places");
    std::string csv = "urn,hub,phase,pupils,disadvantage\n";
    for (int i = 0; i < 40; ++i)
        csv += std::to_string(1000 + i) + (i < 30 ? ",Alpha" : ",Beta") + ",secondary,900,0.2\n";
    write_file(dir / "schools.csv", csv);
    const auto ls = load_scenario(write_file(dir / "places.yaml", kTwoHubsPlaces), sets);
    const Results r = run(ls.scenario);
    std::vector<std::uint32_t> n;
    for (std::size_t h = 0; h < 2; ++h)
        n.push_back(r.trainees[r.role_cell(0, 0, h, LlmeRole::SecondaryMasterySpecialist)]);
    return n;
}

}  // namespace

// Round robin from Alpha (2014 turns to the first hub): 4 and 4. By size, in proportion to
// 30:10 by the Sainte-Lague method: 6 and 2. By need, weighed by schools waiting for a first
// place on 1 September: none wait in a hub's first year unless interest built up before it
// opened (demand.head_start), so the weights are all zero and the places go round robin;
// with a year's head start every school waits, and the places follow 30:10.
TEST(HandWorked, TrainingPlacesSharedByRule) {
    using V = std::vector<std::uint32_t>;
    EXPECT_EQ(trainees_by_hub({}), (V{4, 4}));
    EXPECT_EQ(trainees_by_hub({"policy.place_sharing=round_robin"}), (V{4, 4}));
    EXPECT_EQ(trainees_by_hub({"policy.place_sharing=by_size"}), (V{6, 2}));
    EXPECT_EQ(trainees_by_hub({"policy.place_sharing=by_need"}), (V{4, 4}));
    EXPECT_EQ(trainees_by_hub({"policy.place_sharing=by_need", "demand.head_start=1"}), (V{6, 2}));
}
