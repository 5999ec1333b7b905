#include "hubsim/model/hub_process.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace hubsim {

namespace {

/// What a random stream is for. Part of every stream's key: never renumber.
enum Purpose : std::uint32_t {
    kFixed = 1,       ///< a school's fixed traits: propensity, first interest threshold, readiness
    kInterest = 2,    ///< a lapsed school's threshold for asking to rejoin, per year
    kProgress = 3,    ///< completion, advance, repeat, lapse, per year
    kLottery = 4,     ///< lottery keys, per year
    kAttrition = 5,   ///< an LLME leaving, per year
    kDropout = 6,     ///< a trainee not qualifying
    kApplicants = 7,  ///< the hub's training applicants, per year
};

// Entities other than schools carry a tag in the high bits so their streams never meet.
constexpr std::uint64_t kLlmeEntity = 1ULL << 40;
constexpr std::uint64_t kHubEntity = 2ULL << 40;

constexpr double kSlack = 1e-9;  // loads are sums of a few short binary fractions

}  // namespace

HubProcess::HubProcess(const Scenario& scenario, const Parameters& params, const Calendar& calendar,
                       std::uint16_t hub, std::uint32_t replication, Results& results,
                       std::size_t slot)
    : scenario_(scenario),
      calendar_(calendar),
      spec_(scenario.hubs[hub]),
      profiles_(scenario.schools.data() + spec_.first_school,
                spec_.last_school - spec_.first_school),
      hub_(hub),
      replication_(replication),
      slot_(slot == SIZE_MAX ? replication : slot),
      results_(results),
      state_(profiles_.size()) {
    const double sigma = params.demand.heterogeneity;
    for (std::uint32_t i = 0; i < state_.size(); ++i) {
        // A school asks to join once its accumulated interest hazard passes a unit
        // exponential threshold; dividing by its propensity folds its own rate in.
        const auto u = uniforms(key(i, kFixed), 0);
        const double propensity =
            std::exp(sigma * standard_normal(u[0], u[1]) - 0.5 * sigma * sigma);
        state_[i].hazard_left = static_cast<float>(-std::log1p(-u[3]) / propensity);
        const Phase p = profiles_[i].phase;
        ++school_total_[index(p)];
        ++stage_count_[index(p)][index(Stage::NotEngaged)];
    }
}

StreamKey HubProcess::key(std::uint64_t entity, std::uint32_t purpose) const {
    return StreamKey{scenario_.seed, replication_, hub_, entity, purpose};
}

void HubProcess::begin_year(int year, const Parameters& params,
                            std::span<const std::size_t> samples) {
    year_ = year;
    tabulate_pipelines(params);
    year_cost_.fill(0);
    trainees_.fill(0);
    applicants_.fill(0);
    const Day start = calendar_.year_start(year);
    if (!open_ && calendar_.day_of(spec_.opens) <= start) open(params);
    if (open_) {
        qualify_trainees(params, true);
        count_applicants(params);
        draw_interest(params);
    }
    queue_.schedule(calendar_.year_end(year), HubEventClass::YearEnd, HubEvent{0});
    for (std::size_t t : samples)
        queue_.schedule(results_.sample_days[t], HubEventClass::Sample,
                        HubEvent{static_cast<std::uint32_t>(t)});
}

void HubProcess::tabulate_pipelines(const Parameters& params) {
    for (Phase p : kPhases) {
        const PhaseRules& rules = params.of(p);
        next_[index(p)].fill(Stage::NotEngaged);
        if (!rules.modelled()) continue;
        for (Stage st : kStages)
            if (const auto n = rules.next(st)) next_[index(p)][index(st)] = *n;
        entry_[index(p)] = {rules.entry(false), rules.entry(true)};
    }
}

