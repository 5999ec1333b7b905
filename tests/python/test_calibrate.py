"""Calibration recovers known parameters, and bad calibration files get located errors."""

import random
import signal
import subprocess
import time

import h5py
import numpy as np
import pytest

from conftest import HUBSIM, labels, run_hubsim, run_mpi, run_ok, text_of

TRUTH = """\
name: truth
start: 2014-09-01
end: 2021-08-31
seed: 3
hubs:
  - {name: A, region: North}
  - {name: B, region: North}
  - {name: C, region: South}
  - {name: D, region: South}
schools: {generate: {per_hub: {primary: 150, secondary: 30}}}
demand: {p: 0.25, q: 0.5}
policy: {new_share: 0.7}   # most leader days for new schools: engagement is capacity-bound
llme:
  primary_mastery_specialist: {days: 18, training_places: 12}
"""

CALIBRATION = """\
scenario: truth.yaml
observations: observed.csv
parameters:
  demand.p: {uniform: [0.005, 0.3]}
  llme.primary_mastery_specialist.days: {uniform: [6, 48]}
method: {kind: abc_smc, particles: 150, generations: 8}
seed: 11
"""
TRUE = {"demand.p": 0.25, "llme.primary_mastery_specialist.days": 18}
PRIOR = {"demand.p": (0.005, 0.3), "llme.primary_mastery_specialist.days": (6, 48)}


