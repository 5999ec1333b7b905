#include "sweep_command.hpp"

#include <algorithm>
#include <boost/program_options.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <optional>

#include "bounds.hpp"
#include "hubsim/experiments/sweep.hpp"
#include "hubsim/io/atomic_file.hpp"
#include "hubsim/io/diagnostics.hpp"
#include "hubsim/io/sweep.hpp"
#include "hubsim/model/replication.hpp"
#include "output_path.hpp"
#include "precision_option.hpp"
#include "threads.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace hubsim {

namespace {

/// The most points the closing table shows; the file holds them all.
constexpr std::size_t kTableRows = 20;

/// A swept value as the table shows it: a choice by name, a whole number whole, a real
/// number to four significant figures (0.055, not 0.05500000000000001).
std::string value_text(const SweepFile& f, std::size_t k, double v) {
    if (!f.parameter_choices[k].empty())
        return f.parameter_choices[k].at(static_cast<std::size_t>(v));
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4g", v);
    return buf;
}

/// The median over a point's replications of the total cost of the run, in GBP.
double median_total_cost(const PointResults& p, std::uint32_t replications) {
    if (replications == 0 || p.run.cost.empty()) return NAN;
    const std::size_t per = p.run.cost.size() / replications;
    std::vector<double> total(replications, 0.0);
    for (std::size_t r = 0; r < replications; ++r)
        for (std::size_t i = 0; i < per; ++i) total[r] += p.run.cost[r * per + i];
    std::sort(total.begin(), total.end());
    const std::size_t n = total.size();
    return n % 2 ? total[n / 2] : (total[n / 2 - 1] + total[n / 2]) / 2;
}

/// Per point: its parameters, P(each target met by its date) over its replications and the
/// median total cost.
void print_results(const SweepSpec& spec, const SweepFile& f, const std::string& out) {
    const std::size_t K = f.parameter_keys.size(), T = f.targets.size();
    if (f.point_index.empty()) return;
    std::printf("\n%-6s", "point");
    for (const auto& k : f.parameter_keys)
        std::printf(" %-*s", std::max<int>(10, int(k.size())), k.c_str());
    for (std::size_t t = 0; t < T; ++t) std::printf(" P(%s)", f.targets.label[t].c_str());
    std::printf(" %s\n", "median cost (GBP m)");
    const std::size_t shown = std::min(kTableRows, f.point_index.size());
    const std::vector<double> met = target_met_probability(f);
    for (std::size_t i = 0; i < shown; ++i) {
        std::printf("%-6u", f.point_index[i]);
        for (std::size_t k = 0; k < K; ++k) {
            const std::string text = value_text(f, k, f.point_values[i][k]);
            std::printf(" %-*s", std::max<int>(10, int(f.parameter_keys[k].size())), text.c_str());
        }
        for (std::size_t t = 0; t < T; ++t)
            std::printf(" %-*.2f", int(f.targets.label[t].size() + 3), met[i * T + t]);
        std::printf(" %.2f\n", median_total_cost(f.results[i], f.replications) / 1e6);
    }
    if (shown < f.point_index.size())
        std::printf("(%zu more points in the file)\n", f.point_index.size() - shown);
    std::printf(
        "P(target met by its date) and the median cost of the whole run over each "
        "point's %u replications, which hold %s.\n`hubsim report %s -o DIR` gives every "
        "point with its intervals and figures.\n",
        f.replications, std::string(spec.base.scenario.uncertainty()).c_str(), out.c_str());
}

}  // namespace

po::options_description sweep_options() {
    po::options_description opts("Options");
    opts.add_options()("sweep", po::value<std::string>(), "sweep YAML file")(
        "output,o", po::value<std::string>(), "output HDF5 file (default results/NAME.h5)")(
        "resume", po::bool_switch(),
        "reuse finished points from the journal; run only what is missing")(
        "shard", po::value<std::string>(), "run only shard i of N (points p with p % N == i)")(
        "threads,t", po::value<int>()->default_value(0),
        "worker threads per process (0: all cores)")("quiet,q", po::bool_switch(), "no progress")(
        "parameters", po::value<std::string>(),
        "drawn (default: each replication draws the base scenario's posterior) or fixed");
    cli::add_precision_options(opts);
    return opts;
}

