// `--set key=value`: a change to the scenario's YAML tree before it is read, so that a
// value from the command line is checked exactly as one written in the file.

#include "scenario_sections.hpp"

namespace hubsim::scenario_io {

namespace {

/// "a.b[2].c" as segments; "[n]" indexes a list.
std::vector<std::string> segments(const std::string& key) {
    std::vector<std::string> parts;
    std::string cur;
    for (char c : key) {
        if (c == '.' || c == '[') {
            if (!cur.empty()) parts.push_back(cur);
            cur = c == '[' ? "[" : "";
        } else if (c == ']') {
            parts.push_back(cur + "]");
            cur.clear();
        } else {
            cur += c;
        }
    }
    if (!cur.empty()) parts.push_back(cur);
    return parts;
}

/// How many segments from `from` name one key of `map`: a file may write a dotted key
/// ("capacity.factor: 0.6") where --set walks segment by segment. The longest match wins;
/// 1 if none matches (a key to create).
std::size_t key_length(const YAML::Node& map, const std::vector<std::string>& parts,
                       std::size_t from, std::size_t end) {
    if (!map.IsMap()) return 1;
    for (std::size_t n = end - from; n > 1; --n) {
        std::string dotted = parts[from];
        bool plain = dotted.front() != '[';
        for (std::size_t k = from + 1; k < from + n; ++k) {
            plain = plain && parts[k].front() != '[';
            dotted += "." + parts[k];
        }
        if (plain && map[dotted].IsDefined()) return n;
    }
    return 1;
}

std::string join(const std::vector<std::string>& parts, std::size_t from, std::size_t n) {
    std::string s = parts[from];
    for (std::size_t k = from + 1; k < from + n; ++k) s += "." + parts[k];
    return s;
}

void apply(YAML::Node root, const std::string& assignment, Diagnostics& diags) {
    const std::string where = input::kCommandLine;
    const auto eq = assignment.find('=');
    if (eq == std::string::npos || eq == 0) {
        diags.error_at(where, 0, 0, "--set " + assignment, "expected key=value");
        return;
    }
    const std::string key = assignment.substr(0, eq);
    YAML::Node value;
    try {
        value = YAML::Load(assignment.substr(eq + 1));
    } catch (const YAML::Exception& e) {
        diags.error_at(where, 0, 0, key, std::string("value is not valid YAML: ") + e.msg);
        return;
    }
    if (value.IsDefined() && !value.IsScalar() && !value.IsNull()) {
        diags.error_at(where, 0, 0, key, "--set takes a single value");
        return;
    }
    std::vector<std::string> parts = segments(key);
    // A parameter given on the command line is an explicit value, as if written under the
    // scenario's `set:`: it takes precedence over a posterior draw (and over `set:` itself).
    if (find_parameter(key)) parts.insert(parts.begin(), "set");
    if (parts.empty() || parts.back().front() == '[') {
        diags.error_at(where, 0, 0, key, "--set replaces a single value, not a list element");
        return;
    }
    YAML::Node here = root;
    std::size_t i = 0;
    for (;;) {
        const std::string& part = parts[i];
        if (part.front() == '[') {
            const auto n = input::to_number(part.substr(1, part.size() - 2));
            if (!here.IsSequence() || !n || *n < 0 || *n >= static_cast<double>(here.size())) {
                std::string msg = "no list element " + part;
                if (i == 1 && parts[0] == "hubs" && here.IsMap() && here["file"])
                    msg +=
                        ": the hubs come from a file; change one hub with --set "
                        "\"hubs.overrides.NAME.KEY=VALUE\"";
                diags.error_at(where, 0, 0, key, msg);
                return;
            }
            here.reset(here[static_cast<std::size_t>(*n)]);
            ++i;
            continue;
        }
        if (here.IsDefined() && !here.IsNull() && !here.IsMap()) {
            diags.error_at(where, 0, 0, key,
                           "'" + part + "' is inside a value that is not a mapping");
            return;
        }
        const std::size_t n = key_length(here, parts, i, parts.size());
        const std::string name = join(parts, i, n);
        i += n;
        if (i == parts.size()) {
            if (here[name].IsDefined() && !here[name].IsScalar() && !here[name].IsNull()) {
                diags.error_at(
                    where, 0, 0, key,
                    "--set replaces a single value; '" + key + "' is " + input::found(here[name]));
                return;
            }
            here[name] =
                value.IsNull() ? YAML::Node(YAML::NodeType::Null) : YAML::Node(value.Scalar());
            return;
        }
        YAML::Node next = here[name];  // created as needed
        here.reset(next);
    }
}

}  // namespace

void apply_overrides(YAML::Node root, const std::vector<std::string>& sets, Diagnostics& diags) {
    for (const auto& s : sets) apply(root, s, diags);
}

}  // namespace hubsim::scenario_io
