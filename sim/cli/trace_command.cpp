#include "trace_command.hpp"

#include <unistd.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "hubsim/engine/calendar.hpp"
#include "hubsim/io/diagnostics.hpp"
#include "hubsim/io/run_file.hpp"
#include "hubsim/io/scenario_loader.hpp"
#include "hubsim/model/trace.hpp"
#include "hubsim/version.hpp"

namespace hubsim {

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

InputError bad(const std::string& option, const std::string& message) {
    return InputError({{"command line", 0, 0, option, message}});
}

std::uint64_t whole(const po::variables_map& vm, const char* option, std::uint64_t max) {
    const std::string text = vm[option].as<std::string>();
    std::uint64_t v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size() || v > max)
        throw bad(std::string("--") + option, "expected a whole number from 0 to " +
                                                  std::to_string(max) + ", found '" + text + "'");
    return v;
}

/// The run's scenario, loaded from the resolved YAML the file keeps (its data files by
/// absolute path and checksum, so a changed data file is refused).
LoadedScenario scenario_of(const fs::path& run, const RunFileHeader& header) {
    const fs::path tmp = fs::temp_directory_path() /
                         ("hubsim-trace-" + std::to_string(::getpid()) + "-scenario.yaml");
    {
        std::ofstream out(tmp);
        out << header.resolved_yaml;
    }
    try {
        LoadedScenario ls = load_scenario(tmp);
        fs::remove(tmp);
        return ls;
    } catch (const InputError& e) {
        fs::remove(tmp);
        throw InputError(
            {{run.string(), 0, 0, "scenario",
              "its scenario no longer loads as it ran (" +
                  (e.diagnostics().empty() ? std::string("?") : e.diagnostics().front().str()) +
                  ")"}});
    }
}

std::string stage_name(Stage s) {
    return std::string(name(s));
}

void print_trace(std::ostream& out, const Scenario& sc, const SchoolTrace& t) {
    const Calendar cal(sc.start);
    char line[256];
    Stage stage = Stage::NotEngaged;
    int engaged_year = -1;
    for (const SchoolEvent& e : t.events) {
        const std::string date = format_date(cal.date_of(e.day));
        std::string what;
        switch (e.kind) {
            case SchoolEvent::Kind::Asks:
                what = e.stage == Stage::Lapsed ? "asks to rejoin TfM" : "asks to join TfM";
                break;
            case SchoolEvent::Kind::Placed:
                if (engaged_year < 0) engaged_year = e.year;
                stage = e.stage;
                std::snprintf(
                    line, sizeof line, "in Work Group %d of %s: %s, %u schools, led mostly by %s",
                    e.group + 1, Calendar::year_label(e.year).c_str(), stage_name(e.stage).c_str(),
                    e.members, std::string(name(e.lead)).c_str());
                what = line;
                break;
            case SchoolEvent::Kind::NotPlaced:
                what =
                    "no place in a Work Group this year (the hub's leader time or money ran "
                    "out first); waits";
                break;
            case SchoolEvent::Kind::Completes:
                what = "completes " + stage_name(stage) + "; moves on to " + stage_name(e.stage);
                break;
            case SchoolEvent::Kind::Repeats:
                what = "stays at " + stage_name(e.stage) + " for another year";
                break;
            case SchoolEvent::Kind::Lapses:
                what = "lapses from " + stage_name(e.stage) + " (leaves the programme)";
                break;
            case SchoolEvent::Kind::StageAtYearEnd:
                stage = e.stage;
                continue;
        }
        out << "  " << date << "  " << what << "\n";
    }
    if (engaged_year < 0)
        out << "  never in a Work Group by " << format_date(sc.end) << "\n";
    else
        out << "  on " << format_date(sc.end) << ": " << stage_name(stage) << " (engaged since "
            << Calendar::year_label(engaged_year) << ")\n";
}

std::string date_of(const Calendar& cal, Day day) {
    return format_date(cal.date_of(day));
}

