#include "harness.hpp"

#include <unistd.h>
#include <yaml-cpp/exceptions.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "hubsim/io/calibration.hpp"
#include "hubsim/io/diagnostics.hpp"
#include "hubsim/io/observations.hpp"
#include "hubsim/io/scenario_loader.hpp"
#include "hubsim/io/sweep.hpp"

namespace hubsim::fuzz {

namespace fs = std::filesystem;

namespace {

/// A temporary folder holding copies of the fixtures, made once per process and removed
/// at exit. Relative paths in an input resolve here, so the readers find the fixtures.
class Workspace {
  public:
    Workspace() {
        std::string dir = (fs::temp_directory_path() / "hubsim-fuzz-XXXXXX").string();
        if (!mkdtemp(dir.data())) {
            std::perror("hubsim fuzz: mkdtemp");
            std::abort();
        }
        dir_ = dir;
        fs::copy(HUBSIM_FUZZ_FIXTURES, dir_, fs::copy_options::recursive);
        // The schools target's scenario: the fixture with its schools file replaced.
        std::string text = read("scenario.yaml");
        text.replace(text.find("{file: schools.csv}"), 19, "{file: input.csv}");
        write("schools_scenario.yaml", text);
    }
    ~Workspace() {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    Workspace(const Workspace&) = delete;
    Workspace& operator=(const Workspace&) = delete;

    fs::path path(const std::string& name) const { return dir_ / name; }

    fs::path write(const std::string& name, std::string_view data) const {
        const fs::path p = path(name);
        std::ofstream out(p, std::ios::binary | std::ios::trunc);
        out.write(data.data(), static_cast<std::streamsize>(data.size()));
        if (!out.flush()) {
            std::perror("hubsim fuzz: cannot write the input file");
            std::abort();
        }
        return p;
    }

  private:
    std::string read(const std::string& name) const {
        std::ifstream in(path(name), std::ios::binary);
        return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    }

    fs::path dir_;
};

const Workspace& workspace() {
    static const Workspace w;
    return w;
}

/// HUBSIM_FUZZ_IGNORE=yaml-cpp: also catch yaml-cpp's exceptions, so that fuzzing can look
/// past the open findings of that kind (tests/fuzz/test_regressions.cpp) for others.
bool ignore_yaml_cpp() {
    static const bool ignore = [] {
        const char* v = std::getenv("HUBSIM_FUZZ_IGNORE");
        return v && std::string_view(v) == "yaml-cpp";
    }();
    return ignore;
}

/// Runs one read: an InputError is the expected answer to bad input.
template <class F>
void run_reader(F&& f) {
    try {
        f();
    } catch (const InputError&) {
    } catch (const YAML::Exception&) {
        if (!ignore_yaml_cpp()) throw;
    }
}

void scenario(std::string_view input) {
    run_reader([&] { load_scenario(workspace().write("input.yaml", input)); });
}

void schools_csv(std::string_view input) {
    const Workspace& ws = workspace();
    ws.write("input.csv", input);
    run_reader([&] { load_scenario(ws.path("schools_scenario.yaml")); });
}

/// Design points a sweep would have, without making them (a guard for the harness only:
/// a grid of 10^9 points is a valid sweep, too big to list here).
double point_count(const SweepSpec& sw) {
    if (sw.design != SweepDesign::Grid) return sw.sampled_points;
    double n = 1;
    for (const auto& p : sw.parameters)
        n *= p.values.empty() ? p.steps : static_cast<double>(p.values.size());
    return n;
}

void sweep(std::string_view input) {
    run_reader([&] {
        const SweepSpec sw = load_sweep(workspace().write("input.yaml", input));
        // What `hubsim validate` and `hubsim sweep` do next with a sweep they have read.
        if (point_count(sw) > 10000) return;
        const auto points = sw.points();
        if (!points.empty()) {
            sw.scenario_at(points.front());
            sw.fingerprint(points.back());
        }
    });
}

void calibration(std::string_view input) {
    run_reader([&] {
        const CalibrationSpec c = load_calibration(workspace().write("input.yaml", input));
        std::vector<double> middle;
        for (std::size_t k = 0; k < c.parameters.size(); ++k)
            middle.push_back((c.low[k] + c.high[k]) / 2);
        c.scenario_at(middle, 1);
    });
}

void observations(std::string_view input) {
    const Workspace& ws = workspace();
    static const Scenario fixture = load_scenario(ws.path("scenario.yaml")).scenario;
    run_reader([&] { read_observations(ws.write("input.csv", input), fixture); });
}

constexpr Target kTargets[] = {
    {"scenario", scenario},       {"schools_csv", schools_csv},   {"sweep", sweep},
    {"calibration", calibration}, {"observations", observations},
};

}  // namespace

std::span<const Target> targets() {
    return kTargets;
}

const Target* find_target(std::string_view name) {
    const auto it = std::find_if(std::begin(kTargets), std::end(kTargets),
                                 [&](const Target& t) { return t.name == name; });
    return it == std::end(kTargets) ? nullptr : it;
}

}  // namespace hubsim::fuzz
