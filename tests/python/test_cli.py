"""The command-line contract (design: "Command line", "Scenario errors").

Exit status 0 on success, 2 on bad input, 1 on internal failure; scenario errors name the
file, line, column and key path, all at once; a run never leaves a partial output file and
never disturbs the previous one unless it succeeds.
"""

import os
import re
import signal
import subprocess
import time

import h5py
import pytest

from conftest import HUBSIM, TINY, leftovers, run_hubsim, run_ok, text_of

try:
    import yaml
except ImportError:  # pragma: no cover
    yaml = None


# ---------------------------------------------------------------- usage


def test_help():
    proc = run_hubsim("--help")
    assert proc.returncode == 0
    for word in ["run", "validate", "--replications", "--seed", "--threads", "--set"]:
        assert word in proc.stdout, word


@pytest.mark.parametrize("command", ["run", "validate", "sweep", "merge", "generate", "report"])
def test_help_after_a_command(command):
    proc = run_hubsim(command, "--help")
    assert proc.returncode == 0, proc.stderr
    assert "usage" in proc.stdout.lower()
    assert ("-o DIR" if command == "report" else command) in proc.stdout


def test_version():
    proc = run_hubsim("--version")
    assert proc.returncode == 0
    assert re.search(r"hubsim \d+\.\d+\.\d+", proc.stdout), proc.stdout


def test_no_arguments():
    proc = run_hubsim()
    assert proc.returncode == 2
    assert "run" in proc.stderr and proc.stdout == ""


@pytest.mark.parametrize("command, hint", [("frobnicate", None), ("rnu", "run"), ("valdate", "validate")])
def test_unknown_command(command, hint):
    proc = run_hubsim(command, TINY)
    assert proc.returncode == 2
    assert command in proc.stderr
    if hint:
        assert f"did you mean '{hint}'" in proc.stderr


@pytest.mark.parametrize("command", ["run", "validate"])
def test_unknown_option(command, tmp_path):
    proc = run_hubsim(command, TINY, "--bogus", cwd=tmp_path)
    assert proc.returncode == 2
    assert "--bogus" in proc.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args", [["run"], ["validate"], ["run", TINY, TINY], ["run", TINY, "--threads", "x"]])
