# Copyright: hisops developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a platform's dialect is: every fact and every sentence of a switch CLI that differs
between platforms, asked by the domain code instead of testing the platform's name.

A dialect is data (class attributes: commands, names, patterns) and behaviour (methods:
how a clock, the facts or a trunk's VLAN list are read, how a safety net is armed). The
attributes a dialect must set are listed in ``REQUIRED``; the methods it must implement are
the abstract ones. Most of them are shared by a CLI family (``families.py``: VRP-like,
IOS-like); a platform module states what its family does not. See docs/dialects.md.
"""

from __future__ import annotations

import abc
import os
import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..session import DeviceSession

# (configuration lines that make a change, the lines that undo it)
Block = tuple[list[str], list[str]]
# (a section's line, its children): what a configuration tree section is, without its class
Lines = tuple[str, list[str]]


class Dialect(abc.ABC):
    """One platform (a netmiko ``device_type``). Instances are immutable singletons held by
    the registry (``dialects.dialect_for``)."""

    # -- identity -------------------------------------------------------------------------
    name: str  # netmiko device_type, and hisops_platform
    ntc_platform: str  # ntc-templates platform name (TextFSM templates)
    vendor: str
    # The collection's own TextFSM templates for a platform ntc-templates does not cover: a
    # folder of ``module_utils/netdev/templates/`` with an ntc-templates style ``index``;
    # "" parses with ntc-templates.
    textfsm_templates: str = ""
    # ``ansible_network_os`` values that mean this platform (besides its name).
    network_os: tuple[str, ...] = ()

    # -- show commands ----------------------------------------------------------------------
    show_running: str
    show_saved: str
    show_version: str
    show_inventory: str
    show_vlans: str
    show_interfaces: str
    show_mac: str
    show_arp: str
    show_clock: str

    # -- session ----------------------------------------------------------------------------
    # Text a device prints when it refuses a line; any match fails the push.
    error_patterns: tuple[str, ...] = ()
    # From any configuration view straight back to user view, and user view's prompt.
    end_command: str
    user_prompt: str
    # Extra netmiko ConnectHandler arguments.
    netmiko_options: dict[str, Any] = {}

    # -- grammar ----------------------------------------------------------------------------
    negation: str  # "undo " / "no "
    leave: str  # leaves a sub-view: "quit" / "exit"
    comment: str  # the block separator the configuration prints: "#" / "!"
    templates: str  # the switch_intended role's template folder of this platform
    hostname_command: str  # "sysname " / "hostname "
    # Top-level lines printed with one leading blank (Comware): not children.
    indented_top_level: bool = False

    # -- interfaces and VLANs ---------------------------------------------------------------
    gateway_prefix: str  # Vlanif / Vlan-interface / Vlan
    interface_pattern: re.Pattern[str]  # full port names (abbreviations refused)
    interface_example: str
    vlan_name_max: int
    trunk_link_type: str  # the line that makes a port a trunk
    trunk_vlan_command: str  # the trunk's VLAN list command (without add/remove)
    # A new trunk carries every VLAN (IOS) rather than VLAN 1 only (VRP, Comware).
    trunk_default_all_vlans: bool = False
    # ``vlan batch`` (VRP): a batch removal also removes the per-VLAN sections.
    vlan_batch: bool = False
    # ``undo vlan 10 to 20`` (Comware): per-VLAN removals folded into one range.
    undo_vlan_ranges: bool = False
    # Memberships must be removed before the link type changes (VRP, Comware).
    link_type_after_memberships: bool = False

    # -- ACLs -------------------------------------------------------------------------------
    # An interface's line that applies an ACL (it belongs to the acl feature).
    acl_applied: re.Pattern[str]
    # Advanced ACL numbers (VRP/Comware: 3000-3999); None: ACLs are named (IOS).
    acl_number_range: tuple[int, int] | None = None
    # A switch port can filter outbound (IOS port ACLs are inbound only).
    port_acl_outbound: bool = True
    # Named ACL entries carry sequence numbers and are edited in place by them (IOS).
    acl_edits_in_place: bool = False
    # The command listing ACLs with their sequence numbers (acl_edits_in_place only).
    show_acl_numbers: str = ""
    # Well-known port names the platform prints in ACLs: protocol -> name -> number.
    port_names: dict[str, dict[str, int]] = {}

    # -- compliance (hier_config) -----------------------------------------------------------
    hier_config_platform: str  # the hier_config Platform member closest to this dialect
    # Commands where the last value wins: parent prefix -> child prefixes.
    single_value: dict[str, list[str]] = {}

    # -- management access ------------------------------------------------------------------
    vty_lines: tuple[str, ...] = ()
    # A time range prints its period under its line (IOS) rather than on it.
    time_range_block: bool = False

    REQUIRED = (
        "name",
        "ntc_platform",
        "vendor",
        "show_running",
        "show_saved",
        "show_version",
        "show_inventory",
        "show_vlans",
        "show_interfaces",
        "show_mac",
        "show_arp",
        "show_clock",
        "end_command",
        "user_prompt",
        "negation",
        "leave",
        "comment",
        "templates",
        "hostname_command",
        "gateway_prefix",
        "interface_pattern",
        "interface_example",
        "vlan_name_max",
        "trunk_link_type",
        "trunk_vlan_command",
        "acl_applied",
        "hier_config_platform",
        "vty_lines",
        "error_patterns",
    )

    def __repr__(self) -> str:
        return f"<dialect {self.name}>"

    # -- session ----------------------------------------------------------------------------
    # -- names ----------------------------------------------------------------------------
    def gateway_name(self, vlan: int) -> str:
        """The VLAN's gateway interface (``Vlanif10``, ``Vlan-interface10``, ``Vlan10``)."""
        return f"{self.gateway_prefix}{vlan}"

    def is_gateway(self, name: str) -> bool:
        return re.match(rf"^{re.escape(self.gateway_prefix)}\d+$", name) is not None

    def interface_name(self, line: str) -> str | None:
        """The interface an ``interface X`` section line enters (None: not one)."""
        words = line.split()
        return words[1] if len(words) == 2 and words[0] == "interface" else None

    def rejected(self, output: str) -> bool:
        return any(re.search(p, output, re.M) for p in self.error_patterns)

    @abc.abstractmethod
    def after_login(self, conn: Any) -> None:
        """Ready a fresh netmiko connection (privileged mode, faster mode checks)."""

    def save_config(self, conn: Any) -> str:
        """The save dialog: netmiko's driver answers the platform's questions."""
        return str(conn.save_config())

    def parse_output(self, command: str, text: str) -> list[dict[str, str]]:
        """A display/show output parsed with the platform's TextFSM template."""
        from ntc_templates.parse import parse_output

        template_dir = None
        if self.textfsm_templates:
            template_dir = os.path.join(textfsm_root(), self.textfsm_templates)
        return list(
            parse_output(
                platform=self.ntc_platform, command=command, data=text, template_dir=template_dir
            )
        )

    # -- reading ----------------------------------------------------------------------------
    @abc.abstractmethod
    def read_clock(self, text: str) -> datetime | None:
        """The naive local wall-clock time ``show_clock`` prints, None when not its format."""

    @abc.abstractmethod
    def gather_facts(self, session: DeviceSession) -> dict[str, Any]:
        """model, firmware, serial, interfaces ([{name, status, ...}]), vlans ([{id, name}])."""

    # -- the safety net ---------------------------------------------------------------------
    @abc.abstractmethod
    def safety_net(self, running: str, minutes: int) -> tuple[str, str, bool]:
        """The net this platform arms before a change: (kind, description, reboot). A reboot
        net returns to the saved configuration, which must equal the running one first."""

    @abc.abstractmethod
    def arm_safety_net(self, session: DeviceSession, kind: str, minutes: int) -> None:
        """Arm the net ``safety_net`` chose (nothing to send when entering configuration
        mode arms it, see ``config_mode_command``)."""

    @abc.abstractmethod
    def confirm_safety_net(self, session: DeviceSession, kind: str) -> None:
        """Keep the change: disarm the net (from a new session)."""

    def config_mode_command(self, kind: str, minutes: int) -> str | None:
        """How a change enters configuration mode under the net ``kind`` (None: as usual)."""
        return None

    # -- configuration text -----------------------------------------------------------------
    @abc.abstractmethod
    def parse_vlans(self, text: str) -> set[int]:
        """A VLAN list as the platform writes it (``10 20 to 30`` / ``10,20-30``)."""

    @abc.abstractmethod
    def format_vlans(self, vlans: list[int]) -> str:
        """A VLAN list in the platform's syntax."""

    @abc.abstractmethod
    def expand_trunk_vlans(self, children: list[str]) -> list[str]:
        """An interface's children with its trunk VLAN list as one canonical line per VLAN
        (``<trunk_vlan_command> <vid>``), the platform's default VLANs included."""

    @abc.abstractmethod
    def expand_vlan_section(self, line: str, children: list[str]) -> list[Lines] | None:
        """A section that defines several VLANs at once, one section per VLAN (None: not)."""

    @abc.abstractmethod
    def folded_vlan_heads(self) -> tuple[str, ...]:
        """Canonical per-VLAN line heads that remediation folds back into one list line."""

    @abc.abstractmethod
    def fold_head(self, head: str) -> str:
        """The line head a folded VLAN list is written with (IOS: ``... add``/``... remove``)."""

    @abc.abstractmethod
    def acl_meaning(self, line: str, children: list[str]) -> Lines:
        """An ACL section as what it means: port names as numbers, blanks collapsed,
        sequence numbers dropped where the entry's place is its order."""

    @abc.abstractmethod
    def hier_config_rules(self, driver: Any) -> None:
        """Adjust hier_config's driver: how the platform removes an ACL and a rule."""

    # -- edits ------------------------------------------------------------------------------
    @abc.abstractmethod
    def trunk_vlan_edit(self, vlan: int) -> tuple[str, str]:
        """(remove ``vlan`` from a trunk, add it back), interface view."""

    @abc.abstractmethod
    def acl_header(self, acl: str) -> str:
        """The line that enters the advanced/extended ACL ``acl`` (a number, or a name)."""

    @abc.abstractmethod
    def acl_id(self, number: int, name: str) -> str:
        """What identifies an ACL hisops creates: its number, or ``name`` where ACLs are named."""

    @abc.abstractmethod
    def acl_rule(self, number: int, body: str) -> str:
        """An ACL entry at ``number``."""

    @abc.abstractmethod
    def acl_rule_key(self, rule: str) -> str:
        """What removes the entry ``rule`` as displayed (after the negation)."""

    @abc.abstractmethod
    def acl_filter(self, acl: str, direction: str = "inbound") -> tuple[str, str]:
        """(bind ACL ``acl`` to an interface, unbind it)."""

    @abc.abstractmethod
    def acl_filter_prefix(self) -> str:
        """How every ACL binding line of an interface starts."""

    @abc.abstractmethod
    def filters_inbound(self, line: str) -> bool:
        """Whether an interface's line binds an ACL inbound."""

    @abc.abstractmethod
    def acl_deny_host(self, ip: str) -> str:
        """Entry body: deny everything from the address ``ip``."""

    @abc.abstractmethod
    def acl_permit_any(self) -> str:
        """Entry body: permit everything."""

    @abc.abstractmethod
    def acl_ssh_replies_only(self, ip: str, ssh_to: str) -> list[str]:
        """Entries (numbered): only ``ip``'s SSH replies to ``ssh_to`` pass, nothing else."""

    @abc.abstractmethod
    def acl_permit_source(self, address: str, wildcard: str, time_range: str = "") -> str:
        """Entry body: permit IP from ``address``/``wildcard`` (0.0.0.0: a host), optionally
        only within ``time_range``."""

    @abc.abstractmethod
    def time_range_lines(self, name: str, start: datetime, end: datetime) -> list[str]:
        """An absolute time range from ``start`` to ``end`` (device local time)."""

    @abc.abstractmethod
    def login_acl_bindings(self, acl: str) -> list[Block]:
        """How the login (VTY/SSH) ACL ``acl`` is bound and unbound."""

    @abc.abstractmethod
    def login_acl(self, sections: dict[str, list[str]]) -> str:
        """The ACL that filters logins in a configuration's sections ("" when none)."""


# A module Ansible runs from its zipped payload has no template files beside its code: the
# action plugin (controller side) names the collection's folder in this variable.
TEXTFSM_TEMPLATES_ENV = "HISOPS_TEXTFSM_TEMPLATES"


def textfsm_root() -> str:
    """The folder of the collection's TextFSM templates (``module_utils/netdev/templates``)."""
    here = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "templates")
    return here if os.path.isdir(here) else os.environ.get(TEXTFSM_TEMPLATES_ENV, here)


