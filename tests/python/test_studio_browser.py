"""The what-if studio's page (`hubsim serve`) in a real headless Chromium.

One server on the shipped scenarios and one browser session, driven as a planner would:
type a lever and press Enter, run, read the headline, cancel, pick a threshold, compare two
what-ifs, download, open a what-if's address in a fresh browser, upload a bad file. Every
number read off the page is checked against the API's own answer for the same run (which
test_studio_api.py ties to `hubsim run`), and the downloaded scenario is run here with
`hubsim run` and gives the page's numbers.
"""

import json
import struct
import subprocess
import time
import urllib.parse

import h5py
import numpy as np
import pytest

import test_studio_api as studio_api  # the server fixture's class (not its tests)
from conftest import HUBSIM, REPO, run_ok
from headless_browser import headless_chromium

REPLICATIONS = 20
PLACES = "lever-llme-primary-mastery-specialist-training-places"


@pytest.fixture(scope="module")
def studio():
    s = studio_api.Studio(REPO / "scenarios")
    yield s
    s.stop()


def wait_for(browser, script, timeout=60, *args):
    """Polls a script until it returns something true; returns that."""
    deadline = time.monotonic() + timeout
    while True:
        value = browser.run(script, *args)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for: {script}")
        time.sleep(0.1)


def open_studio(browser, url):
    browser.open(url)
    wait_for(browser, "return document.body.dataset.ready === 'true'")


def api(browser, path):
    """GET an API path from the page, with its browser session (its runs)."""
    return browser.run_async(
        "const done = arguments[arguments.length - 1];"
        "fetch(arguments[0]).then(r => r.json()).then(done, e => done({error: String(e)}));", path)


def fetch_text(browser, href):
    return browser.run_async(
        "const done = arguments[arguments.length - 1];"
        "fetch(arguments[0]).then(r => r.text()).then(done);", href)


def set_value(browser, element_id, value):
    browser.run("const e = document.getElementById(arguments[0]); e.value = arguments[1];"
                "e.dispatchEvent(new Event('input', {bubbles: true}));"
                "e.dispatchEvent(new Event('change', {bubbles: true}));", element_id, str(value))


def cards(browser):
    return browser.run("return [...document.querySelectorAll('.whatif')].map(e => "
                       "({letter: e.dataset.letter, run: e.dataset.run, state: e.dataset.state,"
                       "  label: e.querySelector('.wlabel').textContent}))")


def wait_finished(browser, n, timeout=120):
    return wait_for(browser, "const c = [...document.querySelectorAll('.whatif')];"
                    "return c.length === arguments[0] && c.every(e => "
                    "['done', 'cancelled', 'failed'].includes(e.dataset.state)) &&"
                    "c.map(e => e.dataset.state)", timeout, n)


def headline(browser):
    """{target label: (P(met) shown, its text, interval low, high)} of the what-if shown."""
    rows = browser.run("return [...document.querySelectorAll('#headline .target')].map(t => ["
                       "t.dataset.target, Number(t.querySelector('.big').dataset.value),"
                       "t.querySelector('.big').textContent,"
                       "Number(t.querySelector('.interval').dataset.low),"
                       "Number(t.querySelector('.interval').dataset.high)])")
    return {r[0]: tuple(r[1:]) for r in rows}


def hub_dates(browser):
    return browser.run("return [...document.querySelectorAll('#hub-table td.date')].map(td => "
                       "[td.closest('tr').querySelector('th').textContent, td.dataset.phase,"
                       " td.dataset.value])")


@pytest.fixture(scope="module")
def schema():
    """The scenario schema as `hubsim schema` prints it, read here on its own."""
    return json.loads(run_ok("schema").stdout)


def resolve(schema, node):
    """A schema node with its $refs ("#/a/b", JSON pointers) followed."""
    while "$ref" in node:
        ref = node["$ref"]
        assert ref.startswith("#/"), ref
        node = schema
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def declared(schema, key):
    """What a scenario's `set:` takes for a parameter."""
    return resolve(schema, resolve(schema, schema["properties"]["set"])["properties"][key])


def field_shown(browser, css):
    """[tag, value, min, max, step, choices, hint] of a form field."""
    return browser.run("const e = document.querySelector(arguments[0]);"
                       "const hint = document.getElementById(e.id + '-hint');"
                       "return [e.tagName, e.type === 'checkbox' ? e.checked : e.value, e.min, e.max, e.step,"
                       " e.tagName === 'SELECT' ? [...e.options].map(o => o.value) : null,"
                       " hint ? hint.textContent : null]", css)


