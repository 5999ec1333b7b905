#pragma once
/// \file
/// Every file hubsim writes (HDF5 results, sweeps, journals, YAML, CSV) is written the same
/// way: in full under a temporary name beside it, made durable, then renamed over the
/// final name. A failed or interrupted write leaves no partial file, and leaves an older
/// file of that name untouched.

#include <filesystem>
#include <functional>
#include <string_view>

namespace hubsim {

/// Calls `write(temporary)` to write the whole file at a temporary path beside `path`
/// (".NAME.tmp-PID-N", unique within and across processes), then fsyncs it, renames it
/// over `path` and fsyncs the folder. If `write` throws, the temporary is removed and the
/// exception passes on.
void write_atomically(const std::filesystem::path& path,
                      const std::function<void(const std::filesystem::path&)>& write);

/// write_atomically for a text; throws std::runtime_error naming `path` if it cannot.
void write_text_atomically(const std::filesystem::path& path, std::string_view text);

}  // namespace hubsim
