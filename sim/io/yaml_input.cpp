#include "yaml_input.hpp"

#include <yaml-cpp/eventhandler.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace hubsim::input {

namespace fs = std::filesystem;

namespace {

/// Whether `node` is `tree` or one of its descendants (the same node, not an equal one).
bool holds(const YAML::Node& tree, const YAML::Node& node) {
    if (tree.is(node)) return true;
    if (tree.IsSequence()) {
        for (const auto& item : tree)
            if (holds(item, node)) return true;
    } else if (tree.IsMap()) {
        for (const auto& kv : tree)
            if (holds(kv.first, node) || holds(kv.second, node)) return true;
    }
    return false;
}

}  // namespace

const std::string& Diagnostics::file_of(const YAML::Node& node) const {
    for (const auto& [file, root] : sources_)
        if (holds(root, node)) return file;
    return file_;
}

void Diagnostics::error(const YAML::Node& node, const std::string& path,
                        const std::string& message) {
    const YAML::Mark m = node.IsDefined() ? node.Mark() : YAML::Mark::null_mark();
    if (m.line < 0)
        list_.push_back({kCommandLine, 0, 0, path, message + " (from --set)"});
    else
        list_.push_back({file_of(node), m.line + 1, m.column + 1, path, message});
}

void Diagnostics::error_at(std::string file, int line, int column, std::string path,
                           std::string message) {
    list_.push_back({std::move(file), line, column, std::move(path), std::move(message)});
}

void Diagnostics::add(const InputError& e) {
    list_.insert(list_.end(), e.diagnostics().begin(), e.diagnostics().end());
}

void Diagnostics::warn(const YAML::Node& node, const std::string& path,
                       const std::string& message) {
    const YAML::Mark m = node.IsDefined() ? node.Mark() : YAML::Mark::null_mark();
    Diagnostic d{m.line < 0 ? kCommandLine : file_of(node), m.line < 0 ? 0 : m.line + 1,
                 m.line < 0 ? 0 : m.column + 1, path, message};
    d.warning = true;
    warnings_.push_back(std::move(d));
}

void Diagnostics::throw_if_any() {
    if (list_.empty()) return;
    list_.insert(list_.end(), warnings_.begin(), warnings_.end());
    throw InputError(std::move(list_));
}

std::optional<std::size_t> first_invalid_utf8(std::string_view text) {
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t n = text.size();
    for (std::size_t i = 0; i < n;) {
        const unsigned c = s[i];
        std::size_t len = 0;
        unsigned min = 0;
        if (c < 0x80) {
            ++i;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            len = 2, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4, min = 0x10000;
        } else {
            return i;
        }
        if (i + len > n) return i;
        unsigned cp = c & (0xFFu >> (len + 1));
        for (std::size_t k = 1; k < len; ++k) {
            if ((s[i + k] & 0xC0) != 0x80) return i;
            cp = (cp << 6) | (s[i + k] & 0x3Fu);
        }
        // Overlong forms, UTF-16 surrogates and values past U+10FFFF are not UTF-8.
        if (cp < min || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) return i;
        i += len;
    }
    return std::nullopt;
}

std::pair<int, int> line_and_column(std::string_view text, std::size_t offset) {
    int line = 1;
    std::size_t start = 0;
    for (std::size_t i = 0; i < offset && i < text.size(); ++i)
        if (text[i] == '\n') ++line, start = i + 1;
    return {line, static_cast<int>(offset - start) + 1};
}

