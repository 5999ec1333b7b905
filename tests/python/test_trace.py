"""`hubsim trace RUN.h5 --school URN --replication R`: every school of a run traced, and the
traces add up to the run's own counts of every stage in every hub at every sample."""

import re

import h5py
import numpy as np
import pytest

from conftest import MULTI_YAML, labels, run_hubsim, run_ok

STAGES = ["not_engaged", "readiness", "development", "embedding", "sustaining", "lapsed"]
EVENT = re.compile(r"^  (\d{4}-\d{2}-\d{2})  (.*)$")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    d = tmp_path_factory.mktemp("trace")
    (d / "multi.yaml").write_text(MULTI_YAML)
    out = d / "multi.h5"
    run_ok("run", d / "multi.yaml", "-o", out, "-q", "--replications", "3")
    return out


def trace(run, urn, replication):
    proc = run_ok("trace", run, "--school", urn, "--replication", replication)
    head = re.match(r"school (\d+): (\w+), hub (.+?), ", proc.stdout)
    assert head, proc.stdout
    events = [EVENT.match(line).groups() for line in proc.stdout.splitlines() if EVENT.match(line)]
    return head.group(2), head.group(3), events


def stage_on(events, date):
    """The school's stage at the end of `date`, from its events."""
    stage = "not_engaged"
    for day, what in events:
        if day > date:
            break
        if m := re.match(r"in Work Group \d+ of \S+: (\w+),", what):
            stage = m.group(1)
        elif m := re.match(r"completes \w+; moves on to (\w+)", what):
            stage = m.group(1)
        elif what.startswith("lapses from"):
            stage = "lapsed"
    return stage


def test_every_school_traced_adds_up_to_the_run(run):
    replication = 1
    with h5py.File(run, "r") as f:
        counts = f["trajectories/stage_counts"][replication]  # [time][hub][phase][stage]
        engaged = f["trajectories/engaged"][replication]  # [time][hub][phase]
        hubs, phases = labels(f["hub"]), labels(f["phase"])
        dates = labels(f["date"])
        total = int(f["hub_schools"][()].sum())
    assert labels(h5py.File(run, "r")["stage"]) == STAGES
    rebuilt = np.zeros_like(counts)
    rebuilt_engaged = np.zeros_like(engaged)
    placed_any = 0
    for urn in range(1, total + 1):
        phase, hub, events = trace(run, urn, replication)
        h, p = hubs.index(hub), phases.index(phase)
        first_placed = next((day for day, what in events if what.startswith("in Work Group")), None)
        placed_any += first_placed is not None
        for t, date in enumerate(dates):
            rebuilt[t, h, p, STAGES.index(stage_on(events, date))] += 1
            rebuilt_engaged[t, h, p] += first_placed is not None and first_placed <= date
        # A school asks before it is first placed, and is placed before it completes a stage.
        kinds = [what.split()[0] for _, what in events]
        if "in" in kinds:
            assert "asks" in kinds[:kinds.index("in")]
    assert placed_any > 0
    np.testing.assert_array_equal(rebuilt, counts)
    np.testing.assert_array_equal(rebuilt_engaged, engaged)


def test_a_traced_school_says_where_it_is_and_which_replay(run):
    proc = run_ok("trace", run, "--school", "1")
    assert "replication 0 of" in proc.stdout and "checked against the file" in proc.stdout
    assert re.search(r"on \d{4}-\d{2}-\d{2}: \w+|never in a Work Group", proc.stdout)


def test_refuses_a_file_from_another_version(run, tmp_path):
    other = tmp_path / "other.h5"
    other.write_bytes(run.read_bytes())
    with h5py.File(other, "r+") as f:
        f.attrs["hubsim_version"] = "0.0.1"
    proc = run_hubsim("trace", other, "--school", "1")
    assert proc.returncode == 2
    assert "written by hubsim 0.0.1" in proc.stderr


def test_refuses_a_replication_it_cannot_reproduce(run, tmp_path):
    other = tmp_path / "edited.h5"
    other.write_bytes(run.read_bytes())
    with h5py.File(other, "r+") as f:
        f["trajectories/stage_counts"][1, -1, 0, 0, 2] += 1
    assert run_hubsim("trace", other, "--school", "1", "--replication", "0").returncode == 0
    proc = run_hubsim("trace", other, "--school", "1", "--replication", "1")
    assert proc.returncode == 2
    assert "does not replay" in proc.stderr


@pytest.mark.parametrize("args, says", [
    (["--school", "999999"], "--school"),
    (["--school", "1", "--replication", "3"], "--replication"),
    (["--school", "x"], "--school"),
    ([], "--school"),
])
def test_bad_trace_requests(run, args, says):
    proc = run_hubsim("trace", run, *args)
    assert proc.returncode == 2, proc.stdout
    assert says in proc.stderr


LEADER = re.compile(r"^ +(\d+)  (\w+) +(\w+) +(\S+) +(\S+) +(\S+) +(.+)$")


