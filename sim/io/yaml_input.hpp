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
#include <utility>
#include <vector>

#include "hubsim/engine/calendar.hpp"
#include "hubsim/io/diagnostics.hpp"
#include "hubsim/io/scenario_loader.hpp"
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
    /// Something accepted that is probably not what was meant (an event after the run).
    void warn(const YAML::Node& node, const std::string& path, const std::string& message);
    const std::vector<Diagnostic>& warnings() const { return warnings_; }

    bool ok() const { return list_.empty(); }
    void throw_if_any();
    const std::string& file() const { return file_; }
    std::vector<Diagnostic>& list() { return list_; }

    /// Nodes of `root` (a base file's tree, laid under this one) are reported under `file`:
    /// a base's line and column never appear under the variant's name.
    void nodes_from(std::string file, YAML::Node root) {
        sources_.emplace_back(std::move(file), std::move(root));
    }

  private:
    const std::string& file_of(const YAML::Node& node) const;

    std::string file_;
    std::vector<std::pair<std::string, YAML::Node>> sources_;
    std::vector<Diagnostic> list_;
    std::vector<Diagnostic> warnings_;
};

/// A YAML file as read: its path, its text (kept for provenance) and its tree.
struct YamlFile {
    std::filesystem::path path;
    std::string text;
    YAML::Node root;
};

/// The largest YAML file read: a scenario is settings, not data (lists go in CSV files).
inline constexpr std::uintmax_t kMaxYamlBytes = std::uintmax_t{16} << 20;
/// The largest CSV file read (England's census is about 3 MiB).
inline constexpr std::uintmax_t kMaxCsvBytes = std::uintmax_t{1} << 30;

/// The text of `path`: InputError naming the file if it cannot be read (a folder, a
/// symlink loop, missing), is larger than `max_bytes`, or is not UTF-8 (at the first bad
/// byte's line and column). `what` names the kind of file in the message.
std::string read_text(const std::filesystem::path& path, std::string_view what,
                      std::uintmax_t max_bytes = kMaxCsvBytes);
/// The offset of the first byte that is not part of valid UTF-8, if any.
std::optional<std::size_t> first_invalid_utf8(std::string_view text);
/// The 1-based line and column of a byte offset in `text`.
std::pair<int, int> line_and_column(std::string_view text, std::size_t offset);
/// Parses `text` as one YAML mapping; InputError at the line and column of a syntax error,
/// a key given twice (at any level), a quote never closed, a second document, or if the
/// document is not a mapping or is deeper or larger than any scenario (alias bombs).
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
/// Text; `may_be_empty` for fields whose empty value means "none" (a hub's region: '').
std::optional<std::string> text(const YAML::Node& node, const std::string& path, Diagnostics& diags,
                                bool may_be_empty = false);
std::optional<Date> date(const YAML::Node& node, const std::string& path, Diagnostics& diags);
/// A name that becomes a file name (results/NAME.h5): text with no '/', no leading '.', no
/// control characters, at most 100 characters, so an output never lands outside its folder.
std::optional<std::string> output_name(const YAML::Node& node, const std::string& path,
                                       Diagnostics& diags);
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

/// True if `file`, named at `node` (key `path`), is a regular file; otherwise reports, at
/// the naming line, that it is missing, a folder or unreadable.
/// `parameters: {KEY: {uniform: [low, high]}, ...}` of numeric parameters, low < high, each
/// valid for its parameter (a calibration's priors, a sensitivity study's ranges).
void uniform_parameters(const YAML::Node& params, std::vector<const ParamSpec*>& keys,
                        std::vector<double>& low, std::vector<double>& high, Diagnostics& diags);

/// The base scenario a study file names in its `scenario` key (relative to the study
/// file), loaded with `overrides`; throws InputError (with what `diags` holds) if the key is
/// missing, not a file name, or names no file.
LoadedScenario base_scenario(const YAML::Node& root, const std::filesystem::path& file,
                             Diagnostics& diags, const std::vector<std::string>& overrides = {});

/// A study's `replications` and `seed` keys (its base scenario's where it gives none);
/// `--replications` and `--seed` (in `overrides`, already applied to `base`) win over both,
/// as `--set` wins over a scenario file.
void study_replications_and_seed(const YAML::Node& root, const std::vector<std::string>& overrides,
                                 const Scenario& base, std::uint32_t& replications,
                                 std::uint64_t& seed, Diagnostics& diags);

bool file_named_exists(const std::filesystem::path& file, const YAML::Node& node,
                       const std::string& path, Diagnostics& diags);

/// Runs `read` (a reader of `file`), turning any yaml-cpp exception a reader did not
/// foresee (a value of an unexpected kind deep in a tree) into a located InputError, so
/// that bad input never ends as an internal error.
template <class Read>
auto guard_yaml(const std::filesystem::path& file, Read&& read) {
    try {
        return read();
    } catch (const YAML::Exception& e) {
        throw InputError({{file.string(), e.mark.line >= 0 ? e.mark.line + 1 : 0,
                           e.mark.column >= 0 ? e.mark.column + 1 : 0, "",
                           "a value of an unexpected kind here (" + e.msg + ")"}});
    }
}

/// `name` as written in the file `file`: an absolute path stays; a relative one is taken
/// from that file's folder (never from the working directory).
std::filesystem::path beside(const std::filesystem::path& file, const std::string& name);

}  // namespace hubsim::input
