"""`hubsim serve`, the what-if studio, spoken to over HTTP as its page speaks to it.

A real server on a free port of this machine, on a copy of the shipped scenarios. Its numbers
are checked against `hubsim run` on the scenario it lets a planner download (same seed,
same replications), and each safety promise of docs/studio.md is tried: localhost only
unless a token; the token; bodies capped; a bounded queue per browser; uploads that name a
file outside the folder refused, without quoting any file; JSON errors with 4xx statuses.
"""

import http.cookiejar
import json
import os
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request

import h5py
import numpy as np
import pytest

from conftest import HUBSIM, REPO, labels, run_hubsim, run_ok


class Studio:
    """A running `hubsim serve` and a browser session (its cookies) talking to it."""

    def __init__(self, folder, *args):
        self.proc = subprocess.Popen(
            [str(HUBSIM), "serve", "--port", "0", "--scenarios", str(folder), "--threads", "2",
             *map(str, args)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        first = self.proc.stdout.readline().strip()
        assert first.startswith("hubsim serve: http://"), first + self.proc.stderr.read()
        self.url = first.split(": ", 1)[1]
        self.base = self.url.split("?")[0]
        self.session()

    def session(self):
        """A fresh browser session: its own cookies."""
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        return self

    def request(self, method, path, body=None, headers=None, raw=False):
        data = None
        h = dict(headers or {})
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            h.setdefault("Content-Type", "application/json")
        req = urllib.request.Request(self.base + path.lstrip("/"), data=data, method=method,
                                     headers=h)
        try:
            with self.opener.open(req, timeout=120) as res:
                content = res.read()
                return res.status, (content if raw else json.loads(content or b"null")), res.headers
        except urllib.error.HTTPError as e:
            content = e.read()
            return e.code, (content if raw else json.loads(content or b"null")), e.headers

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body, **kw):
        return self.request("POST", path, body, **kw)

    def wait(self, run_id, query=""):
        """Polls a run until it stops; returns its last status."""
        for _ in range(1200):
            status, body, _ = self.get(f"api/runs/{run_id}{query}")
            assert status == 200, body
            if body["state"] not in ("queued", "running"):
                return body
            time.sleep(0.1)
        raise AssertionError(f"run {run_id} did not finish")

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """A copy of the shipped scenarios, with a link in it to a file outside it."""
    f = tmp_path_factory.mktemp("studio") / "scenarios"
    shutil.copytree(REPO / "scenarios", f)
    (f / "outside.yaml").symlink_to("/etc/passwd")
    return f


@pytest.fixture(scope="module")
def studio(folder):
    s = Studio(folder)
    yield s
    s.stop()
    assert s.proc.returncode == 0, s.proc.stderr.read()


def test_listens_on_this_machine_only_by_default(studio):
    assert studio.url.startswith("http://127.0.0.1:")
    status, info, headers = studio.get("api/info")
    assert status == 200 and info["threshold"] == 0.75
    assert info["limits"]["max_runs_per_client"] == 2
    assert "default-src 'self'" in headers["Content-Security-Policy"]


def test_offers_every_shipped_scenario_and_nothing_else(studio):
    status, listed, _ = studio.get("api/scenarios")
    assert status == 200
    names = {s["name"] for s in listed}
    assert {"england.yaml", "tiny.yaml", "england_more_training.yaml",
            "decisions/england_2030.yaml"} <= names
    # Sweeps, studies, calibrations and the link to a file outside are not scenarios here.
    assert not names & {"sweeps/training_places.yaml", "calibration/england.yaml", "outside.yaml"}
    england = next(s for s in listed if s["name"] == "england.yaml")
    assert england["hubs"] == 40 and england["parameters"] == "drawn"
    assert "primary 75% by 2025-08-31" in england["targets"]


def test_page_and_assets_come_from_the_binary(studio):
    status, page, headers = studio.get("", raw=True)
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert b"studio.js" in page
    status, _, headers = studio.get("studio.js", raw=True)
    assert status == 200 and headers["Content-Type"].startswith("text/javascript")
    status, body, _ = studio.get("../../etc/passwd")
    assert status == 404 and "root:" not in json.dumps(body)


def test_levers_carry_the_scenarios_values(studio):
    status, body, _ = studio.get("api/levers?scenario=england.yaml")
    assert status == 200
    levers = {l["key"]: l for l in body["levers"]}
    places = levers["llme.primary_mastery_specialist.training_places"]
    assert places["kind"] == "whole" and places["min"] == 0 and places["value"] > 0
    assert levers["policy.place_sharing"]["choices"] == ["round_robin", "by_size", "by_need"]
    assert len(body["hubs"]) == 40 and body["hubs"][0]["opens"].count("-") == 2


def test_levers_declare_their_step_and_whether_a_timeline_event_may_change_them(studio):
    """What the page's form enforces: whole numbers step by one, ranges are the declared
    ones, and an event is offered only for a lever the loader lets a timeline change."""
    status, body, _ = studio.get("api/levers?scenario=tiny.yaml")
    assert status == 200
    levers = {l["key"]: l for l in body["levers"]}
    assert levers["llme.secondary_mastery_specialist.training_places"]["step"] == 1
    assert "step" not in levers["policy.new_share"] and levers["policy.new_share"]["max"] == 1
    for l in body["levers"]:
        value = l["choices"][-1] if l["kind"] == "choice" else l.get("max", l["min"] + 1)
        event = {"date": "2016-09-01", "set": {l["key"]: value}}
        status, reply, _ = studio.post("api/validate", {"scenario": "tiny.yaml",
                                                        "changes": {"events": [event]}})
        assert (status == 200) == l["yearly"], (l["key"], reply)
    hub = {h["key"]: h for h in body["hub_levers"]}
    assert hub["capacity_factor"]["min"] == 0 and hub["capacity_factor"]["max"] == 100
    assert hub["opens"]["kind"] == "date" and hub["opens"]["max"] == "2019-08-31"
    for factor, ok in ((100, True), (100.5, False)):
        status, reply, _ = studio.post("api/validate", {"scenario": "tiny.yaml", "changes": {
            "hubs": {"Alpha": {"capacity_factor": factor}}}})
        assert (status == 200) == ok, reply
    status, reply, _ = studio.post("api/validate", {"scenario": "tiny.yaml", "changes": {
        "hubs": {"Beta": {"capacity_factor": 2}}}})
    assert status == 422 and "no hub named 'Beta'" in reply["error"]


def test_a_hub_change_works_on_a_scenario_that_lists_its_hubs(studio):
    """tiny lists its hub in the file: the what-if repeats the list with the change (a
    variant's list replaces its base's). By hand: twice the capacity is two groups of six a
    year, so all twelve schools are engaged, not six."""
    whatif = {"scenario": "tiny.yaml", "replications": 1,
              "changes": {"hubs": {"Alpha": {"capacity_factor": 2}}}}
    status, body, _ = studio.post("api/validate", whatif)
    assert status == 200 and "capacity_factor: 2" in body["yaml"]
    assert "secondary_mastery_specialist: 1" in body["yaml"]  # the rest of the hub kept
    _, done = run_whatif(studio, whatif)
    assert done["figures"]["engagement"]["secondary"]["p50"][-1] == 1.0
    _, base = run_whatif(studio, {"scenario": "tiny.yaml", "replications": 1})
    assert base["figures"]["engagement"]["secondary"]["p50"][-1] == 0.5


def test_targets_carry_their_phase_and_value(studio):
    _, done = run_whatif(studio, {"scenario": "tiny.yaml", "replications": 1})
    (target,) = done["figures"]["targets"]
    assert target == {**target, "label": "secondary 50% by 2018-08-31", "measure": "engaged_share",
                      "phase": "secondary", "value": 0.5, "by": "2018-08-31"}


def figures_from_file(h5, threshold=0.75):
    """What the studio shows, computed here from a run's HDF5 file."""
    with h5py.File(h5, "r") as f:
        engaged = f["trajectories/engaged"][()].astype(float)  # rep, time, hub, phase
        schools = f["hub_schools"][()].astype(float)  # hub, phase
        share = engaged.sum(axis=2) / schools.sum(axis=0)
        days = f["summary/target_day"][()]
        by = f["target_by_day"][()]
        met = ((days >= 0) & (days <= by)).mean(axis=0)
        return dict(phases=labels(f["phase"]), share=share, met=met,
                    cost=f["summary/cost"][()].sum(axis=(1, 2)))


def run_whatif(studio, whatif):
    status, started, _ = studio.post("api/runs", whatif)
    assert status == 202, started
    done = studio.wait(started["id"])
    assert done["state"] == "done" and done["done"] == done["total"], done
    return started["id"], done


def test_numbers_equal_hubsim_run_on_the_downloaded_scenario(studio, tmp_path):
    whatif = {"scenario": "england.yaml", "replications": 12, "label": "more primary MS",
              "changes": {"set": {"llme.primary_mastery_specialist.training_places": 420},
                          "from": "2026-09-01"}}
    run_id, done = run_whatif(studio, whatif)
    fig = done["figures"]
    assert fig["replications"] == 12 and "posterior" in fig["uncertainty"]
    status, yaml_text, headers = studio.get(f"api/runs/{run_id}/scenario.yaml", raw=True)
    assert status == 200 and "attachment" in headers["Content-Disposition"]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "whatif.yaml").write_bytes(yaml_text)
    run_ok("run", "whatif.yaml", "-o", "mine.h5", "-q", "--threads", "2", cwd=elsewhere)
    ours = figures_from_file(elsewhere / "mine.h5")
    for k, t in enumerate(fig["targets"]):
        assert t["p_met"] == pytest.approx(ours["met"][k], abs=1e-12), t["label"]
    for c, phase in enumerate(ours["phases"]):
        for q, name in ((5, "p5"), (50, "p50"), (95, "p95")):
            np.testing.assert_allclose(fig["engagement"][phase][name],
                                       np.percentile(ours["share"][:, :, c], q, axis=0),
                                       atol=1e-12, err_msg=f"{phase} {name}")
    assert fig["cost"]["total"]["p50"] == pytest.approx(np.median(ours["cost"]))
    # The file the studio offers holds the same trajectories as that run.
    status, h5_bytes, _ = studio.get(f"api/runs/{run_id}/run.h5", raw=True)
    assert status == 200
    (tmp_path / "studio.h5").write_bytes(h5_bytes)
    with h5py.File(tmp_path / "studio.h5", "r") as a, h5py.File(elsewhere / "mine.h5", "r") as b:
        for name in ("engaged", "llme", "waiting", "stage_counts"):
            np.testing.assert_array_equal(a["trajectories"][name][()], b["trajectories"][name][()])
    status, page, headers = studio.get(f"api/runs/{run_id}/report", raw=True)
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert b"more primary MS" in page or b"more_primary_MS" in page


