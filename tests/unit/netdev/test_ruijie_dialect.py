"""The Ruijie RGOS dialect: what it says beyond the IOS family (names with a blank, trunk
lists written ``only LIST``, ``vlan range``, RGOS's clock and refusals, the model as the
product is named), on real RGOS text (tests/fixtures/captures/ruijie_os)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from ansible_collections.hisops.emergency.plugins.module_utils.netdev.dialects import (
    dialect_for,
)

CAPTURES = Path(__file__).resolve().parents[2] / "fixtures" / "captures" / "ruijie_os"
RGOS = dialect_for("ruijie_os")
ALLOWED = "switchport trunk allowed vlan"


def test_names_carry_a_blank() -> None:
    assert RGOS.interface_name("interface GigabitEthernet 0/1") == "GigabitEthernet 0/1"
    assert RGOS.interface_name("interface AggregatePort 1") == "AggregatePort 1"
    assert RGOS.interface_name("interface range GigabitEthernet 0/1 - 4") is None
    assert RGOS.gateway_name(10) == "VLAN 10"
    assert RGOS.is_gateway("VLAN 10") and not RGOS.is_gateway("Vlan10")
    assert RGOS.interface_pattern.match("TenGigabitEthernet 0/25")
    assert not RGOS.interface_pattern.match("GigabitEthernet0/1")  # RGOS prints the blank


def test_trunk_lists_only_all_and_edits() -> None:
    trunk = "switchport mode trunk"
    only = RGOS.expand_trunk_vlans([trunk, f"{ALLOWED} only 10,20-21"])
    assert only == [trunk, f"{ALLOWED} 10", f"{ALLOWED} 20", f"{ALLOWED} 21"]
    assert len(RGOS.expand_trunk_vlans([trunk, f"{ALLOWED} all"])) == 1 + 4094
    assert RGOS.expand_trunk_vlans([trunk]) == RGOS.expand_trunk_vlans([trunk, f"{ALLOWED} all"])
    removed = RGOS.expand_trunk_vlans([trunk, f"{ALLOWED} only 10,20", f"{ALLOWED} remove 10"])
    assert removed == [trunk, f"{ALLOWED} 20"]
    assert RGOS.trunk_vlan_edit(30) == (f"{ALLOWED} remove 30", f"{ALLOWED} add 30")


def test_vlan_range_sections_are_one_vlan_each() -> None:
    sections = RGOS.expand_vlan_section("vlan range 1,100,240-242", [])
    assert [line for line, _children in sections or []] == [
        "vlan 1", "vlan 100", "vlan 240", "vlan 241", "vlan 242",
    ]  # fmt: skip
    assert RGOS.expand_vlan_section("vlan 10", [" name X"]) is None


def test_refusals_and_clock() -> None:
    assert RGOS.rejected("% Unknown command.")
    assert RGOS.rejected("        ^\n% Invalid input detected at '^' marker.")
    assert not RGOS.rejected("Reload cancelled.")
    real = (CAPTURES / "show_clock" / "ruijie_os_show_clock.raw").read_text()
    assert RGOS.read_clock(real) == datetime(2020, 9, 27, 23, 26, 48)
    assert RGOS.read_clock("10:30:05 UTC Mon, Nov 23, 2026") == datetime(2026, 11, 23, 10, 30, 5)
    assert RGOS.read_clock("*18:57:38.347 UTC Mon Oct 19 2015") is None  # IOS's


class Canned:
    """What gather_facts asks of a session, answered from captures."""

    def __init__(self, outputs: dict[str, str]) -> None:
        self.outputs = outputs

    def parse(self, command: str) -> list[dict[str, Any]]:
        return RGOS.parse_output(command, self.outputs[command])


def test_facts_name_the_model_as_sold() -> None:
    """``show version`` prints ``Switch(S8607E)`` on an RG-S8607E: the model is reported with
    its ``RG-``, as the product and an inventory name it."""
    outputs = {
        "show version": "show_version/ruijie_os_show_version_s8607e_11.0.raw",
        "show interfaces status": "show_interfaces_status/ruijie_os_show_interfaces_status_s5750_11.4.raw",
        "show vlan": "show_vlan/ruijie_os_show_vlan_s2628g_10.4.raw",
    }
    facts = RGOS.gather_facts(Canned({c: (CAPTURES / p).read_text() for c, p in outputs.items()}))  # type: ignore[arg-type]
    assert facts["model"] == "RG-S8607E"
    assert facts["firmware"].startswith("S8600E_RGOS 11.0") and facts["serial"]
    assert facts["interfaces"][0] == {"name": "GigabitEthernet 0/11", "status": "up", "vlan": "248"}
    assert {v["id"] for v in facts["vlans"]} >= {1, 2, 11}
