"""Spare swap against the lab (issue 6, plan P4.1): an aggregation switch powered off, its
spare brought up from the last backup, later runs addressing the spare in its place.

After the swap the technician moves the failed unit's cables to the spare (``hisops lab
recable``): the endpoints behind the failed unit reach the HIS database again, through the
spare, which carries a configuration compliant with the failed unit's backup.
"""

from __future__ import annotations

import difflib
import json
import shutil

import pytest

from .playbooks import run_playbook

pytestmark = pytest.mark.lab


@pytest.fixture
def swap_dirs(fresh_lab, tmp_path, monkeypatch):
    monkeypatch.setenv("HISOPS_SWAP_DIR", str(tmp_path / "swaps"))
    host_vars = fresh_lab.inventory.parent / "host_vars"
    yield tmp_path / "swaps", host_vars
    shutil.rmtree(host_vars, ignore_errors=True)  # the session lab is shared: undo the swap


def test_spare_replaces_a_powered_off_aggregation_switch(fresh_lab, swap_dirs, tmp_path):
    lab = fresh_lab
    swaps, host_vars = swap_dirs
    assert run_playbook("switch_backup", lab.inventory, tmp_path).rc == 0
    spare_before = lab.client.config("SPARE-S5735")

    other = run_playbook(
        "spare_swap", lab.inventory, tmp_path, {"failed": "AGG-3", "spare": "SPARE-S5735"}
    )
    assert other.rc != 0
    assert (
        "model: S5560X-30C-EI here, S5735-S48T4X on the spare" in other.stdout
        and "firmware:" in other.stdout
    )
    assert lab.client.config("SPARE-S5735") == spare_before

    lab.fault("AGG-1", "power-off")
    behind = ("opd-reg-01", "pharm-01")  # two hops behind AGG-1 (via ACC-1), and on it
    for src in behind:
        assert lab.reach(src, "his-db-1")["reason"] == "AGG-1 is powered-off"
    preview = run_playbook(
        "spare_swap",
        lab.inventory,
        tmp_path,
        {"failed": "AGG-1", "spare": "SPARE-S5735"},
        check=True,
    )
    assert preview.rc == 0 and lab.client.config("SPARE-S5735") == spare_before, preview.stdout

    run = run_playbook(
        "spare_swap", lab.inventory, tmp_path, {"failed": "AGG-1", "spare": "SPARE-S5735"}
    )
    assert run.rc == 0, run.stdout
    running = lab.client.config("SPARE-S5735")
    assert "sysname AGG-1" in running and "vlan batch 10 30 99" in running
    assert " description pharm-01" in running and "ip address 10.10.99.2 255.255.255.0" in running
    assert "sysname AGG-1" in lab.client.config("SPARE-S5735", "saved")

    recabled = lab.hisops("recable", "AGG-1", "SPARE-S5735")
    assert recabled.returncode == 0, recabled.stderr
    assert "AGG-1:XGigabitEthernet0/0/1 -> SPARE-S5735:XGigabitEthernet0/0/1" in recabled.stdout
    for src in behind:
        back = lab.reach(src, "his-db-1", protocol="tcp", port=5432)
        assert back["reachable"], back
        assert "SPARE-S5735" in [hop["device"] for hop in back["path"]]
    record = json.loads((swaps / "AGG-1.json").read_text())
    assert (record["failed"], record["spare"]) == ("AGG-1", "SPARE-S5735")

    again = run_playbook(
        "spare_swap", lab.inventory, tmp_path, {"failed": "AGG-1", "spare": "SPARE-S5735"}
    )
    assert again.rc == 0 and again.changed_hosts() == set(), again.stdout

    # The spare took AGG-1's management address last: it answers there now, and no longer
    # at its own (as on the real device); AGG-1 itself is powered off.
    agg1 = lab.devices["AGG-1"]["host"]
    spare_now = {d["name"]: d for d in lab.client.status()["devices"]}["SPARE-S5735"]
    assert spare_now["answers_on"] == agg1, spare_now
    assert record["address"]["ansible_host"] == agg1
    # Later runs address the spare under the failed unit's name and address.
    assert (host_vars / "AGG-1.yml").exists()
    check = run_playbook("switch_backup", lab.inventory, tmp_path, limit="AGG-1")
    assert check.rc == 0, check.stdout
    assert "sysname AGG-1" in lab.client.config("SPARE-S5735")