void HubProcess::open(const Parameters& params) {
    open_ = true;
    for (Phase p : kPhases) {
        if (!params.of(p).modelled()) continue;
        const double n = spec_.initial_llme[index(p)] >= 0 ? spec_.initial_llme[index(p)]
                                                           : params.of(p).llme.initial_per_hub;
        for (int k = 0; k < static_cast<int>(n); ++k)
            llme_.push_back(Llme{static_cast<std::uint32_t>(llme_.size()), p, LlmeRole::Founding,
                                 LlmeStatus::Active, 0, 0});
    }
}

void HubProcess::qualify_trainees(const Parameters& params, bool new_year) {
    for (Llme& l : llme_) {
        if (l.status != LlmeStatus::InTraining) continue;
        if (new_year && l.years_to_active > 0) --l.years_to_active;
        if (l.years_to_active > 0) continue;
        const double u = uniforms(key(kLlmeEntity | l.id, kDropout), 0)[0];
        l.status = u < params.of(l.phase).llme.dropout ? LlmeStatus::Left : LlmeStatus::Active;
    }
}

void HubProcess::count_applicants(const Parameters& params) {
    for (Phase p : kPhases) {
        const LlmeRules& r = params.of(p).llme;
        if (!params.of(p).modelled() || r.training_places <= 0) continue;
        // One stream per (hub, phase); each year reads its own stretch of it.
        RandomStream s(key(kHubEntity | index(p), kApplicants), static_cast<std::uint64_t>(year_)
                                                                    << 32);
        const std::uint32_t engaged = engaged_[index(p)];
        // One statement each: the operands of + are unsequenced (g++ and clang differ).
        const auto from_engaged = binomial(s, engaged, r.applicants_engaged);
        const auto from_others = binomial(s, school_total_[index(p)] - engaged, r.applicants_other);
        applicants_[index(p)] = static_cast<std::uint32_t>(from_engaged + from_others);
    }
}

void HubProcess::draw_interest(const Parameters& params) {
    const Day start = calendar_.year_start(year_);
    const std::int32_t days = calendar_.year_end(year_) - start + 1;
    // The yearly rate at which a school asks to join, by (stage, phase): only schools not
    // engaged or lapsed ask, and only in modelled phases. A table, not branches: the stages
    // of neighbouring schools follow no pattern a branch predictor could learn.
    std::array<double, kStageCount * kPhaseCount> rate{};
    for (Phase p : kPhases) {
        const auto i = index(p);
        if (!params.of(p).modelled()) continue;
        const double share =
            school_total_[i] ? static_cast<double>(engaged_[i]) / school_total_[i] : 0.0;
        rate[index(Stage::NotEngaged) * kPhaseCount + i] =
            params.demand.p + params.demand.q * share;
        rate[index(Stage::Lapsed) * kPhaseCount + i] = params.demand.rejoin;
    }
    // The hazard is constant within the year, so the day a school asks is where its
    // remaining threshold runs out: an exact inhomogeneous Poisson first arrival, with no
    // random draw per school and year.
    for (std::uint32_t i = 0; i < state_.size(); ++i) {
        SchoolState& s = state_[i];
        const double r = s.has(SchoolState::Waiting)
                             ? 0.0
                             : rate[index(s.stage) * kPhaseCount + index(profiles_[i].phase)];
        if (r <= 0) continue;
        if (s.hazard_left > r) {
            s.hazard_left = static_cast<float>(s.hazard_left - r);
            continue;
        }
        const double fraction = s.hazard_left / r;
        s.hazard_left = 0;
        const auto offset = std::min(days - 1, static_cast<std::int32_t>(fraction * days));
        queue_.schedule(start + offset, HubEventClass::SchoolAsks, HubEvent{i});
    }
}

void HubProcess::start_training(const std::array<std::uint32_t, kPhaseCount>& trainees,
                                const Parameters& params) {
    for (Phase p : kPhases) {
        const auto n = trainees[index(p)];
        const auto years = static_cast<std::uint8_t>(params.of(p).llme.training_years);
        for (std::uint32_t k = 0; k < n; ++k) {
            Llme l{static_cast<std::uint32_t>(llme_.size()),
                   p,
                   LlmeRole::Specialist,
                   LlmeStatus::InTraining,
                   years,
                   0};
            llme_.push_back(l);
        }
        trainees_[index(p)] = n;
        year_cost_[static_cast<std::size_t>(CostItem::Training)] += n * params.cost.trainee;
    }
    // A route with no training year gives leaders at once.
    qualify_trainees(params, false);
}

