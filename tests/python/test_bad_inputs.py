"""A catalogue of bad inputs, and what hubsim must do with each (the reliability issue).

hubsim's promise for bad input: exit status 2; a clear message naming the file, line, column
and key where they exist (`FILE:LINE:COL: error: KEY: message`); bounded time and memory;
nothing written (no output file, no partial file, no temporary left, an older output at the
same path untouched, no input ever overwritten).

Each entry of CASES is one bad input: the files it writes into a fresh folder (which is also
the working directory, so `results/NAME.h5` lands there too), the arguments, the exit status
expected, the fragments stderr must hold (At(...) is "FILE:LINE:COL: error: KEY" at the line
of FILE that holds a given text) and a one-line reason. Every case runs under a 4 GiB
address-space limit and a timeout, and is then held to the same checks (`check_case`): the
exit status, no crash signal, no traceback / "internal error" / "terminate called" / sanitizer
text, stderr bounded, nothing on stdout, and the folder exactly as it was before (same files,
same bytes: inputs, and an older output placed at the target path beforehand; no new file,
no `*.tmp*` left).

A few entries are not errors (exit 0): what a demanding user expects is that they work (a
UTF-8 byte-order mark, `--threads 0`, a damaged journal entry on --resume), or that they
work with a warning (a timeline event the run never reaches). Their reasons say why.

A case hubsim gets wrong today carries `defect="what happens today"`: it is marked
xfail(strict=True), so the file passes today and each fix flips exactly its case (then
remove the `defect=`).

    cd build && HUBSIM_BIN=$PWD/hubsim python3 -m pytest -q ../tests/python/test_bad_inputs.py
"""

from __future__ import annotations

import hashlib
import os
import re
import resource
import shutil
import signal
import stat
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import h5py
import numpy as np
import pytest

from conftest import HUBSIM, SANITIZER, run_ok

MEMORY_LIMIT = 4 << 30  # bytes of address space each case may use
TIMEOUT = 20  # seconds; every case answers in well under one when hubsim behaves
BOUND = 3  # seconds for the cases of huge requests: a refusal is immediate
MAX_STDERR = 100_000  # characters: a message a person can read, not a flood
OLD = b"an older output that a failed command must leave alone\n"

# ------------------------------------------------------------------------------- inputs

HEAD = "start: 2014-09-01\nend: 2016-08-31\n"
HUBS = "hubs:\n  - {name: Alpha, opens: 2014-07-01}\n  - {name: Beta, opens: 2014-07-01}\n"
GEN = "schools:\n  generate: {per_hub: {primary: 6, secondary: 3}, disadvantage: 0.2}\n"


def S(extra="", head=HEAD, hubs=HUBS, schools=GEN):
    """A small valid scenario (two hubs, 18 generated schools, two years) plus `extra`."""
    return head + hubs + schools + extra


GOOD = S()

HUBS_CSV = "name,opens,region\nAlpha,2014-07-01,North\nBeta,2014-07-01,South\n"
SCHOOLS_CSV = ("urn,hub,phase,pupils,disadvantage\n"
               "100001,Alpha,primary,200,0.2\n"
               "100002,Beta,secondary,900,0.3\n"
               "100003,Alpha,primary,150,0.1\n")


def CSV(extra="", hubs=HUBS_CSV, schools=SCHOOLS_CSV):
    """A valid scenario whose hubs and schools are CSV files, plus `extra`."""
    return {"s.yaml": HEAD + "hubs: {file: hubs.csv}\nschools: {file: schools.csv}\n" + extra,
            "hubs.csv": hubs, "schools.csv": schools}


def SWEEP(parameters="  demand.p: {values: [0.05, 0.1]}\n", design="{kind: grid}", extra="",
          scenario="s.yaml", name="sw"):
    """A sweep of the small scenario (two points, one replication each)."""
    return (f"scenario: {scenario}\nname: {name}\nreplications: 1\ndesign: {design}\n{extra}"
            f"parameters:\n{parameters}")


CALIBRATION = ("scenario: s.yaml\nobservations: obs.csv\nreplications: 1\n"
               "method: {particles: 10, generations: 1}\n"
               "parameters:\n  demand.p: {uniform: [0.01, 0.2]}\n")
OBS = "date,measure,phase,scope,value,kind\n2015-08-31,engaged,all,national,5,approximate\n"
POSTERIOR = "weight,demand.p\n1,0.1\n1,0.2\n"


def POST(csv):
    """The small scenario drawing its parameters from the posterior CSV `csv`."""
    return {"s.yaml": S("posterior: {file: post.csv}\n"), "post.csv": csv}


def alias_bomb(levels=9, width=10):
    """Billion laughs: anchors of anchors, 10**9 leaves if expanded (a few hundred bytes)."""
    lines = ['l0: &l0 "lol"']
    for i in range(1, levels + 1):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def alias_bomb_under(key, levels=9):
    """The small scenario, a bomb under an unknown key, and `key` pointing at its top."""
    return S("x-bomb:\n" + "".join("  " + l + "\n" for l in alias_bomb(levels).splitlines())
             + f"{key}: *l{levels}\n", hubs="" if key == "hubs" else HUBS)


def huge_yaml(megabytes=50):
    """The small scenario followed by `megabytes` MB of plausible keys (`key_00000001: 1`)."""
    def make():
        lines = (megabytes << 20) // len("key_00000000: 0000000\n") + 1
        return GOOD.encode() + "".join(f"key_{i:08d}: {i:07d}\n" for i in range(lines)).encode()
    return make


DIR = object()  # in `files`: make an empty folder there


@dataclass(frozen=True)
class Link:
    """In `files`: a symbolic link to `target`."""
    target: str


# ------------------------------------------------------------------------ expectations


@dataclass(frozen=True)
class At:
    """`FILE:LINE:COL: error: KEY:` where LINE is the line of FILE (as written by the case)
    holding `needle` (its nth occurrence)."""
    file: str
    needle: str
    key: str | None = None
    nth: int = 1
    level: str = "error"
    says: str | None = None  # a regular expression the rest of that message must match

    def pattern(self, tmp: Path) -> re.Pattern:
        text = (tmp / self.file).read_bytes().decode("utf-8", "replace").splitlines()
        lines = [i + 1 for i, l in enumerate(text) if self.needle in l]
        assert len(lines) >= self.nth, f"case error: {self.needle!r} not in {self.file}"
        key = re.escape(self.key) + ":" if self.key else ""
        says = rf".*(?:{self.says})" if self.says else ""
        return re.compile(rf"(?m)^{re.escape(self.file)}:{lines[self.nth - 1]}:\d+: "
                          rf"{self.level}: {key}{says}")

    def __str__(self):
        says = f" ... /{self.says}/" if self.says else ""
        return f"{self.file}:<line of {self.needle!r}>: {self.level}: {self.key or ''}{says}"


MISSING = "no such|does not exist|not found|missing|cannot open|cannot find"


def missing(name):
    """What a message about a missing `name` says, in either order."""
    n = re.escape(name)
    return rf"{n}.*(?:{MISSING})|(?:{MISSING}).*{n}"


@dataclass
class Case:
    id: str
    reason: str
    args: tuple
    files: dict = field(default_factory=dict)
    stderr: tuple = ()  # str (a substring), re.Pattern or At: each must be in stderr
    exit: int | tuple = 2
    setup: Callable | None = None  # setup(tmp, data): folders, HDF5 copies, earlier runs
    writes: tuple = ()  # paths an accepted case (exit 0) may create or change
    check: Callable | None = None  # check(tmp): more checks of an accepted case
    timeout: float = TIMEOUT
    defect: str | None = None  # what hubsim does wrong today: an xfail(strict=True)
    old: bool = True  # put an older output at the -o path first (if it is not an input)


def C(id, reason, args, **kw):
    return Case(id, reason, tuple(args), **kw)


# --------------------------------------------------------------- HDF5 files made by hubsim


class Data:
    """Real hubsim outputs, made once per session: a run file, shards of two sweeps."""

    def __init__(self, root: Path):
        self.root = root
        (root / "s.yaml").write_text(GOOD)
        (root / "swA.yaml").write_text(SWEEP(name="swA"))
        (root / "swB.yaml").write_text(SWEEP("  demand.q: {values: [0.2, 0.3]}\n", name="swB"))
        run_ok("run", "s.yaml", "-o", "run.h5", "--replications", 2, "-q", cwd=root)
        for sweep, shard, out in [("swA.yaml", "0/2", "a0.h5"), ("swA.yaml", "1/2", "a1.h5"),
                                  ("swB.yaml", "0/2", "b0.h5")]:
            run_ok("sweep", sweep, "--shard", shard, "-o", out, "-q", cwd=root)

    def copy(self, name, tmp, as_name=None):
        shutil.copyfile(self.root / name, tmp / (as_name or name))


