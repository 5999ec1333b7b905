"""Reads hubsim's output files: the one reader every tool and test uses.

    import hubsim_output
    run = hubsim_output.read_run("results/england.h5")
    run.engaged            # [replication, time, hub, phase], as numpy
    run.targets[0].value   # 0.6: targets as data, never parsed from their labels

A run file (`hubsim run`) and a sweep file (`hubsim sweep`, `hubsim merge`) are laid out as
docs/output.md says; the series of a run are declared once in hubsim's C++ output schema
(include/hubsim/model/results.hpp) and read here by name, so a new series needs no change
here. The output of the decision studies (`hubsim marginal`, `sensitivity`, `optimise`;
docs/decisions.md), whose root attribute `study` names it, is read by read_decision.
Uses Debian's python3-h5py and python3-numpy (python3-yaml, if present, to parse the
resolved scenario).
"""

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

try:
    import yaml  # python3-yaml: optional, for the resolved scenario as a mapping
except ImportError:  # pragma: no cover - depends on the machine
    yaml = None


class NotHubsimOutput(Exception):
    """A file that is not the hubsim output asked for: `what` names it, `why` says why."""

    def __init__(self, what, why):
        super().__init__(f"{what}: {why}")
        self.what, self.why = str(what), why


def text(value):
    """An HDF5 string (bytes or str) as str."""
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def texts(dataset):
    """The strings of a 1-D string dataset, as a list of str."""
    return [text(v) for v in dataset[()]]


def attr(value):
    """An HDF5 attribute as a plain Python value (str, number or list)."""
    if isinstance(value, (bytes, str)):
        return text(value)
    return value.tolist() if hasattr(value, "tolist") else value


def iso_date(value, what="date"):
    try:
        return dt.date.fromisoformat(text(value))
    except ValueError:
        raise ValueError(f"{what} {text(value)!r} is not an ISO date") from None


def start_of(time_dataset):
    """The run's first day, from the units of its time axis ("days since YYYY-MM-DD")."""
    units = text(time_dataset.attrs.get("units", b""))
    m = re.fullmatch(r"days since (\d{4}-\d\d-\d\d)", units)
    if not m:
        raise ValueError(f"/time has units {units!r}, not 'days since YYYY-MM-DD'")
    return iso_date(m.group(1), "/time start")


@dataclass
class Target:
    """A strategic target as the file stores it: what is counted, for which phase, the value
    it must reach and when."""

    label: str
    phase: str  # for a share target ("" otherwise)
    measure: str  # engaged_share (of the phase's schools ever engaged) or active_leaders
    value: float  # a share, or a number of leaders
    by: dt.date
    by_day: int  # days since the run's start
    role: str = ""  # for a leader target: the role counted ("" every role)
    per_hub: bool = False  # a leader target every hub must reach

    @property
    def share(self):
        """The share a share target must reach (its value)."""
        return self.value

    @property
    def is_share(self):
        return self.measure == "engaged_share"


def read_targets(f):
    """The targets beside the /target axis of an open file (or group)."""
    labels = texts(f["target"])
    if labels and "target_phase" not in f:
        raise ValueError("it has targets but no /target_phase (written by an older hubsim?)")
    if not labels:
        return []
    phases, measures, by = texts(f["target_phase"]), texts(f["target_measure"]), texts(f["target_by"])
    roles = texts(f["target_role"]) if "target_role" in f else [""] * len(labels)
    per_hub = f["target_per_hub"][()] if "target_per_hub" in f else np.zeros(len(labels), int)
    values, days = f["target_value"][()], f["target_by_day"][()]
    return [Target(labels[k], phases[k], measures[k], float(values[k]), iso_date(by[k], "/target_by"),
                   int(days[k]), roles[k], bool(per_hub[k])) for k in range(len(labels))]


def parse_yaml(source):
    """The resolved scenario as a mapping, or None without python3-yaml or if it fails."""
    if yaml is None:
        return None
    try:
        return yaml.safe_load(source)
    except yaml.YAMLError:
        return None


def is_scale(dataset):
    """Whether a dataset is a dimension scale (an axis), not data."""
    return text(dataset.attrs.get("CLASS", b"")) == "DIMENSION_SCALE"


def _axes_of(dataset):
    """The names of the dimension scales attached to each axis of a dataset (the first)."""
    names = []
    for dim in dataset.dims:
        names.append(dim.label or (text(dim[0].name).rsplit("/", 1)[-1] if len(dim) else ""))
    return names


