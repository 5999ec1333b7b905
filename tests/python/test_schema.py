"""`hubsim schema`: a JSON Schema of the scenario format, generated from the declared
parameters. Every shipped scenario validates against it (python3-jsonschema), the copy
shipped for editors (scenarios/scenario.schema.json) is the generated one, and the schema
refuses what the loader refuses for the reasons a schema can know: unknown keys, values
out of range, names not among the choices."""

import copy
import datetime as dt
import json

import jsonschema
import pytest
import yaml

from conftest import REPO, run_hubsim, run_ok

SHIPPED = REPO / "scenarios" / "scenario.schema.json"
MODELINE = "# yaml-language-server: $schema="


@pytest.fixture(scope="module")
def schema():
    proc = run_ok("schema")
    s = json.loads(proc.stdout)
    jsonschema.Draft202012Validator.check_schema(s)
    return s


@pytest.fixture(scope="module")
def validator(schema):
    return jsonschema.Draft202012Validator(schema)


def as_json(node):
    """A YAML document as JSON would hold it: dates as the text they were written as."""
    if isinstance(node, dict):
        return {str(k): as_json(v) for k, v in node.items()}
    if isinstance(node, list):
        return [as_json(v) for v in node]
    if isinstance(node, (dt.date, dt.datetime)):
        return node.isoformat()
    return node


def load(path):
    return as_json(yaml.safe_load(path.read_text()))


def errors(validator, doc):
    return sorted(e.message for e in validator.iter_errors(doc))


def shipped_scenarios():
    """Every YAML file under scenarios/ that hubsim validates as a scenario (not a sweep,
    calibration, study or plan: those say what they are)."""
    found = []
    for path in sorted((REPO / "scenarios").rglob("*.yaml")):
        proc = run_hubsim("validate", path, cwd=REPO)
        assert proc.returncode == 0, proc.stderr
        if " hubs, " in proc.stdout:
            found.append(path)
    return found


def test_the_shipped_copy_is_what_hubsim_prints(schema):
    assert json.loads(SHIPPED.read_text()) == schema, \
        "regenerate it: ./build/hubsim schema > scenarios/scenario.schema.json"


def test_every_shipped_scenario_validates(validator):
    scenarios = shipped_scenarios()
    names = {p.relative_to(REPO / "scenarios").as_posix() for p in scenarios}
    assert {"england.yaml", "tiny.yaml", "england_more_training.yaml",
            "decisions/england_2030.yaml"} <= names
    for path in scenarios:
        assert errors(validator, load(path)) == [], path
        # ... and names the shipped schema for editors, by a path that resolves to it.
        first = path.read_text().splitlines()[0]
        assert first.startswith(MODELINE), path
        assert (path.parent / first[len(MODELINE):]).resolve() == SHIPPED.resolve()


def test_every_parameter_is_declared_with_its_range_and_default(schema):
    params = schema["$defs"]["parameter"]
    listed = [line.split()[0] for line in run_ok("params").stdout.splitlines()]
    assert set(params) <= set(listed)
    assert len(params) > 100
    for key, p in params.items():
        assert p["description"], key
        if "enum" in p:
            assert p["default"] in p["enum"], key
        elif p["type"] != "boolean":
            assert p["minimum"] <= p["default"] <= p.get("maximum", float("inf")), key
    assert params["policy.place_sharing"]["enum"] == ["round_robin", "by_size", "by_need"]
    assert params["demand.p"] == dict(type="number", minimum=0, maximum=100, default=0.01,
                                      description=params["demand.p"]["description"])


@pytest.fixture
def tiny():
    return load(REPO / "scenarios" / "tiny.yaml")


def test_parameters_written_whole_or_in_parts(validator, tiny, tmp_path):
    # The loader reads a key whole or in parts under its section, and in `set` and timeline
    # events at any depth.
    doc = copy.deepcopy(tiny)
    doc["demand"] = {"p": 0.2}
    doc["phases"] = {"primary": {"pipeline": []},
                     "secondary.stages.development.complete": 0.9}
    doc["set"] = {"demand.q": 0.3, "llme": {"pd_lead.days": 10}}
    doc["timeline"] = [{"date": "2016-09-01", "scale": {"capacity.factor": 0.5}}]
    assert errors(validator, doc) == []
    path = tmp_path / "parts.yaml"  # and hubsim reads it
    path.write_text(yaml.safe_dump(doc))
    proc = run_hubsim("validate", path)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("change, why", [
    (lambda d: d.update(demnd={"p": 0.1}), "unknown top-level key"),
    (lambda d: d.update(demand={"peer": 0.1}), "unknown parameter"),
    (lambda d: d.update(demand={"p": -1}), "below the range"),
    (lambda d: d.update(policy={"priority": "loudest"}), "not a choice"),
    (lambda d: d.update(policy={"spill": "yes"}), "not true or false"),
    (lambda d: d.update(**{"demand.p": 0.1}), "a bare parameter at the top"),
    (lambda d: d.update(start="1 Sept 2014"), "not a date"),
    (lambda d: d.update(timeline=[{"date": "2016-09-01"}]), "an event changes nothing"),
    (lambda d: d.update(targets=[{"phase": "tertiary", "share": 0.5}]), "unknown phase"),
    (lambda d: d.update(set={"llme": {"pd_lead": {"days": "many"}}}), "not a number"),
    (lambda d: d.update(timeline=[{"date": "2016-09-01", "set": {"demand.heterogeneity": 1}}]),
     "fixed for the whole run: no timeline event changes it"),
    (lambda d: d.update(timeline=[{"date": "2016-09-01", "scale": {"policy.priority": 2}}]),
     "a choice is set, not scaled"),
])
def test_refuses_what_the_loader_refuses(validator, tiny, tmp_path, change, why):
    doc = copy.deepcopy(tiny)
    change(doc)
    assert errors(validator, doc), why
    # hubsim refuses the same file, with exit status 2.
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(doc))
    assert run_hubsim("validate", path).returncode == 2, why


def test_schema_takes_no_arguments():
    proc = run_hubsim("schema", "extra")
    assert proc.returncode == 2 and "schema takes no arguments" in proc.stderr