def test_bad_usage(args, tmp_path):
    proc = run_hubsim(*args, cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip()
    assert list(tmp_path.iterdir()) == []


def test_validate_tiny():
    proc = run_hubsim("validate", TINY)
    assert proc.returncode == 0, proc.stderr
    assert "ok" in proc.stdout
    assert proc.stderr == ""


def test_validate_missing_file(tmp_path):
    missing = tmp_path / "no_such.yaml"
    proc = run_hubsim("validate", missing)
    assert proc.returncode == 2
    assert str(missing) in proc.stderr


# ---------------------------------------------------------------- scenario errors

SEVERAL_ERRORS = """\
name: several_errors
start: 2014-09-01
end: 2019-08-31
hubs:
  - {name: Alpha, opens: 2014-07-01}
  - {name: Beta, opens: 2014-07-01, initial_llme: {secondary_mastery_specialist: -3}}
schools:
  generate: {per_hub: {secondary: 12}}
demnad: {p: 0.1}
phases:
  primary: {pipeline: []}
  secondary:
    pipeline: [development, embeding, sustaining]
    stages:
      development: {complete: 1.5}
targets:
  - {phase: secondary, share: 0.5, by: 2018-02-30}
"""

# (text on the line, the token the error points at, key path, words the message must hold)
EXPECTED_ERRORS = [
    ("demnad:", "demnad", "demnad", ["did you mean 'demand'"]),
    ("embeding", "embeding", "phases.secondary.pipeline[1]", ["'embeding'", "did you mean 'embedding'"]),
    ("complete: 1.5", "1.5", "phases.secondary.stages.development.complete", ["'1.5'", "[0, 1]"]),
    ("by: 2018-02-30", "2018-02-30", "targets[0].by", ["'2018-02-30'", "YYYY-MM-DD"]),
    ("secondary_mastery_specialist: -3", "-3", "hubs[1].initial_llme.secondary_mastery_specialist", ["'-3'"]),
]


def position(text, anchor, token):
    """1-based (line, column) of token on the first line of text that holds anchor."""
    for n, line in enumerate(text.splitlines(), start=1):
        if anchor in line:
            return n, line.index(token, line.index(anchor)) + 1
    raise AssertionError(anchor)


@pytest.mark.parametrize("command", ["validate", "run"])
def test_every_error_reported_at_once(command, tmp_path):
    scenario = tmp_path / "several_errors.yaml"
    scenario.write_text(SEVERAL_ERRORS)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    args = [command, scenario] + (["-o", out_dir / "x.h5", "-q"] if command == "run" else [])
    proc = run_hubsim(*args)
    assert proc.returncode == 2
    lines = proc.stderr.splitlines()
    for anchor, token, key_path, words in EXPECTED_ERRORS:
        line, col = position(SEVERAL_ERRORS, anchor, token)
        prefix = f"{scenario}:{line}:{col}:"
        hits = [l for l in lines if l.startswith(prefix) and key_path in l]
        assert hits, f"no error at {prefix} naming {key_path}:\n{proc.stderr}"
        for w in words:
            assert w in hits[0], (w, hits[0])
    assert re.search(rf"\b{len(EXPECTED_ERRORS)} errors\b", proc.stderr), proc.stderr
    assert list(out_dir.iterdir()) == []


def test_set_valid_value_runs(tmp_path):
    out = tmp_path / "set.h5"
    run_ok("run", TINY, "-o", out, "-q", "--set", "demand.p=2.5", "--set", "demand.q=0.25")
    with h5py.File(out, "r") as f:
        resolved = text_of(f["scenario"][()])
        assert "--set demand.p=2.5" in text_of(f.attrs["command_line"])
    if yaml is not None:
        sc = yaml.safe_load(resolved)
        assert sc["demand"]["p"] == pytest.approx(2.5)
        assert sc["demand"]["q"] == pytest.approx(0.25)
    else:
        assert "2.5" in resolved


def test_set_valid_value_validates():
    proc = run_hubsim("validate", TINY, "--set", "demand.p=2.5")
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("command", ["validate", "run"])
def test_set_bad_value(command, tmp_path):
    out = tmp_path / "x.h5"
    args = [command, TINY, "--set", "demand.q=abc"] + (["-o", out, "-q"] if command == "run" else [])
    proc = run_hubsim(*args)
    assert proc.returncode == 2
    assert "demand.q" in proc.stderr and "abc" in proc.stderr
    assert list(tmp_path.iterdir()) == []


def test_set_unknown_key():
    proc = run_hubsim("validate", TINY, "--set", "demnad.q=0.1")
    assert proc.returncode == 2
    assert "demnad" in proc.stderr and "did you mean 'demand'" in proc.stderr


@pytest.mark.parametrize("assignment", ["noequals", "demand.q=[1, 2]", "demand={p: 1}"])
def test_set_malformed(assignment):
    proc = run_hubsim("validate", TINY, "--set", assignment)
    assert proc.returncode == 2
    assert proc.stderr.strip()


# ---------------------------------------------------------------- schools CSV

CSV_SCENARIO = """\
name: csv_schools
start: 2014-09-01
end: 2016-08-31
hubs:
  - {name: Alpha, opens: 2014-07-01}
schools: {file: schools.csv}
phases:
  primary: {pipeline: []}
"""

GOOD_ROWS = "urn,hub,phase,pupils,disadvantage\n1,Alpha,secondary,900,0.2\n"
BAD_ROWS = "2,Alpha,secondary,900,1.7\n3,Alhpa,secondary,900,0.2\n4,Alpha,secondary,lots,0.2\n"


def write_csv_scenario(folder, csv_text):
    (folder / "schools.csv").write_text(csv_text)
    scenario = folder / "csv_schools.yaml"
    scenario.write_text(CSV_SCENARIO)
    return scenario


def test_csv_good_file_validates(tmp_path):
    scenario = write_csv_scenario(tmp_path, GOOD_ROWS + "2,Alpha,secondary,800,0.4\n")
    proc = run_hubsim("validate", scenario)
    assert proc.returncode == 0, proc.stderr
    assert "2 schools" in proc.stdout


def test_csv_bad_rows_name_file_and_line(tmp_path):
    scenario = write_csv_scenario(tmp_path, GOOD_ROWS + BAD_ROWS)
    proc = run_hubsim("validate", scenario)
    assert proc.returncode == 2
    csv = tmp_path / "schools.csv"
    for line, words in [(3, ["disadvantage", "1.7"]), (4, ["hub", "Alhpa", "did you mean 'Alpha'"]),
                        (5, ["pupils", "lots"])]:
        hits = [l for l in proc.stderr.splitlines() if l.startswith(f"{csv}:{line}:")]
        assert hits, f"nothing reported at {csv}:{line}:\n{proc.stderr}"
        for w in words:
            assert w in hits[0], (w, hits[0])
    assert "3 errors" in proc.stderr


def test_csv_short_row_names_file_and_line(tmp_path):
    scenario = write_csv_scenario(tmp_path, GOOD_ROWS + "2,Alpha,secondary\n")
    proc = run_hubsim("validate", scenario)
    assert proc.returncode == 2
    assert f"{tmp_path / 'schools.csv'}:3:" in proc.stderr


def test_csv_short_row_does_not_hide_other_errors(tmp_path):
    scenario = write_csv_scenario(tmp_path, GOOD_ROWS + BAD_ROWS + "5,Alpha,secondary\n")
    proc = run_hubsim("validate", scenario)
    assert proc.returncode == 2
    csv = tmp_path / "schools.csv"
    for line in [3, 4, 5, 6]:
        assert f"{csv}:{line}:" in proc.stderr, f"line {line} not reported:\n{proc.stderr}"


# ---------------------------------------------------------------- scenario bases


@pytest.mark.parametrize("cycle", ["self", "pair"])
def test_base_cycle_is_an_input_error(cycle, tmp_path):
    a = tmp_path / "a.yaml"
    if cycle == "self":
        a.write_text("base: a.yaml\nname: a\n")
    else:
        a.write_text("base: b.yaml\nname: a\n")
        (tmp_path / "b.yaml").write_text("base: a.yaml\nname: b\n")
    proc = run_hubsim("validate", a, timeout=60)
    assert proc.returncode == 2, f"exit {proc.returncode}"
    assert "base" in proc.stderr


# ---------------------------------------------------------------- numbers on the command line


@pytest.mark.parametrize("option, value", [("--seed", "-5"), ("--replications", "-1")])
def test_negative_numbers_rejected(option, value, tmp_path):
    proc = run_hubsim("run", TINY, "-o", tmp_path / "x.h5", "-q", option, value)
    assert proc.returncode == 2
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("option, value", [("--seed", "-5"), ("--replications", "-1")])
def test_negative_numbers_quoted_as_given(option, value, tmp_path):
    proc = run_hubsim("run", TINY, "-o", tmp_path / "x.h5", "-q", option, value)
    assert proc.returncode == 2
    assert value in proc.stderr, proc.stderr


# ---------------------------------------------------------------- output files


BAD_RUNS = {
    "bad scenario": lambda tmp: [write_bad(tmp)],
    "set error": lambda tmp: [TINY, "--set", "demand.q=abc"],
    "unknown set key": lambda tmp: [TINY, "--set", "demnad.p=1"],
    "missing scenario": lambda tmp: [tmp / "no_such.yaml"],
    "zero replications": lambda tmp: [TINY, "--replications", "0"],
    "unknown option": lambda tmp: [TINY, "--bogus"],
}


def write_bad(folder):
    path = folder / "bad.yaml"
    path.write_text(SEVERAL_ERRORS)
    return path


@pytest.mark.parametrize("case", sorted(BAD_RUNS))
def test_failed_run_leaves_no_file(case, tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    proc = run_hubsim("run", *BAD_RUNS[case](inputs), "-o", out_dir / "result.h5", "-q")
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip()
    assert list(out_dir.iterdir()) == []


@pytest.mark.parametrize("case", sorted(BAD_RUNS))
def test_failed_run_leaves_previous_file_untouched(case, tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "result.h5"
    run_ok("run", TINY, "-o", out, "-q")
    before = out.read_bytes()
    stat = out.stat()
    proc = run_hubsim("run", *BAD_RUNS[case](inputs), "-o", out, "-q")
    assert proc.returncode == 2, proc.stderr
    assert out.read_bytes() == before
    assert out.stat().st_ino == stat.st_ino and out.stat().st_mtime_ns == stat.st_mtime_ns
    assert sorted(p.name for p in out_dir.iterdir()) == ["result.h5"]


def test_run_into_missing_folder(tmp_path):
    # The output's folders are made (test_faults.py tests every command).
    target = tmp_path / "nope" / "deeper" / "x.h5"
    run_ok("run", TINY, "-o", target, "-q")
    assert target.is_file()
    assert leftovers(target.parent) == []


def test_output_that_is_a_folder(tmp_path):
    folder = tmp_path / "already_a_folder"
    folder.mkdir()
    proc = run_hubsim("run", TINY, "-o", folder, "-q")
    assert folder.is_dir() and list(folder.iterdir()) == []
    assert leftovers(tmp_path) == []
    assert proc.returncode == 2, proc.stderr
    assert "internal error" not in proc.stderr


def test_successful_run_replaces_old_file_atomically(tmp_path):
    out = tmp_path / "result.h5"
    out.write_bytes(b"an older result that is not even HDF5\n" * 100)
    old_inode = out.stat().st_ino
    proc = run_hubsim("run", TINY, "-o", out, "--replications", 2)
    assert proc.returncode == 0, proc.stderr
    # not a terminal: no progress on stderr
    assert proc.stderr == ""
    # a new file renamed into place, not the old one rewritten
    assert out.stat().st_ino != old_inode
    assert h5py.is_hdf5(out)
    with h5py.File(out, "r") as f:
        assert text_of(f.attrs["scenario_name"]) == "tiny"
        assert f["trajectories/stage_counts"].shape[0] == 2
    assert leftovers(tmp_path) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["result.h5"]


def test_output_in_current_folder(tmp_path):
    proc = run_hubsim("run", TINY, "-o", "here.h5", "-q", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""  # --quiet
    assert sorted(p.name for p in tmp_path.iterdir()) == ["here.h5"]


def test_run_without_quiet_prints_summary(tmp_path):
    out = tmp_path / "t.h5"
    proc = run_hubsim("run", TINY, "-o", out)
    assert proc.returncode == 0, proc.stderr
    assert str(out) in proc.stdout
    assert "2016-08-31" in proc.stdout


BIG = """\
name: big
start: 2014-09-01
end: 2060-08-31
hubs: {count: 40, opens: 2014-07-01}
schools:
  generate: {per_hub: {primary: 400, secondary: 100}}
"""


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupted_run_leaves_previous_file(sig, tmp_path):
    scenario = tmp_path / "big.yaml"
    scenario.write_text(BIG)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "result.h5"
    run_ok("run", TINY, "-o", out, "-q")
    before = out.read_bytes()
    # ~30 ms a replication: far longer than the wait below
    # As from a terminal: a test run in the background of a non-interactive shell inherits
    # SIGINT ignored, and the run would then rightly finish.
    proc = subprocess.Popen([str(HUBSIM), "run", str(scenario), "-o", str(out), "-q",
                             "--replications", "400", "--threads", "2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            preexec_fn=lambda: signal.signal(sig, signal.SIG_DFL))
    try:
        time.sleep(0.5)
        assert proc.poll() is None, "the run finished before it could be interrupted"
        proc.send_signal(sig)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode != 0
    assert out.read_bytes() == before
    assert leftovers(out_dir) == []


def test_scenario_reference_matches_the_declarations():
    """docs/scenario.md carries the table `hubsim params --markdown` prints, unchanged."""
    from conftest import REPO
    proc = run_hubsim("params", "--markdown")
    assert proc.returncode == 0
    doc = (REPO / "docs" / "scenario.md").read_text()
    assert proc.stdout.strip() in doc, "regenerate the Reference section of docs/scenario.md"
