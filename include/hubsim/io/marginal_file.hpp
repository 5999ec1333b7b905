#pragma once
/// \file
/// The output of `hubsim marginal`: what K extra leaders add, hub by hub (docs/decisions.md).

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "hubsim/io/output.hpp"

namespace hubsim {

/// An estimate of an expected difference and its 90% interval: paired (the same
/// replication with and without the extra leaders), with the half-width an unpaired
/// comparison of two independent means would have had beside it.
struct PairedEstimate {
    double mean = 0, low = 0, high = 0;
    double unpaired_half_width = 0;
};

/// Where K extra leaders went, one variant per (hub, role).
struct MarginalVariant {
    std::uint16_t hub = 0;
    LlmeRole role{};
    Phase phase{};  ///< the role's
};

struct MarginalFile {
    std::string scenario_yaml, start_date;
    std::uint64_t seed = 0;
    std::uint32_t replications = 0, leaders = 0;
    std::string from, by;                          ///< dates (ISO)
    std::string parameters;                        ///< "drawn" or "fixed"
    std::string rank_by;                           ///< "engaged" or "participating_years"
    std::vector<std::string> hubs, phases, dates;  ///< axes: every hub, modelled phases, dates
    TargetTable targets;
    std::vector<MarginalVariant> variants;
    /// [variant][phase][date]: extra schools ever engaged nationally and in the hub, and
    /// extra participating school-years nationally from `from` to each date.
    std::vector<PairedEstimate> engaged, engaged_hub, participating_years;
    std::vector<PairedEstimate> target_met;    ///< [variant][target]: change in P(met)
    std::vector<double> baseline_target_met;   ///< [target]
    std::vector<std::int32_t> paired_engaged;  ///< [variant][replication][phase][date]
    std::vector<std::uint32_t> rank;           ///< [variant]: 1 adds most (rank_by) by `by`
    /// --allocate: each step's chosen variant and what it added (`rank_by`, its phase, `by`).
    std::vector<std::uint32_t> allocation_variant;
    std::vector<PairedEstimate> allocation_value;
};

/// Writes atomically, with provenance.
void write_marginal_file(const std::filesystem::path& path, const MarginalFile& file,
                         const std::string& command_line, int threads);

}  // namespace hubsim
