// A scenario's Maths Hubs and schools: lists, CSV files or generated ones.

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <unordered_map>

#include "hubsim/io/csv.hpp"
#include "hubsim/io/digest.hpp"
#include "scenario_sections.hpp"

namespace hubsim::scenario_io {

namespace {

bool is_sha256(const std::string& s) {
    return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
           });
}

/// `extra_llme: [{role, leaders, from}, ...]`: leaders added to the hub from a date.
void read_extra_llme(const YAML::Node& n, const std::string& path, HubSpec& hub,
                     Diagnostics& diags) {
    if (!n.IsSequence()) {
        diags.error(n, path, "expected a list of {role, leaders, from}, found " + input::found(n));
        return;
    }
    std::vector<std::string> roles;
    for (LlmeRole r : kRoles) roles.emplace_back(name(r));
    for (std::size_t i = 0; i < n.size(); ++i) {
        const YAML::Node& e = n[i];
        const std::string at = path + "[" + std::to_string(i) + "]";
        if (!e.IsMap()) {
            diags.error(e, at,
                        "expected a mapping of role, leaders, from, found " + input::found(e));
            continue;
        }
        input::check_keys(e, at, {"role", "leaders", "from"}, diags);
        ExtraLeaders x;
        bool ok = true;
        if (auto r = e["role"]) {
            if (auto v = input::text(r, at + ".role", diags)) {
                if (auto role = parse_role(*v))
                    x.role = *role;
                else {
                    diags.error(r, at + ".role", input::unknown("role", *v, roles));
                    ok = false;
                }
            }
        } else {
            diags.error(e, at, "missing key 'role'");
            ok = false;
        }
        if (auto c = e["leaders"]) {
            if (auto v = input::whole(c, at + ".leaders", 0, 1e6, diags))
                x.count = static_cast<std::uint32_t>(*v);
        } else {
            diags.error(e, at, "missing key 'leaders'");
            ok = false;
        }
        if (auto d = e["from"]) {
            if (auto v = input::date(d, at + ".from", diags)) x.from = *v;
        } else {
            diags.error(e, at, "missing key 'from'");
            ok = false;
        }
        if (ok) hub.extra_llme.push_back(x);
    }
}

void read_hub_fields(const YAML::Node& node, const std::string& path, HubSpec& hub,
                     Diagnostics& diags) {
    if (auto n = node["extra_llme"]) read_extra_llme(n, path + ".extra_llme", hub, diags);
    if (auto n = node["capacity_factor"])
        if (auto v = input::real(n, path + ".capacity_factor", 0, 100, diags))
            hub.capacity_factor = *v;
    if (auto n = node["initial_llme"]) {
        if (!n.IsMap()) {
            diags.error(n, path + ".initial_llme",
                        "expected a mapping of role: count, found " + input::found(n));
            return;
        }
        std::vector<std::string> roles;
        for (LlmeRole r : kRoles) roles.emplace_back(name(r));
        for (const auto& kv : n) {
            const std::string key = kv.first.Scalar();
            const auto role = parse_role(key);
            if (!role) {
                diags.error(kv.first, path + ".initial_llme." + key,
                            input::unknown("role", key, roles));
                continue;
            }
            if (auto v = input::whole(kv.second, path + ".initial_llme." + key, 0, 1e6, diags))
                hub.initial_llme[index(*role)] = static_cast<double>(*v);
        }
    }
}