@dataclass
class RunFile:
    """Everything in one `hubsim run` output file, read into memory."""

    path: str
    name: str = ""
    attrs: dict = field(default_factory=dict)
    scenario_text: str = ""
    scenario_source: str = ""
    scenario: object = None  # the resolved scenario parsed as YAML, or None
    start: dt.date = None
    days: np.ndarray = None  # sample days since start, [time]
    dates: list = None  # sample dates, [time]
    hubs: list = None
    regions: list = None
    opens: list = None  # hub opening dates
    schools: np.ndarray = None  # [hub, phase]
    band_schools: np.ndarray = None  # [hub, phase, disadvantage band]
    band_upper: np.ndarray = None  # [phase, band]: the highest disadvantage in each band
    phases: list = None
    stages: list = None
    statuses: list = None
    years: list = None
    cost_items: list = None
    roles: list = None  # the LLME roles (the llme series' role axis)
    bands: list = None  # disadvantage quintiles, q1 least disadvantaged
    targets: list = None
    series: dict = field(default_factory=dict)  # "trajectories/engaged" -> array, every one

    @property
    def replications(self):
        return int(self.series["trajectories/engaged"].shape[0])

    @property
    def seed(self):
        return int(self.attrs["seed"])

    def __getattr__(self, name):
        # run.engaged, run.cost, ...: any series by its own name.
        series = self.__dict__.get("series", {})
        for group in ("trajectories", "summary"):
            if f"{group}/{name}" in series:
                return series[f"{group}/{name}"]
        raise AttributeError(name)


REQUIRED = ("time", "date", "replication", "hub", "hub_opens", "hub_schools", "phase", "stage",
            "status", "target", "year", "scenario", "trajectories/engaged",
            "trajectories/stage_counts", "summary/cost", "summary/target_day")
REQUIRED_ATTRS = ("hubsim_version", "seed", "replications")


def _check_shapes(run, f):
    """Raises ValueError unless every series has the shape its axes give it."""
    lengths = {"replication": len(f["replication"]), "time": len(run.days), "hub": len(run.hubs),
               "phase": len(run.phases), "stage": len(run.stages), "status": len(run.statuses),
               "year": len(run.years), "cost_item": len(run.cost_items), "target": len(run.targets)}
    for name, data in run.series.items():
        axes = _axes_of(f[name])
        want = tuple(lengths[a] if a in lengths else len(f[a]) if a in f else -1 for a in axes)
        if data.shape != want:
            raise ValueError(f"/{name} has shape {data.shape}, its axes {axes} say {want}")
    for name, want in (("date", (lengths["time"],)), ("hub_opens", (lengths["hub"],)),
                       ("hub_schools", (lengths["hub"], lengths["phase"]))):
        if f[name].shape != want:
            raise ValueError(f"/{name} has shape {f[name].shape}, its axes say {want}")
    if min(lengths["replication"], lengths["time"], lengths["hub"], lengths["phase"]) < 1:
        raise ValueError("it holds no replications, samples, hubs or phases")
    if int(run.attrs["replications"]) != lengths["replication"]:
        raise ValueError(f"attribute replications={run.attrs['replications']} but "
                         f"{lengths['replication']} are stored")


def _open(path, kind):
    import h5py

    p = Path(path)
    if not p.exists():
        raise NotHubsimOutput(path, "no such file")
    if p.is_dir():
        raise NotHubsimOutput(path, "is a directory, not a hubsim output file")
    try:
        is_hdf5 = h5py.is_hdf5(p)
    except OSError as e:
        raise NotHubsimOutput(path, f"cannot be read ({e.strerror or e})") from None
    if not is_hdf5:
        raise NotHubsimOutput(path, f"is not an HDF5 file (expected the output of `hubsim {kind}`)")
    try:
        return h5py.File(p, "r")
    except OSError as e:  # truncated, or a damaged superblock: the input's fault, named
        raise NotHubsimOutput(path, f"is a damaged HDF5 file ({e})") from None