std::string read_text(const fs::path& path, std::string_view what, std::uintmax_t max_bytes) {
    const std::string file = path.string();
    const auto fail = [&](std::string message) {
        return InputError({{file, 0, 0, "", std::move(message)}});
    };
    std::error_code ec;
    const fs::file_status st = fs::status(path, ec);
    if (ec) throw fail("cannot open the " + std::string(what) + ": " + ec.message());
    if (fs::is_directory(st)) throw fail("is a folder, not a " + std::string(what));
    if (!fs::is_regular_file(st))
        throw fail("is not a regular file (a device or a pipe?), not a " + std::string(what));
    const std::uintmax_t size = fs::file_size(path, ec);
    if (!ec && size > max_bytes)
        throw fail("is " + std::to_string(size >> 20) + " MiB; a " + std::string(what) +
                   " may be at most " + std::to_string(max_bytes >> 20) +
                   " MiB (long lists belong in a CSV file)");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw fail("cannot open the " + std::string(what) + ": " + std::strerror(errno));
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    const auto control = std::find_if(text.begin(), text.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return (u < 0x20 && c != '\n' && c != '\r' && c != '\t') || u == 0x7F;
    });
    if (control != text.end()) {
        const auto offset = static_cast<std::size_t>(control - text.begin());
        const auto [line, column] = line_and_column(text, offset);
        char code[8];
        std::snprintf(code, sizeof code, "0x%02X", static_cast<unsigned char>(*control));
        throw InputError({{file, line, column, "",
                           std::string("a control character (byte ") + code +
                               ") in the text: not a text file, or damaged"}});
    }
    if (auto bad = first_invalid_utf8(text)) {
        const auto [line, column] = line_and_column(text, *bad);
        throw InputError(
            {{file, line, column, "",
              "not UTF-8 text (byte " + std::to_string(*bad + 1) + "): save the file as UTF-8"}});
    }
    return text;
}

std::string found(const YAML::Node& node) {
    if (!node.IsDefined() || node.IsNull()) return "nothing";
    // A long value is cut, so that a message stays one readable line.
    constexpr std::size_t kShown = 60;
    if (node.IsScalar() && node.Scalar().size() > kShown) {
        const std::string& v = node.Scalar();
        std::size_t cut = kShown;  // not inside a UTF-8 character
        while (cut > 0 && (static_cast<unsigned char>(v[cut]) & 0xC0) == 0x80) --cut;
        return "'" + v.substr(0, cut) + "...' (" + std::to_string(v.size()) + " characters)";
    }
    if (node.IsScalar()) return "'" + node.Scalar() + "'";
    if (node.IsSequence()) return "a list";
    return "a mapping";
}

namespace {

// Bounds on what one file may expand to: far above any real scenario, far below what would
// exhaust memory (an alias "bomb" shares nodes, so its few lines can name 10^9 values).
constexpr std::size_t kMaxNodes = 2'000'000;
constexpr int kMaxDepth = 64;

/// The byte offset of (line, column), both 0-based as yaml-cpp counts them.
std::size_t offset_of(std::string_view text, int line, int column) {
    std::size_t at = 0;
    for (int l = 0; l < line && at < text.size(); ++l) {
        const std::size_t nl = text.find('\n', at);
        if (nl == std::string_view::npos) return text.size();
        at = nl + 1;
    }
    return std::min(text.size(), at + static_cast<std::size_t>(std::max(column, 0)));
}

/// True if the quoted scalar opening at `open` is closed (yaml-cpp accepts one that runs to
/// the end of the file, swallowing every key after it).
bool quote_closed(std::string_view text, std::size_t open) {
    const char q = text[open];
    for (std::size_t i = open + 1; i < text.size(); ++i) {
        if (q == '"' && text[i] == '\\') {
            ++i;
        } else if (text[i] == q) {
            if (q == '\'' && i + 1 < text.size() && text[i + 1] == '\'') {
                ++i;
                continue;
            }
            return true;
        }
    }
    return false;
}

/// Checks what yaml-cpp lets through: keys given twice at any level, unclosed quotes, and
/// trees too deep or too large to be a scenario.
class TreeCheck {
  public:
    TreeCheck(std::string_view text, const std::string& file) : text_(text), file_(file) {}

