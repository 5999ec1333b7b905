#pragma once
/// \file
/// One Maths Hub in one replication, as a logical process.
///
/// Hubs interact only at national moments: the yearly training allocation, the national
/// budget and timeline changes. Between those barriers each hub advances its own event
/// queue with its own random streams and touches only its own state and its own slots
/// of the results, so hubs can run in parallel and the outcome does not depend on it.
///
/// The year of a hub, in order:
///  1. begin_year (1 September): the hub opens if due (its leaders start, and schools whose
///     interest built up before it opened are waiting); trainees at the end of their route
///     qualify; it counts its applicants for each role and draws which schools become
///     interested this year.
///  2. (national) training places and budget are shared out among hubs.
///  3. start_training and allocate: trainees start; Work Groups are formed by the
///     priority rule within the leader days the hub's community gives to TfM.
///  4. run_until: events through the year: schools asking to join, the year end
///     (stage completion, lapses, leaders leaving), samples of the state.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "hubsim/engine/calendar.hpp"
#include "hubsim/engine/event_queue.hpp"
#include "hubsim/engine/random.hpp"
#include "hubsim/model/llme.hpp"
#include "hubsim/model/results.hpp"
#include "hubsim/model/scenario.hpp"
#include "hubsim/model/school.hpp"
#include "hubsim/model/trace.hpp"
#include "hubsim/model/work_group.hpp"

namespace hubsim {

/// Same-day events happen in this order.
enum class HubEventClass : std::uint8_t {
    SchoolAsks,  ///< a school asks to join (or rejoin) TfM
    YearEnd,     ///< 31 August: stages are completed, schools lapse, LLME leave
    Sample,      ///< the state is recorded
};

struct HubEvent {
    std::uint32_t target;  ///< a school's index within the hub, or a sample index
};

/// Applicants or trainees of each role, by phase (a role with a phase has only that one).
using ByRolePhase = std::array<std::array<std::uint32_t, kPhaseCount>, kRoleCount>;

class HubProcess {
  public:
    /// `replication` keys the random streams; results go to replication slot `slot`.
    /// `params` are the replication's own (a posterior draw may differ from the scenario's).
    HubProcess(const Scenario& scenario, const Parameters& params, const Calendar& calendar,
               std::uint16_t hub, std::uint32_t replication, Results& results,
               std::size_t slot = SIZE_MAX);

    /// Step 1 of the year. `samples` are the indices of the samples taken in this year.
    void begin_year(int year, const Parameters& params, std::span<const std::size_t> samples);
    /// Training applicants this year by role and phase (valid after begin_year).
    const ByRolePhase& applicants() const { return applicants_; }
    bool is_open() const { return open_; }
    std::uint32_t school_count() const { return static_cast<std::uint32_t>(state_.size()); }
    /// The hub's schools of `phase`, and those of them waiting for a first place (asked to
    /// join, not yet placed): what `policy.place_sharing` weighs hubs by.
    std::uint32_t schools_of(Phase phase) const { return school_total_[index(phase)]; }
    std::uint32_t waiting_new(Phase phase) const {
        return static_cast<std::uint32_t>(waiting_[index(phase)].size());
    }

    /// Step 3: trainees start their route; Work Groups form within `budget` (GBP).
    void start_training(const ByRolePhase& trainees, const Parameters& params);
    void allocate(const Parameters& params, double budget);

    /// Step 4: processes every event before `day`.
    void run_until(Day day, const Parameters& params);

    /// The hub's schools (in the order of Scenario::schools), leaders and this year's groups.
    const std::vector<SchoolState>& schools() const { return state_; }
    const std::vector<Llme>& leaders() const { return llme_; }
    const std::vector<WorkGroup>& groups() const { return groups_; }

    /// This year's costs by item (GBP).
    const std::array<double, kCostItemCount>& year_cost() const { return year_cost_; }

    /// Records what happens to `trace->school` in `trace` (if the school is this hub's).
    void trace(SchoolTrace* trace);

  private:
    struct Candidate {
        std::uint32_t school;
        double key;  ///< smaller goes first
    };
    /// The schools of a phase that have never asked to join, in order of their interest
    /// threshold. Every one of them has the same rate each year, and `h - r` rounded to
    /// float keeps the order of the h, so those whose threshold runs out in a year are the
    /// next ones in this order: a year touches only them, not the whole phase.
    struct InterestPool {
        std::vector<std::uint32_t> schools;  ///< by threshold at formation, then index
        std::size_t next = 0;                ///< the first that has not asked
        std::vector<double> rates;           ///< each year's rate since formation
        /// A school's threshold now, from its threshold at formation: the same roundings,
        /// in the same order, as when it was lowered year by year.
        float left(float at_formation) const {
            for (const double r : rates) at_formation = static_cast<float>(at_formation - r);
            return at_formation;
        }
    };
    /// A school whose threshold runs out this year, and the day of the year it asks.
    struct Ask {
        std::uint32_t school;
        std::int32_t offset;
    };
    /// Per phase: schools continuing in the programme, and new schools waiting.
    struct Candidates {
        std::array<std::vector<Candidate>, kPhaseCount> continuing, fresh;
    };

