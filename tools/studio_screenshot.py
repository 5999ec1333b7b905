#!/usr/bin/env python3
"""Makes the studio's screenshot, docs/studio.png: starts `hubsim serve` on the shipped
scenarios, drives a headless Chromium (Debian's chromium and chromium-driver) through an
England question and a comparison, and saves the page, 1400 px wide.

The question is the one a planner asks (issue 17): if we train 20% more Mastery Specialists
from 2026, when does each hub reach 75%, what does it cost, and is it better than serving
the most disadvantaged schools first? Three what-ifs: England as it is, 20% more places
from September 2026, and the most disadvantaged first; the second is shown and compared
with the first.

    /usr/bin/python3 tools/studio_screenshot.py                 # docs/studio.png
    /usr/bin/python3 tools/studio_screenshot.py -o /tmp/s.png --replications 10
"""

import argparse
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "python"))
from headless_browser import Browser, CHROMEDRIVER, CHROMIUM  # noqa: E402

WIDTH = 1400


def wait_for(browser, script, timeout=300):
    deadline = time.monotonic() + timeout
    while not (value := browser.run(script)):
        if time.monotonic() > deadline:
            raise SystemExit(f"studio_screenshot: timed out waiting for: {script}")
        time.sleep(0.2)
    return value


def set_value(browser, element_id, value):
    browser.run("const e = document.getElementById(arguments[0]); e.value = arguments[1];"
                "e.dispatchEvent(new Event('input', {bubbles: true}));"
                "e.dispatchEvent(new Event('change', {bubbles: true}));", element_id, str(value))


def run_whatif(browser, n, label, levers, start=""):
    """Sets the levers (element id: value) and the label, runs, waits for all n to end."""
    for element_id, value in levers.items():
        set_value(browser, element_id, value)
    set_value(browser, "changes-from", start)
    set_value(browser, "label", label)
    time.sleep(0.5)  # the form's check of the what-if
    browser.run("document.getElementById('run').click()")
    wait_for(browser, "const c = [...document.querySelectorAll('.whatif')];"
                      f"return c.length === {n} && c.every(e => e.dataset.state === 'done')")


def small(png):
    """The picture in 256 colours (a quarter of the bytes), if Pillow is there (Debian's
    python3-pil comes with matplotlib); else as it is."""
    try:
        from PIL import Image
    except ImportError:
        return png
    import io
    out = io.BytesIO()
    Image.open(io.BytesIO(png)).convert("RGB").quantize(256).save(out, "PNG", optimize=True)
    return out.getvalue()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-o", "--out", type=Path, default=REPO / "docs" / "studio.png")
    ap.add_argument("--hubsim", type=Path, default=REPO / "build" / "hubsim")
    ap.add_argument("--replications", type=int, default=100)
    args = ap.parse_args()
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        raise SystemExit("studio_screenshot: needs chromium and chromium-driver (tools/install.sh)")
    server = subprocess.Popen([str(args.hubsim), "serve", "--port", "0", "--scenarios",
                               str(REPO / "scenarios")], stdout=subprocess.PIPE, text=True)
    browser = None
    profile = tempfile.mkdtemp(prefix="hubsim-chromium-")
    try:
        url = server.stdout.readline().split(": ", 1)[1].strip()
        browser = Browser(profile)
        browser.window(WIDTH, 1000)
        browser.open(url)
        wait_for(browser, "return document.body.dataset.ready === 'true'")
        places = {"lever-llme-primary-mastery-specialist-training-places": 140,
                  "lever-llme-secondary-mastery-specialist-training-places": 70,
                  "lever-llme-post16-mastery-specialist-training-places": 30}
        base = {k: browser.run(f"return document.getElementById('{k}').value") for k in places}
        set_value(browser, "replications", args.replications)
        run_whatif(browser, 1, "England as it is", {})
        more = {k: round(float(v) * 1.2) for k, v in base.items()}
        run_whatif(browser, 2, "20% more MS places from 2026", more, start="2026-09-01")
        run_whatif(browser, 3, "Most disadvantaged first", {**base, "lever-policy-priority": "disadvantage"})
        # Show the second (its levers in the form), compared with the first.
        browser.run("document.querySelector('.whatif[data-letter=B] button.quiet').click()")  # Edit
        wait_for(browser, "return document.querySelector('.whatif.selected').dataset.letter === 'B'")
        wait_for(browser, "return document.querySelector('#compare-matrix button[data-pair=BA]')")
        browser.run("document.querySelector('#compare-matrix button[data-pair=BA]').click()")
        time.sleep(1)
        # The whole page: a window as tall as it.
        height = browser.run("return document.documentElement.scrollHeight")
        browser.window(WIDTH, height + 200)
        time.sleep(0.5)
        browser.run("document.activeElement.blur(); window.scrollTo(0, 0)")
        png = small(browser.screenshot())
        problems = [e for e in browser.console() if e["level"] in ("SEVERE", "WARNING")]
        if problems:
            raise SystemExit(f"studio_screenshot: the page logged problems: {problems}")
    finally:
        if browser:
            browser.close()
        shutil.rmtree(profile, ignore_errors=True)
        server.terminate()
        server.wait(timeout=30)
    width = struct.unpack(">I", png[16:20])[0]
    if width != WIDTH:
        raise SystemExit(f"studio_screenshot: the picture is {width} px wide, not {WIDTH}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(png)
    print(f"studio_screenshot: wrote {args.out} ({WIDTH} px wide, {len(png) // 1024} KiB)")


if __name__ == "__main__":
    main()