void HubProcess::allocate(const Parameters& params, double budget) {
    groups_.clear();
    for (auto& row : group_count_) row.fill(0);
    participating_.fill(0);
    unplaced_continuing_.fill(0);
    budget_left_ = budget;
    if (!open_) return;
    // Candidate lists live only while the hub allocates: with thousands of hubs, holding
    // them all would double the memory per school.
    Candidates c = gather_candidates(params);
    for (Phase p : kPhases)
        if (params.of(p).modelled()) allocate_phase(p, c, params);
}

double HubProcess::priority_key(std::uint32_t i, bool continuing, const Parameters& params) const {
    switch (params.policy.priority) {
        case PriorityRule::WaitingTime:
            return continuing ? -static_cast<double>(state_[i].years_waited) : state_[i].asked_day;
        case PriorityRule::Disadvantage:
            return -static_cast<double>(profiles_[i].disadvantage);
        case PriorityRule::Lottery:
            return uniforms(key(i, kLottery), static_cast<std::uint64_t>(year_))[0];
    }
    return 0;
}

HubProcess::Candidates HubProcess::gather_candidates(const Parameters& params) const {
    Candidates c;
    for (Phase p : kPhases)
        for (std::uint32_t i : waiting_[index(p)])
            c.fresh[index(p)].push_back(Candidate{i, priority_key(i, false, params)});
    // One pass over the hub's schools for every phase: a phase's allocation changes
    // neither the flags nor the keys of another phase's schools.
    for (std::uint32_t i = 0; i < state_.size(); ++i)
        if (state_[i].has(SchoolState::Continuing))
            c.continuing[index(profiles_[i].phase)].push_back(
                Candidate{i, priority_key(i, true, params)});
    // Stable: equal keys keep the waiting list's (or the school list's) order. Often the
    // lists are in order already (the waiting list is in order of asking).
    auto by_key = [](const Candidate& a, const Candidate& b) { return a.key < b.key; };
    for (auto* lists : {&c.continuing, &c.fresh})
        for (auto& list : *lists)
            if (!std::is_sorted(list.begin(), list.end(), by_key))
                std::stable_sort(list.begin(), list.end(), by_key);
    return c;
}

void HubProcess::allocate_phase(Phase phase, const Candidates& candidates,
                                const Parameters& params) {
    double capacity = 0;
    const double per_llme =
        params.of(phase).llme.load * params.policy.capacity_factor * spec_.capacity_factor;
    for (Llme& l : llme_) {
        l.free_load = (l.phase == phase && l.status == LlmeStatus::Active) ? per_llme : 0.0;
        capacity += l.free_load;
    }
    open_group_.fill(-1);
    first_free_ = 0;
    const auto& cont = candidates.continuing[index(phase)];
    const auto& fresh = candidates.fresh[index(phase)];
    const double new_limit = params.policy.new_share * capacity;
    const double cont_limit = capacity - new_limit;
    double used_cont = 0, used_new = 0;
    const bool sustain_first = params.policy.order == AllocationOrder::SustainFirst;
    auto pass = [&](double cont_cap, double new_cap) {
        if (sustain_first) {
            place(cont, phase, cont_cap, used_cont, params);
            place(fresh, phase, new_cap, used_new, params);
        } else {
            place(fresh, phase, new_cap, used_new, params);
            place(cont, phase, cont_cap, used_cont, params);
        }
    };
    pass(cont_limit, new_limit);
    if (params.policy.spill) {
        // Whatever one kind of school left unused, the other may take.
        const double free = capacity - used_cont - used_new;
        pass(used_cont + free, used_new + free);
    }
    for (const Candidate& c : cont)
        if (!state_[c.school].has(SchoolState::Placed)) ++unplaced_continuing_[index(phase)];
    auto& waiting = waiting_[index(phase)];
    std::erase_if(waiting, [this](std::uint32_t i) { return state_[i].has(SchoolState::Placed); });
}

