// The hubsim command line: parses arguments, loads scenarios, runs, writes, reports.
// Exit status: 0 success, 2 bad input (usage, scenario), 1 internal failure.

#include <tbb/task_arena.h>
#include <unistd.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "bounds.hpp"
#include "command_line.hpp"
#include "hubsim/experiments/calibrate.hpp"
#include "hubsim/io/atomic_file.hpp"
#include "hubsim/io/calibration.hpp"
#include "hubsim/io/diagnostics.hpp"
#include "hubsim/io/optimisation.hpp"
#include "hubsim/io/output.hpp"
#include "hubsim/io/scenario_loader.hpp"
#include "hubsim/io/scenario_schema.hpp"
#include "hubsim/io/sensitivity.hpp"
#include "hubsim/io/sweep.hpp"
#include "hubsim/io/synthetic.hpp"
#include "hubsim/model/precision.hpp"
#include "hubsim/model/replication.hpp"
#include "hubsim/model/runner.hpp"
#include "hubsim/version.hpp"
#include "marginal_command.hpp"
#include "optimise_command.hpp"
#include "output_path.hpp"
#include "precision_option.hpp"
#include "sensitivity_command.hpp"
#include "serve_command.hpp"
#include "summary.hpp"
#include "sweep_command.hpp"
#include "threads.hpp"
#include "trace_command.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;
using namespace hubsim;

namespace {

constexpr int kOk = 0, kFailure = 1, kBadInput = 2;

const char* kUsage =
    R"(hubsim - a discrete-event simulator of the Maths Hubs Teaching for Mastery programme

Usage:
  hubsim run SCENARIO.yaml [-o OUT.h5] [--replications N] [--seed S] [--threads T] [--set key=value ...]
             [--parameters drawn|fixed] [--observations HISTORY.csv] [--precision H] [--quiet]
  hubsim validate SCENARIO.yaml|SWEEP.yaml [--set key=value ...]
  hubsim sweep SWEEP.yaml [-o OUT.h5] [--resume] [--shard i/N] [--threads T] [--parameters drawn|fixed] [--quiet]
  hubsim merge SHARD.h5... -o OUT.h5
  hubsim report RUN.h5|STUDY.h5 [OTHER.h5 ...] -o DIR [--llme-ambition N] [--threshold SHARE]
  hubsim calibrate CALIBRATION.yaml [-o OUT.h5] [--fitted FITTED.yaml] [--resume] [--threads T] [--quiet]
  hubsim marginal SCENARIO.yaml [-o OUT.h5] [--leaders K] [--from DATE] [--by DATE] [--role ROLE] [--rank-by M]
                  [--allocate N] [--replications N] [--seed S] [--set key=value ...] [--precision H]
                  [--threads T]
  hubsim sensitivity STUDY.yaml [-o OUT.h5] [--replications N] [--seed S] [--set key=value ...]
                     [--precision H] [--threads T] [--resume] [--quiet]
  hubsim optimise PLAN.yaml [-o OUT.h5] [--plans DIR] [--replications N] [--seed S] [--set key=value ...]
                  [--precision H] [--threads T] [--resume] [--quiet]
  hubsim generate SCENARIO.yaml --schools N [--schools-per-hub K] [-o OUT.yaml]
  hubsim trace RUN.h5 --school URN [--replication R]
  hubsim trace RUN.h5 --hub H [--leader ID] [--replication R]
  hubsim params [--markdown]
  hubsim schema
  hubsim serve [--port N] [--bind ADDR] [--scenarios DIR] [--token T]
  hubsim --help | --version

Commands:
  run       simulate the scenario and write an HDF5 file (default results/NAME.h5)
  validate  check a scenario and report every problem, with file, line and column
  sweep     run every point of a parameter sweep (under mpirun: across ranks)
  merge     join the shards of a sweep run as a job array
  report    an HTML report (figures and tables) of one run, or several side by side,
            and of marginal, sensitivity and optimise output (a Decisions section)
  calibrate fit a scenario's uncertain parameters to observed history (ABC-SMC)
  marginal  where K more leaders add most: each hub's extra schools engaged, paired
  sensitivity  which uncertain parameters matter most (Sobol indices or Morris effects)
  optimise  the Pareto front of plans, cost against the targets (NSGA-II), as scenarios
  generate  write a synthetic copy of a scenario with any number of schools (for scale runs)
  trace     replay one replication of a run: what happened to one school, or a hub's leaders
  params    list every scenario parameter: key, default, range, meaning

Exit status: 0 success, 2 bad input, 1 internal failure.
)";

