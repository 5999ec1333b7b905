#include "sensitivity_command.hpp"

#include <tbb/task_arena.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <numeric>

#include "bounds.hpp"
#include "command_line.hpp"
#include "hubsim/experiments/sensitivity.hpp"
#include "hubsim/io/atomic_file.hpp"
#include "hubsim/io/diagnostics.hpp"
#include "hubsim/model/replication.hpp"
#include "output_path.hpp"
#include "precision_option.hpp"
#include "threads.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace hubsim {

namespace {

/// Per output, the parameters from most to least important.
void print_ranking(const SensitivitySpec& spec, const SensitivityResult& r) {
    const std::size_t d = spec.parameters.size();
    const bool sobol = spec.method == SensitivityMethod::Sobol;
    std::printf("%s\n", sobol ? "Sobol indices; the 90% intervals are the bootstrap's over the "
                                "design's base points (the estimate's sampling error)"
                              : "Morris effects per unit of each parameter, times its range "
                                "(a screening: no intervals)");
    for (std::size_t o = 0; o < spec.outputs.size(); ++o) {
        const std::vector<double>& key = sobol ? r.total : r.mu_star;
        std::vector<std::size_t> order(d);
        std::iota(order.begin(), order.end(), std::size_t{0});
        // Morris effects are per unit of each parameter: ranked over each one's range.
        const auto importance = [&](std::size_t k) {
            return sobol ? key[o * d + k] : key[o * d + k] * (spec.high[k] - spec.low[k]);
        };
        std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
            return importance(a) > importance(b);
        });
        std::printf("\n%s\n", spec.outputs[o].label.c_str());
        if (sobol)
            std::printf("  %-50s %-22s %s\n", "parameter", "total [90%]", "first order [90%]");
        else
            std::printf("  %-50s %-14s %-14s %s\n", "parameter", "mu* x range", "mu x range",
                        "sigma x range");
        for (std::size_t k : order) {
            const std::size_t at = o * d + k;
            if (sobol) {
                char total[48], first[48];
                std::snprintf(total, sizeof total, "%.3f [%.3f, %.3f]", r.total[at],
                              r.total_low[at], r.total_high[at]);
                std::snprintf(first, sizeof first, "%.3f [%.3f, %.3f]", r.first[at],
                              r.first_low[at], r.first_high[at]);
                std::printf("  %-50s %-22s %s\n", spec.parameters[k]->key.c_str(), total, first);
            } else {
                const double range = spec.high[k] - spec.low[k];
                std::printf("  %-50s %-14.2f %-14.2f %.2f\n", spec.parameters[k]->key.c_str(),
                            r.mu_star[at] * range, r.mu[at] * range, r.sigma[at] * range);
            }
        }
    }
}

}  // namespace

po::options_description sensitivity_options() {
    po::options_description opts = cli::study_options("study", "sensitivity study YAML file");
    opts.add_options()("output,o", po::value<std::string>(),
                       "output HDF5 file (default results/NAME-sensitivity.h5)")(
        "threads,t", po::value<int>()->default_value(0), "worker threads (0: all cores)")(
        "resume", po::bool_switch(), "reuse what the journal (OUT.h5.journal) holds")(
        "quiet,q", po::bool_switch(), "no progress or table")(
        "precision", po::value<std::string>(),
        "Sobol: double the base samples until every total index's 90% bootstrap interval has "
        "at most this half-width (0.05)")(
        "max-samples", po::value<std::string>(),
        "with --precision: stop at this many base samples even if it is not reached "
        "(default 65536)");
    return opts;
}

int sensitivity_command(const std::vector<std::string>& args, const std::string& command_line) {
    const po::options_description opts = sensitivity_options();
    const auto vm = cli::parse(args, opts, "study");
    const int threads = vm["threads"].as<int>();
    const auto thread_limit = cli::limit_threads(threads);
    const bool quiet = vm["quiet"].as<bool>();
    const SensitivitySpec spec =
        load_sensitivity(vm["study"].as<std::string>(), cli::scenario_sets(vm));
    if (!quiet) cli::print_warnings(spec.base);
    Results shape;
    prepare_results(spec.base.scenario, 0, shape);
    cli::check_memory(static_cast<double>(shape.bytes_per_replication()) * spec.replications,
                      "replications",
                      std::to_string(spec.replications) + " replications of a design point");
    auto inputs = spec.base.input_files;
    inputs.emplace_back(spec.path);
    const fs::path out =
        cli::checked_output(vm.count("output") ? vm["output"].as<std::string>()
                                               : "results/" + spec.name + "-sensitivity.h5",
                            "--output", inputs);
    Evaluator evaluator(EvaluatorOptions{.side_by_side = 1,
                                         .quiet = quiet,
                                         .study = "sensitivity",
                                         .unit = "points",
                                         .entry = "point"});
    evaluator.open_output(out, vm["resume"].as<bool>());
    SensitivityPrecision precision;
    if (const auto asked = cli::precision_request(vm, "max-samples", 65536, 1'000'000)) {
        if (spec.method != SensitivityMethod::Sobol)
            throw InputError({{"command line", 0, 0, "--precision",
                               "only a Sobol study has intervals to make precise (this one is "
                               "Morris)"}});
        precision = {asked->half_width, asked->max_replications};
    }
    const SensitivityResult r = run_sensitivity(spec, evaluator, threads, precision);
    if (!evaluator.root()) return 0;
    const int used = threads > 0 ? threads : tbb::this_task_arena::max_concurrency();
    write_sensitivity_file(out, spec, r, command_line, used);
    evaluator.remove_journal();
    if (!quiet) {
        print_ranking(spec, r);
        std::printf("\nwritten to %s\n", out.string().c_str());
    }
    return 0;
}

}  // namespace hubsim
