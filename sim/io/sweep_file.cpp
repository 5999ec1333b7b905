// A sweep's output file, its shards and its journal entries (docs/cluster.md).

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "h5.hpp"
#include "hubsim/io/diagnostics.hpp"
#include "hubsim/io/output.hpp"
#include "hubsim/io/sweep.hpp"
#include "hubsim/model/llme.hpp"

namespace hubsim {

namespace fs = std::filesystem;
using namespace h5;

namespace {

constexpr double kQuantiles[] = {0.05, 0.5, 0.95};

/// The axes of a sweep file as dimension scales in `loc`: the run's axes, and the point
/// and quantile of the summaries.
void add_sweep_scales(Scales& scales, hid_t loc, const SweepFile& f) {
    std::vector<std::int32_t> reps;
    for (std::uint32_t i = 0; i < f.replications; ++i) reps.push_back(static_cast<std::int32_t>(i));
    std::vector<std::string> stages, statuses, items, roles;
    for (Stage s : kStages) stages.emplace_back(name(s));
    for (LlmeRole r : kRoles) roles.emplace_back(name(r));
    for (std::size_t k = 0; k < kLlmeStatusCount; ++k)
        statuses.emplace_back(name(static_cast<LlmeStatus>(k)));
    for (std::size_t k = 0; k < kCostItemCount; ++k)
        items.emplace_back(name(static_cast<CostItem>(k)));
    scales.add("point", numeric(loc, "point", {f.point_index.size()}, f.point_index.data()));
    scales.add("replication", numeric(loc, "replication", {reps.size()}, reps.data()));
    const hid_t time = numeric(loc, "time", {f.sample_days.size()}, f.sample_days.data());
    scales.add("time", time);
    attr_string(time, "units", "days since " + f.start_date);
    attr_string(time, "calendar", "proleptic_gregorian");
    scales.add("year", numeric(loc, "year", {f.years.size()}, f.years.data()));
    scales.add("hub", string_vector(loc, "hub", f.hubs));
    scales.add("phase", string_vector(loc, "phase", f.phases));
    scales.add("stage", string_vector(loc, "stage", stages));
    scales.add("role", string_vector(loc, "role", roles));
    scales.add("status", string_vector(loc, "status", statuses));
    scales.add("disadvantage_band", string_vector(loc, "disadvantage_band", band_labels()));
    scales.add("cost_item", string_vector(loc, "cost_item", items));
    scales.add("target", string_vector(loc, "target", f.targets.label));
    const std::vector<double> q(std::begin(kQuantiles), std::end(kQuantiles));
    scales.add("quantile", numeric(loc, "quantile", {q.size()}, q.data()));
}

/// One array of every point, one after the other: the [point, ...] dataset.
template <class T, class Get>
std::vector<T> gather(const SweepFile& f, Get&& get) {
    std::vector<T> out;
    for (const auto& p : f.results) {
        const std::vector<T>& v = get(p);
        out.insert(out.end(), v.begin(), v.end());
    }
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
            for (std::size_t r = 0; r < R; ++r) {
                const std::int32_t d = p.run.target_day[r * nt + k];  // [replication][target]
                days.push_back(d < 0 ? INFINITY : static_cast<double>(d));
            }
            std::sort(days.begin(), days.end());
            for (double q : kQuantiles) {
                // The lower empirical quantile: an actual sample day, or -1 for "never".
                const double v =
                    R ? days[static_cast<std::size_t>(std::floor(q * static_cast<double>(R - 1)))]
                      : NAN;
                quantiles.push_back(std::isfinite(v) ? static_cast<std::int32_t>(v) : -1);
            }
        }
    }
    met = target_met_probability(f);
}

std::vector<std::string> with_point(const SeriesSpec& spec) {
    std::vector<std::string> axes = {"point"};
    for (Axis a : spec.axes) axes.emplace_back(name(a));
    return axes;
}

