"""A sweep's report (issue 16, point 7): `hubsim report SWEEP.h5` on the output of `hubsim
sweep` over the small three-hub scenario. Every number of the page is computed again here
from the HDF5 file; one swept parameter gives a figure against it, two a figure of heat maps,
more only the sortable table; the page is opened in headless Chromium. A sweep with other
files, or one written before the sweep kept its schools, is refused (exit 2)."""

import datetime as dt
import json
import math
import shutil

import h5py
import numpy as np
import pytest

from conftest import labels, run_ok
from test_report import Q, Tables, page_of, report_ok, run_report

ONE = """\
scenario: multi.yaml
name: places
replications: 3
design: {kind: grid}
parameters:
  llme.primary_mastery_specialist.training_places: {values: [0, 20, 60]}
"""

TWO = """\
scenario: multi.yaml
name: places_demand
replications: 3
design: {kind: grid}
parameters:
  llme.primary_mastery_specialist.training_places: {values: [0, 40]}
  demand.p: {values: [0.05, 0.2]}
"""

THREE = """\
scenario: multi.yaml
name: three
replications: 3
design: {kind: sobol, points: 6}
parameters:
  llme.primary_mastery_specialist.days: {uniform: [1, 3]}
  demand.p: {uniform: [0.02, 0.2]}
  policy.priority: {values: [waiting_time, disadvantage]}
"""


@pytest.fixture(scope="module")
def sweeps(tmp_path_factory, multi_yaml):
    """The three sweeps' output files, and what `hubsim sweep` printed for the first."""
    folder = tmp_path_factory.mktemp("sweeps")
    shutil.copy(multi_yaml, folder / "multi.yaml")
    out = {}
    for name, text in (("one", ONE), ("two", TWO), ("three", THREE)):
        (folder / f"{name}.yaml").write_text(text)
        proc = run_ok("sweep", folder / f"{name}.yaml", "-o", folder / f"{name}.h5", "--threads", 2,
                      timeout=300)
        out[name], out[f"{name}_stdout"] = folder / f"{name}.h5", proc.stdout
    return out


@pytest.fixture(scope="module")
def reports(tmp_path_factory, sweeps):
    folder = tmp_path_factory.mktemp("sweep_reports")
    for name in ("one", "two", "three"):
        report_ok(sweeps[name], "-o", folder / name)
    return folder


def read_sweep_h5(path):
    """What a sweep's report is made of, read directly."""
    with h5py.File(path, "r") as f:
        units = f["time"].attrs["units"]
        units = units.decode() if isinstance(units, bytes) else units
        keys = labels(f["parameter_keys"])
        return dict(
            start=dt.date.fromisoformat(units.split()[-1]), days=f["time"][()],
            keys=keys, values={k: f["points"][k][()] for k in keys},
            dtypes={k: f["points"][k].dtype for k in keys},
            targets=labels(f["target"]), by_day=f["target_by_day"][()],
            phases=labels(f["phase"]), schools=f["hub_schools"][()],
            target_day=f["summary/target_day"][()], engaged=f["summary/engaged"][()],
            cost=f["summary/cost"][()], met=f["summary/target_met_probability"][()],
            attrs={k: f.attrs[k] for k in f.attrs})


def wilson(k, n, z=1.959963984540054):
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def day_text(h, day):
    if not np.isfinite(day):
        return f"not by {(h['start'] + dt.timedelta(days=int(h['days'][-1]))).isoformat()}"
    return (h["start"] + dt.timedelta(days=int(day))).isoformat()


