"""The SimPy model (tools/simpy_model.py) stays the same model as hubsim.

- tiny.yaml, whose outcome is certain, comes out exactly as hubsim's: every series;
- a small scenario that reaches every rule (a late hub with its head start, hub overrides
  of leaders by role, every LLME role: readiness leads, Work Group Leads, a PD Lead and a
  School Development Lead without a phase, spread over the hub's phases; training and
  dropout, timeline changes with until, lapses and rejoining at embedding or sustaining,
  schools from a generated block and a CSV file, share and count targets) agrees with
  hubsim within Monte Carlo error under each priority rule, both orders, a budget, no
  spill, termly samples, disadvantage shaping demand and completion with rejoining at
  entry, and parameters drawn from a posterior, through tools/compare_simpy.py;
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
description: three hubs (one opening late), every role and kind of rule, small enough for seconds
start: 2014-09-01
end: 2022-08-31
seed: 5
hubs:
  - {name: North, opens: 2014-07-01}
  - {name: South, opens: 2014-07-01, capacity_factor: 1.5}
  - {name: East, opens: 2016-09-01, initial_llme: {primary_mastery_specialist: 1, secondary_mastery_specialist: 2, pd_lead: 3}}
schools:
  - generate: {per_hub: {primary: 150, secondary: 40}, disadvantage: 0.3, disadvantage_spread: 0.6}
  - file: colleges.csv
demand: {p: 0.08, q: 1.0, heterogeneity: 0.8, rejoin: 0.3, head_start: 0.5}
phases:
  post16: {pipeline: [development, embedding, sustaining]}
  primary:
    stages: {readiness: {release_days: 6}, embedding: {release_days: 6}, sustaining: {release_days: 3, lapse: 0.2}}
  secondary:
    stages: {sustaining: {lapse: 0.2}}
llme:
  primary_mastery_specialist: {training_places: 6, applicants_engaged: 0.05, applicants_other: 0.02, days: 14}
  secondary_mastery_specialist: {training_places: 2, training_years: 2, days: 20}
  post16_mastery_specialist: {training_places: 1, applicants_engaged: 0.3, applicants_other: 0.2, days: 12}
  primary_readiness_lead: {training_places: 2, days: 12, attrition: 0.2}
  primary_work_group_lead: {initial_per_hub: 2, training_places: 3, days: 16, tfm_share: 0.6, outreach: 0.75}
  secondary_work_group_lead: {initial_per_hub: 1, training_places: 2, days: 16, tfm_share: 0.5}
  pd_lead: {initial_per_hub: 2, training_places: 3, days: 12, tfm_share: 0.5, applicants_engaged: 0.03}
  school_development_lead: {training_places: 2, days: 10, tfm_share: 0.4, dropout: 0.2}
timeline:
  - {date: 2014-09-01, until: 2015-08-31, set: {llme.primary_mastery_specialist.training_places: 0}}
  - {date: 2014-09-01, until: 2016-08-31, set: {llme.school_development_lead.training_places: 0}}
  - {date: 2018-03-23, until: 2018-08-31, set: {phases.primary.stages.development.complete: 0.6}}
  - {date: 2019-09-01, until: 2020-08-31, set: {capacity.factor: 0.5}}
  - {date: 2019-09-01, set: {llme.primary_work_group_lead.outreach: 0.25}}
targets:
  - {phase: primary, share: 0.5, by: 2020-08-31}
  - {count: 20, role: primary_mastery_specialist, by: 2020-08-31}
  - {count: 18, per_hub: true, by: 2020-08-31}
"""

# Colleges: a school source read from a file after the generated one.
COLLEGES_CSV = "urn,hub,phase,pupils,disadvantage\n" + "".join(
    f"{9000 + k},{hub},post16,0,{0.2 + 0.05 * (k % 7):.2f}\n"
    for k, hub in enumerate(["North", "South", "East"] * 4))

