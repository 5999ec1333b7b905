#include "hubsim/engine/calendar.hpp"

#include <charconv>
#include <cstdio>

namespace hubsim {

namespace {
using namespace std::chrono;

std::int32_t serial(Date date) {
    return static_cast<std::int32_t>(sys_days{date}.time_since_epoch().count());
}

Date from_serial(std::int32_t s) {
    return Date{sys_days{days{s}}};
}

bool parse_int(std::string_view text, int& out) {
    const auto* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, out);
    return ec == std::errc{} && ptr == end;
}
}  // namespace

std::optional<Date> parse_date(std::string_view text) {
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
    int y = 0, m = 0, d = 0;
    if (!parse_int(text.substr(0, 4), y) || !parse_int(text.substr(5, 2), m) ||
        !parse_int(text.substr(8, 2), d))
        return std::nullopt;
    const Date date{year{y}, month{static_cast<unsigned>(m)}, day{static_cast<unsigned>(d)}};
    if (!date.ok()) return std::nullopt;
    return date;
}

std::string format_date(Date date) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(date.year()),
                  static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
    return buf;
}

Calendar::Calendar(Date start) : start_(start), start_serial_(serial(start)) {}

Day Calendar::day_of(Date date) const {
    return Day{serial(date) - start_serial_};
}

Date Calendar::date_of(Day d) const {
    return from_serial(start_serial_ + d.value);
}

int Calendar::academic_year_of(Day d) const {
    const Date date = date_of(d);
    const int y = static_cast<int>(date.year());
    return date.month() >= September ? y : y - 1;
}

Day Calendar::year_start(int academic_year) const {
    return day_of(Date{year{academic_year}, September, day{1}});
}

Day Calendar::term_end(int academic_year, Term term) const {
    switch (term) {
        case Term::Autumn:
            return day_of(Date{year{academic_year}, December, day{31}});
        case Term::Spring:
            return day_of(Date{year{academic_year + 1}, April, day{14}});
        case Term::Summer:
            break;
    }
    return year_end(academic_year);
}

Term Calendar::term_of(Day d) const {
    const Date date = date_of(d);
    const unsigned m = static_cast<unsigned>(date.month());
    if (m >= 9) return Term::Autumn;
    if (m < 4 || (m == 4 && static_cast<unsigned>(date.day()) < 15)) return Term::Spring;
    return Term::Summer;
}

std::string Calendar::year_label(int academic_year) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%d/%02d", academic_year, (academic_year + 1) % 100);
    return buf;
}

}  // namespace hubsim
