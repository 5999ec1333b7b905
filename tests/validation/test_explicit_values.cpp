// Explicit values win: one order of precedence — defaults < base < the file < the
// replication's posterior draw < a sweep point or --set — with timeline events laid over the
// result during their windows, and able to scale or add to a drawn value.

#include <gtest/gtest.h>

#include "../support.hpp"
#include "hubsim/io/diagnostics.hpp"
#include "hubsim/io/sweep.hpp"

using namespace hubsim;
using namespace hubsim::test;

namespace {

const char* kTwoHubs = R"(
name: two
start: 2014-09-01
end: 2020-08-31
seed: 5
hubs:
  - {name: North, opens: 2014-07-01}
  - {name: South, opens: 2014-07-01}
schools:
  generate: {per_hub: {primary: 80, secondary: 20}}
demand: {p: 0.05, q: 0.5, heterogeneity: 0.3}
)";

/// A posterior over (demand.p, demand.q): two particles, each replication draws one.
ParameterDraws two_particles() {
    ParameterDraws d;
    d.keys = {find_parameter("demand.p"), find_parameter("demand.q")};
    d.particles = {{0.02, 0.3}, {0.15, 1.2}};
    d.weights = {0.5, 0.5};
    d.source = "test";
    return d;
}

/// The same draws, without demand.p: every replication picks the same particle.
ParameterDraws q_only() {
    ParameterDraws d = two_particles();
    d.keys = {find_parameter("demand.q")};
    d.particles = {{0.3}, {1.2}};
    return d;
}

Scenario drawn(const std::string& yaml, const std::vector<std::string>& sets = {}) {
    Scenario sc = load_yaml(yaml, sets).scenario;
    sc.posterior = two_particles();
    return sc;
}

std::vector<Diagnostic> errors(const std::string& yaml, const std::vector<std::string>& sets = {}) {
    try {
        load_yaml(yaml, sets);
    } catch (const InputError& e) {
        return e.diagnostics();
    }
    return {};
}

}  // namespace

TEST(ExplicitValues, SetBeatsThePosteriorDraw) {
    const Results plain = run(drawn(kTwoHubs), 6, 2);
    const Results set = run(drawn(kTwoHubs, {"demand.p=0.3"}), 6, 2);
    EXPECT_NE(set.engaged, plain.engaged) << "--set demand.p must change a posterior-drawn run";
    // The same as drawing only demand.q, with demand.p fixed at 0.3 for every replication.
    Scenario expected = load_yaml(kTwoHubs, {"demand.p=0.3"}).scenario;
    expected.posterior = q_only();
    const Results want = run(expected, 6, 2);
    EXPECT_EQ(set.stage_counts, want.stage_counts);
    EXPECT_EQ(set.particle, want.particle);
    // The file's own value stays below the draw.
    const Results in_file = run(
        drawn(std::string(kTwoHubs) + "llme: {primary_mastery_specialist: {days: 18}}\n"), 6, 2);
    EXPECT_EQ(in_file.stage_counts, plain.stage_counts);
}

TEST(ExplicitValues, TheFilesSetSectionBeatsTheDrawAndSetBeatsIt) {
    const auto with_section = std::string(kTwoHubs) + "set: {demand.p: 0.3}\n";
    EXPECT_EQ(run(drawn(with_section), 4, 2).stage_counts,
              run(drawn(kTwoHubs, {"demand.p=0.3"}), 4, 2).stage_counts);
    const Scenario both = drawn(with_section, {"demand.p=0.01"});
    EXPECT_EQ(both.params.demand.p, 0.01);
    ASSERT_EQ(both.explicit_values.size(), 1u);
    EXPECT_EQ(both.explicit_values[0].value, 0.01);
}

TEST(ExplicitValues, ASweepPointBeatsThePosteriorDraw) {
    const auto dir = temp_dir("explicit-sweep");
    write_file(dir / "base.yaml", kTwoHubs);
    write_file(dir / "posterior.csv", "weight,demand.p,demand.q\n0.5,0.02,0.3\n0.5,0.15,1.2\n");
    write_file(dir / "drawn.yaml", "base: base.yaml\nposterior: {file: posterior.csv}\n");
    write_file(dir / "sweep.yaml",
               "scenario: drawn.yaml\nreplications: 6\nparameters:\n  demand.p: {values: [0.3]}\n");
    const SweepSpec sw = load_sweep(dir / "sweep.yaml");
    const Scenario point = sw.scenario_at({0.3});
    const Results swept = run(point, 6, 2);
    const Results set = run(load_scenario(dir / "drawn.yaml", {"demand.p=0.3"}).scenario, 6, 2);
    EXPECT_EQ(swept.stage_counts, set.stage_counts);
    EXPECT_NE(swept.stage_counts,
              run(load_scenario(dir / "drawn.yaml").scenario, 6, 2).stage_counts);
}

