#include "hubsim/model/scenario.hpp"

#include <algorithm>
#include <cmath>

namespace hubsim {

std::string Target::label() const {
    return std::string(name(phase)) + " " +
           std::to_string(static_cast<int>(std::lround(share * 100))) + "% by " + format_date(by);
}

std::vector<Phase> Scenario::modelled_phases() const {
    std::vector<Phase> out;
    for (Phase p : kPhases)
        if (params.of(p).modelled()) out.push_back(p);
    return out;
}

void Scenario::index_schools() {
    std::stable_sort(schools.begin(), schools.end(),
                     [](const SchoolProfile& a, const SchoolProfile& b) { return a.hub < b.hub; });
    for (auto& h : hubs) h.first_school = h.last_school = 0;
    std::uint32_t i = 0;
    for (std::size_t h = 0; h < hubs.size(); ++h) {
        hubs[h].first_school = i;
        while (i < schools.size() && schools[i].hub == h) ++i;
        hubs[h].last_school = i;
    }
}

}  // namespace hubsim
