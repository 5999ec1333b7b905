#include "sweep_command.hpp"

// The C API only: the deprecated C++ bindings would need their own library.
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <fcntl.h>
#include <mpi.h>
#include <sys/file.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <optional>
#include <stdexcept>

#include "bounds.hpp"
#include "hubsim/io/atomic_file.hpp"
#include "hubsim/io/diagnostics.hpp"
#include "hubsim/io/digest.hpp"
#include "hubsim/io/sweep.hpp"
#include "hubsim/model/replication.hpp"
#include "hubsim/model/runner.hpp"
#include "output_path.hpp"
#include "threads.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace hubsim {

namespace {

struct Shard {
    std::uint32_t index = 0, count = 1;
};

Shard parse_shard(const std::string& text) {
    const auto slash = text.find('/');
    try {
        if (slash == std::string::npos) throw std::invalid_argument("no slash");
        std::size_t a = 0, b = 0;
        const unsigned long i = std::stoul(text.substr(0, slash), &a);
        const unsigned long n = std::stoul(text.substr(slash + 1), &b);
        if (a != slash || b != text.size() - slash - 1 || n == 0 || i >= n || n > kMaxSweepPoints)
            throw std::invalid_argument("range");
        return {static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(n)};
    } catch (const std::exception&) {
        throw InputError({{"command line", 0, 0, "--shard",
                           "expected i/N with 0 <= i < N <= " + std::to_string(kMaxSweepPoints) +
                               ", found '" + text + "'"}});
    }
}

/// Where a point's journal entry lives: named by a hash of its fingerprint, so a point keeps
/// its entry when points are added around it.
fs::path journal_entry(const fs::path& journal, const std::string& fingerprint) {
    return journal / ("point-" + sha256_hex(fingerprint).substr(0, 16) + ".h5");
}

/// Progress on stderr: a bar on a terminal, plain lines otherwise, nothing when quiet.
class Progress {
  public:
    Progress(std::size_t total, bool quiet)
        : total_(total), quiet_(quiet), tty_(::isatty(STDERR_FILENO) != 0) {}
    void done(std::size_t reused) {
        ++done_;
        if (quiet_) return;
        const double s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
        const double rate = (done_ - reused_) > 0 ? static_cast<double>(done_ - reused_) / s : 0;
        reused_ = reused;
        const double left = rate > 0 ? static_cast<double>(total_ - done_) / rate : 0;
        if (tty_) {
            const int width = 30,
                      fill = static_cast<int>(width * done_ / std::max<std::size_t>(1, total_));
            std::fprintf(stderr, "\r[%.*s%*s] %zu/%zu points, %.2f/s, %.0f s left  ", fill,
                         "##############################", width - fill, "", done_, total_, rate,
                         left);
            if (done_ == total_) std::fprintf(stderr, "\n");
        } else if (total_ <= 100 || done_ % std::max<std::size_t>(1, total_ / 100) == 0 ||
                   done_ == total_) {
            std::fprintf(stderr, "sweep: %zu/%zu points, %.2f points/s, %.0f s left\n", done_,
                         total_, rate, left);
        }
    }

