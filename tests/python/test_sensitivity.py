"""`hubsim sensitivity`: Sobol indices and Morris effects of a scenario's outputs, over
design points that share their random numbers; the estimators themselves are tested on the
Ishigami function (tests/unit/test_sensitivity.cpp)."""

import h5py
import numpy as np
import pytest
import xarray as xr

from conftest import labels, run_hubsim, run_mpi, run_ok, text_of
from test_marginal import CAPACITY
from test_sweep import assert_same_datasets

STUDY = """\
scenario: cap.yaml
name: what_matters
replications: 6
seed: 3
parameters:
  demand.p: {uniform: [0.05, 0.3]}
  llme.primary_mastery_specialist.days: {uniform: [6, 30]}
  llme.secondary_mastery_specialist.attrition: {uniform: [0.02, 0.2]}
outputs:
  - {measure: engaged, phase: primary, scope: national, date: 2020-08-31}
  - {measure: engaged, phase: secondary, scope: national, date: 2020-08-31}
method: {kind: sobol, samples: 32, bootstrap: 100}
"""
MORRIS = STUDY.replace("{kind: sobol, samples: 32, bootstrap: 100}", "{kind: morris, trajectories: 8}")


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    d = tmp_path_factory.mktemp("sensitivity")
    (d / "cap.yaml").write_text(CAPACITY)
    (d / "sobol.yaml").write_text(STUDY)
    (d / "morris.yaml").write_text(MORRIS)
    for kind in ("sobol", "morris"):
        proc = run_ok("sensitivity", d / f"{kind}.yaml", "-o", d / f"{kind}.h5", "-t", "2")
        assert "written to" in proc.stdout
    return d


def indices(path):
    with h5py.File(path, "r") as f:
        g = f["sensitivity"]
        return {k: g[k][()] for k in g if k not in ("parameter", "output")} | {
            "parameter": labels(f["parameter"]), "output": labels(f["output"]),
            "outputs": f["outputs"][()], "design": f["design"][()]}


def test_a_parameter_that_cannot_matter_gets_nothing(folder):
    """Secondary leaders' attrition cannot change primary engagement, nor primary leaders'
    days secondary's: with common random numbers their indices are exactly zero."""
    s = indices(folder / "sobol.h5")
    p = s["parameter"]
    attrition, days = p.index("llme.secondary_mastery_specialist.attrition"), \
        p.index("llme.primary_mastery_specialist.days")
    assert s["total"][0, attrition] == 0 and s["first_order"][0, attrition] == 0
    assert s["total"][1, days] == 0
    m = indices(folder / "morris.h5")
    assert m["mu_star"][0, attrition] == 0 and m["mu_star"][1, days] == 0


def test_demand_matters_most_and_indices_are_shares(folder):
    s = indices(folder / "sobol.h5")
    p = s["parameter"]
    for o in range(2):
        assert np.argmax(s["total"][o]) == p.index("demand.p")
        assert np.all(s["total_low"][o] <= s["total"][o] + 1e-12)
        assert np.all(s["total"][o] <= s["total_high"][o] + 1e-12)
    assert np.all((s["total"] > -0.2) & (s["total"] < 1.3))
    # N x (d + 2) design points, each parameter inside its range.
    assert s["design"].shape == (32 * 5, 3)
    assert s["design"][:, 0].min() >= 0.05 and s["design"][:, 0].max() <= 0.3


def test_morris_effects_have_the_sign_of_the_model(folder):
    """More demand engages more schools; more attrition of secondary leaders, fewer
    secondary schools (per unit of the parameter)."""
    m = indices(folder / "morris.h5")
    p = m["parameter"]
    assert m["mu"][0, p.index("demand.p")] > 0
    assert m["mu"][1, p.index("llme.secondary_mastery_specialist.attrition")] < 0
    assert np.all(m["mu_star"] >= np.abs(m["mu"]) - 1e-9)
    assert m["design"].shape == (8 * 4, 3)


def test_same_on_threads_and_mpi_ranks(folder):
    one = folder / "one.h5"
    run_ok("sensitivity", folder / "sobol.yaml", "-o", one, "-t", "1", "-q")
    assert_same_datasets(folder / "sobol.h5", one)
    mpi = folder / "mpi.h5"
    proc = run_mpi(3, "sensitivity", folder / "sobol.yaml", "-o", mpi, "-t", "1", "-q")
    assert proc.returncode == 0, proc.stderr
    assert_same_datasets(folder / "sobol.h5", mpi)