VARIANTS = {
    "waiting_time": [],
    "disadvantage_expand_first_budget": [
        "policy.priority=disadvantage", "policy.order=expand_first", "budget.annual=150000",
        "policy.place_sharing=by_need"],
    "lottery_no_spill_termly": [
        "policy.priority=lottery", "policy.spill=false", "policy.new_share=0.3",
        "output.sample=termly", "llme.primary_mastery_specialist.training_years=0",
        "policy.max_wait_years=0", "policy.place_sharing=by_size"],
    "equity_rejoin_at_entry": [
        "equity.demand=5", "equity.completion=-8", "demand.rejoin_stage=entry",
        "demand.head_start=0"],
}


@pytest.fixture(scope="module")
def check_yaml(tmp_path_factory):
    folder = tmp_path_factory.mktemp("simpy_check")
    (folder / "colleges.csv").write_text(COLLEGES_CSV)
    path = folder / "check.yaml"
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
        written = {f"{group}/{name}" for group in ("trajectories", "summary")
                   for name, obj in f[group].items()
                   if isinstance(obj, h5py.Dataset) and "CLASS" not in obj.attrs}
        # Every series hubsim writes, and only those, with its element type.
        assert written == {f"{group}/{name}" for name, (group, _, _) in
                           simpy_model.SERIES.items()}
        for name, (group, _, dtype) in simpy_model.SERIES.items():
            theirs = f[f"{group}/{name}"][()]
            assert theirs.dtype == dtype and ours[name].dtype == dtype, name
            np.testing.assert_array_equal(ours[name], theirs, err_msg=name)
        assert [str(d) for d in ours["date"]] == labels(f["date"])
        assert [str(r) for r in ours["role"]] == labels(f["role"])
        assert [str(t) for t in ours["target"]] == labels(f["target"])
    # By hand: six schools a year, development then embedding then sustaining.
    assert ours["stage_counts"][0, :, 0, 0].tolist() == [
        [12, 0, 0, 0, 0, 0], [6, 0, 0, 6, 0, 0], [6, 0, 0, 0, 6, 0], [6, 0, 0, 0, 6, 0],
        [6, 0, 0, 0, 6, 0]]
    # One secondary Mastery Specialist, whose 12 days lead one group a year.
    secondary = simpy_model.ROLE_NAMES.index("secondary_mastery_specialist")
    assert ours["llme"][0, :, 0, secondary].tolist() == [[0, 1, 0]] * 5
    assert ours["tfm_days"][0, :, 0, 0].tolist() == [12.0] * 5
    assert ours["tfm_days_used"][0, :, 0, 0].tolist() == [0.0, 12.0, 12.0, 12.0, 12.0]


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_agrees_with_hubsim_within_monte_carlo_error(check_yaml, tmp_path, variant):
    sets = [a for s in VARIANTS[variant] for a in ("--set", s)]
    proc, fig = compare(check_yaml, tmp_path, *sets)
    assert proc.returncode == 0 and fig["agree"], proc.stdout
    # k grows with the means compared (a 1% chance that agreeing models fail), kept < 5.
    assert fig["max_z"] <= fig["k"] < 5
    assert fig["means_compared"] >= 1000
    assert fig["events_per_replication"] > 100  # schools did ask: the check is not empty
    # Every series hubsim writes but the per-hub target days is compared.
    assert set(fig["per_quantity"]) == set(simpy_model.SERIES) - {"hub_target_day"}


@pytest.fixture(scope="module")
def drawn_yaml(check_yaml):
    """The check scenario with each replication's parameters drawn from a posterior (its
    heterogeneity and equity.demand among them: both fixed when a replication starts), a
    timeline change that scales the drawn value, and an explicit value above the draw."""
    folder = check_yaml.parent
    (folder / "posterior.csv").write_text(
        "weight,demand.heterogeneity,demand.q,llme.primary_mastery_specialist.days,"
        "equity.demand\n"
        "0.5,2.0,0.4,9.6,1.5\n0.3,1.6,1.8,24,-1\n0.2,0.1,1.0,18,0\n")
    path = folder / "drawn.yaml"
    path.write_text(
        "base: check.yaml\nname: simpy_drawn\nposterior: {file: posterior.csv}\n"
        "set: {llme.primary_mastery_specialist.days: 20.4}\n"
        "timeline:\n  - {date: 2017-09-01, until: 2019-08-31, scale: {demand.q: 2}, "
        "add: {llme.primary_mastery_specialist.training_places: 3}}\n")
    return path


