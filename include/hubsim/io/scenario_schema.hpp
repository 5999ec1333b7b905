#pragma once
/// \file
/// A JSON Schema (draft 2020-12) of the scenario format, generated from the declared
/// parameters (parameter_specs()) and the structural settings, so that editors (YAML
/// Language Server's `# yaml-language-server: $schema=`), the studio's form and other tools
/// check and complete scenarios as hubsim reads them. `hubsim schema` prints it.
///
/// The schema says what each key may hold (type, range, choices, default, help); what only
/// the loader can know stays with it: whether a file exists, whether hub names in a schools
/// file match, whether `until` follows `date`.

#include <string>

namespace hubsim {

/// The schema as JSON text, indented by `indent` spaces.
std::string scenario_schema(int indent = 2);

}  // namespace hubsim
