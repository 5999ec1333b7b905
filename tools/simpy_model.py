#!/usr/bin/python3
"""hubsim's model written again with SimPy, to run side by side with hubsim.

The same rules as sim/model/hub_process.cpp and sim/model/replication.cpp (docs/model.md),
written as a Python developer would write them with SimPy 3 (``import simpy``: Debian's
python3-simpy3; Debian's python3-simpy is SimPy 2.3, an older API without Environment):

- one ``simpy.Environment`` per replication, whose clock is hubsim's day number;
- a process for the national year (1 September: each hub's start of year, then the
  training places, the budget and the Work Groups), a process for the timeline, and a
  process per hub for its year ends and samples;
- a school asking to join (or rejoin) is an event scheduled for its day, handled by a
  callback, as in hubsim's event queue.

The rules, in brief (the C++ is the specification):

- Local leaders (LLME) have one of eight roles (``ROLES``, include/hubsim/model/llme.hpp):
  each role has a phase (or none: a leader takes the phase of the school they come from)
  and the Work Group stages its time can lead. Each role recruits, trains, qualifies and
  leaves by its own ``llme.<role>.*`` parameters; a leader's ``outreach`` is fixed when
  their route starts (or when their hub opens, for the leaders it opens with).
- A hub opens with ``initial_llme`` (or ``initial_per_hub``) active leaders of each role; a
  role without a phase spreads them over the hub's modelled phases in proportion to its
  schools. Its schools bring ``demand.head_start`` years of external interest, and the years
  since the start it was not yet open: those whose threshold passed wait on its first day.
- Applicants per (role, phase): a binomial of the engaged schools, then one of the others.
  National places of a role go round (hub, phase) buckets, phase-major within a hub,
  from bucket ``year % buckets``.
- Each year and phase, every active leader gives ``days x outreach x capacity factors``
  days, ``tfm_share`` of them to TfM (a pool per role) and the rest to other programmes.
  The new/continuing split is of the pools of roles that can lead some stage of the
  phase's pipeline. A new group takes its stage's ``release_days`` from the pools of the
  roles that can lead it, those that lead fewer stages first.
- A lapsed school that rejoins enters at sustaining if it ever reached it, else at
  embedding (``demand.rejoin_stage: furthest``), or where new schools start (``entry``).
- Disadvantage moves a school's propensity by ``exp(equity.demand x (d - phase mean))``
  and its log-odds of completing a stage by ``equity.completion x (d - phase mean)``;
  schools fall in quintile bands of their phase (Scenario::index_schools).

Same-day order is hubsim's: timeline changes, then the national start of year, then the
hub event classes in HubEventClass order (a school asks, the year ends, a sample is taken).
SimPy orders its heap by (time, priority, insertion), so each kind of event is scheduled
with its own priority (``At`` below) and ties keep the order they were scheduled in, as
hubsim's queue does.

The scenario is the one hubsim resolved: hubsim is the single reader of scenario files
(bases, defaults, --set, validation), and writes the resolved scenario, with every key,
into its output as ``/scenario``. This model reads that text and the school sources it
names, one after the other (each a ``file``, by the absolute path and SHA-256 hubsim
wrote, or found beside the scenario hubsim ran; or a ``generate`` block, made exactly as
hubsim's loader makes it). Given a scenario YAML instead of an output file, it runs hubsim
for one replication to resolve it.

Random numbers come from Python's ``random`` (scalar draws) and numpy (binomials), seeded
from (seed, replication): the model agrees with hubsim in distribution, not draw by draw.

    /usr/bin/python3 tools/simpy_model.py scenarios/england.yaml -o results/simpy.npz -r 10
    /usr/bin/python3 tools/simpy_model.py results/england.h5 -o results/simpy.npz -r 10

The .npz holds, per replication, every series of hubsim's /trajectories and /summary
(``SERIES``: the same names, axes and element types, replication first), the axes, the
wall time and the events processed.
"""

import argparse
import csv
import datetime as dt
import hashlib
import heapq
import math
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import namedtuple
from fractions import Fraction
from pathlib import Path

import h5py
import numpy as np
import simpy
import simpy.events
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tools"))
import hubsim_output  # noqa: E402  the one reader of hubsim's output

PHASES = ["primary", "secondary", "post16"]
PRIMARY, SECONDARY, POST16 = range(3)
STAGES = ["not_engaged", "readiness", "development", "embedding", "sustaining", "lapsed"]
NOT_ENGAGED, READINESS, DEVELOPMENT, EMBEDDING, SUSTAINING, LAPSED = range(6)
STATUSES = ["in_training", "active", "left"]
IN_TRAINING, ACTIVE, LEFT = range(3)
BANDS = ["q1", "q2", "q3", "q4", "q5"]  # disadvantage quintiles of a phase, q1 least
COST_ITEMS = ["work_groups", "release_days", "training"]
WORK_GROUPS, RELEASE_DAYS, TRAINING = range(3)
PRIORITIES = ["waiting_time", "disadvantage", "lottery"]
ORDERS = ["sustain_first", "expand_first"]
REJOIN_STAGES = ["furthest", "entry"]
PLACE_SHARING = ["round_robin", "by_size", "by_need"]

# The LLME roles (include/hubsim/model/llme.hpp, info()): key, phase (None: the phase of
# the school the leader comes from), the stages its time can lead, Mastery Specialist.
Role = namedtuple("Role", "key phase leads mastery_specialist")
ALL_STAGES = (READINESS, DEVELOPMENT, EMBEDDING, SUSTAINING)
ROLES = [
    Role("primary_mastery_specialist", PRIMARY, ALL_STAGES, True),
    Role("secondary_mastery_specialist", SECONDARY, ALL_STAGES, True),
    Role("post16_mastery_specialist", POST16, ALL_STAGES, True),
    Role("primary_readiness_lead", PRIMARY, (READINESS,), False),
    Role("primary_work_group_lead", PRIMARY, (DEVELOPMENT, EMBEDDING, SUSTAINING), False),
    Role("secondary_work_group_lead", SECONDARY, (DEVELOPMENT, EMBEDDING, SUSTAINING), False),
    Role("pd_lead", None, (EMBEDDING, SUSTAINING), False),
    Role("school_development_lead", None, (SUSTAINING,), False),
]
ROLE_NAMES = [r.key for r in ROLES]


def can_lead(role, phase, stage):
    """Whether a leader of `role` in `phase` can lead a group of `stage` of that phase."""
    r = ROLES[role]
    return (r.phase is None or r.phase == phase) and stage in r.leads


def lead_order(phase, stage):
    """The roles whose days a new group of `stage` in `phase` takes, in the order taken:
    roles that lead fewer stages first (stable), keeping the most versatile for the
    stages only they can lead."""
    roles = [r for r in range(len(ROLES)) if can_lead(r, phase, stage)]
    return sorted(roles, key=lambda r: len(ROLES[r].leads))


