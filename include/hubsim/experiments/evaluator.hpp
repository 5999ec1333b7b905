#pragma once
/// \file
/// One evaluator for every study (sweep, calibrate, and the decision commands to come).
///
/// A study is a plan of evaluations, each a pure function of its index. The evaluator runs
/// them on oneTBB threads, on MPI ranks (the root hands evaluations out one at a time as
/// workers ask, so fast and slow ranks all stay busy), or, for one shard of a job array,
/// only those the shard owns; it journals each finished evaluation durably; on resume it
/// hands each evaluation its journal entry; and it returns the results in plan order, so
/// they are bit-identical whichever way it ran. It knows nothing of scenarios: a result
/// is bytes the study encodes and decodes. docs/cluster.md describes it for users.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hubsim {

/// Shard `index` of `count` of a job array: it owns evaluations e with e % count == index.
struct Shard {
    std::uint32_t index = 0, count = 1;
    bool owns(std::size_t e) const { return e % count == index; }
};

/// Reads "i/N" (0 <= i < N <= max_count); InputError naming `option` otherwise.
Shard parse_shard(const std::string& text, std::size_t max_count, const std::string& option);

/// What an evaluation gives back.
struct Evaluation {
    std::string bytes;    ///< its result, as the study encodes it
    bool reused = false;  ///< taken from the journal entry (which is left as it is)
};

struct EvaluationPlan {
    std::size_t size = 0;
    /// What the evaluations are, in progress lines (default: EvaluatorOptions::unit).
    std::string unit;
    /// What evaluation i's result depends on, as text: its journal entry is found by it
    /// and reused only where it matches.
    std::function<std::string(std::size_t)> key;
    /// Computes evaluation i. `previous` is its journal entry on resume (else null), which
    /// the study may take whole, extend or ignore. Called concurrently when the evaluator
    /// runs evaluations side by side, and on any rank.
    std::function<Evaluation(std::size_t i, const std::string* previous)> evaluate;
};

struct EvaluatorOptions {
    /// Evaluations a process runs side by side on its threads: 1 where each evaluation
    /// uses the threads itself (a sweep point runs its replications in parallel), 0 for
    /// as many as oneTBB has threads (a calibration's particles, one thread each).
    int side_by_side = 1;
    bool quiet = false;           ///< no progress on stderr
    std::string study = "sweep";  ///< names the progress lines
    std::string unit = "points";  ///< what an evaluation is, in progress lines
    std::string entry = "point";  ///< journal entries are ENTRY-HASH
};

class Evaluator {
  public:
    /// Joins MPI when the process was started by mpirun (or srun, or another PMI
    /// launcher); otherwise runs on threads alone.
    explicit Evaluator(EvaluatorOptions options);
    ~Evaluator();  ///< leaves MPI, unless an exception is unwinding (mpirun then ends the job)
    Evaluator(const Evaluator&) = delete;
    Evaluator& operator=(const Evaluator&) = delete;

    bool root() const { return rank_ == 0; }
    int rank() const { return rank_; }
    int ranks() const { return ranks_; }

    /// Gets the study's output `out` ready (on the root: its folder made, a read-only place
    /// found now, not after the work) and takes OUT.journal as the journal: the root creates
    /// and locks it, and clears it unless `resume`; then every rank waits for the others.
    /// OutputError (exit 1) if another process holds the journal.
    void open_output(const std::filesystem::path& out, bool resume);

    /// Removes the journal (on the root), for studies whose journal only serves to resume
    /// an interrupted run, once their output is written.
    void remove_journal();

    /// Runs the evaluations `which` (indices into `plan`, each once) and returns their
    /// results in that order on the root, or on every rank if `everywhere`; other ranks get
    /// an empty list. `reused` (if given) counts results taken from the journal as they
    /// were. A failing evaluation's exception passes on (on the rank that ran it).
    std::vector<std::string> run(const EvaluationPlan& plan, const std::vector<std::size_t>& which,
                                 bool everywhere = false, std::size_t* reused = nullptr);

    /// Waits for every rank (nothing without MPI).
    void barrier() const;

  private:
    std::vector<std::string> run_here(const EvaluationPlan& plan,
                                      const std::vector<std::size_t>& which, std::size_t& reused);
    std::vector<std::string> run_root(const EvaluationPlan& plan,
                                      const std::vector<std::size_t>& which, std::size_t& reused);
    void run_worker(const EvaluationPlan& plan, const std::vector<std::size_t>& which);
    void broadcast(std::vector<std::string>& results, std::size_t n) const;

    std::optional<std::string> journal_read(const std::string& key) const;
    void journal_write(const std::string& key, const std::string& bytes) const;

    EvaluatorOptions options_;
    bool mpi_ = false;
    int rank_ = 0, ranks_ = 1;
    int unwinding_ = 0;
    std::filesystem::path journal_;
    class JournalLock;
    std::unique_ptr<JournalLock> lock_;
};

}  // namespace hubsim
