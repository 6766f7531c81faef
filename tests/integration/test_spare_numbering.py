"""A spare that numbers its ports differently (issue 6, plan P4.1): the interface map is
worked out from the spare's own ports and the failed unit's backup, by type and position;
a spare with fewer ports of a type is refused with the counts; after the swap and the
re-cabling on the mapped ports, the failed unit's endpoints are back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lab_fixtures import start_lab, stop_lab

from .playbooks import run_playbook

pytestmark = pytest.mark.lab

TOPOLOGY = Path(__file__).resolve().parents[1] / "lab" / "topologies" / "spare_numbering.yml"


@pytest.fixture(scope="module")
def numbering_lab(tmp_path_factory):
    client = start_lab(tmp_path_factory.mktemp("numbering-lab"), str(TOPOLOGY))
    try:
        yield client, Path(client.status()["inventory"])
    finally:
        stop_lab(client)


def test_spare_numbered_as_stack_member_1(numbering_lab, tmp_path, monkeypatch):
    lab, inventory = numbering_lab
    swaps = tmp_path / "swaps"
    monkeypatch.setenv("HISOPS_SWAP_DIR", str(swaps))
    assert run_playbook("switch_backup", inventory, tmp_path).rc == 0

    ready = run_playbook("spare_readiness", inventory, tmp_path)
    assert ready.rc == 0, ready.stdout
    agg = ready.report("spare_readiness.json")["devices"]["AGG-1"]
    assert agg["spare"] == "SPARE-M1", agg
    assert agg["interface_map"]["GigabitEthernet0/0/48"] == "GigabitEthernet1/0/48"
    assert agg["interface_map"]["XGigabitEthernet0/0/1"] == "XGigabitEthernet1/0/1"
    assert len(agg["interface_map"]) == 52

    short_before = lab.config("SPARE-SHORT")
    short = run_playbook(
        "spare_swap", inventory, tmp_path, {"failed": "AGG-1", "spare": "SPARE-SHORT"}
    )
    assert short.rc != 0
    assert "GigabitEthernet: 48 on AGG-1, 24 on SPARE-SHORT" in short.stdout, short.stdout
    assert "XGigabitEthernet:" not in short.stdout  # that type maps one to one
    assert lab.config("SPARE-SHORT") == short_before

    lab.fault("AGG-1", "power-off")
    assert lab.reach("pharm-1", "db-1")["reason"] == "AGG-1 is powered-off"
    run = run_playbook("spare_swap", inventory, tmp_path, {"failed": "AGG-1", "spare": "SPARE-M1"})
    assert run.rc == 0, run.stdout
    running = lab.config("SPARE-M1")
    assert (
        "interface GigabitEthernet1/0/1\n description pharm-1\n port link-type access" in running
    ), running
    assert "interface XGigabitEthernet1/0/1\n" in running and "0/0/" not in running
    record = json.loads((swaps / "AGG-1.json").read_text())
    assert record["interface_map"] == agg["interface_map"]

    again = run_playbook(
        "spare_swap", inventory, tmp_path, {"failed": "AGG-1", "spare": "SPARE-M1"}
    )
    assert again.rc == 0 and again.changed_hosts() == set(), again.stdout

    lab.recable("AGG-1", "SPARE-M1", record["interface_map"])
    for src in ("pharm-1", "pharm-2"):
        back = lab.reach(src, "db-1")
        assert back["reachable"], back
        assert [hop["device"] for hop in back["path"]][0] == "SPARE-M1"
