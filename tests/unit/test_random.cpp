#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "hubsim/engine/random.hpp"

using namespace hubsim;

TEST(Random, DrawsArePinned) {
    // Pinned values: a change here changes every result hubsim produces (see CHANGELOG).
    const auto b = random_block(StreamKey{1, 2, 3, 4, 5}, 6);
    const auto again = random_block(StreamKey{1, 2, 3, 4, 5}, 6);
    EXPECT_EQ(b, again);
    const auto other = random_block(StreamKey{1, 2, 3, 4, 6}, 6);
    EXPECT_NE(b[0], other[0]);
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
