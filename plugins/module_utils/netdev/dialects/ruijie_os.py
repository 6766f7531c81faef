# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ruijie RGOS 11.x (RG-S5750 / RG-S2910 campus aggregation and access): netmiko
``ruijie_os``.

An IOS-like CLI; what RGOS says its own way (sources in docs/fidelity.md, "Ruijie RGOS"):
interface names with a blank (``GigabitEthernet 0/1``, gateways ``VLAN 10``), trunk lists
``switchport trunk allowed vlan only LIST``, VLANs also as ``vlan range LIST``, ``show
mac-address-table`` / ``show arp`` / ``show vlan`` / ``show access-lists``, no ``show
inventory``, the clock as ``HH:MM:SS ZONE Www, Mon DD, YYYY``, a bare ``write`` to save. No
commit-confirm or rollback timer was found for RGOS: the safety net is a scheduled reload to
the saved configuration (``reload in N``, answered ``y`` at ``Proceed with reload? [no]``,
then ``reload cancel``). ntc-templates has no Ruijie templates: the collection's own
(``module_utils/netdev/templates/ruijie_os``)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..errors import CommandRejected
from .base import Lines, first_value, read_clock_at
from .cisco_ios import CiscoIos
from .families import IosFamily

if TYPE_CHECKING:
    from ..session import DeviceSession

_WEEKDAY = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
# ``23:26:48 beijing Sun, Sep 27, 2020`` (an RG-S8607E on 11.0); commas tell it from IOS.
_CLOCK = re.compile(
    rf"^\s*[*.]?(\d{{1,2}}:\d{{2}}:\d{{2}})(?:\.\d+)?\s+\S+\s+{_WEEKDAY},\s+"
    r"([A-Z][a-z]{2})\s+(\d{1,2}),\s+(\d{4})\s*$"
)
# ``Proceed with reload? [no]`` (RGOS 11.x); ``Reload system?(Y/N)`` in another note.
_QUESTION = r"\[no\]|\(Y/N\)|\[Y/N\]|\[yes/no\]|\[confirm\]"
RELOAD = "ruijie-reload"