void HubProcess::place(const std::vector<Candidate>& list, Phase phase, double limit, double& used,
                       const Parameters& params) {
    for (const Candidate& c : list)
        if (!state_[c.school].has(SchoolState::Placed)) seat(c.school, phase, limit, used, params);
}

bool HubProcess::seat(std::uint32_t i, Phase phase, double limit, double& used,
                      const Parameters& params) {
    SchoolState& s = state_[i];
    const PhaseRules& rules = params.of(phase);
    const bool is_new = !s.has(SchoolState::Continuing);
    const Stage stage = is_new ? entry_[index(phase)][s.stage == Stage::NotEngaged &&
                                                      s.has(SchoolState::NeedsReadiness)]
                               : s.stage;
    const StageRules& sr = rules.rules(stage);
    std::int32_t& g = open_group_[index(stage)];
    if (g < 0 || groups_[static_cast<std::size_t>(g)].members >= sr.group_size) {
        // A new group needs a leader with enough free load, room in the pool, and money.
        const double cost = params.cost.work_group + sr.release_days * params.cost.release_day;
        if (used + sr.load > limit + kSlack || cost > budget_left_ + kSlack) return false;
        // Loads only fall during an allocation, so leaders with none left stay behind
        // the cursor and the first fit is found from there.
        while (first_free_ < llme_.size() && llme_[first_free_].free_load <= 0) ++first_free_;
        auto lead = std::find_if(
            llme_.begin() + static_cast<std::ptrdiff_t>(first_free_), llme_.end(),
            [&](const Llme& l) { return l.free_load + kSlack >= sr.load && l.free_load > 0; });
        if (lead == llme_.end()) return false;
        lead->free_load -= sr.load;
        used += sr.load;
        budget_left_ -= cost;
        year_cost_[static_cast<std::size_t>(CostItem::WorkGroups)] += params.cost.work_group;
        year_cost_[static_cast<std::size_t>(CostItem::ReleaseDays)] +=
            sr.release_days * params.cost.release_day;
        groups_.push_back(WorkGroup{phase, stage, lead->id, 0});
        g = static_cast<std::int32_t>(groups_.size() - 1);
        ++group_count_[index(phase)][index(stage)];
    }
    ++groups_[static_cast<std::size_t>(g)].members;
    if (is_new) {
        s.clear(SchoolState::Waiting);
        s.set(SchoolState::Continuing);
        if (!s.has(SchoolState::Engaged)) ++engaged_[index(phase)];
        s.set(SchoolState::Engaged);
        move(i, stage);
    }
    s.set(SchoolState::Placed);
    s.years_waited = 0;
    ++participating_[index(phase)];
    return true;
}

void HubProcess::run_until(Day day, const Parameters& params) {
    while (queue_.has_before(day, HubEventClass::SchoolAsks)) {
        const auto ev = queue_.pop_ready();
        switch (ev.cls) {
            case HubEventClass::SchoolAsks:
                on_school_asks(ev.payload.target, params);
                break;
            case HubEventClass::YearEnd:
                on_year_end(params);
                break;
            case HubEventClass::Sample:
                on_sample(ev.payload.target);
                break;
        }
    }
}

void HubProcess::on_school_asks(std::uint32_t i, const Parameters& params) {
    SchoolState& s = state_[i];
    s.set(SchoolState::Waiting);
    s.asked_day = queue_.now().value;
    const double u = uniforms(key(i, kFixed), 0)[2];
    if (u < params.demand.readiness_share)
        s.set(SchoolState::NeedsReadiness);
    else
        s.clear(SchoolState::NeedsReadiness);
    waiting_[index(profiles_[i].phase)].push_back(i);
}

