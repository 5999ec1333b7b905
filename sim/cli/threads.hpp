#pragma once
// How many threads a command may use, in every part of it: the simulation and the
// compression of its output alike.

#include <tbb/global_control.h>

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <thread>

#include "hubsim/io/diagnostics.hpp"

namespace hubsim::cli {

/// The most worker threads a command takes: four per core (at least 64). More only slows
/// the run, and far more crashes oneTBB (65,537) or exhausts the process table.
inline int max_threads() {
    return static_cast<int>(std::max(64u, 4 * std::thread::hardware_concurrency()));
}

/// Holds oneTBB to `threads` worker threads while the result lives; 0 leaves it all cores.
/// InputError (exit 2) outside 0 to max_threads().
inline std::optional<tbb::global_control> limit_threads(int threads) {
    if (threads < 0 || threads > max_threads())
        throw InputError(
            {{"command line", 0, 0, "--threads",
              "expected 0 (every core) to " + std::to_string(max_threads()) +
                  " (four per core on this machine), found " + std::to_string(threads)}});
    std::optional<tbb::global_control> limit;
    if (threads > 0)
        limit.emplace(tbb::global_control::max_allowed_parallelism,
                      static_cast<std::size_t>(threads));
    return limit;
}

}  // namespace hubsim::cli
