#!/usr/bin/env python3
"""Turns hubsim run output into a report a planner can put in front of a board.

    /usr/bin/python3 tools/report.py RUN.h5 [OTHER.h5 ...] -o DIR [--llme-ambition 50]
                                     [--threshold 0.75]
    /usr/bin/python3 tools/report.py [RUN.h5 ...] STUDY.h5 [...] -o DIR

Writes DIR/index.html, a self-contained page (figures embedded as PNG data URIs, styles
and the table-sorting script inline: it opens without network access), each figure as
DIR/<name>.png, and DIR/data.json: every number the figures and tables show, as computed
here (the page embeds the same JSON).

One run: engagement by phase against the strategic targets (median, 50% and 90% bands
across replications), stage composition, the LLME pipeline against the ambition of active
leaders per open hub, waiting lists, cost, national and per-hub target dates, the scenario
and the run's provenance. Two or more runs: the same figures overlaid and every run
against every other (each against the first, then the others against each other): a table
of differences and the differences through time, paired replication by replication when
the runs share seed and replication count (common random numbers), unpaired otherwise.

    /usr/bin/python3 tools/report.py SWEEP.h5 -o DIR

The output of `hubsim sweep` (alone): each point's headline figures against the swept
parameters (a figure for one or two, a sortable table always).

The output of `hubsim marginal`, `sensitivity` and `optimise` (STUDY.h5, alone or after
runs) adds a Decisions section: where extra leaders add most, which parameters matter, and
the front of a policy search, each with its figure and saying which uncertainty its
intervals hold.

Bad input (a missing file, a file that is not the output of `hubsim run`, `hubsim sweep`
or a decision study, a sweep beside other files, runs whose hubs, phases or time axes
differ) gets a
one-line message naming the file on stderr, exit status 2, and nothing written. A report
that cannot be written (a full disk, a read-only folder) gets a message naming the folder
and the cause, exit status 1, and nothing partial.
Uses Debian's python3-numpy, python3-h5py, python3-matplotlib and python3-jinja2
(python3-yaml, if present, for the parameter table).
"""

import argparse
import base64
import datetime as dt
import difflib
import io
import json
import math
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

try:
    import yaml  # python3-yaml: optional, used to tabulate the scenario's parameters
except ImportError:  # pragma: no cover - depends on the machine
    yaml = None

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import hubsim_output  # noqa: E402  the one reader of hubsim's output, beside this file

TEMPLATE = HERE / "report_template.html.j2"

# The programme's ambition of active Local Leaders of Mathematics Education per hub. It is
# a policy aspiration, not a scenario parameter, so it lives here (and in --llme-ambition).
LLME_AMBITION_PER_HUB = 50

# The share of a hub's schools ever engaged whose date the first hub table gives
# (--threshold): the planner's "when does each hub reach 75% of its primary schools".
THRESHOLD = 0.75

# Quantiles across replications shown everywhere: the median, the 50% and 90% bands.
QUANTILES = {"p5": 0.05, "p25": 0.25, "p50": 0.5, "p75": 0.75, "p95": 0.95}

EXIT_BAD_INPUT = 2
EXIT_FAILURE = 1  # the report could not be written (a full disk, a read-only folder)

# Root attributes shown as provenance, in this order (any others follow).
PROVENANCE_ATTRS = ("scenario_name", "hubsim_version", "seed", "replications", "created",
                    "git_commit", "command_line", "scenario_path", "threads", "library_versions")



class WriteFailed(Exception):
    """The report could not be written; reported as `report: cannot write DIR: WHY`, exit 1."""

    def __init__(self, out, error):
        super().__init__(f"cannot write {out}: {error.strerror or error}")


class BadInput(Exception):
    """An input the report cannot use; reported as `report: WHAT: WHY` with exit status 2."""

    def __init__(self, what, why):
        super().__init__(f"{what}: {why}")


# ------------------------------------------------------------------------------ reading


def _text(value):
    return hubsim_output.text(value)


def load_run(path):
    """Reads and checks one `hubsim run` output file; raises BadInput naming it if it is not one."""
    try:
        run = hubsim_output.read_run(path)
        run.uncertainty = uncertainty_of(run)  # said beside every band
        return run
    except hubsim_output.NotHubsimOutput as e:
        if "is sweep output" in e.why:
            raise BadInput(path, "is sweep output; the report of runs reads the output of "
                                 "`hubsim run` (a sweep's file is reported alone)") from None
        raise BadInput(e.what, e.why) from None


def load_sweep(path):
    """Reads and checks one `hubsim sweep` (or `hubsim merge`) output file."""
    try:
        sw = hubsim_output.read_sweep(path)
    except hubsim_output.NotHubsimOutput as e:
        raise BadInput(e.what, e.why) from None
    need = [n for n in ("target_day", "cost", "engaged") if n not in sw.summary]
    if need:
        raise BadInput(path, f"is sweep output without /summary/{need[0]}")
    if sw.schools is None:
        raise BadInput(path, "is sweep output without /hub_schools (written by an older "
                             "hubsim); run the sweep again to report it")
    if not sw.parameters or len(sw.point) == 0:
        raise BadInput(path, "is sweep output with no points")
    sw.uncertainty = uncertainty_of(sw)
    return sw


def is_sweep(f):
    return isinstance(f, hubsim_output.SweepFile)


def check_comparable(runs):
    """Raises BadInput naming the first run that cannot be compared with the first one."""
    ref = runs[0]
    for run in runs[1:]:
        for what, a, b in [("hubs", ref.hubs, run.hubs), ("phases", ref.phases, run.phases),
                           ("stages", ref.stages, run.stages),
                           ("LLME statuses", ref.statuses, run.statuses),
                           ("time axis start", ref.start, run.start),
                           ("sample dates", ref.dates, run.dates)]:
            if a != b:
                raise BadInput(run.path, f"its {what} differ from those of {ref.path}; "
                                         "only runs over the same hubs, phases and time axis compare")


def name_runs(runs):
    """Gives each run a distinct display name: the scenario name, with the file if needed."""
    names = [r.name for r in runs]
    for r in runs:
        if names.count(r.name) > 1:
            r.name = f"{r.name} ({Path(r.path).name})"
    seen = set()
    for i, r in enumerate(runs):
        if r.name in seen:  # the same file name in two folders
            r.name = f"{r.name} #{i + 1}"
        seen.add(r.name)


# ---------------------------------------------------------------------------- numbers


def quantiles(values, axis=0, method="linear"):
    """{p5, p25, p50, p75, p95} of values along axis (across replications)."""
    return {k: np.quantile(values, q, axis=axis, method=method) for k, q in QUANTILES.items()}


def never_as_inf(days):
    """Target days as floats, with -1 (never met) as +inf so that 'never' sorts last."""
    d = np.asarray(days, dtype=np.float64)
    return np.where(d < 0, np.inf, d)


def day_quantiles(days, axis=0):
    """Quantiles of target days: observed sample days (inverted CDF), so never interpolated
    between a real date and 'never'."""
    return quantiles(never_as_inf(days), axis=axis, method="inverted_cdf")


def national_share(run):
    """Share of each phase's schools ever engaged, summed over hubs: [replication, time, phase]
    (NaN for a phase without schools)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return run.engaged.sum(axis=2) / run.schools.sum(axis=0)


def equity_shares(run, measure="engaged"):
    """Share of each disadvantage quintile's schools ever engaged (or, for "participating",
    in a Work Group in the sample's academic year), per phase: [replication, time, phase,
    band] (NaN for a band without schools)."""
    schools = run.band_schools.sum(axis=0).astype(float)  # [phase, band]
    with np.errstate(invalid="ignore", divide="ignore"):
        return getattr(run, f"{measure}_by_band").sum(axis=2) / schools


def hubs_open(run):
    """Number of hubs open at each sample date."""
    return np.array([sum(o <= d for o in run.opens) for d in run.dates], dtype=np.int64)


def sample_by(run, day):
    """Index of the last sample on or before a day (what was known by a deadline), or None.

    Engagement never falls, so a target is met by its deadline exactly when the engaged share
    at this sample reaches it: the gap and the target date agree."""
    idx = np.nonzero(run.days <= day)[0]
    return int(idx[-1]) if len(idx) else None


def stage_order(stages):
    """Stages bottom-up for stacking: the furthest along at the bottom, not engaged on top."""
    preferred = ["sustaining", "embedding", "development", "readiness", "lapsed", "not_engaged"]
    return [s for s in preferred if s in stages] + [s for s in stages if s not in preferred]


def target_summary(days, by_day, value_at_deadline, target):
    """Date quantiles, probability of meeting a target on time, and the gap at its deadline:
    in percentage points for a share target, in leaders for a count."""
    q = day_quantiles(days)
    out = {k: float(v) for k, v in q.items()}
    out["p_on_time"] = float(np.mean(never_as_inf(days) <= by_day))
    out["gap_unit"] = "pp" if target.is_share else "leaders"
    if value_at_deadline is None:
        out["value_at_deadline"] = None
        out["gap"] = None
    else:
        med = float(np.median(value_at_deadline))
        out["value_at_deadline"] = med
        out["gap"] = 100 * (med - target.value) if target.is_share else med - target.value
    out["delay_days"] = out["p50"] - by_day
    return out


def leaders_active(run, role=""):
    """Active leaders of a role (every role for ""): [replication, time, hub]."""
    a = run.statuses.index("active")
    if role:
        return run.llme[:, :, :, run.roles.index(role), a]
    return run.llme[:, :, :, :, a].sum(axis=3)


def national_targets(run):
    """Per target: quantiles of the national target date, P(on time) and the gap at the deadline."""
    share = national_share(run)
    rows = []
    for k, t in enumerate(run.targets):
        ti = sample_by(run, t.by_day)
        at = None
        if ti is not None and t.is_share and t.phase in run.phases:
            at = share[:, ti, run.phases.index(t.phase)]
        elif ti is not None and not t.is_share:
            leaders = leaders_active(run, t.role)[:, ti]  # [replication, hub]
            at = leaders.min(axis=1) if t.per_hub else leaders.sum(axis=1)
        rows.append(dict(target=t.label, by=t.by.isoformat(), value=t.value,
                         **target_summary(run.target_day[:, k], t.by_day, at, t)))
    return rows


def hub_targets(run):
    """Per target, per hub: the same as national_targets, from /summary/hub_target_day."""
    out = []
    for k, t in enumerate(run.targets):
        if not t.is_share and not t.per_hub:
            continue  # a national count: no hub has its own share of it
        ti = sample_by(run, t.by_day)
        p = run.phases.index(t.phase) if t.phase in run.phases else None
        leaders = leaders_active(run, t.role) if not t.is_share else None
        rows = []
        for h, hub in enumerate(run.hubs):
            n = int(run.schools[h, p]) if p is not None else int(run.schools[h].sum())
            row = dict(hub=hub, region=run.regions[h], opens=run.opens[h].isoformat(), schools=n)
            if n == 0:
                row["no_schools"] = True
            else:
                if ti is None:
                    at = None
                elif t.is_share:
                    at = run.engaged[:, ti, h, p] / n
                else:
                    at = leaders[:, ti, h]
                row.update(target_summary(run.hub_target_day[:, h, k], t.by_day, at, t))
            rows.append(row)
        out.append(dict(target=t.label, phase=t.phase, value=t.value, by=t.by.isoformat(),
                        hubs=rows))
    return out


def threshold_phases(run):
    """The phases a hub's threshold date is given for: primary and secondary (the targets'
    phases), or every phase of a run that has neither."""
    named = [ph for ph in ("primary", "secondary") if ph in run.phases]
    return named or list(run.phases)


def threshold_days(run, threshold):
    """Per phase, per replication and hub, the first sample day at which the hub's share of
    its schools ever engaged reaches threshold (+inf: not by the last sample; a hub without
    schools of the phase: NaN): {phase: [replication, hub]}."""
    out = {}
    for ph in threshold_phases(run):
        p = run.phases.index(ph)
        n = run.schools[:, p].astype(float)  # [hub]
        with np.errstate(invalid="ignore", divide="ignore"):
            reached = run.engaged[:, :, :, p] / n >= threshold - 1e-12  # [rep, time, hub]
        first = np.where(reached.any(axis=1), run.days[reached.argmax(axis=1)], np.inf)
        out[ph] = np.where(n > 0, first, np.nan)
    return out


def hub_thresholds(run, threshold):
    """Per phase, per hub: the median date and 90% interval at which the hub reaches the
    threshold share of its schools ever engaged (days since the start; null: not reached)."""
    out = {}
    for ph, days in threshold_days(run, threshold).items():
        rows = []
        for h, hub in enumerate(run.hubs):
            if np.isnan(days[:, h]).all():
                rows.append(dict(hub=hub, schools=0))
                continue
            q = quantiles(days[:, h], method="inverted_cdf")
            rows.append(dict(hub=hub, schools=int(run.schools[h, run.phases.index(ph)]),
                             p5=float(q["p5"]), p50=float(q["p50"]), p95=float(q["p95"]),
                             p_reached=float(np.mean(np.isfinite(days[:, h])))))
        out[ph] = rows
    return out


def series(run, ambition_per_hub):
    """Every time series the figures draw, as JSON-ready lists."""
    def ql(arr, axis=0):
        return {k: v.tolist() for k, v in quantiles(arr, axis=axis).items()}

    share = national_share(run)
    waiting = run.waiting.sum(axis=2)
    llme = run.llme.sum(axis=(2, 3))  # [replication, time, status]: every role
    active = run.llme[:, :, :, :, run.statuses.index("active")].sum(axis=2)  # [rep, time, role]
    band_share = equity_shares(run)
    stages = np.median(run.stage_counts.sum(axis=2), axis=0)  # [time, phase, stage]
    annual = run.cost.sum(axis=2)  # [replication, year]
    return {
        "engaged_share": {ph: ql(share[:, :, p]) for p, ph in enumerate(run.phases)},
        "stage_median": {ph: {st: stages[:, p, s].tolist() for s, st in enumerate(run.stages)}
                         for p, ph in enumerate(run.phases)},
        "llme": {st: ql(llme[:, :, u]) for u, st in enumerate(run.statuses)},
        "active_by_role": {role: np.median(active[:, :, k], axis=0).tolist()
                           for k, role in enumerate(run.roles) if active[:, :, k].any()},
        "engaged_by_band": {ph: {b: ql(band_share[:, :, p, j]) for j, b in enumerate(run.bands)}
                            for p, ph in enumerate(run.phases)},
        # Leader targets: the national count (of the role, or all), or for a per-hub target
        # the count of the hub with fewest, which is what has to reach it.
        "leader_targets": {t.label: ql(leaders_active(run, t.role).min(axis=2) if t.per_hub
                                       else leaders_active(run, t.role).sum(axis=2))
                           for t in run.targets if not t.is_share},
        "llme_ambition": (ambition_per_hub * hubs_open(run)).tolist(),
        "hubs_open": hubs_open(run).tolist(),
        "waiting": {ph: ql(waiting[:, :, p]) for p, ph in enumerate(run.phases)},
        "annual_cost": ql(annual),
        "years": run.years,
    }


# ----------------------------------------------------------------------------- equity

EQUITY_MEASURES = {"engaged": "ever engaged", "participating": "in Work Groups"}


def equity_moments(run):
    """When the equity tables look: the last sample by the last target's date (what the
    targets are judged on) and the last sample, as [(label, sample index)]."""
    out = []
    if run.targets:
        last = max(run.targets, key=lambda t: t.by_day)
        ti = sample_by(run, last.by_day)
        if ti is not None and ti != len(run.days) - 1:
            out.append((f"by {last.by.isoformat()} (last target)", ti))
    return out + [(f"at {run.dates[-1].isoformat()} (end)", len(run.days) - 1)]


def equity(run, moments):
    """Per measure, phase, band and moment: the median share of the band's schools and its
    90% interval across replications ({measure: {phase: {band: {moment: interval}}}})."""
    out = {}
    for measure in EQUITY_MEASURES:
        share = equity_shares(run, measure)
        out[measure] = {ph: {b: {label: interval(share[:, ti, p, j]) for label, ti in moments}
                             for j, b in enumerate(run.bands)}
                        for p, ph in enumerate(run.phases)}
    return out


def compare_equity(a, b, moments, paired):
    """B - A of each band's share, per measure, phase, band and moment: the median and 90%
    interval of the differences (paired or unpaired as the other comparisons)."""
    out = {}
    for measure in EQUITY_MEASURES:
        sa, sb = equity_shares(a, measure), equity_shares(b, measure)
        out[measure] = {ph: {band: {label: interval(differences(sa[:, ti, p, j], sb[:, ti, p, j],
                                                                 paired)[2])
                                    for label, ti in moments}
                             for j, band in enumerate(a.bands)}
                        for p, ph in enumerate(a.phases)}
    return out


def roles_at_end(run):
    """Active leaders of each role at the last sample, summed over hubs: median and 90%."""
    return {role: interval(leaders_active(run, role)[:, -1].sum(axis=1)) for role in run.roles}


# ------------------------------------------------------------------------- comparison


def academic_years(years):
    """'2014/15 to 2029/30' for a list of academic years (by the year they start in)."""
    return f"{years[0]}/{(years[0] + 1) % 100:02d} to {years[-1]}/{(years[-1] + 1) % 100:02d}"


def measures(run):
    """The measures a comparison reports, per replication: {key: dict(label, values, better,
    unit)}; better is 'lower', 'higher' or None (neither: a cost), unit 'days', 'schools',
    'leaders' or 'gbp'."""
    last = run.dates[-1].isoformat()
    out = {}

    def add(key, label, values, better, unit):
        out[key] = dict(label=label, values=np.asarray(values, dtype=np.float64), better=better,
                        unit=unit)

    for k, t in enumerate(run.targets):
        add(f"target:{t.label}", f"{t.label}: date met", never_as_inf(run.target_day[:, k]),
            "lower", "days")
    engaged = run.engaged[:, -1].sum(axis=1)  # [replication, phase]
    for p, ph in enumerate(run.phases):
        add(f"engaged:{ph}", f"{ph} schools engaged by {last}", engaged[:, p], "higher", "schools")
    if len(run.phases) > 1:
        add("engaged:all", f"schools engaged by {last}, all phases", engaged.sum(axis=1),
            "higher", "schools")
    add("llme:active", f"active LLME at {last}", leaders_active(run)[:, -1].sum(axis=1), "higher",
        "leaders")
    # A cost is better only per extra school (policy_cost), never for being lower alone.
    add("cost:total", f"total cost {academic_years(run.years)}", run.cost.sum(axis=(1, 2)),
        None, "gbp")
    return out


def differences(a, b, paired):
    """B - A: replication by replication when paired, else every B against every A.

    Two 'never met' (+inf) count as no difference; one never met is an infinite one."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    if paired:
        aa, bb = a, b
    else:
        aa, bb = np.broadcast_arrays(a[:, None], b[None, :])
        aa, bb = aa.ravel(), bb.ravel()
    both_inf = np.isinf(aa) & np.isinf(bb) & (aa == bb)
    with np.errstate(invalid="ignore"):
        d = np.where(both_inf, 0.0, bb - aa)
    return aa, bb, d


