#include "marginal_command.hpp"

#include <tbb/task_arena.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <numeric>

#include "bounds.hpp"
#include "command_line.hpp"
#include "hubsim/engine/calendar.hpp"
#include "hubsim/experiments/marginal.hpp"
#include "hubsim/io/atomic_file.hpp"
#include "hubsim/io/diagnostics.hpp"
#include "hubsim/io/digest.hpp"
#include "hubsim/model/replication.hpp"
#include "output_path.hpp"
#include "precision_option.hpp"
#include "threads.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace hubsim {

namespace {

InputError bad(const std::string& option, const std::string& message) {
    return InputError({{"command line", 0, 0, option, message}});
}

std::uint32_t count_option(const po::variables_map& vm, const char* option, std::uint32_t min,
                           std::uint32_t max, std::uint32_t otherwise) {
    if (!vm.count(option)) return otherwise;
    const std::string text = vm[option].as<std::string>();
    std::uint64_t v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size() || v < min || v > max)
        throw bad(std::string("--") + option, "expected a whole number from " +
                                                  std::to_string(min) + " to " +
                                                  std::to_string(max) + ", found '" + text + "'");
    return static_cast<std::uint32_t>(v);
}

/// A date option inside the run; `otherwise` if not given.
Date date_option(const po::variables_map& vm, const char* option, const Scenario& sc,
                 Date otherwise) {
    if (!vm.count(option)) return otherwise;
    const std::string text = vm[option].as<std::string>();
    const auto d = parse_date(text);
    if (!d)
        throw bad(std::string("--") + option, "expected a date YYYY-MM-DD, found '" + text + "'");
    if (*d < sc.start || *d > sc.end)
        throw bad(std::string("--") + option, "expected a date within the run (" +
                                                  format_date(sc.start) + " to " +
                                                  format_date(sc.end) + "), found " + text);
    return *d;
}

std::string estimate(const PairedEstimate& e, const char* format) {
    char buf[96];
    char fmt[64];
    std::snprintf(fmt, sizeof fmt, "%s [%s, %s]", format, format, format);
    std::snprintf(buf, sizeof buf, fmt, e.mean, e.low, e.high);
    return buf;
}

/// The ten variants that add most, as a table.
void print_table(const MarginalFile& f) {
    const std::size_t C = f.phases.size(), D = f.dates.size(), T = f.targets.size();
    const std::size_t by =
        static_cast<std::size_t>(std::find(f.dates.begin(), f.dates.end(), f.by) - f.dates.begin());
    std::vector<std::size_t> order(f.variants.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return f.rank[a] < f.rank[b]; });
    std::printf(
        "\n%u extra %s from %s, by %s: means of %u paired replications [90%% interval], "
        "ranked by %s\n",
        f.leaders, f.leaders == 1 ? "leader" : "leaders", f.from.c_str(), f.by.c_str(),
        f.replications, f.rank_by == "engaged" ? "schools engaged" : "school-years");
    // Which uncertainty the intervals hold: that of the mean paired difference, over
    // replications that draw the posterior (or not).
    std::printf("the intervals hold %s\n",
                f.parameters == "drawn"
                    ? "chance and what the calibration leaves unknown of the parameters (each "
                      "replication draws the posterior, the same draw with and without the leaders)"
                    : "chance only (the parameters are fixed)");
    std::printf("%4s  %-34s %-30s %-20s %-20s %s\n", "rank", "hub", "role", "schools engaged",
                "school-years in WGs", "change in P(target met)");
    for (std::size_t k = 0; k < std::min<std::size_t>(10, order.size()); ++k) {
        const std::size_t v = order[k];
        const auto& var = f.variants[v];
        const std::size_t c = static_cast<std::size_t>(
            std::find(f.phases.begin(), f.phases.end(), std::string(name(var.phase))) -
            f.phases.begin());
        if (c >= C) continue;
        // Only targets due after the leaders arrive can move.
        std::string targets;
        for (std::size_t t = 0; t < T; ++t) {
            if (f.targets.phase[t] != name(var.phase) || f.targets.by[t] < f.from) continue;
            char buf[128];
            std::snprintf(buf, sizeof buf, "%s%s %+.3f", targets.empty() ? "" : "; ",
                          f.targets.label[t].c_str(), f.target_met[v * T + t].mean);
            targets += buf;
        }
        std::printf(
            "%4u  %-34s %-30s %-20s %-20s %s\n", f.rank[v], f.hubs[var.hub].c_str(),
            std::string(name(var.role)).c_str(),
            estimate(f.engaged[(v * C + c) * D + by], "%.1f").c_str(),
            estimate(f.participating_years[(v * C + c) * D + by], "%.1f").c_str(),
            targets.empty() ? "(no target of its phase due after --from)" : targets.c_str());
    }
    if (!f.allocation_variant.empty()) {
        std::printf("\ngreedy allocation, %u %s at a time:\n", f.leaders,
                    f.leaders == 1 ? "leader" : "leaders");
        for (std::size_t s = 0; s < f.allocation_variant.size(); ++s) {
            const auto& var = f.variants[f.allocation_variant[s]];
            std::printf("  %zu. %-34s %-30s adds %s %s by %s\n", s + 1, f.hubs[var.hub].c_str(),
                        std::string(name(var.role)).c_str(),
                        estimate(f.allocation_value[s], "%.1f").c_str(),
                        f.rank_by == "engaged" ? "schools engaged" : "school-years", f.by.c_str());
        }
    }
}

}  // namespace

