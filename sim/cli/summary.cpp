#include "summary.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

namespace hubsim {

namespace {

/// The q-quantile of `v` (sorted in place), by linear interpolation.
double quantile(std::vector<double>& v, double q) {
    std::sort(v.begin(), v.end());
    if (v.empty()) return 0;
    const double pos = q * static_cast<double>(v.size() - 1);
    const auto lo = static_cast<std::size_t>(pos);
    const std::size_t hi = std::min(lo + 1, v.size() - 1);
    return v[lo] + (pos - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

std::string band(std::vector<double> v, const char* fmt) {
    auto fmt1 = [fmt](double x) {
        char buf[32];
        std::snprintf(buf, sizeof buf, fmt, x);
        return std::string(buf);
    };
    const std::string median = fmt1(quantile(v, 0.5));
    if (v.size() < 2) return median;
    return median + " [" + fmt1(quantile(v, 0.05)) + "-" + fmt1(quantile(v, 0.95)) + "]";
}

}  // namespace

void print_summary(std::ostream& out, const Scenario& sc, const Results& r) {
    const Calendar cal(sc.start);
    const std::size_t np = r.phases.size(), R = r.replications;
    std::vector<double> total(np, 0);
    for (const auto& s : sc.schools)
        total[static_cast<std::size_t>(std::find(r.phases.begin(), r.phases.end(), s.phase) -
                                       r.phases.begin())] += 1;

    char line[512];
    std::snprintf(line, sizeof line,
                  "%s: %zu hubs, %zu schools, %zu replications (median [5%%-95%%])\n",
                  sc.name.c_str(), sc.hubs.size(), sc.schools.size(), R);
    out << line;
    if (sc.posterior.empty())
        out << "bands hold chance only: every replication has the same parameters"
            << (sc.parameters_fixed ? " (fixed: --parameters drawn to draw them)" : "") << "\n";
    else
        out << "bands hold chance and parameter uncertainty: each replication draws its "
               "parameters from a posterior of "
            << sc.posterior.particles.size() << " weighted sets\n";
    // What a board asks first: how likely each target is to be met by its date.
    if (!sc.targets.empty())
        out << "P(target met by its date), with its 95% Wilson interval over the " << R
            << " replications:\n";
    for (std::size_t k = 0; k < sc.targets.size(); ++k) {
        const Target& tg = sc.targets[k];
        std::vector<double> days;
        std::size_t met_by = 0, never = 0;
        for (std::size_t i = 0; i < R; ++i) {
            const std::int32_t d = r.target_day[r.target_cell(i, k)];
            if (d < 0) {
                ++never;
                days.push_back(1e9);
                continue;
            }
            days.push_back(d);
            if (Day{d} <= cal.day_of(tg.by)) ++met_by;
        }
        // The median of sample days is a sample day (never interpolated towards "never").
        std::sort(days.begin(), days.end());
        const double med = days[(days.size() - 1) / 2];
        const std::string when =
            med >= 1e9 ? "not within the run"
                       : format_date(cal.date_of(Day{static_cast<std::int32_t>(med)}));
        const auto [lo, hi] = wilson(met_by, R);
        std::snprintf(line, sizeof line, "  %-46s %3.0f%% [%.0f%%-%.0f%%]; median date met: %s%s\n",
                      tg.label().c_str(),
                      100.0 * static_cast<double>(met_by) / static_cast<double>(R), 100 * lo,
                      100 * hi, when.c_str(),
                      never ? (" (" + std::to_string(never) + " never)").c_str() : "");
        out << line;
    }
    out << "\n";

    std::string head = "year     ";
    for (std::size_t c = 0; c < np; ++c) {
        std::snprintf(line, sizeof line, "  %-26s",
                      (std::string(name(r.phases[c])) + " engaged").c_str());
        head += line;
    }
    head += "  active LLME        cost (GBP m)";
    out << head << "\n";
    for (std::size_t t = 0; t < r.times(); ++t) {
        const Date d = cal.date_of(r.sample_days[t]);
        std::snprintf(line, sizeof line, "%s", format_date(d).c_str());
        std::string row = line;
        for (std::size_t c = 0; c < np; ++c) {
            std::vector<double> v;
            for (std::size_t k = 0; k < R; ++k) {
                double e = 0;
                for (std::size_t h = 0; h < r.hubs; ++h) e += r.engaged[r.phase_cell(k, t, h, c)];
                v.push_back(100.0 * e / std::max(1.0, total[c]));
            }
            std::snprintf(line, sizeof line, "  %-26s", (band(v, "%.1f") + "%").c_str());
            row += line;
        }
        std::vector<double> llme, cost;
        const int y = cal.academic_year_of(r.sample_days[t]);
        const auto yi = static_cast<std::size_t>(std::find(r.years.begin(), r.years.end(), y) -
                                                 r.years.begin());
        for (std::size_t k = 0; k < R; ++k) {
            double a = 0;
            for (std::size_t h = 0; h < r.hubs; ++h) a += r.leaders(k, t, h, LlmeStatus::Active);
            llme.push_back(a);
            double c = 0;
            for (std::size_t i = 0; i < kCostItemCount; ++i)
                c += r.cost[r.cost_cell(k, yi, static_cast<CostItem>(i))];
            cost.push_back(c / 1e6);
        }
        std::snprintf(line, sizeof line, "  %-18s %s", band(llme, "%.0f").c_str(),
                      band(cost, "%.1f").c_str());
        out << row << line << "\n";
    }
    const std::size_t last = r.times() - 1;
    const std::string last_date = format_date(cal.date_of(r.sample_days[last]));
    // The community by role, and reach by disadvantage, at the last sample.
    out << "\nactive LLME by role on " << last_date << ":\n";
    for (LlmeRole role : kRoles) {
        std::vector<double> v;
        for (std::size_t k = 0; k < R; ++k) {
            double a = 0;
            for (std::size_t h = 0; h < r.hubs; ++h)
                a += r.llme[r.status_cell(k, last, h, role, LlmeStatus::Active)];
            v.push_back(a);
        }
        if (*std::max_element(v.begin(), v.end()) == 0) continue;
        std::snprintf(line, sizeof line, "  %-30s %s\n", std::string(name(role)).c_str(),
                      band(v, "%.0f").c_str());
        out << line;
    }
    out << "engaged by disadvantage quintile on " << last_date
        << " (share of each quintile's schools; q1 least, q5 most disadvantaged):\n";
    for (std::size_t c = 0; c < np; ++c) {
        std::array<double, kBandCount> schools{};
        for (const auto& s : sc.schools)
            if (s.phase == r.phases[c]) schools[s.band] += 1;
        std::string row = "  " + std::string(name(r.phases[c]));
        row.resize(12, ' ');
        for (std::size_t b = 0; b < kBandCount; ++b) {
            if (schools[b] == 0) {  // equal disadvantages share a band; others stay empty
                std::snprintf(line, sizeof line, "  q%zu %-20s", b + 1, "-");
                row += line;
                continue;
            }
            std::vector<double> v;
            for (std::size_t k = 0; k < R; ++k) {
                double e = 0;
                for (std::size_t h = 0; h < r.hubs; ++h)
                    e += r.engaged_by_band[r.band_cell(k, last, h, c, b)];
                v.push_back(100.0 * e / std::max(1.0, schools[b]));
            }
            std::snprintf(line, sizeof line, "  q%zu %-20s", b + 1,
                          (band(v, "%.1f") + "%").c_str());
            row += line;
        }
        out << row << "\n";
    }
    out << "\n";
}

}  // namespace hubsim
