#include <gtest/gtest.h>
#include <tbb/task_arena.h>

#include <cmath>
#include <functional>
#include <numbers>
#include <set>
#include <stdexcept>
#include <string>

#include "hubsim/engine/design.hpp"
#include "hubsim/engine/sensitivity.hpp"

using namespace hubsim;

namespace {

constexpr double kPi = std::numbers::pi;
constexpr double kA = 7, kB = 0.1;

// Ishigami and Homma (1990) on [-pi, pi]^3, from unit-cube coordinates; inputs past the
// third are dummies the function ignores.
double ishigami(const std::vector<double>& u) {
    const double x1 = -kPi + 2 * kPi * u[0], x2 = -kPi + 2 * kPi * u[1], x3 = -kPi + 2 * kPi * u[2];
    const double s2 = std::sin(x2);
    return std::sin(x1) + kA * s2 * s2 + kB * std::pow(x3, 4) * std::sin(x1);
}

// Its analytic Sobol indices (Sobol' and Levitan 1999; Saltelli et al. 2008, "Global
// Sensitivity Analysis: The Primer", sec. 4.9): V = a^2/8 + b pi^4/5 + b^2 pi^8/18 + 1/2,
// V1 = (1 + b pi^4/5)^2 / 2, V2 = a^2/8, V3 = 0, V13 = b^2 pi^8 (1/18 - 1/50), no other terms.
struct Analytic {
    std::vector<double> first, total;
};
Analytic ishigami_indices() {
    const double pi4 = std::pow(kPi, 4), pi8 = pi4 * pi4;
    const double v = kA * kA / 8 + kB * pi4 / 5 + kB * kB * pi8 / 18 + 0.5;
    const double v1 = 0.5 * (1 + kB * pi4 / 5) * (1 + kB * pi4 / 5);
    const double v2 = kA * kA / 8;
    const double v13 = kB * kB * pi8 * (1.0 / 18 - 1.0 / 50);
    return {{v1 / v, v2 / v, 0}, {(v1 + v13) / v, v2 / v, v13 / v}};
}

std::vector<double> evaluate(const std::vector<std::vector<double>>& points,
                             const std::function<double(const std::vector<double>&)>& f) {
    std::vector<double> y;
    y.reserve(points.size());
    for (const auto& p : points) y.push_back(f(p));
    return y;
}

// Expects `call` to throw std::invalid_argument whose message contains `words`.
void expect_invalid(const std::function<void()>& call, const std::string& words) {
    try {
        call();
        ADD_FAILURE() << "no exception; expected one about '" << words << "'";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
    }
}

}  // namespace

TEST(Sensitivity, SobolDesignHasABAndTheMixedMatrices) {
    const std::size_t n = 64, d = 3;
    const auto s = sobol_design(n, d, 1);
    ASSERT_EQ(s.points.size(), n * (d + 2));
    // Two halves of a 6-dimensional Sobol sequence.
    const auto base = sobol_points(n, 2 * d);
    for (std::size_t j = 0; j < n; ++j) {
        for (std::size_t k = 0; k < d; ++k) {
            EXPECT_EQ(s.points[sobol_row(s, 0, j)][k], base[j][k]);
            EXPECT_EQ(s.points[sobol_row(s, 1, j)][k], base[j][d + k]);
        }
        for (std::size_t i = 0; i < d; ++i)
            for (std::size_t k = 0; k < d; ++k)
                EXPECT_EQ(s.points[sobol_row(s, 2 + i, j)][k],
                          s.points[sobol_row(s, k == i ? 1 : 0, j)][k]);
    }
    for (const auto& p : s.points)
        for (double x : p) EXPECT_TRUE(x >= 0 && x < 1);
    EXPECT_EQ(sobol_design(n, d, 2).points, s.points);  // the seed is unused here
}