def check_points(data, h):
    """Each point's headline figures in data.json against the file."""
    sw = data["sweep"]
    n_points, reps = h["target_day"].shape[:2]
    assert sw["points"] == n_points == len(sw["results"]) and sw["replications"] == reps
    assert [p["key"] for p in sw["parameters"]] == h["keys"]
    schools = h["schools"].sum(axis=0)
    for i, r in enumerate(sw["results"]):
        for key in h["keys"]:
            v = h["values"][key][i]
            assert r["values"][key] == (v.decode() if isinstance(v, bytes) else v)
        for k, t in enumerate(r["targets"]):
            days = h["target_day"][i, :, k].astype(float)
            days[days < 0] = np.inf
            met = int(np.sum(days <= h["by_day"][k]))
            assert t["target"] == h["targets"][k] and t["met"] == met
            assert t["p_on_time"] == met / reps == pytest.approx(h["met"][i, k])
            assert (t["p_low"], t["p_high"]) == pytest.approx(wilson(met, reps))
            for name in ("p5", "p50", "p95"):
                want = np.quantile(days, Q[name], method="inverted_cdf")
                assert (t[name] is None and not np.isfinite(want)) or t[name] == want
        for p, ph in enumerate(h["phases"]):
            share = h["engaged"][i, :, -1, p] / schools[p]
            for name in ("p5", "p50", "p95"):
                assert r["engaged_share"][ph][name] == pytest.approx(np.quantile(share, Q[name]))
        total = h["cost"][i].sum(axis=(1, 2))
        for name in ("p5", "p50", "p95"):
            assert r["cost"][name] == pytest.approx(np.quantile(total, Q[name]))


def test_one_parameter_figure_and_table_equal_hdf5(reports, sweeps, multi_h5):
    """One swept whole-number parameter: stored as an integer, a figure against it, and a
    row per point whose every cell is the file's number as the page writes it."""
    h = read_sweep_h5(sweeps["one"])
    key = "llme.primary_mastery_specialist.training_places"
    assert h["dtypes"][key].kind == "i"  # a whole number stays whole
    with h5py.File(multi_h5, "r") as f:  # the sweep keeps the base's schools, as a run does
        np.testing.assert_array_equal(h["schools"], f["hub_schools"][()])
    assert sorted(p.name for p in (reports / "one").iterdir()) == ["data.json", "index.html", "sweep.png"]
    data = json.loads((reports / "one" / "data.json").read_text())
    check_points(data, h)
    assert data["sweep"]["parameters"][0]["kind"] == "integer"
    page = page_of(reports / "one")
    tables = Tables(page)
    assert [i["data-figure"] for i in tables.images] == ["sweep"]
    rows = tables.tables["sweep-table"]
    assert len(rows) == 3
    for i, row in enumerate(rows):
        r = data["sweep"]["results"][i]
        assert row[0] == (str(i), str(i))
        assert row[1][0] == str(int(h["values"][key][i]))  # 20, not 20.0
        for k, t in enumerate(r["targets"]):
            p_cell, date_cell = row[2 + 2 * k], row[3 + 2 * k]
            assert p_cell[0].startswith(f"{100 * t['met'] / 3:.0f}%95%: ")
            days = h["target_day"][i, :, k].astype(float)
            days[days < 0] = np.inf
            assert date_cell[0].startswith(day_text(h, np.quantile(days, 0.5, method="inverted_cdf")))
        total = h["cost"][i].sum(axis=(1, 2))
        assert row[-1][0].startswith(f"£{np.floor(np.median(total) / 1e6 * 100 + 0.5) / 100:,.2f}m")
    # the closing table hubsim sweep printed: P(met) and the median cost per point
    printed = [l.split() for l in sweeps["one_stdout"].splitlines() if l[:1].isdigit()]
    assert len(printed) == 3
    for i, row in enumerate(printed):
        assert int(row[1]) == h["values"][key][i]
        assert float(row[2]) == pytest.approx(h["met"][i, 0], abs=0.005)
        assert float(row[-1]) == pytest.approx(np.median(h["cost"][i].sum(axis=(1, 2))) / 1e6, abs=0.005)
    assert f"hubsim report {sweeps['one']} -o DIR" in sweeps["one_stdout"]
    assert "chance only" in page


