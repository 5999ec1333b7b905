#pragma once
/// \file
/// Simulated time: a strong integer type counting whole days from the scenario start.
///
/// Time in hubsim is whole days because everything the programme does is scheduled by
/// the day (a Work Group meets on a day, a school year starts on 1 September). Integer
/// days make event order exact: no two runs can disagree about which event came first
/// because of floating-point rounding.

#include <compare>
#include <cstdint>

namespace hubsim {

/// A day number: 0 is the scenario's start date.
struct Day {
    std::int32_t value = 0;

    constexpr Day() = default;
    constexpr explicit Day(std::int32_t v) : value(v) {}
    friend constexpr auto operator<=>(Day, Day) = default;
    friend constexpr Day operator+(Day d, std::int32_t n) { return Day{d.value + n}; }
    friend constexpr Day operator-(Day d, std::int32_t n) { return Day{d.value - n}; }
    friend constexpr std::int32_t operator-(Day a, Day b) { return a.value - b.value; }
};

}  // namespace hubsim
