#!/usr/bin/env python3
"""Makes the report's screenshots in docs/ again: one run, three runs and a sweep.

    /usr/bin/python3 tools/report_screenshots.py [--replications 100] [--out docs]

Runs hubsim on the England baseline, the baseline with 20% more training places from 2026/27
and the baseline serving the most disadvantaged schools first (the README's question), and
the training-places sweep; reports one run, the three runs and the sweep with
tools/report.py; and photographs the top of each page in headless Chromium at 1400 px wide
(the part a planner reads first), reduced to 256 colours to keep the files small:

    docs/report-england.png      one run
    docs/report-three-runs.png   three runs, every one against every other
    docs/report-sweep.png        the sweep

--runs, --sweep and --replications choose other scenarios (the tests use small ones). Uses
the hubsim binary (--hubsim, default build/hubsim), Debian's chromium and python3-pil.
"""

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RUNS = ["scenarios/england.yaml", "scenarios/england_more_training.yaml",
        "scenarios/england_disadvantage_first.yaml"]
SWEEP = "scenarios/sweeps/training_places.yaml"
CHROMIUM = "/usr/bin/chromium"
WIDTH = 1400
# The screenshot of each page: (file name, which report, height in pixels: the top of the
# page, down to the part a planner reads first).
SHOTS = [("report-england.png", "one", 2700), ("report-three-runs.png", "three", 4300),
         ("report-sweep.png", "sweep", 3000)]


def run(cmd):
    """Runs a command, failing with its output if it fails."""
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"report_screenshots: {' '.join(map(str, cmd))} exited {proc.returncode}:\n"
                 f"{proc.stderr}")
    return proc


def screenshot(page, png, height):
    """The top `height` pixels of a page at WIDTH px wide, in 256 colours."""
    with tempfile.TemporaryDirectory() as profile:
        run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             f"--user-data-dir={profile}", f"--window-size={WIDTH},{height}",
             f"--screenshot={png}", page.resolve().as_uri()])
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - python3-pil comes with python3-matplotlib
        return
    with Image.open(png) as im:
        small = im.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    small.save(png, optimize=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--hubsim", default=str(REPO / "build" / "hubsim"), help="the hubsim binary")
    ap.add_argument("--runs", nargs=3, default=[str(REPO / r) for r in RUNS], metavar="SCENARIO",
                    help="the three scenarios (the first is the one-run report)")
    ap.add_argument("--sweep", default=str(REPO / SWEEP), help="the sweep file")
    ap.add_argument("--replications", type=int, default=100, help="replications of each run")
    ap.add_argument("--threads", type=int, default=0, help="hubsim's threads (0: all cores)")
    ap.add_argument("--out", default=str(REPO / "docs"), help="where the screenshots go")
    args = ap.parse_args(argv)
    if not Path(CHROMIUM).exists():
        sys.exit(f"report_screenshots: {CHROMIUM} not found (tools/install.sh installs chromium)")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    report = [sys.executable, REPO / "tools" / "report.py"]
    with tempfile.TemporaryDirectory(prefix="report-screenshots-") as tmp:
        work = Path(tmp)
        runs = []
        for i, scenario in enumerate(args.runs):
            runs.append(work / f"run{i}.h5")
            run([args.hubsim, "run", scenario, "-o", runs[-1], "--replications", args.replications,
                 "--threads", args.threads, "-q"])
        sweep = work / "sweep.h5"
        run([args.hubsim, "sweep", args.sweep, "-o", sweep, "--threads", args.threads, "-q"])
        shutil.rmtree(work / "sweep.h5.journal", ignore_errors=True)
        pages = {"one": [runs[0]], "three": runs, "sweep": [sweep]}
        for name, inputs in pages.items():
            run(report + [*inputs, "-o", work / name])
        for png, name, height in SHOTS:
            screenshot(work / name / "index.html", out / png, height)
            print(f"report_screenshots: wrote {out / png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
