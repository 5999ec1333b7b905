#include <gtest/gtest.h>

#include <random>
#include <tuple>
#include <vector>

#include "hubsim/engine/event_queue.hpp"

using namespace hubsim;

namespace {
enum class Cls : std::uint8_t { First, Second, Third };
using Queue = EventQueue<int, Cls>;

std::vector<int> drain(Queue& q) {
    std::vector<int> out;
    while (!q.empty()) out.push_back(q.pop().payload);
    return out;
}
}  // namespace

TEST(EventQueue, OrdersByDayThenClassThenInsertion) {
    Queue q(8);
    q.schedule(Day{5}, Cls::Second, 1);
    q.schedule(Day{5}, Cls::First, 2);
    q.schedule(Day{2}, Cls::Third, 3);
    q.schedule(Day{5}, Cls::Second, 4);
    q.schedule(Day{5}, Cls::First, 5);
    q.schedule(Day{100}, Cls::First, 6);  // beyond the ring: overflow heap
    q.schedule(Day{3}, Cls::First, 7);
    EXPECT_EQ(drain(q), (std::vector<int>{3, 7, 2, 5, 1, 4, 6}));
}

TEST(EventQueue, SameDayEventsScheduledWhileProcessingKeepTheOrder) {
    Queue q(4);
    q.schedule(Day{1}, Cls::First, 1);
    q.schedule(Day{1}, Cls::Third, 2);
    EXPECT_EQ(q.pop().payload, 1);
    q.schedule(Day{1}, Cls::Second, 3);  // after First, before Third
    q.schedule(Day{1}, Cls::First, 4);   // same class as the current event: comes next
    EXPECT_EQ(drain(q), (std::vector<int>{4, 3, 2}));
}

TEST(EventQueue, RejectsEventsInThePast) {
    Queue q;
    q.schedule(Day{10}, Cls::Second, 1);
    q.pop();
    EXPECT_THROW(q.schedule(Day{9}, Cls::Third, 2), std::logic_error);
    EXPECT_THROW(q.schedule(Day{10}, Cls::First, 2), std::logic_error);
    EXPECT_NO_THROW(q.schedule(Day{10}, Cls::Second, 2));
}

TEST(EventQueue, HasBeforeLooksNoFurtherThanTheBarrier) {
    Queue q(4);
    q.schedule(Day{50}, Cls::First, 1);
    EXPECT_FALSE(q.has_before(Day{20}, Cls::First));
    // The queue did not move past day 20, so day 20 can still be scheduled.
    q.schedule(Day{20}, Cls::Second, 2);
    EXPECT_FALSE(q.has_before(Day{20}, Cls::Second));
    EXPECT_TRUE(q.has_before(Day{20}, Cls::Third));
    EXPECT_EQ(q.pop_ready().payload, 2);
    EXPECT_TRUE(q.has_before(Day{51}, Cls::First));
    EXPECT_EQ(q.pop_ready().payload, 1);
    EXPECT_TRUE(q.empty());
}

TEST(EventQueue, ClassesArrivingInEveryOrderComeOutInClassOrder) {
    const std::vector<std::vector<Cls>> orders = {
        {Cls::First, Cls::Second, Cls::Third}, {Cls::First, Cls::Third, Cls::Second},
        {Cls::Second, Cls::First, Cls::Third}, {Cls::Second, Cls::Third, Cls::First},
        {Cls::Third, Cls::First, Cls::Second}, {Cls::Third, Cls::Second, Cls::First}};
    for (const auto& order : orders) {
        Queue q(8);
        int payload = 0;
        for (int round = 0; round < 2; ++round)
            for (Cls c : order) q.schedule(Day{3}, c, static_cast<int>(c) * 10 + payload++);
        std::vector<int> got;
        while (!q.empty()) {
            const auto ev = q.pop();
            got.push_back(ev.payload);
        }
        ASSERT_EQ(got.size(), 6u);
        for (std::size_t i = 1; i < got.size(); ++i)  // class first, then scheduling order
            EXPECT_LT(got[i - 1], got[i]);
    }
}

TEST(EventQueue, SameDayInsertsOfEveryClassAfterTheDayWasLoaded) {
    Queue q(8);
    q.schedule(Day{4}, Cls::First, 1);
    q.schedule(Day{4}, Cls::Third, 2);
    EXPECT_EQ(q.pop().payload, 1);      // day 4 is loaded now
    q.schedule(Day{4}, Cls::Third, 3);  // after 2
    q.schedule(Day{4}, Cls::First, 4);  // before 2
    q.schedule(Day{4}, Cls::Second, 5);
    EXPECT_EQ(q.pop().payload, 4);
    EXPECT_EQ(q.pop().payload, 5);
    EXPECT_EQ(q.pop().payload, 2);
    q.schedule(Day{4}, Cls::Third, 6);
    EXPECT_EQ(drain(q), (std::vector<int>{3, 6}));
    // A loaded day that had no bucket of its own.
    q.schedule(Day{6}, Cls::Second, 7);
    EXPECT_FALSE(q.has_before(Day{5}, Cls::First));  // day 5 loaded, empty
    q.schedule(Day{5}, Cls::Third, 8);
    q.schedule(Day{5}, Cls::First, 9);
    q.schedule(Day{7}, Cls::First, 10);  // and a new day's bucket after that
    EXPECT_EQ(drain(q), (std::vector<int>{9, 8, 7, 10}));
}

