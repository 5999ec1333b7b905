#pragma once
/// \file
/// Errors in what a user gave us, with where they are and what was expected.

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace hubsim {

/// One problem in an input file: "england.yaml:12:5: demand.p: expected ..., found ...".
struct Diagnostic {
    std::string file;
    int line = 0;      ///< 1-based; 0 when not known (e.g. a --set on the command line)
    int column = 0;    ///< 1-based; 0 when not known
    std::string path;  ///< key path, e.g. "hubs[3].opens"
    std::string message;
    bool warning = false;  ///< accepted, but probably not what was meant

    std::string str() const;
};

/// Bad input: every problem found, not only the first (and any warnings beside them). The
/// CLI exits with status 2.
class InputError : public std::runtime_error {
  public:
    explicit InputError(std::vector<Diagnostic> diagnostics);
    const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }
    /// The errors among them (not the warnings).
    std::size_t errors() const;

  private:
    std::vector<Diagnostic> diagnostics_;
};

/// The closest of `candidates` to `word`, if it is close enough to be a likely typo.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace hubsim
