#include "hubsim/io/atomic_file.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/types.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

namespace hubsim {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kTmp = ".tmp-";

[[noreturn]] void fail(const fs::path& path, int err) {
    throw OutputError("cannot write " + path.string() + ": " + std::strerror(err));
}

fs::path folder_of(const fs::path& path) {
    return path.has_parent_path() ? path.parent_path() : fs::path(".");
}

/// This machine's name as temporary names carry it: letters, digits, '.' and '_' ('-'
/// separates the fields of the name). On a shared file system it tells whose process a
/// PID is.
std::string host_tag() {
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "localhost";
    std::string s(buf);
    if (s.size() > 64) s.resize(64);
    for (char& c : s)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.') c = '_';
    return s;
}

/// Closes a file descriptor once.
class Fd {
  public:
    explicit Fd(int fd) : fd_(fd) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    int get() const { return fd_; }
    /// Closes now, returning close's errno (0 if none): NFS reports write errors here.
    int close() {
        const int rc = ::close(fd_);
        fd_ = -1;
        return rc == 0 ? 0 : errno;
    }

  private:
    int fd_;
};

/// Removes the temporary unless the rename has made it the output.
class RemoveUnlessCommitted {
  public:
    explicit RemoveUnlessCommitted(fs::path tmp) : tmp_(std::move(tmp)) {}
    RemoveUnlessCommitted(const RemoveUnlessCommitted&) = delete;
    RemoveUnlessCommitted& operator=(const RemoveUnlessCommitted&) = delete;
    ~RemoveUnlessCommitted() {
        if (!tmp_.empty()) ::unlink(tmp_.c_str());
    }
    void committed() { tmp_.clear(); }

  private:
    fs::path tmp_;
};

void ensure_folder(const fs::path& path, const fs::path& folder) {
    std::error_code ec;
    if (fs::is_directory(folder, ec)) return;
    fs::create_directories(folder, ec);
    if (ec)
        throw OutputError("cannot create the folder " + folder.string() + " for " + path.string() +
                          ": " + ec.message());
}

/// Creates a new, empty temporary beside `path` that no other writer can have: O_EXCL on
/// ".NAME.tmp-HOST-PID-N", N counting up past names a dead process of the same PID left.
std::pair<fs::path, int> create_temporary(const fs::path& path) {
    const fs::path folder = folder_of(path);
    ensure_folder(path, folder);
    const std::string stem = "." + path.filename().string() + std::string(kTmp) + host_tag() + "-" +
                             std::to_string(::getpid()) + "-";
    for (unsigned n = 0;; ++n) {
        fs::path tmp = folder / (stem + std::to_string(n));
        const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0) return {std::move(tmp), fd};
        if (errno != EEXIST || n >= 1000) fail(path, errno);
    }
}

/// fsync of the folder, so that the rename in it survives a power cut. Some file systems
/// cannot open or sync a folder; the rename still holds, so that is not an error.
void sync_folder(const fs::path& folder) {
    const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    ::fsync(fd);
    ::close(fd);
}

void rename_into_place(const fs::path& tmp, const fs::path& path) {
    if (::rename(tmp.c_str(), path.c_str()) != 0) fail(path, errno);
}

std::optional<long> number(std::string_view s) {
    long v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
    return v;
}

struct Writer {
    std::string host;  // "" for names written before temporaries carried the host
    pid_t pid = 0;
};