def test_spare_takes_a_switch_deployed_from_the_vlan_plan(fresh_lab, swap_dirs, tmp_path):
    """Found by the drill: after the VLAN plan's deploy, AGG-1's backup has trunks without
    VLAN 1 and VLANs in both ``vlan batch`` and ``vlan N`` sections. The swap's push left
    VLAN 1 on the spare's new trunks, the read-back found it, and the revert was refused
    ('undo vlan 10' after 'undo vlan batch 10 30'), leaving the spare half-configured."""
    lab = fresh_lab
    assert run_playbook("switch_deploy", lab.inventory, tmp_path, limit="AGG-1").rc == 0
    assert run_playbook("switch_backup", lab.inventory, tmp_path, limit="AGG-1").rc == 0
    backup = lab.client.config("AGG-1")
    assert "undo port trunk allow-pass vlan 1" in backup and "\nvlan 10\n name OUTPATIENT" in backup

    # The spare takes AGG-1's management address: refused while AGG-1 still answers there.
    alive = run_playbook(
        "spare_swap", lab.inventory, tmp_path, {"failed": "AGG-1", "spare": "SPARE-S5735"}
    )
    assert alive.rc != 0 and "AGG-1 still answers at" in alive.stdout, alive.stdout[-2000:]
    lab.fault("AGG-1", "power-off")
    run = run_playbook(
        "spare_swap", lab.inventory, tmp_path, {"failed": "AGG-1", "spare": "SPARE-S5735"}
    )
    assert run.rc == 0, run.stdout
    running = lab.client.config("SPARE-S5735")
    trunk = running[running.index("interface XGigabitEthernet0/0/1") :].split("#")[0]
    assert trunk.splitlines()[1:] == [
        " description uplink to CORE-1",
        " port link-type trunk",
        " undo port trunk allow-pass vlan 1",
        " port trunk allow-pass vlan 10 30 99",
    ], trunk
    assert "\nvlan 10\n name OUTPATIENT" in running and "sysname AGG-1" in running
    again = run_playbook(
        "spare_swap", lab.inventory, tmp_path, {"failed": "AGG-1", "spare": "SPARE-S5735"}
    )
    assert again.rc == 0 and again.changed_hosts() == set(), again.stdout


def test_a_swap_carries_the_failed_units_open_isolation_onto_the_spare(
    fresh_lab, swap_dirs, tmp_path, monkeypatch
):
    """Issue 14's fourth bug: backup, isolate pharm-01 (AGG-1's port shut, its address blocked
    at the core), AGG-1 dies and is swapped from the backup taken before the isolation. The
    spare must carry the isolation (pharm-01 still cut off from pharm-02 in its VLAN after
    the re-cabling) and its record must follow the spare, so that the reconnect undoes it
    there and proves it line for line."""
    lab = fresh_lab
    isolations = tmp_path / "isolations"
    monkeypatch.setenv("HISOPS_ISOLATION_DIR", str(isolations))
    swap_vars = {"failed": "AGG-1", "spare": "SPARE-S5735"}
    assert run_playbook("switch_backup", lab.inventory, tmp_path).rc == 0  # the daily backup
    assert lab.reach("pharm-01", "pharm-02")["reachable"]
    isolated = run_playbook(
        "isolate", lab.inventory, tmp_path, {"host": "10.10.30.101", "reason": "virus"}
    )
    assert isolated.rc == 0, isolated.stdout
    iso_id = isolated.report("isolation.json")["isolation_id"]
    assert not lab.reach("pharm-01", "pharm-02")["reachable"]
    lab.fault("AGG-1", "power-off")
    spare_before = lab.client.config("SPARE-S5735")

    refused = run_playbook(
        "spare_swap", lab.inventory, tmp_path, dict(swap_vars, open_isolations="refuse")
    )
    assert (
        refused.rc != 0
        and f"open_isolations: {iso_id} (host 10.10.30.101) changed AGG-1" in refused.stdout
    ), refused.stdout[-3000:]
    preview = run_playbook("spare_swap", lab.inventory, tmp_path, swap_vars, check=True)
    assert preview.rc == 0, preview.stdout[-3000:]
    assert (
        f"open isolation(s) of AGG-1 would be carried onto SPARE-S5735: {iso_id}" in preview.stdout
    )
    assert lab.client.config("SPARE-S5735") == spare_before

    swapped = run_playbook("spare_swap", lab.inventory, tmp_path, swap_vars)
    assert swapped.rc == 0, swapped.stdout[-3000:]
    record = json.loads((isolations / f"{iso_id}.json").read_text())
    entry = record["devices"]["AGG-1"]
    assert entry["carried_to"] == "SPARE-S5735" and record["state"] == "open"
    port = entry["after"][entry["after"].index("interface GigabitEthernet0/0/1\n") :].split("#")[0]
    assert (
        " shutdown" in port
        and "sysname AGG-1" in entry["after"]
        and "sysname AGG-1" in entry["before"]
    )
    changed = [
        line
        for line in difflib.unified_diff(
            entry["before"].splitlines(), entry["after"].splitlines(), n=0, lineterm=""
        )
        if line[:1] in "+-" and line[1:2] not in "+-"
    ]
    assert changed == ["+ shutdown"]

    assert lab.hisops("recable", "AGG-1", "SPARE-S5735").returncode == 0
    cut = lab.reach("pharm-01", "pharm-02")
    assert not cut["reachable"], cut
    assert lab.reach("pharm-03", "pharm-02")["reachable"]  # the rest of AGG-1's VLAN 30 works
    status = run_playbook("isolation_status", lab.inventory, tmp_path)
    assert [i["id"] for i in status.report("isolation_status.json")] == [iso_id]
    again = run_playbook("spare_swap", lab.inventory, tmp_path, swap_vars)
    assert again.rc == 0 and again.changed_hosts() == set(), again.stdout[-3000:]
    assert not lab.reach("pharm-01", "pharm-02")["reachable"]

    back = run_playbook(
        "reconnect",
        lab.inventory,
        tmp_path,
        {"isolation_id": iso_id, "cleanup_by": "it-oncall", "cleanup_scan": "clean"},
    )
    assert back.rc == 0, back.stdout[-3000:]
    assert json.loads((isolations / f"{iso_id}.json").read_text())["state"] == "closed"
    through = lab.reach("pharm-01", "pharm-02")
    assert through["reachable"] and "SPARE-S5735" in [hop["device"] for hop in through["path"]], (
        through
    )
