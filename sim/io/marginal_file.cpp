// The output of `hubsim marginal` (docs/decisions.md).

#include "hubsim/io/marginal_file.hpp"

#include "h5.hpp"

namespace hubsim {

namespace fs = std::filesystem;
using namespace h5;

namespace {

std::vector<std::int32_t> counting(std::size_t n) {
    std::vector<std::int32_t> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::int32_t>(i);
    return v;
}

/// An estimate's four parts as `name`, `name_low`, `name_high`, `name_unpaired_half_width`.
void put_estimates(hid_t g, const std::string& name, const std::vector<std::string>& axes,
                   const Scales& scales, const std::vector<PairedEstimate>& e,
                   const std::string& meaning, const std::string& units) {
    std::vector<double> mean, low, high, half;
    for (const auto& x : e) {
        mean.push_back(x.mean);
        low.push_back(x.low);
        high.push_back(x.high);
        half.push_back(x.unpaired_half_width);
    }
    put(g, name, axes, scales, nullptr, mean.data(), meaning + " (mean of paired differences)",
        units);
    put(g, name + "_low", axes, scales, nullptr, low.data(), meaning + ": 90% interval, low",
        units);
    put(g, name + "_high", axes, scales, nullptr, high.data(), meaning + ": 90% interval, high",
        units);
    put(g, name + "_unpaired_half_width", axes, scales, nullptr, half.data(),
        meaning + ": the 90% half-width two independent means would give", units);
}

}  // namespace

void write_marginal_file(const fs::path& path, const MarginalFile& f,
                         const std::string& command_line, int threads) {
    create_atomically(path, [&](hid_t file) {
        write_provenance(file, command_line, threads);
        attr_string(file, "study", "marginal");
        attr_string(file, "start_date", f.start_date);
        attr_number<std::uint64_t>(file, "seed", f.seed);
        attr_number<std::uint32_t>(file, "replications", f.replications);
        attr_number<std::uint32_t>(file, "leaders", f.leaders);
        attr_string(file, "from", f.from);
        attr_string(file, "by", f.by);
        attr_string(file, "parameters", f.parameters);
        attr_string(file, "rank_by", f.rank_by);
        scalar_string(file, "scenario", f.scenario_yaml);
        Scales s;
        s.add("hub", string_vector(file, "hub", f.hubs));
        s.add("phase", string_vector(file, "phase", f.phases));
        s.add("date", string_vector(file, "date", f.dates));
        const auto variant_ids = counting(f.variants.size());
        s.add("variant", numeric(file, "variant", {variant_ids.size()}, variant_ids.data()));
        const auto reps = counting(f.replications);
        s.add("replication", numeric(file, "replication", {reps.size()}, reps.data()));
        std::vector<std::string> labels(f.targets.label);
        s.add("target", string_vector(file, "target", labels));
        const auto steps = counting(f.allocation_variant.size());
        s.add("step", numeric(file, "step", {steps.size()}, steps.data()));
        write_target_table(file, s, f.targets, "days since " + f.start_date);

        std::vector<std::string> hub, role, phase;
        for (const auto& v : f.variants) {
            hub.push_back(f.hubs[v.hub]);
            role.emplace_back(name(v.role));
            phase.emplace_back(name(v.phase));
        }
        for (auto [n, values] : {std::pair{"variant_hub", &hub}, std::pair{"variant_role", &role},
                                 std::pair{"variant_phase", &phase}}) {
            Handle ds(string_vector(file, n, *values), H5Dclose, "write variants");
            check(H5DSattach_scale(ds, s["variant"], 0), "attach a scale");
        }
        const std::vector<std::string> vpd = {"variant", "phase", "date"};
        put_estimates(file, "extra_engaged", vpd, s, f.engaged,
                      "extra schools ever engaged, national", "schools");
        put_estimates(file, "extra_engaged_hub", vpd, s, f.engaged_hub,
                      "extra schools ever engaged in the hub given the leaders", "schools");
        put_estimates(
            file, "extra_participating_years", vpd, s, f.participating_years,
            "extra school-years in Work Groups, national, from the date leaders are added",
            "school-years");
        put_estimates(file, "target_met_change", {"variant", "target"}, s, f.target_met,
                      "change in P(target met by its date)", "");
        put(file, "baseline_target_met", {"target"}, s, nullptr, f.baseline_target_met.data(),
            "P(target met by its date) without the extra leaders");
        put(file, "paired_extra_engaged", {"variant", "replication", "phase", "date"}, s, nullptr,
            f.paired_engaged.data(), "extra schools ever engaged in each replication, national",
            "schools");
        put(file, "rank", {"variant"}, s, nullptr, f.rank.data(),
            "1: the variant whose leaders add most (rank_by) by `by` (in their phase)");
        put(file, "allocation_variant", {"step"}, s, nullptr, f.allocation_variant.data(),
            "--allocate: the variant chosen at each step (given the steps before)");
        put_estimates(file, "allocation_value", {"step"}, s, f.allocation_value,
                      "--allocate: what the step's leaders add by `by` (rank_by)", "");
    });
}

}  // namespace hubsim
