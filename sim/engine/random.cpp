#include "hubsim/engine/random.hpp"

#include <algorithm>
#include <cmath>

namespace hubsim {

std::uint64_t binomial(RandomStream& stream, std::uint64_t n, double p) {
    if (n == 0 || p <= 0) return 0;
    if (p >= 1) return n;
    const double nd = static_cast<double>(n);
    const double mean = nd * p;
    if (mean > 500) {
        // Drawn one statement each: the order of a call's arguments is unspecified (g++
        // and clang differ), so written as `f(uniform(), uniform())` results would too.
        const double u2 = stream.uniform();
        const double u1 = stream.uniform();
        const double x = mean + std::sqrt(mean * (1 - p)) * standard_normal(u1, u2);
        return static_cast<std::uint64_t>(std::clamp(std::round(x), 0.0, nd));
    }
    // Walk the cumulative distribution from k = 0; the pmf ratio keeps it cheap.
    const double u = stream.uniform();
    const double ratio = p / (1 - p);
    double pmf = std::exp(nd * std::log1p(-p));
    double cdf = pmf;
    std::uint64_t k = 0;
    while (u >= cdf && k < n) {
        pmf *= ratio * static_cast<double>(n - k) / static_cast<double>(k + 1);
        ++k;
        cdf += pmf;
        if (pmf < 1e-300 && static_cast<double>(k) > mean) break;
    }
    return k;
}

}  // namespace hubsim