def assert_built_from(s, shown):
    """A field holds what its schema declares: choices, or type, range and step."""
    if "enum" in s:
        assert shown[0] == "SELECT" and shown[5] == s["enum"]
    elif s["type"] == "boolean":
        assert shown[0] == "INPUT" and isinstance(shown[1], bool)
    else:
        assert float(shown[2]) == s["minimum"]
        assert (float(shown[3]) == s["maximum"]) if "maximum" in s else shown[3] == ""
        step = s.get("multipleOf", 1 if s["type"] == "integer" else None)
        assert shown[4] == ("any" if step is None else str(step))
        default = s["default"]
        assert f"default {int(default) if default == int(default) else default}" in shown[6]


@pytest.fixture(scope="module")
def page(browser, studio):
    """The studio open in the browser (the module's one session)."""
    browser.window(1400, 1000)
    open_studio(browser, studio.url)
    return browser


@pytest.fixture(scope="module")
def whatif_a(page):
    """England with 300 primary Mastery Specialist places a year, typed and run by keyboard."""
    set_value(page, "replications", REPLICATIONS)
    page.type("#" + PLACES, "300\ue007")  # Enter submits the form
    (state,) = wait_finished(page, 1)
    assert state == "done"
    (card,) = cards(page)
    return card


@pytest.fixture(scope="module")
def whatif_b(page, whatif_a):
    """The same with the most disadvantaged schools served first: paired with A."""
    set_value(page, "lever-policy-priority", "disadvantage")
    page.click("#run")
    assert wait_finished(page, 2) == ["done", "done"]
    return cards(page)[1]


def test_page_loads_with_the_scenarios_and_levers_and_no_console_problems(page, studio, schema):
    assert [e for e in page.console() if e["level"] in ("SEVERE", "WARNING")] == []
    _, listed, _ = studio.get("api/scenarios")
    assert page.run("return [...document.querySelectorAll('#scenario option')].map(o => o.value)") == \
        [s["name"] for s in listed]
    assert page.run("return document.getElementById('scenario').value") == "england.yaml"
    # Each lever's input starts at the scenario's value, and holds what the schema declares
    # at its key (not what /api/levers says of it): choices, or range, step and default.
    levers = api(page, "api/levers?scenario=england.yaml")["levers"]
    assert len(levers) == 9
    for lever in levers:
        shown = field_shown(page, f"#levers [data-key='{lever['key']}']")
        assert_built_from(declared(schema, lever["key"]), shown)
        assert (shown[1] if "enum" in declared(schema, lever["key"]) else float(shown[1])) == lever["value"]
    # A hub's capacity factor holds the schema's range for a hub's.
    hubs = resolve(schema, schema["properties"]["hubs"])
    (listed,) = [o for o in hubs["oneOf"] if o.get("type") == "array"]
    capacity = listed["items"]["properties"]["capacity_factor"]
    page.click("#add-hub")
    shown = field_shown(page, "#hub-changes input[type=number]")
    assert [float(shown[2]), float(shown[3]), shown[4]] == [capacity["minimum"], capacity["maximum"], "any"]
    page.run("document.querySelector('#hub-changes button').click()")
    # Every input has a label a screen reader reads.
    unlabelled = page.run("return [...document.querySelectorAll('input, select')].filter(i => "
                          "!i.labels.length && !i.getAttribute('aria-label') && !i.hidden).map(i => i.id)")
    assert unlabelled == []


def test_declared_ranges_are_enforced_in_the_form(page):
    page.type("#" + PLACES, "-5\ue007")
    assert page.run("return document.querySelectorAll('.whatif').length") == 0  # nothing ran
    message = page.run(f"return document.getElementById('{PLACES}-error').textContent")
    assert message and page.run(f"return document.getElementById('{PLACES}').hasAttribute('aria-invalid')")
    page.type("#" + PLACES, "2.5")  # whole numbers only
    assert page.run(f"return document.getElementById('{PLACES}').validity.stepMismatch")
    page.type("#" + PLACES, "140")
    assert page.run(f"return document.getElementById('{PLACES}-error').textContent") == ""


