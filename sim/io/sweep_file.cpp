#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "h5.hpp"
#include "hubsim/io/diagnostics.hpp"
#include "hubsim/io/output.hpp"
#include "hubsim/io/sweep.hpp"
#include "hubsim/model/llme.hpp"
#include "hubsim/version.hpp"

namespace hubsim {

namespace fs = std::filesystem;
using namespace h5;

namespace {

constexpr double kQuantiles[] = {0.05, 0.5, 0.95};

/// The axes of a sweep file as dimension scales in one group (each group carries its own,
/// so that xarray opening the group shows labels).
class Scales {
  public:
    Scales(hid_t loc, const SweepFile& f) {
        std::vector<std::int32_t> reps;
        for (std::uint32_t i = 0; i < f.replications; ++i)
            reps.push_back(static_cast<std::int32_t>(i));
        std::vector<std::string> stages, statuses, items;
        for (Stage s : kStages) stages.emplace_back(name(s));
        for (std::size_t k = 0; k < kLlmeStatusCount; ++k)
            statuses.emplace_back(name(static_cast<LlmeStatus>(k)));
        for (std::size_t k = 0; k < kCostItemCount; ++k)
            items.emplace_back(name(static_cast<CostItem>(k)));
        add(loc, "point", numeric(loc, "point", {f.point_index.size()}, f.point_index.data()));
        add(loc, "replication", numeric(loc, "replication", {reps.size()}, reps.data()));
        const hid_t time = numeric(loc, "time", {f.sample_days.size()}, f.sample_days.data());
        attr_string(time, "units", "days since " + f.start_date);
        attr_string(time, "calendar", "proleptic_gregorian");
        add(loc, "time", time);
        add(loc, "year", numeric(loc, "year", {f.years.size()}, f.years.data()));
        add(loc, "hub", string_vector(loc, "hub", f.hubs));
        add(loc, "phase", string_vector(loc, "phase", f.phases));
        add(loc, "stage", string_vector(loc, "stage", stages));
        add(loc, "status", string_vector(loc, "status", statuses));
        add(loc, "cost_item", string_vector(loc, "cost_item", items));
        add(loc, "target", string_vector(loc, "target", f.targets));
        const std::vector<double> q(std::begin(kQuantiles), std::end(kQuantiles));
        add(loc, "quantile", numeric(loc, "quantile", {q.size()}, q.data()));
    }
    Scales(const Scales&) = delete;
    ~Scales() {
        for (auto& [n, id] : ids_) H5Dclose(id);
    }
    hid_t operator[](const std::string& n) const { return ids_.at(n); }

