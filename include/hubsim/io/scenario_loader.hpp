#pragma once
/// \file
/// Reads a scenario from YAML (and the CSV files it names), checking everything.

#include <filesystem>
#include <string>
#include <vector>

#include "hubsim/io/diagnostics.hpp"
#include "hubsim/model/scenario.hpp"

namespace hubsim {

/// A scenario with the texts the output file keeps for provenance.
struct LoadedScenario {
    Scenario scenario;
    std::string source_path;
    std::string source_text;    ///< the file as given
    std::string resolved_yaml;  ///< every key with its value, defaults filled in
    /// Every file read: the scenario, its bases, its data (so no output overwrites one).
    std::vector<std::filesystem::path> input_files;
    /// The posterior file the scenario draws from (empty if none): `calibrate --posterior`
    /// may replace it, since producing it is what a calibration is for.
    std::filesystem::path posterior_file;
    /// What was accepted but is probably not what was meant (an event after the run ends).
    std::vector<Diagnostic> warnings;
};

/// Loads and checks `path`, after applying `overrides` ("key.path=value", as `--set`
/// gives them). Throws InputError listing every problem found.
LoadedScenario load_scenario(const std::filesystem::path& path,
                             const std::vector<std::string>& overrides = {});

/// Loads and checks a scenario written in memory (`text`), as if it were the file `path`:
/// `path` names it in messages, and relative file names are taken from its folder. A study
/// builds its candidates this way, exactly as `hubsim run` would read them from a file.
LoadedScenario load_scenario_text(const std::string& text, const std::filesystem::path& path);

/// The files a scenario written in memory names itself (its `base:`, and the `file:` of its
/// hubs, schools and posterior), as written, each taken from `path`'s folder: what a caller
/// that must vet paths before anything is read (the studio, for an upload) checks. An entry
/// that is not a file name (a mapping where a name should be) is returned empty. Throws
/// InputError if the text is not a YAML mapping.
std::vector<std::filesystem::path> named_files(const std::string& text,
                                               const std::filesystem::path& path);

/// `variant` laid over `base` (both scenario texts) exactly as the loader lays a variant over
/// the base it names: mappings merge key by key, a timeline's events add up, anything else
/// is replaced. Returns the merged scenario as YAML (comments are not kept). Throws
/// InputError, naming `path`, if either text is not a YAML mapping.
std::string overlay_variant_text(const std::string& base, const std::string& variant,
                                 const std::filesystem::path& path);

/// The run settings a scenario may hold besides the model parameters, for `hubsim params`
/// and docs/scenario.md: key, type, default, meaning.
struct SettingDoc {
    std::string key, type, fallback, help;
};
const std::vector<SettingDoc>& scenario_settings();

}  // namespace hubsim