def test_agrees_when_parameters_are_drawn_scaled_and_set(drawn_yaml, tmp_path):
    """Would have caught the SimPy model drawing schools' propensities with the scenario's
    heterogeneity instead of the replication's drawn one."""
    # 400 replications: at 200, the draws of the cohort-keyed leader streams put one of the
    # 1,164 means (pd_lead left, 2019) at z = 4.93, beyond the 1% bound k = 4.40; at 400
    # it is 3.62 and at 1,000 not the largest (2.96): chance, not a difference, as a bias
    # would grow with the square root of the replications.
    proc, fig = compare(drawn_yaml, tmp_path, "--parameters", "drawn", replications=400)
    assert proc.returncode == 0 and fig["agree"], proc.stdout
    assert fig["max_z"] <= fig["k"] < 5


@pytest.mark.parametrize("variant, change", [
    ("waiting_time", "demand.readiness_share=0.45"),
    ("waiting_time", "demand.rejoin_stage=entry"),  # not at embedding or sustaining
    ("waiting_time", "demand.head_start=0"),
    ("waiting_time", "llme.pd_lead.tfm_share=0.3"),  # a role without a phase
    ("equity_rejoin_at_entry", "equity.demand=0"),
    ("equity_rejoin_at_entry", "equity.completion=0"),
])
def test_the_comparison_tells_a_different_model(check_yaml, tmp_path, variant, change):
    sets = [a for s in VARIANTS[variant] for a in ("--set", s)]
    proc, fig = compare(check_yaml, tmp_path, *sets, "--simpy-set", change)
    assert proc.returncode == 1 and not fig["agree"], proc.stdout
    assert "DO NOT AGREE" in proc.stdout


@pytest.mark.parametrize("rule, places, applicants, weights, year, per_hub, given", [
    # The hand-worked cases of tests/unit/test_place_sharing.cpp.
    (0, 3, [5, 5], [300, 100], 2014, 1, [2, 1]),
    (0, 3, [5, 5], [300, 100], 2015, 1, [1, 2]),
    (1, 4, [10, 10], [300, 100], 2015, 1, [3, 1]),
    (1, 60, [99, 99, 99], [30, 20, 10], 2014, 1, [30, 20, 10]),
    (2, 1, [4, 4], [1, 1], 2015, 1, [0, 1]),
    (1, 4, [1, 10], [300, 100], 2014, 1, [1, 3]),
    (2, 4, [3, 2], [0, 5], 2014, 1, [2, 2]),
    (1, 6, [9, 9, 9, 9], [6, 2, 0, 4], 2015, 2, [3, 1, 0, 2]),
])
def test_places_are_shared_as_in_hubsim(rule, places, applicants, weights, year, per_hub, given):
    assert simpy_model.share_places(rule, places, applicants, weights, year, per_hub) == given


def test_reads_the_england_schools_as_hubsim_does(tmp_path):
    out = tmp_path / "england.h5"
    run_ok("run", REPO / "scenarios" / "england.yaml", "-o", out, "--replications", 1, "-q",
           cwd=REPO)
    # load_from_output checks every hub's schools per phase and disadvantage band against
    # hub_schools and hub_band_schools: two sources, the census and the colleges.
    scenario = simpy_model.load_from_output(out)
    ours = simpy_model.run_replications(scenario, 1)
    with h5py.File(out, "r") as f:
        hub_schools = f["hub_schools"][()]
        phases = labels(f["phase"])
        band_upper = f["disadvantage_band_upper"][()]
    assert phases == ["primary", "secondary", "post16"]
    assert hub_schools.sum() == 20217 + 219
    assert hub_schools[:, 2].sum() == 219  # colleges.csv
    np.testing.assert_array_equal(np.array(scenario.band_upper), band_upper)
    # Every school is in exactly one stage at every sample.
    np.testing.assert_array_equal(ours["stage_counts"][0].sum(axis=-1),
                                  np.broadcast_to(hub_schools, ours["engaged"][0].shape))
    assert ours["engaged"][0, -1].sum() > 0.8 * hub_schools.sum()
    # Every role has active leaders by 2030.
    assert (ours["llme"][0, -1, :, :, simpy_model.ACTIVE].sum(axis=0) > 0).all()