def compare_measure(a, b, better, unit, paired):
    """Medians of A and B, the median and 90% interval of B - A, and P(B better/same/worse)."""
    aa, bb, d = differences(a, b, paired)
    # Days are whole sample days and may be 'never': quantiles that are observed values.
    method = "inverted_cdf" if unit == "days" else "linear"
    qa = np.quantile(np.asarray(a, float), 0.5, method=method)
    qb = np.quantile(np.asarray(b, float), 0.5, method=method)
    qd = quantiles(d, method=method)
    if better is None:  # neither better nor worse for being higher: P(better) is not defined
        p_better = p_worse = None
    else:
        p_better = float(np.mean(bb < aa if better == "lower" else bb > aa))
        p_worse = float(np.mean(bb > aa if better == "lower" else bb < aa))
    return dict(a_median=float(qa), b_median=float(qb), diff_p50=float(qd["p50"]),
                diff_p5=float(qd["p5"]), diff_p95=float(qd["p95"]), p_better=p_better,
                p_same=float(np.mean(bb == aa)), p_worse=p_worse, better=better, unit=unit,
                **better_words(better, unit))


def better_words(better, unit):
    """What 'better' and 'worse' mean for a measure, in the words a board reads: {better_means,
    better_word, worse_word}; a cost is neither better nor worse for being lower."""
    if better is None:
        return dict(better_means="neither: a cost is better only as a lower cost per extra "
                                 "school (the policy period's table)",
                    better_word=None, worse_word=None)
    if unit == "days":
        return dict(better_means="an earlier date", better_word="earlier", worse_word="later")
    what = {"schools": "schools engaged", "leaders": "active leaders"}.get(unit, unit)
    if better == "higher":
        return dict(better_means=f"more {what}", better_word="more", worse_word="fewer")
    return dict(better_means=f"fewer {what}", better_word="fewer", worse_word="more")


def compare_runs(a, b):
    """The table of differences between run b and the reference run a."""
    paired = a.seed == b.seed and a.replications == b.replications
    ma, mb = measures(a), measures(b)
    rows = [dict(key=key, measure=m["label"],
                 **compare_measure(m["values"], mb[key]["values"], m["better"], m["unit"], paired))
            for key, m in ma.items() if key in mb]
    if paired:
        note = (f"Both runs use seed {a.seed} and {a.replications} replications, so they share "
                "their random numbers wherever their policies agree: differences are paired, "
                "replication by replication.")
        why = ""
    else:
        why = (f"seeds {a.seed} and {b.seed}" if a.seed != b.seed else
               f"seed {a.seed}, but {a.replications} and {b.replications} replications")
        note = (f"These runs do not share their random numbers replication by replication "
                f"({why}), so the differences are unpaired: every replication of B against "
                "every replication of A. They include the noise a paired comparison would remove.")
    only_a = [t.label for t in a.targets if f"target:{t.label}" not in mb]
    only_b = [t.label for t in b.targets if f"target:{t.label}" not in ma]
    equity_diff = (compare_equity(a, b, equity_moments(a), paired)
                   if a.bands and a.bands == b.bands else None)
    return dict(reference=a.name, other=b.name, paired=paired, note=note, unpaired_why=why,
                rows=rows,
                hubs=compare_hub_targets(a, b, paired), policy_cost=policy_cost(a, b, paired),
                over_time=differences_over_time(a, b, paired),
                equity=equity_diff,
                targets_only_in_reference=only_a, targets_only_in_other=only_b)


def compare_hub_targets(a, b, paired):
    """Per target in both runs, per hub: how often B reaches the target earlier, and later."""
    labels_b = [t.label for t in b.targets]
    out = []
    for k, t in enumerate(a.targets):
        if not t.is_share and not t.per_hub:
            continue  # a national count has no day per hub
        if t.label not in labels_b:
            continue
        kb = labels_b.index(t.label)
        hubs = []
        for h, hub in enumerate(a.hubs):
            aa, bb, _ = differences(never_as_inf(a.hub_target_day[:, h, k]),
                                    never_as_inf(b.hub_target_day[:, h, kb]), paired)
            hubs.append(dict(hub=hub, p_earlier=float(np.mean(bb < aa)),
                             p_later=float(np.mean(bb > aa))))
        out.append(dict(target=t.label, hubs=hubs))
    return out


def run_pairs(n):
    """Every run against every other: (A, B) index pairs, each run against the first first
    (so that comparisons[k] for k < n - 1 is run k + 1 against the first), then the others in
    order ((1, 2), (1, 3), ..., (2, 3), ...). B is always the later run on the command line."""
    return [(0, j) for j in range(1, n)] + [(i, j) for i in range(1, n) for j in range(i + 1, n)]


def over_time_measures(run):
    """The series whose B − A through time the difference figure draws, per replication:
    {key: dict(label, unit, axis, values [replication, time or year])}."""
    share = national_share(run)
    # the phases a board asks about (primary and secondary), as the hub answer gives
    out = {f"engaged_share:{ph}": dict(label=f"{ph} schools ever engaged", unit="pp",
                                         axis="time", values=100 * share[:, :, p])
           for p, ph in enumerate(run.phases) if ph in threshold_phases(run)}
    out["llme:active"] = dict(label="active LLME", unit="leaders", axis="time",
                              values=leaders_active(run).sum(axis=2).astype(float))
    out["cost:annual"] = dict(label="cost per academic year", unit="£m", axis="year",
                              values=run.cost.sum(axis=2) / 1e6)
    return out


def differences_over_time(a, b, paired):
    """B − A through time for each over_time_measures series: at each sample (or academic
    year) the quantiles of the paired differences, or of every B against every A when
    unpaired: {key: dict(label, unit, axis, p5, p25, p50, p75, p95)}."""
    ma, mb = over_time_measures(a), over_time_measures(b)
    out = {}
    for key, m in ma.items():
        if key not in mb or m["values"].shape[1:] != mb[key]["values"].shape[1:]:
            continue
        va, vb = m["values"], mb[key]["values"]
        d = vb - va if paired else (vb[None, :, :] - va[:, None, :]).reshape(-1, va.shape[1])
        out[key] = dict(label=m["label"], unit=m["unit"], axis=m["axis"],
                        **{k: v.tolist() for k, v in quantiles(d).items()})
    return out


# ------------------------------------------------------------ the policy period's cost

# What does not change what a run does: names, the random numbers' seed and count, the
# targets it is judged by, what it writes, and `set` (its values are in the parameters).
NOT_POLICY = {"name", "description", "seed", "replications", "output", "targets", "timeline",
              "set"}
BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_SEED = 16  # fixed: the same files give the same intervals
# Fewer extra schools (or school-years) than this on average: no cost per extra one, as a
# division by about nothing says nothing.
MIN_EXTRA = 0.5


def timeline_changes(run):
    """A run's dated changes as comparable (date, until, settings) triples, notes left out."""
    sc = run.scenario if isinstance(run.scenario, dict) else {}
    return {(str(ev.get("date", "")), str(ev.get("until", "") or ""),
             tuple(tuple(flatten(ev.get(how) or {})) for how in ("set", "scale", "add")))
            for ev in sc.get("timeline") or [] if isinstance(ev, dict)}


def policy_start(a, b):
    """The first date on which b's scenario differs from a's, and why, in words: the start
    when they differ in a parameter that holds for the whole run, else the first dated
    change one has and the other has not; the start too when they do not differ."""
    pa, pb = scenario_parameters(a, NOT_POLICY), scenario_parameters(b, NOT_POLICY)
    differ = [k for k in dict.fromkeys([*pa, *pb]) if pa.get(k) != pb.get(k)]
    if differ:
        more = f" and {len(differ) - 3} more" if len(differ) > 3 else ""
        return a.start, (f"their scenarios differ in {', '.join(differ[:3])}{more}, which hold "
                         "for the whole run: from its start")
    changed = sorted(c[0] for c in timeline_changes(a) ^ timeline_changes(b))
    if changed:
        day = dt.date.fromisoformat(changed[0][:10])
        return day, f"their timelines first differ on {day.isoformat()}"
    return a.start, "their scenarios do not differ (only in name, seed or replications)"


def academic_year_of(day):
    """The academic year (by the year it starts in, 1 September) holding a date."""
    return day.year if day.month >= 9 else day.year - 1


def cost_from(run, day):
    """Cost per replication from the academic year holding day to the end: [replication]."""
    keep = np.array(run.years) >= academic_year_of(day)
    return run.cost[:, keep].sum(axis=(1, 2))


def participating_years_from(run, day):
    """School-years in Work Groups from day to the last sample, per replication: each
    sample's participating schools over the time since the sample before it (as `hubsim
    marginal` counts them)."""
    from_day = (day - run.start).days
    prev = np.concatenate([[0], run.days[:-1]])
    span = np.clip(run.days - np.maximum(prev, from_day), 0, None) / 365.25
    return run.participating.sum(axis=(2, 3)) @ span


def interval(values):
    """Median and 90% interval of values, JSON-ready."""
    q = quantiles(values)
    return dict(p50=float(q["p50"]), p5=float(q["p5"]), p95=float(q["p95"]))


def ratio_of_means(cost_a, cost_b, n_a, n_b, paired):
    """Extra cost per extra unit, B against A: the difference of mean costs over the
    difference of mean counts, with a 90% bootstrap interval (pairs of replications resampled
    together when paired, each run's apart otherwise). None when B adds fewer than MIN_EXTRA
    units on average; the interval's high end None when the resamples' extra units reach 0."""
    extra = np.mean(n_b) - np.mean(n_a)
    if not extra >= MIN_EXTRA:
        return None
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    ia = rng.integers(len(n_a), size=(BOOTSTRAP_RESAMPLES, len(n_a)))
    ib = ia if paired else rng.integers(len(n_b), size=(BOOTSTRAP_RESAMPLES, len(n_b)))
    num = cost_b[ib].mean(axis=1) - cost_a[ia].mean(axis=1)
    den = n_b[ib].mean(axis=1) - n_a[ia].mean(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(den > 0, num / den, np.inf)  # no extra units: no finite cost per one
    p5, p95 = np.quantile(ratio, [0.05, 0.95], method="inverted_cdf")
    return dict(estimate=float((np.mean(cost_b) - np.mean(cost_a)) / extra), p5=float(p5),
                p95=float(p95) if math.isfinite(p95) else None)


def policy_cost(a, b, paired):
    """The policy period's extra cost of b against a, the extra schools engaged by the last
    sample and school-years in Work Groups from the period's start, and the cost per extra
    school and per extra school-year."""
    day, why = policy_start(a, b)
    ca, cb = cost_from(a, day), cost_from(b, day)
    ea, eb = (r.engaged[:, -1].sum(axis=(1, 2)).astype(float) for r in (a, b))
    ya, yb = participating_years_from(a, day), participating_years_from(b, day)
    return dict(
        reference=a.name, other=b.name, paired=paired, start=day.isoformat(), why=why,
        from_year=academic_years([academic_year_of(day)]).split(" to ")[0],
        extra_cost=interval(differences(ca, cb, paired)[2]),
        extra_engaged=interval(differences(ea, eb, paired)[2]),
        extra_school_years=interval(differences(ya, yb, paired)[2]),
        cost_per_school=ratio_of_means(ca, cb, ea, eb, paired),
        cost_per_school_year=ratio_of_means(ca, cb, ya, yb, paired))


# ---------------------------------------------------------------------------- figures

# Okabe-Ito: distinguishable with colour-blindness and on a projector.
RUN_COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]
STAGE_COLOURS = {"not_engaged": "#dddddd", "lapsed": "#e8a37b", "readiness": "#c6dbef",
                 "development": "#6baed6", "embedding": "#2171b5", "sustaining": "#08306b"}
STATUS_TITLES = {"in_training": "in training", "active": "active", "left": "left (cumulative)"}


def _pyplot():
    """matplotlib with the Agg backend and type large enough for a board-room screen."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({
        "font.size": 14, "axes.titlesize": 16, "axes.labelsize": 14, "legend.fontsize": 12,
        "xtick.labelsize": 13, "ytick.labelsize": 13, "axes.spines.top": False,
        "axes.spines.right": False, "axes.grid": True, "grid.alpha": 0.3,
        "figure.dpi": 100, "savefig.dpi": 100,
    })
    return plt


def _date_axis(ax, dates, max_ticks=8):
    """Years on the x axis, at most max_ticks of them, and what a sample date is."""
    import matplotlib.dates as mdates

    span = dates[-1].year - dates[0].year + 1
    ax.xaxis.set_major_locator(mdates.YearLocator(base=max(1, math.ceil(span / max_ticks))))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax.set_xlabel(_sample_label(dates))


def _sample_label(dates):
    days = {(d.month, d.day) for d in dates}
    if len(days) == 1:
        m, d = days.pop()
        return f"sample date (each {dt.date(2000, m, d):%-d %B})"
    return "sample date"


# Each run its own line style and marker as well as colour, so that runs drawn over one
# another stay apart in grey print and for readers who do not tell the colours apart.
RUN_STYLES = ["-", "--", "-.", ":"]
RUN_MARKERS = ["o", "s", "^", "D", "v", "P", "X"]


def run_style(i):
    """Colour, line style and marker of the i-th run's lines."""
    return dict(color=RUN_COLOURS[i % len(RUN_COLOURS)], ls=RUN_STYLES[i % len(RUN_STYLES)],
                marker=RUN_MARKERS[i % len(RUN_MARKERS)])


def _bands(ax, x, q, i, label, scale=1.0, end_label=None):
    """The i-th run's median line, in its style, with 50% and 90% bands across replications;
    end_label (the run's name, with several runs) is written at the line's end by _save."""
    s = lambda k: np.asarray(q[k], float) * scale  # noqa: E731
    style = run_style(i)
    ax.fill_between(x, s("p5"), s("p95"), color=style["color"], alpha=0.14, lw=0)
    ax.fill_between(x, s("p25"), s("p75"), color=style["color"], alpha=0.32, lw=0)
    # A few markers per line (not one per sample), each run's offset so they do not coincide.
    every = (i % 3, 3) if len(x) > 8 else 1
    ax.plot(x, s("p50"), lw=2.6, label=label, ms=7, markevery=every, **style)
    if end_label:
        ends = ax.__dict__.setdefault("_hubsim_line_ends", [])
        ends.append((x[-1], float(s("p50")[-1]), end_label, style["color"]))