void read_hubs_csv(const fs::path& file, std::vector<HubSpec>& hubs, Diagnostics& diags) {
    CsvTable table;
    try {
        table = read_csv(file, {"name", "opens"}, diags.list());
    } catch (const InputError& e) {
        diags.add(e);
        return;
    }
    if (table.rows.empty())
        diags.error_at(file.string(), 1, 1, "", "no hubs: the file has only its header");
    for (std::size_t r = 0; r < table.rows.size(); ++r) {
        HubSpec h;
        h.name = table.get(r, "name");
        h.region = table.has("region") ? table.get(r, "region") : "";
        if (const auto opens = parse_date(table.get(r, "opens")))
            h.opens = *opens;
        else
            diags.error_at(file.string(), table.line(r), table.column("opens"), "opens",
                           "expected a date YYYY-MM-DD, found '" + table.get(r, "opens") + "'");
        if (h.name.empty())
            diags.error_at(file.string(), table.line(r), table.column("name"), "name",
                           "expected a hub name, found nothing");
        else if (std::any_of(hubs.begin(), hubs.end(),
                             [&](const HubSpec& o) { return o.name == h.name; }))
            diags.error_at(file.string(), table.line(r), table.column("name"), "name",
                           "hub name '" + h.name + "' appears more than once");
        hubs.push_back(h);
    }
}

void read_hub_list(const YAML::Node& node, Date start, Scenario& sc, Diagnostics& diags) {
    for (std::size_t i = 0; i < node.size(); ++i) {
        const YAML::Node& h = node[i];
        const std::string path = "hubs[" + std::to_string(i) + "]";
        if (!h.IsMap()) {
            diags.error(h, path,
                        "expected a mapping with name and opens, found " + input::found(h));
            continue;
        }
        input::check_keys(
            h, path, {"name", "region", "opens", "capacity_factor", "initial_llme", "extra_llme"},
            diags);
        HubSpec hub;
        if (auto n = h["name"]) {
            if (auto v = input::text(n, path + ".name", diags)) hub.name = *v;
            if (std::any_of(sc.hubs.begin(), sc.hubs.end(),
                            [&](const HubSpec& o) { return o.name == hub.name; }))
                diags.error(n, path + ".name",
                            "hub name '" + hub.name + "' appears more than once");
        } else {
            diags.error(h, path, "missing key 'name'");
        }
        if (auto n = h["region"])
            if (auto v = input::text(n, path + ".region", diags, true)) hub.region = *v;
        hub.opens = start;
        if (auto n = h["opens"])
            if (auto d = input::date(n, path + ".opens", diags)) hub.opens = *d;
        read_hub_fields(h, path, hub, diags);
        sc.hubs.push_back(hub);
    }
}

void read_hub_overrides(const YAML::Node& o, Scenario& sc, Diagnostics& diags) {
    if (!o.IsMap()) {
        diags.error(o, "hubs.overrides",
                    "expected a mapping of hub name: settings, found " + input::found(o));
        return;
    }
    std::vector<std::string> names;
    for (const auto& h : sc.hubs) names.push_back(h.name);
    for (const auto& kv : o) {
        const std::string hub_name = kv.first.Scalar();
        const std::string path = "hubs.overrides." + hub_name;
        const auto it = std::find_if(sc.hubs.begin(), sc.hubs.end(),
                                     [&](const HubSpec& h) { return h.name == hub_name; });
        if (it == sc.hubs.end()) {
            std::string msg = "no hub named '" + hub_name + "'";
            if (auto s = did_you_mean(hub_name, names); !s.empty())
                msg += " (did you mean '" + s + "'?)";
            diags.error(kv.first, path, msg);
            continue;
        }
        if (!kv.second.IsMap()) {
            diags.error(
                kv.second, path,
                "expected a mapping of opens, capacity_factor, initial_llme, extra_llme, found " +
                    input::found(kv.second));
            continue;
        }
        input::check_keys(kv.second, path,
                          {"opens", "capacity_factor", "initial_llme", "extra_llme"}, diags);
        if (auto n = kv.second["opens"])
            if (auto d = input::date(n, path + ".opens", diags)) it->opens = *d;
        read_hub_fields(kv.second, path, *it, diags);
    }
}

