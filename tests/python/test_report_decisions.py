"""The report's Decisions section: the output of `hubsim marginal`, `sensitivity` and
`optimise`, alone or beside runs.

Runs each study on the small scenarios their own tests use, builds reports, and checks
that every table cell is the file's number as the page formats it, that data.json holds
every number, that each figure is a PNG embedded in the page, that each interval says
which uncertainty it holds, and that a file the report cannot read is refused (one line,
exit status 2, nothing written). A headless Chromium opens a mixed page.
"""

import base64
import html
import json
import os
import re
import shutil
import subprocess

import h5py
import numpy as np
import pytest
from markupsafe import escape

from conftest import HUBSIM, REPO, labels, run_ok, text_of
from test_marginal import ARGS, CAPACITY
from test_optimise import PLAN, TINY_PLAN
from test_report import (FIGURES, IMAGES_LOADED, Tables, data_of, page_of,
                         report_ok, run_report)
from test_sensitivity import MORRIS, STUDY

# ---------------------------------------------------------------- the studies


@pytest.fixture(scope="module")
def studies(tmp_path_factory):
    """{name: output file} of every study the tests report on."""
    d = tmp_path_factory.mktemp("decisions")
    (d / "cap.yaml").write_text(CAPACITY)
    (d / "sobol.yaml").write_text(STUDY)
    (d / "morris.yaml").write_text(MORRIS)
    (d / "plan.yaml").write_text(PLAN)
    (d / "tiny.yaml").write_text(TINY_PLAN)
    (d / "none.yaml").write_text(TINY_PLAN.replace(
        "method:", "constraints:\n  - {quantity: cost, at_most: -1}\nmethod:"))
    out = {k: d / f"{k}.h5" for k in ("marginal", "roles", "late", "sobol", "morris", "front",
                                      "tiny", "none")}
    run_ok("marginal", d / "cap.yaml", "-o", out["marginal"], *ARGS, "--allocate", "4", "-t",
           "2", "-q")
    # Both phases' Mastery Specialists, no allocation.
    run_ok("marginal", d / "cap.yaml", "-o", out["roles"], "--from", "2016-09-01", "-t", "2",
           "-q")
    # Leaders from after the only target's date: no target can move.
    run_ok("marginal", d / "cap.yaml", "-o", out["late"], "--from", "2019-09-01", "--by",
           "2022-08-31", "--replications", "4", "-q")
    for kind in ("sobol", "morris"):
        run_ok("sensitivity", d / f"{kind}.yaml", "-o", out[kind], "-t", "2", "-q")
    run_ok("optimise", d / "plan.yaml", "-o", out["front"], "-t", "2", "-q", timeout=600)
    run_ok("optimise", d / "tiny.yaml", "-o", out["tiny"], "-q")
    run_ok("optimise", d / "none.yaml", "-o", out["none"], "-q")
    return out


@pytest.fixture(scope="module")
def alone(tmp_path_factory, studies):
    """{study: report folder} of a report of each study file on its own."""
    folder = tmp_path_factory.mktemp("alone")
    out = {}
    for name, path in studies.items():
        out[name] = folder / name
        report_ok(path, "-o", out[name])
    return out


def read(path):
    """Every dataset of a study file (strings as lists of str) and its root attributes."""
    out = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                v = obj[()]
                out[name] = (text_of(v) if isinstance(v, bytes) else
                             labels(obj) if v.dtype.kind == "O" else v)
        f.visititems(visit)
        out["attrs"] = {k: text_of(v) if isinstance(v, (bytes, str)) else v
                        for k, v in f.attrs.items()}
        out["plans"] = int(f["front"].attrs["plans"]) if "front" in f else None
    return out


def words_of(report):
    """The page as a reader sees its words: entities unescaped (' is &#39; in the HTML)."""
    return html.unescape(page_of(report))


def cells(report, table):
    return [[c[0] for c in row] for row in Tables(page_of(report)).tables[table]]


