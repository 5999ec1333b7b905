"""Sweeps: points equal separate runs; MPI, shards + merge and resume after kill -9 all give
the single-process file; bad sweep files get located errors and exit status 2."""

import random
import signal
import subprocess
import time

import h5py
import numpy as np
import pytest

from conftest import HUBSIM, labels, run_hubsim, run_mpi

BASE = """\
name: base
start: 2014-09-01
end: 2020-08-31
seed: 5
hubs: {count: 3}
schools: {generate: {per_hub: {primary: 60, secondary: 12}}}
targets:
  - {phase: primary, share: 0.3, by: 2019-08-31}
"""

GRID = """\
scenario: base.yaml
name: grid
replications: 3
design: {kind: grid}
parameters:
  llme.primary_mastery_specialist.days: {values: [1, 2.5]}
  policy.priority: {values: [waiting_time, lottery]}
keep: trajectories
"""

SOBOL = """\
scenario: base.yaml
name: sobol
replications: 4
design: {kind: sobol, points: 24}
parameters:
  llme.primary_mastery_specialist.days: {uniform: [1, 3]}
  demand.p: {uniform: [0.02, 0.1]}
  policy.priority: {values: [waiting_time, disadvantage, lottery]}
"""


def datasets(path):
    out = {}

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            out[name] = np.asarray(obj[()])

    with h5py.File(path, "r") as f:
        f.visititems(visit)
    return out


def assert_same_datasets(a, b):
    da, db = datasets(a), datasets(b)
    assert da.keys() == db.keys()
    for k in da:
        if da[k].dtype.kind == "f":
            assert np.array_equal(da[k], db[k], equal_nan=True), k
        else:
            assert np.array_equal(da[k], db[k]), k


@pytest.fixture
def sweep_dir(tmp_path):
    (tmp_path / "base.yaml").write_text(BASE)
    (tmp_path / "grid.yaml").write_text(GRID)
    (tmp_path / "sobol.yaml").write_text(SOBOL)
    return tmp_path