  private:
    void add(hid_t, const char* n, hid_t id) {
        check(H5DSset_scale(id, n), "make a dimension scale");
        ids_[n] = id;
    }
    std::map<std::string, hid_t> ids_;
};

template <class T>
void put(hid_t group, const Scales& local, const Scales* root, const char* name,
         const std::vector<std::string>& dims, const std::vector<T>& data,
         const std::string& units = "") {
    std::vector<hsize_t> shape;
    for (const auto& d : dims) {
        Handle space(H5Dget_space(local[d]), H5Sclose, "read a scale's size");
        hsize_t n = 0;
        H5Sget_simple_extent_dims(space, &n, nullptr);
        shape.push_back(n);
    }
    Handle ds(numeric(group, name, shape, data.data()), H5Dclose, "create a dataset");
    for (unsigned i = 0; i < dims.size(); ++i) {
        check(H5DSattach_scale(ds, local[dims[i]], i), "attach a scale");
        if (root) check(H5DSattach_scale(ds, (*root)[dims[i]], i), "attach a scale");
    }
    if (!units.empty()) attr_string(ds, "units", units);
    if constexpr (std::is_same_v<T, std::int32_t>) attr_number<std::int32_t>(ds, "_FillValue", -1);
}

template <class T>
std::vector<T> gather(const SweepFile& f, std::vector<T> PointResults::*member) {
    std::vector<T> out;
    for (const auto& p : f.results) out.insert(out.end(), (p.*member).begin(), (p.*member).end());
    return out;
}

/// Target-day quantiles across replications, per point and target (-1: not met at that
/// quantile), and the probability each target is met by its date.
void target_statistics(const SweepFile& f, std::vector<std::int32_t>& quantiles,
                       std::vector<double>& met) {
    const std::size_t nt = f.targets.size(), R = f.replications;
    for (const auto& p : f.results) {
        for (std::size_t k = 0; k < nt; ++k) {
            std::vector<double> days;
            std::size_t on_time = 0;
            for (std::size_t r = 0; r < R; ++r) {
                const std::int32_t d = p.target_day[r * nt + k];
                days.push_back(d < 0 ? INFINITY : static_cast<double>(d));
                if (d >= 0 && d <= f.target_by[k]) ++on_time;
            }
            std::sort(days.begin(), days.end());
            for (double q : kQuantiles) {
                // The lower empirical quantile: an actual sample day, or -1 for "never".
                const double v =
                    R ? days[static_cast<std::size_t>(std::floor(q * static_cast<double>(R - 1)))]
                      : NAN;
                quantiles.push_back(std::isfinite(v) ? static_cast<std::int32_t>(v) : -1);
            }
            met.push_back(R ? static_cast<double>(on_time) / static_cast<double>(R) : NAN);
        }
    }
}

void write_groups(hid_t file, const SweepFile& f, const Scales& root) {
    const std::string since = "days since " + f.start_date;
    {
        Handle g(H5Gcreate2(file, "points", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose,
                 "create /points");
        Scales local(g, f);
        for (std::size_t k = 0; k < f.parameter_keys.size(); ++k) {
            std::vector<double> v;
            for (const auto& p : f.point_values) v.push_back(p[k]);
            if (f.parameter_choices[k].empty()) {
                put(g, local, &root, f.parameter_keys[k].c_str(), {"point"}, v);
            } else {
                std::vector<std::string> names;
                for (double x : v)
                    names.push_back(f.parameter_choices[k].at(static_cast<std::size_t>(x)));
                Handle ds(string_vector(g, f.parameter_keys[k].c_str(), names), H5Dclose,
                          "write a choice");
                check(H5DSattach_scale(ds, local["point"], 0), "attach a scale");
            }
        }
    }
    Handle s(H5Gcreate2(file, "summary", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose,
             "create /summary");
    Scales local(s, f);
    put(s, local, &root, "engaged", {"point", "replication", "time", "phase"},
        gather(f, &PointResults::engaged), "schools");
    put(s, local, &root, "target_day", {"point", "replication", "target"},
        gather(f, &PointResults::target_day), since);
    put(s, local, &root, "cost", {"point", "replication", "year", "cost_item"},
        gather(f, &PointResults::cost), "GBP");
    std::vector<std::int32_t> quantiles;
    std::vector<double> met;
    target_statistics(f, quantiles, met);
    put(s, local, &root, "target_day_quantiles", {"point", "target", "quantile"}, quantiles, since);
    put(s, local, &root, "target_met_probability", {"point", "target"}, met);
    put(s, local, &root, "target_by", {"target"}, f.target_by, since);
    std::vector<std::string> prints;
    for (const auto& p : f.results) prints.push_back(p.fingerprint);
    Handle fp(string_vector(s, "fingerprint", prints), H5Dclose, "write fingerprints");
    check(H5DSattach_scale(fp, local["point"], 0), "attach a scale");

    if (!f.trajectories) return;
    Handle t(H5Gcreate2(file, "trajectories", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose,
             "create a group");
    Scales tl(t, f);
    const std::vector<std::string> hp = {"point", "replication", "time", "hub", "phase"};
    const std::vector<std::string> hps = {"point", "replication", "time", "hub", "phase", "stage"};
    put(t, tl, &root, "stage_counts", hps, gather(f, &PointResults::stage_counts), "schools");
    put(t, tl, &root, "work_groups", hps, gather(f, &PointResults::work_groups), "groups");
    put(t, tl, &root, "engaged", hp, gather(f, &PointResults::hub_engaged), "schools");
    put(t, tl, &root, "waiting", hp, gather(f, &PointResults::waiting), "schools");
    put(t, tl, &root, "participating", hp, gather(f, &PointResults::participating), "schools");
    put(t, tl, &root, "trainees", hp, gather(f, &PointResults::trainees), "LLME");
    put(t, tl, &root, "llme", {"point", "replication", "time", "hub", "status"},
        gather(f, &PointResults::llme), "LLME");
}

/// Splits a [point, ...] dataset read from a file back into per-point vectors.
template <class T>
void scatter(hid_t loc, const char* name, SweepFile& f, std::vector<T> PointResults::*member) {
    std::vector<T> all;
    read(loc, name, all);
    const std::size_t n = f.results.size(), per = n ? all.size() / n : 0;
    for (std::size_t i = 0; i < n; ++i)
        (f.results[i].*member)
            .assign(all.begin() + static_cast<std::ptrdiff_t>(i * per),
                    all.begin() + static_cast<std::ptrdiff_t>((i + 1) * per));
}

std::string attr_text(hid_t obj, const char* name) {
    Handle a(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose, "open an attribute");
    Handle type(string_type(), H5Tclose, "make a string type");
    char* p = nullptr;
    check(H5Aread(a, type, &p), "read an attribute");
    std::string s = p ? p : "";
    H5free_memory(p);
    return s;
}

template <class T>
T attr_value(hid_t obj, const char* name) {
    Handle a(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose, "open an attribute");
    T v{};
    check(H5Aread(a, native<T>(), &v), "read an attribute");
    return v;
}

}  // namespace

void write_sweep_file(const fs::path& path, const SweepFile& f, const std::string& command_line) {
    write_atomically(path, [&](hid_t file) {
        attr_string(file, "hubsim_version", kVersion);
        attr_string(file, "created", utc_now_iso8601());
        attr_string(file, "git_commit", kGitCommit);
        attr_string(file, "command_line", command_line);
        attr_string(file, "sweep_name", f.name);
        attr_string(file, "start_date", f.start_date);
        attr_number<std::uint64_t>(file, "seed", f.seed);
        attr_number<std::uint32_t>(file, "total_points", f.total_points);
        attr_number<std::uint32_t>(file, "replications", f.replications);
        attr_number<std::uint32_t>(file, "trajectories", f.trajectories ? 1 : 0);
        scalar_string(file, "sweep", f.sweep_text);
        scalar_string(file, "scenario", f.scenario_yaml);
        Handle keys(string_vector(file, "parameter_keys", f.parameter_keys), H5Dclose,
                    "write keys");
        std::vector<std::string> choices;
        for (const auto& c : f.parameter_choices) {
            std::string joined;
            for (const auto& x : c) joined += (joined.empty() ? "" : "\n") + x;
            choices.push_back(joined);
        }
        Handle ch(string_vector(file, "parameter_choices", choices), H5Dclose, "write choices");
        std::vector<double> values;
        for (const auto& p : f.point_values) values.insert(values.end(), p.begin(), p.end());
        Handle pv(numeric(file, "point_values", {f.point_values.size(), f.parameter_keys.size()},
                          values.data()),
                  H5Dclose, "write point values");
        Handle tb(numeric(file, "target_by", {f.target_by.size()}, f.target_by.data()), H5Dclose,
                  "write");
        const Scales root(file, f);
        write_groups(file, f, root);
    });
}

namespace {

/// The fields of a journal entry, in one place for the writer and the reader.
template <class P, class F>
void journal_fields(P& p, F&& f) {
    f("engaged", p.engaged);
    f("target_day", p.target_day);
    f("cost", p.cost);
    f("stage_counts", p.stage_counts);
    f("hub_engaged", p.hub_engaged);
    f("waiting", p.waiting);
    f("participating", p.participating);
    f("trainees", p.trainees);
    f("llme", p.llme);
    f("work_groups", p.work_groups);
}

template <class T>
void flat(hid_t loc, const char* name, const std::vector<T>& v) {
    const hsize_t n = v.size();
    Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose, "make a space");
    Handle ds(H5Dcreate2(loc, name, native<T>(), space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
              H5Dclose, name);
    if (n) check(H5Dwrite(ds, native<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), name);
}

}  // namespace

void write_journal_entry(const fs::path& path, const PointResults& point) {
    write_atomically(path, [&](hid_t file) {
        attr_string(file, "fingerprint", point.fingerprint);
        attr_number<std::uint32_t>(file, "replications", point.replications);
        journal_fields(point, [&](const char* name, const auto& v) { flat(file, name, v); });
    });
}

PointResults read_journal_entry(const fs::path& path) {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    if (id < 0) throw InputError({{path.string(), 0, 0, "", "cannot open the journal entry"}});
    Handle file(id, H5Fclose, "open a journal entry");
    PointResults p;
    try {
        p.fingerprint = attr_text(file, "fingerprint");
        p.replications = attr_value<std::uint32_t>(file, "replications");
        journal_fields(p, [&](const char* name, auto& v) { read(file, name, v); });
    } catch (const std::runtime_error& e) {
        throw InputError(
            {{path.string(), 0, 0, "", std::string("damaged journal entry: ") + e.what()}});
    }
    return p;
}

SweepFile read_sweep_file(const fs::path& path) {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    if (id < 0) throw InputError({{path.string(), 0, 0, "", "cannot open as an HDF5 file"}});
    Handle file(id, H5Fclose, "open the file");
    if (H5Aexists(file, "sweep_name") <= 0 || H5Lexists(file, "summary", H5P_DEFAULT) <= 0)
        throw InputError(
            {{path.string(), 0, 0, "", "not a hubsim sweep file (no sweep_name, no /summary)"}});
    SweepFile f;
    try {
        f.name = attr_text(file, "sweep_name");
        f.start_date = attr_text(file, "start_date");
        f.seed = attr_value<std::uint64_t>(file, "seed");
        f.total_points = attr_value<std::uint32_t>(file, "total_points");
        f.replications = attr_value<std::uint32_t>(file, "replications");
        f.trajectories = attr_value<std::uint32_t>(file, "trajectories") != 0;
        f.sweep_text = read_strings(file, "sweep").at(0);
        f.scenario_yaml = read_strings(file, "scenario").at(0);
        f.parameter_keys = read_strings(file, "parameter_keys");
        for (const auto& joined : read_strings(file, "parameter_choices")) {
            std::vector<std::string> c;
            std::size_t start = 0;
            while (!joined.empty() && start <= joined.size()) {
                const auto nl = joined.find('\n', start);
                c.push_back(
                    joined.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
                if (nl == std::string::npos) break;
                start = nl + 1;
            }
            f.parameter_choices.push_back(c);
        }
        std::vector<double> values;
        const auto dims = read(file, "point_values", values);
        read(file, "point", f.point_index);
        const std::size_t nk = f.parameter_keys.size();
        for (std::size_t i = 0; i < f.point_index.size(); ++i)
            f.point_values.emplace_back(values.begin() + static_cast<std::ptrdiff_t>(i * nk),
                                        values.begin() + static_cast<std::ptrdiff_t>((i + 1) * nk));
        (void)dims;
        read(file, "time", f.sample_days);
        read(file, "year", f.years);
        read(file, "target_by", f.target_by);
        f.hubs = read_strings(file, "hub");
        f.phases = read_strings(file, "phase");
        f.targets = f.target_by.empty() ? std::vector<std::string>{} : read_strings(file, "target");
        f.results.resize(f.point_index.size());
        for (auto& r : f.results) r.replications = f.replications;
        Handle s(H5Gopen2(file, "summary", H5P_DEFAULT), H5Gclose, "open /summary");
        scatter(s, "engaged", f, &PointResults::engaged);
        scatter(s, "target_day", f, &PointResults::target_day);
        scatter(s, "cost", f, &PointResults::cost);
        const auto prints = read_strings(s, "fingerprint");
        for (std::size_t i = 0; i < f.results.size() && i < prints.size(); ++i)
            f.results[i].fingerprint = prints[i];
        if (f.trajectories) {
            Handle t(H5Gopen2(file, "trajectories", H5P_DEFAULT), H5Gclose, "open /trajectories");
            scatter(t, "stage_counts", f, &PointResults::stage_counts);
            scatter(t, "work_groups", f, &PointResults::work_groups);
            scatter(t, "engaged", f, &PointResults::hub_engaged);
            scatter(t, "waiting", f, &PointResults::waiting);
            scatter(t, "participating", f, &PointResults::participating);
            scatter(t, "trainees", f, &PointResults::trainees);
            scatter(t, "llme", f, &PointResults::llme);
        }
    } catch (const std::runtime_error& e) {
        if (dynamic_cast<const InputError*>(&e)) throw;
        throw InputError({{path.string(), 0, 0, "",
                           std::string("not a readable hubsim sweep file: ") + e.what()}});
    }
    return f;
}

}  // namespace hubsim