def _label_line_ends(ax):
    """Writes each run's name at its line's end, inside the axes, the labels spread apart
    vertically so that runs ending together stay legible: lines are told apart by their
    labels, not by colour alone."""
    ends = ax.__dict__.get("_hubsim_line_ends", [])
    if not ends:
        return
    low, high = ax.get_ylim()
    gap = 0.075  # of the axes' height: a label's height at the figures' type size
    placed = []
    for x, y, text, colour in sorted(ends, key=lambda e: e[1]):
        frac = (y - low) / (high - low) if high > low and math.isfinite(y) else 0.5
        frac = min(max(frac, placed[-1] + gap if placed else 0.03), 0.97)
        placed.append(frac)
        ax.annotate(text, xy=(x, y), xycoords="data", xytext=(0.985, frac),
                    textcoords="axes fraction", ha="right", va="center", fontsize=12,
                    fontweight="bold", color=colour, zorder=7,
                    bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.75))


def _band_legend_handles(plt):
    from matplotlib.patches import Patch

    return [Patch(color="#888888", alpha=0.45, label="50% of replications"),
            Patch(color="#888888", alpha=0.18, label="90% of replications")]


def _figure_legend(fig, handles):
    """One legend for the whole figure, below the panels, where it hides no data."""
    fig.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0),
               ncol=min(len(handles), 7), frameon=False)


def _save(plt, fig):
    for ax in fig.axes:  # the axes' limits are final now
        _label_line_ends(ax)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def run_label(runs, i):
    """A run's line in a legend: its name, or 'median' when it is the only one."""
    return runs[i].name if len(runs) > 1 else "median"


def end_label(runs, i):
    """The name written at a run's line end: with several runs only."""
    return runs[i].name if len(runs) > 1 else None


def _title(runs):
    return runs[0].name if len(runs) == 1 else " vs ".join(r.name for r in runs)


def fig_engagement(plt, runs, data):
    """Share of schools ever engaged, per phase, against every run's targets."""
    phases = runs[0].phases
    fig, axes = plt.subplots(1, len(phases), figsize=(7 * len(phases), 5.6), squeeze=False,
                             sharey=True)
    targets = {}
    for r in runs:
        for t in r.targets:
            if t.is_share:  # leader targets are drawn with the leaders
                targets.setdefault((t.phase, t.share, t.by), t)
    for p, ph in enumerate(phases):
        ax = axes[0, p]
        for i, r in enumerate(runs):
            _bands(ax, r.dates, data[i]["engaged_share"][ph], i, run_label(runs, i), scale=100,
                   end_label=end_label(runs, i))
        for (tph, share, by), t in targets.items():
            if tph != ph:
                continue
            ax.plot([runs[0].dates[0], by], [100 * share] * 2, ls=":", color="black", lw=1.2)
            ax.plot([by], [100 * share], marker="D", ms=10, color="black", zorder=5)
            ax.annotate(f"{100 * share:g}% by {by:%b %Y}", (by, 100 * share),
                        textcoords="offset points", xytext=(-10, 8), ha="right", fontsize=13,
                        fontweight="bold", zorder=6,
                        bbox=dict(boxstyle="round,pad=0.2", fc="white", ec="none", alpha=0.8))
        ax.set_title(f"{ph.capitalize()} schools ever engaged")
        ax.set_ylim(0, 100)
        ax.set_ylabel("% of schools" if p == 0 else "")
        _date_axis(ax, runs[0].dates)
    from matplotlib.lines import Line2D

    handles, _ = axes[0, 0].get_legend_handles_labels()
    handles += _band_legend_handles(plt)
    handles.append(Line2D([], [], marker="D", ls="", color="black", ms=9, label="strategic target"))
    fig.suptitle(f"Reach of Teaching for Mastery against the strategic targets: {_title(runs)}",
                 fontsize=17)
    fig.tight_layout()
    _figure_legend(fig, handles)
    return _save(plt, fig)


def fig_stages(plt, runs, data):
    """Schools by stage (median across replications) stacked per phase; further runs' stage
    boundaries drawn over the first run's areas."""
    phases, order = runs[0].phases, stage_order(runs[0].stages)
    fig, axes = plt.subplots(1, len(phases), figsize=(7 * len(phases), 5.6), squeeze=False)
    for p, ph in enumerate(phases):
        ax = axes[0, p]
        med = data[0]["stage_median"][ph]
        shown = [s for s in order if any(any(d["stage_median"][ph][s]) for d in data)]
        ax.stackplot(runs[0].dates, [med[s] for s in shown],
                     labels=[s.replace("_", " ") for s in shown],
                     colors=[STAGE_COLOURS.get(s, "#999999") for s in shown], alpha=0.95)
        for i in range(1, len(runs)):
            top = np.cumsum([data[i]["stage_median"][ph][s] for s in shown], axis=0)
            for j, line in enumerate(top[:-1]):
                ax.plot(runs[i].dates, line, lw=2, ms=6, markevery=(i % 3, 3),
                        label=f"{runs[i].name}: stage boundaries" if j == 0 else None,
                        **run_style(i))
        ax.set_title(f"{ph.capitalize()} schools by stage")
        ax.set_ylabel("schools (median of replications)" if p == 0 else "")
        ax.set_ylim(0, None)
        ax.margins(x=0)
        _date_axis(ax, runs[0].dates)
    # One legend, top of the stack first; a stage empty in one phase may show in another.
    handles = {}
    for ax in axes[0]:
        for h in ax.get_legend_handles_labels()[0]:
            handles.setdefault(h.get_label(), h)
    names = [s.replace("_", " ") for s in order[::-1]]
    ordered = [handles[n] for n in names if n in handles]
    ordered += [h for n, h in handles.items() if n not in names]
    suffix = f" (areas: {runs[0].name})" if len(runs) > 1 else ""
    fig.suptitle(f"Where schools are in the mastery programme{suffix}", fontsize=17)
    fig.tight_layout()
    _figure_legend(fig, ordered)
    return _save(plt, fig)


def fig_llme(plt, runs, data, ambition_per_hub):
    """Local leaders in training, active and left, with the ambition for active leaders."""
    statuses = [s for s in ("in_training", "active", "left") if s in runs[0].statuses]
    statuses += [s for s in runs[0].statuses if s not in statuses]
    fig, axes = plt.subplots(1, len(statuses), figsize=(5 * len(statuses), 5.6),
                             squeeze=False)
    for u, st in enumerate(statuses):
        ax = axes[0, u]
        for i, r in enumerate(runs):
            _bands(ax, r.dates, data[i]["llme"][st], i, run_label(runs, i),
                   end_label=end_label(runs, i))
        if st == "active":
            drawn = set()
            for i, r in enumerate(runs):
                amb = tuple(data[i]["llme_ambition"])
                if amb in drawn:
                    continue
                drawn.add(amb)
                ax.step(r.dates, amb, where="post", color="black", lw=2, ls="--",
                        label=f"ambition: {ambition_per_hub:g} active per open hub")
        ax.set_title(f"LLME {STATUS_TITLES.get(st, st)}")
        ax.set_ylabel("leaders" if u == 0 else "")
        ax.set_ylim(0, None)
        _date_axis(ax, runs[0].dates, max_ticks=5)
    handles = [h for ax in axes[0] for h in ax.get_legend_handles_labels()[0]]
    handles = list({h.get_label(): h for h in handles}.values())  # once each
    fig.suptitle(f"Local Leaders of Mathematics Education: {_title(runs)}", fontsize=17)
    fig.tight_layout()
    _figure_legend(fig, handles + _band_legend_handles(plt))
    return _save(plt, fig)


def fig_roles(plt, runs, data):
    """Active leaders by role (medians, stacked) for each run; beside them, each target for a
    number of leaders against what it counts."""
    targets = [t for t in runs[0].targets if not t.is_share]
    panels = len(runs) + len(targets)
    fig, axes = plt.subplots(1, panels, figsize=(max(9, 6 * panels), 5.6), squeeze=False)
    roles = [role for role in runs[0].roles if any(role in d["active_by_role"] for d in data)]
    colours = plt.get_cmap("tab10")
    for i, r in enumerate(runs):
        ax = axes[0, i]
        stack = [data[i]["active_by_role"].get(role, [0] * len(r.dates)) for role in roles]
        ax.stackplot(r.dates, stack, labels=[role.replace("_", " ") for role in roles],
                     colors=[colours(k % 10) for k in range(len(roles))], alpha=0.85)
        ax.set_title(f"Active leaders by role{': ' + r.name if len(runs) > 1 else ''}")
        ax.set_ylabel("leaders (medians, stacked)" if i == 0 else "")
        _date_axis(ax, r.dates, max_ticks=6)
    for k, t in enumerate(targets):
        ax = axes[0, len(runs) + k]
        for i, r in enumerate(runs):
            q = data[i]["leader_targets"].get(t.label)
            if q:
                _bands(ax, r.dates, q, i, run_label(runs, i),
                       end_label=end_label(runs, i))
        ax.plot([t.by], [t.value], marker="D", ms=10, color="black", zorder=5)
        ax.axhline(t.value, color="black", ls=":", lw=1.2)
        what = (t.role.replace("_", " ") if t.role else "leaders of every role")
        ax.set_title(f"{'Fewest in a hub' if t.per_hub else 'Active'}: {what}\n"
                     f"target {t.value:g}{' per hub' if t.per_hub else ''} by {t.by:%b %Y}",
                     fontsize=13)
        ax.set_ylim(0, None)
        _date_axis(ax, runs[0].dates, max_ticks=5)
    fig.suptitle(f"The LLME community by role: {_title(runs)}", fontsize=17)
    fig.tight_layout()
    handles = axes[0, 0].get_legend_handles_labels()[0]
    if targets:
        handles += _band_legend_handles(plt)
    _figure_legend(fig, handles)
    return _save(plt, fig)


def fig_equity(plt, runs, data):
    """Share of each disadvantage quintile's schools ever engaged, per phase (first run's
    bands; each further run in its own line style)."""
    phases = runs[0].phases
    fig, axes = plt.subplots(1, len(phases), figsize=(7 * len(phases), 5.6), squeeze=False,
                             sharey=True)
    cmap = plt.get_cmap("viridis")
    for p, ph in enumerate(phases):
        ax = axes[0, p]
        for i, r in enumerate(runs):
            for j, b in enumerate(r.bands):
                q = data[i]["engaged_by_band"][ph][b]
                label = (f"{b} ({'least' if j == 0 else 'most' if j == len(r.bands) - 1 else 'mid'}"
                         " disadvantaged)") if i == 0 else None
                ax.plot(r.dates, 100 * np.asarray(q["p50"], float),
                        color=cmap(j / max(1, len(r.bands) - 1)), lw=2.2,
                        ls=run_style(i)["ls"], label=label)
        ax.set_title(f"{ph.capitalize()}: schools ever engaged, by disadvantage quintile")
        ax.set_ylim(0, 100)
        ax.set_ylabel("% of the quintile's schools" if p == 0 else "")
        _date_axis(ax, runs[0].dates)
    fig.suptitle(f"Who is reached: {_title(runs)}", fontsize=17)
    fig.tight_layout()
    _figure_legend(fig, axes[0, 0].get_legend_handles_labels()[0])
    return _save(plt, fig)


def fig_waiting(plt, runs, data):
    """Schools waiting for a Work Group place, per phase."""
    phases = runs[0].phases
    fig, axes = plt.subplots(1, len(phases), figsize=(7 * len(phases), 5.6), squeeze=False)
    for p, ph in enumerate(phases):
        ax = axes[0, p]
        for i, r in enumerate(runs):
            _bands(ax, r.dates, data[i]["waiting"][ph], i, run_label(runs, i),
                   end_label=end_label(runs, i))
        ax.set_title(f"{ph.capitalize()} schools waiting for a place")
        ax.set_ylabel("schools" if p == 0 else "")
        ax.set_ylim(0, None)
        _date_axis(ax, runs[0].dates)
    fig.suptitle(f"Waiting lists: {_title(runs)}", fontsize=17)
    fig.tight_layout()
    _figure_legend(fig, axes[0, 0].get_legend_handles_labels()[0] + _band_legend_handles(plt))
    return _save(plt, fig)


def fig_cost(plt, runs, data):
    """Programme cost per academic year (Work Groups, release days and training)."""
    fig, ax = plt.subplots(figsize=(14, 5.2))
    years = runs[0].years
    for i, r in enumerate(runs):
        _bands(ax, r.years, data[i]["annual_cost"], i, run_label(runs, i), scale=1e-6,
               end_label=end_label(runs, i))
    ax.set_xticks(years)
    ax.set_xticklabels([f"{y}/{(y + 1) % 100:02d}" for y in years], rotation=45, ha="right")
    ax.set_xlabel("academic year")
    ax.set_ylabel("£ million")
    ax.set_ylim(0, None)
    ax.set_title(f"Cost per academic year (Work Groups, release days, training): {_title(runs)}")
    fig.tight_layout()
    _figure_legend(fig, ax.get_legend_handles_labels()[0] + _band_legend_handles(plt))
    return _save(plt, fig)


def _wrap(text, width=28):
    """A long run name over lines of about width characters, for an axis label."""
    import textwrap

    return "\n".join(textwrap.wrap(text, width)) or text


def fig_differences(plt, runs, comps):
    """B − A through time for every pair of runs: a row per pair, a panel per measure, the
    median difference with the middle 50% and 90% of the (paired or unpaired) differences,
    against the zero line of no difference."""
    keys = list(comps[0]["over_time"])
    fig, axes = plt.subplots(len(comps), len(keys), figsize=(5.2 * len(keys), 3.9 * len(comps)),
                             squeeze=False)
    for row, c in enumerate(comps):
        b = runs[c["b"]]
        for col, key in enumerate(keys):
            ax = axes[row, col]
            q = c["over_time"].get(key)
            if q is None:
                ax.set_visible(False)
                continue
            x = b.dates if q["axis"] == "time" else [dt.date(y, 9, 1) for y in b.years]
            ax.axhline(0, color="black", lw=1.2, zorder=1)
            _bands(ax, x, q, c["b"], f"{c['other']} − {c['reference']}")
            if row == 0:
                ax.set_title(f"{q['label']} ({q['unit']})", fontsize=14)
            if col == 0:
                kind = "paired" if c["paired"] else "unpaired"
                ax.set_ylabel(_wrap(f"{c['other']} − {c['reference']}") + f"\n({kind})",
                              fontsize=12)
            _date_axis(ax, b.dates, max_ticks=4)
            if row < len(comps) - 1:
                ax.set_xlabel("")
    fig.suptitle("Differences through time, B − A, every run against every other", fontsize=17)
    fig.tight_layout()
    from matplotlib.lines import Line2D

    _figure_legend(fig, [Line2D([], [], color="#555555", lw=2.6, label="median of B − A")]
                   + _band_legend_handles(plt)
                   + [Line2D([], [], color="black", lw=1.2, label="no difference")])
    return _save(plt, fig)


DIFFERENCES_FIGURE = (
    "differences", "Differences through time",
    "Run B minus run A through time, a row for each pair of runs: schools ever engaged (in "
    "percentage points of the phase's schools), active LLME and cost per academic year (£ "
    "million). Line: the median difference; darker band: the middle 50% of the differences; "
    "lighter band: the middle 90%. Paired differences (replication i of B against "
    "replication i of A) where the runs share seed and replications, otherwise every "
    "replication of B against every replication of A. Above the black line B has more.")

FIGURES = [
    ("engagement", "Engagement against the strategic targets",
     "Share of each phase's schools that have ever taken part in a Teaching for Mastery Work "
     "Group, summed over hubs. Line: median across replications; darker band: the middle 50% "
     "of replications; lighter band: the middle 90%. Diamonds: the strategic targets, read "
     "from the scenario."),
    ("stages", "Stage composition",
     "Schools in each stage of the mastery pipeline, summed over hubs; each stage is its "
     "median across replications, so the stack can differ slightly from the phase's total."),
    ("llme", "The LLME pipeline",
     "Local Leaders of Mathematics Education in training, active, and left (cumulative), "
     "summed over hubs. Dashed line: the ambition of {ambition:g} active leaders for every "
     "hub open at the time."),
    ("roles", "The LLME community by role",
     "Active leaders of each role, summed over hubs: median across replications, stacked. "
     "Beside them, each target for a number of leaders (diamond) against what it counts: "
     "the national number of the role, or for a target per hub the hub with fewest; line "
     "and bands as in the first figure."),
    ("equity", "Equity: who is reached",
     "Share of the schools in each quintile of disadvantage (pupils eligible for free school "
     "meals in six years; quintiles of the phase's schools nationally, q1 least, q5 most "
     "disadvantaged) that have ever taken part in a TfM Work Group: medians across "
     "replications; with several runs, each run in its own line style (the first solid)."),
    ("waiting", "Waiting lists",
     "Schools that wanted a Work Group place and had none: new schools waiting, plus "
     "continuing schools not placed this year."),
    ("cost", "Cost",
     "Cost per academic year: Work Groups, release days and training, in £ million."),
]


