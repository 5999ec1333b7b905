// The published measures a calibration compares with, on runs whose numbers are known: a
// stage's groups, a role's leaders and applicants, the hub with fewest.

#include <gtest/gtest.h>

#include "../support.hpp"
#include "hubsim/model/measures.hpp"

using namespace hubsim;
using namespace hubsim::test;

namespace {

// Two hubs: North with 3 secondary specialists and 2 PD Leads, South with 1 specialist;
// 12 secondary schools each, all asking in 2014/15; groups of 6 taking 12 days; specialists
// give 12 days; every stage completed.
const char* kTwo = R"(
name: two
start: 2014-09-01
end: 2017-08-31
seed: 2
hubs:
  - {name: North, region: N, initial_llme: {primary_mastery_specialist: 0, secondary_mastery_specialist: 3, pd_lead: 2}}
  - {name: South, region: S, initial_llme: {primary_mastery_specialist: 0, secondary_mastery_specialist: 1}}
schools:
  generate: {per_hub: {secondary: 12}}
demand: {p: 100, q: 0, heterogeneity: 0}
phases:
  primary: {pipeline: []}
  secondary:
    stages:
      development: {group_size: 6, release_days: 12, complete: 1, advance: 1}
      embedding: {group_size: 6, release_days: 12, complete: 1, advance: 1}
llme:
  secondary_mastery_specialist: {days: 12, training_places: 4, applicants_other: 1, training_years: 5, attrition: 0}
  pd_lead: {days: 12, attrition: 0}
)";

double value(const Scenario& sc, const Results& r, MeasureQuery q, const char* date) {
    const auto v = measure_values(sc, r, q, Calendar(sc.start).day_of(*parse_date(date)));
    return v.at(0);
}

}  // namespace

TEST(Measures, StagesRolesApplicantsAndTheFewestHub) {
    const Scenario sc = load_yaml(kTwo).scenario;
    const Results r = run(sc);
    MeasureQuery q;
    // 2015/16: North's twelve schools fill two development groups (its specialists have the
    // days for three); South's one specialist leads one group of six.
    q.measure = Measure::Participating;
    q.stage = Stage::Development;
    EXPECT_EQ(value(sc, r, q, "2016-08-31"), 18);
    q.stage = Stage::Embedding;  // 2016/17: the 18 embed; South's other six still wait
    EXPECT_EQ(value(sc, r, q, "2017-08-31"), 18);
    q.stage = Stage::Development;
    EXPECT_EQ(value(sc, r, q, "2017-08-31"), 0);
    q.stage.reset();
    EXPECT_EQ(value(sc, r, q, "2017-08-31"), 18);
    // Leaders: every role, one role, the hub with fewest.
    q = MeasureQuery{};
    q.measure = Measure::LlmeActive;
    EXPECT_EQ(value(sc, r, q, "2016-08-31"), 6);
    q.role = LlmeRole::PdLead;
    EXPECT_EQ(value(sc, r, q, "2016-08-31"), 2);
    q.role.reset();
    q.scope.kind = Scope::Kind::FewestHub;
    EXPECT_EQ(value(sc, r, q, "2016-08-31"), 1);
    q.scope = {Scope::Kind::Region, "N"};
    EXPECT_EQ(value(sc, r, q, "2016-08-31"), 5);
    // Applicants: every school puts a teacher forward each year, 24 in all; 4 places.
    q = MeasureQuery{};
    q.measure = Measure::Applicants;
    q.role = LlmeRole::SecondaryMasterySpecialist;
    EXPECT_EQ(value(sc, r, q, "2015-08-31"), 24);
    q.measure = Measure::TraineesStarting;
    q.role.reset();
    EXPECT_EQ(value(sc, r, q, "2015-08-31"), 4);
    EXPECT_EQ(q.measure_text(), "trainees_starting");
    q.measure = Measure::Participating;
    q.stage = Stage::Development;
    EXPECT_EQ(q.measure_text(), "participating:development");
}
