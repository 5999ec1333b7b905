// The atomic writer: whole files or none, folders made, errors naming path and cause, and
// only dead writers' temporaries removed. (tests/python/test_faults.py kills, fills and
// write-protects real processes and file systems.)

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "hubsim/io/atomic_file.hpp"

using namespace hubsim;
namespace fs = std::filesystem;

namespace {

/// A fresh folder of its own for each test, removed after it.
class AtomicFile : public ::testing::Test {
  protected:
    void SetUp() override {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        dir_ = fs::temp_directory_path() /
               ("hubsim-atomic-" + std::to_string(::getpid()) + "-" + info->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    static std::string read(const fs::path& p) {
        std::ifstream in(p, std::ios::binary);
        std::ostringstream s;
        s << in.rdbuf();
        return s.str();
    }
    static void touch(const fs::path& p) { std::ofstream(p) << "partial"; }
    /// Every entry of a folder, by name.
    std::vector<std::string> names() const {
        std::vector<std::string> out;
        for (const auto& e : fs::directory_iterator(dir_)) out.push_back(e.path().filename());
        std::sort(out.begin(), out.end());
        return out;
    }
    fs::path dir_;
};

/// A PID no process has any more: a child that has exited and been reaped.
pid_t dead_pid() {
    const pid_t pid = ::fork();
    if (pid == 0) ::_exit(0);
    ::waitpid(pid, nullptr, 0);
    return pid;
}

}  // namespace

TEST_F(AtomicFile, ReplacesTheWholeFileAndLeavesNoTemporary) {
    const fs::path out = dir_ / "out.txt";
    write_text_atomically(out, "old");
    write_text_atomically(out, "new and longer");
    EXPECT_EQ(read(out), "new and longer");
    EXPECT_EQ(names(), std::vector<std::string>{"out.txt"});
}

TEST_F(AtomicFile, CreatesMissingFolders) {
    const fs::path out = dir_ / "a" / "b" / "out.txt";
    write_text_atomically(out, "x");
    EXPECT_EQ(read(out), "x");
    prepare_output(dir_ / "c" / "d" / "later.h5");
    EXPECT_TRUE(fs::is_directory(dir_ / "c" / "d"));
    EXPECT_TRUE(fs::is_empty(dir_ / "c" / "d"));  // the check that it is writable leaves nothing
}

TEST_F(AtomicFile, AFailedWriteLeavesTheOlderFileAndNoTemporary) {
    const fs::path out = dir_ / "out.h5";
    write_text_atomically(out, "old");
    EXPECT_THROW(write_atomically(out,
                                  [](const fs::path& tmp) {
                                      std::ofstream(tmp) << "half";
                                      throw std::runtime_error("failed half way");
                                  }),
                 std::runtime_error);
    EXPECT_EQ(read(out), "old");
    EXPECT_EQ(names(), std::vector<std::string>{"out.h5"});
}

TEST_F(AtomicFile, ErrorsNameThePathAndTheCause) {
    touch(dir_ / "file");
    const fs::path out = dir_ / "file" / "out.h5";  // a folder that is a file
    try {
        write_text_atomically(out, "x");
        FAIL() << "no error";
    } catch (const OutputError& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find(out.string()), std::string::npos) << what;
        EXPECT_NE(what.find("Not a directory"), std::string::npos) << what;
    }
    EXPECT_THROW(prepare_output(out), OutputError);
}

TEST_F(AtomicFile, RemovesOnlyTheTemporariesOfDeadWriters) {
    const std::string dead = std::to_string(dead_pid()), live = std::to_string(::getpid());
    const std::vector<std::string> stale = {".out.h5.tmp-" + dead + "-0", ".out.h5.tmp-" + dead};
    const std::vector<std::string> kept = {
        ".out.h5.tmp-" + live + "-0",                    // a writer still running
        ".out.h5.tmp-elsewhere.example-" + dead + "-0",  // another machine's
        ".other.h5.tmp-" + dead + "-0",                  // another file's
        ".out.h5.tmp-notapid",                           // not hubsim's
        "out.h5"};
    for (const auto& n : stale) touch(dir_ / n);
    for (const auto& n : kept) touch(dir_ / n);
    fs::create_directory(dir_ / (".out.h5.tmp-" + dead + "-1"));  // a folder: never removed
    EXPECT_EQ(remove_stale_temporaries(dir_, "out.h5"), stale.size());
    std::vector<std::string> left = kept;
    left.push_back(".out.h5.tmp-" + dead + "-1");
    std::sort(left.begin(), left.end());
    EXPECT_EQ(names(), left);
    // Without a name: every dead writer's temporary in the folder.
    EXPECT_EQ(remove_stale_temporaries(dir_), 1u);
    EXPECT_FALSE(fs::exists(dir_ / (".other.h5.tmp-" + dead + "-0")));
}
