"""Issue 20 on the session's real hosts: the workstation hardening (check mode, apply,
idempotent), the daily inspection's workstation, insurance and UPS steps against the
lab's ClamAV stand-in, modprobe.d, nftables egress table, insurance gateway and NUT
(dummy-ups + upsd in bk-1, the lab's self-test relay), and the quarterly UPS test (through upsd, result recorded). One run of each playbook; the
states the playbooks do not need to show (a broken gateway, low battery, a failed
self-test, upsd down) are read with the same module_utils, cheaply.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ansible_collections.hisops.emergency.plugins.module_utils.inspection import insurance, ups

from hisops.lab.hosts import HostFleet, inspection

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from integration.playbooks import REPO_ROOT, run_playbook  # noqa: E402

WORKSTATIONS = ("opd-1", "opd-2", "pha-1")
SERVICES = "bk-1"
PROBE = "203.0.113.1"  # TEST-NET-3: never answers; a SYN to it is rejected or times out

INSPECT = """---
- name: Workstations
  hosts: workstations
  gather_facts: false
  roles:
    - role: hisops.emergency.daily_inspection
      daily_inspection_steps: [workstations]
- name: Insurance, UPS
  hosts: localhost
  gather_facts: false
  roles:
    - role: hisops.emergency.daily_inspection
      daily_inspection_steps: [insurance, ups]
  post_tasks:
    - name: Every host's findings
      ansible.builtin.copy:
        dest: "{{ out }}"
        mode: "0600"
        content: >-
          {{ dict((groups['workstations'] + ['localhost']) | zip((groups['workstations'] + ['localhost'])
             | map('extract', hostvars, 'inspection_findings'))) | to_json }}