def test_what_ifs_compare_paired_with_common_random_numbers(studio):
    base, _ = run_whatif(studio, {"scenario": "tiny.yaml", "replications": 5, "label": "base"})
    more, _ = run_whatif(studio, {"scenario": "tiny.yaml", "replications": 5, "label": "more",
                                  "changes": {"set": {
                                      "llme.secondary_mastery_specialist.days": 24}}})
    status, c, _ = studio.get(f"api/compare?a={base}&b={more}")
    assert status == 200 and c["paired"] and "common random numbers" in c["note"]
    # By hand (tests/validation): one leader of 12 days leads one group of six a year, so
    # half of tiny's twelve schools are ever engaged; with 24 days, two groups: all twelve.
    end = next(m for m in c["measures"] if "the end" in m["label"])
    assert end["median"] == pytest.approx(0.5) and end["p_better"] == 1.0
    cost = next(m for m in c["measures"] if m["label"].startswith("cost"))
    assert cost["better"] == "lower" and cost["median"] > 0 and cost["p_worse"] == 1.0
    assert c["difference"]["phases"]["secondary"]["p50"][-1] == pytest.approx(0.5)
    # Six more schools for the second group's cost: GBP 2,000 a year for a work group, plus
    # 12 more leader days at GBP 250 each, over tiny's years.
    extra = c["incremental"]
    assert extra["extra_schools"] == 6
    assert extra["cost_per_extra_school"] == pytest.approx(extra["extra_cost"] / 6)


