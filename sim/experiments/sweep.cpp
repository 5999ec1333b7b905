#include "hubsim/experiments/sweep.hpp"

#include <stdexcept>

#include "hubsim/model/runner.hpp"
#include "hubsim/version.hpp"

namespace hubsim {

namespace {

/// One point, reusing what its journal entry holds.
Evaluation evaluate_point(const SweepSpec& spec, const std::vector<double>& values, int threads,
                          const std::string* previous) {
    const std::string fp = spec.fingerprint(values);
    PointResults have;
    if (previous) {
        try {
            PointResults old = decode_point(*previous);
            if (old.fingerprint == fp) have = std::move(old);
        } catch (const std::runtime_error&) {
            // Not this point's results after all: run it again.
        }
    }
    if (have.replications >= spec.replications && have.replications > 0) {
        // Journalled with as many replications or more: the first ones are these, and the
        // entry keeps them all.
        if (have.replications == spec.replications) return {*previous, true};
        have.truncate(spec.replications);
        return {encode_point(have), true};
    }
    const Scenario sc = spec.scenario_at(values);
    RunOptions o;
    o.first_replication = have.replications;
    o.replications = spec.replications - have.replications;
    o.threads = threads;
    PointResults fresh = PointResults::from(run_scenario(sc, o), spec.keep_trajectories, fp);
    if (have.replications > 0) {
        have.append(fresh);
        fresh = std::move(have);
    }
    return {encode_point(fresh), false};
}

}  // namespace

SweepFile run_sweep(const SweepSpec& spec, Evaluator& evaluator, Shard shard, int threads,
                    std::size_t& reused) {
    const SweepFile all = SweepFile::describe(spec);
    std::vector<std::size_t> mine;
    for (std::size_t p = 0; p < all.total_points; ++p)
        if (shard.owns(p)) mine.push_back(p);
    SweepFile result = all;
    result.point_index.assign(mine.begin(), mine.end());
    result.point_values.clear();
    for (auto p : mine) result.point_values.push_back(all.point_values[p]);

    EvaluationPlan plan;
    plan.size = all.total_points;
    // A journal entry is reused only by the same version of hubsim: another may give
    // other results for the same scenario.
    plan.key = [&](std::size_t p) {
        return std::string("hubsim ") + kVersion + " sweep point\n" +
               spec.fingerprint(all.point_values[p]);
    };
    plan.evaluate = [&](std::size_t p, const std::string* previous) {
        return evaluate_point(spec, all.point_values[p], threads, previous);
    };
    const auto bytes = evaluator.run(plan, mine, false, &reused);
    if (!evaluator.root()) return result;
    result.results.reserve(bytes.size());
    for (const auto& b : bytes) result.results.push_back(decode_point(b));
    return result;
}

}  // namespace hubsim
