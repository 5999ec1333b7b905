// The evaluator on one process: results in plan order whichever way it runs them, a
// journal that is reused on resume and distrusted when damaged or foreign, and a lock.

#include <gtest/gtest.h>
#include <tbb/global_control.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>

#include "hubsim/experiments/evaluator.hpp"
#include "hubsim/io/atomic_file.hpp"
#include "hubsim/io/diagnostics.hpp"

namespace fs = std::filesystem;

namespace hubsim {
namespace {

/// A plan of `n` evaluations whose result is its index written out, and which counts how
/// often it ran and what the journal handed it.
struct Squares {
    std::atomic<int> ran{0}, handed{0};
    EvaluationPlan plan(std::size_t n) {
        EvaluationPlan p;
        p.size = n;
        p.key = [](std::size_t i) { return "square " + std::to_string(i); };
        p.evaluate = [this](std::size_t i, const std::string* previous) -> Evaluation {
            if (previous) {
                ++handed;
                return {*previous, true};
            }
            ++ran;
            return {std::to_string(i * i), false};
        };
        return p;
    }
};

std::vector<std::size_t> upto(std::size_t n) {
    std::vector<std::size_t> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = i;
    return v;
}

class EvaluatorTest : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("hubsim-evaluator-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }
    fs::path dir_;
};

TEST_F(EvaluatorTest, ResultsComeInPlanOrderSideBySideOrOneAtATime) {
    const tbb::global_control four(tbb::global_control::max_allowed_parallelism, 4);
    for (int side_by_side : {1, 0, 3}) {
        Squares s;
        Evaluator e(EvaluatorOptions{.side_by_side = side_by_side, .quiet = true});
        const std::vector<std::size_t> which = {5, 2, 9, 0};
        std::size_t reused = 7;
        const auto out = e.run(s.plan(10), which, false, &reused);
        EXPECT_EQ(out, (std::vector<std::string>{"25", "4", "81", "0"}));
        EXPECT_EQ(reused, 0u);
        EXPECT_EQ(s.ran, 4);
    }
}

TEST_F(EvaluatorTest, ResumeHandsEachEvaluationItsJournalEntry) {
    const fs::path file = dir_ / "out.h5", journal = dir_ / "out.h5.journal";
    {
        Squares s;
        Evaluator e(EvaluatorOptions{.quiet = true});
        e.open_output(file, false);
        e.run(s.plan(6), {0, 1, 2}, false);
    }
    Squares s;
    Evaluator e(EvaluatorOptions{.quiet = true});
    e.open_output(file, true);
    std::size_t reused = 0;
    const auto out = e.run(s.plan(6), upto(6), false, &reused);
    EXPECT_EQ(out, (std::vector<std::string>{"0", "1", "4", "9", "16", "25"}));
    EXPECT_EQ(reused, 3u);
    EXPECT_EQ(s.handed, 3);
    EXPECT_EQ(s.ran, 3);
}

TEST_F(EvaluatorTest, WithoutResumeTheJournalIsCleared) {
    const fs::path file = dir_ / "j.h5", journal = dir_ / "j.h5.journal";
    {
        Squares s;
        Evaluator e(EvaluatorOptions{.quiet = true});
        e.open_output(file, false);
        e.run(s.plan(3), upto(3), false);
    }
    Squares s;
    Evaluator e(EvaluatorOptions{.quiet = true});
    e.open_output(file, false);
    e.run(s.plan(3), upto(3), false);
    EXPECT_EQ(s.handed, 0);
    EXPECT_EQ(s.ran, 3);
}

TEST_F(EvaluatorTest, DamagedOrForeignEntriesAreEvaluatedAgain) {
    const fs::path file = dir_ / "j.h5", journal = dir_ / "j.h5.journal";
    {
        Squares s;
        Evaluator e(EvaluatorOptions{.quiet = true, .entry = "e"});
        e.open_output(file, false);
        e.run(s.plan(3), upto(3), false);
    }
    std::vector<fs::path> entries;
    for (const auto& f : fs::directory_iterator(journal)) entries.push_back(f.path());
    std::sort(entries.begin(), entries.end());
    ASSERT_EQ(entries.size(), 3u);
    // One cut short, one with a byte changed, one another evaluation's entry under its name.
    fs::resize_file(entries[0], fs::file_size(entries[0]) - 1);
    {
        std::fstream f(entries[1], std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(30);
        f.put('#');
    }
    fs::copy_file(entries[1], entries[2], fs::copy_options::overwrite_existing);
    Squares s;
    Evaluator e(EvaluatorOptions{.quiet = true, .entry = "e"});
    e.open_output(file, true);
    const auto out = e.run(s.plan(3), upto(3), false);
    EXPECT_EQ(out, (std::vector<std::string>{"0", "1", "4"}));
    EXPECT_EQ(s.handed, 0);
    EXPECT_EQ(s.ran, 3);
}

TEST_F(EvaluatorTest, ASecondWriterOfTheSameJournalFailsAtOnce) {
    Evaluator first(EvaluatorOptions{.quiet = true});
    first.open_output(dir_ / "out.h5", false);
    Evaluator second(EvaluatorOptions{.quiet = true});
    EXPECT_THROW(second.open_output(dir_ / "out.h5", false), OutputError);
}

TEST_F(EvaluatorTest, AJournalThatIsAFileIsRefused) {
    std::ofstream(dir_ / "out.h5.journal") << "not a journal\n";
    Evaluator e(EvaluatorOptions{.quiet = true});
    EXPECT_THROW(e.open_output(dir_ / "out.h5", false), InputError);
}

TEST(Shard, ParsesAndRefuses) {
    const Shard s = parse_shard("2/5", 10, "--shard");
    EXPECT_EQ(s.index, 2u);
    EXPECT_EQ(s.count, 5u);
    EXPECT_TRUE(s.owns(7));
    EXPECT_FALSE(s.owns(8));
    for (const char* bad : {"5/5", "1/0", "2", "a/3", "1/3x", "-1/3", "0/11"})
        EXPECT_THROW(parse_shard(bad, 10, "--shard"), InputError) << bad;
}

}  // namespace
}  // namespace hubsim
