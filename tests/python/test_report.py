"""The report generator, tools/report.py (issue: reports planners can put in front of a board).

Runs hubsim on the small three-hub scenario, builds reports of one run, of two runs sharing
a seed (paired) and of two runs with different seeds (unpaired), and checks that every
figure and table is there and that its numbers equal those computed here from the HDF5
files. A headless Chromium (Debian's chromium and chromium-driver, spoken to over
WebDriver's HTTP API with the standard library) opens a page, checks every image loaded
and nothing failed in the console, sorts a table and takes a screenshot. Bad input gets
one line on stderr, exit status 2, and no report.
"""

import base64
import datetime as dt
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser

import h5py
import numpy as np
import pytest

from conftest import (MULTI_DATES, MULTI_HUBS, MULTI_PHASES, REPO, labels, run_hubsim, run_ok,
                      text_of)

REPORT = REPO / "tools" / "report.py"
PYTHON = "/usr/bin/python3"
FIGURES = ["engagement", "stages", "llme", "roles", "equity", "waiting", "cost"]
# With several runs, the differences through time come first (every run against every other).
FIGURES_SEVERAL = ["differences"] + FIGURES
Q = {"p5": 0.05, "p25": 0.25, "p50": 0.5, "p75": 0.75, "p95": 0.95}