TEST(Sensitivity, SobolDesignBeyondSobolDimsIsALatinHypercube) {
    const std::size_t n = 50, d = kSobolMaxDims / 2 + 1;
    const auto s = sobol_design(n, d, 7);
    ASSERT_EQ(s.points.size(), n * (d + 2));
    const auto lhs = latin_hypercube(n, 2 * d, 7);
    for (std::size_t j = 0; j < n; ++j)
        for (std::size_t k = 0; k < d; ++k) {
            EXPECT_EQ(s.points[sobol_row(s, 0, j)][k], lhs[j][k]);
            EXPECT_EQ(s.points[sobol_row(s, 1, j)][k], lhs[j][d + k]);
        }
    EXPECT_EQ(sobol_design(n, d, 7).points, s.points);
    EXPECT_NE(sobol_design(n, d, 8).points, s.points);
}

TEST(Sensitivity, IshigamiSobolIndicesMatchTheAnalyticOnes) {
    const auto s = sobol_design(4096, 3, 1);
    const auto r = sobol_indices(s, evaluate(s.points, ishigami), 1000, 11);
    const auto want = ishigami_indices();
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_NEAR(r.first[i], want.first[i], 0.03) << "x" << i + 1;
        EXPECT_NEAR(r.total[i], want.total[i], 0.03) << "x" << i + 1;
        EXPECT_LE(r.first_low[i], want.first[i]) << "x" << i + 1;
        EXPECT_GE(r.first_high[i], want.first[i]) << "x" << i + 1;
        EXPECT_LE(r.total_low[i], want.total[i]) << "x" << i + 1;
        EXPECT_GE(r.total_high[i], want.total[i]) << "x" << i + 1;
        EXPECT_LE(r.first_low[i], r.first[i]);
        EXPECT_GE(r.first_high[i], r.first[i]);
    }
    const double pi4 = std::pow(kPi, 4);
    const double v = kA * kA / 8 + kB * pi4 / 5 + kB * kB * pi4 * pi4 / 18 + 0.5;
    EXPECT_NEAR(r.variance, v, 0.02 * v);
}

TEST(Sensitivity, IshigamiOnALatinHypercubeWithDummies) {
    // d = 9 is past the Sobol sequence's dimensions: random (Latin hypercube) base points,
    // so the error is Monte Carlo's, larger than on a Sobol design.
    const std::size_t d = 9;
    const auto s = sobol_design(4096, d, 3);
    const auto r = sobol_indices(s, evaluate(s.points, ishigami), 500, 5);
    const auto want = ishigami_indices();
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_NEAR(r.first[i], want.first[i], 0.05) << "x" << i + 1;
        EXPECT_NEAR(r.total[i], want.total[i], 0.05) << "x" << i + 1;
    }
    for (std::size_t i = 3; i < d; ++i) {
        EXPECT_EQ(r.first[i], 0.0);
        EXPECT_EQ(r.total[i], 0.0);
    }
}

TEST(Sensitivity, AnInputThatCannotMatterHasZeroIndices) {
    const auto s = sobol_design(2048, 4, 1);
    const auto r = sobol_indices(s, evaluate(s.points, ishigami), 200, 2);
    // f(AB_4) == f(A) exactly, so both estimators have zero numerators.
    EXPECT_NEAR(r.first[3], 0.0, 0.01);
    EXPECT_NEAR(r.total[3], 0.0, 0.01);
    EXPECT_EQ(r.total_low[3], 0.0);
    EXPECT_EQ(r.total_high[3], 0.0);
    EXPECT_GT(r.total[0], 0.4);  // the others still matter
    EXPECT_GT(r.first[1], 0.4);
}

TEST(Sensitivity, SobolIndicesDoNotMoveWhenTheOutputIsShifted) {
    // An output whose mean dwarfs its spread; the centred first-order estimator is
    // unaffected (uncentred it would be off by 1e6 * mean(f(AB_i) - f(A)) / V).
    const auto s = sobol_design(1024, 3, 1);
    const auto y = evaluate(s.points, ishigami);
    auto shifted = y;
    for (double& v : shifted) v += 1e6;
    const auto a = sobol_indices(s, y, 50, 4), b = sobol_indices(s, shifted, 50, 4);
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_NEAR(a.first[i], b.first[i], 1e-6);
        EXPECT_NEAR(a.total[i], b.total[i], 1e-6);
        EXPECT_NEAR(a.first_low[i], b.first_low[i], 1e-6);
        EXPECT_NEAR(a.total_high[i], b.total_high[i], 1e-6);
    }
}

