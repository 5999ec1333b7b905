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

Same-day order is hubsim's: timeline changes, then the national start of year, then the
hub event classes in HubEventClass order (a school asks, the year ends, a sample is taken).
SimPy orders its heap by (time, priority, insertion), so each kind of event is scheduled
with its own priority (``At`` below) and ties keep the order they were scheduled in, as
hubsim's queue does.

The scenario is the one hubsim resolved: hubsim is the single reader of scenario files
(bases, defaults, --set, validation), and writes the resolved scenario, with every key,
into its output as ``/scenario``. This model reads that text and the school list it names
(``schools.file``, relative to the scenario hubsim ran, from the output's ``scenario_path``
attribute) or makes the schools of a ``schools.generate`` block exactly as hubsim's loader
does. Given a scenario YAML instead of an output file, it runs hubsim for one replication
to resolve it.

Random numbers come from Python's ``random`` (scalar draws) and numpy (binomials), seeded
from (seed, replication): the model agrees with hubsim in distribution, not draw by draw.

    /usr/bin/python3 tools/simpy_model.py scenarios/england.yaml -o results/simpy.npz -r 10
    /usr/bin/python3 tools/simpy_model.py results/england.h5 -o results/simpy.npz -r 10

The .npz holds, per replication, the same trajectories as hubsim's /trajectories
(stage_counts, engaged, waiting, participating, trainees, work_groups, llme, specialists
and /summary/cost), with the axes, the wall time and the events processed.
"""

import argparse
import csv
import datetime as dt
import math
import os
import random
import subprocess
import sys
import tempfile
import time
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
STAGES = ["not_engaged", "readiness", "development", "embedding", "sustaining", "lapsed"]
NOT_ENGAGED, READINESS, DEVELOPMENT, EMBEDDING, SUSTAINING, LAPSED = range(6)
STATUSES = ["in_training", "active", "left"]
IN_TRAINING, ACTIVE, LEFT = range(3)
COST_ITEMS = ["work_groups", "release_days", "training"]
WORK_GROUPS, RELEASE_DAYS, TRAINING = range(3)
PRIORITIES = ["waiting_time", "disadvantage", "lottery"]
ORDERS = ["sustain_first", "expand_first"]

# SimPy priorities for same-day order (SimPy's own URGENT = 0 and NORMAL = 1 come first,
# so processes start before anything on their day). hubsim: national steps before any hub
# event of their day (a timeline change before the start of a year), then HubEventClass.
TIMELINE, YEAR_START, SCHOOL_ASKS, YEAR_END, SAMPLE = 10, 11, 12, 13, 14

SLACK = 1e-9  # hubsim's kSlack: loads are sums of a few short binary fractions

# Parameters of kind Count (a posterior's continuous draws are rounded for these).
COUNT_KEYS = ("group_size", "initial_per_hub", "training_places", "training_years",
              "max_wait_years")
# Parameters of kind Probability (a scaled or added timeline value stays within [0, 1]);
# every other number stays at or above its lower bound (1 for group_size, else 0).
PROBABILITY_KEYS = ("complete", "advance", "repeat", "lapse", "attrition", "dropout",
                    "applicants_engaged", "applicants_other", "readiness_share", "new_share")


def changed(key, op, value, current):
    """A timeline change applied to the value that holds (hubsim's ParameterChange)."""
    if op == "set":
        return value
    v = current * value if op == "scale" else current + value
    if key.endswith(COUNT_KEYS):
        v = math.floor(v + 0.5) if v >= 0 else -math.floor(-v + 0.5)
    low = 1.0 if key.endswith("group_size") else 0.0
    high = 1.0 if key.endswith(PROBABILITY_KEYS) else math.inf
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


class StageRules:
    __slots__ = ("group_size", "load", "complete", "advance", "repeat", "lapse", "release_days")

    def __init__(self, flat, base):
        for name in self.__slots__:
            setattr(self, name, float(flat[base + name]))


class PhaseRules:
    def __init__(self, flat, phase, pipeline):
        self.pipeline = pipeline
        self.modelled = bool(pipeline)
        base = f"phases.{phase}.stages."
        self.stage = [None] * len(STAGES)
        for s in (READINESS, DEVELOPMENT, EMBEDDING, SUSTAINING):
            self.stage[s] = StageRules(flat, base + STAGES[s] + ".")
        self.next = {s: (pipeline[k + 1] if k + 1 < len(pipeline) else None)
                     for k, s in enumerate(pipeline)}
        lb = f"llme.{phase}."
        self.initial_per_hub = float(flat[lb + "initial_per_hub"])
        self.llme_load = float(flat[lb + "load"])
        self.training_places = float(flat[lb + "training_places"])
        self.training_years = float(flat[lb + "training_years"])
        self.attrition = float(flat[lb + "attrition"])
        self.dropout = float(flat[lb + "dropout"])
        self.applicants_engaged = float(flat[lb + "applicants_engaged"])
        self.applicants_other = float(flat[lb + "applicants_other"])

    def entry(self, needs_readiness):
        """Where a school new to the programme starts (PhaseRules::entry)."""
        if needs_readiness and self.pipeline[0] == READINESS:
            return READINESS
        for s in self.pipeline:
            if s != READINESS:
                return s
        return self.pipeline[0]


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
        self.priority = PRIORITIES.index(str(f["policy.priority"]))
        self.sustain_first = ORDERS.index(str(f["policy.order"])) == 0
        self.new_share = float(f["policy.new_share"])
        spill = f["policy.spill"]
        self.spill = spill if isinstance(spill, bool) else str(spill) == "true"
        self.max_wait_years = float(f["policy.max_wait_years"])
        self.capacity_factor = float(f["capacity.factor"])
        self.cost_work_group = float(f["cost.work_group"])
        self.cost_trainee = float(f["cost.trainee"])
        self.cost_release_day = float(f["cost.release_day"])
        self.annual_budget = float(f["budget.annual"])
        self.phase = [PhaseRules(f, ph, pipelines[k]) for k, ph in enumerate(PHASES)]

    def with_values(self, changes):
        flat = dict(self.flat)
        flat.update(changes)
        return Params(flat, self.pipelines)


class HubSpec:
    def __init__(self, node):
        self.name = str(node["name"])
        self.region = str(node.get("region", ""))
        self.opens = as_date(node["opens"])
        self.capacity_factor = float(node.get("capacity_factor", 1))
        initial = node.get("initial_llme") or {}
        self.initial_llme = [float(initial.get(ph, -1)) for ph in PHASES]


class Scenario:
    """A resolved scenario (hubsim's /scenario text) and its schools."""

    def __init__(self, resolved_text, scenario_path, schools_file=None, overrides=None):
        doc = yaml.safe_load(resolved_text)
        self.name = str(doc["name"])
        self.start = as_date(doc["start"])
        self.end = as_date(doc["end"])
        self.seed = int(doc["seed"])
        self.sampling = str((doc.get("output") or {}).get("sample", "yearly"))
        structural = {"name", "description", "start", "end", "seed", "replications", "output",
                      "hubs", "schools", "timeline", "targets", "posterior", "set"}
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
        self.targets = doc.get("targets") or []
        base_dir = Path(scenario_path).parent if scenario_path else Path(".")
        self.posterior = None
        if doc.get("posterior"):
            self.posterior = read_posterior(base_dir / str(doc["posterior"]["file"]))
        self.modelled = [k for k in range(len(PHASES)) if pipelines[k]]
        # schools[h]: (phase, disadvantage) of hub h's schools, in hubsim's order.
        self.schools = [[] for _ in self.hubs]
        node = doc["schools"]
        if schools_file is None and "file" in node:
            schools_file = Path(str(node["file"]))
            if not schools_file.is_absolute():
                schools_file = base_dir / schools_file
        if schools_file is not None:
            if not Path(schools_file).is_file():
                raise SystemExit(f"simpy_model: no school file {schools_file} (the scenario's "
                                 "file is found from the folder hubsim ran in; or give --schools)")
            self._read_schools(Path(schools_file))
        else:
            self._generate_schools(node["generate"])

    def _read_schools(self, path):
        """The scenario's school CSV (urn,hub,phase,pupils,disadvantage), sorted by hub
        stably as Scenario::index_schools does."""
        index = {h.name: k for k, h in enumerate(self.hubs)}
        with open(path, newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                hub = index[row["hub"]]
                # hubsim keeps disadvantage as a float32: equal keys tie as they do there.
                dis = float(np.float32(float(row["disadvantage"])))
                self.schools[hub].append((PHASES.index(row["phase"]), dis))

    def _generate_schools(self, g):
        """schools.generate, as sim/io/scenario_loader.cpp makes them."""
        per_hub = [int((g.get("per_hub") or {}).get(ph, 0)) for ph in PHASES]
        dis = float(g.get("disadvantage", 0.2))
        spread = float(g.get("disadvantage_spread", 0))
        for h in range(len(self.hubs)):
            for p in range(len(PHASES)):
                n = per_hub[p]
                for k in range(n):
                    d = dis + spread * (k / (n - 1) - 0.5) if n > 1 else dis
                    d = float(np.float32(min(max(d, 0.0), 1.0)))
                    self.schools[h].append((p, d))


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


def load_from_output(h5_path, schools_file=None, overrides=None):
    """The Scenario a hubsim output file was run on."""
    with h5py.File(h5_path, "r") as f:
        text = hubsim_output.text(f["scenario"][()])
        scenario_path = hubsim_output.text(f.attrs.get("scenario_path", ""))
        hub_schools = f["hub_schools"][()]
        phase_axis = hubsim_output.texts(f["phase"])
    sc = Scenario(text, scenario_path, schools_file, overrides)
    # The schools found must be the ones hubsim ran on.
    for h, rows in enumerate(sc.schools):
        for c, ph in enumerate(phase_axis):
            n = sum(1 for p, _ in rows if PHASES[p] == ph)
            if n != hub_schools[h, c]:
                raise SystemExit(f"simpy_model: hub {sc.hubs[h].name} has {n} {ph} schools here "
                                 f"but {hub_schools[h, c]} in {h5_path}")
    return sc


# ---------------------------------------------------------------------------------------
# The model


class School:
    __slots__ = ("phase", "disadvantage", "stage", "years_in_stage", "years_waited",
                 "asked_day", "hazard_left", "engaged", "waiting", "continuing", "placed",
                 "needs_readiness")

    def __init__(self, phase, disadvantage, hazard_left):
        self.phase = phase
        self.disadvantage = disadvantage
        self.stage = NOT_ENGAGED
        self.years_in_stage = 0
        self.years_waited = 0
        self.asked_day = 0
        self.hazard_left = hazard_left
        self.engaged = False
        self.waiting = False
        self.continuing = False
        self.placed = False
        self.needs_readiness = False


class Leader:
    __slots__ = ("phase", "founding", "status", "years_to_active", "free_load")

    def __init__(self, phase, founding, status, years_to_active):
        self.phase = phase
        self.founding = founding
        self.status = status
        self.years_to_active = years_to_active
        self.free_load = 0.0


class WorkGroup:
    __slots__ = ("phase", "stage", "lead", "members")

    def __init__(self, phase, stage, lead):
        self.phase = phase
        self.stage = stage
        self.lead = lead
        self.members = 0


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
        # The replication's own heterogeneity: its posterior draw, if it has one.
        sigma = rep.params.heterogeneity
        self.schools = []
        self.by_phase = [[] for _ in PHASES]
        self.stage_count = [[0] * len(STAGES) for _ in PHASES]
        self.school_total = [0] * len(PHASES)
        for phase, dis in profiles:
            # Asks to join once its accrued hazard passes a unit exponential threshold;
            # dividing by its lognormal propensity (mean 1) folds its own rate in.
            propensity = math.exp(sigma * rnd.gauss(0.0, 1.0) - 0.5 * sigma * sigma)
            s = School(phase, dis, rnd.expovariate(1.0) / propensity)
            self.schools.append(s)
            self.by_phase[phase].append(s)
            self.school_total[phase] += 1
            self.stage_count[phase][NOT_ENGAGED] += 1
        self.leaders = []
        self.groups = []
        self.waiting = [[] for _ in PHASES]
        self.group_count = [[0] * len(STAGES) for _ in PHASES]
        self.engaged = [0] * len(PHASES)
        self.participating = [0] * len(PHASES)
        self.unplaced_continuing = [0] * len(PHASES)
        self.trainees = [0] * len(PHASES)
        self.applicants = [0] * len(PHASES)
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
        self.trainees = [0] * len(PHASES)
        self.applicants = [0] * len(PHASES)
        start = self.cal.year_start(year)
        if not self.is_open and self.opens_day <= start:
            self.open(params)
        if self.is_open:
            self.qualify_trainees(params, True)
            self.count_applicants(params)
            self.draw_interest(params)

    def open(self, params):
        self.is_open = True
        for p in range(len(PHASES)):
            rules = params.phase[p]
            if not rules.modelled:
                continue
            n = self.spec.initial_llme[p]
            if n < 0:
                n = rules.initial_per_hub
            for _ in range(int(n)):
                self.leaders.append(Leader(p, True, ACTIVE, 0))

    def qualify_trainees(self, params, new_year):
        rnd = self.rep.rnd
        for leader in self.leaders:
            if leader.status != IN_TRAINING:
                continue
            if new_year and leader.years_to_active > 0:
                leader.years_to_active -= 1
            if leader.years_to_active > 0:
                continue
            leader.status = LEFT if rnd.random() < params.phase[leader.phase].dropout else ACTIVE

    def count_applicants(self, params):
        binomial = self.rep.nprng.binomial
        for p in range(len(PHASES)):
            rules = params.phase[p]
            if not rules.modelled or rules.training_places <= 0:
                continue
            engaged = self.engaged[p]
            self.applicants[p] = int(binomial(engaged, rules.applicants_engaged) +
                                     binomial(self.school_total[p] - engaged,
                                              rules.applicants_other))

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
        for p in range(len(PHASES)):
            n = trainees[p]
            years = int(params.phase[p].training_years)
            for _ in range(n):
                self.leaders.append(Leader(p, False, IN_TRAINING, years))
            self.trainees[p] = n
            self.year_cost[TRAINING] += n * params.cost_trainee
        # A route with no training year gives leaders at once.
        self.qualify_trainees(params, False)

    def allocate(self, params, budget):
        self.groups = []
        self.group_count = [[0] * len(STAGES) for _ in PHASES]
        self.participating = [0] * len(PHASES)
        self.unplaced_continuing = [0] * len(PHASES)
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
        rules = params.phase[phase]
        per_llme = rules.llme_load * params.capacity_factor * self.spec.capacity_factor
        capacity = 0.0
        for leader in self.leaders:
            leader.free_load = per_llme if (leader.phase == phase and
                                            leader.status == ACTIVE) else 0.0
            capacity += leader.free_load
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
        for s in cont:
            if not s.placed:
                self.unplaced_continuing[phase] += 1
        self.waiting[phase] = [s for s in self.waiting[phase] if not s.placed]

    def place(self, schools, phase, limit, used, pool, params):
        for s in schools:
            if not s.placed:
                self.seat(s, phase, limit, used, pool, params)

    def seat(self, s, phase, limit, used, pool, params):
        rules = params.phase[phase]
        is_new = not s.continuing
        if is_new:
            stage = rules.entry(s.stage == NOT_ENGAGED and s.needs_readiness)
        else:
            stage = s.stage
        sr = rules.stage[stage]
        g = self.open_group[stage]
        if g < 0 or self.groups[g].members >= sr.group_size:
            # A new group needs a leader with enough free load, room in the pool, and money.
            cost = params.cost_work_group + sr.release_days * params.cost_release_day
            if used[pool] + sr.load > limit + SLACK or cost > self.budget_left + SLACK:
                return False
            lead = None
            for k, leader in enumerate(self.leaders):
                if leader.free_load + SLACK >= sr.load and leader.free_load > 0:
                    lead = k
                    break
            if lead is None:
                return False
            self.leaders[lead].free_load -= sr.load
            used[pool] += sr.load
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
            s.engaged = True
            self.move(s, stage)
        s.placed = True
        s.years_waited = 0
        self.participating[phase] += 1
        return True

    # -- events through the year ---------------------------------------------------------

    def on_school_asks(self, event):
        """Callback of a school's asking event."""
        s = event.value
        self.rep.events += 1
        s.waiting = True
        s.asked_day = self.env.now
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
            if leader.status == ACTIVE and rnd.random() < params.phase[leader.phase].attrition:
                leader.status = LEFT

    def progress(self, s, params):
        s.placed = False
        rules = params.phase[s.phase]
        sr = rules.stage[s.stage]
        nxt = rules.next[s.stage]
        rnd = self.rep.rnd
        u0 = rnd.random()
        if nxt is None:
            if u0 < sr.lapse:
                self.lapse(s)
            return
        u1 = rnd.random()
        if u0 < sr.complete:
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
            out["engaged"][t, h, c] = self.engaged[p]
            out["waiting"][t, h, c] = len(self.waiting[p]) + self.unplaced_continuing[p]
            out["participating"][t, h, c] = self.participating[p]
            out["trainees"][t, h, c] = self.trainees[p]
        by_status = [0, 0, 0]
        specialists = [0, 0, 0]
        for leader in self.leaders:
            by_status[leader.status] += 1
            if not leader.founding:
                specialists[leader.status] += 1
        out["llme"][t, h, :] = by_status
        out["specialists"][t, h, :] = specialists


def share_places(places, applicants, year):
    """National training places: everyone if they fit, otherwise one at a time to each hub
    that still has applicants, from a hub that turns with the year."""
    n = len(applicants)
    given = [0] * n
    if n == 0:
        return given
    if sum(applicants) <= places:
        return list(applicants)
    start = year % n
    while places > 0:
        for k in range(n):
            if places == 0:
                break
            h = (start + k) % n
            if given[h] < applicants[h]:
                given[h] += 1
                places -= 1
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
                key: (math.floor(v + 0.5) if key.endswith(COUNT_KEYS) else v)
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
        nt, nh, npz = len(self.sample_days), len(scenario.hubs), len(scenario.modelled)
        self.out = {
            "stage_counts": np.zeros((nt, nh, npz, len(STAGES)), np.uint32),
            "work_groups": np.zeros((nt, nh, npz, len(STAGES)), np.uint32),
            "engaged": np.zeros((nt, nh, npz), np.uint32),
            "waiting": np.zeros((nt, nh, npz), np.uint32),
            "participating": np.zeros((nt, nh, npz), np.uint32),
            "trainees": np.zeros((nt, nh, npz), np.uint32),
            "llme": np.zeros((nt, nh, len(STATUSES)), np.uint32),
            "specialists": np.zeros((nt, nh, len(STATUSES)), np.uint32),
            "cost": np.zeros((len(self.years), len(COST_ITEMS)), np.float64),
        }
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

    def national_allocation(self, year):
        params = self.params
        trainee_cost = params.cost_trainee
        budget = params.annual_budget if params.annual_budget > 0 else math.inf
        trainees = [[0] * len(PHASES) for _ in self.hubs]
        for p in range(len(PHASES)):
            rules = params.phase[p]
            places = int(rules.training_places)
            if places == 0 or not rules.modelled:
                continue
            if trainee_cost > 0 and math.isfinite(budget):
                places = min(places, int(budget / trainee_cost))
            given = share_places(places, [hub.applicants[p] for hub in self.hubs], year)
            for h, n in enumerate(given):
                trainees[h][p] = n
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

    def run(self):
        env = self.env
        env.process(self.timeline())
        env.process(self.national())
        for hub in self.hubs:
            env.process(hub.run(self.years))
        env.run(until=self.end_day + 1)
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
    outs, walls, cpus, events, kernel, particles = [], [], [], [], [], []
    for k in range(replications):
        t0, c0 = time.perf_counter(), time.process_time()
        rep = Replication(scenario, first + k, seed)
        out = rep.run()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
        outs.append(out)
        events.append(rep.events)
        kernel.append(kernel_events(rep.env))
        particles.append(rep.particle)
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
        "cost_item": np.array(COST_ITEMS),
        "wall_s": np.array(walls),
        "cpu_s": np.array(cpus),
        "events": np.array(events, np.int64),
        "simpy_events": np.array(kernel, np.int64),
        "particle": np.array(particles, np.int32),
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
    ap.add_argument("--schools", help="the school CSV (default: the one the scenario names)")
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