def run_report(*args, cwd=None):
    """Runs tools/report.py with Debian's interpreter; returns the CompletedProcess."""
    return subprocess.run([PYTHON, str(REPORT), *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def report_ok(*args, **kw):
    proc = run_report(*args, **kw)
    assert proc.returncode == 0, f"report.py exited {proc.returncode}:\n{proc.stderr}"
    return proc


# ---------------------------------------------------------------- reading what was written


class Tables(HTMLParser):
    """Every <table id=...> of a page as {id: [[(text, data-sort or None), ...] per body row]},
    and every <img> as a dict of its attributes."""

    def __init__(self, page):
        super().__init__()
        self.tables, self.images, self._table, self._row, self._cell = {}, [], None, None, None
        self._in_body = False
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "img":
            self.images.append(a)
        elif tag == "table" and "id" in a:
            self._table = self.tables.setdefault(a["id"], [])
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._table is not None and self._in_body:
            self._row = []
        elif tag == "td" and self._row is not None:
            self._cell = ["", a.get("data-sort")]

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            self._row.append((self._cell[0].strip(), self._cell[1]))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self._table.append(self._row)
            self._row = None
        elif tag == "tbody":
            self._in_body = False
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[0] += data


def read_h5(path):
    """The arrays a report is made of, read directly."""
    with h5py.File(path, "r") as f:
        units = text_of(f["time"].attrs["units"])
        return dict(
            start=dt.date.fromisoformat(units.split()[-1]),
            dates=labels(f["date"]), hubs=labels(f["hub"]), phases=labels(f["phase"]),
            stages=labels(f["stage"]), statuses=labels(f["status"]), targets=labels(f["target"]),
            roles=labels(f["role"]),
            opens=labels(f["hub_opens"]), days=f["time"][()], schools=f["hub_schools"][()],
            engaged=f["trajectories/engaged"][()], stage_counts=f["trajectories/stage_counts"][()],
            waiting=f["trajectories/waiting"][()], llme=f["trajectories/llme"][()],
            cost=f["summary/cost"][()], target_day=f["summary/target_day"][()],
            hub_target_day=f["summary/hub_target_day"][()],
            attrs={k: f.attrs[k] for k in f.attrs})


def date_text(h, day):
    """How the page writes a target day: an ISO date, or 'not met by <last sample>'."""
    if not np.isfinite(day):
        return f"not met by {h['dates'][-1]}"
    return (h["start"] + dt.timedelta(days=int(day))).isoformat()


def as_inf(days):
    days = np.asarray(days, float)
    return np.where(days < 0, np.inf, days)


def json_num(x):
    """A number as data.json writes it (null for infinity)."""
    return None if x is None or not np.isfinite(x) else float(x)


# ---------------------------------------------------------------- runs and reports


@pytest.fixture(scope="module")
def multi_b_h5(tmp_path_factory, multi_yaml):
    """The three-hub scenario with more unprompted demand, same seed: a paired comparison."""
    out = tmp_path_factory.mktemp("multi_b") / "multi_b.h5"
    run_ok("run", multi_yaml, "--set", "demand.p=0.2", "-o", out, "--threads", 2, "-q")
    return out


@pytest.fixture(scope="module")
def one_report(tmp_path_factory, multi_h5):
    out = tmp_path_factory.mktemp("report_one") / "report"
    report_ok(multi_h5, "-o", out)
    return out


@pytest.fixture(scope="module")
def paired_report(tmp_path_factory, multi_h5, multi_b_h5):
    out = tmp_path_factory.mktemp("report_paired") / "report"
    report_ok(multi_h5, multi_b_h5, "-o", out)
    return out


@pytest.fixture(scope="module")
def unpaired_report(tmp_path_factory, multi_h5, multi_h5_other_seed):
    out = tmp_path_factory.mktemp("report_unpaired") / "report"
    report_ok(multi_h5, multi_h5_other_seed, "-o", out)
    return out


def page_of(report):
    return (report / "index.html").read_text(encoding="utf-8")


def data_of(report):
    return json.loads((report / "data.json").read_text())


# ---------------------------------------------------------------- one run


def test_writes_page_figures_and_data(one_report):
    names = sorted(p.name for p in one_report.iterdir())
    assert names == sorted(["index.html", "data.json"] + [f"{n}.png" for n in FIGURES])
    page = page_of(one_report)
    images = Tables(page).images
    assert [i.get("data-figure") for i in images] == FIGURES
    for img in images:
        png = (one_report / f"{img['data-figure']}.png").read_bytes()
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        # the page embeds exactly the figure written beside it, so it needs nothing else
        assert img["src"] == "data:image/png;base64," + base64.b64encode(png).decode()
    # self-contained: nothing fetched from anywhere
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", page)
    assert "<style>" in page and "<script>" in page
    # the page's embedded JSON is data.json
    blob = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', page, re.S)
    assert json.loads(blob.group(1).replace("<\\/", "</")) == data_of(one_report)


def test_axes_and_targets_come_from_the_file(one_report, multi_h5):
    run = data_of(one_report)["runs"][0]
    h = read_h5(multi_h5)
    assert run["dates"] == MULTI_DATES == h["dates"]
    assert run["hubs"] == MULTI_HUBS and run["phases"] == MULTI_PHASES
    assert run["seed"] == 11 and run["replications"] == 4
    # labels from /target, exact shares from the resolved scenario
    assert [t["label"] for t in run["targets"]] == h["targets"]
    assert [(t["measure"], t["phase"], t["value"], t["by"]) for t in run["targets"]] == [
        ("engaged_share", "primary", 0.02, "2019-08-31"),
        ("engaged_share", "secondary", 0.9, "2020-08-31")]


def test_engagement_series_equal_hdf5(one_report, multi_h5):
    h = read_h5(multi_h5)
    share = h["engaged"].sum(axis=2) / h["schools"].sum(axis=0)  # [replication, time, phase]
    series = data_of(one_report)["runs"][0]["series"]["engaged_share"]
    for p, phase in enumerate(h["phases"]):
        for k, q in Q.items():
            np.testing.assert_array_equal(series[phase][k], np.quantile(share[:, :, p], q, axis=0))
    # bands are ordered and the median is a share
    for phase in h["phases"]:
        s = series[phase]
        assert np.all(np.diff([s[k] for k in Q], axis=0) >= 0)


def test_stage_llme_waiting_and_cost_series_equal_hdf5(one_report, multi_h5):
    h = read_h5(multi_h5)
    s = data_of(one_report)["runs"][0]["series"]
    stages = np.median(h["stage_counts"].sum(axis=2), axis=0)
    for p, phase in enumerate(h["phases"]):
        for j, stage in enumerate(h["stages"]):
            np.testing.assert_array_equal(s["stage_median"][phase][stage], stages[:, p, j])
        for k, q in Q.items():
            np.testing.assert_array_equal(s["waiting"][phase][k],
                                          np.quantile(h["waiting"].sum(axis=2)[:, :, p], q, axis=0))
    for u, status in enumerate(h["statuses"]):
        for k, q in Q.items():
            np.testing.assert_array_equal(s["llme"][status][k],
                                          np.quantile(h["llme"].sum(axis=(2, 3))[:, :, u], q, axis=0))
    active = h["llme"][..., h["statuses"].index("active")].sum(axis=2)  # [replication, time, role]
    for r, role in enumerate(h["roles"]):
        if active[:, :, r].any():
            np.testing.assert_array_equal(s["active_by_role"][role], np.median(active[:, :, r], axis=0))
        else:
            assert role not in s["active_by_role"]
    for k, q in Q.items():
        np.testing.assert_array_equal(s["annual_cost"][k], np.quantile(h["cost"].sum(axis=2), q, axis=0))


def test_llme_ambition_counts_open_hubs(one_report, multi_h5):
    h = read_h5(multi_h5)
    open_ = [sum(o <= d for o in h["opens"]) for d in h["dates"]]
    assert open_ == [2, 2, 3, 3, 3, 3]  # East opens 2016-09-01, after the 2016-08-31 sample
    s = data_of(one_report)["runs"][0]["series"]
    assert s["hubs_open"] == open_
    assert s["llme_ambition"] == [50 * n for n in open_]
    assert data_of(one_report)["llme_ambition_per_hub"] == 50


def target_expectations(h, days, k, engaged_at, total):
    """What the page should say about one target: [median, interval, on time, gap, delay]."""
    by = dt.date.fromisoformat(h["targets"][k].split()[-1])
    by_day = (by - h["start"]).days
    d = as_inf(days)
    q = {name: np.quantile(d, q, method="inverted_cdf") for name, q in Q.items()}
    share = float(h["targets"][k].split()[1].rstrip("%")) / 100
    t = max(i for i, day in enumerate(h["days"]) if day <= by_day)
    gap = 100 * (np.median(engaged_at[:, t] / total) - share)
    delay = q["p50"] - by_day
    delay_text = "never" if not np.isfinite(delay) else "on time" if delay <= 0 else f"{int(delay):,} days late"
    return [date_text(h, q["p50"]), f"{date_text(h, q['p5'])} to {date_text(h, q['p95'])}",
            f"{100 * np.mean(d <= by_day):.0f}%", f"{gap:+.1f} pp", delay_text], q, gap


def test_national_target_table_equals_hdf5(one_report, multi_h5):
    h = read_h5(multi_h5)
    rows = Tables(page_of(one_report)).tables["national-targets"]
    assert len(rows) == len(h["targets"])
    for k, row in enumerate(rows):
        p = h["phases"].index(h["targets"][k].split()[0])
        want, q, _ = target_expectations(h, h["target_day"][:, k], k,
                                         h["engaged"].sum(axis=2)[:, :, p], h["schools"][:, p].sum())
        assert [c[0] for c in row] == [h["targets"][k], "multi"] + want
        assert float(row[2][1]) == q["p50"]  # sorts by the day itself ('Infinity' if never)
    # the secondary 90% target is never met in this scenario: said as such
    assert rows[1][2][0] == "not met by 2020-08-31" and rows[1][2][1] == "Infinity"


def test_hub_tables_equal_hdf5(one_report, multi_h5):
    h = read_h5(multi_h5)
    tables = Tables(page_of(one_report)).tables
    data = data_of(one_report)["runs"][0]["hub_targets"]
    for k, label in enumerate(h["targets"]):
        rows = tables[f"hub-table-{k}"]
        p = h["phases"].index(label.split()[0])
        assert [r[0][0] for r in rows] == h["hubs"]
        for j, row in enumerate(rows):
            want, q, gap = target_expectations(h, h["hub_target_day"][:, j, k], k,
                                               h["engaged"][:, :, j, p], h["schools"][j, p])
            assert [c[0] for c in row] == [h["hubs"][j], "", h["opens"][j],
                                           f"{h['schools'][j, p]:,}"] + want
            assert data[k]["hubs"][j]["p50"] == json_num(q["p50"])
            assert data[k]["hubs"][j]["gap"] == pytest.approx(gap, abs=1e-12)
            assert data[k]["hubs"][j]["gap_unit"] == "pp"


def test_provenance_and_scenario(one_report, multi_h5):
    h = read_h5(multi_h5)
    rows = {r[0][0]: r[1][0] for r in Tables(page_of(one_report)).tables["provenance"]}
    for key in ["hubsim_version", "seed", "replications", "created", "git_commit", "command_line"]:
        assert rows[key] == text_of(h["attrs"][key]), key
    assert rows["file"] == str(multi_h5)
    params = {r[0][0]: r[1][0] for r in Tables(page_of(one_report)).tables["parameters"]}
    with h5py.File(multi_h5, "r") as f:
        scenario = text_of(f["scenario"][()])
    yaml = pytest.importorskip("yaml")
    sc = yaml.safe_load(scenario)
    assert params["demand.p"] == str(sc["demand"]["p"])
    assert params["llme.primary_mastery_specialist.training_places"] == \
        str(sc["llme"]["primary_mastery_specialist"]["training_places"])
    page = page_of(one_report)
    assert "lockdown" in page  # the timeline's note
    assert "capacity.factor = 0.5" in page


# ---------------------------------------------------------------- two runs


def measure_values(h):
    """The comparison measures computed directly: {key: (values, better)}."""
    last = -1
    out = {f"target:{t}": (as_inf(h["target_day"][:, k]), "lower") for k, t in enumerate(h["targets"])}
    engaged = h["engaged"][:, last].sum(axis=1)
    for p, phase in enumerate(h["phases"]):
        out[f"engaged:{phase}"] = (engaged[:, p].astype(float), "higher")
    out["engaged:all"] = (engaged.sum(axis=1).astype(float), "higher")
    out["llme:active"] = (h["llme"][:, last, :, :, h["statuses"].index("active")].sum(axis=(1, 2))
                          .astype(float), "higher")
    out["cost:total"] = (h["cost"].sum(axis=(1, 2)), None)  # better only per extra school
    return out


def check_comparison(comp, a, b, paired):
    """A comparison (from data.json or computed in-process) against the HDF5 files."""
    ma, mb = measure_values(a), measure_values(b)
    rows = {r["key"]: r for r in comp["rows"]}
    assert sorted(rows) == sorted(ma)
    for key, (va, better) in ma.items():
        vb = mb[key][0]
        if paired:
            aa, bb = va, vb
        else:  # every B against every A
            aa, bb = np.repeat(va, len(vb)), np.tile(vb, len(va))
        with np.errstate(invalid="ignore"):  # inf - inf, replaced: both never met
            d = np.where(np.isinf(aa) & np.isinf(bb), 0.0, bb - aa)
        method = "inverted_cdf" if key.startswith("target:") else "linear"
        r = rows[key]
        for name in ["p5", "p50", "p95"]:
            assert json_num(r[f"diff_{name}"]) == json_num(np.quantile(d, Q[name], method=method)), (key, name)
        assert json_num(r["a_median"]) == json_num(np.quantile(va, 0.5, method=method)), key
        assert json_num(r["b_median"]) == json_num(np.quantile(vb, 0.5, method=method)), key
        assert r["p_same"] == np.mean(bb == aa), key
        if better is None:  # a cost: neither better nor worse for being lower
            assert r["p_better"] is None and r["p_worse"] is None, key
            continue
        wins = bb < aa if better == "lower" else bb > aa
        assert r["p_better"] == np.mean(wins), key
        assert r["p_better"] + r["p_same"] + r["p_worse"] == pytest.approx(1)


def test_paired_differences_equal_direct(paired_report, multi_h5, multi_b_h5):
    d = data_of(paired_report)
    # both scenarios are called 'multi': the files tell them apart
    assert [r["name"] for r in d["runs"]] == ["multi (multi.h5)", "multi (multi_b.h5)"]
    (comp,) = d["comparisons"]
    assert comp["paired"] is True
    a, b = read_h5(multi_h5), read_h5(multi_b_h5)
    check_comparison(comp, a, b, paired=True)
    # the change does something in every replication: more schools engaged, at a higher cost
    rows = {r["key"]: r for r in comp["rows"]}
    assert rows["engaged:primary"]["p_better"] == 1
    cost = rows["cost:total"]
    assert cost["diff_p5"] > 0 and cost["p_better"] is None and cost["p_worse"] is None
    page = page_of(paired_report)
    assert "differences are paired, replication by replication" in page
    table = Tables(page).tables["comparison-0"]
    assert [r[0][0] for r in table] == [r["measure"] for r in comp["rows"]]
    for row, r in zip(table, comp["rows"]):
        assert float(row[3][1]) == r["diff_p50"]
        assert row[5][0] == ("—" if r["p_better"] is None else f"{100 * r['p_better']:.0f}%")


def test_unpaired_when_seeds_differ(unpaired_report, multi_h5, multi_h5_other_seed):
    d = data_of(unpaired_report)
    (comp,) = d["comparisons"]
    assert comp["paired"] is False
    check_comparison(comp, read_h5(multi_h5), read_h5(multi_h5_other_seed), paired=False)
    page = page_of(unpaired_report)
    assert "do not share their random numbers replication by replication (seeds 11 and 12345)" in page
    assert "unpaired" in page


def load_report_module():
    """tools/report.py as a module, to check its computations without drawing."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("hubsim_report", REPORT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_same_seed_other_replication_count_is_unpaired(multi_h5, multi_yaml, tmp_path):
    more = tmp_path / "more.h5"
    run_ok("run", multi_yaml, "--replications", 6, "-o", more, "-q")
    report = load_report_module()
    a, b = report.load_run(multi_h5), report.load_run(more)
    comp = report.compare_runs(a, b)
    assert comp["paired"] is False
    assert "seed 11, but 4 and 6 replications" in comp["note"]
    check_comparison(comp, read_h5(multi_h5), read_h5(more), paired=False)


def test_three_runs_every_one_against_every_other(multi_h5, multi_b_h5, multi_h5_other_seed):
    """Each run against the first, then the policies against each other, each pair paired
    or not by its own seeds and replications."""
    report = load_report_module()
    runs = [report.load_run(p) for p in (multi_h5, multi_b_h5, multi_h5_other_seed)]
    report.check_comparable(runs)
    report.name_runs(runs)
    assert len({r.name for r in runs}) == 3
    data = report.report_data(runs, 50)
    assert [(c["reference"], c["other"], c["paired"], c["a"], c["b"]) for c in data["comparisons"]] == [
        (runs[0].name, runs[1].name, True, 0, 1), (runs[0].name, runs[2].name, False, 0, 2),
        (runs[1].name, runs[2].name, False, 1, 2)]
    assert "seeds 11 and 12345" in data["comparisons"][2]["note"]
    check_comparison(data["comparisons"][2], read_h5(multi_b_h5), read_h5(multi_h5_other_seed),
                     paired=False)


def test_two_runs_overlay_every_figure(paired_report, one_report, multi_b_h5):
    d = data_of(paired_report)
    assert len(d["runs"]) == 2
    h = read_h5(multi_b_h5)
    share = h["engaged"].sum(axis=2) / h["schools"].sum(axis=0)
    np.testing.assert_array_equal(d["runs"][1]["series"]["engaged_share"]["primary"]["p50"],
                                  np.median(share[:, :, 0], axis=0))
    images = Tables(page_of(paired_report)).images
    assert [i["data-figure"] for i in images] == FIGURES_SEVERAL
    for name in FIGURES:  # the figures change when a second run is drawn on them
        assert (paired_report / f"{name}.png").read_bytes() != (one_report / f"{name}.png").read_bytes()
    # hub tables: median date, on time and gap for each run, then how often B is earlier, later
    rows = Tables(page_of(paired_report)).tables["hub-table-0"]
    assert len(rows) == 3 and len(rows[0]) == 4 + 2 * 3 + 2


def test_hub_comparison_equals_hdf5(paired_report, multi_h5, multi_b_h5):
    a, b = read_h5(multi_h5), read_h5(multi_b_h5)
    comp = data_of(paired_report)["comparisons"][0]
    tables = Tables(page_of(paired_report)).tables
    assert [x["target"] for x in comp["hubs"]] == a["targets"]
    for k, per_target in enumerate(comp["hubs"]):
        for j, row in enumerate(per_target["hubs"]):
            da, db = as_inf(a["hub_target_day"][:, j, k]), as_inf(b["hub_target_day"][:, j, k])
            assert row["hub"] == a["hubs"][j]
            assert row["p_earlier"] == np.mean(db < da) and row["p_later"] == np.mean(db > da)
            cells = tables[f"hub-table-{k}"][j]
            assert [c[0] for c in cells[-2:]] == [f"{100 * np.mean(db < da):.0f}%",
                                                   f"{100 * np.mean(db > da):.0f}%"]
            assert cells[4][0] == date_text(a, np.quantile(da, 0.5, method="inverted_cdf"))
            assert cells[7][0] == date_text(b, np.quantile(db, 0.5, method="inverted_cdf"))
    # more demand: some hub reaches the primary target earlier in some replication
    assert any(r["p_earlier"] > 0 for r in comp["hubs"][0]["hubs"])


# ---------------------------------------------------------------- bad input


@pytest.fixture(scope="module")
def bad_inputs(tmp_path_factory, multi_yaml, tiny_h5):
    folder = tmp_path_factory.mktemp("bad")
    text = folder / "notes.h5"
    text.write_text("this is not HDF5\n")
    foreign = folder / "foreign.h5"
    with h5py.File(foreign, "w") as f:
        f["x"] = np.arange(3)
        f.attrs["seed"] = 1
    sweep = folder / "sweep.h5"
    with h5py.File(sweep, "w") as f:
        f.create_group("points")["capacity.factor"] = [1.0, 2.0]
    shorter = folder / "shorter.h5"
    run_ok("run", multi_yaml, "--set", "end=2019-08-31", "-o", shorter, "-q")
    return dict(folder=folder, text=text, foreign=foreign, sweep=sweep, shorter=shorter,
                tiny=tiny_h5)


@pytest.mark.parametrize("case, culprit, words", [
    ("missing", "missing", "no such file"),
    ("text", "text", "not an HDF5 file"),
    ("foreign", "foreign", "not hubsim run output"),
    ("sweep", "sweep", "sweep output"),
    ("other hubs", "tiny", "hubs differ"),
    ("other time axis", "shorter", "sample dates differ"),
])
def test_bad_input(case, culprit, words, bad_inputs, multi_h5, tmp_path):
    files = {"missing": bad_inputs["folder"] / "nowhere.h5", **bad_inputs}
    inputs = [files[culprit]] if case in ("missing", "text", "foreign", "sweep") else [multi_h5, files[culprit]]
    out = tmp_path / "report"
    proc = run_report(*inputs, "-o", out)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr  # one line, no traceback
    assert lines[0].startswith(f"report: {files[culprit]}: ") and words in lines[0], lines[0]
    assert not out.exists()
    assert not any(".tmp" in p.name for p in tmp_path.iterdir())


def test_bad_input_leaves_existing_report_alone(multi_h5, bad_inputs, tmp_path):
    out = tmp_path / "report"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    proc = run_report(multi_h5, bad_inputs["text"], "-o", out)
    assert proc.returncode == 2
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]


def test_output_that_is_a_file(multi_h5, tmp_path):
    out = tmp_path / "report"
    out.write_text("a file")
    proc = run_report(multi_h5, "-o", out)
    assert proc.returncode == 2 and "not a directory" in proc.stderr
    assert out.read_text() == "a file"


def test_usage_errors_exit_2(multi_h5):
    assert run_report(multi_h5).returncode == 2  # no -o
    assert run_report("-o", "x").returncode == 2  # no run


# ---------------------------------------------------------------- where it writes


def test_from_any_folder_into_an_existing_one_with_another_ambition(multi_h5, tmp_path):
    """Relative paths from another working folder; an existing output folder keeps what else
    it holds; --llme-ambition replaces the programme's 50 per hub."""
    shutil.copy(multi_h5, tmp_path / "run.h5")
    out = tmp_path / "results"
    out.mkdir()
    (out / "england.h5").write_text("not touched")
    report_ok("run.h5", "-o", "results", "--llme-ambition", 30, cwd=tmp_path)
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(["england.h5", "index.html", "data.json"] + [f"{n}.png" for n in FIGURES])
    assert (out / "england.h5").read_text() == "not touched"
    d = data_of(out)
    assert d["llme_ambition_per_hub"] == 30
    assert d["runs"][0]["series"]["llme_ambition"] == [30 * n for n in [2, 2, 3, 3, 3, 3]]
    assert "ambition of 30 active leaders" in page_of(out)


# ---------------------------------------------------------------- in a real browser


IMAGES_LOADED = "return [...document.images].map(i => [i.dataset.figure, i.complete && i.naturalWidth > 0])"


def test_page_in_headless_chromium(browser, paired_report, tmp_path):
    browser.open((paired_report / "index.html").as_uri())
    loaded = browser.run(IMAGES_LOADED)
    assert loaded == [[name, True] for name in FIGURES_SEVERAL]
    problems = [e for e in browser.console() if e["level"] in ("SEVERE", "WARNING")]
    assert problems == []
    assert browser.run("return JSON.parse(document.getElementById('report-data').textContent).runs.length") == 2
    png = browser.screenshot()
    assert png.startswith(b"\x89PNG") and len(png) > 10_000
    (tmp_path / "screenshot.png").write_bytes(png)


def test_hub_table_sorts_in_the_browser(browser, one_report):
    browser.open((one_report / "index.html").as_uri())
    order = """
        const t = document.getElementById('hub-table-0');
        return [...t.tBodies[0].rows].map(r => r.cells[arguments[0]].getAttribute('data-sort'));"""
    click = "document.querySelector('#hub-table-0 th[data-col=\"' + arguments[0] + '\"]').click();"
    for col in (3, 4, 6):  # schools, median date, share on time
        browser.run(click, col)
        up = [float(v) for v in browser.run(order, col)]
        assert up == sorted(up)
        browser.run(click, col)
        down = [float(v) for v in browser.run(order, col)]
        assert down == sorted(up, reverse=True)
    assert browser.console() == []


def test_browser_check_catches_failures(browser, tmp_path):
    """The checks above would see a broken image and a script error."""
    page = tmp_path / "broken.html"
    page.write_text('<!DOCTYPE html><html><head><link rel="icon" href="data:,"></head><body>'
                    '<img data-figure="x" src="missing.png"><script>undefined_function()</script>'
                    '</body></html>')
    browser.open(page.as_uri())
    assert browser.run(IMAGES_LOADED) == [["x", False]]
    assert any(e["level"] == "SEVERE" for e in browser.console())


def test_hubsim_report_runs_the_tool(tmp_path, multi_h5, one_report):
    """`hubsim report` is the same tool: the same files and figures, the same exit status
    on bad input."""
    out = tmp_path / "via-cli"
    proc = run_ok("report", multi_h5, "-o", out, cwd=tmp_path)
    assert "index.html" in proc.stdout
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in one_report.iterdir())
    assert (out / "data.json").read_bytes() == (one_report / "data.json").read_bytes()

    bad = run_hubsim("report", tmp_path / "missing.h5", "-o", tmp_path / "never")
    assert bad.returncode == 2
    assert "missing.h5" in bad.stderr
    assert not (tmp_path / "never").exists()


# ---------------------------------------------------------------- roles, leader targets, equity


COMMUNITY_TARGETS = """
llme:
  primary_readiness_lead: {initial_per_hub: 2, training_places: 4}
  pd_lead: {initial_per_hub: 3, training_places: 6}
targets:
  - {count: 20, role: primary_mastery_specialist, by: 2019-08-31}
  - {count: 6, per_hub: true, by: 2020-08-31}
"""


@pytest.fixture(scope="module")
def community_h5(tmp_path_factory, multi_yaml):
    """The three-hub scenario with more roles and two targets for a number of leaders."""
    folder = tmp_path_factory.mktemp("community")
    path = folder / "community.yaml"
    path.write_text(f"base: {multi_yaml}\nname: community\n" + COMMUNITY_TARGETS)
    out = folder / "community.h5"
    run_ok("run", path, "-o", out, "--threads", 2, "-q")
    return out


def test_roles_leader_targets_and_equity_equal_hdf5(tmp_path, community_h5):
    report_ok(community_h5, "-o", tmp_path / "r")
    d = data_of(tmp_path / "r")["runs"][0]
    with h5py.File(community_h5, "r") as f:
        roles, statuses = labels(f["role"]), labels(f["status"])
        active = f["trajectories/llme"][..., statuses.index("active")]  # [rep, time, hub, role]
        by_band = f["trajectories/engaged_by_band"][()].sum(axis=2)  # [rep, time, phase, band]
        band_schools = f["hub_band_schools"][()].sum(axis=0)  # [phase, band]
        target_day, by_day = f["summary/target_day"][()], f["target_by_day"][()]
        days = f["time"][()]
        phases, bands = labels(f["phase"]), labels(f["disadvantage_band"])
    # the count of the role, and for the per-hub target the hub with fewest
    pms = active[:, :, :, roles.index("primary_mastery_specialist")].sum(axis=2)
    fewest = active.sum(axis=3).min(axis=2)
    series = d["series"]["leader_targets"]
    for k, q in Q.items():
        np.testing.assert_array_equal(series["20 active primary_mastery_specialist by 2019-08-31"][k],
                                      np.quantile(pms, q, axis=0))
        np.testing.assert_array_equal(series["6 active LLME per hub by 2020-08-31"][k],
                                      np.quantile(fewest, q, axis=0))
        for p, ph in enumerate(phases):
            for j, b in enumerate(bands):
                want = np.quantile(by_band[:, :, p, j] / band_schools[p, j], q, axis=0)
                np.testing.assert_allclose(d["series"]["engaged_by_band"][ph][b][k], want, equal_nan=True)
    assert {"primary_readiness_lead", "pd_lead", "primary_mastery_specialist"} <= set(d["series"]["active_by_role"])
    # National table: the gap of a count target is in leaders, at the last sample by its date.
    nat = {s["target"]: s for s in d["national_targets"]}
    s = nat["20 active primary_mastery_specialist by 2019-08-31"]
    t = max(i for i, day in enumerate(days) if day <= by_day[0])  # a variant's targets replace the base's
    assert s["gap_unit"] == "leaders" and s["gap"] == pytest.approx(np.median(pms[:, t]) - 20)
    assert s["p_on_time"] == pytest.approx(np.mean((target_day[:, 0] >= 0) & (target_day[:, 0] <= by_day[0])))
    rows = Tables(page_of(tmp_path / "r")).tables["national-targets"]
    assert any(r[0][0].startswith("20 active") and r[5][0].endswith("leaders") for r in rows)
    # Hub tables: the per-hub count, not the national count.
    assert [t["target"] for t in d["hub_targets"]] == ["6 active LLME per hub by 2020-08-31"]


# ---------------------------------------------------------------- numbers, lines, paths (issue 16)


def test_counts_are_whole_and_money_signed_before_the_pound():
    report = load_report_module()
    assert report.fmt_measure(3265.5, "schools") == "3,266"  # a median between replications
    assert report.fmt_measure(3264.5, "schools") == "3,265"  # half up, not to even
    assert report.fmt_measure(-2.5, "leaders", signed=True) == "-3"
    assert report.fmt_measure(12.0, "schools", signed=True) == "+12"
    assert report.fmt_measure(-160_000, "gbp", signed=True) == "-£0.16m"
    assert report.fmt_measure(-160_000, "gbp") == "-£0.16m"
    assert report.fmt_measure(1_234_567, "gbp", signed=True) == "+£1.23m"
    assert report.fmt_measure(-1_000, "gbp", signed=True) == "£0.00m"  # no sign on nothing
    assert report.fmt_measure(-30, "days", signed=True) == "-30 days"


def test_page_counts_whole_and_money_signed(paired_report):
    page = page_of(paired_report)
    assert "£-" not in page
    for row in Tables(page).tables["comparison-0"]:
        if "engaged" in row[0][0] or "LLME" in row[0][0]:
            for text, _ in row[1:5]:
                assert re.fullmatch(r"[+-]?[\d,]+( to [+-]?[\d,]+)?", text), (row[0][0], text)


class KeepFigures:
    """pyplot, except that closing a figure keeps it for a test to look at."""

    def __init__(self, plt):
        self.plt, self.figures = plt, []

    def __getattr__(self, name):
        return getattr(self.plt, name)

    def close(self, fig):
        self.figures.append(fig)


def test_runs_told_apart_by_line_style_marker_and_label(multi_h5, multi_b_h5, multi_h5_other_seed):
    report = load_report_module()
    runs = [report.load_run(p) for p in (multi_h5, multi_b_h5, multi_h5_other_seed)]
    report.name_runs(runs)
    data = report.report_data(runs, 50)
    plt = KeepFigures(report._pyplot())
    series = [d["series"] for d in data["runs"]]
    for draw in (report.fig_engagement, report.fig_waiting, report.fig_cost):
        draw(plt, runs, series)
    for fig in plt.figures:
        ax = fig.axes[0]
        lines = {l.get_label(): l for l in ax.get_lines() if l.get_label() in [r.name for r in runs]}
        assert sorted(lines) == sorted(r.name for r in runs)
        # not colour alone: every run its own line style and marker
        assert len({l.get_linestyle() for l in lines.values()}) == len(runs)
        assert len({l.get_marker() for l in lines.values()}) == len(runs)
        # each run's name written at its line's end, inside the axes
        labels_ = [t.get_text() for t in ax.texts]
        assert all(r.name in labels_ for r in runs), labels_


def test_scenario_diff_without_machine_paths(tmp_path):
    """Two copies of a scenario with a data file, in different folders: the diff shows the
    parameter that differs and no `schools:` line, and the page names no folder."""
    outputs = []
    for name, extra in (("one", []), ("two", ["--set", "demand.p=0.2"])):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "schools.csv").write_text("urn,hub,phase,pupils,disadvantage\n"
                                            "1,Alpha,secondary,900,0.2\n2,Alpha,secondary,300,0.4\n")
        (folder / "s.yaml").write_text(
            "name: csv_schools\nstart: 2014-09-01\nend: 2016-08-31\n"
            "hubs:\n  - {name: Alpha, opens: 2014-07-01}\nschools: {file: schools.csv}\n"
            "phases:\n  primary: {pipeline: []}\n")
        outputs.append(tmp_path / f"{name}.h5")
        run_ok("run", folder / "s.yaml", "-o", outputs[-1], "--replications", 2, "-q", *extra)
    report_ok(*outputs, "-o", tmp_path / "r")
    page = page_of(tmp_path / "r")
    diff = re.search(r"<pre>(--- .*?)</pre>", page, re.S).group(1)
    assert "+  p: 0.2" in diff
    assert not re.search(r"^[-+]\s*(schools|file)", diff, re.M), diff
    scenario = page[page.index('id="scenario"'):page.index('id="provenance"')]
    assert str(tmp_path) not in scenario
    assert "file: schools.csv" in scenario


