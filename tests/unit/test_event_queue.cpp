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
