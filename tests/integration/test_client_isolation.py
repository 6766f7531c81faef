"""Issue 14 on the hospital lab: a client rollout reads the hospital's deliberate state.

The pharmacy is isolated by hisops itself (``isolate.yml -e segment=PHARMACY``: switch
ACLs, its hold in the state store; the twin cuts the pharmacy workstations off), then a
hospital-wide ``client_update`` runs: the pharmacy is deferred as "isolated", every other
department gets the update. After ``reconnect.yml`` the next ``client_audit.yml -e
remediate=true`` brings the pharmacy up. Real switches (simulated, over SSH), real
workstation hosts (sshd), Ansible as an operator runs it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ansible.inventory.manager import InventoryManager
from ansible.parsing.dataloader import DataLoader
from ansible_collections.hisops.emergency.plugins.module_utils.client import sample
from ansible_collections.hisops.emergency.plugins.module_utils.client.store import ArtifactStore
from ansible_collections.hisops.emergency.plugins.module_utils.state.store import StateStore
from lab_fixtures import HospitalTwin

from .playbooks import run_playbook

pytestmark = pytest.mark.lab

VERSION = "5.0.0"


@pytest.fixture(scope="module")
def hospital(
    hospital_twin: HospitalTwin, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path]:
    """The shared hospital twin (tests/conftest.py: HOSPITAL_TWIN), a work directory of
    this file's own."""
    return hospital_twin.inventory, tmp_path_factory.mktemp("isolation-work")


def test_an_isolated_pharmacy_is_deferred_by_a_hospital_wide_update_then_brought_up(
    hospital: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    inventory, work = hospital
    work.mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv("HISOPS_ARTIFACT_DIR", str(work / "artifacts"))
    monkeypatch.setenv("HISOPS_CLIENT_LEDGER", str(work / "client" / "ledger.json"))
    ArtifactStore(str(work / "artifacts")).publish(
        sample.build_tarball(VERSION, str(work)), "his-client", VERSION, "tar"
    )
    groups = InventoryManager(loader=DataLoader(), sources=[str(inventory)]).get_groups_dict()
    pharmacy = set(groups["ws_pharmacy"])
    workstations = set(groups["workstations"])
    assert pharmacy and workstations - pharmacy

    def play(playbook: str, **extravars):
        return run_playbook(playbook, inventory, work, extravars or None)

    isolated = play("isolate", segment="PHARMACY", reason="ransomware on pharm-02")
    assert isolated.rc == 0, isolated.stdout[-3000:]
    isolation_id = isolated.report("isolation.json")["isolation_id"]
    hold = StateStore(str(work / "state")).get(isolation_id)
    assert hold is not None and hold.state == "open"

    update = play(
        "client_update",
        version=VERSION,
        batch_size=10,
        skip_test_gate=True,
        skip_test_gate_reason="security fix, CIO approved",
    )
    assert update.rc == 0, update.stdout[-3000:]
    ledger = json.loads((work / "client" / "ledger.json").read_text())
    run = ledger["runs"][-1]
    assert run["outcome"] == "completed" and not pharmacy & set(run["canary"])
    assert {run["results"][h] for h in pharmacy} == {"isolated"}
    assert {run["results"][h] for h in workstations - pharmacy} == {"ok"}
    for host in pharmacy:
        last = ledger["hosts"][host]["history"][-1]
        assert last["result"] == "isolated" and isolation_id in last["message"]

    back = play(
        "reconnect",
        isolation_id=isolation_id,
        cleanup_by="it-oncall",
        cleanup_scan="pharmacy clean",
    )
    assert back.rc == 0, back.stdout[-3000:]
    fixed = play("client_audit", remediate=True)
    assert fixed.rc == 0, fixed.stdout[-3000:]
    rows = {a["host"]: a for a in fixed.report("client-audit.json")["workstations"]}
    assert {rows[h]["state"] for h in workstations} == {"current"}
    assert {rows[h]["actual"] for h in workstations} == {VERSION}
    ledger = json.loads((work / "client" / "ledger.json").read_text())
    assert set(ledger["runs"][-1]["remediated"]) == pharmacy