# ---------------------------------------------------------------- the policy period's cost (issue 16)


def direct_policy_cost(a, b, from_day, first_year, paired):
    """Extra cost from an academic year, extra schools engaged by the end and extra
    school-years in Work Groups from a day, computed from the HDF5 files: (diffs, means)."""
    def per_run(h):
        with h5py.File(h["path"], "r") as f:
            part = f["trajectories/participating"][()].sum(axis=(2, 3))
            years = f["year"][()]
        days = np.asarray(h["days"])
        prev = np.concatenate([[0], days[:-1]])
        span = np.clip(days - np.maximum(prev, from_day), 0, None) / 365.25
        cost = h["cost"][:, years >= first_year].sum(axis=(1, 2))
        return cost, h["engaged"][:, -1].sum(axis=(1, 2)).astype(float), part @ span
    ra, rb = per_run(a), per_run(b)
    diffs = []
    for va, vb in zip(ra, rb):
        aa, bb = (va, vb) if paired else (np.repeat(va, len(vb)), np.tile(vb, len(va)))
        diffs.append(bb - aa)
    return diffs, ra, rb


def test_policy_cost_from_the_start_when_a_parameter_differs(paired_report, multi_h5, multi_b_h5):
    pc = data_of(paired_report)["comparisons"][0]["policy_cost"]
    a, b = read_h5(multi_h5), read_h5(multi_b_h5)
    a["path"], b["path"] = multi_h5, multi_b_h5
    assert pc["start"] == "2014-09-01" and "demand.p" in pc["why"] and pc["paired"]
    diffs, ra, rb = direct_policy_cost(a, b, 0, 2014, paired=True)
    for key, d in zip(("extra_cost", "extra_engaged", "extra_school_years"), diffs):
        for q in ("p5", "p50", "p95"):
            assert pc[key][q] == pytest.approx(np.quantile(d, Q[q])), (key, q)
    # cost per extra school: the mean extra cost over the mean extra schools
    assert pc["cost_per_school"]["estimate"] == pytest.approx(
        (rb[0].mean() - ra[0].mean()) / (rb[1].mean() - ra[1].mean()))
    assert pc["cost_per_school_year"]["estimate"] == pytest.approx(
        (rb[0].mean() - ra[0].mean()) / (rb[2].mean() - ra[2].mean()))
    for key in ("cost_per_school", "cost_per_school_year"):
        assert pc[key]["p5"] <= pc[key]["estimate"] <= pc[key]["p95"]
    rows = Tables(page_of(paired_report)).tables["policy-cost"]
    assert rows[0][2][0].startswith("2014-09-01")  # then, smaller, why
    assert rows[0][6][0].startswith(f"£{pc['cost_per_school']['estimate']:,.0f} (90%: £")
    assert "lower is better" in page_of(paired_report)