// A timeline's scale multiplies whatever value holds: with a drawn demand.p of 0.02 or
// 0.15, "scale 2" is the same run as "set 0.04" or "set 0.30" in that replication.
TEST(ExplicitValues, ATimelineScaleComposesWithTheDrawnValue) {
    for (double p : {0.02, 0.15}) {
        SCOPED_TRACE(p);
        ParameterDraws one;
        one.keys = {find_parameter("demand.p")};
        one.particles = {{p}};
        one.weights = {1.0};
        auto with = [&](const std::string& change) {
            Scenario sc = load_yaml(std::string(kTwoHubs) +
                                    "timeline:\n  - {date: 2016-09-01, until: "
                                    "2018-08-31, " +
                                    change + "}\n")
                              .scenario;
            sc.posterior = one;
            return run(sc, 3, 2);
        };
        const Results scaled = with("scale: {demand.p: 2}");
        EXPECT_NE(scaled.stage_counts, with("scale: {demand.p: 1}").stage_counts);
        EXPECT_EQ(scaled.stage_counts,
                  with("set: {demand.p: " + format_number(2 * p) + "}").stage_counts);
        EXPECT_EQ(with("add: {demand.p: 0.01}").stage_counts,
                  with("set: {demand.p: " + format_number(p + 0.01) + "}").stage_counts);
    }
}

// Overlapping windows: what holds on a day is every event active that day, laid in date
// order; when one ends, what the others say holds (not the value from before it began).
TEST(ExplicitValues, OverlappingEventsLayInDateOrder) {
    const std::string a = std::string(kTwoHubs) + R"(timeline:
  - {date: 2015-09-01, until: 2017-08-31, set: {capacity.factor: 2}}
  - {date: 2016-09-01, set: {capacity.factor: 0.5}}
)";
    const std::string b = std::string(kTwoHubs) + R"(timeline:
  - {date: 2015-09-01, until: 2016-08-31, set: {capacity.factor: 2}}
  - {date: 2016-09-01, set: {capacity.factor: 0.5}}
)";
    // Putting back the value from before the first event (1) in 2017 would differ.
    const std::string c = std::string(kTwoHubs) + R"(timeline:
  - {date: 2015-09-01, until: 2016-08-31, set: {capacity.factor: 2}}
  - {date: 2016-09-01, until: 2017-08-31, set: {capacity.factor: 0.5}}
)";
    const Results ra = run(load_yaml(a).scenario, 3, 2);
    EXPECT_EQ(ra.work_groups, run(load_yaml(b).scenario, 3, 2).work_groups);
    EXPECT_NE(ra.work_groups, run(load_yaml(c).scenario, 3, 2).work_groups);
}

TEST(ExplicitValues, SetIntoATimelineEventReplacesItsDottedKey) {
    const std::string yaml =
        std::string(kTwoHubs) + "timeline:\n  - {date: 2016-09-01, set: {capacity.factor: 0.6}}\n";
    const auto ls = load_yaml(yaml, {"timeline[0].set.capacity.factor=0.9"});
    ASSERT_EQ(ls.scenario.timeline[0].changes.size(), 1u);
    EXPECT_EQ(ls.scenario.timeline[0].changes[0].value, 0.9);
    EXPECT_EQ(ls.resolved_yaml.find("capacity.factor: 0.6"), std::string::npos);
    const auto nested =
        load_yaml(std::string(kTwoHubs) +
                      "timeline:\n  - {date: 2016-09-01, set: {capacity: {factor: 0.6}}}\n",
                  {"timeline[0].set.capacity.factor=0.9"});
    ASSERT_EQ(nested.scenario.timeline[0].changes.size(), 1u);
    EXPECT_EQ(nested.scenario.timeline[0].changes[0].value, 0.9);
}

TEST(ExplicitValues, TimelineChangesAreChecked) {
    auto one = [](const std::string& event) {
        return errors(std::string(kTwoHubs) + "timeline:\n  - " + event + "\n");
    };
    const auto fixed = one("{date: 2016-09-01, set: {demand.heterogeneity: 1}}");
    ASSERT_EQ(fixed.size(), 1u);
    EXPECT_NE(fixed[0].message.find("fixed for the whole run"), std::string::npos);
    const auto choice = one("{date: 2016-09-01, scale: {policy.priority: 2}}");
    ASSERT_EQ(choice.size(), 1u);
    EXPECT_NE(choice[0].message.find("use set"), std::string::npos);
    const auto twice = one("{date: 2016-09-01, set: {demand.p: 0.1}, scale: {demand.p: 2}}");
    ASSERT_EQ(twice.size(), 1u);
    EXPECT_NE(twice[0].message.find("changed twice"), std::string::npos);
    const auto negative = one("{date: 2016-09-01, scale: {demand.p: -1}}");
    ASSERT_EQ(negative.size(), 1u);
    EXPECT_EQ(negative[0].path, "timeline[0].scale.demand.p");
    EXPECT_TRUE(
        one("{date: 2016-09-01, add: {llme.primary_mastery_specialist.training_places: -20}}")
            .empty());
}

TEST(ExplicitValues, AScaledValueStaysInItsRange) {
    const ParameterChange scale{find_parameter("phases.primary.stages.development.complete"),
                                ParameterChange::Op::Scale, 1.5};
    EXPECT_EQ(scale.applied_to(0.9), 1.0);
    const ParameterChange add{find_parameter("llme.primary_mastery_specialist.training_places"),
                              ParameterChange::Op::Add, -200};
    EXPECT_EQ(add.applied_to(140), 0.0);
    const ParameterChange round{find_parameter("llme.primary_mastery_specialist.training_places"),
                                ParameterChange::Op::Scale, 1.2};
    EXPECT_EQ(round.applied_to(141), 169.0);  // 169.2, a whole number of places
}