def read_run(path):
    """Reads and checks one `hubsim run` output file; raises NotHubsimOutput naming it if it is
    not one."""
    f = _open(path, "run")
    try:
        with f:
            if "points" in f:
                raise NotHubsimOutput(path, "is sweep output, not the output of `hubsim run`")
            missing = [n for n in REQUIRED if n not in f]
            missing += [f"attribute {a}" for a in REQUIRED_ATTRS if a not in f.attrs]
            if missing:
                raise NotHubsimOutput(path, "is not hubsim run output (no " + ", ".join(missing[:4])
                                      + (", ..." if len(missing) > 4 else "") + ")")
            return _read_run(path, f)
    except NotHubsimOutput:
        raise
    except (OSError, RuntimeError, KeyError, ValueError, TypeError, IndexError) as e:
        raise NotHubsimOutput(path, f"is not usable hubsim run output: {e}") from None


def _read_run(path, f):
    import h5py

    run = RunFile(path=str(path))
    run.attrs = {k: attr(v) for k, v in f.attrs.items()}
    run.scenario_text = text(f["scenario"][()])
    run.scenario_source = text(f["scenario_source"][()]) if "scenario_source" in f else ""
    run.scenario = parse_yaml(run.scenario_text)
    run.start = start_of(f["time"])
    run.days = f["time"][()].astype(np.int64)
    run.dates = [iso_date(d, "/date") for d in texts(f["date"])]
    run.hubs = texts(f["hub"])
    run.regions = texts(f["hub_region"]) if "hub_region" in f else [""] * len(run.hubs)
    run.opens = [iso_date(d, "/hub_opens") for d in texts(f["hub_opens"])]
    run.phases = texts(f["phase"])
    run.stages = texts(f["stage"])
    run.statuses = texts(f["status"])
    run.years = [int(y) for y in f["year"][()]]
    run.cost_items = texts(f["cost_item"]) if "cost_item" in f else []
    run.targets = read_targets(f)
    run.schools = f["hub_schools"][()].astype(np.int64)
    if "hub_band_schools" in f:
        run.band_schools = f["hub_band_schools"][()].astype(np.int64)  # [hub, phase, band]
        run.band_upper = f["disadvantage_band_upper"][()]  # [phase, band]
    run.roles = texts(f["role"]) if "role" in f else []
    run.bands = texts(f["disadvantage_band"]) if "disadvantage_band" in f else []
    for group in ("trajectories", "summary"):
        for name, obj in f[group].items():
            if isinstance(obj, h5py.Dataset) and not is_scale(obj):
                data = obj[()]
                run.series[f"{group}/{name}"] = data.astype(np.float64 if data.dtype.kind == "f"
                                                            else np.int64)
    _check_shapes(run, f)
    run.name = str(run.attrs.get("scenario_name") or Path(path).stem)
    return run


@dataclass
class SweepFile:
    """A sweep's output: its points (parameter values) and what it kept of each."""

    path: str
    name: str = ""  # the sweep's name
    attrs: dict = field(default_factory=dict)
    # key -> values per point: names for a choice, integers for a whole-number parameter or
    # a flag (stored as integers), floats otherwise
    parameters: dict = field(default_factory=dict)
    point: np.ndarray = None  # each point's index in the whole sweep (a shard holds some)
    start: dt.date = None
    dates: list = None
    years: list = None
    phases: list = None
    hubs: list = None
    schools: np.ndarray = None  # [hub, phase]; None in a file written before it was kept
    targets: list = None
    sweep_text: str = ""  # the sweep file as given
    scenario_text: str = ""  # the base scenario, resolved
    summary: dict = field(default_factory=dict)  # name -> [point, replication, ...] arrays
    trajectories: dict = field(default_factory=dict)

    @property
    def replications(self):
        return int(self.attrs["replications"])

    @property
    def seed(self):
        return int(self.attrs["seed"])


