#pragma once
// How many threads a command may use, in every part of it: the simulation and the
// compression of its output alike.

#include <tbb/global_control.h>

#include <cstddef>
#include <optional>

namespace hubsim::cli {

/// Holds oneTBB to `threads` worker threads while the result lives; 0 leaves it all cores.
inline std::optional<tbb::global_control> limit_threads(int threads) {
    std::optional<tbb::global_control> limit;
    if (threads > 0)
        limit.emplace(tbb::global_control::max_allowed_parallelism,
                      static_cast<std::size_t>(threads));
    return limit;
}

}  // namespace hubsim::cli
