# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a CLI family shares: the VRP-like CLIs (Huawei VRP, H3C Comware: ``undo``, ``quit``,
``#``, ``rule N``, ``10 20 to 30``) and the IOS-like ones (Cisco IOS: ``no``, ``exit``,
``!``, named ACLs with sequence numbers, ``10,20-30``). A platform's module subclasses one
and states what differs."""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .base import COMMON_UDP_PORTS, Block, Dialect, Lines

if TYPE_CHECKING:
    from ..session import DeviceSession

_VRP_ERRORS = (
    r"^\s*Error:.*$",
    r"^\s*% ?(Unrecognized|Incomplete|Wrong parameter|Too many parameters|Ambiguous).*$",
)
_WILDCARD_HOST = "0.0.0.0"
# UDP port names VRP and Comware print beyond the common ones (docs/research/issue17.md).
VRP_UDP_PORTS = {
    **COMMON_UDP_PORTS, "dns": 53, "tacacs-ds": 65, "dnsix": 90, "netbios-ssn": 139,
    "mobilip-ag": 434, "mobilip-mn": 435,
}  # fmt: skip


def vrp_single_value(access_vlan: str) -> dict[str, list[str]]:
    """The VRP-like commands where the last value wins; ``access_vlan`` is how the platform
    sets an access port's VLAN (``port default vlan `` on VRP)."""
    return {
        "interface ": [
            access_vlan,
            "port link-type ",
            "port trunk pvid vlan ",
            "description ",
            "ip address ",
        ],
        "vlan ": ["name ", "description "],
        "acl ": ["description "],
    }


def _vlanset():
    from ...netplan import vlanset

    return vlanset


def _aclports():
    from ...netplan import aclports

    return aclports


def _prompt_based_mode_check(conn: Any) -> None:
    """netmiko's VRP/Comware drivers tell system view from user view by waiting for 2 s of
    silence after a RETURN; the prompt itself says it at once (``[HOST]`` vs ``<HOST>``).
    Every config push and disconnect checks the mode, so this saves seconds per device."""
    from netmiko.base_connection import BaseConnection

    def check_config_mode(
        check_string: str = "]", pattern: str = "", force_regex: bool = False
    ) -> bool:
        return BaseConnection.check_config_mode(
            conn, check_string="]", pattern=r"[>\]]\s*$", force_regex=False
        )

    conn.check_config_mode = check_config_mode


