#include "hubsim/model/precision.hpp"

#include <algorithm>
#include <cmath>

#include "hubsim/engine/calendar.hpp"

namespace hubsim {

namespace {

constexpr double kZ95 = 1.959963984540054;

/// The last sample on or before `day` (the first sample if none is).
std::size_t sample_at(const Results& r, Day day) {
    std::size_t t = 0;
    for (std::size_t k = 0; k < r.sample_days.size(); ++k)
        if (r.sample_days[k] <= day) t = k;
    return t;
}

/// The national share of `phase`'s schools ever engaged, per replication, at sample `t`.
std::vector<double> engaged_share(const Scenario& sc, const Results& r, Phase phase,
                                  std::size_t t) {
    const std::size_t col = r.column(phase);
    const double schools = static_cast<double>(
        std::count_if(sc.schools.begin(), sc.schools.end(),
                      [&](const SchoolProfile& s) { return s.phase == phase; }));
    std::vector<double> share(r.replications, 0.0);
    if (col >= r.phases.size() || schools == 0) return share;
    for (std::size_t i = 0; i < r.replications; ++i) {
        double n = 0;
        for (std::size_t h = 0; h < r.hubs; ++h) n += r.engaged[r.phase_cell(i, t, h, col)];
        share[i] = n / schools;
    }
    return share;
}

}  // namespace

std::pair<double, double> wilson(std::size_t successes, std::size_t n, double z) {
    if (n == 0) return {0.0, 1.0};
    const double N = static_cast<double>(n), p = static_cast<double>(successes) / N;
    const double z2 = z * z;
    const double centre = (p + z2 / (2 * N)) / (1 + z2 / N);
    const double half = z / (1 + z2 / N) * std::sqrt(p * (1 - p) / N + z2 / (4 * N * N));
    return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

std::vector<HeadlineFigure> headline_figures(const Scenario& sc, const Results& r) {
    const Calendar cal(sc.start);
    const std::size_t R = r.replications;
    std::vector<HeadlineFigure> out;
    for (std::size_t k = 0; k < sc.targets.size(); ++k) {
        const Target& tg = sc.targets[k];
        const Day by = cal.day_of(tg.by);
        std::size_t met = 0;
        for (std::size_t i = 0; i < R; ++i) {
            const std::int32_t d = r.target_day[r.target_cell(i, k)];
            if (d >= 0 && Day{d} <= by) ++met;
        }
        const auto [lo, hi] = wilson(met, R);
        out.push_back({"P(met by its date): " + tg.label(),
                       R ? static_cast<double>(met) / static_cast<double>(R) : 0.0, (hi - lo) / 2});
        if (tg.measure != Target::Measure::EngagedShare) continue;
        const std::vector<double> share = engaged_share(sc, r, tg.phase, sample_at(r, by));
        double mean = 0, var = 0;
        for (double x : share) mean += x;
        mean /= std::max<double>(1, static_cast<double>(R));
        for (double x : share) var += (x - mean) * (x - mean);
        var /= std::max<double>(1, static_cast<double>(R) - 1);
        out.push_back(
            {"national " + std::string(name(tg.phase)) + " engaged share on " + format_date(tg.by),
             mean, R > 1 ? kZ95 * std::sqrt(var / static_cast<double>(R)) : 1.0});
    }
    return out;
}

PrecisionRun run_to_precision(const Scenario& sc, RunOptions options, double half_width,
                              std::uint32_t max_replications,
                              const std::function<void(const PrecisionRun&)>& on_batch) {
    PrecisionRun run;
    options.first_replication = 0;
    options.replications = std::clamp<std::uint32_t>(options.replications, 1, max_replications);
    for (;;) {
        Results batch = run_scenario(sc, options);
        if (run.results.replications == 0)
            run.results = std::move(batch);
        else
            run.results.append(batch);
        run.figures = headline_figures(sc, run.results);
        run.met = std::all_of(run.figures.begin(), run.figures.end(),
                              [&](const HeadlineFigure& f) { return f.half_width <= half_width; });
        if (on_batch) on_batch(run);
        const auto done = static_cast<std::uint32_t>(run.results.replications);
        if (run.met || done >= max_replications) return run;
        options.first_replication = done;
        options.replications = std::min(done, max_replications - done);  // doubles the count
    }
}

}  // namespace hubsim
