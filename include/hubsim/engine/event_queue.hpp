#pragma once
/// \file
/// The pending-event set of a logical process: a calendar queue bucketed by day.
///
/// Events are ordered by the key (day, event class, insertion sequence):
///  - day first, because time is whole days;
///  - then the event class, a small enum the model defines, so that things that happen
///    "on the same day" happen in a fixed, documented order (a school year closes before
///    the next one's Work Groups are formed);
///  - then the order in which the events were scheduled.
/// No key ties are left to chance or to the container, so a run is a pure function of
/// its scenario and seed.
///
/// Because time is whole days, a ring of one bucket per day does O(1) work per event
/// (a binary heap needs O(log n)). Events further ahead than the ring's width wait in an
/// overflow heap and move into the ring as the clock approaches them.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include "hubsim/engine/day.hpp"

namespace hubsim {

template <class Payload, class Class>
class EventQueue {
    static_assert(std::is_enum_v<Class>,
                  "the event class must be an enum (its order is the order of same-day events)");

  public:
    struct Event {
        Day day;
        Class cls;
        std::uint64_t seq;
        Payload payload;
    };

    /// \param window_days width of the day ring; events further ahead use the overflow heap.
    explicit EventQueue(std::size_t window_days = 512) : ring_(round_up_pow2(window_days)) {
        mask_ = static_cast<std::int32_t>(ring_.size() - 1);
    }

    /// Schedules an event. Scheduling before the event last taken is a logic error: it
    /// would make the order depend on when things were scheduled.
    void schedule(Day day, Class cls, Payload payload) {
        if (taken_any_ && (day < now_ || (day == now_ && cls < now_cls_)))
            throw std::logic_error("EventQueue: event scheduled before the current event");
        if (day < cursor_)
            throw std::logic_error("EventQueue: event scheduled before a day already looked past");
        Event ev{day, cls, next_seq_++, std::move(payload)};
        ++size_;
        if (day == cursor_ && loaded_) {
            // Same-day insert: its sequence is the largest, so it goes after every pending
            // event of its class.
            const auto pos = std::upper_bound(
                today_.begin() + static_cast<std::ptrdiff_t>(today_pos_), today_.end(), ev.cls,
                [](Class c, const Event& e) { return c < e.cls; });
            today_.insert(pos, std::move(ev));
        } else if (day.value - cursor_.value <= mask_) {
            ring_[bucket(day)].push_back(std::move(ev));
            ++in_ring_;
        } else {
            overflow_.push_back(std::move(ev));
            std::push_heap(overflow_.begin(), overflow_.end(), later);
        }
    }

    bool empty() const { return size_ == 0; }
    std::size_t size() const { return size_; }
    /// The day of the event taken last.
    Day now() const { return now_; }

    /// The next event, without removing it. Requires !empty().
    const Event& top() {
        settle(Day{std::numeric_limits<std::int32_t>::max()});
        return today_[today_pos_];
    }

    /// Removes and returns the next event. Requires !empty().
    Event pop() {
        settle(Day{std::numeric_limits<std::int32_t>::max()});
        return take();
    }

    /// True if an event is pending strictly before (day, cls). Looks no further than
    /// `day`, so events may still be scheduled from `day` on afterwards.
    bool has_before(Day day, Class cls) {
        if (!settle(day)) return false;
        const Event& e = today_[today_pos_];
        return e.day < day || e.cls < cls;
    }

    /// Removes and returns the next event; call only after has_before() said true.
    Event pop_ready() { return take(); }

  private:
    static bool later(const Event& a, const Event& b) {
        if (a.day != b.day) return a.day > b.day;
        if (a.cls != b.cls) return a.cls > b.cls;
        return a.seq > b.seq;
    }

    static std::size_t round_up_pow2(std::size_t n) {
        std::size_t p = 1;
        while (p < n) p <<= 1;
        return p;
    }

    std::size_t bucket(Day day) const { return static_cast<std::size_t>(day.value & mask_); }

    Event take() {
        Event ev = std::move(today_[today_pos_++]);
        --size_;
        now_ = ev.day;
        now_cls_ = ev.cls;
        taken_any_ = true;
        return ev;
    }

    /// Makes today_[today_pos_] the next event, moving the cursor over empty days but
    /// never past `limit`. Returns false if no event is pending up to `limit`.
    bool settle(Day limit) {
        while (today_pos_ == today_.size()) {
            if (!loaded_) {
                load_cursor_day();
                continue;
            }
            if (size_ == 0 || cursor_ >= limit) return false;
            // Nothing left in the window: jump straight to the earliest overflow day.
            const Day next = in_ring_ == 0 ? std::min(overflow_.front().day, limit) : cursor_ + 1;
            move_cursor(next);
        }
        return true;
    }

    void load_cursor_day() {
        today_.clear();
        today_pos_ = 0;
        auto& b = ring_[bucket(cursor_)];
        in_ring_ -= b.size();
        today_.swap(b);
        std::sort(today_.begin(), today_.end(), [](const Event& a, const Event& b2) {
            return a.cls != b2.cls ? a.cls < b2.cls : a.seq < b2.seq;
        });
        loaded_ = true;
    }

    /// Moves the cursor to `day` and pulls overflow events that now fall inside the window.
    void move_cursor(Day day) {
        cursor_ = day;
        loaded_ = false;
        while (!overflow_.empty() && overflow_.front().day.value - cursor_.value <= mask_) {
            std::pop_heap(overflow_.begin(), overflow_.end(), later);
            Event ev = std::move(overflow_.back());
            overflow_.pop_back();
            ring_[bucket(ev.day)].push_back(std::move(ev));
            ++in_ring_;
        }
    }

    std::vector<std::vector<Event>> ring_;
    std::int32_t mask_ = 0;
    std::vector<Event> overflow_;  // min-heap by key, via `later`
    std::vector<Event> today_;     // the current day's events, sorted by (class, seq)
    std::size_t today_pos_ = 0;
    std::size_t in_ring_ = 0;
    std::size_t size_ = 0;
    std::uint64_t next_seq_ = 0;
    Day cursor_{0};  // the day whose bucket today_ holds (once loaded_)
    bool loaded_ = false;
    Day now_{0};  // the day and class of the event taken last
    Class now_cls_{};
    bool taken_any_ = false;
};

}  // namespace hubsim
