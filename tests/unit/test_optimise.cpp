// The penalty that carries a policy search's constraints into NSGA-II (box-bounded only),
// and candidates as scenarios (tests/python/test_optimise.py runs the search itself).

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "hubsim/experiments/optimise.hpp"
#include "hubsim/io/diagnostics.hpp"

using namespace hubsim;

namespace {

/// Two objectives (minimise cost, maximise P) and two constraints (P >= 0.8, cost <= 100).
OptimisationPlan two_constraints() {
    OptimisationPlan p;
    PlanQuantity cost, met;
    cost.kind = PlanQuantity::Kind::Cost;
    met.kind = PlanQuantity::Kind::TargetsMet;
    p.objectives = {{cost, false}, {met, true}};
    p.constraints = {{met, true, 0.8, ""}, {cost, false, 100, ""}};
    return p;
}

std::vector<Estimate> at(double cost, double p) {
    return {{cost, cost, cost, 10}, {p, p, p, 10}, {p, p, p, 10}, {cost, cost, cost, 10}};
}

}  // namespace

TEST(Optimise, FeasibleCandidatesKeepTheirObjectivesMinimised) {
    const auto plan = two_constraints();
    EXPECT_EQ(penalised_objectives(plan, at(40, 0.9)), (std::vector<double>{40, -0.9}));
    EXPECT_EQ(penalised_objectives(plan, at(100, 0.8)), (std::vector<double>{100, -0.8}));
}

TEST(Optimise, EveryInfeasibleCandidateRanksBehindEveryFeasibleOne) {
    const auto plan = two_constraints();
    const auto feasible = penalised_objectives(plan, at(100, 0.8));  // the worst feasible
    const auto near = penalised_objectives(plan, at(1, 0.79));       // misses P by 0.01
    const auto far = penalised_objectives(plan, at(1, 0.5));         // misses P by 0.3
    const auto both = penalised_objectives(plan, at(150, 0.5));      // and cost by half
    for (std::size_t o = 0; o < 2; ++o) {
        EXPECT_LT(feasible[o], near[o]);
        EXPECT_LT(near[o], far[o]);
        EXPECT_LT(far[o], both[o]);
    }
    // The shortfall is relative to the bound (cost) or absolute (a probability's bound <= 1).
    EXPECT_NEAR(near[0] / 1e15 - 1, 0.01, 1e-12);
    EXPECT_NEAR(both[0] / 1e15 - 1, 0.3 + 0.5, 1e-12);
    EXPECT_EQ(near[0], near[1]);  // the same in every objective: no trade-off among them
}

TEST(Optimise, ScenarioTextLoadsAsAFileWould) {
    const auto dir = std::filesystem::temp_directory_path() /
                     ("hubsim_optimise_text_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const std::string text =
        "name: t\nstart: 2014-09-01\nend: 2016-08-31\nhubs: [{name: A}]\n"
        "schools: {generate: {per_hub: {primary: 4}}}\n";
    const auto path = dir / "t.yaml";
    std::ofstream(path) << text;
    const LoadedScenario from_file = load_scenario(path);
    const LoadedScenario from_text = load_scenario_text(text, path);
    EXPECT_EQ(from_file.resolved_yaml, from_text.resolved_yaml);
    // Errors name the file it stands for, with line and column.
    try {
        load_scenario_text(text + "demand: {p: -1}\n", dir / "candidate.yaml");
        FAIL() << "a bad value was accepted";
    } catch (const InputError& e) {
        ASSERT_FALSE(e.diagnostics().empty());
        EXPECT_EQ(e.diagnostics().front().file, (dir / "candidate.yaml").string());
        EXPECT_EQ(e.diagnostics().front().line, 6);
    }
    std::filesystem::remove_all(dir);
}