int sweep_command(const std::vector<std::string>& args, const std::string& command_line) {
    const po::options_description opts = sweep_options();
    po::positional_options_description pos;
    pos.add("sweep", 1);
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(args).options(opts).positional(pos).run(), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        throw InputError({{"command line", 0, 0, "", e.what()}});
    }
    if (!vm.count("sweep"))
        throw InputError({{"command line", 0, 0, "", "missing the sweep file"}});
    const Shard shard = vm.count("shard")
                            ? parse_shard(vm["shard"].as<std::string>(), kMaxSweepPoints, "--shard")
                            : Shard{};
    const bool resume = vm["resume"].as<bool>(), quiet = vm["quiet"].as<bool>();
    const int threads = vm["threads"].as<int>();
    const auto thread_limit = cli::limit_threads(threads);
    const auto precision = cli::precision_request(vm);
    if (precision && vm.count("shard"))
        throw InputError({{"command line", 0, 0, "--precision",
                           "not with --shard: each shard would choose its own replication "
                           "count; run the sweep whole (on MPI ranks, if it is large), or give "
                           "the count a --precision run chose as replications"}});
    Evaluator evaluator(EvaluatorOptions{.side_by_side = 1, .quiet = quiet});

    std::vector<std::string> sets;
    if (vm.count("parameters")) sets.push_back("parameters=" + vm["parameters"].as<std::string>());
    const SweepSpec spec = load_sweep(vm["sweep"].as<std::string>(), sets);
    Results shape;  // the axes alone: what one replication of a point holds
    prepare_results(spec.base.scenario, 0, shape);
    const std::uint32_t most = precision ? precision->max_replications : spec.replications;
    cli::check_memory(static_cast<double>(spec.point_count()) * most *
                          static_cast<double>(shape.bytes_per_replication(!spec.keep_trajectories)),
                      "sweep",
                      std::to_string(spec.point_count()) + " points x " + std::to_string(most) +
                          " replications" +
                          (spec.keep_trajectories ? " (keep: trajectories)" : ""));
    auto inputs = spec.base.input_files;
    inputs.emplace_back(spec.path);
    const fs::path out = cli::checked_output(
        vm.count("output") ? vm["output"].as<std::string>() : "results/" + spec.name + ".h5",
        "--output", inputs);
    evaluator.open_output(out, resume);

    std::size_t reused = 0;
    const SweepFile result =
        precision ? run_sweep_to_precision(spec, evaluator, threads, precision->half_width,
                                           precision->max_replications, reused)
                  : run_sweep(spec, evaluator, shard, threads, reused);
    if (evaluator.root()) {
        write_sweep_file(out, result, command_line);
        if (!quiet) print_results(spec, result, out.string());
        if (!quiet)
            std::fprintf(stderr,
                         "sweep %s: %zu points x %u replications (%zu reused) written to %s\n",
                         spec.name.c_str(), result.point_index.size(), result.replications, reused,
                         out.string().c_str());
        if (!quiet && result.precision) {
            const auto& p = *result.precision;
            const auto met = std::count(p.met.begin(), p.met.end(), 1u);
            std::fprintf(stderr,
                         "precision: %zu of %zu points reached half-width <= %.4f on their own "
                         "(needed %u to %u replications); every point ran %u\n",
                         static_cast<std::size_t>(met), p.met.size(), p.half_width,
                         *std::min_element(p.needed.begin(), p.needed.end()),
                         *std::max_element(p.needed.begin(), p.needed.end()), result.replications);
        }
    }
    return 0;
}

po::options_description merge_options() {
    po::options_description opts("Options");
    opts.add_options()("shards", po::value<std::vector<std::string>>()->multitoken(),
                       "shard files")("output,o", po::value<std::string>(), "merged output file");
    return opts;
}

int merge_command(const std::vector<std::string>& args, const std::string& command_line) {
    const po::options_description opts = merge_options();
    po::positional_options_description pos;
    pos.add("shards", -1);
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(args).options(opts).positional(pos).run(), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        throw InputError({{"command line", 0, 0, "", e.what()}});
    }
    if (!vm.count("shards") || !vm.count("output"))
        throw InputError({{"command line", 0, 0, "", "usage: hubsim merge SHARD.h5... -o OUT.h5"}});
    const auto paths = vm["shards"].as<std::vector<std::string>>();
    const fs::path out = cli::checked_output(vm["output"].as<std::string>(), "--output",
                                             {paths.begin(), paths.end()});
    std::optional<SweepFile> merged;
    std::vector<bool> seen;
    std::vector<std::vector<double>> values;
    std::vector<PointResults> results;
    for (const auto& p : paths) {
        SweepFile f = read_sweep_file(p);
        if (!merged) {
            merged = f;
            seen.assign(f.total_points, false);
            values.resize(f.total_points);
            results.resize(f.total_points);
        } else if (f.sweep_text != merged->sweep_text || f.scenario_yaml != merged->scenario_yaml ||
                   f.replications != merged->replications ||
                   f.total_points != merged->total_points) {
            throw InputError(
                {{p, 0, 0, "", "is a shard of a different sweep than " + paths.front()}});
        }
        for (std::size_t i = 0; i < f.point_index.size(); ++i) {
            const auto g = f.point_index[i];
            if (g >= seen.size() || seen[g])
                throw InputError({{p, 0, 0, "", "holds point " + std::to_string(g) + " twice"}});
            seen[g] = true;
            values[g] = f.point_values[i];
            results[g] = std::move(f.results[i]);
        }
    }
    std::vector<std::string> missing;
    for (std::size_t g = 0; g < seen.size(); ++g)
        if (!seen[g]) missing.push_back(std::to_string(g));
    if (!missing.empty()) {
        std::string list;
        for (std::size_t i = 0; i < missing.size() && i < 10; ++i)
            list += (i ? ", " : "") + missing[i];
        throw InputError({{"command line", 0, 0, "",
                           std::to_string(missing.size()) + " points missing from the shards (" +
                               list + (missing.size() > 10 ? ", ..." : "") + ")"}});
    }
    SweepFile& m = *merged;
    m.point_index.clear();
    for (std::uint32_t g = 0; g < m.total_points; ++g) m.point_index.push_back(g);
    m.point_values = std::move(values);
    m.results = std::move(results);
    prepare_output(out);
    write_sweep_file(out, m, command_line);
    return 0;
}

}  // namespace hubsim
