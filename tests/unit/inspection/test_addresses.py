"""The addresses area (plan P4.4): ARP tables read from real captures (ntc-templates, each
dialect's own command), the plan's assigned addresses, the finding with its isolate command."""

from __future__ import annotations

from pathlib import Path

import pytest
from ansible_collections.hisops.emergency.plugins.module_utils.inspection import addresses
from ansible_collections.hisops.emergency.plugins.module_utils.netdev import facts
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.dialects import dialect_for
from ansible_collections.hisops.emergency.plugins.module_utils.netdev.session import (
    DeviceParams,
    DeviceSession,
)

CAPTURES = Path(__file__).resolve().parents[2] / "fixtures" / "captures"
ARP_CAPTURES = {
    "huawei": "huawei_vrp/display_arp_all",
    "hp_comware": "hp_comware/display_arp",
    "cisco_ios": "cisco_ios/show_ip_arp",
    "ruijie_os": "ruijie_os/show_arp",
}
VLANS = [
    {"id": 10, "name": "OUTPATIENT", "subnet": "10.10.10.0/24", "gateway": "10.10.10.1"},
    {"id": 99, "name": "MGMT", "subnet": "10.10.99.0/24", "gateway": "10.10.99.1"},
]


class CannedSession(DeviceSession):
    """The collection's session answering from a capture; ``parse`` is the real one."""

    def __init__(self, platform: str, outputs: dict[str, str]) -> None:
        super().__init__(DeviceParams("captured", platform, "192.0.2.1", "u", "p"))
        self.outputs = outputs

    def show(self, command: str, read_timeout: float = 20.0) -> str:
        return self.outputs[command]


@pytest.mark.parametrize("platform", sorted(ARP_CAPTURES))
def test_every_dialects_arp_capture_gives_addresses_to_judge(platform: str) -> None:
    command = dialect_for(platform).show_arp
    for raw in sorted((CAPTURES / ARP_CAPTURES[platform]).glob("*.raw")):
        rows = facts.arp_table(CannedSession(platform, {command: raw.read_text(errors="replace")}))
        assert rows, raw.name
        first = rows[0]["ip"]
        assigned = {first: "registry"}
        found = addresses.unassigned(rows, assigned)
        assert first not in [r["ip"] for r in found]
        assert len(found) == len({r["ip"] for r in rows}) - 1, raw.name
        finding = addresses.address_finding(found[0], VLANS) if found else None
        if finding:
            assert finding.severity == "warning" and finding.plan_item == "P4.4"
            assert finding.action.startswith(f"hisops run isolate -e host={found[0]['ip']} ")


def test_what_the_plan_assigns() -> None:
    assigned = addresses.assigned_addresses(
        [{"name": "opd-reg-01", "ip": "10.10.10.101"}, {"name": "no-ip"}],
        ["10.10.99.2/24", ""],
        VLANS,
        "10.10.99.250",
        ["10.10.100.100"],
    )
    assert assigned == {
        "10.10.10.1": "gateway of VLAN 10",
        "10.10.99.1": "gateway of VLAN 99",
        "10.10.99.2": "switch management",
        "10.10.10.101": "opd-reg-01",
        "10.10.99.250": "the controller",
        "10.10.100.100": "listed by the site",
    }


def test_unassigned_address_located_with_the_one_isolate_command() -> None:
    rows = [
        {"ip": "10.10.10.150", "mac": "52:54:00:0a:00:99", "interface": "Vlanif10"},
        {"ip": "10.10.10.101", "mac": "52:54:00:0a:00:01", "interface": "Vlanif10"},
        {"ip": "10.10.10.150", "mac": "52:54:00:0a:00:99", "interface": "Vlanif10"},
        {"ip": "172.16.0.9", "mac": "52:54:00:aa:00:01", "interface": "Vlanif10"},
    ]
    found = addresses.unassigned(rows, {"10.10.10.101": "opd-reg-01"})
    assert [r["ip"] for r in found] == ["10.10.10.150", "172.16.0.9"]
    where = {"switch": "ACC-1", "port": "GigabitEthernet0/0/9", "vlan": 10}
    finding = addresses.address_finding(found[0], VLANS, where)
    assert finding.severity == "warning" and finding.suggested_class == 3
    assert finding.params["switch"] == "ACC-1" and finding.params["port"] == "GigabitEthernet0/0/9"
    assert finding.params["vlan"] == 10 and finding.params["mac"] == "52:54:00:0a:00:99"
    assert "ACC-1 GigabitEthernet0/0/9" in finding.message
    assert finding.action == (
        "hisops run isolate -e host=10.10.10.150 "
        "-e reason='unassigned address 10.10.10.150 found by the daily inspection'"
    )
    outside = addresses.address_finding(found[1], VLANS, {"error": "no MAC table has it"})
    assert outside.params["vlan"] is None and "no VLAN of the plan" in outside.message
    held = addresses.address_finding(found[0], VLANS, where, {"kind": "isolation", "id": "iso-3"})
    assert held.severity == "ok" and held.expected == {"kind": "isolation", "id": "iso-3"}