    /// `path` is the node's key ("demand.p", "hubs[0].name") for messages.
    void walk(const YAML::Node& node, const std::string& path, int depth) {
        // An expansion is reported where it starts: the mapping key above its lists.
        if (++nodes_ > kMaxNodes)
            fail(node, path.substr(0, path.find('[')),
                 "the file expands to more than " + std::to_string(kMaxNodes) +
                     " values (anchors and aliases repeating each other?)");
        if (depth > kMaxDepth)
            fail(node, path, "nested more than " + std::to_string(kMaxDepth) + " levels deep");
        if (node.IsScalar()) return check_quote(node, path);
        if (node.IsSequence()) {
            std::size_t i = 0;
            for (const auto& item : node)
                walk(item, path + "[" + std::to_string(i++) + "]", depth + 1);
        } else if (node.IsMap()) {
            std::vector<std::string> seen;
            for (const auto& kv : node) {
                if (!kv.first.IsScalar()) {
                    problems_.push_back(
                        at(kv.first, path, "a key must be text, found " + found(kv.first)));
                    continue;
                }
                const std::string key = kv.first.Scalar();
                const std::string at_key = path.empty() ? key : path + "." + key;
                check_quote(kv.first, at_key);
                if (!key.empty() && std::find(seen.begin(), seen.end(), key) != seen.end())
                    problems_.push_back(
                        at(kv.first, at_key, "key '" + key + "' appears more than once"));
                seen.push_back(key);
                walk(kv.second, at_key, depth + 1);
            }
        }
    }
    std::vector<Diagnostic>& problems() { return problems_; }

  private:
    Diagnostic at(const YAML::Node& node, std::string key, std::string message) const {
        const YAML::Mark m = node.Mark();
        return {file_, m.line + 1, m.column + 1, std::move(key), std::move(message)};
    }
    [[noreturn]] void fail(const YAML::Node& node, std::string path, std::string message) {
        problems_.push_back(at(node, std::move(path), std::move(message)));
        throw InputError(std::move(problems_));
    }
    void check_quote(const YAML::Node& node, const std::string& path) {
        if (node.Tag() != "!" || node.Mark().line < 0) return;  // plain scalars are "?"
        const std::size_t open = offset_of(text_, node.Mark().line, node.Mark().column);
        if (open < text_.size() && (text_[open] == '"' || text_[open] == '\'') &&
            !quote_closed(text_, open))
            fail(node, path,
                 std::string("this quote (") + text_[open] +
                     ") is never closed: everything after it was read as its text");
    }

    std::string_view text_;
    const std::string& file_;
    std::size_t nodes_ = 0;
    std::vector<Diagnostic> problems_;
};

}  // namespace

/// The innermost flow list or mapping still open at `until` (yaml-cpp notices one that is
/// never closed only lines later, where it gives up).
std::optional<std::size_t> open_flow(std::string_view text, std::size_t until) {
    std::vector<std::size_t> open;
    char quote = 0;
    for (std::size_t i = 0; i < std::min(until, text.size()); ++i) {
        const char c = text[i];
        if (quote) {
            if (c == '\\' && quote == '"')
                ++i;
            else if (c == quote)
                quote = 0;
        } else if (c == '#' && (i == 0 || text[i - 1] == ' ' || text[i - 1] == '\n')) {
            while (i + 1 < text.size() && text[i + 1] != '\n') ++i;
        } else if ((c == '"' || c == '\'') && !open.empty()) {
            quote = c;
        } else if (c == '[' || c == '{') {
            open.push_back(i);
        } else if ((c == ']' || c == '}') && !open.empty()) {
            open.pop_back();
        }
    }
    if (open.empty()) return std::nullopt;
    return open.back();
}

/// The line (0-based) of the first `---` after `first_content_line`: where a second
/// document starts; -1 if there is none.
int document_marker_line(std::string_view text, int first_content_line) {
    int line = 0;
    for (std::size_t at = 0; at < text.size(); ++line) {
        if (line > first_content_line && text.substr(at, 3) == "---") return line;
        at = std::min(text.find('\n', at), text.size()) + 1;
    }
    return -1;
}

/// The offset of the first character that is not blank, a comment or a document marker.
std::optional<std::size_t> first_content(std::string_view text) {
    for (std::size_t at = 0; at < text.size();) {
        const std::size_t end = std::min(text.find('\n', at), text.size());
        const std::string_view line = text.substr(at, end - at);
        const std::size_t c = line.find_first_not_of(" \t\r");
        if (c != std::string_view::npos && line[c] != '#' && line.substr(c, 3) != "---" &&
            line.substr(c, 3) != "...")
            return at + c;
        at = end + 1;
    }
    return std::nullopt;
}

