#include "hubsim/model/replication.hpp"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "hubsim/model/hub_process.hpp"

namespace hubsim {

namespace {

std::vector<Day> sample_days(const Scenario& sc, const Calendar& cal) {
    std::vector<Day> days;
    const Day first = cal.day_of(sc.start), last = cal.day_of(sc.end);
    for (int y = cal.academic_year_of(first); y <= cal.academic_year_of(last); ++y) {
        if (sc.sampling == Sampling::Termly) {
            for (Term t : {Term::Autumn, Term::Spring}) days.push_back(cal.term_end(y, t));
        }
        days.push_back(cal.year_end(y));
    }
    std::erase_if(days, [&](Day d) { return d < first || d > last; });
    return days;
}

/// Shares national training places out among hubs: a place at a time to each hub that
/// still has applicants, starting at a hub that turns with the year, so no hub is always
/// first. Deterministic, and independent of how hubs were scheduled.
std::vector<std::uint32_t> share_places(std::uint64_t places,
                                        const std::vector<std::uint32_t>& applicants, int year) {
    const std::size_t n = applicants.size();
    std::vector<std::uint32_t> given(n, 0);
    if (n == 0) return given;
    // Whole rounds first (fast when places are plentiful), then one by one.
    std::uint64_t wanting = 0;
    for (auto a : applicants) wanting += a;
    if (wanting <= places) return applicants;
    const std::size_t start = static_cast<std::size_t>(year) % n;
    while (places > 0) {
        for (std::size_t k = 0; k < n && places > 0; ++k) {
            const std::size_t h = (start + k) % n;
            if (given[h] < applicants[h]) {
                ++given[h];
                --places;
            }
        }
    }
    return given;
}

/// The days on which the timeline changes what holds: each event's first day, and the
/// day after its last. In order, each once.
std::vector<Day> timeline_days(const Scenario& sc, const Calendar& cal) {
    std::vector<Day> days;
    for (const TimelineEvent& e : sc.timeline) {
        days.push_back(cal.day_of(e.date));
        if (e.until) days.push_back(cal.day_of(*e.until) + 1);
    }
    std::sort(days.begin(), days.end());
    days.erase(std::unique(days.begin(), days.end()), days.end());
    return days;
}

class Replication {
  public:
    Replication(const Scenario& sc, std::uint32_t rep, std::size_t slot, Results& results,
                bool parallel_hubs)
        : sc_(sc),
          cal_(sc.start),
          slot_(slot),
          results_(results),
          parallel_(parallel_hubs),
          base_(sc.parameters_of(rep, results.particle[slot])),
          params_(base_),
          steps_(timeline_days(sc, cal_)) {
        // After the posterior draw: a school's propensity is drawn with the replication's
        // own heterogeneity.
        hubs_.reserve(sc.hubs.size());
        for (std::size_t h = 0; h < sc.hubs.size(); ++h)
            hubs_.emplace_back(sc, params_, cal_, static_cast<std::uint16_t>(h), rep, results,
                               slot);
    }

    void run() {
        const Day end = cal_.day_of(sc_.end);
        const int first = cal_.academic_year_of(cal_.day_of(sc_.start));
        const int last = cal_.academic_year_of(end);
        std::size_t t = 0;
        for (int y = first; y <= last; ++y) {
            advance_to(cal_.year_start(y));
            std::vector<std::size_t> samples;
            while (t < results_.times() && results_.sample_days[t] <= cal_.year_end(y))
                samples.push_back(t++);
            for_each_hub([&](HubProcess& h) { h.begin_year(y, params_, samples); });
            national_allocation(y);
            add_costs(y - first);
        }
        advance_to(end + 1);
    }

  private:
    template <class F>
    void for_each_hub(F&& f) {
        if (parallel_) {
            tbb::parallel_for(std::size_t{0}, hubs_.size(), [&](std::size_t h) { f(hubs_[h]); });
        } else {
            for (auto& h : hubs_) f(h);
        }
    }

    /// Runs every hub up to `day`, stopping at each timeline change on the way.
    void advance_to(Day day) {
        while (next_step_ < steps_.size() && steps_[next_step_] <= day) {
            const Day step = steps_[next_step_++];
            for_each_hub([&](HubProcess& h) { h.run_until(step, params_); });
            params_ = parameters_on(cal_.date_of(step));
        }
        for_each_hub([&](HubProcess& h) { h.run_until(day, params_); });
    }

    /// What holds on `day`: the replication's parameters with every event active that day
    /// laid over them, in date order (events of one date in the order written).
    Parameters parameters_on(Date day) const {
        Parameters p = base_;
        for (const TimelineEvent& e : sc_.timeline)
            if (e.active_on(day))
                for (const ParameterChange& c : e.changes)
                    c.spec->set(p, c.applied_to(c.spec->get(p)));
        return p;
    }

