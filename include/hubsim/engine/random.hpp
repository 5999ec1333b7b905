#pragma once
/// \file
/// Counter-based random streams.
///
/// Every random draw in hubsim is a pure function of a key: (root seed, replication,
/// hub, entity, purpose) and a draw index. There is no shared generator and no state
/// that depends on the order in which threads run, so results do not depend on the
/// thread count. It also gives common random numbers: two scenarios that differ in one
/// policy draw the same numbers for every (entity, purpose) the policy does not reach.
///
/// The generator is Philox4x64-10 (Salmon et al., "Parallel random numbers: as easy as
/// 1, 2, 3", SC 2011), from Random123. Distributions are our own, because
/// std::*_distribution output differs between standard libraries.

#include <Random123/philox.h>

#include <array>
#include <cmath>
#include <cstdint>

namespace hubsim {

/// Who a stream belongs to and what it is for. `entity` and `purpose` are numbers the
/// model assigns (the engine knows nothing of schools).
struct StreamKey {
    std::uint64_t seed = 0;
    std::uint32_t replication = 0;
    std::uint32_t group = 0;  ///< the logical process, e.g. a hub
    std::uint64_t entity = 0;
    std::uint32_t purpose = 0;
};

/// Four independent 64-bit words for (key, index): one Philox4x64-10 block. Inline: the
/// model draws one for most school-years, and the key's fields fold into the call site.
inline std::array<std::uint64_t, 4> random_block(const StreamKey& key, std::uint64_t index) {
    using Philox = r123::Philox4x64;
    const Philox::key_type k = {{key.seed, key.entity}};
    const Philox::ctr_type c = {{(static_cast<std::uint64_t>(key.replication) << 32) | key.group,
                                 static_cast<std::uint64_t>(key.purpose), index, 0}};
    const Philox::ctr_type r = Philox{}(c, k);
    return {r[0], r[1], r[2], r[3]};
}

/// A uniform double in [0, 1) from the top 53 bits of a word.
inline double to_unit(std::uint64_t word) {
    return static_cast<double>(word >> 11) * 0x1.0p-53;
}

/// Four uniforms in [0, 1) for (key, index).
inline std::array<double, 4> uniforms(const StreamKey& key, std::uint64_t index) {
    const auto b = random_block(key, index);
    return {to_unit(b[0]), to_unit(b[1]), to_unit(b[2]), to_unit(b[3])};
}

/// A sequential stream over one key: draw after draw, four per Philox block.
class RandomStream {
  public:
    /// \param first_block where in the stream to start (to give sub-streams their own stretch)
    explicit RandomStream(const StreamKey& key, std::uint64_t first_block = 0)
        : key_(key), index_(first_block) {}

    double uniform() {
        if (pos_ == 4) {
            block_ = random_block(key_, index_++);
            pos_ = 0;
        }
        return to_unit(block_[pos_++]);
    }
    bool bernoulli(double p) { return uniform() < p; }
    /// An exponential variate with the given rate, by inversion.
    double exponential(double rate) { return -std::log1p(-uniform()) / rate; }
    /// A uniform integer in [0, n), by scaling a 53-bit uniform (bias below 2^-20 for n < 2^32).
    std::uint64_t below(std::uint64_t n) {
        return static_cast<std::uint64_t>(uniform() * static_cast<double>(n));
    }

  private:
    StreamKey key_;
    std::uint64_t index_ = 0;
    std::array<std::uint64_t, 4> block_{};
    int pos_ = 4;
};

/// A binomial(n, p) variate. Inversion (exact) while n*p is small; for large means a
/// rounded normal approximation, which is then far inside the model's own uncertainty.
std::uint64_t binomial(RandomStream& stream, std::uint64_t n, double p);

/// A standard normal variate from two uniforms (Box-Muller), written out so that it is
/// the same on every platform.
inline double standard_normal(double u1, double u2) {
    constexpr double two_pi = 6.283185307179586476925286766559;
    return std::sqrt(-2.0 * std::log1p(-u1)) * std::cos(two_pi * u2);
}

}  // namespace hubsim