std::string join_args(int argc, char** argv) {
    std::string s;
    for (int i = 0; i < argc; ++i) s += (i ? " " : "") + std::string(argv[i]);
    return s;
}

int cmd_validate(const std::vector<std::string>& args) {
    auto opts = cli::scenario_options();
    const auto vm = cli::parse(args, opts);
    const auto sets =
        vm.count("set") ? vm["set"].as<std::vector<std::string>>() : std::vector<std::string>{};
    const std::string path = vm["scenario"].as<std::string>();
    if (is_optimisation_plan(path)) {
        const OptimisationPlan p = load_optimisation_plan(path, sets);
        std::printf(
            "%s: ok (a policy search of %zu decisions of %s for %zu objectives under %zu "
            "constraints)\n",
            path.c_str(), p.decisions.size(), p.base.source_path.c_str(), p.objectives.size(),
            p.constraints.size());
        return kOk;
    }
    if (is_sensitivity_file(path)) {
        const SensitivitySpec st = load_sensitivity(path, sets);
        std::printf("%s: ok (a sensitivity study of %zu parameters of %s for %zu outputs)\n",
                    path.c_str(), st.parameters.size(), st.base.source_path.c_str(),
                    st.outputs.size());
        return kOk;
    }
    if (is_calibration_file(path)) {
        const CalibrationSpec c = load_calibration(path);
        std::printf("%s: ok (a calibration of %zu parameters of %s against %zu observations)\n",
                    path.c_str(), c.parameters.size(), c.base.source_path.c_str(),
                    c.observations.size());
        return kOk;
    }
    if (is_sweep_file(path)) {
        const SweepSpec sw = load_sweep(path, sets);
        std::printf("%s: ok (a sweep of %zu points x %u replications over %zu parameters of %s)\n",
                    path.c_str(), sw.point_count(), sw.replications, sw.parameters.size(),
                    sw.base.source_path.c_str());
        return kOk;
    }
    const LoadedScenario ls = load_scenario(path, sets);
    cli::print_warnings(ls);
    const Scenario& sc = ls.scenario;
    std::printf("%s: ok (%zu hubs, %zu schools, %zu timeline events, %zu targets)\n",
                ls.source_path.c_str(), sc.hubs.size(), sc.schools.size(), sc.timeline.size(),
                sc.targets.size());
    return kOk;
}

po::options_description run_options() {
    auto opts = cli::scenario_options();
    opts.add_options()("output,o", po::value<std::string>(),
                       "output HDF5 file (default results/NAME.h5)")(
        "replications,r", po::value<std::string>(), "replications (default: the scenario's)")(
        "seed", po::value<std::string>(), "root seed (default: the scenario's)")(
        "threads,t", po::value<int>()->default_value(0), "worker threads (0: all cores)")(
        "quiet,q", po::bool_switch(), "no progress or summary")(
        "parameters", po::value<std::string>(),
        "drawn (default: each replication draws its parameters from the scenario's posterior) "
        "or fixed (the scenario's own values)")(
        "observations", po::value<std::string>(),
        "an observations CSV: store what each replication simulated for each observation");
    cli::add_precision_options(opts);
    return opts;
}

void print_precision(std::ostream& out, const PrecisionRecord& p, std::size_t replications) {
    char line[256];
    std::snprintf(line, sizeof line,
                  "\nprecision: %zu replications %s every headline half-width <= %.4f "
                  "(95%%):\n",
                  replications, p.met ? "reached" : "did not reach (--max-replications)",
                  p.half_width);
    out << line;
    for (const auto& f : p.figures) {
        std::snprintf(line, sizeof line, "  %-62s %.4f +- %.4f\n", f.label.c_str(), f.estimate,
                      f.half_width);
        out << line;
    }
}