/// Where a second document starts, if the text has one. Events only, and at most two
/// documents read: yaml-cpp's LoadAll never ends on some inputs (", a" yields empty
/// documents for ever), so it is not used.
std::optional<YAML::Mark> second_document(const std::string& text) {
    struct Starts final : YAML::EventHandler {
        std::optional<YAML::Mark> start;
        void OnDocumentStart(const YAML::Mark& m) override { start = m; }
        void OnDocumentEnd() override {}
        void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
        void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
        void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                      const std::string&) override {}
        void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                             YAML::EmitterStyle::value) override {}
        void OnSequenceEnd() override {}
        void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                        YAML::EmitterStyle::value) override {}
        void OnMapEnd() override {}
    } first, second;
    std::istringstream in(text);
    YAML::Parser parser(in);
    if (!parser.HandleNextDocument(first) || !parser.HandleNextDocument(second)) return {};
    return second.start.value_or(YAML::Mark());
}

YAML::Node parse_mapping(const std::string& text, const std::string& file, std::string_view what) {
    YAML::Node root;
    std::optional<YAML::Mark> second;
    try {
        root = YAML::Load(text);
        second = second_document(text);
    } catch (const YAML::ParserException& e) {
        if (e.msg.find("flow not found") != std::string::npos)
            if (auto at = open_flow(text, offset_of(text, e.mark.line, e.mark.column))) {
                const auto [line, column] = line_and_column(text, *at);
                throw InputError({{file, line, column, "",
                                   std::string("not valid YAML: this ") +
                                       (text[*at] == '[' ? "list ('[')" : "mapping ('{')") +
                                       " is never closed"}});
            }
        throw InputError(
            {{file, e.mark.line + 1, e.mark.column + 1, "", "not valid YAML: " + e.msg}});
    }
    if (root.IsNull())
        if (auto at = first_content(text);
            at && std::string_view(",]}").find(text[*at]) != std::string_view::npos) {
            // A stray flow indicator, which yaml-cpp reads as an empty document.
            const auto [line, column] = line_and_column(text, *at);
            throw InputError({{file, line, column, "",
                               "not valid YAML: '" + std::string(1, text[*at]) +
                                   "' cannot start a " + std::string(what)}});
        }
    if (!root.IsMap())
        throw InputError(
            {{file, 1, 1, "",
              "expected a mapping of " + std::string(what) + " keys, found " +
                  // Never the text itself: a file named by mistake (a CSV, or worse) is
                  // not quoted back.
                  (root.IsScalar() ? std::string("text that is not one (is it a YAML file?)")
                                   : found(root))}});
    if (second) {
        const int marker = document_marker_line(text, std::max(root.Mark().line, 0));
        throw InputError(
            {{file, marker >= 0 ? marker + 1 : std::max(second->line, 0) + 1, 1, "",
              "a second YAML document ('---'): a " + std::string(what) + " is one document"}});
    }
    TreeCheck check(text, file);
    check.walk(root, "", 0);
    if (!check.problems().empty()) throw InputError(std::move(check.problems()));
    return root;
}

YamlFile load_yaml(const fs::path& path, std::string_view what) {
    YamlFile f{path, read_text(path, what, kMaxYamlBytes), {}};
    f.root = parse_mapping(f.text, path.string(), what);
    return f;
}

