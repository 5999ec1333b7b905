// Pinned results: every shipped scenario, run with its own seed and a fixed number of
// replications (as shipped, and with --parameters fixed where it draws its parameters from a
// posterior), must give exactly the results pinned in pinned_results.yaml — a SHA-256
// of each output series (its values, not the file's bytes) and a few headline numbers a
// reviewer can read. A change that alters results fails here until the pins are
// regenerated on purpose, and CHANGELOG.md says why:
//
//     bash tools/pin_results.sh
//
// The same pins hold for g++ and clang builds (tools/build_clang.sh runs this test).

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <bit>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "../support.hpp"
#include "hubsim/io/atomic_file.hpp"
#include "hubsim/io/digest.hpp"

using namespace hubsim;
using namespace hubsim::test;
namespace fs = std::filesystem;

namespace {

constexpr std::uint32_t kReplications = 4;

std::string pins_path() {
    return source_dir() + "/tests/regression/pinned_results.yaml";
}

/// SHA-256 of a series' values, each written little-endian (doubles by their bits), so the
/// digest is a property of the numbers, not of the machine or the file layout.
template <class T>
std::string digest(const std::vector<T>& values) {
    Sha256 h;
    for (T v : values) {
        std::uint64_t bits = 0;
        if constexpr (std::is_same_v<T, double>)
            bits = std::bit_cast<std::uint64_t>(v);
        else
            bits = static_cast<std::uint64_t>(static_cast<std::make_unsigned_t<T>>(v));
        unsigned char bytes[sizeof(T)];
        for (std::size_t b = 0; b < sizeof(T); ++b)
            bytes[b] = static_cast<unsigned char>(bits >> (8 * b));
        h.update(bytes, sizeof bytes);
    }
    return h.hex().substr(0, 32);
}

std::string fixed(double v, int digits) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", digits, v);
    return buf;
}

/// What the pins hold for one scenario: series digests and readable headline numbers.
struct Pins {
    std::map<std::string, std::string> digests;
    std::vector<std::pair<std::string, std::string>> headline;
};

Pins pins_of(const Scenario& sc, const Results& r) {
    Pins p;
    for_each_series(r, [&](const SeriesSpec& spec, const auto& data) {
        p.digests[std::string(spec.group) + "/" + std::string(spec.name)] = digest(data);
    });
    const Calendar cal(sc.start);
    const double reps = static_cast<double>(r.replications);
    for (std::size_t c = 0; c < r.phases.size(); ++c) {
        double schools = 0;
        for (const auto& s : sc.schools) schools += s.phase == r.phases[c];
        for (std::size_t t : {r.times() / 3, 2 * r.times() / 3, r.times() - 1}) {
            double engaged = 0;
            for (std::size_t k = 0; k < r.replications; ++k)
                for (std::size_t h = 0; h < r.hubs; ++h)
                    engaged += r.engaged[r.phase_cell(k, t, h, c)];
            p.headline.emplace_back(std::string(name(r.phases[c])) + " engaged share " +
                                        format_date(cal.date_of(r.sample_days[t])),
                                    fixed(engaged / reps / schools, 4));
        }
    }
    double active = 0, cost = 0;
    for (std::size_t k = 0; k < r.replications; ++k) {
        for (std::size_t h = 0; h < r.hubs; ++h)
            active += r.leaders(k, r.times() - 1, h, LlmeStatus::Active);
        for (std::size_t y = 0; y < r.years.size(); ++y)
            for (std::size_t i = 0; i < kCostItemCount; ++i)
                cost += r.cost[r.cost_cell(k, y, static_cast<CostItem>(i))];
    }
    p.headline.emplace_back("active LLME at the end", fixed(active / reps, 2));
    p.headline.emplace_back("total cost GBP m", fixed(cost / reps / 1e6, 3));
    for (std::size_t t = 0; t < sc.targets.size(); ++t) {
        int on_time = 0;
        for (std::size_t k = 0; k < r.replications; ++k) {
            const std::int32_t d = r.target_day[r.target_cell(k, t)];
            on_time += d >= 0 && Day{d} <= cal.day_of(sc.targets[t].by);
        }
        p.headline.emplace_back("replications meeting " + sc.targets[t].label(),
                                std::to_string(on_time) + " of " + std::to_string(r.replications));
    }
    return p;
}