    void national_allocation(int year) {
        const double trainee_cost = params_.cost.trainee;
        double budget = params_.cost.annual_budget > 0 ? params_.cost.annual_budget
                                                       : std::numeric_limits<double>::infinity();
        std::vector<std::array<std::uint32_t, kPhaseCount>> trainees(hubs_.size());
        for (Phase p : kPhases) {
            auto places = static_cast<std::uint64_t>(params_.of(p).llme.training_places);
            if (places == 0 || !params_.of(p).modelled()) continue;
            if (trainee_cost > 0 && std::isfinite(budget))
                places = std::min<std::uint64_t>(places,
                                                 static_cast<std::uint64_t>(budget / trainee_cost));
            std::vector<std::uint32_t> applicants(hubs_.size());
            for (std::size_t h = 0; h < hubs_.size(); ++h)
                applicants[h] = hubs_[h].applicants()[index(p)];
            const auto given = share_places(places, applicants, year);
            for (std::size_t h = 0; h < hubs_.size(); ++h) {
                trainees[h][index(p)] = given[h];
                budget -= given[h] * trainee_cost;
            }
        }
        // What is left of the budget goes to open hubs in proportion to their schools.
        double open_schools = 0;
        for (const auto& h : hubs_)
            if (h.is_open()) open_schools += h.school_count();
        std::vector<double> share(hubs_.size(), std::numeric_limits<double>::infinity());
        if (std::isfinite(budget))
            for (std::size_t h = 0; h < hubs_.size(); ++h)
                share[h] = open_schools > 0
                               ? std::max(0.0, budget) * hubs_[h].school_count() / open_schools
                               : 0.0;
        for_each_hub([&](HubProcess& h) {
            const auto k = static_cast<std::size_t>(&h - hubs_.data());
            h.start_training(trainees[k], params_);
            h.allocate(params_, share[k]);
        });
    }

    /// Adds the year's costs, hub by hub in index order so the sum is the same for any
    /// thread count.
    void add_costs(int year_index) {
        const auto year = static_cast<std::size_t>(year_index);
        for (const auto& h : hubs_)
            for (std::size_t k = 0; k < kCostItemCount; ++k)
                results_.cost[results_.cost_cell(slot_, year, static_cast<CostItem>(k))] +=
                    h.year_cost()[k];
    }

    const Scenario& sc_;
    Calendar cal_;
    std::size_t slot_;
    Results& results_;
    bool parallel_;
    const Parameters base_;  ///< the replication's own, before the timeline
    Parameters params_;      ///< what holds now
    std::vector<HubProcess> hubs_;
    std::vector<Day> steps_;
    std::size_t next_step_ = 0;
};

/// The first sample at which each target is met, nationally and per hub.
void find_target_days(const Scenario& sc, std::uint32_t rep, Results& r) {
    const std::size_t nh = r.hubs, nt = sc.targets.size();
    for (std::size_t k = 0; k < nt; ++k) {
        const Target& target = sc.targets[k];
        const std::size_t col = r.column(target.phase);
        std::vector<double> hub_total(nh, 0);
        double total = 0;
        for (std::size_t h = 0; h < nh; ++h) {
            for (Stage s : kStages) hub_total[h] += r.stage_counts[r.stage_cell(rep, 0, h, col, s)];
            total += hub_total[h];
        }
        std::int32_t& national = r.target_day[r.target_cell(rep, k)];
        for (std::size_t t = 0; t < r.times(); ++t) {
            double engaged = 0;
            for (std::size_t h = 0; h < nh; ++h) {
                const double e = r.engaged[r.phase_cell(rep, t, h, col)];
                engaged += e;
                std::int32_t& hub_day = r.hub_target_day[r.hub_target_cell(rep, h, k)];
                if (hub_day < 0 && hub_total[h] > 0 && e >= target.share * hub_total[h])
                    hub_day = r.sample_days[t].value;
            }
            if (national < 0 && total > 0 && engaged >= target.share * total)
                national = r.sample_days[t].value;
        }
    }
}

}  // namespace

void prepare_results(const Scenario& sc, std::uint32_t replications, Results& r) {
    const Calendar cal(sc.start);
    r.sample_days = sample_days(sc, cal);
    r.years.clear();
    for (int y = cal.academic_year_of(cal.day_of(sc.start));
         y <= cal.academic_year_of(cal.day_of(sc.end)); ++y)
        r.years.push_back(y);
    r.phases = sc.modelled_phases();
    r.allocate(replications, sc.hubs.size(), sc.targets.size());
}

void run_replication(const Scenario& sc, std::uint32_t rep, Results& results, bool parallel_hubs) {
    run_replication(sc, rep, rep, results, parallel_hubs);
}

void run_replication(const Scenario& sc, std::uint32_t rep, std::size_t slot, Results& results,
                     bool parallel_hubs) {
    Replication(sc, rep, slot, results, parallel_hubs).run();
    find_target_days(sc, static_cast<std::uint32_t>(slot), results);
}

}  // namespace hubsim
