"""Every command-line example in README.md and docs/ runs as written.

Each document's examples are read from its indented and fenced code blocks (lines that
start with `hubsim`, `./build/hubsim`, `mpirun`, `/usr/bin/python3 tools/` or
`/usr/bin/time`) and run in order, in a fresh copy of the project's scenarios, so that a
later example finds what an earlier one wrote (a report reads the run above it, a merge its
shards). The commands are run by bash, exactly as printed, with three changes that keep
the suite small, each said here:

- the copied scenario, sweep, calibration and study files are shrunk (2 replications, a
  Sobol design of 4 points, a calibration of 16 particles and 2 generations, a sensitivity
  study of 4 Sobol samples or 2 Morris trajectories, a policy search of 8 candidates a
  generation re-evaluated on 2 replications), and a
  `--replications N` on the command line becomes 2;
- `mpirun -n N` becomes `mpirun -n 2` (allowed to run as root and to oversubscribe), and
  `--precision H` gets `--max-replications 8`;
- a YAML block introduced by "saved as `PATH`" is written to PATH first, shrunk the same
  way.

A reader's own file (`my_scenario.yaml`) is a copy of the tiny scenario. Examples that
cannot run here are listed in SKIPPED with the reason, and forms with a placeholder
(`hubsim sweep SWEEP.yaml -o OUT.h5 --resume`) are not commands; every other example is
run, so a new example in the docs is run from the day it is written.
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import HUBSIM, REPO, mpi_env

DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
STARTS = ("hubsim ", "./build/hubsim ", "mpirun ", "/usr/bin/python3 tools/", "/usr/bin/time ",
          "bash tools/", "SWEEP=")

# Commands (exact text) that are not run, and why.
SKIPPED = {
    "bash tools/baseline.sh": "the main job itself: CI runs it on a fresh clone",
    "bash tools/test.sh": "the test suite this test belongs to",
    "bash tools/build.sh": "the build these tests run in",
    "/usr/bin/python3 tools/benchmark.py --plot docs/performance-scale.png":
        "a 6-minute measurement; test_benchmark.py runs its --quick form",
    "SWEEP=scenarios/sweeps/uncertain_demand.yaml sbatch --ntasks=64 tools/slurm_mpi.sbatch":
        "needs a Slurm cluster",
    "SWEEP=scenarios/sweeps/uncertain_demand.yaml sbatch --array=0-99 tools/slurm_sweep.sbatch":
        "needs a Slurm cluster",
    "hubsim merge results/shards/uncertain_demand-*.h5 -o results/uncertain_demand.h5":
        "merges the shards of the Slurm job array above",
    "./build/hubsim serve": "a server, which runs until stopped: test_studio_api.py and "
                            "test_studio_browser.py start it and speak to it",
    "./build/hubsim serve --bind 0.0.0.0 --port 8765": "a server on the network, which runs "
                                                       "until stopped: test_studio_api.py "
                                                       "tests --bind and the token",
    "/usr/bin/python3 tools/benchmark.py --only studio":
        "a 90-second measurement; test_benchmark.py runs its --quick form",
    "/usr/bin/python3 tools/studio_screenshot.py":
        "rewrites docs/studio.png; test_studio_browser.py runs it to a temporary file",
}
# Commands starting so that are not run, and why.
SKIPPED_PREFIXES = {
    "/usr/bin/python3 tools/validation.py": "the validation study (about 40 minutes on 2 cores); "
                                            "test_calibrate.py tests its measures",
}
# Examples with a placeholder for the reader's own file (SWEEP.yaml, OUT.h5, RUN.h5, ...).
PLACEHOLDER = re.compile(r"\b[A-Z][A-Z0-9_]*\.(yaml|h5|csv)\b")


def examples(doc: Path):
    """[(line number, command, YAML files to write first)] in document order."""
    out, pending, fence, block, save_as = [], {}, None, [], None
    lines = doc.read_text().splitlines()
    for n, line in enumerate(lines, 1):
        if fence is not None:
            if line.startswith("```"):
                if fence == "yaml" and save_as:
                    pending[save_as] = "\n".join(block) + "\n"
                fence, block, save_as = None, [], None
            else:
                block.append(line)
                if fence != "yaml" and line.startswith(STARTS):
                    out.append((n, line.strip(), dict(pending)))
            continue
        if line.startswith("```"):
            fence = line[3:].strip()
            prev = next((l for l in reversed(lines[:n - 1]) if l.strip()), "")
            m = re.search(r"saved as `([^`]+)`", prev)
            save_as = m.group(1) if m else None
            continue
        if line.startswith("    ") and line[4:].startswith(STARTS):
            cmd = re.sub(r"\s+#.*$", "", line[4:]).strip()
            out.append((n, cmd, dict(pending)))
    return out


def shrink(text: str) -> str:
    """A scenario, sweep or calibration file made small: same keys, less work."""
    text = re.sub(r"(?m)^replications: *\d+", "replications: 2", text)
    text = re.sub(r"kind: sobol, points: *\d+", "kind: sobol, points: 4", text)
    text = re.sub(r"particles: *\d+", "particles: 16", text)
    text = re.sub(r"generations: *\d+", "generations: 2", text)
    text = re.sub(r"kind: sobol, samples: *\d+", "kind: sobol, samples: 4", text)
    text = re.sub(r"trajectories: *\d+", "trajectories: 2", text)
    text = re.sub(r"population: *\d+", "population: 8", text)
    text = re.sub(r"reevaluate: \{replications: *\d+", "reevaluate: {replications: 2", text)
    return text


def project(tmp: Path) -> Path:
    """A project folder as a user has it: scenarios (shrunk), tools, build/hubsim, no results."""
    root = tmp / "project"
    shutil.copytree(REPO / "scenarios", root / "scenarios")
    for f in (root / "scenarios").rglob("*.yaml"):
        f.write_text(shrink(f.read_text()))
    (root / "tools").symlink_to(REPO / "tools")
    (root / "build").mkdir()
    (root / "build" / "hubsim").symlink_to(HUBSIM)
    (root / "bin").mkdir()
    (root / "bin" / "hubsim").symlink_to(HUBSIM)
    shutil.copy(root / "scenarios" / "tiny.yaml", root / "my_scenario.yaml")
    return root


def as_run(cmd: str) -> str:
    cmd = re.sub(r"--replications \d+", "--replications 2", cmd)
    if "--precision" in cmd and "--max-replications" not in cmd:
        cmd += " --max-replications 8"
    return re.sub(r"^mpirun -n \d+", "mpirun --allow-run-as-root --oversubscribe -n 2", cmd)


@pytest.mark.parametrize("doc", DOCS, ids=[d.name for d in DOCS])
def test_every_example_runs_as_written(doc: Path, tmp_path: Path):
    cmds = examples(doc)
    root = project(tmp_path)
    env = {**os.environ, "PATH": f"{root / 'bin'}:{os.environ['PATH']}", "MPLBACKEND": "Agg"}
    ran = []
    for n, cmd, files in cmds:
        if cmd in SKIPPED or cmd.startswith(tuple(SKIPPED_PREFIXES)) or PLACEHOLDER.search(cmd):
            continue
        if cmd.startswith("mpirun") and shutil.which("mpirun") is None:
            pytest.skip("mpirun not installed (tools/install.sh installs openmpi-bin)")
        for path, text in files.items():
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_text(shrink(text))
        proc = subprocess.run(["bash", "-c", as_run(cmd)], cwd=root,
                              env=mpi_env(env) if cmd.startswith("mpirun") else env, capture_output=True,
                              text=True, timeout=600)
        assert proc.returncode == 0, (f"{doc.name}:{n}: `{cmd}` exited {proc.returncode}:\n"
                                      f"{proc.stderr[-3000:]}")
        ran.append(cmd)
    if not cmds:
        pytest.skip(f"{doc.name} has no command-line examples")


def test_examples_are_found():
    """The extraction sees the README's examples (a broken extraction would pass vacuously)."""
    readme = [c for _, c, _ in examples(REPO / "README.md")]
    assert "bash tools/baseline.sh" in readme
    assert any(c.startswith("./build/hubsim run scenarios/england.yaml") for c in readme)
    assert any(c.startswith("mpirun -n") for c in readme)
    total = sum(len(examples(d)) for d in DOCS)
    assert total >= 25, total


def test_skipped_examples_still_exist():
    """A skip names an example the docs still show: no stale exemptions."""
    shown = {c for d in DOCS for _, c, _ in examples(d)}
    assert not set(SKIPPED) - shown, set(SKIPPED) - shown
