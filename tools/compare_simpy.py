#!/usr/bin/python3
"""Runs hubsim and the SimPy model (tools/simpy_model.py) on the same scenario, checks
that their mean trajectories agree within Monte Carlo error, and prints their speeds.

    /usr/bin/python3 tools/compare_simpy.py                       # England, 200 + 200: ~2 min
    /usr/bin/python3 tools/compare_simpy.py --scenario scenarios/tiny.yaml --replications 5

Both run on one core: hubsim with --threads 1, the SimPy model in one Python process. The
SimPy model reads the scenario hubsim resolved into its output file, so both run the same
scenario; they draw different random numbers, so they agree in distribution only.

Agreement: every series hubsim writes under /trajectories and /summary (read with
tools/hubsim_output.py; the SimPy model makes each, simpy_model.SERIES), summed over hubs
where it has a hub axis: for every sample, phase, stage, role, status and disadvantage
band, national engaged, stage counts, schools in Work Groups, Work Groups, waiting,
participating, engaged and participating by band, trainees and applicants by role, leaders
by role and status, TfM days (available and used) and other programmes' days; each year's
costs; each target's first day met (-1: never); the posterior particle drawn:
    z = |mean_hubsim - mean_simpy| / sqrt(se_hubsim^2 + se_simpy^2)
must be at most k; a quantity with no spread in either must be equal. Exits 1 if any is
not (2 if a run fails, or hubsim writes a series the SimPy model does not make). Per-hub
target days (/summary/hub_target_day) are not national and are not compared.

k is --k if given; otherwise it grows with the number m of means that have a spread, so
that the chance that the largest of m agreeing means passes it stays about 1%:
k = max(4, the normal quantile of 1 - 0.01 / (2 m)): 4.4 for 1,000 means, 4.6 for 2,500.
(Over the 1,000 or more means every series gives, a fixed k = 4 is exceeded by chance in
about one comparison in twenty.) A changed rule shows as a z of 10 or more.

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
from statistics import NormalDist

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))
import hubsim_output  # noqa: E402  the one reader of hubsim's output
from simpy_model import SERIES  # noqa: E402  every series of a run, with its axes

# Series not compared: each hub's first day meeting a target is not a national quantity.
NOT_COMPARED = {"hub_target_day"}

FAMILYWISE = 0.01  # the chance that agreeing models fail the check, with k from the data


def k_for(means):
    """The largest z allowed over `means` means with a spread (see the module's help)."""
    return max(4.0, NormalDist().inv_cdf(1 - FAMILYWISE / (2 * max(1, means))))


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


def year_label(y):
    return f"{y}/{(int(y) + 1) % 100:02d}"


def national(arrays, labels):
    """{quantity: (array [replication, ...] summed over hubs, labels of the other axes)} for
    every compared series; `arrays` gives a series by name, `labels` an axis's labels."""
    out = {}
    for name, (_, axes, _) in SERIES.items():
        if name in NOT_COMPARED:
            continue
        x = np.asarray(arrays(name), np.float64)
        if "hub" in axes:
            x = x.sum(axis=1 + axes.index("hub"))
        out[name] = (x, tuple(labels(a) for a in axes if a != "hub"))
    return out


def national_hubsim(run):
    """National quantities of hubsim's run (hubsim_output.RunFile)."""
    known = {f"{group}/{name}" for name, (group, _, _) in SERIES.items()}
    unknown = sorted(set(run.series) - known)
    if unknown:
        sys.stderr.write(f"compare_simpy: hubsim writes {', '.join(unknown)}, which the SimPy "
                         "model (tools/simpy_model.py, SERIES) does not make\n")
        raise SystemExit(2)
    axis = {"time": [d.isoformat() for d in run.dates], "phase": run.phases,
            "stage": run.stages, "role": run.roles, "status": run.statuses,
            "disadvantage_band": run.bands, "year": [year_label(y) for y in run.years],
            "cost_item": run.cost_items, "target": [t.label for t in run.targets]}
    return national(lambda name: run.series[f"{SERIES[name][0]}/{name}"], axis.__getitem__)


def national_simpy(npz):
    """National quantities of the SimPy model's .npz."""
    def labels(a):
        if a == "time":
            return [str(x) for x in npz["date"]]
        if a == "year":
            return [year_label(y) for y in npz["year"]]
        return [str(x) for x in npz[a]]
    return national(lambda name: npz[name], labels)


def compare(a, b):
    """Per quantity: its means, the largest z and where; overall: the largest z, the means
    compared and how many of them have a spread."""
    rows, worst, n_checked, n_spread = [], (0.0, None), 0, 0
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
        n_spread += int((se > 0).sum())
        at = np.unravel_index(int(np.argmax(z)), z.shape)
        where = " ".join(str(axes[i][j]) for i, j in enumerate(at))
        zmax = float(z[at])
        rows.append((name, z.size, zmax, where, float(ma[at]), float(mb[at]), float(se[at])))
        if zmax >= worst[0] or worst[1] is None:
            worst = (zmax, f"{name} {where}".strip())
    return rows, worst, n_checked, n_spread


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
    ap.add_argument("--k", type=float,
                    help="largest z allowed (default: from the number of means with a spread, "
                         "at least 4)")
    ap.add_argument("--parameters", choices=("fixed", "drawn"), default="fixed",
                    help="fixed (default): every replication has the scenario's own values, so the "
                         "two models are compared on one parameter set; drawn: each replication "
                         "draws from the scenario's posterior (each model with its own random "
                         "numbers)")
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
                                       args.set + [f"parameters={args.parameters}"])
        print(f"SimPy model: {r_simpy} replications, one process ...", flush=True)
        simpy_wall = run_simpy(h5_path, npz_path, r_simpy, args.seed, args.simpy_set)
        run = hubsim_output.read_run(h5_path)
        a = national_hubsim(run)
        dates = [d.isoformat() for d in run.dates]
        phases = run.phases
        n_hubs = len(run.hubs)
        n_schools = int(run.schools.sum())
        name = run.name
        with np.load(npz_path) as d:
            b = national_simpy(d)
            simpy_ms = float(d["wall_s"].mean() * 1e3)
            simpy_cpu_ms = float(d["cpu_s"].mean() * 1e3)
            events = float(d["events"].mean())
            kernel = float(d["simpy_events"].mean())

    rows, worst, n_checked, n_spread = compare(a, b)
    k = args.k if args.k is not None else k_for(n_spread)
    print(f"\n{name}: {n_hubs} hubs, {n_schools} schools, {len(dates)} samples "
          f"({dates[0]} to {dates[-1]}), phases {', '.join(phases)}")
    print(f"\nagreement of national means, hubsim ({r_hubsim}) vs SimPy ({r_simpy}): "
          f"z = |difference| / sqrt(se_hubsim^2 + se_simpy^2)")
    print(f"  {'quantity':<22} {'means':>6} {'largest z':>9}  {'where':<48} {'hubsim':>12} "
          f"{'SimPy':>12} {'se':>9}")
    for q, n, z, where, ma, mb, se in rows:
        print(f"  {q:<22} {n:>6} {z:>9.2f}  {where:<48} {ma:>12.2f} {mb:>12.2f} {se:>9.2f}")
    agree = worst[0] <= k
    k_rule = ("given" if args.k is not None
              else f"exceeded by chance {FAMILYWISE:.0%} of the time over {n_spread} means "
                   "with a spread")
    print(f"  largest z {worst[0]:.2f} ({worst[1]}) over {n_checked} means: "
          f"{'agree' if agree else 'DO NOT AGREE'} within k = {k:.2f} ({k_rule})")

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
            "agree": agree, "k": k, "max_z": finite(worst[0]), "max_z_at": worst[1],
            "means_compared": n_checked, "means_with_spread": n_spread,
            "per_quantity": {q: {"max_z": finite(z), "at": w, "means": n}
                             for q, n, z, w, *_ in rows},
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
