#!/usr/bin/python3
"""Runs hubsim and the SimPy model (tools/simpy_model.py) on the same scenario, checks
that their mean trajectories agree within Monte Carlo error, and prints their speeds.

    /usr/bin/python3 tools/compare_simpy.py                       # England, 200 + 200: ~2 min
    /usr/bin/python3 tools/compare_simpy.py --scenario scenarios/tiny.yaml --replications 5

Both run on one core: hubsim with --threads 1, the SimPy model in one Python process. The
SimPy model reads the scenario hubsim resolved into its output file, so both run the same
scenario; they draw different random numbers, so they agree in distribution only.

Agreement: for every sample, national totals (summed over hubs) of engaged, each stage
count, waiting, participating, trainees and Work Groups per phase and stage, leaders by
status, and each year's costs:
    z = |mean_hubsim - mean_simpy| / sqrt(se_hubsim^2 + se_simpy^2)
must be at most --k (default 4); a quantity with no spread in either must be equal. Exits 1
if any is not (2 if a run fails).

Speed: ms per replication for each (hubsim's own timer of the simulation, and its whole
command with loading and HDF5 writing; the SimPy model's mean per replication, building
the schools included, reading the scenario not), their ratio, and events per second.
hubsim does not count its events, so the events are counted in the SimPy model (a school
asking, a hub's year end, a sample, a national start of year or timeline change: the
events of hubsim's queues and its national moments) and hubsim's rate is that count over
hubsim's time: the same model makes the same number of events in distribution.
"""

import argparse
import json
import math
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import h5py
import numpy as np

REPO = Path(__file__).resolve().parents[1]
STAGES = ["not_engaged", "readiness", "development", "embedding", "sustaining", "lapsed"]
STATUSES = ["in_training", "active", "left"]


sys.path.insert(0, str(Path(__file__).resolve().parent))
from hubsim_output import text as text_of  # noqa: E402  the one reader of hubsim's output


def children_cpu():
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def run_hubsim(hubsim, scenario, out, replications, seed, sets):
    cmd = [str(hubsim), "run", str(scenario), "-o", str(out), "--replications",
           str(replications), "--threads", "1"]
    if seed is not None:
        cmd += ["--seed", str(seed)]
    for s in sets:
        cmd += ["--set", s]
    t0, c0 = time.perf_counter(), children_cpu()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall, cpu = time.perf_counter() - t0, children_cpu() - c0
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(2)
    # hubsim's summary: "N replications in X s (Y ms each), written in Z s to ..."
    m = re.search(r"replications? in ([0-9.]+) s \(([0-9.]+) ms each\)", proc.stdout + proc.stderr)
    sim_s = float(m.group(1)) if m else None
    return wall, sim_s, cpu


def run_simpy(resolved, out, replications, seed, sets):
    cmd = [sys.executable, str(REPO / "tools" / "simpy_model.py"), str(resolved), "-o", str(out),
           "-r", str(replications), "-q"]
    if seed is not None:
        cmd += ["--seed", str(seed)]
    for s in sets:
        cmd += ["--set", s]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(2)
    return wall


def national(h5_or_npz):
    """{quantity: (array [replication, ...], labels for the remaining axes)} summed over hubs."""
    if isinstance(h5_or_npz, h5py.File):
        f = h5_or_npz
        get = lambda k: f["trajectories/" + k][()]  # noqa: E731
        cost = f["summary/cost"][()]
        dates = [text_of(d) for d in f["date"][()]]
        phases = [text_of(p) for p in f["phase"][()]]
        years = list(f["year"][()])
    else:
        d = h5_or_npz
        get = lambda k: d[k]  # noqa: E731
        cost = d["cost"]
        dates = [str(x) for x in d["date"]]
        phases = [str(x) for x in d["phase"]]
        years = list(d["year"])
    axes_tp = (dates, phases)
    out = {
        "engaged": (get("engaged").sum(axis=2, dtype=np.float64), axes_tp),
        "stage_counts": (get("stage_counts").sum(axis=2, dtype=np.float64), axes_tp + (STAGES,)),
        "waiting": (get("waiting").sum(axis=2, dtype=np.float64), axes_tp),
        "participating": (get("participating").sum(axis=2, dtype=np.float64), axes_tp),
        "trainees": (get("trainees").sum(axis=2, dtype=np.float64), axes_tp),
        "work_groups": (get("work_groups").sum(axis=2, dtype=np.float64), axes_tp + (STAGES,)),
        "llme": (get("llme").sum(axis=2, dtype=np.float64), (dates, STATUSES)),
        "cost": (np.asarray(cost, np.float64),
                 ([f"{y}/{(y + 1) % 100:02d}" for y in years],
                  ["work_groups", "release_days", "training"])),
    }
    return out, dates, phases


