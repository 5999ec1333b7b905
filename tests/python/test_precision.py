"""`hubsim run --precision H`: replications in batches until every headline figure is known
to within H (95%), recorded in the output, deterministic, and checked here from the file's
own replications."""

import math

import h5py
import numpy as np
import pytest

from conftest import MULTI_YAML, run_hubsim, run_mpi, run_ok
from test_sweep import BASE as SWEEP_BASE, assert_same_datasets

Z = 1.959963984540054


def wilson_half(k, n):
    p = k / n
    return Z / (1 + Z * Z / n) * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))


def figures_from_file(path):
    """Every headline figure's estimate and half-width, computed again from the replications."""
    out = []
    with h5py.File(path, "r") as f:
        td = f["summary/target_day"][()]
        by = f["target_by_day"][()]
        measure = [m.decode() for m in f["target_measure"][()]]
        phase = [p.decode() for p in f["target_phase"][()]]
        phases = [p.decode() for p in f["phase"][()]]
        time = f["time"][()]
        engaged = f["trajectories/engaged"][()]  # [rep][time][hub][phase]
        schools = f["hub_schools"][()]  # [hub][phase]
        n = td.shape[0]
        for k in range(td.shape[1]):
            met = int(((td[:, k] >= 0) & (td[:, k] <= by[k])).sum())
            out.append((met / n, wilson_half(met, n)))
            if measure[k] == "engaged_share":
                t = max(i for i, d in enumerate(time) if d <= by[k]) if (time <= by[k]).any() else 0
                c = phases.index(phase[k])
                total = schools[:, c].sum()
                share = engaged[:, t, :, c].sum(axis=1) / total
                out.append((share.mean(), Z * share.std(ddof=1) / math.sqrt(n)))
    return out


@pytest.fixture
def multi(tmp_path):
    p = tmp_path / "multi.yaml"
    p.write_text(MULTI_YAML)
    return p


