"""Issue 5, ACLs against the lab: the plan's ACLs deployed on Huawei VRP, H3C Comware and
Cisco IOS, proved by the lab's data plane (``hisops lab reach``), drift made by hand over
SSH named item by item and remediated in the plan's rule order, bad ACL input refused
with no device touched.

The lab plan (hisops/lab/vlanplan.py): HIS-DB-PROTECT (3001) outbound on the core's
Vlanif100 lets departments reach the HIS database port only; WS-EDGE (3010) inbound on
every workstation port drops SMB (445) and RDP (3389).
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import netmiko
import pytest
import yaml

from .playbooks import run_playbook

pytestmark = pytest.mark.lab

ACL_SWITCHES = {"CORE-1": "huawei", "ACC-1": "huawei", "AGG-3": "hp_comware", "ACC-3": "cisco_ios"}


def configure(lab, device: str, commands: list[str]) -> None:
    with netmiko.ConnectHandler(**lab.params(device)) as conn:
        conn.send_config_set(commands)


def all_running(lab) -> dict[str, str]:
    return {name: lab.client.config(name) for name in lab.devices}


def acl_lines(text: str) -> list[str]:
    """The ACL and filter lines of a running configuration, in the device's order."""
    return [
        line.strip()
        for line in text.splitlines()
        if re.match(
            r"^\s*(acl |rule |ip access-list |permit |deny |remark |"
            r"traffic-filter |packet-filter |ip access-group )",
            line,
        )
    ]


@pytest.fixture(scope="module")
def deployed(lab, tmp_path_factory):
    """The plan with its ACLs deployed once; the lab is put back on its startup state after."""
    if "hisops_acls" not in yaml.safe_load(lab.inventory.read_text())["all"]["vars"]:
        pytest.skip("the lab's topology carries no ACLs (only the default hospital does)")
    lab.reset()
    work = tmp_path_factory.mktemp("acl-deploy")
    first = run_playbook("switch_deploy", lab.inventory, work)
    assert first.rc == 0, first.stdout[-3000:]
    assert ACL_SWITCHES.keys() <= first.changed_by("Act | push")
    yield lab
    lab.reset()  # later modules expect the startup state (no ACLs in the data plane)


def blocked_by(result: dict) -> str:
    assert not result["reachable"], result
    return result["reason"]


def test_deploy_puts_the_acls_in_and_the_data_plane_enforces_them(deployed) -> None:
    lab = deployed
    core = lab.client.config("CORE-1")
    assert "acl name HIS-DB-PROTECT 3001" in core
    assert re.search(r"interface Vlanif100\n(?: .*\n)* traffic-filter outbound acl 3001", core)
    assert "acl advanced 3010" in lab.client.config("AGG-3")
    assert re.search(
        r"interface GigabitEthernet1/0/1\n(?: .*\n)* packet-filter 3010 inbound",
        lab.client.config("AGG-3"),
    )
    acc3 = lab.client.config("ACC-3")
    assert "ip access-list extended WS-EDGE" in acc3
    assert re.search(r"interface GigabitEthernet1/0/1\n(?: .*\n)* ip access-group WS-EDGE in", acc3)

    # HIS-DB-PROTECT (Huawei core): a department reaches the database port, nothing else.
    for workstation in ("opd-reg-01", "doc-01", "lis-ws-01"):
        assert lab.reach(workstation, "his-db-1", protocol="tcp", port=5432)["reachable"], (
            workstation
        )
    assert "ACL 3001 on CORE-1 Vlanif100 outbound" in blocked_by(
        lab.reach("opd-reg-01", "his-db-1", protocol="tcp", port=22)
    )
    assert lab.reach("ansible-ctl", "his-db-1", protocol="tcp", port=22)["reachable"]  # IT
    denied = lab.hisops("reach", "nurse-01", "his-db-2", "--protocol", "tcp", "--port", "22")
    assert denied.returncode == 1 and "ACL 3001 on CORE-1" in denied.stdout, denied.stdout
    assert (
        lab.hisops(
            "reach", "nurse-01", "his-db-2", "--protocol", "tcp", "--port", "5432"
        ).returncode
        == 0
    )
    assert lab.reach("ansible-ctl", "his-db-1")["reachable"], "the controller must reach lab hosts"

    # WS-EDGE on each platform's workstation ports: no SMB, no RDP, other traffic passes.
    assert "ACL 3010 on ACC-1 GigabitEthernet0/0/1 inbound" in blocked_by(
        lab.reach("opd-reg-01", "doc-01", protocol="tcp", port=445)
    )
    assert "ACL 3010 on AGG-3 GigabitEthernet1/0/1 inbound" in blocked_by(
        lab.reach("doc-01", "nurse-01", protocol="tcp", port=3389)
    )
    assert "ACL WS-EDGE on ACC-3 GigabitEthernet1/0/1 inbound" in blocked_by(
        lab.reach("lis-ws-01", "doc-01", protocol="tcp", port=445)
    )
    assert lab.reach("lis-ws-01", "doc-01", protocol="tcp", port=443)["reachable"]


