"""`hubsim optimise`: NSGA-II (pagmo2) over a plan's decisions, every candidate on the same
replications; the Pareto front re-evaluated on fresh replications and written as runnable
scenarios. The penalty that carries the constraints is tested in tests/unit/test_optimise.cpp."""

import random
from pathlib import Path
import signal
import subprocess
import time

import h5py
import numpy as np
import pytest
import yaml

from conftest import HUBSIM, REPO, labels, run_hubsim, run_mpi, run_ok
from test_marginal import CAPACITY
from test_sweep import assert_same_datasets

PLAN = """\
scenario: cap.yaml
name: search
replications: 8
seed: 11
variables:
  - {parameter: llme.primary_mastery_specialist.training_places, years: [2016, 2017], range: [0, 60]}
  - {hub: Tight, capacity_factor: [0.5, 3]}
objectives:
  - minimise: {quantity: cost, from: 2016-09-01, to: 2021-08-31}
  - maximise: targets_met
constraints:
  - {quantity: targets_met, at_least: 0.25}
method: {kind: nsga2, population: 8, generations: 3}
reevaluate: {replications: 16}
"""

# Hand-checkable (tests/validation's tiny scenario): one hub, 12 schools that all ask at once,
# and one leader whose days buy one group of 6 a year for every 12 (a group's release days):
# fewer than 12 days run no group (no cost, the 50% target missed); 12 to 23 run one a year
# (the target met in 2016, GBP 20,000 in all); 24 or more run two (GBP 40,000).
TINY_PLAN = f"""\
scenario: {REPO / "scenarios" / "tiny.yaml"}
name: tiny_search
replications: 2
seed: 5
variables:
  - {{parameter: llme.secondary_mastery_specialist.days, range: [0, 40]}}
objectives:
  - minimise: cost
  - maximise: targets_met
method: {{kind: nsga2, population: 12, generations: 6}}
reevaluate: {{replications: 2}}
"""


@pytest.fixture(scope="module")
def search(tmp_path_factory):
    d = tmp_path_factory.mktemp("optimise")
    (d / "cap.yaml").write_text(CAPACITY)
    (d / "plan.yaml").write_text(PLAN)
    out = d / "out.h5"
    proc = run_ok("optimise", d / "plan.yaml", "-o", out, "-t", "2", timeout=600)
    assert "Pareto front:" in proc.stdout
    assert "generation 3 of 3" in proc.stderr
    return d, out


def front(path):
    with h5py.File(path, "r") as f:
        g = f["front"]
        out = {k: g[k][()] for k in g} if g.attrs["plans"] else {}
        out["plans"] = int(g.attrs["plans"])
        out["quantity"] = labels(f["quantity"])
        out["variable"] = labels(f["variable"])
        for k in ("decisions", "estimate", "estimate_low", "estimate_high", "low", "high",
                  "generation_candidates", "generation_feasible"):
            if k in f:
                out["all_" + k] = f[k][()]
        out["attrs"] = dict(f.attrs)
        if "scenario" in g:
            out["scenario"] = labels(g["scenario"])
            out["plan_file"] = [str(Path(g.attrs["folder"]) / n) for n in labels(g["file"])]
    return out


