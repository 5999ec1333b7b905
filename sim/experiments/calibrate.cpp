#include "hubsim/experiments/calibrate.hpp"

#include <chrono>
#include <cstdio>
#include <cstring>
#include <numeric>
#include <stdexcept>

#include "hubsim/io/digest.hpp"
#include "hubsim/model/runner.hpp"
#include "hubsim/version.hpp"

namespace hubsim {

namespace {

/// A slot as bytes: its particle, distance, simulations and whether it was exhausted.
std::string encode_slot(const AbcSlot& s) {
    std::vector<double> v = s.theta;
    v.push_back(s.distance);
    v.push_back(static_cast<double>(s.tries));
    v.push_back(s.exhausted ? 1.0 : 0.0);
    return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(double));
}

AbcSlot decode_slot(const std::string& bytes, std::size_t parameters) {
    if (bytes.size() != (parameters + 3) * sizeof(double))
        throw std::runtime_error("not a slot of this calibration");
    std::vector<double> v(parameters + 3);
    std::memcpy(v.data(), bytes.data(), bytes.size());
    return {std::vector<double>(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(parameters)),
            v[parameters], static_cast<std::size_t>(v[parameters + 1]), v[parameters + 2] != 0};
}

}  // namespace

AbcResult fit_calibration(const CalibrationSpec& spec, Evaluator& evaluator, bool quiet) {
    const AbcDistance distance = [&](const std::vector<double>& theta, std::uint64_t seed) {
        const Scenario sc = spec.scenario_at(theta, seed);
        RunOptions o;
        o.replications = spec.replications;
        o.threads = 1;  // the particles are the parallel work
        return spec.distance(sc, run_scenario(sc, o));
    };
    // What every slot depends on: this hubsim, the calibration, its observations and its
    // scenario (whose resolved text carries the digests of its data files).
    const std::string fit_key = std::string("hubsim ") + kVersion + " calibration " +
                                sha256_hex(spec.source_text + '\0' + spec.observations_text + '\0' +
                                           spec.base.resolved_yaml);
    const std::size_t d = spec.parameters.size();
    std::size_t reused = 0;
    const AbcMap map = [&](std::size_t g, std::size_t n,
                           const std::function<AbcSlot(std::size_t)>& slot) {
        EvaluationPlan plan;
        plan.size = n;
        plan.key = [&](std::size_t i) {
            return fit_key + " generation " + std::to_string(g) + " slot " + std::to_string(i);
        };
        plan.evaluate = [&](std::size_t i, const std::string* previous) -> Evaluation {
            if (previous) {
                try {
                    decode_slot(*previous, d);
                    return {*previous, true};
                } catch (const std::runtime_error&) {
                    // Not a slot of this fit: evaluated again.
                }
            }
            return {encode_slot(slot(i)), false};
        };
        std::vector<std::size_t> all(n);
        std::iota(all.begin(), all.end(), std::size_t{0});
        // Every rank needs every slot: each computes the next generation from them.
        std::size_t r = 0;
        const auto bytes = evaluator.run(plan, all, true, &r);
        reused += r;
        std::vector<AbcSlot> slots;
        slots.reserve(n);
        for (const auto& b : bytes) slots.push_back(decode_slot(b, d));
        return slots;
    };

    const auto t0 = std::chrono::steady_clock::now();
    auto last = t0;
    const AbcProgress progress = [&](std::size_t g, const AbcGeneration& gen) {
        const auto now = std::chrono::steady_clock::now();
        const double took = std::chrono::duration<double>(now - last).count();
        const double elapsed = std::chrono::duration<double>(now - t0).count();
        last = now;
        // A generation costs more than the last as the tolerance tightens: the estimate of
        // what is left is the last one's time for each generation still allowed (the fit
        // may also stop sooner, when the tolerance stops falling).
        const double left = took * static_cast<double>(spec.abc.generations - g - 1);
        if (!quiet && evaluator.root())
            std::fprintf(stderr,
                         "calibrate: generation %zu of at most %zu: tolerance %.4g, %zu "
                         "simulations, acceptance %.3f, ESS %.0f; %.0f s so far, up to about "
                         "%.0f s left\n",
                         g + 1, spec.abc.generations, gen.tolerance, gen.simulations,
                         gen.acceptance, gen.ess, elapsed, left);
    };
    const AbcResult res = abc_smc(spec.low, spec.high, distance, spec.abc, progress, map);
    if (!quiet && evaluator.root())
        std::fprintf(stderr,
                     "calibrate: stopped (%s) after %zu generations, %zu simulations (%zu "
                     "particle slots reused from the journal)\n",
                     name(res.stop), res.generations.size(), res.simulations, reused);
    return res;
}

}  // namespace hubsim
