#include "hubsim/experiments/optimise.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <numeric>
#include <pagmo/algorithms/nsga2.hpp>
#include <pagmo/bfe.hpp>
#include <pagmo/population.hpp>
#include <pagmo/problem.hpp>
#include <pagmo/utils/multi_objective.hpp>
#include <stdexcept>

#include "hubsim/engine/calendar.hpp"
#include "hubsim/io/digest.hpp"
#include "hubsim/model/measures.hpp"
#include "hubsim/model/precision.hpp"
#include "hubsim/model/runner.hpp"
#include "hubsim/version.hpp"

namespace hubsim {

namespace {

constexpr double kZ90 = 1.6448536269514722;
constexpr double kZ95 = 1.959963984540054;
constexpr double kInfeasible = 1e15;

/// Each quantity in each replication: [replication][quantity].
std::vector<double> measure(const OptimisationPlan& plan, const Scenario& sc, const Results& r) {
    const auto qs = plan.quantities();
    const std::size_t Q = qs.size(), R = r.replications;
    std::vector<double> out(R * Q, 0.0);
    const Calendar cal(sc.start);
    for (std::size_t q = 0; q < Q; ++q) {
        const PlanQuantity& pq = *qs[q];
        if (pq.kind == PlanQuantity::Kind::Measure) {
            const auto v = measure_values(sc, r, pq.output.query, cal.day_of(pq.output.date));
            for (std::size_t i = 0; i < R && i < v.size(); ++i) out[i * Q + q] = v[i];
            continue;
        }
        for (std::size_t i = 0; i < R; ++i) {
            double value = 0;
            if (pq.kind == PlanQuantity::Kind::Cost) {
                const Day from = cal.day_of(pq.from), to = cal.day_of(pq.to);
                for (std::size_t y = 0; y < r.years.size(); ++y) {
                    if (cal.year_start(r.years[y]) < from || cal.year_end(r.years[y]) > to)
                        continue;
                    for (std::size_t c = 0; c < kCostItemCount; ++c)
                        value += r.cost[r.cost_cell(i, y, static_cast<CostItem>(c))];
                }
            } else {
                value = 1;
                for (std::size_t k : pq.targets) {
                    const std::int32_t day = r.target_day[r.target_cell(i, k)];
                    if (day < 0 || Day{day} > cal.day_of(sc.targets[k].by)) value = 0;
                }
            }
            out[i * Q + q] = value;
        }
    }
    return out;
}

/// Replications `first` to `first + count` of the plan with decisions `x`.
std::vector<double> run_candidate(const OptimisationPlan& plan, const std::vector<double>& x,
                                  std::uint64_t seed, std::uint32_t first, std::uint32_t count,
                                  int threads) {
    const LoadedScenario ls = plan.candidate(x, seed, first + count);
    RunOptions o;
    o.first_replication = first;
    o.replications = count;
    o.threads = threads;
    return measure(plan, ls.scenario, run_scenario(ls.scenario, o));
}

Estimate estimate(const std::vector<double>& values, std::size_t q, std::size_t Q, bool probability,
                  double z) {
    const std::size_t n = values.size() / Q;
    double sum = 0, sq = 0;
    for (std::size_t i = 0; i < n; ++i) sum += values[i * Q + q];
    const double mean = n ? sum / static_cast<double>(n) : 0.0;
    for (std::size_t i = 0; i < n; ++i)
        sq += (values[i * Q + q] - mean) * (values[i * Q + q] - mean);
    Estimate e{mean, mean, mean, static_cast<std::uint32_t>(n)};
    if (probability) {
        const auto successes = static_cast<std::size_t>(std::llround(sum));
        const auto [lo, hi] = wilson(successes, n, z);
        e.low = lo;
        e.high = hi;
    } else if (n > 1) {
        const double half = z * std::sqrt(sq / static_cast<double>(n - 1) / static_cast<double>(n));
        e.low = mean - half;
        e.high = mean + half;
    }
    return e;
}

std::vector<Estimate> estimates(const OptimisationPlan& plan, const std::vector<double>& values,
                                double z = kZ90) {
    const auto qs = plan.quantities();
    std::vector<Estimate> e;
    for (std::size_t q = 0; q < qs.size(); ++q)
        e.push_back(estimate(values, q, qs.size(), qs[q]->probability(), z));
    return e;
}

std::string encode(const std::vector<double>& v) {
    return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(double));
}

std::vector<double> decode(const std::string& bytes, std::size_t quantities) {
    if (quantities == 0 || bytes.size() % (quantities * sizeof(double)) != 0 || bytes.empty())
        throw std::runtime_error("not a candidate of this search");
    std::vector<double> v(bytes.size() / sizeof(double));
    std::memcpy(v.data(), bytes.data(), bytes.size());
    return v;
}

std::string key_of(const std::vector<double>& x) {
    std::string k;
    for (double v : x) k += (k.empty() ? "" : ",") + format_number(v);
    return k;
}

/// What the problem and its batch evaluator share: the plan, the evaluator, and every
/// candidate evaluated so far (a candidate NSGA-II proposes again is not run again).
struct Search {
    const OptimisationPlan* plan = nullptr;
    Evaluator* evaluator = nullptr;
    int threads = 0;
    std::string study_key;
    std::vector<std::size_t> order;  ///< pagmo's position k holds decision order[k]
    std::map<std::vector<double>, std::size_t> index;
    std::vector<std::vector<double>> evaluated;
    std::vector<std::vector<Estimate>> found;
    std::size_t reused = 0;

