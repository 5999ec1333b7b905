#pragma once
// The one input layer (private to hubsim::io): every file kind hubsim reads — scenarios,
// sweeps, calibrations, and the study and plan files to come — is read through it, so
// each checks keys, parses values and words its errors the same way.
//
// A reader walks the YAML tree with a Diagnostics collector, reports every problem it
// finds with the node's line and column, and throws InputError with all of them at the
// end. Values set on the command line (--set) have no position in a file and are
// reported as coming from the command line.

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hubsim/engine/calendar.hpp"
#include "hubsim/io/diagnostics.hpp"
#include "hubsim/model/parameters.hpp"

namespace hubsim::input {

/// Where problems come from when they have no place in a file (a --set value).
inline constexpr const char* kCommandLine = "command line";

/// Collects the problems found while reading one file.
class Diagnostics {
  public:
    explicit Diagnostics(std::string file) : file_(std::move(file)) {}

    /// A problem at `node` (its line and column; the command line if it has none).
    void error(const YAML::Node& node, const std::string& path, const std::string& message);
    /// A problem at a known place (a CSV row, or line 0 for the file as a whole).
    void error_at(std::string file, int line, int column, std::string path, std::string message);
    /// A problem with the file as a whole (a missing key).
    void missing(const std::string& path, const std::string& message) {
        error_at(file_, 0, 0, path, message);
    }
    /// Every problem of an error thrown by a reader this one called.
    void add(const InputError& e);

    bool ok() const { return list_.empty(); }
    void throw_if_any();
    const std::string& file() const { return file_; }
    std::vector<Diagnostic>& list() { return list_; }

  private:
    std::string file_;
    std::vector<Diagnostic> list_;
};

/// A YAML file as read: its path, its text (kept for provenance) and its tree.
struct YamlFile {
    std::filesystem::path path;
    std::string text;
    YAML::Node root;
};

/// The text of `path`; InputError naming the file if it cannot be read. `what` names the
/// kind of file in the message ("scenario file").
std::string read_text(const std::filesystem::path& path, std::string_view what);
/// Parses `text` as one YAML mapping; InputError at the line and column of a syntax error,
/// or if the document is not a mapping.
YAML::Node parse_mapping(const std::string& text, const std::string& file, std::string_view what);
/// read_text and parse_mapping.
YamlFile load_yaml(const std::filesystem::path& path, std::string_view what);
/// True if `path` holds a YAML mapping with every one of `keys` (false if it cannot be read).
bool has_keys(const std::filesystem::path& path, std::span<const std::string_view> keys);

/// "'0.5'", "a list", "a mapping" or "nothing": what a message says was found.
std::string found(const YAML::Node& node);

/// Reports every key of `map` that is not one of `allowed`, with a did-you-mean.
void check_keys(const YAML::Node& map, const std::string& path,
                std::span<const std::string_view> allowed, Diagnostics& diags);
inline void check_keys(const YAML::Node& map, const std::string& path,
                       std::initializer_list<std::string_view> allowed, Diagnostics& diags) {
    check_keys(map, path, std::span<const std::string_view>(allowed.begin(), allowed.size()),
               diags);
}
/// "unknown key 'x' (did you mean 'y'?)".
std::string unknown(std::string_view what, std::string_view word,
                    const std::vector<std::string>& candidates);

/// The number a whole text spells ("0.5", "1e3"); nullopt for anything else.
std::optional<double> to_number(std::string_view text);

/// Typed values, range-checked; each reports a located problem and returns nullopt.
std::optional<double> real(const YAML::Node& node, const std::string& path, double min, double max,
                           Diagnostics& diags);
std::optional<std::uint64_t> whole(const YAML::Node& node, const std::string& path, double min,
                                   double max, Diagnostics& diags);
std::optional<std::string> text(const YAML::Node& node, const std::string& path,
                                Diagnostics& diags);
std::optional<Date> date(const YAML::Node& node, const std::string& path, Diagnostics& diags);
/// One of `choices`, with a did-you-mean.
std::optional<std::size_t> choice(const YAML::Node& node, const std::string& path,
                                  std::span<const std::string_view> choices, Diagnostics& diags);

/// The parameter a key names, or nullptr after reporting it (with a did-you-mean).
const ParamSpec* parameter(const YAML::Node& key_node, const std::string& key,
                           const std::string& path, Diagnostics& diags);
/// A parameter's value from one scalar: a number, a choice's name or true/false, checked
/// against the parameter's declaration.
std::optional<double> parameter_value(const ParamSpec& spec, const YAML::Node& node,
                                      const std::string& path, Diagnostics& diags);

/// `name` as written in the file `file`: an absolute path stays; a relative one is taken
/// from that file's folder (never from the working directory).
std::filesystem::path beside(const std::filesystem::path& file, const std::string& name);

}  // namespace hubsim::input