def test_front_is_feasible_and_not_dominated(search):
    _, out = search
    f = front(out)
    assert f["plans"] >= 1
    assert f["quantity"] == ["cost 2016-09-01 to 2021-08-31 (GBP)", "P(every target met)",
                             "P(every target met)"]
    est = f["all_estimate"]
    feasible = est[:, 2] >= 0.25
    assert feasible.sum() == f["all_generation_feasible"][-1]
    assert len(est) == f["all_generation_candidates"][-1] <= 8 * 4
    # Minimised: cost and -P.
    objectives = np.stack([est[:, 0], -est[:, 1]], axis=1)
    for k, e in enumerate(f["candidate"]):
        assert feasible[e]
        dominated = np.all(objectives[feasible] <= objectives[e], axis=1) & np.any(
            objectives[feasible] < objectives[e], axis=1)
        assert not dominated.any(), f"plan {k + 1} is dominated"
        assert np.array_equal(f["decisions"][k], f["all_decisions"][e])
        assert np.array_equal(f["search"][k], est[e])
    # Sorted by cost; along the front, paying more must buy a better chance.
    assert np.all(np.diff(f["search"][:, 0]) > 0)
    assert np.all(np.diff(f["search"][:, 1]) > 0)
    # Decisions inside their bounds; places are whole numbers.
    x = f["all_decisions"]
    assert np.all(x >= f["all_low"]) and np.all(x <= f["all_high"])
    assert np.array_equal(x[:, :2], np.round(x[:, :2]))
    # Intervals hold their means, and the fresh ones are the narrower (more replications).
    assert np.all(f["fresh_low"] <= f["fresh"]) and np.all(f["fresh"] <= f["fresh_high"])
    assert np.all(f["fresh_replications"] == 16)
    assert np.all((f["fresh_high"] - f["fresh_low"])[:, 0] < (f["search_high"] - f["search_low"])[:, 0])
    assert f["attrs"]["uncertainty"] == "chance only"


def test_each_front_plan_is_a_scenario_that_reproduces_its_fresh_figures(search):
    """`hubsim run` on a written plan gives exactly the re-evaluation's means: the plan is
    the candidate the search ran, not a description of it."""
    d, out = search
    f = front(out)
    for k, (text, path) in enumerate(zip(f["scenario"], f["plan_file"])):
        assert open(path).read() == text
        assert text.startswith(f"# Plan {k + 1} of {f['plans']} on the Pareto front")
        sc = yaml.safe_load(text)
        assert sc["seed"] == 12 and sc["replications"] == 16
        places = [e for e in sc["timeline"] if e.get("note") == "decided by hubsim optimise"]
        assert [str(e["date"]) for e in places] == ["2016-09-01", "2017-09-01"]
        assert [e["set"]["llme.primary_mastery_specialist.training_places"] for e in places] == \
            list(f["decisions"][k][:2])
        assert sc["hubs"][0]["name"] == "Tight" and sc["hubs"][0]["capacity_factor"] == f["decisions"][k][2]
        run = d / f"plan{k}.h5"
        run_ok("run", path, "-o", run, "-q")
        with h5py.File(run, "r") as r:
            years = r["summary/year"][()]
            policy = (years >= 2016) & (years <= 2020)
            cost = r["summary/cost"][()][:, policy, :].sum(axis=(1, 2))
            day = r["summary/target_day"][()]
            met = ((day >= 0) & (day <= r["target_by_day"][()])).all(axis=1)
        assert cost.mean() == pytest.approx(f["fresh"][k][0], rel=1e-12)
        assert met.mean() == f["fresh"][k][1] == f["fresh"][k][2]