def test_levers_can_change_by_year(studio):
    whatif = {"scenario": "tiny.yaml", "replications": 2, "changes": {"events": [
        {"date": "2015-09-01", "until": "2016-08-31",
         "set": {"llme.secondary_mastery_specialist.days": 24}},
        {"date": "2017-09-01", "set": {"policy.place_sharing": "by_need"}}]}}
    status, body, _ = studio.post("api/validate", whatif)
    assert status == 200, body
    assert "until: 2016-08-31" in body["yaml"] and '"by_need"' in body["yaml"]
    whatif["changes"]["events"][0]["date"] = "2015-13-01"
    status, body, _ = studio.post("api/validate", whatif)
    assert status == 422 and "changes.events[0].date" in body["error"]


def test_an_upload_is_kept_so_that_an_address_can_name_it(studio):
    text = (REPO / "scenarios" / "tiny.yaml").read_text().replace("name: tiny", "name: mine")
    status, kept, _ = studio.post("api/uploads", {"yaml": text})
    assert status == 201 and kept["name"] == "mine"
    # Another browser, given the address, gets the same upload and can run it.
    other = Studio.__new__(Studio)
    other.base, other.proc = studio.base, studio.proc
    other.session()
    status, body, _ = other.get(f"api/uploads/{kept['id']}")
    assert status == 200 and body["text"] == text
    run_id, done = run_whatif(other, {"upload": kept["id"]})
    assert done["label"] == "mine" and done["total"] == 1  # its own replications
    status, body, _ = studio.post("api/runs", {"upload": "0" * 24})
    assert status == 422 and "keeps the last" in body["error"]
    # A bad upload is not kept.
    status, body, _ = studio.post("api/uploads", {"yaml": "base: /etc/passwd\n"})
    assert status == 422 and "outside" in body["error"]


