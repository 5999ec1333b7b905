"""`hubsim marginal`: what K extra leaders add in each hub, as paired differences under
common random numbers; checked against separate runs with and without the leaders."""

import h5py
import numpy as np
import pytest
import xarray as xr

from conftest import labels, run_hubsim, run_mpi, run_ok
from test_sweep import assert_same_datasets

# Three hubs with the same schools: one short of leaders, one given far more capacity than
# it needs (so extra leaders add nothing there), one between.
CAPACITY = """\
name: cap
start: 2014-09-01
end: 2022-08-31
seed: 7
replications: 40
hubs:
  - {name: Tight, opens: 2014-07-01}
  - {name: Ample, opens: 2014-07-01, capacity_factor: 50}
  - {name: Mid, opens: 2014-07-01}
schools: {generate: {per_hub: {primary: 200, secondary: 40}}}
demand: {p: 0.2, q: 0.5}
targets:
  - {phase: primary, share: 0.4, by: 2019-08-31}
"""
ARGS = ["--from", "2016-09-01", "--by", "2020-08-31", "--leaders", "2", "--role",
        "primary_mastery_specialist"]


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    d = tmp_path_factory.mktemp("marginal")
    (d / "cap.yaml").write_text(CAPACITY)
    out = d / "m.h5"
    proc = run_ok("marginal", d / "cap.yaml", "-o", out, *ARGS, "--allocate", "4", "-t", "2")
    assert "2 extra leaders from 2016-09-01, by 2020-08-31" in proc.stdout
    return d, out


def read(out):
    with h5py.File(out, "r") as f:
        return {k: f[k][()] for k in f if isinstance(f[k], h5py.Dataset)} | {"attrs": dict(f.attrs)}


def test_paired_differences_are_those_of_separate_runs(study):
    """The study's paired differences are exactly those of `hubsim run` with and without the
    leaders (a scenario with extra_llme), replication by replication."""
    d, out = study
    m = read(out)
    hubs = labels(m["hub"])
    dates = labels(m["date"])
    run_ok("run", d / "cap.yaml", "-o", d / "base.h5", "-q")
    for v, hub in enumerate(labels(m["variant_hub"])):
        extra = CAPACITY.replace(
            f"  - {{name: {hub}, opens: 2014-07-01",
            f"  - {{name: {hub}, opens: 2014-07-01, extra_llme: "
            f"[{{role: primary_mastery_specialist, leaders: 2, from: 2016-09-01}}]")
        assert extra != CAPACITY
        (d / f"v{v}.yaml").write_text(extra)
        run_ok("run", d / f"v{v}.yaml", "-o", d / f"v{v}.h5", "-q")
        with h5py.File(d / "base.h5") as a, h5py.File(d / f"v{v}.h5") as b:
            t = max(i for i, day in enumerate(labels(a["date"])) if day <= dates[-1])
            diff = (b["trajectories/engaged"][:, t, :, 0].sum(axis=1).astype(int)
                    - a["trajectories/engaged"][:, t, :, 0].sum(axis=1).astype(int))
        assert np.array_equal(m["paired_extra_engaged"][v, :, 0, -1], diff), hub
        assert m["extra_engaged"][v, 0, -1] == pytest.approx(diff.mean())
    assert hubs == ["Tight", "Ample", "Mid"]


def test_diminishing_returns_and_ranking(study):
    """Leaders where capacity is short add schools; where it is ample, nothing."""
    _, out = study
    m = read(out)
    hubs = labels(m["variant_hub"])
    by_hub = {h: m["extra_engaged"][v, 0, -1] for v, h in enumerate(hubs)}
    low = {h: m["extra_engaged_low"][v, 0, -1] for v, h in enumerate(hubs)}
    assert by_hub["Ample"] == pytest.approx(0, abs=0.5)
    assert low["Tight"] > 0 and low["Mid"] > 0
    rank = {h: m["rank"][v] for v, h in enumerate(hubs)}
    assert rank["Ample"] == 3
    assert sorted(rank.values()) == [1, 2, 3]


def test_pairing_narrows_the_interval(study):
    """Common random numbers: the paired interval is narrower than two independent means'."""
    _, out = study
    m = read(out)
    paired = (m["extra_engaged_high"] - m["extra_engaged_low"]) / 2
    unpaired = m["extra_engaged_unpaired_half_width"]
    moved = m["extra_engaged"] != 0
    assert moved.any()
    assert np.all(paired[moved] < unpaired[moved])
    assert np.median(paired[moved] / unpaired[moved]) < 0.5