class RuijieOs(IosFamily):
    name = "ruijie_os"
    ntc_platform = "ruijie_os"
    textfsm_templates = "ruijie_os"
    vendor = "Ruijie"
    templates = "ruijie_os"
    # RGOS has no ``show inventory``: model and serial come from ``show version``.
    show_inventory = ""
    show_vlans = "show vlan"
    show_mac = "show mac-address-table"
    show_arp = "show arp"
    show_acl_numbers = "show access-lists"
    error_patterns = (*IosFamily.error_patterns, r"^% Unknown command.*$")  # type: ignore[assignment]
    gateway_prefix = "VLAN "
    interface_pattern = re.compile(
        r"^(?:(?:FastEthernet|GigabitEthernet|TenGigabitEthernet|FortyGigabitEthernet)"
        r" \d+(?:/\d+){1,2}|AggregatePort \d+)$"
    )
    interface_example = "GigabitEthernet 0/1, TenGigabitEthernet 0/25, AggregatePort 1"
    vlan_name_max = 32
    # ``ip access-group N in|out`` on ports too (RG-S2600G-I CLI reference).
    port_acl_outbound = True
    # The lab prints IOS XE's names; RGOS's own list is unconfirmed (docs/fidelity.md).
    port_names = CiscoIos.port_names
    # RGOS configurations print one VTY block (10.4, 12.6 captures)
    vty_lines = ("line vty 0 4",)  # type: ignore[assignment]

    # -- names ------------------------------------------------------------------------------
    def gateway_name(self, vlan: int) -> str:
        return f"VLAN {vlan}"

    def is_gateway(self, name: str) -> bool:
        return re.match(r"^VLAN \d+$", name) is not None

    def interface_name(self, line: str) -> str | None:
        words = line.split()
        if len(words) in (2, 3) and words[0] == "interface":
            return " ".join(words[1:])
        return None

    # -- session ----------------------------------------------------------------------------
    def after_login(self, conn: Any) -> None:
        """netmiko's ruijie_os driver checks the mode by waiting for 2 s of silence
        (``check_config_mode`` with no pattern): 4.4 s per ``config_mode``/``exit``. The
        prompt says it at once, as netmiko's cisco_ios driver reads it. (No enable check:
        the driver's session preparation has entered privileged EXEC, or failed.)"""
        from netmiko.base_connection import BaseConnection

        def check_config_mode(
            check_string: str = ")#", pattern: str = "", force_regex: bool = False
        ) -> bool:
            return BaseConnection.check_config_mode(
                conn, check_string=")#", pattern=r"[>#]", force_regex=False
            )

        conn.check_config_mode = check_config_mode

    # -- reading ----------------------------------------------------------------------------
    def read_clock(self, text: str) -> datetime | None:
        return read_clock_at(_CLOCK, text, "%H:%M:%S %b %d %Y")

    def gather_facts(self, session: DeviceSession) -> dict[str, Any]:
        version = session.parse(self.show_version)
        hardware = first_value(version, "hardware")
        return {
            # ``show version`` drops the product name's ``RG-`` (``Switch(S8607E)`` on an
            # RG-S8607E): the model as Ruijie sells it, and as an inventory names it.
            "model": f"RG-{hardware}" if hardware and not hardware.startswith("RG-") else hardware,
            "firmware": first_value(version, "version"),
            "serial": first_value(version, "serial"),
            **self.port_and_vlan_facts(session),
        }

    # -- configuration text -----------------------------------------------------------------
    def expand_trunk_vlans(self, children: list[str]) -> list[str]:
        """``... allowed vlan only LIST`` is the list itself; ``... allowed vlan all`` the
        default (every VLAN)."""
        prefix = self.trunk_vlan_command
        plain: list[str] = []
        for child in children:
            if child == f"{prefix} all":
                continue
            if child.startswith(f"{prefix} only "):
                child = f"{prefix} {child[len(prefix) + 6 :]}"
            plain.append(child)
        return super().expand_trunk_vlans(plain)

    def expand_vlan_section(self, line: str, children: list[str]) -> list[Lines] | None:
        words = line.split()
        if words[:2] == ["vlan", "range"] and len(words) == 3:
            return [(f"vlan {vid}", list(children)) for vid in sorted(self.parse_vlans(words[2]))]
        return super().expand_vlan_section(line, children)

    # -- the safety net ---------------------------------------------------------------------
    def safety_net(self, running: str, minutes: int) -> tuple[str, str, bool]:
        return (
            RELOAD,
            f"reload in {minutes} (to the saved configuration; RGOS has no rollback timer)",
            True,
        )

    def arm_safety_net(self, session: DeviceSession, kind: str, minutes: int) -> None:
        self._answered(session, f"reload in {minutes}")

    def confirm_safety_net(self, session: DeviceSession, kind: str) -> None:
        self._answered(session, "reload cancel")

    def _answered(self, session: DeviceSession, command: str) -> str:
        """A privileged command that may ask ``Proceed with reload? [no]``: answered ``y``
        (the session's own ``[Y/N]`` patterns do not know RGOS's ``[no]``: 20 s of waiting)."""
        conn = session._live()
        prompt = re.escape(conn.base_prompt)
        read = {"strip_prompt": False, "strip_command": False, "read_timeout": 20.0}
        output = session._guard(
            conn.send_command, command, expect_string=f"{_QUESTION}|{prompt}", **read
        )
        if re.search(_QUESTION, output, re.I):
            output += session._guard(conn.send_command, "y", expect_string=prompt, **read)
        if self.rejected(output):
            raise CommandRejected(
                f"the device refused {command!r}",
                device=session.params.name,
                command=command,
                output=output,
            )
        return str(output)


DIALECT = RuijieOs()
