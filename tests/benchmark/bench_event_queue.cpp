// The event kernel on the classic hold model: a queue kept at a fixed size n, where each
// step takes the earliest event and schedules one more a random number of days later.
// Reports events per second (one event = one pop and one schedule) for n = 10^3 .. 10^6,
// for hubsim's day-bucket queue and, as a yardstick, a binary heap with the same
// (day, class, sequence) key.

#include <benchmark/benchmark.h>

#include <cstdint>
#include <queue>
#include <vector>

#include "hubsim/engine/event_queue.hpp"

using namespace hubsim;

namespace {

enum class Cls : std::uint8_t { First, Second, Third };

/// Increments drawn once, so the generator's cost is not in the figure: uniform whole days
/// in [0, 730] (a mean of a year, as hubsim's events are spread) and a class.
struct Increments {
    static constexpr std::size_t kSize = 1 << 16;
    std::vector<std::int32_t> days;
    std::vector<Cls> classes;
    Increments() : days(kSize), classes(kSize) {
        std::uint64_t x = 0x9E3779B97F4A7C15ULL;
        for (std::size_t i = 0; i < kSize; ++i) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            days[i] = static_cast<std::int32_t>(x % 731);
            classes[i] = static_cast<Cls>((x >> 32) % 3);
        }
    }
};
const Increments& increments() {
    static const Increments inc;
    return inc;
}

/// The hold model on the day-bucket queue. `classes` = 1 is the classic hold model (one
/// kind of event); 3 draws each event's class at random, the worst case for the ordering
/// of same-day events by class (the model's own days are mostly of one class).
void hold_day_buckets(benchmark::State& state, int classes) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const auto& inc = increments();
    auto cls_of = [&](std::size_t j) {
        return classes == 1 ? Cls::First : inc.classes[j & (Increments::kSize - 1)];
    };
    EventQueue<std::uint32_t, Cls> q(1024);
    std::size_t k = 0;
    for (std::size_t i = 0; i < n; ++i, ++k)
        q.schedule(Day{inc.days[k % Increments::kSize]}, cls_of(k), static_cast<std::uint32_t>(i));
    for (auto _ : state) {
        const auto ev = q.pop();
        const std::size_t j = k++ & (Increments::kSize - 1);
        // Same-day events may not go before the current one's class: keep the class.
        const Cls cls = inc.days[j] == 0 ? ev.cls : cls_of(j);
        q.schedule(ev.day + inc.days[j], cls, ev.payload);
    }
    state.SetItemsProcessed(state.iterations());
    state.counters["queue_size"] = static_cast<double>(n);
}

void BM_HoldDayBuckets(benchmark::State& state) {
    hold_day_buckets(state, 1);
}
void BM_HoldDayBucketsThreeClasses(benchmark::State& state) {
    hold_day_buckets(state, 3);
}

struct HeapEvent {
    std::int32_t day;
    Cls cls;
    std::uint64_t seq;
    std::uint32_t payload;
    bool operator>(const HeapEvent& o) const {
        if (day != o.day) return day > o.day;
        if (cls != o.cls) return cls > o.cls;
        return seq > o.seq;
    }
};

void BM_HoldBinaryHeap(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    const auto& inc = increments();
    std::priority_queue<HeapEvent, std::vector<HeapEvent>, std::greater<>> q;
    std::uint64_t seq = 0;
    std::size_t k = 0;
    for (std::size_t i = 0; i < n; ++i, ++k)
        q.push({inc.days[k % Increments::kSize], inc.classes[k % Increments::kSize], seq++,
                static_cast<std::uint32_t>(i)});
    for (auto _ : state) {
        const HeapEvent ev = q.top();
        q.pop();
        const std::size_t j = k++ & (Increments::kSize - 1);
        q.push({ev.day + inc.days[j], inc.classes[j], seq++, ev.payload});
    }
    state.SetItemsProcessed(state.iterations());
    state.counters["queue_size"] = static_cast<double>(n);
}

}  // namespace

BENCHMARK(BM_HoldDayBuckets)->RangeMultiplier(10)->Range(1000, 1000000);
BENCHMARK(BM_HoldDayBucketsThreeClasses)->RangeMultiplier(10)->Range(1000, 1000000);
BENCHMARK(BM_HoldBinaryHeap)->RangeMultiplier(10)->Range(1000, 1000000);