def test_greedy_allocation(study):
    """The first step takes the variant ranked first; each step is evaluated on the steps
    before, so a hub chosen twice is worth less the second time, never more than first."""
    _, out = study
    m = read(out)
    steps = m["allocation_variant"]
    assert len(steps) == 2
    assert m["rank"][steps[0]] == 1
    assert m["allocation_value"][0] == pytest.approx(m["extra_engaged"][steps[0], 0, -1])
    assert labels(m["variant_hub"])[steps[1]] != "Ample"


def test_same_on_threads_and_mpi_ranks(study):
    d, out = study
    one = d / "one.h5"
    run_ok("marginal", d / "cap.yaml", "-o", one, *ARGS, "--allocate", "4", "-t", "1", "-q")
    assert_same_datasets(out, one)
    mpi = d / "mpi.h5"
    proc = run_mpi(3, "marginal", d / "cap.yaml", "-o", mpi, *ARGS, "--allocate", "4", "-t", "1", "-q")
    assert proc.returncode == 0, proc.stderr
    assert_same_datasets(out, mpi)


def test_xarray_reads_it(study):
    _, out = study
    ds = xr.open_dataset(out, engine="h5netcdf")
    assert ds["extra_engaged"].dims == ("variant", "phase", "date")
    assert ds.attrs["study"] == "marginal" and ds.attrs["leaders"] == 2


@pytest.mark.parametrize("args,option", [
    (["--role", "pd_lead"], "--role"),
    (["--role", "nobody"], "--role"),
    (["--from", "2030-09-01"], "--from"),
    (["--from", "2016-13-01"], "--from"),
    (["--leaders", "0"], "--leaders"),
    (["--by", "2015-08-31", "--from", "2016-09-01"], "--by"),
    (["--leaders", "3", "--allocate", "2"], "--allocate"),
])
def test_bad_requests(study, args, option):
    d, _ = study
    proc = run_hubsim("marginal", d / "cap.yaml", "-o", d / "bad.h5", *args)
    assert proc.returncode == 2, proc.stderr
    assert option in proc.stderr
    assert not (d / "bad.h5").exists()


def test_ranked_by_participating_years(study):
    d, out = study
    other = d / "years.h5"
    run_ok("marginal", d / "cap.yaml", "-o", other, *ARGS, "--rank-by", "participating_years", "-q")
    m = read(other)
    years = m["extra_participating_years"][:, 0, -1]
    assert [int(r) for r in m["rank"]] == [int(r) for r in np.argsort(np.argsort(-years, kind="stable")) + 1]
    assert m["attrs"]["rank_by"] == "participating_years"
    # The same runs: only the ranking differs from the study ranked by schools engaged.
    assert np.array_equal(m["paired_extra_engaged"], read(out)["paired_extra_engaged"])
    proc = run_hubsim("marginal", d / "cap.yaml", "-o", d / "bad.h5", "--rank-by", "cost")
    assert proc.returncode == 2 and "--rank-by" in proc.stderr


def test_precision_doubles_replications_and_extends_them(study):
    """--precision runs more replications (doubling) until every change in P(target met)
    has a 95% interval of at most the half-width asked; the first 40 are those of a study of
    40. The target is set where extra leaders can flip it (met in about 1 in 4)."""
    d, _ = study
    borderline = ["--set", "targets[0].share=0.6"]
    out, precise = d / "forty.h5", d / "precise.h5"
    run_ok("marginal", d / "cap.yaml", "-o", out, *ARGS, *borderline, "-q")
    proc = run_ok("marginal", d / "cap.yaml", "-o", precise, *ARGS, *borderline, "-t", "2",
                  "--precision", "0.05", "--max-replications", "160")
    m, p = read(out), read(precise)
    assert np.any(m["target_met_change_high"] > m["target_met_change_low"])
    n = int(p["attrs"]["replications"])
    assert n in (80, 160) and "more replications of each" in proc.stderr
    assert np.array_equal(p["paired_extra_engaged"][:, :40], m["paired_extra_engaged"])
    half95 = (p["target_met_change_high"] - p["target_met_change_low"]) / 2 * 1.959964 / 1.644854
    assert np.all((half95 <= 0.05 + 1e-9) | (n == 160))
    proc = run_hubsim("marginal", d / "cap.yaml", "-o", d / "x.h5", "--max-replications", "9")
    assert proc.returncode == 2 and "--max-replications: only with --precision" in proc.stderr
