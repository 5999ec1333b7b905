#include "hubsim/model/runner.hpp"

#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <atomic>

#include "hubsim/model/replication.hpp"

namespace hubsim {

Results run_scenario(const Scenario& scenario, const RunOptions& options) {
    Results results;
    prepare_results(scenario, options.replications, results);
    const int threads =
        options.threads > 0 ? options.threads : tbb::this_task_arena::max_concurrency();
    // With one replication per thread or more, parallel replications keep every core busy;
    // with fewer, hubs inside a replication run in parallel too.
    const bool parallel_hubs =
        threads > 1 && options.replications < static_cast<std::uint32_t>(threads);
    std::atomic<std::uint32_t> done{0};
    tbb::task_arena arena(threads);
    arena.execute([&] {
        tbb::parallel_for(std::uint32_t{0}, options.replications, [&](std::uint32_t rep) {
            run_replication(scenario, options.first_replication + rep, rep, results, parallel_hubs);
            const auto n = ++done;
            if (options.on_progress) options.on_progress(n);
        });
    });
    return results;
}

}  // namespace hubsim