def upload(studio, text):
    status, kept, _ = studio.post("api/uploads", {"yaml": text})
    assert status == 201, kept
    return kept["id"]


MINE = (REPO / "scenarios" / "tiny.yaml").read_text().replace("name: tiny", "name: mine") \
    .replace("seed: 7", "seed: 11").replace("new_share: 0,", "new_share: 0.25,")


def test_levers_of_an_upload_carry_its_values(studio):
    assert "seed: 11" in MINE and "new_share: 0.25," in MINE  # tiny is as this test expects
    status, body, _ = studio.get(f"api/levers?upload={upload(studio, MINE)}")
    assert status == 200
    levers = {l["key"]: l for l in body["levers"]}
    assert levers["policy.new_share"]["value"] == 0.25
    assert levers["policy.priority"]["value"] == "waiting_time"
    assert body["name"] == "mine" and body["seed"] == 11 and body["replications"] == 1
    assert [h["name"] for h in body["hubs"]] == ["Alpha"] and body["end"] == "2019-08-31"
    # Every declared parameter's value, for the page's other parameters.
    assert body["parameters"]["llme.secondary_mastery_specialist.days"] == 12
    assert body["parameters"]["policy.spill"] is True
    status, body, _ = studio.get("api/levers?upload=" + "0" * 24)
    assert status == 404 and "keeps the last 256" in body["error"]


