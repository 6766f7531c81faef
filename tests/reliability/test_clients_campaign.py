"""Issue 16: the clients campaign (reliability/clients.py) in short, and its invariant
checker shown to catch broken states (so the campaign cannot pass on a checker that sees
nothing). The full run (>= 200 steps, >= 12 versions) and its figures:
docs/reliability/clients.md.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from reliability import clients  # noqa: E402
from reliability._common import CampaignFailed, run_campaign  # noqa: E402

SEED = 11


@pytest.mark.lab
def test_a_short_history_on_temp_roots_and_a_tiny_lab_fleet_keeps_every_invariant(
    tmp_path: Path,
) -> None:
    from hisops.lab.hosts import HostFleet, HostLabError

    try:
        HostFleet.check_prerequisites()
    except HostLabError as exc:
        pytest.skip(str(exc))
    figures = clients.campaign(
        SEED, 40, lab_steps=2, lab_hosts=4, versions=4, temp_hosts=6, workdir=tmp_path
    )
    assert figures.steps == 40 and figures.checks == 42
    extra = figures.extra
    assert extra["lab_steps"] == 2 and extra["playbook_runs"] == 3  # 2 steps and the settling
    assert extra["versions"] >= 4 and extra["broken_versions"] >= 1
    assert figures.counts["fault:midrun_power_off"] >= 1  # on the lab (below), while it rolled out
    lab = [e for e in figures.log if e["site"] == "lab"]
    assert lab[0]["action"] == "update_all" and lab[0]["outcome"] == "completed", lab[0]
    assert lab[1]["action"] == "update_midrun" and lab[1]["midrun"][0] == "power_off", lab[1]
    assert lab[1]["outcome"] in ("completed", "halted"), lab[1]
    assert extra["settled"]["lab"] == {"current": 4}, extra["settled"]
    kinds = {e["action"].split("_")[0] for e in figures.log}
    assert {"publish", "update", "rollback", "audit"} <= kinds, kinds


@pytest.fixture
def history(tmp_path: Path):
    """A temp-root history of a few steps: every workstation on a good version."""
    campaign = clients.Campaign(tmp_path, steps=12, lab_steps=0, lab_hosts=0, versions=3)
    run_campaign("clients", SEED, 4, campaign.step, campaign.check)  # publish, test, all
    campaign.book.publish(broken=True)
    try:
        yield campaign
    finally:
        campaign.close()


def test_the_checker_passes_a_sound_state_and_catches_each_broken_one(history) -> None:
    site = history.sites["temp"]
    assert history.check(0) == []
    host = site.hosts[0]
    root = site.root(host)
    current = os.readlink(root / "current")
    version = current.rsplit("/", 1)[-1]
    good = history.book.good()[0]
    broken = sorted(history.book.broken)[0]

    # the ledger and the disk disagree: another release made current behind the ledger's back
    clients.release.apply(str(root), "present", broken, *package(history, broken))
    os.symlink(f"releases/{broken}", root / "current.x")
    os.replace(root / "current.x", root / "current")
    found = history.check(0)
    assert any(
        f"temp/{host}: the ledger says current {version}, the disk {broken}" in p for p in found
    )
    assert any(f"runs {broken}, a broken build" in p for p in found), found
    os.symlink(current, root / "current.x")
    os.replace(root / "current.x", root / "current")
    assert history.check(0) == []

    # current points at a release that is gone
    (root / "releases" / version).rename(root / "releases" / ".gone")
    assert any(
        f"current -> releases/{version}, which is not on disk" in p for p in history.check(0)
    )
    (root / "releases" / ".gone").rename(root / "releases" / version)

    # previous neither on disk nor in the store; a rollback is then impossible
    state_file = root / clients.release.STATE_FILE
    saved = state_file.read_text()
    state_file.write_text(json.dumps(dict(json.loads(saved), previous="0.0.1")))
    found = history.check(0)
    assert any("previous 0.0.1 is neither on disk nor in the store" in p for p in found), found
    assert any("rollback impossible" in p for p in found), found
    state_file.write_text(saved)

    # the ledger's known-good is a broken build
    with clients.Ledger(str(site.ledger_path)).update() as data:
        data["hosts"][host]["known_good"] = broken
    assert any(f"known-good {broken} is a broken build" in p for p in history.check(0))
    with clients.Ledger(str(site.ledger_path)).update() as data:
        data["hosts"][host]["known_good"] = good
    assert history.check(0) == []

    # a stopped rollout that left its version on a workstation it switched
    history.last = {
        "site": "temp",
        "action": "update_all",
        "outcome": "halted",
        "version": version,
        "results": {host: "ok"},
    }
    history.before = {"temp": {host: (good, False)}}
    assert any("the rollout of" in p and "still runs it" in p for p in history.check(0))


def test_a_broken_invariant_stops_the_run_naming_the_step_and_the_seed(history) -> None:
    site = history.sites["temp"]
    root = site.root(site.hosts[-1])

    def sabotaged(index: int) -> list[str]:
        if index == 2:  # a workstation loses its current release behind everyone's back
            (root / "current").unlink()
        return history.check(index)

    with pytest.raises(CampaignFailed) as failed:
        run_campaign("clients", 4242, 6, history.step, sabotaged)
    text = str(failed.value)
    assert "clients campaign FAILED at step 2" in text and "seed 4242" in text
    assert "replay: python reliability/clients.py --seed 4242 --steps 3" in text
    assert f"temp/{site.hosts[-1]}: the ledger says current" in text


def package(history, version: str) -> tuple[str, str]:
    artifact = history.book.store.resolve(clients.PACKAGE, version, clients.KIND)
    return artifact.path, artifact.sha256
