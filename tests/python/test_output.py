"""The HDF5 output contract (design: "Output"), read with h5py and xarray.

Two runs are checked: scenarios/tiny.yaml (hand-worked numbers) and a three-hub scenario
with default parameters written into a temporary folder.
"""

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import h5py
import numpy as np
import pytest
import xarray as xr
import yaml

from conftest import (
    REPO,
    MULTI_DATES,
    MULTI_HUBS,
    MULTI_PHASES,
    STAGES,
    STATUSES,
    TINY,
    TINY_DATES,
    all_datasets,
    as_dates,
    labels,
    run_hubsim,
    run_ok,
    text_of,
)

try:
    import yaml  # python3-yaml; optional
except ImportError:  # pragma: no cover - depends on the machine
    yaml = None


def expected_axes(which):
    if which == "tiny":
        return dict(replication=3, time=TINY_DATES, hub=["Alpha"], phase=["secondary"])
    return dict(replication=4, time=MULTI_DATES, hub=MULTI_HUBS, phase=MULTI_PHASES)


# ---------------------------------------------------------------- root attributes


def test_root_attributes_tiny(tiny_h5):
    with h5py.File(tiny_h5, "r") as f:
        a = {k: f.attrs[k] for k in f.attrs}
    for key in ["hubsim_version", "created", "seed", "scenario_name", "git_commit",
                "command_line", "threads", "library_versions"]:
        assert key in a, f"root attribute {key} missing"
    assert text_of(a["scenario_name"]) == "tiny"
    assert int(a["seed"]) == 7  # the scenario's own seed
    assert int(a["threads"]) == 2
    # created: ISO 8601, and recent (the run happened during this test session)
    created = text_of(a["created"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)", created), created
    when = datetime.fromisoformat(created.replace("Z", "+00:00"))
    assert when.tzinfo is not None
    assert abs(datetime.now(timezone.utc) - when) < timedelta(hours=1)
    # provenance
    cmd = text_of(a["command_line"])
    assert " run " in f" {cmd} " and str(TINY) in cmd and "--replications 3" in cmd and "--threads 2" in cmd
    assert re.fullmatch(r"[0-9a-f]{7,40}(-dirty)?|unknown", text_of(a["git_commit"])), a["git_commit"]
    libs = text_of(a["library_versions"]).lower()
    assert re.search(r"hdf5\D*\d+\.\d+", libs), libs
    # the version matches what the binary says about itself
    version = run_ok("--version").stdout
    assert text_of(a["hubsim_version"]) and text_of(a["hubsim_version"]) in version


def test_seed_attribute_follows_command_line(multi_h5, multi_h5_other_seed):
    with h5py.File(multi_h5, "r") as f:
        assert int(f.attrs["seed"]) == 11
        assert text_of(f.attrs["scenario_name"]) == "multi"
    with h5py.File(multi_h5_other_seed, "r") as f:
        assert int(f.attrs["seed"]) == 12345
        assert "--seed 12345" in text_of(f.attrs["command_line"])


# ---------------------------------------------------------------- scenario text


def test_scenario_source_is_the_file_as_given(tiny_h5, multi_h5, multi_yaml):
    for h5, src in [(tiny_h5, TINY), (multi_h5, multi_yaml)]:
        with h5py.File(h5, "r") as f:
            assert text_of(f["scenario_source"][()]) == src.read_text(encoding="utf-8")


def test_resolved_scenario_tiny(tiny_h5):
    with h5py.File(tiny_h5, "r") as f:
        text = text_of(f["scenario"][()])
    if yaml is None:
        for key in ["name:", "start:", "end:", "seed:", "replications:", "demand:", "hubs:",
                    "schools:", "targets:", "pipeline:"]:
            assert key in text
        return
    sc = yaml.safe_load(text)
    assert sc["name"] == "tiny"
    assert str(sc["start"]) == "2014-09-01" and str(sc["end"]) == "2019-08-31"
    assert sc["seed"] == 7
    assert sc["replications"] == 3  # --replications 3 is part of the resolved scenario
    assert sc["demand"]["p"] == 100 and sc["demand"]["q"] == 0
    assert sc["phases"]["secondary"]["pipeline"] == ["development", "embedding", "sustaining"]
    assert sc["phases"]["primary"]["pipeline"] == []
    # defaults are filled in: a stage setting tiny.yaml does not give
    assert "release_days" in sc["phases"]["secondary"]["stages"]["development"]
    assert [h["name"] for h in sc["hubs"]] == ["Alpha"]
    assert len(sc["targets"]) == 1 and sc["targets"][0]["phase"] == "secondary"


def test_resolved_scenario_multi(multi_h5):
    with h5py.File(multi_h5, "r") as f:
        text = text_of(f["scenario"][()])
    if yaml is None:
        assert "capacity.factor" in text and "North" in text
        return
    sc = yaml.safe_load(text)
    assert [h["name"] for h in sc["hubs"]] == MULTI_HUBS
    assert len(sc["timeline"]) == 1
    event = sc["timeline"][0]
    assert str(event["date"]) == "2017-09-01" and str(event["until"]) == "2018-08-31"
    # the event's change, dotted or nested
    change = event["set"]
    value = change.get("capacity.factor", change.get("capacity", {}).get("factor"))
    assert value == pytest.approx(0.5)
    assert [t["phase"] for t in sc["targets"]] == ["primary", "secondary"]
    assert [t["share"] for t in sc["targets"]] == pytest.approx([0.02, 0.9])


def test_resolved_scenario_reproduces_the_run(multi_h5, tmp_path):
    with h5py.File(multi_h5, "r") as f:
        resolved = text_of(f["scenario"][()])
        before = all_datasets(f["trajectories"])
    path = tmp_path / "resolved.yaml"
    path.write_text(resolved)
    out = tmp_path / "again.h5"
    proc = run_hubsim("run", path, "-o", out, "--threads", 2, "-q")
    assert proc.returncode == 0, proc.stderr
    with h5py.File(out, "r") as f:
        after = all_datasets(f["trajectories"])
    for name in before:
        assert np.array_equal(before[name], after[name]), name


# ---------------------------------------------------------------- axes


@pytest.mark.parametrize("which", ["tiny", "multi"])
def test_dimension_scales(which, tiny_h5, multi_h5):
    h5 = tiny_h5 if which == "tiny" else multi_h5
    exp = expected_axes(which)
    with h5py.File(h5, "r") as f:
        for name in ["time", "hub", "phase", "stage", "replication", "status"]:
            assert f[name].attrs.get("CLASS") == b"DIMENSION_SCALE", f"/{name} is not a dimension scale"
        assert labels(f["stage"]) == STAGES
        assert labels(f["status"]) == STATUSES
        assert labels(f["hub"]) == exp["hub"]
        assert labels(f["phase"]) == exp["phase"]
        assert list(f["replication"][()]) == list(range(exp["replication"]))
        assert labels(f["date"]) == exp["time"]
        # time: day numbers since the scenario start, with units saying so
        units = text_of(f["time"].attrs["units"])
        m = re.fullmatch(r"days since (\d{4}-\d\d-\d\d)", units)
        assert m, units
        start = np.datetime64(m.group(1))
        assert list(start + f["time"][()].astype("timedelta64[D]")) == list(np.array(exp["time"], dtype="datetime64[D]"))


DIMS = {
    "trajectories/stage_counts": ["replication", "time", "hub", "phase", "stage"],
    "trajectories/engaged": ["replication", "time", "hub", "phase"],
    "trajectories/llme": ["replication", "time", "hub", "role", "status"],
    "trajectories/work_groups": ["replication", "time", "hub", "phase", "stage"],
    "trajectories/in_work_groups": ["replication", "time", "hub", "phase", "stage"],
    "trajectories/waiting": ["replication", "time", "hub", "phase"],
    "trajectories/engaged_by_band": ["replication", "time", "hub", "phase", "disadvantage_band"],
    "trajectories/participating_by_band": ["replication", "time", "hub", "phase", "disadvantage_band"],
    "trajectories/trainees": ["replication", "time", "hub", "role"],
}
ROLES = ["primary_mastery_specialist", "secondary_mastery_specialist", "post16_mastery_specialist",
         "primary_readiness_lead", "primary_work_group_lead", "secondary_work_group_lead", "pd_lead",
         "school_development_lead"]


@pytest.mark.parametrize("which", ["tiny", "multi"])
def test_trajectory_shapes_dtypes_and_scales(which, tiny_h5, multi_h5):
    h5 = tiny_h5 if which == "tiny" else multi_h5
    exp = expected_axes(which)
    size = dict(replication=exp["replication"], time=len(exp["time"]), hub=len(exp["hub"]),
                phase=len(exp["phase"]), stage=len(STAGES), status=len(STATUSES), role=len(ROLES),
                disadvantage_band=5)
    with h5py.File(h5, "r") as f:
        for name, dims in DIMS.items():
            d = f[name]
            assert d.dtype == np.uint32, (name, d.dtype)
            assert d.shape == tuple(size[x] for x in dims), (name, d.shape)
            for i, dim in enumerate(dims):
                attached = [s.name for s in d.dims[i].values()]
                assert f"/{dim}" in attached, f"{name} axis {i}: root scale /{dim} not attached ({attached})"


@pytest.mark.parametrize("which", ["tiny", "multi"])
def test_datasets_are_chunked_and_compressed(which, tiny_h5, multi_h5):
    h5 = tiny_h5 if which == "tiny" else multi_h5
    with h5py.File(h5, "r") as f:
        names = list(DIMS) + ["summary/" + k for k, v in f["summary"].items()
                              if isinstance(v, h5py.Dataset) and v.ndim >= 2]
        assert "summary/target_day" in names
        for name in names:
            d = f[name]
            assert d.chunks is not None, f"{name} is not chunked"
            assert d.compression == "gzip", f"{name}: compression {d.compression}"
            assert d.compression_opts == 1 and d.shuffle, f"{name}: level {d.compression_opts}"


# ---------------------------------------------------------------- invariants


@pytest.mark.parametrize("which", ["tiny", "multi"])
def test_conservation(which, tiny_h5, multi_h5):
    h5 = tiny_h5 if which == "tiny" else multi_h5
    with h5py.File(h5, "r") as f:
        counts = f["trajectories/stage_counts"][()].astype(np.int64)
        schools = f["hub_schools"][()].astype(np.int64)
    assert schools.shape == counts.shape[2:4]
    assert schools.sum() > 0
    totals = counts.sum(axis=-1)  # [replication, time, hub, phase]
    assert np.array_equal(totals, np.broadcast_to(schools, totals.shape))


@pytest.mark.parametrize("which", ["tiny", "multi"])
def test_engaged_bounded_and_non_decreasing(which, tiny_h5, multi_h5):
    h5 = tiny_h5 if which == "tiny" else multi_h5
    with h5py.File(h5, "r") as f:
        engaged = f["trajectories/engaged"][()].astype(np.int64)
        schools = f["hub_schools"][()].astype(np.int64)
    assert (engaged <= schools).all()
    assert (np.diff(engaged, axis=1) >= 0).all(), "schools ever engaged went down"
    assert engaged[:, -1].sum() > 0, "nobody ever engaged: the check above is vacuous"


def test_multi_hub_replications_differ(multi_h5):
    """Replications of the default (random) model are not copies of each other."""
    with h5py.File(multi_h5, "r") as f:
        counts = f["trajectories/stage_counts"][()]
    assert any(not np.array_equal(counts[0], counts[k]) for k in range(1, counts.shape[0]))


def test_target_days_agree_with_engaged(multi_h5):
    """/summary/target_day is the first sample at which the national share is reached."""
    with h5py.File(multi_h5, "r") as f:
        engaged = f["trajectories/engaged"][()].astype(float)
        schools = f["hub_schools"][()].astype(float)
        days = f["time"][()]
        target_day = f["summary/target_day"][()]
        phases = labels(f["phase"])
    targets = [("primary", 0.02), ("secondary", 0.9)]
    assert target_day.shape == (engaged.shape[0], len(targets))
    for k, (phase, share) in enumerate(targets):
        p = phases.index(phase)
        national = engaged[:, :, :, p].sum(axis=2)  # [replication, time]
        total = schools[:, p].sum()
        for rep in range(engaged.shape[0]):
            met = np.nonzero(national[rep] >= share * total)[0]
            want = days[met[0]] if met.size else -1
            assert target_day[rep, k] == want, (rep, phase)


# ---------------------------------------------------------------- hand-worked values


def test_tiny_hand_worked_values(tiny_h5):
    with h5py.File(tiny_h5, "r") as f:
        counts = f["trajectories/stage_counts"]
        dates = labels(f["date"])
        stages = labels(f["stage"])
        hub = labels(f["hub"]).index("Alpha")
        phase = labels(f["phase"]).index("secondary")
        for rep in range(counts.shape[0]):
            at = lambda date, stage: int(counts[rep, dates.index(date), hub, phase, stages.index(stage)])
            assert at("2016-08-31", "embedding") == 6
            assert at("2016-08-31", "not_engaged") == 6
            assert at("2019-08-31", "sustaining") == 6
        assert (f["trajectories/engaged"][:, dates.index("2016-08-31"), hub, phase] == 6).all()


# ---------------------------------------------------------------- xarray


@pytest.mark.parametrize("which", ["tiny", "multi"])
def test_xarray_trajectories(which, tiny_h5, multi_h5):
    h5 = tiny_h5 if which == "tiny" else multi_h5
    exp = expected_axes(which)
    with xr.open_dataset(h5, group="trajectories", engine="h5netcdf") as ds, h5py.File(h5, "r") as f:
        for name, dims in DIMS.items():
            var = name.split("/")[1]
            assert var in ds.data_vars, var
            assert list(ds[var].dims) == dims, (var, ds[var].dims)
            assert np.array_equal(ds[var].values, f[name][()]), var
        assert list(ds["stage"].values) == STAGES
        assert list(ds["status"].values) == STATUSES
        assert list(ds["role"].values) == ROLES
        assert list(ds["disadvantage_band"].values) == ["q1", "q2", "q3", "q4", "q5"]
        assert list(ds["hub"].values) == exp["hub"]
        assert list(ds["phase"].values) == exp["phase"]
        assert list(ds["replication"].values) == list(range(exp["replication"]))
        assert np.issubdtype(ds["time"].dtype, np.datetime64), ds["time"].dtype
        assert np.array_equal(ds["time"].values, as_dates(exp["time"]))
        # selection by label
        sel = ds["stage_counts"].sel(stage="embedding", phase="secondary", hub=exp["hub"][0])
        h = labels(f["phase"]).index("secondary")
        assert np.array_equal(sel.values, f["trajectories/stage_counts"][:, :, 0, h, STAGES.index("embedding")])


def test_xarray_tiny_by_label(tiny_h5):
    with xr.open_dataset(tiny_h5, group="trajectories", engine="h5netcdf") as ds:
        c = ds["stage_counts"].sel(hub="Alpha", phase="secondary")
        assert (c.sel(time="2016-08-31", stage="embedding") == 6).all()
        assert (c.sel(time="2016-08-31", stage="not_engaged") == 6).all()
        assert (c.sel(time="2019-08-31", stage="sustaining") == 6).all()


def test_xarray_summary_tiny(tiny_h5):
    with xr.open_dataset(tiny_h5, group="summary", engine="h5netcdf") as s:
        assert "target_day" in s.data_vars
        td = s["target_day"]
        assert td.dims == ("replication", "target")
        assert np.issubdtype(td.dtype, np.datetime64), td.dtype
        # half of twelve schools are engaged from the 2016-08-31 sample on
        assert (td.values == np.datetime64("2016-08-31", "ns")).all()


@pytest.mark.filterwarnings("ignore:invalid value encountered in cast:RuntimeWarning")
def test_xarray_summary_multi(multi_h5):
    with xr.open_dataset(multi_h5, group="summary", engine="h5netcdf") as s, h5py.File(multi_h5, "r") as f:
        td = s["target_day"]
        assert np.issubdtype(td.dtype, np.datetime64), td.dtype
        raw = f["summary/target_day"][()]
        units = text_of(f["summary/target_day"].attrs["units"])
        start = np.datetime64(units.replace("days since ", ""), "ns")
        # never met (-1) decodes as NaT; met decodes to the start plus the day count
        want = np.where(raw < 0, np.datetime64("NaT", "ns"), start + raw.astype("timedelta64[D]"))
        assert np.array_equal(td.values, want.astype("datetime64[ns]"), equal_nan=True)
        assert (raw[:, 1] == -1).all(), "90% of secondary schools engaged within six years?"
        assert np.isnat(td.values[:, 1]).all()


# ---------------------------------------------------------------- determinism


def _assert_identical(a, b):
    with h5py.File(a, "r") as fa, h5py.File(b, "r") as fb:
        for group in ["trajectories", "summary"]:
            da, db = all_datasets(fa[group]), all_datasets(fb[group])
            assert sorted(da) == sorted(db)
            assert da
            for name in da:
                assert da[name].dtype == db[name].dtype, name
                assert np.array_equal(da[name], db[name]), f"/{group}/{name} differs"


def test_thread_count_does_not_change_tiny(tiny_h5, tiny_h5_one_thread):
    _assert_identical(tiny_h5, tiny_h5_one_thread)


def test_thread_count_does_not_change_multi(multi_h5, multi_h5_one_thread):
    _assert_identical(multi_h5, multi_h5_one_thread)


def test_other_seed_gives_other_result(multi_h5, multi_h5_other_seed):
    with h5py.File(multi_h5, "r") as a, h5py.File(multi_h5_other_seed, "r") as b:
        assert a["trajectories/stage_counts"].shape == b["trajectories/stage_counts"].shape
        assert not np.array_equal(a["trajectories/stage_counts"][()], b["trajectories/stage_counts"][()])


@pytest.mark.parametrize("seed", [2**53 + 1, 2**64 - 1])
def test_large_seed_kept_exactly(seed, tmp_path):
    out = tmp_path / "big_seed.h5"
    run_ok("run", TINY, "-o", out, "--seed", seed, "-q")
    with h5py.File(out, "r") as f:
        assert int(f.attrs["seed"]) == seed


class _UniqueKeys(yaml.SafeLoader):
    """A YAML loader that refuses a mapping with a key twice."""

    def construct_mapping(self, node, deep=False):
        keys = [self.construct_object(k, deep=deep) for k, _ in node.value]
        assert len(keys) == len(set(keys)), f"duplicate keys in {keys}"
        return super().construct_mapping(node, deep)


def test_the_resolved_scenario_runs_anywhere_and_reproduces_the_run(tmp_path):
    """/scenario names its data by absolute path and SHA-256, holds each key once, and run
    from another folder reproduces the run bit for bit (with a posterior, a --set value and a
    --set into a timeline event)."""
    first = tmp_path / "first.h5"
    run_ok("run", REPO / "scenarios" / "england.yaml", "-o", first, "-r", 3, "-q",
           "--set", "llme.primary_mastery_specialist.training_places=150",
           "--set", "timeline[6].set.capacity.factor=0.7")
    with h5py.File(first, "r") as f:
        resolved = text_of(f["scenario"][()])
    doc = yaml.load(resolved, Loader=_UniqueKeys)
    schools, posterior = doc["schools"], doc["posterior"]
    assert len(schools) == 2  # the census's schools, then the colleges
    assert all(Path(s["file"]).is_absolute() and len(s["sha256"]) == 64 for s in schools)
    assert Path(posterior["file"]).is_absolute() and len(posterior["sha256"]) == 64
    assert doc["set"] == {"llme.primary_mastery_specialist.training_places": 150}
    assert [e["set"] for e in doc["timeline"] if "capacity.factor" in e.get("set", {})] == \
        [{"capacity.factor": 0.7}]
    elsewhere = tmp_path / "somewhere" / "else"
    elsewhere.mkdir(parents=True)
    (elsewhere / "resolved.yaml").write_text(resolved)
    again = tmp_path / "again.h5"
    run_ok("run", "resolved.yaml", "-o", again, "-r", 3, "-q", cwd=elsewhere)
    with h5py.File(first, "r") as a, h5py.File(again, "r") as b:
        for group in ("trajectories", "summary"):
            for name, x in all_datasets(a[group]).items():
                np.testing.assert_array_equal(x, b[group][name][()], err_msg=f"{group}/{name}")
        assert text_of(b["scenario"][()]) == resolved  # resolving it again changes nothing


def test_a_resolved_scenario_finds_its_data_beside_it_and_checks_the_digest(tmp_path):
    first = tmp_path / "first.h5"
    run_ok("run", REPO / "scenarios" / "england.yaml", "-o", first, "-r", 1, "-q")
    with h5py.File(first, "r") as f:
        resolved = text_of(f["scenario"][()])
    original = Path(yaml.safe_load(resolved)["schools"][0]["file"])
    # Moved to another machine: the absolute path is gone, the file lies beside it.
    moved = tmp_path / "moved"
    moved.mkdir()
    (moved / "resolved.yaml").write_text(resolved.replace(str(original), "/nowhere/schools.csv"))
    (moved / "schools.csv").write_bytes(original.read_bytes())
    proc = run_hubsim("validate", moved / "resolved.yaml")
    assert proc.returncode == 0, proc.stderr
    # A changed file is refused, naming both digests.
    rows = original.read_text().splitlines()
    rows[1] = rows[1].rsplit(",", 1)[0] + ",0.99"
    (moved / "schools.csv").write_text("\n".join(rows) + "\n")
    proc = run_hubsim("run", moved / "resolved.yaml", "-o", tmp_path / "never.h5", "-q")
    assert proc.returncode == 2, proc.stderr
    assert "schools[0].file" in proc.stderr and "SHA-256" in proc.stderr, proc.stderr
    assert not (tmp_path / "never.h5").exists()


@pytest.mark.parametrize("which", ["tiny", "multi"])
def test_breakdowns_add_up(which, tiny_h5, multi_h5):
    """Engaged and participating by disadvantage band add up to engaged and participating;
    schools in the year's groups by stage add up to participating; every school is in one
    band of its phase (hub_band_schools adds up to hub_schools)."""
    h5 = tiny_h5 if which == "tiny" else multi_h5
    with h5py.File(h5, "r") as f:
        t = f["trajectories"]
        np.testing.assert_array_equal(t["engaged_by_band"][()].sum(axis=-1), t["engaged"][()])
        np.testing.assert_array_equal(t["participating_by_band"][()].sum(axis=-1), t["participating"][()])
        np.testing.assert_array_equal(t["in_work_groups"][()].sum(axis=-1), t["participating"][()])
        np.testing.assert_array_equal(f["hub_band_schools"][()].sum(axis=-1), f["hub_schools"][()])
        upper = f["disadvantage_band_upper"][()]
        assert np.all(np.diff(upper, axis=-1) >= 0)
