#include "figures.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "hubsim/engine/calendar.hpp"
#include "hubsim/model/precision.hpp"

namespace hubsim::studio {

namespace {

using nlohmann::json;
constexpr double kNever = std::numeric_limits<double>::infinity();
constexpr double kQuantiles[] = {0.05, 0.25, 0.5, 0.75, 0.95};
constexpr const char* kQuantileNames[] = {"p5", "p25", "p50", "p75", "p95"};

/// The q-quantile of `v` by linear interpolation between order statistics (numpy's
/// default, as tools/report.py uses).
double quantile(std::vector<double> v, double q) {
    if (v.empty()) return std::nan("");
    std::sort(v.begin(), v.end());
    const double pos = q * static_cast<double>(v.size() - 1);
    const auto lo = static_cast<std::size_t>(std::floor(pos));
    const std::size_t hi = std::min(lo + 1, v.size() - 1);
    if (std::isinf(v[lo]) || std::isinf(v[hi]))
        return v[pos - static_cast<double>(lo) < 0.5 ? lo : hi];
    return v[lo] + (pos - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

/// A day as a date, or null for never.
json day_json(const Calendar& cal, double day) {
    if (!std::isfinite(day)) return nullptr;
    return format_date(cal.date_of(Day{static_cast<std::int32_t>(std::lround(day))}));
}

/// Quantiles of a series over replications: `values[rep][t]`.
json bands(const std::vector<std::vector<double>>& values, bool all = true) {
    json out = json::object();
    if (values.empty()) return out;
    const std::size_t T = values.front().size();
    for (std::size_t q = 0; q < std::size(kQuantiles); ++q) {
        if (!all && (q == 1 || q == 3)) continue;
        json row = json::array();
        for (std::size_t t = 0; t < T; ++t) {
            std::vector<double> x;
            for (const auto& r : values) x.push_back(r[t]);
            row.push_back(quantile(x, kQuantiles[q]));
        }
        out[kQuantileNames[q]] = row;
    }
    return out;
}

/// Schools of each phase column in each hub.
std::vector<std::vector<double>> hub_schools(const Scenario& sc, const Results& r) {
    std::vector<std::vector<double>> n(r.hubs, std::vector<double>(r.phases.size(), 0));
    for (const auto& s : sc.schools) {
        const std::size_t col = r.column(s.phase);
        if (col < r.phases.size()) ++n[s.hub][col];
    }
    return n;
}

/// The national engaged share of phase column `col`: [rep][t].
std::vector<std::vector<double>> national_share(const Scenario& sc, const Results& r,
                                                std::size_t col) {
    const auto n = hub_schools(sc, r);
    double total = 0;
    for (std::size_t h = 0; h < r.hubs; ++h) total += n[h][col];
    std::vector<std::vector<double>> v(r.replications, std::vector<double>(r.times(), 0));
    for (std::size_t i = 0; i < r.replications; ++i)
        for (std::size_t t = 0; t < r.times(); ++t) {
            double e = 0;
            for (std::size_t h = 0; h < r.hubs; ++h) e += r.engaged[r.phase_cell(i, t, h, col)];
            v[i][t] = total > 0 ? e / total : 0;
        }
    return v;
}

/// A national sum over hubs of `series` at `cell(rep, t, hub)`: [rep][t].
template <class Cell>
std::vector<std::vector<double>> national(const Results& r, const std::vector<std::uint32_t>& s,
                                          Cell cell) {
    std::vector<std::vector<double>> v(r.replications, std::vector<double>(r.times(), 0));
    for (std::size_t i = 0; i < r.replications; ++i)
        for (std::size_t t = 0; t < r.times(); ++t)
            for (std::size_t h = 0; h < r.hubs; ++h) v[i][t] += s[cell(i, t, h)];
    return v;
}

std::vector<double> total_cost(const Results& r) {
    std::vector<double> c(r.replications, 0);
    const std::size_t per = r.years.size() * kCostItemCount;
    for (std::size_t i = 0; i < r.replications; ++i)
        for (std::size_t k = 0; k < per; ++k) c[i] += r.cost[i * per + k];
    return c;
}

json targets_json(const Scenario& sc, const Results& r, const Calendar& cal) {
    json out = json::array();
    const std::size_t R = r.replications;
    for (std::size_t k = 0; k < sc.targets.size(); ++k) {
        const Target& tg = sc.targets[k];
        const Day by = cal.day_of(tg.by);
        std::size_t met = 0;
        std::vector<double> days;
        for (std::size_t i = 0; i < R; ++i) {
            const std::int32_t d = r.target_day[r.target_cell(i, k)];
            if (d >= 0 && Day{d} <= by) ++met;
            days.push_back(d >= 0 ? d : kNever);
        }
        const auto [lo, hi] = wilson(met, R);
        out.push_back({{"label", tg.label()},
                       {"measure", tg.measure_name()},
                       {"phase", tg.measure == Target::Measure::EngagedShare
                                     ? json(std::string(name(tg.phase)))
                                     : json(nullptr)},
                       {"value", tg.value},
                       {"by", format_date(tg.by)},
                       {"met", met},
                       {"p_met", R ? static_cast<double>(met) / static_cast<double>(R) : 0.0},
                       {"low", lo},
                       {"high", hi},
                       {"median_date", day_json(cal, quantile(days, 0.5))},
                       {"p5_date", day_json(cal, quantile(days, 0.05))},
                       {"p95_date", day_json(cal, quantile(days, 0.95))}});
    }
    return out;
}

/// Per phase, per hub: the first sample at which the hub's engaged share reaches
/// `threshold`, over replications.
json hubs_json(const Scenario& sc, const Results& r, const Calendar& cal, double threshold) {
    const auto n = hub_schools(sc, r);
    json out = {{"threshold", threshold}, {"names", json::array()}};
    for (const auto& h : sc.hubs) out["names"].push_back(h.name);
    for (std::size_t col = 0; col < r.phases.size(); ++col) {
        json rows = json::array();
        for (std::size_t h = 0; h < r.hubs; ++h) {
            std::vector<double> days;
            std::size_t reached = 0;
            for (std::size_t i = 0; i < r.replications; ++i) {
                double day = kNever;
                for (std::size_t t = 0; t < r.times() && n[h][col] > 0; ++t)
                    if (r.engaged[r.phase_cell(i, t, h, col)] >= threshold * n[h][col]) {
                        day = r.sample_days[t].value;
                        break;
                    }
                if (std::isfinite(day)) ++reached;
                days.push_back(day);
            }
            rows.push_back({{"hub", sc.hubs[h].name},
                            {"schools", n[h][col]},
                            {"p_reached", r.replications ? static_cast<double>(reached) /
                                                               static_cast<double>(r.replications)
                                                         : 0.0},
                            {"p50_date", day_json(cal, quantile(days, 0.5))},
                            {"p5_date", day_json(cal, quantile(days, 0.05))},
                            {"p95_date", day_json(cal, quantile(days, 0.95))}});
        }
        out[std::string(name(r.phases[col]))] = rows;
    }
    return out;
}

/// The share of each disadvantage band's schools ever engaged at the last sample.
json equity_json(const Scenario& sc, const Results& r) {
    json out = {{"bands", {"q1 least disadvantaged", "q2", "q3", "q4", "q5 most disadvantaged"}}};
    if (r.times() == 0) return out;
    const std::size_t t = r.times() - 1;
    for (std::size_t col = 0; col < r.phases.size(); ++col) {
        std::array<double, kBandCount> schools{};
        for (const auto& s : sc.schools)
            if (r.column(s.phase) == col) ++schools[s.band];
        std::vector<std::vector<double>> v(r.replications, std::vector<double>(kBandCount, 0));
        for (std::size_t i = 0; i < r.replications; ++i)
            for (std::size_t b = 0; b < kBandCount; ++b) {
                double e = 0;
                for (std::size_t h = 0; h < r.hubs; ++h)
                    e += r.engaged_by_band[r.band_cell(i, t, h, col, b)];
                v[i][b] = schools[b] > 0 ? e / schools[b] : 0;
            }
        out[std::string(name(r.phases[col]))] = bands(v, false);
    }
    return out;
}

std::vector<std::string> date_labels(const Results& r, const Calendar& cal) {
    std::vector<std::string> d;
    for (Day day : r.sample_days) d.push_back(format_date(cal.date_of(day)));
    return d;
}

/// Differences b - a: per replication when paired, else over every pair.
std::vector<double> differences(const std::vector<double>& a, const std::vector<double>& b,
                                bool paired) {
    std::vector<double> d;
    if (paired) {
        for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) d.push_back(b[i] - a[i]);
    } else {
        for (double x : a)
            for (double y : b) d.push_back(y - x);
    }
    return d;
}

json compare_measure(const std::string& label, const std::string& better, const std::string& unit,
                     const std::vector<double>& a, const std::vector<double>& b, bool paired) {
    const auto d = differences(a, b, paired);
    const double sign = better == "higher" ? 1 : -1;
    std::size_t up = 0, same = 0;
    for (double x : d) {
        if (x * sign > 1e-12) ++up;
        if (std::abs(x) <= 1e-12) ++same;
    }
    const double n = std::max<double>(1, static_cast<double>(d.size()));
    return {{"label", label},
            {"better", better},
            {"unit", unit},
            {"median", quantile(d, 0.5)},
            {"p5", quantile(d, 0.05)},
            {"p95", quantile(d, 0.95)},
            {"p_better", static_cast<double>(up) / n},
            {"p_same", static_cast<double>(same) / n},
            {"p_worse", static_cast<double>(d.size() - up - same) / n}};
}

/// Schools ever engaged at the last sample, every phase and hub: [rep].
std::vector<double> engaged_at_end(const Results& r) {
    std::vector<double> v(r.replications, 0);
    const std::size_t t = r.times() - 1;
    for (std::size_t i = 0; i < r.replications; ++i)
        for (std::size_t h = 0; h < r.hubs; ++h)
            for (std::size_t c = 0; c < r.phases.size(); ++c)
                v[i] += r.engaged[r.phase_cell(i, t, h, c)];
    return v;
}

double mean(const std::vector<double>& v) {
    double s = 0;
    for (double x : v) s += x;
    return v.empty() ? 0.0 : s / static_cast<double>(v.size());
}

/// The sample at or before `day` (the last one, if all are after it: then the first).
std::size_t sample_before(const Results& r, Day day) {
    std::size_t t = 0;
    while (t + 1 < r.times() && r.sample_days[t + 1] <= day) ++t;
    return t;
}

}  // namespace

std::string uncertainty_words(const Scenario& sc) {
    return sc.posterior.empty()
               ? "chance only: every replication has the same parameters, so the bands and "
                 "intervals hold the run's randomness and nothing of what is not known of "
                 "the parameters"
               : "chance and what is not known of the parameters: each replication draws its "
                 "parameters from the calibration's posterior";
}

json run_figures(const Scenario& sc, const Results& r, double threshold) {
    const Calendar cal(sc.start);
    json f = {{"replications", r.replications},      {"seed", sc.seed},
              {"start", format_date(sc.start)},      {"uncertainty", uncertainty_words(sc)},
              {"dates", date_labels(r, cal)},        {"phases", json::array()},
              {"targets", targets_json(sc, r, cal)}, {"engagement", json::object()},
              {"waiting", json::object()},           {"roles", json::array()}};
    for (std::size_t col = 0; col < r.phases.size(); ++col) {
        const std::string phase(name(r.phases[col]));
        f["phases"].push_back(phase);
        f["engagement"][phase] = bands(national_share(sc, r, col));
        f["waiting"][phase] = bands(national(r, r.waiting,
                                             [&](std::size_t i, std::size_t t, std::size_t h) {
                                                 return r.phase_cell(i, t, h, col);
                                             }),
                                    false);
    }
    for (LlmeRole role : kRoles) {
        json b = bands(national(r, r.llme,
                                [&](std::size_t i, std::size_t t, std::size_t h) {
                                    return r.status_cell(i, t, h, role, LlmeStatus::Active);
                                }),
                       false);
        b["role"] = std::string(name(role));
        f["roles"].push_back(b);
    }
    const auto cost = total_cost(r);
    f["cost"] = {{"currency", "GBP"},
                 {"total",
                  {{"p5", quantile(cost, 0.05)},
                   {"p50", quantile(cost, 0.5)},
                   {"p95", quantile(cost, 0.95)}}}};
    f["equity"] = equity_json(sc, r);
    f["hubs"] = hubs_json(sc, r, cal, threshold);
    return f;
}

json compare_figures(const Scenario& a, const Results& ra, const Scenario& b, const Results& rb) {
    const bool paired = a.seed == b.seed && ra.replications == rb.replications;
    const Calendar cal(a.start);
    json out = {{"paired", paired}, {"measures", json::array()}};
    out["note"] = paired
                      ? "Both share seed " + std::to_string(a.seed) + " and " +
                            std::to_string(ra.replications) +
                            " replications: differences are paired, replication by replication "
                            "(common random numbers)."
                      : std::string(
                            "Seeds or replications differ: every replication of B against "
                            "every replication of A (unpaired; the noise pairing removes stays).");
    // Each target of A that B has too: the national engaged share of its phase on its date
    // (share targets), then the total cost.
    for (const Target& t : a.targets) {
        if (t.measure != Target::Measure::EngagedShare) continue;
        const std::size_t ca = ra.column(t.phase), cb = rb.column(t.phase);
        if (ca >= ra.phases.size() || cb >= rb.phases.size()) continue;
        const std::size_t ta = sample_before(ra, cal.day_of(t.by));
        const std::size_t tb = sample_before(rb, cal.day_of(t.by));
        const auto sa = national_share(a, ra, ca), sb = national_share(b, rb, cb);
        std::vector<double> va, vb;
        for (const auto& row : sa) va.push_back(row[ta]);
        for (const auto& row : sb) vb.push_back(row[tb]);
        out["measures"].push_back(compare_measure(
            std::string(name(t.phase)) + " schools engaged on " + format_date(t.by) + " (share)",
            "higher", "share", va, vb, paired));
    }
    // And each phase at the last sample both have.
    if (ra.times() > 0 && ra.sample_days == rb.sample_days)
        for (std::size_t ca = 0; ca < ra.phases.size(); ++ca) {
            const std::size_t cb = rb.column(ra.phases[ca]);
            if (cb >= rb.phases.size()) continue;
            const std::size_t t = ra.times() - 1;
            std::vector<double> va, vb;
            for (const auto& row : national_share(a, ra, ca)) va.push_back(row[t]);
            for (const auto& row : national_share(b, rb, cb)) vb.push_back(row[t]);
            out["measures"].push_back(compare_measure(
                std::string(name(ra.phases[ca])) + " schools engaged on " +
                    format_date(cal.date_of(ra.sample_days[t])) + " (share, the end)",
                "higher", "share", va, vb, paired));
        }
    // Schools ever engaged at the end, every phase: B's extra schools, and what B's extra
    // cost buys of them (a ratio of means over replications: a replication's own ratio is
    // unbounded where it gains no school).
    if (ra.times() > 0 && ra.sample_days == rb.sample_days) {
        const auto ea = engaged_at_end(ra), eb = engaged_at_end(rb);
        out["measures"].push_back(compare_measure("schools ever engaged at the end (count)",
                                                  "higher", "schools", ea, eb, paired));
        const double extra_schools = mean(eb) - mean(ea);
        const double extra_cost = mean(total_cost(rb)) - mean(total_cost(ra));
        out["incremental"] = {
            {"extra_schools", extra_schools},
            {"extra_cost", extra_cost},
            {"cost_per_extra_school",
             extra_schools > 0 ? json(extra_cost / extra_schools) : json(nullptr)},
            {"note",
             "B's mean extra cost over the whole run divided by its mean extra schools ever "
             "engaged at the end (a ratio of means); none where B engages no more schools"}};
    }
    out["measures"].push_back(compare_measure("cost of the whole run", "lower", "GBP",
                                              total_cost(ra), total_cost(rb), paired));
    // B - A of the national engaged share over time, where the time axes agree.
    json diff = {{"dates", date_labels(ra, cal)}, {"phases", json::object()}};
    if (ra.sample_days == rb.sample_days)
        for (std::size_t ca = 0; ca < ra.phases.size(); ++ca) {
            const std::size_t cb = rb.column(ra.phases[ca]);
            if (cb >= rb.phases.size()) continue;
            const auto sa = national_share(a, ra, ca), sb = national_share(b, rb, cb);
            json q = json::object();
            for (std::size_t k : {0u, 2u, 4u}) {
                json row = json::array();
                for (std::size_t t = 0; t < ra.times(); ++t) {
                    std::vector<double> xa, xb;
                    for (const auto& r : sa) xa.push_back(r[t]);
                    for (const auto& r : sb) xb.push_back(r[t]);
                    row.push_back(quantile(differences(xa, xb, paired), kQuantiles[k]));
                }
                q[kQuantileNames[k]] = row;
            }
            diff["phases"][std::string(name(ra.phases[ca]))] = q;
        }
    out["difference"] = diff;
    return out;
}

}  // namespace hubsim::studio