def interval(mean, low, high, show):
    return f"{show(mean)} [{show(low)}, {show(high)}]"


def one_decimal(x):
    return f"{x:,.1f}"


def pp(x):
    return f"{100 * x:+.1f} pp"


def check_figures(report, names):
    """The folder holds each figure as a PNG, and the page embeds exactly it."""
    images = Tables(page_of(report)).images
    assert [i["data-figure"] for i in images] == names
    for img in images:
        png = (report / f"{img['data-figure']}.png").read_bytes()
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        assert img["src"] == "data:image/png;base64," + base64.b64encode(png).decode()


def embedded_json(report):
    blob = re.search(r'<script type="application/json" id="report-data">(.*?)</script>',
                     page_of(report), re.S)
    return json.loads(blob.group(1).replace("<\\/", "</"))


# ---------------------------------------------------------------- marginal


def test_marginal_alone(alone, studies):
    report = alone["marginal"]
    assert sorted(p.name for p in report.iterdir()) == ["data.json", "index.html", "marginal.png"]
    check_figures(report, ["marginal"])
    page = page_of(report)
    assert '<section id="decisions">' in page and "<h2>Decisions</h2>" in page
    assert 'id="glance"' not in page and 'id="hubs"' not in page  # no run: no run sections
    # The intervals say what they hold, in the words of `hubsim marginal`'s own table.
    assert "the intervals hold chance only (the parameters are fixed)" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:|//)""", page)
    assert embedded_json(report) == data_of(report)
    # Provenance: the file and its attributes.
    rows = {r[0]: r[1] for r in cells(report, "provenance")}
    m = read(studies["marginal"])
    assert rows["file"] == str(studies["marginal"])
    for key in ("hubsim_version", "seed", "replications", "leaders", "from", "by", "parameters"):
        assert rows[key] == str(m["attrs"][key]), key


def marginal_expected(m):
    """The ranked table and the allocation, formatted from the file directly."""
    by = m["date"].index(m["attrs"]["by"])
    due = [k for k, b in enumerate(m["target_by"]) if b >= m["attrs"]["from"]]
    rows = []
    for v in np.argsort(m["rank"], kind="stable")[:10]:
        p = m["phase"].index(m["variant_phase"][v])
        row = [str(m["rank"][v]), m["variant_hub"][v], m["variant_role"][v].replace("_", " ")]
        for name in ("extra_engaged", "extra_participating_years"):
            row.append(interval(m[name][v, p, by], m[f"{name}_low"][v, p, by],
                                m[f"{name}_high"][v, p, by], one_decimal))
        for k in due:
            row.append(interval(m["target_met_change"][v, k], m["target_met_change_low"][v, k],
                                m["target_met_change_high"][v, k], pp)
                       if m["target_phase"][k] == m["variant_phase"][v] else "—")
        rows.append(row)
    steps = [[str(s + 1), m["variant_hub"][v], m["variant_role"][v].replace("_", " "),
              interval(m["allocation_value"][s], m["allocation_value_low"][s],
                       m["allocation_value_high"][s], one_decimal)]
             for s, v in enumerate(m["allocation_variant"])]
    return rows, steps


def test_marginal_tables_hold_the_file(alone, studies):
    m = read(studies["marginal"])
    rows, steps = marginal_expected(m)
    assert cells(alone["marginal"], "marginal-table-0") == rows
    assert len(steps) == 2 and cells(alone["marginal"], "marginal-table-1") == steps
    # Ranked by rank: Mid first, and the hub with ample capacity gains nothing.
    assert [r[1] for r in rows] == ["Mid", "Tight", "Ample"]
    assert rows[2][3] == "0.0 [0.0, 0.0]"
    assert "change in P(primary 40% by 2019-08-31) [90%]" in words_of(alone["marginal"])
    assert "Greedy allocation, 2 leaders at a time" in words_of(alone["marginal"])