def test_same_front_on_any_threads_and_over_mpi(search):
    d, out = search
    one = d / "one.h5"
    run_ok("optimise", d / "plan.yaml", "-o", one, "-t", "1", "-q", "--plans", d / "one-plans",
           timeout=600)
    assert_same_datasets(out, one)
    mpi = d / "mpi.h5"
    proc = run_mpi(3, "optimise", d / "plan.yaml", "-o", mpi, "-t", "1", "--plans",
                   d / "mpi-plans", timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("Pareto front:") == 1, "one rank reports"
    assert_same_datasets(out, mpi)


def test_the_hand_worked_front(tmp_path):
    """Tiny's front, worked out by hand: 0 to 11 days cost nothing and miss the target; 12 to
    23 days meet it for GBP 20,000; more days cost more and buy nothing."""
    (tmp_path / "tiny.yaml").write_text(TINY_PLAN)
    out = tmp_path / "t.h5"
    run_ok("optimise", tmp_path / "tiny.yaml", "-o", out, "-q")
    f = front(out)
    assert f["plans"] == 2
    assert list(f["fresh"][:, 0]) == [0, 20000] and list(f["fresh"][:, 1]) == [0, 1]
    assert 0 <= f["decisions"][0][0] <= 11 and 12 <= f["decisions"][1][0] <= 23
    # Every candidate's figures follow the rule above.
    for days, (cost, p) in zip(f["all_decisions"][:, 0], f["all_estimate"]):
        assert (cost, p) == ((0, 0) if days < 12 else (20000, 1) if days < 24 else (40000, 1))


def test_no_feasible_plan_is_said_not_hidden(tmp_path):
    (tmp_path / "tiny.yaml").write_text(TINY_PLAN.replace(
        "method:", "constraints:\n  - {quantity: cost, at_most: -1}\nmethod:"))
    out = tmp_path / "t.h5"
    proc = run_ok("optimise", tmp_path / "tiny.yaml", "-o", out)
    assert "no candidate met every constraint" in proc.stdout
    assert front(out)["plans"] == 0
    assert not list((tmp_path / "t-plans").glob("*.yaml"))


def test_precision_runs_more_fresh_replications(tmp_path):
    (tmp_path / "cap.yaml").write_text(CAPACITY)
    (tmp_path / "plan.yaml").write_text(PLAN.replace("generations: 3", "generations: 1"))
    out = tmp_path / "p.h5"
    run_ok("optimise", tmp_path / "plan.yaml", "-o", out, "-q", "--precision", "0.1",
           "--max-replications", "64", timeout=600)
    f = front(out)
    n = f["fresh_replications"]
    assert np.all(n >= 16) and np.all(n <= 64) and np.all(np.isin(n, [16, 32, 64]))
    half = (f["fresh_high"] - f["fresh_low"])[:, 1] / 2
    # 90% intervals are stored; --precision asks it of the 95% ones, which are wider.
    assert np.all((half <= 0.1) | (n == 64))


def test_killed_search_resumes_to_the_same_front(search):
    """kill -9 part-way, then --resume: the journalled candidates are reused, and the front is
    the uninterrupted search's."""
    d, _ = search
    slow = ["--replications", "120"]  # long enough to be killed part-way
    out = d / "whole.h5"
    run_ok("optimise", d / "plan.yaml", "-o", out, "-q", *slow, timeout=600)
    killed = d / "killed.h5"
    journal = d / "killed.h5.journal"
    proc = subprocess.Popen([str(HUBSIM), "optimise", str(d / "plan.yaml"), "-o", str(killed),
                             "-q", "-t", "1", *slow])
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(journal.glob("candidate-*"))) < 10:
        time.sleep(0.01)
    time.sleep(random.Random(3).uniform(0, 0.1))
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert list(journal.glob("candidate-*")) and not killed.exists()
    run_ok("optimise", d / "plan.yaml", "-o", killed, "--resume", "-q", *slow, timeout=600)
    assert_same_datasets(out, killed)
    assert not journal.exists()


@pytest.mark.parametrize("written, bad", [
    ("range: [0, 60]", "range: [60, 0]"),
    ("at_least: 0.25}", "at_least: 1.5}"),
    ("Tight", "Tigth"),
    ("population: 8", "population: 10"),
    ("years: [2016, 2017]", "years: [2016, 2040]"),
    ("maximise: targets_met", "maximise: schools"),
    ("  - maximise: targets_met\n", ""),
    ("{quantity: cost, from: 2016-09-01, to: 2021-08-31}", "{quantity: cost, from: 2022-01-01}"),
])
def test_bad_plans_are_located_and_run_nothing(tmp_path, written, bad):
    (tmp_path / "cap.yaml").write_text(CAPACITY)
    text = PLAN.replace(written, bad)
    assert text != PLAN
    (tmp_path / "plan.yaml").write_text(text)
    out = tmp_path / "out.h5"
    proc = run_hubsim("optimise", tmp_path / "plan.yaml", "-o", out)
    assert proc.returncode == 2, proc.stderr
    assert "plan.yaml:" in proc.stderr and "nothing was run" in proc.stderr
    assert not out.exists() and not (tmp_path / "out-plans").exists()