/// One line per leader the hub ever had: who, and the dates that changed their status.
void print_leaders(const Scenario& sc, const std::vector<LeaderHistory>& leaders) {
    const Calendar cal(sc.start);
    std::printf("%5s  %-30s %-10s %-10s %-10s %-10s %s\n", "id", "role", "phase", "joined",
                "active", "left", "how");
    for (const LeaderHistory& l : leaders) {
        const std::string joined = date_of(cal, cal.year_start(l.joined));
        const std::string active =
            l.origin != LlmeOrigin::Trainee
                ? joined
                : (l.qualified ? date_of(cal, cal.year_start(*l.qualified)) : "-");
        const std::string left = l.left          ? date_of(cal, cal.year_end(*l.left))
                                 : l.dropped_out ? date_of(cal, cal.year_start(*l.dropped_out))
                                                 : "-";
        const std::string how = l.origin == LlmeOrigin::Founding ? "founding"
                                : l.origin == LlmeOrigin::Extra  ? "extra (the scenario's)"
                                : l.dropped_out
                                    ? "trainee, dropped out"
                                    : "trainee (" + std::to_string(l.route_years) + "-year route)";
        std::printf("%5u  %-30s %-10s %-10s %-10s %-10s %s\n", l.id,
                    std::string(name(l.role)).c_str(), std::string(name(l.phase)).c_str(),
                    joined.c_str(), active.c_str(), left.c_str(), how.c_str());
    }
}

/// One leader's whole history.
void print_leader(const Scenario& sc, const LeaderHistory& l) {
    const Calendar cal(sc.start);
    const std::string role(name(l.role)), phase(name(l.phase));
    std::printf(
        "  %s  %s\n", date_of(cal, cal.year_start(l.joined)).c_str(),
        l.origin == LlmeOrigin::Founding ? "one of the leaders the hub opened with; active at once"
        : l.origin == LlmeOrigin::Extra
            ? "added by the scenario (extra_llme); active at once"
            : ("starts training (" + std::to_string(l.route_years) + "-year route)").c_str());
    for (const LeaderYear& y : l.years) {
        if (y.status != LlmeStatus::Active) {
            if (y.year != l.joined)
                std::printf("  %s  in training\n", date_of(cal, cal.year_start(y.year)).c_str());
            continue;
        }
        if (l.qualified && *l.qualified == y.year)
            std::printf("  %s  qualifies: active\n", date_of(cal, cal.year_start(y.year)).c_str());
        if (y.role_leaders == 0 || (y.tfm_days == 0 && y.other_days == 0)) {
            std::printf("  %s  active; %s is not modelled, so no TfM Work Groups\n",
                        date_of(cal, cal.year_start(y.year)).c_str(), phase.c_str());
            continue;
        }
        std::printf(
            "  %s  %s: gives %.1f TfM days (and %.1f to other programmes) to the pool of %u "
            "active %s; that role led most of %u of the hub's %u %s Work Groups\n",
            date_of(cal, cal.year_start(y.year)).c_str(), Calendar::year_label(y.year).c_str(),
            y.tfm_days, y.other_days, y.role_leaders, role.c_str(), y.role_groups, y.phase_groups,
            phase.c_str());
    }
    if (l.dropped_out)
        std::printf("  %s  does not complete the route: leaves\n",
                    date_of(cal, cal.year_start(*l.dropped_out)).c_str());
    else if (l.left)
        std::printf("  %s  leaves the programme\n", date_of(cal, cal.year_end(*l.left)).c_str());
    else
        std::printf("  on %s: %s\n", format_date(sc.end).c_str(),
                    l.qualified || l.origin != LlmeOrigin::Trainee ? "active" : "in training");
}

/// `--hub`: a hub's name as the scenario gives it, or its index (0 is the first).
std::uint16_t find_hub(const Scenario& sc, const std::string& text) {
    for (std::size_t h = 0; h < sc.hubs.size(); ++h)
        if (sc.hubs[h].name == text) return static_cast<std::uint16_t>(h);
    std::uint64_t v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec == std::errc() && end == text.data() + text.size() && v < sc.hubs.size())
        return static_cast<std::uint16_t>(v);
    throw bad("--hub", "no hub '" + text + "' in " + sc.name +
                           " (a name as the scenario gives "
                           "it, or 0 to " +
                           std::to_string(sc.hubs.size() - 1) + ")");
}

}  // namespace