class VrpFamily(Dialect):
    """Huawei VRP and H3C Comware: system view ``[HOST]``, user view ``<HOST>``."""

    show_running = "display current-configuration"
    show_saved = "display saved-configuration"
    show_version = "display version"
    show_clock = "display clock"
    show_interfaces = "display interface brief"
    show_mac = "display mac-address"
    error_patterns = _VRP_ERRORS
    end_command = "return"
    user_prompt = r"^<[^<>\s]+>\s*$"
    negation = "undo "
    leave = "quit"
    comment = "#"
    hostname_command = "sysname "
    trunk_link_type = "port link-type trunk"
    link_type_after_memberships = True
    acl_number_range = (3000, 3999)
    # an interface's ACL binding, formatted with ``acl`` and ``direction`` (inbound/outbound)
    acl_binding: str
    time_range_date = "%m/%d/%Y"  # how an absolute time range's dates are written

    def after_login(self, conn: Any) -> None:
        _prompt_based_mode_check(conn)

    def port_and_vlan_facts(
        self, session: DeviceSession, status: str, vlan_name: str
    ) -> dict[str, Any]:
        """Facts ``interfaces`` and ``vlans`` from the parsed ``show_interfaces`` and
        ``show_vlans``; ``status`` and ``vlan_name`` name the platform's template fields."""
        return {
            "interfaces": [
                {"name": r["interface"], "status": r[status], "protocol": r["protocol"]}
                for r in session.parse(self.show_interfaces)
            ],
            "vlans": [
                {"id": int(r["vlan_id"]), "name": r.get(vlan_name, "")}
                for r in session.parse(self.show_vlans)
            ],
        }

    def acl_filter(self, acl: str, direction: str = "inbound") -> tuple[str, str]:
        bind = self.acl_binding.format(acl=acl, direction=direction)
        return bind, f"{self.negation}{bind}"

    def time_range_lines(self, name: str, start: datetime, end: datetime) -> list[str]:
        fmt = f"%H:%M {self.time_range_date}"
        return [f"time-range {name} from {start.strftime(fmt)} to {end.strftime(fmt)}"]

    # -- configuration text -----------------------------------------------------------------
    def parse_vlans(self, text: str) -> set[int]:
        return _vlanset().parse_vrp(text)

    def format_vlans(self, vlans: list[int]) -> str:
        return _vlanset().format_vrp(vlans)

    def expand_trunk_vlans(self, children: list[str]) -> list[str]:
        prefix = self.trunk_vlan_command
        out: list[str] = []
        allowed: set[int] = set()
        trunk = False
        vlan1_removed = False
        for child in children:
            if child == self.trunk_link_type:
                trunk = True
            if child == f"{self.negation}{prefix} 1":
                vlan1_removed = True
                continue
            if child.startswith(prefix + " "):
                allowed |= self.parse_vlans(child[len(prefix) + 1 :])
                continue
            out.append(child)
        if trunk:
            if not vlan1_removed:
                allowed.add(1)  # VRP/Comware trunks carry VLAN 1 unless told otherwise
            out.extend(f"{prefix} {v}" for v in sorted(allowed))
        return out

    def folded_vlan_heads(self) -> tuple[str, ...]:
        prefix = self.trunk_vlan_command
        return (prefix, f"{self.negation}{prefix}")

    def fold_head(self, head: str) -> str:
        return head

    def acl_meaning(self, line: str, children: list[str]) -> Lines:
        if line.startswith("acl "):
            return line, [_aclports().vrp_rule(c, self.name) for c in children]
        return line, list(children)

    def hier_config_rules(self, driver: Any) -> None:
        from hier_config.models import MatchRule, NegationSubRule

        driver.rules.negation_sub.append(
            NegationSubRule(
                match_rules=(MatchRule(startswith="acl "), MatchRule(startswith="rule ")),
                search=r"^undo rule (\d+) .*$",
                replace=r"undo rule \1",
            )
        )

    # -- edits ------------------------------------------------------------------------------
    def trunk_vlan_edit(self, vlan: int) -> tuple[str, str]:
        line = f"{self.trunk_vlan_command} {vlan}"
        return f"{self.negation}{line}", line

    def acl_id(self, number: int, name: str) -> str:
        return str(number)

    def acl_rule(self, number: int, body: str) -> str:
        return f"rule {number} {body}".rstrip()

    def acl_rule_key(self, rule: str) -> str:
        return " ".join(rule.split()[:2])

    def acl_deny_host(self, ip: str) -> str:
        return f"deny ip source {ip} 0"

    def acl_permit_any(self) -> str:
        return "permit ip"

    def acl_ssh_replies_only(self, ip: str, ssh_to: str) -> list[str]:
        return [
            f"rule 5 permit tcp source {ip} 0 source-port eq 22 destination {ssh_to} 0",
            "rule 10 deny ip",
        ]

    def acl_permit_source(self, address: str, wildcard: str, time_range: str = "") -> str:
        body = f"permit ip source {address} {'0' if wildcard == _WILDCARD_HOST else wildcard}"
        return f"{body} time-range {time_range}" if time_range else body

    def filters_inbound(self, line: str) -> bool:
        return line.startswith(self.acl_filter_prefix()) and "inbound" in line

    def login_acl_bindings(self, acl: str) -> list[Block]:
        return [
            ([line, f"acl {acl} inbound", self.leave], [line, "undo acl inbound", self.leave])
            for line in self.vty_lines
        ]

    def login_acl(self, sections: dict[str, list[str]]) -> str:
        for line in self.vty_lines:
            for child in sections.get(line, []):
                match = re.match(r"^acl (\d+) inbound$", child)
                if match:
                    return match.group(1)
        return ""