def truncated(name, as_name):
    """Setup: `as_name` holds the first half of hubsim's `name`."""
    def setup(tmp, data):
        raw = (data.root / name).read_bytes()
        (tmp / as_name).write_bytes(raw[: len(raw) // 2])
    return setup


def corrupted(name, as_name, where):
    """Setup: `as_name` is hubsim's `name` with one structure overwritten by a fixed pattern:
    "superblock" (the 4 kB after the 8-byte signature: superblock and root group),
    ("chunk", DATASET) (its first compressed chunk) or ("header", OBJECT) (64 bytes of its
    object header) or "heaps" (the free list of every local heap: a group's link names)."""
    def setup(tmp, data):
        src = data.root / name
        raw = bytearray(src.read_bytes())
        if where == "heaps":  # every local heap's free-list offset points far outside it
            at = raw.find(b"HEAP")
            while at >= 0:
                raw[at + 16:at + 24] = (0x7FFFFFF0).to_bytes(8, "little")
                at = raw.find(b"HEAP", at + 1)
            (tmp / as_name).write_bytes(bytes(raw))
            return
        if where == "superblock":
            start, length = 8, 4096
        else:
            kind, obj = where
            with h5py.File(src) as f:
                if kind == "chunk":
                    info = f[obj].id.get_chunk_info(0)
                    start, length = info.byte_offset, info.size
                else:
                    start, length = h5py.h5o.get_info(f[obj].id).addr, 64
        junk = bytes((i * 37 + 11) % 256 for i in range(length))
        raw[start:start + length] = junk[: len(raw[start:start + length])]
        (tmp / as_name).write_bytes(bytes(raw))
    return setup


def copies(*names, then=None):
    """Setup: copies of hubsim's files (name or (name, as_name)), then `then(tmp)`."""
    def setup(tmp, data):
        for n in names:
            name, as_name = (n, None) if isinstance(n, str) else n
            data.copy(name, tmp, as_name)
        if then:
            then(tmp)
    return setup


def both(*setups):
    """Setup: one setup after another."""
    def setup(tmp, data):
        for s in setups:
            s(tmp, data)
    return setup


def claim_points(tmp):
    with h5py.File(tmp / "a0.h5", "r+") as f:
        f.attrs.modify("total_points", np.uint32(4_000_000_000))


def shorten_cost(tmp):
    with h5py.File(tmp / "a0.h5", "r+") as f:
        del f["summary/cost"]
        f["summary"].create_dataset("cost", data=np.zeros(1))


def hubsim_setup(*commands, then=None):
    """Setup: runs hubsim commands in the case's folder first (each must succeed)."""
    def setup(tmp, data):
        for args in commands:
            run_ok(*args, cwd=tmp)
        if then:
            then(tmp)
    return setup


def reseal_journal_entry(entry, change):
    """A journal entry (docs/cluster.md: magic line, key, result, SHA-256 of all before) with
    its result changed by `change` and its lengths and checksum made right again."""
    import hashlib
    import struct
    magic = b"hubsim journal entry 1\n"
    assert entry.startswith(magic), "case error: not a journal entry"
    at = len(magic)
    (key_size,) = struct.unpack_from("<Q", entry, at)
    key = entry[at + 8:at + 8 + key_size]
    at += 8 + key_size
    (size,) = struct.unpack_from("<Q", entry, at)
    result = change(entry[at + 8:at + 8 + size])
    body = magic + struct.pack("<Q", len(key)) + key + struct.pack("<Q", len(result)) + result
    return body + hashlib.sha256(body).hexdigest().encode()


def damage_journal(how):
    def then(tmp):
        entries = sorted((tmp / "out.h5.journal").iterdir())
        assert entries, "case error: the sweep left no journal"
        for e in entries:
            if how == "truncate":
                e.write_bytes(e.read_bytes()[:300])
            else:  # a whole, checksummed entry of this point whose arrays are cut short
                e.write_bytes(reseal_journal_entry(e.read_bytes(), lambda result: result[:-40]))
        (tmp / "out.h5").unlink()
    return then


def same_as_fresh(tmp):
    """The sweep written equals an uninterrupted run of the same sweep (fresh.h5)."""
    with h5py.File(tmp / "out.h5") as got, h5py.File(tmp / "fresh.h5") as want:
        for group in ["summary", "points"]:
            names = []
            want[group].visit(names.append)
            for n in names:
                if isinstance(want[group][n], h5py.Dataset):
                    assert np.array_equal(got[group][n][()], want[group][n][()]), f"{group}/{n}"


# ----------------------------------------------------------------------------- the cases

V = "validate"
BOMB = 9  # levels of the alias bomb: 10**9 leaves

CASES = [
    # ---------------------------------------------------------------- YAML syntax
    C("yaml-unclosed-double-quote", "a quote never closed: the error is at its line, not at the end of the file",
      [V, "s.yaml"], files={"s.yaml": S('description: "never closed\nseed: 4\nreplications: 2\n')},
      stderr=[At("s.yaml", "never closed")]),
    C("yaml-unclosed-single-quote", "as above, single quotes",
      [V, "s.yaml"], files={"s.yaml": S("description: 'never closed\nseed: 4\nreplications: 2\n")},
      stderr=[At("s.yaml", "never closed")]),
    C("yaml-unclosed-bracket", "a flow list never closed: the error is at the line that opens it",
      [V, "s.yaml"], files={"s.yaml": S("timeline: [{date: 2015-09-01, set: {capacity.factor: 0.5}}\nseed: 4\nreplications: 2\n")},
      stderr=[At("s.yaml", "timeline: [")]),
    C("yaml-unclosed-brace", "a flow mapping never closed: the error is at the line that opens it",
      [V, "s.yaml"], files={"s.yaml": S("demand: {p: 0.1, q: 0.5\nseed: 4\nreplications: 2\n")},
      stderr=[At("s.yaml", "demand: {")]),
    C("yaml-tab-indentation", "YAML forbids tabs for indentation: an error at the tab's line",
      [V, "s.yaml"], files={"s.yaml": S("demand:\n\tp: 0.1\n")},
      stderr=[At("s.yaml", "\tp: 0.1")]),
    C("yaml-duplicate-top-key", "a key written twice: the second is an error, not silently one of the two",
      [V, "s.yaml"], files={"s.yaml": S("seed: 4\nseed: 5\n")},
      stderr=[At("s.yaml", "seed: 5", "seed"), "more than once"]),
    C("yaml-duplicate-parameter", "a parameter written twice in one mapping",
      [V, "s.yaml"], files={"s.yaml": S("demand: {p: 0.1, p: 0.2}\n")},
      stderr=[At("s.yaml", "demand:", "demand.p"), "more than once"]),
    C("yaml-duplicate-llme-role", "a role's block written twice",
      [V, "s.yaml"], files={"s.yaml": S("llme:\n  pd_lead: {days: 3}\n  pd_lead: {days: 4}\n")},
      stderr=[At("s.yaml", "pd_lead: {days: 4}", "llme.pd_lead")]),
    C("yaml-duplicate-hub-key", "a hub with two names",
      [V, "s.yaml"], files={"s.yaml": S(hubs="hubs:\n  - {name: Alpha, name: Gamma, opens: 2014-07-01}\n")},
      stderr=[At("s.yaml", "Gamma", "hubs[0].name"), "more than once"]),
    C("yaml-duplicate-event-key", "a timeline event with two dates",
      [V, "s.yaml"], files={"s.yaml": S("timeline:\n  - {date: 2015-09-01, date: 2015-10-01, set: {capacity.factor: 0.5}}\n")},
      stderr=[At("s.yaml", "date: 2015-10-01", "timeline[0].date"), "more than once"]),
    C("yaml-duplicate-per-hub-phase", "generated schools: a phase's count written twice",
      [V, "s.yaml"], files={"s.yaml": S(schools="schools:\n  generate: {per_hub: {primary: 6, primary: 60}}\n")},
      stderr=[At("s.yaml", "primary: 60", "schools.generate.per_hub.primary")]),
    C("yaml-duplicate-initial-llme-role", "a hub's initial leaders of one role written twice",
      [V, "s.yaml"], files={"s.yaml": S(hubs="hubs:\n  - {name: Alpha, initial_llme: {pd_lead: 1, pd_lead: 5}}\n")},
      stderr=[At("s.yaml", "pd_lead: 5", "hubs[0].initial_llme.pd_lead")]),
    C("yaml-duplicate-output-key", "output.sample written twice",
      [V, "s.yaml"], files={"s.yaml": S("output: {sample: yearly, sample: termly}\n")},
      stderr=[At("s.yaml", "output:", "output.sample"), "more than once"]),
    # An expansion is refused where it first grows past the bound: the anchors' own key, or
    # where they are used.
    C("yaml-alias-bomb-hubs", "billion laughs under hubs: refused at once, in bounded memory",
      [V, "s.yaml"], files={"s.yaml": alias_bomb_under("hubs")},
      stderr=[re.compile(r"s\.yaml:\d+:\d+: error: (hubs|x-bomb)")]),
    C("yaml-alias-bomb-timeline", "billion laughs as the timeline",
      [V, "s.yaml"], files={"s.yaml": alias_bomb_under("timeline")},
      stderr=[re.compile(r"s\.yaml:\d+:\d+: error: (timeline|x-bomb)")]),
    C("yaml-alias-bomb-description", "billion laughs where text is expected",
      [V, "s.yaml"], files={"s.yaml": alias_bomb_under("description")},
      stderr=[re.compile(r"s\.yaml:\d+:\d+: error: (description|x-bomb\.l\d+):")]),
    C("yaml-deep-nesting-lists", "10**5 nested flow lists: a parse error at its line, no stack overflow",
      [V, "s.yaml"], files={"s.yaml": S("description: " + "[" * 100_000 + "]" * 100_000 + "\n")},
      stderr=[At("s.yaml", "description: [[[")]),
    C("yaml-deep-nesting-maps", "10**5 nested flow mappings",
      [V, "s.yaml"], files={"s.yaml": S("description: " + "{a: " * 100_000 + "1" + "}" * 100_000 + "\n")},
      stderr=[At("s.yaml", "description: {a:")]),
    C("yaml-huge-file", "50 MB of plausible keys: refused (a size bound, or the first errors) in seconds and bounded memory",
      [V, "s.yaml"], files={"s.yaml": huge_yaml(50)}, stderr=["s.yaml"], timeout=BOUND),
    C("yaml-utf8-bom", "a UTF-8 byte-order mark (Windows editors write one) is accepted: the file is otherwise valid",
      [V, "s.yaml"], files={"s.yaml": b"\xef\xbb\xbf" + GOOD.encode()}, exit=0),
    C("yaml-invalid-utf8", "bytes that are not UTF-8 in a name: refused at their line (they would be written into the output as text)",
      [V, "s.yaml"], files={"s.yaml": S().encode() + b"name: caf\xe9 \xff\xfe\n"},
      stderr=[At("s.yaml", "name: caf"), "UTF-8"]),
    C("yaml-scenario-is-folder", "a folder given as the scenario",
      [V, "s.yaml"], files={"s.yaml": DIR}, stderr=["s.yaml", "folder"]),
    C("yaml-empty-file", "an empty scenario file",
      [V, "s.yaml"], files={"s.yaml": ""}, stderr=["s.yaml"]),
    C("yaml-comments-only", "a file of comments holds no scenario",
      [V, "s.yaml"], files={"s.yaml": "# nothing here\n# yet\n"}, stderr=["s.yaml"]),
    C("yaml-second-document", "a second YAML document after `---` would be ignored: an error at its line",
      [V, "s.yaml"], files={"s.yaml": "---\n" + GOOD + "---\nseed: 5\n"},
      stderr=[At("s.yaml", "---", nth=2)]),
    C("yaml-stray-comma", "a stray ',' (found by fuzzing: yaml-cpp's LoadAll read empty documents from it for ever, "
      "until memory ran out): refused at once, at its line",
      [V, "s.yaml"], files={"s.yaml": "# a scenario\n, The# E\n"}, stderr=[At("s.yaml", ", The")], timeout=BOUND),
    C("yaml-stray-comma-sweep", "the same in a sweep file",
      [V, "sw.yaml"], files={"s.yaml": GOOD, "sw.yaml": ", scenario: s.yaml\n"}, stderr=[At("sw.yaml", ", scenario")],
      timeout=BOUND),
    C("yaml-symlink-loop", "a scenario path that is a symbolic-link loop",
      [V, "s.yaml"], files={"s.yaml": Link("t.yaml"), "t.yaml": Link("s.yaml")}, stderr=["s.yaml"]),
    C("yaml-missing-file", "a scenario that does not exist",
      [V, "nope.yaml"], stderr=["nope.yaml"]),
    C("yaml-scalar-document", "a file that is one word, not a mapping",
      [V, "s.yaml"], files={"s.yaml": "hello\n"}, stderr=[At("s.yaml", "hello")]),
    C("yaml-list-document", "a file that is a list, not a mapping",
      [V, "s.yaml"], files={"s.yaml": "- start: 2014-09-01\n"}, stderr=[At("s.yaml", "- start")]),
    C("yaml-undefined-alias", "an alias to an anchor that does not exist",
      [V, "s.yaml"], files={"s.yaml": S("seed: *nowhere\n")}, stderr=[At("s.yaml", "*nowhere")]),
    C("yaml-complex-key", "a list used as a key",
      [V, "s.yaml"], files={"s.yaml": S("? [a, b]\n: 1\n")}, stderr=[At("s.yaml", "? [a, b]", says="list")]),
    C("yaml-nul-byte", "a NUL byte in the file: refused at its line",
      [V, "s.yaml"], files={"s.yaml": S().encode() + b"description: a\x00b\n"},
      stderr=[At("s.yaml", "description: a")]),

    # ---------------------------------------------------------------- schema: unknown keys
    C("schema-unknown-top-key", "a misspelt section, with a suggestion",
      [V, "s.yaml"], files={"s.yaml": S("demnd: {p: 0.1}\n")},
      stderr=[At("s.yaml", "demnd", "demnd"), "did you mean 'demand'"]),
    C("schema-unknown-demand-key", "a misspelt demand parameter",
      [V, "s.yaml"], files={"s.yaml": S("demand: {peer: 1}\n")},
      stderr=[At("s.yaml", "peer", "demand.peer")]),
    C("schema-unknown-policy-key", "a misspelt policy parameter",
      [V, "s.yaml"], files={"s.yaml": S("policy: {prority: lottery}\n")},
      stderr=[At("s.yaml", "prority", "policy.prority"), "did you mean 'priority'"]),
    C("schema-unknown-stage-parameter", "a misspelt parameter of phases.X.stages.Y",
      [V, "s.yaml"], files={"s.yaml": S("phases:\n  primary:\n    stages:\n      development: {group_sise: 6}\n")},
      stderr=[At("s.yaml", "group_sise", "phases.primary.stages.development.group_sise")]),
    C("schema-unknown-stage", "a stage that does not exist",
      [V, "s.yaml"], files={"s.yaml": S("phases:\n  primary:\n    stages:\n      develop: {group_size: 6}\n")},
      stderr=[At("s.yaml", "develop:", "phases.primary.stages.develop")]),
    C("schema-unknown-phase", "a phase that does not exist",
      [V, "s.yaml"], files={"s.yaml": S("phases:\n  nursery: {pipeline: [development]}\n")},
      stderr=[At("s.yaml", "nursery", "phases.nursery")]),
    C("schema-unknown-llme-role-key", "a misspelt parameter of llme.ROLE",
      [V, "s.yaml"], files={"s.yaml": S("llme:\n  pd_lead: {training_place: 4}\n")},
      stderr=[At("s.yaml", "training_place", "llme.pd_lead.training_place")]),
    C("schema-unknown-llme-role", "a role that does not exist",
      [V, "s.yaml"], files={"s.yaml": S("llme:\n  pd_leader: {days: 4}\n")},
      stderr=[At("s.yaml", "pd_leader", "llme.pd_leader")]),
    C("schema-unknown-hub-key", "a misspelt key of a hub entry",
      [V, "s.yaml"], files={"s.yaml": S(hubs="hubs:\n  - {name: Alpha, open: 2014-07-01}\n")},
      stderr=[At("s.yaml", "open:", "hubs[0].open"), "did you mean 'opens'"]),
    C("schema-unknown-initial-llme-role", "a hub's initial leaders of a role that does not exist",
      [V, "s.yaml"], files={"s.yaml": S(hubs="hubs:\n  - {name: Alpha, initial_llme: {specialist: 2}}\n")},
      stderr=[At("s.yaml", "specialist", "hubs[0].initial_llme.specialist")]),
    C("schema-unknown-hubs-count-key", "a misspelt key of hubs: {count}",
      [V, "s.yaml"], files={"s.yaml": S(hubs="hubs: {count: 2, opnes: 2014-07-01}\n")},
      stderr=[At("s.yaml", "opnes", "hubs.opnes")]),
    C("schema-unknown-hub-override-key", "a misspelt key under hubs.overrides.NAME",
      [V, "s.yaml"], files=CSV() | {"s.yaml": HEAD + "hubs:\n  file: hubs.csv\n  overrides:\n    Alpha: {capacity: 2}\nschools: {file: schools.csv}\n"},
      stderr=[At("s.yaml", "capacity: 2", "hubs.overrides.Alpha.capacity")]),
    C("schema-hub-override-unknown-hub", "an override for a hub the file does not have",
      [V, "s.yaml"], files=CSV() | {"s.yaml": HEAD + "hubs:\n  file: hubs.csv\n  overrides:\n    Alhpa: {capacity_factor: 2}\nschools: {file: schools.csv}\n"},
      stderr=[At("s.yaml", "Alhpa", "hubs.overrides.Alhpa"), "did you mean 'Alpha'"]),
    C("schema-unknown-generate-key", "a misspelt key of schools.generate",
      [V, "s.yaml"], files={"s.yaml": S(schools="schools:\n  generate: {per_hub: {primary: 6}, pupil: 200}\n")},
      stderr=[At("s.yaml", "pupil:", "schools.generate.pupil")]),
    C("schema-unknown-schools-key", "a misspelt key beside schools.file",
      [V, "s.yaml"], files=CSV() | {"s.yaml": HEAD + "hubs: {file: hubs.csv}\nschools: {file: schools.csv, sh256: 00}\n"},
      stderr=[At("s.yaml", "sh256", "schools.sh256")]),
    C("schema-unknown-target-key", "a misspelt key of a share target",
      [V, "s.yaml"], files={"s.yaml": S("targets:\n  - {phase: primary, share: 0.5, bye: 2016-08-31}\n")},
      stderr=[At("s.yaml", "bye:", "targets[0].bye")]),
    C("schema-unknown-count-target-key", "a misspelt key of a count target",
      [V, "s.yaml"], files={"s.yaml": S("targets:\n  - {count: 5, rol: pd_lead, by: 2016-08-31}\n")},
      stderr=[At("s.yaml", "rol:", "targets[0].rol")]),
    C("schema-unknown-event-key", "a misspelt key of a timeline event",
      [V, "s.yaml"], files={"s.yaml": S("timeline:\n  - {date: 2015-09-01, set: {capacity.factor: 0.5}, nte: x}\n")},
      stderr=[At("s.yaml", "nte:", "timeline[0].nte")]),
    C("schema-unknown-event-parameter", "a misspelt parameter in an event's set",
      [V, "s.yaml"], files={"s.yaml": S("timeline:\n  - {date: 2015-09-01, set: {capacity.factr: 0.5}}\n")},
      stderr=[At("s.yaml", "capacity.factr", "timeline[0].set.capacity.factr")]),
    C("schema-unknown-cost-key", "a misspelt cost parameter",
      [V, "s.yaml"], files={"s.yaml": S("cost: {work_grup: 10}\n")},
      stderr=[At("s.yaml", "work_grup", "cost.work_grup")]),
    C("schema-unknown-posterior-key", "a misspelt key beside posterior.file",
      [V, "s.yaml"], files={"s.yaml": S("posterior: {file: post.csv, sha: 00}\n"), "post.csv": POSTERIOR},
      stderr=[At("s.yaml", "sha:", "posterior.sha")]),
    C("schema-unknown-output-key", "a misspelt key of output",
      [V, "s.yaml"], files={"s.yaml": S("output: {sampel: yearly}\n")},
      stderr=[At("s.yaml", "sampel", "output.sampel")]),
    C("schema-unknown-set-parameter", "a misspelt parameter under set:",
      [V, "s.yaml"], files={"s.yaml": S("set: {demand.pp: 0.1}\n")},
      stderr=[At("s.yaml", "demand.pp", "set.demand.pp")]),

    # ---------------------------------------------------------------- schema: wrong types
    C("schema-name-is-list", "name: [x, y] where text is expected",
      [V, "s.yaml"], files={"s.yaml": S("name: [x, y]\n")}, stderr=[At("s.yaml", "name: [x, y]", "name")]),
    C("schema-name-is-mapping", "a mapping where the name is expected",
      [V, "s.yaml"], files={"s.yaml": S("name: {first: x}\n")}, stderr=[At("s.yaml", "name: {first", "name")]),
    C("schema-description-is-list", "a list where the description is expected",
      [V, "s.yaml"], files={"s.yaml": S("description: [a, b]\n")}, stderr=[At("s.yaml", "description:", "description")]),
    C("schema-note-is-mapping", "a mapping where an event's note is expected",
      [V, "s.yaml"], files={"s.yaml": S("timeline:\n  - date: 2015-09-01\n    set: {capacity.factor: 0.5}\n    note: {why: lockdown}\n")},
      stderr=[At("s.yaml", "note:", "timeline[0].note")]),
    C("schema-hub-name-is-list", "a list where a hub's name is expected",
      [V, "s.yaml"], files={"s.yaml": S(hubs="hubs:\n  - {name: [Alpha, Beta]}\n")},
      stderr=[At("s.yaml", "name: [", "hubs[0].name")]),
    C("schema-hub-region-is-list", "a list where a hub's region is expected (regions drive regional measures)",
      [V, "s.yaml"], files={"s.yaml": S(hubs="hubs:\n  - {name: Alpha, region: [North, South]}\n")},
      stderr=[At("s.yaml", "region:", "hubs[0].region")]),
    C("schema-hubs-count-region-is-mapping", "a mapping where hubs.region is expected",
      [V, "s.yaml"], files={"s.yaml": S(hubs="hubs: {count: 2, region: {a: b}}\n")},
      stderr=[At("s.yaml", "region:", "hubs.region")]),
    C("schema-generate-is-scalar", "a number where schools.generate's mapping is expected",
      [V, "s.yaml"], files={"s.yaml": S(schools="schools: {generate: 2}\n")},
      stderr=[At("s.yaml", "generate: 2", "schools.generate")]),
    C("schema-hub-override-is-scalar", "a number where a hub's overrides mapping is expected",
      [V, "s.yaml"], files={"s.yaml": S(hubs="hubs: {count: 1, overrides: {Hub 001: 0.5}}\n")},
      stderr=[At("s.yaml", "Hub 001: 0.5", "hubs.overrides.Hub 001")]),
    C("schema-hub-override-is-list", "a list where a hub's overrides mapping is expected",
      [V, "s.yaml"], files={"s.yaml": S(hubs="hubs: {count: 1, overrides: {Hub 001: [a]}}\n")},
      stderr=[At("s.yaml", "Hub 001: [a]", "hubs.overrides.Hub 001")]),
    C("schema-posterior-without-file", "posterior: {fil: ...}: a misspelt file key",
      [V, "s.yaml"], files={"s.yaml": S("posterior: {fil: post.csv}\n"), "post.csv": POSTERIOR},
      stderr=[At("s.yaml", "posterior:", says="posterior")]),
    C("schema-start-is-list", "a list where a date is expected",
      [V, "s.yaml"], files={"s.yaml": S(head="start: [2014-09-01]\nend: 2016-08-31\n")},
      stderr=[At("s.yaml", "start:", "start")]),
    C("schema-parameter-is-list", "a list where a parameter's value is expected",
      [V, "s.yaml"], files={"s.yaml": S("demand: {p: [0.1, 0.2]}\n")}, stderr=[At("s.yaml", "demand:", "demand.p")]),
    C("schema-section-is-scalar", "a number where the demand section is expected",
      [V, "s.yaml"], files={"s.yaml": S("demand: 5\n")}, stderr=[At("s.yaml", "demand:", "demand")]),
    C("schema-targets-is-mapping", "a mapping where the list of targets is expected",
      [V, "s.yaml"], files={"s.yaml": S("targets: {phase: primary, share: 0.5}\n")}, stderr=[At("s.yaml", "targets:", "targets")]),
    C("schema-per-hub-is-scalar", "a number where per_hub's mapping is expected",
      [V, "s.yaml"], files={"s.yaml": S(schools="schools:\n  generate: {per_hub: 6}\n")},
      stderr=[At("s.yaml", "per_hub", "schools.generate.per_hub")]),
    C("schema-capacity-factor-is-text", "a word where a hub's capacity factor is expected",
      [V, "s.yaml"], files={"s.yaml": S(hubs="hubs:\n  - {name: Alpha, capacity_factor: high}\n")},
      stderr=[At("s.yaml", "capacity_factor", "hubs[0].capacity_factor")]),
    C("schema-flag-is-yes", "policy.spill takes true or false (a YAML 1.1 'yes' is not silently read)",
      [V, "s.yaml"], files={"s.yaml": S("policy: {spill: maybe}\n")}, stderr=[At("s.yaml", "spill", "policy.spill")]),

    # ---------------------------------------------------------------- schema: values
    C("schema-probability-above-one", "a probability of 1.5",
      [V, "s.yaml"], files={"s.yaml": S("policy: {new_share: 1.5}\n")}, stderr=[At("s.yaml", "new_share", "policy.new_share")]),
    C("schema-rate-negative", "a negative rate",
      [V, "s.yaml"], files={"s.yaml": S("demand: {p: -0.1}\n")}, stderr=[At("s.yaml", "demand:", "demand.p")]),
    C("schema-parameter-nan", "nan is not a number in range",
      [V, "s.yaml"], files={"s.yaml": S("demand: {p: nan}\n")}, stderr=[At("s.yaml", "demand:", "demand.p")]),
    C("schema-parameter-yaml-nan", "YAML's .nan",
      [V, "s.yaml"], files={"s.yaml": S("demand: {q: .nan}\n")}, stderr=[At("s.yaml", "demand:", "demand.q")]),
    C("schema-parameter-inf", "inf where a bounded rate is expected",
      [V, "s.yaml"], files={"s.yaml": S("demand: {q: inf}\n")}, stderr=[At("s.yaml", "demand:", "demand.q")]),
    C("schema-cost-inf", "an infinite cost (the range has no upper end, infinity is still not a cost)",
      [V, "s.yaml"], files={"s.yaml": S("cost: {trainee: .inf}\n")}, stderr=[At("s.yaml", "cost:", "cost.trainee")]),
    C("schema-parameter-1e400", "a number beyond double precision",
      [V, "s.yaml"], files={"s.yaml": S("cost: {trainee: 1e400}\n")}, stderr=[At("s.yaml", "cost:", "cost.trainee")]),
    C("schema-capacity-factor-nan", "nan as a hub's capacity factor",
      [V, "s.yaml"], files={"s.yaml": S(hubs="hubs:\n  - {name: Alpha, capacity_factor: nan}\n")},
      stderr=[At("s.yaml", "capacity_factor", "hubs[0].capacity_factor")]),
    C("schema-generate-disadvantage-nan", "nan as the generated schools' disadvantage",
      [V, "s.yaml"], files={"s.yaml": S(schools="schools:\n  generate: {per_hub: {primary: 6}, disadvantage: nan}\n")},
      stderr=[At("s.yaml", "disadvantage", "schools.generate.disadvantage")]),
    C("schema-replications-2-63", "2^63 replications",
      [V, "s.yaml"], files={"s.yaml": S("replications: 9223372036854775808\n")}, stderr=[At("s.yaml", "replications", "replications")]),
    C("schema-seed-2-64", "2^64 does not fit a 64-bit seed",
      [V, "s.yaml"], files={"s.yaml": S("seed: 18446744073709551616\n")}, stderr=[At("s.yaml", "seed", "seed")]),
    C("schema-seed-negative", "a negative seed",
      [V, "s.yaml"], files={"s.yaml": S("seed: -1\n")}, stderr=[At("s.yaml", "seed", "seed")]),
    C("schema-training-places-2-63", "2^63 training places",
      [V, "s.yaml"], files={"s.yaml": S("llme:\n  pd_lead: {training_places: 9223372036854775808}\n")},
      stderr=[At("s.yaml", "training_places", "llme.pd_lead.training_places")]),
    C("schema-hubs-count-2-63", "2^63 hubs",
      [V, "s.yaml"], files={"s.yaml": S(hubs="hubs: {count: 9223372036854775808}\n")}, stderr=[At("s.yaml", "count", "hubs.count")]),
    C("schema-initial-llme-2-63", "2^63 leaders in one hub",
      [V, "s.yaml"], files={"s.yaml": S(hubs="hubs:\n  - {name: Alpha, initial_llme: {pd_lead: 9223372036854775808}}\n")},
      stderr=[At("s.yaml", "pd_lead", "hubs[0].initial_llme.pd_lead")]),
    C("schema-group-size-zero", "a Work Group of no schools",
      [V, "s.yaml"], files={"s.yaml": S("phases:\n  primary:\n    stages:\n      development: {group_size: 0}\n")},
      stderr=[At("s.yaml", "group_size", "phases.primary.stages.development.group_size")]),
    C("schema-whole-number-fraction", "a fraction where a whole number is expected",
      [V, "s.yaml"], files={"s.yaml": S("policy: {max_wait_years: 1.5}\n")}, stderr=[At("s.yaml", "max_wait_years", "policy.max_wait_years")]),
    C("schema-scale-negative", "a timeline scale below zero",
      [V, "s.yaml"], files={"s.yaml": S("timeline:\n  - {date: 2015-09-01, scale: {capacity.factor: -2}}\n")},
      stderr=[At("s.yaml", "scale:", "timeline[0].scale.capacity.factor")]),
    C("schema-scale-of-a-choice", "a choice cannot be scaled",
      [V, "s.yaml"], files={"s.yaml": S("timeline:\n  - {date: 2015-09-01, scale: {policy.priority: 2}}\n")},
      stderr=[At("s.yaml", "scale:", "timeline[0].scale.policy.priority")]),
    C("schema-event-changes-whole-run-parameter", "demand.heterogeneity is read once per replication: no event may change it",
      [V, "s.yaml"], files={"s.yaml": S("timeline:\n  - {date: 2015-09-01, set: {demand.heterogeneity: 1}}\n")},
      stderr=[At("s.yaml", "set:", "timeline[0].set.demand.heterogeneity")]),
    C("schema-event-without-changes", "an event that changes nothing",
      [V, "s.yaml"], files={"s.yaml": S("timeline:\n  - {date: 2015-09-01, note: nothing}\n")}, stderr=[At("s.yaml", "date:", "timeline[0].set")]),
    C("schema-pipeline-repeats-stage", "a stage twice in one pipeline",
      [V, "s.yaml"], files={"s.yaml": S("phases:\n  primary: {pipeline: [development, development]}\n")},
      stderr=[At("s.yaml", "pipeline", "phases.primary.pipeline[1]")]),
    C("schema-every-pipeline-empty", "nothing left to simulate",
      [V, "s.yaml"], files={"s.yaml": S("phases:\n  primary: {pipeline: []}\n  secondary: {pipeline: []}\n", schools="schools:\n  generate: {per_hub: {}}\n")},
      stderr=["s.yaml", "phases"]),
    C("schema-generate-phase-without-pipeline", "generated colleges where post16 has no pipeline",
      [V, "s.yaml"], files={"s.yaml": S(schools="schools:\n  generate: {per_hub: {post16: 3}}\n")},
      stderr=[At("s.yaml", "post16", "schools.generate.per_hub.post16")]),
    C("schema-target-phase-without-pipeline", "a target for a phase that is not simulated",
      [V, "s.yaml"], files={"s.yaml": S("targets:\n  - {phase: post16, share: 0.5}\n")},
      stderr=[At("s.yaml", "post16", "targets[0].phase")]),
    C("schema-target-share-nan", "nan as a target's share",
      [V, "s.yaml"], files={"s.yaml": S("targets:\n  - {phase: primary, share: nan}\n")},
      stderr=[At("s.yaml", "share", "targets[0].share")]),
    C("schema-drawn-without-posterior", "parameters: drawn with nothing to draw from",
      [V, "s.yaml"], files={"s.yaml": S("parameters: drawn\n")}, stderr=[At("s.yaml", "parameters", "parameters")]),
    C("schema-missing-start", "start is required",
      [V, "s.yaml"], files={"s.yaml": S(head="end: 2016-08-31\n")}, stderr=["s.yaml", "start"]),
    C("schema-missing-hubs", "hubs are required",
      [V, "s.yaml"], files={"s.yaml": S(hubs="")}, stderr=["s.yaml", "hubs"]),
    C("schema-hubs-empty-list", "hubs: [] leaves nothing to simulate",
      [V, "s.yaml"], files={"s.yaml": S(hubs="hubs: []\n")}, stderr=[At("s.yaml", "hubs: []", "hubs")]),
    C("schema-hubs-count-zero", "hubs: {count: 0}",
      [V, "s.yaml"], files={"s.yaml": S(hubs="hubs: {count: 0}\n")}, stderr=[At("s.yaml", "count", "hubs.count")]),
    C("schema-duplicate-hub-names", "two hubs of one name: the error is at the second",
      [V, "s.yaml"], files={"s.yaml": S(hubs="hubs:\n  - {name: Alpha}\n  - {name: Alpha}\n")},
      stderr=[At("s.yaml", "name: Alpha", "hubs[1].name", nth=2), "Alpha"]),
    C("schema-name-escapes-output-folder", "name: ../escaped would write results/../escaped.h5, outside the output folder",
      ["run", "s.yaml", "-q"], files={"s.yaml": S("name: ../escaped\n"), "results": DIR},
      stderr=[At("s.yaml", "name: ../escaped", "name")]),
    C("schema-name-absolute-path", "an absolute name would write wherever it points",
      ["run", "s.yaml", "-q"], files={"s.yaml": S("name: {tmp}/elsewhere/escaped\n"), "elsewhere": DIR, "results": DIR},
      stderr=[At("s.yaml", "elsewhere/escaped", "name")]),
    C("schema-bad-replications-hidden-by-option", "replications: ten in the file is an error even when --replications is given",
      ["run", "s.yaml", "--replications", "1", "-o", "out.h5", "-q"], files={"s.yaml": S("replications: ten\n")},
      stderr=[At("s.yaml", "replications: ten", "replications")]),
    C("schema-bad-seed-hidden-by-option", "seed: -3 in the file is an error even when --seed is given",
      ["run", "s.yaml", "--seed", "1", "-o", "out.h5", "-q"], files={"s.yaml": S("seed: -3\n")},
      stderr=[At("s.yaml", "seed: -3", "seed")]),
    C("schema-bad-parameters-hidden-by-option", "parameters: sometimes in the file is an error even with --parameters fixed",
      ["run", "s.yaml", "--parameters", "fixed", "-o", "out.h5", "-q"], files={"s.yaml": S("parameters: sometimes\n")},
      stderr=[At("s.yaml", "parameters: sometimes", "parameters")]),

    # ---------------------------------------------------------------- schema: dates
    C("schema-start-impossible-date", "2023-02-30 does not exist",
      [V, "s.yaml"], files={"s.yaml": S(head="start: 2023-02-30\nend: 2025-08-31\n")}, stderr=[At("s.yaml", "start:", "start")]),
    C("schema-end-not-leap-year", "2015-02-29 does not exist",
      [V, "s.yaml"], files={"s.yaml": S(head="start: 2014-09-01\nend: 2015-02-29\n")}, stderr=[At("s.yaml", "end:", "end")]),
    C("schema-hub-opens-month-13", "a hub opening in month 13",
      [V, "s.yaml"], files={"s.yaml": S(hubs="hubs:\n  - {name: Alpha, opens: 2014-13-01}\n")}, stderr=[At("s.yaml", "opens", "hubs[0].opens")]),
    C("schema-event-impossible-date", "an event on 2015-02-30",
      [V, "s.yaml"], files={"s.yaml": S("timeline:\n  - {date: 2015-02-30, set: {capacity.factor: 0.5}}\n")},
      stderr=[At("s.yaml", "2015-02-30", "timeline[0].date")]),
    C("schema-target-impossible-date", "a target due 2016-04-31",
      [V, "s.yaml"], files={"s.yaml": S("targets:\n  - {phase: primary, share: 0.5, by: 2016-04-31}\n")},
      stderr=[At("s.yaml", "2016-04-31", "targets[0].by")]),
    C("schema-start-after-end", "the run would end before it starts",
      [V, "s.yaml"], files={"s.yaml": S(head="start: 2016-09-01\nend: 2014-08-31\n")}, stderr=[At("s.yaml", "end:", "end")]),
    C("schema-start-equals-end", "a run of no days",
      [V, "s.yaml"], files={"s.yaml": S(head="start: 2014-09-01\nend: 2014-09-01\n")}, stderr=[At("s.yaml", "end:", "end")]),
    C("schema-run-of-500-years", "longer than the 200 years a run may take",
      [V, "s.yaml"], files={"s.yaml": S(head="start: 2014-09-01\nend: 2514-08-31\n")}, stderr=[At("s.yaml", "end:", "end")]),
    C("schema-until-before-date", "an event that ends before it begins",
      [V, "s.yaml"], files={"s.yaml": S("timeline:\n  - {date: 2015-09-01, until: 2015-08-31, set: {capacity.factor: 0.5}}\n")},
      stderr=[At("s.yaml", "until", "timeline[0].until")]),
    C("schema-event-after-end", "an event dated after the run never applies: accepted (a horizon shortened in the file or by --set end must still run) but warned of at its line",
      [V, "s.yaml"], files={"s.yaml": S("timeline:\n  - {date: 2030-09-01, set: {capacity.factor: 0.5}}\n")},
      exit=0, stderr=[At("s.yaml", "2030-09-01", level="warning", says=r"timeline\[0\]")]),
    C("schema-event-before-start", "an event that ends before the run starts never applies: accepted, with a warning at its line",
      [V, "s.yaml"], files={"s.yaml": S("timeline:\n  - {date: 2010-09-01, until: 2011-08-31, set: {capacity.factor: 0.5}}\n")},
      exit=0, stderr=[At("s.yaml", "2010-09-01", level="warning", says=r"timeline\[0\]")]),
    C("schema-target-after-end", "a target due after the run can never be judged: accepted, with a warning at its line",
      [V, "s.yaml"], files={"s.yaml": S("targets:\n  - {phase: primary, share: 0.5, by: 2030-08-31}\n")},
      exit=0, stderr=[At("s.yaml", "2030-08-31", level="warning", says=r"targets\[0\]")]),

    # ---------------------------------------------------------------- schema: variants (base:)
    C("schema-base-missing", "base: names a file that does not exist",
      [V, "s.yaml"], files={"s.yaml": "base: nope.yaml\n"}, stderr=[At("s.yaml", "base:", "base", says=missing("nope.yaml"))]),
    C("schema-base-cycle", "two scenarios that are each other's base",
      [V, "s.yaml"], files={"s.yaml": "base: b.yaml\n", "b.yaml": "base: s.yaml\n" + GOOD}, stderr=["base", "cycle"]),
    C("schema-base-self", "a scenario that is its own base",
      [V, "s.yaml"], files={"s.yaml": "base: s.yaml\n" + GOOD}, stderr=[At("s.yaml", "base:", "base")]),
    C("schema-base-is-list", "a list where the base's file name is expected",
      [V, "s.yaml"], files={"s.yaml": "base: [a.yaml, b.yaml]\n"}, stderr=[At("s.yaml", "base:", "base")]),
    C("schema-base-is-folder", "a folder as the base",
      [V, "s.yaml"], files={"s.yaml": "base: b\n", "b": DIR}, stderr=[At("s.yaml", "base:", "base", says="folder|directory")]),
    C("schema-error-in-base", "an error in the base names the base's own file and line",
      [V, "s.yaml"], files={"s.yaml": "base: b.yaml\nseed: 4\n", "b.yaml": S("demand: {peer: 1}\n")},
      stderr=[At("b.yaml", "peer", "demand.peer")]),
    C("schema-variant-breaks-base-target", "a variant that drops a phase the base's target needs: the error names the target where it is written (b.yaml), not that line number in s.yaml",
      [V, "s.yaml"], files={"s.yaml": "base: b.yaml\nphases:\n  secondary: {pipeline: []}\n",
                            "b.yaml": S("targets:\n  - {phase: secondary, share: 0.5}\n", schools="schools:\n  generate: {per_hub: {primary: 6}}\n")},
      stderr=[At("b.yaml", "phase: secondary", "targets[0].phase")]),

    # ---------------------------------------------------------------- data files: schools CSV
    C("data-schools-missing-column", "no disadvantage column",
      [V, "s.yaml"], files=CSV(schools="urn,hub,phase,pupils\n100001,Alpha,primary,200\n"),
      stderr=[At("schools.csv", "urn,hub", "disadvantage")]),
    C("data-schools-bad-number", "pupils: lots",
      [V, "s.yaml"], files=CSV(schools=SCHOOLS_CSV + "100004,Beta,primary,lots,0.2\n"),
      stderr=[At("schools.csv", "lots", "pupils")]),
    C("data-schools-duplicate-urn", "two schools with one URN: the second is an error at its row",
      [V, "s.yaml"], files=CSV(schools=SCHOOLS_CSV + "100002,Alpha,primary,300,0.2\n"),
      stderr=[At("schools.csv", "100002,Alpha", "urn")]),
    C("data-schools-unknown-hub", "a school in a hub the scenario does not have",
      [V, "s.yaml"], files=CSV(schools=SCHOOLS_CSV + "100004,Gamma,primary,300,0.2\n"),
      stderr=[At("schools.csv", "Gamma", "hub")]),
    C("data-schools-header-only", "a school list with no schools: nothing to simulate",
      [V, "s.yaml"], files=CSV(schools="urn,hub,phase,pupils,disadvantage\n"),
      stderr=["schools.csv", re.compile("no schools|at least one school|empty")]),
    C("data-schools-empty-file", "an empty school list",
      [V, "s.yaml"], files=CSV(schools=""), stderr=["schools.csv"]),
    C("data-schools-is-folder", "a folder where the school CSV is expected: named as a folder, at the YAML line that refers to it",
      [V, "s.yaml"], files=CSV() | {"schools.csv": DIR},
      stderr=[At("s.yaml", "schools:", "schools.file", says="folder|directory")]),
    C("data-schools-missing", "a missing school CSV: the message names the YAML file, line and key that refer to it",
      [V, "s.yaml"], files=CSV() | {"schools.csv": None},
      stderr=[At("s.yaml", "schools:", "schools.file", says=missing("schools.csv"))]),
    C("data-schools-disadvantage-nan", "nan as a school's disadvantage",
      [V, "s.yaml"], files=CSV(schools=SCHOOLS_CSV + "100004,Beta,primary,300,nan\n"),
      stderr=[At("schools.csv", "nan", "disadvantage")]),
    C("data-schools-disadvantage-above-one", "a disadvantage share of 1.5",
      [V, "s.yaml"], files=CSV(schools=SCHOOLS_CSV + "100004,Beta,primary,300,1.5\n"),
      stderr=[At("schools.csv", "1.5", "disadvantage")]),
    C("data-schools-short-row", "a row with too few fields",
      [V, "s.yaml"], files=CSV(schools=SCHOOLS_CSV + "100004,Beta,primary\n"),
      stderr=[At("schools.csv", "100004,Beta,primary")]),
    C("data-schools-urn-fraction", "a URN of 1.5",
      [V, "s.yaml"], files=CSV(schools=SCHOOLS_CSV + "1.5,Beta,primary,300,0.2\n"),
      stderr=[At("schools.csv", "1.5,Beta", "urn")]),
    C("data-schools-bad-phase", "a phase that does not exist",
      [V, "s.yaml"], files=CSV(schools=SCHOOLS_CSV + "100004,Beta,nursery,300,0.2\n"),
      stderr=[At("schools.csv", "nursery", "phase")]),
    C("data-schools-sha256-mismatch", "the file is not the one the scenario was made with",
      [V, "s.yaml"], files=CSV() | {"s.yaml": HEAD + "hubs: {file: hubs.csv}\nschools: {file: schools.csv, sha256: " + "0" * 64 + "}\n"},
      stderr=[At("s.yaml", "schools:", "schools.file"), "SHA-256"]),
    C("data-schools-sha256-malformed", "a digest that is not 64 hex digits",
      [V, "s.yaml"], files=CSV() | {"s.yaml": HEAD + "hubs: {file: hubs.csv}\nschools: {file: schools.csv, sha256: xyz}\n"},
      stderr=[At("s.yaml", "sha256", "schools.sha256")]),
    C("data-schools-many-bad-rows", "10,000 bad rows: a bounded list of errors, not 10,000 lines",
      [V, "s.yaml"], files=CSV(schools=SCHOOLS_CSV + "".join(f"{200000 + i},Beta,primary,x,0.2\n" for i in range(10_000))),
      stderr=[At("schools.csv", "200000,Beta", "pupils"), "more errors"]),

    # ---------------------------------------------------------------- data files: hubs CSV
    C("data-hubs-duplicate-row", "a hub listed twice: the error is at the CSV row",
      [V, "s.yaml"], files=CSV(hubs=HUBS_CSV + "Alpha,2015-07-01,North\n"),
      stderr=[At("hubs.csv", "Alpha,2015-07-01", "name")]),
    C("data-hubs-bad-opens", "an opening date that is not a date",
      [V, "s.yaml"], files=CSV(hubs=HUBS_CSV + "Gamma,soon,East\n"), stderr=[At("hubs.csv", "soon", "opens")]),
    C("data-hubs-missing-name-column", "no name column",
      [V, "s.yaml"], files=CSV(hubs="title,opens\nAlpha,2014-07-01\n"), stderr=[At("hubs.csv", "title", "name")]),
    C("data-hubs-empty-name", "a hub without a name",
      [V, "s.yaml"], files=CSV(hubs=HUBS_CSV + ",2014-07-01,East\n"), stderr=[At("hubs.csv", ",2014-07-01,East", "name")]),
    C("data-hubs-header-only", "a hub list with no hubs",
      [V, "s.yaml"], files=CSV(hubs="name,opens,region\n", schools="urn,hub,phase,pupils,disadvantage\n"),
      stderr=["hubs.csv", re.compile("no hubs|at least one hub|empty")]),
    C("data-hubs-missing", "a missing hubs CSV: the message names the YAML file, line and key that refer to it",
      [V, "s.yaml"], files=CSV() | {"hubs.csv": None},
      stderr=[At("s.yaml", "hubs:", "hubs.file", says=missing("hubs.csv"))]),

    # ---------------------------------------------------------------- data files: posterior
    C("data-posterior-missing", "a missing posterior: the message names the YAML file, line and key that refer to it",
      [V, "s.yaml"], files={"s.yaml": S("posterior: {file: post.csv}\n")},
      stderr=[At("s.yaml", "posterior:", "posterior.file", says=missing("post.csv"))]),
    C("data-posterior-bad-weight", "a weight that is not a number",
      [V, "s.yaml"], files=POST("weight,demand.p\nheavy,0.1\n"), stderr=[At("post.csv", "heavy", "weight")]),
    C("data-posterior-negative-weight", "a negative weight",
      [V, "s.yaml"], files=POST("weight,demand.p\n-1,0.1\n1,0.2\n"), stderr=[At("post.csv", "-1,0.1", "weight")]),
    C("data-posterior-zero-weights", "weights that add up to nothing",
      [V, "s.yaml"], files=POST("weight,demand.p\n0,0.1\n0,0.2\n"), stderr=[At("s.yaml", "posterior:", "posterior.file")]),
    C("data-posterior-unknown-column", "a column that is not a parameter",
      [V, "s.yaml"], files=POST("weight,demand.pp\n1,0.1\n"), stderr=[At("post.csv", "weight,demand.pp", "demand.pp")]),
    C("data-posterior-choice-column", "a choice cannot be drawn from a posterior",
      [V, "s.yaml"], files=POST("weight,policy.priority\n1,0\n"), stderr=[At("post.csv", "weight,", "policy.priority")]),
    C("data-posterior-out-of-range", "a drawn probability of 2",
      [V, "s.yaml"], files=POST("weight,policy.new_share\n1,2\n"), stderr=[At("post.csv", "1,2", "policy.new_share")]),
    C("data-posterior-value-nan", "nan as a drawn value",
      [V, "s.yaml"], files=POST("weight,demand.p\n1,nan\n"), stderr=[At("post.csv", "1,nan", "demand.p")]),
    C("data-posterior-duplicate-column", "a parameter's column written twice (which one is drawn?)",
      [V, "s.yaml"], files=POST("weight,demand.p,demand.p\n1,0.1,0.2\n"), stderr=[At("post.csv", "weight,", "demand.p")]),
    C("data-posterior-header-only", "a posterior with no parameter sets",
      [V, "s.yaml"], files=POST("weight,demand.p\n"), stderr=["post.csv"]),
    C("data-posterior-missing-weight", "no weight column",
      [V, "s.yaml"], files=POST("demand.p\n0.1\n"), stderr=[At("post.csv", "demand.p", "weight")]),
    C("data-posterior-not-hdf5", "a text file given as the calibration's HDF5 output",
      [V, "s.yaml"], files={"s.yaml": S("posterior: {file: post.h5}\n"), "post.h5": "weight,demand.p\n1,0.1\n"},
      stderr=[At("s.yaml", "posterior:", "posterior.file")]),
    C("data-posterior-truncated-hdf5", "half an HDF5 file as the posterior",
      [V, "s.yaml"], files={"s.yaml": S("posterior: {file: post.h5}\n")}, setup=truncated("run.h5", "post.h5"),
      stderr=[At("s.yaml", "posterior:", "posterior.file")]),
    C("data-posterior-run-file", "a run's output given as a calibration's",
      [V, "s.yaml"], files={"s.yaml": S("posterior: {file: post.h5}\n")}, setup=copies(("run.h5", "post.h5")),
      stderr=[At("s.yaml", "posterior:", "posterior.file")]),

    # ---------------------------------------------------------------- data files: observations
    C("data-observations-missing-column", "no kind column",
      ["run", "s.yaml", "--observations", "obs.csv", "-o", "out.h5", "-q"],
      files={"s.yaml": GOOD, "obs.csv": "date,measure,phase,scope,value\n2015-08-31,engaged,all,national,5\n"},
      stderr=[At("obs.csv", "date,measure", "kind")]),
    C("data-observations-unknown-measure", "a measure that does not exist, with a suggestion",
      ["run", "s.yaml", "--observations", "obs.csv", "-o", "out.h5", "-q"],
      files={"s.yaml": GOOD, "obs.csv": OBS + "2015-08-31,engagd,all,national,5,exact\n"},
      stderr=[At("obs.csv", "engagd", "measure"), "did you mean 'engaged'"]),
    C("data-observations-outside-run", "an observation dated after the run",
      ["run", "s.yaml", "--observations", "obs.csv", "-o", "out.h5", "-q"],
      files={"s.yaml": GOOD, "obs.csv": OBS + "2019-08-31,engaged,all,national,5,exact\n"},
      stderr=[At("obs.csv", "2019-08-31", "date")]),
    C("data-observations-bad-value", "a negative observed count",
      ["run", "s.yaml", "--observations", "obs.csv", "-o", "out.h5", "-q"],
      files={"s.yaml": GOOD, "obs.csv": OBS + "2015-08-31,engaged,all,national,-5,exact\n"},
      stderr=[At("obs.csv", "-5", "value")]),
    C("data-observations-value-nan", "nan as an observed value",
      ["run", "s.yaml", "--observations", "obs.csv", "-o", "out.h5", "-q"],
      files={"s.yaml": GOOD, "obs.csv": OBS + "2015-08-31,engaged,all,national,nan,exact\n"},
      stderr=[At("obs.csv", "nan", "value")]),
    C("data-observations-unknown-hub", "a hub scope the scenario does not have",
      ["run", "s.yaml", "--observations", "obs.csv", "-o", "out.h5", "-q"],
      files={"s.yaml": GOOD, "obs.csv": OBS + "2015-08-31,engaged,all,hub:Alhpa,5,exact\n"},
      stderr=[At("obs.csv", "Alhpa", "scope"), "did you mean 'Alpha'"]),
    C("data-observations-bad-kind", "a kind that does not exist",
      ["run", "s.yaml", "--observations", "obs.csv", "-o", "out.h5", "-q"],
      files={"s.yaml": GOOD, "obs.csv": OBS + "2015-08-31,engaged,all,national,5,roughly\n"},
      stderr=[At("obs.csv", "roughly", "kind")]),
    C("data-observations-bad-error", "a relative error of zero",
      ["run", "s.yaml", "--observations", "obs.csv", "-o", "out.h5", "-q"],
      files={"s.yaml": GOOD, "obs.csv": "date,measure,phase,scope,value,kind,error\n2015-08-31,engaged,all,national,5,exact,0\n"},
      stderr=[At("obs.csv", "exact,0", "error")]),
    C("data-observations-header-only", "no observations",
      ["run", "s.yaml", "--observations", "obs.csv", "-o", "out.h5", "-q"],
      files={"s.yaml": GOOD, "obs.csv": "date,measure,phase,scope,value,kind\n"}, stderr=["obs.csv", "no observations"]),
    C("data-observations-missing", "an observations file that does not exist",
      ["run", "s.yaml", "--observations", "obs.csv", "-o", "out.h5", "-q"],
      files={"s.yaml": GOOD}, stderr=["obs.csv"]),
    C("data-observations-is-folder", "a folder as the observations file",
      ["run", "s.yaml", "--observations", "obs.csv", "-o", "out.h5", "-q"],
      files={"s.yaml": GOOD, "obs.csv": DIR}, stderr=["obs.csv", "folder"]),
    C("data-calibration-observations-missing", "a calibration whose observations file is missing: named with the calibration's line and key",
      [V, "c.yaml"], files={"s.yaml": GOOD, "c.yaml": CALIBRATION},
      stderr=[At("c.yaml", "observations:", "observations", says=missing("obs.csv"))]),
    C("data-calibration-without-observations", "calibrate a file with no observations key",
      ["calibrate", "c.yaml", "-o", "out.h5", "-q"],
      files={"s.yaml": GOOD, "c.yaml": "scenario: s.yaml\nparameters: {demand.p: {uniform: [0.01, 0.2]}}\n"},
      stderr=["c.yaml", "observations"]),
    C("data-calibration-without-observations-validate", "validate a calibration with no observations key: it says observations are missing",
      [V, "c.yaml"], files={"s.yaml": GOOD, "c.yaml": "scenario: s.yaml\nparameters: {demand.p: {uniform: [0.01, 0.2]}}\n"},
      stderr=["c.yaml", "observations"]),
    C("data-calibration-without-scenario", "calibrate a file with no scenario key",
      ["calibrate", "c.yaml", "-o", "out.h5", "-q"],
      files={"obs.csv": OBS, "c.yaml": "observations: obs.csv\nparameters: {demand.p: {uniform: [0.01, 0.2]}}\n"},
      stderr=["c.yaml", "scenario"]),
    C("data-calibration-without-scenario-validate", "validate a calibration with no scenario key",
      [V, "c.yaml"], files={"obs.csv": OBS, "c.yaml": "observations: obs.csv\nparameters: {demand.p: {uniform: [0.01, 0.2]}}\n"},
      stderr=["c.yaml", "scenario"]),
    C("data-calibration-method-is-scalar", "a number where the method's mapping is expected",
      [V, "c.yaml"], files={"s.yaml": GOOD, "obs.csv": OBS, "c.yaml": CALIBRATION.replace("method: {particles: 10, generations: 1}", "method: 5")},
      stderr=[At("c.yaml", "method: 5", "method")]),
    C("data-calibration-tolerance-is-scalar", "a number where the tolerance's mapping is expected",
      [V, "c.yaml"], files={"s.yaml": GOOD, "obs.csv": OBS, "c.yaml": CALIBRATION + "tolerance: 5\n"},
      stderr=[At("c.yaml", "tolerance: 5", "tolerance")]),
    C("data-calibration-prior-is-scalar", "a number where a prior's {uniform: [low, high]} is expected",
      [V, "c.yaml"], files={"s.yaml": GOOD, "obs.csv": OBS, "c.yaml": CALIBRATION.replace("{uniform: [0.01, 0.2]}", "5")},
      stderr=[At("c.yaml", "demand.p: 5", "parameters.demand.p")]),
    C("data-calibration-scenario-is-list", "a list where the calibration's scenario file is expected",
      [V, "c.yaml"], files={"s.yaml": GOOD, "obs.csv": OBS, "c.yaml": CALIBRATION.replace("scenario: s.yaml", "scenario: [s.yaml]")},
      stderr=[At("c.yaml", "scenario: [", "scenario", says="list")]),
    C("data-calibration-prior-reversed", "a prior with low above high",
      [V, "c.yaml"], files={"s.yaml": GOOD, "obs.csv": OBS, "c.yaml": CALIBRATION.replace("[0.01, 0.2]", "[0.2, 0.01]")},
      stderr=[At("c.yaml", "uniform", "parameters.demand.p.uniform")]),
    C("data-calibration-too-few-particles", "fewer than 10 particles",
      [V, "c.yaml"], files={"s.yaml": GOOD, "obs.csv": OBS, "c.yaml": CALIBRATION.replace("particles: 10", "particles: 5")},
      stderr=[At("c.yaml", "particles", "method.particles")]),
    C("data-calibration-unknown-key", "a misspelt key of the calibration",
      [V, "c.yaml"], files={"s.yaml": GOOD, "obs.csv": OBS, "c.yaml": CALIBRATION + "tolerence: {exact: 0.1}\n"},
      stderr=[At("c.yaml", "tolerence", "tolerence")]),
    C("data-calibration-unknown-method-key", "a misspelt key of method",
      [V, "c.yaml"], files={"s.yaml": GOOD, "obs.csv": OBS, "c.yaml": CALIBRATION.replace("generations: 1", "generation: 1")},
      stderr=[At("c.yaml", "generation:", "method.generation")]),
    C("data-calibration-scenario-missing", "a calibration of a scenario that does not exist: named with the calibration's line and key",
      [V, "c.yaml"], files={"obs.csv": OBS, "c.yaml": CALIBRATION},
      stderr=[At("c.yaml", "scenario:", "scenario", says=missing("s.yaml"))]),

    # ---------------------------------------------------------------- command line: run
    C("cli-run-unknown-option", "an option run does not have",
      ["run", "s.yaml", "--bogus", "-o", "out.h5"], files={"s.yaml": GOOD}, stderr=["--bogus"]),
    C("cli-run-output-without-value", "-o at the end, with no file",
      ["run", "s.yaml", "-o"], files={"s.yaml": GOOD}, stderr=["output"]),
    C("cli-run-threads-without-value", "--threads with no number",
      ["run", "s.yaml", "-o", "out.h5", "--threads"], files={"s.yaml": GOOD}, stderr=["threads"]),
    C("cli-run-threads-not-a-number", "--threads two",
      ["run", "s.yaml", "-o", "out.h5", "--threads", "two"], files={"s.yaml": GOOD}, stderr=["threads"]),
    C("cli-run-threads-negative", "--threads -1",
      ["run", "s.yaml", "-o", "out.h5", "--threads", "-1"], files={"s.yaml": GOOD}, stderr=["--threads"]),
    C("cli-run-threads-65537", "--threads 65537: more threads than any machine hubsim runs on has cores (a typo)",
      ["run", "s.yaml", "-o", "out.h5", "--threads", "65537", "-q"], files={"s.yaml": GOOD}, stderr=["--threads"],
      timeout=BOUND),
    C("cli-run-threads-100000", "--threads 100000",
      ["run", "s.yaml", "-o", "out.h5", "--threads", "100000", "-q"], files={"s.yaml": GOOD}, stderr=["--threads"],
      timeout=BOUND),
    C("cli-run-threads-overflow", "--threads beyond a 32-bit number",
      ["run", "s.yaml", "-o", "out.h5", "--threads", "99999999999"], files={"s.yaml": GOOD}, stderr=["threads"]),
    C("cli-run-threads-zero", "--threads 0 is documented as 'all cores': accepted",
      ["run", "s.yaml", "-o", "out.h5", "--threads", "0", "-q"], files={"s.yaml": GOOD}, exit=0, writes=("out.h5",), old=False),
    C("cli-run-replications-negative", "--replications -1",
      ["run", "s.yaml", "-o", "out.h5", "--replications", "-1"], files={"s.yaml": GOOD}, stderr=["replications", "'-1'"]),
    C("cli-run-replications-zero", "--replications 0",
      ["run", "s.yaml", "-o", "out.h5", "--replications", "0"], files={"s.yaml": GOOD}, stderr=["replications"]),
    C("cli-run-replications-fraction", "--replications 1.5",
      ["run", "s.yaml", "-o", "out.h5", "--replications", "1.5"], files={"s.yaml": GOOD}, stderr=["replications"]),
    C("cli-run-replications-above-max", "--replications 10000001, one above the documented maximum",
      ["run", "s.yaml", "-o", "out.h5", "--replications", "10000001"], files={"s.yaml": GOOD}, stderr=["replications", "10000001"]),
    C("cli-run-replications-at-max", "--replications 10000000 (the documented maximum) would need gigabytes: refused at once naming the bound, not a crash after reserving them",
      ["run", "s.yaml", "-o", "out.h5", "--replications", "10000000", "-q"], files={"s.yaml": GOOD}, stderr=["replications"],
      timeout=BOUND),
    C("cli-run-seed-2-64", "--seed 2^64",
      ["run", "s.yaml", "-o", "out.h5", "--seed", "18446744073709551616"], files={"s.yaml": GOOD}, stderr=["seed"]),
    C("cli-run-seed-text", "--seed lucky",
      ["run", "s.yaml", "-o", "out.h5", "--seed", "lucky"], files={"s.yaml": GOOD}, stderr=["seed", "lucky"]),
    C("cli-run-parameters-bad", "--parameters sometimes",
      ["run", "s.yaml", "-o", "out.h5", "--parameters", "sometimes"], files={"s.yaml": GOOD}, stderr=["parameters", "sometimes"]),
    C("cli-run-output-empty", "-o ''",
      ["run", "s.yaml", "-o", "", "-q"], files={"s.yaml": GOOD}, stderr=["--output"]),
    C("cli-run-output-is-input", "run s.yaml -o s.yaml would overwrite the scenario",
      ["run", "s.yaml", "-o", "s.yaml", "-q"], files={"s.yaml": GOOD}, stderr=["--output", "s.yaml"]),
    C("cli-run-output-is-input-respelt", "-o sub/../s.yaml is the scenario too",
      ["run", "s.yaml", "-o", "sub/../s.yaml", "-q"], files={"s.yaml": GOOD, "sub": DIR}, stderr=["--output"]),
    C("cli-run-output-is-data-file", "-o the school CSV the scenario reads",
      ["run", "s.yaml", "-o", "schools.csv", "-q"], files=CSV(), stderr=["--output", "schools.csv"]),
    C("cli-run-output-is-observations", "-o the observations CSV the run reads",
      ["run", "s.yaml", "--observations", "obs.csv", "-o", "obs.csv", "-q"], files={"s.yaml": GOOD, "obs.csv": OBS},
      stderr=["--output", "obs.csv"]),
    C("cli-run-output-folder-missing", "-o into a folder that does not exist: the folder is made",
      ["run", "s.yaml", "-o", "nowhere/out.h5", "-q"], files={"s.yaml": GOOD}, exit=0, writes=("nowhere",),
      old=False),
    C("cli-run-output-is-folder", "-o an existing folder",
      ["run", "s.yaml", "-o", "out"], files={"s.yaml": GOOD, "out": DIR}, stderr=["--output", "folder"]),
    C("cli-run-output-under-a-file", "-o below a path that is a file",
      ["run", "s.yaml", "-o", "s.yaml/out.h5"], files={"s.yaml": GOOD}, stderr=["--output"]),
    C("cli-run-two-scenarios", "two scenarios where one is expected",
      ["run", "s.yaml", "s.yaml", "-o", "out.h5"], files={"s.yaml": GOOD}, stderr=["s.yaml"]),
    C("cli-run-no-scenario", "run with nothing to run",
      ["run", "-o", "out.h5"], stderr=["scenario"]),
    C("cli-no-arguments", "hubsim alone: the usage, on stderr",
      [], stderr=["Usage"]),
    C("cli-unknown-command", "a misspelt command, with a suggestion",
      ["rnu", "s.yaml"], files={"s.yaml": GOOD}, stderr=["did you mean 'run'"]),

    # ---------------------------------------------------------------- command line: --set
    C("cli-set-unknown-key", "--set demand.pp=1: an unknown key with a suggestion",
      [V, "s.yaml", "--set", "demand.pp=1"], files={"s.yaml": GOOD}, stderr=["command line", "demand.pp", "did you mean 'p'"]),
    C("cli-set-unknown-top-key", "--set bogus=1",
      [V, "s.yaml", "--set", "bogus=1"], files={"s.yaml": GOOD}, stderr=["command line", "bogus"]),
    C("cli-set-bad-value", "--set demand.p=abc",
      [V, "s.yaml", "--set", "demand.p=abc"], files={"s.yaml": GOOD}, stderr=["command line", "demand.p", "abc"]),
    C("cli-set-out-of-range", "--set policy.new_share=2",
      ["run", "s.yaml", "-o", "out.h5", "--set", "policy.new_share=2"], files={"s.yaml": GOOD}, stderr=["command line", "policy.new_share"]),
    C("cli-set-no-equals", "--set demand.p",
      [V, "s.yaml", "--set", "demand.p"], files={"s.yaml": GOOD}, stderr=["key=value"]),
    C("cli-set-list-value", "--set demand.p=[1,2]",
      [V, "s.yaml", "--set", "demand.p=[1,2]"], files={"s.yaml": GOOD}, stderr=["demand.p", "single value"]),
    C("cli-set-without-value", "--set at the end",
      [V, "s.yaml", "--set"], files={"s.yaml": GOOD}, stderr=["set"]),
    C("cli-set-inside-scalar", "--set seed.x=1: seed is not a mapping",
      [V, "s.yaml", "--set", "seed.x=1"], files={"s.yaml": GOOD + "seed: 4\n"}, stderr=["seed.x"]),
    C("cli-set-hub-index-on-file-hubs", "--set hubs[0]... where the hubs come from a CSV: the message points to hubs.overrides",
      [V, "s.yaml", "--set", "hubs[0].capacity_factor=0.5"], files=CSV(), stderr=["hubs[0]", "hubs.overrides"]),
    C("cli-set-timeline-index-out-of-range", "--set timeline[1]... on a scenario with one event",
      [V, "s.yaml", "--set", "timeline[1].set.capacity.factor=0.5"],
      files={"s.yaml": S("timeline:\n  - {date: 2015-09-01, set: {capacity.factor: 0.5}}\n")}, stderr=["timeline[1]"]),
    C("cli-set-variant-timeline-index", "a variant's timeline holds its base's events first: index 2 of 1 + 1 events does not exist",
      [V, "s.yaml", "--set", "timeline[2].set.capacity.factor=0.5"],
      files={"s.yaml": "base: b.yaml\ntimeline:\n  - {date: 2015-10-01, set: {capacity.factor: 0.8}}\n",
             "b.yaml": S("timeline:\n  - {date: 2015-09-01, set: {capacity.factor: 0.5}}\n")},
      stderr=["timeline[2]"]),
    C("cli-set-variant-timeline-bad-value", "--set on a base's event through the variant is checked like the file's own",
      [V, "s.yaml", "--set", "timeline[0].set.capacity.factor=500"],
      files={"s.yaml": "base: b.yaml\n", "b.yaml": S("timeline:\n  - {date: 2015-09-01, set: {capacity.factor: 0.5}}\n")},
      stderr=["command line", "capacity.factor", "500"]),

    # ---------------------------------------------------------------- command line: validate, params
    C("cli-validate-unknown-option", "validate has no --replications",
      [V, "s.yaml", "--replications", "3"], files={"s.yaml": GOOD}, stderr=["replications"]),
    C("cli-validate-no-file", "validate with nothing to check",
      [V], stderr=["scenario"]),
    C("cli-validate-two-files", "two files where one is expected",
      [V, "s.yaml", "s.yaml"], files={"s.yaml": GOOD}, stderr=["s.yaml"]),
    C("cli-params-unknown-option", "params takes only --markdown",
      ["params", "--bogus"], stderr=["--markdown"]),
    C("cli-params-extra-argument", "params --markdown extra: the extra word is an error, not ignored",
      ["params", "--markdown", "extra"], stderr=["extra"]),

    # ---------------------------------------------------------------- command line: sweep
    C("cli-sweep-unknown-option", "an option sweep does not have",
      ["sweep", "sw.yaml", "--bogus", "-o", "out.h5"], files={"s.yaml": GOOD, "sw.yaml": SWEEP()}, stderr=["bogus"]),
    C("cli-sweep-no-file", "sweep with nothing to run",
      ["sweep", "-o", "out.h5"], stderr=["sweep"]),
    C("cli-sweep-shard-out-of-range", "--shard 2/2",
      ["sweep", "sw.yaml", "--shard", "2/2", "-o", "out.h5"], files={"s.yaml": GOOD, "sw.yaml": SWEEP()}, stderr=["--shard", "2/2"]),
    C("cli-sweep-shard-zero", "--shard 0/0",
      ["sweep", "sw.yaml", "--shard", "0/0", "-o", "out.h5"], files={"s.yaml": GOOD, "sw.yaml": SWEEP()}, stderr=["--shard"]),
    C("cli-sweep-shard-garbage", "--shard a/b",
      ["sweep", "sw.yaml", "--shard", "a/b", "-o", "out.h5"], files={"s.yaml": GOOD, "sw.yaml": SWEEP()}, stderr=["--shard"]),
    C("cli-sweep-shard-count-2-32", "--shard 0/4294967296 does not fit the shard count",
      ["sweep", "sw.yaml", "--shard", "0/4294967296", "-o", "out.h5", "-q"], files={"s.yaml": GOOD, "sw.yaml": SWEEP()},
      stderr=["--shard"]),
    C("cli-sweep-shard-count-wraps", "--shard 1/4294967297 wraps to 1/1, an impossible shard",
      ["sweep", "sw.yaml", "--shard", "1/4294967297", "-o", "out.h5", "-q"], files={"s.yaml": GOOD, "sw.yaml": SWEEP()},
      stderr=["--shard"]),
    C("cli-sweep-threads-negative", "--threads -1",
      ["sweep", "sw.yaml", "--threads", "-1", "-o", "out.h5", "-q"], files={"s.yaml": GOOD, "sw.yaml": SWEEP()},
      stderr=["--threads"]),
    C("cli-sweep-parameters-bad", "--parameters sometimes",
      ["sweep", "sw.yaml", "--parameters", "sometimes", "-o", "out.h5"], files={"s.yaml": GOOD, "sw.yaml": SWEEP()},
      stderr=["parameters", "sometimes"]),
    C("cli-sweep-output-is-input", "sweep sw.yaml -o sw.yaml would overwrite the sweep file",
      ["sweep", "sw.yaml", "-o", "sw.yaml", "-q"], files={"s.yaml": GOOD, "sw.yaml": SWEEP()}, stderr=["--output", "sw.yaml"]),
    C("cli-sweep-output-is-base", "-o the base scenario the sweep reads",
      ["sweep", "sw.yaml", "-o", "s.yaml", "-q"], files={"s.yaml": GOOD, "sw.yaml": SWEEP()}, stderr=["--output", "s.yaml"]),
    C("cli-sweep-output-empty", "-o ''",
      ["sweep", "sw.yaml", "-o", "", "-q"], files={"s.yaml": GOOD, "sw.yaml": SWEEP()}, stderr=["--output"]),
    C("cli-sweep-output-folder-missing", "-o into a folder that does not exist: the folder is made",
      ["sweep", "sw.yaml", "-o", "nowhere/out.h5", "-q"], files={"s.yaml": GOOD, "sw.yaml": SWEEP()}, exit=0,
      writes=("nowhere",), old=False),

    # ---------------------------------------------------------------- command line: merge
    C("cli-merge-no-arguments", "merge with nothing to merge",
      ["merge"], stderr=["merge"]),
    C("cli-merge-no-output", "merge without -o",
      ["merge", "a0.h5"], setup=copies("a0.h5"), stderr=["-o"]),
    C("cli-merge-unknown-option", "an option merge does not have",
      ["merge", "a0.h5", "a1.h5", "--bogus", "-o", "out.h5"], setup=copies("a0.h5", "a1.h5"), stderr=["bogus"]),
    C("cli-merge-output-is-shard", "merge -o one of its own shards",
      ["merge", "a0.h5", "a1.h5", "-o", "a0.h5"], setup=copies("a0.h5", "a1.h5"), stderr=["a0.h5"]),
    C("cli-merge-output-empty", "merge -o ''",
      ["merge", "a0.h5", "a1.h5", "-o", ""], setup=copies("a0.h5", "a1.h5"), stderr=["-o"]),

    # ---------------------------------------------------------------- command line: calibrate
    C("cli-calibrate-unknown-option", "an option calibrate does not have",
      ["calibrate", "c.yaml", "--bogus", "-o", "out.h5"], files={"s.yaml": GOOD, "obs.csv": OBS, "c.yaml": CALIBRATION}, stderr=["bogus"]),
    C("cli-calibrate-no-file", "calibrate with nothing to fit",
      ["calibrate", "-o", "out.h5"], stderr=["scenario"]),
    C("cli-calibrate-missing-file", "a calibration file that does not exist",
      ["calibrate", "c.yaml", "-o", "out.h5"], stderr=["c.yaml"]),
    C("cli-calibrate-output-is-input", "calibrate c.yaml -o c.yaml would overwrite the calibration",
      ["calibrate", "c.yaml", "-o", "c.yaml", "-q"], files={"s.yaml": GOOD, "obs.csv": OBS, "c.yaml": CALIBRATION},
      stderr=["--output", "c.yaml"]),
    C("cli-calibrate-fitted-is-input", "--fitted c.yaml would overwrite the calibration",
      ["calibrate", "c.yaml", "-o", "out.h5", "--fitted", "c.yaml", "-q"], files={"s.yaml": GOOD, "obs.csv": OBS, "c.yaml": CALIBRATION},
      stderr=["--fitted", "c.yaml"]),
    C("cli-calibrate-posterior-is-observations", "--posterior obs.csv would overwrite the observations",
      ["calibrate", "c.yaml", "-o", "out.h5", "--posterior", "obs.csv", "-q"], files={"s.yaml": GOOD, "obs.csv": OBS, "c.yaml": CALIBRATION},
      stderr=["--posterior", "obs.csv"]),
    C("cli-calibrate-fitted-folder-missing", "--fitted into a folder that does not exist: the folder is made",
      ["calibrate", "c.yaml", "-o", "out.h5", "--fitted", "nowhere/fit.yaml", "-q"], files={"s.yaml": GOOD, "obs.csv": OBS, "c.yaml": CALIBRATION},
      exit=0, writes=("out.h5", "nowhere")),
    C("cli-calibrate-threads-negative", "--threads -1",
      ["calibrate", "c.yaml", "-o", "out.h5", "--threads", "-1", "-q"], files={"s.yaml": GOOD, "obs.csv": OBS, "c.yaml": CALIBRATION},
      stderr=["--threads"]),
    C("cli-calibrate-output-folder-missing", "-o into a folder that does not exist: the folder is made",
      ["calibrate", "c.yaml", "-o", "nowhere/out.h5", "-q"], files={"s.yaml": GOOD, "obs.csv": OBS, "c.yaml": CALIBRATION},
      exit=0, writes=("nowhere",), old=False),

    # ---------------------------------------------------------------- command line: generate
    C("cli-generate-no-schools", "generate without --schools",
      ["generate", "s.yaml", "-o", "big.yaml"], files={"s.yaml": GOOD}, stderr=["--schools"]),
    C("cli-generate-schools-zero", "--schools 0",
      ["generate", "s.yaml", "--schools", "0", "-o", "big.yaml"], files={"s.yaml": GOOD}, stderr=["--schools"]),
    C("cli-generate-schools-text", "--schools many",
      ["generate", "s.yaml", "--schools", "many", "-o", "big.yaml"], files={"s.yaml": GOOD}, stderr=["--schools", "many"]),
    C("cli-generate-schools-above-max", "--schools 1e20",
      ["generate", "s.yaml", "--schools", "1e20", "-o", "big.yaml"], files={"s.yaml": GOOD}, stderr=["--schools"]),
    C("cli-generate-too-many-hubs", "--schools 10^8 at 500 a hub would need 200,000 hubs",
      ["generate", "s.yaml", "--schools", "100000000", "--schools-per-hub", "500", "-o", "big.yaml"],
      files={"s.yaml": GOOD}, stderr=["--schools", "65535"]),
    C("cli-generate-above-max-schools", "--schools 10^9 is above the documented bound of 10^8 schools",
      ["generate", "s.yaml", "--schools", "1000000000", "-o", "big.yaml"], files={"s.yaml": GOOD},
      stderr=["--schools", "100000000"]),
    C("cli-generate-per-hub-zero", "--schools-per-hub 0",
      ["generate", "s.yaml", "--schools", "100", "--schools-per-hub", "0", "-o", "big.yaml"], files={"s.yaml": GOOD},
      stderr=["--schools-per-hub"]),
    C("cli-generate-output-is-input", "generate s.yaml -o s.yaml would overwrite the template",
      ["generate", "s.yaml", "--schools", "100", "-o", "s.yaml"], files={"s.yaml": GOOD}, stderr=["--output", "s.yaml"]),
    C("cli-generate-output-empty", "generate -o ''",
      ["generate", "s.yaml", "--schools", "100", "-o", ""], files={"s.yaml": GOOD}, stderr=["--output"]),
    C("cli-generate-bad-set", "generate checks --set like run",
      ["generate", "s.yaml", "--schools", "100", "--set", "demand.p=-1", "-o", "big.yaml"], files={"s.yaml": GOOD},
      stderr=["command line", "demand.p"]),

    # ---------------------------------------------------------------- command line: report
    C("cli-report-no-arguments", "report with nothing to report",
      ["report"], stderr=["usage"]),
    C("cli-report-no-output", "report without -o",
      ["report", "run.h5"], setup=copies("run.h5"), stderr=["-o"]),
    C("cli-report-unknown-option", "an option report does not have",
      ["report", "run.h5", "-o", "rep", "--bogus"], setup=copies("run.h5"), stderr=["--bogus"]),
    C("cli-report-output-is-input", "report run.h5 -o run.h5 would overwrite the run",
      ["report", "run.h5", "-o", "run.h5"], setup=copies("run.h5"), stderr=["run.h5"]),
    C("cli-report-output-empty", "-o '' is not the current folder",
      ["report", "run.h5", "-o", ""], setup=copies("run.h5"), stderr=[re.compile("output|-o")]),
    C("cli-report-ambition-nan", "--llme-ambition nan",
      ["report", "run.h5", "-o", "rep", "--llme-ambition", "nan"], setup=copies("run.h5"), stderr=["--llme-ambition"]),
    C("cli-report-missing-input", "a run file that does not exist",
      ["report", "nope.h5", "-o", "rep"], stderr=["nope.h5"]),
    C("cli-report-input-is-folder", "a folder as the run file",
      ["report", "run.h5", "-o", "rep"], files={"run.h5": DIR}, stderr=["run.h5"]),

    # ---------------------------------------------------------------- sweep files
    C("sweep-unknown-parameter", "a parameter that does not exist, with a suggestion",
      [V, "sw.yaml"], files={"s.yaml": GOOD, "sw.yaml": SWEEP("  demand.pp: {values: [1, 2]}\n")},
      stderr=[At("sw.yaml", "demand.pp", "parameters.demand.pp")]),
    C("sweep-empty-values", "values: [] sweeps nothing",
      [V, "sw.yaml"], files={"s.yaml": GOOD, "sw.yaml": SWEEP("  demand.p: {values: []}\n")},
      stderr=[At("sw.yaml", "values: []", "parameters.demand.p.values")]),
    C("sweep-range-reversed", "a range from high to low",
      [V, "sw.yaml"], files={"s.yaml": GOOD, "sw.yaml": SWEEP("  demand.p: {range: [0.2, 0.1], steps: 3}\n")},
      stderr=[At("sw.yaml", "range", "parameters.demand.p.range")]),
    C("sweep-steps-zero", "a grid range of no steps",
      [V, "sw.yaml"], files={"s.yaml": GOOD, "sw.yaml": SWEEP("  demand.p: {range: [0.1, 0.2], steps: 0}\n")},
      stderr=[At("sw.yaml", "steps", "parameters.demand.p.steps")]),
    C("sweep-value-out-of-range", "a swept probability of 2",
      [V, "sw.yaml"], files={"s.yaml": GOOD, "sw.yaml": SWEEP("  policy.new_share: {values: [0.5, 2]}\n")},
      stderr=[At("sw.yaml", "new_share", "parameters.policy.new_share.values[1]")]),
    C("sweep-value-nan", "nan as a swept value",
      [V, "sw.yaml"], files={"s.yaml": GOOD, "sw.yaml": SWEEP("  demand.p: {values: [0.1, nan]}\n")},
      stderr=[At("sw.yaml", "nan", "parameters.demand.p.values[1]")]),
    C("sweep-duplicate-parameter", "one parameter swept twice",
      [V, "sw.yaml"], files={"s.yaml": GOOD, "sw.yaml": SWEEP("  demand.p: {values: [0.05, 0.1]}\n  demand.p: {values: [0.2]}\n")},
      stderr=[At("sw.yaml", "demand.p: {values: [0.2]}", "parameters.demand.p")]),
    C("sweep-scenario-missing", "a sweep of a scenario that does not exist: named with the sweep's line and key",
      [V, "sw.yaml"], files={"sw.yaml": SWEEP(scenario="nope.yaml")},
      stderr=[At("sw.yaml", "scenario:", "scenario", says=missing("nope.yaml"))]),
    C("sweep-scenario-error", "an error in the base scenario names the scenario's file and line",
      [V, "sw.yaml"], files={"s.yaml": S("demand: {peer: 1}\n"), "sw.yaml": SWEEP()},
      stderr=[At("s.yaml", "peer", "demand.peer")]),
    C("sweep-without-parameters", "sweep a file with no parameters key",
      ["sweep", "sw.yaml", "-o", "out.h5", "-q"], files={"s.yaml": GOOD, "sw.yaml": "scenario: s.yaml\n"},
      stderr=["sw.yaml", "parameters"]),
    C("sweep-without-parameters-validate", "validate a sweep with no parameters key: it says the parameters are missing",
      [V, "sw.yaml"], files={"s.yaml": GOOD, "sw.yaml": "scenario: s.yaml\n"},
      stderr=[re.compile(r"sw\.yaml(:\d+:\d+)?: error: parameters")]),
    C("sweep-without-scenario", "sweep a file with no scenario key",
      ["sweep", "sw.yaml", "-o", "out.h5", "-q"], files={"sw.yaml": "parameters: {demand.p: {values: [0.1]}}\n"},
      stderr=["sw.yaml", "scenario"]),
    C("sweep-without-scenario-validate", "validate a sweep with no scenario key: it says the scenario is missing",
      [V, "sw.yaml"], files={"sw.yaml": "parameters: {demand.p: {values: [0.1]}}\n"},
      stderr=[re.compile(r"sw\.yaml(:\d+:\d+)?: error: scenario")]),
    C("sweep-unknown-top-key", "a misspelt key of the sweep",
      [V, "sw.yaml"], files={"s.yaml": GOOD, "sw.yaml": SWEEP(extra="kepe: summaries\n")}, stderr=[At("sw.yaml", "kepe", "kepe")]),
    C("sweep-unknown-design-key", "a misspelt key of design",
      [V, "sw.yaml"], files={"s.yaml": GOOD, "sw.yaml": SWEEP(design="{kind: sobol, point: 10}")},
      stderr=[At("sw.yaml", "design", "design.point")]),
    C("sweep-unknown-spec-key", "a misspelt key of a parameter's spec",
      [V, "sw.yaml"], files={"s.yaml": GOOD, "sw.yaml": SWEEP("  demand.p: {valeus: [0.1]}\n")},
      stderr=[At("sw.yaml", "valeus", "parameters.demand.p.valeus")]),
    C("sweep-choice-with-range", "a choice over a range",
      [V, "sw.yaml"], files={"s.yaml": GOOD, "sw.yaml": SWEEP("  policy.priority: {range: [0, 2], steps: 3}\n")},
      stderr=[At("sw.yaml", "policy.priority", "parameters.policy.priority.range")]),
    C("sweep-grid-with-uniform", "a grid cannot sample uniformly",
      [V, "sw.yaml"], files={"s.yaml": GOOD, "sw.yaml": SWEEP("  demand.p: {uniform: [0.1, 0.2]}\n")},
      stderr=[At("sw.yaml", "uniform", "parameters.demand.p.uniform")]),
    C("sweep-replications-above-max", "more than 10^6 replications a point",
      [V, "sw.yaml"], files={"s.yaml": GOOD, "sw.yaml": SWEEP().replace("replications: 1", "replications: 2000000")},
      stderr=[At("sw.yaml", "replications", "replications")]),
    C("sweep-keep-bad", "keep: everything",
      [V, "sw.yaml"], files={"s.yaml": GOOD, "sw.yaml": SWEEP(extra="keep: everything\n")}, stderr=[At("sw.yaml", "keep", "keep")]),
    C("sweep-sobol-17-parameters", "a Sobol design takes at most 16 parameters",
      [V, "sw.yaml"], files={"s.yaml": GOOD, "sw.yaml": SWEEP("".join(f"  phases.primary.stages.{s}.{p}: {{uniform: [0.1, 0.9]}}\n"
                                                                     for s in ["readiness", "development", "embedding", "sustaining"]
                                                                     for p in ["complete", "advance", "repeat", "lapse"]) +
                                                                  "  demand.p: {uniform: [0.1, 0.2]}\n", design="{kind: sobol, points: 8}")},
      stderr=[At("sw.yaml", "readiness.complete", "parameters")]),
    C("sweep-sobol-points-above-max", "10^9 sampled points, above the documented 10^8",
      [V, "sw.yaml"], files={"s.yaml": GOOD, "sw.yaml": SWEEP("  demand.p: {uniform: [0.1, 0.2]}\n", design="{kind: sobol, points: 1000000000}")},
      stderr=[At("sw.yaml", "design", "design.points")]),
    C("sweep-values-alias-bomb", "billion laughs as a parameter's values",
      [V, "sw.yaml"], files={"s.yaml": GOOD, "sw.yaml": "x-bomb:\n" + "".join("  " + l + "\n" for l in alias_bomb().splitlines())
                             + SWEEP(f"  demand.p: {{values: *l{BOMB}}}\n")},
      stderr=[re.compile(r"sw\.yaml:\d+:\d+: error: (parameters\.demand\.p\.values|x-bomb)")]),
    C("sweep-name-escapes-output-folder", "name: ../escaped would write results/../escaped.h5",
      ["sweep", "sw.yaml", "-q"], files={"s.yaml": GOOD, "sw.yaml": SWEEP(name="../escaped"), "results": DIR},
      stderr=[At("sw.yaml", "name:", "name")]),
    C("sweep-is-its-own-scenario", "a sweep whose scenario is the sweep file itself",
      [V, "sw.yaml"], files={"sw.yaml": SWEEP(scenario="sw.yaml")}, stderr=["sw.yaml"]),

    # ---------------------------------------------------------------- HDF5 given to merge, report, --resume
    C("h5-merge-truncated-shard", "half a shard",
      ["merge", "a0.h5", "a1.h5", "-o", "out.h5"], setup=both(truncated("a0.h5", "a0.h5"), copies("a1.h5")),
      stderr=["a0.h5"]),
    C("h5-merge-corrupt-superblock", "a shard whose superblock and root group are garbage",
      ["merge", "a0.h5", "a1.h5", "-o", "out.h5"],
      setup=both(corrupted("a0.h5", "a0.h5", "superblock"), copies("a1.h5")), stderr=["a0.h5"]),
    C("h5-merge-corrupt-chunk", "a shard whose summary/engaged data are garbage",
      ["merge", "a0.h5", "a1.h5", "-o", "out.h5"],
      setup=both(corrupted("a0.h5", "a0.h5", ("chunk", "summary/engaged")), copies("a1.h5")), stderr=["a0.h5"]),
    C("h5-merge-corrupt-header", "a shard whose summary/cost object header is garbage",
      ["merge", "a0.h5", "a1.h5", "-o", "out.h5"],
      setup=both(corrupted("a0.h5", "a0.h5", ("header", "summary/cost")), copies("a1.h5")), stderr=["a0.h5"]),
    C("h5-merge-corrupt-heaps", "a shard whose groups' link-name heaps are damaged",
      ["merge", "a0.h5", "a1.h5", "-o", "out.h5"],
      setup=both(corrupted("a0.h5", "a0.h5", "heaps"), copies("a1.h5")), stderr=["a0.h5"]),
    C("h5-merge-not-hdf5", "a text file named like a shard",
      ["merge", "a0.h5", "a1.h5", "-o", "out.h5"], files={"a0.h5": "not HDF5\n"}, setup=copies("a1.h5"), stderr=["a0.h5"]),
    C("h5-merge-empty-file", "an empty file named like a shard",
      ["merge", "a0.h5", "a1.h5", "-o", "out.h5"], files={"a0.h5": ""}, setup=copies("a1.h5"), stderr=["a0.h5"]),
    C("h5-merge-missing-file", "a shard that does not exist",
      ["merge", "a0.h5", "a1.h5", "-o", "out.h5"], setup=copies("a1.h5"), stderr=["a0.h5"]),
    C("h5-merge-folder", "a folder given as a shard",
      ["merge", "a0.h5", "a1.h5", "-o", "out.h5"], files={"a0.h5": DIR}, setup=copies("a1.h5"), stderr=["a0.h5"]),
    C("h5-merge-different-sweeps", "shards of two different sweeps",
      ["merge", "a0.h5", "b1.h5", "-o", "out.h5"], setup=copies("a0.h5", ("b0.h5", "b1.h5")), stderr=["b1.h5", "different sweep"]),
    C("h5-merge-same-shard-twice", "one shard given twice",
      ["merge", "a0.h5", "a0.h5", "-o", "out.h5"], setup=copies("a0.h5"), stderr=["a0.h5", "twice"]),
    C("h5-merge-shard-missing", "one shard of two",
      ["merge", "a0.h5", "-o", "out.h5"], setup=copies("a0.h5"), stderr=["missing"]),
    C("h5-merge-run-file", "a run's output given as a shard",
      ["merge", "run.h5", "-o", "out.h5"], setup=copies("run.h5"), stderr=["run.h5", "not a hubsim sweep file"]),
    C("h5-merge-claims-4e9-points", "a shard whose total_points says 4*10^9: refused, not a crash reserving 96 GB",
      ["merge", "a0.h5", "a1.h5", "-o", "out.h5"], setup=copies("a0.h5", "a1.h5", then=claim_points), stderr=["a0.h5"]),
    C("h5-merge-short-dataset", "a shard whose summary/cost holds one number: refused, naming the shard and dataset",
      ["merge", "a0.h5", "a1.h5", "-o", "out.h5"], setup=copies("a0.h5", "a1.h5", then=shorten_cost),
      stderr=["a0.h5", "cost"]),
    C("h5-report-truncated", "half a run file: the message names the run file",
      ["report", "run.h5", "-o", "rep"], setup=truncated("run.h5", "run.h5"), stderr=["run.h5"]),
    C("h5-report-corrupt-superblock", "a run file whose superblock and root group are garbage",
      ["report", "run.h5", "-o", "rep"], setup=corrupted("run.h5", "run.h5", "superblock"), stderr=["run.h5"]),
    C("h5-report-corrupt-chunk", "a run file whose trajectories/engaged data are garbage",
      ["report", "run.h5", "-o", "rep"], setup=corrupted("run.h5", "run.h5", ("chunk", "trajectories/engaged")),
      stderr=["run.h5"]),
    C("h5-report-corrupt-header", "a run file whose trajectories/engaged object header is garbage",
      ["report", "run.h5", "-o", "rep"], setup=corrupted("run.h5", "run.h5", ("header", "trajectories/engaged")),
      stderr=["run.h5"]),
    C("h5-report-corrupt-heaps", "a run file whose groups' link-name heaps are damaged",
      ["report", "run.h5", "-o", "rep"], setup=corrupted("run.h5", "run.h5", "heaps"), stderr=["run.h5"]),
    C("h5-report-not-hdf5", "a text file named like a run",
      ["report", "run.h5", "-o", "rep"], files={"run.h5": "not HDF5\n"}, stderr=["run.h5"]),
    C("h5-report-sweep-file", "a sweep's output given beside a run (a sweep is reported alone)",
      ["report", "run.h5", "a0.h5", "-o", "rep"], setup=copies("run.h5", "a0.h5"), stderr=["a0.h5"]),
    C("h5-resume-journal-is-a-file", "--resume where OUT.h5.journal is a file, not the journal folder",
      ["sweep", "sw.yaml", "-o", "out.h5", "--resume", "-q"],
      files={"s.yaml": GOOD, "sw.yaml": SWEEP(), "out.h5.journal": "not a journal\n"}, stderr=["out.h5.journal"]),
    C("h5-resume-damaged-entries", "--resume over truncated journal entries redoes them (documented): the output equals an uninterrupted run",
      ["sweep", "sw.yaml", "-o", "out.h5", "--resume", "-q"], files={"s.yaml": GOOD, "sw.yaml": SWEEP()},
      setup=hubsim_setup(("sweep", "sw.yaml", "-o", "fresh.h5", "-q"), ("sweep", "sw.yaml", "-o", "out.h5", "-q"),
                         then=damage_journal("truncate")),
      exit=0, writes=("out.h5", "out.h5.journal"), check=same_as_fresh, old=False),
    C("h5-resume-other-sweeps-journal", "--resume over another sweep's journal runs every point again: the output equals an uninterrupted run",
      ["sweep", "sw.yaml", "-o", "out.h5", "--resume", "-q"],
      files={"s.yaml": GOOD, "sw.yaml": SWEEP(), "other.yaml": SWEEP("  demand.q: {values: [0.2, 0.3]}\n", name="other")},
      setup=hubsim_setup(("sweep", "sw.yaml", "-o", "fresh.h5", "-q"), ("sweep", "other.yaml", "-o", "out.h5", "-q")),
      exit=0, writes=("out.h5", "out.h5.journal"), check=same_as_fresh, old=False),
    C("h5-resume-entries-of-wrong-size", "--resume over entries whose fingerprint matches but whose arrays are the wrong size: redone as damaged, the output equals an uninterrupted run",
      ["sweep", "sw.yaml", "-o", "out.h5", "--resume", "-q"], files={"s.yaml": GOOD, "sw.yaml": SWEEP()},
      setup=hubsim_setup(("sweep", "sw.yaml", "-o", "fresh.h5", "-q"), ("sweep", "sw.yaml", "-o", "out.h5", "-q"),
                         then=damage_journal("shrink")),
      exit=0, writes=("out.h5", "out.h5.journal"), check=same_as_fresh, old=False),

    # ---------------------------------------------------------------- memory and time bounds
    C("bounds-65535-hubs-of-1e8-schools", "65,535 hubs x 10^8 generated schools (each inside its documented range): refused at once naming the bound, not a crash",
      [V, "s.yaml"], files={"s.yaml": HEAD + "hubs: {count: 65535}\nschools:\n  generate: {per_hub: {primary: 100000000}}\n"},
      stderr=["s.yaml", "schools"], timeout=BOUND),
    C("bounds-sweep-grid-1e9-points-validate", "a grid of 10^9 points: refused or bounded even under validate",
      [V, "sw.yaml"], files={"s.yaml": GOOD, "sw.yaml": SWEEP("  demand.p: {range: [0.01, 0.2], steps: 1000000000}\n")},
      stderr=["sw.yaml", "points"], timeout=BOUND),
    C("bounds-sweep-grid-1e9-points-product", "3 parameters of 1,000 steps: 10^9 points from a product of small numbers",
      ["sweep", "sw.yaml", "-o", "out.h5", "-q"],
      files={"s.yaml": GOOD, "sw.yaml": SWEEP("".join(f"  {k}: {{range: [0.01, 0.2], steps: 1000}}\n" for k in ["demand.p", "demand.q", "demand.rejoin"]))},
      stderr=["sw.yaml", "points"], timeout=BOUND),
    C("bounds-sweep-sobol-at-max-validate", "a Sobol design of 10^8 points (the documented maximum): validate answers in bounded time and memory (a count, or a refusal naming the bound)",
      [V, "sw.yaml"], files={"s.yaml": GOOD, "sw.yaml": SWEEP("  demand.p: {uniform: [0.01, 0.2]}\n", design="{kind: sobol, points: 100000000}")},
      exit=(0, 2), timeout=BOUND),
    C("bounds-results-too-large", "65,535 hubs over 200 years sampled termly: the results would not fit; refused at once naming the bound",
      ["run", "s.yaml", "-o", "out.h5", "-q"],
      files={"s.yaml": "start: 2000-09-01\nend: 2199-08-31\noutput: {sample: termly}\nhubs: {count: 65535}\nschools:\n  generate: {per_hub: {primary: 1}}\n"},
      stderr=["s.yaml"], timeout=BOUND),
]


# ------------------------------------------------------------------------------ running

FORBIDDEN = ["Traceback", "internal error", "terminate called", "Sanitizer", "runtime error:",
             "Segmentation fault", "core dumped", "HDF5-DIAG", "std::bad_alloc", "Aborted"]


def _limits():
    if not SANITIZER:  # ASan reserves terabytes of address space up front
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 30, 1 << 30))