def test_stops_at_the_first_batch_that_reaches_the_precision(multi, tmp_path):
    out = tmp_path / "p.h5"
    proc = run_ok("run", multi, "-o", out, "--replications", "4", "--precision", "0.08", "--threads", "2")
    with h5py.File(out, "r") as f:
        n = int(f.attrs["replications"])
        assert f.attrs["precision_half_width"] == 0.08
        assert int(f.attrs["precision_met"]) == 1
        stored = f["precision/half_width"][()]
        estimate = f["precision/estimate"][()]
        labels = [x.decode() for x in f["precision/figure"][()]]
    # Batches of 4, then doubling: 4, 8, 16, ...
    assert n >= 8 and n & (n - 1) == 0 and n % 4 == 0, n
    assert (stored <= 0.08).all()
    assert any(lbl.startswith("P(met by its date)") for lbl in labels)
    assert any("engaged share" in lbl for lbl in labels)
    assert "precision" in proc.stdout and str(n) in proc.stdout
    # The figures agree with the file's own replications...
    again = figures_from_file(out)
    np.testing.assert_allclose([e for e, _ in again], estimate, rtol=1e-12)
    np.testing.assert_allclose([h for _, h in again], stored, rtol=1e-9)
    # ...and the batch before did not reach it: a fixed run of n/2 is not precise enough.
    half = tmp_path / "half.h5"
    run_ok("run", multi, "-o", half, "--replications", str(n // 2), "--precision", "0.08",
           "--max-replications", str(n // 2))
    with h5py.File(half, "r") as f:
        assert int(f.attrs["precision_met"]) == 0
        assert f["precision/half_width"][()].max() > 0.08


def test_same_count_and_results_whatever_the_threads(multi, tmp_path):
    a, b = tmp_path / "a.h5", tmp_path / "b.h5"
    run_ok("run", multi, "-o", a, "-q", "--replications", "4", "--precision", "0.1", "--threads", "1")
    run_ok("run", multi, "-o", b, "-q", "--replications", "4", "--precision", "0.1", "--threads", "2")
    with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
        assert fa.attrs["replications"] == fb.attrs["replications"]
    assert_same_datasets(a, b)


def test_equals_a_fixed_run_of_the_count_it_chose(multi, tmp_path):
    """Batches change nothing: replication i is the same whichever batch ran it."""
    p, fixed = tmp_path / "p.h5", tmp_path / "fixed.h5"
    run_ok("run", multi, "-o", p, "-q", "--replications", "4", "--precision", "0.1")
    with h5py.File(p, "r") as f:
        n = int(f.attrs["replications"])
        engaged = f["trajectories/engaged"][()]
        target_day = f["summary/target_day"][()]
    run_ok("run", multi, "-o", fixed, "-q", "--replications", str(n))
    with h5py.File(fixed, "r") as f:
        assert np.array_equal(f["trajectories/engaged"][()], engaged)
        assert np.array_equal(f["summary/target_day"][()], target_day)


def test_the_cap_stops_it_and_says_so(multi, tmp_path):
    out = tmp_path / "cap.h5"
    proc = run_ok("run", multi, "-o", out, "--replications", "2", "--precision", "0.001",
                  "--max-replications", "8")
    with h5py.File(out, "r") as f:
        assert int(f.attrs["replications"]) == 8
        assert int(f.attrs["precision_met"]) == 0
    assert "did not reach" in proc.stdout


@pytest.mark.parametrize("args, option", [
    (["--precision", "0"], "--precision"),
    (["--precision", "0.5"], "--precision"),
    (["--precision", "two"], "--precision"),
    (["--precision", "0.02", "--max-replications", "0"], "--max-replications"),
    (["--max-replications", "100"], "--max-replications"),
])
def test_bad_precision_options(multi, tmp_path, args, option):
    out = tmp_path / "x.h5"
    proc = run_hubsim("run", multi, "-o", out, *args)
    assert proc.returncode == 2, proc.stderr
    assert option in proc.stderr
    assert not out.exists()


# Points where the target is met almost always and about half the time: they need
# different counts.
PRECISION_SWEEP = """\
scenario: base.yaml
name: to_precision
replications: 4
design: {kind: sobol, points: 6}
parameters:
  llme.primary_mastery_specialist.days: {uniform: [2, 40]}
  demand.p: {uniform: [0.05, 0.3]}
"""


@pytest.fixture
def precision_sweep(tmp_path):
    (tmp_path / "base.yaml").write_text(SWEEP_BASE)  # the sweeps' base scenario
    (tmp_path / "sw.yaml").write_text(PRECISION_SWEEP)
    out = tmp_path / "p.h5"
    proc = run_ok("sweep", tmp_path / "sw.yaml", "-o", out, "--precision", "0.1", "--threads", "2")
    assert "every point ran" in proc.stderr
    return tmp_path, out


def test_sweep_points_need_what_a_run_of_each_point_needs(precision_sweep):
    """Each point's needed count is the count `run --precision` chooses for that point's
    scenario; every point then runs the largest, and equals a plain sweep of that count."""
    d, out = precision_sweep
    with h5py.File(out, "r") as f:
        needed = f["precision/needed_replications"][()]
        widest = f["precision/widest_half_width"][()]
        met = f["precision/met"][()]
        n = int(f.attrs["replications"])
        assert f.attrs["precision_half_width"] == 0.1
        assert f.attrs["precision_max_replications"] == 10000
        keys = [k.decode() for k in f["parameter_keys"][()]]
        values = f["point_values"][()]  # [point][parameter]
    assert len(set(needed)) > 1, "case error: the points should need different counts"
    assert n == needed.max() and (met == 1).all() and (widest <= 0.1).all()
    for p in range(len(needed)):
        sets = [a for k, v in zip(keys, values[p]) for a in ("--set", f"{k}={v!r}")]
        run = d / f"point{p}.h5"
        run_ok("run", d / "base.yaml", "-o", run, "-q", "--replications", "4", "--precision", "0.1", *sets)
        with h5py.File(run, "r") as f:
            assert int(f.attrs["replications"]) == needed[p], p
    plain = d / "plain.yaml"
    plain.write_text(PRECISION_SWEEP.replace("replications: 4", f"replications: {n}"))
    run_ok("sweep", plain, "-o", d / "plain.h5", "-q")
    with h5py.File(out, "r") as a, h5py.File(d / "plain.h5", "r") as b:
        for g in ("summary", "points"):
            for k in a[g]:
                assert np.array_equal(a[g][k][()], b[g][k][()]), (g, k)


def test_sweep_precision_is_the_same_on_threads_mpi_and_resume(precision_sweep):
    d, out = precision_sweep
    one = d / "one.h5"
    run_ok("sweep", d / "sw.yaml", "-o", one, "--precision", "0.1", "--threads", "1", "-q")
    assert_same_datasets(out, one)
    proc = run_ok("sweep", d / "sw.yaml", "-o", one, "--precision", "0.1", "--resume", "-q")
    assert_same_datasets(out, one)
    mpi = d / "mpi.h5"
    proc = run_mpi(3, "sweep", d / "sw.yaml", "-o", mpi, "--precision", "0.1", "-q", "-t", "1")
    assert proc.returncode == 0, proc.stderr
    assert_same_datasets(out, mpi)


def test_sweep_precision_refuses_shards(precision_sweep):
    d, _ = precision_sweep
    proc = run_hubsim("sweep", d / "sw.yaml", "-o", d / "s.h5", "--precision", "0.1", "--shard", "0/2")
    assert proc.returncode == 2
    assert "--precision" in proc.stderr and "--shard" in proc.stderr
    assert not (d / "s.h5").exists()
