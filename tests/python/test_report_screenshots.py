"""tools/report_screenshots.py, which makes docs/report.md's screenshots (one run, three
runs, a sweep) again: run here on the small three-hub scenario, it writes the three PNGs at
1400 px wide in 256 colours; the docs show the three files it writes by default."""

import shutil
import subprocess

import pytest
from PIL import Image

from conftest import HUBSIM, REPO

SCRIPT = REPO / "tools" / "report_screenshots.py"
SWEEP = """\
scenario: multi.yaml
name: places
replications: 2
design: {kind: grid}
parameters:
  llme.primary_mastery_specialist.training_places: {values: [0, 40]}
  demand.p: {values: [0.05, 0.2]}
"""


def test_screenshots_script_writes_the_three_pictures(tmp_path, multi_yaml):
    if not shutil.which("chromium"):
        pytest.fail("chromium is needed (tools/install.sh installs it)")
    shutil.copy(multi_yaml, tmp_path / "multi.yaml")
    (tmp_path / "more.yaml").write_text("base: multi.yaml\nname: more\ndemand: {p: 0.2}\n")
    (tmp_path / "first.yaml").write_text("base: multi.yaml\nname: first\npolicy: {priority: disadvantage}\n")
    (tmp_path / "sweep.yaml").write_text(SWEEP)
    out = tmp_path / "shots"
    proc = subprocess.run(
        ["/usr/bin/python3", str(SCRIPT), "--hubsim", str(HUBSIM), "--replications", "3",
         "--threads", "2", "--out", str(out), "--sweep", str(tmp_path / "sweep.yaml"), "--runs",
         *(str(tmp_path / f"{n}.yaml") for n in ("multi", "more", "first"))],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    names = ["report-england.png", "report-three-runs.png", "report-sweep.png"]
    assert sorted(p.name for p in out.iterdir()) == sorted(names)
    sizes = {}
    for n in names:
        with Image.open(out / n) as im:
            assert im.width == 1400 and im.mode == "P", (n, im.size, im.mode)  # 256 colours
            sizes[n] = im.size
        assert f"wrote {out / n}" in proc.stdout
    # the docs show the three pictures the script writes, at the same sizes
    doc = (REPO / "docs" / "report.md").read_text()
    for n in names:
        assert f"({n})" in doc and "tools/report_screenshots.py" in doc
        with Image.open(REPO / "docs" / n) as im:
            assert im.size == sizes[n], n
