#include "hubsim/experiments/marginal.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <numeric>
#include <stdexcept>

#include "hubsim/engine/calendar.hpp"
#include "hubsim/io/digest.hpp"
#include "hubsim/model/replication.hpp"
#include "hubsim/model/runner.hpp"
#include "hubsim/version.hpp"

namespace hubsim {

namespace {

constexpr double kZ90 = 1.6448536269514722;
constexpr double kZ95 = 1.959963984540054;

/// What one evaluation keeps of each replication, as doubles: per phase and date the
/// national schools ever engaged and participating school-years (from `from`), then per
/// phase, date and hub the hub's schools ever engaged, then per target whether it was met
/// by its date.
struct Layout {
    std::size_t phases, dates, hubs, targets;
    std::size_t per_replication() const { return phases * dates * (2 + hubs) + targets; }
    std::size_t national(std::size_t c, std::size_t d) const { return (c * dates + d) * 2; }
    std::size_t years(std::size_t c, std::size_t d) const { return national(c, d) + 1; }
    std::size_t hub(std::size_t c, std::size_t d, std::size_t h) const {
        return phases * dates * 2 + (c * dates + d) * hubs + h;
    }
    std::size_t target(std::size_t k) const { return phases * dates * (2 + hubs) + k; }
};

/// The last sample on or before `day` (the first if none is).
std::size_t sample_at(const Results& r, Day day) {
    std::size_t t = 0;
    for (std::size_t k = 0; k < r.sample_days.size(); ++k)
        if (r.sample_days[k] <= day) t = k;
    return t;
}

std::vector<double> measure(const Scenario& sc, const Results& r, const Layout& l,
                            const std::vector<Day>& dates, Day from) {
    const Calendar cal(sc.start);
    std::vector<double> out(r.replications * l.per_replication(), 0.0);
    for (std::size_t i = 0; i < r.replications; ++i) {
        double* row = out.data() + i * l.per_replication();
        for (std::size_t c = 0; c < l.phases; ++c)
            for (std::size_t d = 0; d < dates.size(); ++d) {
                const std::size_t t = sample_at(r, dates[d]);
                for (std::size_t h = 0; h < r.hubs; ++h) {
                    const double n = r.engaged[r.phase_cell(i, t, h, c)];
                    row[l.hub(c, d, h)] = n;
                    row[l.national(c, d)] += n;
                }
                // Participating school-years: each sample's count over the time since the
                // sample before it, counted from `from` to the date.
                for (std::size_t s = 0; s < r.times() && r.sample_days[s] <= dates[d]; ++s) {
                    const Day prev = s ? r.sample_days[s - 1] : cal.day_of(sc.start);
                    const double span = (r.sample_days[s] - std::max(prev, from)) / 365.25;
                    if (span <= 0) continue;
                    double n = 0;
                    for (std::size_t h = 0; h < r.hubs; ++h)
                        n += r.participating[r.phase_cell(i, s, h, c)];
                    row[l.years(c, d)] += n * span;
                }
            }
        for (std::size_t k = 0; k < l.targets; ++k) {
            const std::int32_t day = r.target_day[r.target_cell(i, k)];
            row[l.target(k)] = day >= 0 && Day{day} <= cal.day_of(sc.targets[k].by) ? 1.0 : 0.0;
        }
    }
    return out;
}

std::string encode(const std::vector<double>& v) {
    return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(double));
}

std::vector<double> decode(const std::string& b, std::size_t n) {
    if (b.size() != n * sizeof(double)) throw std::runtime_error("not this study's evaluation");
    std::vector<double> v(n);
    if (!b.empty()) std::memcpy(v.data(), b.data(), b.size());
    return v;
}

LlmeRole specialist_of(Phase p) {
    switch (p) {
        case Phase::Primary:
            return LlmeRole::PrimaryMasterySpecialist;
        case Phase::Secondary:
            return LlmeRole::SecondaryMasterySpecialist;
        case Phase::Post16:
            return LlmeRole::Post16MasterySpecialist;
    }
    return LlmeRole::PrimaryMasterySpecialist;
}

}  // namespace

PairedEstimate paired_estimate(const std::vector<double>& a, const std::vector<double>& b) {
    const std::size_t n = a.size();
    PairedEstimate e;
    if (n == 0) return e;
    const auto mean = [n](const std::vector<double>& x) {
        return std::accumulate(x.begin(), x.end(), 0.0) / static_cast<double>(n);
    };
    const auto var = [n](const std::vector<double>& x, double m) {
        double s = 0;
        for (double v : x) s += (v - m) * (v - m);
        return n > 1 ? s / static_cast<double>(n - 1) : 0.0;
    };
    std::vector<double> d(n);
    for (std::size_t i = 0; i < n; ++i) d[i] = a[i] - b[i];
    e.mean = mean(d);
    const double half = kZ90 * std::sqrt(var(d, e.mean) / static_cast<double>(n));
    e.low = e.mean - half;
    e.high = e.mean + half;
    e.unpaired_half_width =
        kZ90 * std::sqrt((var(a, mean(a)) + var(b, mean(b))) / static_cast<double>(n));
    return e;
}