def test_marginal_numbers_in_data_json(alone, studies):
    m = read(studies["marginal"])
    (d,) = data_of(alone["marginal"])["decisions"]
    assert d["study"] == "marginal" and d["file"] == str(studies["marginal"]) and d["name"] == "cap"
    assert (d["leaders"], d["from"], d["by"], d["replications"]) == (2, "2016-09-01",
                                                                      "2020-08-31", 40)
    by = m["date"].index("2020-08-31")
    assert len(d["variants"]) == len(m["variant_hub"])
    for row in d["variants"]:
        v = row["variant"]
        assert row["hub"] == m["variant_hub"][v] and row["rank"] == m["rank"][v]
        for key, name in (("extra_engaged", "extra_engaged"),
                          ("participating_years", "extra_participating_years")):
            assert row[key] == {"mean": m[name][v, 0, by], "low": m[f"{name}_low"][v, 0, by],
                                "high": m[f"{name}_high"][v, 0, by]}
        assert row["target_met_change"]["primary 40% by 2019-08-31"]["mean"] == \
            m["target_met_change"][v, 0]
    assert [r["rank"] for r in d["variants"]] == sorted(m["rank"].tolist())
    assert d["baseline_target_met"] == {"primary 40% by 2019-08-31": m["baseline_target_met"][0]}
    assert [(s["variant"], s["value"]["mean"]) for s in d["allocation"]] == \
        list(zip(m["allocation_variant"].tolist(), m["allocation_value"].tolist()))


def test_marginal_of_every_role(alone, studies):
    """Both phases' Mastery Specialists: the role column tells them apart; a secondary
    variant has no change in the primary target; no allocation was asked for."""
    m = read(studies["roles"])
    assert len(set(m["variant_role"])) == 2
    rows, steps = marginal_expected(m)
    assert cells(alone["roles"], "marginal-table-0") == rows
    assert steps == [] and "marginal-table-1" not in Tables(page_of(alone["roles"])).tables
    assert any(r[-1] == "—" for r in rows)
    assert len(data_of(alone["roles"])["decisions"][0]["variants"]) == len(m["variant_hub"])


def test_marginal_after_every_target(alone, studies):
    d = data_of(alone["late"])["decisions"][0]
    assert d["targets_due"] == [] and all(v["target_met_change"] == {} for v in d["variants"])
    assert len(cells(alone["late"], "marginal-table-0")[0]) == 5
    assert "this study has none" in words_of(alone["late"])


def test_marginal_with_drawn_parameters_says_so(studies, tmp_path):
    """What the intervals hold follows the file's `parameters` attribute."""
    drawn = tmp_path / "drawn.h5"
    shutil.copy(studies["marginal"], drawn)
    with h5py.File(drawn, "a") as f:
        f.attrs["parameters"] = "drawn"
    report_ok(drawn, "-o", tmp_path / "r")
    assert ("the intervals hold chance and what the calibration leaves unknown of the "
            "parameters (each replication draws the posterior, the same draw with and without "
            "the leaders)") in words_of(tmp_path / "r")


# ---------------------------------------------------------------- sensitivity


def sobol_expected(s, o):
    total, first = s["sensitivity/total"][o], s["sensitivity/first_order"][o]
    order = sorted(range(len(total)), key=lambda k: -total[k])
    return [[s["parameter"][k], f"{s['low'][k]:g} to {s['high'][k]:g}",
             interval(total[k], s["sensitivity/total_low"][o, k],
                      s["sensitivity/total_high"][o, k], lambda x: f"{x:.3f}"),
             interval(first[k], s["sensitivity/first_order_low"][o, k],
                      s["sensitivity/first_order_high"][o, k], lambda x: f"{x:.3f}")]
            for k in order]