def leaders(run, hub, replication):
    proc = run_ok("trace", run, "--hub", hub, "--replication", replication)
    rows = [LEADER.match(line).groups() for line in proc.stdout.splitlines()[2:]]
    return [dict(id=int(r[0]), role=r[1], phase=r[2], joined=r[3], active=r[4], left=r[5], how=r[6])
            for r in rows]


def status_on(leader, date):
    """A leader's status at the end of `date` (a sample sees that day's year end)."""
    if leader["left"] != "-" and leader["left"] <= date:
        return "left"
    if leader["active"] != "-" and leader["active"] <= date:
        return "active"
    return "in_training" if leader["joined"] <= date else None


def test_leader_traces_add_up_to_the_runs_counts(run):
    """Every hub's leaders, in every replication, traced: at every sample, their statuses
    by role are the run's own LLME counts for that hub."""
    with h5py.File(run, "r") as f:
        llme = f["trajectories/llme"][()]  # [replication][time][hub][role][status]
        dates = labels(f["date"])
        hubs = labels(f["hub"])
        roles = labels(f["role"])
        statuses = labels(f["status"])
    checked = 0
    for rep in range(llme.shape[0]):
        for h, hub in enumerate(hubs):
            listed = leaders(run, hub if rep else h, rep)  # by name, and by index
            assert [l["id"] for l in listed] == list(range(len(listed)))
            for t, date in enumerate(dates):
                counts = np.zeros(llme.shape[3:], dtype=int)
                for l in listed:
                    s = status_on(l, date)
                    if s:
                        counts[roles.index(l["role"]), statuses.index(s)] += 1
                assert np.array_equal(counts, llme[rep, t, h]), (rep, hub, date)
                checked += 1
    assert checked == llme.shape[0] * len(hubs) * len(dates)


def test_one_leaders_history(run):
    listed = leaders(run, 0, 0)
    trainee = next(l for l in listed if l["how"].startswith("trainee") and l["active"] != "-")
    proc = run_ok("trace", run, "--hub", 0, "--leader", trainee["id"])
    lines = proc.stdout.splitlines()
    assert lines[1].startswith(f"leader {trainee['id']}: {trainee['role']}, {trainee['phase']}")
    events = [EVENT.match(line).groups() for line in lines if EVENT.match(line)]
    assert events[0] == (trainee["joined"], events[0][1]) and "starts training" in events[0][1]
    assert (trainee["active"], "qualifies: active") in events
    years = [what for day, what in events if "TfM days" in what]
    assert years and all(f"active {trainee['role']}" in y for y in years)
    if trainee["left"] != "-":
        assert events[-1] == (trainee["left"], "leaves the programme")


@pytest.mark.parametrize("args,option", [
    (["--hub", "0", "--school", "1"], "--school"),
    (["--leader", "0"], "--leader"),
    (["--hub", "no such hub"], "--hub"),
    (["--hub", "99"], "--hub"),
    (["--hub", "0", "--leader", "100000"], "--leader"),
])
def test_bad_leader_traces(run, args, option):
    proc = run_hubsim("trace", run, *args)
    assert proc.returncode == 2, proc.stderr
    assert option in proc.stderr


def test_extra_leaders_leave_every_other_leaders_draws_unchanged(tmp_path):
    """Extra leaders (extra_llme) join active on the first 1 September on or after their
    date, and every other leader of the same cohort number keeps their dates: leaders'
    streams are keyed by cohort, not by order of joining (common random numbers)."""
    (tmp_path / "multi.yaml").write_text(MULTI_YAML)
    extra = MULTI_YAML.replace(
        "  - {name: North, opens: 2014-07-01}",
        "  - {name: North, opens: 2014-07-01,\n"
        "     extra_llme: [{role: primary_mastery_specialist, leaders: 4, from: 2016-06-01}]}")
    assert extra != MULTI_YAML
    (tmp_path / "extra.yaml").write_text(extra)
    for name in ("multi", "extra"):
        run_ok("run", tmp_path / f"{name}.yaml", "-o", tmp_path / f"{name}.h5", "-q", "--replications", "2")
    for rep in range(2):
        base = leaders(tmp_path / "multi.h5", "North", rep)
        more = leaders(tmp_path / "extra.h5", "North", rep)
        extra = [l for l in more if l["how"].startswith("extra")]
        assert len(extra) == 4
        assert all(l["joined"] == l["active"] == "2016-09-01" for l in extra)

        def cohorts(listed):
            out = {}
            for l in listed:
                if not l["how"].startswith("extra"):
                    out.setdefault((l["how"].split(",")[0].split(" (")[0], l["role"], l["phase"], l["joined"]),
                                   []).append(l)
            return out

        a, b = cohorts(base), cohorts(more)
        compared = 0
        for key in a.keys() & b.keys():
            for x, y in zip(a[key], b[key]):  # the k-th of a cohort reads the same stream
                assert (x["active"], x["left"]) == (y["active"], y["left"]), (rep, key)
                compared += 1
        assert compared >= 5