int cmd_run(const std::vector<std::string>& args, const std::string& command_line) {
    const auto opts = run_options();
    const auto vm = cli::parse(args, opts);
    const auto sets = cli::scenario_sets(vm);
    const int threads = vm["threads"].as<int>();
    const auto thread_limit = cli::limit_threads(threads);
    const bool quiet = vm["quiet"].as<bool>();

    const auto precision = cli::precision_request(vm);
    const LoadedScenario ls = load_scenario(vm["scenario"].as<std::string>(), sets);
    if (!quiet) cli::print_warnings(ls);
    const Scenario& sc = ls.scenario;
    Results shape;  // the axes alone: what one replication holds
    prepare_results(sc, 0, shape);
    const std::uint32_t most = precision ? precision->max_replications : sc.replications;
    cli::check_memory(static_cast<double>(shape.bytes_per_replication()) * most,
                      precision ? "max-replications" : "replications",
                      std::to_string(most) + " replications of " + ls.source_path);
    auto inputs = ls.input_files;
    if (vm.count("observations")) inputs.emplace_back(vm["observations"].as<std::string>());
    const fs::path out = cli::checked_output(
        vm.count("output") ? vm["output"].as<std::string>() : "results/" + sc.name + ".h5",
        "--output", inputs);
    if (out.has_parent_path() && fs::exists(out.parent_path()) &&
        !fs::is_directory(out.parent_path()))
        throw InputError(
            {{"command line", 0, 0, "--output", "not a folder: " + out.parent_path().string()}});
    prepare_output(out);  // its folder made; a read-only one found before the run

    std::optional<ObservedValues> observed;
    if (vm.count("observations")) {
        const std::string csv = vm["observations"].as<std::string>();
        ObservationFile file = read_observations(csv, sc);
        observed.emplace();
        observed->source_text = std::move(file.text);
        observed->observations = std::move(file.observations);
    }

    RunOptions ro;
    ro.replications = sc.replications;
    ro.threads = threads;
    const bool tty = ::isatty(STDERR_FILENO) != 0;
    std::mutex mu;
    if (!quiet && tty) {
        ro.on_progress = [&](std::uint32_t done) {
            std::lock_guard lock(mu);
            std::fprintf(stderr, "\rreplications %u/%u", done, sc.replications);
            if (done == sc.replications) std::fprintf(stderr, "\n");
        };
    }
    const auto t0 = std::chrono::steady_clock::now();
    std::optional<PrecisionRecord> record;
    Results results;
    if (precision) {
        ro.on_progress = nullptr;
        auto batch = [&](const PrecisionRun& so_far) {
            if (quiet) return;
            double worst = 0;
            for (const auto& f : so_far.figures) worst = std::max(worst, f.half_width);
            std::fprintf(stderr,
                         "precision: %zu replications, widest half-width %.4f (asked %.4f)\n",
                         so_far.results.replications, worst, precision->half_width);
        };
        PrecisionRun run =
            run_to_precision(sc, ro, precision->half_width, precision->max_replications, batch);
        record = PrecisionRecord{precision->half_width, precision->max_replications, run.met,
                                 run.figures};
        results = std::move(run.results);
    } else {
        results = run_scenario(sc, ro);
    }
    const auto t1 = std::chrono::steady_clock::now();
    const int used = threads > 0 ? threads : tbb::this_task_arena::max_concurrency();
    if (observed) observed->simulated = simulated_values(sc, results, observed->observations);
    write_results(out, ls, results, Provenance{command_line, used}, observed ? &*observed : nullptr,
                  record ? &*record : nullptr);
    const auto t2 = std::chrono::steady_clock::now();
    if (!quiet) {
        const double sim_s = std::chrono::duration<double>(t1 - t0).count();
        const double write_s = std::chrono::duration<double>(t2 - t1).count();
        const auto reps = static_cast<double>(results.replications);
        print_summary(std::cout, sc, results);
        if (record) print_precision(std::cout, *record, results.replications);
        std::printf("\n%zu replications in %.3f s (%.2f ms each), written in %.3f s to %s\n",
                    results.replications, sim_s, 1000 * sim_s / reps, write_s,
                    out.string().c_str());
    }
    return kOk;
}