def _environment():
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("OMPI_", "PMI_", "PMIX_", "HUBSIM_REPORT"))}
    env["LC_ALL"] = "C.UTF-8"
    return env


def snapshot(root: Path) -> dict:
    """Every path under root (links not followed): its kind and, for a file, its digest."""
    state = {}
    for folder, dirs, files in os.walk(root, followlinks=False):
        for name in dirs + files:
            p = Path(folder, name)
            rel = p.relative_to(root).as_posix()
            st = os.lstat(p)
            if stat.S_ISLNK(st.st_mode):
                state[rel] = ("link", os.readlink(p))
            elif stat.S_ISDIR(st.st_mode):
                state[rel] = ("folder",)
            elif stat.S_ISREG(st.st_mode):
                h = hashlib.sha256()
                with open(p, "rb") as f:
                    for block in iter(lambda: f.read(1 << 20), b""):
                        h.update(block)
                state[rel] = ("file", st.st_size, h.hexdigest())
            else:
                state[rel] = ("other",)
    return state


def _fill(value, tmp):
    return value.replace("{tmp}", str(tmp)) if isinstance(value, str) else value


def prepare(case: Case, tmp: Path, data_factory) -> None:
    for name, content in case.files.items():
        p = tmp / name
        if content is None:
            continue
        p.parent.mkdir(parents=True, exist_ok=True)
        if content is DIR:
            p.mkdir(exist_ok=True)
        elif isinstance(content, Link):
            p.symlink_to(content.target)
        elif callable(content):
            p.write_bytes(content())
        elif isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_bytes(_fill(content, tmp).encode())
    if case.setup:
        case.setup(tmp, data_factory())
    if case.old:
        place_older_output(case, tmp)