def draw_figures(runs, data, ambition, comps=()):
    """{name: PNG bytes} for every figure (with several runs, the differences too)."""
    plt = _pyplot()
    more = {"differences": fig_differences(plt, runs, comps)} if comps else {}
    return more | {
        "engagement": fig_engagement(plt, runs, data),
        "stages": fig_stages(plt, runs, data),
        "llme": fig_llme(plt, runs, data, ambition),
        "roles": fig_roles(plt, runs, data),
        "equity": fig_equity(plt, runs, data),
        "waiting": fig_waiting(plt, runs, data),
        "cost": fig_cost(plt, runs, data),
    }


# --------------------------------------------------------------------- page contents


def fmt_day(run, day, never="not met by"):
    """A sample day as an ISO date, or 'not met by <last sample>' for never."""
    if day is None or not math.isfinite(day):
        return f"{never} {run.dates[-1].isoformat()}"
    return (run.start + dt.timedelta(days=int(day))).isoformat()


def fmt_day_interval(run, low, high, never="not met by", to=" to "):
    """A 90% interval of sample days: '90%: A to B', or one date when its ends agree."""
    if low == high:
        return f"90%: {fmt_day(run, low, never)}"
    return f"90%: {fmt_day(run, low, never)}{to}{fmt_day(run, high, never)}"


def fmt_delay(delay):
    """Days after a target's date: 'on time', 'N days late' or 'never'."""
    if not math.isfinite(delay):
        return "never"
    if delay <= 0:
        return "on time"
    return f"{int(delay):,} days late"


def fmt_pct(p):
    """A probability as a whole percentage."""
    return f"{100 * p:.0f}%"


def fmt_pp(x):
    """A difference of shares, in signed percentage points."""
    return f"{x:+.1f} pp"


def sort_key(x):
    """A cell's data-sort value: a number as text JavaScript's Number() reads exactly."""
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    x = float(x)
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return repr(x)


def cell(text, sort=None, cls=""):
    """A table cell: its text, the value it sorts by (None: by its text) and a CSS class."""
    return dict(text=text, sort=None if sort is None else sort_key(sort), cls=cls)


def na_cell(text="n/a"):
    """A cell with no value: sorts after every value."""
    return dict(text=text, sort="", cls="na")


def target_cells(run, s):
    """The cells of one run's columns for one target (national or hub)."""
    if s is None or s.get("no_schools"):
        return [na_cell("no schools")] + [na_cell()] * (len(TARGET_FIELDS) - 1)
    gap = s["gap"]
    late = s["delay_days"] > 0
    shown = None if gap is None else (fmt_pp(gap) if s["gap_unit"] == "pp" else
                                      f"{fmt_measure(gap, 'leaders', signed=True)} leaders")
    return [
        cell(fmt_day(run, s["p50"]), s["p50"]),
        cell(f"{fmt_day(run, s['p5'])} to {fmt_day(run, s['p95'])}", s["p5"], "interval"),
        cell(fmt_pct(s["p_on_time"]), s["p_on_time"]),
        na_cell() if gap is None else cell(shown, gap, "gap-neg" if gap < 0 else "gap-pos"),
        cell(fmt_delay(s["delay_days"]), s["delay_days"], "gap-neg" if late else "gap-pos"),
    ]


TARGET_FIELDS = ["median date", "90% interval", "on time", "gap at deadline", "median delay"]


def national_table(runs, nat):
    """Rows: (target, run); the national counterpart of the hub tables."""
    rows = []
    for i, r in enumerate(runs):
        for s in nat[i]:
            rows.append(dict(cells=[cell(s["target"]), cell(r.name)] + target_cells(r, s)))
    return dict(head=["target", "run"] + TARGET_FIELDS, rows=rows)


COMPACT_FIELDS = [0, 2, 3]  # with several runs: median date, on time, gap at deadline


def hub_tables(runs, hub, comps):
    """One sortable table per target of the first run, rows hubs. With several runs, each
    run's median date, share on time and gap, then how often each run reaches the target
    earlier and later than the first run."""
    tables = []
    for k, t in enumerate(runs[0].targets):
        if not t.is_share and not t.per_hub:
            continue  # a national count: no hub table
        per_run = []
        for i, r in enumerate(runs):
            match = [x for x in hub[i] if x["target"] == t.label]
            per_run.append({row["hub"]: row for row in match[0]["hubs"]} if match else None)
        vs = []
        for c in comps:
            match = [x for x in c["hubs"] if x["target"] == t.label]
            vs.append({row["hub"]: row for row in match[0]["hubs"]} if match else None)
        p = runs[0].phases.index(t.phase) if t.phase in runs[0].phases else None
        rows = []
        for h, name in enumerate(runs[0].hubs):
            n = int(runs[0].schools[h, p]) if p is not None else None
            cells = [cell(name), cell(runs[0].regions[h]), cell(runs[0].opens[h].isoformat()),
                     na_cell() if n is None else cell(f"{n:,}", n)]
            for i, r in enumerate(runs):
                full = target_cells(r, per_run[i][name] if per_run[i] else None)
                cells += full if len(runs) == 1 else [full[j] for j in COMPACT_FIELDS]
            for v in vs:
                row = v[name] if v else None
                cells += ([na_cell()] * 2 if row is None else
                          [cell(fmt_pct(row["p_earlier"]), row["p_earlier"],
                                "better" if row["p_earlier"] > 0 else ""),
                           cell(fmt_pct(row["p_later"]), row["p_later"],
                                "worse" if row["p_later"] > 0 else "")])
            rows.append(dict(hub=name, cells=cells))
        if len(runs) == 1:
            groups = [dict(name="", fields=TARGET_FIELDS)]
        else:
            groups = [dict(name=r.name, fields=[TARGET_FIELDS[j] for j in COMPACT_FIELDS])
                      for r in runs]
            groups += [dict(name=f"{c['other']} against {c['reference']}",
                            fields=["earlier", "later"]) for c in comps]
        tables.append(dict(target=t.label, head=["hub", "region", "opens", "schools"],
                           groups=groups, rows=rows))
    return tables


def round_half_up(x, digits=0):
    """x rounded half away from zero (Python's round() goes to even: 3,264.5 to 3,264)."""
    scale = 10 ** digits
    return math.copysign(math.floor(abs(x) * scale + 0.5) / scale, x)


def fmt_whole(x):
    """A count (schools, leaders) as a whole number: a median of 3,265.5 schools is 3,266."""
    return f"{round_half_up(x):,.0f}"


def threshold_table(runs, data):
    """The first hub table: for each hub, the date it reaches the threshold share of its
    schools of each phase, every run side by side (median, and the 90% interval below it)."""
    phases = threshold_phases(runs[0])
    per_run = [d["hub_thresholds"] for d in data["runs"]]
    rows = []
    for h, name in enumerate(runs[0].hubs):
        cells = [cell(name)]
        for ph in phases:
            for i, r in enumerate(runs):
                x = per_run[i][ph][h]
                if not x["schools"]:
                    cells.append(na_cell("no schools"))
                    continue
                cells.append(dict(cell(fmt_day(r, x["p50"], "not by"), x["p50"]),
                                  small=fmt_day_interval(r, x["p5"], x["p95"], "not by")))
        rows.append(dict(hub=name, cells=cells))
    several = len(runs) > 1
    groups = [dict(name=f"{ph} schools", fields=[r.name for r in runs] if several else
                   ["median date [90%]"]) for ph in phases]
    return dict(threshold=data["threshold"], head=["hub"], groups=groups, rows=rows,
                phases=phases)


def fmt_measure(value, unit, signed=False):
    """A comparison value; an infinite one is a target never met (by B if positive). The
    sign goes before the pound sign ("-£0.16m"); a value that rounds to zero has none."""
    if not math.isfinite(value):
        if not signed:
            return "never"
        return "B never" if value > 0 else "A never"
    shown = round_half_up(value / 1e6, 2) if unit == "gbp" else round_half_up(value)
    sign = "-" if shown < 0 else "+" if signed and shown > 0 else ""
    if unit == "gbp":
        return f"{sign}£{abs(shown):,.2f}m"
    # Days are whole sample days; counts are whole schools or leaders, even as medians.
    return f"{sign}{abs(shown):,.0f}" + (" days" if unit == "days" else "")


def better_cells(m):
    """P(B better), P(same), P(B worse) of a comparison row; for a cost, better and worse are
    '—': a cost is better only per extra school (the policy period's table)."""
    same = cell(fmt_pct(m["p_same"]), m["p_same"])
    if m["better"] is None:
        return [na_cell("—"), same, na_cell("—")]
    return [cell(fmt_pct(m["p_better"]), m["p_better"], "better" if m["p_better"] > 0 else ""),
            same, cell(fmt_pct(m["p_worse"]), m["p_worse"], "worse" if m["p_worse"] > 0 else "")]


def fmt_pounds(value):
    """Pounds, whole, the sign before the pound sign: '-£1,234'."""
    shown = round_half_up(value)
    return f"{'-' if shown < 0 else ''}£{abs(shown):,.0f}"


def fmt_per_extra(ratio, what):
    """A cost per extra school (or school-year) with its 90% interval; 'no extra schools'
    when B adds none (no division by about nothing)."""
    if ratio is None:
        return f"no extra {what}"
    high = "no upper bound" if ratio["p95"] is None else fmt_pounds(ratio["p95"])
    return f"{fmt_pounds(ratio['estimate'])} (90%: {fmt_pounds(ratio['p5'])} to {high})"


def fmt_interval(q, unit):
    """A signed median difference and its 90% interval, on two lines' worth of text."""
    return (f"{fmt_measure(q['p50'], unit, True)} ({fmt_measure(q['p5'], unit, True)} to "
            f"{fmt_measure(q['p95'], unit, True)})")


def policy_cost_table(comps, last):
    """One row per run against the first: when its policy period starts, what it costs
    extra, what it adds, and the cost per extra school and per extra school-year."""
    rows = []
    for c in comps:
        pc = c["policy_cost"]
        per_school, per_year = pc["cost_per_school"], pc["cost_per_school_year"]
        rows.append(dict(cells=[
            cell(pc["other"]), cell(pc["reference"]),
            dict(cell(pc["start"]), small=pc["why"]),
            cell(fmt_interval(pc["extra_cost"], "gbp"), pc["extra_cost"]["p50"]),
            cell(fmt_interval(pc["extra_engaged"], "schools"), pc["extra_engaged"]["p50"]),
            cell(fmt_interval(pc["extra_school_years"], "schools"),
                 pc["extra_school_years"]["p50"]),
            na_cell(fmt_per_extra(None, "schools")) if per_school is None else
            cell(fmt_per_extra(per_school, "schools"), per_school["estimate"]),
            na_cell(fmt_per_extra(None, "school-years")) if per_year is None else
            cell(fmt_per_extra(per_year, "school-years"), per_year["estimate"]),
        ]))
    head = ["run (B)", "against (A)", "policy period from", "extra cost, B − A [90%]",
            f"extra schools engaged by {last} [90%]",
            "extra school-years in Work Groups [90%]", "cost per extra school [90%]",
            "cost per extra school-year [90%]"]
    return dict(head=head, rows=rows)


def comparison_table(runs, comp):
    """Rows of one comparison, formatted; target dates shown as dates."""
    a = next(r for r in runs if r.name == comp["reference"])
    b = next(r for r in runs if r.name == comp["other"])
    rows = []
    for m in comp["rows"]:
        unit = m["unit"]
        show = (lambda run, v: fmt_day(run, v)) if unit == "days" else (
            lambda run, v: fmt_measure(v, unit))
        rows.append(dict(cells=[
            cell(m["measure"]), cell(show(a, m["a_median"]), m["a_median"]),
            cell(show(b, m["b_median"]), m["b_median"]),
            cell(fmt_measure(m["diff_p50"], unit, signed=True), m["diff_p50"]),
            cell(f"{fmt_measure(m['diff_p5'], unit, True)} to {fmt_measure(m['diff_p95'], unit, True)}",
                 m["diff_p5"], "interval"),
            *better_cells(m), cell(m["better_means"]),
        ]))
    kind = "paired" if comp["paired"] else "unpaired"
    head = ["measure", f"A: {a.name}", f"B: {b.name}", f"B − A ({kind})", "B − A, 90% interval",
            "B better", "same", "B worse", "better means"]
    return dict(reference=a.name, other=b.name, paired=comp["paired"], note=comp["note"],
                head=head, rows=rows, only_a=comp["targets_only_in_reference"],
                only_b=comp["targets_only_in_other"])


def fmt_odds(m):
    """How often B is better, the same and worse, in the measure's own words: 'earlier in 80%,
    same 20%, later 0%'; for a cost only how often it is the same."""
    if m["better"] is None:
        return f"same in {fmt_pct(m['p_same'])}"
    return (f"{m['better_word']} in {fmt_pct(m['p_better'])}, same {fmt_pct(m['p_same'])}, "
            f"{m['worse_word']} {fmt_pct(m['p_worse'])}")


def pairs_table(runs, comps):
    """Every run against every other on one table: a row per measure, a column per pair (B −
    A), each cell the median difference, its 90% interval and how often B is better, the
    same or worse, in the measure's words."""
    keys, labels, means = [], {}, {}
    for c in comps:
        for m in c["rows"]:
            if m["key"] not in labels:
                keys.append(m["key"])
                labels[m["key"]], means[m["key"]] = m["measure"], m["better_means"]
    rows = []
    for key in keys:
        cells = [cell(labels[key]), cell(means[key])]
        for c in comps:
            m = next((x for x in c["rows"] if x["key"] == key), None)
            if m is None:
                cells.append(na_cell("not in both"))
                continue
            unit = m["unit"]
            cls = ("better" if m["better"] and m["p_better"] > 0.5 else
                   "worse" if m["better"] and m["p_worse"] > 0.5 else "")
            cells.append(dict(cell(fmt_measure(m["diff_p50"], unit, signed=True), m["diff_p50"],
                                   cls),
                              small=f"90%: {fmt_measure(m['diff_p5'], unit, True)} to "
                                    f"{fmt_measure(m['diff_p95'], unit, True)}\n{fmt_odds(m)}"))
        rows.append(dict(cells=cells))
    groups = [dict(name=f"{c['other']} − {c['reference']}",
                   fields=["paired" if c["paired"] else "unpaired"]) for c in comps]
    notes = [f"{c['other']} − {c['reference']}: unpaired, as they do not share their random "
             f"numbers ({c['unpaired_why']})." for c in comps if not c["paired"]]
    return dict(head=["measure", "better means"], groups=groups, rows=rows, notes=notes)


def fmt_share(q):
    """A band's median share with its 90% interval below it: '61%' / '90%: 54% to 75%'."""
    return dict(cell(fmt_pct(q["p50"]), q["p50"]),
                small=f"90%: {fmt_pct(q['p5'])} to {fmt_pct(q['p95'])}")


def fmt_share_change(q):
    """A difference of shares in percentage points with its 90% interval below it."""
    return dict(cell(fmt_pp(100 * q["p50"]), q["p50"]),
                small=f"90%: {fmt_pp(100 * q['p5'])} to {fmt_pp(100 * q['p95'])}")


def band_words(bands, j):
    """A quintile and which end of disadvantage it is: 'q1 (least disadvantaged)'."""
    end = " (least disadvantaged)" if j == 0 else (
        " (most disadvantaged)" if j == len(bands) - 1 else "")
    return f"{bands[j]}{end}"


