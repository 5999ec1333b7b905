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
///
/// A bucket never needs a comparison sort: events enter it in the order they were
/// scheduled (overflow events, which are older, all arrive before any direct insert for
/// that day could), so when its day comes a stable partition by class gives the key order.
/// For the same reason ring events need not carry their sequence number, and their day is
/// their bucket's. Memory is small for many small logical processes: the ring holds only
/// an index per day; bucket buffers exist for days with events and are recycled.

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
        Payload payload;
    };

    /// \param window_days width of the day ring; events further ahead use the overflow heap.
    explicit EventQueue(std::size_t window_days = 512) : ring_(round_up_pow2(window_days), 0) {
        mask_ = static_cast<std::int32_t>(ring_.size() - 1);
    }

    /// Schedules an event. Scheduling before the event last taken is a logic error: it
    /// would make the order depend on when things were scheduled.
    void schedule(Day day, Class cls, Payload payload) {
        if (taken_any_ && (day < now_ || (day == now_ && cls < now_cls_)))
            throw std::logic_error("EventQueue: event scheduled before the current event");
        if (day < cursor_)
            throw std::logic_error("EventQueue: event scheduled before a day already looked past");
        ++size_;
        if (day == cursor_ && loaded_) {
            // Same-day insert: it is the newest, so it goes after every pending event of
            // its class.
            const auto pos = std::upper_bound(
                today_.begin() + static_cast<std::ptrdiff_t>(today_pos_), today_.end(), cls,
                [](Class c, const Slot& e) { return c < e.cls; });
            today_.insert(pos, Slot{cls, std::move(payload)});
        } else if (day.value - cursor_.value <= mask_) {
            std::uint32_t& b = ring_[bucket(day)];
            if (b == 0) b = acquire_bucket();
            buckets_[b - 1].push_back(Slot{cls, std::move(payload)});
            ++in_ring_;
        } else {
            overflow_.push_back(Later{Event{day, cls, std::move(payload)}, next_seq_++});
            std::push_heap(overflow_.begin(), overflow_.end(), later);
        }
    }

    bool empty() const { return size_ == 0; }
    std::size_t size() const { return size_; }
    /// The day of the event taken last.
    Day now() const { return now_; }

    /// The next event, without removing it. Requires !empty().
    Event top() {
        settle(Day{std::numeric_limits<std::int32_t>::max()});
        return Event{cursor_, today_[today_pos_].cls, today_[today_pos_].payload};
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
        return cursor_ < day || today_[today_pos_].cls < cls;
    }

    /// Removes and returns the next event; call only after has_before() said true.
    Event pop_ready() { return take(); }

  private:
    /// An event in the ring: its day is its bucket's.
    struct Slot {
        Class cls;
        Payload payload;
    };

    /// An event beyond the ring, with its sequence number: the heap needs it for ties.
    struct Later {
        Event ev;
        std::uint64_t seq;
    };

    static bool later(const Later& a, const Later& b) {
        if (a.ev.day != b.ev.day) return a.ev.day > b.ev.day;
        if (a.ev.cls != b.ev.cls) return a.ev.cls > b.ev.cls;
        return a.seq > b.seq;
    }

    static std::size_t round_up_pow2(std::size_t n) {
        std::size_t p = 1;
        while (p < n) p <<= 1;
        return p;
    }

    static std::size_t rank(Class c) { return static_cast<std::size_t>(c); }

    std::size_t bucket(Day day) const { return static_cast<std::size_t>(day.value & mask_); }

    Event take() {
        Slot& e = today_[today_pos_++];
        --size_;
        now_ = cursor_;
        now_cls_ = e.cls;
        taken_any_ = true;
        return Event{cursor_, e.cls, std::move(e.payload)};
    }

    /// A bucket buffer for a day that has none: a recycled one if there is one.
    std::uint32_t acquire_bucket() {
        if (free_buckets_.empty()) {
            buckets_.emplace_back();
            return static_cast<std::uint32_t>(buckets_.size());
        }
        const std::uint32_t b = free_buckets_.back();
        free_buckets_.pop_back();
        return b;
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
            move_cursor(next_day(limit));
        }
        return true;
    }

    /// The next day that may hold events, at most `limit`: the next non-empty bucket in
    /// the window (overflow events all lie beyond it), or else the earliest overflow day.
    Day next_day(Day limit) const {
        if (in_ring_ == 0) return std::min(overflow_.front().ev.day, limit);
        Day d = cursor_ + 1;
        while (d < limit && ring_[bucket(d)] == 0) d = d + 1;
        return d;
    }

    void load_cursor_day() {
        today_.clear();
        today_pos_ = 0;
        loaded_ = true;
        std::uint32_t& b = ring_[bucket(cursor_)];
        if (b == 0) return;
        // The day's buffer becomes today's; today's old buffer waits for another day.
        today_.swap(buckets_[b - 1]);
        free_buckets_.push_back(b);
        b = 0;
        in_ring_ -= today_.size();
        order_by_class();
    }

    /// Stable partition of today_ by class: a counting sort (classes are few).
    void order_by_class() {
        const std::size_t n = today_.size();
        if (n < 2) return;
        std::size_t top_rank = 0;
        bool sorted = true;
        for (std::size_t i = 0; i < n; ++i) {
            const std::size_t r = rank(today_[i].cls);
            sorted &= r >= top_rank;
            top_rank = std::max(top_rank, r);
        }
        if (sorted) return;
        starts_.assign(top_rank + 2, 0);
        for (const Slot& e : today_) ++starts_[rank(e.cls) + 1];
        for (std::size_t c = 1; c < starts_.size(); ++c) starts_[c] += starts_[c - 1];
        scratch_.resize(n);
        for (Slot& e : today_) scratch_[starts_[rank(e.cls)]++] = std::move(e);
        today_.swap(scratch_);
    }

    /// Moves the cursor to `day` and pulls overflow events that now fall inside the window.
    void move_cursor(Day day) {
        cursor_ = day;
        loaded_ = false;
        while (!overflow_.empty() && overflow_.front().ev.day.value - cursor_.value <= mask_) {
            std::pop_heap(overflow_.begin(), overflow_.end(), later);
            Event& ev = overflow_.back().ev;
            std::uint32_t& b = ring_[bucket(ev.day)];
            if (b == 0) b = acquire_bucket();
            buckets_[b - 1].push_back(Slot{ev.cls, std::move(ev.payload)});
            overflow_.pop_back();
            ++in_ring_;
        }
    }

    std::vector<std::uint32_t> ring_;  // per day of the window: 1 + its bucket, or 0: none
    std::int32_t mask_ = 0;
    std::vector<std::vector<Slot>> buckets_;   // each in scheduling order
    std::vector<std::uint32_t> free_buckets_;  // 1 + index of each bucket not in use
    std::vector<Later> overflow_;              // min-heap by key, via `later`
    std::vector<Slot> today_;                  // the current day's events, in key order
    std::vector<Slot> scratch_;                // the counting sort's output, reused
    std::vector<std::size_t> starts_;
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
