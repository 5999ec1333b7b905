// Every shipped scenario runs, and the England baseline keeps its books: at every sample
// of every replication the stage counts add up to the hub's schools.

#include <gtest/gtest.h>

#include <algorithm>

#include "../support.hpp"

using namespace hubsim;
using namespace hubsim::test;

TEST(ShippedScenarios, EnglandConservesSchoolsAtEverySample) {
    const auto ls = load_scenario(source_dir() + "/scenarios/england.yaml");
    const Scenario& sc = ls.scenario;
    EXPECT_EQ(sc.hubs.size(), 40u);
    // The census rows (the published totals add the national rows) and the generated colleges.
    EXPECT_EQ(sc.schools.size(), 16769u + 3448u + 219u);
    const Results r = run(sc, 4, 2);
    for (std::size_t k = 0; k < r.replications; ++k)
        for (std::size_t t = 0; t < r.times(); ++t) {
            std::uint64_t all = 0;
            for (std::size_t h = 0; h < r.hubs; ++h)
                for (std::size_t c = 0; c < r.phases.size(); ++c) {
                    std::uint32_t sum = 0;
                    for (Stage s : kStages) sum += stage_count(r, k, t, h, c, s);
                    const auto expected = static_cast<std::uint32_t>(std::count_if(
                        sc.schools.begin(), sc.schools.end(), [&](const SchoolProfile& p) {
                            return p.hub == h && p.phase == r.phases[c];
                        }));
                    ASSERT_EQ(sum, expected) << "rep " << k << " sample " << t << " hub " << h;
                    all += sum;
                }
            ASSERT_EQ(all, sc.schools.size());
        }
}

TEST(ShippedScenarios, EveryScenarioRuns) {
    for (const auto& entry : std::filesystem::directory_iterator(source_dir() + "/scenarios")) {
        if (entry.path().extension() != ".yaml") continue;
        SCOPED_TRACE(entry.path().string());
        const auto ls = load_scenario(entry.path());
        const Results r = run(ls.scenario, 1, 2);
        EXPECT_GT(r.times(), 0u);
        std::uint64_t engaged = 0;
        for (auto e : r.engaged) engaged += e;
        EXPECT_GT(engaged, 0u) << "a shipped scenario where no school ever engages is a broken one";
    }
}