bool has_keys(const fs::path& path, std::span<const std::string_view> keys) {
    try {
        // Bounded as every YAML read is: a huge or odd file is then reported by the reader.
        const YAML::Node root = YAML::Load(read_text(path, "YAML file", kMaxYamlBytes));
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
    for (const auto& kv : map) {  // keys given twice were refused by parse_mapping
        const std::string key = kv.first.Scalar();
        const std::string where = path.empty() ? key : path + "." + key;
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

std::optional<std::string> text(const YAML::Node& node, const std::string& path, Diagnostics& diags,
                                bool may_be_empty) {
    if (node.IsScalar() && (may_be_empty || !node.Scalar().empty())) return node.Scalar();
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

std::optional<std::string> output_name(const YAML::Node& node, const std::string& path,
                                       Diagnostics& diags) {
    auto t = text(node, path, diags);
    if (!t) return t;
    const bool plain = !t->empty() && t->size() <= 100 && t->front() != '.' &&
                       std::none_of(t->begin(), t->end(), [](char c) {
                           return c == '/' || c == '\\' || static_cast<unsigned char>(c) < 0x20;
                       });
    if (plain) return t;
    diags.error(node, path,
                "expected a plain name (it names the output file: no '/', no leading '.', at "
                "most 100 characters), found '" +
                    *t + "'");
    return std::nullopt;
}

LoadedScenario base_scenario(const YAML::Node& root, const std::filesystem::path& file,
                             Diagnostics& diags, const std::vector<std::string>& overrides) {
    const YAML::Node scenario = root["scenario"];
    if (!scenario || !scenario.IsScalar()) {
        diags.error(scenario.IsDefined() ? scenario : root, "scenario",
                    "expected the base scenario's file name, found " + found(scenario));
        diags.throw_if_any();
    }
    const std::filesystem::path base = beside(file, scenario.Scalar());
    if (!file_named_exists(base, scenario, "scenario", diags)) diags.throw_if_any();
    return load_scenario(base, overrides);
}

void uniform_parameters(const YAML::Node& params, std::vector<const ParamSpec*>& keys,
                        std::vector<double>& low, std::vector<double>& high, Diagnostics& diags) {
    for (const auto& kv : params) {
        const std::string key = kv.first.Scalar();
        const std::string where = "parameters." + key;
        const ParamSpec* spec = parameter(kv.first, key, where, diags);
        if (!spec) continue;
        if (spec->kind == ParamKind::Choice || spec->kind == ParamKind::Flag) {
            diags.error(kv.first, where, "only numeric parameters can take a range");
            continue;
        }
        if (!kv.second.IsMap()) {
            diags.error(kv.second, where,
                        "expected {uniform: [low, high]}, found " + found(kv.second));
            continue;
        }
        check_keys(kv.second, where, {"uniform"}, diags);
        const YAML::Node u = kv.second["uniform"];
        double bounds[2] = {0, 0};
        bool ok = u.IsDefined() && u.IsSequence() && u.size() == 2;
        for (std::size_t i = 0; ok && i < 2; ++i) {
            const auto v = to_number(u[i].IsScalar() ? u[i].Scalar() : "");
            ok = v && spec->check(*v).empty();
            if (ok) bounds[i] = *v;
        }
        if (!ok || !(bounds[0] < bounds[1])) {
            diags.error(u.IsDefined() ? u : kv.second, where + ".uniform",
                        "expected [low, high] with low < high, both valid for " + key);
            continue;
        }
        keys.push_back(spec);
        low.push_back(bounds[0]);
        high.push_back(bounds[1]);
    }
}

void study_replications_and_seed(const YAML::Node& root, const std::vector<std::string>& overrides,
                                 const Scenario& base, std::uint32_t& replications,
                                 std::uint64_t& seed, Diagnostics& diags) {
    const auto given = [&](std::string_view key) {
        return std::any_of(overrides.begin(), overrides.end(), [&](const std::string& s) {
            return s.size() > key.size() && s.compare(0, key.size(), key) == 0 &&
                   s[key.size()] == '=';
        });
    };
    replications = base.replications;
    if (auto r = root["replications"]; r && !given("replications"))
        replications = static_cast<std::uint32_t>(
            whole(r, "replications", 1, 1e5, diags).value_or(replications));
    seed = base.seed;
    if (auto n = root["seed"]; n && !given("seed"))
        seed = whole(n, "seed", 0, 1.8e19, diags).value_or(seed);
}

bool file_named_exists(const fs::path& file, const YAML::Node& node, const std::string& path,
                       Diagnostics& diags) {
    std::error_code ec;
    const fs::file_status st = fs::status(file, ec);
    if (!ec && fs::is_regular_file(st)) return true;
    const std::string shown = "'" + file.string() + "'";
    diags.error(node, path,
                !fs::exists(st)        ? "no such file: " + shown
                : fs::is_directory(st) ? shown + " is a folder, not a file"
                : ec                   ? "cannot read " + shown + ": " + ec.message()
                                       : shown + " is not a regular file");
    return false;
}

fs::path beside(const fs::path& file, const std::string& name) {
    const fs::path p(name);
    return p.is_absolute() ? p : file.parent_path() / p;
}

}  // namespace hubsim::input
