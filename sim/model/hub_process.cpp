#include "hubsim/model/hub_process.hpp"

#include <algorithm>
#include <bit>
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
constexpr std::uint64_t kHubEntity = 2ULL << 40;

constexpr double kSlack = 1e-9;  // leader days are sums of a few products of short decimals

/// The roles whose time can go to a group of `stage` in `phase`, in the order their days are
/// taken: roles that can lead fewer stages first, so the time of the most versatile
/// (the Mastery Specialists) is kept for the stages only they can lead.
struct LeadOrder {
    std::array<LlmeRole, kRoleCount> roles{};
    std::size_t count = 0;
};

LeadOrder make_lead_order(Phase phase, Stage stage) {
    LeadOrder out;
    for (LlmeRole r : kRoles)
        if (can_lead(r, phase, stage)) out.roles[out.count++] = r;
    auto breadth = [](LlmeRole r) {
        int n = 0;
        for (bool b : info(r).leads) n += b;
        return n;
    };
    std::stable_sort(out.roles.begin(), out.roles.begin() + static_cast<std::ptrdiff_t>(out.count),
                     [&](LlmeRole a, LlmeRole b) { return breadth(a) < breadth(b); });
    return out;
}

/// The same, worked out once: it is asked for at every new Work Group.
const LeadOrder& lead_order(Phase phase, Stage stage) {
    static const auto table = [] {
        std::array<std::array<LeadOrder, kStageCount>, kPhaseCount> t{};
        for (Phase p : kPhases)
            for (Stage s : kStages) t[index(p)][index(s)] = make_lead_order(p, s);
        return t;
    }();
    return table[index(phase)][index(stage)];
}

/// The phases a role recruits from: its own, or every phase modelled.
std::vector<Phase> recruiting_phases(LlmeRole r, const Parameters& params) {
    std::vector<Phase> out;
    for (Phase p : kPhases)
        if (params.of(p).modelled() && (!info(r).phase || *info(r).phase == p)) out.push_back(p);
    return out;
}

/// The probability of completing a stage for a school `excess` above its phase's mean
/// disadvantage: the log-odds move by `effect` per unit.
double completion(double p, double effect, double excess) {
    if (effect == 0 || p <= 0 || p >= 1) return p;
    const double logit = std::log(p / (1 - p)) + effect * excess;
    return 1 / (1 + std::exp(-logit));
}

