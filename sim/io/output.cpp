#include "hubsim/io/output.hpp"

#include <hdf5.h>
#include <hdf5_hl.h>
#include <tbb/version.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <boost/version.hpp>
#include <chrono>
#include <ctime>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include "h5.hpp"
#include "hubsim/version.hpp"

namespace hubsim {

namespace {

using namespace h5;

/// The axes of a run as dimension scales in one group. Every group that holds datasets
/// carries its own copy, so that xarray opening that group alone shows the labels; the
/// datasets are attached to the group's scales first and to the root's second.
struct Axes {
    Axes(hid_t loc, const Scenario& sc, const Results& r);
    Axes(const Axes&) = delete;
    ~Axes() {
        for (hid_t id : {time, replication, hub, phase, stage, status, year, cost_item, target})
            H5Dclose(id);
    }
    hid_t time, replication, hub, phase, stage, status, year, cost_item, target;
};

Axes::Axes(hid_t loc, const Scenario& sc, const Results& r) {
    const Calendar cal(sc.start);
    std::vector<std::int32_t> days, reps, years;
    std::vector<std::string> hubs, phases, stages, statuses, items, targets;
    for (Day d : r.sample_days) days.push_back(d.value);
    for (std::size_t i = 0; i < r.replications; ++i) reps.push_back(static_cast<std::int32_t>(i));
    for (const auto& h : sc.hubs) hubs.push_back(h.name);
    for (Phase p : r.phases) phases.emplace_back(name(p));
    for (Stage s : kStages) stages.emplace_back(name(s));
    for (std::size_t k = 0; k < kLlmeStatusCount; ++k)
        statuses.emplace_back(name(static_cast<LlmeStatus>(k)));
    for (int y : r.years) years.push_back(y);
    for (std::size_t k = 0; k < kCostItemCount; ++k)
        items.emplace_back(name(static_cast<CostItem>(k)));
    for (const auto& t : sc.targets) targets.push_back(t.label());

    time = numeric(loc, "time", {days.size()}, days.data());
    attr_string(time, "units", "days since " + format_date(sc.start));
    attr_string(time, "calendar", "proleptic_gregorian");
    attr_string(time, "long_name", "sample day (end of each academic year or term)");
    replication = numeric(loc, "replication", {reps.size()}, reps.data());
    hub = string_vector(loc, "hub", hubs);
    phase = string_vector(loc, "phase", phases);
    stage = string_vector(loc, "stage", stages);
    status = string_vector(loc, "status", statuses);
    year = numeric(loc, "year", {years.size()}, years.data());
    attr_string(year, "long_name",
                "academic year, by the calendar year it starts in (2019 is 2019/20)");
    cost_item = string_vector(loc, "cost_item", items);
    target = string_vector(loc, "target", targets);
    for (auto [ds, nm] : {std::pair<hid_t, const char*>{time, "time"},
                          {replication, "replication"},
                          {hub, "hub"},
                          {phase, "phase"},
                          {stage, "stage"},
                          {status, "status"},
                          {year, "year"},
                          {cost_item, "cost_item"},
                          {target, "target"}})
        check(H5DSset_scale(ds, nm), "make a dimension scale");
}

void attach(hid_t ds, const std::vector<hid_t>& scales) {
    for (unsigned i = 0; i < scales.size(); ++i)
        check(H5DSattach_scale(ds, scales[i], i), "attach a dimension scale");
}

/// The same axis in the root group, for a scale of a group's own copy.
hid_t root_twin(const Axes& local, const Axes& root, hid_t scale) {
    const hid_t l[] = {local.time,   local.replication, local.hub,       local.phase, local.stage,
                       local.status, local.year,        local.cost_item, local.target};
    const hid_t r[] = {root.time,   root.replication, root.hub,       root.phase, root.stage,
                       root.status, root.year,        root.cost_item, root.target};
    for (std::size_t i = 0; i < std::size(l); ++i)
        if (l[i] == scale) return r[i];
    return -1;
}

template <class T>
void dataset(hid_t group, const char* name, const std::vector<hid_t>& scales,
             const std::vector<T>& data, const char* long_name, const std::string& units = "",
             const std::vector<hid_t>& root_scales = {}) {
    std::vector<hsize_t> dims;
    for (hid_t s : scales) {
        Handle space(H5Dget_space(s), H5Sclose, "read a scale's size");
        hsize_t n = 0;
        H5Sget_simple_extent_dims(space, &n, nullptr);
        dims.push_back(n);
    }
    Handle ds(numeric(group, name, dims, data.data()), H5Dclose, "create a dataset");
    attach(ds, scales);
    if (!root_scales.empty()) attach(ds, root_scales);
    attr_string(ds, "long_name", long_name);
    if (!units.empty()) attr_string(ds, "units", units);
    // A day count of -1 means "never": readers that follow the CF conventions mask it.
    if constexpr (std::is_same_v<T, std::int32_t>) attr_number<std::int32_t>(ds, "_FillValue", -1);
}

void write_file(hid_t file, const LoadedScenario& ls, const Results& r, const Provenance& prov) {
    const Scenario& sc = ls.scenario;
    const Calendar cal(sc.start);

    attr_string(file, "hubsim_version", kVersion);
    attr_string(file, "created", utc_now_iso8601());
    attr_number<std::uint64_t>(file, "seed", sc.seed);
    attr_string(file, "scenario_name", sc.name);
    attr_string(file, "scenario_path", ls.source_path);
    attr_string(file, "git_commit", kGitCommit);
    attr_string(file, "command_line", prov.command_line);
    attr_number<std::int32_t>(file, "threads", prov.threads);
    attr_number<std::uint64_t>(file, "replications", r.replications);
    unsigned maj = 0, min = 0, rel = 0;
    H5get_libversion(&maj, &min, &rel);
    attr_string(file, "library_versions",
                "hdf5 " + std::to_string(maj) + "." + std::to_string(min) + "." +
                    std::to_string(rel) + "; onetbb " + std::to_string(TBB_VERSION_MAJOR) + "." +
                    std::to_string(TBB_VERSION_MINOR) + "; boost " +
                    std::to_string(BOOST_VERSION / 100000) + "." +
                    std::to_string(BOOST_VERSION / 100 % 1000) + "; yaml-cpp 0.7");

    scalar_string(file, "scenario", ls.resolved_yaml);
    scalar_string(file, "scenario_source", ls.source_text);

    const Axes root(file, sc, r);
    {
        std::vector<std::string> dates;
        for (Day d : r.sample_days) dates.push_back(format_date(cal.date_of(d)));
        Handle d(string_vector(file, "date", dates), H5Dclose, "write date");
        attach(d, {root.time});
        std::vector<std::string> regions, opens;
        for (const auto& h : sc.hubs) {
            regions.push_back(h.region);
            opens.push_back(format_date(h.opens));
        }
        Handle hr(string_vector(file, "hub_region", regions), H5Dclose, "write hub_region");
        attach(hr, {root.hub});
        Handle ho(string_vector(file, "hub_opens", opens), H5Dclose, "write hub_opens");
        attach(ho, {root.hub});
        std::vector<std::uint32_t> schools(sc.hubs.size() * r.phases.size(), 0);
        for (const auto& s : sc.schools) {
            const auto c = std::find(r.phases.begin(), r.phases.end(), s.phase) - r.phases.begin();
            ++schools[s.hub * r.phases.size() + static_cast<std::size_t>(c)];
        }
        dataset(file, "hub_schools", {root.hub, root.phase}, schools,
                "schools in each hub and phase");
    }

    Handle traj(H5Gcreate2(file, "trajectories", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose,
                "create a group");
    {
        const Axes a(traj, sc, r);
        auto in = [&](std::vector<hid_t> local) {
            std::vector<hid_t> twins;
            for (hid_t h : local) twins.push_back(root_twin(a, root, h));
            return std::pair{local, twins};
        };
        auto put = [&](const char* nm, std::vector<hid_t> dims,
                       const std::vector<std::uint32_t>& data, const char* long_name,
                       const char* units) {
            auto [local, twins] = in(std::move(dims));
            dataset(traj, nm, local, data, long_name, units, twins);
        };
        put("stage_counts", {a.replication, a.time, a.hub, a.phase, a.stage}, r.stage_counts,
            "schools in each stage", "schools");
        put("engaged", {a.replication, a.time, a.hub, a.phase}, r.engaged,
            "schools that have ever taken part in a TfM Work Group", "schools");
        put("llme", {a.replication, a.time, a.hub, a.status}, r.llme,
            "local leaders by status (left: cumulative)", "LLME");
        put("specialists", {a.replication, a.time, a.hub, a.status}, r.specialists,
            "Mastery Specialists (trained leaders) by status", "LLME");
        put("work_groups", {a.replication, a.time, a.hub, a.phase, a.stage}, r.work_groups,
            "Work Groups running in the academic year of the sample", "groups");
        put("waiting", {a.replication, a.time, a.hub, a.phase}, r.waiting,
            "schools that wanted a Work Group place and had none", "schools");
        put("participating", {a.replication, a.time, a.hub, a.phase}, r.participating,
            "schools in a Work Group in the academic year of the sample", "schools");
        put("trainees", {a.replication, a.time, a.hub, a.phase}, r.trainees,
            "Mastery Specialists who started training in the academic year of the sample", "LLME");
    }

    Handle sum(H5Gcreate2(file, "summary", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose,
               "create a group");
    {
        const Axes a(sum, sc, r);
        const std::string since = "days since " + format_date(sc.start);
        dataset(sum, "cost", {a.replication, a.year, a.cost_item}, r.cost,
                "cost of the programme by academic year and item", "GBP",
                {root.replication, root.year, root.cost_item});
        dataset(sum, "target_day", {a.replication, a.target}, r.target_day,
                "first sample day at which each national target is met (-1: not met)", since,
                {root.replication, root.target});
        dataset(sum, "particle", {a.replication}, r.particle,
                "the posterior particle each replication drew its parameters from (-1: none)", "",
                {root.replication});
        dataset(sum, "hub_target_day", {a.replication, a.hub, a.target}, r.hub_target_day,
                "first sample day at which each hub meets each target (-1: not met)", since,
                {root.replication, root.hub, root.target});
    }
}

}  // namespace

std::string utc_now_iso8601() {
    const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

void write_results(const std::filesystem::path& path, const LoadedScenario& scenario,
                   const Results& results, const Provenance& provenance) {
    namespace fs = std::filesystem;
    const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
    if (!fs::is_directory(dir))
        throw std::runtime_error("output folder does not exist: " + dir.string());
    write_atomically(path, [&](hid_t file) { write_file(file, scenario, results, provenance); });
}

}  // namespace hubsim