def equity_table(rows_of, moments):
    """Rows (whose, phase, band) from rows_of: [(whose, {measure: {phase: {band: {moment:
    q}}}}, format)]; a column per measure and moment."""
    rows = []
    for whose, eq, show in rows_of:
        if eq is None:
            continue
        for ph, bands in eq[next(iter(EQUITY_MEASURES))].items():
            names = list(bands)
            for j, band in enumerate(names):
                cells = [cell(whose), cell(ph), cell(band_words(names, j), j)]
                cells += [show(eq[m][ph][band][x["label"]]) for m in EQUITY_MEASURES
                          for x in moments]
                rows.append(dict(cells=cells))
    groups = [dict(name=f"share of the band's schools {what}", fields=[x["label"] for x in moments])
              for what in EQUITY_MEASURES.values()]
    return dict(head=["run", "phase", "disadvantage quintile"], groups=groups, rows=rows)


def equity_tables(runs, data):
    """Each run's shares by band, then each run against the first, B − A in points."""
    moments = data["equity_moments"]
    per_run = equity_table([(r.name, d["equity"], fmt_share) for r, d in zip(runs, data["runs"])],
                           moments)
    diffs = equity_table([(f"{c['other']} − {c['reference']}", c["equity"], fmt_share_change)
                          for c in data["comparisons"]], moments)
    diffs["head"][0] = "B − A"
    return dict(per_run=per_run, diffs=diffs if diffs["rows"] else None)


def roles_table(runs, data):
    """Active leaders of each role at the end: a row per role, a column per run."""
    rows = []
    for role in runs[0].roles:
        qs = [d["roles_at_end"].get(role) for d in data["runs"]]
        rows.append(dict(cells=[cell(role_words(role))] + [
            na_cell("—") if q is None else
            dict(cell(fmt_whole(q["p50"]), q["p50"]),
                 small=f"90%: {fmt_whole(q['p5'])} to {fmt_whole(q['p95'])}") for q in qs]))
    return dict(head=["role"] + [f"{r.name}: active at {r.dates[-1].isoformat()} [90%]"
                                 for r in runs], rows=rows)


def wilson(k, n, z=1.959963984540054):
    """The 95% Wilson score interval of k successes in n."""
    if n == 0:
        return 0.0, 1.0
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def uncertainty_of(run):
    """What a run's bands hold, as the file says: chance only, or chance and parameters."""
    said = run.attrs.get("uncertainty")
    if said == "chance and parameters":
        n = run.attrs.get("posterior_particles")
        return ("chance and parameter uncertainty (each replication draws its parameters from "
                f"the calibration's posterior{f' of {n:,} sets' if n else ''})")
    if said == "chance only":
        return ("chance only: every replication has the same parameters, so the bands leave out "
                "what is not known of them")
    return "chance (replications); the file does not say whether parameters were drawn"


def held_in_words(run):
    """Which uncertainty a run's probabilities hold, in the headline's few words, from the
    file's `parameters` (does each replication draw the posterior?) or `uncertainty`."""
    drawn = run.attrs.get("parameters")
    said = run.attrs.get("uncertainty")
    if drawn == "drawn" or said == "chance and parameters":
        return "chance and what is not known of the parameters"
    if drawn in ("fixed", "none") or said == "chance only":
        return "chance only"
    return "chance; the file does not say whether parameters were drawn"


def headline(run, nat, pc=None):
    """A run's headline: per target, P(met by its date) with its 95% Wilson interval and
    the median date it is reached with its 90% interval; what the probabilities hold; and
    the cost of the policy period (pc: the policy period against the first run), or of the
    whole run for the first run or a run alone."""
    n = run.replications
    targets = []
    for k, s in enumerate(nat):
        met = int(np.sum(never_as_inf(run.target_day[:, k]) <= run.targets[k].by_day))
        lo, hi = wilson(met, n)
        targets.append(dict(target=s["target"], met=met, p_on_time=s["p_on_time"], p_low=lo,
                            p_high=hi, p50=s["p50"], p5=s["p5"], p95=s["p95"]))
    if pc is None:
        cost = dict(interval(run.cost.sum(axis=(1, 2))), start=run.start.isoformat(),
                    years=academic_years(run.years), extra=None)
    else:
        day = dt.date.fromisoformat(pc["start"])
        years = [y for y in run.years if y >= academic_year_of(day)]
        cost = dict(interval(cost_from(run, day)), start=pc["start"], why=pc["why"],
                    years=academic_years(years), extra=pc["extra_cost"],
                    reference=pc["reference"])
    return dict(name=run.name, replications=n, held=held_in_words(run), targets=targets,
                cost=cost)


def headline_view(run, h):
    """A headline as the page shows it: a row per target and a line on cost."""
    rows = [dict(cells=[
        cell(t["target"]),
        dict(cell(fmt_pct(t["p_on_time"]), t["p_on_time"]),
             small=f"95%: {fmt_pct(t['p_low'])} to {fmt_pct(t['p_high'])}"),
        dict(cell(fmt_day(run, t["p50"], "not by"), t["p50"]),
             # its ends on two lines: three runs' blocks side by side fit 1400 px
             small=fmt_day_interval(run, t["p5"], t["p95"], "not by", to="\nto "))])
        for t in h["targets"]]
    c = h["cost"]
    spread = (f"{fmt_measure(c['p50'], 'gbp')} (90%: {fmt_measure(c['p5'], 'gbp')} to "
              f"{fmt_measure(c['p95'], 'gbp')})")
    if c["extra"] is None:
        cost = f"Cost of the whole run, {c['years']}: {spread}."
    else:
        e = c["extra"]
        cost = (f"Cost of the policy period, {c['years']} (from {c['start']}): {spread}; "
                f"against {c['reference']}: {fmt_measure(e['p50'], 'gbp', True)} (90%: "
                f"{fmt_measure(e['p5'], 'gbp', True)} to {fmt_measure(e['p95'], 'gbp', True)}).")
    return dict(name=h["name"], head=["target", "P(met by its date) [95%]",
                                      "date reached [90%]"], rows=rows, cost=cost,
                held=f"Over {h['replications']:,} replications; the probabilities and "
                     f"intervals hold {h['held']}.")


def headlines(runs, nat, comps, data, ambition):
    """A few sentences a planner reads first: one run's targets, leaders and cost, or for
    several runs how each compares with the first."""
    a = runs[0]
    if not comps:  # targets, what they hold and cost are in the headline above these
        lines = []
        active = data[0]["llme"]["active"]["p50"][-1]
        lines.append(f"Active LLME at {a.dates[-1].isoformat()}: median {fmt_whole(active)} against "
                     f"an ambition of {fmt_whole(data[0]['llme_ambition'][-1])} ({ambition:g} per hub × "
                     f"{data[0]['hubs_open'][-1]} hubs open).")
        return lines
    lines = []
    for c in comps:
        if c["a"] != 0:  # the policies against each other: in the table of every pair
            continue
        i = c["b"]
        b, rows = runs[i], {m["key"]: m for m in c["rows"]}
        pairs = "paired replications" if c["paired"] else "pairs of replications"
        unmoved = []
        for s in nat[0]:
            m = rows.get(f"target:{s['target']}")
            sb = next((x for x in nat[i] if x["target"] == s["target"]), None)
            if m and sb and m["p_better"] == 0 and m["p_worse"] == 0:
                unmoved.append(s["target"])  # the same date in every replication: one line
            elif m and sb:
                lines.append(f"{s['target']}: on time in {fmt_pct(s['p_on_time'])} of {a.name}'s "
                             f"replications and {fmt_pct(sb['p_on_time'])} of {b.name}'s; "
                             f"{b.name} is earlier in {fmt_pct(m['p_better'])} of {pairs}, "
                             f"later in {fmt_pct(m['p_worse'])}.")
        if unmoved:
            lines.append(f"{b.name} reaches {', '.join(unmoved)} on the same date as {a.name} in "
                         f"every one of the {pairs}.")
        for key in ("engaged:all", "llme:active"):
            m = rows.get(key)
            if m:
                lines.append(f"{m['measure'][0].upper()}{m['measure'][1:]}: {b.name} − {a.name} "
                             f"{fmt_measure(m['diff_p50'], m['unit'], True)} (90%: "
                             f"{fmt_measure(m['diff_p5'], m['unit'], True)} to "
                             f"{fmt_measure(m['diff_p95'], m['unit'], True)}); {b.name} better in "
                             f"{fmt_pct(m['p_better'])} of {pairs}.")
        lines.append(policy_cost_line(c["policy_cost"]))
    if len(runs) > 2:
        lines.append("The runs after the first against each other: “Every run against every "
                     "other”, below.")
    return lines


def policy_cost_line(pc):
    """The policy period's extra cost and cost per extra school, as one sentence."""
    b, a = pc["other"], pc["reference"]
    extra = pc["extra_cost"]
    return (f"The policy period, from {pc['start']} ({pc['why']}): extra cost of {b} over "
            f"{a} {fmt_measure(extra['p50'], 'gbp', True)} (90%: "
            f"{fmt_measure(extra['p5'], 'gbp', True)} to {fmt_measure(extra['p95'], 'gbp', True)}); "
            f"cost per extra school engaged {fmt_per_extra(pc['cost_per_school'], 'schools')}.")


def flatten(obj, prefix=""):
    """Nested dicts as (dotted key, value) pairs; lists of scalars joined."""
    if isinstance(obj, dict):
        out = []
        for k, v in obj.items():
            out += flatten(v, f"{prefix}{k}.")
        return out
    if isinstance(obj, list) and all(not isinstance(v, (dict, list)) for v in obj):
        return [(prefix[:-1], ", ".join(map(str, obj)))]
    return [(prefix[:-1], str(obj))]


def scenario_parameters(run, skip):
    """The resolved scenario's entries but those in skip, flattened ({dotted key: text}),
    data files by their display names."""
    sc = run.scenario if isinstance(run.scenario, dict) else {}
    names = data_file_names(run.scenario_text)
    return {k: without_machine_paths(v, names)
            for k, v in flatten({k: v for k, v in sc.items() if k not in skip})}


def parameter_table(runs):
    """The resolved scenario's parameters, one column per run; rows that differ flagged.

    Hubs, targets and the timeline are shown elsewhere (hub table, targets, timeline)."""
    skip = {"hubs", "targets", "timeline", "name", "description"}
    per_run = [scenario_parameters(r, skip) for r in runs]
    keys = []
    for d in per_run:
        keys += [k for k in d if k not in keys]
    rows = [dict(key=k, vals=[d.get(k, "—") for d in per_run],
                 differs=len({d.get(k, "—") for d in per_run}) > 1) for k in keys]
    return dict(rows=rows, n_differ=sum(r["differs"] for r in rows), available=bool(keys))


def timelines(runs):
    """Each run's timeline of dated changes, as table rows."""
    out = []
    for r in runs:
        sc = r.scenario if isinstance(r.scenario, dict) else {}
        rows = []
        for ev in sc.get("timeline") or []:
            if not isinstance(ev, dict):
                continue
            sets = "; ".join(f"{k} = {v}" for k, v in flatten(ev.get("set") or {}))
            rows.append(dict(date=str(ev.get("date", "")), until=str(ev.get("until", "") or ""),
                             set=sets, note=str(ev.get("note", "") or "")))
        out.append(dict(run=r.name, rows=rows))
    return out


# A data file in a resolved scenario: `file: PATH`, as a block or inline ({file: PATH}).
DATA_FILE = re.compile(r"(\bfile:\s*)([^\s,}]+)")


def data_file_names(text):
    """{path as the resolved scenario stores it: its display name} for each data file.

    hubsim stores data files by absolute path, which names the machine and folder it ran
    in. Shown relative to the folder holding all of the run's data files (a lone file by its
    name), two copies of a scenario in different folders read the same."""
    paths = list(dict.fromkeys(m.group(2) for m in DATA_FILE.finditer(text)))
    absolute = [p for p in paths if os.path.isabs(p)]
    if not absolute:
        return {}
    root = os.path.commonpath([os.path.dirname(p) for p in absolute])
    return {p: os.path.relpath(p, root) for p in absolute}


def without_machine_paths(text, names):
    """text (a scenario, or a parameter's value) with each data file's stored path replaced
    by its display name; the longest first, so that no path is cut inside another."""
    for path in sorted(names, key=len, reverse=True):
        text = text.replace(path, names[path])
    return text


def shown_scenario(run):
    """A run's resolved scenario as the page shows it: data files without machine paths."""
    return without_machine_paths(run.scenario_text, data_file_names(run.scenario_text))


def scenario_diffs(runs):
    """The unified diff of each run's resolved scenario against the first's; data files by
    their display names, so that a scenario copied to another folder shows no difference."""
    out = []
    for r in runs[1:]:
        diff = difflib.unified_diff(shown_scenario(runs[0]).splitlines(),
                                    shown_scenario(r).splitlines(), runs[0].name, r.name,
                                    lineterm="", n=1)
        out.append(dict(reference=runs[0].name, other=r.name, text="\n".join(diff)))
    return out


def provenance(files):
    """Root attributes, one column per file (runs, then decision studies), in a fixed order."""
    keys = [k for k in PROVENANCE_ATTRS if any(k in r.attrs for r in files)]
    keys += sorted({k for r in files for k in r.attrs} - set(keys))
    rows = [dict(key="file", vals=[r.path for r in files])]
    rows += [dict(key=k, vals=[str(r.attrs.get(k, "—")) for r in files]) for k in keys]
    head = [f"{r.name} ({r.study})" if is_decision(r) else r.name for r in files]
    return dict(head=head, rows=rows)


def report_data(runs, ambition, decisions=(), threshold=THRESHOLD):
    """Everything the page shows, JSON-ready: the numbers tests compare with the HDF5 file."""
    data = [series(r, ambition) for r in runs]
    nat = [national_targets(r) for r in runs]
    hub = [hub_targets(r) for r in runs]
    # every run against every other; the first len(runs) - 1 are each run against the first
    comps = [dict(compare_runs(runs[i], runs[j]), a=i, b=j) for i, j in run_pairs(len(runs))]
    # A report of runs alone writes the data.json it always has: no empty `decisions`.
    more = dict(decisions=[decision_data(d) for d in decisions]) if decisions else {}
    return dict(
        generator="hubsim tools/report.py",
        llme_ambition_per_hub=ambition,
        threshold=threshold,
        quantiles=QUANTILES,
        runs=[dict(name=r.name, file=r.path, seed=r.seed, replications=r.replications,
                   uncertainty=r.attrs.get("uncertainty", ""),
                   dates=[d.isoformat() for d in r.dates], phases=r.phases, stages=r.stages,
                   statuses=r.statuses, hubs=r.hubs,
                   roles=r.roles, bands=r.bands,
                   targets=[dict(label=t.label, measure=t.measure, phase=t.phase, role=t.role,
                                 per_hub=t.per_hub, value=t.value, by=t.by.isoformat())
                            for t in r.targets],
                   series=data[i], national_targets=nat[i], hub_targets=hub[i],
                   headline=headline(r, nat[i], comps[i - 1]["policy_cost"] if i else None),
                   # every run at the first run's moments, so that they compare
                   equity=equity(r, equity_moments(runs[0])) if r.bands else None,
                   roles_at_end=roles_at_end(r),
                   hub_thresholds=hub_thresholds(r, threshold))
              for i, r in enumerate(runs)],
        comparisons=comps,
        equity_moments=[dict(label=label, date=runs[0].dates[ti].isoformat())
                        for label, ti in equity_moments(runs[0])] if runs else [],
        **more,
    )


def json_safe(obj):
    """Infinity and NaN as null, so that the JSON is standard (JSON.parse reads it)."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    return obj


def render_page(runs, data, pngs, ambition, decisions=()):
    """The HTML page: figures as data URIs, everything inline. With decision files only, the
    page has their Decisions section and provenance."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(HERE)),
                             autoescape=jinja2.select_autoescape(["html", "j2"]),
                             trim_blocks=True, lstrip_blocks=True)
    series_ = [d["series"] for d in data["runs"]]
    nat = [d["national_targets"] for d in data["runs"]]
    hub = [d["hub_targets"] for d in data["runs"]]
    figures = [dict(name=n, title=t, caption=c.format(ambition=ambition),
                    src="data:image/png;base64," + base64.b64encode(pngs[n]).decode("ascii"))
               for n, t, c in FIGURES] if runs else []
    blob = json.dumps(json_safe(data), allow_nan=False).replace("</", "<\\/")
    title = _title(runs) if runs else "Decisions: " + ", ".join(d.name for d in decisions)
    return env.get_template(TEMPLATE.name).render(
        title=title, runs=runs, figures=figures,
        headlines=headlines(runs, nat, data["comparisons"], series_, ambition) if runs else [],
        headline_views=[headline_view(r, d["headline"]) for r, d in zip(runs, data["runs"])],
        equity=equity_tables(runs, data) if runs and runs[0].bands else None,
        roles=roles_table(runs, data) if runs and runs[0].roles else None,
        national=national_table(runs, nat),
        hub_tables=hub_tables(runs, hub, data["comparisons"]) if runs else [],
        threshold_table=threshold_table(runs, data) if runs else None,
        comparisons=[comparison_table(runs, c) for c in data["comparisons"]],
        pairs=pairs_table(runs, data["comparisons"]) if len(runs) > 1 else None,
        differences=dict(name=DIFFERENCES_FIGURE[0], title=DIFFERENCES_FIGURE[1],
                         caption=DIFFERENCES_FIGURE[2],
                         src="data:image/png;base64," + base64.b64encode(
                             pngs["differences"]).decode("ascii"))
        if "differences" in pngs else None,
        policy_cost=policy_cost_table(data["comparisons"], runs[0].dates[-1].isoformat())
        if len(runs) > 1 else None,
        parameters=parameter_table(runs), timelines=timelines(runs),
        diffs=scenario_diffs(runs), scenario_texts=[shown_scenario(r) for r in runs],
        provenance=provenance(list(runs) + list(decisions)),
        decisions=decision_views(decisions, data.get("decisions", []), pngs),
        generated=dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        data_json=blob, yaml_available=yaml is not None, min_extra=MIN_EXTRA)