TEST(Sensitivity, ConstantOutputGivesZerosNotNaN) {
    const auto s = sobol_design(100, 3, 1);
    const auto r = sobol_indices(s, std::vector<double>(s.points.size(), 0.1), 20, 1);
    EXPECT_EQ(r.variance, 0.0);
    for (const auto* v :
         {&r.first, &r.total, &r.first_low, &r.first_high, &r.total_low, &r.total_high}) {
        ASSERT_EQ(v->size(), 3u);
        for (double x : *v) EXPECT_EQ(x, 0.0);
    }
    const auto m = morris_design(5, 3, 4, 1);
    const auto e = morris_effects(m, std::vector<double>(m.points.size(), 2.0));
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(e.mu[i], 0.0);
        EXPECT_EQ(e.mu_star[i], 0.0);
        EXPECT_EQ(e.sigma[i], 0.0);
    }
}

TEST(Sensitivity, SameSeedSameResultsWhateverTheThreads) {
    const auto s = sobol_design(512, 3, 1);
    const auto y = evaluate(s.points, ishigami);
    const auto a = sobol_indices(s, y, 100, 9);
    SobolIndices b;
    tbb::task_arena one(1);
    one.execute([&] { b = sobol_indices(s, y, 100, 9); });
    EXPECT_EQ(a.first, b.first);
    EXPECT_EQ(a.total, b.total);
    EXPECT_EQ(a.first_low, b.first_low);
    EXPECT_EQ(a.first_high, b.first_high);
    EXPECT_EQ(a.total_low, b.total_low);
    EXPECT_EQ(a.total_high, b.total_high);
    const auto c = sobol_indices(s, y, 100, 10);  // another seed: other resamples
    EXPECT_EQ(a.first, c.first);
    EXPECT_NE(a.first_low, c.first_low);

    const auto m = morris_design(10, 4, 4, 3);
    EXPECT_EQ(morris_design(10, 4, 4, 3).points, m.points);
    EXPECT_EQ(morris_design(10, 4, 4, 3).moved, m.moved);
    EXPECT_NE(morris_design(10, 4, 4, 4).points, m.points);
}

TEST(Sensitivity, MorrisTrajectoriesMoveEachInputOnceOnTheGrid) {
    for (std::size_t levels : {2u, 4u, 6u}) {
        const std::size_t r = 200, d = 5;
        const auto m = morris_design(r, d, levels, 1);
        ASSERT_EQ(m.points.size(), r * (d + 1));
        ASSERT_EQ(m.moved.size(), r * d);
        const double top = static_cast<double>(levels - 1);
        const double delta = static_cast<double>(levels) / (2 * top);
        std::set<double> seen;  // grid values at trajectory starts
        std::set<std::size_t> first_moved;
        for (std::size_t t = 0; t < r; ++t) {
            std::set<std::size_t> moved;
            for (double x : m.points[t * (d + 1)]) seen.insert(x);
            first_moved.insert(m.moved[t * d]);
            for (std::size_t k = 0; k < d; ++k) {
                const auto& a = m.points[t * (d + 1) + k];
                const auto& b = m.points[t * (d + 1) + k + 1];
                const std::size_t i = m.moved[t * d + k];
                moved.insert(i);
                EXPECT_NEAR(std::abs(m.step[t * d + k]), delta, 1e-12);
                EXPECT_EQ(b[i] - a[i], m.step[t * d + k]);
                for (std::size_t q = 0; q < d; ++q) {
                    if (q != i) {
                        EXPECT_EQ(a[q], b[q]);
                    }
                    EXPECT_GE(b[q], 0.0);
                    EXPECT_LE(b[q], 1.0);
                    const double g = b[q] * top;  // on the grid
                    EXPECT_NEAR(g, std::round(g), 1e-12);
                }
            }
            EXPECT_EQ(moved.size(), d);
        }
        EXPECT_EQ(seen.size(), levels);    // every level appears at some start
        EXPECT_EQ(first_moved.size(), d);  // the order is random
    }
}