    std::vector<double> decisions_of(const double* pagmo_x) const {
        std::vector<double> x(order.size());
        for (std::size_t k = 0; k < order.size(); ++k) {
            const Decision& d = plan->decisions[order[k]];
            x[order[k]] =
                std::clamp(d.integer ? std::round(pagmo_x[k]) : pagmo_x[k], d.low, d.high);
        }
        return x;
    }

    /// Fitness of every decision vector in `dvs` (pagmo's order, concatenated).
    pagmo::vector_double batch(const pagmo::vector_double& dvs) {
        const std::size_t dim = order.size(), n = dvs.size() / dim;
        std::vector<std::vector<double>> xs, fresh;
        for (std::size_t i = 0; i < n; ++i) {
            xs.push_back(decisions_of(dvs.data() + i * dim));
            if (!index.count(xs.back()) &&
                std::find(fresh.begin(), fresh.end(), xs.back()) == fresh.end())
                fresh.push_back(xs.back());
        }
        const std::size_t Q = plan->quantities().size();
        EvaluationPlan ep;
        ep.size = fresh.size();
        ep.unit = "candidates";
        ep.key = [&](std::size_t i) { return study_key + " candidate " + key_of(fresh[i]); };
        ep.evaluate = [&](std::size_t i, const std::string* previous) -> Evaluation {
            if (previous) {
                try {
                    if (decode(*previous, Q).size() == Q * plan->replications)
                        return {*previous, true};
                } catch (const std::runtime_error&) {
                    // Not a candidate of this search: evaluated again.
                }
            }
            return {
                encode(run_candidate(*plan, fresh[i], plan->seed, 0, plan->replications, threads)),
                false};
        };
        std::vector<std::size_t> all(fresh.size());
        std::iota(all.begin(), all.end(), std::size_t{0});
        std::size_t r = 0;
        // Every rank needs every result: each runs the same NSGA-II from them.
        const auto bytes = evaluator->run(ep, all, true, &r);
        reused += r;
        for (std::size_t i = 0; i < fresh.size(); ++i) {
            index.emplace(fresh[i], evaluated.size());
            evaluated.push_back(fresh[i]);
            found.push_back(estimates(*plan, decode(bytes[i], Q)));
        }
        pagmo::vector_double f;
        for (const auto& x : xs) {
            const auto obj = penalised_objectives(*plan, found[index.at(x)]);
            f.insert(f.end(), obj.begin(), obj.end());
        }
        return f;
    }
};

/// The plan as pagmo sees it: box bounds, integers last, objectives to minimise.
struct PlanProblem {
    Search* search = nullptr;
    pagmo::vector_double fitness(const pagmo::vector_double& x) const { return search->batch(x); }
    std::pair<pagmo::vector_double, pagmo::vector_double> get_bounds() const {
        pagmo::vector_double lo, hi;
        for (std::size_t k : search->order) {
            lo.push_back(search->plan->decisions[k].low);
            hi.push_back(search->plan->decisions[k].high);
        }
        return {lo, hi};
    }
    pagmo::vector_double::size_type get_nobj() const { return search->plan->objectives.size(); }
    pagmo::vector_double::size_type get_nix() const {
        return static_cast<pagmo::vector_double::size_type>(
            std::count_if(search->plan->decisions.begin(), search->plan->decisions.end(),
                          [](const Decision& d) { return d.integer; }));
    }
    std::string get_name() const { return "hubsim plan " + search->plan->name; }
};

/// pagmo's batch evaluator: a generation's candidates go to the evaluator together (on
/// threads, or spread over MPI ranks).
struct PlanBatch {
    Search* search = nullptr;
    pagmo::vector_double operator()(const pagmo::problem&, const pagmo::vector_double& dvs) const {
        return search->batch(dvs);
    }
};

/// Feasible candidates not dominated by another, one per distinct objective vector, by
/// their first objective.
std::vector<std::size_t> pareto_front(const OptimisationPlan& plan, const Search& s,
                                      const OptimisationResult& r) {
    std::vector<std::size_t> feasible;
    std::vector<pagmo::vector_double> points;
    for (std::size_t e = 0; e < s.evaluated.size(); ++e) {
        if (!r.feasible(e, plan)) continue;
        auto f = penalised_objectives(plan, s.found[e]);
        if (std::find(points.begin(), points.end(), f) != points.end()) continue;
        feasible.push_back(e);
        points.push_back(std::move(f));
    }
    if (feasible.size() < 2) return feasible;
    const auto fronts = std::get<0>(pagmo::fast_non_dominated_sorting(points));
    std::vector<std::size_t> front;
    for (auto i : fronts.front()) front.push_back(i);
    std::sort(front.begin(), front.end(),
              [&](std::size_t a, std::size_t b) { return points[a] < points[b]; });
    for (auto& i : front) i = feasible[i];
    return front;
}

/// Re-evaluates the front on fresh replications (to `precision`, if asked).
std::vector<std::vector<Estimate>> reevaluate(const OptimisationPlan& plan, const Search& s,
                                              const std::vector<std::size_t>& front,
                                              const OptimiseOptions& o, Evaluator& evaluator) {
    const auto qs = plan.quantities();
    const std::size_t Q = qs.size();
    EvaluationPlan ep;
    ep.size = front.size();
    ep.unit = "plans re-evaluated";
    ep.key = [&](std::size_t i) {
        return s.study_key + " fresh " + std::to_string(plan.fresh_seed) + " " +
               std::to_string(plan.fresh_replications) + " " + format_number(o.precision) + " " +
               std::to_string(o.max_replications) + " plan " + key_of(s.evaluated[front[i]]);
    };
    ep.evaluate = [&](std::size_t i, const std::string* previous) -> Evaluation {
        if (previous) {
            try {
                decode(*previous, Q);
                return {*previous, true};
            } catch (const std::runtime_error&) {
                // evaluated again
            }
        }
        const auto& x = s.evaluated[front[i]];
        std::uint32_t n = plan.fresh_replications;
        std::vector<double> values = run_candidate(plan, x, plan.fresh_seed, 0, n, o.threads);
        // Only probabilities have a scale of their own to ask a precision of.
        const auto precise = [&] {
            const auto es = estimates(plan, values, kZ95);
            for (std::size_t q = 0; q < Q; ++q)
                if (qs[q]->probability() && (es[q].high - es[q].low) / 2 > o.precision)
                    return false;
            return true;
        };
        while (o.precision > 0 && n < o.max_replications && !precise()) {
            const std::uint32_t more = std::min(n, o.max_replications - n);
            const auto extra = run_candidate(plan, x, plan.fresh_seed, n, more, o.threads);
            values.insert(values.end(), extra.begin(), extra.end());
            n += more;
        }
        return {encode(values), false};
    };
    std::vector<std::size_t> all(front.size());
    std::iota(all.begin(), all.end(), std::size_t{0});
    const auto bytes = evaluator.run(ep, all, false);
    std::vector<std::vector<Estimate>> out;
    for (const auto& b : bytes) out.push_back(estimates(plan, decode(b, Q)));
    return out;
}

std::string describe(const Estimate& e, bool cost) {
    char buf[128];
    if (cost)
        std::snprintf(buf, sizeof buf, "GBP %.2fm [%.2fm, %.2fm]", e.mean / 1e6, e.low / 1e6,
                      e.high / 1e6);
    else
        std::snprintf(buf, sizeof buf, "%.3f [%.3f, %.3f]", e.mean, e.low, e.high);
    return buf;
}

/// The comment block above a front plan's scenario: what was decided and what it gives.
std::string plan_header(const OptimisationPlan& plan, std::size_t k, std::size_t plans,
                        const std::vector<double>& x, const std::vector<Estimate>& search,
                        const std::vector<Estimate>& fresh) {
    const auto qs = plan.quantities();
    std::string h = "Plan " + std::to_string(k + 1) + " of " + std::to_string(plans) +
                    " on the Pareto front found by hubsim optimise " + plan.path + "\n";
    h += "base scenario: " + plan.base.source_path + "\n";
    h += "decisions:\n";
    for (std::size_t d = 0; d < x.size(); ++d)
        h += "  " + plan.decisions[d].label + " = " + plan.decisions[d].format(x[d]) + "\n";
    h += "means [90% intervals of the mean; they hold " +
         std::string(plan.base.scenario.uncertainty()) + ", estimated from the replications]:\n";
    for (std::size_t q = 0; q < qs.size(); ++q) {
        const bool cost = qs[q]->kind == PlanQuantity::Kind::Cost;
        h += "  " + qs[q]->label + ": " + describe(fresh[q], cost) + " on " +
             std::to_string(fresh[q].n) +
             " fresh replications (search: " + describe(search[q], cost) + ")\n";
    }
    h += "Its seed and replications are the re-evaluation's: hubsim run on this file gives the "
         "figures above.";
    return h;
}

}  // namespace

