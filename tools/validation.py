#!/usr/bin/env python3
"""Shows how well a calibrated scenario reproduces the observed history, and what its
projection says: writes docs/validation.md and its figures.

    /usr/bin/python3 tools/validation.py --calibration results/england-calibration.h5 \
        --projection scenarios/england_projection.yaml --replications 200 --out docs

Runs `hubsim run` on the projection scenario (which draws each replication's parameters
from the posterior), then compares every observation with the simulated median and 90%
interval, plots the prior and posterior of every fitted parameter, and states the
probability of the strategic targets. Uses Debian's python3-h5py, numpy and matplotlib.
"""

import argparse
import csv
import datetime as dt
import io
import subprocess
import sys
import tempfile
from pathlib import Path

import h5py
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import hubsim_output  # noqa: E402  the one reader of hubsim's output
from hubsim_output import text  # noqa: E402

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def weighted_quantile(values, weights, q):
    order = np.argsort(values)
    cum = np.cumsum(weights[order])
    return values[order][np.searchsorted(cum, q * cum[-1])]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calibration", required=True)
    ap.add_argument("--projection", required=True)
    ap.add_argument("--replications", type=int, default=200)
    ap.add_argument("--hubsim", default=str(REPO / "build" / "hubsim"))
    ap.add_argument("--out", default=str(REPO / "docs"))
    args = ap.parse_args(argv)
    out = Path(args.out)

    with h5py.File(args.calibration, "r") as f:
        names = [text(n) for n in f["parameter"][()]]
        posterior, weight = f["posterior"][()], f["weight"][()]
        low, high = f["prior_low"][()], f["prior_high"][()]
        tolerance = f["tolerance"][()]
        simulations = int(f.attrs["simulations"])
        observations = list(csv.DictReader(io.StringIO(text(f["observations"][()]))))
        command = text(f.attrs["command_line"])

    # hubsim measures each observation in each replication (`run --observations`): the
    # measures are computed in one place, the one the calibration fits with.
    with tempfile.TemporaryDirectory() as tmp:
        run_path, history = Path(tmp) / "projection.h5", Path(tmp) / "history.csv"
        with h5py.File(args.calibration, "r") as f:
            history.write_text(text(f["observations"][()]))
        proc = subprocess.run([args.hubsim, "run", args.projection, "-o", str(run_path), "-q",
                               "--replications", str(args.replications), "--observations", str(history)],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            sys.exit(proc.stderr)
        run = hubsim_output.read_run(run_path)
    simulated = run.series["summary/simulated"]  # [replication, observation]

    # 1. Every observation beside the simulated median and 90% interval.
    rows, ratios = [], []
    for k, o in enumerate(observations):
        v = simulated[:, k]
        lo, med, hi = np.percentile(v, [5, 50, 95])
        value = float(o["value"])
        inside = (lo <= value <= hi) if o["kind"] != "lower_bound" else (hi >= value)
        rows.append((o, med, lo, hi, inside))
        ratios.append((o, med / value, lo / value, hi / value))

    fig, ax = plt.subplots(figsize=(9, 0.38 * len(ratios) + 1.4))
    y = np.arange(len(ratios))[::-1]
    for yi, (o, med, lo, hi) in zip(y, ratios):
        colour = {"exact": "#1b6ca8", "approximate": "#2a9d8f", "lower_bound": "#e76f51"}[o["kind"]]
        ax.plot([lo, hi], [yi, yi], color=colour, lw=3, alpha=0.6)
        ax.plot(med, yi, "o", color=colour)
    ax.axvline(1, color="black", lw=1)
    ax.set_yticks(y)
    ax.set_yticklabels([f"{o['date']} {o['measure']} {o['phase']} {o['scope']}" for o, *_ in ratios], fontsize=8)
    ax.set_xlabel("simulated / observed (dot: median; bar: 90% interval)")
    ax.set_title("Observed history against the calibrated model")
    fig.tight_layout()
    fig.savefig(out / "validation-fit.png", dpi=120)
    plt.close(fig)

    # 2. Prior and posterior of every fitted parameter.
    fig, axes = plt.subplots(1, len(names), figsize=(3.2 * len(names), 2.8))
    axes = np.atleast_1d(axes)
    posterior_rows = []
    for k, (ax, name) in enumerate(zip(axes, names)):
        ax.hist(posterior[:, k], bins=25, range=(low[k], high[k]), weights=weight, color="#1b6ca8", alpha=0.8,
                density=True, label="posterior")
        ax.axhline(1 / (high[k] - low[k]), color="grey", ls="--", label="prior (uniform)")
        ax.set_title(name, fontsize=9)
        ax.set_yticks([])
        q = [weighted_quantile(posterior[:, k], weight, p) for p in (0.05, 0.5, 0.95)]
        posterior_rows.append((name, low[k], high[k], *q))
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out / "validation-posterior.png", dpi=120)
    plt.close(fig)

    # 3. The projection against the strategic targets, with chance and parameter uncertainty.
    schools = run.schools.sum(axis=0).astype(float)
    share = run.engaged.sum(axis=2) / schools  # [rep, time, phase]
    years = [d.year for d in run.dates]
    fig, ax = plt.subplots(figsize=(8, 4))
    colours = {"primary": "#1b6ca8", "secondary": "#e76f51", "post16": "#2a9d8f"}
    for c, p in enumerate(run.phases):
        q = np.percentile(share[:, :, c], [5, 25, 50, 75, 95], axis=0)
        ax.fill_between(years, q[0], q[4], color=colours[p], alpha=0.15)
        ax.fill_between(years, q[1], q[3], color=colours[p], alpha=0.3)
        ax.plot(years, q[2], color=colours[p], label=f"{p} (median, 50% and 90% bands)")
    for target in run.targets:  # the scenario's own targets, as data
        ax.plot([target.by.year], [target.value], marker="D", color=colours[target.phase], ls="none")
        ax.annotate(f"{target.label}", (target.by.year, target.value + 0.02), color=colours[target.phase],
                    fontsize=7, ha="center")
    ax.set_ylim(0, 1)
    ax.set_xlabel("end of academic year (31 August)")
    ax.set_ylabel("share of schools ever engaged")
    ax.set_title("England: schools engaged with Teaching for Mastery")
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(out / "validation-projection.png", dpi=120)
    plt.close(fig)

    target_day = run.series["summary/target_day"]  # [replication, target]: -1 never

    def met_by(k, day):
        d = target_day[:, k]
        return float(((d >= 0) & (d <= day)).mean())

    def median_date(k):
        d = np.sort(np.where(target_day[:, k] < 0, np.iinfo(np.int64).max, target_day[:, k]))
        m = d[(len(d) - 1) // 2]
        return f"not by {run.dates[-1]}" if m == np.iinfo(np.int64).max else \
            str(run.start + dt.timedelta(days=int(m)))

    # docs/validation.md
    md = [
        "# Validation: the England baseline against the programme's history",
        "",
        "Generated by `tools/validation.py`; every figure and number below comes from the",
        "commands at the end, and is reproduced by running them again.",
        "",
        "## How it was fitted",
        "",
        f"`hubsim calibrate` fitted {len(names)} uncertain parameters of `scenarios/england.yaml` to the",
        f"{len(observations)} observations in `scenarios/calibration/england_history.csv` by approximate",
        f"Bayesian computation (ABC-SMC, {len(tolerance)} generations, {posterior.shape[0]} particles,",
        f"{simulations} simulations; final tolerance {tolerance[-1]:.3g}, the root mean square of",
        "each observation's error in units of its tolerance: 2% of the value for exact figures,",
        "15% for approximate ones; a lower bound counts only when missed).",
        "",
        "## Every target: observed against simulated",
        "",
        f"Simulated: the projection scenario (posterior draws), {args.replications} replications; median",
        "and 90% interval. *Inside* says whether the observation lies within the interval (for a",
        "lower bound: whether the interval reaches it).",
        "",
        "| date | measure | phase | scope | observed | kind | simulated median | 90% interval | inside |",
        "|---|---|---|---|---:|---|---:|---|---|",
    ]
    for o, med, lo, hi, inside in rows:
        md.append(f"| {o['date']} | {o['measure']} | {o['phase']} | {o['scope']} | {float(o['value']):,.0f} | "
                  f"{o['kind']} | {med:,.0f} | {lo:,.0f} to {hi:,.0f} | {'yes' if inside else 'no'} |")
    misses = [f"{o['date']} {o['measure']} {o['phase']} {o['scope']}" for o, *_, inside in rows if not inside]
    md += ["", "![observed against simulated](validation-fit.png)", "",
           "## Where the model could not match the history, and why", "",
           ("Outside the interval: " + "; ".join(misses) + ".") if misses else "Every observation is inside its interval.",
           "",
           "- **More than 5,000 primary schools by the end of 2018/19.** The model's capacity in 2018/19",
           "  comes from about four cohorts of 140 specialists and the hubs' founding leaders; fitting",
           "  5,000 would take more leaders or larger groups than the 2016/17 figure of about 800",
           "  schools allows. The published count probably includes schools in Work Groups beyond the",
           "  Development/Readiness route (e.g. other TfM projects) that the model does not represent.",
           "- **Regions in January 2018 (London, the North West).** Training places are shared among",
           "  hubs one at a time, not by size, so London's four large hubs get no more leaders than",
           "  small ones; and the hub map is static, so schools in areas whose hub opened in 2019 or",
           "  2020 (Cheshire & Wirral and Abacus NW in the North West; Essex, Warwickshire and",
           "  Wiltshire/Berkshire) wait for it instead of being served by a neighbouring hub, as",
           "  they were (scenarios/england/README.md).",
           "- **Identifiability.** Engagement counts cannot tell demand from capacity apart once",
           "  waiting lists form: wide intervals for `demand.q`, `llme.primary.load` and attrition are",
           "  the data's honest answer, and they carry into the projection's spread.",
           "",
           "## Prior and posterior of every fitted parameter", "",
           "| parameter | prior | posterior median | 90% interval |", "|---|---|---:|---|"]
    for name, lo, hi, q05, q50, q95 in posterior_rows:
        md.append(f"| `{name}` | uniform {lo:g} to {hi:g} | {q50:.4g} | {q05:.4g} to {q95:.4g} |")
    md += ["", "![prior and posterior](validation-posterior.png)", "",
           "## What the baseline projects", "",
           f"With parameters drawn from the posterior for each of {args.replications} replications, so the",
           "spread holds parameter uncertainty as well as chance:", "",
           f"| target | P(met by its date) | P(met by {run.dates[-1]}) | median date met |",
           "|---|---:|---:|---|"]
    for k, target in enumerate(run.targets):
        md.append(f"| {target.label} | {met_by(k, target.by_day):.0%} | {met_by(k, run.days[-1]):.0%} | "
                  f"{median_date(k)} |")
    md += ["", "![projection](validation-projection.png)", "",
           "## Reproduce", "", "```",
           command.replace(str(REPO) + "/", ""),
           f"/usr/bin/python3 tools/validation.py --calibration {args.calibration} --projection {args.projection} "
           f"--replications {args.replications} --out {args.out}", "```", ""]
    (out / "validation.md").write_text("\n".join(md))
    print("\n".join(md))


if __name__ == "__main__":
    main()
