#include "optimise_command.hpp"

#include <tbb/task_arena.h>

#include <cstdio>
#include <filesystem>
#include <regex>

#include "bounds.hpp"
#include "command_line.hpp"
#include "hubsim/experiments/optimise.hpp"
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

std::string shown(const Estimate& e, const PlanQuantity& q) {
    char buf[96];
    if (q.kind == PlanQuantity::Kind::Cost)
        std::snprintf(buf, sizeof buf, "GBP %.2fm [%.2fm, %.2fm]", e.mean / 1e6, e.low / 1e6,
                      e.high / 1e6);
    else
        std::snprintf(buf, sizeof buf, "%.3f [%.3f, %.3f]", e.mean, e.low, e.high);
    return buf;
}

void print_front(const OptimisationPlan& plan, const OptimisationResult& r) {
    const auto qs = plan.quantities();
    const std::size_t feasible = r.generation_feasible.empty() ? 0 : r.generation_feasible.back();
    std::printf(
        "\nPareto front: %zu %s of %zu distinct candidates (%zu meet every constraint), "
        "%.0f s\n",
        r.front.size(), r.front.size() == 1 ? "plan" : "plans", r.evaluated.size(), feasible,
        r.seconds);
    if (r.front.empty()) {
        std::printf(
            "no candidate met every constraint on the search's replications: widen the "
            "variables' ranges, relax a constraint, or search longer\n");
        return;
    }
    std::printf(
        "means [90%% interval of the mean] on %u fresh replications (seed %llu), then on "
        "the search's %u (selected on them, so optimistic); the intervals hold the "
        "Monte Carlo error of each mean, over replications whose spread holds %s\n",
        r.fresh.front().front().n, static_cast<unsigned long long>(plan.fresh_seed),
        plan.replications, std::string(plan.base.scenario.uncertainty()).c_str());
    for (std::size_t k = 0; k < r.front.size(); ++k) {
        const std::size_t e = r.front[k];
        std::printf("\nplan %zu", k + 1);
        if (!r.plan_files.empty()) std::printf(" (%s)", r.plan_files[k].c_str());
        std::printf("\n");
        for (std::size_t q = 0; q < qs.size(); ++q) {
            const bool objective = q < plan.objectives.size();
            std::string role = "constraint", label = qs[q]->label;
            if (objective) {
                role = plan.objectives[q].maximise ? "maximise" : "minimise";
            } else {
                // Selected on the search's replications, a plan may miss on fresh ones.
                const PlanConstraint& c = plan.constraints[q - plan.objectives.size()];
                const double v = r.fresh[k][q].mean;
                label = c.label;
                if (!c.met(v)) role = "MISSED";
            }
            std::printf("  %-10s %-44s %-34s search %s\n", role.c_str(), label.c_str(),
                        shown(r.fresh[k][q], *qs[q]).c_str(),
                        shown(r.evaluated_estimates[e][q], *qs[q]).c_str());
        }
        std::string decisions;
        for (std::size_t d = 0; d < plan.decisions.size(); ++d)
            decisions += (d ? "; " : "") + plan.decisions[d].label + " = " +
                         plan.decisions[d].format(r.evaluated[e][d]);
        std::printf("  decisions: %s\n", decisions.c_str());
    }
}

/// Writes each front plan as a scenario in `dir`, and removes the plans an earlier search
/// left there beyond this front.
std::vector<std::string> write_plans(const fs::path& dir, const OptimisationPlan& plan,
                                     const OptimisationResult& r,
                                     const std::vector<fs::path>& inputs) {
    std::vector<fs::path> paths;
    for (std::size_t k = 0; k < r.plan_yaml.size(); ++k) {
        char name[32];
        std::snprintf(name, sizeof name, "-plan-%02zu.yaml", k + 1);
        paths.push_back(
            cli::checked_output((dir / (plan.name + name)).string(), "--plans", inputs));
    }
    fs::create_directories(dir);
    std::vector<std::string> written;
    for (std::size_t k = 0; k < paths.size(); ++k) {
        write_text_atomically(paths[k], r.plan_yaml[k]);
        written.push_back(paths[k].string());
    }
    const std::regex ours(
        std::regex_replace(plan.name, std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)") +
        R"(-plan-(\d+)\.yaml)");
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        std::smatch m;
        const std::string file = entry.path().filename().string();
        if (std::regex_match(file, m, ours) && std::stoul(m[1]) > paths.size())
            fs::remove(entry.path(), ec);
    }
    return written;
}

}  // namespace

