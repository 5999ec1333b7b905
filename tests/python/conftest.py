"""Shared fixtures for the Python tests of hubsim's command line and output files.

The binary comes from HUBSIM_BIN (default: <repo>/build/hubsim) and the repository root
from HUBSIM_SOURCE_DIR (default: two folders up from this file). Every output goes to a
pytest temporary folder; nothing outside the repository is read.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

REPO = Path(os.environ.get("HUBSIM_SOURCE_DIR", Path(__file__).resolve().parents[2])).resolve()
HUBSIM = Path(os.environ.get("HUBSIM_BIN", REPO / "build" / "hubsim")).resolve()
TINY = REPO / "scenarios" / "tiny.yaml"


def _sanitizer_of(binary):
    """'address' or 'thread' if the binary was built under that sanitizer (tools/sanitize.sh)."""
    try:
        data = binary.read_bytes()
    except OSError:
        return None
    return "address" if b"__asan_init" in data else "thread" if b"__tsan_init" in data else None


# Under a sanitizer some checks cannot hold: ASan reserves terabytes of address space (no
# RLIMIT_AS), LeakSanitizer cannot run under ptrace (strace), and the sanitizer's own
# threads and system calls change what strace counts. Those tests say so and skip.
SANITIZER = _sanitizer_of(HUBSIM)


def mpi_env(env):
    """`env` for hubsim under mpirun. Under ASan, LeakSanitizer is off there: Open MPI's
    progress thread keeps memory until the process ends, in libraries built without frame
    pointers, so not even its origin can be named (ASan's other checks stay on)."""
    env = dict(env)
    if SANITIZER == "address":
        env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":detect_leaks=0"
    return env

STAGES = ["not_engaged", "readiness", "development", "embedding", "sustaining", "lapsed"]
STATUSES = ["in_training", "active", "left"]

# A small scenario with the model's defaults: three hubs (one opening late), generated
# primary and secondary schools, a dated timeline event and two national targets.
MULTI_YAML = """\
name: multi
description: three hubs, generated schools, default parameters
start: 2014-09-01
end: 2020-08-31
seed: 11
replications: 4
hubs:
  - {name: North, opens: 2014-07-01}
  - {name: South, opens: 2014-07-01}
  - {name: East, opens: 2016-09-01}
schools:
  generate: {per_hub: {primary: 60, secondary: 15}, disadvantage: 0.2, disadvantage_spread: 0.2}
timeline:
  - {date: 2017-09-01, until: 2018-08-31, set: {capacity.factor: 0.5}, note: lockdown}
targets:
  - {phase: primary, share: 0.02, by: 2019-08-31}
  - {phase: secondary, share: 0.9, by: 2020-08-31}
"""
MULTI_HUBS = ["North", "South", "East"]
MULTI_PHASES = ["primary", "secondary"]
MULTI_DATES = ["2015-08-31", "2016-08-31", "2017-08-31", "2018-08-31", "2019-08-31", "2020-08-31"]
TINY_DATES = ["2015-08-31", "2016-08-31", "2017-08-31", "2018-08-31", "2019-08-31"]


def run_hubsim(*args, cwd=None, timeout=120):
    """Runs hubsim with the given arguments; returns the CompletedProcess (text output)."""
    return subprocess.run(
        [str(HUBSIM), *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def run_mpi(ranks, *args, timeout=300, env=None):
    """Runs hubsim under `mpirun -n ranks` (as root, oversubscribing the cores); skips the
    test where mpirun is not installed. Returns the CompletedProcess."""
    mpirun = shutil.which("mpirun")
    if mpirun is None:
        pytest.skip("mpirun not installed (tools/install.sh installs openmpi-bin)")
    return subprocess.run(
        [mpirun, "--allow-run-as-root", "--oversubscribe", "-n", str(ranks), str(HUBSIM), *map(str, args)],
        capture_output=True, text=True, timeout=timeout,
        env=mpi_env({**(env or os.environ), "OMPI_MCA_rmaps_base_oversubscribe": "1"}))


def run_ok(*args, **kw):
    """Runs hubsim and fails the test, showing stderr, unless it exits 0."""
    proc = run_hubsim(*args, **kw)
    assert proc.returncode == 0, f"hubsim {' '.join(map(str, args))} exited {proc.returncode}:\n{proc.stderr}"
    return proc


sys.path.insert(0, str(REPO / "tools"))
from hubsim_output import text as text_of  # noqa: E402  the tools' own reader of the output
from hubsim_output import texts as labels  # noqa: E402


def all_datasets(group):
    """{name: numpy array} for every dataset under an h5py group, recursively."""
    out = {}

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            out[name] = obj[()]

    group.visititems(visit)
    return out


def leftovers(folder):
    """Temporary files hubsim may have left in a folder (its pattern: .NAME.tmp-PID)."""
    return sorted(p.name for p in Path(folder).iterdir() if ".tmp" in p.name)


@pytest.fixture(scope="session", autouse=True)
def _binary_exists():
    if not HUBSIM.is_file():
        pytest.fail(f"hubsim binary not found at {HUBSIM} (build it, or set HUBSIM_BIN)")
    if not TINY.is_file():
        pytest.fail(f"scenarios/tiny.yaml not found under {REPO} (set HUBSIM_SOURCE_DIR)")


@pytest.fixture(scope="session")
def tiny_h5(tmp_path_factory):
    out = tmp_path_factory.mktemp("tiny") / "tiny.h5"
    run_ok("run", TINY, "-o", out, "--replications", 3, "--threads", 2, "-q")
    return out


@pytest.fixture(scope="session")
def tiny_h5_one_thread(tmp_path_factory):
    out = tmp_path_factory.mktemp("tiny1") / "tiny.h5"
    run_ok("run", TINY, "-o", out, "--replications", 3, "--threads", 1, "-q")
    return out


@pytest.fixture(scope="session")
def multi_yaml(tmp_path_factory):
    path = tmp_path_factory.mktemp("multi_scenario") / "multi.yaml"
    path.write_text(MULTI_YAML)
    return path


@pytest.fixture(scope="session")
def multi_h5(tmp_path_factory, multi_yaml):
    out = tmp_path_factory.mktemp("multi") / "multi.h5"
    run_ok("run", multi_yaml, "-o", out, "--threads", 2, "-q")
    return out


@pytest.fixture(scope="session")
def multi_h5_one_thread(tmp_path_factory, multi_yaml):
    out = tmp_path_factory.mktemp("multi1") / "multi.h5"
    run_ok("run", multi_yaml, "-o", out, "--threads", 1, "-q")
    return out


@pytest.fixture(scope="session")
def multi_h5_other_seed(tmp_path_factory, multi_yaml):
    out = tmp_path_factory.mktemp("multi_seed") / "multi.h5"
    run_ok("run", multi_yaml, "-o", out, "--threads", 2, "--seed", 12345, "-q")
    return out


def as_dates(strings):
    return np.array(strings, dtype="datetime64[ns]")


@pytest.fixture(scope="module")
def browser():
    """A real headless Chromium (headless_browser.py), one per test module."""
    from headless_browser import headless_chromium
    with headless_chromium() as b:
        yield b
