"""The benchmark tools run and report figures (their values are measured, never asserted)."""

import json
import os
import subprocess
from pathlib import Path

import pytest

from conftest import HUBSIM, REPO, SANITIZER

PYTHON = "/usr/bin/python3"


@pytest.mark.skipif(SANITIZER is not None, reason="a sanitizer build has no benchmarks (and its times mean nothing)")
def test_benchmark_quick_prints_every_figure(tmp_path):
    out = tmp_path / "figures.json"
    env = dict(os.environ, HUBSIM_BUILD_DIR=str(HUBSIM.parent))
    proc = subprocess.run(
        [PYTHON, str(REPO / "tools" / "benchmark.py"), "--quick", "--only", "kernel",
         "--only", "england", "--only", "scale", "--only", "threads", "--json", str(out)],
        capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode == 0, proc.stderr
    for title in ("Event kernel", "England baseline", "Scale", "hubs in parallel",
                  "replications in parallel", "then merged"):
        assert title in proc.stdout
    figures = json.loads(out.read_text())
    hold = figures["kernel"]["hold"]
    assert set(hold) == {"1000", "10000", "100000", "1000000"}
    for size in hold.values():
        assert all(rate > 0 for rate in size.values())
    assert all(rate > 0 for rate in figures["kernel"]["simpy_hold"].values())
    assert figures["england"]["ms_per_replication"] > 0
    points = figures["scale"]["points"]
    assert [p["schools"] for p in points] == [10_000, 100_000]
    assert all(p["peak_bytes"] > p["program_bytes"] > 0 for p in points)
    scaling = figures["threads"]
    assert scaling["threads"][0] == 1 and len(scaling["replications_s"]) == len(scaling["threads"])
    assert scaling["sweep"]["core_s_per_point"] > 0 and scaling["sweep"]["merge_s"] > 0


def test_simpy_hold_reports_a_rate(tmp_path):
    out = tmp_path / "hold.json"
    proc = subprocess.run(
        [PYTHON, str(REPO / "tools" / "simpy_hold.py"), "--sizes", "100", "--events", "2000",
         "--json", str(out)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(out.read_text())["100"] > 0


@pytest.mark.skipif(SANITIZER is not None, reason="a sanitizer build's times mean nothing")
def test_benchmark_quick_times_the_studio_and_its_page(tmp_path):
    """The studio's part runs (the API, and the page in headless Chromium): a change to the
    page that breaks its measurement fails here, not on the day of the next benchmark."""
    out = tmp_path / "figures.json"
    env = dict(os.environ, HUBSIM_BUILD_DIR=str(HUBSIM.parent))
    proc = subprocess.run(
        [PYTHON, str(REPO / "tools" / "benchmark.py"), "--quick", "--only", "studio",
         "--json", str(out)], capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode == 0, proc.stderr
    studio = json.loads(out.read_text())["studio"]
    for part in (studio, studio["page"]):
        for reps in ("20_replications", "100_replications"):
            first, last = part[reps]["first_s"], part[reps]["last_s"]
            assert len(first) == 3 and all(0 < f <= l for f, l in zip(first, last))