def test_a_lever_change_on_an_upload_changes_the_result(studio, tmp_path):
    """By hand (tiny): one leader of 12 days engages half the twelve schools; 24 days, or
    the hub's capacity doubled, all twelve. The changes are laid over the upload's own
    text (its seed and new share kept), and the download runs with `hubsim run`."""
    kept = upload(studio, MINE)
    _, as_it_is = run_whatif(studio, {"upload": kept})
    assert as_it_is["figures"]["engagement"]["secondary"]["p50"][-1] == 0.5
    for changes in ({"set": {"llme.secondary_mastery_specialist.days": 24}},
                    {"hubs": {"Alpha": {"capacity_factor": 2}}}):
        whatif = {"upload": kept, "replications": 2, "label": "mine, more", "changes": changes}
        status, body, _ = studio.post("api/validate", whatif)
        assert status == 200, body
        assert "seed: 11" in body["yaml"] and "new_share: 0.25" in body["yaml"]
        run_id, done = run_whatif(studio, whatif)
        assert done["total"] == 2 and done["label"] == "mine, more"
        assert done["figures"]["engagement"]["secondary"]["p50"][-1] == 1.0
    status, yaml_text, _ = studio.get(f"api/runs/{run_id}/scenario.yaml", raw=True)
    (tmp_path / "whatif.yaml").write_bytes(yaml_text)
    run_ok("run", "whatif.yaml", "-o", "mine.h5", "-q", "--threads", "2", cwd=tmp_path)
    ours = figures_from_file(tmp_path / "mine.h5")
    assert ours["share"][:, -1, ours["phases"].index("secondary")].tolist() == [1.0, 1.0]
    status, body, _ = studio.post("api/validate", {"upload": kept, "changes": {
        "hubs": {"Beta": {"capacity_factor": 2}}}})
    assert status == 422 and "the upload has no hub named 'Beta'" in body["error"]


def test_a_hub_change_on_an_upload_finds_the_hubs_its_base_lists(studio):
    """An upload `base: tiny.yaml` lists no hubs: the change is made to its base's list."""
    kept = upload(studio, "base: tiny.yaml\nname: mine\n")
    whatif = {"upload": kept, "replications": 1, "changes": {"hubs": {"Alpha": {"capacity_factor": 2}}}}
    status, body, _ = studio.post("api/validate", whatif)
    assert status == 200 and "base: tiny.yaml" in body["yaml"], body
    assert "capacity_factor: 2" in body["yaml"] and "secondary_mastery_specialist: 1" in body["yaml"]
    _, done = run_whatif(studio, whatif)
    assert done["figures"]["engagement"]["secondary"]["p50"][-1] == 1.0


@pytest.mark.parametrize("whatif", [
    {"changes": {"set": {"base": "/etc/passwd"}}},
    {"changes": {"set": {"llme.secondary_mastery_specialist.days": 24}}, "yaml": "base: /etc/passwd\n"},
    {"changes": {"hubs": {"/etc/passwd": {"capacity_factor": 2}}}},
    {"label": "x\nbase: /etc/passwd", "changes": {"set": {"demand.p": 1}}},
    {"replications": 10 ** 9},
])
def test_a_composed_upload_still_reads_nothing_outside_the_folder(studio, whatif):
    kept = upload(studio, "base: tiny.yaml\nname: mine\n")
    for path in ("api/validate", "api/runs"):
        status, body, _ = studio.post(path, {"upload": kept, **whatif})
        text = json.dumps(body)
        assert "root:" not in text
        if status == 200:  # the label is a name, quoted: nothing but tiny is read
            assert body["yaml"].count("base:") == 1 and "base: tiny.yaml" in body["yaml"]
        else:
            assert status == 422 and body["error"], body
    for text in ("base: /etc/passwd\n", "base: outside.yaml\n", "base: tiny.yaml\nschools: {file: /etc/passwd}\n"):
        status, body, _ = studio.post("api/validate", {"yaml": text, "replications": 1,
                                                       "changes": {"set": {"demand.p": 1}}})
        assert status == 422 and "outside the studio's scenarios folder" in body["error"]
        assert "root:" not in json.dumps(body)