void print_markdown_params() {
    std::cout << "### Run settings and structure\n\n| key | type | default | meaning "
                 "|\n|---|---|---|---|\n";
    for (const auto& d : scenario_settings())
        std::cout << "| `" << d.key << "` | " << d.type << " | " << d.fallback << " | " << d.help
                  << " |\n";
    std::cout << "\n### Parameters\n\nEvery one can be set in a scenario (nested by its dotted "
                 "key), with "
                 "`--set key=value`, in a timeline event's `set`, and varied by a sweep.\n\n";
    std::cout << "| key | type | default | range | unit | meaning |\n|---|---|---|---|---|---|\n";
    for (const auto& s : parameter_specs()) {
        std::string type, range;
        switch (s.kind) {
            case ParamKind::Probability:
                type = "probability";
                range = "0 to 1";
                break;
            case ParamKind::Real:
                type = "number";
                break;
            case ParamKind::Count:
                type = "whole number";
                break;
            case ParamKind::Choice:
                type = "choice";
                break;
            case ParamKind::Flag:
                type = "true/false";
                break;
        }
        if (s.kind == ParamKind::Real || s.kind == ParamKind::Count) {
            char buf[64];
            if (s.max >= 1e299)
                std::snprintf(buf, sizeof buf, ">= %g", s.min);
            else
                std::snprintf(buf, sizeof buf, "%g to %g", s.min, s.max);
            range = buf;
        }
        if (s.kind == ParamKind::Choice) {
            for (const auto& c : s.choices) range += (range.empty() ? "" : ", ") + c;
        }
        std::cout << "| `" << s.key << "` | " << type << " | " << s.format(s.fallback) << " | "
                  << range << " | " << s.unit << " | " << s.help << " |\n";
    }
}

po::options_description calibrate_options() {
    po::options_description opts("Options");
    opts.add_options()("scenario", po::value<std::string>(), "calibration YAML file")(
        "output,o", po::value<std::string>(),
        "output HDF5 file (default results/NAME-calibration.h5)")(
        "fitted", po::value<std::string>(), "also write the fitted scenario (YAML) here")(
        "posterior", po::value<std::string>(),
        "also write the posterior sample (CSV: weight, parameters) here")(
        "resume", po::bool_switch(),
        "reuse the particles the journal holds (OUT.h5.journal); run only what is missing")(
        "threads,t", po::value<int>()->default_value(0),
        "worker threads per process (0: all cores)")("quiet,q", po::bool_switch(), "no progress");
    return opts;
}