void read_schools_csv(const fs::path& file, Scenario& sc, Diagnostics& diags) {
    CsvTable table;
    try {
        table = read_csv(file, {"urn", "hub", "phase", "pupils", "disadvantage"}, diags.list());
    } catch (const InputError& e) {
        diags.add(e);
        return;
    }
    std::map<std::string, std::uint16_t> hub_index;
    std::vector<std::string> hub_names;
    for (std::size_t h = 0; h < sc.hubs.size(); ++h) {
        hub_index[sc.hubs[h].name] = static_cast<std::uint16_t>(h);
        hub_names.push_back(sc.hubs[h].name);
    }
    const std::string fname = file.string();
    std::size_t reported = 0;
    auto bad = [&](std::size_t r, const char* col, const std::string& msg) {
        if (++reported <= 50) diags.error_at(fname, table.line(r), table.column(col), col, msg);
    };
    // A URN names one school: given twice, one school would be simulated twice.
    if (table.rows.empty())
        diags.error_at(file.string(), 1, 1, "", "no schools: the file has only its header");
    std::unordered_map<std::uint32_t, int> urn_line;
    for (const auto& s : sc.schools) urn_line.emplace(s.urn, 0);
    sc.schools.reserve(sc.schools.size() + table.rows.size());
    for (std::size_t r = 0; r < table.rows.size(); ++r) {
        SchoolProfile s;
        const auto urn = input::to_number(table.get(r, "urn"));
        if (!urn || *urn < 0 || *urn > 4294967295.0 || *urn != std::floor(*urn)) {
            bad(r, "urn", "expected a whole number, found '" + table.get(r, "urn") + "'");
        } else {
            s.urn = static_cast<std::uint32_t>(*urn);
            if (auto [it, fresh] = urn_line.emplace(s.urn, table.line(r)); !fresh)
                bad(r, "urn",
                    "URN " + table.get(r, "urn") + " appears more than once (" +
                        (it->second > 0 ? "first at line " + std::to_string(it->second)
                                        : std::string("in an earlier school source")) +
                        ")");
        }
        const std::string& hub = table.get(r, "hub");
        if (auto it = hub_index.find(hub); it != hub_index.end()) {
            s.hub = it->second;
        } else {
            std::string msg = "no hub named '" + hub + "' in the scenario's hubs";
            if (auto m = did_you_mean(hub, hub_names); !m.empty())
                msg += " (did you mean '" + m + "'?)";
            bad(r, "hub", msg);
        }
        const auto phase = parse_phase(table.get(r, "phase"));
        if (!phase)
            bad(r, "phase",
                "expected primary, secondary or post16, found '" + table.get(r, "phase") + "'");
        else if (!sc.params.of(*phase).modelled())
            bad(r, "phase",
                "phase '" + table.get(r, "phase") + "' has no pipeline in this scenario");
        else
            s.phase = *phase;
        const auto pupils = input::to_number(table.get(r, "pupils"));
        if (!pupils || *pupils < 0 || *pupils != std::floor(*pupils) || *pupils > 1e6)
            bad(r, "pupils",
                "expected a whole number >= 0, found '" + table.get(r, "pupils") + "'");
        else
            s.pupils = static_cast<std::uint32_t>(*pupils);
        const auto dis = input::to_number(table.get(r, "disadvantage"));
        if (!dis || !(*dis >= 0 && *dis <= 1))
            bad(r, "disadvantage",
                "expected a share in [0, 1], found '" + table.get(r, "disadvantage") + "'");
        else
            s.disadvantage = static_cast<float>(*dis);
        sc.schools.push_back(s);
    }
    if (reported > 50)
        diags.error_at(fname, 0, 0, "",
                       std::to_string(reported - 50) + " more errors in this file not shown");
}