def read_sweep(path):
    """Reads one `hubsim sweep` (or `hubsim merge`) output file."""
    import h5py

    f = _open(path, "sweep")
    try:
        with f:
            if "points" not in f:
                raise NotHubsimOutput(path, "is not hubsim sweep output (no /points)")
            if "sweep_name" not in f.attrs:
                raise NotHubsimOutput(path, "is sweep output without its sweep_name attribute: "
                                            "not usable")
            sw = SweepFile(path=str(path))
            sw.attrs = {k: attr(v) for k, v in f.attrs.items()}
            sw.name = str(sw.attrs["sweep_name"])
            for key in texts(f["parameter_keys"]):
                values = f["points"][key][()]
                sw.parameters[key] = [text(v) for v in values] if values.dtype.kind in "OS" else values
            sw.point = f["point"][()].astype(np.int64)
            sw.start = start_of(f["time"])
            sw.dates = [sw.start + dt.timedelta(days=int(d)) for d in f["time"][()]]
            sw.years = [int(y) for y in f["year"][()]]
            sw.phases, sw.hubs = texts(f["phase"]), texts(f["hub"])
            if "hub_schools" in f:
                sw.schools = f["hub_schools"][()].astype(np.int64)
            sw.targets = read_targets(f)
            sw.sweep_text = text(f["sweep"][()])
            sw.scenario_text = text(f["scenario"][()])
            for group, into in (("summary", sw.summary), ("trajectories", sw.trajectories)):
                if group in f:
                    for name, obj in f[group].items():
                        if isinstance(obj, h5py.Dataset) and obj.ndim and _axes_of(obj)[0] == "point":
                            into[name] = obj[()]
            return sw
    except NotHubsimOutput:
        raise
    except (OSError, RuntimeError, KeyError, ValueError, TypeError, IndexError) as e:
        raise NotHubsimOutput(path, f"is not usable hubsim sweep output: {e}") from None


# The decision studies (docs/decisions.md): what each file must hold to be read at all.
# Datasets are named by their path in the file; /front's plans are checked when it has any.
DECISION_REQUIRED = {
    "marginal": ("hub", "phase", "date", "target", "variant_hub", "variant_role",
                 "variant_phase", "rank", "extra_engaged", "extra_engaged_low",
                 "extra_engaged_high", "extra_participating_years",
                 "extra_participating_years_low", "extra_participating_years_high",
                 "target_met_change", "target_met_change_low", "target_met_change_high",
                 "baseline_target_met"),
    "sensitivity": ("parameter", "output", "low", "high", "sensitivity"),
    "optimise": ("variable", "quantity", "quantity_role", "low", "high", "integer", "front"),
}
DECISION_ATTRS = {
    "marginal": ("seed", "replications", "leaders", "from", "by", "rank_by", "parameters"),
    "sensitivity": ("seed", "replications", "method"),
    "optimise": ("seed", "replications", "reevaluation_seed", "reevaluation_replications",
                 "uncertainty"),
}
SENSITIVITY_INDICES = {
    "sobol": ("first_order", "first_order_low", "first_order_high", "total", "total_low",
              "total_high"),
    "morris": ("mu", "mu_star", "sigma"),
}
FRONT_REQUIRED = ("decisions", "search", "search_low", "search_high", "fresh", "fresh_low",
                  "fresh_high", "fresh_replications", "scenario", "file")


@dataclass
class DecisionFile:
    """The output of a decision study (`hubsim marginal`, `sensitivity` or `optimise`), read
    into memory: every dataset by its path in the file, strings as lists of str."""

    path: str
    study: str  # marginal, sensitivity or optimise: the root attribute `study`
    name: str = ""
    attrs: dict = field(default_factory=dict)
    group_attrs: dict = field(default_factory=dict)  # "front" -> {"plans": 2, ...}
    data: dict = field(default_factory=dict)  # "extra_engaged", "front/fresh", ...
    targets: list = field(default_factory=list)  # a marginal study's targets
    scenario_text: str = ""
    scenario: object = None  # the resolved scenario parsed as YAML, or None

    def __getitem__(self, name):
        return self.data[name]

    def __contains__(self, name):
        return name in self.data


def study_of(path):
    """The root attribute `study` of an HDF5 file (a decision study's output), or None for a
    file without one (a run, a sweep, or no hubsim output at all: read_run says which)."""
    with _open(path, "run") as f:
        study = f.attrs.get("study")
        return None if study is None else text(study)


def _read_datasets(f):
    """Every dataset of an open file as {path: array or list of str}, and every group's
    attributes; raises ValueError if a dataset's shape is not that of its axes."""
    import h5py

    data, groups = {}, {}

    def visit(name, obj):
        if isinstance(obj, h5py.Group):
            groups[name] = {k: attr(v) for k, v in obj.attrs.items()}
            return
        for k, dim in enumerate(obj.dims):  # an axis longer or shorter than its scale
            if len(dim) and dim[0].shape[:1] != obj.shape[k:k + 1]:
                raise ValueError(f"/{name} has shape {obj.shape}, its axis "
                                 f"{text(dim[0].name)} has {dim[0].shape[0]}")
        value = obj[()]
        if isinstance(value, (bytes, str)):  # a scalar string: the scenario, a study file
            data[name] = text(value)
        elif value.dtype.kind in "OS":
            data[name] = [text(v) for v in value.ravel()]
        else:
            data[name] = value

    f.visititems(visit)
    return data, groups


