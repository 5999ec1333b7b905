#pragma once
// Where a command writes: checked before any work, so a bad output path costs nothing and
// an output never replaces one of the command's own inputs.

#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "hubsim/io/diagnostics.hpp"

namespace hubsim::cli {

/// `given` (the `option` named in messages) as an output file: not empty, a file name, not
/// a folder, not one of `inputs` (InputError, exit 2, otherwise).
inline std::filesystem::path checked_output(const std::string& given, const std::string& option,
                                            const std::vector<std::filesystem::path>& inputs) {
    namespace fs = std::filesystem;
    const auto bad = [&](std::string message) {
        return InputError({{"command line", 0, 0, option, std::move(message)}});
    };
    if (given.empty()) throw bad("an empty file name");
    const fs::path out(given);
    if (!out.has_filename() || out.filename() == "." || out.filename() == "..")
        throw bad("expected a file name, found '" + given + "'");
    std::error_code ec;
    const fs::file_status st = fs::status(out, ec);
    if (fs::is_directory(st)) throw bad("is a folder, not a file name: " + given);
    // The nearest part of the path that exists must be a folder (the rest is created).
    for (fs::path up = out.parent_path(); !up.empty(); up = up.parent_path()) {
        const fs::file_status u = fs::status(up, ec);
        if (!fs::exists(u)) continue;
        if (!fs::is_directory(u)) throw bad("'" + up.string() + "' is a file, not a folder");
        break;
    }
    if (fs::exists(st))
        for (const auto& in : inputs)
            if (fs::equivalent(out, in, ec))
                throw bad("'" + given + "' is an input of this command (" + in.string() +
                          "): an output never replaces an input");
    return out;
}

}  // namespace hubsim::cli
