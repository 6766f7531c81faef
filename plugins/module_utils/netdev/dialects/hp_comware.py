# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""H3C Comware 5/7 (netmiko ``hp_comware``)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .base import COMMON_TCP_PORTS, Block, Lines, first_value, read_clock_at
from .families import VRP_UDP_PORTS, VrpFamily, vrp_single_value

if TYPE_CHECKING:
    from ..session import DeviceSession

_WEEKDAY = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
# Comware 5: ``19:35:31 UTC Sat 01/08/2011``, a zone name in place of ``UTC``
# (``15:10:00 Z5 Fri 03/16/2015``) followed by ``Time Zone : Z5 add 05:00:00`` and possibly
# ``Summer Time : PDT ...``; Comware 7 adds milliseconds (``10:09:00.258 UTC Fri 03/16/2018``).
_CLOCK = re.compile(
    rf"^\s*(\d{{1,2}}:\d{{2}}:\d{{2}})(?:\.\d+)?\s+\S+\s+{_WEEKDAY}\s+(\d{{1,2}}/\d{{1,2}}/\d{{4}})\s*$"
)
# Comware 7 filters SSH logins with ``ssh server acl N`` in system view (HPE 12900E
# Security CR; docs/fidelity.md): not under ``line vty`` (Comware 5's ``acl N inbound``).
_SYSTEM_LOGIN_ACL = re.compile(r"^ssh server acl (\d+)$")


class HpComware(VrpFamily):
    name = "hp_comware"
    ntc_platform = "hp_comware"
    vendor = "H3C"
    show_inventory = "display device manuinfo"
    show_vlans = "display vlan all"
    show_arp = "display arp"
    # netmiko turns echo verification off for Comware (long lines may wrap), and then
    # waits for 2 s of silence after every configuration line. hisops' lines are
    # short (VLAN lists are folded into ranges), so it verifies the echo instead.
    netmiko_options = {"global_cmd_verify": True}
    templates = "hp_comware"
    indented_top_level = True
    gateway_prefix = "Vlan-interface"
    interface_pattern = re.compile(
        r"^(?:(?:GigabitEthernet|Ten-GigabitEthernet|Twenty-FiveGigE|FortyGigE|HundredGigE)"
        r"\d+/\d+/\d+|Bridge-Aggregation\d+)$"
    )
    interface_example = "GigabitEthernet1/0/1, Ten-GigabitEthernet1/0/25, Bridge-Aggregation1"
    vlan_name_max = 32
    trunk_vlan_command = "port trunk permit vlan"
    undo_vlan_ranges = True
    acl_applied = re.compile(r"^packet-filter \S+ (inbound|outbound)$")
    hier_config_platform = "HP_COMWARE5"
    single_value = vrp_single_value("port access vlan ")
    # Sources: HPE HSR6800 Comware 7 ACL and QoS command reference (docs/research/issue17.md).
    port_names = {"tcp": {**COMMON_TCP_PORTS, "dns": 53}, "udp": dict(VRP_UDP_PORTS)}
    vty_lines = ("line vty 0 63",)

    def read_clock(self, text: str) -> datetime | None:
        return read_clock_at(_CLOCK, text, "%H:%M:%S %m/%d/%Y")

    def gather_facts(self, session: DeviceSession) -> dict[str, Any]:
        manuinfo = session.parse(self.show_inventory)
        chassis = [r for r in manuinfo if r.get("device_serial_number")] or manuinfo
        facts: dict[str, Any] = {
            "model": first_value(chassis, "device_name"),
            "serial": first_value(chassis, "device_serial_number"),
        }
        match = re.search(r"Comware Software, Version ([^\n]+)", session.show(self.show_version))
        facts["firmware"] = match.group(1).strip() if match else ""
        return {**facts, **self.port_and_vlan_facts(session, "link", "vlan_name")}

    # Comware 7: commit-confirm in system view, confirmed with ``configuration commit``.
    def safety_net(self, running: str, minutes: int) -> tuple[str, str, bool]:
        return "comware-commit", f"configuration commit delay {minutes}", False

    def arm_safety_net(self, session: DeviceSession, kind: str, minutes: int) -> None:
        session.config_set([f"configuration commit delay {minutes}"])

    def confirm_safety_net(self, session: DeviceSession, kind: str) -> None:
        session.config_set(["configuration commit"])

    def expand_vlan_section(self, line: str, children: list[str]) -> list[Lines] | None:
        words = line.split()
        if "to" not in words:
            return None
        return [(f"vlan {vid}", []) for vid in sorted(self.parse_vlans(" ".join(words[1:])))]

    def acl_header(self, acl: str) -> str:
        return f"acl advanced {acl}"

    acl_binding = "packet-filter {acl} {direction}"

    def acl_filter_prefix(self) -> str:
        return "packet-filter "

    time_range_date = "%m/%d/%Y"

    def login_acl_bindings(self, acl: str) -> list[Block]:
        return [([f"ssh server acl {acl}"], ["undo ssh server acl"])]

    def login_acl(self, sections: dict[str, list[str]]) -> str:
        return next((m.group(1) for line in sections if (m := _SYSTEM_LOGIN_ACL.match(line))), "")


DIALECT = HpComware()