def place_older_output(case: Case, tmp: Path) -> None:
    """An older output at each target path (-o, --fitted, --posterior) that is not an input:
    a failed command must leave it byte for byte."""
    args = list(case.args)
    for i, a in enumerate(args[:-1]):
        if a not in ("-o", "--output", "--fitted", "--posterior"):
            continue
        target = args[i + 1]
        p = tmp / target
        if not target or os.path.lexists(p) or not p.parent.is_dir() or target.startswith("-"):
            continue
        if args and args[0] == "report":
            p.mkdir()
            (p / "index.html").write_bytes(OLD)
        else:
            p.write_bytes(OLD)


def run(args, cwd, timeout):
    proc = subprocess.Popen([str(HUBSIM), *args], cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                            preexec_fn=_limits, start_new_session=True, env=_environment())
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        return None, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")
    return proc.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


def check_case(case: Case, tmp: Path, rc, out: str, err: str, before: dict, after: dict):
    """Every problem with what the command did, as a list of sentences (empty: all well)."""
    problems = []
    expected = case.exit if isinstance(case.exit, tuple) else (case.exit,)
    if rc is None:
        problems.append(f"no answer within {case.timeout} s (killed)")
    elif rc < 0:
        problems.append(f"killed by signal {signal.Signals(-rc).name}")
    elif rc not in expected:
        problems.append(f"exit status {rc}, expected {' or '.join(map(str, expected))}")
    for word in FORBIDDEN:
        if word in err:
            problems.append(f"stderr holds {word!r}")
    if len(err) > MAX_STDERR:
        problems.append(f"stderr holds {len(err)} characters (at most {MAX_STDERR})")
    failed = rc is not None and rc != 0
    if failed and out.strip():
        problems.append(f"stdout is not empty on failure: {out[:200]!r}")
    if failed and not err.strip():
        problems.append("no message on stderr")
    if rc in expected and (rc != 0 or case.stderr):
        for frag in case.stderr:
            if isinstance(frag, At):
                if not frag.pattern(tmp).search(err):
                    problems.append(f"stderr lacks {frag}")
            elif isinstance(frag, re.Pattern):
                if not frag.search(err):
                    problems.append(f"stderr lacks /{frag.pattern}/")
            elif _fill(frag, tmp) not in err:
                problems.append(f"stderr lacks {frag!r}")

    def allowed(path):
        return any(path == w or path.startswith(w + "/") for w in case.writes)

    for path in sorted(set(before) | set(after)):
        if allowed(path):
            continue
        if path not in before:
            problems.append(f"new file left: {path}")
        elif path not in after:
            problems.append(f"removed: {path}")
        elif before[path] != after[path]:
            problems.append(f"changed: {path}")
    for path in sorted(set(after) - set(before)):
        if ".tmp" in Path(path).name and allowed(path):
            problems.append(f"temporary left: {path}")
    if case.check and rc == 0 and not problems:
        try:
            case.check(tmp)
        except AssertionError as e:
            problems.append(f"output is wrong: {e}")
    return problems