std::vector<double> penalised_objectives(const OptimisationPlan& plan,
                                         const std::vector<Estimate>& e) {
    const std::size_t O = plan.objectives.size();
    double shortfall = 0;
    for (std::size_t c = 0; c < plan.constraints.size(); ++c) {
        const auto& pc = plan.constraints[c];
        const double v = e[O + c].mean;
        shortfall += pc.shortfall(v) / std::max(1.0, std::abs(pc.bound));
    }
    std::vector<double> f(O);
    for (std::size_t o = 0; o < O; ++o)
        f[o] = shortfall > 0 ? kInfeasible * (1 + shortfall)
                             : (plan.objectives[o].maximise ? -e[o].mean : e[o].mean);
    return f;
}

OptimisationResult run_optimise(const OptimisationPlan& plan, Evaluator& evaluator,
                                const OptimiseOptions& o) {
    const auto t0 = std::chrono::steady_clock::now();
    Search s;
    s.plan = &plan;
    s.evaluator = &evaluator;
    s.threads = o.threads;
    s.study_key = std::string("hubsim ") + kVersion + " optimise " +
                  sha256_hex(plan.source_text + '\0' + plan.base.resolved_yaml) + " seed " +
                  std::to_string(plan.seed) + " replications " + std::to_string(plan.replications);
    for (std::size_t k = 0; k < plan.decisions.size(); ++k)
        if (!plan.decisions[k].integer) s.order.push_back(k);
    for (std::size_t k = 0; k < plan.decisions.size(); ++k)
        if (plan.decisions[k].integer) s.order.push_back(k);

    const auto seed32 = static_cast<unsigned>(plan.seed ^ (plan.seed >> 32));
    const pagmo::problem problem{PlanProblem{&s}};
    const pagmo::bfe batch{PlanBatch{&s}};
    pagmo::population pop(problem, batch, plan.population, seed32);
    const double mutation =
        plan.mutation > 0 ? plan.mutation : 1.0 / static_cast<double>(plan.decisions.size());
    pagmo::nsga2 nsga2(1u, plan.crossover, plan.eta_c, mutation, plan.eta_m, seed32);
    nsga2.set_bfe(batch);

    OptimisationResult r;
    const auto record = [&](std::uint32_t g) {
        r.evaluated = s.evaluated;
        r.evaluated_estimates = s.found;
        std::uint32_t feasible = 0;
        for (std::size_t e = 0; e < s.evaluated.size(); ++e) feasible += r.feasible(e, plan);
        r.generation_evaluations.push_back(static_cast<std::uint32_t>(s.evaluated.size()));
        r.generation_feasible.push_back(feasible);
        if (!o.quiet && evaluator.root()) {
            const double secs =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            std::fprintf(stderr,
                         "optimise: generation %u of %u: %zu distinct candidates, %u meet every "
                         "constraint; %.0f s so far, about %.0f s left\n",
                         g, plan.generations, s.evaluated.size(), feasible, secs,
                         g ? secs / g * (plan.generations - g) : 0.0);
        }
    };
    record(0);
    for (std::uint32_t g = 1; g <= plan.generations; ++g) {
        pop = nsga2.evolve(pop);
        record(g);
    }
    r.front = pareto_front(plan, s, r);
    r.reused = s.reused;
    r.fresh = reevaluate(plan, s, r.front, o, evaluator);
    if (!evaluator.root()) return {};
    for (std::size_t k = 0; k < r.front.size(); ++k) {
        const std::size_t e = r.front[k];
        char name[32];
        std::snprintf(name, sizeof name, "-plan-%02zu", k + 1);
        r.plan_yaml.push_back(plan.candidate_yaml(
            s.evaluated[e], plan.name + name, plan.fresh_seed, r.fresh[k].front().n,
            plan_header(plan, k, r.front.size(), s.evaluated[e], s.found[e], r.fresh[k])));
    }
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return r;
}

}  // namespace hubsim
