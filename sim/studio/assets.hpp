#pragma once
// The studio's page and its assets, embedded in the binary at build time from
// sim/studio/page/ (the generated studio_assets.cpp): nothing is fetched from elsewhere.

#include <string_view>
#include <vector>

namespace hubsim::studio {

struct Asset {
    std::string_view name;  ///< the file name, served at /NAME
    std::string_view content_type;
    std::string_view data;
};

const std::vector<Asset>& assets();

}  // namespace hubsim::studio
