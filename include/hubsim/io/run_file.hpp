#pragma once
/// \file
/// Reading back what `hubsim run` wrote: enough to replay one of its replications.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace hubsim {

struct RunFileHeader {
    std::string hubsim_version, git_commit;
    std::string resolved_yaml;  ///< the scenario as run: every value, data files by path
    std::size_t replications = 0;
};

/// The header of a run file; InputError (naming the file) if it is not one.
RunFileHeader read_run_header(const std::filesystem::path& path);

/// Replication `replication`'s stage counts ([time][hub][phase][stage]) and target days
/// ([target]) as the file holds them.
struct ReplicationCheck {
    std::vector<std::uint32_t> stage_counts;
    std::vector<std::int32_t> target_day;
};
ReplicationCheck read_replication_check(const std::filesystem::path& path, std::size_t replication);

}  // namespace hubsim
