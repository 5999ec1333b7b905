"""hubsim generate: synthetic copies of a scenario at any size, for scaling runs."""

import h5py
import numpy as np
import pytest
import yaml

from conftest import REPO, labels, run_hubsim, run_ok

ENGLAND = REPO / "scenarios" / "england.yaml"


def generate(tmp_path, schools, *extra):
    out = tmp_path / f"synthetic-{schools}.yaml"
    run_ok("generate", ENGLAND, "--schools", schools, *extra, "-o", out)
    return out, yaml.safe_load(out.read_text())


def test_size_phase_mix_and_scaled_national_places(tmp_path):
    out, sc = generate(tmp_path, 5000)
    assert sc["hubs"]["count"] == 10 and str(sc["hubs"]["opens"]) == "2014-09-01"
    per_hub = sc["schools"]["generate"]["per_hub"]
    # England is 16,769 primary and 3,448 secondary schools and 219 colleges: 410, 84 and 5
    # of every 500.
    assert per_hub == {"primary": 410, "secondary": 84, "post16": 5}
    factor = (410 + 84 + 5) * 10 / 20436
    england = yaml.safe_load(ENGLAND.read_text())
    for role in ("primary_mastery_specialist", "secondary_mastery_specialist",
                 "primary_work_group_lead"):
        places = england["llme"][role]["training_places"]
        assert sc["llme"][role]["training_places"] == round(places * factor), role
    # Everything that is not a national total is the template's, timeline and targets too.
    assert sc["demand"]["q"] == england["demand"]["q"]
    assert sc["llme"]["primary_mastery_specialist"]["days"] == \
        england["llme"]["primary_mastery_specialist"]["days"]
    assert len(sc["timeline"]) == len(england["timeline"])
    assert [t.get("share", t.get("count")) for t in sc["targets"]] == \
        [t.get("share", t.get("count")) for t in england["targets"]]
    assert "posterior" not in sc


def test_generated_scenario_runs_and_keeps_its_books(tmp_path):
    out, _ = generate(tmp_path, 2000, "--schools-per-hub", 250)
    h5 = tmp_path / "synthetic.h5"
    run_ok("run", out, "-o", h5, "--replications", 2, "-q")
    with h5py.File(h5) as f:
        assert len(labels(f["hub"])) == 8
        counts = f["trajectories/stage_counts"][()]
        schools = f["hub_schools"][()]
        # Conservation: every sample's stages add up to each hub's schools of the phase.
        assert np.array_equal(counts.sum(axis=-1), np.broadcast_to(schools, counts.shape[:-1]))
        assert schools.sum() == 2000
        assert f["trajectories/engaged"][()][:, -1].sum() > 0


def test_standard_output_when_no_file(tmp_path):
    proc = run_ok("generate", ENGLAND, "--schools", 1000)
    assert yaml.safe_load(proc.stdout)["hubs"]["count"] == 2


@pytest.mark.parametrize(
    "args, message",
    [
        (["--schools", "0"], "--schools"),
        (["--schools", "ten"], "--schools"),
        ([], "missing --schools"),
        (["--schools", "100000000"], "at most 65535 hubs"),
        (["--schools", "1000", "--schools-per-hub", "-5"], "--schools-per-hub"),
    ],
)
def test_bad_sizes(tmp_path, args, message):
    out = tmp_path / "never.yaml"
    proc = run_hubsim("generate", ENGLAND, *args, "-o", out)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert not out.exists()


def test_bad_template_names_its_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nstart: 2014-09-01\n")
    proc = run_hubsim("generate", bad, "--schools", 1000)
    assert proc.returncode == 2
    assert "bad.yaml" in proc.stderr
