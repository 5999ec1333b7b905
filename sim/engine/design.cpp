#include "hubsim/engine/design.hpp"

#include <array>
#include <stdexcept>

#include "hubsim/engine/random.hpp"

namespace hubsim {

namespace {

struct Direction {
    unsigned s;  // degree of the primitive polynomial
    unsigned a;  // its inner coefficients
    std::array<unsigned, 8> m;
};

// new-joe-kuo-6.21201, dimensions 2..16 (dimension 1 is the van der Corput sequence).
constexpr std::array<Direction, kSobolMaxDims - 1> kDirections = {{
    {1, 0, {1}},
    {2, 1, {1, 3}},
    {3, 1, {1, 3, 1}},
    {3, 2, {1, 1, 1}},
    {4, 1, {1, 1, 3, 3}},
    {4, 4, {1, 3, 5, 13}},
    {5, 2, {1, 1, 5, 5, 17}},
    {5, 4, {1, 1, 5, 5, 5}},
    {5, 7, {1, 1, 7, 11, 19}},
    {5, 11, {1, 1, 5, 1, 1}},
    {5, 13, {1, 1, 1, 3, 11}},
    {5, 14, {1, 3, 5, 5, 31}},
    {6, 1, {1, 3, 3, 9, 7, 49}},
    {6, 13, {1, 1, 1, 15, 21, 21}},
    {6, 16, {1, 3, 1, 13, 27, 49}},
}};

constexpr unsigned kBits = 32;

std::array<std::uint32_t, kBits> direction_numbers(std::size_t dim) {
    std::array<std::uint32_t, kBits> v{};
    if (dim == 0) {
        for (unsigned i = 0; i < kBits; ++i) v[i] = 1u << (kBits - 1 - i);
        return v;
    }
    const Direction& d = kDirections[dim - 1];
    for (unsigned i = 0; i < d.s; ++i) v[i] = d.m[i] << (kBits - 1 - i);
    for (unsigned i = d.s; i < kBits; ++i) {
        v[i] = v[i - d.s] ^ (v[i - d.s] >> d.s);
        for (unsigned k = 1; k < d.s; ++k)
            if ((d.a >> (d.s - 1 - k)) & 1u) v[i] ^= v[i - k];
    }
    return v;
}

}  // namespace

std::vector<std::vector<double>> sobol_points(std::size_t n, std::size_t dims) {
    if (dims > kSobolMaxDims)
        throw std::invalid_argument("Sobol designs support at most 16 parameters");
    std::vector<std::array<std::uint32_t, kBits>> v;
    for (std::size_t d = 0; d < dims; ++d) v.push_back(direction_numbers(d));
    std::vector<std::vector<double>> out(n, std::vector<double>(dims));
    std::vector<std::uint32_t> x(dims, 0);
    // Gray-code order (Antonov and Saleev); point i is the (i+1)th, skipping the origin.
    for (std::size_t i = 0; i < n; ++i) {
        std::uint64_t c = i, bit = 0;
        while (c & 1u) {
            c >>= 1;
            ++bit;
        }
        for (std::size_t d = 0; d < dims; ++d) {
            x[d] ^= v[d][bit];
            out[i][d] = static_cast<double>(x[d]) * 0x1.0p-32;
        }
    }
    return out;
}

std::vector<std::vector<double>> latin_hypercube(std::size_t n, std::size_t dims,
                                                 std::uint64_t seed) {
    std::vector<std::vector<double>> out(n, std::vector<double>(dims));
    for (std::size_t d = 0; d < dims; ++d) {
        RandomStream s(StreamKey{seed, 0, 0, d, 0xD5u});
        std::vector<std::size_t> perm(n);
        for (std::size_t i = 0; i < n; ++i) perm[i] = i;
        for (std::size_t i = n; i > 1; --i)
            std::swap(perm[i - 1], perm[s.below(i)]);  // Fisher-Yates
        for (std::size_t i = 0; i < n; ++i)
            out[i][d] = (static_cast<double>(perm[i]) + s.uniform()) / static_cast<double>(n);
    }
    return out;
}

}  // namespace hubsim