int cmd_calibrate(const std::vector<std::string>& args, const std::string& command_line) {
    const auto opts = calibrate_options();
    const auto vm = cli::parse(args, opts);
    const auto thread_limit = cli::limit_threads(vm["threads"].as<int>());
    CalibrationSpec spec = load_calibration(vm["scenario"].as<std::string>());
    spec.abc.threads = vm["threads"].as<int>();
    auto inputs = spec.base.input_files;
    inputs.emplace_back(spec.path);
    inputs.emplace_back(spec.observations_path);
    const fs::path out = cli::checked_output(
        vm.count("output") ? vm["output"].as<std::string>()
                           : "results/" + spec.base.scenario.name + "-calibration.h5",
        "--output", inputs);
    inputs.push_back(out);
    if (vm.count("fitted")) cli::checked_output(vm["fitted"].as<std::string>(), "--fitted", inputs);
    if (vm.count("posterior")) {
        // The one input a calibration may replace: the posterior its scenario draws from
        // (the fit never reads it; its parameters come from the particles).
        std::erase(inputs, spec.base.posterior_file);
        cli::checked_output(vm["posterior"].as<std::string>(), "--posterior", inputs);
    }
    const bool quiet = vm["quiet"].as<bool>();
    // Each particle slot is one thread's work: on one process, as many side by side as
    // there are threads; under MPI, one a rank at a time.
    Evaluator evaluator(EvaluatorOptions{
        .side_by_side = 0, .quiet = true, .study = "calibrate", .unit = "slots", .entry = "slot"});
    evaluator.open_output(out, vm["resume"].as<bool>());
    const AbcResult fit = fit_calibration(spec, evaluator, quiet);
    if (!evaluator.root()) return kOk;
    const std::string fitted = write_calibration(out, spec, fit, command_line);
    if (vm.count("fitted")) write_text_atomically(vm["fitted"].as<std::string>(), fitted);
    if (vm.count("posterior")) write_posterior_csv(out, vm["posterior"].as<std::string>());
    // The journal served only to resume an interrupted fit.
    evaluator.remove_journal();
    if (!quiet) std::printf("%s", fitted.c_str());
    return kOk;
}

po::options_description generate_options() {
    auto opts = cli::scenario_options();
    opts.add_options()("schools,n", po::value<std::string>(), "schools in all")(
        "schools-per-hub", po::value<std::string>()->default_value("500"),
        "schools per hub (England averages 505)")("output,o", po::value<std::string>(),
                                                  "output YAML file (default: standard output)");
    return opts;
}

int cmd_generate(const std::vector<std::string>& args) {
    const auto opts = generate_options();
    const auto vm = cli::parse(args, opts);
    auto count = [&](const char* opt, std::uint64_t max) {
        if (!vm.count(opt)) throw UsageError(std::string("missing --") + opt);
        const std::string text = vm[opt].as<std::string>();
        std::size_t used = 0;
        double v = 0;
        try {
            v = std::stod(text, &used);
        } catch (const std::exception&) {
        }
        if (used != text.size() || v < 1 || v > static_cast<double>(max) || v != std::floor(v))
            throw UsageError(std::string("--") + opt + " expects a whole number from 1 to " +
                             std::to_string(max) + ", found '" + text + "'");
        return static_cast<std::uint64_t>(v);
    };
    SyntheticSize size;
    size.schools = count("schools", kMaxSchools);
    size.schools_per_hub = static_cast<std::uint32_t>(count("schools-per-hub", 10'000'000));
    const auto sets =
        vm.count("set") ? vm["set"].as<std::vector<std::string>>() : std::vector<std::string>{};
    const LoadedScenario from = load_scenario(vm["scenario"].as<std::string>(), sets);
    if (!vm.count("output")) {
        std::cout << synthetic_scenario(from, size);
        return kOk;
    }
    const fs::path out =
        cli::checked_output(vm["output"].as<std::string>(), "--output", from.input_files);
    const std::string yaml = synthetic_scenario(from, size);
    prepare_output(out);
    write_text_atomically(out, yaml);
    return kOk;
}

/// The report generator is Python (tools/report.py): found beside the build tree or the
/// source tree this binary was built from, or where HUBSIM_REPORT names it.
fs::path report_tool(const char* argv0) {
    std::vector<fs::path> places;
    if (const char* env = std::getenv("HUBSIM_REPORT")) places.emplace_back(env);
    std::error_code ec;
    const fs::path self = fs::canonical("/proc/self/exe", ec);
    if (!ec) places.push_back(self.parent_path().parent_path() / "tools" / "report.py");
    places.push_back(fs::absolute(argv0, ec).parent_path().parent_path() / "tools" / "report.py");
    places.push_back(fs::path(kSourceDir) / "tools" / "report.py");
    for (const auto& p : places)
        if (fs::is_regular_file(p, ec)) return p;
    throw std::runtime_error("the report tool (tools/report.py) was not found; set HUBSIM_REPORT");
}