class IosFamily(Dialect):
    """Cisco IOS and its look-alikes: ``HOST#``, ``HOST(config)#``, named extended ACLs."""

    show_running = "show running-config"
    show_saved = "show startup-config"
    show_version = "show version"
    show_inventory = "show inventory"
    show_vlans = "show vlan brief"
    show_interfaces = "show interfaces status"
    show_mac = "show mac address-table"
    show_arp = "show ip arp"
    show_clock = "show clock"
    error_patterns = (
        r"^% Invalid input detected.*$",
        r"^% Incomplete command.*$",
        r"^% Ambiguous command.*$",
        # an ACL entry whose sequence number is taken (named ACL configuration mode)
        r"^% Duplicate sequence number.*$",
    )
    end_command = "end"
    user_prompt = r"^[^\s()#>]+#\s*$"
    negation = "no "
    leave = "exit"
    comment = "!"
    hostname_command = "hostname "
    gateway_prefix = "Vlan"
    trunk_link_type = "switchport mode trunk"
    trunk_vlan_command = "switchport trunk allowed vlan"
    trunk_default_all_vlans = True
    acl_applied = re.compile(r"^ip access-group \S+ (in|out)$")
    port_acl_outbound = False
    acl_edits_in_place = True
    show_acl_numbers = "show ip access-lists"
    hier_config_platform = "CISCO_IOS"
    single_value = {
        "interface ": [
            "switchport access vlan ",
            "switchport trunk native vlan ",
            "switchport mode ",
            "description ",
            "ip address ",
        ],
        "vlan ": ["name "],
    }
    vty_lines = ("line vty 0 4", "line vty 5 15")
    time_range_block = True

    def port_and_vlan_facts(self, session: DeviceSession) -> dict[str, Any]:
        """Facts ``interfaces`` and ``vlans`` from the parsed ``show interfaces status`` and
        ``show vlan`` (the IOS templates' field names, Ruijie's too)."""
        return {
            "interfaces": [
                {"name": r["port"], "status": r["status"], "vlan": r["vlan_id"]}
                for r in session.parse(self.show_interfaces)
            ],
            "vlans": [
                {"id": int(r["vlan_id"]), "name": r.get("vlan_name", "")}
                for r in session.parse(self.show_vlans)
            ],
        }

    def after_login(self, conn: Any) -> None:
        if not conn.check_enable_mode():
            conn.enable()

    # -- configuration text -----------------------------------------------------------------
    def parse_vlans(self, text: str) -> set[int]:
        return _vlanset().parse_ios(text)

    def format_vlans(self, vlans: list[int]) -> str:
        return _vlanset().format_ios(vlans)

    def expand_trunk_vlans(self, children: list[str]) -> list[str]:
        prefix = self.trunk_vlan_command
        out: list[str] = []
        allowed: set[int] = set()
        trunk = False
        saw_list = False
        pattern = re.compile(rf"^{re.escape(prefix)} (add |remove |except )?(.+)$")
        for child in children:
            if child == self.trunk_link_type:
                trunk = True
            match = pattern.match(child)
            if match:
                saw_list = True
                op, vlans = (match.group(1) or "").strip(), self.parse_vlans(match.group(2))
                if op == "remove":
                    allowed -= vlans
                elif op == "except":
                    allowed = self.parse_vlans("all") - vlans
                else:
                    allowed |= vlans
                continue
            out.append(child)
        if trunk:
            if not saw_list:
                allowed = self.parse_vlans("all")
            out.extend(f"{prefix} {v}" for v in sorted(allowed))
        return out

    def expand_vlan_section(self, line: str, children: list[str]) -> list[Lines] | None:
        if "," not in line and "-" not in line:
            return None
        return [
            (f"vlan {vid}", list(children)) for vid in sorted(self.parse_vlans(line.split()[1]))
        ]

    def folded_vlan_heads(self) -> tuple[str, ...]:
        prefix = self.trunk_vlan_command
        return (prefix, f"{self.negation}{prefix}")

    def fold_head(self, head: str) -> str:
        prefix = self.trunk_vlan_command
        return f"{prefix} remove" if head.startswith(self.negation) else f"{prefix} add"

    def acl_meaning(self, line: str, children: list[str]) -> Lines:
        aclports = _aclports()
        if line.startswith("access-list "):
            return aclports.ios_numbered(line, self.name), list(children)
        if line.startswith("ip access-list "):
            return line, [aclports.ios_entry(c, self.name)[1] for c in children]
        return line, list(children)

    def hier_config_rules(self, driver: Any) -> None:
        # Remarks are part of the intent here (hier_config drops them by default), and
        # entries are compared by meaning without sequence numbers (hier_config would number
        # them 10, 20, ... by position): an ACL both sides have is edited in place by
        # sequence number (compliance ``_ios_acl_edits``), never removed and entered again.
        callbacks = driver.rules.post_load_callbacks
        callbacks[:] = [
            c
            for c in callbacks
            if c.__name__ not in ("_remove_ipv4_acl_remarks", "_add_acl_sequence_numbers")
        ]

    # -- edits ------------------------------------------------------------------------------
    def trunk_vlan_edit(self, vlan: int) -> tuple[str, str]:
        prefix = self.trunk_vlan_command
        return f"{prefix} remove {vlan}", f"{prefix} add {vlan}"

    def acl_header(self, acl: str) -> str:
        return f"ip access-list extended {acl}"

    def acl_id(self, number: int, name: str) -> str:
        return name

    def acl_rule(self, number: int, body: str) -> str:
        return f"{number} {body}".rstrip()

    def acl_rule_key(self, rule: str) -> str:
        """The sequence number where the device prints it (IOS XE), else the entry's own
        text (``no permit ip host ...``, classic IOS)."""
        words = rule.split()
        return words[0] if words[0].isdigit() else " ".join(words)

    def acl_filter(self, acl: str, direction: str = "inbound") -> tuple[str, str]:
        bind = f"ip access-group {acl} {'in' if direction == 'inbound' else 'out'}"
        return bind, f"{self.negation}{bind}"

    def acl_filter_prefix(self) -> str:
        return "ip access-group "

    def filters_inbound(self, line: str) -> bool:
        return line.startswith(self.acl_filter_prefix()) and (
            "inbound" in line or line.endswith(" in")
        )

    def acl_deny_host(self, ip: str) -> str:
        return f"deny ip host {ip} any"

    def acl_permit_any(self) -> str:
        return "permit ip any any"

    def acl_ssh_replies_only(self, ip: str, ssh_to: str) -> list[str]:
        return [f"10 permit tcp host {ip} eq 22 host {ssh_to}", "20 deny ip any any"]

    def acl_permit_source(self, address: str, wildcard: str, time_range: str = "") -> str:
        source = f"host {address}" if wildcard == _WILDCARD_HOST else f"{address} {wildcard}"
        body = f"permit ip {source} any"
        return f"{body} time-range {time_range}" if time_range else body

    def time_range_lines(self, name: str, start: datetime, end: datetime) -> list[str]:
        fmt = "%H:%M {day} %B %Y"
        return [
            f"time-range {name}",
            f"absolute start {start.strftime(fmt.format(day=f'{start.day:02d}'))} "
            f"end {end.strftime(fmt.format(day=f'{end.day:02d}'))}",
            "exit",
        ]

    def login_acl_bindings(self, acl: str) -> list[Block]:
        bind = f"access-class {acl} in"
        return [
            ([line, bind, self.leave], [line, f"{self.negation}{bind}", self.leave])
            for line in self.vty_lines
        ]

    def login_acl(self, sections: dict[str, list[str]]) -> str:
        for line in self.vty_lines:
            for child in sections.get(line, []):
                match = re.match(r"^access-class (\S+) in$", child)
                if match:
                    return match.group(1)
        return ""