def test_acl_drift_is_named_item_by_item_and_remediated_in_order(deployed, tmp_path: Path) -> None:
    lab = deployed
    before = {name: acl_lines(lab.client.config(name)) for name in ACL_SWITCHES}
    # Huawei core: a rule missing, a rule added (SSH to the DB servers), the ACL unapplied.
    configure(
        lab,
        "CORE-1",
        [
            "acl 3001",
            "undo rule 20",
            "rule 7 permit tcp destination 10.10.100.0 0.0.0.255 destination-port eq 22",
            "quit",
            "interface Vlanif100",
            "undo traffic-filter outbound acl 3001",
            "quit",
        ],
    )
    # H3C: a rule changed (RDP permitted); Cisco: the SMB entry gone, the ACL off a port.
    configure(lab, "AGG-3", ["acl advanced 3010", "rule 10 permit tcp destination-port eq 3389"])
    configure(
        lab,
        "ACC-3",
        [
            "ip access-list extended WS-EDGE",
            "no 10",
            "exit",
            "interface GigabitEthernet1/0/2",
            "no ip access-group WS-EDGE in",
        ],
    )
    assert lab.reach("opd-reg-01", "his-db-1", protocol="tcp", port=22)["reachable"]
    assert lab.reach("doc-01", "nurse-01", protocol="tcp", port=3389)["reachable"]

    drift = run_playbook("switch_compliance", lab.inventory, tmp_path, {"fail_on_drift": True})
    assert drift.rc != 0
    devices = drift.report("switch_compliance.json")["devices"]
    assert {n for n, r in devices.items() if not r["compliant"]} == {"CORE-1", "AGG-3", "ACC-3"}
    core = devices["CORE-1"]["features"]["acl"]
    assert sorted(core["missing"]) == [
        "acl name HIS-DB-PROTECT 3001: rule 20 permit tcp source 10.10.30.0 0.0.0.255 "
        "destination 10.10.100.0 0.0.0.255 destination-port eq 5432",
        "interface Vlanif100: traffic-filter outbound acl 3001",
    ]
    assert core["extra"] == [
        "acl name HIS-DB-PROTECT 3001: rule 7 permit tcp destination "
        "10.10.100.0 0.0.0.255 destination-port eq 22"
    ]
    h3c = devices["AGG-3"]["features"]["acl"]
    assert h3c["missing"] == ["acl advanced 3010: rule 10 deny tcp destination-port eq 3389"]
    assert h3c["extra"] == ["acl advanced 3010: rule 10 permit tcp destination-port eq 3389"]
    cisco = devices["ACC-3"]["features"]["acl"]
    assert sorted(cisco["missing"]) == [
        "interface GigabitEthernet1/0/2: ip access-group WS-EDGE in",
        "ip access-list extended WS-EDGE: deny tcp any any eq 445",
    ]
    assert cisco["extra"] == []
    for name in ("CORE-1", "AGG-3", "ACC-3"):
        others = [f for f, r in devices[name]["features"].items() if not r["compliant"]]
        assert others == ["acl"], (name, others)

    fix = run_playbook("switch_deploy", lab.inventory, tmp_path)
    assert fix.rc == 0, fix.stdout[-3000:]
    assert fix.changed_by("Act | push") == {"CORE-1", "AGG-3", "ACC-3"}
    after = {name: acl_lines(lab.client.config(name)) for name in ACL_SWITCHES}
    assert after == before, "the remediated ACLs differ from the deployed ones (rules or order)"
    assert not lab.reach("opd-reg-01", "his-db-1", protocol="tcp", port=22)["reachable"]
    assert not lab.reach("doc-01", "nurse-01", protocol="tcp", port=3389)["reachable"]
    assert not lab.reach("lis-ws-01", "doc-01", protocol="tcp", port=445)["reachable"]

    # The deploy's own Verify step (compliance after the push) passed: rc 0 above.
    again = run_playbook("switch_deploy", lab.inventory, tmp_path)
    assert again.rc == 0 and again.changed_hosts() == set(), again.stats


def _acls(inventory: dict) -> list[dict]:
    return inventory["all"]["vars"]["hisops_acls"]


def _core(inventory: dict) -> dict:
    return inventory["all"]["children"]["switches"]["children"]["core"]["hosts"]["CORE-1"][
        "hisops_switch"
    ]


def _cisco_access(inventory: dict) -> dict:
    return inventory["all"]["children"]["switches"]["children"]["access"]["hosts"]["ACC-3"][
        "hisops_switch"
    ]


