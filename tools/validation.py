#!/usr/bin/env python3
"""Checks that the England calibration tells the truth, and writes docs/validation.md.

    /usr/bin/python3 tools/validation.py --calibration results/england-calibration.h5 \\
        --out docs [--replications 200] [--sbc 20] [--out-of-time]

From the calibration's output (`hubsim calibrate scenarios/calibration/england.yaml`):

1. the fit: every parameter's prior, posterior median and 90% interval, how much the data
   narrowed it (the interval's width over the prior's), and the correlations that matter;
   the ABC's generations (tolerance, effective sample size, acceptance) and why it stopped;
2. posterior predictive checks: the baseline (`--projection`, default
   scenarios/england.yaml, which draws each replication's parameters from the posterior)
   measures every observation in every replication (`hubsim run --observations`); each
   observed value beside the predictive median and 90% interval;
3. out of time (`--out-of-time`): the same calibration fitted on the observations up to
   2016/17 only, then used to predict the later ones, with predictive intervals;
4. simulation-based calibration (`--sbc N`): N parameter sets drawn from the prior, a
   dataset simulated from each on a reduced England (`hubsim generate`, the national
   observations), each fitted by the same method; the share of 90% intervals that cover
   the truth, per parameter (near 90% if the method's intervals are honest);
5. the projection: for every target, P(met by its date) with its 95% Wilson interval, and
   P(met by the end), under chance and parameter uncertainty.

Uses Debian's python3-h5py, numpy and matplotlib, and the hubsim binary (--hubsim).
"""

import argparse
import csv
import datetime as dt
import io
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import h5py
import numpy as np

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import hubsim_output  # noqa: E402  the one reader of hubsim's output
from hubsim_output import text  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
OUT_OF_TIME = dt.date(2017, 8, 31)  # fit on what was published for 2016/17 and before


def weighted_quantile(values, weights, q):
    order = np.argsort(values)
    cum = np.cumsum(weights[order])
    return values[order][np.searchsorted(cum, q * cum[-1])]