def _param(case: Case):
    marks = []
    if case.defect:
        marks.append(pytest.mark.xfail(strict=True, reason=f"defect: {case.defect}"))
    return pytest.param(case, id=case.id, marks=marks)


@pytest.fixture(scope="session")
def data_factory(tmp_path_factory):
    made = []

    def get():
        if not made:
            made.append(Data(tmp_path_factory.mktemp("bad_inputs_data")))
        return made[0]
    return get


# Cases whose bound is the address-space limit the catalogue sets (RLIMIT_AS), which a
# sanitized binary cannot run under: without it the bound is the machine's memory, and the
# request may be granted (and take minutes) there.
NEEDS_RLIMIT = {"cli-run-replications-at-max", "bounds-results-too-large"}


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_bad_input(case: Case, tmp_path: Path, data_factory):
    if SANITIZER and case.id in NEEDS_RLIMIT:
        pytest.skip(f"under the {SANITIZER} sanitizer there is no RLIMIT_AS: the bound is this machine's memory")
    prepare(case, tmp_path, data_factory)
    args = [_fill(a, tmp_path) for a in case.args]
    before = snapshot(tmp_path)
    rc, out, err = run(args, tmp_path, case.timeout)
    after = snapshot(tmp_path)
    problems = check_case(case, tmp_path, rc, out, err, before, after)
    excerpt = err if len(err) < 1500 else err[:1000] + "\n...\n" + err[-400:]
    assert not problems, (f"{case.id} ({case.reason}):\n  hubsim {' '.join(map(repr, args))}\n  "
                          + "\n  ".join(problems) + f"\n--- exit {rc}; stderr:\n{excerpt}")


def test_catalogue_is_well_formed():
    """Ids are unique and say their kind; every case has a reason; bad input expects exit 2."""
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids)), [i for i in ids if ids.count(i) > 1]
    kinds = {"yaml", "schema", "data", "cli", "sweep", "h5", "bounds"}
    for c in CASES:
        assert c.id.split("-")[0] in kinds, c.id
        assert c.reason.strip(), c.id
        assert c.exit == 2 or c.reason, c.id
    assert len(CASES) >= 100
