#include "hubsim/io/run_file.hpp"

#include <hdf5.h>

#include "h5.hpp"
#include "hubsim/io/diagnostics.hpp"

namespace hubsim {

namespace {

namespace fs = std::filesystem;

/// The file, open for reading; InputError naming it if it cannot be.
hid_t open_run(const fs::path& path) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec))
        throw InputError({{path.string(), 0, 0, "", "no such run file"}});
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    const hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    if (id < 0) throw InputError({{path.string(), 0, 0, "", "not an HDF5 file"}});
    return id;
}

/// A first dimension of `name` in group `g`: the dataset's elements per replication.
template <class T>
std::vector<T> one_replication(hid_t loc, const char* name, std::size_t replication) {
    std::vector<T> all;
    const auto dims = h5::read(loc, name, all);
    if (dims.empty() || replication >= dims[0]) return {};
    const std::size_t per = all.size() / dims[0];
    return {all.begin() + static_cast<std::ptrdiff_t>(replication * per),
            all.begin() + static_cast<std::ptrdiff_t>((replication + 1) * per)};
}

}  // namespace

RunFileHeader read_run_header(const fs::path& path) {
    h5::Handle f(open_run(path), H5Fclose, "open a run file");
    try {
        RunFileHeader h;
        if (H5Lexists(f, "points", H5P_DEFAULT) > 0)
            throw std::runtime_error("it is sweep output; trace replays a run's replication");
        h.hubsim_version = h5::attr_text(f, "hubsim_version");
        h.git_commit = h5::attr_text(f, "git_commit");
        h.replications = h5::attr_value<std::uint64_t>(f, "replications");
        h.resolved_yaml = h5::read_strings(f, "scenario").at(0);
        return h;
    } catch (const std::exception& e) {
        throw InputError({{path.string(), 0, 0, "",
                           std::string("not the output of hubsim run (") + e.what() + ")"}});
    }
}

ReplicationCheck read_replication_check(const fs::path& path, std::size_t replication) {
    h5::Handle f(open_run(path), H5Fclose, "open a run file");
    try {
        ReplicationCheck c;
        c.stage_counts =
            one_replication<std::uint32_t>(f, "trajectories/stage_counts", replication);
        c.target_day = one_replication<std::int32_t>(f, "summary/target_day", replication);
        return c;
    } catch (const std::exception& e) {
        throw InputError({{path.string(), 0, 0, "",
                           std::string("not the output of hubsim run (") + e.what() + ")"}});
    }
}

}  // namespace hubsim
