"""The SimPy model (tools/simpy_model.py) stays the same model as hubsim.

- tiny.yaml, whose outcome is certain, comes out exactly as hubsim's, stage by stage;
- a small scenario that reaches every rule (late hub, hub overrides, training and dropout,
  timeline changes with until, lapses and rejoining) agrees with hubsim within Monte Carlo
  error under each priority rule, both orders, a budget, no spill and termly samples,
  through tools/compare_simpy.py;
- the comparison can tell: a SimPy model with one parameter changed does not agree;
- the England school list is read as hubsim reads it.
"""

import json
import subprocess
import sys

import h5py
import numpy as np
import pytest

from conftest import HUBSIM, REPO, labels, run_ok

# SimPy 3 is Debian's python3-simpy3 (tools/install.sh): missing, this fails rather than skips.
sys.path.insert(0, str(REPO / "tools"))
import simpy_model  # noqa: E402

CHECK_YAML = """\
name: simpy_check
description: three hubs (one opening late), every kind of rule, small enough for seconds
start: 2014-09-01
end: 2022-08-31
seed: 5
hubs:
  - {name: North, opens: 2014-07-01}
  - {name: South, opens: 2014-07-01, capacity_factor: 1.5}
  - {name: East, opens: 2016-09-01, initial_llme: {primary_mastery_specialist: 1, secondary_mastery_specialist: 2}}
schools:
  generate: {per_hub: {primary: 150, secondary: 40}, disadvantage: 0.3, disadvantage_spread: 0.4}
demand: {p: 0.08, q: 1.0, heterogeneity: 0.8, rejoin: 0.2}
llme:
  primary_mastery_specialist: {training_places: 6, applicants_engaged: 0.05, applicants_other: 0.02}
  secondary_mastery_specialist: {training_places: 2, training_years: 2}
timeline:
  - {date: 2014-09-01, until: 2015-08-31, set: {llme.primary_mastery_specialist.training_places: 0}}
  - {date: 2018-03-23, until: 2018-08-31, set: {phases.primary.stages.development.complete: 0.6}}
  - {date: 2019-09-01, until: 2020-08-31, set: {capacity.factor: 0.5}}
"""

VARIANTS = {
    "waiting_time": [],
    "disadvantage_expand_first_budget": [
        "policy.priority=disadvantage", "policy.order=expand_first", "budget.annual=150000"],
    "lottery_no_spill_termly": [
        "policy.priority=lottery", "policy.spill=false", "policy.new_share=0.3",
        "output.sample=termly", "llme.primary_mastery_specialist.training_years=0", "policy.max_wait_years=0"],
}


@pytest.fixture(scope="module")
def check_yaml(tmp_path_factory):
    path = tmp_path_factory.mktemp("simpy_check") / "check.yaml"
    path.write_text(CHECK_YAML)
    return path


def compare(scenario, tmp_path, *extra, replications=200):
    out = tmp_path / "figures.json"
    proc = subprocess.run(
        [sys.executable, str(REPO / "tools" / "compare_simpy.py"), "--scenario", str(scenario),
         "--replications", str(replications), "--hubsim", str(HUBSIM), "--json", str(out),
         *extra],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    return proc, json.loads(out.read_text())


def test_tiny_comes_out_exactly_as_in_hubsim(tiny_h5):
    scenario = simpy_model.load_from_output(tiny_h5)
    ours = simpy_model.run_replications(scenario, 3)
    with h5py.File(tiny_h5, "r") as f:
        for key in ["stage_counts", "engaged", "waiting", "participating", "trainees",
                    "work_groups", "llme", "specialists"]:
            np.testing.assert_array_equal(ours[key], f["trajectories/" + key][()], err_msg=key)
        np.testing.assert_array_equal(ours["cost"], f["summary/cost"][()])
        assert [str(d) for d in ours["date"]] == labels(f["date"])
    # By hand: six schools a year, development then embedding then sustaining.
    assert ours["stage_counts"][0, :, 0, 0].tolist() == [
        [12, 0, 0, 0, 0, 0], [6, 0, 0, 6, 0, 0], [6, 0, 0, 0, 6, 0], [6, 0, 0, 0, 6, 0],
        [6, 0, 0, 0, 6, 0]]


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_agrees_with_hubsim_within_monte_carlo_error(check_yaml, tmp_path, variant):
    sets = [a for s in VARIANTS[variant] for a in ("--set", s)]
    proc, fig = compare(check_yaml, tmp_path, *sets)
    assert proc.returncode == 0 and fig["agree"], proc.stdout
    assert fig["max_z"] <= 4
    assert fig["means_compared"] >= 300
    assert fig["events_per_replication"] > 100  # schools did ask: the check is not empty


@pytest.fixture(scope="module")
def drawn_yaml(check_yaml):
    """The check scenario with each replication's parameters drawn from a posterior (its
    heterogeneity among them), a timeline change that scales the drawn value, and an
    explicit value above the draw."""
    folder = check_yaml.parent
    (folder / "posterior.csv").write_text(
        "weight,demand.heterogeneity,demand.q,llme.primary_mastery_specialist.days\n"
        "0.5,2.0,0.4,1.2\n0.3,1.6,1.8,2.0\n0.2,0.1,1.0,1.5\n")
    path = folder / "drawn.yaml"
    path.write_text(
        "base: check.yaml\nname: simpy_drawn\nposterior: {file: posterior.csv}\n"
        "set: {llme.primary_mastery_specialist.days: 1.7}\n"
        "timeline:\n  - {date: 2017-09-01, until: 2019-08-31, scale: {demand.q: 2}, "
        "add: {llme.primary_mastery_specialist.training_places: 3}}\n")
    return path


def test_agrees_when_parameters_are_drawn_scaled_and_set(drawn_yaml, tmp_path):
    """Would have caught the SimPy model drawing schools' propensities with the scenario's
    heterogeneity instead of the replication's drawn one."""
    proc, fig = compare(drawn_yaml, tmp_path)
    assert proc.returncode == 0 and fig["agree"], proc.stdout
    assert fig["max_z"] <= 4


def test_the_comparison_tells_a_different_model(check_yaml, tmp_path):
    proc, fig = compare(check_yaml, tmp_path, "--simpy-set", "demand.readiness_share=0.45")
    assert proc.returncode == 1 and not fig["agree"], proc.stdout
    assert "DO NOT AGREE" in proc.stdout


def test_reads_the_england_schools_as_hubsim_does(tmp_path):
    out = tmp_path / "england.h5"
    run_ok("run", REPO / "scenarios" / "england.yaml", "-o", out, "--replications", 1, "-q",
           cwd=REPO)
    # load_from_output checks every hub's schools per phase against hub_schools.
    scenario = simpy_model.load_from_output(out)
    ours = simpy_model.run_replications(scenario, 1)
    with h5py.File(out, "r") as f:
        hub_schools = f["hub_schools"][()]
    assert hub_schools.sum() == 20217
    # Every school is in exactly one stage at every sample.
    np.testing.assert_array_equal(ours["stage_counts"][0].sum(axis=-1),
                                  np.broadcast_to(hub_schools, ours["engaged"][0].shape))
    assert ours["engaged"][0, -1].sum() > 0.8 * 20217
