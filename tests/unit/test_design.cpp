#include <gtest/gtest.h>

#include <set>

#include "hubsim/engine/design.hpp"

using namespace hubsim;

TEST(Design, SobolFirstPointsAreTheKnownOnes) {
    const auto p = sobol_points(4, 2);
    EXPECT_EQ(p[0], (std::vector<double>{0.5, 0.5}));
    EXPECT_EQ(p[1], (std::vector<double>{0.75, 0.25}));
    EXPECT_EQ(p[2], (std::vector<double>{0.25, 0.75}));
    EXPECT_EQ(p[3], (std::vector<double>{0.375, 0.375}));
}

TEST(Design, SobolIsStratifiedInEveryDimension) {
    // With the origin, the first 2^k points hold one point in each of 2^k equal bins of
    // every dimension; skipping the origin, 2^k - 1 points leave exactly bin 0 empty.
    const std::size_t n = 255;
    const auto p = sobol_points(n, kSobolMaxDims);
    for (std::size_t d = 0; d < kSobolMaxDims; ++d) {
        std::set<std::size_t> bins;
        for (const auto& x : p) bins.insert(static_cast<std::size_t>(x[d] * 256));
        EXPECT_EQ(bins.size(), n) << "dimension " << d;
        EXPECT_EQ(bins.count(0), 0u);
    }
}

TEST(Design, LatinHypercubeHasOnePointPerStratum) {
    const auto p = latin_hypercube(50, 3, 9);
    for (std::size_t d = 0; d < 3; ++d) {
        std::set<std::size_t> bins;
        for (const auto& x : p) bins.insert(static_cast<std::size_t>(x[d] * 50));
        EXPECT_EQ(bins.size(), 50u);
    }
    EXPECT_EQ(latin_hypercube(50, 3, 9), p);
    EXPECT_NE(latin_hypercube(50, 3, 10), p);
}