def test_policy_cost_from_the_first_timeline_change(multi_yaml, multi_h5, tmp_path):
    """A scenario that differs from 2017 on: the policy period starts on the first date on
    which the timelines differ, its cost counted from the academic year holding it."""
    variant = tmp_path / "later.yaml"
    variant.write_text(f"base: {multi_yaml}\nname: later\ntimeline:\n"
                       "  - {date: 2018-01-15, set: {demand.p: 0.2}, note: the policy}\n")
    out = tmp_path / "later.h5"
    run_ok("run", variant, "-o", out, "--threads", 2, "-q")
    report = load_report_module()
    a, b = report.load_run(multi_h5), report.load_run(out)
    pc = report.compare_runs(a, b)["policy_cost"]
    assert pc["start"] == "2018-01-15" and pc["from_year"] == "2017/18"
    assert "timelines first differ on 2018-01-15" in pc["why"]
    ha, hb = read_h5(multi_h5), read_h5(out)
    ha["path"], hb["path"] = multi_h5, out
    from_day = (dt.date(2018, 1, 15) - dt.date(2014, 9, 1)).days
    diffs, _, _ = direct_policy_cost(ha, hb, from_day, 2017, paired=True)
    assert pc["extra_cost"]["p50"] == pytest.approx(np.quantile(diffs[0], 0.5))
    assert pc["extra_school_years"]["p50"] == pytest.approx(np.quantile(diffs[2], 0.5))
    # nothing differs before the policy: the same random numbers give the same costs
    with h5py.File(multi_h5, "r") as fa, h5py.File(out, "r") as fb:
        years = fa["year"][()]
        np.testing.assert_array_equal(fa["summary/cost"][:, years < 2017], fb["summary/cost"][:, years < 2017])
    # the later run's headline: its own cost over the policy period, from 2017/18
    cost = hb["cost"][:, years >= 2017].sum(axis=(1, 2))
    hl = report.headline(b, report.national_targets(b), pc)["cost"]
    assert hl["years"].startswith("2017/18 to ") and hl["start"] == "2018-01-15"
    for q in ("p5", "p50", "p95"):
        assert hl[q] == pytest.approx(np.quantile(cost, Q[q]))
    assert hl["extra"] == pc["extra_cost"]


