#pragma once
/// \file
/// Content digests (SHA-256): how hubsim names what a result depends on — the data files a
/// resolved scenario refers to, a sweep point's fingerprint, the pinned results.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace hubsim {

/// SHA-256 of incremental input, as 64 lowercase hex digits.
class Sha256 {
  public:
    Sha256();
    Sha256& update(const void* data, std::size_t size);
    Sha256& update(std::string_view text) { return update(text.data(), text.size()); }
    std::string hex();  ///< finishes: call once

  private:
    void block(const unsigned char* p);
    std::uint32_t h_[8];
    unsigned char buffer_[64];
    std::size_t used_ = 0;
    std::uint64_t bytes_ = 0;
};

/// SHA-256 of `bytes`, hex.
std::string sha256_hex(std::string_view bytes);
/// SHA-256 of a file's bytes, hex; throws std::runtime_error if it cannot be read.
std::string sha256_file(const std::filesystem::path& path);

}  // namespace hubsim
