"""The Slurm templates in tools/, run for real on a one-node Slurm started here.

A private munged, slurmctld and slurmd (Debian's slurm-wlm and munge, installed by
tools/install.sh) run on this machine with their own configuration, ports and state in a
temporary folder; nothing of the machine's own Slurm, if any, is touched. Each template is
submitted with sbatch exactly as docs/cluster.md shows, from a fresh checkout of the
project (its tracked files; `build/hubsim` is the binary under test), with the resources
made to fit one small node (`--cpus-per-task=1`, 2 tasks) and the sweep's replications
lowered. Its result must equal a single-process `hubsim sweep` of the same file, dataset for
dataset.

Starting the daemons needs root (they run as root here, and munged reads its key); elsewhere
the tests skip and say so. CI runs as root.
"""

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from conftest import HUBSIM, REPO, mpi_env, run_hubsim
from test_sweep import assert_same_datasets

DAEMONS = ("munged", "slurmctld", "slurmd", "sbatch", "squeue", "scontrol")
SWEEP = "scenarios/sweeps/training_places.yaml"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _which(name):
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin:/sbin")


@pytest.fixture(scope="module")
def slurm(tmp_path_factory):
    """A one-node Slurm on this machine; yields the environment its clients need."""
    if os.geteuid() != 0:
        pytest.skip("starting slurmctld, slurmd and munged needs root (CI runs as root)")
    missing = [d for d in DAEMONS if _which(d) is None]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed (tools/install.sh installs slurm-wlm and munge)")
    key = Path("/etc/munge/munge.key")
    if not key.is_file():
        pytest.skip("no munge key at /etc/munge/munge.key (Debian's munge package makes one)")
    d = tmp_path_factory.mktemp("slurm")
    for sub in ("state", "spool", "munge"):
        (d / sub).mkdir()
    (d / "munge").chmod(0o700)
    shutil.copy(key, d / "munge" / "munge.key")
    (d / "munge" / "munge.key").chmod(0o400)
    sock = d / "munge" / "munge.socket"
    subprocess.run([_which("munged"), "--force", f"--socket={sock}", f"--key-file={d / 'munge' / 'munge.key'}",
                    f"--pid-file={d / 'munge' / 'munged.pid'}", f"--log-file={d / 'munge' / 'munged.log'}",
                    f"--seed-file={d / 'munge' / 'seed'}"], check=True)
    host = socket.gethostname().split(".")[0]
    memory_mb = int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**20 * 0.9)
    cpus = os.cpu_count() or 1
    conf = d / "slurm.conf"
    conf.write_text(f"""\
ClusterName=hubsimtest
SlurmctldHost={host}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={sock}
StateSaveLocation={d / 'state'}
SlurmdSpoolDir={d / 'spool'}
SlurmctldPidFile={d / 'slurmctld.pid'}
SlurmdPidFile={d / 'slurmd.pid'}
SlurmctldLogFile={d / 'slurmctld.log'}
SlurmdLogFile={d / 'slurmd.log'}
SlurmctldPort={free_port()}
SlurmdPort={free_port()}
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
NodeName={host} CPUs={cpus} RealMemory={memory_mb} State=UNKNOWN
PartitionName=test Nodes={host} Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
""")
    env = {**mpi_env(os.environ), "SLURM_CONF": str(conf),
           # mpirun under the MPI template runs as root here, on more ranks than cores.
           "OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
           "OMPI_MCA_rmaps_base_oversubscribe": "1"}
    try:
        subprocess.run([_which("slurmctld"), "-f", conf], env=env, check=True)
        subprocess.run([_which("slurmd"), "-f", conf], env=env, check=True)
        deadline = time.time() + 60
        while time.time() < deadline:
            state = subprocess.run([_which("sinfo"), "-h", "-o", "%t"], env=env, capture_output=True, text=True)
            if state.stdout.strip() == "idle":
                break
            time.sleep(0.5)
        else:
            pytest.fail(f"the test's Slurm node never became idle:\n{(d / 'slurmctld.log').read_text()[-2000:]}")
        yield env
    finally:
        for pidfile in ("slurmd.pid", "slurmctld.pid", "munge/munged.pid"):
            p = d / pidfile
            if p.is_file():
                try:
                    os.kill(int(p.read_text().split()[0]), 15)
                except (ProcessLookupError, ValueError):
                    pass


@pytest.fixture
def checkout(tmp_path):
    """A fresh checkout of the project: its tracked files, the binary under test as build/hubsim."""
    files = subprocess.run(["git", "-C", REPO, "ls-files", "-z"], capture_output=True, check=True).stdout
    root = tmp_path / "hubsim"
    for name in filter(None, files.decode().split("\0")):
        src = REPO / name
        if src.is_file():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, root / name)
    (root / "build").mkdir()
    (root / "build" / "hubsim").symlink_to(HUBSIM)
    sweep = root / SWEEP
    sweep.write_text(sweep.read_text().replace("replications: 20", "replications: 2"))
    assert "replications: 2\n" in sweep.read_text()
    return root


def submit(env, cwd, *args):
    """sbatch --wait: returns when the job (every task of an array) has ended."""
    proc = subprocess.run([_which("sbatch"), "--wait", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=600)
    logs = "\n".join(f"--- {p.name}\n{p.read_text()[-1500:]}" for p in sorted((cwd / "results").glob("*.log")))
    assert proc.returncode == 0, f"sbatch {' '.join(args)} exited {proc.returncode}:\n{proc.stderr}\n{logs}"
    return proc


def single_process(checkout, name):
    out = checkout / "results" / f"{name}-single.h5"
    proc = run_hubsim("sweep", checkout / SWEEP, "-o", out, "-q", cwd=checkout, timeout=600)
    assert proc.returncode == 0, proc.stderr
    return out


def test_job_array_of_shards_then_merge_equals_one_process(slurm, checkout):
    # As docs/cluster.md: SWEEP=... sbatch --array=0-99 tools/slurm_sweep.sbatch, then merge.
    submit({**slurm, "SWEEP": SWEEP}, checkout, "--array=0-2", "--cpus-per-task=1", "tools/slurm_sweep.sbatch")
    shards = sorted((checkout / "results" / "shards").glob("training_places-*.h5"))
    assert [s.name for s in shards] == [f"training_places-{i}.h5" for i in range(3)]
    logs = sorted((checkout / "results").glob("hubsim-sweep-*.log"))
    assert len(logs) == 3, logs
    merged = checkout / "results" / "training_places.h5"
    proc = run_hubsim("merge", *shards, "-o", merged, cwd=checkout)
    assert proc.returncode == 0, proc.stderr
    assert_same_datasets(merged, single_process(checkout, "training_places"))


def test_mpi_job_equals_one_process(slurm, checkout):
    if shutil.which("mpirun") is None:
        pytest.skip("mpirun not installed (tools/install.sh installs openmpi-bin)")
    # As docs/cluster.md: SWEEP=... sbatch --ntasks=64 tools/slurm_mpi.sbatch
    submit({**slurm, "SWEEP": SWEEP}, checkout, "--ntasks=2", "tools/slurm_mpi.sbatch")
    log = next((checkout / "results").glob("hubsim-mpi-*.log")).read_text()
    assert "written to results/training_places.h5" in log, log
    assert_same_datasets(checkout / "results" / "training_places.h5",
                         single_process(checkout, "training_places"))
