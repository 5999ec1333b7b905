#!/usr/bin/env python3
"""Whole-run performance figures for hubsim, printed as tables (docs/performance.md).

Measures, on this machine, in one run (compare figures as ratios within a run: a shared
machine is noisy):

  kernel   events per second of the day-bucket event queue (one class of event, and three
           in random order) and of a binary heap on the hold model, queue sizes 10^3 to
           10^6 (Google Benchmark: build/hubsim_benchmarks), beside SimPy's bare events on
           the same hold model (tools/simpy_hold.py)
  england  the England baseline: ms per replication on 1 thread; 1,000 replications at 1
           and 2 threads (wall time, simulation and writing apart); output writing as a
           share of the run; peak memory
  scale    synthetic copies of England (hubsim generate) at 10^4 .. 10^7 schools: one
           replication each, time and peak memory per school; one large replication on
           1 and 2 threads (hubs in parallel between national moments)
  simpy    the England model written with SimPy (tools/compare_simpy.py): agreement of the
           mean trajectories, and the speed ratio per core
  threads  scaling with threads, up to this machine's cores: 1,000 England replications
           (replications in parallel), one replication of 10^6 synthetic schools (hubs in
           parallel), and a sweep's cost per point and its merge's, the figures the
           projection to a cluster in docs/performance.md is made from
  studio   the what-if studio (hubsim serve): from "run" to the first figures and to the
           last, for 100 and 1,000 England replications, as the page asks for them; and
           in the page itself (headless Chromium, if installed), from pressing Run to the
           headline drawn and to the last figures drawn

Usage (from anywhere; needs a Release build in build/):
  /usr/bin/python3 tools/benchmark.py                # everything (about 6 minutes on 2 cores)
  /usr/bin/python3 tools/benchmark.py --quick        # small sizes only (well under a minute)
  /usr/bin/python3 tools/benchmark.py --only scale --plot docs/performance-scale.png
  /usr/bin/python3 tools/benchmark.py --json results/benchmark.json

Peak memory is each process's maximum resident set, read from the kernel when it ends
(wait4), so it includes the program, its libraries and the scenario as loaded.
"""

import argparse
import http.cookiejar
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BUILD = Path(os.environ.get("HUBSIM_BUILD_DIR", REPO / "build"))
HUBSIM = BUILD / "hubsim"
BENCHMARKS = BUILD / "hubsim_benchmarks"
ENGLAND = REPO / "scenarios" / "england.yaml"

# What `hubsim run` prints last: "N replications in S s (M ms each), written in W s to PATH".
RUN_LINE = re.compile(
    r"(\d+) replications in ([0-9.]+) s \(([0-9.]+) ms each\), written in ([0-9.]+) s to")


class Measured:
    """A finished command: its wall time, peak resident memory and output."""

    def __init__(self, wall_s, peak_kib, stdout):
        self.wall_s = wall_s
        self.peak_bytes = peak_kib * 1024
        self.stdout = stdout