TEST(EventQueue, OverflowEventsMoveIntoTheRingBeforeLaterInserts) {
    Queue q(4);
    q.schedule(Day{20}, Cls::Third, 1);  // beyond the ring: overflow
    q.schedule(Day{20}, Cls::First, 2);
    q.schedule(Day{20}, Cls::Third, 3);
    q.schedule(Day{18}, Cls::First, 4);
    EXPECT_EQ(q.pop().payload, 4);       // the cursor is at 18: day 20 is in the ring now
    q.schedule(Day{20}, Cls::Third, 5);  // a direct insert, after the moved ones
    q.schedule(Day{20}, Cls::First, 6);
    EXPECT_EQ(drain(q), (std::vector<int>{2, 6, 1, 3, 5}));
}

TEST(EventQueue, HasBeforeAtBarriersOfEveryClass) {
    Queue q(4);
    q.schedule(Day{7}, Cls::Second, 1);
    q.schedule(Day{7}, Cls::Second, 2);
    EXPECT_FALSE(q.has_before(Day{7}, Cls::First));
    EXPECT_FALSE(q.has_before(Day{7}, Cls::Second));
    q.schedule(Day{7}, Cls::First, 3);  // the barrier did not take anything
    EXPECT_TRUE(q.has_before(Day{7}, Cls::Second));
    EXPECT_EQ(q.pop_ready().payload, 3);
    EXPECT_TRUE(q.has_before(Day{7}, Cls::Third));
    EXPECT_EQ(q.pop_ready().payload, 1);
    EXPECT_TRUE(q.has_before(Day{8}, Cls::First));
    EXPECT_EQ(q.pop_ready().payload, 2);
    EXPECT_FALSE(q.has_before(Day{100}, Cls::Third));
    EXPECT_TRUE(q.empty());
}

TEST(EventQueue, ACopyTakenMidDayIsIndependent) {
    Queue q(8);
    for (int i = 0; i < 6; ++i) q.schedule(Day{2}, static_cast<Cls>(i % 3), i);
    q.schedule(Day{30}, Cls::First, 6);
    EXPECT_EQ(q.pop().payload, 0);
    Queue copy(q);
    Queue assigned;
    assigned = q;
    const std::vector<int> rest{3, 1, 4, 2, 5, 6};
    EXPECT_EQ(drain(q), rest);
    EXPECT_EQ(drain(copy), rest);
    Queue moved(std::move(assigned));
    EXPECT_EQ(drain(moved), rest);
}

// The calendar queue must agree with a plain sorted reference on a random hold model
// (a quarter of the events scheduled for the current day), whatever its ring width.
class EventQueueHold : public ::testing::TestWithParam<std::size_t> {};

TEST_P(EventQueueHold, MatchesAReferenceOrder) {
    Queue q(GetParam());
    std::mt19937_64 rng(42);
    using Key = std::tuple<int, int, std::uint64_t>;
    std::vector<Key> popped, expected;
    std::uint64_t seq = 0;
    std::vector<std::pair<Key, int>> pending;  // reference: key -> payload
    auto push = [&](int day, Cls c) {
        q.schedule(Day{day}, c, static_cast<int>(seq));
        pending.push_back({{day, static_cast<int>(c), seq}, static_cast<int>(seq)});
        ++seq;
    };
    for (int i = 0; i < 1000; ++i)
        push(static_cast<int>(rng() % 3000), static_cast<Cls>(rng() % 3));
    for (int i = 0; i < 20000; ++i) {
        auto it = std::min_element(pending.begin(), pending.end());
        const auto ev = q.pop();
        ASSERT_EQ(ev.payload, it->second) << "at pop " << i;
        const int now = ev.day.value;
        pending.erase(it);
        if (rng() % 4 == 0) {  // the same day, in its class or a later one
            const int c = static_cast<int>(ev.cls);
            push(now, static_cast<Cls>(c + static_cast<int>(rng() % (3 - c))));
        } else {
            push(now + 1 + static_cast<int>(rng() % 2000), static_cast<Cls>(rng() % 3));
        }
    }
}

INSTANTIATE_TEST_SUITE_P(RingWidths, EventQueueHold, ::testing::Values(1, 16, 512, 4096));