def test_hub_changes_and_timeline_events_reach_the_scenario(page):
    """A hub's capacity and opening date, a dated event with an end, and the budget: the
    scenario the server composes (the form's preview) holds each, as the API writes it."""
    page.click("#add-hub")
    hub = page.run("return document.querySelector('#hub-changes select').id.split('-')[1]")
    set_value(page, f"hub-{hub}", "Central")
    set_value(page, f"hub-cap-{hub}", "100.5")  # over the declared 100
    assert page.run(f"return document.getElementById('hub-cap-{hub}').validity.rangeOverflow")
    assert page.run(f"return document.getElementById('hub-cap-{hub}-error').textContent") != ""
    set_value(page, f"hub-cap-{hub}", "1.5")
    set_value(page, f"hub-opens-{hub}", "2016-09-01")
    page.click("#add-event")
    event = page.run("return document.querySelector('#events input[type=date]').id.split('-')[2]")
    set_value(page, f"event-date-{event}", "2027-09-01")
    set_value(page, f"event-until-{event}", "2028-08-31")
    set_value(page, f"event-key-{event}", "capacity.factor")
    set_value(page, f"event-value-{event}", "0.5")
    set_value(page, "lever-budget-annual", "9000000")
    spec = page.run("return specFromForm()")
    assert spec["changes"] == {
        "set": {"budget.annual": 9000000},
        "hubs": {"Central": {"capacity_factor": 1.5, "opens": "2016-09-01"}},
        "events": [{"date": "2027-09-01", "until": "2028-08-31", "set": {"capacity.factor": 0.5}}]}
    composed = page.run_async(
        "const done = arguments[arguments.length - 1];"
        "fetch('api/validate', {method: 'POST', headers: {'Content-Type': 'application/json'},"
        " body: JSON.stringify(arguments[0])}).then(r => r.json()).then(done);", spec)
    preview = wait_for(page, "const t = document.getElementById('yaml-preview').textContent;"
                             "return t.includes('Central') && t.includes('until') && t")
    assert preview == composed["yaml"]
    assert '"Central":{"capacity_factor":1.5,"opens":"2016-09-01"}' in preview
    assert "until: 2028-08-31" in preview and '"budget.annual":9000000' in preview
    # Back to the scenario as it is, for the tests that follow.
    page.run("document.querySelectorAll('#hub-changes button, #events button').forEach(b => b.click())")
    set_value(page, "lever-budget-annual", "0")
    assert "changes" not in page.run("return specFromForm()")


def test_a_lever_changed_and_run_gives_the_apis_headline(page, whatif_a):
    assert whatif_a["label"] == "england, Primary MS places 300"
    status = api(page, f"api/runs/{whatif_a['run']}")
    assert status["state"] == "done" and status["done"] == REPLICATIONS
    figures = status["figures"]
    shown = headline(page)
    assert len(shown) == len(figures["targets"]) > 0
    for t in figures["targets"]:
        p, text, low, high = shown[t["label"]]
        assert (p, low, high) == (t["p_met"], t["low"], t["high"])
        assert text == f"{100 * t['p_met']:.0f}%"
    words = page.run("return document.querySelector('.headline-words').textContent")
    assert figures["uncertainty"] in words and f"{REPLICATIONS} replications" in words
    # Every band says which uncertainty it holds.
    for kind in ("engagement", "waiting", "roles", "equity"):
        assert figures["uncertainty"] in page.run(
            f"return document.querySelector('[data-uncertainty={kind}]').textContent")
    # The progress bar ended full; the scenario run is the one the lever describes.
    assert page.run("return [document.getElementById('progress').value, "
                    "document.getElementById('progress').max]") == [REPLICATIONS, REPLICATIONS]
    assert "training_places\":300}" in page.run("return document.getElementById('yaml-preview').textContent")
    # Cost, and leaders by role on the dates shown, are the API's.
    cost = page.run("return Number(document.querySelector('#cost-table td[data-value]').dataset.value)")
    assert cost == figures["cost"]["total"]["p50"]
    roles = page.run("return [...document.querySelectorAll('#roles-table tbody tr')].map(r => "
                     "[r.dataset.role, [...r.querySelectorAll('td[data-value]')].map(td => Number(td.dataset.value))])")
    dates = page.run("return [...document.querySelectorAll('#roles-table thead th.num')].map(th => th.textContent)")
    by_role = {r["role"]: r for r in figures["roles"]}
    assert len(roles) >= 5
    for role, values in roles:
        assert values == [by_role[role]["p50"][figures["dates"].index(d)] for d in dates]
    # Engagement by disadvantage band: one chart a phase, five bands each.
    assert page.run("return document.querySelectorAll('#equity figure').length") == len(figures["phases"])


