# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cisco IOS and IOS XE (Catalyst access/aggregation): netmiko ``cisco_ios``."""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .base import COMMON_TCP_PORTS, COMMON_UDP_PORTS, first_value, read_clock_at
from .families import IosFamily

if TYPE_CHECKING:
    from ..session import DeviceSession

_WEEKDAY = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
# ``*18:57:38.347 UTC Mon Oct 19 2015`` (``*`` not authoritative, ``.`` NTP not
# synchronised, nothing when synchronised).
_CLOCK = re.compile(
    rf"^\s*[*.]?(\d{{1,2}}:\d{{2}}:\d{{2}})(?:\.\d+)?\s+\S+\s+{_WEEKDAY}\s+"
    r"([A-Z][a-z]{2})\s+(\d{1,2})\s+(\d{4})\s*$"
)
_ARCHIVE_PATH = re.compile(r"^archive\n(?: .*\n)*? path \S+", re.M)
REVERT_TIMER = "cisco-revert"
RELOAD = "cisco-reload"


class CiscoIos(IosFamily):
    name = "cisco_ios"
    ntc_platform = "cisco_ios"
    vendor = "Cisco"
    network_os = ("cisco.ios.ios", "ios")
    templates = "cisco_ios"
    interface_pattern = re.compile(
        r"^(?:(?:FastEthernet|GigabitEthernet|TenGigabitEthernet|TwentyFiveGigE|FortyGigabitEthernet)"
        r"\d+(?:/\d+){1,2}|Port-channel\d+)$"
    )
    interface_example = "GigabitEthernet1/0/1, TenGigabitEthernet1/1/1, Port-channel1"
    vlan_name_max = 32
    # Recorded from ISR4331 IOS XE 16.9, C6816 IOS 15.2(2)SY (docs/research/issue17.md (b)).
    port_names = {
        "tcp": {
            **COMMON_TCP_PORTS, "ident": 113, "msrpc": 135, "pim-auto-rp": 496, "syslog": 514,
        },
        "udp": {
            **COMMON_UDP_PORTS, "tacacs": 49, "domain": 53, "netbios-ss": 139, "dnsix": 195,
            "mobile-ip": 434, "pim-auto-rp": 496, "isakmp": 500, "non500-isakmp": 4500,
            "ripv6": 521,
        },
    }  # fmt: skip

    def read_clock(self, text: str) -> datetime | None:
        return read_clock_at(_CLOCK, text, "%H:%M:%S %b %d %Y")

    def gather_facts(self, session: DeviceSession) -> dict[str, Any]:
        version = session.parse(self.show_version)
        inventory = session.parse(self.show_inventory)
        return {
            "model": first_value(version, "hardware") or first_value(inventory, "pid"),
            "firmware": first_value(version, "version"),
            "serial": first_value(version, "serial") or first_value(inventory, "sn"),
            **self.port_and_vlan_facts(session),
        }

    # With an archive path: ``configure terminal revert timer N`` (archive-based rollback,
    # armed by entering configuration mode with it), confirmed with ``configure confirm``;
    # without one IOS cannot roll back: ``reload in N`` to the startup configuration.
    def safety_net(self, running: str, minutes: int) -> tuple[str, str, bool]:
        if _ARCHIVE_PATH.search(running):
            return REVERT_TIMER, f"configure terminal revert timer {minutes}", False
        return (
            RELOAD,
            f"reload in {minutes} (to the startup configuration; no archive path)",
            True,
        )

    def arm_safety_net(self, session: DeviceSession, kind: str, minutes: int) -> None:
        if kind == RELOAD:
            session.send_timing_confirm(f"reload in {minutes}")

    def config_mode_command(self, kind: str, minutes: int) -> str | None:
        return f"configure terminal revert timer {minutes}" if kind == REVERT_TIMER else None

    def confirm_safety_net(self, session: DeviceSession, kind: str) -> None:
        if kind == REVERT_TIMER:
            session.show("configure confirm")
        else:
            session.send_timing_confirm("reload cancel")


DIALECT = CiscoIos()
