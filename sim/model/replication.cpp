#include "hubsim/model/replication.hpp"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>

#include "hubsim/model/hub_process.hpp"
#include "hubsim/model/place_sharing.hpp"
#include "hubsim/model/trace.hpp"

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

/// The moments of a year at which a replay may look at the hubs.
enum class Moment : std::uint8_t {
    YearStart,  ///< 1 September, before anything of the year (last year's end is done)
    Begun,      ///< after begin_year: trainees qualified, a hub opening has its leaders
    Allocated,  ///< after training places and Work Groups
};
using Observer =
    std::function<void(Moment, int year, const std::vector<HubProcess>&, const Parameters&)>;

class Replication {
  public:
    Replication(const Scenario& sc, std::uint32_t rep, std::size_t slot, Results& results,
                bool parallel_hubs, SchoolTrace* trace = nullptr, Observer observer = {})
        : sc_(sc),
          cal_(sc.start),
          slot_(slot),
          results_(results),
          parallel_(parallel_hubs),
          base_(sc.parameters_of(rep, results.particle[slot])),
          params_(base_),
          steps_(timeline_days(sc, cal_)),
          observer_(std::move(observer)) {
        // After the posterior draw: a school's propensity is drawn with the replication's
        // own heterogeneity.
        hubs_.reserve(sc.hubs.size());
        for (std::size_t h = 0; h < sc.hubs.size(); ++h)
            hubs_.emplace_back(sc, params_, cal_, static_cast<std::uint16_t>(h), rep, results,
                               slot);
        if (trace != nullptr)
            for (auto& h : hubs_) h.trace(trace);
    }

    void run() {
        const Day end = cal_.day_of(sc_.end);
        const int first = cal_.academic_year_of(cal_.day_of(sc_.start));
        const int last = cal_.academic_year_of(end);
        std::size_t t = 0;
        for (int y = first; y <= last; ++y) {
            advance_to(cal_.year_start(y));
            observe(Moment::YearStart, y);
            std::vector<std::size_t> samples;
            while (t < results_.times() && results_.sample_days[t] <= cal_.year_end(y))
                samples.push_back(t++);
            for_each_hub([&](HubProcess& h) { h.begin_year(y, params_, samples); });
            observe(Moment::Begun, y);
            national_allocation(y);
            observe(Moment::Allocated, y);
            add_costs(y - first);
        }
        advance_to(end + 1);
        observe(Moment::YearStart, last + 1);
    }

  private:
    void observe(Moment m, int year) const {
        if (observer_) observer_(m, year, hubs_, params_);
    }

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

    /// What `policy.place_sharing` weighs a hub's phase by (round robin weighs nothing).
    std::uint32_t sharing_weight(const HubProcess& h, Phase p) const {
        switch (params_.policy.place_sharing) {
            case PlaceSharing::BySize:
                return h.schools_of(p);
            case PlaceSharing::ByNeed:
                return h.waiting_new(p);
            case PlaceSharing::RoundRobin:
                break;
        }
        return 0;
    }