# -------------------------------------------------------------------------- decisions
# The output of `hubsim marginal`, `sensitivity` and `optimise` (docs/decisions.md), shown
# in the page's Decisions section: per file, its numbers (data.json), one figure and its
# tables. Each says which uncertainty its intervals hold, in the words the command's own
# table uses, so that the terminal and the page never disagree.

STUDY_TITLES = {"marginal": "Where extra leaders add most",
                "sensitivity": "Which parameters matter",
                "optimise": "The best trade-offs a search found"}

# `hubsim marginal` (print_table in sim/cli/marginal_command.cpp): what the intervals hold.
MARGINAL_INTERVALS = {
    True: "chance and what the calibration leaves unknown of the parameters (each "
          "replication draws the posterior, the same draw with and without the leaders)",
    False: "chance only (the parameters are fixed)",
}
MARGINAL_RANK_BY = {"engaged": "extra schools ever engaged",
                    "participating_years": "extra school-years in Work Groups"}
MARGINAL_TABLE_ROWS = 10  # the terminal's table: the ten variants that add most
MARGINAL_FIGURE_BARS = 40  # what a screen shows legibly (England has 120 variants)

# `hubsim sensitivity` (print_ranking in sim/cli/sensitivity_command.cpp).
SENSITIVITY_INTERVALS = {
    "sobol": "the 90% intervals are the bootstrap's over the design's base points (the "
             "estimate's sampling error)",
    "morris": "Morris effects per unit of each parameter, times its range (a screening: no "
              "intervals)",
}


def load_input(path):
    """A run, a sweep or a decision study's output, by the file's `study` attribute and
    /points; raises BadInput naming the file if it is none of them."""
    try:
        if hubsim_output.study_of(path) is None:
            try:
                return load_run(path)
            except BadInput as e:
                if "is sweep output" not in str(e):
                    raise
            return load_sweep(path)
        return hubsim_output.read_decision(path)
    except hubsim_output.NotHubsimOutput as e:
        raise BadInput(e.what, e.why) from None


def is_decision(f):
    return isinstance(f, hubsim_output.DecisionFile)


def estimate(d, name, at):
    """A mean with its 90% interval, from the datasets NAME, NAME_low and NAME_high."""
    return dict(mean=float(d[name][at]), low=float(d[f"{name}_low"][at]),
                high=float(d[f"{name}_high"][at]))


def marginal_data(d):
    """Per variant (a hub and a role), what its leaders add by `by` in their own phase, and
    the change in P(met) of each target of that phase due after they arrive; the greedy
    allocation's steps."""
    a = d.attrs
    by = d["date"].index(a["by"])
    due = [(k, t) for k, t in enumerate(d.targets) if t.by.isoformat() >= a["from"]]
    variants = []
    for v, hub in enumerate(d["variant_hub"]):
        phase = d["variant_phase"][v]
        at = (v, d["phase"].index(phase), by)
        variants.append(dict(
            variant=v, hub=hub, role=d["variant_role"][v], phase=phase, rank=int(d["rank"][v]),
            extra_engaged=estimate(d, "extra_engaged", at),
            participating_years=estimate(d, "extra_participating_years", at),
            # Only a target of the leaders' phase due after they arrive can move.
            target_met_change={t.label: estimate(d, "target_met_change", (v, k))
                               for k, t in due if t.phase == phase}))
    variants.sort(key=lambda r: r["rank"])
    steps = d["allocation_variant"] if "allocation_variant" in d else []
    allocation = [dict(step=s + 1, variant=int(v), hub=d["variant_hub"][v],
                       role=d["variant_role"][v], value=estimate(d, "allocation_value", s))
                  for s, v in enumerate(steps)]
    drawn = a["parameters"] == "drawn"
    return {"leaders": int(a["leaders"]), "from": a["from"], "by": a["by"],
            "rank_by": a["rank_by"], "replications": int(a["replications"]),
            "seed": int(a["seed"]), "parameters": a["parameters"],
            "intervals": MARGINAL_INTERVALS[drawn],
            # The targets some variant can move: a column each in the ranked table.
            "targets_due": [t.label for _, t in due
                            if any(t.label in r["target_met_change"] for r in variants)],
            "baseline_target_met": {t.label: float(d["baseline_target_met"][k])
                                    for k, t in enumerate(d.targets)},
            "variants": variants, "allocation": allocation}


def sensitivity_data(d):
    """Per output, the parameters from most to least important: by Sobol total index, or by
    Morris mu* over the parameter's range (print_ranking's order)."""
    method = d.attrs["method"]
    outputs = []
    for o, label in enumerate(d["output"]):
        rows = []
        for k, key in enumerate(d["parameter"]):
            low, high = float(d["low"][k]), float(d["high"][k])
            row = dict(parameter=key, low=low, high=high)
            if method == "sobol":
                row["total"] = estimate(d, "sensitivity/total", (o, k))
                row["first_order"] = estimate(d, "sensitivity/first_order", (o, k))
                row["importance"] = row["total"]["mean"]
            else:  # effects per unit of the parameter: over its whole range, comparable
                for name in ("mu_star", "mu", "sigma"):
                    row[f"{name}_per_unit"] = float(d[f"sensitivity/{name}"][o, k])
                    row[name] = row[f"{name}_per_unit"] * (high - low)
                row["importance"] = row["mu_star"]
            rows.append(row)
        rows.sort(key=lambda r: -r["importance"] if math.isfinite(r["importance"]) else math.inf)
        variance = d["sensitivity/variance"][o] if "sensitivity/variance" in d else None
        outputs.append(dict(output=label, parameters=rows,
                            variance=None if variance is None else float(variance)))
    return dict(method=method, replications=int(d.attrs["replications"]),
                seed=int(d.attrs["seed"]), points=len(d["design"]) if "design" in d else None,
                intervals=SENSITIVITY_INTERVALS[method], outputs=outputs)


def quantity_unit(label):
    """A search quantity's unit, from its label (the file stores quantities by label only):
    'gbp' for a cost, 'probability' for P(...), else 'number' (the mean of a measure)."""
    if label.endswith("(GBP)"):
        return "gbp"
    return "probability" if label.startswith("P(") else "number"


def optimise_intervals(uncertainty):
    """What a search's intervals hold (print_front in sim/cli/optimise_command.cpp)."""
    return ("the intervals hold the Monte Carlo error of each mean, over replications whose "
            f"spread holds {uncertainty}")


def optimise_data(d):
    """Every candidate's estimates, and the front's plans: their decisions, their fresh
    estimates (the ones to use) and their search estimates (optimistic: selected on them)."""
    a = d.attrs
    quantities = [dict(label=q, role=role, unit=quantity_unit(q),
                       objective=role in ("minimise", "maximise"))
                  for q, role in zip(d["quantity"], d["quantity_role"])]
    variables = [dict(label=v, low=float(d["low"][k]), high=float(d["high"][k]),
                      integer=bool(d["integer"][k])) for k, v in enumerate(d["variable"])]
    candidates = {n: d[n].tolist() if n in d else [] for n in
                  ("decisions", "estimate", "estimate_low", "estimate_high")}
    plans = int(d.group_attrs.get("front", {}).get("plans", 0))
    front = [dict(plan=k + 1, file=d["front/file"][k], decisions=d["front/decisions"][k].tolist(),
                  fresh=[estimate(d, "front/fresh", (k, q)) for q in range(len(quantities))],
                  search=[estimate(d, "front/search", (k, q)) for q in range(len(quantities))],
                  fresh_replications=int(d["front/fresh_replications"][k]))
             for k in range(plans)]
    feasible = d["generation_feasible"] if "generation_feasible" in d else []
    return dict(seed=int(a["seed"]), replications=int(a["replications"]),
                reevaluation_seed=int(a["reevaluation_seed"]),
                reevaluation_replications=int(a["reevaluation_replications"]),
                population=a.get("population"), generations=a.get("generations"),
                uncertainty=a["uncertainty"], intervals=optimise_intervals(a["uncertainty"]),
                quantities=quantities, variables=variables, candidates=candidates,
                feasible=int(feasible[-1]) if len(feasible) else None,
                folder=d.group_attrs["front"].get("folder", ""), front=front)


DECISION_DATA = {"marginal": marginal_data, "sensitivity": sensitivity_data,
                 "optimise": optimise_data}


def decision_data(d):
    """One decision file's numbers, JSON-ready."""
    return dict(study=d.study, name=d.name, file=d.path, **DECISION_DATA[d.study](d))


def decision_figure_names(decisions):
    """A figure name per file: its study ('marginal'), numbered from the second of a kind."""
    seen, names = {}, []
    for d in decisions:
        seen[d.study] = seen.get(d.study, 0) + 1
        names.append(d.study if seen[d.study] == 1 else f"{d.study}-{seen[d.study]}")
    return names


# ------------------------------------------------------------------- decisions: figures


def _whiskers(rows):
    """Means and the distances to their interval's ends, as errorbar wants them."""
    mean = np.array([r["mean"] for r in rows], float)
    low = np.array([r["low"] for r in rows], float)
    high = np.array([r["high"] for r in rows], float)
    return mean, np.vstack([np.maximum(mean - low, 0), np.maximum(high - mean, 0)])


def role_words(role):
    return role.replace("_", " ")


def variant_label(v, several_roles):
    """A variant as the figure and tables name it: its hub, and its role where they differ."""
    return f"{v['hub']} ({role_words(v['role'])})" if several_roles else v["hub"]


def fig_marginal(plt, m):
    """Extra schools engaged by `by` per variant, sorted, with 90% whiskers."""
    several = len({v["role"] for v in m["variants"]}) > 1
    shown = sorted(m["variants"], key=lambda v: -v["extra_engaged"]["mean"])
    shown = shown[:MARGINAL_FIGURE_BARS]
    mean, err = _whiskers([v["extra_engaged"] for v in shown])
    y = np.arange(len(shown))[::-1]  # the most at the top
    fig, ax = plt.subplots(figsize=(13, max(3.0, 0.42 * len(shown) + 1.6)))
    ax.barh(y, mean, xerr=err, color=RUN_COLOURS[0], alpha=0.85, ecolor="black", capsize=4)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(y)
    ax.set_yticklabels([variant_label(v, several) for v in shown])
    ax.grid(axis="y", visible=False)
    ax.set_xlabel(f"extra schools ever engaged by {m['by']}, in the leaders' phase "
                  "(mean of paired differences, 90% interval)")
    ax.set_title(f"{m['leaders']} extra {'leader' if m['leaders'] == 1 else 'leaders'} in one "
                 f"hub from {m['from']}: what they add by {m['by']}")
    fig.tight_layout()
    return _save(plt, fig)


SENSITIVITY_BARS = {"sobol": [("total", "total index"), ("first_order", "first-order index")],
                    "morris": [("mu_star", "mu* × range"), ("sigma", "sigma × range")]}