void HubProcess::on_year_end(const Parameters& params) {
    const auto max_wait = static_cast<std::uint8_t>(params.policy.max_wait_years);
    for (std::uint32_t i = 0; i < state_.size(); ++i) {
        SchoolState& s = state_[i];
        const Stage before = s.stage;
        if (s.has(SchoolState::Placed)) {
            progress(i, params);
        } else if (s.has(SchoolState::Continuing)) {
            if (++s.years_waited > max_wait) lapse(i);
        }
        if (s.stage == before && s.years_in_stage < 255) ++s.years_in_stage;
    }
    for (Llme& l : llme_) {
        if (l.status != LlmeStatus::Active) continue;
        const double u =
            uniforms(key(kLlmeEntity | l.id, kAttrition), static_cast<std::uint64_t>(year_))[0];
        if (u < params.of(l.phase).llme.attrition) l.status = LlmeStatus::Left;
    }
}

void HubProcess::progress(std::uint32_t i, const Parameters& params) {
    SchoolState& s = state_[i];
    s.clear(SchoolState::Placed);
    const PhaseRules& rules = params.of(profiles_[i].phase);
    const StageRules& sr = rules.rules(s.stage);
    const auto u = uniforms(key(i, kProgress), static_cast<std::uint64_t>(year_));
    const Stage next = next_[index(profiles_[i].phase)][index(s.stage)];
    if (next == Stage::NotEngaged) {  // the last stage
        if (u[0] < sr.lapse) lapse(i);
        return;
    }
    if (u[0] < sr.complete) {
        if (u[1] < sr.advance)
            move(i, next);
        else
            lapse(i);
    } else if (u[1] >= sr.repeat) {
        lapse(i);
    }
}

void HubProcess::move(std::uint32_t i, Stage to) {
    SchoolState& s = state_[i];
    const auto p = index(profiles_[i].phase);
    --stage_count_[p][index(s.stage)];
    ++stage_count_[p][index(to)];
    s.stage = to;
    s.years_in_stage = 0;
}

void HubProcess::lapse(std::uint32_t i) {
    move(i, Stage::Lapsed);
    SchoolState& s = state_[i];
    s.clear(SchoolState::Continuing);
    s.years_waited = 0;
    // A fresh threshold for asking to rejoin (a school lapses at most once a year).
    const double u = uniforms(key(i, kInterest), static_cast<std::uint64_t>(year_))[0];
    s.hazard_left = static_cast<float>(-std::log1p(-u));
}

void HubProcess::on_sample(std::size_t t) {
    Results& r = results_;
    for (std::size_t c = 0; c < r.phases.size(); ++c) {
        const auto p = index(r.phases[c]);
        for (Stage s : kStages) {
            r.stage_counts[r.stage_cell(slot_, t, hub_, c, s)] = stage_count_[p][index(s)];
            r.work_groups[r.stage_cell(slot_, t, hub_, c, s)] = group_count_[p][index(s)];
        }
        const std::size_t cell = r.phase_cell(slot_, t, hub_, c);
        r.engaged[cell] = engaged_[p];
        r.waiting[cell] = static_cast<std::uint32_t>(waiting_[p].size()) + unplaced_continuing_[p];
        r.participating[cell] = participating_[p];
        r.trainees[cell] = trainees_[p];
    }
    std::array<std::uint32_t, kLlmeStatusCount> by_status{}, specialists{};
    for (const Llme& l : llme_) {
        ++by_status[static_cast<std::size_t>(l.status)];
        if (l.role == LlmeRole::Specialist) ++specialists[static_cast<std::size_t>(l.status)];
    }
    for (std::size_t k = 0; k < kLlmeStatusCount; ++k) {
        const auto status = static_cast<LlmeStatus>(k);
        r.llme[r.status_cell(slot_, t, hub_, status)] = by_status[k];
        r.specialists[r.status_cell(slot_, t, hub_, status)] = specialists[k];
    }
}

}  // namespace hubsim