def test_a_run_can_be_cancelled(page, whatif_a):
    set_value(page, "replications", 2000)
    page.click("#run")
    wait_for(page, "const c = document.querySelectorAll('.whatif'); const w = c[c.length - 1];"
                   "return w.dataset.state === 'running' && document.getElementById('progress').value > 0")
    assert page.run("return document.getElementById('cancel').disabled") is False
    page.click("#cancel")
    wait_for(page, "const c = document.querySelectorAll('.whatif');"
                   "return c[c.length - 1].dataset.state === 'cancelled'")
    last = cards(page)[-1]
    status = api(page, f"api/runs/{last['run']}")
    assert status["state"] == "cancelled" and 0 < status["done"] < 2000
    text = page.run("return document.getElementById('progress-text').textContent")
    assert text.startswith("Cancelled") and f"{status['done']} of 2000" in text
    page.run("document.querySelector('.whatif:last-child button[aria-label^=Remove]').click()")
    wait_for(page, "return document.querySelectorAll('.whatif').length === 1")
    set_value(page, "replications", REPLICATIONS)


def test_the_hub_table_follows_the_threshold_and_fits_1400px(page, whatif_a):
    page.run("document.querySelector('.whatif[data-letter=A] button[aria-pressed]').click()")
    wait_for(page, "return document.querySelector('#hub-table') !== null")
    before = hub_dates(page)
    assert len(before) == 40 * 3  # every hub, each phase
    set_value(page, "threshold", 50)
    wait_for(page, "return document.querySelector('#hub-table').dataset.threshold === '0.5'")
    after = hub_dates(page)
    assert after != before
    assert all(a[2] <= b[2] for a, b in zip(after, before) if a[2] and b[2])  # earlier at 50%
    figures = api(page, f"api/runs/{whatif_a['run']}?threshold=0.5")["figures"]
    hubs = figures["hubs"]
    expected = [[row["hub"], phase, row["p50_date"] or ""]
                for k in range(len(hubs["names"])) for phase in figures["phases"]
                for row in [hubs[phase][k]]]
    assert after == expected
    # No sideways scrolling at 1400 px: not the page, not the table.
    assert page.run("return window.innerWidth") == 1400
    widths = page.run("const t = document.getElementById('hub-table');"
                      "return [document.documentElement.scrollWidth, t.scrollWidth, t.parentNode.clientWidth]")
    assert widths[0] <= 1400 and widths[1] <= widths[2], widths
    assert "threshold=50" in page.run("return location.hash")
    set_value(page, "threshold", 75)
    wait_for(page, "return document.querySelector('#hub-table').dataset.threshold === '0.75'")


def test_two_what_ifs_compare_each_against_each(page, whatif_a, whatif_b):
    c = api(page, f"api/compare?a={whatif_a['run']}&b={whatif_b['run']}")
    assert c["paired"]
    wait_for(page, "return document.getElementById('compare-table') !== null")
    assert page.run("return [document.getElementById('pair-detail').dataset.a,"
                    " document.getElementById('pair-detail').dataset.b]") == [whatif_a["run"], whatif_b["run"]]
    rows = page.run("return [...document.querySelectorAll('#compare-table tbody tr')].map(r => {"
                    "const v = r.querySelectorAll('td.num'); return [r.dataset.measure,"
                    " Number(v[0].dataset.value), Number(v[1].dataset.low), Number(v[1].dataset.high),"
                    " Number(v[2].dataset.value), v[2].textContent]; })")
    assert [r[0] for r in rows] == [m["label"] for m in c["measures"]]
    for r, m in zip(rows, c["measures"]):
        assert r[1:5] == [m["median"], m["p5"], m["p95"], m["p_better"]]
        assert r[5] == f"{100 * m['p_better']:.0f}%"
    assert "common random numbers" in page.run("return document.getElementById('pair-detail').textContent")
    # A difference-over-time plot for each phase; the matrix cell is the first measure.
    assert page.run("return document.querySelectorAll('#pair-detail figure svg').length") == \
        len(c["difference"]["phases"])
    # The matrix shows the measure chosen (at first schools ever engaged at the end).
    at_end = next(m for m in c["measures"] if m["label"].startswith("schools ever engaged"))
    for m in (at_end, c["measures"][0]):
        assert page.run("return document.getElementById('matrix-measure').value") == m["label"]
        cell = page.run("return document.querySelector('#compare-matrix button.cell').textContent")
        assert f"P(better) {100 * m['p_better']:.0f}%" in cell
        set_value(page, "matrix-measure", c["measures"][0]["label"])
        wait_for(page, "return document.getElementById('matrix-measure').value === arguments[0]", 10,
                 c["measures"][0]["label"])
    # Incremental cost per extra school, as the API has it.
    inc = page.run("return [...document.querySelectorAll('#incremental-table td')].map(td => td.dataset.value)")
    x = c["incremental"]
    assert [float(v) if v else None for v in inc] == [x["extra_schools"], x["extra_cost"], x["cost_per_extra_school"]]
    # The runs are told apart by line style and letter, not colour alone.
    styles = page.run("return [...document.querySelectorAll('#engagement figure:first-of-type g.series')].map(g => "
                      "[g.dataset.letter, g.querySelector('polyline').getAttribute('stroke-dasharray'),"
                      " g.querySelector('text').textContent])")
    assert [s[0] for s in styles] == ["A", "B"] and styles[0][1] != styles[1][1]
    assert [s[2] for s in styles] == ["A", "B"]