def sweep(d, name, *extra, out=None):
    out = out or d / f"{name}.h5"
    proc = run_hubsim("sweep", d / f"{name}.yaml", "-o", out, "-q", *extra, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return out


def test_grid_points_equal_separate_runs(sweep_dir):
    out = sweep(sweep_dir, "grid")
    with h5py.File(out, "r") as f:
        loads = f["points/llme.primary_mastery_specialist.days"][()]
        rules = labels(f["points/policy.priority"])
        stage_counts = f["trajectories/stage_counts"][()]
        cost = f["summary/cost"][()]
        assert stage_counts.shape[:2] == (4, 3)
    # The grid: the first parameter varies slowest.
    assert list(loads) == [1, 1, 2.5, 2.5]
    assert rules == ["waiting_time", "lottery", "waiting_time", "lottery"]
    for p, (load, rule) in enumerate(zip(loads, rules)):
        single = sweep_dir / f"p{p}.h5"
        proc = run_hubsim("run", sweep_dir / "base.yaml", "-o", single, "-q", "--replications", 3,
                          "--set", f"llme.primary_mastery_specialist.days={load}", "--set", f"policy.priority={rule}")
        assert proc.returncode == 0, proc.stderr
        with h5py.File(single, "r") as f:
            assert np.array_equal(f["trajectories/stage_counts"][()], stage_counts[p]), p
            assert np.array_equal(f["summary/cost"][()], cost[p]), p


def test_xarray_opens_a_sweep_with_named_dimensions(sweep_dir):
    xr = pytest.importorskip("xarray")
    out = sweep(sweep_dir, "sobol")
    ds = xr.open_dataset(out, group="summary", engine="h5netcdf")
    assert ds["engaged"].dims == ("point", "replication", "time", "phase")
    assert ds.sizes["point"] == 24
    assert list(ds["phase"].values) == ["primary", "secondary"]
    pts = xr.open_dataset(out, group="points", engine="h5netcdf")
    load = pts["llme.primary_mastery_specialist.days"].values
    assert ((1 <= load) & (load <= 3)).all()
    # Sobol: the 24 points of one dimension fall in distinct 1/24 strata more evenly than chance.
    assert len(set(np.floor((load - 1) / 2 * 8).astype(int))) == 8


def test_mpi_three_ranks_equal_single_process(sweep_dir):
    single = sweep(sweep_dir, "sobol")
    out = sweep_dir / "mpi.h5"
    proc = run_mpi(3, "sweep", sweep_dir / "sobol.yaml", "-o", out, "-q", "-t", "1")
    assert proc.returncode == 0, proc.stderr
    assert_same_datasets(single, out)


def test_shards_and_merge_equal_single_process(sweep_dir):
    single = sweep(sweep_dir, "sobol")
    shards = [sweep(sweep_dir, "sobol", "--shard", f"{i}/3", out=sweep_dir / f"s{i}.h5") for i in range(3)]
    merged = sweep_dir / "merged.h5"
    proc = run_hubsim("merge", *shards, "-o", merged)
    assert proc.returncode == 0, proc.stderr
    assert_same_datasets(single, merged)
    # A missing shard is named, and nothing is written.
    proc = run_hubsim("merge", *shards[:2], "-o", sweep_dir / "partial.h5")
    assert proc.returncode == 2
    assert "missing" in proc.stderr
    assert not (sweep_dir / "partial.h5").exists()


def test_kill_nine_then_resume_equals_uninterrupted(sweep_dir):
    full = sweep(sweep_dir, "sobol")
    rng = random.Random(7)
    for attempt in range(3):
        out = sweep_dir / f"killed{attempt}.h5"
        proc = subprocess.Popen([str(HUBSIM), "sweep", str(sweep_dir / "sobol.yaml"), "-o", str(out), "-q", "-t", "1"])
        time.sleep(rng.uniform(0.05, 0.6))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        journal = sweep_dir / f"killed{attempt}.h5.journal"
        done_before = len(list(journal.glob("point-*"))) if journal.exists() else 0
        res = run_hubsim("sweep", sweep_dir / "sobol.yaml", "-o", out, "--resume", timeout=300)
        assert res.returncode == 0, res.stderr
        assert f"({done_before} reused)" in res.stderr
        assert_same_datasets(full, out)
        assert not [p for p in journal.iterdir() if p.name.startswith(".")]


def test_more_replications_extend_a_finished_sweep(sweep_dir):
    sweep(sweep_dir, "grid", out=sweep_dir / "ext.h5")
    (sweep_dir / "grid5.yaml").write_text(GRID.replace("replications: 3", "replications: 5"))
    fresh = sweep(sweep_dir, "grid5", out=sweep_dir / "fresh5.h5")
    ext = sweep(sweep_dir, "grid5", "--resume", out=sweep_dir / "ext.h5")
    assert_same_datasets(fresh, ext)


def test_added_points_reuse_the_finished_ones(sweep_dir):
    sweep(sweep_dir, "grid", out=sweep_dir / "g.h5")
    (sweep_dir / "grid3.yaml").write_text(GRID.replace("values: [1, 2.5]", "values: [1, 2.5, 4]"))
    res = run_hubsim("sweep", sweep_dir / "grid3.yaml", "-o", sweep_dir / "g.h5", "--resume")
    assert res.returncode == 0, res.stderr
    assert "(4 reused)" in res.stderr
    fresh = sweep(sweep_dir, "grid3", out=sweep_dir / "fresh3.h5")
    assert_same_datasets(fresh, sweep_dir / "g.h5")


@pytest.mark.parametrize("text, where, words", [
    ("scenario: base.yaml\nparameters:\n  demand.pp: {values: [1]}\n", ":3:3:", "did you mean 'demand.p'"),
    ("scenario: base.yaml\nparameters:\n  demand.p: {values: [-1]}\n", ":3:23:", "demand.p"),
    ("scenario: base.yaml\ndesign: {kind: sobbol, points: 4}\nparameters:\n  demand.p: {uniform: [0, 1]}\n",
     ":2:16:", "did you mean 'sobol'"),
    ("scenario: base.yaml\nparameters:\n  demand.p: {uniform: [0, 1]}\n", ":3:23:", "a grid needs"),
    ("scenario: nowhere.yaml\nparameters:\n  demand.p: {values: [1]}\n", "nowhere.yaml", "no such file"),
    ("scenario: base.yaml\nreplicatons: 3\nparameters:\n  demand.p: {values: [1]}\n", ":2:1:", "did you mean 'replications'"),
])
def test_bad_sweep_files(sweep_dir, text, where, words):
    bad = sweep_dir / "bad.yaml"
    bad.write_text(text)
    proc = run_hubsim("sweep", bad, "-o", sweep_dir / "bad.h5", "-q")
    assert proc.returncode == 2, proc.stderr
    assert where in proc.stderr and words in proc.stderr, proc.stderr
    assert not (sweep_dir / "bad.h5").exists()


def test_every_shipped_sweep_validates():
    from conftest import REPO
    sweeps = sorted((REPO / "scenarios" / "sweeps").glob("*.yaml"))
    assert sweeps
    for s in sweeps:
        proc = run_hubsim("validate", s)
        assert proc.returncode == 0, proc.stderr
        assert "a sweep of" in proc.stdout


def test_sweep_prints_its_results_and_keeps_whole_numbers_whole(sweep_dir):
    """The closing table gives each point's parameters and P(target met), equal to the file's;
    a whole-number parameter (training places) is stored as an integer, a real one as a real."""
    (sweep_dir / "places.yaml").write_text(GRID.replace("name: grid", "name: places").replace(
        "policy.priority: {values: [waiting_time, lottery]}",
        "llme.primary_mastery_specialist.training_places: {values: [0, 40]}"))
    out = sweep_dir / "places.h5"
    proc = run_hubsim("sweep", sweep_dir / "places.yaml", "-o", out, timeout=300)
    assert proc.returncode == 0, proc.stderr
    rows = [l.split() for l in proc.stdout.splitlines() if l[:1].isdigit()]
    with h5py.File(out, "r") as f:
        places = f["points/llme.primary_mastery_specialist.training_places"]
        days = f["points/llme.primary_mastery_specialist.days"]
        assert places.dtype.kind == "i" and days.dtype.kind == "f"
        met = f["summary/target_met_probability"][()]
        assert len(rows) == len(places) == 4
        for k, row in enumerate(rows):
            assert row[0] == str(k)
            assert float(row[1]) == days[k] and int(row[2]) == places[k]
            assert float(row[3]) == pytest.approx(met[k, 0], abs=0.005)
    assert "P(primary 30% by 2019-08-31)" in proc.stdout and "chance only" in proc.stdout
