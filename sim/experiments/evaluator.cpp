#include "hubsim/experiments/evaluator.hpp"

// The C API only: the deprecated C++ bindings would need their own library.
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <fcntl.h>
#include <mpi.h>
#include <sys/file.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <mutex>
#include <sstream>
#include <stdexcept>

#include "hubsim/io/atomic_file.hpp"
#include "hubsim/io/diagnostics.hpp"
#include "hubsim/io/digest.hpp"

namespace fs = std::filesystem;

namespace hubsim {

namespace {

bool under_mpi() {
    for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"})
        if (std::getenv(v)) return true;
    return false;
}

enum Tag : int { kReady = 1, kWork = 2, kBytes = 3 };

/// Sends or receives a result of any size: MPI counts are ints, so in pieces of 1 GiB.
constexpr std::size_t kPiece = std::size_t{1} << 30;

void send_bytes(const std::string& bytes, int to, int tag) {
    for (std::size_t at = 0; at < bytes.size(); at += kPiece)
        MPI_Send(bytes.data() + at, static_cast<int>(std::min(kPiece, bytes.size() - at)), MPI_CHAR,
                 to, tag, MPI_COMM_WORLD);
}

std::string receive_bytes(std::size_t size, int from, int tag) {
    std::string bytes(size, '\0');
    for (std::size_t at = 0; at < size; at += kPiece)
        MPI_Recv(bytes.data() + at, static_cast<int>(std::min(kPiece, size - at)), MPI_CHAR, from,
                 tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    return bytes;
}

// A journal entry: a magic line, the key, the result and a SHA-256 of all before it, so
// an entry cut short or altered reads as absent and is evaluated again.
constexpr std::string_view kMagic = "hubsim journal entry 1\n";

std::string length_prefix(std::size_t n) {
    std::string s(8, '\0');
    for (int b = 0; b < 8; ++b) s[b] = static_cast<char>((n >> (8 * b)) & 0xff);
    return s;
}

std::optional<std::size_t> read_length(std::string_view& in) {
    if (in.size() < 8) return std::nullopt;
    std::size_t n = 0;
    for (int b = 0; b < 8; ++b) n |= std::size_t{static_cast<unsigned char>(in[b])} << (8 * b);
    in.remove_prefix(8);
    if (n > in.size()) return std::nullopt;
    return n;
}

/// Progress on stderr: a bar on a terminal, plain lines otherwise, nothing when quiet.
class Progress {
  public:
    Progress(const EvaluatorOptions& o, const std::string& unit, std::size_t total)
        : study_(o.study),
          unit_(unit.empty() ? o.unit : unit),
          total_(total),
          quiet_(o.quiet),
          tty_(::isatty(STDERR_FILENO) != 0) {}
    void done(bool reused) {
        const std::lock_guard lock(mutex_);
        ++done_;
        reused_ += reused;
        if (quiet_) return;
        const double s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
        const double run = static_cast<double>(done_ - reused_);
        const double rate = run > 0 && s > 0 ? run / s : 0;
        const double left = rate > 0 ? static_cast<double>(total_ - done_) / rate : 0;
        if (tty_) {
            const int width = 30,
                      fill = static_cast<int>(width * done_ / std::max<std::size_t>(1, total_));
            std::fprintf(stderr, "\r[%.*s%*s] %zu/%zu %s, %.2f/s, %.0f s left  ", fill,
                         "##############################", width - fill, "", done_, total_,
                         unit_.c_str(), rate, left);
            if (done_ == total_) std::fprintf(stderr, "\n");
        } else if (total_ <= 100 || done_ % std::max<std::size_t>(1, total_ / 100) == 0 ||
                   done_ == total_) {
            std::fprintf(stderr, "%s: %zu/%zu %s, %.2f a second, %.0f s left\n", study_.c_str(),
                         done_, total_, unit_.c_str(), rate, left);
        }
    }

  private:
    std::string study_, unit_;
    std::size_t total_, done_ = 0, reused_ = 0;
    bool quiet_, tty_;
    std::mutex mutex_;
    std::chrono::steady_clock::time_point t0_ = std::chrono::steady_clock::now();
};

}  // namespace

Shard parse_shard(const std::string& text, std::size_t max_count, const std::string& option) {
    const auto slash = text.find('/');
    try {
        if (slash == std::string::npos) throw std::invalid_argument("no slash");
        std::size_t a = 0, b = 0;
        const unsigned long i = std::stoul(text.substr(0, slash), &a);
        const unsigned long n = std::stoul(text.substr(slash + 1), &b);
        if (a != slash || b != text.size() - slash - 1 || n == 0 || i >= n || n > max_count)
            throw std::invalid_argument("range");
        return {static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(n)};
    } catch (const std::exception&) {
        throw InputError({{"command line", 0, 0, option,
                           "expected i/N with 0 <= i < N <= " + std::to_string(max_count) +
                               ", found '" + text + "'"}});
    }
}

/// The root's hold on the journal folder (flock), from before it is cleared until the
/// study ends or dies: a second process writing the same output at the same time fails at
/// once (exit 1) instead of clearing the journal under the first. Where a folder cannot be
/// locked (NFS) the study goes on unlocked.
class Evaluator::JournalLock {
  public:
    /// Creates the journal, locks it, clears it unless resuming, and removes the
    /// temporaries of entries a killed process was writing (never a live writer's).
    JournalLock(const fs::path& journal, bool resume, const std::string& output) {
        std::error_code ec;
        if (fs::exists(journal, ec) && !fs::is_directory(journal, ec))
            throw InputError({{"command line", 0, 0, "--output",
                               "'" + journal.string() +
                                   "' (this output's journal) exists and is not a folder; "
                                   "move it away or choose another --output"}});
        fs::create_directories(journal, ec);
        if (ec) fail(journal, ec.message());
        fd_ = ::open(journal.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd_ < 0) fail(journal, std::strerror(errno));
        if (::flock(fd_, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK) {
            ::close(fd_);
            throw OutputError("cannot write " + output +
                              ": another process is writing it now (its journal " +
                              journal.string() + " is in use)");
        }
        if (!resume) {
            fs::directory_iterator it(journal, ec), end;
            for (; !ec && it != end; it.increment(ec)) fs::remove_all(it->path(), ec);
            if (ec) fail(journal, ec.message());
        }
        remove_stale_temporaries(journal);
    }
    JournalLock(const JournalLock&) = delete;
    JournalLock& operator=(const JournalLock&) = delete;
    ~JournalLock() { ::close(fd_); }

  private:
    [[noreturn]] void fail(const fs::path& journal, const std::string& why) {
        if (fd_ >= 0) ::close(fd_);
        throw OutputError("cannot prepare the journal " + journal.string() + ": " + why);
    }
    int fd_ = -1;
};

Evaluator::Evaluator(EvaluatorOptions options)
    : options_(std::move(options)), unwinding_(std::uncaught_exceptions()) {
    mpi_ = under_mpi();
    if (!mpi_) return;
    int initialised = 0;
    MPI_Initialized(&initialised);
    if (!initialised) MPI_Init(nullptr, nullptr);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &ranks_);
    if (rank_ != 0) options_.quiet = true;
}

Evaluator::~Evaluator() {
    lock_.reset();
    // A rank failing (a full disk, say) leaves without MPI_Finalize, which would wait for
    // the others for ever: mpirun then ends the job, once main has said why.
    if (mpi_ && std::uncaught_exceptions() == unwinding_) MPI_Finalize();
}

void Evaluator::barrier() const {
    if (mpi_) MPI_Barrier(MPI_COMM_WORLD);
}

void Evaluator::open_output(const fs::path& out, bool resume) {
    journal_ = fs::path(out.string() + ".journal");
    if (root()) {
        prepare_output(out);
        lock_ = std::make_unique<JournalLock>(journal_, resume, out.string());
    }
    barrier();
}

void Evaluator::remove_journal() {
    if (!root() || journal_.empty()) return;
    lock_.reset();
    std::error_code ec;
    fs::remove_all(journal_, ec);  // left behind, it is only cleared by the next run
    journal_.clear();
}

std::optional<std::string> Evaluator::journal_read(const std::string& key) const {
    if (journal_.empty()) return std::nullopt;
    const fs::path path = journal_ / (options_.entry + "-" + sha256_hex(key).substr(0, 16));
    std::string text;
    try {
        if (!fs::is_regular_file(path)) return std::nullopt;
        std::ifstream in(path, std::ios::binary);
        std::ostringstream ss;
        ss << in.rdbuf();
        if (in.bad()) return std::nullopt;
        text = std::move(ss).str();
    } catch (const std::exception&) {
        return std::nullopt;  // unreadable: evaluated again
    }
    std::string_view in(text);
    if (in.size() < kMagic.size() + 64 || in.substr(0, kMagic.size()) != kMagic)
        return std::nullopt;
    const std::string_view body = in.substr(0, in.size() - 64);
    if (sha256_hex(body) != in.substr(in.size() - 64)) return std::nullopt;
    in = body.substr(kMagic.size());
    const auto key_size = read_length(in);
    if (!key_size || in.substr(0, *key_size) != key) return std::nullopt;
    in.remove_prefix(*key_size);
    const auto size = read_length(in);
    if (!size || *size != in.size()) return std::nullopt;
    return std::string(in);
}

void Evaluator::journal_write(const std::string& key, const std::string& bytes) const {
    if (journal_.empty()) return;
    const fs::path path = journal_ / (options_.entry + "-" + sha256_hex(key).substr(0, 16));
    const std::string k = length_prefix(key.size()), b = length_prefix(bytes.size());
    Sha256 sum;
    sum.update(kMagic).update(k).update(key).update(b).update(bytes);
    const std::string hex = sum.hex();
    const std::string_view pieces[] = {kMagic, k, key, b, bytes, hex};
    write_bytes_atomically(path, pieces);
}

std::vector<std::string> Evaluator::run(const EvaluationPlan& plan,
                                        const std::vector<std::size_t>& which, bool everywhere,
                                        std::size_t* reused) {
    std::size_t r = 0;
    std::vector<std::string> results;
    if (!mpi_ || ranks_ == 1)
        results = run_here(plan, which, r);
    else if (root())
        results = run_root(plan, which, r);
    else
        run_worker(plan, which);
    if (everywhere && mpi_ && ranks_ > 1) broadcast(results, which.size());
    if (reused) *reused = r;
    return results;
}

std::vector<std::string> Evaluator::run_here(const EvaluationPlan& plan,
                                             const std::vector<std::size_t>& which,
                                             std::size_t& reused) {
    std::vector<std::string> results(which.size());
    Progress progress(options_, plan.unit, which.size());
    std::atomic<std::size_t> taken{0};
    const auto one = [&](std::size_t k) {
        const std::string key = plan.key(which[k]);
        const auto previous = journal_read(key);
        Evaluation e = plan.evaluate(which[k], previous ? &*previous : nullptr);
        // Journalled at once: a finished evaluation must survive whatever happens next.
        if (!e.reused) journal_write(key, e.bytes);
        taken += e.reused;
        progress.done(e.reused);
        results[k] = std::move(e.bytes);
    };
    if (options_.side_by_side == 1) {
        for (std::size_t k = 0; k < which.size(); ++k) one(k);
    } else {
        const int n = options_.side_by_side > 0 ? options_.side_by_side
                                                : tbb::this_task_arena::max_concurrency();
        tbb::task_arena arena(n);
        arena.execute([&] {
            tbb::parallel_for(tbb::blocked_range<std::size_t>(0, which.size(), 1),
                              [&](const tbb::blocked_range<std::size_t>& range) {
                                  for (std::size_t k = range.begin(); k != range.end(); ++k) one(k);
                              });
        });
    }
    reused = taken;
    return results;
}

std::vector<std::string> Evaluator::run_root(const EvaluationPlan& plan,
                                             const std::vector<std::size_t>& which,
                                             std::size_t& reused) {
    // The root hands evaluations out as workers ask, journals what they return, and holds
    // the results: workers need no file system shared with it.
    std::vector<std::string> results(which.size()), keys(which.size());
    Progress progress(options_, plan.unit, which.size());
    std::size_t next = 0, stopped = 0;
    while (stopped < static_cast<std::size_t>(ranks_ - 1)) {
        long long done[3];  // {k or -1, reused, size}
        MPI_Status st;
        MPI_Recv(done, 3, MPI_LONG_LONG, MPI_ANY_SOURCE, kReady, MPI_COMM_WORLD, &st);
        if (done[0] >= 0) {
            const auto k = static_cast<std::size_t>(done[0]);
            results[k] = receive_bytes(static_cast<std::size_t>(done[2]), st.MPI_SOURCE, kBytes);
            if (!done[1]) journal_write(keys[k], results[k]);
            reused += done[1] != 0;
            progress.done(done[1] != 0);
        }
        long long give[2] = {-1, -1};  // {k or -1, size of its journal entry or -1}
        std::optional<std::string> previous;
        if (next < which.size()) {
            keys[next] = plan.key(which[next]);
            previous = journal_read(keys[next]);
            give[0] = static_cast<long long>(next++);
            give[1] = previous ? static_cast<long long>(previous->size()) : -1;
        } else {
            ++stopped;
        }
        MPI_Send(give, 2, MPI_LONG_LONG, st.MPI_SOURCE, kWork, MPI_COMM_WORLD);
        if (previous) send_bytes(*previous, st.MPI_SOURCE, kBytes);
    }
    return results;
}

void Evaluator::run_worker(const EvaluationPlan& plan, const std::vector<std::size_t>& which) {
    long long done[3] = {-1, 0, 0};
    std::string bytes;
    for (;;) {
        MPI_Send(done, 3, MPI_LONG_LONG, 0, kReady, MPI_COMM_WORLD);
        if (done[0] >= 0) send_bytes(bytes, 0, kBytes);
        long long give[2];
        MPI_Recv(give, 2, MPI_LONG_LONG, 0, kWork, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        if (give[0] < 0) break;
        std::optional<std::string> previous;
        if (give[1] >= 0) previous = receive_bytes(static_cast<std::size_t>(give[1]), 0, kBytes);
        Evaluation e = plan.evaluate(which[static_cast<std::size_t>(give[0])],
                                     previous ? &*previous : nullptr);
        bytes = std::move(e.bytes);
        done[0] = give[0];
        done[1] = e.reused ? 1 : 0;
        done[2] = static_cast<long long>(bytes.size());
    }
}

void Evaluator::broadcast(std::vector<std::string>& results, std::size_t n) const {
    results.resize(n);
    std::vector<long long> sizes(n);
    if (root())
        for (std::size_t k = 0; k < n; ++k) sizes[k] = static_cast<long long>(results[k].size());
    MPI_Bcast(sizes.data(), static_cast<int>(n), MPI_LONG_LONG, 0, MPI_COMM_WORLD);
    for (std::size_t k = 0; k < n; ++k) {
        results[k].resize(static_cast<std::size_t>(sizes[k]));
        for (std::size_t at = 0; at < results[k].size(); at += kPiece)
            MPI_Bcast(results[k].data() + at,
                      static_cast<int>(std::min(kPiece, results[k].size() - at)), MPI_CHAR, 0,
                      MPI_COMM_WORLD);
    }
}

}  // namespace hubsim
