#include "studio.hpp"

#include <spawn.h>
#include <sys/wait.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "assets.hpp"
#include "figures.hpp"
#include "hubsim/engine/calendar.hpp"
#include "hubsim/io/output.hpp"
#include "hubsim/io/scenario_loader.hpp"
#include "hubsim/io/scenario_schema.hpp"
#include "hubsim/model/runner.hpp"

extern char** environ;

namespace hubsim::studio {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr double kDefaultThreshold = 0.75;
constexpr std::uint32_t kDefaultReplications = 100;
constexpr const char* kSessionCookie = "hubsim_session";
constexpr const char* kTokenCookie = "hubsim_token";
/// The name an upload has in messages; its relative file names are taken from the folder.
constexpr const char* kUploadName = "uploaded.yaml";

// ------------------------------------------------------------------- requests and replies

std::string url_decode(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '+') {
            out += ' ';
        } else if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(s[i + 1]) &&
                   std::isxdigit(s[i + 2])) {
            out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

struct Url {
    std::string path;
    std::map<std::string, std::string> query;
};

Url parse_target(std::string_view t) {
    Url out;
    const auto q = t.find('?');
    out.path = url_decode(t.substr(0, q));
    if (q == std::string_view::npos) return out;
    std::string_view rest = t.substr(q + 1);
    while (!rest.empty()) {
        const auto amp = rest.find('&');
        const std::string_view kv = rest.substr(0, amp);
        const auto eq = kv.find('=');
        out.query[url_decode(kv.substr(0, eq))] =
            eq == std::string_view::npos ? "" : url_decode(kv.substr(eq + 1));
        if (amp == std::string_view::npos) break;
        rest = rest.substr(amp + 1);
    }
    return out;
}

std::string cookie(const Request& req, std::string_view name) {
    const auto it = req.find(http::field::cookie);
    if (it == req.end()) return "";
    const std::string all(it->value());
    std::size_t pos = 0;
    while (pos < all.size()) {
        while (pos < all.size() && all[pos] == ' ') ++pos;
        const auto semi = all.find(';', pos);
        const std::string kv = all.substr(pos, semi - pos);
        const auto eq = kv.find('=');
        if (eq != std::string::npos && kv.substr(0, eq) == name) return kv.substr(eq + 1);
        if (semi == std::string::npos) break;
        pos = semi + 1;
    }
    return "";
}

Response reply(http::status status, const json& body) {
    // Invalid UTF-8 (in an upload's text quoted back) is replaced, never a failure.
    return json_response(status, body.dump(-1, ' ', false, json::error_handler_t::replace));
}

Response error(http::status status, const std::string& message) {
    return reply(status, {{"error", message}});
}

std::string random_hex(std::size_t bytes) {
    static thread_local std::random_device device;
    std::string out;
    static const char* digits = "0123456789abcdef";
    for (std::size_t i = 0; i < bytes; ++i) {
        const unsigned v = device() & 0xffu;
        out += digits[v >> 4];
        out += digits[v & 15];
    }
    return out;
}

/// Compares in time independent of where the strings differ.
bool same_secret(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    unsigned char d = 0;
    for (std::size_t i = 0; i < a.size(); ++i) d |= static_cast<unsigned char>(a[i] ^ b[i]);
    return d == 0;
}

bool inside(const fs::path& root, const fs::path& p) {
    const auto [r, _] = std::mismatch(root.begin(), root.end(), p.begin(), p.end());
    return r == root.end();
}

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

// --------------------------------------------------------------------------- scenarios

struct ShippedScenario {
    std::string name;  ///< its path inside the folder, with '/'
    fs::path path;
    LoadedScenario loaded;
};

/// Every YAML file in the folder (and below it) that loads as a scenario, by name.
std::vector<ShippedScenario> find_scenarios(const fs::path& root) {
    std::vector<ShippedScenario> out;
    for (const auto& e : fs::recursive_directory_iterator(root)) {
        if (!e.is_regular_file() || e.path().extension() != ".yaml") continue;
        try {
            out.push_back(
                {fs::relative(e.path(), root).generic_string(), e.path(), load_scenario(e.path())});
        } catch (const std::exception&) {
            // a sweep, a study, a calibration or a broken file: not offered
        }
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    return out;
}

/// The first comment paragraph of a scenario (its description, when it has none).
std::string describe(const LoadedScenario& ls) {
    std::istringstream in(ls.source_text);
    std::string line, text;
    while (std::getline(in, line)) {
        if (line.rfind("# yaml-language-server", 0) == 0) continue;
        if (line.rfind("#", 0) != 0) break;
        const std::string words = line.size() > 2 ? line.substr(2) : "";
        if (words.empty()) break;
        text += (text.empty() ? "" : " ") + words;
    }
    return text;
}

json scenario_summary(const ShippedScenario& s) {
    const Scenario& sc = s.loaded.scenario;
    json targets = json::array();
    for (const auto& t : sc.targets) targets.push_back(t.label());
    return {{"name", s.name},
            {"description", sc.description.empty() ? describe(s.loaded) : sc.description},
            {"hubs", sc.hubs.size()},
            {"schools", sc.schools.size()},
            {"start", format_date(sc.start)},
            {"end", format_date(sc.end)},
            {"seed", sc.seed},
            {"replications", sc.replications},
            {"parameters", sc.posterior.empty() ? "fixed" : "drawn"},
            {"targets", targets}};
}

/// A parameter's value as a scenario writes it: a choice by its name, a flag as true/false.
json parameter_value(const ParamSpec& s, const Parameters& p) {
    const double v = s.get(p);
    if (s.kind == ParamKind::Choice) return s.choices.at(static_cast<std::size_t>(v));
    if (s.kind == ParamKind::Flag) return v != 0;
    return v;
}

/// The keys of the levers a planner owns, in the form's order.
std::vector<std::string> lever_keys() {
    std::vector<std::string> keys;
    for (LlmeRole r : kRoles)
        if (std::string_view(name(r)).ends_with("mastery_specialist"))
            keys.push_back("llme." + std::string(name(r)) + ".training_places");
    for (const char* k : {"policy.place_sharing", "policy.priority", "policy.order",
                          "policy.new_share", "budget.annual", "capacity.factor"})
        keys.emplace_back(k);
    return keys;
}

/// The levers, with the values the scenario gives them. The page takes each one's type and
/// range from the schema (GET /api/schema); they are repeated here for other callers.
json levers(const Scenario& sc) {
    json out = json::array();
    for (const auto& k : lever_keys()) {
        const ParamSpec* s = find_parameter(k);
        if (!s) continue;
        json l = {{"key", k},
                  {"label", s->help},
                  {"unit", s->unit},
                  {"help", s->help},
                  {"value", parameter_value(*s, sc.params)}};
        switch (s->kind) {
            case ParamKind::Choice:
                l["kind"] = "choice";
                l["choices"] = s->choices;
                break;
            case ParamKind::Flag:
                l["kind"] = "flag";
                break;
            default:
                l["kind"] = s->kind == ParamKind::Count         ? "whole"
                            : s->kind == ParamKind::Probability ? "probability"
                                                                : "number";
                l["min"] = s->min;
                if (s->max < 1e299) l["max"] = s->max;
                if (s->kind == ParamKind::Count) l["step"] = 1;
        }
        // Whether a timeline event (changes.events, changes.from) may change it.
        l["yearly"] = s->use == ParamUse::Yearly;
        out.push_back(l);
    }
    return out;
}

/// GET /api/levers: a scenario's levers, every declared parameter's value (for the page's
/// other parameters), its hubs and dates, its seed and replications.
json levers_reply(const Scenario& sc) {
    json values = json::object();
    for (const auto& s : parameter_specs()) values[s.key] = parameter_value(s, sc.params);
    json hubs = json::array();
    for (const auto& h : sc.hubs)
        hubs.push_back({{"name", h.name},
                        {"opens", format_date(h.opens)},
                        {"capacity_factor", h.capacity_factor}});
    // What changes.hubs takes for each hub, with the loader's ranges.
    const json hub_levers =
        json::array({{{"key", "capacity_factor"},
                      {"kind", "number"},
                      {"min", 0},
                      {"max", 100},
                      {"help", "multiplier on this hub's leader days (1: as the scenario has it)"}},
                     {{"key", "opens"},
                      {"kind", "date"},
                      {"max", format_date(sc.end)},
                      {"help", "the date the hub opens"}}});
    return {{"name", sc.name},
            {"levers", levers(sc)},
            {"parameters", values},
            {"hubs", hubs},
            {"hub_levers", hub_levers},
            {"start", format_date(sc.start)},
            {"end", format_date(sc.end)},
            {"seed", sc.seed},
            {"replications", sc.replications}};
}

// ------------------------------------------------------------------------------- runs

enum class RunState { Queued, Running, Done, Cancelled, Failed };

std::string_view state_name(RunState s) {
    constexpr std::string_view names[] = {"queued", "running", "done", "cancelled", "failed"};
    return names[static_cast<int>(s)];
}

struct Run {
    std::string id, session, label, yaml;
    LoadedScenario loaded;
    std::uint32_t total = 0;
    std::atomic<bool> cancel{false};

    mutable std::mutex m;  // guards what follows
    RunState state = RunState::Queued;
    std::string error;
    Results results;
    fs::path h5, report;  ///< written on first download
    /// The figures last computed, of `figures_done` replications at `figures_threshold`:
    /// a page polls far more often than a batch ends.
    json figures;
    std::size_t figures_done = 0;
    double figures_threshold = 0;
};

/// A bad what-if: the message, and the loader's diagnostics when it has them.
struct BadWhatIf {
    std::string message;
    json diagnostics = json::array();
};

json diagnostics_json(const std::vector<Diagnostic>& list, const fs::path& root) {
    json out = json::array();
    for (const auto& d : list) {
        // Files are named by their place in the folder, never by a machine path.
        std::string file = d.file;
        std::error_code ec;
        if (fs::path(file).is_absolute()) {
            const auto rel = fs::relative(file, root, ec);
            file = ec || rel.empty() ? fs::path(file).filename().string() : rel.generic_string();
        }
        out.push_back({{"file", file},
                       {"line", d.line},
                       {"column", d.column},
                       {"key", d.path},
                       {"message", d.message}});
    }
    return out;
}

bool valid_date(const std::string& s) {
    static const std::regex date(R"(\d{4}-\d{2}-\d{2})");
    return std::regex_match(s, date) && parse_date(s).has_value();
}

}  // namespace

struct Studio::Impl {
    StudioOptions opt;
    fs::path root;  ///< the scenarios folder, canonical
    std::vector<ShippedScenario> scenarios;

    /// Uploaded scenarios by id, kept while the server runs (the last opt.max_uploads),
    /// so that a what-if's address can name one.
    std::map<std::string, std::string> uploads;
    std::deque<std::string> upload_order;

    mutable std::mutex m;  // guards the uploads, the runs and the queue
    std::condition_variable wake;
    std::map<std::string, std::shared_ptr<Run>> runs;
    std::deque<std::shared_ptr<Run>> queue;
    bool stopping = false;
    std::thread runner;

    explicit Impl(StudioOptions o) : opt(std::move(o)) {
        root = fs::canonical(opt.scenarios);
        scenarios = find_scenarios(root);
        fs::create_directories(opt.work);
        runner = std::thread([this] { run_loop(); });
    }

    ~Impl() {
        {
            std::lock_guard lock(m);
            stopping = true;
            for (auto& r : queue) r->cancel = true;
            for (auto& [id, r] : runs) r->cancel = true;
        }
        wake.notify_all();
        runner.join();
    }

    const ShippedScenario* shipped(const std::string& name) const {
        for (const auto& s : scenarios)
            if (s.name == name) return &s;
        return nullptr;
    }

    // ------------------------------------------------------------ what-ifs to scenarios

    /// Where a what-if's changes go: the scenario's text and the file it is read as (to
    /// find the hubs a hub change edits), and its name in messages.
    struct Target {
        std::string name, text;
        fs::path path;
    };

    /// The YAML of a what-if built on a shipped scenario: a variant naming it as its base.
    std::string compose(const ShippedScenario& base, const json& w) const {
        return "# A what-if of " + base.name + ", made in the hubsim studio\n" +
               "base: " + json(base.name).dump() + "\n" +
               changes_yaml({base.name, base.loaded.source_text, base.path}, w, true);
    }

    /// The YAML of a what-if built on an upload: its text with the changes laid over it as
    /// the loader lays a variant over its base (an upload is in no file a variant could
    /// name). Its own seed and replications hold unless the what-if gives them.
    std::string compose_onto(const std::string& text, const json& w) const {
        const std::string changes =
            changes_yaml({"the upload", text, root / kUploadName}, w, false);
        if (changes.empty()) return text;  // empty changes: as written
        return "# A what-if of an uploaded scenario, made in the hubsim studio\n" +
               overlay_variant_text(text, changes, root / kUploadName);
    }

    /// A what-if's keys as YAML lines: name, seed, replications (always, on a shipped
    /// scenario: the studio's default where not given), set, timeline and hubs.
    std::string changes_yaml(const Target& target, const json& w, bool replications) const {
        std::string y;
        if (w.contains("label") && w["label"].is_string())
            y += "name: " + json(w["label"].get<std::string>()).dump() + "\n";
        if (w.contains("seed")) {
            if (!w["seed"].is_number_unsigned())
                throw BadWhatIf{"seed: expected a whole number >= 0"};
            y += "seed: " + w["seed"].dump() + "\n";
        }
        if (replications || w.contains("replications"))
            y += "replications: " + std::to_string(replications_of(w)) + "\n";
        if (!w.contains("changes")) return y;
        const json& c = w["changes"];
        if (!c.is_object()) throw BadWhatIf{"changes: expected an object"};
        const json set =
            c.contains("set") ? parameter_values(c["set"], "changes.set") : json::object();
        const bool from = c.contains("from") && !c["from"].is_null();
        if (!set.empty() && !from) y += "set: " + set.dump() + "\n";
        std::string timeline;
        if (!set.empty() && from)
            timeline += "  - {date: " + date_of(c["from"], "changes.from") +
                        ", set: " + set.dump() + ", note: \"the what-if's changes\"}\n";
        if (c.contains("events")) timeline += events_yaml(c["events"]);
        if (!timeline.empty()) y += "timeline:\n" + timeline;
        if (c.contains("hubs") && c["hubs"].is_object() && !c["hubs"].empty()) {
            const json overrides = hub_overrides(c["hubs"]);
            if (!overrides.empty()) y += hub_changes(target, overrides);
        }
        return y;
    }

    /// changes.events as the timeline's lines.
    static std::string events_yaml(const json& events) {
        if (!events.is_array()) throw BadWhatIf{"changes.events: expected a list"};
        std::string timeline;
        for (std::size_t i = 0; i < events.size(); ++i) {
            const json& e = events[i];
            const std::string at = "changes.events[" + std::to_string(i) + "]";
            if (!e.is_object() || !e.contains("set"))
                throw BadWhatIf{at + ": expected {date, until, set}"};
            timeline += "  - {date: " + date_of(e.value("date", json()), at + ".date");
            if (e.contains("until") && !e["until"].is_null())
                timeline += ", until: " + date_of(e["until"], at + ".until");
            timeline += ", set: " + parameter_values(e["set"], at + ".set").dump() + "}\n";
        }
        return timeline;
    }

    /// changes.hubs checked: {hub: {capacity_factor, opens}}, the hubs with a change.
    static json hub_overrides(const json& hubs) {
        json overrides = json::object();
        for (const auto& [hub, v] : hubs.items()) {
            const std::string at = "changes.hubs." + hub;
            if (!v.is_object()) throw BadWhatIf{at + ": expected an object"};
            json o = json::object();
            if (v.contains("capacity_factor")) {
                if (!v["capacity_factor"].is_number())
                    throw BadWhatIf{at + ".capacity_factor: expected a number"};
                o["capacity_factor"] = v["capacity_factor"];
            }
            if (v.contains("opens")) o["opens"] = date_of(v["opens"], at + ".opens");
            if (!o.empty()) overrides[hub] = o;
        }
        return overrides;
    }

    /// The `hubs:` a scenario's text gives, or, where it gives none, its base's (read only
    /// from the folder; the loader has checked the chain ends).
    YAML::Node hubs_node(const std::string& text, const fs::path& path, int depth = 0) const {
        YAML::Node doc;
        try {
            doc = YAML::Load(text);
        } catch (const YAML::Exception&) {
            return {};
        }
        if (!doc.IsMap()) return {};
        if (doc["hubs"].IsDefined() || !doc["base"].IsScalar() || depth > 8) return doc["hubs"];
        const fs::path name = doc["base"].Scalar();
        std::error_code ec;
        const fs::path base =
            fs::weakly_canonical(name.is_absolute() ? name : path.parent_path() / name, ec);
        if (ec || !inside(root, base) || !fs::is_regular_file(base)) return {};
        return hubs_node(read_file(base), base, depth + 1);
    }

    /// The `hubs:` of a what-if changing some hubs: overrides of hubs that come from a
    /// file; where the scenario lists its hubs, its list with the changes made (a variant's
    /// list replaces its base's).
    std::string hub_changes(const Target& target, const json& overrides) const {
        const YAML::Node hubs = hubs_node(target.text, target.path);
        if (!hubs.IsSequence()) return "hubs: {overrides: " + overrides.dump() + "}\n";
        YAML::Node list = YAML::Clone(hubs);
        std::set<std::string> found;
        for (YAML::Node h : list) {
            const auto name = h.IsMap() && h["name"] ? h["name"].as<std::string>() : "";
            if (!overrides.contains(name)) continue;
            found.insert(name);
            for (const auto& [k, v] : overrides[name].items())
                h[k] = v.is_string() ? v.get<std::string>() : format_number(v.get<double>());
        }
        for (const auto& [name, v] : overrides.items())
            if (!found.count(name))
                throw BadWhatIf{"changes.hubs: " + target.name + " has no hub named '" + name +
                                "'"};
        // In flow style throughout: one line of the what-if, whatever the scenario's style.
        const std::function<void(YAML::Node)> flow = [&](YAML::Node n) {
            n.SetStyle(YAML::EmitterStyle::Flow);
            if (n.IsSequence())
                for (YAML::Node c : n) flow(c);
            if (n.IsMap())
                for (auto kv : n) flow(kv.second);
        };
        flow(list);
        YAML::Emitter out;
        out << list;
        return "hubs: " + std::string(out.c_str()) + "\n";
    }

    /// {parameter key: value} as a scenario's `set:` takes them; the loader checks values.
    static json parameter_values(const json& obj, const std::string& where) {
        if (!obj.is_object()) throw BadWhatIf{where + ": expected an object"};
        json set = json::object();
        for (const auto& [k, v] : obj.items()) {
            if (!find_parameter(k)) throw BadWhatIf{where + ": '" + k + "' is not a parameter"};
            if (!v.is_number() && !v.is_string() && !v.is_boolean())
                throw BadWhatIf{where + "." + k + ": expected a number, a name or true/false"};
            set[k] = v;
        }
        return set;
    }

    static std::string date_of(const json& v, const std::string& where) {
        if (!v.is_string() || !valid_date(v.get<std::string>()))
            throw BadWhatIf{where + ": expected a date YYYY-MM-DD"};
        return v.get<std::string>();
    }

    std::uint32_t replications_of(const json& w) const {
        if (!w.contains("replications")) return kDefaultReplications;
        const json& r = w["replications"];
        if (!r.is_number_integer() || r.get<std::int64_t>() < 1 ||
            r.get<std::int64_t>() > opt.max_replications)
            throw BadWhatIf{"replications: expected a whole number from 1 to " +
                            std::to_string(opt.max_replications)};
        return r.get<std::uint32_t>();
    }

    /// The files an upload names must all lie in the folder (its `base:` and data).
    void vet_upload(const std::string& text) const {
        std::vector<fs::path> named;
        try {
            named = named_files(text, root / kUploadName);
        } catch (const InputError& e) {
            throw BadWhatIf{"the upload is not a scenario",
                            diagnostics_json(e.diagnostics(), root)};
        }
        for (const auto& p : named) {
            std::error_code ec;
            const fs::path real = fs::weakly_canonical(p, ec);
            if (p.empty() || ec || !inside(root, real))
                throw BadWhatIf{
                    "the upload names a file outside the studio's scenarios folder (a base: or "
                    "a data file): only files in that folder can be read"};
        }
    }

    /// Loads a what-if: {scenario: NAME | yaml: TEXT | upload: ID, changes, replications,
    /// seed, label}.
    std::pair<std::string, LoadedScenario> load(const json& w) const {
        if (!w.is_object()) throw BadWhatIf{"expected a JSON object"};
        const std::string text = what_if_text(w);
        try {
            LoadedScenario ls = load_scenario_text(text, root / kUploadName);
            if (ls.scenario.replications > opt.max_replications)
                throw BadWhatIf{"replications: at most " + std::to_string(opt.max_replications) +
                                " in the studio"};
            return {text, std::move(ls)};
        } catch (const InputError& e) {
            throw BadWhatIf{"the scenario has errors", diagnostics_json(e.diagnostics(), root)};
        }
    }

    /// The YAML a what-if runs, every file it names vetted.
    std::string what_if_text(const json& w) const {
        if (w.contains("scenario") + w.contains("yaml") + w.contains("upload") != 1)
            throw BadWhatIf{
                "expected one of 'scenario' (a shipped scenario's name), 'yaml' (a text) and "
                "'upload' (the id of an upload)"};
        if (w.contains("scenario")) {
            if (!w["scenario"].is_string()) throw BadWhatIf{"scenario: expected a name"};
            const auto* base = shipped(w["scenario"].get<std::string>());
            if (!base)
                throw BadWhatIf{"no shipped scenario named '" + w["scenario"].get<std::string>() +
                                "' (GET /api/scenarios lists them)"};
            return compose(*base, w);
        }
        const char* key = w.contains("yaml") ? "yaml" : "upload";
        if (!w[key].is_string())
            throw BadWhatIf{std::string(key) + ": expected " +
                            (w.contains("yaml") ? "a text" : "an id")};
        const std::string text = w.contains("yaml") ? w["yaml"].get<std::string>()
                                                    : upload_text(w["upload"].get<std::string>());
        vet_upload(text);
        // With nothing asked of it, it runs as written, so that its download is it.
        const bool asked = w.contains("changes") || w.contains("seed") ||
                           w.contains("replications") || w.contains("label");
        if (!asked) return text;
        std::string composed;
        try {
            composed = compose_onto(text, w);
        } catch (const InputError& e) {
            throw BadWhatIf{"the upload is not a scenario",
                            diagnostics_json(e.diagnostics(), root)};
        }
        vet_upload(composed);  // the changes name no file, but what runs is what is checked
        return composed;
    }

    bool has_upload(const std::string& id) const {
        std::lock_guard lock(m);
        return uploads.count(id) > 0;
    }

    std::string upload_text(const std::string& id) const {
        std::lock_guard lock(m);
        const auto it = uploads.find(id);
        if (it == uploads.end())
            throw BadWhatIf{"no upload '" + id + "': the studio keeps the last " +
                            std::to_string(opt.max_uploads) +
                            " uploads while it runs (upload the file again)"};
        return it->second;
    }

    /// Keeps a valid upload; returns its id.
    json keep_upload(const json& body) {
        if (!body.is_object() || !body.contains("yaml") || !body["yaml"].is_string())
            throw BadWhatIf{"expected {\"yaml\": TEXT}"};
        const std::string text = body["yaml"].get<std::string>();
        const auto [composed, loaded] = load({{"yaml", text}});
        std::lock_guard lock(m);
        const std::string id = random_hex(12);
        uploads[id] = text;
        upload_order.push_back(id);
        if (upload_order.size() > opt.max_uploads) {
            uploads.erase(upload_order.front());
            upload_order.pop_front();
        }
        return {{"id", id}, {"name", loaded.scenario.name}};
    }

    // ------------------------------------------------------------------------- runner

    void run_loop() {
        for (;;) {
            std::shared_ptr<Run> run;
            {
                std::unique_lock lock(m);
                wake.wait(lock, [&] { return stopping || !queue.empty(); });
                if (stopping) return;
                run = queue.front();
                queue.pop_front();
            }
            execute(*run);
        }
    }

    /// Replications in batches (10, then as many as are done, at most 100), each
    /// extending the last: replication i is the same in any batch, so the figures at the
    /// end equal one run of all of them.
    void execute(Run& run) {
        {
            std::lock_guard lock(run.m);
            if (run.cancel) {
                run.state = RunState::Cancelled;
                return;
            }
            run.state = RunState::Running;
        }
        try {
            std::uint32_t done = 0;
            while (done < run.total && !run.cancel) {
                RunOptions o;
                o.first_replication = done;
                o.replications =
                    std::min(run.total - done, std::clamp<std::uint32_t>(done, 10, 100));
                o.threads = opt.threads;
                Results batch = run_scenario(run.loaded.scenario, o);
                std::lock_guard lock(run.m);
                if (done == 0)
                    run.results = std::move(batch);
                else
                    run.results.append(batch);
                done = static_cast<std::uint32_t>(run.results.replications);
            }
            std::lock_guard lock(run.m);
            run.state = run.cancel ? RunState::Cancelled : RunState::Done;
        } catch (const std::exception& e) {
            std::lock_guard lock(run.m);
            run.state = RunState::Failed;
            run.error = e.what();
        }
    }

    // ----------------------------------------------------------------------- handlers

    std::size_t active_runs(const std::string& session) const {
        std::size_t n = 0;
        for (const auto& [id, r] : runs) {
            std::lock_guard lock(r->m);
            const bool active = r->state == RunState::Queued || r->state == RunState::Running;
            if (active && (session.empty() || r->session == session)) ++n;
        }
        return n;
    }

    /// Drops the session's oldest finished runs beyond what it keeps.
    void forget_old_runs(const std::string& session) {
        std::vector<std::shared_ptr<Run>> mine;
        for (const auto& [id, r] : runs)
            if (r->session == session) mine.push_back(r);
        std::size_t finished = 0;
        for (auto it = mine.rbegin(); it != mine.rend(); ++it) {
            std::unique_lock lock((*it)->m);
            const bool over = (*it)->state != RunState::Queued && (*it)->state != RunState::Running;
            lock.unlock();
            if (over && ++finished > opt.kept_runs_per_client) {
                std::error_code ec;
                fs::remove((*it)->h5, ec);
                fs::remove_all((*it)->report, ec);
                runs.erase((*it)->id);
            }
        }
    }

    Response start_run(const Request& req, const std::string& session) {
        const auto [text, loaded] = load(parse_body(req));
        const json w = parse_body(req);
        auto run = std::make_shared<Run>();
        run->session = session;
        run->yaml = text;
        run->loaded = loaded;
        run->total = loaded.scenario.replications;
        run->label = w.contains("label") && w["label"].is_string() ? w["label"].get<std::string>()
                                                                   : loaded.scenario.name;
        {
            std::lock_guard lock(m);
            if (active_runs(session) >= opt.max_runs_per_client)
                return error(http::status::too_many_requests,
                             "this browser has " + std::to_string(opt.max_runs_per_client) +
                                 " runs waiting or running, the most it may: wait for one, or "
                                 "cancel one");
            if (active_runs("") >= opt.max_runs_total)
                return error(http::status::too_many_requests,
                             "the studio has " + std::to_string(opt.max_runs_total) +
                                 " runs waiting or running, the most it takes: try again soon");
            // Ordered ids: the sequence number first, so a session's runs sort by age.
            static std::atomic<std::uint64_t> sequence{0};
            char prefix[24];
            std::snprintf(prefix, sizeof prefix, "%08llx",
                          static_cast<unsigned long long>(++sequence));
            run->id = prefix + random_hex(8);
            runs[run->id] = run;
            queue.push_back(run);
            forget_old_runs(session);
        }
        wake.notify_all();
        return reply(http::status::accepted,
                     {{"id", run->id}, {"label", run->label}, {"yaml", run->yaml}});
    }

    static json parse_body(const Request& req) {
        try {
            return json::parse(req.body());
        } catch (const json::exception&) {
            throw BadWhatIf{"the request body is not JSON"};
        }
    }

    std::shared_ptr<Run> find_run(const std::string& id, const std::string& session) {
        std::lock_guard lock(m);
        const auto it = runs.find(id);
        if (it == runs.end() || it->second->session != session) return nullptr;
        return it->second;
    }

    static double threshold_of(const Url& t) {
        const auto it = t.query.find("threshold");
        if (it == t.query.end()) return kDefaultThreshold;
        try {
            std::size_t used = 0;
            const double v = std::stod(it->second, &used);
            if (used == it->second.size() && v > 0 && v <= 1) return v;
        } catch (const std::exception&) {
        }
        throw BadWhatIf{"threshold: expected a share above 0 and at most 1"};
    }

    json run_status(Run& r, double threshold) const {
        std::lock_guard lock(r.m);
        json j = {{"id", r.id},
                  {"label", r.label},
                  {"state", state_name(r.state)},
                  {"done", r.results.replications},
                  {"total", r.total}};
        if (!r.error.empty()) j["error"] = r.error;
        if (r.results.replications > 0) {
            if (r.figures_done != r.results.replications || r.figures_threshold != threshold) {
                r.figures = run_figures(r.loaded.scenario, r.results, threshold);
                r.figures_done = r.results.replications;
                r.figures_threshold = threshold;
            }
            j["figures"] = r.figures;
        }
        return j;
    }

    /// The run's output file (its replications so far), written on first request.
    fs::path output_file(Run& r) {
        std::lock_guard lock(r.m);
        if (r.state == RunState::Queued || r.state == RunState::Running)
            throw BadWhatIf{"the run has not finished: download it when it is done or cancelled"};
        if (r.results.replications == 0) throw BadWhatIf{"the run has no replications"};
        if (r.h5.empty()) {
            const fs::path p = opt.work / (r.id + ".h5");
            write_results(p, r.loaded, r.results, Provenance{"hubsim serve", opt.threads});
            r.h5 = p;
        }
        return r.h5;
    }

    fs::path report_page(Run& r) {
        const fs::path h5 = output_file(r);
        std::lock_guard lock(r.m);
        if (r.report.empty()) {
            const fs::path dir = opt.work / (r.id + "-report");
            const std::string python = "/usr/bin/python3", tool = opt.report_tool.string(),
                              in = h5.string(), out = dir.string();
            std::vector<char*> argv = {
                const_cast<char*>(python.c_str()), const_cast<char*>(tool.c_str()),
                const_cast<char*>(in.c_str()),     const_cast<char*>("-o"),
                const_cast<char*>(out.c_str()),    nullptr};
            pid_t pid = 0;
            int status = 0;
            if (::posix_spawn(&pid, python.c_str(), nullptr, nullptr, argv.data(), environ) != 0 ||
                ::waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
                throw std::runtime_error("the report tool failed");
            r.report = dir;
        }
        return r.report / "index.html";
    }

    Response download(const std::string& body, const std::string& type,
                      const std::string& filename) const {
        Response res{http::status::ok, 11};
        res.set(http::field::content_type, type);
        res.set(http::field::content_disposition, "attachment; filename=\"" + filename + "\"");
        res.body() = body;
        res.prepare_payload();
        return res;
    }

    static std::string file_label(const Run& r) {
        std::string s;
        for (char c : r.label) s += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
        return s.empty() ? "whatif" : s.substr(0, 60);
    }

    /// GET /api/levers?scenario=NAME or ?upload=ID.
    Response levers_of(const Url& t) const {
        if (const auto it = t.query.find("upload"); it != t.query.end()) {
            if (!has_upload(it->second))
                return error(http::status::not_found,
                             "no upload '" + it->second + "': the studio keeps the last " +
                                 std::to_string(opt.max_uploads) +
                                 " uploads while it runs (upload the file again)");
            return reply(http::status::ok,
                         levers_reply(load({{"upload", it->second}}).second.scenario));
        }
        const auto it = t.query.find("scenario");
        const auto* s = it == t.query.end() ? nullptr : shipped(it->second);
        if (!s)
            return error(http::status::not_found,
                         "no such shipped scenario (?scenario=NAME or ?upload=ID)");
        return reply(http::status::ok, levers_reply(s->loaded.scenario));
    }

    /// GET /api/schema: what `hubsim schema` prints, byte for byte.
    static const std::string& schema_text() {
        static const std::string text = scenario_schema() + "\n";
        return text;
    }

    Response api(const Request& req, const Url& t, const std::string& session) {
        const auto method = req.method();
        const std::string& p = t.path;
        if (method == http::verb::get && p == "/api/info")
            return reply(http::status::ok, {{"version", "hubsim"},
                                            {"threshold", kDefaultThreshold},
                                            {"limits",
                                             {{"max_body", opt.max_body},
                                              {"max_runs_per_client", opt.max_runs_per_client},
                                              {"max_runs_total", opt.max_runs_total},
                                              {"max_replications", opt.max_replications},
                                              {"max_uploads", opt.max_uploads}}}});
        if (method == http::verb::get && p == "/api/scenarios") {
            json list = json::array();
            for (const auto& s : scenarios) list.push_back(scenario_summary(s));
            return reply(http::status::ok, list);
        }
        if (method == http::verb::get && p.starts_with("/api/scenarios/")) {
            const auto* s = shipped(p.substr(std::string_view("/api/scenarios/").size()));
            if (!s) return error(http::status::not_found, "no such shipped scenario");
            return reply(http::status::ok, {{"name", s->name}, {"text", s->loaded.source_text}});
        }
        if (method == http::verb::get && p == "/api/levers") return levers_of(t);
        if (method == http::verb::get && p == "/api/schema")
            return json_response(http::status::ok, schema_text());
        if (method == http::verb::post && p == "/api/validate") {
            const auto [text, loaded] = load(parse_body(req));
            return reply(http::status::ok, {{"ok", true},
                                            {"yaml", text},
                                            {"summary",
                                             {{"hubs", loaded.scenario.hubs.size()},
                                              {"schools", loaded.scenario.schools.size()},
                                              {"targets", loaded.scenario.targets.size()}}}});
        }
        if (p == "/api/runs" && method == http::verb::post) return start_run(req, session);
        if (p == "/api/uploads" && method == http::verb::post)
            return reply(http::status::created, keep_upload(parse_body(req)));
        if (method == http::verb::get && p.starts_with("/api/uploads/")) {
            const std::string id = p.substr(std::string_view("/api/uploads/").size());
            return reply(http::status::ok, {{"id", id}, {"text", upload_text(id)}});
        }
        if (p == "/api/runs" && method == http::verb::get) {
            json list = json::array();
            std::lock_guard lock(m);
            for (const auto& [id, r] : runs)
                if (r->session == session) {
                    std::lock_guard rl(r->m);
                    list.push_back({{"id", r->id},
                                    {"label", r->label},
                                    {"state", state_name(r->state)},
                                    {"done", r->results.replications},
                                    {"total", r->total}});
                }
            return reply(http::status::ok, list);
        }
        if (p == "/api/compare" && method == http::verb::get) {
            auto a = find_run(t.query.count("a") ? t.query.at("a") : "", session);
            auto b = find_run(t.query.count("b") ? t.query.at("b") : "", session);
            if (!a || !b) return error(http::status::not_found, "no such runs (a=ID&b=ID)");
            std::scoped_lock lock(a->m, b->m);
            if (a->results.replications == 0 || b->results.replications == 0)
                throw BadWhatIf{"both runs need replications to compare"};
            if (a->loaded.scenario.start != b->loaded.scenario.start ||
                a->results.phases != b->results.phases)
                throw BadWhatIf{"the runs start on different dates or model different phases"};
            json c =
                compare_figures(a->loaded.scenario, a->results, b->loaded.scenario, b->results);
            c["a"] = a->id;
            c["b"] = b->id;
            return reply(http::status::ok, c);
        }
        static const std::regex run_path(R"(/api/runs/([0-9a-f]{24})(/[a-z0-9.]+)?)");
        std::smatch mt;
        if (std::regex_match(p, mt, run_path)) {
            auto run = find_run(mt[1], session);
            if (!run)
                return error(http::status::not_found, "no such run in this browser's session");
            const std::string what = mt[2];
            if (what.empty() && method == http::verb::get)
                return reply(http::status::ok, run_status(*run, threshold_of(t)));
            if (what.empty() && method == http::verb::delete_) {
                run->cancel = true;
                std::lock_guard lock(run->m);
                if (run->state == RunState::Queued) run->state = RunState::Cancelled;
                return reply(http::status::ok, {{"id", run->id}, {"state", "cancelled"}});
            }
            if (method == http::verb::get && what == "/scenario.yaml")
                return download(run->loaded.resolved_yaml, "application/yaml",
                                file_label(*run) + ".yaml");
            if (method == http::verb::get && what == "/run.h5")
                return download(read_file(output_file(*run)), "application/x-hdf5",
                                file_label(*run) + ".h5");
            if (method == http::verb::get && what == "/report") {
                Response res{http::status::ok, 11};
                res.set(http::field::content_type, "text/html; charset=utf-8");
                res.body() = read_file(report_page(*run));
                res.prepare_payload();
                return res;
            }
        }
        return error(http::status::not_found,
                     "no such API: " + std::string(req.method_string()) + " " + p);
    }

    bool authorised(const Request& req, const Url& t) const {
        if (opt.token.empty()) return true;
        const auto auth = req.find(http::field::authorization);
        if (auth != req.end() && same_secret(std::string(auth->value()), "Bearer " + opt.token))
            return true;
        if (same_secret(cookie(req, kTokenCookie), opt.token)) return true;
        const auto q = t.query.find("token");
        return q != t.query.end() && same_secret(q->second, opt.token);
    }

    /// Without a token the studio serves this machine only: a page of another site that
    /// makes a browser send requests here by a name that resolves to it (DNS rebinding)
    /// names another host, and is refused.
    bool local_host(const Request& req) const {
        const std::string host(req[http::field::host]);
        const std::string name = host.starts_with("[") ? host.substr(0, host.find(']') + 1)
                                                       : host.substr(0, host.find(':'));
        return name == "127.0.0.1" || name == "localhost" || name == "[::1]";
    }

    Response handle(const Request& req) {
        if (opt.local_only && !local_host(req))
            return error(http::status::forbidden,
                         "this studio serves this machine only (127.0.0.1 or localhost)");
        const Url t = parse_target(std::string_view(req.target().data(), req.target().size()));
        if (!authorised(req, t))
            return error(http::status::unauthorized,
                         "this studio needs its token: open the address it printed (with "
                         "?token=...)");
        std::string session = cookie(req, kSessionCookie);
        const bool new_session =
            session.size() != 32 || !std::all_of(session.begin(), session.end(), [](char c) {
                return std::isxdigit(static_cast<unsigned char>(c));
            });
        if (new_session) session = random_hex(16);
        Response res;
        try {
            if (t.path.starts_with("/api/")) {
                if (req.method() == http::verb::post &&
                    req[http::field::content_type].find("application/json") ==
                        std::string_view::npos)
                    throw BadWhatIf{"send JSON (Content-Type: application/json)"};
                res = api(req, t, session);
            } else {
                res = page(req, t);
            }
        } catch (const BadWhatIf& e) {
            json body = {{"ok", false}, {"error", e.message}};
            if (!e.diagnostics.empty()) body["diagnostics"] = e.diagnostics;
            res = reply(http::status::unprocessable_entity, body);
        }
        if (new_session)
            res.insert(http::field::set_cookie, std::string(kSessionCookie) + "=" + session +
                                                    "; Path=/; HttpOnly; SameSite=Strict");
        if (!opt.token.empty() && t.query.count("token"))
            res.insert(http::field::set_cookie, std::string(kTokenCookie) + "=" + opt.token +
                                                    "; Path=/; HttpOnly; SameSite=Strict");
        res.set("X-Content-Type-Options", "nosniff");
        res.set("X-Frame-Options", "DENY");
        res.set("Content-Security-Policy",
                "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                "script-src 'self'; connect-src 'self'; frame-ancestors 'none'");
        return res;
    }

    Response page(const Request& req, const Url& t) const {
        if (req.method() != http::verb::get && req.method() != http::verb::head)
            return error(http::status::method_not_allowed, "the page is read with GET");
        const std::string name = t.path == "/" ? "index.html" : t.path.substr(1);
        for (const auto& a : assets())
            if (a.name == name) {
                Response res{http::status::ok, 11};
                res.set(http::field::content_type, std::string(a.content_type));
                res.set(http::field::cache_control, "no-cache");
                res.body() = std::string(a.data);
                res.prepare_payload();
                return res;
            }
        return error(http::status::not_found, "no such page");
    }
};

Studio::Studio(StudioOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Studio::~Studio() = default;

Response Studio::handle(const Request& request) {
    return impl_->handle(request);
}

std::size_t Studio::scenario_count() const {
    return impl_->scenarios.size();
}

}  // namespace hubsim::studio