def test_two_parameters_heat_maps(reports, sweeps):
    h = read_sweep_h5(sweeps["two"])
    assert h["dtypes"]["demand.p"].kind == "f" and h["dtypes"]["llme.primary_mastery_specialist.training_places"].kind == "i"
    data = json.loads((reports / "two" / "data.json").read_text())
    check_points(data, h)
    assert data["sweep"]["grid"] is True
    assert [i["data-figure"] for i in Tables(page_of(reports / "two")).images] == ["sweep"]
    assert (reports / "two" / "sweep.png").read_bytes().startswith(b"\x89PNG")
    # demand matters: more schools engaged at the higher demand, at every number of places
    res = data["sweep"]["results"]
    for places in (0, 40):
        lo, hi = (next(r for r in res if r["values"]["demand.p"] == p and
                       r["values"]["llme.primary_mastery_specialist.training_places"] == places)
                  for p in (0.05, 0.2))
        assert hi["engaged_share"]["primary"]["p50"] > lo["engaged_share"]["primary"]["p50"]


def test_three_parameters_table_only(reports, sweeps):
    h = read_sweep_h5(sweeps["three"])
    data = json.loads((reports / "three" / "data.json").read_text())
    check_points(data, h)
    assert sorted(p.name for p in (reports / "three").iterdir()) == ["data.json", "index.html"]
    rows = Tables(page_of(reports / "three")).tables["sweep-table"]
    assert len(rows) == 6 and [r[3][0] for r in rows] == list(h["values"]["policy.priority"].astype(str))


def test_sweep_page_in_headless_chromium(browser, reports):
    """The figure loads, nothing is logged, the table sorts by P(met) and fits 1400 px."""
    browser.open((reports / "two" / "index.html").as_uri())
    assert browser.run("return [...document.images].map(i => [i.dataset.figure, i.complete && i.naturalWidth > 0])") \
        == [["sweep", True]]
    fits = browser.run("""const t = document.getElementById('sweep-table');
        return {right: t.getBoundingClientRect().right,
                scrolls: t.parentElement.scrollWidth > t.parentElement.clientWidth + 1};""")
    assert not fits["scrolls"] and fits["right"] <= 1400, fits
    col = 3  # point, the two parameters, then P(the first target met)
    order = """return [...document.getElementById('sweep-table').tBodies[0].rows]
               .map(r => Number(r.cells[arguments[0]].getAttribute('data-sort')));"""
    browser.run("document.querySelector('#sweep-table th[data-col=\"' + arguments[0] + '\"]').click();", col)
    up = browser.run(order, col)
    assert up == sorted(up)
    assert browser.console() == []


def test_hubsim_report_takes_a_sweep(tmp_path, sweeps, reports):
    out = tmp_path / "via-cli"
    run_ok("report", sweeps["one"], "-o", out)
    assert (out / "data.json").read_bytes() == (reports / "one" / "data.json").read_bytes()


def test_a_sweep_is_reported_alone(tmp_path, sweeps, multi_h5):
    for inputs in ([multi_h5, sweeps["one"]], [sweeps["one"], sweeps["two"]]):
        proc = run_report(*inputs, "-o", tmp_path / "never")
        assert proc.returncode == 2, proc.stderr
        line, = proc.stderr.strip().splitlines()
        assert "is sweep output, which is reported alone" in line
        assert not (tmp_path / "never").exists()


def test_sweep_without_schools_is_refused(tmp_path, sweeps):
    """A sweep written before it kept its schools: no share can be computed; refused."""
    old = tmp_path / "old.h5"
    shutil.copy(sweeps["one"], old)
    with h5py.File(old, "a") as f:
        del f["hub_schools"]
    proc = run_report(old, "-o", tmp_path / "never")
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"report: {old}: ") and "hub_schools" in proc.stderr
    assert not (tmp_path / "never").exists()
