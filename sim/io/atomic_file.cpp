#include "hubsim/io/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>

namespace hubsim {

namespace fs = std::filesystem;

namespace {

/// fsync on a path (a file, or a folder so that a rename in it is durable).
void sync(const fs::path& path, bool folder) {
    const int fd = ::open(path.c_str(), folder ? O_RDONLY | O_DIRECTORY : O_RDONLY);
    if (fd < 0) {
        if (folder) return;  // some file systems do not open folders; the rename still holds
        throw std::runtime_error("cannot reopen " + path.string() + ": " + std::strerror(errno));
    }
    const int rc = ::fsync(fd);
    const int err = errno;
    ::close(fd);
    if (rc != 0 && !folder)
        throw std::runtime_error("cannot make " + path.string() +
                                 " durable: " + std::strerror(err));
}

}  // namespace

void write_atomically(const fs::path& path, const std::function<void(const fs::path&)>& write) {
    static std::atomic<unsigned> counter{0};
    const fs::path folder = path.has_parent_path() ? path.parent_path() : fs::path(".");
    const fs::path tmp = folder / ("." + path.filename().string() + ".tmp-" +
                                   std::to_string(::getpid()) + "-" + std::to_string(counter++));
    try {
        write(tmp);
        sync(tmp, false);
        fs::rename(tmp, path);
    } catch (...) {
        std::error_code ec;
        fs::remove(tmp, ec);
        throw;
    }
    sync(folder, true);
}

void write_text_atomically(const fs::path& path, std::string_view text) {
    write_atomically(path, [&](const fs::path& tmp) {
        std::ofstream out(tmp, std::ios::binary);
        out.write(text.data(), static_cast<std::streamsize>(text.size()));
        out.close();
        if (!out) throw std::runtime_error("cannot write " + path.string());
    });
}

}  // namespace hubsim