TEST(Sensitivity, MorrisOnALinearFunction) {
    const auto m = morris_design(20, 3, 4, 1);
    const auto e = morris_effects(
        m, evaluate(m.points, [](const auto& x) { return 3 * x[0] - 2 * x[1] + 0 * x[2]; }));
    EXPECT_NEAR(e.mu[0], 3, 1e-12);
    EXPECT_NEAR(e.mu[1], -2, 1e-12);
    EXPECT_EQ(e.mu[2], 0.0);
    EXPECT_NEAR(e.mu_star[0], 3, 1e-12);
    EXPECT_NEAR(e.mu_star[1], 2, 1e-12);
    EXPECT_EQ(e.mu_star[2], 0.0);
    for (double s : e.sigma) EXPECT_NEAR(s, 0.0, 1e-12);
}

TEST(Sensitivity, MorrisOnIshigamiRanksX3Last) {
    // With 4 levels x2 moves between -pi and pi/3 or -pi/3 and pi: every effect of x2 is
    // +-7 (3/4) / (2/3) = 7.875. x3's effects are 0 when sin x1 is 0 (x1 = +-pi) and about
    // 12.5 otherwise, x1's about 1.5 or 14: mu* about 6.2, 7.9 and 7.7 in expectation, so
    // many trajectories are needed to rank x3 last. The dummy x4 never has an effect.
    const auto m = morris_design(1000, 4, 4, 1);
    const auto e = morris_effects(m, evaluate(m.points, ishigami));
    EXPECT_NEAR(e.mu_star[1], 7.875, 1e-9);
    EXPECT_LT(e.mu_star[2], e.mu_star[0]);
    EXPECT_LT(e.mu_star[2], e.mu_star[1]);
    EXPECT_EQ(e.mu_star[3], 0.0);
    EXPECT_EQ(e.sigma[3], 0.0);
    EXPECT_GT(e.sigma[2], 1.0);  // x3 acts only through x1
}

TEST(Sensitivity, BadArgumentsThrow) {
    expect_invalid([] { sobol_design(0, 3, 1); }, "n (base sample size)");
    expect_invalid([] { sobol_design(10, 0, 1); }, "d (number of inputs)");
    const auto s = sobol_design(10, 2, 1);
    expect_invalid([&] { sobol_indices(s, std::vector<double>(39), 10, 1); },
                   "y has 39 values but the design has 40 rows");
    auto y = std::vector<double>(40, 1.0);
    y[7] = std::nan("");
    expect_invalid([&] { sobol_indices(s, y, 10, 1); }, "y[7] is not finite");
    expect_invalid([&] { sobol_indices(s, std::vector<double>(40), 10, 1, 1.0); }, "level");
    auto broken = s;
    broken.points.pop_back();
    expect_invalid([&] { sobol_indices(broken, std::vector<double>(40), 10, 1); }, "not n*(d+2)");

    expect_invalid([] { morris_design(0, 3, 4, 1); }, "r (trajectories)");
    expect_invalid([] { morris_design(5, 0, 4, 1); }, "d (number of inputs)");
    expect_invalid([] { morris_design(5, 3, 1, 1); }, "levels must be even and at least 2, not 1");
    expect_invalid([] { morris_design(5, 3, 5, 1); }, "levels must be even and at least 2, not 5");
    const auto m = morris_design(5, 3, 4, 1);
    expect_invalid([&] { morris_effects(m, std::vector<double>(19)); },
                   "y has 19 values but the design has 20 rows");
    auto twice = m;
    twice.moved[1] = twice.moved[0];
    expect_invalid([&] { morris_effects(twice, std::vector<double>(20)); },
                   "does not move every input once");
}