def test_an_upload_too_old_is_gone_and_says_so(folder):
    s = Studio(folder, "--max-uploads", 1)
    try:
        first, second = upload(s, MINE), upload(s, MINE)
        assert s.get("api/info")[1]["limits"]["max_uploads"] == 1
        status, body, _ = s.get(f"api/levers?upload={first}")
        assert status == 404 and "keeps the last 1 uploads" in body["error"]
        status, body, _ = s.post("api/runs", {"upload": first, "changes": {}})
        assert status == 422 and "keeps the last 1 uploads" in body["error"]
        assert s.get(f"api/levers?upload={second}")[0] == 200
    finally:
        s.stop()


def test_the_schema_is_what_hubsim_schema_prints(studio):
    status, text, headers = studio.get("api/schema", raw=True)
    assert status == 200 and headers["Content-Type"] == "application/json"
    assert text.decode() == run_ok("schema").stdout


def test_validation_errors_are_the_loaders(studio, folder):
    text = "base: tiny.yaml\ndemand: {peer: 0.2}\npolicy: {new_share: 1.5}\n"
    status, body, _ = studio.post("api/validate", {"yaml": text})
    assert status == 422 and body["ok"] is False
    # The same text as a file in the folder: `hubsim validate` says the same, line for line.
    (folder / "uploaded.yaml").write_text(text)
    try:
        proc = run_hubsim("validate", folder / "uploaded.yaml")
    finally:
        (folder / "uploaded.yaml").unlink()
    assert proc.returncode == 2
    theirs = [l for l in proc.stderr.splitlines() if ": error: " in l]
    ours = [f"{d['line']}:{d['column']}: error: {d['key']}: {d['message']}"
            for d in body["diagnostics"]]
    assert len(theirs) == len(ours) == 2
    for t, o in zip(theirs, ours):
        assert t.endswith(o), (t, o)
    assert any("did you mean 'p'" in d["message"] for d in body["diagnostics"])


@pytest.mark.parametrize("text", [
    "base: /etc/passwd\n",
    "base: ../../../../../../etc/passwd\n",
    "base: outside.yaml\n",  # a link in the folder to a file outside it
    "base: tiny.yaml\nschools: {file: /etc/passwd}\n",
    "base: tiny.yaml\nschools: [{file: ../../../../../../etc/passwd}]\n",
    "base: tiny.yaml\nposterior: {file: /etc/passwd}\n",
    "base: tiny.yaml\nhubs: {file: /etc/passwd}\n",
    "base: {file: /etc/passwd}\n",
])
def test_an_upload_reads_nothing_outside_the_folder(studio, text):
    for path in ("api/validate", "api/runs"):
        status, body, _ = studio.post(path, {"yaml": text})
        assert status == 422, body
        assert "outside the studio's scenarios folder" in body["error"] or body.get("diagnostics")
        assert "root:" not in json.dumps(body)


def test_no_message_quotes_a_file_that_is_not_a_scenario(studio):
    status, body, _ = studio.post("api/validate", {"yaml": "base: england/schools.csv\n"})
    assert status == 422
    message = json.dumps(body)
    assert "urn," not in message and "London" not in message
    assert "is it a YAML file" in message