# ---------------------------------------------------------------- the headline per run (issue 16)


def direct_wilson(k, n, z=1.959963984540054):
    """The 95% Wilson score interval, as a textbook writes it."""
    p = k / n
    centre = (2 * n * p + z ** 2) / (2 * (n + z ** 2))
    half = z * np.sqrt(4 * n * p * (1 - p) + z ** 2) / (2 * (n + z ** 2))
    return max(0.0, centre - half), min(1.0, centre + half)


def test_headline_per_run_equals_hdf5(paired_report, multi_h5, multi_b_h5):
    """Each run's headline: P(met by its date) with its Wilson interval, the median date and
    90% interval, what the probabilities hold, and the cost (the first run's whole run; the
    other's over the policy period, here the whole run as demand.p holds throughout)."""
    d = data_of(paired_report)
    tables = Tables(page_of(paired_report)).tables
    for i, path in enumerate((multi_h5, multi_b_h5)):
        h = read_h5(path)
        with h5py.File(path, "r") as f:
            by_day = f["target_by_day"][()]
        hl = d["runs"][i]["headline"]
        n = h["target_day"].shape[0]
        assert hl["replications"] == n and hl["held"] == "chance only"
        assert h["attrs"]["parameters"] in (b"fixed", b"none", "fixed", "none")
        rows = tables[f"headline-{i}"]
        assert len(rows) == len(h["targets"]) == len(hl["targets"])
        for k, t in enumerate(hl["targets"]):
            days = as_inf(h["target_day"][:, k])
            met = int(np.sum(days <= by_day[k]))
            lo, hi = direct_wilson(met, n)
            assert t["met"] == met and t["p_on_time"] == pytest.approx(met / n)
            assert t["p_low"] == pytest.approx(lo) and t["p_high"] == pytest.approx(hi)
            for q in ("p5", "p50", "p95"):
                assert t[q] == json_num(np.quantile(days, Q[q], method="inverted_cdf"))
            assert rows[k][0][0] == h["targets"][k]
            assert rows[k][1][0] == f"{100 * met / n:.0f}%95%: {100 * lo:.0f}% to {100 * hi:.0f}%"
            median = np.quantile(days, 0.5, method="inverted_cdf")
            shown = date_text(h, median).replace("not met by", "not by")
            assert rows[k][2][0].startswith(shown + "90%: ")
        cost = h["cost"].sum(axis=(1, 2))
        for q in ("p5", "p50", "p95"):
            assert hl["cost"][q] == pytest.approx(np.quantile(cost, Q[q]))
    assert d["runs"][0]["headline"]["cost"]["extra"] is None
    assert d["runs"][1]["headline"]["cost"]["extra"] == d["comparisons"][0]["policy_cost"]["extra_cost"]
    page = page_of(paired_report)
    assert page.index('id="headline-0"') < page.index('id="headline-1"') < page.index('class="glance"')
    assert "the probabilities and intervals hold chance only." in page
    assert "Cost of the whole run, 2014/15 to " in page  # the first run
    assert "Cost of the policy period, 2014/15 to " in page  # the other: demand.p from the start