"""


def _nft_tables() -> str:
    return subprocess.run(["nft", "list", "tables"], capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def site(fleet: HostFleet, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    work = tmp_path_factory.mktemp("inspection")
    ups_info = inspection.start_ups(fleet, SERVICES)
    url = inspection.start_gateway(fleet, SERVICES)
    inventory = fleet.write_inventory(work / "inventory.yml")
    try:
        yield {"work": work, "inventory": inventory, "ups": ups_info, "url": url}
    finally:
        for name in WORKSTATIONS:
            fleet.clear_fault(name)
            inspection.set_hardened(fleet, name, usb=False, egress=False)
            fleet.run(name, ["rm", "-f", inspection.SCAN_LOG, f"{inspection.CLAMAV_DIR}/daily.cvd"])
            inspection.antivirus_on_boot(fleet, name)
        fleet.clear_fault(SERVICES)
        inspection.stop_gateway(fleet, SERVICES)
        inspection.stop_ups(fleet, SERVICES)
        for name in ("ups.json", "insurance.json"):
            (fleet.host_dir(SERVICES) / name).unlink(missing_ok=True)


def _run(site: dict[str, Any], playbook: str | Path, **kw: Any):
    return run_playbook(playbook, site["inventory"], site["work"], **kw)


def test_harden_inspect_and_ups_test(fleet: HostFleet, site: dict[str, Any]) -> None:
    modprobe = {n: fleet.path(n, inspection.MODPROBE_FILE) for n in WORKSTATIONS}
    assert not any(p.exists() for p in modprobe.values())

    # hardening: check mode shows both items and changes nothing
    preview = _run(site, "workstation_harden", check=True, diff=True)
    assert preview.rc == 0, preview.stdout[-3000:]
    assert preview.changed_hosts() == set(WORKSTATIONS)
    assert "+install usb-storage /bin/true" in preview.stdout
    assert "reject with icmpx admin-prohibited" in preview.stdout
    assert not any(p.exists() for p in modprobe.values())
    assert "hisops_egress_" not in _nft_tables()
    first = _run(site, "workstation_harden")
    assert first.rc == 0 and first.changed_hosts() == set(WORKSTATIONS), first.stdout[-3000:]
    tables = _nft_tables()
    assert all(
        f"hisops_egress_hisops_{fleet.fleet_id}_{n.replace('-', '_')}" in tables
        for n in WORKSTATIONS
    )
    again = _run(site, "workstation_harden")
    assert again.rc == 0 and again.changed_hosts() == set(), again.stdout[-3000:]
    # the egress block is real: a connection out of a workstation to a non-hospital
    # address fails at once (EHOSTUNREACH), from the controller it is not filtered
    probe = (
        f"import socket; s=socket.socket(); s.settimeout(3); print(s.connect_ex(('{PROBE}', 443)))"
    )
    assert fleet.run("opd-1", ["python3", "-c", probe]).stdout.strip() == "113"

    # faults: opd-1 stays fresh; opd-2 old signatures and a failed scan; pha-1 infected,
    # USB unblocked and its egress open (the machine's default route); gateway slow; on battery
    fleet.fault("opd-2", "av_signatures_old", days=10)
    fleet.fault("opd-2", "av_scan_failed")
    fleet.fault("pha-1", "av_scan_infected")
    fleet.fault("pha-1", "usb_unblocked")
    fleet.fault("pha-1", "internet_route")
    fleet.fault(SERVICES, "insurance_slow", delay_ms=700)
    fleet.fault(SERVICES, "ups_on_battery")
    out = site["work"] / "findings.json"
    playbook = site["work"] / "inspect.yml"
    playbook.write_text(INSPECT)
    extravars = {
        "out": str(out),
        "daily_inspection_internet_probe": PROBE,
        "daily_inspection_internet_probe_port": 443,
        "daily_inspection_insurance_warn_ms": 500,
        "daily_inspection_fixmedins_code": "H44010600001",
    }
    done = _run(site, playbook, extravars=extravars)
    assert done.rc == 0, done.stdout[-4000:]
    assert done.changed_hosts() <= {"localhost"}  # only the findings file
    found = json.loads(out.read_text())

    def sev(host: str, check: str) -> str:
        return next(f["severity"] for f in found[host] if f["check"] == check)

    for check in (
        "antivirus_signatures",
        "antivirus_scan",
        "usb_storage_blocked",
        "internet_route",
    ):
        assert sev("opd-1", check) == "ok", found["opd-1"]
    assert sev("opd-2", "antivirus_signatures") == "critical"
    assert sev("opd-2", "antivirus_scan") == "critical"
    assert sev("pha-1", "antivirus_scan") == "critical"
    assert "EICAR" in next(f["message"] for f in found["pha-1"] if f["check"] == "antivirus_scan")
    assert sev("pha-1", "usb_storage_blocked") == "critical"
    has_route = subprocess.run(["ip", "route", "get", PROBE], capture_output=True).returncode == 0
    assert sev("pha-1", "internet_route") == ("critical" if has_route else "ok")
    assert all(sev(h, "client_version") for h in WORKSTATIONS)  # the client audit's verdict
    assert sev("localhost", "insurance_gateway") == "warning"
    assert sev("localhost", "ups_status") == "critical"
    assert "on battery" in next(
        f["message"] for f in found["localhost"] if f["check"] == "ups_status"
    )

    # what the playbook run did not show: broken gateway, low battery, failed self-test, no upsd
    fleet.fault(SERVICES, "insurance_error")
    assert insurance.check_gateway(site["url"], "H1").params["status"] == 500
    fleet.clear_fault(SERVICES, "insurance_error")
    fleet.fault(SERVICES, "insurance_down")
    assert "did not answer" in insurance.check_gateway(site["url"], "H1", timeout=3).message
    fleet.clear_fault(SERVICES, "insurance_down")
    fleet.clear_fault(SERVICES, "insurance_slow")
    assert insurance.check_gateway(site["url"], "H1").severity == "ok"
    host, port = site["ups"]["host"], site["ups"]["port"]
    fleet.fault(SERVICES, "ups_low_battery")
    fleet.fault(SERVICES, "ups_test_failed")
    low = _wait_ups(host, port, lambda f: "LB" in f[0].params["status"])
    assert low[0].severity == "critical" and low[-1].severity == "critical"  # self-test
    fleet.clear_fault(SERVICES, "ups_low_battery")
    fleet.clear_fault(SERVICES, "ups_test_failed")
    online = _wait_ups(host, port, lambda f: f[0].params["status"] == "OL")
    assert [f.severity for f in online] == ["ok"] * 4

    # the quarterly test through upsd: the lab UPS runs it ("In progress", then the
    # outcome), the result is read back and recorded
    records = {"ups_test_wait_s": 30, "ups_test_record_dir": str(site["work"] / "ups_tests")}
    checked = _run(site, "ups_test", check=True, extravars=records)
    assert checked.rc == 0 and not (site["work"] / "ups_tests").exists(), checked.stdout[-3000:]
    tested = _run(site, "ups_test", extravars=records)
    assert tested.rc == 0, tested.stdout[-3000:]
    (record_file,) = (site["work"] / "ups_tests").glob("ups-test-ups-*.json")
    record = json.loads(record_file.read_text())
    assert record["completed"] and record["passed"] and record["result"] == "Done and passed"
    assert record["before"]["status"] == "OL"

    inspection.stop_ups(fleet, SERVICES)
    gone = ups.inspect(host, "ups", port, timeout=2)
    assert [f.check for f in gone] == ["ups_reachable"] and gone[0].severity == "critical"
    assert (REPO_ROOT / "playbooks" / "ups_test.yml").exists()


def _wait_ups(host: str, port: int, ready) -> list:
    """dummy-ups re-reads its .dev file at its next poll (2 s)."""
    import time

    for _ in range(40):
        found = ups.inspect(host, "ups", port, timeout=2)
        if found[0].check == "ups_status" and ready(found):
            return found
        time.sleep(0.25)
    raise AssertionError(f"UPS state not reached: {found}")