def measure(args):
    """Runs a command and returns its wall time and peak RSS (from wait4, this child only)."""
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen([str(a) for a in args], stdout=out, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        err = proc.stderr.read().decode()
        proc.stderr.close()
        out.seek(0)
        text = out.read().decode()
    if proc.returncode != 0:
        sys.exit(f"benchmark: {' '.join(map(str, args))} failed ({proc.returncode}):\n{err}")
    return Measured(wall, usage.ru_maxrss, text)


def run_timing(stdout):
    """(simulation seconds, writing seconds) from hubsim run's last line."""
    m = RUN_LINE.search(stdout)
    if not m:
        sys.exit("benchmark: hubsim run did not print its timing line:\n" + stdout[-500:])
    return float(m.group(2)), float(m.group(4))


def machine():
    """A line naming the machine the figures come from."""
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB, {platform.system()} {platform.release()}"


def table(title, header, rows):
    """Prints a Markdown table (so figures paste into docs/performance.md as they are)."""
    print(f"\n### {title}\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for r in rows:
        print("| " + " | ".join(str(c) for c in r) + " |")
    sys.stdout.flush()


def kernel(quick):
    """Hold-model events per second: hubsim's queues (Google Benchmark) and SimPy's."""
    min_time = "0.1" if quick else "0.5"
    m = measure([BENCHMARKS, "--benchmark_filter=Hold", f"--benchmark_min_time={min_time}",
                 "--benchmark_format=json"])
    by = {}
    for b in json.loads(m.stdout)["benchmarks"]:
        name, size = b["name"].split("/")
        by.setdefault(int(size), {})[name] = b["items_per_second"]
    simpy_sizes = [1000, 10000] if quick else [1000, 10000, 100000]
    with tempfile.NamedTemporaryFile(suffix=".json") as f:
        measure([sys.executable, REPO / "tools" / "simpy_hold.py", "--sizes", *simpy_sizes,
                 "--events", 100000 if quick else 300000, "--json", f.name])
        simpy = {int(k): v for k, v in json.loads(Path(f.name).read_text()).items()}
    rows = []
    for size in sorted(by):
        one, three = by[size]["BM_HoldDayBuckets"], by[size]["BM_HoldDayBucketsThreeClasses"]
        heap = by[size]["BM_HoldBinaryHeap"]
        sp = simpy.get(size)
        rows.append([f"{size:,}", f"{one / 1e6:.1f}", f"{three / 1e6:.1f}", f"{heap / 1e6:.1f}",
                     f"{sp / 1e6:.2f}" if sp else "-", f"{one / sp:.0f}x" if sp else "-"])
    table("Event kernel, hold model (million events per second, one core)",
          ["queue size", "day buckets", "day buckets, 3 classes", "binary heap",
           "SimPy", "day buckets / SimPy"], rows)
    return {"hold": {str(s): v for s, v in by.items()},
            "simpy_hold": {str(s): v for s, v in simpy.items()}}


def simpy_model(quick):
    """The England model in SimPy beside hubsim: agreement and speed ratio per core."""
    reps = 20 if quick else 100
    with tempfile.NamedTemporaryFile(suffix=".json") as f:
        proc = subprocess.run([sys.executable, REPO / "tools" / "compare_simpy.py",
                               "--replications", str(reps), "--json", f.name, "--hubsim", HUBSIM],
                              capture_output=True, text=True)
        # Exit status 1: the means disagree, which the table says; anything else is a failure.
        if proc.returncode not in (0, 1) or not Path(f.name).stat().st_size:
            sys.exit("benchmark: compare_simpy.py failed:\n" + proc.stderr)
        r = json.loads(Path(f.name).read_text())
    table(f"England model, hubsim beside SimPy ({reps} replications each, one core each)",
          ["", "ms per replication", "events per second", "ratio", "means agree"],
          [["hubsim", f"{r['hubsim_ms_per_replication']:.1f}",
            f"{r['hubsim_events_per_s'] / 1e6:.2f} M", f"{r['ratio']:.0f}x",
            f"{'yes' if r['agree'] else 'NO'} (largest z {r['max_z']:.2f})"],
           ["SimPy", f"{r['simpy_ms_per_replication']:.0f}",
            f"{r['simpy_events_per_s'] / 1e3:.0f} k", "1x", ""]])
    return r


def england(quick, tmp):
    """England: one replication at a time, then 1,000 at 1 and 2 threads."""
    out = tmp / "england.h5"
    reps = 20 if quick else 100
    one = measure([HUBSIM, "run", ENGLAND, "-o", out, "--replications", reps, "--threads", 1])
    sim, write = run_timing(one.stdout)
    rows = [[f"{reps} replications, 1 thread", f"{1000 * sim / reps:.2f}", f"{sim:.2f}",
             f"{write:.2f}", f"{100 * write / (sim + write):.0f}%",
             f"{one.peak_bytes / 2**20:.0f}"]]
    figures = {"ms_per_replication": 1000 * sim / reps}
    many = 100 if quick else 1000
    for threads in (1, 2):
        m = measure([HUBSIM, "run", ENGLAND, "-o", out, "--replications", many,
                     "--threads", threads])
        sim, write = run_timing(m.stdout)
        rows.append([f"{many} replications, {threads} thread{'s' * (threads > 1)}",
                     f"{1000 * sim / many:.2f}", f"{sim:.2f}", f"{write:.2f}",
                     f"{100 * write / (sim + write):.0f}%", f"{m.peak_bytes / 2**20:.0f}"])
        figures[f"{many}_replications_{threads}_threads"] = {
            "simulate_s": sim, "write_s": write, "wall_s": m.wall_s, "peak_bytes": m.peak_bytes}
    table("England baseline (20,217 schools, 40 hubs, 2014-2030)",
          ["run", "ms per replication", "simulate (s)", "write (s)", "writing share",
           "peak memory (MiB)"], rows)
    return figures


def studio_request(opener, base, path, body=None):
    """A request as the page makes it: JSON, in the browser's session (its cookie)."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data,
                                 headers={"Content-Type": "application/json"} if data else {})
    with opener.open(req, timeout=600) as res:
        return json.loads(res.read())


def studio(quick):
    """The studio: seconds from POST /api/runs to the first figures (the headline's
    P(target met) over the first batch) and to the last, polled every 50 ms as the page
    polls, three times each; the median is shown."""
    proc = subprocess.Popen([HUBSIM, "serve", "--port", "0", "--scenarios", REPO / "scenarios"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        base = proc.stdout.readline().split(": ", 1)[1].strip()
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        rows, figures = [], {}
        for reps in ((20, 100) if quick else (100, 1000)):
            first, last = [], []
            for _ in range(3):
                t0 = time.perf_counter()
                run = studio_request(opener, base, "api/runs", {"scenario": "england.yaml",
                                                        "replications": reps})
                seen = None
                while True:
                    status = studio_request(opener, base, f"api/runs/{run['id']}")
                    if seen is None and status.get("figures"):
                        seen = time.perf_counter() - t0
                    if status["state"] not in ("queued", "running"):
                        break
                    time.sleep(0.05)
                first.append(seen)
                last.append(time.perf_counter() - t0)
            first.sort()
            last.sort()
            rows.append([f"{reps} replications", f"{first[1]:.2f}", f"{last[1]:.2f}",
                         f"{first[0]:.2f}-{first[2]:.2f}", f"{last[0]:.2f}-{last[2]:.2f}"])
            figures[f"{reps}_replications"] = {"first_s": first, "last_s": last}
        table("The studio: England, from run to figures (seconds, all cores)",
              ["run", "first figures (median)", "all figures (median)", "first (range)",
               "all (range)"], rows)
        page = studio_page(base, (20, 100) if quick else (100, 1000))
        if page is not None:
            figures["page"] = page
        return figures
    finally:
        proc.terminate()
        proc.wait(timeout=30)


# In the page: press Run, then time the headline's first drawing and the last figures'.
PAGE_RUN = """
const done = arguments[arguments.length - 1], reps = arguments[0];
const r = document.getElementById('replications');
r.value = reps;
r.dispatchEvent(new Event('change'));
const t0 = performance.now();
let first = null;
document.getElementById('run').click();
const tick = () => {
  const w = document.querySelector('.whatif');
  if (first === null && w && document.querySelector('#headline .target')) first = performance.now() - t0;
  if (w && w.dataset.state === 'done' && document.querySelector('#hub-table'))
    done([first / 1000, (performance.now() - t0) / 1000]);
  else requestAnimationFrame(tick);
};
requestAnimationFrame(tick);
"""


def studio_page(base, sizes):
    """The same in a headless Chromium (the browser takes some of the same cores): seconds
    from pressing Run to the headline drawn and to the last figures drawn, three times
    each; None where Chromium is not installed."""
    sys.path.insert(0, str(REPO / "tests" / "python"))
    from headless_browser import CHROMEDRIVER, CHROMIUM, Browser
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        print("\n(no headless Chromium: the page's own times are not measured)")
        return None
    profile = tempfile.mkdtemp(prefix="hubsim-chromium-")
    browser = Browser(profile)
    try:
        browser.open(base)
        while browser.run("return document.body.dataset.ready") != "true":
            time.sleep(0.1)
        rows, figures = [], {}
        for reps in sizes:
            first, last = [], []
            for _ in range(3):
                f, l = browser.run_async(PAGE_RUN, reps)
                first.append(f)
                last.append(l)
                browser.run("document.querySelector('.whatif button[aria-label^=Remove]').click()")
                while browser.run("return document.querySelectorAll('.whatif').length"):
                    time.sleep(0.05)
            first.sort()
            last.sort()
            rows.append([f"{reps} replications", f"{first[1]:.2f}", f"{last[1]:.2f}",
                         f"{first[0]:.2f}-{first[2]:.2f}", f"{last[0]:.2f}-{last[2]:.2f}"])
            figures[f"{reps}_replications"] = {"first_s": first, "last_s": last}
        table("The studio's page (headless Chromium): from pressing Run to the figures drawn "
              "(seconds)", ["run", "headline drawn (median)", "all drawn (median)",
                            "headline (range)", "all (range)"], rows)
        return figures
    finally:
        browser.close()
        shutil.rmtree(profile, ignore_errors=True)


def scale(quick, tmp, plot):
    """Synthetic England at growing sizes: time and memory per school."""
    sizes = [10_000, 100_000] if quick else [10_000, 100_000, 1_000_000, 10_000_000]
    # The program's own footprint (code, libraries, runtime): a run of the tiny scenario.
    tiny = REPO / "scenarios" / "tiny.yaml"
    base = measure([HUBSIM, "run", tiny, "-o", tmp / "tiny.h5", "-q"]).peak_bytes
    base_load = measure([HUBSIM, "validate", tiny]).peak_bytes
    rows, points = [], []
    for n in sizes:
        yaml = tmp / f"synthetic-{n}.yaml"
        measure([HUBSIM, "generate", ENGLAND, "--schools", n, "-o", yaml])
        load = measure([HUBSIM, "validate", yaml])
        m = measure([HUBSIM, "run", yaml, "-o", tmp / "scale.h5", "--replications", 1,
                     "--threads", 1])
        sim, write = run_timing(m.stdout)
        points.append({"schools": n, "simulate_s": sim, "write_s": write, "wall_s": m.wall_s,
                       "peak_bytes": m.peak_bytes, "loaded_peak_bytes": load.peak_bytes,
                       "program_bytes": base})
        rows.append([f"{n:,}", f"{n // 500:,}", f"{sim:.3f}", f"{1e6 * sim / n:.2f}",
                     f"{m.peak_bytes / 2**20:.0f}", f"{(m.peak_bytes - base) / n:.0f}",
                     f"{(load.peak_bytes - base_load) / n:.0f}"])
    table("Scale: one replication of synthetic England, 1 thread",
          ["schools", "hubs", "simulate (s)", "us per school", "peak memory (MiB)",
           "bytes per school (peak less the program's own "
           f"{base / 2**20:.0f} MiB)", "of which the scenario, loaded"], rows)
    if len(points) > 1:
        a, b = points[-2], points[-1]
        marginal = (b["peak_bytes"] - a["peak_bytes"]) / (b["schools"] - a["schools"])
        print(f"\nMarginal memory from {a['schools']:,} to {b['schools']:,} schools: "
              f"{marginal:.1f} bytes per school")

    # One large replication with hubs in parallel: 1 and 2 threads.
    n = sizes[-2] if len(sizes) > 2 else sizes[-1]
    yaml = tmp / f"synthetic-{n}.yaml"
    speed = []
    for threads in (1, 2):
        m = measure([HUBSIM, "run", yaml, "-o", tmp / "scale.h5", "--replications", 1,
                     "--threads", threads])
        speed.append(run_timing(m.stdout)[0])
    table(f"One replication of {n:,} schools, hubs in parallel",
          ["threads", "simulate (s)", "speed-up"],
          [[1, f"{speed[0]:.3f}", "1.00"], [2, f"{speed[1]:.3f}", f"{speed[0] / speed[1]:.2f}"]])
    if plot:
        draw_scale(points, plot)
    return {"points": points, "parallel_replication": {"schools": n, "seconds": speed}}


def thread_counts():
    """1, 2, 4, ... up to this machine's cores (and the cores themselves)."""
    cores = os.cpu_count() or 1
    counts = [t for t in (1, 2, 4, 8, 16, 32, 64, 128) if t <= cores]
    return counts + [cores] * (counts[-1] != cores)


def speedup_rows(counts, seconds, per=None):
    """Rows of threads, seconds, (ms per item), speed-up and efficiency against 1 thread."""
    rows = []
    for t, s in zip(counts, seconds):
        row = [t, f"{s:.3f}"] + ([f"{1000 * s / per:.2f}"] if per else [])
        rows.append(row + [f"{seconds[0] / s:.2f}", f"{100 * seconds[0] / s / t:.0f}%"])
    return rows


def threads(quick, tmp):
    """Scaling with threads: replications, hubs in one replication, a sweep and its merge."""
    counts = thread_counts()
    out = tmp / "threads.h5"
    reps = 100 if quick else 1000
    rep_s, write_s = [], []
    for t in counts:
        sim, write = run_timing(measure([HUBSIM, "run", ENGLAND, "-o", out, "--replications",
                                         reps, "--threads", t]).stdout)
        rep_s.append(sim)
        write_s.append(write)
    rows = speedup_rows(counts, rep_s, reps)
    for r, w in zip(rows, write_s):
        r.append(f"{w:.2f}")
    table(f"England, {reps:,} replications in parallel",
          ["threads", "simulate (s)", "ms per replication", "speed-up", "efficiency",
           "write (s)"], rows)

    n = 100_000 if quick else 1_000_000
    yaml = tmp / f"synthetic-{n}.yaml"
    measure([HUBSIM, "generate", ENGLAND, "--schools", n, "-o", yaml])
    hub_s = [run_timing(measure([HUBSIM, "run", yaml, "-o", out, "--replications", 1,
                                 "--threads", t]).stdout)[0] for t in counts]
    table(f"One replication of {n:,} synthetic schools ({n // 500:,} hubs) in parallel",
          ["threads", "simulate (s)", "speed-up", "efficiency"], speedup_rows(counts, hub_s))

    # A sweep's points, run as two shards on every core, then merged: the per-point costs
    # a projection to a cluster rests on (summaries only, as a large sweep keeps).
    points, sweep_reps = (20, 5) if quick else (200, 10)
    sweep = tmp / "scale.yaml"
    sweep.write_text(
        f"scenario: {ENGLAND}\nname: scale\nreplications: {sweep_reps}\n"
        f"design: {{kind: sobol, points: {points}}}\nkeep: summaries\nparameters:\n"
        "  demand.p: {uniform: [0.03, 0.12]}\n  demand.q: {uniform: [0.2, 1.0]}\n")
    shard_s = []
    for i in range(2):
        m = measure([HUBSIM, "sweep", sweep, "-o", tmp / f"shard-{i}.h5", "--shard", f"{i}/2",
                     "--threads", counts[-1], "-q"])
        shard_s.append(m.wall_s)
    merged = measure([HUBSIM, "merge", tmp / "shard-0.h5", tmp / "shard-1.h5", "-o",
                      tmp / "merged.h5"])
    per_point = sum(shard_s) * counts[-1] / points
    table(f"A sweep of {points} points x {sweep_reps} England replications (summaries), "
          f"two shards on {counts[-1]} threads, then merged",
          ["shards' wall (s)", "core-seconds a point", "merge (s)", "merge ms a point"],
          [[f"{sum(shard_s):.2f}", f"{per_point:.3f}", f"{merged.wall_s:.2f}",
            f"{1000 * merged.wall_s / points:.2f}"]])
    return {"threads": counts, "replications": reps, "replications_s": rep_s,
            "write_s": write_s, "schools": n, "one_replication_s": hub_s,
            "sweep": {"points": points, "replications": sweep_reps, "shards_wall_s": shard_s,
                      "core_s_per_point": per_point, "merge_s": merged.wall_s}}


def draw_scale(points, path):
    """Time and memory against schools, log-log, with the linear reference."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = [p["schools"] for p in points]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    series = (("simulation time (s)", [p["simulate_s"] for p in points]),
              ("peak memory less the program's own (bytes)",
               [p["peak_bytes"] - p["program_bytes"] for p in points]))
    for ax, (label, y) in zip(axes, series):
        ax.loglog(n, y, "o-", label="measured")
        ax.loglog(n, [y[-1] * x / n[-1] for x in n], "--", color="grey",
                  label="linear through the largest")
        ax.set_xlabel("schools")
        ax.set_ylabel(label)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.suptitle("One replication of synthetic England (2014-2030), one thread")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    print(f"\nplot: {path}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", choices=["kernel", "england", "scale", "threads", "simpy", "studio"],
                    action="append",
                    help="run only these parts (repeatable)")
    ap.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    ap.add_argument("--plot", type=Path, help="write the scale plot (PNG) here")
    ap.add_argument("--json", type=Path, help="also write every figure as JSON here")
    args = ap.parse_args()
    for exe in (HUBSIM, BENCHMARKS):
        if not exe.is_file():
            sys.exit(f"benchmark: {exe} not found: build first (bash tools/build.sh)")
    parts = args.only or ["kernel", "england", "scale", "threads", "simpy", "studio"]
    print(f"hubsim benchmark on {machine()}")
    print("hubsim " + subprocess.run([HUBSIM, "--version"], capture_output=True,
                                     text=True).stdout.strip())
    figures = {"machine": machine()}
    with tempfile.TemporaryDirectory(prefix="hubsim-bench-") as d:
        tmp = Path(d)
        if "kernel" in parts:
            figures["kernel"] = kernel(args.quick)
        if "england" in parts:
            figures["england"] = england(args.quick, tmp)
        if "scale" in parts:
            figures["scale"] = scale(args.quick, tmp, args.plot)
        if "threads" in parts:
            figures["threads"] = threads(args.quick, tmp)
        if "simpy" in parts:
            figures["simpy"] = simpy_model(args.quick)
        if "studio" in parts:
            figures["studio"] = studio(args.quick)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