# Every series of a run (hubsim's output_schema(), include/hubsim/model/results.hpp):
# name -> (group, axes after the replication axis, element type).
SERIES = {
    "stage_counts": ("trajectories", ("time", "hub", "phase", "stage"), np.uint32),
    "engaged": ("trajectories", ("time", "hub", "phase"), np.uint32),
    "llme": ("trajectories", ("time", "hub", "role", "status"), np.uint32),
    "work_groups": ("trajectories", ("time", "hub", "phase", "stage"), np.uint32),
    "in_work_groups": ("trajectories", ("time", "hub", "phase", "stage"), np.uint32),
    "waiting": ("trajectories", ("time", "hub", "phase"), np.uint32),
    "participating": ("trajectories", ("time", "hub", "phase"), np.uint32),
    "engaged_by_band": ("trajectories", ("time", "hub", "phase", "disadvantage_band"),
                        np.uint32),
    "participating_by_band": ("trajectories", ("time", "hub", "phase", "disadvantage_band"),
                              np.uint32),
    "trainees": ("trajectories", ("time", "hub", "role"), np.uint32),
    "applicants": ("trajectories", ("time", "hub", "role"), np.uint32),
    "tfm_days": ("trajectories", ("time", "hub", "phase"), np.float64),
    "tfm_days_used": ("trajectories", ("time", "hub", "phase"), np.float64),
    "other_days": ("trajectories", ("time", "hub", "phase"), np.float64),
    "cost": ("summary", ("year", "cost_item"), np.float64),
    "target_day": ("summary", ("target",), np.int32),
    "particle": ("summary", (), np.int32),
    "hub_target_day": ("summary", ("hub", "target"), np.int32),
}

# SimPy priorities for same-day order (SimPy's own URGENT = 0 and NORMAL = 1 come first,
# so processes start before anything on their day). hubsim: national steps before any hub
# event of their day (a timeline change before the start of a year), then HubEventClass.
TIMELINE, YEAR_START, SCHOOL_ASKS, YEAR_END, SAMPLE = 10, 11, 12, 13, 14

SLACK = 1e-9  # hubsim's kSlack: leader days are sums of a few products of short decimals

# Each parameter's kind and range, by the last part of its key (parameter_specs() in
# sim/model/parameters.cpp): a posterior's draw of a count is rounded, and a timeline
# value scaled or added to stays within the range (rounded, for a count).
COUNT, REAL, PROBABILITY = "count", "real", "probability"
BIG = 1e300
RANGES = {
    # demand, equity, policy, capacity, cost, budget
    "p": (REAL, 0, 100), "q": (REAL, 0, 100), "heterogeneity": (REAL, 0, 5),
    "readiness_share": (PROBABILITY, 0, 1), "rejoin": (REAL, 0, 100),
    "head_start": (REAL, 0, 100), "demand": (REAL, -20, 20), "completion": (REAL, -20, 20),
    "new_share": (PROBABILITY, 0, 1), "max_wait_years": (COUNT, 0, 100),
    "factor": (REAL, 0, 100), "work_group": (REAL, 0, BIG), "trainee": (REAL, 0, BIG),
    "release_day": (REAL, 0, BIG), "annual": (REAL, 0, BIG),
    # llme.<role>.*
    "initial_per_hub": (COUNT, 0, 1e6), "training_places": (COUNT, 0, 1e7),
    "applicants_engaged": (PROBABILITY, 0, 1), "applicants_other": (PROBABILITY, 0, 1),
    "training_years": (COUNT, 0, 10), "dropout": (PROBABILITY, 0, 1),
    "attrition": (PROBABILITY, 0, 1), "days": (REAL, 0, 365),
    "tfm_share": (PROBABILITY, 0, 1), "outreach": (PROBABILITY, 0, 1),
    # phases.<phase>.stages.<stage>.*
    "group_size": (COUNT, 1, 1000), "complete": (PROBABILITY, 0, 1),
    "advance": (PROBABILITY, 0, 1), "repeat": (PROBABILITY, 0, 1),
    "lapse": (PROBABILITY, 0, 1), "release_days": (REAL, 0, 365),
}


def kind_of(key):
    """(kind, min, max) of a numeric parameter; (None, ...) for a choice or a flag."""
    return RANGES.get(key.rsplit(".", 1)[-1], (None, -math.inf, math.inf))


def round_half_away(v):
    """std::round: halves away from zero."""
    return math.floor(v + 0.5) if v >= 0 else -math.floor(-v + 0.5)


def changed(key, op, value, current):
    """A timeline change applied to the value that holds (hubsim's ParameterChange)."""
    if op == "set":
        return value
    v = current * value if op == "scale" else current + value
    kind, low, high = kind_of(key)
    if kind == COUNT:
        v = round_half_away(v)
    return min(max(v, low), high)


class At(simpy.events.Event):
    """A timeout that fires on ``day`` with same-day priority ``cls`` (SimPy's Timeout
    always uses NORMAL priority). Ties keep the order of scheduling."""

    def __init__(self, env, day, cls, value=None):
        # As simpy.events.Timeout.__init__, with the priority given.
        self.env = env
        self.callbacks = []
        self._value = value
        self._ok = True
        env.schedule(self, cls, day - env.now)


# ---------------------------------------------------------------------------------------
# The scenario


class Calendar:
    """hubsim's Calendar: days since the scenario's start; academic years from 1 September."""

    def __init__(self, start):
        self.start = start
        self._origin = start.toordinal()

    def day_of(self, date):
        return date.toordinal() - self._origin

    def date_of(self, day):
        return dt.date.fromordinal(self._origin + day)

    def academic_year_of(self, day):
        d = self.date_of(day)
        return d.year if d.month >= 9 else d.year - 1

    def year_start(self, year):
        return self.day_of(dt.date(year, 9, 1))

    def year_end(self, year):
        return self.year_start(year + 1) - 1

    def term_end(self, year, term):
        if term == "autumn":
            return self.day_of(dt.date(year, 12, 31))
        if term == "spring":
            return self.day_of(dt.date(year + 1, 4, 14))
        return self.year_end(year)


def as_date(value):
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def flatten(node, prefix, out):
    """Nested parameter mappings as {dotted key: value}."""
    for key, value in node.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            flatten(value, path + ".", out)
        else:
            out[path] = value
    return out


def choice(value, names):
    """A choice parameter's index, from its name (or its index, as a posterior holds it)."""
    if isinstance(value, str) and value in names:
        return names.index(value)
    return int(float(value))


def flag(value):
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value == "true"
    return float(value) != 0


def as_float32(x):
    """hubsim keeps disadvantage and a leader's outreach as float: the same value here."""
    return float(np.float32(x))


class StageRules:
    __slots__ = ("group_size", "complete", "advance", "repeat", "lapse", "release_days")

    def __init__(self, flat, base):
        for name in self.__slots__:
            setattr(self, name, float(flat[base + name]))


class PhaseRules:
    def __init__(self, flat, phase, pipeline):
        self.pipeline = pipeline
        self.modelled = bool(pipeline)
        base = f"phases.{phase}.stages."
        self.stage = [None] * len(STAGES)
        for s in ALL_STAGES:
            self.stage[s] = StageRules(flat, base + STAGES[s] + ".")
        self.next = {s: (pipeline[k + 1] if k + 1 < len(pipeline) else None)
                     for k, s in enumerate(pipeline)}

    def entry(self, needs_readiness):
        """Where a school new to the programme starts (PhaseRules::entry)."""
        if needs_readiness and self.pipeline[0] == READINESS:
            return READINESS
        for s in self.pipeline:
            if s != READINESS:
                return s
        return self.pipeline[0]


class RoleRules:
    """One role's ``llme.<role>.*``."""

    __slots__ = ("initial_per_hub", "training_places", "applicants_engaged", "applicants_other",
                 "training_years", "dropout", "attrition", "days", "tfm_share", "outreach")

    def __init__(self, flat, role):
        for name in self.__slots__:
            setattr(self, name, float(flat[f"llme.{role}.{name}"]))


