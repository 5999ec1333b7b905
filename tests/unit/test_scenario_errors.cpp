// One test per kind of scenario error: each checks the message names the file, the line
// and column, and the key path, and says what was expected and what was found.

#include <gtest/gtest.h>

#include "../support.hpp"
#include "hubsim/io/diagnostics.hpp"

using namespace hubsim;
using namespace hubsim::test;

namespace {

const char* kGood = R"(name: good
start: 2014-09-01
end: 2016-08-31
hubs:
  - {name: Alpha}
  - {name: Beta}
schools:
  generate: {per_hub: {primary: 2, secondary: 1}}
)";

/// Every diagnostic the scenario produces (empty if it loads).
std::vector<Diagnostic> errors(const std::string& yaml, const std::vector<std::string>& sets = {}) {
    try {
        load_yaml(yaml, sets);
    } catch (const InputError& e) {
        return e.diagnostics();
    }
    return {};
}

std::string all(const std::vector<Diagnostic>& d) {
    std::string s;
    for (const auto& x : d) s += x.str() + "\n";
    return s;
}

}  // namespace

TEST(ScenarioErrors, AGoodScenarioLoads) {
    EXPECT_TRUE(errors(kGood).empty());
    const auto ls = load_yaml(kGood);
    EXPECT_EQ(ls.scenario.schools.size(), 6u);
    EXPECT_NE(ls.resolved_yaml.find("demand:"), std::string::npos);
}

TEST(ScenarioErrors, YamlSyntaxNamesLineAndColumn) {
    const auto d = errors(std::string(kGood) + "demand: {p: 0.1\n");
    ASSERT_EQ(d.size(), 1u);
    EXPECT_GE(d[0].line, 9);
    EXPECT_NE(d[0].message.find("not valid YAML"), std::string::npos);
}

TEST(ScenarioErrors, UnknownKeySuggestsTheNearest) {
    const auto d = errors(std::string(kGood) + "demnad: {p: 0.1}\n");
    ASSERT_EQ(d.size(), 1u) << all(d);
    EXPECT_EQ(d[0].line, 9);
    EXPECT_EQ(d[0].column, 1);
    EXPECT_NE(d[0].message.find("unknown key 'demnad'"), std::string::npos);
    EXPECT_NE(d[0].message.find("did you mean 'demand'"), std::string::npos);
    const auto nested = errors(std::string(kGood) + "demand: {peer: 0.1}\n");
    ASSERT_EQ(nested.size(), 1u);
    EXPECT_EQ(nested[0].path, "demand.peer");
    EXPECT_NE(nested[0].message.find("did you mean 'p'"), std::string::npos)
        << "docs/scenario.md promises this suggestion: " << nested[0].message;
}

TEST(ScenarioErrors, ProbabilityOutOfRange) {
    const auto d = errors(std::string(kGood) + "policy:\n  new_share: 1.5\n");
    ASSERT_EQ(d.size(), 1u);
    EXPECT_EQ(d[0].line, 10);
    EXPECT_EQ(d[0].column, 14);
    EXPECT_EQ(d[0].path, "policy.new_share");
    EXPECT_NE(d[0].message.find("expected a probability in [0, 1], found '1.5'"),
              std::string::npos);
}

TEST(ScenarioErrors, WrongTypeAndBadChoice) {
    const auto d = errors(std::string(kGood) +
                          "llme:\n  primary_mastery_specialist:\n    training_places: "
                          "lots\npolicy: {priority: lotery}\n");
    ASSERT_EQ(d.size(), 2u) << all(d);
    EXPECT_EQ(d[0].path, "llme.primary_mastery_specialist.training_places");
    EXPECT_NE(d[0].message.find("whole number"), std::string::npos);
    EXPECT_EQ(d[1].path, "policy.priority");
    EXPECT_NE(d[1].message.find("did you mean 'lottery'"), std::string::npos);
}

TEST(ScenarioErrors, CountsMustBeWhole) {
    const auto d = errors(kGood, {"llme.primary_mastery_specialist.training_places=2.5"});
    ASSERT_EQ(d.size(), 1u);
    EXPECT_EQ(d[0].file, "command line");
    EXPECT_NE(d[0].message.find("(from --set)"), std::string::npos);
}

TEST(ScenarioErrors, InvalidDates) {
    const auto d = errors(std::string(kGood) +
                          "timeline:\n  - {date: 2019-02-30, set: {capacity.factor: 0.5}}\n");
    ASSERT_EQ(d.size(), 1u) << all(d);
    EXPECT_EQ(d[0].path, "timeline[0].date");
    EXPECT_EQ(d[0].line, 10);
    const auto order = errors(kGood, {"end=2013-01-01"});
    ASSERT_EQ(order.size(), 1u);
    EXPECT_NE(order[0].message.find("after start"), std::string::npos);
}

