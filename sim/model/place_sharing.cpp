#include "hubsim/model/place_sharing.hpp"

#include <numeric>
#include <queue>

namespace hubsim {

namespace {

/// Round robin over the entries from `start`, a place at a time, adding to `given`.
void round_robin(std::uint64_t& places, const std::vector<std::uint32_t>& applicants,
                 std::size_t start, std::vector<std::uint32_t>& given) {
    const std::size_t n = applicants.size();
    bool placed = true;
    while (places > 0 && placed) {
        placed = false;
        for (std::size_t k = 0; k < n && places > 0; ++k) {
            const std::size_t e = (start + k) % n;
            if (given[e] < applicants[e]) {
                ++given[e];
                --places;
                placed = true;
            }
        }
    }
}

/// Sainte-Lague: each place to the entry of largest weight / (2 given + 1) with applicants
/// left; ties to the entry first from `start`. Quotients are compared by cross-multiplying
/// whole numbers, so the order is exact.
void divisor_method(std::uint64_t& places, const std::vector<std::uint32_t>& applicants,
                    const std::vector<std::uint32_t>& weights, std::size_t start,
                    std::vector<std::uint32_t>& given) {
    const std::size_t n = applicants.size();
    auto turn = [&](std::size_t e) { return (e + n - start) % n; };
    auto after = [&](std::size_t a, std::size_t b) {  // a's next place comes after b's
        const std::uint64_t lhs = std::uint64_t{weights[a]} * (2 * std::uint64_t{given[b]} + 1);
        const std::uint64_t rhs = std::uint64_t{weights[b]} * (2 * std::uint64_t{given[a]} + 1);
        return lhs != rhs ? lhs < rhs : turn(a) > turn(b);
    };
    std::priority_queue<std::size_t, std::vector<std::size_t>, decltype(after)> next(after);
    for (std::size_t e = 0; e < n; ++e)
        if (weights[e] > 0 && applicants[e] > 0) next.push(e);
    while (places > 0 && !next.empty()) {
        const std::size_t e = next.top();
        next.pop();
        ++given[e];
        --places;
        if (given[e] < applicants[e]) next.push(e);  // its quotient fell: back in line
    }
}

}  // namespace

std::vector<std::uint32_t> share_places(PlaceSharing rule, std::uint64_t places,
                                        const std::vector<std::uint32_t>& applicants,
                                        const std::vector<std::uint32_t>& weights, int year,
                                        std::size_t per_hub) {
    const std::size_t n = applicants.size();
    std::vector<std::uint32_t> given(n, 0);
    if (n == 0) return given;
    const std::uint64_t wanting =
        std::accumulate(applicants.begin(), applicants.end(), std::uint64_t{0});
    if (wanting <= places) return applicants;
    const std::size_t hubs = n / per_hub;
    const std::size_t start = (static_cast<std::size_t>(year) % hubs) * per_hub;
    if (rule != PlaceSharing::RoundRobin) divisor_method(places, applicants, weights, start, given);
    round_robin(places, applicants, start, given);
    return given;
}

}  // namespace hubsim