def fig_sensitivity(plt, s):
    """Per output, the two bars of each parameter (Sobol total and first-order index with
    their whiskers, or Morris mu* and sigma over the range), most important at the top."""
    n = len(s["outputs"])
    cols = min(n, 2)
    rows = math.ceil(n / cols)
    params = len(s["outputs"][0]["parameters"]) if n else 0
    fig, axes = plt.subplots(rows, cols, figsize=(9 * cols, rows * max(3.2, 0.7 * params + 1.8)),
                             squeeze=False)
    for o, out in enumerate(s["outputs"]):
        ax = axes[o // cols, o % cols]
        y = np.arange(len(out["parameters"]))[::-1]
        for j, (key, label) in enumerate(SENSITIVITY_BARS[s["method"]]):
            if s["method"] == "sobol":
                mean, err = _whiskers([p[key] for p in out["parameters"]])
            else:
                mean, err = np.array([p[key] for p in out["parameters"]], float), None
            ax.barh(y + (0.2 if j == 0 else -0.2), mean, height=0.4, xerr=err, label=label,
                    color=RUN_COLOURS[j], alpha=0.85, ecolor="black", capsize=3)
        ax.axvline(0, color="black", lw=0.8)
        ax.set_yticks(y)
        ax.set_yticklabels([p["parameter"] for p in out["parameters"]])
        ax.grid(axis="y", visible=False)
        ax.set_title(out["output"], fontsize=14)
    for k in range(n, rows * cols):
        axes[k // cols, k % cols].axis("off")
    fig.suptitle("Sobol indices (90% bootstrap intervals)" if s["method"] == "sobol" else
                 "Morris effects over each parameter's range", fontsize=17)
    fig.tight_layout()
    _figure_legend(fig, axes[0, 0].get_legend_handles_labels()[0])
    return _save(plt, fig)


QUANTITY_AXIS = {"gbp": (1e-6, "£m"), "probability": (100.0, "%"), "number": (1.0, "")}


def fig_optimise(plt, o):
    """The first two objectives: every candidate faint, the front's plans with their fresh
    estimates and 90% whiskers, and their search estimates hollow."""
    qx, qy = [k for k, q in enumerate(o["quantities"]) if q["objective"]][:2]
    sx, sy = (QUANTITY_AXIS[o["quantities"][q]["unit"]][0] for q in (qx, qy))
    fig, ax = plt.subplots(figsize=(12, 7))
    est = np.asarray(o["candidates"]["estimate"], float).reshape(-1, len(o["quantities"]))
    ax.scatter(est[:, qx] * sx, est[:, qy] * sy, s=22, color="#999999", alpha=0.35,
               label="every candidate (search estimates)")
    if o["front"]:
        fx, ex = _whiskers([p["fresh"][qx] for p in o["front"]])
        fy, ey = _whiskers([p["fresh"][qy] for p in o["front"]])
        ax.errorbar(fx * sx, fy * sy, xerr=ex * sx, yerr=ey * sy, fmt="o", ms=9,
                    color=RUN_COLOURS[0], ecolor=RUN_COLOURS[0], capsize=4, zorder=5,
                    label="the front's plans: fresh replications, 90% interval")
        search = np.array([[p["search"][qx]["mean"] * sx, p["search"][qy]["mean"] * sy]
                           for p in o["front"]])
        ax.scatter(search[:, 0], search[:, 1], s=90, facecolors="none",
                   edgecolors=RUN_COLOURS[1], linewidths=1.8, zorder=4,
                   label="the same plans on the search's replications (optimistic)")
        for p, x, y in zip(o["front"], fx * sx, fy * sy):
            ax.annotate(str(p["plan"]), (x, y), textcoords="offset points", xytext=(7, 7),
                        fontsize=13, fontweight="bold", zorder=6)
    else:
        ax.text(0.5, 0.5, "no candidate met every constraint", transform=ax.transAxes,
                ha="center", fontsize=16, color="#b2182b")
    for q, set_label in ((qx, ax.set_xlabel), (qy, ax.set_ylabel)):
        unit = QUANTITY_AXIS[o["quantities"][q]["unit"]][1]
        label = o["quantities"][q]["label"].replace(" (GBP)", "")  # said by the unit: £m
        set_label(f"{o['quantities'][q]['role']}: {label}" + (f", {unit}" if unit else ""))
    ax.set_title("Candidate plans on the first two objectives")
    fig.tight_layout()
    _figure_legend(fig, ax.get_legend_handles_labels()[0])
    return _save(plt, fig)


DECISION_FIGURES = {"marginal": fig_marginal, "sensitivity": fig_sensitivity,
                    "optimise": fig_optimise}


def draw_decision_figures(decisions, data):
    """{name: PNG bytes}, one figure per decision file."""
    if not decisions:
        return {}
    plt = _pyplot()
    return {name: DECISION_FIGURES[d.study](plt, data[i])
            for i, (d, name) in enumerate(zip(decisions, decision_figure_names(decisions)))}


# ---------------------------------------------------------------- decisions: the page


def fmt_estimate(e, show):
    """A mean and its 90% interval as 'MEAN [LOW, HIGH]', each written by show."""
    return f"{show(e['mean'])} [{show(e['low'])}, {show(e['high'])}]"


def estimate_cell(e, show, small=""):
    """A cell holding an estimate, sorting by its mean; n/a if there is none."""
    if not math.isfinite(e["mean"]):
        return na_cell()
    return dict(cell(fmt_estimate(e, show), e["mean"]), small=small)


def fmt_count(x):
    """A mean of counts (schools, school-years): one decimal."""
    return f"{x:,.1f}"


def fmt_change(p):
    """A change of probability, in signed percentage points."""
    return fmt_pp(100 * p)


def marginal_view(m):
    """The lead, the ranked table of the variants that add most, and the allocation."""
    in_file_order = sorted(m["variants"], key=lambda v: v["variant"])
    roles = list(dict.fromkeys(role_words(v["role"]) for v in in_file_order))
    k, plural = m["leaders"], "" if m["leaders"] == 1 else "s"
    who = (f"{k} extra active {roles[0]}{plural} (one variant per hub)" if len(roles) == 1 else
           f"{k} extra active leader{plural} of one role at a time ({', '.join(roles[:-1])} or "
           f"{roles[-1]}: one variant per hub and role)")
    lead = [f"Each hub in turn is given {who} from {m['from']}, and the programme is run with "
            f"and without them on the same random numbers. Ranked by "
            f"{MARGINAL_RANK_BY[m['rank_by']]} by {m['by']}, in the leaders' own phase."]
    intervals = (f"Means of {m['replications']} paired replications, with the 90% interval of "
                 f"the mean; the intervals hold {m['intervals']}.")
    head = ["rank", "hub", "role", f"extra schools engaged by {m['by']} [90%]",
            f"extra school-years in Work Groups, {m['from']} to {m['by']} [90%]"]
    head += [f"change in P({t}) [90%]" for t in m["targets_due"]]
    rows = []
    for v in m["variants"][:MARGINAL_TABLE_ROWS]:
        cells = [cell(str(v["rank"]), v["rank"]), cell(v["hub"]), cell(role_words(v["role"])),
                 estimate_cell(v["extra_engaged"], fmt_count),
                 estimate_cell(v["participating_years"], fmt_count)]
        cells += [estimate_cell(v["target_met_change"][t], fmt_change)
                  if t in v["target_met_change"] else na_cell("—")
                  for t in m["targets_due"]]
        rows.append(dict(cells=cells))
    n = len(m["variants"])
    note = (f"The {MARGINAL_TABLE_ROWS} of {n} variants that add most (every one is in "
            "data.json)." if n > MARGINAL_TABLE_ROWS else f"All {n} variants.")
    note += (" A change in P(target met) is given for the targets of the leaders' "
            f"phase due on or after {m['from']} (— for another phase's): only those can move"
            + ("" if m["targets_due"] else "; this study has none") + ".")
    tables = [dict(heading="Ranked: where the leaders add most", head=head, rows=rows,
                   note=note, sortable=True)]
    if m["allocation"]:
        what = MARGINAL_RANK_BY[m["rank_by"]]
        tables.append(dict(
            heading=f"Greedy allocation, {k} leader{plural} at a time",
            head=["step", "hub", "role", f"adds ({what} by {m['by']}) [90%]"],
            rows=[dict(cells=[cell(str(s["step"]), s["step"]), cell(s["hub"]),
                              cell(role_words(s["role"])), estimate_cell(s["value"], fmt_count)])
                  for s in m["allocation"]],
            note="Each step places the leaders where they add most given the steps before it, "
                 "so diminishing returns show.", sortable=False))
    caption = (f"Extra schools ever engaged by {m['by']} in the leaders' phase, nationally, for "
               f"each hub given the leaders; bars are means of paired differences, whiskers "
               f"their 90% interval, which holds {m['intervals']}.")
    if len(m["variants"]) > MARGINAL_FIGURE_BARS:
        caption += f" The {MARGINAL_FIGURE_BARS} that add most of {len(m['variants'])}."
    return dict(lead=lead, intervals=intervals, tables=tables, caption=caption, details=[])


def fmt_index(x):
    """A Sobol index, to the three decimals `hubsim sensitivity` prints."""
    return f"{x:.3f}"


def sensitivity_view(s):
    """The lead and a table per output, parameters ranked."""
    sobol = s["method"] == "sobol"
    lead = [f"Each output is the mean of {s['replications']} replications at each of "
            f"{s['points']} design points, the parameters varied over their ranges. "
            + ("The total index is the share of the output's variance a parameter accounts "
               "for with its interactions; the first-order index, alone. A total near zero: "
               "the parameter does not matter here." if sobol else
               "mu* is the mean absolute change in the output when a parameter moves over its "
               "whole range, mu the signed mean (opposite effects cancel), sigma their spread "
               "(large: the effect depends on the other parameters).")]
    intervals = f"{s['intervals'][0].upper()}{s['intervals'][1:]}."
    tables = []
    for out in s["outputs"]:
        if sobol:
            head = ["parameter", "range", "total index [90%]", "first-order index [90%]"]
        else:
            head = ["parameter", "range", "mu* × range", "mu × range", "sigma × range"]
        rows = []
        for p in out["parameters"]:
            cells = [cell(p["parameter"]), cell(f"{p['low']:g} to {p['high']:g}")]
            if sobol:
                cells += [estimate_cell(p[k], fmt_index) for k in ("total", "first_order")]
            else:
                cells += [cell(f"{p[k]:,.2f}", p[k]) for k in ("mu_star", "mu", "sigma")]
            rows.append(dict(cells=cells))
        tables.append(dict(heading=out["output"], head=head, rows=rows, note="", sortable=True))
    caption = ("Per output, each parameter's total index (blue) and first-order index (orange), "
               f"with their 90% bootstrap intervals; {s['intervals']}." if sobol else
               "Per output, each parameter's mu* (blue) and sigma (orange), times its range: "
               f"{s['intervals']}.")
    return dict(lead=lead, intervals=intervals, tables=tables, caption=caption, details=[])


def fmt_quantity(unit):
    """How a search quantity is written: £m for a cost, a percentage for a probability."""
    if unit == "gbp":
        return lambda v: fmt_measure(v, "gbp")
    return fmt_pct if unit == "probability" else fmt_count


def fmt_decision(value, integer):
    """A decision variable's value: whole where it takes whole values."""
    return f"{value:,.0f}" if integer else f"{value:,.4g}"


def optimise_view(o, scenarios):
    """The lead, the table of the front's plans, and each plan as the scenario it wrote."""
    objectives = [q for q in o["quantities"] if q["objective"]]
    lead = [f"A search (NSGA-II: {o['population']} plans for {o['generations']} generations, "
            f"each on {o['replications']} replications) for the best trade-offs between "
            + ", ".join(f"{q['role']} {q['label']}" for q in objectives) + "."]
    if not o["front"]:
        lead.append("The search found no plan: no candidate met every constraint on the "
                    "search's replications. Widen the variables' ranges, relax a constraint, "
                    "or search longer.")
        intervals = f"The candidates' estimates are means; {o['intervals']}."
        return dict(lead=lead, intervals=intervals, tables=[], details=[],
                    caption="Every candidate on the first two objectives (search estimates).")
    lead.append(f"The front: {len(o['front'])} {'plan' if len(o['front']) == 1 else 'plans'} "
                "that no other candidate beats on every objective while meeting every "
                f"constraint. Each was run again on fresh replications (seed "
                f"{o['reevaluation_seed']}): use those figures. The search's own (in smaller "
                "type) are optimistic, as the plans were chosen on them.")
    intervals = f"Means with the 90% interval of the mean; {o['intervals']}."
    head = ["plan"]
    for q in o["quantities"]:
        head.append(f"{q['role']} {q['label']} [90%]" if q["objective"]
                    else f"constraint: {q['role']} [90%]")
    # The decisions in one column, a line each: a column per decision ran off the page.
    head += ["decisions"]
    rows = []
    for p in o["front"]:
        cells = [dict(cell(str(p["plan"]), p["plan"]), small=p["file"])]  # its scenario file
        for k, q in enumerate(o["quantities"]):
            show = fmt_quantity(q["unit"])
            cells.append(estimate_cell(p["fresh"][k], show,
                                       small=f"search {fmt_estimate(p['search'][k], show)}"))
        cells.append(cell("\n".join(f"{v['label']} = {fmt_decision(x, v['integer'])}"
                                    for x, v in zip(p["decisions"], o["variables"])),
                          cls="lines"))
        rows.append(dict(cells=cells))
    where = f" in {o['folder']}" if o["folder"] else ""
    counts = sorted({p["fresh_replications"] for p in o["front"]})
    note = (f"Fresh estimates on {' or '.join(f'{n:,}' for n in counts)} replications (more "
            f"where --precision needed them); each plan is a scenario for hubsim run, "
            f"written{where}.")
    tables = [dict(heading="The front", head=head, rows=rows, note=note, sortable=True)]
    details = [dict(summary=f"Plan {p['plan']} as a scenario: {p['file']}", text=text)
               for p, text in zip(o["front"], scenarios)]
    caption = ("Every candidate the search evaluated (grey, on the search's replications); the "
               "front's plans numbered, on fresh replications with 90% whiskers, and hollow "
               "where the search put them (optimistic: selected on those replications); "
               f"{o['intervals']}.")
    return dict(lead=lead, intervals=intervals, tables=tables, caption=caption, details=details)


def decision_views(decisions, data, pngs):
    """What the Decisions section shows of each file: title, lead, tables, its figure."""
    views = []
    for i, (d, name) in enumerate(zip(decisions, decision_figure_names(decisions))):
        x = data[i]
        if d.study == "marginal":
            view = marginal_view(x)
        elif d.study == "sensitivity":
            view = sensitivity_view(x)
        else:
            view = optimise_view(x, d["front/scenario"] if x["front"] else [])
        for k, t in enumerate(view["tables"]):
            t["id"] = f"{name}-table-{k}"
        for key, what in (("study_file", "The study file"), ("plan_file", "The plan file"),
                          ("scenario", "The resolved scenario the study ran")):
            if key in d:
                view["details"].append(dict(summary=what, text=d[key]))
        src = "data:image/png;base64," + base64.b64encode(pngs[name]).decode("ascii")
        views.append(dict(view, name=name, study=d.study, file=d.path,
                          title=f"{STUDY_TITLES[d.study]}: {d.name}",
                          figure=dict(name=name, caption=view["caption"], src=src)))
    return views


# ----------------------------------------------------------------------------- sweeps
# The output of `hubsim sweep` (or `hubsim merge`): each point's headline figures (P(each
# target met by its date), the date each is reached, schools engaged by the end and the
# cost) against the swept parameters: a figure for one parameter, heat maps (small
# multiples) for two, and always a sortable table of the points.


def sweep_parameters(sw):
    """The swept parameters: [dict(key, kind, values)]; kind is 'choice' (names), 'integer'
    (a whole-number parameter or a flag, stored as integers) or 'real'."""
    out = []
    for key, values in sw.parameters.items():
        if isinstance(values, list):
            out.append(dict(key=key, kind="choice", values=[str(v) for v in values]))
        elif np.asarray(values).dtype.kind in "iub":
            out.append(dict(key=key, kind="integer", values=[int(v) for v in values]))
        else:
            out.append(dict(key=key, kind="real", values=[float(v) for v in values]))
    return out


def sweep_points(sw):
    """Each point's headline figures, computed from its replications as a run's are: per
    target P(met by its date) with its 95% Wilson interval and the date quantiles (observed
    sample days, as day_quantiles); per phase the share of schools ever engaged at the last
    sample; the total cost (median and 90% across replications)."""
    days = sw.summary["target_day"]  # [point, replication, target]
    engaged = sw.summary["engaged"]  # [point, replication, time, phase]
    cost = sw.summary["cost"].sum(axis=(2, 3))  # [point, replication]
    schools = sw.schools.sum(axis=0).astype(float)  # [phase]
    params = sweep_parameters(sw)
    out = []
    for i in range(days.shape[0]):
        n = days.shape[1]
        targets = []
        for k, t in enumerate(sw.targets):
            d = never_as_inf(days[i, :, k])
            met = int(np.sum(d <= t.by_day))
            lo, hi = wilson(met, n)
            q = day_quantiles(d)
            targets.append(dict(target=t.label, met=met, p_on_time=met / n, p_low=lo, p_high=hi,
                                p5=float(q["p5"]), p50=float(q["p50"]), p95=float(q["p95"])))
        with np.errstate(invalid="ignore", divide="ignore"):
            share = engaged[i, :, -1, :] / schools  # [replication, phase]
        out.append(dict(point=int(sw.point[i]), replications=n,
                        values={p["key"]: p["values"][i] for p in params},
                        targets=targets,
                        engaged_share={ph: interval(share[:, p]) for p, ph in enumerate(sw.phases)},
                        cost=interval(cost[i])))
    return out


def is_grid(params, n):
    """Whether two parameters' points are every combination of their values, each once."""
    a, b = (p["values"] for p in params)
    return len(set(zip(a, b))) == n == len(set(a)) * len(set(b))


def sweep_data(sw):
    """Everything a sweep's page shows, JSON-ready."""
    params = sweep_parameters(sw)
    return dict(name=sw.name, file=sw.path, seed=sw.seed, replications=sw.replications,
                uncertainty=sw.attrs.get("uncertainty", ""), points=len(sw.point),
                total_points=int(sw.attrs.get("total_points", len(sw.point))),
                dates=[d.isoformat() for d in sw.dates], phases=sw.phases,
                parameters=params,
                grid=len(params) == 2 and is_grid(params, len(sw.point)),
                targets=[dict(label=t.label, measure=t.measure, phase=t.phase, role=t.role,
                              per_hub=t.per_hub, value=t.value, by=t.by.isoformat())
                         for t in sw.targets],
                results=sweep_points(sw))


def param_words(p, value):
    """A parameter's value as the page writes it."""
    if p["kind"] == "real":
        return f"{value:g}"
    return str(value)


def _param_axis(p):
    """x positions and tick labels of a parameter's values: numbers as they are, choices at
    0, 1, ... in the order they first appear."""
    if p["kind"] == "choice":
        order = list(dict.fromkeys(p["values"]))
        return [order.index(v) for v in p["values"]], order
    return list(p["values"]), None


def fig_sweep_one(plt, sd):
    """One swept parameter: each headline figure against it (P(each target met), the date
    each is reached, schools engaged by the end, total cost), the points joined in order."""
    p = sd["parameters"][0]
    x, ticks = _param_axis(p)
    order = np.argsort(x, kind="stable")
    xs = np.asarray(x, float)[order]
    res = [sd["results"][i] for i in order]
    fig, grid = plt.subplots(2, 2, figsize=(16, 11), squeeze=False)
    axes = grid.reshape(1, 4)
    ax = axes[0, 0]
    for k, t in enumerate(sd["targets"]):
        st = run_style(k)
        pm = np.array([100 * r["targets"][k]["p_on_time"] for r in res])
        lo = np.array([100 * r["targets"][k]["p_low"] for r in res])
        hi = np.array([100 * r["targets"][k]["p_high"] for r in res])
        ax.fill_between(xs, lo, hi, color=st["color"], alpha=0.15, lw=0)
        ax.plot(xs, pm, lw=2.4, ms=7, label=t["label"], **st)
    ax.set_ylim(-2, 102)
    ax.set_title("P(target met by its date)")
    ax.set_ylabel("% of replications")
    ax = axes[0, 1]
    base = dt.date.fromisoformat(sd["start"])
    for k, t in enumerate(sd["targets"]):
        st = run_style(k)
        ax.axhline(dt.date.fromisoformat(t["by"]), color=st["color"], lw=1.2, ls=":")
        keep = [j for j, r in enumerate(res) if math.isfinite(r["targets"][k]["p50"])]
        if not keep:
            continue
        day = lambda v: base + dt.timedelta(days=int(v))  # noqa: E731
        ax.plot([xs[j] for j in keep], [day(res[j]["targets"][k]["p50"]) for j in keep],
                lw=2.4, ms=7, label=t["label"], **st)
    import matplotlib.dates as mdates

    ax.yaxis.set_major_locator(mdates.YearLocator())
    ax.yaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax.set_title("Median date each target is reached\n(dotted: its date; gaps: not reached)",
                 fontsize=14)
    ax = axes[0, 2]
    for j, ph in enumerate(sd["phases"]):
        st = run_style(j)
        q = {k: np.array([100 * r["engaged_share"][ph][k] for r in res]) for k in ("p5", "p50", "p95")}
        ax.fill_between(xs, q["p5"], q["p95"], color=st["color"], alpha=0.15, lw=0)
        ax.plot(xs, q["p50"], lw=2.4, ms=7, label=ph, **st)
    ax.set_ylim(0, 100)
    ax.set_title(f"Schools ever engaged by {sd['dates'][-1]}")
    ax.set_ylabel("% of the phase's schools")
    ax.legend(loc="lower right", fontsize=11)
    ax = axes[0, 3]
    q = {k: np.array([r["cost"][k] / 1e6 for r in res]) for k in ("p5", "p50", "p95")}
    ax.fill_between(xs, q["p5"], q["p95"], color="#555555", alpha=0.15, lw=0)
    ax.plot(xs, q["p50"], lw=2.4, ms=7, color="#333333", marker="o")
    ax.set_title("Total cost of the run")
    ax.set_ylabel("£ million")
    for ax in axes[0]:
        ax.set_xlabel(key_lines(p["key"], 60))
        if ticks:
            ax.set_xticks(range(len(ticks)))
            ax.set_xticklabels(ticks)
    fig.suptitle(f"Sweep {sd['name']}: each point's headline figures against {p['key']}",
                 fontsize=17)
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.5 / fig.get_figheight()))
    handles = axes[0, 0].get_legend_handles_labels()[0]
    from matplotlib.patches import Patch

    handles += [Patch(color="#888888", alpha=0.3, label="95% interval of P (Wilson); 90% of "
                                                         "replications elsewhere")]
    _figure_legend(fig, handles)
    return _save(plt, fig)


