#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "hubsim/engine/random.hpp"

using namespace hubsim;

TEST(Random, DrawsArePinned) {
    // Pinned by value: a change here changes every result hubsim produces (see CHANGELOG).
    // The same values under g++ and clang (tools/build_clang.sh).
    const std::array<std::uint64_t, 4> block = {0x35ca5161f80c5e67ULL, 0x83b0fb734bad52cfULL,
                                                0x95364dc7472ebbbfULL, 0x3ec3675d39ac00dcULL};
    EXPECT_EQ(random_block(StreamKey{1, 2, 3, 4, 5}, 6), block);
    const auto u = uniforms(StreamKey{20140901, 0, 7, 123, 3}, 2016);
    EXPECT_EQ(u[0], 0.74024643679387869);
    EXPECT_EQ(u[1], 0.23833179772695845);
    EXPECT_EQ(u[2], 0.60421454129202057);
    EXPECT_EQ(u[3], 0.93519242767321464);
    EXPECT_EQ(standard_normal(u[0], u[1]), 0.12027024033757404);
    RandomStream s(StreamKey{5, 0, 0, 0, 0});
    // One draw a statement: the order of a call's arguments is unspecified.
    const auto small = binomial(s, 500, 0.03);     // by inversion
    const auto large = binomial(s, 100000, 0.02);  // by the normal approximation
    const auto half = binomial(s, 20, 0.5);
    EXPECT_EQ(small, 22u);
    EXPECT_EQ(large, 1967u);
    EXPECT_EQ(half, 8u);
    EXPECT_EQ(to_unit(0), 0.0);
    EXPECT_LT(to_unit(~0ULL), 1.0);
}

TEST(Random, EveryKeyFieldSeparatesStreams) {
    const StreamKey base{1, 2, 3, 4, 5};
    const auto b = random_block(base, 0)[0];
    for (int field = 0; field < 5; ++field) {
        StreamKey k = base;
        if (field == 0) k.seed++;
        if (field == 1) k.replication++;
        if (field == 2) k.group++;
        if (field == 3) k.entity++;
        if (field == 4) k.purpose++;
        EXPECT_NE(random_block(k, 0)[0], b) << "field " << field;
    }
    EXPECT_NE(random_block(base, 1)[0], b);
}

TEST(Random, UniformsLookUniform) {
    // Chi-squared over 20 bins of 200,000 draws: 99.9% critical value for 19 dof is 43.8.
    RandomStream s(StreamKey{99, 0, 0, 0, 0});
    std::vector<int> bins(20, 0);
    const int n = 200000;
    for (int i = 0; i < n; ++i) ++bins[static_cast<std::size_t>(s.uniform() * 20)];
    double chi2 = 0;
    for (int b : bins) chi2 += (b - n / 20.0) * (b - n / 20.0) / (n / 20.0);
    EXPECT_LT(chi2, 43.8);
}

TEST(Random, BinomialHasTheRightMean) {
    RandomStream s(StreamKey{5, 0, 0, 0, 0});
    for (auto [n, p] : {std::pair{500ull, 0.03}, {20ull, 0.5}, {100000ull, 0.02}}) {
        double sum = 0;
        const int draws = 20000;
        for (int i = 0; i < draws; ++i) sum += static_cast<double>(binomial(s, n, p));
        const double nd = static_cast<double>(n), mean = nd * p,
                     se = std::sqrt(nd * p * (1 - p) / draws);
        EXPECT_NEAR(sum / draws, mean, 5 * se) << n << " " << p;
    }
    EXPECT_EQ(binomial(s, 10, 0.0), 0u);
    EXPECT_EQ(binomial(s, 10, 1.0), 10u);
}