def compare(a, b, k):
    """Per quantity: the largest z and where; overall: whether every z is within k."""
    rows, worst, n_checked = [], (0.0, None), 0
    for name, (xa, axes) in a.items():
        xb = b[name][0]
        if xa.shape[1:] != xb.shape[1:]:
            raise SystemExit(f"compare_simpy: {name} has shape {xa.shape[1:]} in hubsim "
                             f"but {xb.shape[1:]} in the SimPy model")
        ma, mb = xa.mean(axis=0), xb.mean(axis=0)
        va = xa.var(axis=0, ddof=1) / xa.shape[0] if xa.shape[0] > 1 else np.zeros_like(ma)
        vb = xb.var(axis=0, ddof=1) / xb.shape[0] if xb.shape[0] > 1 else np.zeros_like(mb)
        se = np.sqrt(va + vb)
        diff = np.abs(ma - mb)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(se > 0, diff / np.where(se > 0, se, 1),
                         np.where(diff <= 1e-9 * np.maximum(1, np.abs(ma)), 0.0, np.inf))
        n_checked += z.size
        at = np.unravel_index(int(np.argmax(z)), z.shape)
        where = " ".join(str(axes[i][j]) for i, j in enumerate(at))
        zmax = float(z[at])
        rows.append((name, zmax, where, float(ma[at]), float(mb[at]), float(se[at])))
        if zmax >= worst[0] or worst[1] is None:
            worst = (zmax, f"{name} {where}")
    return rows, worst, n_checked


def finite(x):
    """JSON has no infinity: a z with no spread on either side and unequal means is null."""
    return x if math.isfinite(x) else None