MarginalFile run_marginal(const Scenario& sc, const MarginalRequest& req, Evaluator& evaluator,
                          bool quiet) {
    const Calendar cal(sc.start);
    Results shape;
    prepare_results(sc, 0, shape);
    MarginalFile f;
    f.seed = sc.seed;
    f.replications = sc.replications;
    f.leaders = req.leaders;
    f.from = format_date(req.from);
    f.by = format_date(req.by);
    f.rank_by = req.rank_by_participation ? "participating_years" : "engaged";
    f.start_date = format_date(sc.start);
    f.targets = TargetTable::of(sc);
    for (const auto& h : sc.hubs) f.hubs.push_back(h.name);
    for (Phase p : shape.phases) f.phases.emplace_back(name(p));
    std::vector<Date> dates;
    for (const auto& t : sc.targets) dates.push_back(t.by);
    dates.push_back(req.by);
    std::sort(dates.begin(), dates.end());
    dates.erase(std::unique(dates.begin(), dates.end()), dates.end());
    std::vector<Day> days;
    for (const Date& d : dates) {
        f.dates.push_back(format_date(d));
        days.push_back(cal.day_of(d));
    }
    const std::size_t by =
        static_cast<std::size_t>(std::find(dates.begin(), dates.end(), req.by) - dates.begin());

    // One variant per hub and role: the role asked for, or each modelled phase's specialists.
    std::vector<LlmeRole> roles;
    if (req.role)
        roles.push_back(*req.role);
    else
        for (Phase p : shape.phases) roles.push_back(specialist_of(p));
    for (std::uint16_t h = 0; h < sc.hubs.size(); ++h)
        for (LlmeRole r : roles) f.variants.push_back({h, r, *info(r).phase});
    std::vector<std::size_t> column_of(f.variants.size());  // each variant's phase column
    for (std::size_t v = 0; v < f.variants.size(); ++v)
        column_of[v] = shape.column(f.variants[v].phase);

    const std::size_t V = f.variants.size(), C = shape.phases.size(), D = dates.size(),
                      H = sc.hubs.size(), T = sc.targets.size();
    std::size_t R = sc.replications;  // more with --precision
    const Layout layout{C, D, H, T};
    // What every evaluation depends on: this hubsim, the scenario as it resolves, its seed
    // and replications, and the request.
    const std::string study_key = std::string("hubsim ") + kVersion + " marginal " +
                                  req.scenario_digest + " seed " + std::to_string(sc.seed) +
                                  " replications " + std::to_string(R) + " from " + f.from +
                                  " leaders " + std::to_string(req.leaders) + " dates " +
                                  f.dates.front() + ".." + f.dates.back();

    // The extra leaders given so far (--allocate), and the scenario with K more in variant v.
    std::vector<std::size_t> given;
    const auto scenario_with = [&](std::optional<std::size_t> v) {
        Scenario s = sc;
        for (std::size_t g : given)
            s.hubs[f.variants[g].hub].extra_llme.push_back(
                {f.variants[g].role, req.leaders, req.from});
        if (v)
            s.hubs[f.variants[*v].hub].extra_llme.push_back(
                {f.variants[*v].role, req.leaders, req.from});
        return s;
    };
    // Replications first to first + count of each scenario in `which`.
    const auto evaluate_all = [&](const std::vector<std::optional<std::size_t>>& which,
                                  std::size_t first, std::size_t count) {
        std::string given_key = " given";
        for (std::size_t g : given) given_key += " " + std::to_string(g);
        given_key += " rows " + std::to_string(first) + "+" + std::to_string(count);
        const std::size_t per = layout.per_replication() * count;
        EvaluationPlan plan;
        plan.size = which.size();
        plan.unit = "scenarios";
        plan.key = [&](std::size_t i) {
            return study_key + given_key + " variant " +
                   (which[i] ? std::to_string(*which[i]) : std::string("none"));
        };
        plan.evaluate = [&](std::size_t i, const std::string* previous) -> Evaluation {
            if (previous && previous->size() == per * sizeof(double)) return {*previous, true};
            const Scenario s = scenario_with(which[i]);
            RunOptions o;
            o.first_replication = static_cast<std::uint32_t>(first);
            o.replications = static_cast<std::uint32_t>(count);
            o.threads = req.threads;
            return {encode(measure(s, run_scenario(s, o), layout, days, cal.day_of(req.from))),
                    false};
        };
        std::vector<std::size_t> all(which.size());
        std::iota(all.begin(), all.end(), std::size_t{0});
        std::vector<std::vector<double>> out;
        for (const auto& b : evaluator.run(plan, all, true)) out.push_back(decode(b, per));
        return out;
    };
    // One variable of every replication of an evaluation.
    const auto column = [&](const std::vector<double>& e, std::size_t at) {
        std::vector<double> x(R);
        for (std::size_t i = 0; i < R; ++i) x[i] = e[i * layout.per_replication() + at];
        return x;
    };

    std::vector<std::optional<std::size_t>> first = {std::nullopt};
    for (std::size_t v = 0; v < V; ++v) first.emplace_back(v);
    if (!quiet && evaluator.root())
        std::fprintf(stderr, "marginal: %zu variants of %zu replications, and the baseline\n", V,
                     R);
    auto runs = evaluate_all(first, 0, R);
    // --precision: replications doubled (each batch extends the last: replication i is the
    // same whichever batch runs it) until every change in P(target met) of a target due
    // after the leaders arrive has a 95% interval of at most that half-width.
    const auto precise = [&] {
        for (std::size_t v = 0; v < V; ++v)
            for (std::size_t k = 0; k < T; ++k) {
                if (sc.targets[k].by < req.from) continue;
                const PairedEstimate e = paired_estimate(column(runs[v + 1], layout.target(k)),
                                                         column(runs[0], layout.target(k)));
                if ((e.high - e.low) / 2 * kZ95 / kZ90 > req.precision) return false;
            }
        return true;
    };
    while (req.precision > 0 && R < req.max_replications && !precise()) {
        const std::size_t more = std::min<std::size_t>(R, req.max_replications - R);
        if (!quiet && evaluator.root())
            std::fprintf(stderr, "marginal: --precision: %zu more replications of each\n", more);
        const auto extra = evaluate_all(first, R, more);
        for (std::size_t i = 0; i < runs.size(); ++i)
            runs[i].insert(runs[i].end(), extra[i].begin(), extra[i].end());
        R += more;
    }
    f.replications = static_cast<std::uint32_t>(R);
    const std::vector<double> base = runs[0];
    for (std::size_t k = 0; k < T; ++k) {
        const auto met = column(base, layout.target(k));
        f.baseline_target_met.push_back(std::accumulate(met.begin(), met.end(), 0.0) /
                                        static_cast<double>(std::max<std::size_t>(R, 1)));
    }
    f.engaged.resize(V * C * D);
    f.engaged_hub.resize(V * C * D);
    f.participating_years.resize(V * C * D);
    f.target_met.resize(V * T);
    f.paired_engaged.resize(V * R * C * D);
    for (std::size_t v = 0; v < V; ++v) {
        const std::vector<double>& e = runs[v + 1];
        const std::size_t h = f.variants[v].hub;
        for (std::size_t c = 0; c < C; ++c)
            for (std::size_t d = 0; d < D; ++d) {
                const std::size_t at = (v * C + c) * D + d;
                const auto with = column(e, layout.national(c, d));
                const auto without = column(base, layout.national(c, d));
                f.engaged[at] = paired_estimate(with, without);
                f.engaged_hub[at] = paired_estimate(column(e, layout.hub(c, d, h)),
                                                    column(base, layout.hub(c, d, h)));
                f.participating_years[at] = paired_estimate(column(e, layout.years(c, d)),
                                                            column(base, layout.years(c, d)));
                for (std::size_t i = 0; i < R; ++i)
                    f.paired_engaged[((v * R + i) * C + c) * D + d] =
                        static_cast<std::int32_t>(std::lround(with[i] - without[i]));
            }
        for (std::size_t k = 0; k < T; ++k)
            f.target_met[v * T + k] =
                paired_estimate(column(e, layout.target(k)), column(base, layout.target(k)));
    }
    // Ranked by what `rank_by` measures, by `by`, in the variant's own phase; ties by index.
    const auto& ranked = req.rank_by_participation ? f.participating_years : f.engaged;
    const auto value = [&](std::size_t v) { return ranked[(v * C + column_of[v]) * D + by].mean; };
    std::vector<std::size_t> order(V);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return value(a) > value(b); });
    f.rank.assign(V, 0);
    for (std::size_t k = 0; k < V; ++k) f.rank[order[k]] = static_cast<std::uint32_t>(k + 1);

    // --allocate N: K leaders at a time to the variant that adds most given those before,
    // each step's variants evaluated again on the allocation so far.
    std::vector<double> current = base;
    for (std::uint32_t placed = 0; placed + req.leaders <= req.allocate && V > 0;
         placed += req.leaders) {
        if (placed > 0) {
            if (!quiet && evaluator.root())
                std::fprintf(stderr, "marginal: allocation step %zu: %zu variants\n",
                             f.allocation_variant.size() + 1, V);
            std::vector<std::optional<std::size_t>> next;
            for (std::size_t v = 0; v < V; ++v) next.emplace_back(v);
            runs = evaluate_all(next, 0, R);
            runs.insert(runs.begin(), current);
        }
        std::size_t best = 0;
        PairedEstimate best_value;
        for (std::size_t v = 0; v < V; ++v) {
            const std::size_t at = req.rank_by_participation ? layout.years(column_of[v], by)
                                                             : layout.national(column_of[v], by);
            const PairedEstimate e = paired_estimate(column(runs[v + 1], at), column(current, at));
            if (v == 0 || e.mean > best_value.mean) {
                best = v;
                best_value = e;
            }
        }
        f.allocation_variant.push_back(static_cast<std::uint32_t>(best));
        f.allocation_value.push_back(best_value);
        given.push_back(best);
        current = runs[best + 1];
    }
    return f;
}

}  // namespace hubsim