def first_value(rows: list[dict[str, Any]], key: str, default: str = "") -> str:
    """The first non-empty ``key`` of parsed rows (lists: their first element)."""
    for row in rows:
        value = row.get(key)
        if isinstance(value, list):
            value = value[0] if value else ""
        if value:
            return str(value).strip()
    return default


def first_match(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    for line in (text or "").splitlines():
        match = pattern.match(line)
        if match:
            return match
    return None


def read_clock_at(pattern: re.Pattern[str], text: str, fmt: str) -> datetime | None:
    """The time on the first line of ``text`` that ``pattern`` matches: its groups joined by
    blanks, read with ``fmt`` (None when no line matches)."""
    match = first_match(pattern, text)
    if not match:
        return None
    return datetime.strptime(" ".join(match.groups()), fmt)


# Well-known port names VRP, Comware and IOS print alike in ACLs (each adds its own).
COMMON_TCP_PORTS = {
    "echo": 7, "discard": 9, "daytime": 13, "chargen": 19, "ftp-data": 20, "ftp": 21,
    "telnet": 23, "smtp": 25, "time": 37, "whois": 43, "tacacs": 49, "domain": 53,
    "gopher": 70, "finger": 79, "www": 80, "hostname": 101, "pop2": 109, "pop3": 110,
    "sunrpc": 111, "nntp": 119, "bgp": 179, "irc": 194, "exec": 512, "login": 513,
    "cmd": 514, "lpd": 515, "talk": 517, "uucp": 540, "klogin": 543, "kshell": 544,
}  # fmt: skip
COMMON_UDP_PORTS = {
    "echo": 7, "discard": 9, "time": 37, "nameserver": 42, "bootps": 67, "bootpc": 68,
    "tftp": 69, "sunrpc": 111, "ntp": 123, "netbios-ns": 137, "netbios-dgm": 138,
    "snmp": 161, "snmptrap": 162, "xdmcp": 177, "biff": 512, "who": 513, "syslog": 514,
    "talk": 517, "rip": 520,
}  # fmt: skip
