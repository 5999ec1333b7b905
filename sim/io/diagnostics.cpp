#include "hubsim/io/diagnostics.hpp"

#include <algorithm>
#include <numeric>

namespace hubsim {

std::string Diagnostic::str() const {
    std::string out = file;
    if (line > 0)
        out.append(":").append(std::to_string(line)).append(":").append(std::to_string(column));
    out.append(warning ? ": warning: " : ": error: ");
    if (!path.empty()) out.append(path).append(": ");
    return out.append(message);
}

namespace {
std::string summary(const std::vector<Diagnostic>& d) {
    std::string s;
    for (const auto& x : d) s += x.str() + "\n";
    return s;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    std::iota(row.begin(), row.end(), std::size_t{0});
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diag = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diag = up;
        }
    }
    return row[b.size()];
}
}  // namespace

InputError::InputError(std::vector<Diagnostic> diagnostics)
    : std::runtime_error(summary(diagnostics)), diagnostics_(std::move(diagnostics)) {}

std::size_t InputError::errors() const {
    return static_cast<std::size_t>(std::count_if(diagnostics_.begin(), diagnostics_.end(),
                                                  [](const Diagnostic& d) { return !d.warning; }));
}

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
    std::string best;
    std::size_t best_d = std::max<std::size_t>(2, word.size() / 3) + 1;
    for (const auto& c : candidates) {
        const std::size_t d = edit_distance(word, c);
        if (d < best_d) {
            best_d = d;
            best = c;
        }
    }
    if (!best.empty() || word.empty()) return best;
    // No near spelling: a word the user lengthened or shortened ("peer" for p, "rej" for
    // rejoin), when exactly one candidate is its prefix or starts with it.
    std::string only;
    for (const auto& c : candidates) {
        const bool related = word.starts_with(c) || std::string_view(c).starts_with(word);
        if (!related) continue;
        if (!only.empty()) return {};
        only = c;
    }
    return only;
}

}  // namespace hubsim