void write_points(hid_t file, const SweepFile& f, const Scales& root) {
    Handle g(H5Gcreate2(file, "points", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose,
             "create /points");
    Scales local;
    add_sweep_scales(local, g, f);
    for (std::size_t k = 0; k < f.parameter_keys.size(); ++k) {
        std::vector<double> v;
        for (const auto& p : f.point_values) v.push_back(p[k]);
        if (f.parameter_choices[k].empty()) {
            // A whole-number parameter (training places) is stored as one.
            const ParamSpec* spec = find_parameter(f.parameter_keys[k]);
            if (spec && (spec->kind == ParamKind::Count || spec->kind == ParamKind::Flag)) {
                std::vector<std::int64_t> whole;
                for (double x : v) whole.push_back(std::llround(x));
                put(g, f.parameter_keys[k], {"point"}, local, &root, whole.data());
            } else {
                put(g, f.parameter_keys[k], {"point"}, local, &root, v.data());
            }
            continue;
        }
        std::vector<std::string> names;
        for (double x : v) names.push_back(f.parameter_choices[k].at(static_cast<std::size_t>(x)));
        Handle ds(string_vector(g, f.parameter_keys[k].c_str(), names), H5Dclose, "write a choice");
        check(H5DSattach_scale(ds, local["point"], 0), "attach a scale");
    }
}

void write_groups(hid_t file, const SweepFile& f, const Scales& root) {
    const std::string since = "days since " + f.start_date;
    write_points(file, f, root);
    for (const char* group : {"summary", "trajectories"}) {
        if (std::string_view(group) == "trajectories" && !f.trajectories) break;
        Handle g(H5Gcreate2(file, group, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose,
                 "create a group");
        Scales local;
        add_sweep_scales(local, g, f);
        for_each_member([&](const SeriesSpec& spec, auto member) {
            if (spec.group != group) return;
            using T = SeriesValue<decltype(member)>;
            const auto all = gather<T>(
                f, [&](const PointResults& p) -> const std::vector<T>& { return p.run.*member; });
            put(g, std::string(spec.name), with_point(spec), local, &root, all.data(),
                spec.long_name, spec.units == "day" ? std::string_view(since) : spec.units);
        });
        if (std::string_view(group) != "summary") continue;
        const auto engaged = gather<std::uint32_t>(
            f, [](const PointResults& p) -> const auto& { return p.engaged; });
        put(g, "engaged", {"point", "replication", "time", "phase"}, local, &root, engaged.data(),
            "schools ever engaged, national", "schools");
        std::vector<std::int32_t> quantiles;
        std::vector<double> met;
        target_statistics(f, quantiles, met);
        put(g, "target_day_quantiles", {"point", "target", "quantile"}, local, &root,
            quantiles.data(), "quantiles of target_day across replications (-1: not met)", since);
        put(g, "target_met_probability", {"point", "target"}, local, &root, met.data(),
            "share of replications meeting each target by its date");
        put(g, "target_by", {"target"}, local, &root, f.targets.by_day.data(),
            "the day each target is due", since);
        std::vector<std::string> prints;
        for (const auto& p : f.results) prints.push_back(p.fingerprint);
        Handle fp(string_vector(g, "fingerprint", prints), H5Dclose, "write fingerprints");
        check(H5DSattach_scale(fp, local["point"], 0), "attach a scale");
    }
}

/// Splits a [point, ...] dataset read from a file back into per-point vectors.
template <class T>
void scatter(hid_t loc, const char* name, std::vector<PointResults>& points, std::size_t per_point,
             const std::function<std::vector<T>&(PointResults&)>& member) {
    std::vector<T> all;
    read(loc, name, all);
    const std::size_t n = points.size(), per = n ? all.size() / n : 0;
    // Each point holds its replications of the series, as the file's axes say.
    if (n && (all.size() != n * per || (per_point > 0 && per != per_point)))
        throw std::runtime_error(std::string("dataset ") + name + " holds " +
                                 std::to_string(all.size()) + " values; the file's axes say " +
                                 std::to_string(n) + " points of " + std::to_string(per_point));
    for (std::size_t i = 0; i < n; ++i)
        member(points[i]).assign(all.begin() + static_cast<std::ptrdiff_t>(i * per),
                                 all.begin() + static_cast<std::ptrdiff_t>((i + 1) * per));
}

/// The /precision group of a sweep run with --precision (docs/cluster.md).
void write_precision(hid_t file, const SweepPrecision& p, const Scales& root) {
    attr_number<double>(file, "precision_half_width", p.half_width);
    attr_number<std::uint32_t>(file, "precision_max_replications", p.max_replications);
    Handle g(H5Gcreate2(file, "precision", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose,
             "create /precision");
    put(g, "needed_replications", {"point"}, root, &root, p.needed.data(),
        "replications this point alone needed to reach the half-width asked (or the cap)");
    put(g, "widest_half_width", {"point"}, root, &root, p.widest.data(),
        "the widest 95% half-width of this point's headline figures at that count");
    put(g, "met", {"point"}, root, &root, p.met.data(),
        "1 if every headline half-width was within the one asked for");
}

}  // namespace

std::vector<double> target_met_probability(const SweepFile& f) {
    const std::size_t nt = f.targets.size(), R = f.replications;
    std::vector<double> met;
    for (const auto& p : f.results)
        for (std::size_t k = 0; k < nt; ++k) {
            std::size_t on_time = 0;
            for (std::size_t r = 0; r < R; ++r) {
                const std::int32_t d = p.run.target_day[r * nt + k];  // [replication][target]
                on_time += d >= 0 && d <= f.targets.by_day[k];
            }
            met.push_back(R ? static_cast<double>(on_time) / static_cast<double>(R) : NAN);
        }
    return met;
}

void write_sweep_file(const fs::path& path, const SweepFile& f, const std::string& command_line) {
    create_atomically(path, [&](hid_t file) {
        write_provenance(file, command_line, 0);
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
        if (!f.uncertainty.empty()) attr_string(file, "uncertainty", f.uncertainty);
        if (!f.parameters.empty()) attr_string(file, "parameters", f.parameters);
        Scales root;
        add_sweep_scales(root, file, f);
        if (!f.hub_schools.empty())
            put(file, "hub_schools", {"hub", "phase"}, root, nullptr, f.hub_schools.data(),
                "schools in each hub and phase", "schools");
        write_target_table(file, root, f.targets, "days since " + f.start_date);
        write_groups(file, f, root);
        if (f.precision) write_precision(file, *f.precision, root);
    });
}

namespace {

template <class T>
void flat(hid_t loc, std::string_view name, const std::vector<T>& v) {
    const hsize_t n = v.size();
    const std::string nm(name);
    Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose, "make a space");
    Handle ds(
        H5Dcreate2(loc, nm.c_str(), native<T>(), space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
        H5Dclose, nm.c_str());
    if (n) check(H5Dwrite(ds, native<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), nm.c_str());
}

}  // namespace

namespace {

template <class T>
void put_raw(std::string& out, const T& x) {
    out.append(reinterpret_cast<const char*>(&x), sizeof x);
}

template <class T>
T take_raw(std::string_view& in) {
    if (in.size() < sizeof(T)) throw std::runtime_error("cut short");
    T x;
    std::memcpy(&x, in.data(), sizeof x);
    in.remove_prefix(sizeof x);
    return x;
}

}  // namespace

std::string encode_point(const PointResults& point) {
    std::string out;
    put_raw<std::uint64_t>(out, point.fingerprint.size());
    out += point.fingerprint;
    put_raw<std::uint32_t>(out, point.replications);
    PointResults::for_each_array(point, [&](std::string_view, const auto& v) {
        put_raw<std::uint64_t>(out, v.size());
        // (An array not kept is empty: its data() may be null, which memcpy must not see.)
        if (!v.empty()) out.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof v[0]);
    });
    return out;
}

PointResults decode_point(std::string_view in) {
    PointResults p;
    const auto n = take_raw<std::uint64_t>(in);
    if (n > in.size()) throw std::runtime_error("cut short");
    p.fingerprint = std::string(in.substr(0, n));
    in.remove_prefix(n);
    p.replications = take_raw<std::uint32_t>(in);
    PointResults::for_each_array(p, [&](std::string_view name, auto& v) {
        const auto size = take_raw<std::uint64_t>(in);
        if (size > in.size() / sizeof v[0])
            throw std::runtime_error(std::string(name) + " cut short");
        v.resize(size);
        if (size > 0) std::memcpy(v.data(), in.data(), size * sizeof v[0]);
        in.remove_prefix(size * sizeof v[0]);
    });
    if (!in.empty()) throw std::runtime_error("bytes left over");
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
        if (f.total_points == 0 || f.total_points > kMaxSweepPoints)
            throw std::runtime_error("total_points is " + std::to_string(f.total_points) +
                                     "; a sweep has 1 to " + std::to_string(kMaxSweepPoints));
        f.replications = attr_value<std::uint32_t>(file, "replications");
        f.trajectories = attr_value<std::uint32_t>(file, "trajectories") != 0;
        f.sweep_text = read_strings(file, "sweep").at(0);
        f.scenario_yaml = read_strings(file, "scenario").at(0);
        f.parameter_keys = read_strings(file, "parameter_keys");
        for (const auto& joined : read_strings(file, "parameter_choices")) {
            std::vector<std::string> c;
            for (std::size_t start = 0; !joined.empty() && start <= joined.size();) {
                const auto nl = joined.find('\n', start);
                c.push_back(
                    joined.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
                if (nl == std::string::npos) break;
                start = nl + 1;
            }
            f.parameter_choices.push_back(c);
        }
        std::vector<double> values;
        read(file, "point_values", values);
        read(file, "point", f.point_index);
        const std::size_t nk = f.parameter_keys.size();
        if (values.size() != f.point_index.size() * nk)
            throw std::runtime_error("point_values does not hold one value per point and key");
        for (const auto g : f.point_index)
            if (g >= f.total_points)
                throw std::runtime_error("point " + std::to_string(g) + " is past total_points");
        for (std::size_t i = 0; i < f.point_index.size(); ++i)
            f.point_values.emplace_back(values.begin() + static_cast<std::ptrdiff_t>(i * nk),
                                        values.begin() + static_cast<std::ptrdiff_t>((i + 1) * nk));
        read(file, "time", f.sample_days);
        read(file, "year", f.years);
        f.hubs = read_strings(file, "hub");
        f.phases = read_strings(file, "phase");
        // Kept since issue 16; a file written before has none (merge passes on what it has).
        if (H5Lexists(file, "hub_schools", H5P_DEFAULT) > 0) {
            read(file, "hub_schools", f.hub_schools);
            if (f.hub_schools.size() != f.hubs.size() * f.phases.size())
                throw std::runtime_error("hub_schools does not hold one count per hub and phase");
        }
        if (H5Aexists(file, "uncertainty") > 0) f.uncertainty = attr_text(file, "uncertainty");
        if (H5Aexists(file, "parameters") > 0) f.parameters = attr_text(file, "parameters");
        f.targets = read_target_table(file);
        f.results.resize(f.point_index.size());
        for (auto& r : f.results) r.replications = f.replications;
        Results shape;  // the file's axes: what one replication of each series holds
        shape.sample_days.resize(f.sample_days.size());
        shape.years.assign(f.years.begin(), f.years.end());
        shape.phases.resize(f.phases.size());
        shape.hubs = f.hubs.size();
        shape.targets = f.targets.size();
        for (const char* group : {"summary", "trajectories"}) {
            if (std::string_view(group) == "trajectories" && !f.trajectories) break;
            Handle g(H5Gopen2(file, group, H5P_DEFAULT), H5Gclose, "open a group");
            for_each_member([&](const SeriesSpec& spec, auto member) {
                if (spec.group != group) return;
                using T = SeriesValue<decltype(member)>;
                scatter<T>(g, std::string(spec.name).c_str(), f.results,
                           f.replications * shape.per_replication(spec),
                           [&](PointResults& p) -> std::vector<T>& { return p.run.*member; });
            });
            if (std::string_view(group) != "summary") continue;
            scatter<std::uint32_t>(
                g, "engaged", f.results, 0,
                [](PointResults& p) -> std::vector<std::uint32_t>& { return p.engaged; });
            const auto prints = read_strings(g, "fingerprint");
            for (std::size_t i = 0; i < f.results.size() && i < prints.size(); ++i)
                f.results[i].fingerprint = prints[i];
        }
    } catch (const std::runtime_error& e) {
        if (dynamic_cast<const InputError*>(&e)) throw;
        throw InputError({{path.string(), 0, 0, "",
                           std::string("not a readable hubsim sweep file: ") + e.what()}});
    }
    return f;
}

}  // namespace hubsim
