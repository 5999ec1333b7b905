// A variant scenario names a base and changes only what differs.

#include <gtest/gtest.h>

#include "../support.hpp"
#include "hubsim/io/diagnostics.hpp"

using namespace hubsim;
using namespace hubsim::test;

TEST(ScenarioBase, VariantOverlaysItsBase) {
    const auto dir = temp_dir("base");
    std::filesystem::create_directories(dir / "data");
    write_file(dir / "data" / "hubs.csv",
               "name,region,opens\nAlpha,North,2014-07-01\nBeta,South,2015-09-01\n");
    write_file(dir / "base.yaml", R"(name: base
start: 2014-09-01
end: 2020-08-31
hubs: {file: data/hubs.csv}
schools: {generate: {per_hub: {primary: 10, secondary: 2}}}
demand: {p: 0.2, q: 0.3}
timeline:
  - {date: 2016-09-01, set: {capacity.factor: 0.5}}
)");
    std::filesystem::create_directories(dir / "variants");
    const auto variant = write_file(dir / "variants" / "v.yaml", R"(base: ../base.yaml
name: variant
demand: {q: 0.9}
timeline:
  - {date: 2018-09-01, set: {llme.primary_mastery_specialist.training_places: 200}}
)");
    const auto ls = load_scenario(variant);
    const Scenario& sc = ls.scenario;
    EXPECT_EQ(sc.name, "variant");
    EXPECT_EQ(sc.params.demand.p, 0.2);  // from the base
    EXPECT_EQ(sc.params.demand.q, 0.9);  // from the variant
    EXPECT_EQ(sc.hubs.size(), 2u);       // the base's hub file, found beside the base
    ASSERT_EQ(sc.timeline.size(), 2u);   // events add up
    EXPECT_EQ(sc.timeline[1].changes[0].spec->key,
              "llme.primary_mastery_specialist.training_places");

    const auto bad =
        write_file(dir / "variants" / "bad.yaml", "base: ../base.yaml\ndemand: {q: -1}\n");
    try {
        load_scenario(bad);
        FAIL();
    } catch (const InputError& e) {
        ASSERT_EQ(e.diagnostics().size(), 1u);
        EXPECT_NE(e.diagnostics()[0].file.find("bad.yaml"), std::string::npos);
        EXPECT_EQ(e.diagnostics()[0].line, 2);
    }
    const auto missing = write_file(dir / "variants" / "missing.yaml", "base: nowhere.yaml\n");
    EXPECT_THROW(load_scenario(missing), InputError);
}
