#include "yaml_input.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace hubsim::input {

namespace fs = std::filesystem;

void Diagnostics::error(const YAML::Node& node, const std::string& path,
                        const std::string& message) {
    const YAML::Mark m = node.IsDefined() ? node.Mark() : YAML::Mark::null_mark();
    if (m.line < 0)
        list_.push_back({kCommandLine, 0, 0, path, message + " (from --set)"});
    else
        list_.push_back({file_, m.line + 1, m.column + 1, path, message});
}

void Diagnostics::error_at(std::string file, int line, int column, std::string path,
                           std::string message) {
    list_.push_back({std::move(file), line, column, std::move(path), std::move(message)});
}

void Diagnostics::add(const InputError& e) {
    list_.insert(list_.end(), e.diagnostics().begin(), e.diagnostics().end());
}

void Diagnostics::throw_if_any() {
    if (!list_.empty()) throw InputError(std::move(list_));
}

std::string read_text(const fs::path& path, std::string_view what) {
    std::error_code ec;
    if (fs::is_directory(path, ec))
        throw InputError({{path.string(), 0, 0, "", "is a folder, not a " + std::string(what)}});
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError({{path.string(), 0, 0, "", "cannot open the " + std::string(what)}});
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string found(const YAML::Node& node) {
    if (!node.IsDefined() || node.IsNull()) return "nothing";
    if (node.IsScalar()) return "'" + node.Scalar() + "'";
    if (node.IsSequence()) return "a list";
    return "a mapping";
}

YAML::Node parse_mapping(const std::string& text, const std::string& file, std::string_view what) {
    YAML::Node root;
    try {
        root = YAML::Load(text);
    } catch (const YAML::ParserException& e) {
        throw InputError(
            {{file, e.mark.line + 1, e.mark.column + 1, "", "not valid YAML: " + e.msg}});
    }
    if (!root.IsMap())
        throw InputError(
            {{file, 1, 1, "",
              "expected a mapping of " + std::string(what) + " keys, found " + found(root)}});
    return root;
}

YamlFile load_yaml(const fs::path& path, std::string_view what) {
    YamlFile f{path, read_text(path, what), {}};
    f.root = parse_mapping(f.text, path.string(), what);
    return f;
}

bool has_keys(const fs::path& path, std::span<const std::string_view> keys) {
    try {
        const YAML::Node root = YAML::LoadFile(path.string());
        return root.IsMap() && std::all_of(keys.begin(), keys.end(), [&](std::string_view k) {
                   return root[std::string(k)].IsDefined();
               });
    } catch (const std::exception&) {
        return false;
    }
}

std::string unknown(std::string_view what, std::string_view word,
                    const std::vector<std::string>& candidates) {
    std::string msg = "unknown " + std::string(what) + " '" + std::string(word) + "'";
    if (auto s = did_you_mean(word, candidates); !s.empty()) msg += " (did you mean '" + s + "'?)";
    return msg;
}

void check_keys(const YAML::Node& map, const std::string& path,
                std::span<const std::string_view> allowed, Diagnostics& diags) {
    if (!map.IsMap()) return;
    const std::vector<std::string> names(allowed.begin(), allowed.end());
    std::vector<std::string> seen;
    for (const auto& kv : map) {
        const std::string key = kv.first.Scalar();
        const std::string where = path.empty() ? key : path + "." + key;
        if (std::find(seen.begin(), seen.end(), key) != seen.end())
            diags.error(kv.first, where, "key '" + key + "' appears more than once");
        seen.push_back(key);
        if (std::find(names.begin(), names.end(), key) == names.end())
            diags.error(kv.first, where, unknown("key", key, names));
    }
}

std::optional<double> to_number(std::string_view text) {
    double v = 0;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, v);
    if (ec != std::errc{} || ptr != end || text.empty()) return std::nullopt;
    return v;
}