def test_xarray_reads_it(folder):
    ds = xr.open_dataset(folder / "sobol.h5", group="sensitivity", engine="h5netcdf")
    assert ds["total"].dims == ("output", "parameter")
    assert list(ds["parameter"].values)[0] == "demand.p"


@pytest.mark.parametrize("change,where", [
    (("kind: sobol, samples: 32, bootstrap: 100", "kind: sobl"), "method.kind"),
    (("kind: sobol, samples: 32, bootstrap: 100", "kind: morris, levels: 5"), "method.levels"),
    (("measure: engaged, phase: primary", "measure: engagd, phase: primary"), "outputs[0].measure"),
    (("date: 2020-08-31}\n  - {measure: engaged, phase: secondary", "date: 2031-08-31}\n  - {measure: engaged, phase: secondary"), "outputs[0].date"),
    (("scope: national, date: 2020-08-31}\nmethod", "scope: hub:Nowhere, date: 2020-08-31}\nmethod"), "outputs[1].scope"),
    (("demand.p: {uniform: [0.05, 0.3]}", "policy.priority: {uniform: [0, 1]}"), "parameters.policy.priority"),
    (("demand.p: {uniform: [0.05, 0.3]}", "demand.p: {uniform: [0.3, 0.05]}"), "parameters.demand.p.uniform"),
])
def test_bad_studies(folder, change, where):
    bad = folder / "bad.yaml"
    text = STUDY.replace(*change)
    assert text != STUDY
    bad.write_text(text)
    for cmd in (("validate", bad), ("sensitivity", bad, "-o", folder / "bad.h5")):
        proc = run_hubsim(*cmd)
        assert proc.returncode == 2, proc.stderr
        assert f"bad.yaml" in proc.stderr and where in proc.stderr, proc.stderr
    assert not (folder / "bad.h5").exists()


def test_command_line_seed_replications_and_set_win(tmp_path):
    """--seed and --replications win over the study's own; --set changes its base scenario
    (recorded in its resolved scenario)."""
    (tmp_path / "cap.yaml").write_text(CAPACITY)
    (tmp_path / "m.yaml").write_text(MORRIS.replace("trajectories: 8", "trajectories: 2"))
    out = tmp_path / "m.h5"
    run_ok("sensitivity", tmp_path / "m.yaml", "-o", out, "-q", "--seed", "9",
           "--replications", "2", "--set", "demand.q=0")
    with h5py.File(out, "r") as f:
        assert f.attrs["seed"] == 9 and f.attrs["replications"] == 2
        scenario = text_of(f["scenario"][()])
        assert "demand:\n  p:" in scenario and "  q: 0\n" in scenario


def test_precision_doubles_the_sobol_samples(folder, tmp_path):
    """--precision doubles the base samples until every total index's 90% bootstrap interval
    has at most the half-width asked; the design's points it shares with the study's own are
    the same points (a Sobol sequence extends), so their outputs are identical."""
    (tmp_path / "cap.yaml").write_text(CAPACITY)
    (tmp_path / "sobol.yaml").write_text(STUDY)
    out = tmp_path / "p.h5"
    proc = run_ok("sensitivity", tmp_path / "sobol.yaml", "-o", out, "-t", "2", "--precision",
                  "0.2", "--max-samples", "128")
    with h5py.File(out, "r") as f:
        n = int(f.attrs["samples"])
        g = f["sensitivity"]
        half = (g["total_high"][()] - g["total_low"][()]) / 2
        design, outputs = f["design"][()], f["outputs"][()]
    assert n in (32, 64, 128)
    assert np.all((half <= 0.2) | (n == 128))
    if n > 32:
        assert "base samples" in proc.stderr
    base = indices(folder / "sobol.h5")
    shared = [i for i, row in enumerate(base["design"])
              if (design == row).all(axis=1).any()]
    assert len(shared) >= 32 * 2  # at least the A and B matrices' rows
    for i in shared:
        j = int(np.flatnonzero((design == base["design"][i]).all(axis=1))[0])
        assert np.array_equal(outputs[j], base["outputs"][i])
    proc = run_hubsim("sensitivity", tmp_path / "sobol.yaml", "-o", tmp_path / "m.h5",
                      "--precision", "0.1", "--max-replications", "5")
    assert proc.returncode == 2
    (tmp_path / "morris.yaml").write_text(MORRIS)
    proc = run_hubsim("sensitivity", tmp_path / "morris.yaml", "-o", tmp_path / "m.h5",
                      "--precision", "0.1")
    assert proc.returncode == 2 and "only a Sobol study" in proc.stderr