  private:
    std::size_t total_, done_ = 0, reused_ = 0;
    bool quiet_, tty_;
    std::chrono::steady_clock::time_point t0_ = std::chrono::steady_clock::now();
};

/// Computes one point, reusing what the journal already holds for it.
PointResults compute_point(const SweepSpec& spec, const std::vector<double>& values,
                           const fs::path& journal, bool resume, int threads, bool& reused) {
    const std::string fp = spec.fingerprint(values);
    const fs::path entry = journal_entry(journal, fp);
    PointResults have;
    reused = false;
    if (resume && fs::exists(entry)) {
        try {
            PointResults old = read_journal_entry(entry);
            if (old.fingerprint == fp) have = std::move(old);
        } catch (const InputError&) {
            // A damaged entry (the sweep was killed while writing it elsewhere) is redone.
        }
    }
    if (have.replications >= spec.replications && have.replications > 0) {
        have.truncate(spec.replications);
        reused = true;
        return have;
    }
    const Scenario sc = spec.scenario_at(values);
    RunOptions o;
    o.first_replication = have.replications;
    o.replications = spec.replications - have.replications;
    o.threads = threads;
    PointResults fresh = PointResults::from(run_scenario(sc, o), spec.keep_trajectories, fp);
    if (have.replications > 0) {
        have.append(fresh);
        fresh = std::move(have);
    }
    // Journal it at once: a finished point must survive whatever happens next.
    write_journal_entry(entry, fresh);
    return fresh;
}

/// A sweep's hold on its journal folder (flock), from before it is cleared until the sweep
/// ends or dies: a second sweep writing the same output at the same time fails at once
/// (exit 1) instead of clearing the journal under the first. Where a folder cannot be
/// locked (NFS) the sweep goes on unlocked.
class JournalLock {
  public:
    /// Creates the journal, locks it, clears it unless resuming, and removes the
    /// temporaries of entries a killed sweep was writing (never a live writer's).
    JournalLock(const fs::path& out, const fs::path& journal, bool resume) {
        std::error_code ec;
        fs::create_directories(journal, ec);
        if (ec) fail(journal, ec.message());
        fd_ = ::open(journal.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd_ < 0) fail(journal, std::strerror(errno));
        if (::flock(fd_, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK) {
            ::close(fd_);
            throw OutputError("cannot write " + out.string() +
                              ": another sweep is writing it now (its journal " + journal.string() +
                              " is in use)");
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
        throw OutputError("cannot prepare the sweep journal " + journal.string() + ": " + why);
    }
    int fd_ = -1;
};

bool under_mpi() {
    for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"})
        if (std::getenv(v)) return true;
    return false;
}

enum Tag : int { kReady = 1, kWork = 2 };

}  // namespace

po::options_description sweep_options() {
    po::options_description opts("Options");
    opts.add_options()("sweep", po::value<std::string>(), "sweep YAML file")(
        "output,o", po::value<std::string>(), "output HDF5 file (default results/NAME.h5)")(
        "resume", po::bool_switch(),
        "reuse finished points from the journal; run only what is missing")(
        "shard", po::value<std::string>(), "run only shard i of N (points p with p % N == i)")(
        "threads,t", po::value<int>()->default_value(0),
        "worker threads per process (0: all cores)")("quiet,q", po::bool_switch(), "no progress")(
        "parameters", po::value<std::string>(),
        "drawn (default: each replication draws the base scenario's posterior) or fixed");
    return opts;
}

int sweep_command(const std::vector<std::string>& args, const std::string& command_line) {
    const po::options_description opts = sweep_options();
    po::positional_options_description pos;
    pos.add("sweep", 1);
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(args).options(opts).positional(pos).run(), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        throw InputError({{"command line", 0, 0, "", e.what()}});
    }
    if (!vm.count("sweep"))
        throw InputError({{"command line", 0, 0, "", "missing the sweep file"}});
    const Shard shard = vm.count("shard") ? parse_shard(vm["shard"].as<std::string>()) : Shard{};
    const bool resume = vm["resume"].as<bool>(), quiet = vm["quiet"].as<bool>();
    const int threads = vm["threads"].as<int>();
    const auto thread_limit = cli::limit_threads(threads);

    const bool mpi = under_mpi();
    int rank = 0, size = 1;
    if (mpi) {
        MPI_Init(nullptr, nullptr);
        MPI_Comm_rank(MPI_COMM_WORLD, &rank);
        MPI_Comm_size(MPI_COMM_WORLD, &size);
    }
    struct Finalize {
        bool on;
        int unwinding = std::uncaught_exceptions();
        ~Finalize() {
            // A rank failing (a full disk, say) leaves without MPI_Finalize, which would wait
            // for the others for ever: mpirun then ends the job, once main has said why.
            if (on && std::uncaught_exceptions() == unwinding) MPI_Finalize();
        }
    } finalize{mpi};

    std::vector<std::string> sets;
    if (vm.count("parameters")) sets.push_back("parameters=" + vm["parameters"].as<std::string>());
    const SweepSpec spec = load_sweep(vm["sweep"].as<std::string>(), sets);
    Results shape;  // the axes alone: what one replication of a point holds
    prepare_results(spec.base.scenario, 0, shape);
    cli::check_memory(static_cast<double>(spec.point_count()) * spec.replications *
                          static_cast<double>(shape.bytes_per_replication(!spec.keep_trajectories)),
                      "sweep",
                      std::to_string(spec.point_count()) + " points x " +
                          std::to_string(spec.replications) + " replications" +
                          (spec.keep_trajectories ? " (keep: trajectories)" : ""));
    const SweepFile all = SweepFile::describe(spec);
    auto inputs = spec.base.input_files;
    inputs.emplace_back(spec.path);
    const fs::path out = cli::checked_output(
        vm.count("output") ? vm["output"].as<std::string>() : "results/" + spec.name + ".h5",
        "--output", inputs);
    const fs::path journal = fs::path(out.string() + ".journal");
    if (std::error_code ec; fs::exists(journal, ec) && !fs::is_directory(journal, ec))
        throw InputError({{"command line", 0, 0, "--output",
                           "'" + journal.string() +
                               "' (this output's journal) exists and is not a folder; move "
                               "it away or choose another --output"}});
    std::optional<JournalLock> lock;
    if (rank == 0) {
        // Its folder made, temporaries a killed sweep left cleared, and a read-only or
        // missing place found now rather than after the points have run.
        prepare_output(out);
        lock.emplace(out, journal, resume);
    }
    if (mpi) MPI_Barrier(MPI_COMM_WORLD);

    std::vector<std::uint32_t> mine;
    for (std::uint32_t p = 0; p < all.total_points; ++p)
        if (p % shard.count == shard.index) mine.push_back(p);
    SweepFile result = all;
    result.point_index = mine;
    result.point_values.clear();
    for (auto p : mine) result.point_values.push_back(all.point_values[p]);
    result.results.assign(mine.size(), {});