def test_downloads_run_with_hubsim_run_and_give_the_pages_numbers(page, whatif_a, tmp_path):
    page.run("document.querySelector('.whatif[data-letter=A] button[aria-pressed]').click()")
    wait_for(page, "return document.querySelector('#headline .target') &&"
                   " document.querySelector('[data-which]').textContent.includes('A,')")
    shown = headline(page)
    links = page.run("return [...document.querySelectorAll('.whatif[data-letter=A] a.dl')].map(a => "
                     "[a.dataset.kind, a.getAttribute('href')])")
    assert [k for k, _ in links] == ["yaml", "h5", "report"]
    href = dict(links)
    yaml_text = fetch_text(page, href["yaml"])
    (tmp_path / "whatif.yaml").write_text(yaml_text)
    run_ok("run", "whatif.yaml", "-o", "mine.h5", "-q", "--threads", "2", cwd=tmp_path)
    with h5py.File(tmp_path / "mine.h5", "r") as f:
        days = f["summary/target_day"][()]
        met = ((days >= 0) & (days <= f["target_by_day"][()])).mean(axis=0)
        assert days.shape[0] == REPLICATIONS
    assert [v[0] for v in shown.values()] == pytest.approx(list(met), abs=1e-12)
    magic = page.run_async("const done = arguments[arguments.length - 1];"
                           "fetch(arguments[0]).then(r => r.arrayBuffer()).then(b => "
                           "done([...new Uint8Array(b.slice(0, 8))]));", href["h5"])
    assert bytes(magic) == b"\x89HDF\r\n\x1a\n"
    report = fetch_text(page, href["report"])
    assert report.lstrip().lower().startswith("<!doctype html")
    assert "england, Primary MS places 300" in report or "england__Primary_MS_places_300" in report


def test_a_what_ifs_address_restores_it_in_a_fresh_browser(page, whatif_a, whatif_b):
    page.run("document.querySelector('.whatif[data-letter=B] button[aria-pressed]').click()")
    url = wait_for(page, "return location.hash.includes('show=1') && location.href")
    assert "#w=" in url
    before = {c["letter"]: (c["label"], headline_of(page, c["letter"])) for c in cards(page)}
    with headless_chromium() as fresh:
        fresh.window(1400, 1000)
        open_studio(fresh, url)
        assert wait_finished(fresh, 2) == ["done", "done"]
        after = {c["letter"]: (c["label"], headline_of(fresh, c["letter"])) for c in cards(fresh)}
        # Same scenario, levers, seed and replications: the same numbers.
        assert after == before
        form = fresh.run("return [document.getElementById('scenario').value,"
                         f" document.getElementById('{PLACES}').value,"
                         " document.getElementById('lever-policy-priority').value,"
                         " document.getElementById('replications').value, document.getElementById('seed').value]")
        # The form holds the what-if shown (B).
        assert form == ["england.yaml", "300", "disadvantage", str(REPLICATIONS), "20140901"]
        assert fresh.run("return document.querySelector('.whatif.selected').dataset.letter") == "B"
        assert [e for e in fresh.console() if e["level"] in ("SEVERE", "WARNING")] == []


def rect(browser, css):
    return browser.run("const r = document.querySelector(arguments[0]).getBoundingClientRect();"
                       "return [r.left, r.top, r.right, r.bottom]", css)


