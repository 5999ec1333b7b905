"""Faults: kill -9 at any moment, a full disk, a read-only folder, two writers of one file,
missing folders, --threads kept while writing, and a report onto a full disk.

What is promised (docs/reliability.md, "Faults"): the output path only ever holds nothing, an
older complete file untouched, or the new complete file; temporaries a killed writer left
are removed by the next command writing that output, and only if their writer is dead; a
resumed sweep equals an uninterrupted one; a full or read-only disk gets exit status 1 and
a message naming the path and the cause, never a crash. The kill moments are drawn from a
seeded generator (what is tried is the same on every run) and, where strace is present,
also placed exactly on each system call of the writer. Full and read-only disks are real
tmpfs mounts (the test skips, saying why, where it may not mount).
"""

import os
import platform
import random
import shutil
import signal
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import h5py
import numpy as np
import pytest

from conftest import HUBSIM, MULTI_YAML, SANITIZER, TINY, leftovers, run_hubsim, run_mpi, run_ok
from test_sweep import BASE, datasets  # the sweep tests' three-hub base and reader

SEED = 20240611

SWEEP = """\
scenario: base.yaml
name: faults
replications: 4
design: {kind: sobol, points: 16}
parameters:
  llme.primary_mastery_specialist.days: {uniform: [1, 3]}
  demand.p: {uniform: [0.02, 0.1]}
  policy.priority: {values: [waiting_time, disadvantage, lottery]}
keep: trajectories
"""

CALIBRATION = """\
scenario: multi.yaml
observations: observed.csv
parameters:
  demand.p: {uniform: [0.01, 0.3]}
method: {kind: abc_smc, particles: 120, generations: 4}
replications: 1
seed: 4
"""

OBSERVED = """\
date,measure,phase,scope,value,kind
2016-08-31,engaged,primary,national,40,approximate
2018-08-31,engaged,primary,national,90,approximate
"""


# ------------------------------------------------------------------------------ helpers


def same_datasets(a, b):
    """True if the two files hold the same datasets with the same values."""
    da, db = (a if isinstance(a, dict) else datasets(a)), (b if isinstance(b, dict) else datasets(b))
    if da.keys() != db.keys():
        return False
    for k in da:
        x, y = da[k], db[k]
        if x.shape != y.shape:
            return False
        if x.dtype.kind == "f" and not np.array_equal(x, y, equal_nan=True):
            return False
        if x.dtype.kind != "f" and not np.array_equal(x, y):
            return False
    return True


def host_tag():
    """This machine's name as hubsim's temporary names carry it (sim/io/atomic_file.cpp)."""
    name = os.uname().nodename[:64] or "localhost"
    return "".join(c if (c.isascii() and c.isalnum()) or c == "." else "_" for c in name)


def dead_pid():
    """The PID of a process that has exited (and been reaped)."""
    p = subprocess.Popen(["true"])
    p.wait()
    return p.pid


def temporaries(folder):
    """hubsim's temporaries in a folder and, for sweeps, in the journals beside outputs."""
    found = leftovers(folder)
    for journal in Path(folder).glob("*.journal"):
        found += [f"{journal.name}/{n}" for n in leftovers(journal)]
    return found


