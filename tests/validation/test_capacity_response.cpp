// Capacity follows leader time: a group's days may be split between leaders, so a change in
// capacity changes the number of groups in proportion, with no cliff where a leader's share
// falls below one group. On England, the 2020/21 lockdown factor is varied with everything
// before it equal (common random numbers).

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "../support.hpp"

using namespace hubsim;
using namespace hubsim::test;

namespace {

/// The timeline event of england.yaml that sets 2020/21's capacity.factor (its index in the
/// file's own list, as --set addresses it).
std::size_t lockdown_event(const std::string& path) {
    const auto ls = load_scenario(path);
    const std::string text = ls.source_text;
    // Events in file order: count `- date:` entries before the one with capacity.factor.
    const auto at = text.find("capacity.factor");
    std::size_t n = 0;
    for (std::size_t p = text.find("  - date:"); p != std::string::npos && p < at;
         p = text.find("  - date:", p + 1))
        ++n;
    return n - 1;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

}  // namespace

TEST(CapacityResponse, DevelopmentGroupsFollowTheLockdownFactorWithoutAJump) {
    const std::string england = source_dir() + "/scenarios/england.yaml";
    const std::size_t event = lockdown_event(england);
    const std::vector<double> factors = {0.5, 0.6, 0.7, 0.8, 0.9, 1.0};
    std::vector<double> groups;
    std::vector<std::uint32_t> before;  // every year's groups before 2020/21, for one factor
    for (double f : factors) {
        const auto ls = load_scenario(england, {"timeline[" + std::to_string(event) +
                                                "].set.capacity.factor=" + format_number(f)});
        const auto lockdown = std::find_if(
            ls.scenario.timeline.begin(), ls.scenario.timeline.end(), [](const TimelineEvent& e) {
                return !e.changes.empty() && e.changes[0].spec->key == "capacity.factor";
            });
        ASSERT_NE(lockdown, ls.scenario.timeline.end());
        ASSERT_EQ(lockdown->changes[0].value, f) << "--set reached the lockdown event";
        const Results r = run(ls.scenario, 10, 2);
        const Calendar cal(ls.scenario.start);
        const auto t = static_cast<std::size_t>(
            std::find(r.sample_days.begin(), r.sample_days.end(),
                      cal.day_of(Date{std::chrono::year{2021}, std::chrono::August,
                                      std::chrono::day{31}})) -
            r.sample_days.begin());
        ASSERT_LT(t, r.times());
        std::vector<double> national;
        std::vector<std::uint32_t> history;
        for (std::size_t k = 0; k < r.replications; ++k) {
            double g = 0;
            for (std::size_t h = 0; h < r.hubs; ++h)
                for (std::size_t c = 0; c < r.phases.size(); ++c) {
                    g += r.work_groups[r.stage_cell(k, t, h, c, Stage::Development)];
                    for (std::size_t y = 0; y < t; ++y)
                        history.push_back(
                            r.work_groups[r.stage_cell(k, y, h, c, Stage::Development)]);
                }
            national.push_back(g);
        }
        if (before.empty()) before = history;
        EXPECT_EQ(history, before) << "the years before 2020/21 must not depend on its factor";
        groups.push_back(median(national));
    }
    std::vector<double> steps;
    for (std::size_t i = 1; i < groups.size(); ++i) steps.push_back(groups[i] - groups[i - 1]);
    const double mean_step =
        std::accumulate(steps.begin(), steps.end(), 0.0) / static_cast<double>(steps.size());
    std::string table;
    for (std::size_t i = 0; i < factors.size(); ++i)
        table += " " + format_number(factors[i]) + ":" + format_number(groups[i]);
    SCOPED_TRACE("median national Development groups in 2020/21 by factor:" + table);
    EXPECT_GT(groups[1], 0) << "the online year 2020/21 (factor 0.6) runs Development groups";
    EXPECT_GT(mean_step, 0);
    for (double s : steps) {
        EXPECT_GE(s, 0) << "more capacity never gives fewer groups";
        EXPECT_LE(s, 2 * mean_step) << "no jump larger than twice the mean step";
    }
    std::printf("capacity.factor response (median national Development groups, 2020/21):%s\n",
                table.c_str());
}

// The secondary route's 2025/26 change (two development years, work with other schools no
// longer required) reaches the cohorts trained from then on: England's secondary TfM
// leader days fall in the years after it, against the same run without the change.
TEST(CapacityResponse, TheSecondaryRouteChangeLowersCapacityAfter2025) {
    const std::string england = source_dir() + "/scenarios/england.yaml";
    const auto with = load_scenario(england);
    Scenario without = with.scenario;
    std::erase_if(without.timeline, [](const TimelineEvent& e) {
        return !e.changes.empty() &&
               e.changes[0].spec->key == "llme.secondary_mastery_specialist.outreach";
    });
    ASSERT_EQ(without.timeline.size() + 1, with.scenario.timeline.size());
    const Results a = run(with.scenario, 4, 2), b = run(without, 4, 2);
    const Calendar cal(with.scenario.start);
    const std::size_t col = a.column(Phase::Secondary);
    auto days = [&](const Results& r, int year) {
        const auto t = static_cast<std::size_t>(
            std::find(r.sample_days.begin(), r.sample_days.end(), cal.year_end(year)) -
            r.sample_days.begin());
        double d = 0;
        for (std::size_t k = 0; k < r.replications; ++k)
            for (std::size_t h = 0; h < r.hubs; ++h) d += r.tfm_days[r.phase_cell(k, t, h, col)];
        return d / static_cast<double>(r.replications);
    };
    // The first new cohort trains 2025/26 and 2026/27 and would lead from 2027/28.
    EXPECT_DOUBLE_EQ(days(a, 2026), days(b, 2026));
    EXPECT_LT(days(a, 2027), days(b, 2027));
    EXPECT_LT(days(a, 2029), 0.85 * days(b, 2029)) << "a visible fall, growing as cohorts come";
    std::printf(
        "secondary TfM leader days with / without the 2025/26 route change: 2027/28 "
        "%.0f / %.0f, 2029/30 %.0f / %.0f\n",
        days(a, 2027), days(b, 2027), days(a, 2029), days(b, 2029));
}
