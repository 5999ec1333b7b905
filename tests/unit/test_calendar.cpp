#include <gtest/gtest.h>

#include "hubsim/engine/calendar.hpp"

using namespace hubsim;
using namespace std::chrono;

TEST(Calendar, ParsesOnlyRealDates) {
    EXPECT_TRUE(parse_date("2020-02-29"));
    EXPECT_FALSE(parse_date("2019-02-29"));
    EXPECT_FALSE(parse_date("2019-13-01"));
    EXPECT_FALSE(parse_date("2019-1-01"));
    EXPECT_FALSE(parse_date("next year"));
    EXPECT_EQ(format_date(*parse_date("2014-09-01")), "2014-09-01");
}

TEST(Calendar, CountsDaysFromTheStart) {
    const Calendar cal(*parse_date("2014-09-01"));
    EXPECT_EQ(cal.day_of(*parse_date("2014-09-01")), Day{0});
    EXPECT_EQ(cal.day_of(*parse_date("2015-09-01")), Day{365});
    EXPECT_EQ(cal.day_of(*parse_date("2016-09-01")), Day{731});  // 2016 is a leap year
    EXPECT_EQ(format_date(cal.date_of(Day{731})), "2016-09-01");
}

TEST(Calendar, AcademicYearsStartOnTheFirstOfSeptember) {
    const Calendar cal(*parse_date("2014-09-01"));
    EXPECT_EQ(cal.academic_year_of(cal.day_of(*parse_date("2015-08-31"))), 2014);
    EXPECT_EQ(cal.academic_year_of(cal.day_of(*parse_date("2015-09-01"))), 2015);
    EXPECT_EQ(format_date(cal.date_of(cal.year_end(2019))), "2020-08-31");
    EXPECT_EQ(Calendar::year_label(2019), "2019/20");
    EXPECT_EQ(Calendar::year_label(1999), "1999/00");
}

TEST(Calendar, ThreeTerms) {
    const Calendar cal(*parse_date("2014-09-01"));
    EXPECT_EQ(cal.term_of(cal.day_of(*parse_date("2014-12-31"))), Term::Autumn);
    EXPECT_EQ(cal.term_of(cal.day_of(*parse_date("2015-01-01"))), Term::Spring);
    EXPECT_EQ(cal.term_of(cal.day_of(*parse_date("2015-04-14"))), Term::Spring);
    EXPECT_EQ(cal.term_of(cal.day_of(*parse_date("2015-04-15"))), Term::Summer);
    EXPECT_EQ(format_date(cal.date_of(cal.term_end(2014, Term::Spring))), "2015-04-14");
}