def test_headline_says_which_uncertainty():
    report = load_report_module()

    class Run:
        def __init__(self, **attrs):
            self.attrs = attrs
    assert (report.held_in_words(Run(parameters="drawn", uncertainty="chance and parameters"))
            == "chance and what is not known of the parameters")
    assert report.held_in_words(Run(parameters="fixed", uncertainty="chance only")) == "chance only"
    assert report.held_in_words(Run(parameters="none")) == "chance only"
    assert "does not say" in report.held_in_words(Run())


def test_no_extra_schools_is_said_not_divided(multi_h5, tmp_path):
    report = load_report_module()
    a, b = report.load_run(multi_h5), report.load_run(multi_h5)
    b.name = "again"
    pc = report.compare_runs(a, b)["policy_cost"]
    assert pc["cost_per_school"] is None and pc["cost_per_school_year"] is None
    assert "do not differ" in pc["why"]
    rows = report.policy_cost_table([dict(policy_cost=pc)], "2020-08-31")["rows"]
    assert [c["text"] for c in rows[0]["cells"][6:]] == ["no extra schools", "no extra school-years"]
    assert "no extra schools" in report.policy_cost_line(pc)


# ---------------------------------------------------------------- the hub answer (issue 16)


def direct_threshold_days(h, threshold):
    """Per phase, [replication, hub]: the first sample day at which the hub's share of its
    schools ever engaged reaches threshold, +inf if never, from the HDF5 arrays."""
    out = {}
    for p, ph in enumerate(h["phases"]):
        days = np.full(h["engaged"].shape[::2][:1] + (len(h["hubs"]),), np.inf)
        for i in range(h["engaged"].shape[0]):
            for j in range(len(h["hubs"])):
                hit = np.nonzero(h["engaged"][i, :, j, p] >= threshold * h["schools"][j, p])[0]
                if len(hit):
                    days[i, j] = h["days"][hit[0]]
        out[ph] = days
    return out