def read_decision(path):
    """Reads and checks one decision study's output file; raises NotHubsimOutput naming it if
    it is not one."""
    f = _open(path, "run")
    study = "decision study"
    try:
        with f:
            study = text(f.attrs.get("study", b""))
            if study not in DECISION_REQUIRED:
                raise NotHubsimOutput(path, f"is `hubsim {study}` output, not that of run, "
                                            "marginal, sensitivity or optimise")
            missing = [n for n in DECISION_REQUIRED[study] if n not in f]
            missing += [f"attribute {a}" for a in DECISION_ATTRS[study] if a not in f.attrs]
            if missing:
                raise NotHubsimOutput(path, f"is not usable hubsim {study} output (no "
                                      + ", ".join(missing[:4])
                                      + (", ..." if len(missing) > 4 else "") + ")")
            d = DecisionFile(path=str(path), study=study)
            d.attrs = {k: attr(v) for k, v in f.attrs.items()}
            d.data, d.group_attrs = _read_datasets(f)
            d.targets = read_targets(f) if "target" in f else []
            d.scenario_text = d.data.get("scenario", "")
            d.scenario = parse_yaml(d.scenario_text)
            _check_decision(d)
            d.name = _decision_name(d)
            return d
    except NotHubsimOutput:
        raise
    except (OSError, RuntimeError, KeyError, ValueError, TypeError, IndexError) as e:
        raise NotHubsimOutput(path, f"is not usable hubsim {study} output: {e}") from None


def _check_decision(d):
    """Raises ValueError unless what the study's figures need is there, in its shapes."""
    def need(names, why):
        gone = [n for n in names if n not in d]
        if gone:
            raise ValueError(f"{why} but no /{', /'.join(gone)}")

    if d.study == "marginal":
        if d.attrs["by"] not in d["date"]:
            raise ValueError(f"its `by` date {d.attrs['by']} is not one of its /date")
        unknown = sorted(set(d["variant_phase"]) - set(d["phase"]))
        if unknown:
            raise ValueError(f"its variants' phases {unknown} are not in /phase")
        want = (len(d["variant_hub"]), len(d["phase"]), len(d["date"]))
        if d["extra_engaged"].shape != want:
            raise ValueError(f"/extra_engaged has shape {d['extra_engaged'].shape}, not {want}")
        if "allocation_variant" in d:
            need(["allocation_value", "allocation_value_low", "allocation_value_high"],
                 "it has an allocation")
            if np.any(d["allocation_variant"] >= len(d["variant_hub"])):
                raise ValueError("its /allocation_variant names a variant it does not hold")
    elif d.study == "sensitivity":
        method = d.attrs["method"]
        if method not in SENSITIVITY_INDICES:
            raise ValueError(f"its method is {method!r}, not sobol or morris")
        need([f"sensitivity/{n}" for n in SENSITIVITY_INDICES[method]], f"it is {method}")
        if not d["output"] or not d["parameter"]:
            raise ValueError("it has no outputs or no parameters")
    else:
        roles = d["quantity_role"]
        if len(roles) != len(d["quantity"]):
            raise ValueError(f"it has {len(d['quantity'])} quantities but {len(roles)} roles")
        if sum(r in ("minimise", "maximise") for r in roles) < 2:
            raise ValueError("it has fewer than two objectives")
        plans = int(d.group_attrs.get("front", {}).get("plans", 0))
        if plans:
            need([f"front/{n}" for n in FRONT_REQUIRED], f"its front has {plans} plans")
            if len(d["front/file"]) != plans:
                raise ValueError(f"/front says {plans} plans but holds {len(d['front/file'])}")


def _decision_name(d):
    """The study's own name (its study or plan file's `name`), else its scenario's, else the
    file's."""
    for key in ("study_file", "plan_file"):
        own = parse_yaml(d.data.get(key, "")) if key in d else None
        if isinstance(own, dict) and own.get("name"):
            return str(own["name"])
    if isinstance(d.scenario, dict) and d.scenario.get("name"):
        return str(d.scenario["name"])
    return Path(d.path).stem