    /// Each stage's successor (NotEngaged after the last) and where new schools enter.
    void tabulate_pipelines(const Parameters& params);
    void open(const Parameters& params);
    /// Active leaders joining at once (the hub's founding leaders, or extra ones); a role
    /// without a phase spreads over the hub's phases. `first` numbers them in their cohort.
    void add_active_leaders(LlmeOrigin origin, LlmeRole role, std::uint32_t count,
                            std::uint32_t first, const Parameters& params);
    /// The scenario's extra leaders due this year (HubSpec::extra_llme).
    void add_extra_leaders(const Parameters& params);
    /// Interest built up before the hub's first working year (demand.head_start).
    void bring_head_start(const Parameters& params);
    /// Trainees whose route is over become active (or drop out); `new_year` counts a year.
    void qualify_trainees(const Parameters& params, bool new_year);
    void count_applicants(const Parameters& params);
    void draw_interest(const Parameters& params);
    /// The interest pools, from the schools that have not asked when the hub first draws.
    void form_interest_pools();
    /// Lowers the lapsed schools' thresholds by a year of `rate`; collects those that ask.
    void draw_rejoining(const Parameters& params, std::int32_t days);
    void allocate_phase(Phase phase, const Candidates& candidates, const Parameters& params);
    double priority_key(std::uint32_t school, bool continuing, const Parameters& params) const;
    /// This year's candidates of every phase, each list in priority order.
    Candidates gather_candidates(const Parameters& params) const;
    /// Places candidates in Work Groups while the days used stay within `limit`.
    void place(const std::vector<Candidate>& list, Phase phase, double limit, double& used,
               const Parameters& params);
    bool seat(std::uint32_t school, Phase phase, double limit, double& used,
              const Parameters& params);
    /// The stage a school joining now enters (new, rejoining or continuing).
    Stage joining_stage(const SchoolState& s, Phase phase, const Parameters& params) const;
    /// Takes `days` for a new group of `stage` from the leaders who can lead it; the role that
    /// gave most, or nullopt (nothing taken) if they have too few days left.
    std::optional<LlmeRole> take_days(Phase phase, Stage stage, double days);

    void on_school_asks(std::uint32_t school, Day day, const Parameters& params);
    void on_year_end(const Parameters& params);
    void on_sample(std::size_t sample);
    void progress(std::uint32_t school, const Parameters& params);
    void move(std::uint32_t school, Stage to);
    void lapse(std::uint32_t school);

    StreamKey key(std::uint64_t entity, std::uint32_t purpose) const;
    /// Whether school `i` is the one traced (one branch, almost always not taken).
    bool traced(std::uint32_t i) const { return trace_ != nullptr && i == traced_; }
    void record(SchoolEvent::Kind kind, Day day, Stage stage);
    /// What the year end did to the traced school, which stood at `before`.
    void trace_year_end(Stage before, bool placed);

    const Scenario& scenario_;
    const Calendar& calendar_;
    const HubSpec& spec_;
    std::span<const SchoolProfile> profiles_;
    std::uint16_t hub_;
    std::uint32_t replication_;
    std::size_t slot_;
    Results& results_;

    std::vector<SchoolState> state_;
    /// The schools in the programme (flag Continuing): the only ones the year end changes.
    /// In index order up to `continuing_sorted_`; schools that joined since follow it.
    std::vector<std::uint32_t> continuing_;
    std::size_t continuing_sorted_ = 0;
    std::array<InterestPool, kPhaseCount> never_asked_;
    bool pools_formed_ = false;
    std::vector<std::uint32_t> lapsed_;  ///< lapsed and not yet asking to rejoin
    std::vector<Ask> asks_;              ///< this year's, while they are drawn
    std::vector<Llme> llme_;
    std::vector<WorkGroup> groups_;  ///< this year's
    std::array<std::vector<std::uint32_t>, kPhaseCount>
        waiting_;  ///< new schools, in order of asking
    using PerStage = std::array<std::array<std::uint32_t, kStageCount>, kPhaseCount>;
    using PerBand = std::array<std::array<std::uint32_t, kBandCount>, kPhaseCount>;
    PerStage stage_count_{}, group_count_{}, in_groups_{};
    PerBand engaged_band_{}, participating_band_{};
    std::array<std::int32_t, kStageCount>
        open_group_{};  ///< per stage: a group with free seats, or -1
    std::array<std::uint32_t, kPhaseCount> engaged_{}, school_total_{}, participating_{},
        unplaced_continuing_{};
    std::array<std::uint32_t, kRoleCount> trainees_{};
    ByRolePhase applicants_{};
    std::array<double, kRoleCount> free_days_{};       ///< this allocation's TfM days left, by role
    std::array<std::uint32_t, kRoleCount> leading_{};  ///< active leaders of the phase, by role
    std::array<double, kPhaseCount> tfm_days_{}, tfm_used_{}, other_days_{};
    std::array<double, kCostItemCount> year_cost_{};
    std::array<std::array<Stage, kStageCount>, kPhaseCount> next_{};
    std::array<std::array<Stage, 2>, kPhaseCount> entry_{};  ///< [phase][needs readiness]
    double budget_left_ = 0;
    std::vector<bool> extra_added_;                        ///< per HubSpec::extra_llme entry
    std::array<std::uint32_t, kRoleCount> extra_count_{};  ///< extra leaders so far, by role

    SchoolTrace* trace_ = nullptr;
    std::uint32_t traced_ = 0;

    EventQueue<HubEvent, HubEventClass> queue_;
    int year_ = 0;
    bool open_ = false;
};

}  // namespace hubsim