std::optional<double> real(const YAML::Node& node, const std::string& path, double min, double max,
                           Diagnostics& diags) {
    if (node.IsScalar())
        if (auto v = to_number(node.Scalar()); v && *v >= min && *v <= max) return v;
    char buf[96];
    std::snprintf(buf, sizeof buf, "expected a number in [%g, %g], found ", min, max);
    diags.error(node, path, buf + found(node));
    return std::nullopt;
}

std::optional<std::uint64_t> whole(const YAML::Node& node, const std::string& path, double min,
                                   double max, Diagnostics& diags) {
    if (node.IsScalar())
        if (auto v = to_number(node.Scalar()); v && *v == std::floor(*v) && *v >= min && *v <= max)
            return static_cast<std::uint64_t>(*v);
    char buf[96];
    std::snprintf(buf, sizeof buf, "expected a whole number in [%.0f, %.0f], found ", min, max);
    diags.error(node, path, buf + found(node));
    return std::nullopt;
}

std::optional<std::string> text(const YAML::Node& node, const std::string& path,
                                Diagnostics& diags) {
    if (node.IsScalar() && !node.Scalar().empty()) return node.Scalar();
    diags.error(node, path, "expected text, found " + found(node));
    return std::nullopt;
}

std::optional<Date> date(const YAML::Node& node, const std::string& path, Diagnostics& diags) {
    if (node.IsScalar())
        if (auto d = parse_date(node.Scalar())) return d;
    diags.error(node, path, "expected a date YYYY-MM-DD, found " + found(node));
    return std::nullopt;
}

std::optional<std::size_t> choice(const YAML::Node& node, const std::string& path,
                                  std::span<const std::string_view> choices, Diagnostics& diags) {
    if (node.IsScalar()) {
        const auto it = std::find(choices.begin(), choices.end(), node.Scalar());
        if (it != choices.end()) return static_cast<std::size_t>(it - choices.begin());
    }
    std::string msg = "expected one of";
    for (const auto& c : choices) msg.append(" ").append(c);
    msg += ", found " + found(node);
    if (node.IsScalar())
        if (auto s = did_you_mean(node.Scalar(), {choices.begin(), choices.end()}); !s.empty())
            msg += " (did you mean '" + s + "'?)";
    diags.error(node, path, msg);
    return std::nullopt;
}

const ParamSpec* parameter(const YAML::Node& key_node, const std::string& key,
                           const std::string& path, Diagnostics& diags) {
    if (const ParamSpec* spec = find_parameter(key)) return spec;
    diags.error(key_node, path, unknown("parameter", key, parameter_keys()));
    return nullptr;
}

std::optional<double> parameter_value(const ParamSpec& spec, const YAML::Node& node,
                                      const std::string& path, Diagnostics& diags) {
    if (!node.IsScalar()) {
        diags.error(node, path, "expected a single value, found " + found(node));
        return std::nullopt;
    }
    const std::string& written = node.Scalar();
    std::optional<double> v;
    switch (spec.kind) {
        case ParamKind::Choice: {
            const std::vector<std::string_view> names(spec.choices.begin(), spec.choices.end());
            const auto k = choice(node, path, names, diags);
            return k ? std::optional<double>(static_cast<double>(*k)) : std::nullopt;
        }
        case ParamKind::Flag:
            if (written == "true") v = 1.0;
            if (written == "false") v = 0.0;
            break;
        default:
            v = to_number(written);
            break;
    }
    const std::string problem = v ? spec.check(*v) : spec.check(std::nan(""));
    if (!v || !problem.empty()) {
        diags.error(node, path,
                    (problem.empty() ? std::string("invalid value") : problem) + ", found '" +
                        written + "'");
        return std::nullopt;
    }
    return v;
}

fs::path beside(const fs::path& file, const std::string& name) {
    const fs::path p(name);
    return p.is_absolute() ? p : file.parent_path() / p;
}

}  // namespace hubsim::input
