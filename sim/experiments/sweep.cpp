#include "hubsim/experiments/sweep.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "hubsim/model/precision.hpp"
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

std::string point_key(const SweepSpec& spec, const std::vector<double>& values) {
    // A journal entry is reused only by the same version of hubsim: another may give
    // other results for the same scenario.
    return std::string("hubsim ") + kVersion + " sweep point\n" + spec.fingerprint(values);
}

/// What a point's precision run found, ahead of its results in the bytes that carry it.
struct Reached {
    std::uint32_t needed = 0, met = 0;
    double widest = 0;
};

std::string encode_reached(const Reached& r, const PointResults& point) {
    std::string out(sizeof r, '\0');
    std::memcpy(out.data(), &r, sizeof r);
    return out + encode_point(point);
}

std::pair<Reached, std::string_view> decode_reached(std::string_view bytes) {
    Reached r;
    if (bytes.size() < sizeof r) throw std::runtime_error("cut short");
    std::memcpy(&r, bytes.data(), sizeof r);
    return {r, bytes.substr(sizeof r)};
}

/// The sweep file of the points `shard` owns, without results; `mine` lists them.
SweepFile points_held(const SweepFile& all, Shard shard, std::vector<std::size_t>& mine) {
    for (std::size_t p = 0; p < all.total_points; ++p)
        if (shard.owns(p)) mine.push_back(p);
    SweepFile result = all;
    result.point_index.assign(mine.begin(), mine.end());
    result.point_values.clear();
    for (auto p : mine) result.point_values.push_back(all.point_values[p]);
    return result;
}

}  // namespace

SweepFile run_sweep_to_precision(const SweepSpec& spec, Evaluator& evaluator, int threads,
                                 double half_width, std::uint32_t max_replications,
                                 std::size_t& reused) {
    const SweepFile all = SweepFile::describe(spec);
    std::vector<std::size_t> mine;
    SweepFile result = points_held(all, Shard{}, mine);

    // First, each point to its own precision.
    EvaluationPlan first;
    first.size = all.total_points;
    first.unit = "points to precision";
    char asked[96];
    std::snprintf(asked, sizeof asked, " to precision %.17g, at most %u replications, from %u",
                  half_width, max_replications, spec.replications);
    first.key = [&](std::size_t p) { return point_key(spec, all.point_values[p]) + asked; };
    first.evaluate = [&](std::size_t p, const std::string* previous) -> Evaluation {
        if (previous) {
            try {
                const auto [r, point] = decode_reached(*previous);
                if (decode_point(point).replications == r.needed) return {*previous, true};
            } catch (const std::runtime_error&) {
                // Not this point's: run again.
            }
        }
        const Scenario sc = spec.scenario_at(all.point_values[p]);
        RunOptions o;
        o.replications = spec.replications;
        o.threads = threads;
        PrecisionRun run = run_to_precision(sc, o, half_width, max_replications);
        Reached r;
        r.needed = static_cast<std::uint32_t>(run.results.replications);
        r.met = run.met ? 1 : 0;
        for (const auto& f : run.figures) r.widest = std::max(r.widest, f.half_width);
        return {encode_reached(r, PointResults::from(std::move(run.results), spec.keep_trajectories,
                                                     spec.fingerprint(all.point_values[p]))),
                false};
    };
    // Every rank needs each point's first results to extend them.
    const auto reached = evaluator.run(first, mine, true, &reused);
    SweepPrecision precision{half_width, max_replications, {}, {}, {}};
    for (const auto& b : reached) {
        const Reached r = decode_reached(b).first;
        precision.needed.push_back(r.needed);
        precision.widest.push_back(r.widest);
        precision.met.push_back(r.met);
    }

    // Then every point to the largest count any point needed.
    SweepSpec extended = spec;
    extended.replications = *std::max_element(precision.needed.begin(), precision.needed.end());
    result.replications = extended.replications;
    EvaluationPlan second;
    second.size = all.total_points;
    second.unit = "points at " + std::to_string(extended.replications) + " replications";
    second.key = [&](std::size_t p) { return point_key(extended, all.point_values[p]); };
    second.evaluate = [&](std::size_t p, const std::string* previous) {
        const std::size_t k =
            static_cast<std::size_t>(std::lower_bound(mine.begin(), mine.end(), p) - mine.begin());
        const std::string start(decode_reached(reached[k]).second);
        // The journal's entry for the point, if it already holds more replications.
        if (previous) try {
                if (decode_point(*previous).replications > precision.needed[k])
                    return evaluate_point(extended, all.point_values[p], threads, previous);
            } catch (const std::runtime_error&) {
            }
        return evaluate_point(extended, all.point_values[p], threads, &start);
    };
    const auto bytes = evaluator.run(second, mine, false);
    if (!evaluator.root()) return result;
    for (const auto& b : bytes) result.results.push_back(decode_point(b));
    result.precision = std::move(precision);
    return result;
}

SweepFile run_sweep(const SweepSpec& spec, Evaluator& evaluator, Shard shard, int threads,
                    std::size_t& reused) {
    const SweepFile all = SweepFile::describe(spec);
    std::vector<std::size_t> mine;
    SweepFile result = points_held(all, shard, mine);
    EvaluationPlan plan;
    plan.size = all.total_points;
    plan.key = [&](std::size_t p) { return point_key(spec, all.point_values[p]); };
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