/// The day of a `days`-long year on which a threshold with `left` to go runs out at a
/// constant yearly rate `r` (left <= r).
std::int32_t ask_offset(float left, double r, std::int32_t days) {
    return std::min(days - 1, static_cast<std::int32_t>(left / r * days));
}

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
    const double equity = params.equity.demand;
    for (std::uint32_t i = 0; i < state_.size(); ++i) {
        // A school asks to join once its accumulated interest hazard passes a unit
        // exponential threshold; dividing by its propensity folds its own rate in.
        const auto u = uniforms(key(i, kFixed), 0);
        const Phase p = profiles_[i].phase;
        double propensity = std::exp(sigma * standard_normal(u[0], u[1]) - 0.5 * sigma * sigma);
        if (equity != 0)
            propensity *= std::exp(
                equity * (profiles_[i].disadvantage - scenario.disadvantage_mean[index(p)]));
        state_[i].hazard_left = static_cast<float>(-std::log1p(-u[3]) / propensity);
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
    for (auto& a : applicants_) a.fill(0);
    const Day start = calendar_.year_start(year);
    if (!open_ && calendar_.day_of(spec_.opens) <= start) open(params);
    if (open_) {
        qualify_trainees(params, true);
        add_extra_leaders(params);
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
    for (LlmeRole r : kRoles) {
        const double n = spec_.initial_llme[index(r)] >= 0 ? spec_.initial_llme[index(r)]
                                                           : params.of(r).initial_per_hub;
        add_active_leaders(LlmeOrigin::Founding, r, static_cast<std::uint32_t>(n), 0, params);
    }
    bring_head_start(params);
}

void HubProcess::add_extra_leaders(const Parameters& params) {
    const auto& extras = spec_.extra_llme;
    extra_added_.resize(extras.size(), false);
    const Day start = calendar_.year_start(year_);
    for (std::size_t k = 0; k < extras.size(); ++k) {
        // From the first 1 September on or after `from`: the allocation's day.
        if (extra_added_[k] || calendar_.day_of(extras[k].from) > start) continue;
        extra_added_[k] = true;
        const ExtraLeaders& e = extras[k];
        add_active_leaders(LlmeOrigin::Extra, e.role, e.count, extra_count_[index(e.role)], params);
        extra_count_[index(e.role)] += e.count;
    }
}

void HubProcess::add_active_leaders(LlmeOrigin origin, LlmeRole r, std::uint32_t count,
                                    std::uint32_t first, const Parameters& params) {
    const auto phases = recruiting_phases(r, params);
    if (phases.empty()) return;
    double schools = 0;
    for (Phase p : phases) schools += school_total_[index(p)];
    for (std::uint32_t k = 0; k < count; ++k) {
        // Leader k of n takes the phase at (k + 1/2) / n along the hub's schools by phase:
        // a role without a phase comes from the hub's schools in proportion.
        Phase phase = phases.back();
        double cumulative = 0;
        const double at = (k + 0.5) / count * schools;
        for (Phase p : phases) {
            cumulative += school_total_[index(p)];
            if (at < cumulative) {
                phase = p;
                break;
            }
        }
        llme_.push_back(Llme{static_cast<std::uint32_t>(llme_.size()), r, phase, LlmeStatus::Active,
                             0, static_cast<float>(params.of(r).outreach), origin,
                             llme_stream(origin, r, phase, year_, first + k)});
    }
}

void HubProcess::bring_head_start(const Parameters& params) {
    const int first_year = calendar_.academic_year_of(calendar_.day_of(scenario_.start));
    const double years = params.demand.head_start + (year_ - first_year);
    if (years <= 0 || params.demand.p <= 0) return;
    const double hazard = params.demand.p * years;
    const Day day = calendar_.year_start(year_);
    for (std::uint32_t i = 0; i < state_.size(); ++i) {
        SchoolState& s = state_[i];
        if (s.stage != Stage::NotEngaged || !params.of(profiles_[i].phase).modelled()) continue;
        if (s.hazard_left > hazard) {
            s.hazard_left = static_cast<float>(s.hazard_left - hazard);
        } else {
            s.hazard_left = 0;
            on_school_asks(i, day, params);
        }
    }
}

void HubProcess::qualify_trainees(const Parameters& params, bool new_year) {
    for (Llme& l : llme_) {
        if (l.status != LlmeStatus::InTraining) continue;
        if (new_year && l.years_to_active > 0) --l.years_to_active;
        if (l.years_to_active > 0) continue;
        const double u = uniforms(key(l.stream, kDropout), 0)[0];
        l.status = u < params.of(l.role).dropout ? LlmeStatus::Left : LlmeStatus::Active;
    }
}

void HubProcess::count_applicants(const Parameters& params) {
    for (LlmeRole r : kRoles) {
        const RoleRules& rules = params.of(r);
        if (rules.training_places <= 0) continue;
        for (Phase p : recruiting_phases(r, params)) {
            // One stream per (hub, role, phase); each year reads its own stretch of it.
            const std::uint64_t entity = kHubEntity | (index(r) * kPhaseCount + index(p));
            RandomStream s(key(entity, kApplicants), static_cast<std::uint64_t>(year_) << 32);
            const std::uint32_t engaged = engaged_[index(p)];
            // One draw a statement: the operands of + are unsequenced (g++ and clang differ).
            const auto from_engaged = binomial(s, engaged, rules.applicants_engaged);
            const auto from_others =
                binomial(s, school_total_[index(p)] - engaged, rules.applicants_other);
            applicants_[index(r)][index(p)] =
                static_cast<std::uint32_t>(from_engaged + from_others);
        }
    }
}

void HubProcess::form_interest_pools() {
    pools_formed_ = true;
    // Thresholds are never negative, so their bits order as integers: one key sorts by
    // threshold, then index.
    std::array<std::vector<std::uint64_t>, kPhaseCount> keys;
    for (std::uint32_t i = 0; i < state_.size(); ++i) {
        const SchoolState& s = state_[i];
        if (s.stage != Stage::NotEngaged || s.has(SchoolState::Waiting)) continue;
        keys[index(profiles_[i].phase)].push_back(
            std::uint64_t{std::bit_cast<std::uint32_t>(s.hazard_left)} << 32 | i);
    }
    for (Phase p : kPhases) {
        auto& k = keys[index(p)];
        std::sort(k.begin(), k.end());
        auto& schools = never_asked_[index(p)].schools;
        schools.resize(k.size());
        for (std::size_t j = 0; j < k.size(); ++j) schools[j] = static_cast<std::uint32_t>(k[j]);
    }
}

void HubProcess::draw_interest(const Parameters& params) {
    if (!pools_formed_) form_interest_pools();
    const Day start = calendar_.year_start(year_);
    const std::int32_t days = calendar_.year_end(year_) - start + 1;
    // The hazard is constant within the year, so the day a school asks is where its
    // remaining threshold runs out: an exact inhomogeneous Poisson first arrival, with no
    // random draw per school and year.
    asks_.clear();
    for (Phase p : kPhases) {
        const auto ph = index(p);
        if (!params.of(p).modelled()) continue;
        const double share =
            school_total_[ph] ? static_cast<double>(engaged_[ph]) / school_total_[ph] : 0.0;
        const double r = params.demand.p + params.demand.q * share;
        if (r <= 0) continue;
        InterestPool& pool = never_asked_[ph];
        for (; pool.next < pool.schools.size(); ++pool.next) {
            const std::uint32_t i = pool.schools[pool.next];
            const float left = pool.left(state_[i].hazard_left);
            if (left > r) break;
            state_[i].hazard_left = 0;
            asks_.push_back(Ask{i, ask_offset(left, r, days)});
        }
        pool.rates.push_back(r);
    }
    draw_rejoining(params, days);
    // Same-day asks are taken in the order scheduled: the school list's.
    std::sort(asks_.begin(), asks_.end(),
              [](const Ask& a, const Ask& b) { return a.school < b.school; });
    for (const Ask& a : asks_)
        queue_.schedule(start + a.offset, HubEventClass::SchoolAsks, HubEvent{a.school});
}

void HubProcess::draw_rejoining(const Parameters& params, std::int32_t days) {
    const double r = params.demand.rejoin;
    if (r <= 0) return;
    std::erase_if(lapsed_, [&](std::uint32_t i) {
        SchoolState& s = state_[i];
        if (!params.of(profiles_[i].phase).modelled()) return false;
        if (s.hazard_left > r) {
            s.hazard_left = static_cast<float>(s.hazard_left - r);
            return false;
        }
        asks_.push_back(Ask{i, ask_offset(s.hazard_left, r, days)});
        s.hazard_left = 0;
        return true;
    });
}

void HubProcess::start_training(const ByRolePhase& trainees, const Parameters& params) {
    for (LlmeRole r : kRoles) {
        const RoleRules& rules = params.of(r);
        const auto years = static_cast<std::uint8_t>(rules.training_years);
        for (Phase p : kPhases) {
            const auto n = trainees[index(r)][index(p)];
            for (std::uint32_t k = 0; k < n; ++k)
                llme_.push_back(Llme{static_cast<std::uint32_t>(llme_.size()), r, p,
                                     LlmeStatus::InTraining, years,
                                     static_cast<float>(rules.outreach), LlmeOrigin::Trainee,
                                     llme_stream(LlmeOrigin::Trainee, r, p, year_, k)});
            trainees_[index(r)] += n;
            year_cost_[static_cast<std::size_t>(CostItem::Training)] += n * params.cost.trainee;
        }
    }
    // A route with no training year gives leaders at once.
    qualify_trainees(params, false);
}

void HubProcess::allocate(const Parameters& params, double budget) {
    groups_.clear();
    for (auto& row : group_count_) row.fill(0);
    for (auto& row : in_groups_) row.fill(0);
    for (auto& row : participating_band_) row.fill(0);
    participating_.fill(0);
    unplaced_continuing_.fill(0);
    tfm_days_.fill(0);
    tfm_used_.fill(0);
    other_days_.fill(0);
    budget_left_ = budget;
    if (!open_) return;
    // Candidate lists live only while the hub allocates: with thousands of hubs, holding
    // them all would double the memory per school.
    Candidates c = gather_candidates(params);
    for (Phase p : kPhases)
        if (params.of(p).modelled()) allocate_phase(p, c, params);
    if (trace_ != nullptr) {
        const SchoolState& s = state_[traced_];
        if (s.has(SchoolState::Placed)) {  // its group is complete now: say how many it holds
            SchoolEvent& placed = trace_->events.back();
            placed.members = groups_[static_cast<std::size_t>(placed.group)].members;
        } else if (s.has(SchoolState::Waiting) || s.has(SchoolState::Continuing)) {
            record(SchoolEvent::Kind::NotPlaced, calendar_.year_start(year_), s.stage);
        }
    }
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
    // In the order of the school list (the year end sorted it), for every phase at once: a
    // phase's allocation changes neither the flags nor the keys of another phase's schools.
    for (std::uint32_t i : continuing_)
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
    // The phase's leaders' days for the year: a pool per role that groups draw on, so a
    // group's days may be split between leaders and capacity moves with leader time.
    const double factor = params.policy.capacity_factor * spec_.capacity_factor;
    free_days_.fill(0);
    leading_.fill(0);
    for (const Llme& l : llme_) {
        if (l.phase != phase || l.status != LlmeStatus::Active) continue;
        const RoleRules& r = params.of(l.role);
        const double days = r.days * l.outreach * factor;
        free_days_[index(l.role)] += days * r.tfm_share;
        other_days_[index(phase)] += days * (1 - r.tfm_share);
        ++leading_[index(l.role)];
    }
    // The split between new and continuing schools is of the days that can lead some stage
    // of the phase's pipeline; tfm_days reports all the TfM days its leaders had.
    double capacity = 0;
    for (LlmeRole r : kRoles) {
        bool leads_here = false;
        for (Stage s : params.of(phase).pipeline) leads_here |= can_lead(r, phase, s);
        if (leads_here) capacity += free_days_[index(r)];
        tfm_days_[index(phase)] += free_days_[index(r)];
    }
    open_group_.fill(-1);
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
    tfm_used_[index(phase)] = used_cont + used_new;
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

Stage HubProcess::joining_stage(const SchoolState& s, Phase phase, const Parameters& params) const {
    if (s.has(SchoolState::Continuing)) return s.stage;
    const auto& pipeline = params.of(phase).pipeline;
    auto has = [&](Stage st) {
        return std::find(pipeline.begin(), pipeline.end(), st) != pipeline.end();
    };
    if (s.stage == Stage::Lapsed && params.demand.rejoin_stage == RejoinStage::Furthest) {
        // Seed 003: a school re-joining takes part in Embedding or Sustaining.
        if (s.has(SchoolState::ReachedSustaining) && has(Stage::Sustaining))
            return Stage::Sustaining;
        if (has(Stage::Embedding)) return Stage::Embedding;
    }
    return entry_[index(phase)][s.stage == Stage::NotEngaged && s.has(SchoolState::NeedsReadiness)];
}

std::optional<LlmeRole> HubProcess::take_days(Phase phase, Stage stage, double days) {
    const LeadOrder& lo = lead_order(phase, stage);
    const std::size_t n = lo.count;
    const auto& order = lo.roles;
    double available = 0;
    std::uint32_t leaders = 0;
    for (std::size_t k = 0; k < n; ++k) {
        available += free_days_[index(order[k])];
        leaders += leading_[index(order[k])];
    }
    if (leaders == 0 || available + kSlack < days) return std::nullopt;
    LlmeRole lead = order[0];
    double most = -1;
    for (std::size_t k = 0; k < n && days > kSlack; ++k) {
        double& pool = free_days_[index(order[k])];
        const double given = std::min(pool, days);
        pool -= given;
        days -= given;
        if (given > most) {
            most = given;
            lead = order[k];
        }
    }
    return lead;
}

bool HubProcess::seat(std::uint32_t i, Phase phase, double limit, double& used,
                      const Parameters& params) {
    SchoolState& s = state_[i];
    const bool is_new = !s.has(SchoolState::Continuing);
    const Stage stage = joining_stage(s, phase, params);
    const StageRules& sr = params.of(phase).rules(stage);
    std::int32_t& g = open_group_[index(stage)];
    if (g < 0 || groups_[static_cast<std::size_t>(g)].members >= sr.group_size) {
        // A new group needs its leader days from leaders who can lead it, room in the
        // pool, and money.
        const double cost = params.cost.work_group + sr.release_days * params.cost.release_day;
        if (used + sr.release_days > limit + kSlack || cost > budget_left_ + kSlack) return false;
        const auto lead = take_days(phase, stage, sr.release_days);
        if (!lead) return false;
        used += sr.release_days;
        budget_left_ -= cost;
        year_cost_[static_cast<std::size_t>(CostItem::WorkGroups)] += params.cost.work_group;
        year_cost_[static_cast<std::size_t>(CostItem::ReleaseDays)] +=
            sr.release_days * params.cost.release_day;
        groups_.push_back(WorkGroup{phase, stage, *lead, 0});
        g = static_cast<std::int32_t>(groups_.size() - 1);
        ++group_count_[index(phase)][index(stage)];
    }
    ++groups_[static_cast<std::size_t>(g)].members;
    if (traced(i)) {
        record(SchoolEvent::Kind::Placed, calendar_.year_start(year_), stage);
        trace_->events.back().group = g;
        trace_->events.back().lead = groups_[static_cast<std::size_t>(g)].lead;
    }
    const std::uint8_t band = profiles_[i].band;
    if (is_new) {
        s.clear(SchoolState::Waiting);
        s.set(SchoolState::Continuing);
        continuing_.push_back(i);
        if (!s.has(SchoolState::Engaged)) {
            ++engaged_[index(phase)];
            ++engaged_band_[index(phase)][band];
        }
        s.set(SchoolState::Engaged);
        move(i, stage);
    }
    s.set(SchoolState::Placed);
    s.years_waited = 0;
    ++participating_[index(phase)];
    ++participating_band_[index(phase)][band];
    ++in_groups_[index(phase)][index(stage)];
    return true;
}

void HubProcess::run_until(Day day, const Parameters& params) {
    while (queue_.has_before(day, HubEventClass::SchoolAsks)) {
        const auto ev = queue_.pop_ready();
        switch (ev.cls) {
            case HubEventClass::SchoolAsks:
                on_school_asks(ev.payload.target, queue_.now(), params);
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

void HubProcess::trace(SchoolTrace* trace) {
    trace_ = nullptr;
    if (trace == nullptr) return;
    const std::size_t first = static_cast<std::size_t>(profiles_.data() - scenario_.schools.data());
    if (trace->school < first || trace->school >= first + profiles_.size()) return;
    trace_ = trace;
    traced_ = static_cast<std::uint32_t>(trace->school - first);
}

void HubProcess::record(SchoolEvent::Kind kind, Day day, Stage stage) {
    trace_->events.push_back(SchoolEvent{kind, year_, day, stage});
}

void HubProcess::on_school_asks(std::uint32_t i, Day day, const Parameters& params) {
    SchoolState& s = state_[i];
    if (traced(i)) record(SchoolEvent::Kind::Asks, day, s.stage);
    s.set(SchoolState::Waiting);
    s.asked_day = day.value;
    const double u = uniforms(key(i, kFixed), 0)[2];
    if (u < params.demand.readiness_share)
        s.set(SchoolState::NeedsReadiness);
    else
        s.clear(SchoolState::NeedsReadiness);
    waiting_[index(profiles_[i].phase)].push_back(i);
}

void HubProcess::on_year_end(const Parameters& params) {
    const auto max_wait = static_cast<std::uint8_t>(params.policy.max_wait_years);
    // Only schools in the programme change at the year end (every placed school is one):
    // each has its own random stream, so the order they are visited in changes nothing.
    const Stage traced_before = trace_ != nullptr ? state_[traced_].stage : Stage::NotEngaged;
    const bool traced_placed = trace_ != nullptr && state_[traced_].has(SchoolState::Placed);
    // Schools that joined this year go into their places in index order (few, so a sort of
    // them and a merge, not a sort of all).
    const auto joined = continuing_.begin() + static_cast<std::ptrdiff_t>(continuing_sorted_);
    std::sort(joined, continuing_.end());
    std::inplace_merge(continuing_.begin(), joined, continuing_.end());
    std::size_t kept = 0;
    for (const std::uint32_t i : continuing_) {
        SchoolState& s = state_[i];
        if (s.has(SchoolState::Placed))
            progress(i, params);
        else if (++s.years_waited > max_wait)
            lapse(i);
        if (s.has(SchoolState::Continuing)) continuing_[kept++] = i;
    }
    continuing_.resize(kept);
    continuing_sorted_ = kept;
    if (trace_ != nullptr) trace_year_end(traced_before, traced_placed);
    for (Llme& l : llme_) {
        if (l.status != LlmeStatus::Active) continue;
        const double u = uniforms(key(l.stream, kAttrition), static_cast<std::uint64_t>(year_))[0];
        if (u < params.of(l.role).attrition) l.status = LlmeStatus::Left;
    }
}

void HubProcess::trace_year_end(Stage before, bool placed) {
    const SchoolState& s = state_[traced_];
    const Day end = calendar_.year_end(year_);
    if (s.stage == Stage::Lapsed && before != Stage::Lapsed)
        record(SchoolEvent::Kind::Lapses, end, before);
    else if (s.stage != before)
        record(SchoolEvent::Kind::Completes, end, s.stage);
    else if (placed)
        record(SchoolEvent::Kind::Repeats, end, s.stage);
    record(SchoolEvent::Kind::StageAtYearEnd, end, s.stage);
}

void HubProcess::progress(std::uint32_t i, const Parameters& params) {
    SchoolState& s = state_[i];
    s.clear(SchoolState::Placed);
    const Phase phase = profiles_[i].phase;
    const StageRules& sr = params.of(phase).rules(s.stage);
    const auto u = uniforms(key(i, kProgress), static_cast<std::uint64_t>(year_));
    const Stage next = next_[index(phase)][index(s.stage)];
    if (next == Stage::NotEngaged) {  // the last stage
        if (u[0] < sr.lapse) lapse(i);
        return;
    }
    const double complete =
        completion(sr.complete, params.equity.completion,
                   profiles_[i].disadvantage - scenario_.disadvantage_mean[index(phase)]);
    if (u[0] < complete) {
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
    if (to == Stage::Sustaining) s.set(SchoolState::ReachedSustaining);
}

void HubProcess::lapse(std::uint32_t i) {
    move(i, Stage::Lapsed);
    SchoolState& s = state_[i];
    s.clear(SchoolState::Continuing);
    s.years_waited = 0;
    // A fresh threshold for asking to rejoin (a school lapses at most once a year).
    const double u = uniforms(key(i, kInterest), static_cast<std::uint64_t>(year_))[0];
    s.hazard_left = static_cast<float>(-std::log1p(-u));
    lapsed_.push_back(i);
}

void HubProcess::on_sample(std::size_t t) {
    Results& r = results_;
    for (std::size_t c = 0; c < r.phases.size(); ++c) {
        const auto p = index(r.phases[c]);
        for (Stage s : kStages) {
            const std::size_t cell = r.stage_cell(slot_, t, hub_, c, s);
            r.stage_counts[cell] = stage_count_[p][index(s)];
            r.work_groups[cell] = group_count_[p][index(s)];
            r.in_work_groups[cell] = in_groups_[p][index(s)];
        }
        for (std::size_t b = 0; b < kBandCount; ++b) {
            r.engaged_by_band[r.band_cell(slot_, t, hub_, c, b)] = engaged_band_[p][b];
            r.participating_by_band[r.band_cell(slot_, t, hub_, c, b)] = participating_band_[p][b];
        }
        const std::size_t cell = r.phase_cell(slot_, t, hub_, c);
        r.engaged[cell] = engaged_[p];
        r.waiting[cell] = static_cast<std::uint32_t>(waiting_[p].size()) + unplaced_continuing_[p];
        r.participating[cell] = participating_[p];
        r.tfm_days[cell] = tfm_days_[p];
        r.tfm_days_used[cell] = tfm_used_[p];
        r.other_days[cell] = other_days_[p];
    }
    for (LlmeRole role : kRoles) {
        r.trainees[r.role_cell(slot_, t, hub_, role)] = trainees_[index(role)];
        std::uint32_t asked = 0;
        for (std::uint32_t a : applicants_[index(role)]) asked += a;
        r.applicants[r.role_cell(slot_, t, hub_, role)] = asked;
    }
    for (const Llme& l : llme_) ++r.llme[r.status_cell(slot_, t, hub_, l.role, l.status)];
}

}  // namespace hubsim