class Params:
    """The parameters the model reads, built from the flat {key: value} of the resolved
    scenario. Rebuilt whenever a timeline change or a posterior draw sets a key."""

    def __init__(self, flat, pipelines):
        self.flat = dict(flat)
        self.pipelines = pipelines
        f = self.flat
        self.p = float(f["demand.p"])
        self.q = float(f["demand.q"])
        self.heterogeneity = float(f["demand.heterogeneity"])
        self.readiness_share = float(f["demand.readiness_share"])
        self.rejoin = float(f["demand.rejoin"])
        self.rejoin_furthest = choice(f["demand.rejoin_stage"], REJOIN_STAGES) == 0
        self.head_start = float(f["demand.head_start"])
        self.equity_demand = float(f["equity.demand"])
        self.equity_completion = float(f["equity.completion"])
        self.priority = choice(f["policy.priority"], PRIORITIES)
        self.sustain_first = choice(f["policy.order"], ORDERS) == 0
        self.place_sharing = choice(f["policy.place_sharing"], PLACE_SHARING)
        self.new_share = float(f["policy.new_share"])
        self.spill = flag(f["policy.spill"])
        self.max_wait_years = float(f["policy.max_wait_years"])
        self.capacity_factor = float(f["capacity.factor"])
        self.cost_work_group = float(f["cost.work_group"])
        self.cost_trainee = float(f["cost.trainee"])
        self.cost_release_day = float(f["cost.release_day"])
        self.annual_budget = float(f["budget.annual"])
        self.phase = [PhaseRules(f, ph, pipelines[k]) for k, ph in enumerate(PHASES)]
        self.role = [RoleRules(f, r) for r in ROLE_NAMES]

    def with_values(self, changes):
        flat = dict(self.flat)
        flat.update(changes)
        return Params(flat, self.pipelines)

    def recruiting_phases(self, role):
        """The phases a role recruits from: its own, or every modelled phase."""
        r = ROLES[role]
        return [p for p in range(len(PHASES))
                if self.phase[p].modelled and (r.phase is None or r.phase == p)]


class HubSpec:
    def __init__(self, node):
        self.name = str(node["name"])
        self.region = str(node.get("region", ""))
        self.opens = as_date(node["opens"])
        self.capacity_factor = float(node.get("capacity_factor", 1))
        initial = node.get("initial_llme") or {}
        unknown = set(initial) - set(ROLE_NAMES)
        if unknown:
            raise SystemExit(f"simpy_model: hub {self.name}: unknown role(s) {sorted(unknown)}")
        # Negative: the role's llme.<role>.initial_per_hub.
        self.initial_llme = [float(initial.get(r, -1)) for r in ROLE_NAMES]


class Target:
    """A strategic target: a share of a phase's schools engaged, or a number of active
    leaders (of one role or every role; nationally, or in every hub)."""

    def __init__(self, node):
        self.by = as_date(node["by"])
        if "count" in node:
            self.measure = "active_leaders"
            self.value = float(node["count"])
            self.role = ROLE_NAMES.index(node["role"]) if node.get("role") else None
            self.per_hub = flag(node.get("per_hub", False))
            self.phase = None
        else:
            self.measure = "engaged_share"
            self.value = float(node["share"])
            self.phase = PHASES.index(node["phase"])
            self.role, self.per_hub = None, False

    @property
    def is_share(self):
        return self.measure == "engaged_share"

    def has_hub_days(self):
        return self.is_share or self.per_hub

    def label(self):
        """Target::label()."""
        by = self.by.isoformat()
        if self.is_share:
            return f"{PHASES[self.phase]} {round_half_away(self.value * 100)}% by {by}"
        count = f"{self.value:.0f}" if self.value == int(self.value) else repr(self.value)
        who = ROLE_NAMES[self.role] if self.role is not None else "LLME"
        return f"{count} active {who}{' per hub' if self.per_hub else ''} by {by}"