BAD_ACL_INPUTS = {
    "unknown ACL applied": (
        lambda inv: _core(inv)["acls"][0].update(acl="HIS-DB"),
        "hisops_switch.acls[0].acl: 'HIS-DB' is not an ACL of hisops_acls [CORE-1]",
    ),
    "duplicate ACL number": (
        lambda inv: _acls(inv).append(
            {"name": "PRINTERS", "number": 3010, "rules": [{"action": "permit", "protocol": "ip"}]}
        ),
        "hisops_acls[2].number: 3010 is already the number of ACL WS-EDGE",
    ),
    "number outside the advanced range": (
        lambda inv: _acls(inv)[0].update(number=2001),
        "hisops_acls[0].number: 2001 is outside 3000-3999",
    ),
    "bad CIDR": (
        lambda inv: _acls(inv)[0]["rules"][1].update(source="10.10.10.1/24"),
        "hisops_acls[0].rules[1].source: '10.10.10.1/24' is not any, host a.b.c.d",
    ),
    "port without tcp/udp": (
        lambda inv: _acls(inv)[0]["rules"][1].update(protocol="icmp"),
        "hisops_acls[0].rules[1].port: a port needs protocol tcp or udp, not icmp",
    ),
    "VLAN the switch has no gateway in": (
        lambda inv: _cisco_access(inv)["acls"].append(
            {"acl": "WS-EDGE", "vlan": 60, "direction": "inbound"}
        ),
        "hisops_switch.acls[1].vlan: 60: this switch has no gateway interface in that VLAN",
    ),
}


def test_bad_acl_input_is_refused_before_any_device_is_touched(deployed, tmp_path: Path) -> None:
    """Every bad ACL field at once (the plan names them all), and no device touched."""
    lab = deployed
    inventory = copy.deepcopy(yaml.safe_load(lab.inventory.read_text()))
    for mutate, _expected in BAD_ACL_INPUTS.values():
        mutate(inventory)
    bad = tmp_path / "inventory.yml"
    bad.write_text(yaml.safe_dump(inventory))
    # Drift, so that a half-applied deploy would show.
    configure(lab, "ACC-3", ["interface GigabitEthernet1/0/2", "no ip access-group WS-EDGE in"])
    before = all_running(lab)
    try:
        run = run_playbook("switch_deploy", bad, tmp_path)
        assert run.rc != 0
        missing = [
            case for case, (_m, expected) in BAD_ACL_INPUTS.items() if expected not in run.stdout
        ]
        assert not missing, (missing, run.stdout[-3000:])
        assert all_running(lab) == before, "a device was changed although the plan was refused"
    finally:
        configure(lab, "ACC-3", ["interface GigabitEthernet1/0/2", "ip access-group WS-EDGE in"])


def test_well_known_ports_read_back_by_name_are_no_drift_and_ios_is_edited_in_place(
    deployed, tmp_path: Path
) -> None:
    """Issue 17, finding 2, over SSH: the plan adds ``port: 80`` and UDP 53 to WS-EDGE; the
    switches print ``eq www`` (all three), ``dns`` (VRP, Comware) or ``domain`` (IOS). The
    deploy inserts the entries into ACC-3's ACL in place (a line removing the ACL would drop
    the session: the lab's fault is armed on it), its compliance read-back finds no drift,
    and a second deploy changes nothing."""
    lab = deployed
    inventory = copy.deepcopy(yaml.safe_load(lab.inventory.read_text()))
    edge = next(a for a in _acls(inventory) if a["name"] == "WS-EDGE")
    edge["rules"][-1:-1] = [
        {"action": "permit", "protocol": "tcp", "destination": "10.10.100.0/24", "port": 80},
        {"action": "permit", "protocol": "udp", "port": 53},
    ]
    plan = tmp_path / "inventory.yml"
    plan.write_text(yaml.safe_dump(inventory))
    limit = "ACC-1,AGG-3,ACC-3"
    lab.client.fault("ACC-3", "drop", count=1, match=r"^no ip access-list")
    try:
        deploy = run_playbook("switch_deploy", plan, tmp_path, limit=limit)
    finally:
        lab.client.clear("ACC-3")
    assert deploy.rc == 0, deploy.stdout[-3000:]
    assert deploy.changed_by("Act | push") == {"ACC-1", "AGG-3", "ACC-3"}
    printed = {
        "ACC-1": ["destination-port eq www", "destination-port eq dns"],
        "AGG-3": ["destination-port eq www", "destination-port eq dns"],
        "ACC-3": ["permit tcp any 10.10.100.0 0.0.0.255 eq www", "permit udp any any eq domain"],
    }
    for name, wanted in printed.items():
        lines = acl_lines(lab.client.config(name))
        found = [line for line in lines if any(w in line for w in wanted)]
        assert len(found) == 2, (name, lines)
        assert not any(re.search(r"eq (80|53)\b", line) for line in lines), (name, lines)
    ws_edge = acl_lines(lab.client.config("ACC-3"))
    assert ws_edge[ws_edge.index("ip access-list extended WS-EDGE") + 1 :][:6] == [
        "remark workstation ports: no SMB or RDP (ransomware containment)",
        "deny   tcp any any eq 445",
        "deny   tcp any any eq 3389",
        "permit tcp any 10.10.100.0 0.0.0.255 eq www",
        "permit udp any any eq domain",
        "permit ip any any",
    ]
    # The deploy's Verify step (compliance read back after the push) passed: rc 0 above;
    # the second deploy reads the names as the plan's numbers and sends nothing.
    again = run_playbook("switch_deploy", plan, tmp_path, limit=limit)
    assert again.rc == 0 and again.changed_hosts() == set(), again.stats
