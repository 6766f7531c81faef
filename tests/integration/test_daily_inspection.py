"""The daily inspection on the hospital lab with its real hosts (issue 20): two runs.

The first run is the baseline (it also keeps each switch's interface states). Then the
lab is given faults - ACC-3 stops answering, the CORE-1/AGG-2 uplink is cut, the backup
host's disk is filled, his-db-2 is powered off, his-db-1's system log gains an error,
and doc-03's address is left out of the plan's registry (to the inspection, a PC nobody
assigned) - and the second run, through ``hisops inspect --open-incident`` as monitoring calls it, must report each
with its severity and plan item, exit 2 with the Nagios line, open an incident, and leave
every switch's running configuration byte-equal (the inspection only reads).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from lab_fixtures import HospitalTwin
from prometheus_client.parser import text_string_to_metric_families

from hisops.lab.client import LabClient
from hisops.lab.hosts import HostFleet

from .playbooks import REPO_ROOT, run_playbook

SYSLOG = "/var/log/syslog"
ROGUE = "doc-03"  # left out of the registry in the second run
# Workstations are helper 20b's (tests of their own); the switches, DB pair and backup
# host are this file's.
COMMON = {"daily_inspection_workstation_hosts": "none", "daily_inspection_language": "en"}


@pytest.fixture(scope="module")
def hospital(hospital_twin: HospitalTwin) -> tuple[LabClient, Path, Path]:
    """The shared hospital twin (tests/conftest.py: HOSPITAL_TWIN), the last of its files:
    its faults stay (ACC-3 and backup-1 are cleared, the cut link and his-db-2 stay)."""
    return hospital_twin.client, hospital_twin.inventory, hospital_twin.state_dir


def endpoints(inventory: Path) -> list[dict[str, Any]]:
    data = yaml.safe_load(inventory.read_text())

    def find(node: Any) -> Any:
        if isinstance(node, dict):
            if "hisops_endpoints" in node:
                return node["hisops_endpoints"]
            for value in node.values():
                found = find(value)
                if found:
                    return found
        return None

    return list(find(data))


def configs(client: LabClient) -> dict[str, str]:
    return {d["name"]: client.config(d["name"]) for d in client.devices()}


def by_key(doc: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(f["check"], f["subject"]): f for f in doc["findings"]}


def test_daily_inspection_finds_each_fault_reads_only_and_exits_nagios(
    hospital: tuple[LabClient, Path, Path], tmp_path: Path
) -> None:
    client, inventory, state = hospital
    fleet = HostFleet(state / "hosts")
    for host in ("his-db-1", "his-db-2", "backup-1"):  # a syslog, as a real server has
        fleet.run(host, ["sh", "-c", f"echo 'Dec  6 06:00:00 {host} kernel: booted' >> {SYSLOG}"])
    out = tmp_path / "inspections"
    env = {"HISOPS_INSPECTION_DIR": str(out), "HISOPS_INCIDENT_DIR": str(tmp_path / "incidents")}
    os.environ.update(env)
    try:
        before = configs(client)
        first = run_playbook("daily_inspection", inventory, tmp_path, {**COMMON})
        assert first.rc == 0, first.stdout[-3000:]
        baseline = json.loads((out / "latest.json").read_text())
        assert f'"msg": "{baseline["summary"]}"' in first.stdout  # the run ends with the line
        found = by_key(baseline)
        for switch in ("CORE-1", "ACC-3", "AGG-2"):
            assert found[("switch_reachable", switch)]["severity"] == "ok"
        assert found[("host_reachable", "backup-1")]["severity"] == "ok"
        assert found[("system_log", f"his-db-1:{SYSLOG}")]["severity"] == "ok"
        assert not [f for f in baseline["findings"] if f["check"] == "unassigned_address"
                    and f["severity"] != "ok"]  # fmt: skip
        assert (out / "state" / "interfaces.json").exists()

        client.fault("ACC-3", "unreachable")
        client.cut_link("CORE-1:XGigabitEthernet2/0/1", "AGG-2:XGigabitEthernet0/0/1")
        client.host_fault("backup-1", "disk_full", path="/srv/backup")
        client.host_power("his-db-2", "power-off")
        fleet.run("his-db-1", ["sh", "-c",
                               f"echo 'Dec  6 07:10:00 his-db-1 kernel: EXT4-fs error (device loop3)'"
                               f" >> {SYSLOG}"])  # fmt: skip
        registry = [e for e in endpoints(inventory) if e["name"] != ROGUE]
        extravars = json.dumps({**COMMON, "daily_inspection_endpoints": registry})
        second = subprocess.run(
            [sys.executable, "-m", "hisops.cli", "inspect", "-i", str(inventory),
             "-e", extravars, "--open-incident"],
            capture_output=True, text=True, check=False, timeout=600, cwd=REPO_ROOT,
            env={**os.environ, "HISOPS_INTENDED_DIR": str(tmp_path / "intended"),
                 "HISOPS_BACKUP_DIR": str(tmp_path / "backups"),
                 "HISOPS_STATE_DIR": str(tmp_path / "state"),
                 "HISOPS_REPORT_DIR": str(tmp_path / "reports"),
                 "HISOPS_RUN_RECORD_DIR": str(tmp_path / "records")},
        )  # fmt: skip
        after = configs(client)
    finally:
        for key in env:
            os.environ.pop(key, None)
        client.clear("ACC-3")
        client.host_clear("backup-1")
    doc = json.loads((out / "latest.json").read_text())
    assert second.returncode == 2, second.stdout + second.stderr
    assert second.stdout.strip().splitlines()[-1] == doc["summary"]
    assert doc["summary"].startswith("INSPECTION CRITICAL - ")
    assert doc["exit_code"] == 2 and doc["started"] > baseline["started"]

    found = by_key(doc)
    down = found[("switch_reachable", "ACC-3")]
    assert (down["severity"], down["plan_item"], down["suggested_class"]) == ("critical", "P4.3", 2)
    gone = [f for f in doc["findings"] if f["check"] == "interface_down"]
    assert {f["params"]["switch"] for f in gone} == {"CORE-1", "AGG-2"}, gone
    assert {f["severity"] for f in gone} == {"warning"}
    rogue = next(e for e in endpoints(inventory) if e["name"] == ROGUE)
    address = found[("unassigned_address", rogue["ip"])]
    assert (address["severity"], address["plan_item"]) == ("warning", "P4.4")
    assert address["params"]["mac"] == rogue["mac"]
    assert (address["params"]["switch"], address["params"]["port"]) == (
        "AGG-3",
        "GigabitEthernet1/0/3",
    )
    assert address["action"].startswith(f"hisops run isolate -e host={rogue['ip']} ")
    servers = [f for f in doc["findings"] if f["area"] == "servers"]
    disk = found.get(("disk_free", "backup-1:/srv/backup"))
    assert disk, servers
    assert (disk["severity"], disk["plan_item"], disk["suggested_class"]) == ("critical", "P8.1", 1)
    off = found[("host_reachable", "his-db-2")]
    assert (off["severity"], off["plan_item"], off["suggested_class"]) == ("critical", "P8.1", 1)
    assert found[("db_node", "his-db-2")]["severity"] == "critical"  # the database's view
    log = found.get(("system_log", f"his-db-1:{SYSLOG}"))
    assert log, servers
    assert log["severity"] == "warning" and log["value"] == 1.0
    assert "EXT4-fs error" in log["params"]["lines"][0]

    # outputs: the sheet (wrong first), the textfile, the incident
    html = (out / "latest.html").read_text()
    wrong = html.split('id="wrong"')[1].split("</table>")[0]
    assert wrong.index("ACC-3 does not answer") < wrong.index(rogue["ip"])
    assert "Class 1 (whole hospital)" in wrong and "P8.1" in wrong
    assert (out / f"{doc['started'].replace('-', '').replace(':', '')}.json").exists()
    metrics = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families((out / "hisops_inspection.prom").read_text())
        for s in family.samples
    }
    assert metrics[("hisops_inspection_exit_code", ())] == 2
    critical = sum(1 for f in doc["findings"] if f["severity"] == "critical")
    assert sum(v for (n, labels), v in metrics.items()
               if n == "hisops_inspection_findings" and ("severity", "critical") in labels) == critical  # fmt: skip
    incidents = subprocess.run(
        [sys.executable, "-m", "hisops.cli", "incident", "list"],
        capture_output=True, text=True, check=False, timeout=60,
        env={**os.environ, "HISOPS_INCIDENT_DIR": str(tmp_path / "incidents")},
    )  # fmt: skip
    assert "Daily inspection" in incidents.stdout, incidents.stdout + incidents.stderr
    try:  # the console's static snapshot, written by the report step where it exists
        import hisops.console.snapshot  # noqa: F401
    except ImportError:
        pass
    else:
        assert (out / "console" / "console.html").exists()

    # read-only: every switch's running configuration byte-equal before and after
    assert after == before
