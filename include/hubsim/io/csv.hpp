#pragma once
/// \file
/// A small CSV reader for school and hub lists: a header row, comma-separated fields,
/// double quotes around fields that hold commas. Keeps line numbers for error messages.

#include <filesystem>
#include <string>
#include <vector>

#include "hubsim/io/diagnostics.hpp"

namespace hubsim {

struct CsvTable {
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> rows;
    std::vector<int> lines;  ///< the file line of each row (1-based)

    bool has(const std::string& column) const;
    /// 1-based column number of a header name (0 if absent).
    int column(const std::string& name) const;
    const std::string& get(std::size_t row, const std::string& column) const;
    int line(std::size_t row) const { return lines[row]; }
};

/// Reads `path`; throws InputError naming the file and line if it cannot be read or a
/// `required` column is missing. Rows with the wrong number of fields are left out and
/// reported in `problems`, so the caller can go on checking the others.
CsvTable read_csv(const std::filesystem::path& path, const std::vector<std::string>& required,
                  std::vector<Diagnostic>& problems);

}  // namespace hubsim