po::options_description optimise_options() {
    po::options_description opts = cli::study_options("plan", "policy-search plan YAML file");
    opts.add_options()("output,o", po::value<std::string>(),
                       "output HDF5 file (default results/NAME-optimise.h5)")(
        "plans", po::value<std::string>(),
        "folder for the front's plans as scenarios (default: OUT without .h5, then -plans)")(
        "threads,t", po::value<int>()->default_value(0), "worker threads (0: all cores)")(
        "resume", po::bool_switch(), "reuse what the journal (OUT.h5.journal) holds")(
        "quiet,q", po::bool_switch(), "no progress or table");
    cli::add_precision_options(opts);
    return opts;
}

int optimise_command(const std::vector<std::string>& args, const std::string& command_line) {
    const po::options_description opts = optimise_options();
    const auto vm = cli::parse(args, opts, "plan");
    const int threads = vm["threads"].as<int>();
    const auto thread_limit = cli::limit_threads(threads);
    const bool quiet = vm["quiet"].as<bool>();
    const auto precision = cli::precision_request(vm);
    const OptimisationPlan plan =
        load_optimisation_plan(vm["plan"].as<std::string>(), cli::scenario_sets(vm));
    if (!quiet) cli::print_warnings(plan.base);
    Results shape;
    prepare_results(plan.base.scenario, 0, shape);
    cli::check_memory(static_cast<double>(shape.bytes_per_replication()) *
                          std::max(plan.replications, plan.fresh_replications),
                      "replications",
                      std::to_string(std::max(plan.replications, plan.fresh_replications)) +
                          " replications of a candidate");
    auto inputs = plan.base.input_files;
    inputs.emplace_back(plan.path);
    const fs::path out =
        cli::checked_output(vm.count("output") ? vm["output"].as<std::string>()
                                               : "results/" + plan.name + "-optimise.h5",
                            "--output", inputs);
    fs::path plans_dir = vm.count("plans") ? fs::path(vm["plans"].as<std::string>())
                                           : out.parent_path() / (out.stem().string() + "-plans");
    if (fs::exists(plans_dir) && !fs::is_directory(plans_dir))
        throw InputError({{"command line", 0, 0, "--plans",
                           "'" + plans_dir.string() + "' is a file, not a folder"}});
    // Progress is told a generation at a time (by run_optimise), not candidate by candidate.
    Evaluator evaluator(EvaluatorOptions{.side_by_side = 1,
                                         .quiet = true,
                                         .study = "optimise",
                                         .unit = "candidates",
                                         .entry = "candidate"});
    evaluator.open_output(out, vm["resume"].as<bool>());
    OptimiseOptions o;
    o.threads = threads;
    o.quiet = quiet;
    if (precision) {
        o.precision = precision->half_width;
        o.max_replications = precision->max_replications;
    }
    OptimisationResult r = run_optimise(plan, evaluator, o);
    if (!evaluator.root()) return 0;
    r.plan_files = write_plans(plans_dir, plan, r, inputs);
    const int used = threads > 0 ? threads : tbb::this_task_arena::max_concurrency();
    write_optimisation_file(out, plan, r, command_line, used);
    evaluator.remove_journal();
    if (!quiet) {
        print_front(plan, r);
        std::printf("\nwritten to %s; the front's plans to %s\n", out.string().c_str(),
                    plans_dir.string().c_str());
    }
    return 0;
}

}  // namespace hubsim
