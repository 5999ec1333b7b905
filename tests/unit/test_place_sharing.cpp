// policy.place_sharing: national training places shared among hubs' applicants. Every
// expected number here was worked out on paper from the rules in place_sharing.hpp.

#include <gtest/gtest.h>

#include "hubsim/model/place_sharing.hpp"

using namespace hubsim;

using Counts = std::vector<std::uint32_t>;

TEST(PlaceSharing, EveryoneFitsGetsAPlace) {
    for (auto rule : {PlaceSharing::RoundRobin, PlaceSharing::BySize, PlaceSharing::ByNeed})
        EXPECT_EQ(share_places(rule, 10, {3, 0, 7}, {1, 1, 1}, 2014, 1), (Counts{3, 0, 7}));
}

// A place at a time from the hub the year turns to: 2014 starts at hub 0, 2015 at hub 1.
TEST(PlaceSharing, RoundRobinTurnsWithTheYear) {
    EXPECT_EQ(share_places(PlaceSharing::RoundRobin, 3, {5, 5}, {300, 100}, 2014, 1),
              (Counts{2, 1}));
    EXPECT_EQ(share_places(PlaceSharing::RoundRobin, 3, {5, 5}, {300, 100}, 2015, 1),
              (Counts{1, 2}));
}

// Weights 300 and 100, four places. Quotients w / (2g + 1): hub 0 300, 100, 60; hub 1 100,
// 33.3. Places: 300 (hub 0), 100 and 100 (one each: the tie only decides which goes first),
// 60 (hub 0): 3 and 1, whichever hub the year starts at.
TEST(PlaceSharing, BySizeIsProportional) {
    for (int year : {2014, 2015})
        EXPECT_EQ(share_places(PlaceSharing::BySize, 4, {10, 10}, {300, 100}, year, 1),
                  (Counts{3, 1}));
    // Whole quotas are met exactly: 60 places over weights 30, 20 and 10.
    EXPECT_EQ(share_places(PlaceSharing::BySize, 60, {99, 99, 99}, {30, 20, 10}, 2014, 1),
              (Counts{30, 20, 10}));
}

// A tie on the last place goes to the hub the year starts at: weights 1 and 1, one place.
TEST(PlaceSharing, TiesFollowTheTurningOrder) {
    EXPECT_EQ(share_places(PlaceSharing::ByNeed, 1, {4, 4}, {1, 1}, 2014, 1), (Counts{1, 0}));
    EXPECT_EQ(share_places(PlaceSharing::ByNeed, 1, {4, 4}, {1, 1}, 2015, 1), (Counts{0, 1}));
}

// No hub gets more places than applicants: hub 0 (weight 300) has one applicant, so the
// other three places go to hub 1.
TEST(PlaceSharing, NeverMoreThanApplicants) {
    EXPECT_EQ(share_places(PlaceSharing::BySize, 4, {1, 10}, {300, 100}, 2014, 1), (Counts{1, 3}));
}

// Hub 0 has no waiting school (weight 0): hub 1 takes its two applicants' places first, then
// the places left go round robin, so none is left while an applicant waits.
TEST(PlaceSharing, PlacesLeftGoRoundTheRest) {
    EXPECT_EQ(share_places(PlaceSharing::ByNeed, 4, {3, 2}, {0, 5}, 2014, 1), (Counts{2, 2}));
    EXPECT_EQ(share_places(PlaceSharing::ByNeed, 3, {3, 3}, {0, 0}, 2014, 1), (Counts{2, 1}));
}

// Two hubs of two phases each (hub-major entries): weights are per entry, and the year
// turns by whole hubs (2015: the order starts at hub 1's first entry).
TEST(PlaceSharing, EntriesPerPhase) {
    // Weights 6, 2 | 0, 4; applicants 9 each; 6 places. Quotients: e0 6, 2, 1.2; e1 2, 0.67;
    // e3 4, 1.33. Order: 6 (e0), 4 (e3), 2 and 2 (e0, e1), 1.33 (e3), 1.2 (e0).
    EXPECT_EQ(share_places(PlaceSharing::BySize, 6, {9, 9, 9, 9}, {6, 2, 0, 4}, 2015, 2),
              (Counts{3, 1, 0, 2}));
}
