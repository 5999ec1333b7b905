#pragma once
// --precision H [--max-replications N], as `run` and `sweep` take them.

#include <boost/program_options.hpp>
#include <charconv>
#include <cstdint>
#include <optional>
#include <string>

#include "hubsim/io/diagnostics.hpp"

namespace hubsim::cli {

/// What --precision asks for.
struct PrecisionAsked {
    double half_width = 0;
    std::uint32_t max_replications = 10000;
};

inline void add_precision_options(boost::program_options::options_description& opts) {
    namespace po = boost::program_options;
    opts.add_options()(
        "precision", po::value<std::string>(),
        "run replications in batches (the first: --replications, then doubling) until every "
        "headline figure's 95% interval has at most this half-width (0.02: two points)")(
        "max-replications", po::value<std::string>(),
        "with --precision: stop here even if it is not reached (default 10000)");
}

/// --precision H and --max-replications N (or another `max_option`, from 1 to `max_limit`),
/// checked; none without --precision.
inline std::optional<PrecisionAsked> precision_request(
    const boost::program_options::variables_map& vm,
    const std::string& max_option = "max-replications", std::uint32_t max_default = 10000,
    std::uint64_t max_limit = 10'000'000) {
    const auto bad = [](const std::string& option, const std::string& message) {
        return InputError({{"command line", 0, 0, option, message}});
    };
    if (!vm.count("precision")) {
        if (vm.count(max_option)) throw bad("--" + max_option, "only with --precision");
        return std::nullopt;
    }
    const std::string h = vm["precision"].as<std::string>();
    PrecisionAsked asked;
    asked.max_replications = max_default;
    const auto [end, ec] = std::from_chars(h.data(), h.data() + h.size(), asked.half_width);
    if (ec != std::errc() || end != h.data() + h.size() || !(asked.half_width > 0) ||
        asked.half_width >= 0.5)
        throw bad(
            "--precision",
            "expected a half-width above 0 and below 0.5 (0.02: two points), found '" + h + "'");
    if (vm.count(max_option)) {
        const std::string m = vm[max_option].as<std::string>();
        std::uint64_t v = 0;
        const auto [e2, ec2] = std::from_chars(m.data(), m.data() + m.size(), v);
        if (ec2 != std::errc() || e2 != m.data() + m.size() || v < 1 || v > max_limit)
            throw bad("--" + max_option, "expected a whole number from 1 to " +
                                             std::to_string(max_limit) + ", found '" + m + "'");
        asked.max_replications = static_cast<std::uint32_t>(v);
    }
    return asked;
}

}  // namespace hubsim::cli
