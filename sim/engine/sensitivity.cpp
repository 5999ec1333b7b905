#include "hubsim/engine/sensitivity.hpp"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>
#include <stdexcept>
#include <string>
#include <utility>

#include "hubsim/engine/design.hpp"
#include "hubsim/engine/random.hpp"

namespace hubsim {

namespace {

constexpr std::uint32_t kBootstrapPurpose = 0x5B07;
constexpr std::uint32_t kMorrisPurpose = 0x3041;

[[noreturn]] void fail(const char* where, const std::string& what) {
    throw std::invalid_argument(std::string(where) + ": " + what);
}

void check_outputs(const char* where, const std::vector<double>& y, std::size_t rows) {
    if (y.size() != rows)
        fail(where, "y has " + std::to_string(y.size()) + " values but the design has " +
                        std::to_string(rows) + " rows");
    for (std::size_t k = 0; k < y.size(); ++k)
        if (!std::isfinite(y[k])) fail(where, "y[" + std::to_string(k) + "] is not finite");
}

// Indices from the base rows `rows` (each in [0, n); repeats allowed). Returns V and fills
// first and total; all zero when the outputs over A and B do not vary.
double estimate(const SobolDesign& s, const std::vector<double>& y,
                const std::vector<std::size_t>& rows, std::vector<double>& first,
                std::vector<double>& total) {
    const double m = static_cast<double>(rows.size());
    double mean = 0;
    bool constant = true;
    for (std::size_t j : rows) {
        mean += y[sobol_row(s, 0, j)] + y[sobol_row(s, 1, j)];
        constant = constant && y[sobol_row(s, 0, j)] == y[sobol_row(s, 0, rows[0])] &&
                   y[sobol_row(s, 1, j)] == y[sobol_row(s, 0, rows[0])];
    }
    mean /= 2 * m;
    first.assign(s.d, 0.0);
    total.assign(s.d, 0.0);
    if (constant) return 0;
    double var = 0;
    for (std::size_t j : rows) {
        const double a = y[sobol_row(s, 0, j)] - mean, b = y[sobol_row(s, 1, j)] - mean;
        var += a * a + b * b;
    }
    var /= 2 * m;
    for (std::size_t i = 0; i < s.d; ++i) {
        double sf = 0, st = 0;
        for (std::size_t j : rows) {
            const double fa = y[sobol_row(s, 0, j)], fb = y[sobol_row(s, 1, j)] - mean;
            const double diff = y[sobol_row(s, 2 + i, j)] - fa;
            sf += fb * diff;
            st += diff * diff;
        }
        first[i] = sf / m / var;
        total[i] = st / (2 * m) / var;
    }
    return var;
}

// Quantile q of sorted values, interpolating linearly between order statistics.
double quantile_sorted(const std::vector<double>& v, double q) {
    const double h = q * static_cast<double>(v.size() - 1);
    const auto lo = static_cast<std::size_t>(std::floor(h));
    const std::size_t hi = std::min(lo + 1, v.size() - 1);
    return v[lo] + (h - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

}  // namespace

SobolDesign sobol_design(std::size_t n, std::size_t d, std::uint64_t seed) {
    if (n == 0) fail("sobol_design", "n (base sample size) must be at least 1");
    if (d == 0) fail("sobol_design", "d (number of inputs) must be at least 1");
    const auto base =
        2 * d <= kSobolMaxDims ? sobol_points(n, 2 * d) : latin_hypercube(n, 2 * d, seed);
    SobolDesign s{n, d, std::vector<std::vector<double>>(n * (d + 2))};
    for (std::size_t j = 0; j < n; ++j) {
        const std::vector<double> a(base[j].begin(),
                                    base[j].begin() + static_cast<std::ptrdiff_t>(d));
        const std::vector<double> b(base[j].begin() + static_cast<std::ptrdiff_t>(d),
                                    base[j].end());
        s.points[sobol_row(s, 0, j)] = a;
        s.points[sobol_row(s, 1, j)] = b;
        for (std::size_t i = 0; i < d; ++i) {
            auto ab = a;
            ab[i] = b[i];
            s.points[sobol_row(s, 2 + i, j)] = std::move(ab);
        }
    }
    return s;
}

SobolIndices sobol_indices(const SobolDesign& design, const std::vector<double>& y,
                           std::size_t bootstrap, std::uint64_t seed, double level) {
    const char* where = "sobol_indices";
    if (design.n == 0 || design.d == 0) fail(where, "the design has n or d equal to 0");
    const std::size_t rows = design.n * (design.d + 2);
    if (design.points.size() != rows)
        fail(where, "the design has " + std::to_string(design.points.size()) +
                        " points, not n*(d+2) = " + std::to_string(rows));
    check_outputs(where, y, rows);
    if (!(level > 0 && level < 1)) fail(where, "level must be in (0, 1)");

    SobolIndices out;
    std::vector<std::size_t> all(design.n);
    std::iota(all.begin(), all.end(), std::size_t{0});
    out.variance = estimate(design, y, all, out.first, out.total);
    if (bootstrap == 0) return out;

    // Replicate b's resample is keyed by b alone, so any thread may compute it.
    std::vector<std::vector<double>> first(bootstrap), total(bootstrap);
    tbb::parallel_for(std::size_t{0}, bootstrap, [&](std::size_t b) {
        RandomStream stream(StreamKey{seed, 0, 0, b, kBootstrapPurpose});
        std::vector<std::size_t> rows_b(design.n);
        for (auto& j : rows_b) j = stream.below(design.n);
        estimate(design, y, rows_b, first[b], total[b]);
    });
    const double lo = (1 - level) / 2, hi = (1 + level) / 2;
    std::vector<double> v(bootstrap);
    for (std::size_t i = 0; i < design.d; ++i) {
        for (std::size_t b = 0; b < bootstrap; ++b) v[b] = first[b][i];
        std::sort(v.begin(), v.end());
        out.first_low.push_back(quantile_sorted(v, lo));
        out.first_high.push_back(quantile_sorted(v, hi));
        for (std::size_t b = 0; b < bootstrap; ++b) v[b] = total[b][i];
        std::sort(v.begin(), v.end());
        out.total_low.push_back(quantile_sorted(v, lo));
        out.total_high.push_back(quantile_sorted(v, hi));
    }
    return out;
}

MorrisDesign morris_design(std::size_t r, std::size_t d, std::size_t levels, std::uint64_t seed) {
    const char* where = "morris_design";
    if (r == 0) fail(where, "r (trajectories) must be at least 1");
    if (d == 0) fail(where, "d (number of inputs) must be at least 1");
    if (levels < 2 || levels % 2 != 0)
        fail(where, "levels must be even and at least 2, not " + std::to_string(levels));
    const std::size_t half = levels / 2;  // delta in grid steps
    const auto top = static_cast<double>(levels - 1);
    MorrisDesign m{r, d, levels, {}, {}, {}};
    m.points.reserve(r * (d + 1));
    m.moved.reserve(r * d);
    m.step.reserve(r * d);
    std::vector<std::size_t> at(d), order(d);
    for (std::size_t t = 0; t < r; ++t) {
        RandomStream stream(StreamKey{seed, 0, 0, t, kMorrisPurpose});
        for (auto& k : at) k = stream.below(levels);
        std::iota(order.begin(), order.end(), std::size_t{0});
        for (std::size_t i = d; i > 1; --i) std::swap(order[i - 1], order[stream.below(i)]);
        std::vector<double> x(d);
        for (std::size_t i = 0; i < d; ++i) x[i] = static_cast<double>(at[i]) / top;
        m.points.push_back(x);
        for (std::size_t i : order) {
            at[i] = at[i] < half ? at[i] + half : at[i] - half;
            const double next = static_cast<double>(at[i]) / top;
            m.moved.push_back(i);
            m.step.push_back(next - x[i]);
            x[i] = next;
            m.points.push_back(x);
        }
    }
    return m;
}

MorrisEffects morris_effects(const MorrisDesign& design, const std::vector<double>& y) {
    const char* where = "morris_effects";
    const std::size_t r = design.r, d = design.d;
    if (r == 0 || d == 0) fail(where, "the design has r or d equal to 0");
    if (design.points.size() != r * (d + 1) || design.moved.size() != r * d ||
        design.step.size() != r * d)
        fail(where, "the design's points, moved and step do not hold r*(d+1), r*d and r*d values");
    check_outputs(where, y, r * (d + 1));

    std::vector<std::vector<double>> effects(d);
    for (std::size_t t = 0; t < r; ++t) {
        std::vector<bool> seen(d, false);
        for (std::size_t k = 0; k < d; ++k) {
            const std::size_t i = design.moved[t * d + k];
            const double step = design.step[t * d + k];
            if (i >= d || seen[i])
                fail(where, "trajectory " + std::to_string(t) + " does not move every input once");
            if (!(step != 0) || !std::isfinite(step))
                fail(where, "trajectory " + std::to_string(t) + " has a zero or non-finite step");
            seen[i] = true;
            const std::size_t row = t * (d + 1) + k;
            effects[i].push_back((y[row + 1] - y[row]) / step);
        }
    }
    MorrisEffects out;
    const double rn = static_cast<double>(r);
    for (const auto& e : effects) {
        double sum = 0, abs_sum = 0;
        for (double v : e) {
            sum += v;
            abs_sum += std::abs(v);
        }
        const double mu = sum / rn;
        double ss = 0;
        for (double v : e) ss += (v - mu) * (v - mu);
        out.mu.push_back(mu);
        out.mu_star.push_back(abs_sum / rn);
        out.sigma.push_back(r > 1 ? std::sqrt(ss / (rn - 1)) : 0.0);
    }
    return out;
}

}  // namespace hubsim