    void national_allocation(int year) {
        const double trainee_cost = params_.cost.trainee;
        double budget = params_.cost.annual_budget > 0 ? params_.cost.annual_budget
                                                       : std::numeric_limits<double>::infinity();
        std::vector<ByRolePhase> trainees(hubs_.size(), ByRolePhase{});
        for (LlmeRole r : kRoles) {
            auto places = static_cast<std::uint64_t>(params_.of(r).training_places);
            if (places == 0) continue;
            if (trainee_cost > 0 && std::isfinite(budget))
                places = std::min<std::uint64_t>(places,
                                                 static_cast<std::uint64_t>(budget / trainee_cost));
            // One entry per hub and phase (a role without a phase is wanted by each).
            std::vector<std::uint32_t> applicants, weights;
            for (const auto& h : hubs_)
                for (Phase p : kPhases) {
                    applicants.push_back(h.applicants()[index(r)][index(p)]);
                    weights.push_back(sharing_weight(h, p));
                }
            const auto given = share_places(params_.policy.place_sharing, places, applicants,
                                            weights, year, kPhaseCount);
            for (std::size_t h = 0; h < hubs_.size(); ++h)
                for (Phase p : kPhases) {
                    const auto n = given[h * kPhaseCount + index(p)];
                    trainees[h][index(r)][index(p)] = n;
                    budget -= n * trainee_cost;
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
    Observer observer_;
};

/// The value a target's measure has in one hub at one sample, and the hub's share of the
/// national total it is compared with (a share target compares shares of schools).
struct TargetCounter {
    const Target& target;
    const Results& r;
    std::size_t rep, col;
    std::vector<double> schools;  ///< per hub, for a share target

    TargetCounter(const Target& t, const Results& results, std::size_t replication)
        : target(t), r(results), rep(replication), col(results.column(t.phase)) {
        if (t.measure != Target::Measure::EngagedShare) return;
        schools.assign(r.hubs, 0);
        for (std::size_t h = 0; h < r.hubs; ++h)
            for (Stage s : kStages) schools[h] += r.stage_counts[r.stage_cell(rep, 0, h, col, s)];
    }
    double value(std::size_t t, std::size_t h) const {
        if (target.measure == Target::Measure::EngagedShare)
            return r.engaged[r.phase_cell(rep, t, h, col)];
        if (target.role) return r.llme[r.status_cell(rep, t, h, *target.role, LlmeStatus::Active)];
        return r.leaders(rep, t, h, LlmeStatus::Active);
    }
    /// Whether `v` meets the target for a unit of `schools` schools (a share target).
    bool met(double v, double units) const {
        return target.measure == Target::Measure::EngagedShare
                   ? units > 0 && v >= target.value * units
                   : v >= target.value;
    }
};

/// The first sample at which each target is met, nationally and (where it applies) per hub.
void find_target_days(const Scenario& sc, std::uint32_t rep, Results& r) {
    const std::size_t nh = r.hubs;
    for (std::size_t k = 0; k < sc.targets.size(); ++k) {
        const Target& target = sc.targets[k];
        const TargetCounter count(target, r, rep);
        double total_schools = 0;
        for (double x : count.schools) total_schools += x;
        std::int32_t& national = r.target_day[r.target_cell(rep, k)];
        for (std::size_t t = 0; t < r.times(); ++t) {
            double sum = 0;
            bool every_hub = nh > 0;
            for (std::size_t h = 0; h < nh; ++h) {
                const double v = count.value(t, h);
                sum += v;
                const bool hub_met = count.met(v, count.schools.empty() ? 1 : count.schools[h]);
                every_hub = every_hub && hub_met;
                std::int32_t& hub_day = r.hub_target_day[r.hub_target_cell(rep, h, k)];
                if (target.has_hub_days() && hub_day < 0 && hub_met)
                    hub_day = r.sample_days[t].value;
            }
            const bool met = target.per_hub ? every_hub : count.met(sum, total_schools);
            if (national < 0 && met) national = r.sample_days[t].value;
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

namespace {

/// What leader `l` of hub `h` gave this year, and what their role's pool led.
LeaderYear leader_year(const Scenario& sc, const HubProcess& hub, std::uint16_t h, const Llme& l,
                       int year, const Parameters& params) {
    LeaderYear y;
    y.year = year;
    y.status = l.status;
    if (l.status != LlmeStatus::Active || !params.of(l.phase).modelled()) return y;
    // As the allocation counts them (HubProcess::allocate_phase).
    const RoleRules& r = params.of(l.role);
    const double days =
        r.days * l.outreach * params.policy.capacity_factor * sc.hubs[h].capacity_factor;
    y.tfm_days = days * r.tfm_share;
    y.other_days = days * (1 - r.tfm_share);
    for (const Llme& o : hub.leaders())
        y.role_leaders += o.status == LlmeStatus::Active && o.role == l.role && o.phase == l.phase;
    for (const WorkGroup& g : hub.groups()) {
        if (g.phase != l.phase) continue;
        ++y.phase_groups;
        y.role_groups += g.lead == l.role;
    }
    return y;
}

}  // namespace

std::vector<LeaderHistory> trace_leaders(const Scenario& sc, std::uint32_t replication,
                                         std::uint16_t hub, Results& results) {
    prepare_results(sc, 1, results);
    std::vector<LeaderHistory> out;
    const Observer observer = [&](Moment m, int year, const std::vector<HubProcess>& hubs,
                                  const Parameters& params) {
        const HubProcess& h = hubs[hub];
        const auto& leaders = h.leaders();
        // Leaders only ever join (ids in order): the new ones are past the end of `out`.
        for (std::size_t i = out.size(); i < leaders.size(); ++i) {
            const Llme& l = leaders[i];
            LeaderHistory n;
            n.id = l.id;
            n.role = l.role;
            n.phase = l.phase;
            n.outreach = l.outreach;
            n.joined = year;
            n.origin = l.origin;
            const bool trainee = l.origin == LlmeOrigin::Trainee;
            n.route_years =
                trainee ? static_cast<std::uint32_t>(std::lround(params.of(l.role).training_years))
                        : 0u;
            if (trainee && l.status == LlmeStatus::Active) n.qualified = year;
            if (l.status == LlmeStatus::Left) n.dropped_out = year;
            out.push_back(n);
        }
        for (std::size_t i = 0; i < leaders.size(); ++i) {
            const Llme& l = leaders[i];
            LeaderHistory& n = out[i];
            const bool was_left = n.left || n.dropped_out;
            if (l.status == LlmeStatus::Left && !was_left) {
                // At a year's start, last year's end has run: they left on its 31 August.
                if (m == Moment::YearStart)
                    n.left = year - 1;
                else
                    n.dropped_out = year;  // their route ended and they did not qualify
            } else if (l.status == LlmeStatus::Active && n.origin == LlmeOrigin::Trainee &&
                       !n.qualified) {
                n.qualified = year;
            }
            if (m == Moment::Allocated && l.status != LlmeStatus::Left)
                n.years.push_back(leader_year(sc, h, hub, l, year, params));
        }
    };
    Replication(sc, replication, 0, results, false, nullptr, observer).run();
    find_target_days(sc, 0, results);
    return out;
}

SchoolTrace trace_school(const Scenario& sc, std::uint32_t replication, std::size_t school,
                         Results& results) {
    prepare_results(sc, 1, results);
    SchoolTrace trace;
    trace.school = school;
    // Hubs one after another: the events of one school come in the order they happen.
    Replication(sc, replication, 0, results, false, &trace).run();
    find_target_days(sc, 0, results);
    return trace;
}

}  // namespace hubsim
