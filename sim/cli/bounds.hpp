#pragma once
// What a command may plan to hold in memory, checked before it starts: a request inside
// the documented ranges (10^7 replications, a million sweep points) can still need more
// than the machine has, and should be refused at once rather than fail hours in.

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include "hubsim/io/diagnostics.hpp"

namespace hubsim::cli {

/// Three quarters of the machine's memory: the rest is the simulation's own and the
/// system's.
inline double memory_budget_bytes() {
    const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGE_SIZE);
    double bytes = pages > 0 && page > 0 ? static_cast<double>(pages) * static_cast<double>(page)
                                         : 8.0 * (1ull << 30);
    // A process limit (ulimit -v, a batch system's) binds first.
    if (rlimit lim{}; ::getrlimit(RLIMIT_AS, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY)
        bytes = std::min(bytes, static_cast<double>(lim.rlim_cur));
    return 0.75 * bytes;
}

/// InputError (exit 2) naming `option` if holding `bytes` of results would exceed the
/// budget; `what` says what needs them ("10000000 replications of this scenario").
inline void check_memory(double bytes, const std::string& option, const std::string& what) {
    const double budget = memory_budget_bytes();
    if (bytes <= budget) return;
    char msg[320];
    std::snprintf(msg, sizeof msg,
                  "%s would hold %.1f GiB of results in memory; this machine allows %.1f GiB "
                  "(three quarters of its memory, or of the process limit): ask for fewer",
                  what.c_str(), bytes / (1ull << 30), budget / (1ull << 30));
    throw InputError({{"command line", 0, 0, option, msg}});
}

}  // namespace hubsim::cli