/// Who wrote the temporary called `file`, if it is one (of the file `name`, when given):
/// ".NAME.tmp-HOST-PID-N", or the older ".NAME.tmp-PID-N" and ".NAME.tmp-PID".
std::optional<Writer> writer_of(const std::string& file, std::string_view name) {
    std::size_t rest_at = 0;
    if (!name.empty()) {
        const std::string prefix = "." + std::string(name) + std::string(kTmp);
        if (!file.starts_with(prefix)) return std::nullopt;
        rest_at = prefix.size();
    } else {
        const auto at = file.rfind(kTmp);
        if (!file.starts_with(".") || at == std::string::npos || at < 2) return std::nullopt;
        rest_at = at + kTmp.size();
    }
    std::vector<std::string_view> fields;
    std::string_view rest = std::string_view(file).substr(rest_at);
    for (std::size_t dash; (dash = rest.find('-')) != std::string_view::npos;) {
        fields.push_back(rest.substr(0, dash));
        rest.remove_prefix(dash + 1);
    }
    fields.push_back(rest);
    Writer w;
    std::optional<long> pid;
    if (fields.size() <= 2) {
        pid = number(fields[0]);
        if (fields.size() == 2 && !number(fields[1])) return std::nullopt;
    } else {
        pid = number(fields[fields.size() - 2]);
        if (!number(fields.back())) return std::nullopt;
        for (std::size_t k = 0; k + 2 < fields.size(); ++k)
            w.host += (k ? "-" : "") + std::string(fields[k]);
    }
    if (!pid || *pid <= 0 || *pid > 0x7fffffffL) return std::nullopt;
    w.pid = static_cast<pid_t>(*pid);
    return w;
}

bool alive(pid_t pid) {
    if (pid == ::getpid()) return true;
    return ::kill(pid, 0) == 0 || errno == EPERM;
}

}  // namespace

void write_bytes_atomically(const fs::path& path, std::string_view bytes) {
    write_bytes_atomically(path, std::span<const std::string_view>(&bytes, 1));
}

void write_bytes_atomically(const fs::path& path, std::span<const std::string_view> pieces) {
    auto [tmp, raw] = create_temporary(path);
    Fd fd(raw);
    RemoveUnlessCommitted guard(tmp);
    for (std::string_view piece : pieces) {
        while (!piece.empty()) {
            const ssize_t n = ::write(fd.get(), piece.data(), piece.size());
            if (n < 0) {
                if (errno == EINTR) continue;
                fail(path, errno);
            }
            piece.remove_prefix(static_cast<std::size_t>(n));
        }
    }
    // Delayed allocation and network file systems report a full disk only here.
    if (::fsync(fd.get()) != 0) fail(path, errno);
    if (const int err = fd.close()) fail(path, err);
    rename_into_place(tmp, path);
    guard.committed();
    sync_folder(folder_of(path));
}

void write_text_atomically(const fs::path& path, std::string_view text) {
    write_bytes_atomically(path, text);
}

void write_atomically(const fs::path& path, const std::function<void(const fs::path&)>& write) {
    auto [tmp, raw] = create_temporary(path);
    RemoveUnlessCommitted guard(tmp);
    if (::close(raw) != 0) fail(path, errno);
    write(tmp);
    {
        Fd fd(::open(tmp.c_str(), O_RDONLY | O_CLOEXEC));
        if (fd.get() < 0 || ::fsync(fd.get()) != 0) fail(path, errno);
    }
    rename_into_place(tmp, path);
    guard.committed();
    sync_folder(folder_of(path));
}

void prepare_output(const fs::path& path) {
    const fs::path folder = folder_of(path);
    ensure_folder(path, folder);
    remove_stale_temporaries(folder, path.filename().string());
    // A file must be creatable there: root ignores permissions, but not a read-only or
    // immutable folder. Found now, before the work, not after it.
    auto [tmp, raw] = create_temporary(path);
    ::close(raw);
    ::unlink(tmp.c_str());
}

std::size_t remove_stale_temporaries(const fs::path& folder, std::string_view name) {
    std::error_code ec;
    fs::directory_iterator it(folder, ec), end;
    if (ec) return 0;
    const std::string host = host_tag();
    std::size_t removed = 0;
    for (; it != end; it.increment(ec)) {
        if (ec) break;
        const auto w = writer_of(it->path().filename().string(), name);
        if (!w || (!w->host.empty() && w->host != host) || alive(w->pid)) continue;
        // Only files: a report's temporary folder has a name of this shape too.
        if (!it->is_regular_file(ec) || it->is_symlink(ec)) continue;
        if (::unlink(it->path().c_str()) == 0) ++removed;
    }
    return removed;
}

}  // namespace hubsim