@pytest.fixture
def fitted(tmp_path):
    (tmp_path / "truth.yaml").write_text(TRUTH)
    truth = tmp_path / "truth.h5"
    proc = run_hubsim("run", tmp_path / "truth.yaml", "-o", truth, "-q")
    assert proc.returncode == 0, proc.stderr
    # The simulated history at the chosen values becomes the observations.
    with h5py.File(truth, "r") as f:
        dates = labels(f["date"])
        engaged = f["trajectories/engaged"][0].sum(axis=1)
        participating = f["trajectories/participating"][0].sum(axis=1)
    rows = ["date,measure,phase,scope,value,kind"]
    for t in range(1, 7):
        rows.append(f"{dates[t]},engaged,primary,national,{engaged[t, 0]},exact")
        rows.append(f"{dates[t]},participating,primary,national,{participating[t, 0]},exact")
    (tmp_path / "observed.csv").write_text("\n".join(rows) + "\n")
    (tmp_path / "cal.yaml").write_text(CALIBRATION)
    out = tmp_path / "cal.h5"
    proc = run_hubsim("calibrate", tmp_path / "cal.yaml", "-o", out, "--fitted", tmp_path / "fitted.yaml",
                      timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "generation 8 of at most 8" in proc.stderr and "stopped (generations)" in proc.stderr
    return tmp_path, out


def test_calibration_recovers_known_parameters(fitted):
    _, out = fitted
    with h5py.File(out, "r") as f:
        names = labels(f["parameter"])
        q05, q95 = f["posterior_q05"][()], f["posterior_q95"][()]
        weights = f["weight"][()]
        posterior = f["posterior"][()]
        tolerance = f["tolerance"][()]
        distance = f["distance"][()]
        ess = f["ess"][()]
        assert f.attrs["simulations"] > 150
    assert abs(weights.sum() - 1) < 1e-9
    assert posterior.shape == (150, 2)
    assert np.all(np.diff(tolerance[1:]) <= 0)
    assert np.all(distance <= tolerance[-1]), "no particle kept that failed its tolerance"
    assert len(ess) == len(tolerance) and np.all((ess > 1) & (ess <= 150 + 1e-9))
    for k, name in enumerate(names):
        lo, hi = PRIOR[name]
        assert q05[k] <= TRUE[name] <= q95[k], (name, q05[k], q95[k])
        assert q95[k] - q05[k] < 0.5 * (hi - lo), (name, q05[k], q95[k])


def test_fitted_scenario_runs(fitted):
    tmp_path, _ = fitted
    text = (tmp_path / "fitted.yaml").read_text()
    assert "base: truth.yaml" in text and "demand:" in text
    proc = run_hubsim("run", tmp_path / "fitted.yaml", "-o", tmp_path / "fitted.h5", "-q")
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("calibration, observed, where, words", [
    (CALIBRATION.replace("method:", "methd:"), None, "cal.yaml:6:1", "did you mean 'method'"),
    (CALIBRATION.replace("[0.005, 0.3]", "[0.3, 0.005]"), None, "cal.yaml:4:", "low < high"),
    (CALIBRATION.replace("demand.p:", "demand.pp:"), None, "cal.yaml:4:3", "did you mean 'demand.p'"),
    (CALIBRATION, "2016-08-31,engagd,primary,national,34,exact\n", "observed.csv:2:2", "did you mean 'engaged'"),
    (CALIBRATION, "2016-08-31,engaged,primary,region:Sout,34,exact\n", "observed.csv:2:4", "did you mean 'South'"),
    (CALIBRATION, "2016-08-31,engaged,primary,national,34,roughly\n", "observed.csv:2:6", "exact, approximate"),
    (CALIBRATION, "2031-08-31,engaged,primary,national,34,exact\n", "observed.csv:2:1", "outside the scenario"),
])
def test_bad_calibration_files(tmp_path, calibration, observed, where, words):
    (tmp_path / "truth.yaml").write_text(TRUTH)
    (tmp_path / "cal.yaml").write_text(calibration)
    (tmp_path / "observed.csv").write_text(
        "date,measure,phase,scope,value,kind\n" + (observed or "2016-08-31,engaged,primary,national,34,exact\n"))
    proc = run_hubsim("calibrate", tmp_path / "cal.yaml", "-o", tmp_path / "cal.h5", "-q")
    assert proc.returncode == 2, proc.stderr
    assert where in proc.stderr and words in proc.stderr, proc.stderr
    assert not (tmp_path / "cal.h5").exists()


def test_projections_draw_parameters_from_the_posterior(fitted):
    tmp_path, cal = fitted
    (tmp_path / "projection.yaml").write_text(
        "base: truth.yaml\nname: projection\nend: 2025-08-31\nposterior: {file: cal.h5}\n")
    out = tmp_path / "projection.h5"
    proc = run_hubsim("run", tmp_path / "projection.yaml", "-o", out, "-q", "--replications", 40)
    assert proc.returncode == 0, proc.stderr
    with h5py.File(cal, "r") as f:
        n = f["posterior"].shape[0]
    with h5py.File(out, "r") as f:
        particle = f["summary/particle"][()]
        assert "posterior:" in text_of(f["scenario"][()])
    assert particle.min() >= 0 and particle.max() < n
    assert len(set(particle.tolist())) > 10  # replications draw different parameter sets
    # Deterministic: the same run draws the same particles.
    again = tmp_path / "again.h5"
    assert run_hubsim("run", tmp_path / "projection.yaml", "-o", again, "-q", "--replications", 40).returncode == 0
    with h5py.File(again, "r") as f:
        assert np.array_equal(f["summary/particle"][()], particle)


def test_posterior_as_csv(fitted, tmp_path):
    dir_, cal = fitted
    csv_path = dir_ / "posterior.csv"
    proc = run_hubsim("calibrate", dir_ / "cal.yaml", "-o", dir_ / "again.h5", "-q", "--posterior", csv_path,
                      timeout=600)
    assert proc.returncode == 0, proc.stderr
    lines = csv_path.read_text().splitlines()
    assert lines[0] == "weight,demand.p,llme.primary_mastery_specialist.days"
    assert len(lines) == 151
    (dir_ / "proj.yaml").write_text("base: truth.yaml\nname: proj\nposterior: {file: posterior.csv}\n")
    out = dir_ / "proj.h5"
    assert run_hubsim("run", dir_ / "proj.yaml", "-o", out, "-q", "--replications", 20).returncode == 0
    with h5py.File(out, "r") as f:
        assert f["summary/particle"][()].max() < 150
    # A bad posterior file is named with its line.
    csv_path.write_text("weight,demand.p\n1,0.1\n1,-7\n")
    proc = run_hubsim("validate", dir_ / "proj.yaml")
    assert proc.returncode == 2 and "posterior.csv:3:2" in proc.stderr, proc.stderr


def test_validation_report_measures_with_hubsim(fitted, tmp_path):
    """tools/validation.py compares every observation with what hubsim itself measured
    (`hubsim run --observations`), and lists the targets the scenario declares."""
    import subprocess
    import sys

    from conftest import HUBSIM, REPO

    dir_, cal = fitted
    (dir_ / "projection.yaml").write_text(
        "base: truth.yaml\nname: projection\nposterior: {file: cal.h5}\n"
        "targets: [{phase: primary, share: 0.5, by: 2019-08-31}]\n")
    docs = tmp_path / "docs"
    docs.mkdir()
    proc = subprocess.run(
        [sys.executable, REPO / "tools" / "validation.py", "--calibration", cal, "--projection",
         dir_ / "projection.yaml", "--replications", "20", "--hubsim", HUBSIM, "--out", docs],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    md = (docs / "validation.md").read_text()
    assert all((docs / f"validation-{n}.png").stat().st_size > 1000 for n in ("fit", "posterior", "projection"))
    # The same medians as the run's own measures of the observations.
    run = tmp_path / "run.h5"
    assert run_hubsim("run", dir_ / "projection.yaml", "-o", run, "-q", "--replications", 20,
                      "--observations", dir_ / "observed.csv").returncode == 0
    with h5py.File(run, "r") as f:
        simulated = f["summary/simulated"][()]
        names = labels(f["observation"])
        met = ((f["summary/target_day"][:, 0] >= 0) & (f["summary/target_day"][:, 0] <= f["target_by_day"][0])).mean()
    rows = [line for line in md.splitlines() if line.startswith("| 20")]
    assert len(rows) == len(names) == simulated.shape[1]
    for k, row in enumerate(rows):
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert " ".join(cells[:4]) == names[k]
        assert cells[7] == f"{np.median(simulated[:, k]):,.0f}", (row, np.median(simulated[:, k]))
    assert f"| primary 50% by 2019-08-31 | {met:.0%} (" in md
    assert "What the data can tell: every parameter" in md and "| `demand.p` |" in md


# A fit small enough to run several times: what matters here is that it is the same fit.
SMALL = CALIBRATION.replace("particles: 150, generations: 8", "particles: 40, generations: 4")


def fit_datasets(path):
    """Every dataset and the root attributes that describe the fit (not the provenance)."""
    with h5py.File(path, "r") as f:
        out = {}
        f.visititems(lambda name, obj: out.__setitem__(name, obj[()]) if isinstance(obj, h5py.Dataset) else None)
        for a in ("seed", "simulations", "stop"):
            out["@" + a] = f.attrs[a]
    return out


def assert_same_fit(a, b):
    da, db = fit_datasets(a), fit_datasets(b)
    assert da.keys() == db.keys()
    for k in da:
        assert np.array_equal(da[k], db[k]), k


@pytest.fixture
def small(fitted):
    d, _ = fitted
    (d / "small.yaml").write_text(SMALL)
    out = d / "small.h5"
    proc = run_hubsim("calibrate", d / "small.yaml", "-o", out, "-t", "2", timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "(0 particle slots reused from the journal)" in proc.stderr
    assert not (d / "small.h5.journal").exists(), "a finished fit removes its journal"
    return d, out


def test_fit_is_the_same_on_any_thread_count_and_mpi_ranks(small):
    """The evaluator spreads particle slots over threads or MPI ranks: the fit is bit-identical."""
    d, out = small
    one = d / "one.h5"
    proc = run_hubsim("calibrate", d / "small.yaml", "-o", one, "-t", "1", "-q", timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert_same_fit(out, one)
    mpi = d / "mpi.h5"
    proc = run_mpi(3, "calibrate", d / "small.yaml", "-o", mpi, "-t", "1", timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.count("stopped (") == 1, "one rank reports"
    assert_same_fit(out, mpi)


def test_killed_fit_resumes_to_the_same_fit(small):
    """kill -9 part-way, then --resume: the slots the journal holds are reused, the rest run,
    and the fit is the uninterrupted one's."""
    d, _ = small
    # Long enough (about 2 s) to be killed part-way: the small fit takes about 0.3 s, which a
    # kill after the journal's 30th slot could miss.
    (d / "slow.yaml").write_text(SMALL.replace("particles: 40,", "particles: 250,"))
    out = d / "slow.h5"
    run_ok("calibrate", d / "slow.yaml", "-o", out, "-q", "-t", "2", timeout=600)
    rng = random.Random(5)
    for attempt in range(2):
        killed = d / f"killed{attempt}.h5"
        journal = d / f"killed{attempt}.h5.journal"
        proc = subprocess.Popen([str(HUBSIM), "calibrate", str(d / "slow.yaml"), "-o", str(killed), "-q", "-t", "1"])
        # Wait until some slots are journalled, then a little more, then kill.
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and len(list(journal.glob("slot-*"))) < 30:
            time.sleep(0.01)
        time.sleep(rng.uniform(0, 0.1))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        done = len(list(journal.glob("slot-*")))
        assert 0 < done and not killed.exists()
        res = run_hubsim("calibrate", d / "slow.yaml", "-o", killed, "--resume", "-t", "2", timeout=600)
        assert res.returncode == 0, res.stderr
        assert f"({done} particle slots reused from the journal)" in res.stderr
        assert_same_fit(out, killed)
        assert not journal.exists()