void generate_schools(const YAML::Node& g, Scenario& sc, Diagnostics& diags) {
    const std::string where = "schools.generate";
    if (!g.IsMap()) {
        diags.error(
            g, where,
            "expected a mapping {per_hub: {primary: N, ...}, ...}, found " + input::found(g));
        return;
    }
    input::check_keys(g, where, {"per_hub", "pupils", "disadvantage", "disadvantage_spread"},
                      diags);
    std::array<std::uint32_t, kPhaseCount> per_hub{};
    if (auto ph = g["per_hub"]; ph && ph.IsMap()) {
        for (const auto& kv : ph) {
            const std::string p = kv.first.Scalar();
            const auto phase = parse_phase(p);
            if (!phase) {
                diags.error(kv.first, where + ".per_hub." + p, "unknown phase '" + p + "'");
                continue;
            }
            if (auto n = input::whole(kv.second, where + ".per_hub." + p, 0, 1e8, diags))
                per_hub[index(*phase)] = static_cast<std::uint32_t>(*n);
            if (per_hub[index(*phase)] > 0 && !sc.params.of(*phase).modelled())
                diags.error(kv.second, where + ".per_hub." + p,
                            "phase '" + p + "' has no pipeline in this scenario");
        }
    } else {
        diags.error(g, where + ".per_hub", "expected a mapping of phase: schools per hub");
    }
    double pupils = 250, dis = 0.2, spread = 0;
    if (auto n = g["pupils"])
        pupils = input::real(n, where + ".pupils", 0, 1e6, diags).value_or(pupils);
    if (auto n = g["disadvantage"])
        dis = input::real(n, where + ".disadvantage", 0, 1, diags).value_or(dis);
    if (auto n = g["disadvantage_spread"])
        spread = input::real(n, where + ".disadvantage_spread", 0, 1, diags).value_or(spread);
    std::uint64_t total = 0;
    for (auto k : per_hub) total += k;
    if (total * sc.hubs.size() > kMaxSchools) {
        diags.error(g, where,
                    std::to_string(total) + " schools in each of " +
                        std::to_string(sc.hubs.size()) + " hubs is more than " +
                        std::to_string(kMaxSchools) + ", the most a scenario may hold");
        return;
    }
    sc.schools.reserve(total * sc.hubs.size());
    std::uint32_t urn = 1;
    for (std::size_t h = 0; h < sc.hubs.size(); ++h)
        for (Phase p : kPhases)
            for (std::uint32_t k = 0; k < per_hub[index(p)]; ++k) {
                // Disadvantage spread evenly across the hub's schools of a phase.
                const double n = per_hub[index(p)];
                const double d = n > 1 ? dis + spread * (k / (n - 1) - 0.5) : dis;
                SchoolProfile s;
                s.urn = urn++;
                s.hub = static_cast<std::uint16_t>(h);
                s.phase = p;
                s.pupils = static_cast<std::uint32_t>(pupils);
                s.disadvantage = static_cast<float>(std::clamp(d, 0.0, 1.0));
                sc.schools.push_back(s);
            }
}

}  // namespace

DataFile data_file(const YAML::Node& node, const std::string& where, const fs::path& scenario,
                   Diagnostics& diags) {
    const auto name = input::text(node["file"], where + ".file", diags);
    if (!name) return {};
    DataFile out{input::beside(scenario, *name), {}};
    std::string want;
    if (auto d = node["sha256"]) {
        if (d.IsScalar() && is_sha256(d.Scalar()))
            want = d.Scalar();
        else
            diags.error(d, where + ".sha256",
                        "expected a SHA-256 digest (64 hex digits), found " + input::found(d));
    }
    std::error_code ec;
    // A resolved scenario names its files by absolute path; moved to another machine with
    // its data beside it, it finds them there, and the digest says they are the same.
    if (!want.empty() && !fs::exists(out.path, ec)) {
        const fs::path alongside = scenario.parent_path() / out.path.filename();
        if (fs::exists(alongside, ec)) out.path = alongside;
    }
    // Said here, where the file is named, so the message points at the referring line.
    if (!input::file_named_exists(out.path, node["file"], where + ".file", diags)) return {};
    try {
        out.sha256 = sha256_file(out.path);
    } catch (const std::exception& e) {
        diags.error(node["file"], where + ".file", e.what());
        return {};
    }
    if (!want.empty() && out.sha256 != want)
        diags.error(node["file"], where + ".file",
                    "'" + out.path.string() + "' is not the file this scenario was made with: " +
                        "its SHA-256 is " + out.sha256 + ", expected " + want);
    return out;
}