def test_sobol(alone, studies):
    s = read(studies["sobol"])
    report = alone["sobol"]
    check_figures(report, ["sensitivity"])
    for o, label in enumerate(s["output"]):
        rows = cells(report, f"sensitivity-table-{o}")
        assert rows == sobol_expected(s, o)
        assert rows[0][0] == "demand.p"  # what matters most, first
    page = words_of(report)
    assert ("The 90% intervals are the bootstrap's over the design's base points (the "
            "estimate's sampling error).") in page
    assert all(f"<h4>{label}</h4>" in page for label in s["output"])
    (d,) = data_of(report)["decisions"]
    assert d["method"] == "sobol" and d["name"] == "what_matters"
    for o, out in enumerate(d["outputs"]):
        assert out["output"] == s["output"][o]
        assert out["variance"] == s["sensitivity/variance"][o]
        for row in out["parameters"]:
            k = s["parameter"].index(row["parameter"])
            for name in ("total", "first_order"):
                assert row[name] == {"mean": s[f"sensitivity/{name}"][o, k],
                                     "low": s[f"sensitivity/{name}_low"][o, k],
                                     "high": s[f"sensitivity/{name}_high"][o, k]}


def test_morris_effects_are_over_each_range(alone, studies):
    s = read(studies["morris"])
    report = alone["morris"]
    check_figures(report, ["sensitivity"])
    width = s["high"] - s["low"]
    (d,) = data_of(report)["decisions"]
    for o in range(len(s["output"])):
        star = s["sensitivity/mu_star"][o] * width
        order = sorted(range(len(star)), key=lambda k: -star[k])
        assert cells(report, f"sensitivity-table-{o}") == [
            [s["parameter"][k], f"{s['low'][k]:g} to {s['high'][k]:g}"]
            + [f"{s[f'sensitivity/{n}'][o, k] * width[k]:,.2f}" for n in ("mu_star", "mu", "sigma")]
            for k in order]
        for row in d["outputs"][o]["parameters"]:
            k = s["parameter"].index(row["parameter"])
            assert row["mu_star_per_unit"] == s["sensitivity/mu_star"][o, k]
            assert row["sigma"] == s["sensitivity/sigma"][o, k] * width[k]
    assert "Morris effects per unit of each parameter, times its range (a screening: no " \
           "intervals)." in words_of(report)


# ---------------------------------------------------------------- optimise


def quantity_text(label):
    """How the page writes a quantity: £m for a cost, a whole percentage for a probability."""
    if label.endswith("(GBP)"):
        return lambda v: f"£{v / 1e6:,.2f}m"
    return (lambda v: f"{100 * v:.0f}%") if label.startswith("P(") else one_decimal


def front_expected(o):
    rows = []
    for k in range(o["plans"]):
        row = [f"{k + 1}{o['front/file'][k]}"]  # the plan's scenario file in smaller type
        for q, label in enumerate(o["quantity"]):
            show = quantity_text(label)
            fresh = interval(o["front/fresh"][k, q], o["front/fresh_low"][k, q],
                             o["front/fresh_high"][k, q], show)
            search = interval(o["front/search"][k, q], o["front/search_low"][k, q],
                              o["front/search_high"][k, q], show)
            row.append(f"{fresh}search {search}")  # the search's in smaller type below
        # The decisions in one cell, a line each ("label = value").
        row.append("\n".join(f"{o['variable'][j]} = " + (f"{x:,.0f}" if o["integer"][j] else f"{x:,.4g}")
                             for j, x in enumerate(o["front/decisions"][k])))
        rows.append(row)
    return rows