    Progress progress(mine.size(), quiet || rank != 0);
    std::size_t reused = 0;
    if (!mpi || size == 1) {
        for (std::size_t i = 0; i < mine.size(); ++i) {
            bool r = false;
            result.results[i] =
                compute_point(spec, result.point_values[i], journal, resume, threads, r);
            reused += r;
            progress.done(reused);
        }
    } else if (rank == 0) {
        // Hand points out as workers ask, so fast and slow ranks all stay busy.
        std::size_t next = 0, stopped = 0;
        while (stopped < static_cast<std::size_t>(size - 1)) {
            long long msg[2];
            MPI_Status st;
            MPI_Recv(msg, 2, MPI_LONG_LONG, MPI_ANY_SOURCE, kReady, MPI_COMM_WORLD, &st);
            if (msg[0] >= 0) {
                reused += static_cast<std::size_t>(msg[1]);
                progress.done(reused);
            }
            long long give = next < mine.size() ? static_cast<long long>(next++) : -1;
            if (give < 0) ++stopped;
            MPI_Send(&give, 1, MPI_LONG_LONG, st.MPI_SOURCE, kWork, MPI_COMM_WORLD);
        }
        // Every point is in the journal: read them back in point order.
        for (std::size_t i = 0; i < mine.size(); ++i) {
            result.results[i] = read_journal_entry(
                journal_entry(journal, spec.fingerprint(result.point_values[i])));
            result.results[i].truncate(spec.replications);
        }
    } else {
        long long msg[2] = {-1, 0};
        for (;;) {
            MPI_Send(msg, 2, MPI_LONG_LONG, 0, kReady, MPI_COMM_WORLD);
            long long i = -1;
            MPI_Recv(&i, 1, MPI_LONG_LONG, 0, kWork, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            if (i < 0) break;
            bool r = false;
            compute_point(spec, result.point_values[static_cast<std::size_t>(i)], journal, resume,
                          threads, r);
            msg[0] = i;
            msg[1] = r ? 1 : 0;
        }
    }
    if (rank == 0) {
        write_sweep_file(out, result, command_line);
        if (!quiet)
            std::fprintf(
                stderr, "sweep %s: %zu points x %u replications (%zu reused) written to %s\n",
                spec.name.c_str(), mine.size(), spec.replications, reused, out.string().c_str());
    }
    return 0;
}

po::options_description merge_options() {
    po::options_description opts("Options");
    opts.add_options()("shards", po::value<std::vector<std::string>>()->multitoken(),
                       "shard files")("output,o", po::value<std::string>(), "merged output file");
    return opts;
}

int merge_command(const std::vector<std::string>& args, const std::string& command_line) {
    const po::options_description opts = merge_options();
    po::positional_options_description pos;
    pos.add("shards", -1);
    po::variables_map vm;
    try {
        po::store(po::command_line_parser(args).options(opts).positional(pos).run(), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        throw InputError({{"command line", 0, 0, "", e.what()}});
    }
    if (!vm.count("shards") || !vm.count("output"))
        throw InputError({{"command line", 0, 0, "", "usage: hubsim merge SHARD.h5... -o OUT.h5"}});
    const auto paths = vm["shards"].as<std::vector<std::string>>();
    const fs::path out = cli::checked_output(vm["output"].as<std::string>(), "--output",
                                             {paths.begin(), paths.end()});
    std::optional<SweepFile> merged;
    std::vector<bool> seen;
    std::vector<std::vector<double>> values;
    std::vector<PointResults> results;
    for (const auto& p : paths) {
        SweepFile f = read_sweep_file(p);
        if (!merged) {
            merged = f;
            seen.assign(f.total_points, false);
            values.resize(f.total_points);
            results.resize(f.total_points);
        } else if (f.sweep_text != merged->sweep_text || f.scenario_yaml != merged->scenario_yaml ||
                   f.replications != merged->replications ||
                   f.total_points != merged->total_points) {
            throw InputError(
                {{p, 0, 0, "", "is a shard of a different sweep than " + paths.front()}});
        }
        for (std::size_t i = 0; i < f.point_index.size(); ++i) {
            const auto g = f.point_index[i];
            if (g >= seen.size() || seen[g])
                throw InputError({{p, 0, 0, "", "holds point " + std::to_string(g) + " twice"}});
            seen[g] = true;
            values[g] = f.point_values[i];
            results[g] = std::move(f.results[i]);
        }
    }
    std::vector<std::string> missing;
    for (std::size_t g = 0; g < seen.size(); ++g)
        if (!seen[g]) missing.push_back(std::to_string(g));
    if (!missing.empty()) {
        std::string list;
        for (std::size_t i = 0; i < missing.size() && i < 10; ++i)
            list += (i ? ", " : "") + missing[i];
        throw InputError({{"command line", 0, 0, "",
                           std::to_string(missing.size()) + " points missing from the shards (" +
                               list + (missing.size() > 10 ? ", ..." : "") + ")"}});
    }
    SweepFile& m = *merged;
    m.point_index.clear();
    for (std::uint32_t g = 0; g < m.total_points; ++g) m.point_index.push_back(g);
    m.point_values = std::move(values);
    m.results = std::move(results);
    prepare_output(out);
    write_sweep_file(out, m, command_line);
    return 0;
}

}  // namespace hubsim
