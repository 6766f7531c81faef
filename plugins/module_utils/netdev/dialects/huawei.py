# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Huawei VRP (S-series campus switches): netmiko ``huawei``."""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .base import COMMON_TCP_PORTS, Lines, first_value, read_clock_at
from .families import VRP_UDP_PORTS, VrpFamily, vrp_single_value

if TYPE_CHECKING:
    from ..session import DeviceSession

# ``2019-08-21 09:27:01``, ``2017-12-12 08:56:00+08:00`` (zone set),
# ``2012-07-12 11:08:52+08:00 DST`` (summer time), then the weekday and
# ``Time Zone(name) : UTC+08:00`` lines (docs/fidelity.md).
_CLOCK = re.compile(
    r"^\s*(\d{4}-\d{2}-\d{2}) (\d{1,2}:\d{2}:\d{2})(?:[+-]\d{2}:\d{2})?(?:\s+DST)?\s*$"
)
# No ntc-templates template exists for ``display esn``; the line format is fixed.
_ESN = re.compile(r"ESN of (?:master|slot \S+)\s*:\s*(\S+)", re.I)


class Huawei(VrpFamily):
    name = "huawei"
    ntc_platform = "huawei_vrp"
    vendor = "Huawei"
    show_inventory = "display device"
    show_vlans = "display vlan"
    show_arp = "display arp all"
    templates = "huawei"
    gateway_prefix = "Vlanif"
    interface_pattern = re.compile(
        r"^(?:(?:GigabitEthernet|XGigabitEthernet|MultiGE|25GE|40GE|100GE)\d+/\d+/\d+|Eth-Trunk\d+)$"
    )
    interface_example = "GigabitEthernet0/0/1, XGigabitEthernet0/0/1, Eth-Trunk1"
    vlan_name_max = 31
    trunk_vlan_command = "port trunk allow-pass vlan"
    vlan_batch = True
    acl_applied = re.compile(r"^traffic-filter (inbound|outbound) acl \S+$")
    hier_config_platform = "HUAWEI_VRP"
    single_value = vrp_single_value("port default vlan ")
    # Sources: CE6800 V300R023C00 command reference (docs/research/issue17.md (b)).
    port_names = {"tcp": dict(COMMON_TCP_PORTS), "udp": dict(VRP_UDP_PORTS)}
    vty_lines = ("user-interface vty 0 4",)

    def read_clock(self, text: str) -> datetime | None:
        return read_clock_at(_CLOCK, text, "%Y-%m-%d %H:%M:%S")

    def gather_facts(self, session: DeviceSession) -> dict[str, Any]:
        version = session.parse(self.show_version)
        facts: dict[str, Any] = {
            # "HUAWEI S5735-S48T4X Routing Switch uptime is": the template keeps the suffix.
            "model": (first_value(version, "model").split() or [""])[0],
            "firmware": first_value(version, "product_version")
            or first_value(version, "vrp_version"),
        }
        match = _ESN.search(session.show("display esn"))
        facts["serial"] = match.group(1) if match else ""
        return {**facts, **self.port_and_vlan_facts(session, "phy", "vlan_description")}

    # S-series has no commit-confirm: a scheduled reboot to the saved configuration.
    def safety_net(self, running: str, minutes: int) -> tuple[str, str, bool]:
        delay = f"{minutes // 60:02d}:{minutes % 60:02d}"
        return "huawei-reboot", f"schedule reboot delay {delay} (to the saved configuration)", True

    def arm_safety_net(self, session: DeviceSession, kind: str, minutes: int) -> None:
        session.send_timing_confirm(f"schedule reboot delay {minutes // 60:02d}:{minutes % 60:02d}")

    def confirm_safety_net(self, session: DeviceSession, kind: str) -> None:
        session.send_timing_confirm("undo schedule reboot")

    def expand_vlan_section(self, line: str, children: list[str]) -> list[Lines] | None:
        words = line.split()
        if words[:2] != ["vlan", "batch"]:
            return None
        return [(f"vlan batch {vid}", []) for vid in sorted(self.parse_vlans(" ".join(words[2:])))]

    def folded_vlan_heads(self) -> tuple[str, ...]:
        return ("vlan batch", f"{self.negation}vlan batch", *super().folded_vlan_heads())

    def hier_config_rules(self, driver: Any) -> None:
        super().hier_config_rules(driver)
        from hier_config.models import MatchRule, NegationSubRule

        # "acl name HIS-DB 3001" is removed as "undo acl 3001"
        driver.rules.negation_sub.append(
            NegationSubRule(
                match_rules=(MatchRule(startswith="acl name "),),
                search=r"^undo acl name \S+ (\d+)$",
                replace=r"undo acl \1",
            )
        )

    def acl_header(self, acl: str) -> str:
        return f"acl number {acl}"

    # S-series interface view: the undo form names the ACL (docs/fidelity.md).
    acl_binding = "traffic-filter {direction} acl {acl}"

    def acl_filter_prefix(self) -> str:
        return "traffic-filter inbound"

    time_range_date = "%Y/%m/%d"


DIALECT = Huawei()
