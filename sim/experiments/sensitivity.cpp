#include "hubsim/experiments/sensitivity.hpp"

#include <cstdio>
#include <cstring>
#include <numeric>
#include <stdexcept>

#include "hubsim/engine/calendar.hpp"
#include "hubsim/engine/sensitivity.hpp"
#include "hubsim/io/digest.hpp"
#include "hubsim/model/measures.hpp"
#include "hubsim/model/parameters.hpp"
#include "hubsim/model/runner.hpp"
#include "hubsim/version.hpp"

namespace hubsim {

namespace {

/// Each output at one design point: the mean over its replications.
std::vector<double> point_outputs(const SensitivitySpec& spec, const Scenario& sc,
                                  const Results& r) {
    const Calendar cal(sc.start);
    std::vector<double> out;
    for (const StudyOutput& o : spec.outputs) {
        const auto v = measure_values(sc, r, o.query, cal.day_of(o.date));
        out.push_back(v.empty() ? 0.0
                                : std::accumulate(v.begin(), v.end(), 0.0) /
                                      static_cast<double>(v.size()));
    }
    return out;
}

}  // namespace

namespace {

/// The study on `spec`'s design; on the root, or on every rank if `everywhere`.
SensitivityResult run_design(const SensitivitySpec& spec, Evaluator& evaluator, int threads,
                             bool everywhere) {
    const std::size_t d = spec.parameters.size(), m = spec.outputs.size();
    const bool sobol = spec.method == SensitivityMethod::Sobol;
    const std::vector<std::vector<double>> unit =
        sobol ? sobol_design(spec.samples, d, spec.seed).points
              : morris_design(spec.trajectories, d, spec.levels, spec.seed).points;
    const std::string study_key = std::string("hubsim ") + kVersion + " sensitivity " +
                                  sha256_hex(spec.source_text + '\0' + spec.base.resolved_yaml) +
                                  " point ";
    EvaluationPlan plan;
    plan.size = unit.size();
    // Keyed by where the point is, so a design doubled by --precision reuses the points it
    // shares with the smaller one (a Sobol sequence's first N points are its first N).
    plan.key = [&](std::size_t i) {
        std::string k = study_key;
        for (double u : unit[i]) k += format_number(u) + " ";
        return k;
    };
    plan.evaluate = [&](std::size_t i, const std::string* previous) -> Evaluation {
        if (previous && previous->size() == m * sizeof(double)) return {*previous, true};
        const Scenario sc = spec.scenario_at(unit[i]);
        RunOptions o;
        o.replications = spec.replications;
        o.threads = threads;
        const auto v = point_outputs(spec, sc, run_scenario(sc, o));
        return {std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(double)),
                false};
    };
    std::vector<std::size_t> all(unit.size());
    std::iota(all.begin(), all.end(), std::size_t{0});
    const auto bytes = evaluator.run(plan, all, everywhere);
    SensitivityResult r;
    if (!evaluator.root() && !everywhere) return r;
    for (const auto& u : unit) {
        std::vector<double> p(d);
        for (std::size_t k = 0; k < d; ++k)
            p[k] = spec.low[k] + (spec.high[k] - spec.low[k]) * u[k];
        r.points.push_back(p);
    }
    for (const auto& b : bytes) {
        if (b.size() != m * sizeof(double)) throw std::runtime_error("a point's outputs are lost");
        const std::size_t at = r.outputs.size();
        r.outputs.resize(at + m);
        std::memcpy(r.outputs.data() + at, b.data(), b.size());
    }
    const auto output = [&](std::size_t o) {
        std::vector<double> y(unit.size());
        for (std::size_t i = 0; i < y.size(); ++i) y[i] = r.outputs[i * m + o];
        return y;
    };
    if (sobol) {
        const SobolDesign design = sobol_design(spec.samples, d, spec.seed);
        for (std::size_t o = 0; o < m; ++o) {
            const SobolIndices s = sobol_indices(design, output(o), spec.bootstrap, spec.seed);
            const auto add = [](std::vector<double>& to, const std::vector<double>& from,
                                std::size_t n) {
                if (from.empty())
                    to.insert(to.end(), n, 0.0);
                else
                    to.insert(to.end(), from.begin(), from.end());
            };
            add(r.first, s.first, d);
            add(r.total, s.total, d);
            add(r.first_low, s.first_low, d);
            add(r.first_high, s.first_high, d);
            add(r.total_low, s.total_low, d);
            add(r.total_high, s.total_high, d);
            r.variance.push_back(s.variance);
        }
    } else {
        const MorrisDesign design = morris_design(spec.trajectories, d, spec.levels, spec.seed);
        for (std::size_t o = 0; o < m; ++o) {
            const MorrisEffects e = morris_effects(design, output(o));
            for (std::size_t k = 0; k < d; ++k) {
                // Per unit of the parameter: the unit cube's effects over the range.
                const double range = spec.high[k] - spec.low[k];
                r.mu.push_back(e.mu[k] / range);
                r.mu_star.push_back(e.mu_star[k] / range);
                r.sigma.push_back(e.sigma[k] / range);
            }
        }
    }
    return r;
}

}  // namespace

SensitivityResult run_sensitivity(const SensitivitySpec& spec, Evaluator& evaluator, int threads,
                                  const SensitivityPrecision& precision) {
    SensitivitySpec s = spec;
    // With --precision every rank needs the indices, to decide alike whether to go on.
    const bool everywhere = precision.half_width > 0;
    SensitivityResult r = run_design(s, evaluator, threads, everywhere);
    const auto precise = [&] {
        for (std::size_t k = 0; k < r.total.size(); ++k)
            if ((r.total_high[k] - r.total_low[k]) / 2 > precision.half_width) return false;
        return true;
    };
    while (everywhere && s.samples < precision.max_samples && !precise()) {
        s.samples = std::min(2 * s.samples, precision.max_samples);
        if (evaluator.root())
            std::fprintf(stderr, "sensitivity: --precision: %u base samples\n", s.samples);
        r = run_design(s, evaluator, threads, everywhere);
    }
    r.samples = s.samples;
    if (!evaluator.root()) return {};
    return r;
}

}  // namespace hubsim