def fmt_rate(x):
    if x >= 1e6:
        return f"{x / 1e6:.2f} M/s"
    if x >= 1e3:
        return f"{x / 1e3:.1f} k/s"
    return f"{x:.0f} /s"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scenario", default=str(REPO / "scenarios" / "england.yaml"))
    ap.add_argument("--replications", "-r", type=int, default=200,
                    help="replications of each (default 200: about two minutes on England)")
    ap.add_argument("--hubsim-replications", type=int,
                    help="hubsim's replications, if not --replications")
    ap.add_argument("--seed", type=int, help="root seed for both (default: the scenario's)")
    ap.add_argument("--k", type=float, default=4.0, help="largest z allowed (default 4)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="a parameter change for both runs")
    ap.add_argument("--simpy-set", action="append", default=[], metavar="KEY=VALUE",
                    help="a change for the SimPy model only: shows that the check can tell")
    ap.add_argument("--hubsim", default=os.environ.get("HUBSIM_BIN", REPO / "build" / "hubsim"))
    ap.add_argument("--keep", help="a folder to keep both runs' files in")
    ap.add_argument("--json", help="write the figures to this file as JSON")
    args = ap.parse_args(argv)

    scenario = Path(args.scenario).resolve()
    r_simpy = args.replications
    r_hubsim = args.hubsim_replications or args.replications
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.keep) if args.keep else Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        h5_path, npz_path = folder / "hubsim.h5", folder / "simpy.npz"
        print(f"hubsim: {r_hubsim} replications of {scenario.name}, one thread ...", flush=True)
        hub_wall, hub_sim, hub_cpu = run_hubsim(args.hubsim, scenario, h5_path, r_hubsim, args.seed,
                                       args.set)
        print(f"SimPy model: {r_simpy} replications, one process ...", flush=True)
        simpy_wall = run_simpy(h5_path, npz_path, r_simpy, args.seed, args.simpy_set)
        with h5py.File(h5_path, "r") as f:
            a, dates, phases = national(f)
            n_hubs = f["hub"].shape[0]
            n_schools = int(f["hub_schools"][()].sum())
            name = text_of(f.attrs["scenario_name"])
        with np.load(npz_path) as d:
            b, _, _ = national(d)
            simpy_ms = float(d["wall_s"].mean() * 1e3)
            simpy_cpu_ms = float(d["cpu_s"].mean() * 1e3)
            events = float(d["events"].mean())
            kernel = float(d["simpy_events"].mean())

    rows, worst, n_checked = compare(a, b, args.k)
    print(f"\n{name}: {n_hubs} hubs, {n_schools} schools, {len(dates)} samples "
          f"({dates[0]} to {dates[-1]}), phases {', '.join(phases)}")
    print(f"\nagreement of national means, hubsim ({r_hubsim}) vs SimPy ({r_simpy}): "
          f"z = |difference| / sqrt(se_hubsim^2 + se_simpy^2)")
    print(f"  {'quantity':<14} {'largest z':>9}  {'where':<34} {'hubsim':>12} {'SimPy':>12} "
          f"{'se':>9}")
    for q, z, where, ma, mb, se in rows:
        print(f"  {q:<14} {z:>9.2f}  {where:<34} {ma:>12.2f} {mb:>12.2f} {se:>9.2f}")
    agree = worst[0] <= args.k
    print(f"  largest z {worst[0]:.2f} ({worst[1]}) over {n_checked} means: "
          f"{'agree' if agree else 'DO NOT AGREE'} within k = {args.k:g}")

    hub_ms_sim = hub_sim / r_hubsim * 1e3 if hub_sim is not None else None
    hub_ms_wall = hub_wall / r_hubsim * 1e3
    hub_ms = hub_ms_sim if hub_ms_sim is not None else hub_ms_wall
    ratio = simpy_ms / hub_ms
    print("\nspeed, one core each")
    if hub_ms_sim is not None:
        print(f"  hubsim       {hub_ms_sim:9.2f} ms per replication simulating (its own timer), "
              f"{hub_ms_wall:.2f} ms per replication for the whole command "
              f"(reading the scenario and writing HDF5 included)")
    else:
        print(f"  hubsim       {hub_ms_wall:9.2f} ms per replication for the whole command")
    print(f"  SimPy model  {simpy_ms:9.2f} ms per replication "
          f"(whole command {simpy_wall:.1f} s for {r_simpy})")
    print(f"  ratio        hubsim {ratio:.1f}x faster per core"
          + (f" ({simpy_ms / hub_ms_wall:.1f}x against hubsim's whole command)"
             if hub_ms_sim is not None else ""))
    hub_cpu_ms = hub_cpu / r_hubsim * 1e3
    print(f"  CPU time     hubsim {hub_cpu_ms:.2f} ms per replication (whole command), SimPy model "
          f"{simpy_cpu_ms:.2f} ms: {simpy_cpu_ms / hub_cpu_ms:.1f}x (less affected by other work "
          f"on the machine than wall time)")
    print(f"  events       {events:,.0f} per replication, counted in the SimPy model: schools "
          f"asking, hub year ends, samples, national starts of year and timeline changes "
          f"(hubsim does not count its events; same model, same count in distribution)")
    print(f"               hubsim {fmt_rate(events / hub_ms * 1e3)}, SimPy model "
          f"{fmt_rate(events / simpy_ms * 1e3)}; SimPy's kernel scheduled {kernel:,.0f} "
          f"events per replication ({fmt_rate(kernel / simpy_ms * 1e3)})")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "scenario": name, "hubs": n_hubs, "schools": n_schools,
            "replications": {"hubsim": r_hubsim, "simpy": r_simpy},
            "agree": agree, "k": args.k, "max_z": finite(worst[0]), "max_z_at": worst[1],
            "means_compared": n_checked,
            "per_quantity": {q: {"max_z": finite(z), "at": w} for q, z, w, *_ in rows},
            "hubsim_ms_per_replication": hub_ms,
            "hubsim_ms_per_replication_whole_command": hub_ms_wall,
            "simpy_ms_per_replication": simpy_ms,
            "hubsim_cpu_ms_per_replication_whole_command": hub_cpu_ms,
            "simpy_cpu_ms_per_replication": simpy_cpu_ms,
            "ratio": ratio,
            "events_per_replication": events,
            "simpy_kernel_events_per_replication": kernel,
            "hubsim_events_per_s": events / hub_ms * 1e3,
            "simpy_events_per_s": events / simpy_ms * 1e3,
        }, indent=2) + "\n")
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
