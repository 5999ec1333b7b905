#include "hubsim/engine/abc.hpp"

#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "hubsim/engine/design.hpp"
#include "hubsim/engine/random.hpp"

namespace hubsim {

namespace {

constexpr std::uint32_t kAbcPurpose = 0xABC;

std::uint64_t mix(std::uint64_t seed, std::uint64_t a, std::uint64_t b, std::uint64_t c) {
    return random_block(StreamKey{seed, static_cast<std::uint32_t>(a),
                                  static_cast<std::uint32_t>(b), c, kAbcPurpose + 1},
                        0)[0];
}

double effective_size(const std::vector<double>& w) {
    double sum2 = 0;
    for (double x : w) sum2 += x * x;
    return sum2 > 0 ? 1.0 / sum2 : 0.0;
}

}  // namespace

const char* name(AbcStop stop) {
    switch (stop) {
        case AbcStop::Generations:
            return "generations";
        case AbcStop::Converged:
            return "converged";
        case AbcStop::Acceptance:
            return "acceptance";
    }
    return "generations";
}

double weighted_quantile(std::vector<double> values, std::vector<double> weights, double q) {
    std::vector<std::size_t> order(values.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
    const double total = std::accumulate(weights.begin(), weights.end(), 0.0);
    double acc = 0;
    for (std::size_t i : order) {
        acc += weights[i];
        if (acc >= q * total) return values[i];
    }
    return values.empty() ? 0.0 : values[order.back()];
}

AbcResult abc_smc(const std::vector<double>& low, const std::vector<double>& high,
                  const AbcDistance& distance, const AbcOptions& opt, const AbcProgress& progress,
                  const AbcMap& given_map) {
    const std::size_t n = opt.particles, d = low.size();
    AbcResult res;
    const AbcMap map =
        given_map
            ? given_map
            : AbcMap([&](std::size_t, std::size_t count,
                         const std::function<AbcSlot(std::size_t)>& slot) {
                  std::vector<AbcSlot> out(count);
                  tbb::task_arena arena(opt.threads > 0 ? opt.threads
                                                        : tbb::this_task_arena::max_concurrency());
                  arena.execute([&] {
                      tbb::parallel_for(std::size_t{0}, count,
                                        [&](std::size_t i) { out[i] = slot(i); });
                  });
                  return out;
              });

    // Generation 0: the prior, spread evenly by a Sobol design (or a Latin hypercube past 16).
    const auto unit = d <= kSobolMaxDims ? sobol_points(n, d) : latin_hypercube(n, d, opt.seed);
    std::vector<std::vector<double>> theta(n, std::vector<double>(d));
    std::vector<double> dist(n), weight(n, 1.0 / static_cast<double>(n));
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t k = 0; k < d; ++k) theta[i][k] = low[k] + (high[k] - low[k]) * unit[i][k];
    {
        const auto first = map(0, n, [&](std::size_t i) {
            return AbcSlot{theta[i], distance(theta[i], mix(opt.seed, 0, i, 0)), 1, false};
        });
        for (std::size_t i = 0; i < n; ++i) dist[i] = first[i].distance;
    }
    res.generations.push_back(
        {std::numeric_limits<double>::infinity(), n, static_cast<double>(n), 1.0});
    res.simulations = n;
    if (progress) progress(0, res.generations.back());

    for (std::size_t g = 1; g < opt.generations; ++g) {
        const double eps = weighted_quantile(dist, weight, opt.quantile);
        if (g > 1 && eps > (1 - opt.min_improvement) * res.generations.back().tolerance) {
            res.stop = AbcStop::Converged;
            break;
        }
        // Kernel: Gaussian, independent per parameter, with twice the weighted variance.
        std::vector<double> sd(d);
        for (std::size_t k = 0; k < d; ++k) {
            double m = 0, v = 0;
            for (std::size_t i = 0; i < n; ++i) m += weight[i] * theta[i][k];
            for (std::size_t i = 0; i < n; ++i)
                v += weight[i] * (theta[i][k] - m) * (theta[i][k] - m);
            sd[k] = std::max(std::sqrt(2 * v), 1e-12 * (high[k] - low[k] + 1e-300));
        }
        std::vector<double> cumulative(n);
        std::partial_sum(weight.begin(), weight.end(), cumulative.begin());
        const auto slots = map(g, n, [&](std::size_t i) {
            double best = std::numeric_limits<double>::infinity();
            std::vector<double> best_theta;
            std::size_t tries = 0;
            for (std::size_t a = 0; a < opt.max_attempts; ++a) {
                RandomStream s(StreamKey{opt.seed, static_cast<std::uint32_t>(g),
                                         static_cast<std::uint32_t>(i), a, kAbcPurpose});
                const double pick = s.uniform() * cumulative.back();
                const std::size_t j = static_cast<std::size_t>(
                    std::upper_bound(cumulative.begin(), cumulative.end(), pick) -
                    cumulative.begin());
                // The kernel truncated to the prior's box, one parameter at a time (with
                // many parameters an untruncated kernel would almost never land inside).
                std::vector<double> t(d);
                for (std::size_t k = 0; k < d; ++k) {
                    const double centre = theta[std::min(j, n - 1)][k];
                    t[k] = centre;
                    for (int tries_k = 0; tries_k < 10000; ++tries_k) {
                        // One draw a statement: argument order is unspecified (g++ and
                        // clang differ).
                        const double u2 = s.uniform();
                        const double u1 = s.uniform();
                        const double x = centre + sd[k] * standard_normal(u1, u2);
                        if (x >= low[k] && x <= high[k]) {
                            t[k] = x;
                            break;
                        }
                    }
                }
                ++tries;
                const double dd = distance(t, mix(opt.seed, g, i, a));
                if (dd < best) {
                    best = dd;
                    best_theta = t;
                }
                if (dd <= eps) break;
            }
            // A slot with nothing within tolerance drops the generation, below.
            return AbcSlot{best_theta.empty() ? theta[i] : best_theta, best, tries, best > eps};
        });
        std::vector<std::vector<double>> next(n);
        std::vector<double> next_dist(n);
        std::vector<std::size_t> tries(n);
        std::vector<char> exhausted(n);
        for (std::size_t i = 0; i < n; ++i) {
            next[i] = slots[i].theta;
            next_dist[i] = slots[i].distance;
            tries[i] = slots[i].tries;
            exhausted[i] = slots[i].exhausted ? 1 : 0;
        }
        const std::size_t sims = std::accumulate(tries.begin(), tries.end(), std::size_t{0});
        res.simulations += sims;
        if (std::count(exhausted.begin(), exhausted.end(), 1) > 0) {
            res.stop = AbcStop::Acceptance;  // keep the last generation that met its tolerance
            break;
        }
        // Importance weights: uniform prior over the mixture of the last generation's
        // truncated kernels (each normalised by its mass inside the box).
        std::vector<double> log_mass(n, 0.0);
        for (std::size_t j = 0; j < n; ++j)
            for (std::size_t k = 0; k < d; ++k) {
                const double a = (low[k] - theta[j][k]) / sd[k],
                             b = (high[k] - theta[j][k]) / sd[k];
                const double mass =
                    0.5 * (std::erfc(-b / std::sqrt(2.0)) - std::erfc(-a / std::sqrt(2.0)));
                log_mass[j] += std::log(std::max(mass, 1e-300));
            }
        std::vector<double> w(n);
        for (std::size_t i = 0; i < n; ++i) {
            double mixture = 0;
            for (std::size_t j = 0; j < n; ++j) {
                double logk = -log_mass[j];
                for (std::size_t k = 0; k < d; ++k) {
                    const double z = (next[i][k] - theta[j][k]) / sd[k];
                    logk -= 0.5 * z * z;
                }
                mixture += weight[j] * std::exp(logk);
            }
            w[i] = mixture > 0 ? 1.0 / mixture : 0.0;
        }
        const double total = std::accumulate(w.begin(), w.end(), 0.0);
        for (auto& x : w) x = total > 0 ? x / total : 1.0 / static_cast<double>(n);
        theta = std::move(next);
        dist = std::move(next_dist);
        weight = std::move(w);
        res.generations.push_back(
            {eps, sims, effective_size(weight),
             sims ? static_cast<double>(n) / static_cast<double>(sims) : 0.0});
        if (progress) progress(g, res.generations.back());
    }
    res.particles = std::move(theta);
    res.weights = std::move(weight);
    res.distances = std::move(dist);
    return res;
}

}  // namespace hubsim