def test_threshold_dates_equal_hdf5(multi_h5, multi_b_h5, tmp_path):
    out = tmp_path / "r"
    report_ok(multi_h5, multi_b_h5, "-o", out, "--threshold", 0.05)
    d = data_of(out)
    assert d["threshold"] == 0.05
    rows = Tables(page_of(out)).tables["threshold-table"]
    for i, path in enumerate((multi_h5, multi_b_h5)):
        h = read_h5(path)
        got = d["runs"][i]["hub_thresholds"]
        assert sorted(got) == ["primary", "secondary"]
        for p, (ph, days) in enumerate(direct_threshold_days(h, 0.05).items()):
            for j, hub in enumerate(h["hubs"]):
                want = {q: np.quantile(days[:, j], Q[q], method="inverted_cdf") for q in ("p5", "p50", "p95")}
                row = got[ph][j]
                assert row["hub"] == hub
                for q, v in want.items():
                    assert json_num(row[q]) == json_num(v), (ph, hub, q)
                # columns: hub, then per phase every run side by side
                text = rows[j][1 + 2 * p + i][0]
                assert text.startswith(date_text(h, want["p50"]) if np.isfinite(want["p50"])
                                       else f"not by {h['dates'][-1]}"), text
    assert any(np.isfinite(json_num(r["p50"])) for r in d["runs"][0]["hub_thresholds"]["primary"])


def test_threshold_through_hubsim_report_and_bad_values(multi_h5, tmp_path):
    run_ok("report", multi_h5, "-o", tmp_path / "r", "--threshold", 0.3)
    assert data_of(tmp_path / "r")["threshold"] == 0.3
    assert "reaches 30% of its primary and secondary schools" in page_of(tmp_path / "r")
    for bad in ("0", "1.5", "-0.2", "most"):
        proc = run_report(multi_h5, "-o", tmp_path / "never", "--threshold", bad)
        assert proc.returncode == 2 and "--threshold" in proc.stderr, (bad, proc.stderr)
        assert not (tmp_path / "never").exists()
    # the default: 75%
    assert data_of(tmp_path / "r")["runs"][0]["hub_thresholds"]
    report = load_report_module()
    assert report.THRESHOLD == 0.75 and report.parse_args([str(multi_h5), "-o", "x"]).threshold == 0.75


HUB_ANSWER_LAYOUT = """
    const t = document.getElementById('threshold-table');
    const box = t.parentElement.getBoundingClientRect(), r = t.getBoundingClientRect();
    const first = document.querySelector('#hubs table');
    return {visible: r.height > 0 && t.offsetParent !== null,
            scrolls: t.parentElement.scrollWidth > t.parentElement.clientWidth + 1,
            right: r.right, viewport: document.documentElement.clientWidth,
            first: first.id, top: r.top + window.scrollY,
            open: [...document.querySelectorAll('#hubs details')].map(d => d.open)};"""


def test_hub_answer_first_visible_and_fits_1400px(browser, multi_h5, multi_b_h5, multi_h5_other_seed,
                                                  tmp_path):
    """Three runs: the threshold table is the first hub table, open, and fits a 1400 px
    window without sideways scrolling; the tables per target are folded behind it."""
    out = tmp_path / "three"
    report_ok(multi_h5, multi_b_h5, multi_h5_other_seed, "-o", out, "--threshold", 0.05)
    browser.open((out / "index.html").as_uri())
    assert browser.run("return window.innerWidth") == 1400
    layout = browser.run(HUB_ANSWER_LAYOUT)
    assert layout["first"] == "threshold-table"
    assert layout["visible"] and not layout["scrolls"], layout
    assert layout["right"] <= layout["viewport"], layout
    assert layout["open"] and not any(layout["open"]), layout  # the rest behind it
    browser.run("window.scrollTo(0, arguments[0] - 80)", layout["top"])
    png = browser.screenshot()
    assert png.startswith(b"\x89PNG")
    (tmp_path / "hub-answer.png").write_bytes(png)
    assert browser.console() == []
    # the headline blocks, one per run, side by side at the top, and the equity and role
    # tables: none scrolls sideways at 1400 px
    wide = browser.run(FITS_LAYOUT, "#glance .headline table, #equity-table, #equity-diff-table, #roles-table")
    assert len(wide) == 6 and not any(w["scrolls"] or w["right"] > 1400 for w in wide), wide
    tops = browser.run("return [...document.querySelectorAll('.headline')].map(h => h.getBoundingClientRect().top)")
    assert len(tops) == 3 and len(set(tops)) == 1, tops
    assert browser.run("return document.querySelector('#glance .headline').getBoundingClientRect().top"
                       " + window.scrollY") < browser.run(
        "return document.getElementById('threshold-table').getBoundingClientRect().top + window.scrollY")


FITS_LAYOUT = """
    return [...document.querySelectorAll(arguments[0])].map(t => ({
        id: t.id, right: t.getBoundingClientRect().right,
        scrolls: t.parentElement.scrollWidth > t.parentElement.clientWidth + 1}));"""


# ---------------------------------------------------------------- equity and roles (issue 16)


def band_shares(path, measure):
    """Each band's share of its schools, [replication, time, phase, band], read directly."""
    with h5py.File(path, "r") as f:
        by_band = f[f"trajectories/{measure}_by_band"][()].sum(axis=2)
        return by_band / f["hub_band_schools"][()].sum(axis=0)


def test_equity_and_roles_equal_hdf5(paired_report, multi_h5, multi_b_h5):
    """Engaged and participating shares by disadvantage quintile per run, B − A per band
    (paired: the same seed and replications), and active leaders by role at the end."""
    d = data_of(paired_report)
    h = read_h5(multi_h5)
    with h5py.File(multi_h5, "r") as f:
        bands = labels(f["disadvantage_band"])
    # the multi scenario's last target is due on its last sample: one moment, the end
    assert d["equity_moments"] == [dict(label=f"at {h['dates'][-1]} (end)", date=h["dates"][-1])]
    label = d["equity_moments"][0]["label"]
    for measure in ("engaged", "participating"):
        sa, sb = band_shares(multi_h5, measure), band_shares(multi_b_h5, measure)
        for p, ph in enumerate(h["phases"]):
            for j, band in enumerate(bands):
                for i, share in enumerate((sa, sb)):
                    q = d["runs"][i]["equity"][measure][ph][band][label]
                    for k in ("p5", "p50", "p95"):
                        assert q[k] == pytest.approx(np.quantile(share[:, -1, p, j], Q[k])), (measure, ph, band)
                diff = d["comparisons"][0]["equity"][measure][ph][band][label]
                for k in ("p5", "p50", "p95"):
                    assert diff[k] == pytest.approx(np.quantile(sb[:, -1, p, j] - sa[:, -1, p, j], Q[k]))
    tables = Tables(page_of(paired_report)).tables
    rows = tables["equity-table"]
    assert len(rows) == 2 * len(h["phases"]) * len(bands)
    first = d["runs"][0]["equity"]
    ph, band = h["phases"][0], bands[0]
    assert rows[0][0][0] == d["runs"][0]["name"] and rows[0][1][0] == ph
    assert rows[0][2] == (f"{band} (least disadvantaged)", "0")
    assert rows[0][3][0].startswith(f"{100 * first['engaged'][ph][band][label]['p50']:.0f}%90%: ")
    assert rows[0][4][0].startswith(f"{100 * first['participating'][ph][band][label]['p50']:.0f}%90%: ")
    assert rows[len(bands) - 1][2][0] == f"{bands[-1]} (most disadvantaged)"
    diffs = tables["equity-diff-table"]
    assert len(diffs) == len(h["phases"]) * len(bands) and diffs[0][3][0].endswith(" pp")
    # roles: active leaders of each role, summed over hubs, at the last sample
    active = h["llme"][:, -1, :, :, h["statuses"].index("active")].sum(axis=1)  # [rep, role]
    for i, path in enumerate((multi_h5, multi_b_h5)):
        hr = read_h5(path)
        act = hr["llme"][:, -1, :, :, hr["statuses"].index("active")].sum(axis=1)
        for r, role in enumerate(hr["roles"]):
            q = d["runs"][i]["roles_at_end"][role]
            for k in ("p5", "p50", "p95"):
                assert q[k] == pytest.approx(np.quantile(act[:, r], Q[k])), (role, k)
    roles = tables["roles-table"]
    assert [r[0][0] for r in roles] == [role.replace("_", " ") for role in h["roles"]]
    pms = active[:, h["roles"].index("primary_mastery_specialist")]
    row = roles[h["roles"].index("primary_mastery_specialist")]
    assert row[1][0] == (f"{np.floor(np.median(pms) + 0.5):,.0f}90%: {np.floor(np.quantile(pms, 0.05) + 0.5):,.0f}"
                         f" to {np.floor(np.quantile(pms, 0.95) + 0.5):,.0f}")