def overlap(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize("width, height", [(1024, 768), (1920, 1080)])
def test_the_page_fits_other_widths(page, whatif_a, whatif_b, width, height):
    """At 1024 and 1920 px (windows of 1024x768 and 1920x1080, with two what-ifs kept): the
    headline's first row shows without scrolling, neither the page nor the hub table
    scrolls sideways, and nothing lies over the form."""
    page.window(width, height)
    try:
        wait_for(page, "return window.innerWidth === arguments[0]", 10, width)
        page.run("document.querySelector('.whatif[data-letter=A] button[aria-pressed]').click()")
        # The tables are drawn again for the new width (after a moment's wait for the resize).
        wait_for(page, "const t = document.getElementById('hub-table');"
                       "return t && t.scrollWidth <= t.parentNode.clientWidth"
                       " && document.documentElement.scrollWidth <= window.innerWidth", 10)
        page.run("window.scrollTo(0, 0)")
        inner = page.run("return [window.innerWidth, window.innerHeight]")
        first = rect(page, "#headline .target")
        assert 0 <= first[1] and first[3] <= inner[1], (first, inner)
        assert page.run("return window.scrollX") == 0
        form = rect(page, ".form-panel")
        assert page.run("const f = document.querySelector('.form-panel');"
                        "return f.scrollWidth <= f.clientWidth")  # nothing sticks out of it
        for css in ("header.top", ".jump", "#results > section:nth-of-type(1)", "#headline-panel",
                    "#hubs-panel", "#compare-panel"):
            assert not overlap(form, rect(page, css)), css
        # Every panel on the right lies right of the form, and within the window.
        panels = page.run("return [...document.querySelectorAll('#results > section')].map(p => {"
                          "const r = p.getBoundingClientRect(); return [r.left, r.right]; })")
        assert all(form[2] <= left and right <= inner[0] for left, right in panels), panels
    finally:
        page.window(1400, 1000)
        wait_for(page, "return window.innerWidth === 1400", 10)


def headline_of(browser, letter):
    return browser.run("return [...document.querySelectorAll(`.whatif[data-letter=${arguments[0]}] .mini-targets strong`)]"
                       ".map(s => Number(s.dataset.value))", letter)


def test_an_invalid_upload_shows_line_column_and_key_inline(page, studio, tmp_path):
    text = "base: tiny.yaml\ndemand: {peer: 0.2}\npolicy: {new_share: 1.5}\n"
    bad = tmp_path / "mine.yaml"
    bad.write_text(text)
    page.click("#source-upload")
    assert page.run("return document.getElementById('lever-sections').hidden") is True
    page.type("#upload-file", str(bad), clear=False)
    wait_for(page, "return !document.getElementById('upload-errors').hidden")
    shown = page.run("return [...document.querySelectorAll('#upload-errors .diagnostic')].map(d => "
                     "[Number(d.dataset.line), Number(d.dataset.column), d.dataset.key,"
                     " d.querySelector('.message').textContent, d.textContent])")
    _, body, _ = studio.post("api/validate", {"yaml": text})
    expected = body["diagnostics"]
    assert len(shown) == len(expected) == 2
    for s, d in zip(shown, expected):
        assert s[:4] == [d["line"], d["column"], d["key"], d["message"]]
        assert f"line {d['line']}, column {d['column']}" in s[4] and d["key"] in s[4]
    assert any("did you mean 'p'" in s[3] for s in shown)
    # The browser logs the 422 answer to the bad file, and nothing else.
    assert [e["message"].split(" - ")[0].split("/")[-1] for e in page.console()
            if e["level"] in ("SEVERE", "WARNING")] == ["uploads"]
    # A good file is taken, and runs (named by its name, as a shipped scenario is).
    good = tmp_path / "good.yaml"
    good.write_text((REPO / "scenarios" / "tiny.yaml").read_text().replace("name: tiny", "name: mine"))
    page.type("#upload-file", str(good), clear=False)
    wait_for(page, "return document.getElementById('upload-errors').hidden &&"
                   " document.getElementById('upload-status').textContent.includes('valid')")
    n = len(cards(page))
    page.click("#run")
    wait_finished(page, n + 1)
    assert cards(page)[-1]["label"] == "mine, as it is" and cards(page)[-1]["state"] == "done"
    # tiny starts on another date than England: no comparison is asked for, and it says so.
    wait_for(page, "return [...document.querySelectorAll('#compare-matrix td.none')]"
                   ".some(td => td.textContent === 'not comparable')")
    page.run("document.querySelector('.whatif:last-child button[aria-label^=Remove]').click()")
    page.click("#source-shipped")


def upload_file(browser, path):
    """Chooses a file in the upload box and waits for the page to take it."""
    browser.click("#source-upload")
    browser.type("#upload-file", str(path), clear=False)
    wait_for(browser, "return document.getElementById('upload-errors').hidden &&"
                      " document.getElementById('upload-status').textContent.includes('valid') &&"
                      " !document.getElementById('lever-sections').hidden && S.levers &&"
                      " S.levers.name === arguments[0]", 60, "my england")


MY_ENGLAND = "base: england.yaml\nname: my england\nseed: 5\nreplications: 16\npolicy: {new_share: 0.4}\n"


def test_levers_on_an_upload_start_at_its_values_run_and_download(page, studio, tmp_path):
    """An upload of England's variant: its levers start at its values, a lever and a hub
    changed on it run, the downloaded YAML gives the page's headline with `hubsim run`,
    and its address restores it (upload and changes) in a fresh browser."""
    mine = tmp_path / "mine.yaml"
    mine.write_text(MY_ENGLAND)
    upload_file(page, mine)
    assert page.run("return [document.getElementById('lever-policy-new-share').value,"
                    " document.getElementById('replications').value, document.getElementById('seed').value,"
                    f" document.getElementById('{PLACES}').value]") == ["0.4", "16", "5", "140"]
    page.click("#add-hub")
    hub = page.run("return document.querySelector('#hub-changes select').id.split('-')[1]")
    assert len(page.run(f"return [...document.getElementById('hub-{hub}').options]")) == 40
    set_value(page, f"hub-{hub}", "Central")
    set_value(page, f"hub-cap-{hub}", "1.5")
    set_value(page, PLACES, 300)
    spec = page.run("return specFromForm()")
    assert spec["upload"] and spec["replications"] == 16 and spec["seed"] == 5
    assert spec["changes"] == {"set": {"llme.primary_mastery_specialist.training_places": 300},
                               "hubs": {"Central": {"capacity_factor": 1.5}}}
    assert spec["label"] == "my england, Primary MS places 300, Central ×1.5"
    n = len(cards(page))
    page.click("#run")
    assert wait_finished(page, n + 1)[-1] == "done"
    last = cards(page)[-1]
    wait_for(page, "return document.querySelector('[data-which]').textContent.includes(arguments[0])",
             10, last["label"])
    shown = headline(page)
    yaml_text = fetch_text(page, f"api/runs/{last['run']}/scenario.yaml")
    assert "new_share: 0.4" in yaml_text
    (tmp_path / "whatif.yaml").write_text(yaml_text)
    run_ok("run", "whatif.yaml", "-o", "mine.h5", "-q", "--threads", "2", cwd=tmp_path)
    with h5py.File(tmp_path / "mine.h5", "r") as f:
        days = f["summary/target_day"][()]
        met = ((days >= 0) & (days <= f["target_by_day"][()])).mean(axis=0)
        assert days.shape[0] == 16
    assert [v[0] for v in shown.values()] == pytest.approx(list(met), abs=1e-12)
    # The address names the upload and its changes; a fresh browser gets the same.
    url = wait_for(page, "return location.hash.includes(arguments[0]) && location.href", 10, spec["upload"])
    before = headline_of(page, last["letter"])
    with headless_chromium() as fresh:
        fresh.window(1400, 1000)
        open_studio(fresh, url)
        wait_finished(fresh, n + 1)
        assert headline_of(fresh, last["letter"]) == before
        fresh.run("document.querySelector(`.whatif[data-letter=${arguments[0]}] button.small.quiet`).click()",
                  last["letter"])  # Edit: the form holds it
        wait_for(fresh, f"return document.getElementById('{PLACES}').value === '300'", 30)
        assert fresh.run("return [document.getElementById('source-upload').checked,"
                         " document.getElementById('lever-policy-new-share').value,"
                         " document.querySelector('#hub-changes select').value,"
                         " document.querySelector('#hub-changes input[type=number]').value]") == \
            [True, "0.4", "Central", "1.5"]
    page.run("document.querySelector('.whatif:last-child button[aria-label^=Remove]').click()")
    wait_for(page, "return document.querySelectorAll('.whatif').length === arguments[0]", 10, n)
    page.click("#source-shipped")
    wait_for(page, "return S.levers.name === 'england' && !document.getElementById('lever-sections').hidden")


def test_an_address_naming_a_gone_upload_says_so(studio):
    spec = json.dumps({"upload": "0" * 24, "replications": 5, "seed": 1})
    with headless_chromium() as fresh:
        fresh.window(1400, 1000)
        open_studio(fresh, studio.url + "#w=" + urllib.parse.quote(spec))
        status = wait_for(fresh, "const s = document.getElementById('upload-status');"
                                 "return s.dataset.gone === 'true' && s.textContent", 30)
        assert "gone" in status and "the last 256 uploads" in status and "Upload the file again" in status
        assert fresh.run("return [document.getElementById('source-upload').checked,"
                         " document.getElementById('lever-sections').hidden]") == [True, True]
        error = wait_for(fresh, "return document.getElementById('whatif-errors').textContent", 30)
        assert "keeps the last 256" in error
        assert fresh.run("return document.querySelectorAll('.whatif').length") == 0


def test_another_parameter_changes_the_composed_yaml_and_the_run(page, schema):
    """Any declared parameter can be found by its key, added (its field built from the
    schema, starting at the scenario's value), and changed: by hand (tiny), a leader's 24
    days a year instead of 12 engage all twelve schools, not six."""
    set_value(page, "scenario", "tiny.yaml")
    wait_for(page, "return S.levers && S.levers.name === 'tiny'")
    # With no search, every parameter the schema declares that is not a lever is listed.
    set_value(page, "other-search", "")
    listed = page.run("return [...document.querySelectorAll('#other-list option')].map(o => o.value)")
    settable = resolve(schema, schema["properties"]["set"])["properties"]
    levers = {l["key"] for l in api(page, "api/levers?scenario=tiny.yaml")["levers"]}
    expected = [k for k in settable if k not in levers and
                ("enum" in declared(schema, k) or declared(schema, k).get("type") in ("boolean", "integer", "number"))]
    assert listed == expected and len(listed) > 100
    key = "llme.secondary_mastery_specialist.days"
    page.type("#other-search", "secondary_mastery_specialist.da")
    assert key in page.run("return [...document.querySelectorAll('#other-list option')].map(o => o.value)")
    set_value(page, "other-list", key)
    assert declared(schema, key)["description"].split(" [")[0] in page.run(
        "return document.getElementById('other-about').textContent")
    page.click("#add-other")
    field = "other-llme-secondary-mastery-specialist-days"
    shown = field_shown(page, "#" + field)
    assert_built_from(declared(schema, key), shown)
    assert shown[1] == "12"  # tiny's value
    set_value(page, field, 24)
    set_value(page, "replications", 2)
    spec = page.run("return specFromForm()")
    assert spec["changes"] == {"set": {key: 24}}
    wait_for(page, "return document.getElementById('yaml-preview').textContent.includes(arguments[0])",
             10, '"llme.secondary_mastery_specialist.days":24')
    n = len(cards(page))
    page.click("#run")
    assert wait_finished(page, n + 1)[-1] == "done"
    figures = api(page, f"api/runs/{cards(page)[-1]['run']}")["figures"]
    assert figures["engagement"]["secondary"]["p50"][-1] == 1.0  # 0.5 as tiny is
    page.run("document.querySelector('.whatif:last-child button[aria-label^=Remove]').click()")
    wait_for(page, "return document.querySelectorAll('.whatif').length === arguments[0]", 10, n)
    set_value(page, "scenario", "england.yaml")
    wait_for(page, "return S.levers.name === 'england' && !document.querySelector('#others .row-box')")


def test_the_screenshot_script_runs(tmp_path):
    """tools/studio_screenshot.py, which makes docs/studio.png, on fewer replications."""
    out = tmp_path / "studio.png"
    proc = subprocess.run(["/usr/bin/python3", str(REPO / "tools" / "studio_screenshot.py"), "-o", str(out),
                           "--hubsim", str(HUBSIM), "--replications", "5"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    png = out.read_bytes()
    assert png.startswith(b"\x89PNG") and struct.unpack(">II", png[16:24])[0] == 1400
    assert struct.unpack(">II", png[16:24])[1] > 3000  # the whole page, the comparison included


def test_no_console_problems_after_all_of_it(page):
    assert [e["message"] for e in page.console() if e["level"] in ("SEVERE", "WARNING")] == []