def wilson(k, n, z=1.959963984540054):
    """The 95% Wilson score interval of k successes in n."""
    if n == 0:
        return 0.0, 1.0
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def hubsim(args, *cmd, timeout=7200):
    proc = subprocess.run([args.hubsim, *map(str, cmd)], capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        sys.exit(f"hubsim {' '.join(map(str, cmd))} failed:\n{proc.stderr}")
    return proc


def read_calibration(path):
    with h5py.File(path, "r") as f:
        c = dict(
            names=hubsim_output.texts(f["parameter"]), posterior=f["posterior"][()],
            weight=f["weight"][()], low=f["prior_low"][()], high=f["prior_high"][()],
            tolerance=f["tolerance"][()], simulations=int(f.attrs["simulations"]),
            per_generation=f["simulations"][()],
            ess=f["ess"][()] if "ess" in f else None,
            acceptance=f["acceptance"][()] if "acceptance" in f else None,
            stop=text(f.attrs["stop"]) if "stop" in f.attrs else "",
            observations_text=text(f["observations"][()]), calibration_text=text(f["calibration"][()]),
            command=text(f.attrs["command_line"]))
    c["observations"] = list(csv.DictReader(io.StringIO(c["observations_text"])))
    return c


def parameter_rows(c):
    """Per parameter: prior, median, 90% interval and width over the prior's."""
    rows = []
    for k, name in enumerate(c["names"]):
        q = [weighted_quantile(c["posterior"][:, k], c["weight"], p) for p in (0.05, 0.5, 0.95)]
        rows.append(dict(name=name, low=c["low"][k], high=c["high"][k], q05=q[0], q50=q[1], q95=q[2],
                         ratio=(q[2] - q[0]) / (c["high"][k] - c["low"][k])))
    return rows


def correlations(c, threshold=0.3):
    """Weighted posterior correlations with |r| >= threshold, strongest first."""
    x, w = c["posterior"], c["weight"] / c["weight"].sum()
    m = (w[:, None] * x).sum(axis=0)
    cov = ((x - m) * w[:, None]).T @ (x - m)
    sd = np.sqrt(np.diag(cov))
    r = cov / np.outer(sd, sd)
    pairs = [(abs(r[i, j]), r[i, j], c["names"][i], c["names"][j])
             for i in range(len(sd)) for j in range(i + 1, len(sd)) if abs(r[i, j]) >= threshold]
    return sorted(pairs, reverse=True)


def run_with_observations(args, scenario, history_csv, out, replications, *extra):
    hubsim(args, "run", scenario, "-o", out, "-q", "--replications", replications, "--observations",
           history_csv, *extra)
    return hubsim_output.read_run(out)


def predictive_rows(run, observations):
    sim = run.series["summary/simulated"]
    rows = []
    for k, o in enumerate(observations):
        v = sim[:, k]
        lo, med, hi = np.nanpercentile(v, [5, 50, 95])
        value = float(o["value"])
        inside = (lo <= value <= hi) if o["kind"] != "lower_bound" else (hi >= value)
        rows.append(dict(o=o, lo=lo, med=med, hi=hi, inside=inside))
    return rows


def reason(o, r):
    """Why an observation the model misses is missed: what is known of the model's limits."""
    where = f"{o['date']} {o['measure']} {o['phase']} {o['scope']} (observed {float(o['value']):,.0f}, " \
            f"predicted {r['med']:,.0f})"
    if o["scope"].startswith("region:"):
        return (f"**Regions** ({where} and others): the hub map is partly constructed and static "
                "(scenarios/england/README.md); training places are shared among hubs by applicants, "
                "not by size; schools in areas whose hub opened in 2019 or 2020 wait for it, where in "
                "the programme neighbouring hubs served them.")
    if o["scope"] == "fewest_hub":
        return (f"**Every hub with 30 or more leaders** ({where}): a hub opening in 2019 or 2020 starts "
                "with its roles' `initial_per_hub` and recruits from then on; in the programme the new "
                "hubs were carved out of existing ones and brought their leaders with them, which the "
                "static hub map does not represent.")
    if o["kind"] == "lower_bound" and o["measure"] == "engaged":
        return (f"**More than 5,000 primary schools by 2018/19** ({where}): the published count "
                "probably includes schools in Work Groups beyond the Readiness and Development route "
                "(other TfM projects, the Shanghai exchange's showcase schools), which the model does "
                "not count as engaged.")
    if o["measure"].startswith("applicants"):
        return (f"**Applicants** ({where}): the model's applicants are schools putting a teacher "
                "forward at a yearly rate; the published 'over 400' counts individual applications.")
    return f"{where}: outside the predictive interval."


def write_calibration_file(path, base_calibration_text, scenario, observations_csv, particles=None,
                           generations=None, seed=None):
    """A copy of a calibration file with its scenario and observations replaced (and, for
    the simulation-based check, fewer particles)."""
    lines = []
    for line in base_calibration_text.splitlines():
        if line.startswith("scenario:"):
            line = f"scenario: {scenario}"
        elif line.startswith("observations:"):
            line = f"observations: {observations_csv}"
        elif line.startswith("method:") and particles:
            line = (f"method: {{kind: abc_smc, particles: {particles}, generations: {generations}, "
                    "quantile: 0.5, max_attempts: 200}")
        elif line.startswith("seed:") and seed is not None:
            line = f"seed: {seed}"
        lines.append(line)
    Path(path).write_text("\n".join(lines) + "\n")


def out_of_time(args, c, tmp):
    """Fit on the observations dated 2016/17 or before; predict the rest."""
    early = [o for o in c["observations"] if dt.date.fromisoformat(o["date"]) <= OUT_OF_TIME]
    later = [o for o in c["observations"] if dt.date.fromisoformat(o["date"]) > OUT_OF_TIME]
    obs = Path(tmp) / "history_to_2017.csv"
    with open(obs, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(c["observations"][0]))
        w.writeheader()
        w.writerows(early)
    cal_yaml = Path(tmp) / "calibration_to_2017.yaml"
    write_calibration_file(cal_yaml, c["calibration_text"], REPO / "scenarios" / "england.yaml", obs)
    cal = Path(tmp) / "to_2017.h5"
    posterior = Path(tmp) / "to_2017.csv"
    t0 = time.time()
    hubsim(args, "calibrate", cal_yaml, "-o", cal, "-q", "--posterior", posterior)
    seconds = time.time() - t0
    all_obs = Path(tmp) / "history.csv"
    all_obs.write_text(c["observations_text"])
    scenario = Path(tmp) / "england_to_2017.yaml"
    scenario.write_text(f"base: {REPO / 'scenarios' / 'england.yaml'}\nname: england_to_2017\n"
                        f"posterior: {{file: {posterior}}}\n")
    run = run_with_observations(args, scenario, all_obs, Path(tmp) / "to_2017_run.h5", args.replications)
    rows = [r for r in predictive_rows(run, c["observations"])
            if dt.date.fromisoformat(r["o"]["date"]) > OUT_OF_TIME]
    return dict(early=early, later=later, rows=rows, fit=read_calibration(cal), seconds=seconds)


def sbc(args, c, tmp):
    """Simulation-based calibration on a reduced England."""
    small = Path(tmp) / "england_small.yaml"
    hubsim(args, "generate", REPO / "scenarios" / "england.yaml", "--schools", args.sbc_schools, "-o", small)
    # The national observations (a generated England has no regions); values come from each truth.
    template = [o for o in c["observations"] if not o["scope"].startswith("region:")]
    template_csv = Path(tmp) / "sbc_template.csv"
    with open(template_csv, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(c["observations"][0]))
        w.writeheader()
        w.writerows(template)
    rng = np.random.default_rng(args.sbc_seed)
    d = len(c["names"])
    truths = c["low"] + (c["high"] - c["low"]) * rng.random((args.sbc, d))
    covered = np.zeros((args.sbc, d), bool)
    ranks = np.zeros((args.sbc, d))
    started = time.time()
    for i, truth in enumerate(truths):
        sets = []
        for name, v in zip(c["names"], truth):
            count = name.endswith(("initial_per_hub", "training_places"))
            sets += ["--set", f"{name}={round(v) if count else v:.10g}"]
        data = run_with_observations(args, small, template_csv, Path(tmp) / f"truth{i}.h5", 1,
                                     "--seed", 1000 + i, "--parameters", "fixed", *sets)
        observed = data.series["summary/simulated"][0]
        obs_csv = Path(tmp) / f"sbc{i}.csv"
        with open(obs_csv, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(c["observations"][0]))
            w.writeheader()
            for o, v in zip(template, observed):
                w.writerow({**o, "value": f"{v:.6g}"})
        cal_yaml = Path(tmp) / f"sbc{i}.yaml"
        write_calibration_file(cal_yaml, c["calibration_text"], small, obs_csv, args.sbc_particles,
                               args.sbc_generations, seed=5000 + i)
        out = Path(tmp) / f"sbc{i}.h5"
        hubsim(args, "calibrate", cal_yaml, "-o", out, "-q")
        fit = read_calibration(out)
        for k in range(d):
            lo = weighted_quantile(fit["posterior"][:, k], fit["weight"], 0.05)
            hi = weighted_quantile(fit["posterior"][:, k], fit["weight"], 0.95)
            covered[i, k] = lo <= truth[k] <= hi
            ranks[i, k] = np.sum(fit["weight"][fit["posterior"][:, k] < truth[k]]) / fit["weight"].sum()
        print(f"validation: SBC {i + 1}/{args.sbc} done ({time.time() - started:.0f} s)", flush=True)
    return dict(coverage=covered.mean(axis=0), n=args.sbc, ranks=ranks, seconds=time.time() - started,
                observations=len(template))


def figure_fit(rows, path, title):
    fig, ax = plt.subplots(figsize=(9, 0.38 * len(rows) + 1.4))
    y = np.arange(len(rows))[::-1]
    for yi, r in zip(y, rows):
        o, value = r["o"], float(r["o"]["value"])
        colour = {"exact": "#1b6ca8", "approximate": "#2a9d8f", "lower_bound": "#e76f51"}[o["kind"]]
        ax.plot([r["lo"] / value, r["hi"] / value], [yi, yi], color=colour, lw=3, alpha=0.6)
        ax.plot(r["med"] / value, yi, "o", color=colour)
    ax.axvline(1, color="black", lw=1)
    ax.set_yticks(y)
    ax.set_yticklabels([f"{r['o']['date']} {r['o']['measure']} {r['o']['phase']} {r['o']['scope']}"
                        for r in rows], fontsize=8)
    ax.set_xlabel("simulated / observed (dot: median; bar: 90% predictive interval)")
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def figure_posterior(c, path):
    names = c["names"]
    cols = 4
    rows_n = math.ceil(len(names) / cols)
    fig, axes = plt.subplots(rows_n, cols, figsize=(3.4 * cols, 2.5 * rows_n))
    axes = np.atleast_1d(axes).ravel()
    for k, name in enumerate(names):
        ax = axes[k]
        ax.hist(c["posterior"][:, k], bins=25, range=(c["low"][k], c["high"][k]), weights=c["weight"],
                color="#1b6ca8", alpha=0.8, density=True, label="posterior")
        ax.axhline(1 / (c["high"][k] - c["low"][k]), color="grey", ls="--", label="prior (uniform)")
        ax.set_title(name.replace("llme.", "").replace("phases.", ""), fontsize=8)
        ax.set_yticks([])
    for ax in axes[len(names):]:
        ax.axis("off")
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def figure_projection(run, path):
    schools = run.schools.sum(axis=0).astype(float)
    share = run.engaged.sum(axis=2) / schools
    years = [d.year for d in run.dates]
    colours = {"primary": "#1b6ca8", "secondary": "#e76f51", "post16": "#2a9d8f"}
    fig, ax = plt.subplots(figsize=(8, 4))
    for c, p in enumerate(run.phases):
        q = np.percentile(share[:, :, c], [5, 25, 50, 75, 95], axis=0)
        ax.fill_between(years, q[0], q[4], color=colours[p], alpha=0.15)
        ax.fill_between(years, q[1], q[3], color=colours[p], alpha=0.3)
        ax.plot(years, q[2], color=colours[p], label=f"{p} (median, 50% and 90% bands)")
    for t in run.targets:
        if t.is_share:
            ax.plot([t.by.year], [t.value], marker="D", color=colours[t.phase], ls="none")
    ax.set_ylim(0, 1)
    ax.set_xlabel("end of academic year (31 August)")
    ax.set_ylabel("share of schools ever engaged")
    ax.set_title("England: schools engaged, chance and parameter uncertainty")
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def without_binary(args):
    """The command line without --hubsim PATH: which binary ran is this machine's business."""
    out, skip = [], False
    for a in args:
        if skip:
            skip = False
        elif a == "--hubsim":
            skip = True
        elif not a.startswith("--hubsim="):
            out.append(a)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calibration", required=True, help="hubsim calibrate's output")
    ap.add_argument("--projection", default=str(REPO / "scenarios" / "england.yaml"))
    ap.add_argument("--replications", type=int, default=200)
    ap.add_argument("--out-of-time", action="store_true")
    ap.add_argument("--sbc", type=int, default=0, help="datasets for simulation-based calibration")
    ap.add_argument("--sbc-schools", type=int, default=4000)
    ap.add_argument("--sbc-particles", type=int, default=300)
    ap.add_argument("--sbc-generations", type=int, default=8)
    ap.add_argument("--sbc-seed", type=int, default=20)
    ap.add_argument("--hubsim", default=str(REPO / "build" / "hubsim"))
    ap.add_argument("--out", default=str(REPO / "docs"))
    args = ap.parse_args(argv)
    out = Path(args.out)
    c = read_calibration(args.calibration)

    with tempfile.TemporaryDirectory() as tmp:
        history = Path(tmp) / "history.csv"
        history.write_text(c["observations_text"])
        run = run_with_observations(args, args.projection, history, Path(tmp) / "projection.h5",
                                    args.replications)
        ppc = predictive_rows(run, c["observations"])
        oot = out_of_time(args, c, tmp) if args.out_of_time else None
        check = sbc(args, c, tmp) if args.sbc else None

    params = parameter_rows(c)
    figure_fit(ppc, out / "validation-fit.png", "Posterior predictive check: every observation")
    figure_posterior(c, out / "validation-posterior.png")
    figure_projection(run, out / "validation-projection.png")
    if oot:
        figure_fit(oot["rows"], out / "validation-out-of-time.png",
                   "Out of time: fitted to 2016/17, predicting what came after")

    g = len(c["tolerance"])
    md = ["# Validation: the England calibration and what it can be trusted for", "",
          "Generated by `tools/validation.py`; every number comes from the commands at the end and",
          "is reproduced by running them again.", "",
          "## How it was fitted", "",
          f"`hubsim calibrate` fitted {len(c['names'])} parameters of `scenarios/england.yaml` to the "
          f"{len(c['observations'])} observations in `scenarios/calibration/england_history.csv`: every "
          "figure published up to 2021/22 that the model can measure, each with its own error, justified "
          "in the file's `note` (inputs, such as the 140 training places, are not observations). ABC-SMC: "
          f"{c['posterior'].shape[0]} particles, {g} generations, {c['simulations']:,} simulations; "
          f"stopped: {c['stop'] or 'n/a'}. A particle is kept only within its generation's tolerance "
          "(the root mean square of the observations' errors in units of their own error; a lower bound "
          "counts only when missed).", "",
          "| generation | tolerance | simulations | acceptance | effective sample size |",
          "|---:|---:|---:|---:|---:|"]
    for k in range(g):
        acc = c["acceptance"][k] if c["acceptance"] is not None else float("nan")
        ess = c["ess"][k] if c["ess"] is not None else float("nan")
        md.append(f"| {k + 1} | {c['tolerance'][k]:.3g} | {int(c['per_generation'][k]):,} | {acc:.3f} | "
                  f"{ess:,.0f} |")
    md += ["", "## What the data can tell: every parameter", "",
           "Width: the posterior 90% interval over the prior's range (1: the data say nothing; small: "
           "the data pin it down).", "",
           "| parameter | prior (uniform) | posterior median | 90% interval | width |",
           "|---|---|---:|---|---:|"]
    for p in params:
        md.append(f"| `{p['name']}` | {p['low']:g} to {p['high']:g} | {p['q50']:.4g} | {p['q05']:.4g} to "
                  f"{p['q95']:.4g} | {p['ratio']:.2f} |")
    corr = correlations(c)
    md += ["", "Correlations that matter (weighted posterior, |r| >= 0.3): "
           + ("; ".join(f"`{a}` and `{b}` {r:+.2f}" for _, r, a, b in corr[:12]) if corr else "none") + ".",
           "", "![prior and posterior](validation-posterior.png)", "",
           "## Posterior predictive check: every observation", "",
           f"The baseline (`{Path(args.projection).relative_to(REPO) if Path(args.projection).is_relative_to(REPO) else args.projection}`, "
           f"each replication drawing its parameters from the posterior), {args.replications} "
           "replications, measuring each observation as the calibration does (`hubsim run "
           "--observations`): predictive median and 90% interval. *Inside*: the observation lies in "
           "the interval (a lower bound: the interval reaches it).", "",
           "| date | measure | phase | scope | observed | kind | error | predictive median | 90% interval | inside |",
           "|---|---|---|---|---:|---|---:|---:|---|---|"]
    for r in ppc:
        o = r["o"]
        md.append(f"| {o['date']} | {o['measure']} | {o['phase']} | {o['scope']} | {float(o['value']):,.0f} | "
                  f"{o['kind']} | {o.get('error') or ''} | {r['med']:,.0f} | {r['lo']:,.0f} to {r['hi']:,.0f} | "
                  f"{'yes' if r['inside'] else 'no'} |")
    misses = [r for r in ppc if not r["inside"]]
    md += ["", f"{len(ppc) - len(misses)} of {len(ppc)} observations inside their predictive interval.",
           "", "![predictive check](validation-fit.png)", ""]
    if misses:
        md += ["### Where the model cannot match the history, and why", ""]
        said = set()
        for r in misses:
            o = r["o"]
            key = ("region" if o["scope"].startswith("region:") else o["scope"], o["measure"])
            if key in said:
                continue
            said.add(key)
            md.append("- " + reason(o, r))
        md.append("")
    if oot:
        inside = sum(r["inside"] for r in oot["rows"])
        md += ["## Out of time: fitted to 2016/17, predicting what came after", "",
               f"The same calibration fitted on the {len(oot['early'])} observations dated up to "
               f"{OUT_OF_TIME} ({oot['fit']['simulations']:,} simulations, {oot['seconds']:.0f} s), "
               f"then the baseline with that posterior predicting the {len(oot['rows'])} later ones:", "",
               "| date | measure | phase | scope | observed | predictive median | 90% interval | inside |",
               "|---|---|---|---|---:|---:|---|---|"]
        for r in oot["rows"]:
            o = r["o"]
            md.append(f"| {o['date']} | {o['measure']} | {o['phase']} | {o['scope']} | "
                      f"{float(o['value']):,.0f} | {r['med']:,.0f} | {r['lo']:,.0f} to {r['hi']:,.0f} | "
                      f"{'yes' if r['inside'] else 'no'} |")
        md += ["", f"{inside} of {len(oot['rows'])} later observations inside the predictive interval.", "",
               "![out of time](validation-out-of-time.png)", ""]
    if check:
        md += ["## Simulation-based calibration: do the intervals cover the truth?", "",
               f"{check['n']} parameter sets drawn from the prior; for each, one dataset simulated on a "
               f"reduced England (`hubsim generate --schools {args.sbc_schools}`, the "
               f"{check['observations']} national observations) and fitted by the same method "
               f"({args.sbc_particles} particles, at most {args.sbc_generations} generations); "
               f"{check['seconds']:.0f} s in all. Coverage: the share of 90% posterior intervals that "
               "hold the truth (honest intervals give about 90%; with "
               f"{check['n']} datasets, a 95% Wilson interval around an observed share is wide).", "",
               "| parameter | coverage of 90% intervals | 95% interval of the coverage |", "|---|---:|---|"]
        for k, name in enumerate(c["names"]):
            lo, hi = wilson(round(check["coverage"][k] * check["n"]), check["n"])
            md.append(f"| `{name}` | {check['coverage'][k]:.0%} | {lo:.0%} to {hi:.0%} |")
        md.append("")
    # The projection's targets.
    td, last = run.series["summary/target_day"], run.days[-1]
    md += ["## What the baseline projects", "",
           f"{args.replications} replications, each drawing its parameters from the posterior: the "
           "spread holds parameter uncertainty as well as chance. P(met) with its 95% Wilson interval "
           "over the replications.", "",
           f"| target | P(met by its date) | P(met by {run.dates[-1]}) | median date met |", "|---|---|---|---|"]
    for k, t in enumerate(run.targets):
        d = td[:, k]
        on_time = int(((d >= 0) & (d <= t.by_day)).sum())
        by_end = int(((d >= 0) & (d <= last)).sum())
        n = len(d)
        lo1, hi1 = wilson(on_time, n)
        lo2, hi2 = wilson(by_end, n)
        srt = np.sort(np.where(d < 0, np.iinfo(np.int64).max, d))
        m = srt[(n - 1) // 2]
        when = f"not by {run.dates[-1]}" if m == np.iinfo(np.int64).max else str(run.start + dt.timedelta(days=int(m)))
        md.append(f"| {t.label} | {on_time / n:.0%} ({lo1:.0%} to {hi1:.0%}) | {by_end / n:.0%} "
                  f"({lo2:.0%} to {hi2:.0%}) | {when} |")
    md += ["", "![projection](validation-projection.png)", "",
           "## Reproduce", "", "```", c["command"].replace(str(REPO) + "/", ""),
           "/usr/bin/python3 tools/validation.py " + " ".join(
               a.replace(str(REPO) + "/", "") for a in without_binary(argv if argv is not None else sys.argv[1:])),
           "```", ""]
    (out / "validation.md").write_text("\n".join(md))
    print("\n".join(md))


if __name__ == "__main__":
    main()