def start(*args, cwd=None):
    return subprocess.Popen([str(HUBSIM), *map(str, args)], cwd=cwd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def kill_after(delay, *args):
    """Starts hubsim, sends SIGKILL after `delay` seconds; True if it was killed (it may
    have finished first)."""
    proc = start(*args)
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    return proc.wait() == -signal.SIGKILL


def timed(*args):
    t0 = time.monotonic()
    run_ok(*args, timeout=300)
    return time.monotonic() - t0


def state_of(out, old_bytes, reference):
    """What a killed writer left at `out`: 'absent', 'old' (the older file, byte for byte)
    or 'new' (a complete file equal to the uninterrupted run's); anything else fails."""
    if not out.exists():
        return "absent"
    if old_bytes is not None and out.read_bytes() == old_bytes:
        return "old"
    assert same_datasets(out, reference), f"{out} is neither the older file nor a complete new one"
    return "new"


@contextmanager
def mounted_tmpfs(path, options):
    """A real tmpfs at `path` (size-limited or read-only); skips the test if it cannot mount."""
    path.mkdir(parents=True, exist_ok=True)
    if shutil.which("mount") is None:
        pytest.skip("no mount command: cannot make a small or read-only file system")
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root and mount permission): {proc.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def strace_usable():
    """strace, if it is installed and may trace here; the system calls counted below are
    x86-64's (elsewhere unlink and rename are unlinkat and renameat)."""
    if SANITIZER:
        pytest.skip(f"hubsim is built under the {SANITIZER} sanitizer: its own threads and system "
                    "calls change what strace counts, and LeakSanitizer cannot run under ptrace")
    strace = shutil.which("strace")
    if strace is None or platform.machine() != "x86_64":
        return None
    ok = subprocess.run([strace, "-qq", "-o", "/dev/null", "true"], capture_output=True)
    return strace if ok.returncode == 0 else None


def kill_at_syscall(strace, syscall, when, *args):
    """Runs hubsim under strace, which sends it SIGKILL as it enters its `when`-th call of
    `syscall`: a kill placed exactly inside the writer."""
    proc = subprocess.run([strace, "-f", "-qq", "-o", "/dev/null", "-e", f"trace={syscall}",
                           "-e", f"inject={syscall}:signal=SIGKILL:when={when}",
                           str(HUBSIM), *map(str, args)], capture_output=True, text=True, timeout=300)
    return proc.returncode


def assert_fails_cleanly(proc, path, cause):
    """Exit status 1, one message naming the path and the cause; no crash, no traceback."""
    assert proc.returncode == 1, f"exit {proc.returncode}:\n{proc.stderr}"
    assert str(path) in proc.stderr and cause in proc.stderr, proc.stderr
    assert "internal error" not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr


# ------------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Inputs (a few-hub generated scenario, a sweep, a calibration) and their uninterrupted
    outputs, with how long each took (to spread the kill moments over)."""
    d = tmp_path_factory.mktemp("faults")
    (d / "multi.yaml").write_text(MULTI_YAML)
    run_ok("generate", d / "multi.yaml", "--schools", 3000, "--schools-per-hub", 1000, "-o", d / "gen.yaml")
    (d / "base.yaml").write_text(BASE)
    (d / "sweep.yaml").write_text(SWEEP)
    (d / "observed.csv").write_text(OBSERVED)
    (d / "cal.yaml").write_text(CALIBRATION)
    ref = d / "ref"
    w = {"dir": d, "run_args": ["run", d / "gen.yaml", "--replications", 200, "-q", "--threads", 2],
         "sweep_args": ["sweep", d / "sweep.yaml", "-q", "--threads", 1],
         "cal_args": ["calibrate", d / "cal.yaml", "-q", "--threads", 2]}
    w["run_s"] = timed(*w["run_args"], "-o", ref / "run.h5")
    w["sweep_s"] = timed(*w["sweep_args"], "-o", ref / "sweep.h5")
    w["cal_s"] = timed(*w["cal_args"], "-o", ref / "cal.h5")
    run_ok("run", TINY, "-o", ref / "old.h5", "-q")
    w["ref"] = {k: datasets(ref / f"{k}.h5") for k in ("run", "sweep", "cal")}
    w["old"] = ref / "old.h5"
    return w


# ------------------------------------------------------------------------------ kill -9


def test_run_killed_at_random_moments(world, tmp_path):
    """Ten seeded kill moments across a run (start, simulation, writing, after): the output
    is always absent, the older file untouched, or the new complete file; the next run
    clears every temporary left."""
    rng = random.Random(SEED)
    out = tmp_path / "out.h5"
    old = world["old"].read_bytes()
    outcomes = []
    for trial in range(10):
        had_old = trial % 2 == 0  # half the trials start with an older file in place
        if had_old:
            out.write_bytes(old)
        elif out.exists():
            out.unlink()
        delay = rng.uniform(0.0, 1.2 * world["run_s"])
        kill_after(delay, *world["run_args"], "-o", out)
        state = state_of(out, old if had_old else None, world["ref"]["run"])
        assert not (state == "old" and not had_old)
        outcomes.append(state)
    print("run killed at 10 moments, left:", {k: outcomes.count(k) for k in sorted(set(outcomes))})
    run_ok(*world["run_args"], "-o", out)
    assert same_datasets(out, world["ref"]["run"])
    assert temporaries(tmp_path) == []


def test_run_killed_at_each_step_of_the_writer(world, tmp_path):
    """SIGKILL on entering each system call of the writer (strace): before the rename the
    older file stays (or none), after it the new one is complete; the next run clears the
    temporary."""
    strace = strace_usable()
    if strace is None:
        pytest.skip("strace is not installed, cannot trace here, or this is not x86-64 (the random kills still run)")
    out = tmp_path / "out.h5"
    old = world["old"].read_bytes()
    # unlink 1: checking the folder is writable; write 1: the first bytes of the file;
    # fsync 1: all written, not yet durable; rename 1: durable, not yet in place;
    # fsync 2: in place, the folder not yet synced.
    for syscall, when, expect in [("unlink", 1, "old"), ("write", 1, "old"), ("fsync", 1, "old"),
                                  ("rename", 1, "old"), ("fsync", 2, "new")]:
        out.write_bytes(old)
        rc = kill_at_syscall(strace, syscall, when, *world["run_args"], "-o", out)
        assert rc in (-signal.SIGKILL, 128 + signal.SIGKILL), (syscall, when, rc)
        assert state_of(out, old, world["ref"]["run"]) == expect, (syscall, when)
        if expect == "old" and syscall != "unlink":
            assert temporaries(tmp_path), "the kill was meant to land inside the writer"
        run_ok(*world["run_args"], "-o", out)
        assert temporaries(tmp_path) == []
        assert same_datasets(out, world["ref"]["run"])


def test_sweep_killed_at_random_moments_resumes_to_the_same_file(world, tmp_path):
    """Eight seeded kill moments across a sweep: --resume reuses every point the journal
    holds, runs the rest, clears the temporaries, and writes the uninterrupted sweep's file."""
    rng = random.Random(SEED + 1)
    reused = []
    for trial in range(8):
        out = tmp_path / f"s{trial}.h5"
        kill_after(rng.uniform(0.0, 1.1 * world["sweep_s"]), *world["sweep_args"], "-o", out)
        journal = Path(f"{out}.journal")
        done = len(list(journal.glob("point-*"))) if journal.exists() else 0
        if out.exists():  # killed after the end: the file is the whole sweep
            assert same_datasets(out, world["ref"]["sweep"])
        res = run_hubsim("sweep", world["dir"] / "sweep.yaml", "--threads", 1, "-o", out, "--resume",
                         timeout=300)
        assert res.returncode == 0, res.stderr
        assert f"({done} reused)" in res.stderr, (done, res.stderr)
        assert same_datasets(out, world["ref"]["sweep"])
        assert temporaries(tmp_path) == []
        reused.append(done)
    print("sweep killed at 8 moments; points reused on resume:", reused)


def test_sweep_killed_inside_journal_writes(world, tmp_path):
    """SIGKILL at the k-th journal rename or fsync (strace): exactly the k-1 finished points
    are reused, and the result is the uninterrupted sweep's."""
    strace = strace_usable()
    if strace is None:
        pytest.skip("strace is not installed, cannot trace here, or this is not x86-64 (the random kills still run)")
    rng = random.Random(SEED + 2)
    # rename k: the k-th point's entry is complete but not in place, so k-1 are reused.
    # fsync: each entry is fsynced, then the journal folder after its rename (2 a point).
    for syscall, when, finished in [("rename", k, k - 1) for k in sorted(rng.sample(range(1, 17), 3))] + \
                                   [("fsync", 2 * k - 1, k - 1) for k in sorted(rng.sample(range(1, 17), 2))]:
        out = tmp_path / f"{syscall}{when}.h5"
        rc = kill_at_syscall(strace, syscall, when, *world["sweep_args"], "-o", out)
        assert rc in (-signal.SIGKILL, 128 + signal.SIGKILL), (syscall, when, rc)
        assert not out.exists()
        res = run_hubsim("sweep", world["dir"] / "sweep.yaml", "--threads", 1, "-o", out, "--resume",
                         timeout=300)
        assert res.returncode == 0, res.stderr
        assert f"({finished} reused)" in res.stderr, (syscall, when, res.stderr)
        assert same_datasets(out, world["ref"]["sweep"])
        assert temporaries(tmp_path) == []


def test_calibrate_killed_at_random_moments(world, tmp_path):
    """Six seeded kill moments across a calibration: nothing partial at the output; the next
    calibration clears the temporaries and gives the uninterrupted result."""
    rng = random.Random(SEED + 3)
    out = tmp_path / "cal.h5"
    old = world["old"].read_bytes()
    outcomes = []
    for trial in range(6):
        out.write_bytes(old)
        kill_after(rng.uniform(0.0, 1.2 * world["cal_s"]), *world["cal_args"], "-o", out)
        outcomes.append(state_of(out, old, world["ref"]["cal"]))
    print("calibrate killed at 6 moments, left:", {k: outcomes.count(k) for k in sorted(set(outcomes))})
    strace = strace_usable()
    if strace is not None:  # and exactly between the last byte written and the rename
        out.write_bytes(old)
        kill_at_syscall(strace, "rename", 1, *world["cal_args"], "-o", out)
        assert out.read_bytes() == old and temporaries(tmp_path)
    run_ok(*world["cal_args"], "-o", out)
    assert same_datasets(out, world["ref"]["cal"])
    assert temporaries(tmp_path) == []


# ------------------------------------------------------------------------------ temporaries


def test_only_temporaries_of_dead_writers_are_removed(tmp_path):
    """A killed writer's temporary goes; a live writer's, another machine's and another
    file's stay."""
    host, dead, live = host_tag(), dead_pid(), os.getpid()
    stale = [f".out.h5.tmp-{host}-{dead}-0", f".out.h5.tmp-{dead}-3", f".out.h5.tmp-{dead}"]
    kept = [f".out.h5.tmp-{host}-{live}-0", f".out.h5.tmp-elsewhere.example-{dead}-0",
            f".other.h5.tmp-{host}-{dead}-0"]
    for name in stale + kept:
        (tmp_path / name).write_bytes(b"partial")
    run_ok("run", TINY, "-o", tmp_path / "out.h5", "-q")
    assert leftovers(tmp_path) == sorted(kept)
    # The same in a sweep's journal on --resume.
    (tmp_path / "base.yaml").write_text(BASE)
    (tmp_path / "sweep.yaml").write_text(SWEEP.replace("points: 16", "points: 2"))
    journal = tmp_path / "s.h5.journal"
    journal.mkdir()
    (journal / f".point-0.tmp-{host}-{dead}-0").write_bytes(b"partial")
    (journal / f".point-1.tmp-{host}-{live}-0").write_bytes(b"partial")
    (tmp_path / f".s.h5.tmp-{host}-{dead}-0").write_bytes(b"partial")
    run_ok("sweep", tmp_path / "sweep.yaml", "-o", tmp_path / "s.h5", "--resume", "-q")
    assert leftovers(journal) == [f".point-1.tmp-{host}-{live}-0"]
    assert f".s.h5.tmp-{host}-{dead}-0" not in leftovers(tmp_path)


# ------------------------------------------------------------------------------ full disk


def test_full_disk(world, tmp_path):
    """run, sweep, calibrate and report onto a full tmpfs: exit 1 naming the path and
    'No space left on device', no crash, nothing partial, an older file untouched."""
    with mounted_tmpfs(tmp_path / "full", "size=400k") as full:
        out = full / "out.h5"
        shutil.copy(world["old"], out)  # about 180 kB: the new run's 660 kB cannot fit
        old = out.read_bytes()
        proc = run_hubsim(*world["run_args"], "-o", out)
        assert_fails_cleanly(proc, out, "No space left on device")
        assert out.read_bytes() == old and temporaries(full) == []

        sweep = full / "sweep.h5"
        proc = run_hubsim(*world["sweep_args"], "-o", sweep, timeout=300)
        assert_fails_cleanly(proc, sweep, "No space left on device")
        assert not sweep.exists() and temporaries(full) == []

        cal = full / "cal.h5"
        proc = run_hubsim(*world["cal_args"], "-o", cal, timeout=300)
        assert_fails_cleanly(proc, cal, "No space left on device")
        assert not cal.exists() and temporaries(full) == []

    with mounted_tmpfs(tmp_path / "tiny", "size=64k") as full:
        report = full / "report"
        proc = run_hubsim("report", world["old"], "-o", report, timeout=300)
        assert_fails_cleanly(proc, report, "No space left on device")
        assert list(full.iterdir()) == []


def test_full_disk_under_mpi(world, tmp_path):
    """An MPI sweep whose rank 0 meets a full disk while journalling ends the job with exit 1
    and its message, instead of leaving the worker ranks waiting for ever."""
    with mounted_tmpfs(tmp_path / "full", "size=100k") as full:
        out = full / "sweep.h5"
        proc = run_mpi(3, *world["sweep_args"], "-o", out, timeout=120)
        assert proc.returncode == 1, proc.stderr
        assert str(out) in proc.stderr and "No space left on device" in proc.stderr, proc.stderr
        # (mpirun may kill the other ranks mid-entry: their temporaries are stale, for the
        # next sweep to clear.)
        assert not out.exists()


# ------------------------------------------------------------------------------ read-only


def test_read_only_folder(world, tmp_path):
    """A read-only file system: exit 1 naming the path and the cause, before any work, and
    an older file untouched."""
    folder = tmp_path / "ro"
    with mounted_tmpfs(folder, "size=1m"):
        shutil.copy(world["old"], folder / "out.h5")
        old = (folder / "out.h5").read_bytes()
        remount = subprocess.run(["mount", "-o", "remount,ro", str(folder)], capture_output=True, text=True)
        if remount.returncode != 0:
            pytest.skip(f"cannot remount read-only: {remount.stderr.strip()}")
        for args, out in [(world["run_args"], folder / "out.h5"), (world["sweep_args"], folder / "s.h5"),
                          (world["cal_args"], folder / "cal.h5"), (["run", TINY, "-q"], folder / "new" / "x.h5")]:
            proc = run_hubsim(*args, "-o", out, timeout=300)
            assert_fails_cleanly(proc, out.parent if out.parent.name == "new" else out, "Read-only file system")
        proc = run_hubsim("report", world["old"], "-o", folder / "report")
        assert_fails_cleanly(proc, folder / "report", "Read-only file system")
        assert (folder / "out.h5").read_bytes() == old
        assert sorted(p.name for p in folder.iterdir()) == ["out.h5"]


def test_immutable_folder(tmp_path):
    """chattr +i (which even root cannot write into): exit 1 naming the path and the cause."""
    folder = tmp_path / "immutable"
    folder.mkdir()
    if shutil.which("chattr") is None or subprocess.run(["chattr", "+i", str(folder)],
                                                        capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not supported on this file system")
    try:
        proc = run_hubsim("run", TINY, "-o", folder / "out.h5", "-q")
        assert_fails_cleanly(proc, folder / "out.h5", "Operation not permitted")
    finally:
        subprocess.run(["chattr", "-i", str(folder)])
    assert list(folder.iterdir()) == []


# ------------------------------------------------------------------------------ two writers


def test_two_writers_of_one_output(world, tmp_path):
    """Two runs (different seeds) and two sweeps writing one file at once: each exits 0 or 1
    with a message, and the file is one complete run."""
    other = tmp_path / "other.h5"
    run_ok(*world["run_args"], "--seed", 99, "-o", other)
    refs = [world["ref"]["run"], datasets(other)]
    out = tmp_path / "out.h5"
    for trial in range(3):
        procs = [subprocess.Popen([str(HUBSIM), *map(str, world["run_args"]), *seed, "-o", str(out)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                 for seed in ([], ["--seed", "99"])]
        for p in procs:
            _, err = p.communicate(timeout=300)
            assert p.returncode == 0 or (p.returncode == 1 and err.strip()), (p.returncode, err)
        written = datasets(out)
        assert same_datasets(written, refs[0]) or same_datasets(written, refs[1])
        assert temporaries(tmp_path) == []
    sweep = tmp_path / "sweep.h5"
    for trial in range(2):
        procs = [subprocess.Popen([str(HUBSIM), *map(str, world["sweep_args"]), "-o", str(sweep)],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                 for _ in range(2)]
        codes = []
        for p in procs:
            _, err = p.communicate(timeout=300)
            assert p.returncode == 0 or (p.returncode == 1 and err.strip()), (p.returncode, err)
            codes.append(p.returncode)
        assert 0 in codes
        assert same_datasets(sweep, world["ref"]["sweep"])


# ------------------------------------------------------------------------------ folders


def test_output_folders_are_created(world, tmp_path):
    """-o into folders that do not exist yet, and a run from another working folder whose
    default output is results/NAME.h5."""
    run_ok("run", TINY, "-o", tmp_path / "a" / "b" / "tiny.h5", "-q")
    assert same_datasets(tmp_path / "a" / "b" / "tiny.h5", world["old"])
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    run_ok("run", TINY, "-q", cwd=elsewhere)
    assert same_datasets(elsewhere / "results" / "tiny.h5", world["old"])
    run_ok("sweep", world["dir"] / "sweep.yaml", "--shard", "0/1", "-o", "results/shards/x.h5", "-q",
           cwd=elsewhere)
    assert same_datasets(elsewhere / "results" / "shards" / "x.h5", world["ref"]["sweep"])
    run_ok("merge", elsewhere / "results" / "shards" / "x.h5", "-o", tmp_path / "m" / "merged.h5")
    assert same_datasets(tmp_path / "m" / "merged.h5", world["ref"]["sweep"])
    run_ok(*world["cal_args"], "-o", tmp_path / "c" / "cal.h5", "--fitted", tmp_path / "f" / "fitted.yaml")
    assert same_datasets(tmp_path / "c" / "cal.h5", world["ref"]["cal"])
    assert (tmp_path / "f" / "fitted.yaml").is_file()
    assert temporaries(tmp_path) == []


# ------------------------------------------------------------------------------ threads


def test_calibrate_writes_on_no_more_threads_than_asked(world, tmp_path):
    """With --threads 1 no thread is started before the output is in place: the
    compression of the file's chunks keeps to --threads too."""
    strace = strace_usable()
    if strace is None:
        pytest.skip("strace is not installed, cannot trace here, or this is not x86-64")
    out, log = tmp_path / "cal.h5", tmp_path / "strace.log"
    args = [a if a != 2 else 1 for a in world["cal_args"]]  # --threads 1
    proc = subprocess.run([strace, "-f", "-qq", "-o", str(log), "-e", "trace=clone,clone3,rename",
                           str(HUBSIM), *map(str, args), "-o", str(out)], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr
    calls = log.read_text().splitlines()
    placed = next(i for i, line in enumerate(calls) if "rename(" in line and f'"{out}"' in line)
    threads = [line for line in calls[:placed] if "clone" in line]
    assert threads == [], "\n".join(threads)
    assert same_datasets(out, world["ref"]["cal"])