@pytest.mark.parametrize("which", ["front", "tiny"])
def test_optimise_front(alone, studies, which):
    o = read(studies[which])
    report = alone[which]
    check_figures(report, ["optimise"])
    assert o["plans"] >= 1
    assert cells(report, "optimise-table-0") == front_expected(o)
    page = page_of(report)
    assert '<small>search ' in page
    assert ("the intervals hold the Monte Carlo error of each mean, over replications whose "
            "spread holds chance only") in page
    assert "optimistic" in page
    for k, text in enumerate(o["front/scenario"]):  # each plan as the scenario it wrote
        assert f"Plan {k + 1} as a scenario: {o['front/file'][k]}" in page
        assert str(escape(text)) in page
    (d,) = data_of(report)["decisions"]
    assert [q["label"] for q in d["quantities"]] == o["quantity"]
    assert [q["role"] for q in d["quantities"]] == o["quantity_role"]
    for name in ("decisions", "estimate", "estimate_low", "estimate_high"):
        assert d["candidates"][name] == o[name].tolist()
    for k, p in enumerate(d["front"]):
        assert p["plan"] == k + 1 and p["file"] == o["front/file"][k]
        assert p["decisions"] == o["front/decisions"][k].tolist()
        assert [e["mean"] for e in p["fresh"]] == o["front/fresh"][k].tolist()
        assert [e["high"] for e in p["search"]] == o["front/search_high"][k].tolist()
        assert p["fresh_replications"] == o["front/fresh_replications"][k]


def test_hand_worked_front_reads_as_money_and_chances(alone):
    """Tiny's front: nothing spent and the target missed, or £20,000 and met."""
    rows = cells(alone["tiny"], "optimise-table-0")
    assert [r[1].split("search")[0] for r in rows] == ["£0.00m [£0.00m, £0.00m]",
                                                        "£0.02m [£0.02m, £0.02m]"]
    assert [r[2].split(" ")[0] for r in rows] == ["0%", "100%"]


def test_optimise_without_a_front_says_so(alone, studies):
    assert read(studies["none"])["plans"] == 0
    report = alone["none"]
    check_figures(report, ["optimise"])
    page = page_of(report)
    assert "no candidate met every constraint" in page
    assert "optimise-table-0" not in Tables(page).tables
    (d,) = data_of(report)["decisions"]
    assert d["front"] == [] and len(d["candidates"]["estimate"]) > 0


# ---------------------------------------------------------------- beside runs


@pytest.fixture(scope="module")
def mixed(tmp_path_factory, multi_h5, studies):
    out = tmp_path_factory.mktemp("mixed") / "report"
    report_ok(multi_h5, studies["marginal"], studies["sobol"], studies["front"], "-o", out)
    return out


def test_mixed_with_a_run(mixed, multi_h5, studies, tmp_path):
    """The run's report as it would be alone, then the Decisions section."""
    check_figures(mixed, FIGURES + ["marginal", "sensitivity", "optimise"])
    d = data_of(mixed)
    report_ok(multi_h5, "-o", tmp_path / "run")
    assert d["runs"] == data_of(tmp_path / "run")["runs"]
    assert "decisions" not in data_of(tmp_path / "run")  # runs alone: data.json as it was
    assert [x["study"] for x in d["decisions"]] == ["marginal", "sensitivity", "optimise"]
    page = page_of(mixed)
    assert page.index('id="hubs"') < page.index('id="decisions"') < page.index('id="scenario"')
    assert cells(mixed, "marginal-table-0") == marginal_expected(read(studies["marginal"]))[0]
    assert cells(mixed, "sensitivity-table-0") == sobol_expected(read(studies["sobol"]), 0)
    assert cells(mixed, "optimise-table-0") == front_expected(read(studies["front"]))
    prov = Tables(page).tables["provenance"]
    assert [c[0] for c in prov[0]] == ["file", str(multi_h5), str(studies["marginal"]),
                                       str(studies["sobol"]), str(studies["front"])]
    assert embedded_json(mixed) == d


def test_two_studies_of_a_kind(studies, tmp_path):
    report_ok(studies["sobol"], studies["morris"], "-o", tmp_path / "r")
    check_figures(tmp_path / "r", ["sensitivity", "sensitivity-2"])
    names = [x["name"] for x in data_of(tmp_path / "r")["decisions"]]
    assert names == ["what_matters (sobol.h5)", "what_matters (morris.h5)"]
    assert "sensitivity-2-table-1" in Tables(page_of(tmp_path / "r")).tables


