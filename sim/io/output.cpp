#include "hubsim/io/output.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <vector>

#include "h5.hpp"

namespace hubsim {

namespace {

using namespace h5;

/// The labels along an axis of a run's output.
std::vector<std::string> labels(Axis axis, const Scenario& sc, const Results& r) {
    std::vector<std::string> out;
    switch (axis) {
        case Axis::Hub:
            for (const auto& h : sc.hubs) out.push_back(h.name);
            break;
        case Axis::Phase:
            for (Phase p : r.phases) out.emplace_back(name(p));
            break;
        case Axis::Stage:
            for (Stage s : kStages) out.emplace_back(name(s));
            break;
        case Axis::Role:
            for (LlmeRole role : kRoles) out.emplace_back(name(role));
            break;
        case Axis::Status:
            for (std::size_t k = 0; k < kLlmeStatusCount; ++k)
                out.emplace_back(name(static_cast<LlmeStatus>(k)));
            break;
        case Axis::DisadvantageBand:
            out = band_labels();
            break;
        case Axis::CostItem:
            for (std::size_t k = 0; k < kCostItemCount; ++k)
                out.emplace_back(name(static_cast<CostItem>(k)));
            break;
        case Axis::Target:
            out = TargetTable::of(sc).label;
            break;
        default:
            break;
    }
    return out;
}

/// Every axis of a run as a dimension scale in `loc`.
void add_run_scales(Scales& scales, hid_t loc, const Scenario& sc, const Results& r) {
    std::vector<std::int32_t> days, reps, years;
    for (Day d : r.sample_days) days.push_back(d.value);
    for (std::size_t i = 0; i < r.replications; ++i) reps.push_back(static_cast<std::int32_t>(i));
    for (int y : r.years) years.push_back(y);
    for (std::size_t k = 0; k < kAxisCount; ++k) {
        const auto axis = static_cast<Axis>(k);
        const std::string n(name(axis));
        hid_t ds = -1;
        if (axis == Axis::Time)
            ds = numeric(loc, "time", {days.size()}, days.data());
        else if (axis == Axis::Replication)
            ds = numeric(loc, "replication", {reps.size()}, reps.data());
        else if (axis == Axis::Year)
            ds = numeric(loc, "year", {years.size()}, years.data());
        else
            ds = string_vector(loc, n.c_str(), labels(axis, sc, r));
        scales.add(n, ds);
    }
    const hid_t time = scales["time"];
    attr_string(time, "units", "days since " + format_date(sc.start));
    attr_string(time, "calendar", "proleptic_gregorian");
    attr_string(time, "long_name", "sample day (end of each academic year or term)");
    attr_string(scales["year"], "long_name",
                "academic year, by the calendar year it starts in (2019 is 2019/20)");
}

std::vector<std::string> axis_names(const SeriesSpec& spec) {
    std::vector<std::string> out;
    for (Axis a : spec.axes) out.emplace_back(name(a));
    return out;
}

/// The hubs' facts and the targets as data, beside their axes in the root group.
void write_descriptions(hid_t file, const Scales& root, const Scenario& sc, const Results& r) {
    const Calendar cal(sc.start);
    std::vector<std::string> dates, regions, opens;
    for (Day d : r.sample_days) dates.push_back(format_date(cal.date_of(d)));
    for (const auto& h : sc.hubs) {
        regions.push_back(h.region);
        opens.push_back(format_date(h.opens));
    }
    auto strings = [&](const char* name, const std::vector<std::string>& v, const char* axis,
                       const char* long_name) {
        Handle ds(string_vector(file, name, v), H5Dclose, name);
        check(H5DSattach_scale(ds, root[axis], 0), "attach a dimension scale");
        attr_string(ds, "long_name", long_name);
    };
    strings("date", dates, "time", "sample date");
    strings("hub_region", regions, "hub", "region of each hub");
    strings("hub_opens", opens, "hub", "date each hub opened");
    std::vector<std::uint32_t> schools(sc.hubs.size() * r.phases.size(), 0);
    for (const auto& s : sc.schools) ++schools[s.hub * r.phases.size() + r.column(s.phase)];
    put(file, "hub_schools", {"hub", "phase"}, root, nullptr, schools.data(),
        "schools in each hub and phase", "schools");
    std::vector<std::uint32_t> band_schools(sc.hubs.size() * r.phases.size() * kBandCount, 0);
    for (const auto& s : sc.schools)
        ++band_schools[(s.hub * r.phases.size() + r.column(s.phase)) * kBandCount + s.band];
    put(file, "hub_band_schools", {"hub", "phase", "disadvantage_band"}, root, nullptr,
        band_schools.data(), "schools in each hub, phase and disadvantage quintile", "schools");
    std::vector<double> upper;
    for (Phase p : r.phases)
        for (float u : sc.band_upper[index(p)]) upper.push_back(u);
    put(file, "disadvantage_band_upper", {"phase", "disadvantage_band"}, root, nullptr,
        upper.data(),
        "the highest disadvantage (share of pupils eligible for free school meals in six years) "
        "in each quintile band of the phase's schools: q1 least, q5 most disadvantaged");
    write_target_table(file, root, TargetTable::of(sc), "days since " + format_date(sc.start));
}

/// The observations and what each replication simulated for them.
void write_observed(hid_t file, const Scales& root, const ObservedValues& o, std::size_t reps) {
    std::vector<std::string> labels, dates, measures, phases, scopes, kinds;
    std::vector<double> observed, error;
    for (const auto& x : o.observations) {
        error.push_back(x.error.value_or(std::nan("")));
        labels.push_back(x.label);
        dates.push_back(format_date(x.date));
        const MeasureQuery& q = x.query;
        measures.push_back(q.measure_text());
        phases.emplace_back(q.phase ? name(*q.phase) : "all");
        scopes.push_back(q.scope.kind == Scope::Kind::National    ? "national"
                         : q.scope.kind == Scope::Kind::FewestHub ? "fewest_hub"
                         : q.scope.kind == Scope::Kind::Region    ? "region:" + q.scope.name
                                                                  : "hub:" + q.scope.name);
        kinds.emplace_back(name(x.kind));
        observed.push_back(x.value);
    }
    Scales axes;
    axes.add("observation", string_vector(file, "observation", labels));
    auto strings = [&](const char* n, const std::vector<std::string>& v, const char* long_name) {
        Handle ds(string_vector(file, n, v), H5Dclose, n);
        check(H5DSattach_scale(ds, axes["observation"], 0), "attach a dimension scale");
        attr_string(ds, "long_name", long_name);
    };
    strings("observation_date", dates, "the date of each observation");
    strings("observation_measure", measures, "what each observation counts (docs/output.md)");
    strings("observation_phase", phases, "the phase each observation counts (all: every phase)");
    strings("observation_scope", scopes, "where: national, region:NAME or hub:NAME");
    strings("observation_kind", kinds, "exact, approximate or lower_bound");
    put(file, "observed", {"observation"}, axes, nullptr, observed.data(), "the observed value");
    put(file, "observation_error", {"observation"}, axes, nullptr, error.data(),
        "the relative error each observation is trusted to (NaN: the calibration's default)");
    scalar_string(file, "observations_source", o.source_text);
    Handle g(H5Gopen2(file, "summary", H5P_DEFAULT), H5Gclose, "open /summary");
    const std::vector<hsize_t> dims = {reps, o.observations.size()};
    Handle ds(numeric(g, "simulated", dims, o.simulated.data()), H5Dclose, "write simulated");
    check(H5DSattach_scale(ds, root["replication"], 0), "attach a dimension scale");
    check(H5DSattach_scale(ds, axes["observation"], 1), "attach a dimension scale");
    attr_string(ds, "long_name",
                "each observation's measure as each replication simulated it (NaN: no sample)");
}

/// Why the run has the replications it has (`run --precision`).
void write_precision(hid_t file, const PrecisionRecord& p) {
    attr_number<double>(file, "precision_half_width", p.half_width);
    attr_number<std::uint64_t>(file, "precision_max_replications", p.max_replications);
    attr_number<std::uint64_t>(file, "precision_met", p.met ? 1 : 0);
    Handle g(H5Gcreate2(file, "precision", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose,
             "create /precision");
    std::vector<std::string> labels;
    std::vector<double> estimate, half_width;
    for (const auto& f : p.figures) {
        labels.push_back(f.label);
        estimate.push_back(f.estimate);
        half_width.push_back(f.half_width);
    }
    Scales axes;
    axes.add("figure", string_vector(g, "figure", labels));
    put(g, "estimate", {"figure"}, axes, nullptr, estimate.data(),
        "each headline figure over every replication run");
    put(g, "half_width", {"figure"}, axes, nullptr, half_width.data(),
        "the half-width of its 95% interval reached (Wilson for a probability; normal for a "
        "mean share)");
}

void write_file(hid_t file, const LoadedScenario& ls, const Results& r, const Provenance& prov,
                const ObservedValues* observed, const PrecisionRecord* precision) {
    const Scenario& sc = ls.scenario;
    write_provenance(file, prov.command_line, prov.threads);
    attr_number<std::uint64_t>(file, "seed", sc.seed);
    attr_string(file, "scenario_name", sc.name);
    attr_string(file, "scenario_path", ls.source_path);
    attr_number<std::uint64_t>(file, "replications", r.replications);
    // What the spread across replications holds: every reader says it beside its bands.
    attr_string(file, "uncertainty", std::string(sc.uncertainty()));
    attr_string(file, "parameters",
                sc.posterior.empty() ? (sc.parameters_fixed ? "fixed" : "none") : "drawn");
    attr_number<std::uint64_t>(file, "posterior_particles", sc.posterior.particles.size());
    scalar_string(file, "scenario", ls.resolved_yaml);
    scalar_string(file, "scenario_source", ls.source_text);

    Scales root;
    add_run_scales(root, file, sc, r);
    write_descriptions(file, root, sc, r);
    const std::string since = "days since " + format_date(sc.start);
    for (const char* group : {"trajectories", "summary"}) {
        Handle g(H5Gcreate2(file, group, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose,
                 "create a group");
        Scales local;
        add_run_scales(local, g, sc, r);
        for_each_series(r, [&](const SeriesSpec& spec, const auto& data) {
            if (spec.group != group) return;
            put(g, std::string(spec.name), axis_names(spec), local, &root, data.data(),
                spec.long_name, spec.units == "day" ? std::string_view(since) : spec.units);
        });
    }
    if (observed) write_observed(file, root, *observed, r.replications);
    if (precision) write_precision(file, *precision);
}

}  // namespace

std::vector<std::string> band_labels() {
    return {"q1", "q2", "q3", "q4", "q5"};
}

TargetTable TargetTable::of(const Scenario& sc) {
    const Calendar cal(sc.start);
    TargetTable t;
    for (const auto& target : sc.targets) {
        const bool share = target.measure == Target::Measure::EngagedShare;
        t.label.push_back(target.label());
        t.measure.emplace_back(target.measure_name());
        t.phase.emplace_back(share ? name(target.phase) : "");
        t.role.emplace_back(!share && target.role ? name(*target.role) : "");
        t.per_hub.push_back(target.per_hub ? 1 : 0);
        t.value.push_back(target.value);
        t.by.push_back(format_date(target.by));
        t.by_day.push_back(cal.day_of(target.by).value);
    }
    return t;
}

std::string utc_now_iso8601() {
    const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

void write_results(const std::filesystem::path& path, const LoadedScenario& scenario,
                   const Results& results, const Provenance& provenance,
                   const ObservedValues* observed, const PrecisionRecord* precision) {
    prepare_output(path);  // its folder, and temporaries a killed run left beside it
    create_atomically(path, [&](hid_t file) {
        write_file(file, scenario, results, provenance, observed, precision);
    });
}

}  // namespace hubsim