po::options_description marginal_options() {
    po::options_description opts = cli::scenario_options();
    opts.add_options()("output,o", po::value<std::string>(),
                       "output HDF5 file (default results/NAME-marginal.h5)")(
        "leaders,k", po::value<std::string>(), "extra active leaders per hub (default 1)")(
        "from", po::value<std::string>(),
        "added on the first 1 September on or after this date (default: the run's start)")(
        "by", po::value<std::string>(),
        "rank hubs by what the leaders add by this date (default: the last target's date)")(
        "rank-by", po::value<std::string>(),
        "engaged (default: extra schools ever engaged) or participating_years")(
        "role", po::value<std::string>(),
        "the leaders' role (default: each modelled phase's Mastery Specialists)")(
        "allocate", po::value<std::string>(),
        "also allocate this many leaders greedily, --leaders at a time")(
        "replications,r", po::value<std::string>(), "replications (default: the scenario's)")(
        "seed", po::value<std::string>(), "root seed (default: the scenario's)")(
        "parameters", po::value<std::string>(), "drawn (default) or fixed")(
        "threads,t", po::value<int>()->default_value(0), "worker threads (0: all cores)")(
        "resume", po::bool_switch(), "reuse what the journal (OUT.h5.journal) holds")(
        "quiet,q", po::bool_switch(), "no progress or table");
    cli::add_precision_options(opts);
    return opts;
}

int marginal_command(const std::vector<std::string>& args, const std::string& command_line) {
    const auto opts = marginal_options();
    const auto vm = cli::parse(args, opts);
    const int threads = vm["threads"].as<int>();
    const auto thread_limit = cli::limit_threads(threads);
    const bool quiet = vm["quiet"].as<bool>();
    const LoadedScenario ls =
        load_scenario(vm["scenario"].as<std::string>(), cli::scenario_sets(vm));
    if (!quiet) cli::print_warnings(ls);
    const Scenario& sc = ls.scenario;

    MarginalRequest req;
    req.threads = threads;
    req.scenario_digest = sha256_hex(ls.resolved_yaml);
    req.leaders = count_option(vm, "leaders", 1, 100000, 1);
    req.from = date_option(vm, "from", sc, sc.start);
    Date last_target = sc.end;
    if (!sc.targets.empty()) {
        last_target = sc.targets.front().by;
        for (const auto& t : sc.targets) last_target = std::max(last_target, t.by);
        last_target = std::min(last_target, sc.end);
    }
    req.by = date_option(vm, "by", sc, last_target);
    if (req.by < req.from)
        throw bad("--by", "expected a date on or after --from (" + format_date(req.from) + ")");
    if (vm.count("role")) {
        const std::string text = vm["role"].as<std::string>();
        const auto role = parse_role(text);
        std::vector<std::string> roles;
        for (LlmeRole r : kRoles)
            if (info(r).phase) roles.emplace_back(name(r));
        if (!role) throw bad("--role", "unknown role '" + text + "'");
        if (!info(*role).phase)
            throw bad("--role", "'" + text +
                                    "' has no phase of its own (its leaders come from a hub's "
                                    "schools of any phase): choose a role with one");
        req.role = role;
    }
    req.allocate = count_option(vm, "allocate", 1, 1000000, 0);
    if (const auto precision = cli::precision_request(vm)) {
        req.precision = precision->half_width;
        req.max_replications = precision->max_replications;
    }
    if (vm.count("rank-by")) {
        const std::string r = vm["rank-by"].as<std::string>();
        if (r != "engaged" && r != "participating_years")
            throw bad("--rank-by", "expected engaged or participating_years, found '" + r + "'");
        req.rank_by_participation = r == "participating_years";
    }
    if (req.allocate > 0 && req.allocate < req.leaders)
        throw bad("--allocate",
                  "expected at least --leaders (" + std::to_string(req.leaders) + ")");
    Results shape;
    prepare_results(sc, 0, shape);
    if (shape.phases.empty()) throw bad("scenario", "no phase is modelled: nothing to add to");
    if (req.role && shape.column(*info(*req.role).phase) >= shape.phases.size())
        throw bad("--role", "its phase is not modelled in " + sc.name);
    cli::check_memory(static_cast<double>(shape.bytes_per_replication()) * sc.replications,
                      "replications",
                      std::to_string(sc.replications) + " replications of " + ls.source_path);

    const fs::path out = cli::checked_output(
        vm.count("output") ? vm["output"].as<std::string>() : "results/" + sc.name + "-marginal.h5",
        "--output", ls.input_files);
    Evaluator evaluator(EvaluatorOptions{.side_by_side = 1,
                                         .quiet = quiet,
                                         .study = "marginal",
                                         .unit = "scenarios",
                                         .entry = "scenario"});
    evaluator.open_output(out, vm["resume"].as<bool>());
    MarginalFile f = run_marginal(sc, req, evaluator, quiet);
    if (!evaluator.root()) return 0;
    f.scenario_yaml = ls.resolved_yaml;
    f.parameters = sc.posterior.empty() ? (sc.parameters_fixed ? "fixed" : "none") : "drawn";
    const int used = threads > 0 ? threads : tbb::this_task_arena::max_concurrency();
    write_marginal_file(out, f, command_line, used);
    evaluator.remove_journal();
    if (!quiet) {
        print_table(f);
        std::printf("\nwritten to %s\n", out.string().c_str());
    }
    return 0;
}

}  // namespace hubsim