namespace {

/// The replay must be the run: the same counts of every stage in every hub at every sample,
/// and the same target days. Otherwise the binary or a data file has changed.
void check_replay(const fs::path& run, const RunFileHeader& header, std::uint64_t replication,
                  const Results& results) {
    const ReplicationCheck in_file = read_replication_check(run, replication);
    if (in_file.stage_counts != results.stage_counts || in_file.target_day != results.target_day)
        throw InputError(
            {{run.string(), 0, 0, "",
              "replication " + std::to_string(replication) +
                  " does not replay as it ran (written by hubsim " + header.git_commit +
                  ", this is " + kGitCommit + "): trace replays only what it can reproduce"}});
}

int trace_hub(const fs::path& run, const po::variables_map& vm, const LoadedScenario& ls,
              std::uint64_t replication, const RunFileHeader& header) {
    const Scenario& sc = ls.scenario;
    const std::uint16_t hub = find_hub(sc, vm["hub"].as<std::string>());
    Results results;
    const auto leaders = trace_leaders(sc, static_cast<std::uint32_t>(replication), hub, results);
    check_replay(run, header, replication, results);
    std::printf(
        "hub %s: %zu leaders over the run; replication %llu of %s (%s), replayed and "
        "checked against the file\n",
        sc.hubs[hub].name.c_str(), leaders.size(), static_cast<unsigned long long>(replication),
        run.string().c_str(), sc.name.c_str());
    if (!vm.count("leader")) {
        print_leaders(sc, leaders);
        return 0;
    }
    if (leaders.empty()) throw bad("--leader", "hub " + sc.hubs[hub].name + " never had a leader");
    const std::uint64_t id = whole(vm, "leader", leaders.size() - 1);
    const LeaderHistory& l = leaders[id];
    std::printf("leader %u: %s, %s, outreach share %.2f\n", l.id, std::string(name(l.role)).c_str(),
                std::string(name(l.phase)).c_str(), static_cast<double>(l.outreach));
    print_leader(sc, l);
    return 0;
}

}  // namespace

po::options_description trace_options() {
    po::options_description opts("Options");
    opts.add_options()("school", po::value<std::string>(), "the school's URN")(
        "hub", po::value<std::string>(),
        "list the hub's leaders (its name, or its index, 0 the first)")(
        "leader", po::value<std::string>(), "with --hub: one leader's history (its id)")(
        "replication,r", po::value<std::string>()->default_value("0"),
        "which replication of the run (0 is the first)");
    return opts;
}

int trace_command(const std::vector<std::string>& args) {
    po::options_description all = trace_options();
    all.add_options()("run", po::value<std::vector<std::string>>(), "run file");
    po::positional_options_description pos;
    pos.add("run", -1);
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(args).options(all).positional(pos).run(), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        throw bad("", e.what());
    }
    if (!vm.count("run")) throw bad("RUN.h5", "missing the run file (the output of hubsim run)");
    const auto runs = vm["run"].as<std::vector<std::string>>();
    if (runs.size() > 1)
        throw bad("RUN.h5", "one run file is expected, found " + std::to_string(runs.size()));
    if (vm.count("school") == vm.count("hub"))
        throw bad("--school", vm.count("school")
                                  ? "--school or --hub, not both"
                                  : "missing: --school URN, or --hub H [--leader ID]");
    if (vm.count("leader") && !vm.count("hub")) throw bad("--leader", "only with --hub");
    const fs::path run = runs.front();
    const RunFileHeader header = read_run_header(run);
    if (header.hubsim_version != kVersion)
        throw InputError({{run.string(), 0, 0, "",
                           "written by hubsim " + header.hubsim_version + "; this is hubsim " +
                               kVersion + ", which cannot replay it exactly"}});
    const std::uint64_t replication = whole(vm, "replication", 10'000'000);
    if (replication >= header.replications)
        throw bad("--replication", "the run has replications 0 to " +
                                       std::to_string(header.replications - 1) + ", not " +
                                       std::to_string(replication));
    const LoadedScenario ls = scenario_of(run, header);
    const Scenario& sc = ls.scenario;
    if (vm.count("hub")) return trace_hub(run, vm, ls, replication, header);
    const std::uint64_t urn = whole(vm, "school", UINT32_MAX);
    const auto it = std::find_if(sc.schools.begin(), sc.schools.end(),
                                 [&](const SchoolProfile& s) { return s.urn == urn; });
    if (it == sc.schools.end())
        throw bad("--school", "no school with URN " + std::to_string(urn) + " in " + sc.name);

    Results results;
    const SchoolTrace trace =
        trace_school(sc, static_cast<std::uint32_t>(replication),
                     static_cast<std::size_t>(it - sc.schools.begin()), results);
    check_replay(run, header, replication, results);

    const SchoolProfile& s = *it;
    std::printf("school %u: %s, hub %s, %u pupils, disadvantage %.3f (band q%d of %s)\n", s.urn,
                std::string(name(s.phase)).c_str(), sc.hubs[s.hub].name.c_str(), s.pupils,
                static_cast<double>(s.disadvantage), s.band + 1,
                std::string(name(s.phase)).c_str());
    std::printf(
        "replication %llu of %s (%s)%s; replayed, and checked against the file\n",
        static_cast<unsigned long long>(replication), run.string().c_str(), sc.name.c_str(),
        results.particle[0] >= 0
            ? (", parameters: posterior particle " + std::to_string(results.particle[0])).c_str()
            : "");
    print_trace(std::cout, sc, trace);
    return 0;
}

}  // namespace hubsim