int cmd_report(const std::vector<std::string>& args, const char* argv0) {
    const fs::path tool = report_tool(argv0);
    const std::string python = fs::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
    std::vector<std::string> argv_s = {python, tool.string()};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::fflush(stdout);
    ::execvp(argv[0], argv.data());  // returns only on failure
    throw std::runtime_error("cannot start " + python + ": " + std::strerror(errno));
}

int cmd_params(const std::vector<std::string>& args) {
    if (args.size() > 1 || (args.size() == 1 && args[0] != "--markdown"))
        throw UsageError("params takes only --markdown, found '" + args.back() + "'");
    if (!args.empty()) {
        print_markdown_params();
        return kOk;
    }
    for (const auto& s : scenario_settings())
        std::printf("%-42s %s\n", s.key.c_str(), s.help.c_str());
    for (const auto& s : parameter_specs())
        std::printf("%-42s %-10s %s\n", s.key.c_str(), s.format(s.fallback).c_str(),
                    s.help.c_str());
    return kOk;
}

int cmd_schema(const std::vector<std::string>& args) {
    if (!args.empty()) throw UsageError("schema takes no arguments, found '" + args.front() + "'");
    std::cout << scenario_schema() << "\n";
    return kOk;
}

/// `hubsim COMMAND --help`: the command's usage, what it does, and each option with its
/// default.
struct CommandHelp {
    const char* name;
    const char* usage;
    const char* what;
    po::options_description (*options)();
};

const CommandHelp kCommands[] = {
    {"run", "hubsim run SCENARIO.yaml [-o OUT.h5] [options]",
     "Simulates the scenario's replications and writes an HDF5 file (default results/NAME.h5), "
     "then prints a summary.",
     run_options},
    {"validate", "hubsim validate SCENARIO.yaml|SWEEP.yaml|CALIBRATION.yaml [--set key=value ...]",
     "Checks a file and every file it names; prints every problem with file, line and column.",
     cli::scenario_options},
    {"sweep", "hubsim sweep SWEEP.yaml [-o OUT.h5] [options]",
     "Runs every point of a parameter sweep, journalling each as it finishes (under mpirun: "
     "across ranks).",
     sweep_options},
    {"merge", "hubsim merge SHARD.h5... -o OUT.h5",
     "Joins the shards of a sweep run as a job array into one sweep file.", merge_options},
    {"calibrate", "hubsim calibrate CALIBRATION.yaml [-o OUT.h5] [options]",
     "Fits a scenario's uncertain parameters to observed history by ABC-SMC.", calibrate_options},
    {"marginal", "hubsim marginal SCENARIO.yaml [-o OUT.h5] [options]",
     "What K extra leaders add in each hub (extra schools engaged, participating school-years, "
     "P(target met)), as paired differences under common random numbers.",
     marginal_options},
    {"sensitivity", "hubsim sensitivity STUDY.yaml [-o OUT.h5] [options]",
     "Which parameters matter most for which outputs: Sobol indices with bootstrap intervals, "
     "or Morris elementary effects, over design points that share their random numbers.",
     sensitivity_options},
    {"optimise", "hubsim optimise PLAN.yaml [-o OUT.h5] [options]",
     "Searches a plan's decisions (training places by year, hub capacity, any parameter) for "
     "the Pareto front of its objectives under its constraints (NSGA-II, pagmo2), every "
     "candidate on the same replications; re-evaluates the front on fresh ones and writes each "
     "front plan as a runnable scenario.",
     optimise_options},
    {"generate", "hubsim generate SCENARIO.yaml --schools N [options]",
     "Writes a synthetic copy of a scenario with any number of schools (for scale runs).",
     generate_options},
    {"trace", "hubsim trace RUN.h5 (--school URN | --hub H [--leader ID]) [--replication R]",
     "Replays one replication of a run and tells what happened to one school, year by year, "
     "or to a hub's leaders.",
     trace_options},
    {"params", "hubsim params [--markdown]",
     "Lists every scenario setting and parameter: key, default, range, meaning.", nullptr},
    {"serve", "hubsim serve [--port N] [--bind ADDR] [--scenarios DIR] [--token T]",
     "Serves the what-if studio, a web application for planners (docs/studio.md), on this "
     "machine only unless --bind names another address (then behind a token).",
     serve_options},
    {"schema", "hubsim schema",
     "Prints a JSON Schema of the scenario format, generated from the declared parameters: for "
     "editors (`# yaml-language-server: $schema=scenario.schema.json`) and other tools.",
     nullptr},
};