@pytest.mark.parametrize("request_, status_", [
    (("POST", "api/runs", b'{"scenario": "tiny.yaml"}', {"Content-Type": "text/plain"}), 422),
    (("POST", "api/runs", b"not json", None), 422),
    (("POST", "api/runs", {"scenario": "nowhere.yaml"}, None), 422),
    (("POST", "api/runs", {"scenario": "tiny.yaml", "replications": 10 ** 9}, None), 422),
    (("POST", "api/runs", {"scenario": "tiny.yaml", "changes": {"set": {"demand.peer": 1}}},
      None), 422),
    (("POST", "api/runs", {"scenario": "tiny.yaml", "changes": {"set": {"demand.p": -1}}},
      None), 422),
    (("GET", "api/runs/000000000000000000000000", None, None), 404),
    (("GET", "api/nothing", None, None), 404),
    (("GET", "api/levers?scenario=../../etc/passwd", None, None), 404),
])
def test_bad_requests_get_json_errors(studio, request_, status_):
    method, path, body, headers = request_
    status, reply, _ = studio.request(method, path, body, headers)
    assert status == status_ and reply["error"], reply


def test_bodies_are_capped(studio):
    status, body, _ = studio.post("api/validate", b"{" + b" " * (2 << 20) + b"}")
    assert status == 413 and "larger than" in body["error"]


def test_runs_queue_is_bounded_per_browser_and_runs_cancel(studio):
    big = {"scenario": "england.yaml", "replications": 2000}
    ids = []
    for _ in range(2):
        status, body, _ = studio.post("api/runs", big)
        assert status == 202, body
        ids.append(body["id"])
    status, body, _ = studio.post("api/runs", big)
    assert status == 429 and "cancel one" in body["error"]
    # Another browser has its own allowance, and cannot see these runs.
    other = Studio.__new__(Studio)
    other.base, other.proc = studio.base, studio.proc
    other.session()
    assert other.get(f"api/runs/{ids[0]}")[0] == 404
    assert other.get("api/runs")[1] == []
    for run_id in ids:
        status, body, _ = studio.request("DELETE", f"api/runs/{run_id}")
        assert status == 200 and body["state"] == "cancelled"
    for run_id in ids:
        last = studio.wait(run_id)
        assert last["state"] == "cancelled" and last["done"] < last["total"]


def test_another_host_name_is_refused_without_a_token(studio):
    status, body, _ = studio.get("api/info", headers={"Host": "attacker.example:80"})
    assert status == 403 and "this machine only" in body["error"]


def test_any_other_address_needs_the_token(folder):
    s = Studio(folder, "--bind", "0.0.0.0")
    try:
        assert "?token=" in s.url
        token = s.url.split("?token=")[1]
        s.base = s.base.replace("0.0.0.0", "127.0.0.1")
        status, body, _ = s.get("api/info")
        assert status == 401 and "token" in body["error"]
        assert s.get("api/info", headers={"Authorization": "Bearer wrong" + token})[0] == 401
        assert s.get("api/info", headers={"Authorization": "Bearer " + token})[0] == 200
        # Opening the printed address sets a cookie: the page's own requests then pass.
        assert s.get("?token=" + token, raw=True)[0] == 200
        assert s.get("api/scenarios")[0] == 200
    finally:
        s.stop()


def test_a_short_token_or_a_bad_folder_is_refused():
    proc = run_hubsim("serve", "--port", "0", "--token", "short")
    assert proc.returncode == 2 and "at least 16" in proc.stderr
    proc = run_hubsim("serve", "--port", "0", "--scenarios", "/nonexistent")
    assert proc.returncode == 2 and "not a folder" in proc.stderr


def test_it_stops_at_once_with_a_browsers_idle_connection_open(folder):
    """A browser keeps connections open between requests: SIGTERM (or Ctrl-C) must not wait
    for them to time out (30 s)."""
    import http.client
    s = Studio(folder)
    host, port = s.base.split("//")[1].rstrip("/").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        conn.request("GET", "/api/info")
        assert conn.getresponse().read() and conn.sock is not None  # kept open
        start = time.monotonic()
        s.proc.send_signal(signal.SIGTERM)
        s.proc.wait(timeout=5)
        assert s.proc.returncode == 0 and time.monotonic() - start < 3
    finally:
        conn.close()
        if s.proc.poll() is None:
            s.proc.kill()