class Scenario:
    """A resolved scenario (hubsim's /scenario text) and its schools."""

    def __init__(self, resolved_text, scenario_path, schools_files=None, overrides=None):
        doc = yaml.safe_load(resolved_text)
        self.name = str(doc["name"])
        self.start = as_date(doc["start"])
        self.end = as_date(doc["end"])
        self.seed = int(doc["seed"])
        self.sampling = str((doc.get("output") or {}).get("sample", "yearly"))
        structural = {"name", "description", "start", "end", "seed", "replications", "output",
                      "hubs", "schools", "timeline", "targets", "posterior", "set", "parameters"}
        flat = {}
        for key, value in doc.items():
            if key not in structural:
                flatten({key: value}, "", flat)
        pipelines = []
        for ph in PHASES:
            stages = flat.pop(f"phases.{ph}.pipeline", None) or []
            pipelines.append([STAGES.index(s) for s in stages])
        if overrides:
            for key, value in overrides.items():
                if key not in flat:
                    raise SystemExit(f"simpy_model: unknown parameter '{key}'")
                flat[key] = yaml.safe_load(value) if isinstance(value, str) else value
        self.params = Params(flat, pipelines)
        # Explicit values (--set, a sweep point): above a replication's posterior draw.
        self.explicit = dict(flatten(doc.get("set") or {}, "", {}))
        if overrides:
            self.explicit.update({k: flat[k] for k in overrides})
        self.hubs = [HubSpec(h) for h in doc["hubs"]]
        # Timeline events in date order (stable): (date, until, [(key, op, value)]).
        self.timeline = []
        for e in doc.get("timeline") or []:
            until = e.get("until")
            changes = [(key, op, value) for op in ("set", "scale", "add")
                       for key, value in flatten(e.get(op) or {}, "", {}).items()]
            self.timeline.append((as_date(e["date"]), as_date(until) if until else None, changes))
        self.timeline.sort(key=lambda e: e[0])
        self.targets = [Target(t) for t in doc.get("targets") or []]
        self.base_dir = Path(scenario_path).parent if scenario_path else Path(".")
        self.posterior = None
        # parameters: fixed sets a posterior aside (every replication has the values written).
        if doc.get("posterior") and doc.get("parameters", "drawn") != "fixed":
            self.posterior = read_posterior(self.data_file(doc["posterior"], "posterior"))
        self.modelled = [k for k in range(len(PHASES)) if pipelines[k]]
        # schools[h]: [phase, disadvantage, band] of hub h's schools, in hubsim's order:
        # the sources one after the other, sorted by hub (stably).
        self.schools = [[] for _ in self.hubs]
        node = doc["schools"]
        sources = node if isinstance(node, list) else [node]
        given = list(schools_files or [])
        for k, source in enumerate(sources):
            where = f"schools[{k}]" if isinstance(node, list) else "schools"
            if "file" in source:
                path = Path(given.pop(0)) if given else self.data_file(source, where)
                self._read_schools(path)
            else:
                self._generate_schools(source["generate"])
        self._assign_bands()

    def data_file(self, node, where):
        """A file the resolved scenario names: by its absolute path, or beside the scenario
        hubsim ran (as hubsim finds a moved one); its SHA-256 must be the one named."""
        path = Path(str(node["file"]))
        if not path.is_absolute():
            path = self.base_dir / path
        if not path.is_file() and (self.base_dir / path.name).is_file():
            path = self.base_dir / path.name
        if not path.is_file():
            raise SystemExit(f"simpy_model: {where}: no file {path} (the scenario's files are "
                             "found from the folder hubsim ran in; or give --schools)")
        want = node.get("sha256")
        if want:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            if digest != want:
                raise SystemExit(f"simpy_model: {where}: {path} has SHA-256 {digest}, not the "
                                 f"{want} hubsim ran with")
        return path

    def _read_schools(self, path):
        """A school CSV (urn,hub,phase,pupils,disadvantage)."""
        index = {h.name: k for k, h in enumerate(self.hubs)}
        with open(path, newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                hub = index[row["hub"]]
                # hubsim keeps disadvantage as a float32: equal keys tie as they do there.
                dis = as_float32(float(row["disadvantage"]))
                self.schools[hub].append([PHASES.index(row["phase"]), dis, 0])

    def _generate_schools(self, g):
        """schools.generate, as sim/io/hubs_and_schools.cpp makes them."""
        per_hub = [int((g.get("per_hub") or {}).get(ph, 0)) for ph in PHASES]
        dis = float(g.get("disadvantage", 0.2))
        spread = float(g.get("disadvantage_spread", 0))
        for h in range(len(self.hubs)):
            for p in range(len(PHASES)):
                n = per_hub[p]
                for k in range(n):
                    d = dis + spread * (k / (n - 1) - 0.5) if n > 1 else dis
                    self.schools[h].append([p, as_float32(min(max(d, 0.0), 1.0)), 0])

    def _assign_bands(self):
        """Each phase's mean disadvantage and quintile bands (Scenario::index_schools): the
        cut between bands k and k+1 is the disadvantage at rank ceil((k+1) n / 5); a school
        at or below a cut is in the lower band, so equal values share a band."""
        self.disadvantage_mean = [0.0] * len(PHASES)
        self.band_upper = [[1.0] * len(BANDS) for _ in PHASES]
        for p in range(len(PHASES)):
            d = [s[1] for rows in self.schools for s in rows if s[0] == p]
            if not d:
                continue
            total = 0.0
            for x in d:  # in hubsim's order, as it sums them
                total += x
            self.disadvantage_mean[p] = total / len(d)
            d.sort()
            n, nb = len(d), len(BANDS)
            upper = [d[((k + 1) * n + nb - 1) // nb - 1] for k in range(nb - 1)] + [d[-1]]
            self.band_upper[p] = upper
        for rows in self.schools:
            for s in rows:
                upper, b = self.band_upper[s[0]], 0
                while b + 1 < len(BANDS) and s[1] > upper[b]:
                    b += 1
                s[2] = b


def read_posterior(path):
    """A posterior sample (CSV with a weight column, or a calibration's HDF5):
    (keys, particles, normalised weights)."""
    if path.suffix == ".csv":
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        keys = [k for k in rows[0] if k != "weight"]
        particles = [[float(r[k]) for k in keys] for r in rows]
        weights = [float(r["weight"]) for r in rows]
    else:
        with h5py.File(path, "r") as f:
            keys = hubsim_output.texts(f["parameter"])
            particles = f["posterior"][()].tolist()
            weights = f["weight"][()].tolist()
    total = sum(weights)
    return keys, particles, [w / total for w in weights]


def resolve_with_hubsim(scenario, hubsim, workdir, sets=()):
    """Runs hubsim for one replication to get the resolved scenario; returns the output path."""
    out = Path(workdir) / "resolved.h5"
    cmd = [str(hubsim), "run", str(scenario), "-o", str(out), "--replications", "1",
           "--threads", "1", "-q"]
    for s in sets:
        cmd += ["--set", s]
    subprocess.run(cmd, check=True)
    return out


def load_from_output(h5_path, schools_files=None, overrides=None):
    """The Scenario a hubsim output file was run on."""
    with h5py.File(h5_path, "r") as f:
        text = hubsim_output.text(f["scenario"][()])
        scenario_path = hubsim_output.text(f.attrs.get("scenario_path", ""))
        hub_schools = f["hub_schools"][()]
        band_schools = f["hub_band_schools"][()] if "hub_band_schools" in f else None
        phase_axis = hubsim_output.texts(f["phase"])
    sc = Scenario(text, scenario_path, schools_files, overrides)
    # The schools found must be the ones hubsim ran on, in the same disadvantage bands.
    for h, rows in enumerate(sc.schools):
        for c, ph in enumerate(phase_axis):
            p = PHASES.index(ph)
            n = sum(1 for s in rows if s[0] == p)
            if n != hub_schools[h, c]:
                raise SystemExit(f"simpy_model: hub {sc.hubs[h].name} has {n} {ph} schools here "
                                 f"but {hub_schools[h, c]} in {h5_path}")
            if band_schools is not None:
                bands = [sum(1 for s in rows if s[0] == p and s[2] == b) for b in range(len(BANDS))]
                if bands != band_schools[h, c].tolist():
                    raise SystemExit(f"simpy_model: hub {sc.hubs[h].name}'s {ph} schools by "
                                     f"disadvantage band are {bands} here but "
                                     f"{band_schools[h, c].tolist()} in {h5_path}")
    return sc


# ---------------------------------------------------------------------------------------
# The model


class School:
    __slots__ = ("phase", "disadvantage", "band", "stage", "years_in_stage", "years_waited",
                 "asked_day", "hazard_left", "engaged", "waiting", "continuing", "placed",
                 "needs_readiness", "reached_sustaining")

    def __init__(self, phase, disadvantage, band, hazard_left):
        self.phase = phase
        self.disadvantage = disadvantage
        self.band = band
        self.stage = NOT_ENGAGED
        self.years_in_stage = 0
        self.years_waited = 0
        self.asked_day = 0
        self.hazard_left = hazard_left
        self.engaged = False  # has ever taken part in a TfM Work Group
        self.waiting = False  # asked to join (or rejoin) and has no place yet
        self.continuing = False  # in the programme and wants a group at its stage
        self.placed = False  # in a Work Group this year
        self.needs_readiness = False
        self.reached_sustaining = False  # where it rejoins, if it lapses


class Leader:
    __slots__ = ("role", "phase", "status", "years_to_active", "outreach")

    def __init__(self, role, phase, status, years_to_active, outreach):
        self.role = role
        self.phase = phase  # the role's, or the phase of the school they came from
        self.status = status
        self.years_to_active = years_to_active
        self.outreach = as_float32(outreach)  # fixed by the route they trained on


class WorkGroup:
    __slots__ = ("phase", "stage", "lead", "members")

    def __init__(self, phase, stage, lead):
        self.phase = phase
        self.stage = stage
        self.lead = lead  # the role that gave it most of its days
        self.members = 0


def completion(p, effect, excess):
    """P(completing a stage) for a school `excess` above its phase's mean disadvantage:
    the log-odds move by `effect` per unit."""
    if effect == 0 or p <= 0 or p >= 1:
        return p
    logit = math.log(p / (1 - p)) + effect * excess
    return 1 / (1 + math.exp(-logit))


class Hub:
    """One Maths Hub in one replication (hubsim's HubProcess)."""

    def __init__(self, rep, h, spec, profiles):
        self.rep = rep
        self.env = rep.env
        self.cal = rep.cal
        self.h = h
        self.spec = spec
        self.opens_day = rep.cal.day_of(spec.opens)
        rnd = rep.rnd
        # The replication's own heterogeneity and equity.demand (its posterior draw, if any).
        sigma = rep.params.heterogeneity
        equity = rep.params.equity_demand
        mean = rep.scenario.disadvantage_mean
        self.schools = []
        self.by_phase = [[] for _ in PHASES]
        self.stage_count = [[0] * len(STAGES) for _ in PHASES]
        self.school_total = [0] * len(PHASES)
        for phase, dis, band in profiles:
            # Asks to join once its accrued hazard passes a unit exponential threshold;
            # dividing by its lognormal propensity (mean 1) folds its own rate in.
            propensity = math.exp(sigma * rnd.gauss(0.0, 1.0) - 0.5 * sigma * sigma)
            if equity != 0:
                propensity *= math.exp(equity * (dis - mean[phase]))
            s = School(phase, dis, band, rnd.expovariate(1.0) / propensity)
            self.schools.append(s)
            self.by_phase[phase].append(s)
            self.school_total[phase] += 1
            self.stage_count[phase][NOT_ENGAGED] += 1
        n_roles, n_bands = len(ROLES), len(BANDS)
        self.leaders = []
        self.groups = []
        self.waiting = [[] for _ in PHASES]  # new schools, in order of asking
        self.group_count = [[0] * len(STAGES) for _ in PHASES]
        self.in_groups = [[0] * len(STAGES) for _ in PHASES]
        self.engaged = [0] * len(PHASES)
        self.engaged_band = [[0] * n_bands for _ in PHASES]
        self.participating = [0] * len(PHASES)
        self.participating_band = [[0] * n_bands for _ in PHASES]
        self.unplaced_continuing = [0] * len(PHASES)
        self.trainees = [0] * n_roles
        self.applicants = [[0] * len(PHASES) for _ in ROLES]
        self.free_days = [0.0] * n_roles  # this allocation's TfM days left, by role
        self.leading = [0] * n_roles  # active leaders of the phase, by role
        self.tfm_days = [0.0] * len(PHASES)
        self.tfm_used = [0.0] * len(PHASES)
        self.other_days = [0.0] * len(PHASES)
        self.year_cost = [0.0] * len(COST_ITEMS)
        self.budget_left = 0.0
        self.is_open = False
        self.year = 0

    # -- the hub's process: its year ends and samples -----------------------------------

    def run(self, years):
        """A SimPy process: the year end and the samples of every year, in order."""
        rep = self.rep
        for y in years:
            events = [(self.cal.year_end(y), YEAR_END, None)]
            events += [(rep.sample_days[t], SAMPLE, t) for t in rep.samples_of[y]]
            events.sort(key=lambda e: (e[0], e[1]))
            for day, cls, t in events:
                yield At(self.env, day, cls)
                rep.events += 1
                if cls == YEAR_END:
                    self.on_year_end(rep.params)
                else:
                    self.on_sample(t)

    # -- 1 September ---------------------------------------------------------------------

    def begin_year(self, year, params):
        self.year = year
        self.year_cost = [0.0] * len(COST_ITEMS)
        self.trainees = [0] * len(ROLES)
        self.applicants = [[0] * len(PHASES) for _ in ROLES]
        start = self.cal.year_start(year)
        if not self.is_open and self.opens_day <= start:
            self.open(params)
        if self.is_open:
            self.qualify_trainees(params, True)
            self.count_applicants(params)
            self.draw_interest(params)

    def open(self, params):
        self.is_open = True
        for r in range(len(ROLES)):
            n = self.spec.initial_llme[r]
            if n < 0:
                n = params.role[r].initial_per_hub
            self.add_initial_leaders(r, int(n), params)
        self.bring_head_start(params)

    def add_initial_leaders(self, role, count, params):
        """The leaders a hub opens with. Leader k of n takes the phase at (k + 1/2) / n
        along the hub's schools by phase: a role without a phase comes from the hub's
        schools in proportion."""
        phases = params.recruiting_phases(role)
        if not phases:
            return
        schools = sum(self.school_total[p] for p in phases)
        for k in range(count):
            at = (k + 0.5) / count * schools
            phase, cumulative = phases[-1], 0
            for p in phases:
                cumulative += self.school_total[p]
                if at < cumulative:
                    phase = p
                    break
            self.leaders.append(Leader(role, phase, ACTIVE, 0, params.role[role].outreach))

    def bring_head_start(self, params):
        """Interest built up before the hub's first working year: demand.head_start years,
        and the years since the start it was not yet open. A school whose threshold has
        passed is waiting on the first day."""
        years = params.head_start + (self.year - self.rep.first_year)
        if years <= 0 or params.p <= 0:
            return
        hazard = params.p * years
        day = self.cal.year_start(self.year)
        for s in self.schools:
            if s.stage != NOT_ENGAGED or not params.phase[s.phase].modelled:
                continue
            if s.hazard_left > hazard:
                s.hazard_left -= hazard
            else:
                s.hazard_left = 0.0
                self.ask(s, day)

    def qualify_trainees(self, params, new_year):
        rnd = self.rep.rnd
        for leader in self.leaders:
            if leader.status != IN_TRAINING:
                continue
            if new_year and leader.years_to_active > 0:
                leader.years_to_active -= 1
            if leader.years_to_active > 0:
                continue
            dropout = params.role[leader.role].dropout
            leader.status = LEFT if rnd.random() < dropout else ACTIVE

    def count_applicants(self, params):
        """Applicants per (role, phase): engaged schools, then the others, each a binomial."""
        binomial = self.rep.nprng.binomial
        for r, rules in enumerate(params.role):
            if rules.training_places <= 0:
                continue
            for p in params.recruiting_phases(r):
                engaged = self.engaged[p]
                from_engaged = int(binomial(engaged, rules.applicants_engaged))
                from_others = int(binomial(self.school_total[p] - engaged, rules.applicants_other))
                self.applicants[r][p] = from_engaged + from_others

    def draw_interest(self, params):
        """Schedules the day each school asks to join (or rejoin) this year: where its
        remaining threshold runs out under this year's constant hazard."""
        start = self.cal.year_start(self.year)
        days = self.cal.year_end(self.year) - start + 1
        rate = [params.p + params.q * (self.engaged[p] / self.school_total[p]
                                       if self.school_total[p] else 0.0)
                for p in range(len(PHASES))]
        modelled = [rules.modelled for rules in params.phase]
        rejoin = params.rejoin
        env = self.env
        on_asks = self.on_school_asks
        for s in self.schools:
            if s.waiting or not modelled[s.phase]:
                continue
            if s.stage == NOT_ENGAGED:
                r = rate[s.phase]
            elif s.stage == LAPSED:
                r = rejoin
            else:
                continue
            if r <= 0:
                continue
            if s.hazard_left > r:
                s.hazard_left -= r
                continue
            fraction = s.hazard_left / r
            s.hazard_left = 0.0
            offset = min(days - 1, int(fraction * days))
            At(env, start + offset, SCHOOL_ASKS, s).callbacks.append(on_asks)

    # -- the national moment: training and Work Groups -----------------------------------

    def start_training(self, trainees, params):
        """trainees[role][phase] start their route."""
        for r, rules in enumerate(params.role):
            years = int(rules.training_years)
            for p in range(len(PHASES)):
                n = trainees[r][p]
                for _ in range(n):
                    self.leaders.append(Leader(r, p, IN_TRAINING, years, rules.outreach))
                self.trainees[r] += n
                self.year_cost[TRAINING] += n * params.cost_trainee
        # A route with no training year gives leaders at once.
        self.qualify_trainees(params, False)

    def allocate(self, params, budget):
        self.groups = []
        self.group_count = [[0] * len(STAGES) for _ in PHASES]
        self.in_groups = [[0] * len(STAGES) for _ in PHASES]
        self.participating_band = [[0] * len(BANDS) for _ in PHASES]
        self.participating = [0] * len(PHASES)
        self.unplaced_continuing = [0] * len(PHASES)
        self.tfm_days = [0.0] * len(PHASES)
        self.tfm_used = [0.0] * len(PHASES)
        self.other_days = [0.0] * len(PHASES)
        self.budget_left = budget
        if not self.is_open:
            return
        for p in range(len(PHASES)):
            if params.phase[p].modelled:
                self.allocate_phase(p, params)

    def candidates(self, phase, continuing, params):
        """Who wants a place, in priority order (stable: ties keep the list's order)."""
        if continuing:
            schools = [s for s in self.by_phase[phase] if s.continuing]
        else:
            schools = list(self.waiting[phase])
        if params.priority == 0:  # waiting_time
            if continuing:
                schools.sort(key=lambda s: -s.years_waited)
            else:
                schools.sort(key=lambda s: s.asked_day)
        elif params.priority == 1:  # disadvantage
            schools.sort(key=lambda s: -s.disadvantage)
        else:  # lottery: a fresh key per school and year
            rnd = self.rep.rnd.random
            keyed = [(rnd(), k) for k in range(len(schools))]
            keyed.sort(key=lambda kk: kk[0])
            schools = [schools[k] for _, k in keyed]
        return schools

    def allocate_phase(self, phase, params):
        # The phase's leaders' days for the year: a pool per role that groups draw on.
        factor = params.capacity_factor * self.spec.capacity_factor
        self.free_days = [0.0] * len(ROLES)
        self.leading = [0] * len(ROLES)
        for leader in self.leaders:
            if leader.phase != phase or leader.status != ACTIVE:
                continue
            rules = params.role[leader.role]
            days = rules.days * leader.outreach * factor
            self.free_days[leader.role] += days * rules.tfm_share
            self.other_days[phase] += days * (1 - rules.tfm_share)
            self.leading[leader.role] += 1
        # The days of the roles that can lead some stage of the phase's pipeline.
        pipeline = params.phase[phase].pipeline
        # tfm_days reports all the TfM days the phase's leaders had.
        capacity = 0.0
        for r in range(len(ROLES)):
            if any(can_lead(r, phase, s) for s in pipeline):
                capacity += self.free_days[r]
        self.tfm_days[phase] = sum(self.free_days)
        self.open_group = [-1] * len(STAGES)
        cont = self.candidates(phase, True, params)
        fresh = self.candidates(phase, False, params)
        new_limit = params.new_share * capacity
        cont_limit = capacity - new_limit
        used = [0.0, 0.0]  # continuing, new

        def one_pass(cont_cap, new_cap):
            if params.sustain_first:
                self.place(cont, phase, cont_cap, used, 0, params)
                self.place(fresh, phase, new_cap, used, 1, params)
            else:
                self.place(fresh, phase, new_cap, used, 1, params)
                self.place(cont, phase, cont_cap, used, 0, params)

        one_pass(cont_limit, new_limit)
        if params.spill:
            # Whatever one kind of school left unused, the other may take.
            free = capacity - used[0] - used[1]
            one_pass(used[0] + free, used[1] + free)
        self.tfm_used[phase] = used[0] + used[1]
        for s in cont:
            if not s.placed:
                self.unplaced_continuing[phase] += 1
        self.waiting[phase] = [s for s in self.waiting[phase] if not s.placed]

    def place(self, schools, phase, limit, used, pool, params):
        for s in schools:
            if not s.placed:
                self.seat(s, phase, limit, used, pool, params)

    def joining_stage(self, s, phase, params):
        """The stage a school joining now enters: its own if continuing; a lapsed school
        rejoins at sustaining if it had reached it, otherwise embedding (furthest); else
        where new schools start."""
        if s.continuing:
            return s.stage
        rules = params.phase[phase]
        if s.stage == LAPSED and params.rejoin_furthest:
            if s.reached_sustaining and SUSTAINING in rules.pipeline:
                return SUSTAINING
            if EMBEDDING in rules.pipeline:
                return EMBEDDING
        return rules.entry(s.stage == NOT_ENGAGED and s.needs_readiness)

    def take_days(self, phase, stage, days):
        """Takes `days` for a new group from the pools of the roles that can lead it, in
        lead_order; returns the role that gave most, or None (nothing taken) if they have
        too few days left or the phase has no such leader."""
        order = lead_order(phase, stage)
        free = self.free_days
        available = 0.0
        for r in order:
            available += free[r]
        if sum(self.leading[r] for r in order) == 0 or available + SLACK < days:
            return None
        lead, most = order[0], -1.0
        for r in order:
            if days <= SLACK:
                break
            given = min(free[r], days)
            free[r] -= given
            days -= given
            if given > most:
                lead, most = r, given
        return lead

    def seat(self, s, phase, limit, used, pool, params):
        is_new = not s.continuing
        stage = self.joining_stage(s, phase, params)
        sr = params.phase[phase].stage[stage]
        g = self.open_group[stage]
        if g < 0 or self.groups[g].members >= sr.group_size:
            # A new group needs its leader days from leaders who can lead it, room in the
            # pool, and money.
            cost = params.cost_work_group + sr.release_days * params.cost_release_day
            if used[pool] + sr.release_days > limit + SLACK or cost > self.budget_left + SLACK:
                return False
            lead = self.take_days(phase, stage, sr.release_days)
            if lead is None:
                return False
            used[pool] += sr.release_days
            self.budget_left -= cost
            self.year_cost[WORK_GROUPS] += params.cost_work_group
            self.year_cost[RELEASE_DAYS] += sr.release_days * params.cost_release_day
            self.groups.append(WorkGroup(phase, stage, lead))
            g = self.open_group[stage] = len(self.groups) - 1
            self.group_count[phase][stage] += 1
        self.groups[g].members += 1
        if is_new:
            s.waiting = False
            s.continuing = True
            if not s.engaged:
                self.engaged[phase] += 1
                self.engaged_band[phase][s.band] += 1
            s.engaged = True
            self.move(s, stage)
        s.placed = True
        s.years_waited = 0
        self.participating[phase] += 1
        self.participating_band[phase][s.band] += 1
        self.in_groups[phase][stage] += 1
        return True

    # -- events through the year ---------------------------------------------------------

    def on_school_asks(self, event):
        """Callback of a school's asking event."""
        self.rep.events += 1
        self.ask(event.value, self.env.now)

    def ask(self, s, day):
        """A school asks to join (or rejoin) TfM."""
        s.waiting = True
        s.asked_day = day
        s.needs_readiness = self.rep.rnd.random() < self.rep.params.readiness_share
        self.waiting[s.phase].append(s)

    def on_year_end(self, params):
        max_wait = int(params.max_wait_years)
        for s in self.schools:
            before = s.stage
            if s.placed:
                self.progress(s, params)
            elif s.continuing:
                s.years_waited += 1
                if s.years_waited > max_wait:
                    self.lapse(s)
            if s.stage == before and s.years_in_stage < 255:
                s.years_in_stage += 1
        rnd = self.rep.rnd
        for leader in self.leaders:
            if leader.status == ACTIVE and rnd.random() < params.role[leader.role].attrition:
                leader.status = LEFT

    def progress(self, s, params):
        s.placed = False
        rules = params.phase[s.phase]
        sr = rules.stage[s.stage]
        nxt = rules.next[s.stage]
        rnd = self.rep.rnd
        u0 = rnd.random()
        if nxt is None:  # the last stage
            if u0 < sr.lapse:
                self.lapse(s)
            return
        u1 = rnd.random()
        complete = completion(sr.complete, params.equity_completion,
                              s.disadvantage - self.rep.scenario.disadvantage_mean[s.phase])
        if u0 < complete:
            if u1 < sr.advance:
                self.move(s, nxt)
            else:
                self.lapse(s)
        elif u1 >= sr.repeat:
            self.lapse(s)

    def move(self, s, to):
        counts = self.stage_count[s.phase]
        counts[s.stage] -= 1
        counts[to] += 1
        s.stage = to
        s.years_in_stage = 0
        if to == SUSTAINING:
            s.reached_sustaining = True

    def lapse(self, s):
        self.move(s, LAPSED)
        s.continuing = False
        s.years_waited = 0
        # A fresh threshold for asking to rejoin.
        s.hazard_left = self.rep.rnd.expovariate(1.0)

    def on_sample(self, t):
        out = self.rep.out
        h = self.h
        for c, p in enumerate(self.rep.scenario.modelled):
            out["stage_counts"][t, h, c, :] = self.stage_count[p]
            out["work_groups"][t, h, c, :] = self.group_count[p]
            out["in_work_groups"][t, h, c, :] = self.in_groups[p]
            out["engaged_by_band"][t, h, c, :] = self.engaged_band[p]
            out["participating_by_band"][t, h, c, :] = self.participating_band[p]
            out["engaged"][t, h, c] = self.engaged[p]
            out["waiting"][t, h, c] = len(self.waiting[p]) + self.unplaced_continuing[p]
            out["participating"][t, h, c] = self.participating[p]
            out["tfm_days"][t, h, c] = self.tfm_days[p]
            out["tfm_days_used"][t, h, c] = self.tfm_used[p]
            out["other_days"][t, h, c] = self.other_days[p]
        out["trainees"][t, h, :] = self.trainees
        out["applicants"][t, h, :] = [sum(by_phase) for by_phase in self.applicants]
        llme = out["llme"][t, h]
        for leader in self.leaders:
            llme[leader.role, leader.status] += 1


def share_places(rule, places, applicants, weights, year, per_hub):
    """National training places of a role (hubsim's place_sharing.cpp): everyone if they
    fit; otherwise round robin (one at a time to each (hub, phase) bucket that still has
    applicants, starting at the hub that turns with the year), or by weight (by size, by
    need) with the Sainte-Lague divisor method, ties to the bucket first in the turning
    order, and what is left round robin."""
    n = len(applicants)
    given = [0] * n
    if n == 0:
        return given
    if sum(applicants) <= places:
        return list(applicants)
    start = (year % (n // per_hub)) * per_hub
    if rule != 0:
        def turn(e):
            return (e + n - start) % n
        # Largest w / (2g + 1) first, compared exactly as fractions; then the turning order.
        line = [(-Fraction(weights[e], 1), turn(e), e) for e in range(n)
                if weights[e] > 0 and applicants[e] > 0]
        heapq.heapify(line)
        while places > 0 and line:
            _, t, e = heapq.heappop(line)
            given[e] += 1
            places -= 1
            if given[e] < applicants[e]:
                heapq.heappush(line, (-Fraction(weights[e], 2 * given[e] + 1), t, e))
    placed = True
    while places > 0 and placed:
        placed = False
        for k in range(n):
            if places == 0:
                break
            h = (start + k) % n
            if given[h] < applicants[h]:
                given[h] += 1
                places -= 1
                placed = True
    return given


class Replication:
    """Every hub through every year, with the national moments between (hubsim's
    Replication), as SimPy processes in one Environment."""

    def __init__(self, scenario, replication, seed):
        self.scenario = scenario
        self.cal = cal = Calendar(scenario.start)
        ss = np.random.SeedSequence([seed, replication])
        self.rnd = random.Random(int(ss.generate_state(2, np.uint64)[0]))
        self.nprng = np.random.default_rng(ss.spawn(1)[0])
        # parameters_of: the scenario's, then the replication's posterior draw, then
        # explicit values.
        self.params = scenario.params
        self.particle = -1
        if scenario.posterior is not None:
            keys, particles, weights = scenario.posterior
            u = self.rnd.random()
            acc, k = 0.0, len(weights) - 1
            for i, w in enumerate(weights):
                acc += w
                if u < acc:
                    k = i
                    break
            self.particle = k
            self.params = self.params.with_values({
                # Counts are rounded half away from zero, as std::round.
                key: (round_half_away(v) if kind_of(key)[0] == COUNT else v)
                for key, v in zip(keys, particles[k])})
        if scenario.explicit:
            self.params = self.params.with_values(scenario.explicit)
        self.base = self.params  # the replication's own, before the timeline
        first_day, last_day = cal.day_of(scenario.start), cal.day_of(scenario.end)
        self.first_year = cal.academic_year_of(first_day)
        self.years = list(range(self.first_year, cal.academic_year_of(last_day) + 1))
        days = []
        for y in self.years:
            if scenario.sampling == "termly":
                days += [cal.term_end(y, "autumn"), cal.term_end(y, "spring")]
            days.append(cal.year_end(y))
        self.sample_days = [d for d in days if first_day <= d <= last_day]
        self.samples_of = {}
        t = 0
        for y in self.years:
            self.samples_of[y] = []
            while t < len(self.sample_days) and self.sample_days[t] <= cal.year_end(y):
                self.samples_of[y].append(t)
                t += 1
        extent = {"time": len(self.sample_days), "hub": len(scenario.hubs),
                  "phase": len(scenario.modelled), "stage": len(STAGES), "role": len(ROLES),
                  "status": len(STATUSES), "disadvantage_band": len(BANDS),
                  "year": len(self.years), "cost_item": len(COST_ITEMS),
                  "target": len(scenario.targets)}
        self.out = {name: np.zeros([extent[a] for a in axes], dtype)
                    for name, (_, axes, dtype) in SERIES.items()}
        self.events = 0  # hubsim's events: asks, year ends, samples, national moments
        origin = min(first_day, cal.year_start(self.first_year))
        self.env = simpy.Environment(initial_time=origin)
        self.hubs = [Hub(self, h, spec, scenario.schools[h])
                     for h, spec in enumerate(scenario.hubs)]
        self.end_day = last_day

    # -- processes -----------------------------------------------------------------------

    def national(self):
        """1 September of every year: each hub's start of year, then the national moment."""
        for y in self.years:
            yield At(self.env, self.cal.year_start(y), YEAR_START)
            self.events += 1
            for hub in self.hubs:
                hub.begin_year(y, self.params)
            self.national_allocation(y)
            self.add_costs(y - self.first_year)

    def timeline(self):
        """Dated parameter changes: on each day the timeline changes, what holds is the
        replication's own parameters with every event active that day laid over them in
        date order (an event with `until` is gone the day after it)."""
        days = set()
        for date, until, _ in self.scenario.timeline:
            days.add(self.cal.day_of(date))
            if until is not None:
                days.add(self.cal.day_of(until) + 1)
        for day in sorted(days):
            yield At(self.env, max(day, self.env.now), TIMELINE)
            self.events += 1
            on = self.cal.date_of(day)
            values = dict(self.base.flat)
            for date, until, changes in self.scenario.timeline:
                if date <= on and (until is None or on <= until):
                    for key, op, value in changes:
                        values[key] = changed(key, op, float(value) if op != "set" else value,
                                              float(values[key]) if op != "set" else None)
            self.params = Params(values, self.base.pipelines)

    def sharing_weight(self, hub, phase):
        """What policy.place_sharing weighs a hub's phase by: its schools (by_size) or its
        schools waiting for a first place (by_need); round robin weighs nothing."""
        rule = self.params.place_sharing
        return hub.school_total[phase] if rule == 1 else len(hub.waiting[phase]) if rule == 2 else 0

    def national_allocation(self, year):
        """Training places of each role round the (hub, phase) buckets, within the budget;
        then each hub's trainees start and its Work Groups form within its budget share."""
        params = self.params
        trainee_cost = params.cost_trainee
        budget = params.annual_budget if params.annual_budget > 0 else math.inf
        nph = len(PHASES)
        trainees = [[[0] * nph for _ in ROLES] for _ in self.hubs]
        for r, rules in enumerate(params.role):
            places = int(rules.training_places)
            if places == 0:
                continue
            if trainee_cost > 0 and math.isfinite(budget):
                places = min(places, int(budget / trainee_cost))
            # Buckets: every hub's three phases, phase-major within a hub.
            applicants = [hub.applicants[r][p] for hub in self.hubs for p in range(nph)]
            weights = [self.sharing_weight(hub, p) for hub in self.hubs for p in range(nph)]
            given = share_places(params.place_sharing, places, applicants, weights, year, nph)
            for h in range(len(self.hubs)):
                for p in range(nph):
                    n = given[h * nph + p]
                    trainees[h][r][p] = n
                    budget -= n * trainee_cost
        # What is left of the budget goes to open hubs in proportion to their schools.
        open_schools = sum(len(hub.schools) for hub in self.hubs if hub.is_open)
        for h, hub in enumerate(self.hubs):
            if not math.isfinite(budget):
                share = math.inf
            elif open_schools > 0:
                share = max(0.0, budget) * len(hub.schools) / open_schools
            else:
                share = 0.0
            hub.start_training(trainees[h], params)
            hub.allocate(params, share)

    def add_costs(self, year_index):
        row = self.out["cost"][year_index]
        for hub in self.hubs:
            for k in range(len(COST_ITEMS)):
                row[k] += hub.year_cost[k]

    def find_target_days(self):
        """The first sample at which each target is met, nationally and (for a share, or a
        count every hub must reach) in each hub (hubsim's find_target_days)."""
        out = self.out
        nt, nh = len(self.sample_days), len(self.hubs)
        out["target_day"][:] = -1
        out["hub_target_day"][:] = -1
        for k, target in enumerate(self.scenario.targets):
            if target.is_share:
                col = self.scenario.modelled.index(target.phase)
                schools = out["stage_counts"][0, :, col, :].sum(axis=-1).astype(float)
                values = out["engaged"][:, :, col].astype(float)
            else:
                schools = np.ones(nh)
                active = out["llme"][:, :, :, ACTIVE]
                values = (active[:, :, target.role] if target.role is not None
                          else active.sum(axis=-1)).astype(float)

            def met(v, units):
                if target.is_share:
                    return units > 0 and v >= target.value * units
                return v >= target.value

            total = float(schools.sum()) if target.is_share else 1.0
            for t in range(nt):
                every_hub = nh > 0
                for h in range(nh):
                    hub_met = met(values[t, h], schools[h])
                    every_hub = every_hub and hub_met
                    if target.has_hub_days() and out["hub_target_day"][h, k] < 0 and hub_met:
                        out["hub_target_day"][h, k] = self.sample_days[t]
                national = every_hub if target.per_hub else met(values[t].sum(), total)
                if out["target_day"][k] < 0 and national:
                    out["target_day"][k] = self.sample_days[t]

    def run(self):
        env = self.env
        env.process(self.timeline())
        env.process(self.national())
        for hub in self.hubs:
            env.process(hub.run(self.years))
        env.run(until=self.end_day + 1)
        self.out["particle"][()] = self.particle
        self.find_target_days()
        return self.out


def kernel_events(env):
    """Events SimPy scheduled in this environment (its insertion counter; every event
    scheduled is processed, but for the stop event and those beyond the end)."""
    try:
        return next(env._eid)  # pylint: disable=protected-access
    except (AttributeError, TypeError):
        return -1


def run_replications(scenario, replications, seed=None, first=0, progress=None):
    """Runs replications first..first+n-1; returns stacked arrays and per-replication facts."""
    seed = scenario.seed if seed is None else seed
    outs, walls, cpus, events, kernel = [], [], [], [], []
    for k in range(replications):
        t0, c0 = time.perf_counter(), time.process_time()
        rep = Replication(scenario, first + k, seed)
        out = rep.run()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
        outs.append(out)
        events.append(rep.events)
        kernel.append(kernel_events(rep.env))
        if progress:
            progress(k + 1, walls[-1])
    rep0 = rep
    result = {key: np.stack([o[key] for o in outs]) for key in outs[0]}
    result.update({
        "time": np.array(rep0.sample_days, np.int32),
        "date": np.array([rep0.cal.date_of(d).isoformat() for d in rep0.sample_days]),
        "year": np.array(rep0.years, np.int32),
        "hub": np.array([h.name for h in scenario.hubs]),
        "phase": np.array([PHASES[p] for p in scenario.modelled]),
        "stage": np.array(STAGES),
        "status": np.array(STATUSES),
        "role": np.array(ROLE_NAMES),
        "disadvantage_band": np.array(BANDS),
        "cost_item": np.array(COST_ITEMS),
        "target": np.array([t.label() for t in scenario.targets], dtype=str),
        "wall_s": np.array(walls),
        "cpu_s": np.array(cpus),
        "events": np.array(events, np.int64),
        "simpy_events": np.array(kernel, np.int64),
        "seed": np.array(seed, np.uint64),
    })
    return result


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("scenario", help="a hubsim output file (.h5), or a scenario .yaml "
                                     "(resolved by running hubsim for one replication)")
    ap.add_argument("-o", "--output", required=True, help="trajectories, .npz or .h5")
    ap.add_argument("-r", "--replications", type=int, default=1)
    ap.add_argument("--seed", type=int, help="root seed (default: the scenario's)")
    ap.add_argument("--schools", action="append",
                    help="a school CSV in place of the scenario's (once per file source, in "
                         "order; default: the files the scenario names)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="change a parameter here only (to show the comparison can tell)")
    ap.add_argument("--hubsim", default=os.environ.get("HUBSIM_BIN", REPO / "build" / "hubsim"))
    ap.add_argument("-q", "--quiet", action="store_true")
    args = ap.parse_args(argv)

    overrides = dict(s.split("=", 1) for s in args.set)
    path = Path(args.scenario)
    with tempfile.TemporaryDirectory() as tmp:
        if path.suffix in (".yaml", ".yml"):
            path = resolve_with_hubsim(path, args.hubsim, tmp)
        scenario = load_from_output(path, args.schools, overrides)

    def progress(k, wall):
        if not args.quiet:
            print(f"  replication {k}/{args.replications}: {wall * 1e3:.0f} ms", file=sys.stderr)

    t0 = time.perf_counter()
    result = run_replications(scenario, args.replications, args.seed, progress=progress)
    wall = time.perf_counter() - t0
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix == ".h5":
        with h5py.File(out, "w") as f:
            for key, value in result.items():
                f[key] = value.astype("S") if value.dtype.kind == "U" else value
    else:
        np.savez_compressed(out, **result)
    n_schools = sum(len(s) for s in scenario.schools)
    events = result["events"].mean()
    kernel = result["simpy_events"].mean()
    print(f"simpy_model: {scenario.name}: {len(scenario.hubs)} hubs, {n_schools} schools, "
          f"{args.replications} replications in {wall:.2f} s "
          f"({result['wall_s'].mean() * 1e3:.1f} ms each); "
          f"{events:.0f} model events per replication ({events / result['wall_s'].mean():.0f}/s), "
          f"{kernel:.0f} SimPy events scheduled; wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