def test_hubsim_report_takes_decision_files(studies, tmp_path, alone):
    """`hubsim report` hands decision files to the same tool (the one in this source tree)."""
    env = dict(os.environ, HUBSIM_REPORT=str(REPO / "tools" / "report.py"))
    out = tmp_path / "via-cli"
    proc = subprocess.run([str(HUBSIM), "report", studies["marginal"], "-o", out],
                          capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == ["data.json", "index.html", "marginal.png"]
    assert data_of(out) == data_of(alone["marginal"])


# ---------------------------------------------------------------- bad input


@pytest.fixture(scope="module")
def bad(tmp_path_factory, studies):
    folder = tmp_path_factory.mktemp("bad_decisions")
    empty = folder / "empty_marginal.h5"
    with h5py.File(empty, "w") as f:
        f.attrs["study"] = "marginal"
        f["x"] = np.arange(3)
    other = folder / "calibrate.h5"
    with h5py.File(other, "w") as f:
        f.attrs["study"] = "calibrate"
    wrong_by = folder / "wrong_by.h5"
    shutil.copy(studies["marginal"], wrong_by)
    with h5py.File(wrong_by, "a") as f:
        f.attrs["by"] = "2031-08-31"
    method = folder / "method.h5"
    shutil.copy(studies["sobol"], method)
    with h5py.File(method, "a") as f:
        f.attrs["method"] = "fast"
    lost = folder / "lost_front.h5"
    shutil.copy(studies["tiny"], lost)
    with h5py.File(lost, "a") as f:
        del f["front/fresh"]
    sweep = folder / "sweep.h5"
    with h5py.File(sweep, "w") as f:
        f.create_group("points")["capacity.factor"] = [1.0, 2.0]
    return dict(empty=empty, other=other, wrong_by=wrong_by, method=method, lost=lost,
                sweep=sweep)


@pytest.mark.parametrize("case, words", [
    ("empty", "is not usable hubsim marginal output (no hub, phase, date, target, ...)"),
    ("other", "is `hubsim calibrate` output"),
    ("wrong_by", "its `by` date 2031-08-31 is not one of its /date"),
    ("method", "its method is 'fast', not sobol or morris"),
    ("lost", "its front has 2 plans but no /front/fresh"),
    ("sweep", "is sweep output"),
])
@pytest.mark.parametrize("beside", [False, True])
def test_bad_decision_file(case, words, beside, bad, studies, multi_h5, tmp_path):
    """Alone or after good files: one line naming the file, exit 2, nothing written."""
    inputs = [multi_h5, studies["marginal"], bad[case]] if beside else [bad[case]]
    out = tmp_path / "report"
    proc = run_report(*inputs, "-o", out)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"report: {bad[case]}: ") and words in lines[0], lines[0]
    assert not out.exists()
    assert not any(".tmp" in p.name for p in tmp_path.iterdir())


# ---------------------------------------------------------------- in a real browser


def test_mixed_page_in_headless_chromium(browser, mixed):  # noqa: F811
    browser.open((mixed / "index.html").as_uri())
    assert browser.run(IMAGES_LOADED) == [[n, True] for n in
                                          FIGURES + ["marginal", "sensitivity", "optimise"]]
    assert [e for e in browser.console() if e["level"] in ("SEVERE", "WARNING")] == []
    assert browser.run("return JSON.parse(document.getElementById('report-data').textContent)"
                       ".decisions.length") == 3
    # The ranked table sorts by extra schools engaged, both ways.
    order = """return [...document.getElementById('marginal-table-0').tBodies[0].rows]
                 .map(r => Number(r.cells[3].getAttribute('data-sort')));"""
    click = "document.querySelector('#marginal-table-0 th[data-col=\"3\"]').click();"
    browser.run(click)
    up = browser.run(order)
    assert up == sorted(up)
    browser.run(click)
    assert browser.run(order) == sorted(up, reverse=True)
    assert browser.console() == []
