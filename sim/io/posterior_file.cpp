// `posterior: {file}`: a calibration's weighted parameter sets, from its HDF5 output or
// the CSV copy of it (weight, then one column per parameter).

#include <algorithm>
#include <cmath>

#include "h5.hpp"
#include "hubsim/io/csv.hpp"
#include "scenario_sections.hpp"

namespace hubsim::scenario_io {

namespace {

void read_posterior_csv(const fs::path& file, const YAML::Node& node, ParameterDraws& draws,
                        Diagnostics& diags) {
    CsvTable t;
    try {
        t = read_csv(file, {"weight"}, diags.list());
    } catch (const InputError& e) {
        diags.add(e);
        return;
    }
    std::vector<std::size_t> cols;
    for (std::size_t c = 0; c < t.header.size(); ++c) {
        if (t.header[c] == "weight") continue;
        if (std::find(t.header.begin(), t.header.begin() + static_cast<std::ptrdiff_t>(c),
                      t.header[c]) != t.header.begin() + static_cast<std::ptrdiff_t>(c)) {
            diags.error_at(file.string(), 1, static_cast<int>(c + 1), t.header[c],
                           "column '" + t.header[c] + "' appears more than once");
            continue;
        }
        const ParamSpec* spec = find_parameter(t.header[c]);
        if (!spec || spec->kind == ParamKind::Choice || spec->kind == ParamKind::Flag) {
            diags.error_at(file.string(), 1, static_cast<int>(c + 1), t.header[c],
                           "not a numeric scenario parameter");
            continue;
        }
        draws.keys.push_back(spec);
        cols.push_back(c);
    }
    for (std::size_t r = 0; r < t.rows.size(); ++r) {
        std::vector<double> theta;
        bool ok = true;
        for (std::size_t k = 0; k < cols.size(); ++k) {
            const auto v = input::to_number(t.rows[r][cols[k]]);
            // Fitted counts are continuous draws, rounded when applied.
            const bool count = draws.keys[k]->kind == ParamKind::Count;
            const std::string problem =
                v ? draws.keys[k]->check(count ? std::round(*v) : *v) : "expected a number";
            if (!problem.empty()) {
                diags.error_at(file.string(), t.line(r), static_cast<int>(cols[k] + 1),
                               draws.keys[k]->key,
                               problem + ", found '" + t.rows[r][cols[k]] + "'");
                ok = false;
            }
            theta.push_back(v.value_or(0));
        }
        const auto w = input::to_number(t.get(r, "weight"));
        if (!w || !(*w >= 0) || !std::isfinite(*w)) {
            diags.error_at(file.string(), t.line(r), t.column("weight"), "weight",
                           "expected a number >= 0, found '" + t.get(r, "weight") + "'");
            ok = false;
        }
        if (!ok) continue;
        draws.particles.push_back(theta);
        draws.weights.push_back(*w);
    }
    (void)node;
}

void read_posterior_h5(const fs::path& file, const YAML::Node& node, ParameterDraws& draws,
                       Diagnostics& diags) {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    const hid_t id = H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    if (id < 0) {
        diags.error(node["file"], "posterior.file",
                    "cannot open '" + file.string() + "' as an HDF5 file");
        return;
    }
    h5::Handle f(id, H5Fclose, "open the posterior");
    try {
        const auto names = h5::read_strings(f, "parameter");
        std::vector<double> theta;
        const auto dims = h5::read(f, "posterior", theta);
        h5::read(f, "weight", draws.weights);
        if (dims.size() != 2 || dims[1] != names.size() || draws.weights.size() != dims[0] ||
            dims[0] == 0)
            throw std::runtime_error("posterior, weight and parameter do not agree in size");
        for (const auto& n : names) {
            const ParamSpec* spec = find_parameter(n);
            if (!spec) throw std::runtime_error("unknown parameter '" + n + "'");
            draws.keys.push_back(spec);
        }
        for (std::size_t i = 0; i < dims[0]; ++i)
            draws.particles.emplace_back(
                theta.begin() + static_cast<std::ptrdiff_t>(i * names.size()),
                theta.begin() + static_cast<std::ptrdiff_t>((i + 1) * names.size()));
    } catch (const std::exception& e) {
        draws = {};
        diags.error(
            node["file"], "posterior.file",
            "'" + file.string() + "' is not a hubsim calibration output (" + e.what() + ")");
    }
}

}  // namespace

DataFile read_posterior(const YAML::Node& node, const fs::path& scenario, Scenario& sc,
                        Diagnostics& diags) {
    if (!node.IsDefined()) return {};
    if (!node.IsMap() || !node["file"] || !node["file"].IsScalar()) {
        diags.error(
            node, "posterior",
            "expected {file: CALIBRATION.h5 or POSTERIOR.csv}, found " + input::found(node));
        return {};
    }
    input::check_keys(node, "posterior", {"file", "sha256"}, diags);
    const DataFile file = data_file(node, "posterior", scenario, diags);
    if (file.path.empty()) return file;
    ParameterDraws draws;
    draws.source = node["file"].Scalar();
    if (file.path.extension() == ".csv")
        read_posterior_csv(file.path, node, draws, diags);
    else
        read_posterior_h5(file.path, node, draws, diags);
    double total = 0;
    for (double w : draws.weights) total += w;
    if (draws.particles.empty() || !(total > 0)) {
        diags.error(node["file"], "posterior.file",
                    "'" + file.path.string() + "' holds no weighted parameter sets");
        return file;
    }
    for (auto& w : draws.weights) w /= total;
    sc.posterior = std::move(draws);
    return file;
}

}  // namespace hubsim::scenario_io