std::vector<fs::path> shipped_scenarios() {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(source_dir() + "/scenarios"))
        if (e.path().extension() == ".yaml") out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

std::string emit(const std::map<std::string, Pins>& all) {
    YAML::Emitter out;
    out.SetIndent(2);
    out << YAML::Comment(
        "Pinned results of every shipped scenario (tests/regression/test_pinned_results.cpp):\n"
        "its seed, " +
        std::to_string(kReplications) +
        " replications. Regenerate on purpose with\n"
        "    bash tools/pin_results.sh\nand say why in CHANGELOG.md.");
    out << YAML::BeginMap;
    for (const auto& [file, pins] : all) {
        out << YAML::Key << file << YAML::Value << YAML::BeginMap;
        out << YAML::Key << "headline" << YAML::Value << YAML::BeginMap;
        for (const auto& [k, v] : pins.headline) out << YAML::Key << k << YAML::Value << v;
        out << YAML::EndMap << YAML::Key << "series" << YAML::Value << YAML::BeginMap;
        for (const auto& [k, v] : pins.digests) out << YAML::Key << k << YAML::Value << v;
        out << YAML::EndMap << YAML::EndMap;
    }
    out << YAML::EndMap;
    return std::string(out.c_str()) + "\n";
}

}  // namespace

TEST(PinnedResults, EveryShippedScenarioGivesItsPinnedResults) {
    std::map<std::string, Pins> now;
    for (const fs::path& file : shipped_scenarios()) {
        const auto ls = load_scenario(file);
        now[file.filename().string()] = pins_of(ls.scenario, run(ls.scenario, kReplications, 2));
        // A scenario that draws its parameters is pinned with them fixed too.
        if (!ls.scenario.posterior.empty()) {
            const auto fixed = load_scenario(file, {"parameters=fixed"});
            now[file.filename().string() + " --parameters fixed"] =
                pins_of(fixed.scenario, run(fixed.scenario, kReplications, 2));
        }
    }
    if (const char* update = std::getenv("HUBSIM_UPDATE_PINS"); update && *update == '1') {
        write_text_atomically(pins_path(), emit(now));
        GTEST_SKIP() << "pins written to " << pins_path()
                     << ": review the diff, say why in CHANGELOG.md";
    }
    ASSERT_TRUE(fs::exists(pins_path())) << "no pins yet: bash tools/pin_results.sh";
    const YAML::Node pinned = YAML::LoadFile(pins_path());
    for (const auto& [file, pins] : now) {
        SCOPED_TRACE(file);
        const YAML::Node want = pinned[file];
        ASSERT_TRUE(want.IsMap()) << file << " has no pins: bash tools/pin_results.sh";
        std::string changed;
        for (const auto& [series, d] : pins.digests)
            if (!want["series"][series] || want["series"][series].Scalar() != d)
                changed += " " + series;
        std::string headline;
        for (const auto& [k, v] : pins.headline) {
            const std::string was = want["headline"][k] ? want["headline"][k].Scalar() : "(none)";
            if (was != v) headline += "\n  " + k + ": pinned " + was + ", now " + v;
        }
        EXPECT_TRUE(changed.empty())
            << file << ": results changed in" << changed << headline
            << "\nIf on purpose: bash tools/pin_results.sh, and a CHANGELOG line saying why.";
    }
    for (const auto& kv : pinned)
        EXPECT_TRUE(now.count(kv.first.Scalar()))
            << kv.first.Scalar() << " is pinned but not shipped";
}
