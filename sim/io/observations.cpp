#include "hubsim/io/observations.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "hubsim/io/csv.hpp"
#include "hubsim/io/diagnostics.hpp"
#include "yaml_input.hpp"

namespace hubsim {

namespace fs = std::filesystem;

MeasureQuery parse_measure_query(const std::string& written, const std::string& ph,
                                 const std::string& scope, const Scenario& sc,
                                 const std::function<void(const char*, const std::string&)>& bad) {
    MeasureQuery q;
    std::vector<std::string> hubs, regions;
    for (const auto& h : sc.hubs) {
        hubs.push_back(h.name);
        if (std::find(regions.begin(), regions.end(), h.region) == regions.end())
            regions.push_back(h.region);
    }
    const std::string measure = written.substr(0, written.find(':'));
    bool ok = true;
    if (auto m = parse_measure(measure)) {
        q.measure = *m;
    } else {
        std::string msg = "unknown measure '" + measure + "'";
        if (auto s = did_you_mean(measure, measure_names()); !s.empty())
            msg += " (did you mean '" + s + "'?)";
        bad("measure", msg);
        ok = false;
    }
    if (const auto colon = written.find(':'); colon != std::string::npos && ok) {
        // participating:STAGE, or a leader measure's :ROLE
        const std::string what = written.substr(colon + 1);
        const bool by_stage = q.measure == Measure::Participating;
        const bool by_role = q.measure == Measure::TraineesStarting ||
                             q.measure == Measure::LlmeActive || q.measure == Measure::Applicants;
        if (by_stage && parse_stage(what))
            q.stage = parse_stage(what);
        else if (by_role && parse_role(what))
            q.role = parse_role(what);
        else
            bad("measure", "'" + what + "' is not a " +
                               (by_stage  ? "stage"
                                : by_role ? "role"
                                          : "qualifier") +
                               " this measure takes (participating:STAGE; trainees_starting, "
                               "llme_active or applicants :ROLE)");
    }
    if (ph != "all") {
        if (auto p = parse_phase(ph))
            q.phase = *p;
        else
            bad("phase", "expected primary, secondary, post16 or all, found '" + ph + "'");
    }
    if (scope == "national") {
        q.scope = {Scope::Kind::National, ""};
    } else if (scope == "fewest_hub") {
        q.scope = {Scope::Kind::FewestHub, ""};
    } else if (scope.starts_with("region:")) {
        q.scope = {Scope::Kind::Region, scope.substr(7)};
        if (std::find(regions.begin(), regions.end(), q.scope.name) == regions.end()) {
            std::string msg = "no hub of the scenario is in region '" + q.scope.name + "'";
            if (auto s = did_you_mean(q.scope.name, regions); !s.empty())
                msg += " (did you mean '" + s + "'?)";
            bad("scope", msg);
        }
    } else if (scope.starts_with("hub:")) {
        q.scope = {Scope::Kind::Hub, scope.substr(4)};
        if (std::find(hubs.begin(), hubs.end(), q.scope.name) == hubs.end()) {
            std::string msg = "no hub named '" + q.scope.name + "'";
            if (auto s = did_you_mean(q.scope.name, hubs); !s.empty())
                msg += " (did you mean '" + s + "'?)";
            bad("scope", msg);
        }
    } else {
        bad("scope",
            "expected national, fewest_hub, region:NAME or hub:NAME, found '" + scope + "'");
    }
    return q;
}

ObservationFile read_observations(const fs::path& file, const Scenario& sc) {
    ObservationFile result{input::read_text(file, "observations file"), {}};
    std::vector<Diagnostic> errs;
    const CsvTable t = read_csv(file, {"date", "measure", "phase", "scope", "value", "kind"}, errs);
    const std::string f = file.string();
    std::vector<Observation> out;
    for (std::size_t r = 0; r < t.rows.size(); ++r) {
        Observation o{};
        bool ok = true;
        auto bad = [&](const char* col, const std::string& msg) {
            errs.push_back({f, t.line(r), t.column(col), col, msg});
            ok = false;
        };
        if (auto d = parse_date(t.get(r, "date")))
            o.date = *d;
        else
            bad("date", "expected a date YYYY-MM-DD, found '" + t.get(r, "date") + "'");
        o.query = parse_measure_query(
            t.get(r, "measure"), t.get(r, "phase"), t.get(r, "scope"), sc,
            [&](const char* field, const std::string& msg) { bad(field, msg); });
        if (auto v = input::to_number(t.get(r, "value")); v && *v >= 0)
            o.value = *v;
        else
            bad("value", "expected a number >= 0, found '" + t.get(r, "value") + "'");
        if (t.has("error") && !t.get(r, "error").empty()) {
            if (auto e = input::to_number(t.get(r, "error")); e && *e > 0 && *e <= 10)
                o.error = *e;
            else
                bad("error",
                    "expected a relative error in (0, 10], found '" + t.get(r, "error") + "'");
        }
        const std::string& kind = t.get(r, "kind");
        if (kind == "exact")
            o.kind = Observation::Kind::Exact;
        else if (kind == "approximate")
            o.kind = Observation::Kind::Approximate;
        else if (kind == "lower_bound")
            o.kind = Observation::Kind::LowerBound;
        else
            bad("kind", "expected exact, approximate or lower_bound, found '" + kind + "'");
        if (ok && (o.date < sc.start || sc.end < o.date))
            bad("date", "the date is outside the scenario (" + format_date(sc.start) + " to " +
                            format_date(sc.end) + ")");
        o.label = t.get(r, "date") + " " + t.get(r, "measure") + " " + t.get(r, "phase") + " " +
                  t.get(r, "scope");
        if (ok) out.push_back(o);
    }
    if (out.empty() && errs.empty()) errs.push_back({f, 0, 0, "", "no observations"});
    if (!errs.empty()) throw InputError(std::move(errs));
    result.observations = std::move(out);
    return result;
}

std::vector<double> simulated_values(const Scenario& sc, const Results& r,
                                     const std::vector<Observation>& observations) {
    const Calendar cal(sc.start);
    const std::size_t n = observations.size();
    std::vector<double> out(r.replications * n, std::numeric_limits<double>::quiet_NaN());
    for (std::size_t k = 0; k < n; ++k) {
        const Observation& o = observations[k];
        const auto v = measure_values(sc, r, o.query, cal.day_of(o.date));
        for (std::size_t i = 0; i < v.size(); ++i) out[i * n + k] = v[i];
    }
    return out;
}

std::string_view name(Observation::Kind kind) {
    switch (kind) {
        case Observation::Kind::Exact:
            return "exact";
        case Observation::Kind::Approximate:
            return "approximate";
        case Observation::Kind::LowerBound:
            return "lower_bound";
    }
    return "exact";
}

}  // namespace hubsim
