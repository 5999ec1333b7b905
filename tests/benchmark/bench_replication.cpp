// Whole replications of the England baseline (20,217 schools, 40 hubs, 2014-2030): the
// model's cost per replication, on one thread and with hubs in parallel.

#include <benchmark/benchmark.h>

#include "hubsim/io/scenario_loader.hpp"
#include "hubsim/model/runner.hpp"

using namespace hubsim;

namespace {

const Scenario& england() {
    static const Scenario sc = load_scenario(HUBSIM_SOURCE_DIR "/scenarios/england.yaml").scenario;
    return sc;
}

/// One replication at a time; the argument is the thread count (above 1, hubs advance in
/// parallel between national moments).
void BM_EnglandReplication(benchmark::State& state) {
    const Scenario& sc = england();
    RunOptions o;
    o.replications = 1;
    o.threads = static_cast<int>(state.range(0));
    std::uint32_t rep = 0;
    for (auto _ : state) {
        o.first_replication = rep++;
        benchmark::DoNotOptimize(run_scenario(sc, o));
    }
    state.counters["schools"] = static_cast<double>(sc.schools.size());
}

}  // namespace

BENCHMARK(BM_EnglandReplication)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
