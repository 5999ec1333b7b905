// A projection that draws each replication's parameters from a posterior runs exactly as
// if those values had been written in the scenario, whichever parameter it draws.

#include <gtest/gtest.h>

#include "../support.hpp"

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
demand: {heterogeneity: 0.1}
)";

/// A posterior of one particle: every replication draws `value` for `key`.
ParameterDraws single_particle(const char* key, double value) {
    ParameterDraws d;
    d.keys = {find_parameter(key)};
    d.particles = {{value}};
    d.weights = {1.0};
    d.source = "test";
    return d;
}

}  // namespace

// Heterogeneity shapes each school's propensity when the replication starts: the drawn
// value, not the scenario's, must be the one used.
TEST(PosteriorDraws, EveryDrawnParameterIsUsedHeterogeneityToo) {
    for (auto [key, value] : {std::pair{"demand.heterogeneity", 1.5}, {"demand.q", 0.9}}) {
        SCOPED_TRACE(key);
        Scenario drawn = load_yaml(kTwoHubs).scenario;
        drawn.posterior = single_particle(key, value);
        const Scenario written =
            load_yaml(kTwoHubs, {std::string(key) + "=" + std::to_string(value)}).scenario;
        const Results a = run(drawn, 3, 2), b = run(written, 3, 2);
        EXPECT_EQ(a.stage_counts, b.stage_counts);
        EXPECT_EQ(a.engaged, b.engaged);
        EXPECT_NE(a.stage_counts, run(load_yaml(kTwoHubs).scenario, 3, 2).stage_counts);
    }
}
