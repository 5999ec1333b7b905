#pragma once
/// \file
/// The academic calendar: converts between dates and Day numbers, and knows where
/// school years and terms begin.
///
/// The academic year starts on 1 September and is named by the calendar year it starts
/// in (2019 is 2019/20). It has three terms: autumn from 1 September, spring from
/// 1 January, summer from 15 April (a fixed stand-in for the Easter break, which moves).

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "hubsim/engine/day.hpp"

namespace hubsim {

using Date = std::chrono::year_month_day;

/// Parses an ISO date "YYYY-MM-DD"; nullopt if malformed or not a real date.
std::optional<Date> parse_date(std::string_view text);
/// Formats a date as "YYYY-MM-DD".
std::string format_date(Date date);

enum class Term : std::uint8_t { Autumn, Spring, Summer };

class Calendar {
  public:
    explicit Calendar(Date start);

    Date start() const { return start_; }
    Day day_of(Date date) const;
    Date date_of(Day day) const;

    /// The academic year a day falls in (2019 for any day from 2019-09-01 to 2020-08-31).
    int academic_year_of(Day day) const;
    /// First day (1 September) of an academic year.
    Day year_start(int academic_year) const;
    /// Last day (31 August) of an academic year.
    Day year_end(int academic_year) const { return year_start(academic_year + 1) - 1; }
    /// Last day of a term of an academic year.
    Day term_end(int academic_year, Term term) const;
    Term term_of(Day day) const;
    /// "2019/20".
    static std::string year_label(int academic_year);

  private:
    Date start_;
    std::int32_t start_serial_;  // days since 1970-01-01 of start_
};

}  // namespace hubsim
