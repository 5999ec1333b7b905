#include "hubsim/io/csv.hpp"

#include <algorithm>
#include <sstream>

#include "hubsim/io/diagnostics.hpp"
#include "yaml_input.hpp"

namespace hubsim {

namespace {

/// The fields of one line; `closed` is false if a quoted field runs past the line's end.
std::vector<std::string> split(const std::string& line, bool& closed) {
    std::vector<std::string> out;
    std::string field;
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
                field += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                field += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            out.push_back(std::move(field));
            field.clear();
        } else {
            field += c;
        }
    }
    out.push_back(std::move(field));
    closed = !quoted;
    return out;
}

}  // namespace

bool CsvTable::has(const std::string& name) const {
    return column(name) > 0;
}

int CsvTable::column(const std::string& name) const {
    const auto it = std::find(header.begin(), header.end(), name);
    return it == header.end() ? 0 : static_cast<int>(it - header.begin()) + 1;
}

const std::string& CsvTable::get(std::size_t row, const std::string& name) const {
    return rows[row][static_cast<std::size_t>(column(name) - 1)];
}

CsvTable read_csv(const std::filesystem::path& path, const std::vector<std::string>& required,
                  std::vector<Diagnostic>& problems) {
    const std::string file = path.string();
    std::istringstream in(input::read_text(path, "CSV file"));
    CsvTable t;
    std::string line;
    int n = 0;
    std::vector<Diagnostic> errs;
    while (std::getline(in, line)) {
        ++n;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (n == 1 && line.starts_with("\xEF\xBB\xBF")) line.erase(0, 3);  // byte-order mark
        if (line.empty()) continue;
        bool closed = true;
        auto fields = split(line, closed);
        if (!closed) {  // fields never span lines in the files hubsim reads
            (t.header.empty() ? errs : problems)
                .push_back({file, n, 1, "", "a quoted field is not closed on its line"});
            if (t.header.empty()) throw InputError(std::move(errs));
            continue;
        }
        if (t.header.empty()) {
            t.header = std::move(fields);
            for (const auto& r : required)
                if (!t.has(r))
                    errs.push_back({file, n, 1, r, "missing column '" + r + "' in the header"});
            if (!errs.empty()) throw InputError(std::move(errs));
            continue;
        }
        if (fields.size() != t.header.size()) {
            problems.push_back({file, n, 1, "",
                                "expected " + std::to_string(t.header.size()) + " fields, found " +
                                    std::to_string(fields.size())});
            continue;
        }
        t.rows.push_back(std::move(fields));
        t.lines.push_back(n);
    }
    if (t.header.empty())
        errs.push_back({file, 1, 1, "", "the file is empty (expected a header row)"});
    if (!errs.empty()) throw InputError(std::move(errs));
    return t;
}

}  // namespace hubsim
