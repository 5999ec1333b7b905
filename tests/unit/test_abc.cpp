// ABC-SMC on a problem with a known posterior: the mean of n normal draws with known sd.

#include <gtest/gtest.h>

#include <cmath>

#include "hubsim/engine/abc.hpp"
#include "hubsim/engine/random.hpp"

using namespace hubsim;

TEST(Abc, RecoversTheMeanOfANormalSample) {
    // Observed: the mean of 50 draws from N(2, 1) is (close to) 2. The summary distance is
    // |simulated mean - observed mean|; the posterior sd is about 1/sqrt(50) = 0.14.
    const double observed = 2.0;
    auto distance = [&](const std::vector<double>& t, std::uint64_t seed) {
        RandomStream s(StreamKey{seed, 0, 0, 0, 1});
        double sum = 0;
        for (int i = 0; i < 50; ++i) sum += t[0] + standard_normal(s.uniform(), s.uniform());
        return std::fabs(sum / 50 - observed);
    };
    AbcOptions o;
    o.particles = 300;
    o.generations = 6;
    o.seed = 3;
    const AbcResult r = abc_smc({-10}, {10}, distance, o);
    double mean = 0, var = 0;
    for (std::size_t i = 0; i < r.weights.size(); ++i) mean += r.weights[i] * r.particles[i][0];
    for (std::size_t i = 0; i < r.weights.size(); ++i)
        var += r.weights[i] * std::pow(r.particles[i][0] - mean, 2);
    EXPECT_NEAR(mean, 2.0, 0.15);
    EXPECT_LT(std::sqrt(var), 0.4);  // from a prior of sd 5.8
    EXPECT_GT(std::sqrt(var), 0.05);
    // Tolerances shrink generation by generation.
    for (std::size_t g = 2; g < r.generations.size(); ++g)
        EXPECT_LE(r.generations[g].tolerance, r.generations[g - 1].tolerance);
}

TEST(Abc, DeterministicForAnyThreadCount) {
    auto distance = [](const std::vector<double>& t, std::uint64_t seed) {
        RandomStream s(StreamKey{seed, 0, 0, 0, 1});
        return std::fabs(t[0] + t[1] + s.uniform() - 1.0);
    };
    AbcOptions o;
    o.particles = 64;
    o.generations = 3;
    o.threads = 1;
    const AbcResult one = abc_smc({0, 0}, {1, 1}, distance, o);
    o.threads = 2;
    const AbcResult two = abc_smc({0, 0}, {1, 1}, distance, o);
    EXPECT_EQ(one.particles, two.particles);
    EXPECT_EQ(one.weights, two.weights);
}

TEST(Abc, KeepsNoParticleThatFailedItsTolerance) {
    // A noisy distance whose floor is 0.2: tolerances cannot fall below it, so some
    // generation runs out of attempts or stops converging; either way every kept particle
    // is within the last kept generation's tolerance.
    auto distance = [](const std::vector<double>& t, std::uint64_t seed) {
        RandomStream s(StreamKey{seed, 0, 0, 0, 1});
        return 0.2 + std::fabs(t[0] - 0.5) + 0.05 * s.uniform();
    };
    AbcOptions o;
    o.particles = 100;
    o.generations = 30;
    o.max_attempts = 20;
    o.seed = 9;
    const AbcResult r = abc_smc({0}, {1}, distance, o);
    EXPECT_NE(r.stop, AbcStop::Generations) << "the floor must stop it early";
    const double eps = r.generations.back().tolerance;
    for (double d : r.distances) EXPECT_LE(d, eps);
    for (const auto& g : r.generations) {
        EXPECT_GT(g.ess, 1.0);
        EXPECT_LE(g.ess, 100.0 + 1e-9);
        EXPECT_GT(g.acceptance, 0.0);
        EXPECT_LE(g.acceptance, 1.0);
    }
    double total = 0;
    for (const auto& g : r.generations) total += static_cast<double>(g.simulations);
    EXPECT_GE(static_cast<double>(r.simulations), total) << "a dropped generation's count too";
}
