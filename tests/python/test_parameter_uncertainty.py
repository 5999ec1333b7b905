"""Parameter uncertainty by default: the England scenarios draw each replication's parameters
from the calibration's posterior, keyed by (seed, replication), so two variants share their
draws; `--parameters fixed` runs the values written in the scenario; the file, the terminal
summary and the report say which uncertainty the bands hold.

The England runs are cut to two years (`--set end=...`): the draws do not depend on the end.
"""

import subprocess
import sys

import h5py
import numpy as np

from conftest import REPO, TINY, run_hubsim

ENGLAND = REPO / "scenarios" / "england.yaml"
VARIANTS = [REPO / "scenarios" / f"england_{v}.yaml"
            for v in ("more_training", "disadvantage_first", "expand_first")]
SHORT = ("--set", "end=2016-08-31", "-q")


def run(scenario, out, *args):
    proc = run_hubsim("run", scenario, "-o", out, *SHORT, *args)
    assert proc.returncode == 0, proc.stderr
    return h5py.File(out, "r")


def test_england_and_every_variant_draw_the_same_parameters_per_replication(tmp_path):
    with run(ENGLAND, tmp_path / "base.h5", "--replications", 12) as base:
        drawn = base["summary/particle"][()]
        assert base.attrs["parameters"] == "drawn"
        assert base.attrs["uncertainty"] == "chance and parameters"
        assert base.attrs["posterior_particles"] == 1000
        assert (drawn >= 0).all() and len(set(drawn.tolist())) > 6
        for variant in VARIANTS:
            with run(variant, tmp_path / f"{variant.stem}.h5", "--replications", 12) as v:
                # Common random numbers for parameters: the same particle in the same replication.
                assert np.array_equal(v["summary/particle"][()], drawn), variant.name
                assert v.attrs["uncertainty"] == "chance and parameters"


def test_a_draw_is_keyed_by_seed_and_replication(tmp_path):
    with run(ENGLAND, tmp_path / "twelve.h5", "--replications", 12) as twelve, \
            run(ENGLAND, tmp_path / "five.h5", "--replications", 5) as five, \
            run(ENGLAND, tmp_path / "seed.h5", "--replications", 12, "--seed", 3) as other:
        assert np.array_equal(five["summary/particle"][()], twelve["summary/particle"][()][:5])
        assert not np.array_equal(other["summary/particle"][()], twelve["summary/particle"][()])


def test_fixed_runs_the_scenarios_values_and_says_chance_only(tmp_path):
    proc = run_hubsim("run", ENGLAND, "-o", tmp_path / "fixed.h5", "--parameters", "fixed",
                      "--replications", 6, "--set", "end=2016-08-31")
    assert proc.returncode == 0, proc.stderr
    assert "chance only" in proc.stdout
    with h5py.File(tmp_path / "fixed.h5") as f, \
            run(ENGLAND, tmp_path / "drawn.h5", "--replications", 6) as d:
        assert f.attrs["parameters"] == "fixed"
        assert f.attrs["uncertainty"] == "chance only"
        assert (f["summary/particle"][()] == -1).all()
        # Same seed, same chance streams: only the parameters differ, and they change results.
        assert not np.array_equal(f["trajectories/engaged"][()], d["trajectories/engaged"][()])
    # The scenario file can say it too.
    fixed_yaml = tmp_path / "england_fixed.yaml"
    fixed_yaml.write_text(f"base: {ENGLAND}\nname: england_fixed\nparameters: fixed\n")
    with run(fixed_yaml, tmp_path / "fixed2.h5", "--replications", 6) as f2, \
            h5py.File(tmp_path / "fixed.h5") as f:
        assert f2.attrs["parameters"] == "fixed"
        assert np.array_equal(f2["trajectories/engaged"][()], f["trajectories/engaged"][()])


def test_drawn_summary_says_what_its_bands_hold(tmp_path):
    proc = run_hubsim("run", ENGLAND, "-o", tmp_path / "d.h5", "--replications", 4,
                      "--set", "end=2016-08-31")
    assert proc.returncode == 0, proc.stderr
    assert "bands hold chance and parameter uncertainty" in proc.stdout
    assert "P(target met by its date), with its 95% Wilson interval" in proc.stdout


def test_a_scenario_without_posterior_cannot_draw(tmp_path):
    with run(TINY, tmp_path / "tiny.h5") as f:
        assert f.attrs["parameters"] == "none" and f.attrs["uncertainty"] == "chance only"
    proc = run_hubsim("run", TINY, "-o", tmp_path / "bad.h5", "--parameters", "drawn")
    assert proc.returncode == 2
    assert "posterior" in proc.stderr
    assert not (tmp_path / "bad.h5").exists()


def test_report_states_the_uncertainty(tmp_path):
    run(ENGLAND, tmp_path / "d.h5", "--replications", 4).close()
    out = tmp_path / "report"
    proc = subprocess.run([sys.executable if sys.executable.startswith("/usr/bin") else
                           "/usr/bin/python3", str(REPO / "tools" / "report.py"),
                           str(tmp_path / "d.h5"), "-o", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "chance and parameter uncertainty" in page
    assert "P(met by its date)" in page