TEST(ScenarioErrors, UnknownStageInAPipeline) {
    const auto d =
        errors(std::string(kGood) + "phases:\n  primary:\n    pipeline: [readiness, develpment]\n");
    ASSERT_EQ(d.size(), 1u) << all(d);
    EXPECT_EQ(d[0].path, "phases.primary.pipeline[1]");
    EXPECT_NE(d[0].message.find("did you mean 'development'"), std::string::npos);
}

TEST(ScenarioErrors, TimelineSetsOnlyKnownParameters) {
    const auto d = errors(std::string(kGood) +
                          "timeline:\n  - {date: 2015-01-01, set: {capacity.factr: 0.5}}\n");
    ASSERT_EQ(d.size(), 1u) << all(d);
    EXPECT_NE(d[0].message.find("did you mean 'capacity.factor'"), std::string::npos);
}

TEST(ScenarioErrors, MissingRequiredKeys) {
    const auto d = errors("name: x\n");
    // start, end, hubs and schools are all missing, reported together.
    EXPECT_EQ(d.size(), 4u) << all(d);
}

TEST(ScenarioErrors, BadSchoolsCsvNamesTheFileAndLine) {
    const auto dir = temp_dir("csv");
    write_file(
        dir / "schools.csv",
        "urn,hub,phase,pupils,disadvantage\n1,Alpha,primary,200,0.2\n2,Gamma,primary,200,0.2\n"
        "3,Beta,nursery,200,0.2\n4,Beta,primary,200,1.7\n");
    const auto path =
        write_file(dir / "s.yaml",
                   "start: 2014-09-01\nend: 2016-08-31\nhubs: [{name: Alpha}, {name: Beta}]\n"
                   "schools: {file: schools.csv}\n");
    try {
        load_scenario(path);
        FAIL() << "expected an InputError";
    } catch (const InputError& e) {
        const auto& d = e.diagnostics();
        ASSERT_EQ(d.size(), 3u) << all(d);
        EXPECT_NE(d[0].file.find("schools.csv"), std::string::npos);
        EXPECT_EQ(d[0].line, 3);
        EXPECT_EQ(d[0].path, "hub");
        EXPECT_EQ(d[1].line, 4);
        EXPECT_EQ(d[1].path, "phase");
        EXPECT_EQ(d[2].line, 5);
        EXPECT_EQ(d[2].path, "disadvantage");
    }
}

TEST(ScenarioErrors, DuplicateAndUnknownHubs) {
    const auto d = errors(std::string(kGood) + "  - {name: Alpha}\n");
    EXPECT_FALSE(d.empty());
    const auto o = errors(
        "start: 2014-09-01\nend: 2016-08-31\nhubs: {count: 2, overrides: {Hub 009: "
        "{capacity_factor: 2}}}\n"
        "schools: {generate: {per_hub: {primary: 1}}}\n");
    ASSERT_EQ(o.size(), 1u) << all(o);
    EXPECT_NE(o[0].message.find("did you mean 'Hub 001'"), std::string::npos);
}

TEST(ScenarioErrors, AllErrorsAreReportedAtOnce) {
    const auto d = errors(std::string(kGood) + "demnad: 1\npolicy: {new_share: 2}\nseed: -1\n");
    EXPECT_EQ(d.size(), 3u) << all(d);
}

TEST(ScenarioErrors, SetOverridesAreChecked) {
    EXPECT_TRUE(errors(kGood, {"demand.p=0.2", "policy.order=expand_first"}).empty());
    const auto d = errors(kGood, {"demand.bogus=1"});
    ASSERT_EQ(d.size(), 1u);
    EXPECT_EQ(d[0].file, "command line");
    EXPECT_EQ(errors(kGood, {"nonsense"}).size(), 1u);
    EXPECT_EQ(load_yaml(kGood, {"demand.p=0.25"}).scenario.params.demand.p, 0.25);
}

TEST(ScenarioErrors, EveryShippedScenarioValidates) {
    for (const auto& entry : std::filesystem::directory_iterator(source_dir() + "/scenarios")) {
        if (entry.path().extension() != ".yaml") continue;
        SCOPED_TRACE(entry.path().string());
        EXPECT_NO_THROW(load_scenario(entry.path()));
    }
}
