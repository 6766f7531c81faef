"""Every network playbook on Ruijie RGOS (issue 17), against one all-Ruijie lab
(tests/lab/topologies/ruijie_playbooks.yml: an RG-S5750C core with the gateways, an
RG-S5750C aggregation switch and its spare, an RG-S2910 access switch below it), driven by
netmiko's unmodified ``ruijie_os`` driver through the collection's ``ruijie_os`` dialect.

Each playbook runs once, in the order an emergency would run them (the tests share the
lab and its state: backups, records): network_check, switch_backup, switch_compliance,
switch_deploy in check mode then for real under the scheduled-reload safety net (and
again: idempotent), the reload net armed through its question and cancelled,
isolate/reconnect of a host two trunk hops from the core, a vendor window opened and
closed, and the aggregation switch replaced by its spare. (Check mode and second runs of
isolate and spare_swap are platform-blind: test_isolation.py and test_spare_swap.py.)
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import netmiko
import pytest
import yaml
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.dialects import dialect_for
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.session import (
    DeviceParams,
    DeviceSession,
)
from lab_fixtures import start_lab, stop_lab

from .playbooks import run_playbook

pytestmark = pytest.mark.lab

TOPOLOGY = Path(__file__).resolve().parents[1] / "lab" / "topologies" / "ruijie_playbooks.yml"
SWITCHES = ("CORE-R1", "AGG-R1", "ACC-R1")
VENDOR_IP = "10.10.100.10"  # vendor-vpn, the vendor's VPN address


class RuijieLab:
    def __init__(self, client, work: Path) -> None:
        self.client = client
        self.work = work
        status = client.status()
        self.inventory = Path(status["inventory"])
        self.devices = {entry["name"]: entry for entry in status["devices"]}

    def play(self, playbook: str, extravars: dict | None = None, **options):
        return run_playbook(playbook, self.inventory, self.work, extravars, **options)

    def configs(self) -> dict[str, str]:
        return {name: self.client.config(name) for name in SWITCHES}

    def reach(self, src: str, dst: str = "db-1") -> dict:
        return self.client.reach(src, dst)

    def configure(self, device: str, commands: list[str]) -> None:
        from hisops.lab.client import connection_params

        with netmiko.ConnectHandler(**connection_params(self.devices[device])) as conn:
            conn.send_config_set(commands)


@pytest.fixture(scope="module")
def rlab(tmp_path_factory):
    work = tmp_path_factory.mktemp("ruijie-work")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("HISOPS_VENDOR_ACCESS_DIR", str(work / "vendor"))
        env.setenv("HISOPS_SWAP_DIR", str(work / "swaps"))
        env.setenv("HISOPS_OPERATOR", "it-oncall")
        client = start_lab(tmp_path_factory.mktemp("ruijie-lab"), str(TOPOLOGY))
        try:
            yield RuijieLab(client, work)
        finally:
            stop_lab(client)


def test_network_check_backup_and_compliance(rlab) -> None:
    check = rlab.play("network_check")
    assert check.rc == 0, check.stdout[-3000:]
    agg = check.report("network_check.json")["AGG-R1"]
    assert agg["model"] == "RG-S5750C-28GT4XS-H", agg  # as the inventory names it
    assert (agg["serial"], agg["vendor"]) == ("G1QH10Q000011", "Ruijie")
    assert agg["firmware"].startswith("S5750_RGOS 11.4")
    names = {i["name"] for i in agg["interfaces"]}
    assert {"GigabitEthernet 0/1", "TenGigabitEthernet 0/25"} <= names
    assert {v["id"] for v in agg["vlans"]} >= {10, 50, 99}

    backup = rlab.play("switch_backup")
    assert backup.rc == 0, backup.stdout[-3000:]
    saved = (rlab.work / "backups" / "AGG-R1.cfg").read_text()
    assert "interface TenGigabitEthernet 0/25" in saved and "hostname AGG-R1" in saved

    compliance = rlab.play("switch_compliance")
    assert compliance.rc == 0, compliance.stdout[-3000:]
    report = compliance.report("switch_compliance.json")["devices"]
    assert report["AGG-R1"]["compliant"] and report["ACC-R1"]["compliant"], report
    # the lab's start-up gateways have no description; the plan gives each one
    core = report["CORE-R1"]["features"]
    assert [f for f, r in core.items() if not r["compliant"]] == ["vlanif"], core
    assert "interface VLAN 10: description OUTPATIENT" in core["vlanif"]["missing"]


def test_deploy_previews_repairs_drift_under_the_reload_net_and_is_idempotent(rlab) -> None:
    rlab.configure("AGG-R1", ["vlan 77", "interface TenGigabitEthernet 0/26",
                              "switchport trunk allowed vlan remove 10"])  # fmt: skip
    rlab.configure("ACC-R1", ["interface GigabitEthernet 0/2", "shutdown"])
    drifted = rlab.configs()

    preview = rlab.play("switch_deploy", check=True, diff=True)
    assert preview.rc == 0, preview.stdout[-3000:]
    assert preview.changed_by("Act | push") == {"CORE-R1", "AGG-R1", "ACC-R1"}
    assert "no vlan 77" in preview.stdout and "switchport trunk allowed vlan add 10" in (
        preview.stdout
    )
    assert rlab.configs() == drifted, "check mode touched a switch"
    assert not rlab.reach("opd-1")["reachable"]  # VLAN 10 is off the trunk to ACC-R1

    with pytest.MonkeyPatch.context() as env:
        env.setenv("ANSIBLE_VERBOSITY", "1")  # the push's result, with the net it armed
        deploy = rlab.play("switch_deploy")
    assert deploy.rc == 0, deploy.stdout[-3000:]
    assert deploy.changed_by("Act | push") == {"CORE-R1", "AGG-R1", "ACC-R1"}
    nets = re.findall(r'"safety_net": "([^"]*)"', deploy.stdout)
    assert len(nets) == 3 and all(n.startswith("reload in 5 (to the saved") for n in nets), nets
    agg = rlab.client.config("AGG-R1")
    assert "vlan 77" not in agg and "switchport trunk allowed vlan only 10,99" in agg
    assert "vlan 77" not in rlab.client.config("AGG-R1", "saved")  # saved, net cancelled
    assert rlab.reach("opd-1")["reachable"]
    assert rlab.reach("opd-2")["reachable"]  # its port is up again

    again = rlab.play("switch_deploy")
    assert again.rc == 0 and again.changed_hosts() == set(), again.stdout[-3000:]


def test_the_reload_net_is_armed_and_cancelled_through_its_question(rlab) -> None:
    """``reload in N`` asks ``Proceed with reload? [no]``: unanswered, nothing is scheduled
    and ``reload cancel`` finds nothing (a deploy would run without a net, silently)."""
    dialect = dialect_for("ruijie_os")
    entry = rlab.devices["ACC-R1"]
    known_hosts = yaml.safe_load(rlab.inventory.read_text())["all"]["vars"]["hisops_known_hosts"]
    params = DeviceParams(
        "ACC-R1", "ruijie_os", entry["host"], entry["username"], entry["password"],
        entry["port"], entry.get("secret", entry["password"]), known_hosts=known_hosts,
    )  # fmt: skip
    with DeviceSession(params) as session:
        kind, _description, reboot = dialect.safety_net(session.running_config(), 5)
        assert reboot
        dialect.arm_safety_net(session, kind, 5)
        assert session.show("reload cancel").strip() == "Reload cancelled."
        assert session.show("reload cancel").strip() == "% No reload is scheduled."


def test_isolate_a_host_two_hops_down_and_reconnect_exactly(rlab) -> None:
    before = rlab.configs()
    run = rlab.play("isolate", {"host": "10.10.10.101", "reason": "beaconing"})
    assert run.rc == 0, run.stdout[-3000:]
    assert not rlab.reach("opd-1")["reachable"]
    assert rlab.reach("opd-2")["reachable"]  # same access switch, same VLAN
    isolation = run.report("isolation.json")["isolation_id"]

    back = rlab.play(
        "reconnect",
        {"isolation_id": isolation, "cleanup_by": "it-oncall", "cleanup_scan": "1/1 clean"},
    )
    assert back.rc == 0, back.stdout[-3000:]
    assert rlab.configs() == before  # byte for byte
    assert rlab.reach("opd-1")["reachable"]


def test_vendor_window_opens_and_closes(rlab) -> None:
    before = rlab.client.config("AGG-R1")
    opened = rlab.play(
        "vendor_access",
        {"device": "AGG-R1", "vendor_ip": VENDOR_IP, "minutes": 30, "approved_by": "it lead"},
    )
    assert opened.rc == 0, opened.stdout[-3000:]
    running = rlab.client.config("AGG-R1")
    assert "line vty 0 4\n access-class " in running, running
    assert rlab.reach("vendor-vpn", "AGG-R1")["reachable"]
    assert not rlab.reach("doc-1", "AGG-R1")["reachable"]

    closed = rlab.play("vendor_access_close", {"device": "AGG-R1", "vendor_ip": VENDOR_IP})
    assert closed.rc == 0, closed.stdout[-3000:]
    assert rlab.client.config("AGG-R1") == before


def test_spare_replaces_the_aggregation_switch(rlab) -> None:
    rlab.client.fault("AGG-R1", "power-off")
    assert not rlab.reach("doc-1")["reachable"]
    swap = rlab.play("spare_swap", {"failed": "AGG-R1", "spare": "SPARE-R1"})
    assert swap.rc == 0, swap.stdout[-3000:]
    running = rlab.client.config("SPARE-R1")
    assert "hostname AGG-R1" in running and " description doc-1" in running
    assert "hostname AGG-R1" in rlab.client.config("SPARE-R1", "saved")
    record = json.loads((rlab.work / "swaps" / "AGG-R1.json").read_text())
    assert (record["failed"], record["spare"], record["interface_map"]) == (
        "AGG-R1",
        "SPARE-R1",
        {},  # same model, same port names
    )

    rlab.client.recable("AGG-R1", "SPARE-R1")
    back = rlab.reach("doc-1")
    assert back["reachable"] and "SPARE-R1" in [hop["device"] for hop in back["path"]], back
    assert rlab.reach("opd-1")["reachable"]  # the access switch behind it too
