#pragma once
/// \file
/// Every file hubsim writes (HDF5 results, sweeps, journals, YAML, CSV) is written the same
/// way: in full under a temporary name beside it, made durable, then renamed over the
/// final name. A failed or interrupted write leaves no partial file, and leaves an older
/// file of that name untouched. docs/reliability.md (Faults) says what is promised and how
/// it is tested.

#include <cstddef>
#include <filesystem>
#include <functional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace hubsim {

/// An output could not be written because of the environment (a full disk, a read-only
/// folder, an I/O error). The message names the path and the system's cause, e.g.
/// "cannot write results/x.h5: No space left on device".
class OutputError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// Writes `bytes` as the whole file `path`: to a temporary beside it
/// (".NAME.tmp-HOST-PID-N"), fsynced, renamed over `path`, then the folder fsynced.
/// Creates missing folders. Throws OutputError naming `path` and the cause; on any failure
/// the temporary is removed and an older `path` is untouched.
void write_bytes_atomically(const std::filesystem::path& path, std::string_view bytes);

/// The same for a file given in pieces, written one after the other.
void write_bytes_atomically(const std::filesystem::path& path,
                            std::span<const std::string_view> pieces);

/// write_bytes_atomically for a text.
void write_text_atomically(const std::filesystem::path& path, std::string_view text);

/// For writers that need a path: calls `write(temporary)` to write the whole file at a
/// temporary path beside `path` (created empty first, so the name is this writer's), then
/// fsyncs, renames and fsyncs the folder as above. If `write` throws, the temporary is
/// removed and the exception passes on.
void write_atomically(const std::filesystem::path& path,
                      const std::function<void(const std::filesystem::path&)>& write);

/// Gets `path` ready to be written, before the work that makes it: creates its folder if
/// missing, removes stale temporaries of it (remove_stale_temporaries) and checks that a
/// file can be created there. Throws OutputError naming the path and the cause.
void prepare_output(const std::filesystem::path& path);

/// Removes from `folder` the temporaries that writers killed before their rename left
/// behind (all of them, or only those of the file called `name`): only those written on
/// this machine by a process that is no longer alive. A live writer's temporary, or one
/// from another machine sharing the folder, is never touched. Returns how many it removed.
std::size_t remove_stale_temporaries(const std::filesystem::path& folder,
                                     std::string_view name = {});

}  // namespace hubsim