def fig_sweep_two(plt, sd):
    """Two swept parameters: small multiples, one panel per target's P(met by its date),
    then schools engaged by the end per phase and the total cost: heat maps over a grid,
    points coloured by value over a sampled design."""
    p1, p2 = sd["parameters"]
    x, xt = _param_axis(p2)
    y, yt = _param_axis(p1)
    res = sd["results"]
    panels = [(f"P({t['label']})", [100 * r["targets"][k]["p_on_time"] for r in res], "%",
               "viridis", (0, 100)) for k, t in enumerate(sd["targets"])]
    named = [ph for ph in ("primary", "secondary") if ph in sd["phases"]] or sd["phases"]
    panels += [(f"{ph} schools engaged by {sd['dates'][-1]}",
                [100 * r["engaged_share"][ph]["p50"] for r in res], "% (median)", "viridis",
                (0, 100)) for ph in named]
    panels.append(("total cost", [r["cost"]["p50"] / 1e6 for r in res], "£m (median)",
                   "magma_r", None))
    cols = min(3, len(panels))
    rows = math.ceil(len(panels) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(7.2 * cols, 5.4 * rows), squeeze=False)
    xs, ys = sorted(set(x)), sorted(set(y))
    for n, (title, v, unit, cmap, lim) in enumerate(panels):
        ax = axes[n // cols, n % cols]
        v = np.asarray(v, float)
        vmin, vmax = lim if lim else (np.nanmin(v), np.nanmax(v))
        if sd["grid"]:
            grid = np.full((len(ys), len(xs)), np.nan)
            for xi, yi, vi in zip(x, y, v):
                grid[ys.index(yi), xs.index(xi)] = vi
            im = ax.imshow(grid, origin="lower", aspect="auto", cmap=cmap, vmin=vmin, vmax=vmax)
            for (r_, c_), vi in np.ndenumerate(grid):
                if np.isfinite(vi):
                    shade = (vi - vmin) / (vmax - vmin) if vmax > vmin else 0.5
                    light = shade < 0.55 if not cmap.endswith("_r") else shade > 0.45
                    ax.text(c_, r_, f"{vi:.0f}" if unit.startswith("%") else f"{vi:.2f}",
                            ha="center", va="center", fontsize=12,
                            color="white" if light else "black")
            ax.set_xticks(range(len(xs)))
            ax.set_xticklabels(xt if xt else [param_words(p2, v_) for v_ in xs])
            ax.set_yticks(range(len(ys)))
            ax.set_yticklabels(yt if yt else [param_words(p1, v_) for v_ in ys])
            ax.grid(False)
        else:
            im = ax.scatter(x, y, c=v, cmap=cmap, vmin=vmin, vmax=vmax, s=60, edgecolor="none")
            if xt:
                ax.set_xticks(range(len(xt)))
                ax.set_xticklabels(xt)
            if yt:
                ax.set_yticks(range(len(yt)))
                ax.set_yticklabels(yt)
        fig.colorbar(im, ax=ax, label=unit)
        ax.set_title(title, fontsize=13)
        ax.set_xlabel(key_lines(p2["key"]))
        ax.set_ylabel(key_lines(p1["key"]))
    for n in range(len(panels), rows * cols):
        axes[n // cols, n % cols].set_visible(False)
    fig.suptitle(f"Sweep {sd['name']}: each point's headline figures against {p1['key']} and "
                 f"{p2['key']}", fontsize=17)
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.7 / fig.get_figheight()))
    return _save(plt, fig)


def key_lines(key, width=26):
    """A parameter's dotted key over lines of about width characters, broken after dots."""
    lines = [""]
    for part in key.split("."):
        piece = part if not lines[-1] else "." + part
        if lines[-1] and len(lines[-1]) + len(piece) > width:
            lines.append(piece)
        else:
            lines[-1] += piece
    return "\n".join(lines)


def draw_sweep_figures(sd):
    """{name: PNG} of a sweep: one figure for one or two parameters, none for more."""
    plt = _pyplot()
    if len(sd["parameters"]) == 1:
        return {"sweep": fig_sweep_one(plt, sd)}
    if len(sd["parameters"]) == 2:
        return {"sweep": fig_sweep_two(plt, sd)}
    return {}


def sweep_table(sw, sd):
    """The points, sortable: each parameter's value, then per target P(met by its date) (its
    95% interval below) and the median date reached (its 90% interval below), schools ever
    engaged by the end per phase and the total cost."""
    rows = []
    for r in sd["results"]:
        cells = [cell(str(r["point"]), r["point"])]
        for p in sd["parameters"]:
            v = r["values"][p["key"]]
            cells.append(cell(param_words(p, v), None if p["kind"] == "choice" else v))
        for t in r["targets"]:
            cells.append(dict(cell(fmt_pct(t["p_on_time"]), t["p_on_time"]),
                              small=f"95%: {fmt_pct(t['p_low'])} to {fmt_pct(t['p_high'])}"))
            cells.append(dict(cell(fmt_day(sw, t["p50"], "not by"), t["p50"]),
                              small=fmt_day_interval(sw, t["p5"], t["p95"], "not by",
                                                     to="\nto ")))
        for ph in sd["phases"]:
            cells.append(fmt_share(r["engaged_share"][ph]))
        c = r["cost"]
        cells.append(dict(cell(fmt_measure(c["p50"], "gbp"), c["p50"]),
                          small=f"90%: {fmt_measure(c['p5'], 'gbp')} to "
                                f"{fmt_measure(c['p95'], 'gbp')}"))
        rows.append(dict(cells=cells))
    # a key breaks after its dots (a zero-width space), never inside a word
    groups = [dict(name="swept", fields=[p["key"].replace(".", ".\u200b")
                                         for p in sd["parameters"]])]
    groups += [dict(name=t["label"], fields=["P(met by its date) [95%]", "date reached [90%]"])
               for t in sd["targets"]]
    groups.append(dict(name=f"by {sd['dates'][-1]}",
                       fields=[f"{ph} schools engaged [90%]" for ph in sd["phases"]]
                       + ["total cost [90%]"]))
    return dict(head=["point"], groups=groups, rows=rows)


def sweep_glance(sd):
    """A few sentences: the range of each target's P(met) over the points and where it is
    highest and lowest, and the range of the total cost."""
    res = sd["results"]

    def at(r):
        return ", ".join(f"{p['key']} = {param_words(p, r['values'][p['key']])}"
                         for p in sd["parameters"])

    lines = []
    for k, t in enumerate(sd["targets"]):
        ps = [r["targets"][k]["p_on_time"] for r in res]
        lo, hi = int(np.argmin(ps)), int(np.argmax(ps))
        if ps[lo] == ps[hi]:
            lines.append(f"{t['label']}: met on time in {fmt_pct(ps[lo])} of replications at "
                         "every point.")
        else:
            lines.append(f"{t['label']}: met on time in {fmt_pct(ps[lo])} of replications at "
                         f"worst ({at(res[lo])}) to {fmt_pct(ps[hi])} at best ({at(res[hi])}).")
    costs = [r["cost"]["p50"] for r in res]
    lo, hi = int(np.argmin(costs)), int(np.argmax(costs))
    lines.append(f"Total cost (median): {fmt_measure(costs[lo], 'gbp')} ({at(res[lo])}) to "
                 f"{fmt_measure(costs[hi], 'gbp')} ({at(res[hi])}).")
    return lines


SWEEP_CAPTIONS = {
    1: "Each point of the sweep against the swept parameter: P(each target met by its date) "
       "with its 95% Wilson interval over the point's replications; the median date each is "
       "reached (a gap: not reached in at least half the replications; dotted: the target's "
       "date); the share of each phase's schools ever engaged by the last sample and the total "
       "cost, medians with the middle 90% of replications.",
    2: "Each point of the sweep against the two swept parameters, one panel per headline "
       "figure: P(each target met by its date), the median share of each phase's schools ever "
       "engaged by the last sample and the median total cost, written in each cell.",
}


def sweep_view(sw, sd, pngs):
    """What the template shows of a sweep."""
    fig = None
    if "sweep" in pngs:
        fig = dict(name="sweep", title="Headline figures against the swept parameters",
                   caption=SWEEP_CAPTIONS[len(sd["parameters"])] + (
                       "" if len(sd["parameters"]) != 2 or sd["grid"] else
                       " The points are a sampled design, not a grid: each is a dot."),
                   src="data:image/png;base64," + base64.b64encode(pngs["sweep"]).decode("ascii"))
    names = data_file_names(sw.scenario_text)
    return dict(name=sw.name, points=sd["points"], total_points=sd["total_points"],
                replications=sd["replications"], seed=sd["seed"],
                parameters=[p["key"] for p in sd["parameters"]], held=held_in_words(sw),
                uncertainty=sw.uncertainty, glance=sweep_glance(sd), figure=fig,
                table=sweep_table(sw, sd), sweep_text=sw.sweep_text,
                scenario_text=without_machine_paths(sw.scenario_text, names),
                first=sd["dates"][0], last=sd["dates"][-1], hubs=len(sw.hubs))


def build_sweep(sw, out):
    """A sweep's report: its data, figure and page, written as a run's report is."""
    import jinja2

    sd = sweep_data(sw)
    sd["start"] = sw.start.isoformat()
    data = dict(generator="hubsim tools/report.py", quantiles=QUANTILES, sweep=sd)
    pngs = draw_sweep_figures(sd)
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(HERE)),
                             autoescape=jinja2.select_autoescape(["html", "j2"]),
                             trim_blocks=True, lstrip_blocks=True)
    blob = json.dumps(json_safe(data), allow_nan=False).replace("</", "<\\/")
    page = env.get_template(TEMPLATE.name).render(
        title=f"sweep {sw.name}", runs=[], decisions=[], sweep=sweep_view(sw, sd, pngs),
        provenance=provenance([sw]),
        generated=dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        data_json=blob)
    files = {f"{n}.png": b for n, b in pngs.items()}
    files["data.json"] = json.dumps(json_safe(data), indent=1, allow_nan=False).encode()
    files["index.html"] = page.encode("utf-8")
    return files


# ----------------------------------------------------------------------------- output


def check_output_dir(out):
    """Fails early (before any work) if the output cannot be a directory."""
    if not str(out).strip():
        raise BadInput("-o/--output", "expected a folder for the report, found ''")
    p = Path(out)
    if p.exists() and not p.is_dir():
        raise BadInput(out, "exists and is not a directory")


def write_atomically(out, files):
    """Writes {name: bytes} into directory out so that no partial report is ever visible.

    A new directory is built under a temporary name beside it and renamed. An existing
    directory (which may hold other things: never removed) gets each file by an atomic
    rename from a temporary folder inside it, index.html last."""
    out = Path(out).absolute()
    umask = os.umask(0)
    os.umask(umask)
    names = sorted(files, key=lambda n: n == "index.html")
    if not out.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
        try:
            for n in names:
                (tmp / n).write_bytes(files[n])
            os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes it private; a report is not
            os.rename(tmp, out)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return
    tmp = Path(tempfile.mkdtemp(prefix=".report.tmp-", dir=out))
    try:
        for n in names:
            (tmp / n).write_bytes(files[n])
        for n in names:
            os.replace(tmp / n, out / n)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def build(paths, out, ambition, threshold=THRESHOLD):
    """Validates every input, then computes, draws and writes the report."""
    check_output_dir(out)
    inputs = [load_input(p) for p in paths]
    sweeps = [f for f in inputs if is_sweep(f)]
    if sweeps:
        if len(inputs) > 1:
            raise BadInput(sweeps[0].path, "is sweep output, which is reported alone (one "
                                           "sweep file, no runs or studies beside it)")
        try:
            write_atomically(out, build_sweep(sweeps[0], out))
        except OSError as e:
            raise WriteFailed(out, e) from None
        return
    runs = [f for f in inputs if not is_decision(f)]
    decisions = [f for f in inputs if is_decision(f)]
    if runs:
        check_comparable(runs)
        name_runs(runs)
    name_runs(decisions)
    data = report_data(runs, ambition, decisions, threshold)
    pngs = draw_figures(runs, [d["series"] for d in data["runs"]], ambition,
                        data["comparisons"]) if runs else {}
    pngs.update(draw_decision_figures(decisions, data.get("decisions", [])))
    page = render_page(runs, data, pngs, ambition, decisions)
    files = {f"{n}.png": b for n, b in pngs.items()}
    files["data.json"] = json.dumps(json_safe(data), indent=1, allow_nan=False).encode()
    files["index.html"] = page.encode("utf-8")
    try:
        write_atomically(out, files)
    except OSError as e:  # the environment, not the input: exit 1, not 2
        raise WriteFailed(out, e) from None


def parse_args(argv):
    """The command line: RUN.h5 [OTHER.h5 ...] -o DIR [--llme-ambition N] [--threshold S]."""
    ap = argparse.ArgumentParser(
        prog="report.py",
        description="Writes an HTML report (DIR/index.html, figures as PNG, data.json) of one "
                    "or more hubsim run output files (with several, every run against every "
                    "other) and of the output of hubsim marginal, sensitivity and optimise (a "
                    "Decisions section); or of one hubsim sweep output file, alone.")
    ap.add_argument("runs", nargs="+", metavar="RUN.h5",
                    help="output files of hubsim run, marginal, sensitivity or optimise")
    ap.add_argument("-o", "--output", required=True, metavar="DIR",
                    help="directory to write the report into (created if needed)")
    ap.add_argument("--llme-ambition", type=float, default=LLME_AMBITION_PER_HUB, metavar="N",
                    help="ambition of active LLME per open hub (default: %(default)s)")
    ap.add_argument("--threshold", type=float, default=THRESHOLD, metavar="SHARE",
                    help="share of a hub's schools ever engaged whose date the first hub table "
                         "gives, per phase and run (default: %(default)s)")
    return ap.parse_args(argv)


def main(argv=None):
    """Runs the report; returns the exit status (0; 2 for bad input; 1 if it cannot be written)."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if not (args.llme_ambition >= 0 and math.isfinite(args.llme_ambition)):
        print("report: --llme-ambition must be a number >= 0", file=sys.stderr)
        return EXIT_BAD_INPUT
    if not 0 < args.threshold <= 1:
        print("report: --threshold must be a share above 0 and at most 1 (0.75 for 75%)",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        build(args.runs, args.output, args.llme_ambition, args.threshold)
    except BadInput as e:
        print(f"report: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except WriteFailed as e:
        print(f"report: {e}", file=sys.stderr)
        return EXIT_FAILURE
    except OSError as e:  # the environment (a run file unreadable mid-way, a lost folder)
        print(f"report: {e.filename or args.output}: {e.strerror or e}", file=sys.stderr)
        return EXIT_FAILURE
    print(f"report: wrote {Path(args.output) / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