void print_command_help(const CommandHelp& c) {
    std::cout << "Usage: " << c.usage << "\n\n" << c.what << "\n";
    if (!c.options) return;
    po::options_description visible("Options");
    const po::options_description all = c.options();
    for (const auto& o : all.options())  // positional arguments are in the usage
        if (o->long_name() != "scenario" && o->long_name() != "sweep" &&
            o->long_name() != "shards" && o->long_name() != "study" && o->long_name() != "plan")
            visible.add(o);
    std::cout << "\n" << visible << "\nExit status: 0 success, 2 bad input, 1 a failure.\n";
}

}  // namespace

int main(int argc, char** argv) {
    try {
        if (argc < 2) {
            std::cerr << kUsage;
            return kBadInput;
        }
        const std::string cmd = argv[1];
        const std::vector<std::string> rest(argv + 2, argv + argc);
        if (cmd == "--help" || cmd == "-h" || cmd == "help") {
            std::cout << kUsage;
            return kOk;
        }
        if (cmd == "--version") {
            std::cout << "hubsim " << kVersion << " (" << kGitCommit << ")\n";
            return kOk;
        }
        // `hubsim run --help` and the like: that command's options (report passes --help on
        // to the report tool, which describes its own).
        if (cmd != "report" && std::any_of(rest.begin(), rest.end(), [](const std::string& a) {
                return a == "--help" || a == "-h";
            })) {
            for (const auto& c : kCommands)
                if (cmd == c.name) {
                    print_command_help(c);
                    return kOk;
                }
        }
        if (cmd == "run") return cmd_run(rest, join_args(argc, argv));
        if (cmd == "validate") return cmd_validate(rest);
        if (cmd == "params") return cmd_params(rest);
        if (cmd == "schema") return cmd_schema(rest);
        if (cmd == "sweep") return sweep_command(rest, join_args(argc, argv));
        if (cmd == "calibrate") return cmd_calibrate(rest, join_args(argc, argv));
        if (cmd == "marginal") return marginal_command(rest, join_args(argc, argv));
        if (cmd == "sensitivity") return sensitivity_command(rest, join_args(argc, argv));
        if (cmd == "optimise") return optimise_command(rest, join_args(argc, argv));
        if (cmd == "merge") return merge_command(rest, join_args(argc, argv));
        if (cmd == "generate") return cmd_generate(rest);
        if (cmd == "report") return cmd_report(rest, argv[0]);
        if (cmd == "trace") return trace_command(rest);
        if (cmd == "serve") return serve_command(rest, report_tool(argv[0]));
        std::string msg = "unknown command '" + cmd + "'";
        if (auto s = did_you_mean(
                cmd, {"run", "validate", "params", "schema", "sweep", "merge", "calibrate",
                      "generate", "report", "trace", "marginal", "sensitivity", "optimise"});
            !s.empty())
            msg += " (did you mean '" + s + "'?)";
        throw UsageError(msg);
    } catch (const InputError& e) {
        for (const auto& d : e.diagnostics()) std::cerr << d.str() << "\n";
        const auto n = e.errors();
        std::cerr << n << (n == 1 ? " error" : " errors") << "; nothing was run\n";
        return kBadInput;
    } catch (const UsageError& e) {
        std::cerr << "hubsim: " << e.what() << "\n(try hubsim --help)\n";
        return kBadInput;
    } catch (const OutputError& e) {  // the environment, not hubsim: says where and why
        std::cerr << "hubsim: " << e.what() << "\n";
        return kFailure;
    } catch (const std::exception& e) {
        std::cerr << "hubsim: internal error: " << e.what() << "\n";
        return kFailure;
    }
}