DataFile read_hubs(const YAML::Node& node, const fs::path& scenario, Date start, Scenario& sc,
                   Diagnostics& diags) {
    DataFile file;
    if (!node.IsDefined()) {
        diags.missing("hubs", "missing: a scenario needs hubs (a list, a file or a count)");
        return file;
    }
    if (node.IsSequence()) {
        read_hub_list(node, start, sc, diags);
    } else if (node.IsMap()) {
        input::check_keys(node, "hubs", {"file", "sha256", "overrides", "count", "opens", "region"},
                          diags);
        if (node["file"]) {
            file = data_file(node, "hubs", scenario, diags);
            if (!file.path.empty()) read_hubs_csv(file.path, sc.hubs, diags);
        } else if (auto c = node["count"]) {
            const auto n = input::whole(c, "hubs.count", 1, 65535, diags);
            Date opens = start;
            if (auto o = node["opens"])
                if (auto d = input::date(o, "hubs.opens", diags)) opens = *d;
            std::string region;
            if (auto r = node["region"])
                if (auto v = input::text(r, "hubs.region", diags, true)) region = *v;
            for (std::uint64_t i = 0; n && i < *n; ++i) {
                HubSpec h;
                char buf[32];
                std::snprintf(buf, sizeof buf, "Hub %03u", static_cast<unsigned>(i + 1));
                h.name = buf;
                h.opens = opens;
                h.region = region;
                sc.hubs.push_back(h);
            }
        } else {
            diags.error(node, "hubs", "expected 'file' or 'count' (or a list of hubs)");
        }
        if (auto o = node["overrides"]) read_hub_overrides(o, sc, diags);
    } else {
        diags.error(node, "hubs",
                    "expected a list of hubs or a mapping with 'file' or 'count', found " +
                        input::found(node));
    }
    if (diags.ok() && sc.hubs.empty()) diags.error(node, "hubs", "no hubs: a scenario needs one");
    if (sc.hubs.size() > 65535) diags.error(node, "hubs", "at most 65535 hubs");
    return file;
}

std::vector<DataFile> read_schools(const YAML::Node& node, const fs::path& scenario, Scenario& sc,
                                   Diagnostics& diags) {
    if (!node.IsDefined()) {
        diags.missing("schools", "missing: a scenario needs schools (a file or generate)");
        return {};
    }
    // One source, or a list of them read one after the other (the census's schools, then
    // generated colleges, say).
    std::vector<DataFile> files;
    const bool list = node.IsSequence();
    for (std::size_t i = 0; i < (list ? node.size() : 1); ++i) {
        const YAML::Node source = list ? node[i] : node;
        const std::string where = list ? "schools[" + std::to_string(i) + "]" : "schools";
        if (!source.IsMap()) {
            diags.error(
                source, where,
                "expected a mapping with 'file' or 'generate', found " + input::found(source));
            files.emplace_back();
            continue;
        }
        input::check_keys(source, where, {"file", "sha256", "generate"}, diags);
        if (source["file"]) {
            const DataFile f = data_file(source, where, scenario, diags);
            if (!f.path.empty()) read_schools_csv(f.path, sc, diags);
            files.push_back(f);
        } else if (auto g = source["generate"]) {
            generate_schools(g, sc, diags);
            files.emplace_back();
        } else {
            diags.error(source, where, "expected 'file' or 'generate'");
            files.emplace_back();
        }
    }
    if (diags.ok() && sc.schools.empty())
        diags.error(node, "schools", "no schools: every source is empty");
    return files;
}

}  // namespace hubsim::scenario_io