def test_equity_at_the_last_target_date_and_the_end(multi_h5, multi_h5_other_seed):
    """With a target due before the end, the equity tables look at the last sample by its
    date and at the end; runs with other seeds are compared unpaired."""
    report = load_report_module()
    a, b = report.load_run(multi_h5), report.load_run(multi_h5_other_seed)
    a.targets = [t for t in a.targets if t.by.isoformat() == "2019-08-31"]
    moments = report.equity_moments(a)
    h = read_h5(multi_h5)
    ti = max(i for i, day in enumerate(h["days"]) if day <= a.targets[0].by_day)
    assert moments == [("by 2019-08-31 (last target)", ti), (f"at {h['dates'][-1]} (end)", len(h["days"]) - 1)]
    eq = report.equity(a, moments)
    sa, sb = band_shares(multi_h5, "participating"), band_shares(multi_h5_other_seed, "participating")
    for label, t in moments:
        assert eq["participating"]["primary"]["q5"][label]["p50"] == pytest.approx(np.median(sa[:, t, 0, 4]))
    diff = report.compare_equity(a, b, moments, paired=False)
    every = (sb[None, :, ti, 0, 4] - sa[:, None, ti, 0, 4]).ravel()  # every B against every A
    assert diff["participating"]["primary"]["q5"][moments[0][0]]["p50"] == pytest.approx(np.median(every))


# ---------------------------------------------------------------- every run against every other


@pytest.fixture(scope="module")
def three_report(tmp_path_factory, multi_h5, multi_b_h5, multi_h5_other_seed):
    """Three runs: a and b share seed and replications (paired), c has another seed."""
    out = tmp_path_factory.mktemp("report_three") / "report"
    report_ok(multi_h5, multi_b_h5, multi_h5_other_seed, "-o", out)
    return out


def direct_over_time(a, b, paired):
    """B − A through time computed here: {key: [replication or pair, time or year]}."""
    def series(h):
        share = 100 * h["engaged"].sum(axis=2) / h["schools"].sum(axis=0)
        out = {f"engaged_share:{ph}": share[:, :, p] for p, ph in enumerate(h["phases"])}
        out["llme:active"] = h["llme"][:, :, :, :, h["statuses"].index("active")].sum(axis=(2, 3)).astype(float)
        out["cost:annual"] = h["cost"].sum(axis=2) / 1e6
        return out

    sa, sb = series(a), series(b)
    if paired:
        return {k: sb[k] - sa[k] for k in sa}
    return {k: np.array([sb[k][j] - sa[k][i] for i in range(len(sa[k])) for j in range(len(sb[k]))])
            for k in sa}


WORDS = {"target": "an earlier date", "engaged": "more schools engaged", "llme": "more active leaders"}


def test_every_pair_and_its_differences_through_time_equal_hdf5(three_report, multi_h5, multi_b_h5,
                                                               multi_h5_other_seed):
    """Three runs give three pairs (b − a paired; c − a and c − b unpaired, saying why): each
    measure's differences, P(better/same/worse) in the measure's words, and B − A through time
    for every pair, against differences computed here from the files."""
    d = data_of(three_report)
    files = [read_h5(p) for p in (multi_h5, multi_b_h5, multi_h5_other_seed)]
    pairs = [(0, 1, True), (0, 2, False), (1, 2, False)]
    assert [(c["a"], c["b"], c["paired"]) for c in d["comparisons"]] == pairs
    for c, (i, j, paired) in zip(d["comparisons"], pairs):
        check_comparison(c, files[i], files[j], paired)
        for r in c["rows"]:
            kind = r["key"].split(":")[0]
            if kind == "cost":
                assert r["better_means"].startswith("neither") and r["better_word"] is None
            else:
                assert r["better_means"] == WORDS[kind], r
        direct = direct_over_time(files[i], files[j], paired)
        assert sorted(c["over_time"]) == sorted(direct)
        for key, diff in direct.items():
            for name in ("p5", "p25", "p50", "p75", "p95"):
                np.testing.assert_allclose(c["over_time"][key][name], np.quantile(diff, Q[name], axis=0),
                                           rtol=1e-12, atol=1e-12, err_msg=f"{key} {name} {i}-{j}")
    # the first pair's differences are paired: replication by replication
    b_minus_a = direct_over_time(files[0], files[1], True)["engaged_share:primary"]
    assert b_minus_a.shape == (4, len(MULTI_DATES))
    # the table of every pair: a row per measure, a column per pair, cells as computed
    page = page_of(three_report)
    table = Tables(page).tables["pairs-table"]
    rows = d["comparisons"][0]["rows"]
    assert [r[0][0] for r in table] == [r["measure"] for r in rows]
    for row, m in zip(table, rows):
        assert row[1][0] == m["better_means"]
        for k, c in enumerate(d["comparisons"]):
            cm = next(x for x in c["rows"] if x["key"] == m["key"])
            text, sort = row[2 + k]
            want = json_num(cm["diff_p50"])
            assert sort is not None and float(sort) == (np.inf if want is None else pytest.approx(want))
            if cm["better"] is None:
                assert f"same in {100 * cm['p_same']:.0f}%" in text
            else:
                assert (f"{cm['better_word']} in {100 * cm['p_better']:.0f}%, same {100 * cm['p_same']:.0f}%, "
                        f"{cm['worse_word']} {100 * cm['p_worse']:.0f}%") in text
    engaged = next(r for r in table if r[0][0].startswith("primary schools engaged"))
    direct = measure_values(files[1])["engaged:primary"][0] - measure_values(files[0])["engaged:primary"][0]
    assert engaged[2][0].startswith(f"{np.floor(np.median(direct) + 0.5):+,.0f}")
    assert "unpaired, as they do not share their random numbers (seeds 11 and 12345)" in page
    assert (three_report / "differences.png").read_bytes().startswith(b"\x89PNG")


def test_every_pair_in_the_browser(browser, three_report):
    """The differences figure loads, the table of every pair sits before the policy period's
    table and fits 1400 px without sideways scrolling."""
    browser.open((three_report / "index.html").as_uri())
    assert browser.run(IMAGES_LOADED) == [[name, True] for name in FIGURES_SEVERAL]
    wide = browser.run(FITS_LAYOUT, "#pairs-table")
    assert len(wide) == 1 and not wide[0]["scrolls"] and wide[0]["right"] <= 1400, wide
    order = browser.run("return [...document.querySelectorAll('section')].map(s => s.id)")
    assert order.index("pairs-section") < order.index("policy-cost-section") < order.index("comparison-0-section")
    assert [s for s in order if s.startswith("comparison-")] == [f"comparison-{k}-section" for k in range(3)]
    assert browser.console() == []