def test_messages_say_what_is_wrong(tmp_path):
    """Every problem is reported, not only the first, each with its line and column."""
    (tmp_path / "cap.yaml").write_text(CAPACITY)
    (tmp_path / "plan.yaml").write_text(PLAN.replace("Tight", "Tigth").replace(
        "population: 8", "population: 10"))
    proc = run_hubsim("optimise", tmp_path / "plan.yaml", "-o", tmp_path / "o.h5")
    assert proc.returncode == 2
    assert "plan.yaml:7:11: error: variables[1].hub: unknown hub 'Tigth' (did you mean 'Tight'?)" in proc.stderr
    assert "method.population: NSGA-II needs a multiple of 4, found 10" in proc.stderr
    assert "2 errors; nothing was run" in proc.stderr
    proc = run_hubsim("optimise", tmp_path / "plan.yaml", "--threads", "-1")
    assert proc.returncode == 2


def test_help_and_validate(tmp_path):
    proc = run_ok("optimise", "--help")
    for option in ("--plans", "--set", "--seed", "--replications", "--precision", "--threads",
                   "--resume"):
        assert option in proc.stdout
    (tmp_path / "cap.yaml").write_text(CAPACITY)
    (tmp_path / "plan.yaml").write_text(PLAN)
    proc = run_ok("validate", tmp_path / "plan.yaml")
    assert "a policy search of 3 decisions" in proc.stdout


def test_seed_and_replications_from_the_command_line(tmp_path):
    (tmp_path / "tiny.yaml").write_text(TINY_PLAN)
    out = tmp_path / "t.h5"
    run_ok("optimise", tmp_path / "tiny.yaml", "-o", out, "-q", "--seed", "9", "--replications", "3")
    with h5py.File(out, "r") as f:
        assert f.attrs["seed"] == 9 and f.attrs["replications"] == 3
        assert f.attrs["reevaluation_seed"] == 10


def test_an_output_never_replaces_an_input(tmp_path):
    (tmp_path / "cap.yaml").write_text(CAPACITY)
    (tmp_path / "plan.yaml").write_text(PLAN)
    before = (tmp_path / "cap.yaml").read_text()
    proc = run_hubsim("optimise", tmp_path / "plan.yaml", "-o", tmp_path / "cap.yaml")
    assert proc.returncode == 2 and "an output never replaces an input" in proc.stderr
    assert (tmp_path / "cap.yaml").read_text() == before


def test_choices_and_shares_are_decisions_too(tmp_path):
    """A choice is searched over its values and written by name; a share is a real number;
    both are explicit values (`set:`) of the plan's scenario."""
    (tmp_path / "cap.yaml").write_text(CAPACITY)
    (tmp_path / "plan.yaml").write_text(PLAN.replace(
        "  - {hub: Tight, capacity_factor: [0.5, 3]}\n",
        "  - {parameter: policy.priority}\n  - {parameter: policy.new_share, range: [0.2, 0.8]}\n")
        .replace("generations: 3", "generations: 1"))
    out = tmp_path / "c.h5"
    run_ok("optimise", tmp_path / "plan.yaml", "-o", out, "-q")
    f = front(out)
    assert f["variable"][2:] == ["policy.priority", "policy.new_share"]
    x = f["all_decisions"]
    assert set(np.unique(x[:, 2])) <= {0, 1, 2} and len(np.unique(x[:, 3])) > 4
    for k, text in enumerate(f["scenario"]):
        chosen = yaml.safe_load(text)["set"]
        assert isinstance(chosen["policy.priority"], str)
        assert chosen["policy.new_share"] == f["decisions"][k][3]
